//! Transfer monitoring (X.1405 8.4.3): runs the governed rules on both sides of every leg —
//! the sender's sliding window and KYC tier, the recipient's inflow and distinct senders —
//! and the sanctions list on every party. Any hit holds the whole transfer with its alerts;
//! an expired identity check refuses the sender. Every leg counts towards the windows, held
//! or not, so splitting a payment cannot dodge the rules.

use crate::env::BlockEnv;
use crate::error::TxError;
use crate::kyc;
use crate::state::LedgerState;
use std::collections::BTreeSet;
use vellum_types::payment::{HOLD_TIMEOUT_MS_MAX, SettledLeg};
use vellum_types::{AccountId, Alert, Hash32, MonitoringRules, StateKey};

type Touched = BTreeSet<Hash32>;

/// A sanctions hold waits the longest a hold may (a timeout would hand the funds back to a
/// sanctioned party without anyone deciding).
pub const SANCTIONS_HOLD_TIMEOUT_MS: u64 = HOLD_TIMEOUT_MS_MAX;

/// What monitoring found: the alerts (none: the transfer settles) and the hold timeout.
#[derive(Default)]
pub(crate) struct Verdict {
    pub alerts: Vec<Alert>,
    pub timeout_ms: u64,
}

impl Verdict {
    /// Adds the alerts raised since `before` under `timeout_ms`.
    fn raised_since(&mut self, before: usize, timeout_ms: u64) {
        if self.alerts.len() > before {
            self.timeout_ms = self.timeout_ms.max(timeout_ms);
        }
    }
}

/// Runs every rule on a transfer's legs, updating the windows it counts in.
pub(crate) fn check(
    state: &mut LedgerState,
    sender: &AccountId,
    legs: &[SettledLeg],
    env: BlockEnv,
    touched: &mut Touched,
) -> Result<Verdict, TxError> {
    let (tier, screening) = kyc::sender_terms(state, sender, env)?;
    let mut verdict = Verdict::default();
    for leg in legs {
        let rules = state.monitoring(&leg.token);
        if let Some(rules) = &rules {
            sending(state, (sender, tier), leg, rules, env, touched, &mut verdict)?;
        }
        // Most legs credit the token they debit: its rules were just read.
        let credited = if leg.credit_token == leg.token { rules } else { state.monitoring(&leg.credit_token) };
        if let Some(rules) = credited.filter(MonitoringRules::uses_inflow) {
            receiving(state, sender, leg, &rules, env, touched, &mut verdict)?;
        }
    }
    sanctions(state, (sender, screening), legs, &mut verdict);
    Ok(verdict)
}

/// The sender's side of one leg: large transfers, its tier's limits, velocity and structuring.
fn sending(
    state: &mut LedgerState,
    (sender, tier): (&AccountId, u8),
    leg: &SettledLeg,
    rules: &MonitoringRules,
    env: BlockEnv,
    touched: &mut Touched,
    verdict: &mut Verdict,
) -> Result<(), TxError> {
    let before = verdict.alerts.len();
    let token = || leg.token.clone();
    let alerts = &mut verdict.alerts;
    if rules.large_amount > 0 && leg.amount >= rules.large_amount {
        alerts.push(Alert::LargeTransfer {
            token: token(),
            amount: leg.amount,
        });
    }
    let limit = rules.tier_limit(tier).copied().unwrap_or_default();
    if limit.leg_amount_max > 0 && leg.amount > limit.leg_amount_max {
        alerts.push(Alert::TierLeg {
            token: token(),
            tier,
            amount: leg.amount,
        });
    }
    // `check()` guarantees a window length wherever a window rule is set.
    if rules.uses_send_window() {
        let mut window = state.window(sender, &leg.token);
        let totals = window
            .add(
                rules.window_ms,
                env.time_ms,
                leg.amount,
                rules.just_under(leg.amount),
            )
            .ok_or(TxError::Overflow("monitoring window"))?;
        touched.insert(state.put_value(&StateKey::Window(*sender, leg.token.clone()), &window));
        if rules.window_amount_max > 0 && totals.amount > rules.window_amount_max {
            alerts.push(Alert::VelocityAmount {
                token: token(),
                window_amount: totals.amount,
            });
        }
        if rules.window_count_max > 0 && totals.count > rules.window_count_max {
            alerts.push(Alert::VelocityCount {
                token: token(),
                window_count: totals.count,
            });
        }
        if rules.structuring_count > 0 && totals.just_under >= rules.structuring_count {
            alerts.push(Alert::Structuring {
                token: token(),
                just_under_count: totals.just_under,
            });
        }
        if limit.window_amount_max > 0 && totals.amount > limit.window_amount_max {
            alerts.push(Alert::TierWindow {
                token: token(),
                tier,
                window_amount: totals.amount,
            });
        }
    }
    verdict.raised_since(before, rules.hold_timeout_ms);
    Ok(())
}

/// The recipient's side of one leg, in the token it is credited: inflow amount and count,
/// and how many distinct accounts paid it within the window.
fn receiving(
    state: &mut LedgerState,
    sender: &AccountId,
    leg: &SettledLeg,
    rules: &MonitoringRules,
    env: BlockEnv,
    touched: &mut Touched,
    verdict: &mut Verdict,
) -> Result<(), TxError> {
    let before = verdict.alerts.len();
    let mut inflow = state.inflow(&leg.to, &leg.credit_token);
    let (totals, senders) = inflow
        .add(rules.window_ms, env.time_ms, *sender, leg.credit_amount)
        .ok_or(TxError::Overflow("inflow window"))?;
    touched.insert(state.put_value(&StateKey::Inflow(leg.to, leg.credit_token.clone()), &inflow));
    let (token, account) = (leg.credit_token.clone(), leg.to);
    if rules.inflow_amount_max > 0 && totals.amount > rules.inflow_amount_max {
        verdict.alerts.push(Alert::InflowAmount {
            token: token.clone(),
            account,
            window_amount: totals.amount,
        });
    }
    if rules.inflow_count_max > 0 && totals.count > rules.inflow_count_max {
        verdict.alerts.push(Alert::InflowCount {
            token: token.clone(),
            account,
            window_count: totals.count,
        });
    }
    if rules.distinct_senders_max > 0 && senders > rules.distinct_senders_max {
        verdict.alerts.push(Alert::DistinctSenders {
            token,
            account,
            senders,
        });
    }
    verdict.raised_since(before, rules.hold_timeout_ms);
    Ok(())
}

/// Every party of the transfer (sender, recipients, desks) against the sanctions list (the
/// sender's screening commitment was read with its tier).
fn sanctions(state: &LedgerState, (sender, sender_screening): (&AccountId, Option<Hash32>), legs: &[SettledLeg], verdict: &mut Verdict) {
    let list = state.sanctions_list();
    if list.entries == 0 {
        return;
    }
    let before = verdict.alerts.len();
    let mut seen = BTreeSet::from([*sender]);
    if kyc::listed(state, sender_screening) {
        verdict.alerts.push(Alert::Sanctions { account: *sender, list_version: list.version });
    }
    for leg in legs {
        for account in std::iter::once(leg.to).chain(leg.conversion.as_ref().map(|c| c.desk)) {
            if seen.insert(account) && kyc::listed(state, kyc::screening_of(state, &account)) {
                verdict.alerts.push(Alert::Sanctions { account, list_version: list.version });
            }
        }
    }
    verdict.raised_since(before, SANCTIONS_HOLD_TIMEOUT_MS);
}
