//! Payments (X.1405 clauses 6–8): tokens, balances, multi-leg transfers, signer sets,
//! monitoring rules and holds, sub-ledgers and conversion rates, and the payment record a
//! transfer leaves in the log.

use crate::encoding::{canonical, domain, to_wire};
use crate::hash::{AccountId, Hash32, TxId, sha256};
use crate::keys::PublicKey;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

pub use crate::monitoring::{Alert, MonitoringRules, Window};

/// Longest token symbol (`[A-Z0-9]`, starting with a letter).
pub const SYMBOL_BYTES_MAX: usize = 12;
/// Longest sub-ledger name (`[a-z0-9-]`).
pub const SUBLEDGER_NAME_BYTES_MAX: usize = 32;
/// Longest recovery time lock (about 30 days at 4 blocks/s).
pub const RECOVERY_DELAY_BLOCKS_MAX: u64 = 10_000_000;

/// An account's recovery guardians, under `StateKey::Guardians(account)`.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Guardians {
    /// Sorted, unique.
    pub guardians: Vec<AccountId>,
    pub threshold: u32,
    pub delay_blocks: u64,
}

/// An account's keys by purpose, under `StateKey::PurposeKeys(account)` (X.1405 8.7.2).
#[derive(Clone, PartialEq, Eq, Debug, Default, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct PurposeKeys {
    /// When non-empty, the only keys that authenticate the account's signed read requests.
    pub request_keys: Vec<PublicKey>,
    /// Age X25519 recipient for encrypting originals to this account.
    pub encryption_recipient: Option<String>,
}

/// A pending recovery of an account, under `StateKey::Recovery(account)`.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Recovery {
    pub set: SignerSet,
    pub approvals: Vec<AccountId>,
    pub started_height: u64,
    /// The first height at which it may execute.
    pub eligible_height: u64,
}

/// Most tokens a chain may define.
pub const TOKENS_MAX: usize = 1_000;
/// Most legs in one transfer.
pub const TRANSFER_LEGS_MAX: usize = 16;
/// Most signers of a multi-signature account.
pub const SIGNERS_MAX: usize = 16;
/// Most decimals a token may declare (10^38 < u128::MAX).
pub const DECIMALS_MAX: u8 = 18;
/// Most expired holds voided at the start of one block, so a block's work stays bounded.
pub const HOLD_SWEEP_PER_BLOCK_MAX: usize = 256;
/// Longest hold timeout governance may set (30 days).
pub const HOLD_TIMEOUT_MS_MAX: u64 = 30 * 24 * 3600 * 1000;
/// Longest monitoring window governance may set (30 days).
pub const MONITOR_WINDOW_MS_MAX: u64 = 30 * 24 * 3600 * 1000;

/// Checks a token symbol's shape.
pub fn valid_symbol(symbol: &str) -> bool {
    let b = symbol.as_bytes();
    !b.is_empty()
        && b.len() <= SYMBOL_BYTES_MAX
        && b[0].is_ascii_uppercase()
        && b.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Checks a sub-ledger name's shape.
pub fn valid_subledger(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= SUBLEDGER_NAME_BYTES_MAX
        && b[0].is_ascii_lowercase()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// One key of an account and the weight its signature carries.
#[derive(Clone, Copy, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Signer {
    pub key: PublicKey,
    pub weight: u16,
}

/// Who may sign for an account: signatures whose weights add up to `threshold` (X.1405 8.5.4).
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct SignerSet {
    pub signers: Vec<Signer>,
    pub threshold: u32,
}

impl SignerSet {
    pub fn single(key: PublicKey) -> Self {
        Self { signers: vec![Signer { key, weight: 1 }], threshold: 1 }
    }

    pub fn weight_of(&self, key: &PublicKey) -> Option<u16> {
        self.signers.iter().find(|s| s.key == *key).map(|s| s.weight)
    }

    /// Total weight of all signers.
    pub fn total_weight(&self) -> u32 {
        self.signers.iter().map(|s| u32::from(s.weight)).sum()
    }

    /// 1..=SIGNERS_MAX distinct keys, weights ≥ 1, threshold reachable and ≥ 1.
    pub fn check(&self) -> Result<(), String> {
        if self.signers.is_empty() || self.signers.len() > SIGNERS_MAX {
            return Err(format!("a signer set has 1..={SIGNERS_MAX} keys"));
        }
        if self.signers.iter().any(|s| s.weight == 0) {
            return Err("every signer needs a weight of at least 1".into());
        }
        for (i, s) in self.signers.iter().enumerate() {
            if self.signers[..i].iter().any(|o| o.key == s.key) {
                return Err(format!("key {} appears twice", s.key));
            }
        }
        if self.threshold == 0 || self.threshold > self.total_weight() {
            return Err(format!("threshold must be 1..={} (the total weight)", self.total_weight()));
        }
        Ok(())
    }
}

/// What a token allows (X.1405 8.4.4).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct TokenFlags {
    /// Both sides of every movement must be KYC'd accounts.
    pub kyc_required: bool,
    /// Compliance may claw balances back to the issuer.
    pub clawback: bool,
    /// Compliance or the issuer may pause all movements.
    pub pausable: bool,
}

/// A token as the state stores it, under `StateKey::Token(symbol)`.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Token {
    pub symbol: String,
    pub decimals: u8,
    /// The only account that mints and burns.
    pub issuer: AccountId,
    /// The sub-ledger whose accounts hold it (`None`: the main ledger).
    pub subledger: Option<String>,
    pub flags: TokenFlags,
    pub paused: bool,
    /// Minted minus burned; always the sum of every balance (available + held).
    #[serde(with = "u128_text")]
    pub supply: u128,
    pub created_height: u64,
}

/// An account's holding of one token, under `StateKey::Balance(account, symbol)`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Balance {
    /// Spendable.
    #[serde(with = "u128_text")]
    pub available: u128,
    /// Reserved by pending holds: still owned, not spendable.
    #[serde(with = "u128_text")]
    pub held: u128,
}

/// One leg of a transfer: `amount` of `token` from the sender to `to`, optionally converted
/// into another sub-ledger's token at the governed rate the sender quotes.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Leg {
    pub to: AccountId,
    pub token: String,
    #[serde(with = "u128_text")]
    pub amount: u128,
    pub convert: Option<ConvertQuote>,
}

/// The conversion a sender agreed to: the target token and the rate version it saw. If the
/// rate changed before execution the transfer fails rather than settle at a rate nobody saw.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvertQuote {
    pub to_token: String,
    pub rate_version: u64,
}

/// A governed conversion rate between two tokens, under `StateKey::Rate(from, to)`:
/// `credit = floor(amount × num / den)`. The desk account receives the debited token and pays
/// the credited one from its own balance, so every token's supply is conserved.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Rate {
    pub num: u64,
    pub den: u64,
    pub desk: AccountId,
    /// Starts at 1, +1 on every change of this pair.
    pub version: u64,
    pub set_height: u64,
}

impl Rate {
    pub fn convert(&self, amount: u128) -> Option<u128> {
        amount.checked_mul(u128::from(self.num))?.checked_div(u128::from(self.den))
    }
}

/// A sub-ledger (X.1405 3.2.1, 6.3), under `StateKey::Subledger(name)`. Its members are the
/// accounts opened in it; only they and auditors read its data through the API.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Subledger {
    pub name: String,
    /// Accounts opened in it must carry a KYC commitment (X.1405 8.4.2).
    pub kyc_required: bool,
    pub created_height: u64,
}

/// A leg as it settles (or is reserved): what leaves the sender and what reaches the recipient.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct SettledLeg {
    pub to: AccountId,
    pub token: String,
    #[serde(with = "u128_text")]
    pub amount: u128,
    /// The token and amount credited; differ from the debit only for a conversion.
    pub credit_token: String,
    #[serde(with = "u128_text")]
    pub credit_amount: u128,
    pub conversion: Option<Conversion>,
}

/// The quote a conversion settled at (PAY-SUB: rate, amounts and rate version recorded).
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Conversion {
    pub desk: AccountId,
    pub num: u64,
    pub den: u64,
    pub rate_version: u64,
}

/// Where a held transfer stands.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum HoldStatus {
    Pending,
    Posted { by: AccountId, reason: String, height: u64 },
    Voided { by: Option<AccountId>, reason: String, height: u64 },
}

impl HoldStatus {
    pub fn name(&self) -> &'static str {
        match self {
            HoldStatus::Pending => "pending",
            HoldStatus::Posted { .. } => "posted",
            HoldStatus::Voided { .. } => "voided",
        }
    }
}

/// A transfer stopped by monitoring: funds reserved, not moved, until compliance posts or
/// voids it or it times out. Under `StateKey::Hold(id)`.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Hold {
    pub id: u64,
    pub tx_id: TxId,
    pub sender: AccountId,
    pub legs: Vec<SettledLeg>,
    pub alerts: Vec<Alert>,
    pub reference: Option<Hash32Text>,
    pub created_ms: u64,
    pub expires_ms: u64,
    pub status: HoldStatus,
}

/// Hold numbering and the timeout sweep's position, under `StateKey::HoldQueue`. Expiry times
/// never decrease with the id, so the sweep visits holds in id order.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, BorshSerialize, BorshDeserialize)]
pub struct HoldQueue {
    pub next_id: u64,
    /// Every hold below this id is decided or voided.
    pub sweep_from: u64,
    pub last_expires_ms: u64,
}

/// A 32-byte value shown as hex in JSON.
#[derive(Clone, Copy, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct Hash32Text(pub Hash32);

impl std::fmt::Display for Hash32Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl Serialize for Hash32Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for Hash32Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = <String as Deserialize>::deserialize(d)?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(&t, &mut out).map_err(serde::de::Error::custom)?;
        Ok(Self(out))
    }
}

/// What a payment transaction did, appended to the log right after its transaction leaf, so a
/// receipt proves the outcome (amounts credited, conversion quotes, hold) and not only the
/// request.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct PaymentRecord {
    pub tx_id: TxId,
    pub height: u64,
    pub time_ms: u64,
    pub sender: AccountId,
    pub outcome: PaymentOutcome,
}

#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum PaymentOutcome {
    /// Final: every leg moved.
    Settled { legs: Vec<SettledLeg>, reference: Option<Hash32Text> },
    /// Monitoring held the whole transfer; nothing moved yet.
    Held { hold: u64, legs: Vec<SettledLeg>, alerts: Vec<Alert>, reference: Option<Hash32Text> },
    /// Compliance posted a hold: its legs moved now.
    HoldPosted { hold: u64, transfer: TxId, from: AccountId, legs: Vec<SettledLeg> },
    /// Compliance voided a hold: funds back with the sender.
    HoldVoided { hold: u64, transfer: TxId, from: AccountId },
}

impl PaymentRecord {
    /// `PAYMENT-RECORD tag ‖ version ‖ borsh(record)`: the log leaf data.
    pub fn leaf_bytes(&self) -> Vec<u8> {
        canonical(domain::PAYMENT_RECORD, self)
    }

    pub fn hash(&self) -> Hash32 {
        sha256(&to_wire(self))
    }
}

impl crate::tx::TxBody {
    /// Whether the body is a payment-family transaction (X.1405).
    pub fn is_payment(&self) -> bool {
        use crate::tx::TxBody as B;
        matches!(
            self,
            B::CreateToken { .. }
                | B::Mint { .. }
                | B::Burn { .. }
                | B::Transfer { .. }
                | B::SetSigners { .. }
                | B::SetMonitoring { .. }
                | B::DecideHold { .. }
                | B::SetTokenPaused { .. }
                | B::Clawback { .. }
                | B::CreateSubledger { .. }
                | B::SetRate { .. }
                | B::ReimburseInvoice { .. }
                | B::ClearInvoiceTax { .. }
                | B::SetKyc { .. }
        )
    }
}

/// The accounts a finalized payment transaction concerns (sender first, no duplicates): who
/// may read it, and whose history lists it.
pub fn parties(tx: &crate::tx::Transaction, record: Option<&PaymentRecord>) -> Vec<AccountId> {
    use crate::tx::TxBody as B;
    let mut out = vec![tx.unsigned.sender];
    let mut add = |id: AccountId| {
        if !out.contains(&id) {
            out.push(id);
        }
    };
    match &tx.unsigned.body {
        B::Mint { to, .. } => add(*to),
        B::Clawback { from, .. } => add(*from),
        B::SetKyc { account, .. } => add(*account),
        _ => {}
    }
    if let Some(r) = record {
        if let PaymentOutcome::HoldPosted { from, .. } | PaymentOutcome::HoldVoided { from, .. } = &r.outcome {
            add(*from);
        }
        let legs: &[SettledLeg] = match &r.outcome {
            PaymentOutcome::Settled { legs, .. } | PaymentOutcome::Held { legs, .. } | PaymentOutcome::HoldPosted { legs, .. } => legs,
            PaymentOutcome::HoldVoided { .. } => &[],
        };
        for leg in legs {
            add(leg.to);
            if let Some(c) = &leg.conversion {
                add(c.desk);
            }
        }
    }
    out
}

/// Formats a base-unit amount with the token's decimals (`1234500`, 4 → `123.45`).
pub fn format_amount(amount: u128, decimals: u8) -> String {
    if decimals == 0 {
        return amount.to_string();
    }
    let unit = 10u128.pow(u32::from(decimals));
    let frac = format!("{:0width$}", amount % unit, width = decimals as usize);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() { (amount / unit).to_string() } else { format!("{}.{frac}", amount / unit) }
}

/// Parses a decimal amount into base units, refusing more precision than the token has.
pub fn parse_amount(text: &str, decimals: u8) -> Result<u128, String> {
    let bad = || format!("`{text}` is not an amount with at most {decimals} decimals");
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || !whole.bytes().all(|c| c.is_ascii_digit()) || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    if frac.len() > decimals as usize || (text.contains('.') && frac.is_empty()) {
        return Err(bad());
    }
    let unit = 10u128.pow(u32::from(decimals));
    let whole: u128 = whole.parse().map_err(|_| bad())?;
    let padded = format!("{frac:0<width$}", width = decimals as usize);
    let frac: u128 = if padded.is_empty() { 0 } else { padded.parse().map_err(|_| bad())? };
    whole.checked_mul(unit).and_then(|w| w.checked_add(frac)).ok_or_else(|| "amount overflows u128".to_string())
}

/// u128 travels as a decimal string in JSON (JavaScript numbers lose precision above 2^53).
pub mod u128_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        <String as Deserialize>::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_trip_and_refuse_excess_precision() {
        assert_eq!(parse_amount("123.45", 4).unwrap(), 1_234_500);
        assert_eq!(format_amount(1_234_500, 4), "123.45");
        assert_eq!(format_amount(5, 0), "5");
        assert_eq!(format_amount(1_000_000, 2), "10000");
        assert!(parse_amount("1.234", 2).is_err());
        assert!(parse_amount("-1", 2).is_err());
        assert!(parse_amount("1.", 2).is_err());
        assert!(parse_amount("", 2).is_err());
        assert!(parse_amount("340282366920938463463374607431768211456", 0).is_err());
    }

    #[test]
    fn signer_sets_are_checked() {
        let k = |n: u8| PublicKey::Ed25519([n; 32]);
        let ok = SignerSet { signers: vec![Signer { key: k(1), weight: 1 }, Signer { key: k(2), weight: 2 }], threshold: 3 };
        assert!(ok.check().is_ok());
        assert!(SignerSet { threshold: 4, ..ok.clone() }.check().is_err());
        assert!(SignerSet { threshold: 0, ..ok.clone() }.check().is_err());
        let dup = SignerSet { signers: vec![Signer { key: k(1), weight: 1 }; 2], threshold: 1 };
        assert!(dup.check().unwrap_err().contains("twice"));
    }

    #[test]
    fn names_are_checked() {
        assert!(valid_symbol("EUR") && valid_symbol("T1") && !valid_symbol("eur") && !valid_symbol("1T"));
        assert!(valid_subledger("bank-a") && !valid_subledger("Bank") && !valid_subledger(""));
    }
}
