//! Payment reads: accounts with balances, tokens, rates, holds, payment entries, receipts and
//! history, with the read policy of sub-ledgers (X.1405 3.2.1, 6.3).

use super::evidence::storage_error;
use super::{BundleError, NodeHandle};
use vellum_storage::PaymentEntry;
use vellum_types::payment::parties;
use vellum_types::{Account, AccountId, Balance, Hold, HoldStatus, Rate, Role, Token, TxId};

/// Most holds one listing returns.
pub const HOLDS_LISTED_MAX: usize = 500;

/// Whether `caller` oversees the accounts of `subledger` (`None`: the main ledger). Main-ledger
/// auditors and compliance officers (accounts of the main ledger holding the role) oversee every
/// account; a sub-ledger's own auditor, compliance officer and registrar (accounts of that
/// sub-ledger holding the role, appointed by governance) oversee that sub-ledger and nothing
/// else (X.1405 6.3, 8.5.1).
pub fn oversees(caller: &Account, subledger: Option<&String>) -> bool {
    let oversight = caller.has_role(Role::Auditor) || caller.has_role(Role::Compliance);
    match &caller.subledger {
        None => oversight,
        Some(own) => subledger == Some(own) && (oversight || caller.has_role(Role::Registrar)),
    }
}

/// Main-ledger oversight: auditors and compliance officers of the main ledger. Only they read
/// monitoring rules and what governance decided about them and about roles.
pub fn main_oversight(caller: &Account) -> bool {
    caller.subledger.is_none() && (caller.has_role(Role::Auditor) || caller.has_role(Role::Compliance))
}

/// Who may read an account (its balances and history): the account itself and whoever
/// oversees its ledger ([`oversees`]). Members of one sub-ledger do not read each other.
pub fn can_read_account(caller: &Account, target: &Account) -> bool {
    caller.id == target.id || oversees(caller, target.subledger.as_ref())
}

/// Most blocks a liveness window covers.
pub const VALIDATOR_WINDOW_MAX: u64 = 10_000;

/// One validator's proposals and votes in a window of finalized blocks.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ValidatorActivity {
    pub name: String,
    #[serde(with = "hex_key")]
    pub key: [u8; 32],
    pub proposed: u64,
    pub last_proposed_height: Option<u64>,
    /// Finalization certificates in the window (blocks signed by the current set) that carry
    /// this validator's finalize vote, out of [`Activity::certified`]. A certificate closes at
    /// a quorum, so an honest validator can be absent from some; one absent from all is not
    /// voting.
    pub signed: u64,
    pub last_signed_height: Option<u64>,
}

/// Liveness over a window of finalized blocks.
#[derive(Clone, Debug, Default)]
pub struct Activity {
    /// Per validator of the current set, in its (sorted) order.
    pub validators: Vec<ValidatorActivity>,
    /// Blocks in the window signed by the current set with a stored certificate.
    pub certified: u64,
}

mod hex_key {
    pub fn serialize<S: serde::Serializer>(k: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(k))
    }
}

/// An account and its non-zero balances.
pub struct AccountView {
    pub account: Account,
    pub balances: Vec<(Token, Balance)>,
    pub guardians: Option<vellum_types::payment::Guardians>,
    pub recovery: Option<vellum_types::payment::Recovery>,
    pub purpose_keys: Option<vellum_types::payment::PurposeKeys>,
    /// The registrar's KYC record, and whether it had expired at the finalized block's time.
    pub kyc: Option<(vellum_types::kyc::KycRecord, bool)>,
    /// Each signer key's lifecycle record (`None`: a genesis key without one), and whether it
    /// had expired at the finalized block's time.
    pub key_lives: Vec<(vellum_types::PublicKey, Option<vellum_types::account::KeyLife>, bool)>,
}

impl NodeHandle {
    pub fn account_view(&self, id: &AccountId) -> Option<AccountView> {
        let state = self.finalized_state();
        let account = state.account(id)?;
        let balances = state
            .token_list()
            .into_iter()
            .filter_map(|symbol| {
                let b = state.balance(id, &symbol);
                (b != Balance::default()).then(|| (state.token(&symbol).expect("listed tokens exist"), b))
            })
            .collect();
        let kyc = state.kyc(id).map(|r| {
            let expired = r.expired(state.time_ms);
            (r, expired)
        });
        let key_lives = account
            .signers
            .signers
            .iter()
            .map(|s| {
                let life = state.key_life(id, &s.key);
                (s.key, life, life.is_some_and(|l| l.expired(state.time_ms)))
            })
            .collect();
        Some(AccountView { account, balances, guardians: state.guardians(id), recovery: state.recovery(id), purpose_keys: state.purpose_keys(id), kyc, key_lives })
    }

    pub fn tokens(&self) -> Vec<Token> {
        let state = self.finalized_state();
        state.token_list().iter().map(|s| state.token(s).expect("listed tokens exist")).collect()
    }

    pub fn token(&self, symbol: &str) -> Option<Token> {
        self.finalized_state().token(symbol)
    }

    pub fn rate(&self, from: &str, to: &str) -> Option<Rate> {
        self.finalized_state().rate(from, to)
    }

    pub fn monitoring(&self, symbol: &str) -> Option<vellum_types::MonitoringRules> {
        self.finalized_state().monitoring(symbol)
    }

    pub fn hold(&self, id: u64) -> Option<Hold> {
        self.finalized_state().hold(id)
    }

    /// Holds newest first; only pending ones when `pending_only`.
    pub fn holds(&self, pending_only: bool, limit: usize) -> Vec<Hold> {
        let state = self.finalized_state();
        let queue = state.hold_queue();
        let floor = if pending_only { queue.sweep_from } else { 0 };
        let mut out = Vec::new();
        let mut id = queue.next_id;
        while id > floor && out.len() < limit.min(HOLDS_LISTED_MAX) {
            id -= 1;
            let hold = state.hold(id).expect("holds below next_id exist");
            if !pending_only || hold.status == HoldStatus::Pending {
                out.push(hold);
            }
        }
        out
    }

    /// Counters for `/metrics`: alerts by rule and holds created since this process started.
    pub fn alert_counters(&self) -> (Vec<(&'static str, u64)>, u64) {
        let core = self.lock();
        (core.alerts_total.iter().map(|(k, v)| (*k, *v)).collect(), core.holds_total)
    }

    /// The admission → finalized latency histogram and submission refusals by reason.
    pub fn latency_and_refusals(&self) -> (super::Histogram, Vec<(&'static str, u64)>) {
        let core = self.lock();
        (core.finality_latency.clone(), core.refused_total.iter().map(|(k, v)| (*k, *v)).collect())
    }

    pub fn payment(&self, id: &TxId) -> Result<Option<PaymentEntry>, BundleError> {
        self.store.payment(id).map_err(storage_error)
    }

    /// What a finalized contract instantiation or call did.
    pub fn contract_result(&self, id: &TxId) -> Result<Option<vellum_storage::ContractResult>, BundleError> {
        self.store.contract_result(id).map_err(storage_error)
    }

    /// Whether `caller` may read a payment: a party to it, an auditor or compliance officer,
    /// or a member of a party's sub-ledger.
    pub fn can_read_payment(&self, caller: &Account, entry: &PaymentEntry) -> bool {
        let state = self.finalized_state();
        parties(&entry.tx, entry.record.as_ref())
            .iter()
            .filter_map(|id| state.account(id))
            .any(|party| can_read_account(caller, &party))
    }

    /// A receipt (binary, verifiable offline) for a finalized transfer or hold decision.
    pub fn receipt(&self, id: &TxId) -> Result<vellum_evidence::Receipt, BundleError> {
        let entry = self.payment(id)?.ok_or_else(|| BundleError::NotFound(format!("no finalized payment {id}")))?;
        let record = entry.record.ok_or_else(|| {
            BundleError::NotFound(format!("transaction {id} has no payment record (only transfers and hold decisions do)"))
        })?;
        let a = self.anchor()?;
        let log = self.store.log_reader().map_err(storage_error)?;
        let size = a.header.log_size;
        let covers = entry.tx_index + 2;
        let mut receipt = vellum_evidence::assemble_receipt(self.genesis.commitment(), a.header, a.certificate, entry.tx, entry.tx_index, record, &log, a.validator_chain)
            .ok_or(BundleError::Missing("log leaves of the payment"))?;
        receipt.witnessed = self.witnessed_section(&log, size, covers)?;
        Ok(receipt)
    }

    /// A finalized invoice issuance (phase B of the e-invoice lifecycle).
    pub fn issued_invoice(&self, id: &TxId) -> Result<Option<vellum_storage::IssuedInvoice>, BundleError> {
        self.store.issued_invoice(id).map_err(storage_error)
    }

    /// A transaction receipt (binary, verifiable offline) for a finalized contract transaction
    /// (its transfers' records and its events) or invoice issuance (the invoice record).
    pub fn tx_receipt(&self, id: &TxId) -> Result<vellum_evidence::TxReceipt, BundleError> {
        use vellum_evidence::Appended;
        let (tx, tx_index, appended) = if let Some(c) = self.contract_result(id)? {
            let mut leaves: Vec<(u64, Appended)> = c.payments.into_iter().map(|(i, r)| (i, Appended::Payment(r))).collect();
            leaves.extend(c.events.into_iter().map(|(i, e)| (i, Appended::Event(e))));
            leaves.sort_by_key(|(i, _)| *i);
            (c.tx, c.tx_index, leaves.into_iter().map(|(_, a)| a).collect::<Vec<_>>())
        } else if let Some(issued) = self.issued_invoice(id)? {
            (issued.tx, issued.tx_index, vec![Appended::Invoice(Box::new(issued.record))])
        } else {
            return Err(BundleError::NotFound(format!("no finalized contract transaction or invoice issuance {id} (payments have `/v1/payment/{{tx}}/receipt`)")));
        };
        if appended.is_empty() {
            return Err(BundleError::NotFound(format!("transaction {id} appended nothing after itself: its finalization is its status")));
        }
        let a = self.anchor()?;
        let log = self.store.log_reader().map_err(storage_error)?;
        let size = a.header.log_size;
        let covers = tx_index + 1 + appended.len() as u64;
        let mut receipt = vellum_evidence::assemble_tx_receipt((self.genesis.commitment(), a.header, a.certificate), (tx, tx_index), appended, &log, a.validator_chain)
            .ok_or(BundleError::Missing("log leaves of the transaction"))?;
        receipt.witnessed = self.witnessed_section(&log, size, covers)?;
        Ok(receipt)
    }

    /// Liveness of each validator over the last `window` finalized blocks: how many of them it
    /// proposed and the last height it proposed (X.1407 9.2.1 b). With round-robin leaders a
    /// live validator proposes about `window / n`; one that proposes none is not live (or its
    /// proposals are refused, e.g. for a skewed clock).
    pub fn validator_activity(&self, window: u64) -> Result<Activity, BundleError> {
        let state = self.finalized_state();
        let tip = state.height;
        let from = tip.saturating_sub(window.min(VALIDATOR_WINDOW_MAX)) + 1;
        // The set's validators are sorted by key: certificate signer indices index them.
        let mut out = Activity {
            validators: state
                .validator_set()
                .validators
                .iter()
                .map(|v| ValidatorActivity {
                    name: v.name.clone(),
                    key: v.consensus_key,
                    proposed: 0,
                    last_proposed_height: None,
                    signed: 0,
                    last_signed_height: None,
                })
                .collect(),
            certified: 0,
        };
        for h in from..=tip {
            let Some(header) = self.store.header(h).map_err(storage_error)? else { continue };
            if let Some(v) = out.validators.iter_mut().find(|v| v.key == header.proposer) {
                v.proposed += 1;
                v.last_proposed_height = Some(h);
            }
            if header.validator_set_hash != state.validator_set_hash {
                continue;
            }
            let Some(bytes) = self.store.certificate(h).map_err(storage_error)? else { continue };
            let certificate = crate::certificate::to_bundle(&bytes, out.validators.len())
                .map_err(|e| BundleError::Storage(format!("stored certificate at height {h}: {e}")))?;
            out.certified += 1;
            for i in certificate.signers {
                if let Some(v) = out.validators.get_mut(i as usize) {
                    v.signed += 1;
                    v.last_signed_height = Some(h);
                }
            }
        }
        Ok(out)
    }

    pub fn history(&self, account: &AccountId, limit: usize) -> Result<Vec<PaymentEntry>, BundleError> {
        let ids = self.store.account_payments(account, limit).map_err(storage_error)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.payment(&id)?.ok_or(BundleError::Missing("indexed payment"))?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vellum_types::{AccountStatus, SignerSet};

    fn account(n: u8, roles: Vec<Role>, subledger: Option<&str>) -> Account {
        let key = vellum_types::PublicKey::Ed25519([n; 32]);
        Account {
            id: key.account_id(),
            signers: SignerSet::single(key),
            status: AccountStatus::Active,
            status_note: None,
            subledger: subledger.map(str::to_string),
            roles,
            label: String::new(),
            kyc_commitment: None,
            opened_by: None,
            opened_height: 0,
            next_nonce: 0,
        }
    }

    #[test]
    fn sub_ledger_data_is_for_each_member_and_its_oversight_only() {
        let a1 = account(1, vec![Role::User], Some("a"));
        let a2 = account(2, vec![Role::User], Some("a"));
        let b1 = account(3, vec![Role::User], Some("b"));
        let main1 = account(4, vec![Role::User], None);
        let main2 = account(5, vec![Role::User], None);
        let auditor = account(6, vec![Role::Auditor], None);
        let issuer = account(7, vec![Role::Issuer], None);
        let a_compliance = account(8, vec![Role::Compliance], Some("a"));
        let a_registrar = account(9, vec![Role::Registrar], Some("a"));
        let main_registrar = account(10, vec![Role::Registrar], None);
        assert!(!can_read_account(&a2, &a1), "members of one sub-ledger do not read each other");
        assert!(!can_read_account(&b1, &a1), "another sub-ledger's member does not");
        assert!(!can_read_account(&main1, &a1), "a main-ledger account does not");
        assert!(!can_read_account(&issuer, &a1), "nor does an issuer");
        assert!(can_read_account(&auditor, &a1), "main-ledger auditors do");
        assert!(can_read_account(&a_compliance, &a1) && can_read_account(&a_registrar, &a1), "the sub-ledger's own oversight does");
        assert!(!can_read_account(&a_compliance, &b1) && !can_read_account(&a_compliance, &main1), "and nothing else");
        assert!(!can_read_account(&main_registrar, &a1), "a main-ledger registrar is not oversight");
        assert!(!can_read_account(&main2, &main1), "main-ledger accounts are private");
        assert!(can_read_account(&main1, &main1) && can_read_account(&a1, &a1));
        assert!(main_oversight(&auditor) && !main_oversight(&a_compliance));
    }
}
