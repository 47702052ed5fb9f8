//! Validator-set changes through governance, effective at epoch boundaries; misbehaviour
//! reports; governed consensus parameters.

use crate::testkit::*;
use crate::validators::{epoch_of, is_epoch_boundary};
use crate::*;
use vellum_crypto::SecretKey;
use vellum_types::payment::Hash32Text;
use vellum_types::validators::MisbehaviorKind;
use vellum_types::*;

const CHAIN: &str = "vellum-test";
const EPOCH: u64 = 10;

struct Chain {
    f: Fixture,
    state: LedgerState,
    nonces: std::collections::BTreeMap<AccountId, u64>,
}

impl Chain {
    fn new() -> Chain {
        let f = fixture();
        let mut genesis = f.genesis.clone();
        genesis.epoch_length_blocks = Some(EPOCH);
        let (state, _) = genesis_block(&genesis);
        Chain { f, state, nonces: Default::default() }
    }

    /// Builds and executes the next block with `txs` (the epoch consensus would give it).
    fn block(&mut self, txs: &[Transaction]) -> Vec<(TxId, TxError)> {
        let signers: Vec<Vec<PublicKey>> = txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap()).collect();
        let height = self.state.height + 1;
        let built = build_block(
            &self.state,
            self.state.time_ms + 1,
            epoch_of(height, EPOCH),
            height,
            [0; 32],
            txs.iter().zip(&signers).map(|(t, s)| (t, s.as_slice())),
        );
        let outcome = execute_block(&self.state, &built.block).unwrap();
        assert_eq!(built.block.header.validator_set_hash, self.state.validator_set_hash, "every header names the set that signs it");
        self.state = outcome.state;
        built.rejected
    }

    fn send_as(&mut self, account: AccountId, keys: &[&SecretKey], body: TxBody) -> Result<(), TxError> {
        let n = *self.nonces.get(&account).unwrap_or(&0);
        let tx = sign_multi(keys, account, CHAIN, n, body);
        match self.block(&[tx]).into_iter().next() {
            Some((_, e)) => Err(e),
            None => {
                self.nonces.insert(account, n + 1);
                Ok(())
            }
        }
    }

    /// The 2-of-3 council account passes `action` in one transaction (two signatures).
    fn govern(&mut self, action: GovAction) {
        let council = self.f.council_id();
        let (a, b) = (self.f.council[0].clone(), self.f.council[1].clone());
        let proposal = self.state.proposal_count();
        self.send_as(council, &[&a, &b], TxBody::Propose { action, deadline_height: self.state.height + 50 }).unwrap();
        assert!(
            matches!(self.state.proposal(proposal).unwrap().status, ProposalStatus::Executed { .. }),
            "{:?}",
            self.state.proposal(proposal).unwrap().status
        );
    }

    fn run_to(&mut self, height: u64) {
        while self.state.height < height {
            self.block(&[]);
        }
    }
}

fn validator(seed: u8, name: &str) -> GenesisValidator {
    let key: [u8; 32] = SecretKey::from_bytes("ed25519", [seed; 32]).unwrap().public_key().key_bytes().try_into().unwrap();
    GenesisValidator { name: name.into(), consensus_key: key, p2p_key: key, address: "127.0.0.1:9".into() }
}

#[test]
fn epochs_follow_commonware_fixed_epocher() {
    assert_eq!(epoch_of(0, EPOCH), 0);
    assert_eq!(epoch_of(9, EPOCH), 0);
    assert_eq!(epoch_of(10, EPOCH), 1);
    assert!(is_epoch_boundary(9, EPOCH) && is_epoch_boundary(19, EPOCH));
    assert!(!is_epoch_boundary(10, EPOCH) && !is_epoch_boundary(0, EPOCH));
    assert!(!is_epoch_boundary(5, u64::MAX) && !is_epoch_boundary(u64::MAX, u64::MAX));
}

#[test]
fn add_then_remove_a_validator_at_epoch_boundaries() {
    let mut c = Chain::new();
    let genesis_set = c.state.validator_set();
    assert_eq!((genesis_set.seq, genesis_set.validators.len()), (0, 1));
    let new = validator(77, "v1");
    c.govern(GovAction::AddValidator { validator: new.clone() });
    // Decided, but the set that signs blocks changes only at the end of the epoch.
    assert_eq!(c.state.pending_validators().len(), 2);
    assert_eq!(c.state.validator_set(), genesis_set);
    let old_hash = c.state.validator_set_hash;
    c.run_to(8);
    assert_eq!(c.state.validator_set_hash, old_hash);
    c.run_to(9);
    let set = c.state.validator_set();
    assert_eq!((set.seq, set.effective_epoch, set.boundary_height), (1, 1, 9));
    assert!(set.contains(&new.consensus_key));
    assert_ne!(c.state.validator_set_hash, old_hash, "blocks of epoch 1 carry the new set's hash");
    assert_eq!(c.state.validator_set_hash, set.hash());
    assert_eq!(c.state.validator_set_change(1).unwrap(), set);
    assert_eq!(c.state.validator_set_change_count(), 1);
    // Adding the same validator again fails (the proposal fails, nothing changes).
    let council = c.f.council_id();
    let (a, b) = (c.f.council[0].clone(), c.f.council[1].clone());
    let p = c.state.proposal_count();
    c.send_as(council, &[&a, &b], TxBody::Propose { action: GovAction::AddValidator { validator: new.clone() }, deadline_height: 60 }).unwrap();
    assert!(matches!(c.state.proposal(p).unwrap().status, ProposalStatus::Failed { ref code, .. } if code == "validator_present"));

    c.govern(GovAction::RemoveValidator { consensus_key: Hash32Text(new.consensus_key) });
    c.run_to(19);
    let set = c.state.validator_set();
    assert_eq!((set.seq, set.effective_epoch, set.boundary_height), (2, 2, 19));
    assert_eq!(set.validators, genesis_set.validators);
    assert_eq!(c.state.validator_set_hash, old_hash);
    // An epoch with no pending change records nothing.
    c.run_to(29);
    assert_eq!(c.state.validator_set_change_count(), 2);
}

#[test]
fn a_single_council_key_cannot_change_the_validator_set() {
    let mut c = Chain::new();
    let council = c.f.council_id();
    let one = c.f.council[0].clone();
    let r = c.send_as(council, &[&one], TxBody::Propose { action: GovAction::AddValidator { validator: validator(77, "v1") }, deadline_height: 50 });
    assert!(matches!(r, Err(TxError::Threshold { .. })), "{r:?}");
    c.run_to(9);
    assert_eq!(c.state.validator_set().seq, 0);
}

#[test]
fn bad_validator_changes_are_refused() {
    let mut c = Chain::new();
    let only = c.state.validator_set().validators[0].consensus_key;
    let council = c.f.council_id();
    let (a, b) = (c.f.council[0].clone(), c.f.council[1].clone());
    let mut not_a_point = validator(1, "bad");
    // 32 bytes that do not decode to a curve point.
    not_a_point.consensus_key = (2u8..).map(|b| [b; 32]).find(|k| !vellum_crypto::is_ed25519_key(k)).unwrap();
    not_a_point.p2p_key = not_a_point.consensus_key;
    for (action, code) in [
        (GovAction::RemoveValidator { consensus_key: Hash32Text(only) }, "bad_validator"),
        (GovAction::RemoveValidator { consensus_key: Hash32Text([3; 32]) }, "unknown_validator"),
        (GovAction::AddValidator { validator: GenesisValidator { name: "v0".into(), ..validator(78, "x") } }, "bad_validator"),
    ] {
        let p = c.state.proposal_count();
        c.send_as(council, &[&a, &b], TxBody::Propose { action, deadline_height: c.state.height + 50 }).unwrap();
        let status = c.state.proposal(p).unwrap().status;
        assert!(matches!(&status, ProposalStatus::Failed { code: got, .. } if got == code), "{status:?}");
    }
    // A key that is not a curve point is refused when proposed: no council vote is wasted.
    let p = c.state.proposal_count();
    let r = c.send_as(council, &[&a, &b], TxBody::Propose { action: GovAction::AddValidator { validator: not_a_point }, deadline_height: c.state.height + 50 });
    assert!(matches!(r, Err(TxError::BadValidator(_))), "{r:?}");
    assert_eq!(c.state.proposal_count(), p);
    // A validator entry whose keys differ does not even decode into a proposal.
    let mut split = validator(79, "split");
    split.p2p_key = [1; 32];
    assert!(GovAction::AddValidator { validator: split }.check().is_err());
    c.run_to(9);
    assert_eq!(c.state.validator_set().seq, 0);
}

#[test]
fn a_header_with_the_wrong_epoch_is_invalid() {
    let c = Chain::new();
    let built = build_block(&c.state, c.state.time_ms + 1, 0, 1, [0; 32], std::iter::empty());
    let mut block = built.block;
    block.header.epoch = 1;
    assert!(matches!(execute_block(&c.state, &block), Err(BlockError::Epoch { height: 1, expected: 0, got: 1 })));
}

#[test]
fn misbehaviour_reports_are_recorded_once_by_node_accounts() {
    use vellum_types::validators::{MisbehaviorEvidence, SignedVote, VoteKind, vote_message};
    let (mut genesis, seeds) = genesis_with_validators(4);
    genesis.epoch_length_blocks = Some(EPOCH);
    let (state, _) = genesis_block(&genesis);
    let mut c = Chain { f: fixture(), state, nonces: Default::default() };
    let accused_key = SecretKey::from_bytes("ed25519", seeds[0]).unwrap();
    let accused = c.state.validator_set().validators[0].consensus_key;
    assert_eq!(accused.as_slice(), accused_key.public_key().key_bytes());
    // A vote as Commonware simplex signs it.
    let vote = |key: &SecretKey, kind: VoteKind, view: u64, payload: u8| {
        let message = vote_message(kind, 0, view, view - 1, &[payload; 32]);
        let Signature::Ed25519 { signature, .. } = key.sign(&message) else { unreachable!() };
        SignedVote { kind, parent_view: view - 1, payload: [payload; 32], signature }
    };
    let evidence = |first: SignedVote, second: SignedVote| borsh::to_vec(&MisbehaviorEvidence { first, second }).unwrap();
    let report = |validator: [u8; 32], kind: MisbehaviorKind, view: u64, evidence: Vec<u8>| TxBody::ReportMisbehavior {
        validator,
        kind,
        epoch: 0,
        view,
        evidence,
    };
    let double = |view: u64| evidence(vote(&accused_key, VoteKind::Notarize, view, 1), vote(&accused_key, VoteKind::Notarize, view, 2));
    let notarize = MisbehaviorKind::ConflictingNotarize;
    let node = c.f.node.clone();
    let node_id = node.public_key().account_id();
    let user = c.f.user.clone();
    let user_id = user.public_key().account_id();
    assert!(matches!(c.send_as(user_id, &[&user], report(accused, notarize, 3, double(3))), Err(TxError::MissingRole(Role::Node))));
    assert!(matches!(c.send_as(node_id, &[&node], report([4; 32], notarize, 3, double(3))), Err(TxError::UnknownValidator(_))));
    // Made-up or mismatched evidence is refused: garbage, votes for one proposal, the wrong
    // kind, another validator's signatures, votes of another view, a flipped signature bit.
    let other = SecretKey::from_bytes("ed25519", seeds[1]).unwrap();
    let mut flipped = MisbehaviorEvidence { first: vote(&accused_key, VoteKind::Notarize, 3, 1), second: vote(&accused_key, VoteKind::Notarize, 3, 2) };
    flipped.second.signature[0] ^= 1;
    for (kind, bad) in [
        (notarize, vec![1, 2, 3]),
        (notarize, evidence(vote(&accused_key, VoteKind::Notarize, 3, 1), vote(&accused_key, VoteKind::Notarize, 3, 1))),
        (MisbehaviorKind::ConflictingFinalize, double(3)),
        (notarize, evidence(vote(&other, VoteKind::Notarize, 3, 1), vote(&other, VoteKind::Notarize, 3, 2))),
        (notarize, double(4)),
        (notarize, borsh::to_vec(&flipped).unwrap()),
    ] {
        let r = c.send_as(node_id, &[&node], report(accused, kind, 3, bad));
        assert!(matches!(r, Err(TxError::BadEvidence(_))), "{r:?}");
    }
    assert_eq!(c.state.misbehavior_count(), 0);
    c.send_as(node_id, &[&node], report(accused, notarize, 3, double(3))).unwrap();
    assert!(matches!(c.send_as(node_id, &[&node], report(accused, notarize, 3, double(3))), Err(TxError::MisbehaviorKnown)));
    // A nullify and a finalize in one view.
    let nf = evidence(vote(&accused_key, VoteKind::Nullify, 4, 0), vote(&accused_key, VoteKind::Finalize, 4, 7));
    // (A nullify signs the round only: parent and payload do not enter its message.)
    c.send_as(node_id, &[&node], report(accused, MisbehaviorKind::NullifyFinalize, 4, nf.clone())).unwrap();
    assert_eq!(c.state.misbehavior_count(), 2);
    let m = c.state.misbehavior(0).unwrap();
    assert_eq!((m.validator.0, m.kind, m.view, m.reporter), (accused, notarize, 3, node_id));
    assert_eq!(m.evidence_hash.0, sha256(&double(3)));
}

#[test]
fn governed_consensus_parameters_apply_and_survive_a_reload() {
    let mut c = Chain::new();
    let mut params = c.state.params.clone();
    params.block_txs_max = 1;
    params.block_time_future_skew_ms = 2_000;
    c.govern(GovAction::SetConsensusParams { params: params.clone() });
    assert_eq!(c.state.params, params);
    // Two transactions no longer fit one block.
    let reg = c.f.registrar.clone();
    let txs = [sign(&reg, CHAIN, 0, open(&key("ed25519", 90))), sign(&reg, CHAIN, 1, open(&key("ed25519", 91)))];
    let signers: Vec<Vec<PublicKey>> = txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap()).collect();
    let built = build_block(&c.state, c.state.time_ms + 1, 0, c.state.height + 1, [0; 32], txs.iter().zip(&signers).map(|(t, s)| (t, s.as_slice())));
    assert_eq!(built.block.txs.len(), 1);
    // A node that reloads the map gets the governed parameters back.
    let mut reloaded = c.state.clone();
    reloaded.params = ConsensusParams::default();
    reloaded.validator_set_hash = [0; 32];
    reloaded.refresh_derived();
    assert_eq!(reloaded.params, params);
    assert_eq!(reloaded.validator_set_hash, c.state.validator_set_hash);
    // Out-of-bounds parameters do not make a proposal.
    params.block_time_past_skew_ms = 0;
    assert!(GovAction::SetConsensusParams { params }.check().is_err());
}
