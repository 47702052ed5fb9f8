//! A transaction in words, for the person about to sign it (`vellum tx sign`). Written from
//! the decoded bytes, never from a file's informative fields, so what is shown is what is
//! signed; every field is shown, and free text is quoted with escapes (`{:?}`) so control
//! characters cannot rewrite the terminal. Amounts are in the token's base units: the signer
//! may be offline, where decimals are unknown.

use vellum_types::governance::GovAction;
use vellum_types::proof::ProofChange;
use vellum_types::{TxBody, UnsignedTx};

/// Several lines: who sends, on which chain, with which nonce and expiry, and what it does.
pub fn describe(u: &UnsignedTx) -> String {
    format!(
        "chain {:?}\nsender account {}\nnonce {}, valid until block {}\n{}",
        u.chain_id,
        u.sender,
        u.nonce,
        u.expiry_height,
        body(&u.body)
    )
}

fn opt<T: std::fmt::Display>(v: &Option<T>, none: &str) -> String {
    v.as_ref().map_or_else(|| none.to_string(), |x| x.to_string())
}

fn body(b: &TxBody) -> String {
    match b {
        TxBody::OpenAccount { public_key, kyc_commitment, label, role, subledger, kyc } => format!(
            "OPEN an account with key {public_key}, role {role:?}, label {label:?}, in {}, {}{}",
            opt(subledger, "the main ledger"),
            if kyc_commitment.is_some() { "with a KYC commitment" } else { "WITHOUT a KYC commitment" },
            kyc.as_ref().map_or(String::new(), |t| format!(", {}", kyc_terms(t)))
        ),
        TxBody::SetKyc { account, terms } => format!("SET the identity check of account {account}: {}", kyc_terms(terms)),
        TxBody::SetAccountStatus { account, status, reason } => format!("SET account {account} to {} (reason: {reason:?})", status.name()),
        TxBody::RegisterProof { digest, schema, metadata_digest, salted } => format!(
            "REGISTER document digest {} (schema {schema:?}{}), metadata digest {}",
            hex::encode(digest),
            if *salted { ", salted" } else { "" },
            hex::encode(metadata_digest)
        ),
        TxBody::RegisterBatch { root, count, schema, metadata_digest, salted } => format!(
            "REGISTER a batch of {count} documents, root {} (schema {schema:?}{}), metadata digest {}",
            hex::encode(root),
            if *salted { ", salted" } else { "" },
            hex::encode(metadata_digest)
        ),
        TxBody::SetProofStatus { proof, member, change } => {
            let what = member.map_or_else(|| format!("proof {proof}"), |m| format!("member {m} of proof {proof}"));
            match change {
                ProofChange::Revoke { reason } => format!("REVOKE {what} (reason: {reason:?})"),
                ProofChange::Supersede { by } => format!("SUPERSEDE {what} by proof {by}"),
                ProofChange::Suspend { reason } => format!("SUSPEND {what} (reason: {reason:?})"),
                ProofChange::Reinstate => format!("REINSTATE {what}"),
            }
        }
        TxBody::StoreBatchMembers { proof, first, members } => {
            let mut lines = vec![format!("HAND OVER members {first}..{} of batch {proof} to the network:", u64::from(*first) + members.len() as u64)];
            for (i, m) in members.iter().enumerate() {
                let holder = m.holder.map_or(String::new(), |h| format!(", held by account {h}"));
                lines.push(format!("  member {}: digest {}{holder}", u64::from(*first) + i as u64, hex::encode(m.digest)));
            }
            lines.join("\n")
        }
        TxBody::AddHolders { proof, member, holders } => {
            let what = member.map_or_else(|| format!("proof {proof}"), |m| format!("member {m} of proof {proof}"));
            format!("NAME holders of {what} (they may fetch its bundle and stored original): {}", holders.iter().map(|h| h.to_hex()).collect::<Vec<_>>().join(", "))
        }
        TxBody::AttestIssuer { issuer, profile } => attest_line(issuer, profile),
        TxBody::RevokeAttestation { issuer, reason } => format!("REVOKE the identity attestation of issuer {issuer} (reason: {reason:?})"),
        TxBody::RevokeIssuer { issuer, from_height, reason } => {
            format!("REVOKE EVERY registration by issuer {issuer} from height {from_height} on, and stop it registering (reason: {reason:?})")
        }
        TxBody::AuditBatch { entries } => format!("RECORD {} audit entries (node accounts only)", entries.len()),
        TxBody::SetKeyExpiry { key, expires_ms } => {
            if *expires_ms == 0 { format!("LIFT the expiry of key {key}") } else { format!("EXPIRE key {key} at {expires_ms} ms (it stops signing then)") }
        }
        TxBody::DeleteOriginal { proof, member } => format!("DELETE the stored original of member {member} of proof {proof} on every validator (the proof stays)"),
        TxBody::AuditReads { entries } => format!("RECORD {} reads of account data (node accounts only)", entries.len()),
        TxBody::Transfer { legs, reference } => {
            let mut lines = vec![format!("PAY {} leg(s), all or nothing{}", legs.len(), reference.map_or(String::new(), |r| format!(", reference {}", hex::encode(r))))];
            for l in legs {
                let convert = l.convert.as_ref().map_or(String::new(), |q| format!(", converted to {} at rate version {}", q.to_token, q.rate_version));
                lines.push(format!("  {} base units of {} to account {}{convert}", l.amount, l.token, l.to));
            }
            lines.join("\n")
        }
        TxBody::SetSigners { set } => signer_set("REPLACE the account's signers with", set),
        TxBody::DecideHold { hold, post, reason } => format!("{} hold {hold} (reason: {reason:?})", if *post { "POST (release)" } else { "VOID (reject)" }),
        TxBody::Propose { action, deadline_height } => format!("PROPOSE (decided by block {deadline_height}): {}", gov(action)),
        TxBody::Vote { proposal } => format!("APPROVE governance proposal {proposal}"),
        TxBody::SetGuardians { guardians, threshold, delay_blocks } => format!(
            "NAME recovery guardians: {threshold} of {} accounts, time lock {delay_blocks} blocks: {}",
            guardians.len(),
            guardians.iter().map(|g| g.to_hex()).collect::<Vec<_>>().join(", ")
        ),
        TxBody::ProposeRecovery { account, set } => signer_set(&format!("RECOVER account {account}: replace its signers with"), set),
        TxBody::CancelRecovery => "CANCEL the pending recovery of this account".into(),
        TxBody::ExecuteRecovery { account } => format!("EXECUTE the pending recovery of account {account}"),
        TxBody::SetPurposeKeys { request_keys, encryption_recipient } => format!(
            "SET purpose keys: read requests signed by [{}], encryption recipient {}",
            request_keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(", "),
            encryption_recipient.as_ref().map_or_else(|| "none".to_string(), |r| format!("{r:?}"))
        ),
        TxBody::ReportMisbehavior { validator, kind, epoch, view, evidence } => format!(
            "REPORT validator {} for {} (epoch {epoch}, view {view}), evidence SHA-256 {}",
            hex::encode(validator),
            kind.name(),
            hex::encode(vellum_types::sha256(evidence))
        ),
        // Bodies that mirror a governed action read the same either way.
        TxBody::CreateToken { .. }
        | TxBody::SetMonitoring { .. }
        | TxBody::CreateSubledger { .. }
        | TxBody::SetRate { .. } => match GovAction::from_governed_body(b.clone()) {
            Some(action) => gov(&action),
            None => unreachable!("every governed body has an action"),
        },
        TxBody::Mint { token, to, amount } => format!("MINT {amount} base units of {token} to account {to}"),
        TxBody::Burn { token, amount } => format!("BURN {amount} base units of {token}"),
        TxBody::SetTokenPaused { token, paused, reason } => format!("{} token {token} (reason: {reason:?})", if *paused { "PAUSE" } else { "UNPAUSE" }),
        TxBody::Clawback { token, from, amount, reason } => format!("CLAW BACK {amount} base units of {token} from account {from} (reason: {reason:?})"),
        TxBody::InstantiateContract { code_digest, input, fuel } => format!(
            "INSTANTIATE contract code {} (runs its init with {} input bytes, SHA-256 {}, fuel up to {fuel})",
            hex::encode(code_digest),
            input.len(),
            hex::encode(vellum_types::sha256(input))
        ),
        TxBody::CallContract { contract, function, input, fuel } => format!(
            "CALL {function:?} of contract {contract} with {} input bytes (hex {}), fuel up to {fuel}",
            input.len(),
            hex::encode(input)
        ),
        TxBody::SetInvoicing { tax_authority, token, vat_basis_points } => {
            format!("SET invoicing conditions: payments in {token}, VAT {vat_basis_points} basis points, invoices by tax authority {tax_authority}")
        }
        TxBody::IssueInvoice { payment, document_digest } => {
            format!("ISSUE the invoice of payment {payment} (as its seller's tax authority), invoice document {}", hex::encode(document_digest))
        }
        TxBody::ReimburseInvoice { invoice } => format!("REIMBURSE invoice {} (pays its buyer its gross amount, once)", hex::encode(invoice)),
        TxBody::ClearInvoiceTax { invoice } => format!("CLEAR the VAT of invoice {} (pays it to the tax authority, once)", hex::encode(invoice)),
    }
}

fn attest_line(issuer: &vellum_types::AccountId, p: &vellum_types::IssuerProfile) -> String {
    format!(
        "ATTEST issuer {issuer} is {:?} of domain {:?}{}; well-known document sha256 {}",
        p.name,
        p.domain,
        p.x509_sha256.map_or(String::new(), |x| format!(", X.509 certificate sha256 {}", hex::encode(x))),
        hex::encode(p.well_known_sha256)
    )
}

fn signer_set(what: &str, set: &vellum_types::SignerSet) -> String {
    let keys: Vec<String> = set.signers.iter().map(|s| format!("  {} (weight {})", s.key, s.weight)).collect();
    format!("{what} {} of total weight {}:\n{}", set.threshold, set.total_weight(), keys.join("\n"))
}

fn gov(a: &GovAction) -> String {
    match a {
        GovAction::CreateToken { symbol, decimals, issuer, subledger, flags } => format!(
            "CREATE token {symbol} ({decimals} decimals) issued by {issuer} in {}; kyc {}, clawback {}, pausable {}",
            opt(subledger, "the main ledger"),
            flags.kyc_required,
            flags.clawback,
            flags.pausable
        ),
        GovAction::SetMonitoring { token, rules } => format!(
            "SET monitoring of {token}: large ≥ {}, sliding window {} ms (sent ≤ {} / ≤ {} legs; received ≤ {} / ≤ {} legs from ≤ {} senders), structuring {} legs ≥ {} bps of large, tier limits {}, hold timeout {} ms, version {}",
            rules.large_amount,
            rules.window_ms,
            rules.window_amount_max,
            rules.window_count_max,
            rules.inflow_amount_max,
            rules.inflow_count_max,
            rules.distinct_senders_max,
            rules.structuring_count,
            rules.structuring_floor_bps,
            rules.tier_limits.iter().map(|t| format!("[tier {}: leg ≤ {}, window ≤ {}]", t.tier, t.leg_amount_max, t.window_amount_max)).collect::<Vec<_>>().join(" "),
            rules.hold_timeout_ms,
            rules.version
        ),
        GovAction::UpdateSanctions { add, remove } => {
            format!("UPDATE the sanctions list: add {} screening commitments, remove {}", add.len(), remove.len())
        }
        GovAction::SetRate { from, to, num, den, desk } => format!("SET rate {from} → {to} = {num}/{den}, desk {desk}"),
        GovAction::CreateSubledger { name, kyc_required } => format!("CREATE sub-ledger {name} (KYC required: {kyc_required})"),
        GovAction::GrantRole { account, role } => format!("GRANT role {role:?} to account {account}"),
        GovAction::RevokeRole { account, role } => format!("REVOKE role {role:?} from account {account}"),
        GovAction::AttestIssuer { issuer, profile } => attest_line(issuer, profile),
        GovAction::SetReasonCodes { codes } => format!("SET the reason codes status changes may give: {}", codes.join(", ")),
        GovAction::SetWitnesses { policy } if policy.witnesses.is_empty() => "SWITCH OFF witnessing (no witnesses)".into(),
        GovAction::SetWitnesses { policy } => format!(
            "SET the witnesses validators push checkpoints to, {} of them to cosign: {}",
            policy.quorum,
            policy.witnesses.iter().map(|w| format!("{} (key {}, {})", w.name, hex::encode(w.key), w.url)).collect::<Vec<_>>().join(", ")
        ),
        GovAction::SetRules { digest, uri } => format!("ADOPT governing rules {} published at {uri:?}", hex::encode(digest.0)),
        GovAction::SetCouncil { members, threshold } => format!(
            "REPLACE the council: {threshold} of [{}]",
            members.iter().map(|m| m.to_hex()).collect::<Vec<_>>().join(", ")
        ),
        GovAction::RegisterCode { name, code, review_digest } => format!(
            "APPROVE contract code {name:?}: {} bytes, SHA-256 {}, review record {}",
            code.len(),
            hex::encode(vellum_types::sha256(code)),
            hex::encode(review_digest.0)
        ),
        GovAction::SetContractPaused { contract, paused } => format!("{} contract {contract}", if *paused { "PAUSE" } else { "RESUME" }),
        GovAction::UpgradeContract { contract, code_digest } => {
            format!("UPGRADE contract {contract} to code {} (its storage and balances are kept)", hex::encode(code_digest.0))
        }
        GovAction::SetCodeAdvisory { code_digest, advisory: Some(a) } => {
            format!("RECORD advisory {} against code {}: every instance refuses calls", hex::encode(a.0), hex::encode(code_digest.0))
        }
        GovAction::SetCodeAdvisory { code_digest, advisory: None } => format!("LIFT the advisory against code {}", hex::encode(code_digest.0)),
        GovAction::RegisterModule { name, code_digest, review_digest } => format!(
            "REGISTER module {name:?}, code {}, review record {}",
            hex::encode(code_digest.0),
            hex::encode(review_digest.0)
        ),
        GovAction::SetModulePaused { name, paused } => format!("{} module {name:?}", if *paused { "PAUSE" } else { "RESUME" }),
        GovAction::AddValidator { validator } => format!(
            "ADD validator {:?} (consensus key {}, p2p key {}, address {:?})",
            validator.name,
            hex::encode(validator.consensus_key),
            hex::encode(validator.p2p_key),
            validator.address
        ),
        GovAction::RemoveValidator { consensus_key } => format!("REMOVE validator {}", hex::encode(consensus_key.0)),
        GovAction::SetConsensusParams { params } => format!(
            "SET consensus parameters: {} txs / {} bytes per block, clock skew +{} / -{} ms",
            params.block_txs_max, params.block_bytes_max, params.block_time_future_skew_ms, params.block_time_past_skew_ms
        ),
    }
}

/// A KYC record's terms in words.
fn kyc_terms(t: &vellum_types::kyc::KycTerms) -> String {
    format!(
        "KYC tier {}, {}, {}",
        t.tier,
        if t.expires_ms == 0 { "no expiry".to_string() } else { format!("expires at {} ms", t.expires_ms) },
        if t.screening.is_some() { "screened against the sanctions list" } else { "NOT screened" }
    )
}
