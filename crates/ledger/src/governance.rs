//! Governance (X.1405 8.8, X.1407 9.3.1 f): council proposals and votes. A proposal executes
//! in the transaction that brings its approvals to the council threshold, at or before its
//! deadline; the action runs on a copy of the state, so an action that cannot apply marks the
//! proposal failed (with the reason) and changes nothing else. Every executed action is
//! appended to the governance event list (`vellum rules history`).

use crate::error::TxError;
use crate::env::BlockEnv;
use crate::payments::{self, Governed};
use crate::state::LedgerState;
use std::collections::BTreeSet;
use vellum_types::governance::{PROPOSAL_BLOCKS_MAX, STANDARD_MODULES};
use vellum_types::payment::Hash32Text;
use vellum_types::{
    Account, Council, GovAction, GovEvent, Module, Proposal, ProposalStatus, Role, RulesDoc, StateKey, TxBody,
};

type Touched = BTreeSet<vellum_types::Hash32>;

/// The genesis council: the genesis accounts holding the `council` role, majority threshold.
pub(crate) fn genesis_council(members: Vec<vellum_types::AccountId>) -> Option<Council> {
    if members.is_empty() {
        return None;
    }
    let mut members = members;
    members.sort();
    members.dedup();
    let threshold = (members.len() / 2 + 1) as u32;
    Some(Council { members, threshold, version: 1 })
}

/// A council member's body with its fields: `apply_tx` builds one per variant in its
/// exhaustive match.
pub(crate) enum CouncilTx<'a> {
    Propose { action: &'a GovAction, deadline_height: &'a u64 },
    Vote { proposal: &'a u64 },
}

pub(crate) fn apply(state: &mut LedgerState, sender: &Account, (tx_id, body): (vellum_types::TxId, CouncilTx<'_>), env: BlockEnv, touched: &mut Touched) -> Result<(), TxError> {
    let council = state.council().ok_or(TxError::NoCouncil)?;
    if !council.is_member(&sender.id) {
        return Err(TxError::NotCouncilMember(sender.id));
    }
    let mut proposal = match body {
        CouncilTx::Propose { action, deadline_height } => {
            if *deadline_height <= env.height || *deadline_height - env.height > PROPOSAL_BLOCKS_MAX {
                return Err(TxError::BadDeadline { deadline: *deadline_height, height: env.height });
            }
            if let GovAction::AddValidator { validator } = action {
                crate::validators::check_key(validator)?;
            }
            // Code that fails the static checks is refused before anyone votes on it.
            if let GovAction::RegisterCode { code, .. } = action {
                crate::contracts::check_code(code)?;
            }
            let id = state.proposal_count();
            touched.insert(state.put_value(&StateKey::ProposalCount, &(id + 1)));
            Proposal {
                id,
                proposer: sender.id,
                created_height: env.height,
                action: action.clone(),
                deadline_height: *deadline_height,
                approvals: vec![sender.id],
                council_version: council.version,
                status: ProposalStatus::Open,
            }
        }
        CouncilTx::Vote { proposal } => {
            let mut p = state.proposal(*proposal).ok_or(TxError::UnknownProposal(*proposal))?;
            if p.status != ProposalStatus::Open {
                let status = if matches!(p.status, ProposalStatus::Executed { .. }) { "executed" } else { "failed" };
                return Err(TxError::ProposalClosed { proposal: p.id, status });
            }
            if env.height > p.deadline_height {
                return Err(TxError::ProposalExpired { proposal: p.id, deadline: p.deadline_height });
            }
            if p.council_version != council.version {
                return Err(TxError::ProposalStale(p.id));
            }
            if p.approvals.contains(&sender.id) {
                return Err(TxError::AlreadyVoted { proposal: p.id, member: sender.id });
            }
            p.approvals.push(sender.id);
            p
        }
    };
    if proposal.approvals.len() >= council.threshold as usize {
        match state.atomically(touched, |scratch, wrote| execute(scratch, &proposal, tx_id, env, wrote)) {
            Ok(()) => {
                proposal.status = ProposalStatus::Executed { height: env.height };
            }
            Err(e) => {
                proposal.status = ProposalStatus::Failed { height: env.height, code: e.code().into(), message: e.to_string() };
            }
        }
    }
    touched.insert(state.put_value(&StateKey::Proposal(proposal.id), &proposal));
    Ok(())
}

/// Applies a passed proposal's action and records the event.
fn execute(state: &mut LedgerState, proposal: &Proposal, tx_id: vellum_types::TxId, env: BlockEnv, touched: &mut Touched) -> Result<(), TxError> {
    let version = match &proposal.action {
        GovAction::CreateToken { symbol, decimals, issuer, subledger, flags } => {
            payments::apply_governed(state, Governed::CreateToken { symbol, decimals, issuer, subledger, flags }, env, touched)?
        }
        GovAction::SetMonitoring { token, rules } => payments::apply_governed(state, Governed::SetMonitoring { token, rules }, env, touched)?,
        GovAction::SetRate { from, to, num, den, desk } => {
            payments::apply_governed(state, Governed::SetRate { from, to, num, den, desk }, env, touched)?
        }
        GovAction::CreateSubledger { name, kyc_required } => {
            payments::apply_governed(state, Governed::CreateSubledger { name, kyc_required }, env, touched)?
        }
        GovAction::GrantRole { account, role } | GovAction::RevokeRole { account, role } => {
            let grant = matches!(proposal.action, GovAction::GrantRole { .. });
            let mut target = state.account(account).ok_or(TxError::UnknownAccount(*account))?;
            match (grant, target.roles.binary_search(role)) {
                (true, Err(at)) => target.roles.insert(at, *role),
                (false, Ok(at)) => {
                    target.roles.remove(at);
                    if target.roles.is_empty() {
                        target.roles.push(Role::User);
                    }
                }
                _ => return Err(TxError::RoleUnchanged { account: *account, role: role.name() }),
            }
            state.put_account(&target);
            touched.insert(StateKey::Account(*account).hash());
            None
        }
        GovAction::SetRules { digest, uri } => {
            let version = state.rules().version + 1;
            let doc = RulesDoc { version, digest: Some(*digest), uri: uri.clone(), height: env.height };
            touched.insert(state.put_value(&StateKey::Rules, &doc));
            Some(version)
        }
        GovAction::SetCouncil { members, threshold } => {
            let mut members = members.clone();
            members.sort();
            members.dedup();
            for m in &members {
                state.account(m).ok_or(TxError::UnknownAccount(*m))?;
            }
            let version = state.council().map_or(1, |c| c.version + 1);
            let council = Council { members, threshold: *threshold, version };
            assert!(council.check().is_ok(), "shape-checked in the proposal");
            touched.insert(state.put_value(&StateKey::Council, &council));
            Some(version)
        }
        GovAction::RegisterModule { name, code_digest, review_digest } => {
            let previous = state.module(name);
            let module = Module {
                name: name.clone(),
                code_digest: *code_digest,
                review_digest: *review_digest,
                version: previous.as_ref().map_or(1, |m| m.version + 1),
                paused: previous.is_some_and(|m| m.paused),
                approved_by_proposal: proposal.id,
                height: env.height,
            };
            touched.insert(state.put_value(&StateKey::Module(name.clone()), &module));
            Some(module.version)
        }
        GovAction::SetModulePaused { name, paused } => {
            let mut module = match state.module(name) {
                Some(m) => m,
                // Standard modules are built in: they get an entry the first time they are paused.
                None if STANDARD_MODULES.contains(&name.as_str()) => Module {
                    name: name.clone(),
                    code_digest: Hash32Text([0; 32]),
                    review_digest: Hash32Text([0; 32]),
                    version: 0,
                    paused: false,
                    approved_by_proposal: proposal.id,
                    height: env.height,
                },
                None => return Err(TxError::UnknownModule(name.clone())),
            };
            if module.paused == *paused {
                return Err(TxError::ModuleUnchanged(name.clone()));
            }
            module.paused = *paused;
            touched.insert(state.put_value(&StateKey::Module(name.clone()), &module));
            None
        }
        GovAction::AddValidator { validator } => {
            crate::validators::add(state, validator, touched)?;
            None
        }
        GovAction::RemoveValidator { consensus_key } => {
            crate::validators::remove(state, &consensus_key.0, touched)?;
            None
        }
        GovAction::SetConsensusParams { params } => Some(crate::validators::set_params(state, params, touched)?),
        GovAction::SetReasonCodes { codes } => {
            touched.insert(state.put_value(&StateKey::ReasonCodes, codes));
            None
        }
        GovAction::SetWitnesses { policy } => {
            touched.insert(state.put_value(&StateKey::WitnessPolicy, policy));
            None
        }
        GovAction::RegisterCode { name, code, review_digest } => {
            crate::contracts::register_code(state, (name, code, review_digest), proposal.id, env, touched)?;
            None
        }
        GovAction::SetContractPaused { contract, paused } => {
            crate::contracts::set_paused(state, contract, *paused, touched)?;
            None
        }
        GovAction::UpgradeContract { contract, code_digest } => {
            Some(crate::contracts::upgrade(state, contract, code_digest, proposal.id, env, touched)?)
        }
        GovAction::SetCodeAdvisory { code_digest, advisory } => {
            crate::contracts::set_advisory(state, code_digest, advisory, proposal.id, env, touched)?;
            None
        }
        GovAction::UpdateSanctions { add, remove } => Some(crate::kyc::update_sanctions(state, (add, remove), touched)?),
        GovAction::AttestIssuer { issuer, profile } => {
            // Attested by the council: recorded as by its proposing member (the governance
            // event names the proposal and its approvals).
            crate::issuers::attest(state, proposal.proposer, (issuer, profile), tx_id, env, touched)?;
            None
        }
    };
    let seq = state.gov_event_count();
    let event = GovEvent { seq, proposal: proposal.id, height: env.height, time_ms: env.time_ms, action: proposal.action.clone(), version };
    touched.insert(state.put_value(&StateKey::GovEvent(seq), &event));
    touched.insert(state.put_value(&StateKey::GovEventCount, &(seq + 1)));
    Ok(())
}

/// The standard module a body belongs to, for pause checks (X.1405 8.6.3). Governance itself,
/// account administration and incident response are never pausable.
pub(crate) fn module_of(body: &TxBody) -> Option<&'static str> {
    match body {
        TxBody::RegisterProof { .. }
        | TxBody::RegisterBatch { .. }
        | TxBody::SetProofStatus { .. }
        | TxBody::StoreBatchMembers { .. }
        | TxBody::AddHolders { .. } => Some("registry"),
        // Identity attestations are registrar administration, never paused.
        // Incident response (revoking a compromised issuer) is never pausable.
        TxBody::Transfer { .. } | TxBody::Mint { .. } | TxBody::Burn { .. } => Some("transfer"),
        TxBody::SetInvoicing { .. } | TxBody::IssueInvoice { .. } | TxBody::ReimburseInvoice { .. } | TxBody::ClearInvoiceTax { .. } => {
            Some("einvoice")
        }
        // Contracts are paused one by one, or all instances of a code by an advisory.
        TxBody::InstantiateContract { .. } | TxBody::CallContract { .. } => None,
        TxBody::SetSigners { .. } => Some("multisig"),
        _ => None,
    }
}
