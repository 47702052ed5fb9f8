//! Transaction monitoring (X.1405 8.4.3): the rules governance sets per token, the sliding
//! windows the ledger keeps per (account, token) on both sides of a transfer, and the alerts a
//! transfer raises. The ledger crate applies them; this module only defines and checks them.

use crate::hash::AccountId;
use crate::payment::{HOLD_TIMEOUT_MS_MAX, MONITOR_WINDOW_MS_MAX, u128_text};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// A window is measured in this many steps of `window_ms / WINDOW_STEPS` (rounded up): it
/// counts every transfer of the last `window_ms − step`, and none older than `window_ms`.
/// Sixteen steps bound the stored state per (account, token) while making the boundary
/// dodge of a tumbling window (split a payment across the reset) useless.
pub const WINDOW_STEPS: u64 = 16;
/// Most distinct senders an inflow window remembers. `distinct_senders_max` must stay below
/// it, so a saturated list still proves the rule was exceeded.
pub const DISTINCT_SENDERS_TRACKED_MAX: usize = 64;
/// KYC tiers are `0..KYC_TIERS`; tier 0 is an account without a KYC record.
pub const KYC_TIERS: u8 = 8;

/// Monitoring rules for one token (X.1405 8.4.3), set by governance. Amounts are in the
/// token's base units; a zero turns that rule off. Windows slide (see [`WINDOW_STEPS`]).
#[derive(
    Clone, PartialEq, Eq, Debug, Default, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct MonitoringRules {
    /// A single leg of at least this amount is held.
    #[serde(with = "u128_text")]
    pub large_amount: u128,
    pub window_ms: u64,
    /// More than this amount sent within one window is held.
    #[serde(with = "u128_text")]
    pub window_amount_max: u128,
    /// More than this many legs within one window are held.
    pub window_count_max: u32,
    /// A leg in `[large_amount × floor_bps / 10_000, large_amount)` is "just under" the threshold…
    pub structuring_floor_bps: u16,
    /// …and this many of them in one window are held as structuring.
    pub structuring_count: u32,
    /// A pending hold not decided within this time is voided (funds return to the sender).
    pub hold_timeout_ms: u64,
    /// The receiving side: more than this amount received by one account within a window…
    #[serde(with = "u128_text")]
    pub inflow_amount_max: u128,
    /// …more than this many legs received…
    pub inflow_count_max: u32,
    /// …or legs from more than this many distinct senders (the mule receiving from fifty
    /// accounts) are held.
    pub distinct_senders_max: u32,
    /// Limits by the sender's KYC tier, ascending by tier, at most one per tier.
    pub tier_limits: Vec<TierLimit>,
    /// Starts at 1, +1 on every change (G-RULES: every parameter is versioned).
    pub version: u64,
}

/// What an account of one KYC tier may send before monitoring holds it.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    Default,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
pub struct TierLimit {
    pub tier: u8,
    /// A single leg above this amount is held (0: no limit).
    #[serde(with = "u128_text")]
    pub leg_amount_max: u128,
    /// More than this sent within the window is held (0: no limit).
    #[serde(with = "u128_text")]
    pub window_amount_max: u128,
}

impl MonitoringRules {
    pub fn check(&self) -> Result<(), String> {
        if self.window_ms > MONITOR_WINDOW_MS_MAX {
            return Err(format!("window_ms at most {MONITOR_WINDOW_MS_MAX}"));
        }
        if self.hold_timeout_ms == 0 || self.hold_timeout_ms > HOLD_TIMEOUT_MS_MAX {
            return Err(format!("hold_timeout_ms must be 1..={HOLD_TIMEOUT_MS_MAX}"));
        }
        if self.structuring_floor_bps > 10_000 {
            return Err("structuring_floor_bps at most 10000".into());
        }
        if self.uses_window() && self.window_ms == 0 {
            return Err("window rules need window_ms > 0".into());
        }
        if self.structuring_count > 0 && self.large_amount == 0 {
            return Err("structuring is measured against large_amount, which is 0".into());
        }
        if self.distinct_senders_max as usize >= DISTINCT_SENDERS_TRACKED_MAX {
            return Err(format!(
                "distinct_senders_max at most {}",
                DISTINCT_SENDERS_TRACKED_MAX - 1
            ));
        }
        if self.tier_limits.len() > usize::from(KYC_TIERS) {
            return Err(format!("at most {KYC_TIERS} tier limits"));
        }
        for pair in self.tier_limits.windows(2) {
            if pair[0].tier >= pair[1].tier {
                return Err("tier_limits must be ascending by tier, one per tier".into());
            }
        }
        if self.tier_limits.iter().any(|t| t.tier >= KYC_TIERS) {
            return Err(format!("tiers are 0..{KYC_TIERS}"));
        }
        Ok(())
    }

    /// Whether any rule counts over a window.
    pub fn uses_window(&self) -> bool {
        self.uses_send_window() || self.uses_inflow()
    }

    /// Whether any rule counts the sender's legs over a window.
    pub fn uses_send_window(&self) -> bool {
        self.window_amount_max > 0
            || self.window_count_max > 0
            || self.structuring_count > 0
            || self.tier_limits.iter().any(|t| t.window_amount_max > 0)
    }

    /// Whether any rule watches the receiving side.
    pub fn uses_inflow(&self) -> bool {
        self.inflow_amount_max > 0 || self.inflow_count_max > 0 || self.distinct_senders_max > 0
    }

    /// The limit for a sender of `tier`, if governance set one.
    pub fn tier_limit(&self, tier: u8) -> Option<&TierLimit> {
        self.tier_limits.iter().find(|t| t.tier == tier)
    }

    /// Whether `amount` is just under the large-transfer threshold.
    pub fn just_under(&self, amount: u128) -> bool {
        if self.large_amount == 0 || self.structuring_count == 0 {
            return false;
        }
        // floor = large × bps / 10_000 without overflow: divide first, then add the remainder part.
        let bps = u128::from(self.structuring_floor_bps);
        let floor =
            (self.large_amount / 10_000) * bps + (self.large_amount % 10_000) * bps / 10_000;
        amount >= floor && amount < self.large_amount
    }
}

/// One step of a sliding window: what was counted in `[index × step, (index + 1) × step)`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, BorshSerialize, BorshDeserialize)]
pub struct Step {
    pub index: u64,
    pub amount: u128,
    pub count: u32,
    pub just_under: u32,
}

/// A sliding window's totals after a leg was added.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Totals {
    pub amount: u128,
    pub count: u32,
    pub just_under: u32,
}

/// The sliding monitoring window of one (account, token) and one direction: at most
/// [`WINDOW_STEPS`] steps, ascending by index.
#[derive(Clone, PartialEq, Eq, Debug, Default, BorshSerialize, BorshDeserialize)]
pub struct Window {
    pub steps: Vec<Step>,
}

/// The step a time falls in, and the oldest step still inside the window.
fn step_bounds(window_ms: u64, now_ms: u64) -> (u64, u64) {
    assert!(window_ms > 0, "a window needs a length");
    let step_ms = window_ms.div_ceil(WINDOW_STEPS);
    let current = now_ms / step_ms;
    (current, current.saturating_sub(WINDOW_STEPS - 1))
}

impl Window {
    /// Drops steps that slid out, counts a leg of `amount` at `now_ms` and returns the totals
    /// over the window. `None` when the amount total would overflow.
    pub fn add(
        &mut self,
        window_ms: u64,
        now_ms: u64,
        amount: u128,
        just_under: bool,
    ) -> Option<Totals> {
        let (current, oldest) = step_bounds(window_ms, now_ms);
        self.steps.retain(|s| s.index >= oldest);
        match self.steps.last_mut() {
            Some(last) if last.index == current => {
                last.amount = last.amount.checked_add(amount)?;
                last.count = last.count.saturating_add(1);
                last.just_under = last.just_under.saturating_add(u32::from(just_under));
            }
            // Block time never goes back, so a new step is always the newest.
            _ => self.steps.push(Step {
                index: current,
                amount,
                count: 1,
                just_under: u32::from(just_under),
            }),
        }
        assert!(
            self.steps.len() as u64 <= WINDOW_STEPS,
            "a window holds at most {WINDOW_STEPS} steps"
        );
        let mut totals = Totals::default();
        for s in &self.steps {
            totals.amount = totals.amount.checked_add(s.amount)?;
            totals.count = totals.count.saturating_add(s.count);
            totals.just_under = totals.just_under.saturating_add(s.just_under);
        }
        Some(totals)
    }
}

/// The receiving side of one (account, token): what it received, and from whom.
#[derive(Clone, PartialEq, Eq, Debug, Default, BorshSerialize, BorshDeserialize)]
pub struct Inflow {
    pub window: Window,
    /// Each sender seen within the window with the last step it sent in, sorted by account;
    /// at most [`DISTINCT_SENDERS_TRACKED_MAX`].
    pub senders: Vec<(AccountId, u64)>,
}

impl Inflow {
    /// Counts a leg from `sender`; returns the window totals and the distinct senders in it
    /// (saturating at [`DISTINCT_SENDERS_TRACKED_MAX`]).
    pub fn add(
        &mut self,
        window_ms: u64,
        now_ms: u64,
        sender: AccountId,
        amount: u128,
    ) -> Option<(Totals, u32)> {
        let totals = self.window.add(window_ms, now_ms, amount, false)?;
        let (current, oldest) = step_bounds(window_ms, now_ms);
        self.senders.retain(|(_, last)| *last >= oldest);
        match self.senders.binary_search_by(|(a, _)| a.cmp(&sender)) {
            Ok(i) => self.senders[i].1 = current,
            // A full list already shows more senders than any rule allows (the rule's maximum
            // is below the list's): a new sender is counted, not stored.
            Err(_) if self.senders.len() >= DISTINCT_SENDERS_TRACKED_MAX => {
                return Some((totals, DISTINCT_SENDERS_TRACKED_MAX as u32 + 1));
            }
            Err(i) => self.senders.insert(i, (sender, current)),
        }
        Some((totals, self.senders.len() as u32))
    }
}

/// Which monitoring rule a transfer hit.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum Alert {
    LargeTransfer {
        token: String,
        #[serde(with = "u128_text")]
        amount: u128,
    },
    VelocityAmount {
        token: String,
        #[serde(with = "u128_text")]
        window_amount: u128,
    },
    VelocityCount {
        token: String,
        window_count: u32,
    },
    Structuring {
        token: String,
        just_under_count: u32,
    },
    /// The recipient's inflow within the window.
    InflowAmount {
        token: String,
        account: AccountId,
        #[serde(with = "u128_text")]
        window_amount: u128,
    },
    InflowCount {
        token: String,
        account: AccountId,
        window_count: u32,
    },
    DistinctSenders {
        token: String,
        account: AccountId,
        senders: u32,
    },
    /// The sender's KYC tier allows less in one leg…
    TierLeg {
        token: String,
        tier: u8,
        #[serde(with = "u128_text")]
        amount: u128,
    },
    /// …or within the window.
    TierWindow {
        token: String,
        tier: u8,
        #[serde(with = "u128_text")]
        window_amount: u128,
    },
    /// A party's screening commitment is on the governed sanctions list.
    Sanctions {
        account: AccountId,
        list_version: u64,
    },
}

/// Every alert rule name, in variant order (metrics list them all, raised or not).
pub const ALERT_RULES: [&str; 10] = [
    "large_transfer",
    "velocity_amount",
    "velocity_count",
    "structuring",
    "inflow_amount",
    "inflow_count",
    "distinct_senders",
    "tier_leg",
    "tier_window",
    "sanctions",
];

impl Alert {
    pub fn rule(&self) -> &'static str {
        match self {
            Alert::LargeTransfer { .. } => "large_transfer",
            Alert::VelocityAmount { .. } => "velocity_amount",
            Alert::VelocityCount { .. } => "velocity_count",
            Alert::Structuring { .. } => "structuring",
            Alert::InflowAmount { .. } => "inflow_amount",
            Alert::InflowCount { .. } => "inflow_count",
            Alert::DistinctSenders { .. } => "distinct_senders",
            Alert::TierLeg { .. } => "tier_leg",
            Alert::TierWindow { .. } => "tier_window",
            Alert::Sanctions { .. } => "sanctions",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn just_under_is_a_band_below_the_threshold() {
        let r = MonitoringRules {
            large_amount: 10_000,
            structuring_floor_bps: 9_000,
            structuring_count: 3,
            window_ms: 1,
            hold_timeout_ms: 1,
            ..Default::default()
        };
        assert!(!r.just_under(8_999));
        assert!(r.just_under(9_000));
        assert!(r.just_under(9_999));
        assert!(!r.just_under(10_000));
        let huge = MonitoringRules {
            large_amount: u128::MAX,
            ..r
        };
        assert!(huge.just_under(u128::MAX - 1));
    }

    /// A model: every (time, amount) kept; the window sums those within the last
    /// `window_ms − step` exactly, and may count up to one step more.
    #[test]
    fn sliding_window_matches_a_model_of_every_leg() {
        let window_ms = 16_000u64;
        let step = window_ms / WINDOW_STEPS;
        let mut w = Window::default();
        let mut legs: Vec<(u64, u128)> = Vec::new();
        let mut now = 0u64;
        let mut seed = 7u64;
        for _ in 0..2_000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            now += (seed >> 33) % 1_500;
            let amount = u128::from((seed >> 20) % 100);
            legs.push((now, amount));
            let totals = w.add(window_ms, now, amount, false).unwrap();
            let sure: u128 = legs
                .iter()
                .filter(|(t, _)| now - t < window_ms - step)
                .map(|l| l.1)
                .sum();
            let most: u128 = legs
                .iter()
                .filter(|(t, _)| now - t < window_ms)
                .map(|l| l.1)
                .sum();
            assert!(
                sure <= totals.amount && totals.amount <= most,
                "{sure} ≤ {} ≤ {most} at {now}",
                totals.amount
            );
            assert!(w.steps.len() as u64 <= WINDOW_STEPS);
        }
    }

    #[test]
    fn a_split_across_the_old_reset_point_still_counts() {
        // 1 h window: 900 at 59 min and 900 at 61 min are 1 800 within the hour.
        let mut w = Window::default();
        let hour = 3_600_000;
        w.add(hour, 59 * 60_000, 900, false).unwrap();
        assert_eq!(w.add(hour, 61 * 60_000, 900, false).unwrap().amount, 1_800);
        // Two hours later both slid out.
        assert_eq!(w.add(hour, 3 * hour, 1, false).unwrap().amount, 1);
    }

    #[test]
    fn inflow_counts_distinct_senders_and_forgets_old_ones() {
        let mut f = Inflow::default();
        let hour = 3_600_000;
        for n in 0..5u8 {
            f.add(hour, 1_000, AccountId([n; 32]), 1).unwrap();
        }
        assert_eq!(
            f.add(hour, 2_000, AccountId([0; 32]), 1).unwrap().1,
            5,
            "a repeat sender counts once"
        );
        assert_eq!(
            f.add(hour, 2 * hour, AccountId([9; 32]), 1).unwrap().1,
            1,
            "old senders slid out"
        );
        let mut full = Inflow::default();
        for n in 0..DISTINCT_SENDERS_TRACKED_MAX {
            full.add(hour, 0, AccountId([n as u8; 32]), 1).unwrap();
        }
        assert_eq!(
            full.add(hour, 0, AccountId([255; 32]), 1).unwrap().1 as usize,
            DISTINCT_SENDERS_TRACKED_MAX + 1
        );
        assert_eq!(full.senders.len(), DISTINCT_SENDERS_TRACKED_MAX);
    }

    #[test]
    fn alert_rules_lists_every_variant_in_order() {
        let (a, t) = (AccountId([1; 32]), || "EUR".to_string());
        let every = [
            Alert::LargeTransfer { token: t(), amount: 1 },
            Alert::VelocityAmount { token: t(), window_amount: 1 },
            Alert::VelocityCount { token: t(), window_count: 1 },
            Alert::Structuring { token: t(), just_under_count: 1 },
            Alert::InflowAmount { token: t(), account: a, window_amount: 1 },
            Alert::InflowCount { token: t(), account: a, window_count: 1 },
            Alert::DistinctSenders { token: t(), account: a, senders: 1 },
            Alert::TierLeg { token: t(), tier: 0, amount: 1 },
            Alert::TierWindow { token: t(), tier: 0, window_amount: 1 },
            Alert::Sanctions { account: a, list_version: 1 },
        ];
        for (i, alert) in every.iter().enumerate() {
            assert_eq!(alert.rule(), ALERT_RULES[i]);
            assert_eq!(borsh::to_vec(alert).unwrap()[0] as usize, i, "variant order");
        }
    }

    #[test]
    fn rules_are_checked() {
        let ok = MonitoringRules {
            hold_timeout_ms: 1,
            window_ms: 1_000,
            distinct_senders_max: 3,
            ..Default::default()
        };
        assert!(ok.check().is_ok());
        assert!(
            MonitoringRules {
                window_ms: 0,
                ..ok.clone()
            }
            .check()
            .unwrap_err()
            .contains("window_ms")
        );
        assert!(
            MonitoringRules {
                distinct_senders_max: 64,
                ..ok.clone()
            }
            .check()
            .is_err()
        );
        let t = |tier| TierLimit {
            tier,
            leg_amount_max: 1,
            window_amount_max: 0,
        };
        assert!(
            MonitoringRules {
                tier_limits: vec![t(1), t(1)],
                ..ok.clone()
            }
            .check()
            .unwrap_err()
            .contains("ascending")
        );
        assert!(
            MonitoringRules {
                tier_limits: vec![t(KYC_TIERS)],
                ..ok.clone()
            }
            .check()
            .is_err()
        );
        assert!(
            MonitoringRules {
                tier_limits: vec![t(0), t(3)],
                ..ok
            }
            .check()
            .is_ok()
        );
    }
}
