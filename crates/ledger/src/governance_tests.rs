//! Governance: a council of three single-key members with threshold 2 (majority).

use crate::testkit::*;
use crate::*;
use vellum_crypto::SecretKey;
use vellum_types::payment::Hash32Text;
use vellum_types::*;

const CHAIN: &str = "vellum-test";

struct Gov {
    f: Fixture,
    members: Vec<SecretKey>,
    state: LedgerState,
    nonces: std::collections::BTreeMap<AccountId, u64>,
}

impl Gov {
    fn new() -> Gov {
        let f = fixture();
        let members: Vec<SecretKey> = (0..3).map(|i| key("ed25519", 120 + i)).collect();
        let mut genesis = f.genesis.clone();
        genesis.accounts.retain(|a| !a.roles.contains(&Role::Council));
        for (i, m) in members.iter().enumerate() {
            genesis.accounts.push(GenesisAccount { public_key: m.public_key(), roles: vec![Role::Council], label: format!("c{i}"), multisig: None });
        }
        let (state, _) = genesis_block(&genesis);
        Gov { f, members, state, nonces: Default::default() }
    }

    fn send(&mut self, key: &SecretKey, body: TxBody) -> Result<(), TxError> {
        let id = key.public_key().account_id();
        let n = *self.nonces.get(&id).unwrap_or(&0);
        let tx = sign(key, CHAIN, n, body);
        let signers = vellum_crypto::verify_tx(&tx).unwrap();
        let built = build_block(&self.state, self.state.time_ms + 1, 0, self.state.height + 1, [0; 32], [(&tx, signers.as_slice())]);
        let outcome = execute_block(&self.state, &built.block).unwrap();
        self.state = outcome.state;
        match built.rejected.into_iter().next() {
            Some((_, e)) => Err(e),
            None => {
                self.nonces.insert(id, n + 1);
                Ok(())
            }
        }
    }

    fn member(&self, i: usize) -> SecretKey {
        self.members[i].clone()
    }

    fn propose(&mut self, by: usize, action: GovAction, deadline_height: u64) -> u64 {
        let id = self.state.proposal_count();
        self.send(&self.member(by), TxBody::Propose { action, deadline_height }).unwrap();
        id
    }

    fn vote(&mut self, by: usize, proposal: u64) -> Result<(), TxError> {
        self.send(&self.member(by), TxBody::Vote { proposal })
    }
}

fn eur(issuer: AccountId) -> GovAction {
    GovAction::CreateToken { symbol: "EUR".into(), decimals: 2, issuer, subledger: None, flags: TokenFlags::default() }
}

#[test]
fn below_threshold_nothing_happens_at_threshold_it_executes() {
    let mut g = Gov::new();
    let issuer = g.f.issuer.public_key().account_id();
    assert_eq!(g.state.council().unwrap().threshold, 2);
    let p = g.propose(0, eur(issuer), 100);
    assert!(g.state.token("EUR").is_none(), "one approval of two changes nothing");
    assert_eq!(g.state.proposal(p).unwrap().status, ProposalStatus::Open);
    assert!(matches!(g.vote(0, p), Err(TxError::AlreadyVoted { .. })));
    g.vote(2, p).unwrap();
    assert!(g.state.token("EUR").is_some());
    assert!(matches!(g.state.proposal(p).unwrap().status, ProposalStatus::Executed { .. }));
    assert!(matches!(g.vote(1, p), Err(TxError::ProposalClosed { status: "executed", .. })));
}

#[test]
fn a_single_council_key_cannot_change_anything_alone() {
    let mut g = Gov::new();
    let issuer = g.f.issuer.public_key().account_id();
    let user = g.f.user.public_key().account_id();
    let actions = vec![
        eur(issuer),
        GovAction::GrantRole { account: user, role: Role::Issuer },
        GovAction::SetRules { digest: Hash32Text([1; 32]), uri: "https://example.org/rules-v1.txt".into() },
        GovAction::SetCouncil { members: vec![g.member(0).public_key().account_id()], threshold: 1 },
        GovAction::SetModulePaused { name: "transfer".into(), paused: true },
    ];
    let root = g.state.state_root();
    let mut ids = Vec::new();
    for a in actions {
        ids.push(g.propose(0, a, 100));
    }
    for id in ids {
        assert_eq!(g.state.proposal(id).unwrap().status, ProposalStatus::Open);
    }
    // Only the proposals themselves were written; no governed state changed.
    assert_ne!(g.state.state_root(), root);
    assert!(g.state.token("EUR").is_none() && g.state.rules().version == 0);
    assert_eq!(g.state.council().unwrap().members.len(), 3);
    // Direct governed bodies and outsiders are refused.
    let direct = TxBody::CreateToken { symbol: "EUR".into(), decimals: 2, issuer, subledger: None, flags: TokenFlags::default() };
    assert_eq!(g.send(&g.member(1), direct), Err(TxError::Governed("create_token")));
    let outsider = g.f.user.clone();
    assert!(matches!(g.send(&outsider, TxBody::Vote { proposal: 0 }), Err(TxError::NotCouncilMember(_))));
}

#[test]
fn an_expired_proposal_cannot_execute() {
    let mut g = Gov::new();
    let issuer = g.f.issuer.public_key().account_id();
    let deadline = g.state.height + 3;
    let p = g.propose(1, eur(issuer), deadline);
    while g.state.height < deadline {
        let registrar = g.f.registrar.clone();
        let _ = g.send(&registrar, TxBody::Vote { proposal: 99 });
    }
    assert!(matches!(g.vote(2, p), Err(TxError::ProposalExpired { .. })));
    assert!(g.state.token("EUR").is_none());
    assert!(matches!(g.send(&g.member(0), TxBody::Propose { action: eur(issuer), deadline_height: g.state.height }), Err(TxError::BadDeadline { .. })));
}

#[test]
fn rules_history_lists_every_change_with_versions() {
    let mut g = Gov::new();
    let user = g.f.user.public_key().account_id();
    let actions = vec![
        GovAction::SetRules { digest: Hash32Text([1; 32]), uri: "https://example.org/rules-v1.txt".into() },
        GovAction::GrantRole { account: user, role: Role::Auditor },
        GovAction::SetRules { digest: Hash32Text([2; 32]), uri: "https://example.org/rules-v2.txt".into() },
        GovAction::RegisterModule { name: "escrow".into(), code_digest: Hash32Text([3; 32]), review_digest: Hash32Text([4; 32]) },
    ];
    for a in actions.clone() {
        let p = g.propose(0, a, 100);
        g.vote(1, p).unwrap();
    }
    assert_eq!(g.state.gov_event_count(), 4);
    let events: Vec<GovEvent> = (0..4).map(|i| g.state.gov_event(i).unwrap()).collect();
    assert_eq!(events.iter().map(|e| e.action.clone()).collect::<Vec<_>>(), actions);
    assert_eq!(events.iter().map(|e| e.version).collect::<Vec<_>>(), vec![Some(1), None, Some(2), Some(1)]);
    assert_eq!(g.state.rules().version, 2);
    assert!(g.state.account(&user).unwrap().has_role(Role::Auditor));
    let module = g.state.module("escrow").unwrap();
    assert_eq!((module.code_digest.0, module.review_digest.0, module.approved_by_proposal), ([3; 32], [4; 32], 3));
}

#[test]
fn a_council_change_makes_older_proposals_stale_and_modules_can_be_paused() {
    let mut g = Gov::new();
    let issuer = g.f.issuer.public_key().account_id();
    let old = g.propose(0, eur(issuer), 100);
    let m = |i: usize, g: &Gov| g.member(i).public_key().account_id();
    let change = g.propose(1, GovAction::SetCouncil { members: vec![m(1, &g), m(2, &g)], threshold: 2 }, 100);
    g.vote(2, change).unwrap();
    assert_eq!(g.state.council().unwrap().version, 2);
    assert!(matches!(g.vote(1, old), Err(TxError::ProposalStale(_))));
    assert!(matches!(g.send(&g.member(0), TxBody::Vote { proposal: old }), Err(TxError::NotCouncilMember(_))));
    // Pausing the transfer module stops transfers and mints; unpausing resumes them.
    let p = g.propose(1, eur(issuer), 100);
    g.vote(2, p).unwrap();
    let pause = g.propose(1, GovAction::SetModulePaused { name: "transfer".into(), paused: true }, 100);
    g.vote(2, pause).unwrap();
    let issuer_key = g.f.issuer.clone();
    let mint = TxBody::Mint { token: "EUR".into(), to: issuer, amount: 1 };
    assert_eq!(g.send(&issuer_key, mint.clone()), Err(TxError::ModulePaused("transfer")));
    let resume = g.propose(1, GovAction::SetModulePaused { name: "transfer".into(), paused: false }, 100);
    g.vote(2, resume).unwrap();
    g.send(&issuer_key, mint).unwrap();
}

#[test]
fn the_council_sets_the_witnesses_and_a_malformed_policy_never_reaches_the_ledger() {
    use vellum_types::witness::{WitnessEntry, WitnessPolicy};
    let mut g = Gov::new();
    assert_eq!(g.state.witness_policy(), None);
    let w = |name: &str, k: u8| WitnessEntry { name: name.into(), key: [k; 32], url: format!("https://{name}/") };
    let policy = WitnessPolicy { witnesses: vec![w("w1.example", 1), w("w2.example", 2)], quorum: 2 };
    let p = g.propose(0, GovAction::SetWitnesses { policy: policy.clone() }, 100);
    assert_eq!(g.state.witness_policy(), None, "one approval of two changes nothing");
    g.vote(1, p).unwrap();
    assert_eq!(g.state.witness_policy(), Some(policy));
    let off = WitnessPolicy { witnesses: vec![], quorum: 0 };
    let p = g.propose(1, GovAction::SetWitnesses { policy: off.clone() }, 100);
    g.vote(2, p).unwrap();
    assert_eq!(g.state.witness_policy(), Some(off), "an empty list switches witnessing off");
    let bad = WitnessPolicy { witnesses: vec![w("w1.example", 1)], quorum: 2 };
    let tx = sign(&g.member(0), CHAIN, 9, TxBody::Propose { action: GovAction::SetWitnesses { policy: bad }, deadline_height: 100 });
    assert!(tx.check_shape().is_err(), "a quorum above the witness count is malformed");
}
