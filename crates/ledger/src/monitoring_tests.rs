//! Monitoring on both sides (X.1405 8.4.2–8.4.3): inflow and distinct-sender rules on the
//! recipient, sliding windows, KYC tiers and expiry, the sanctions list. Each rule holds a
//! transfer through the proposer and verifier paths (`Chain::block_at`).

use crate::payment_tests::{Chain, pay, transfer};
use crate::testkit::*;
use crate::*;
use vellum_crypto::SecretKey;
use vellum_types::kyc::{KycTerms, screening_commitment};
use vellum_types::monitoring::TierLimit;
use vellum_types::payment::Hash32Text;
use vellum_types::*;

const SALT: [u8; 32] = [0x5a; 32];

/// Rules on `AE` that only watch what the tests name (timeout 10 s, window 60 s).
fn rules(f: impl FnOnce(&mut MonitoringRules)) -> MonitoringRules {
    let mut r = MonitoringRules {
        window_ms: 60_000,
        hold_timeout_ms: 10_000,
        ..MonitoringRules::default()
    };
    f(&mut r);
    assert!(r.check().is_ok());
    r
}

fn id(k: &SecretKey) -> AccountId {
    k.public_key().account_id()
}

/// The alerts of a held transfer (panics if it settled).
fn held(records: &[PaymentRecord]) -> Vec<Alert> {
    match &records[0].outcome {
        PaymentOutcome::Held { alerts, .. } => alerts.clone(),
        other => panic!("expected a hold, got {other:?}"),
    }
}

fn settled(records: &[PaymentRecord]) -> bool {
    matches!(records[0].outcome, PaymentOutcome::Settled { .. })
}

fn terms(tier: u8, expires_ms: u64, identity: Option<&[u8]>) -> KycTerms {
    KycTerms {
        tier,
        expires_ms,
        screening: identity.map(|i| screening_commitment(&SALT, i)),
    }
}

impl Chain {
    fn set_rules(&mut self, rules: MonitoringRules) {
        let set = self.council(TxBody::SetMonitoring {
            token: "AE".into(),
            rules,
        });
        self.ok(&[set]);
    }

    fn set_kyc(&mut self, who: &SecretKey, terms: KycTerms) {
        let registrar = self.f.registrar.clone();
        let tx = self.tx(
            &registrar,
            TxBody::SetKyc {
                account: id(who),
                terms,
            },
        );
        self.ok(&[tx]);
    }

    /// A council proposal updating the sanctions list (passes at once: one council member).
    fn sanctions(&mut self, add: Vec<Hash32Text>, remove: Vec<Hash32Text>) {
        let tx = self.tx_multi_council(TxBody::Propose {
            action: GovAction::UpdateSanctions { add, remove },
            deadline_height: 900,
        });
        self.ok(&[tx]);
    }

    fn send(&mut self, from: &SecretKey, to: &SecretKey, amount: u128) -> Vec<PaymentRecord> {
        let tx = self.tx(from, transfer(vec![pay(to, "AE", amount)]));
        self.ok(&[tx])
    }
}

#[test]
fn the_receiving_side_holds_a_mule_paid_by_many_senders() {
    let senders: Vec<SecretKey> = (0..4).map(|n| key("ed25519", 120 + n)).collect();
    let mule = key("ed25519", 130);
    let mut users: Vec<&SecretKey> = senders.iter().collect();
    users.push(&mule);
    let mut c = Chain::with_two_subledgers(&users, &[]);
    c.set_rules(rules(|r| r.distinct_senders_max = 2));
    // Two senders are fine, and the first one again; the third distinct sender is held.
    assert!(settled(&c.send(&senders[0], &mule, 100)));
    assert!(settled(&c.send(&senders[1], &mule, 100)));
    assert!(settled(&c.send(&senders[0], &mule, 100)));
    let alerts = held(&c.send(&senders[2], &mule, 100));
    assert_eq!(
        alerts,
        vec![Alert::DistinctSenders {
            token: "AE".into(),
            account: id(&mule),
            senders: 3
        }]
    );
    // The sender's own side saw nothing: the rule is the recipient's.
    assert_eq!(c.state.window(&id(&senders[2]), "AE"), Default::default());

    // Inflow amount and count, on a fresh recipient.
    c.set_rules(rules(|r| {
        r.inflow_amount_max = 1_000;
        r.inflow_count_max = 3;
    }));
    let to = &senders[3];
    assert!(settled(&c.send(&senders[0], to, 600)));
    assert_eq!(
        held(&c.send(&senders[1], to, 600)),
        vec![Alert::InflowAmount {
            token: "AE".into(),
            account: id(to),
            window_amount: 1_200
        }]
    );
    assert_eq!(
        held(&c.send(&senders[0], to, 1)),
        vec![Alert::InflowAmount {
            token: "AE".into(),
            account: id(to),
            window_amount: 1_201
        }]
    );
    let alerts = held(&c.send(&senders[0], to, 1));
    assert!(
        alerts.contains(&Alert::InflowCount {
            token: "AE".into(),
            account: id(to),
            window_count: 4
        }),
        "{alerts:?}"
    );
}

#[test]
fn a_sliding_window_catches_a_payment_split_across_the_old_reset() {
    let (a, b) = (key("ed25519", 131), key("ed25519", 132));
    let mut c = Chain::with_two_subledgers(&[&a, &b], &[]);
    c.set_rules(rules(|r| r.window_amount_max = 5_000));
    let t0 = c.state.time_ms + 1;
    // A small payment opens what a tumbling window would reset at t0 + 60 s…
    let tx = c.tx(&a, transfer(vec![pay(&b, "AE", 10)]));
    assert!(c.block_at(t0, &[tx]).0.is_empty());
    // …then 4 000 at 59 s and 4 000 at 61 s: 8 000 within one minute.
    let tx = c.tx(&a, transfer(vec![pay(&b, "AE", 4_000)]));
    let (rejected, records) = c.block_at(t0 + 59_000, &[tx]);
    assert!(rejected.is_empty() && settled(&records));
    let tx = c.tx(&a, transfer(vec![pay(&b, "AE", 4_000)]));
    let (_, records) = c.block_at(t0 + 61_000, &[tx]);
    assert_eq!(
        held(&records),
        vec![Alert::VelocityAmount {
            token: "AE".into(),
            window_amount: 8_000
        }]
    );
    // Two minutes later the window has slid past all of it.
    let tx = c.tx(&b, transfer(vec![pay(&a, "AE", 4_000)]));
    let tx2 = c.tx(&a, transfer(vec![pay(&b, "AE", 4_000)]));
    let (rejected, records) = c.block_at(t0 + 181_000, &[tx, tx2]);
    assert!(
        rejected.is_empty()
            && records
                .iter()
                .all(|r| matches!(r.outcome, PaymentOutcome::Settled { .. })),
        "{records:?}"
    );
}

#[test]
fn kyc_tiers_set_by_the_registrar_carry_their_own_limits() {
    let (a, b) = (key("ed25519", 133), key("ed25519", 134));
    let mut c = Chain::with_two_subledgers(&[&a, &b], &[]);
    let tier = |tier, leg, window| TierLimit {
        tier,
        leg_amount_max: leg,
        window_amount_max: window,
    };
    c.set_rules(rules(|r| {
        r.tier_limits = vec![tier(0, 1_000, 0), tier(2, 5_000, 6_000)]
    }));
    // No KYC record: tier 0.
    assert_eq!(
        held(&c.send(&a, &b, 1_500)),
        vec![Alert::TierLeg {
            token: "AE".into(),
            tier: 0,
            amount: 1_500
        }]
    );
    c.set_kyc(&a, terms(2, 0, None));
    assert_eq!(c.state.kyc(&id(&a)).unwrap().version, 1);
    assert!(settled(&c.send(&a, &b, 1_500)));
    // The held 1 500 and the settled 1 500 both count: 3 000 + 3 500 is over tier 2's 6 000.
    assert_eq!(
        held(&c.send(&a, &b, 3_500)),
        vec![Alert::TierWindow {
            token: "AE".into(),
            tier: 2,
            window_amount: 6_500
        }]
    );
    // A tier without limits (1) is watched by the other rules only.
    c.set_kyc(&a, terms(1, 0, None));
    assert_eq!(c.state.kyc(&id(&a)).unwrap().version, 2);
    assert!(settled(&c.send(&a, &b, 100)));
    // Only a registrar sets tiers, and only for accounts with an identity commitment.
    let user = c.f.user.clone();
    let by_user = c.tx(
        &user,
        TxBody::SetKyc {
            account: id(&a),
            terms: terms(3, 0, None),
        },
    );
    assert_eq!(c.err(by_user), TxError::MissingRole(Role::Registrar));
    let registrar = c.f.registrar.clone();
    let desk = c.f.desk.clone();
    let genesis_account = c.tx(
        &registrar,
        TxBody::SetKyc {
            account: id(&desk),
            terms: terms(3, 0, None),
        },
    );
    assert!(matches!(
        c.err(genesis_account),
        TxError::KycRequired { .. }
    ));
}

#[test]
fn an_expired_identity_check_receives_but_does_not_send_until_reverified() {
    let (a, b) = (key("ed25519", 135), key("ed25519", 136));
    let mut c = Chain::with_two_subledgers(&[&a, &b], &[]);
    let expires = c.state.time_ms + 10_000;
    c.set_kyc(&a, terms(1, expires, None));
    assert!(settled(&c.send(&a, &b, 10)));
    let tx = c.tx(&a, transfer(vec![pay(&b, "AE", 10)]));
    let (rejected, _) = c.block_at(expires, &[tx]);
    assert_eq!(
        rejected[0].1,
        TxError::KycExpired {
            account: id(&a),
            expired_ms: expires
        }
    );
    assert_eq!(rejected[0].1.code(), "kyc_expired");
    // It still receives.
    assert!(settled(&c.send(&b, &a, 20)));
    // A registrar re-verifies it; it sends again.
    c.set_kyc(&a, terms(1, expires + 3_600_000, None));
    assert!(settled(&c.send(&a, &b, 10)));
    assert_eq!(c.available(&a, "AE"), 10_000 - 10 + 20 - 10);
}

#[test]
fn the_sanctions_list_refuses_openings_and_holds_transfers_both_ways() {
    let (a, b) = (key("ed25519", 137), key("ed25519", 138));
    let mut c = Chain::with_two_subledgers(&[&a, &b], &[]);
    c.set_kyc(&a, terms(1, 0, Some(b"alice, 1990-01-01, FR")));
    let mallory = Hash32Text(screening_commitment(&SALT, b"mallory, 1970-01-01, XX"));
    c.sanctions(vec![mallory], vec![]);
    assert_eq!(
        c.state.sanctions_list(),
        vellum_types::kyc::SanctionsList {
            version: 1,
            entries: 1
        }
    );
    // Opening an account for mallory is refused; a clean identity opens.
    let registrar = c.f.registrar.clone();
    let m = key("ed25519", 139);
    let with_terms = |k: &SecretKey, t: KycTerms| match open_in(k, "a") {
        TxBody::OpenAccount {
            public_key,
            kyc_commitment,
            label,
            role,
            subledger,
            ..
        } => TxBody::OpenAccount {
            public_key,
            kyc_commitment,
            label,
            role,
            subledger,
            kyc: Some(t),
        },
        _ => unreachable!(),
    };
    let open_m = c.tx(
        &registrar,
        with_terms(&m, terms(1, 0, Some(b"mallory, 1970-01-01, XX"))),
    );
    assert_eq!(
        c.err(open_m),
        TxError::SanctionsHit {
            account: id(&m),
            list_version: 1
        }
    );
    let clean = c.tx(
        &registrar,
        with_terms(&m, terms(1, 0, Some(b"maria, 1985-05-05, DE"))),
    );
    c.ok(&[clean]);
    assert_eq!(c.state.kyc(&id(&m)).unwrap().terms.tier, 1);
    assert!(settled(&c.send(&b, &a, 10)));

    // Alice is listed later: a payment to her and one from her are both held, with no rules set.
    let alice = Hash32Text(screening_commitment(&SALT, b"alice, 1990-01-01, FR"));
    c.sanctions(vec![alice], vec![]);
    let hit = Alert::Sanctions {
        account: id(&a),
        list_version: 2,
    };
    let records = c.send(&b, &a, 10);
    assert_eq!(held(&records), vec![hit.clone()]);
    let PaymentOutcome::Held { hold, .. } = records[0].outcome else {
        unreachable!()
    };
    let h = c.state.hold(hold).unwrap();
    assert_eq!(
        h.expires_ms - h.created_ms,
        crate::monitoring::SANCTIONS_HOLD_TIMEOUT_MS
    );
    assert_eq!(held(&c.send(&a, &b, 10)), vec![hit]);
    // Removing an entry not on the list fails the proposal (the version stays); removing alice
    // lifts the hold.
    c.sanctions(vec![], vec![Hash32Text([1; 32])]);
    assert!(
        matches!(c.last_proposal(), ProposalStatus::Failed { code, .. } if code == "sanctions_unchanged")
    );
    c.sanctions(vec![], vec![alice]);
    assert_eq!(
        c.state.sanctions_list(),
        vellum_types::kyc::SanctionsList {
            version: 3,
            entries: 1
        }
    );
    assert!(settled(&c.send(&b, &a, 10)));
}

#[test]
fn kyc_terms_are_shape_checked_and_scoped_to_the_registrars_sub_ledger() {
    let k = key("ed25519", 140);
    let no_commitment = TxBody::OpenAccount {
        public_key: k.public_key(),
        kyc_commitment: None,
        label: "x".into(),
        role: Role::User,
        subledger: None,
        kyc: Some(terms(1, 0, None)),
    };
    let tx = sign(&k, "vellum-test", 0, no_commitment);
    assert!(
        tx.check_shape()
            .unwrap_err()
            .to_string()
            .contains("KYC commitment")
    );
    let tier0 = sign(
        &k,
        "vellum-test",
        0,
        TxBody::SetKyc {
            account: id(&k),
            terms: terms(0, 0, None),
        },
    );
    assert!(
        tier0
            .check_shape()
            .unwrap_err()
            .to_string()
            .contains("tier")
    );
    let big = sign(
        &k,
        "vellum-test",
        0,
        TxBody::SetKyc {
            account: id(&k),
            terms: terms(8, 0, None),
        },
    );
    assert!(big.check_shape().is_err());
}

/// The key lifecycle (X.1405 8.7.1): a key's creation is recorded when it joins the signer
/// set; an expired key stops signing; the other key rotates it out and its record goes.
#[test]
fn an_expired_key_stops_signing_and_rotation_removes_its_record() {
    let (a, a2, b) = (key("ed25519", 141), key("ed25519", 142), key("p256", 143));
    let mut c = Chain::with_two_subledgers(&[&a, &b], &[]);
    let opened = c.state.key_life(&id(&a), &a.public_key()).expect("recorded on opening");
    assert_eq!(opened.expires_ms, 0);
    // Two keys, either one signs.
    let set = SignerSet { signers: vec![Signer { key: a.public_key(), weight: 1 }, Signer { key: a2.public_key(), weight: 1 }], threshold: 1 };
    let tx = c.tx(&a, TxBody::SetSigners { set });
    c.ok(&[tx]);
    let added = c.state.key_life(&id(&a), &a2.public_key()).unwrap();
    assert_eq!(added.added_height, c.state.height);
    assert_eq!(c.state.key_life(&id(&a), &a.public_key()), Some(opened), "an unchanged key keeps its record");
    // a's own key expires in 10 s.
    let expires = c.state.time_ms + 10_000;
    let tx = c.tx(&a, TxBody::SetKeyExpiry { key: a.public_key(), expires_ms: expires });
    c.ok(&[tx]);
    let stranger = c.tx(&a, TxBody::SetKeyExpiry { key: b.public_key(), expires_ms: 1 });
    assert!(matches!(c.err(stranger), TxError::NotASigner { .. }));
    // Lifted (0) and set again: a lifted expiry signs past the old time.
    let tx = c.tx(&a, TxBody::SetKeyExpiry { key: a.public_key(), expires_ms: 0 });
    c.ok(&[tx]);
    assert_eq!(c.state.key_life(&id(&a), &a.public_key()).unwrap().expires_ms, 0);
    let tx = c.tx(&a, transfer(vec![pay(&b, "AE", 1)]));
    let (rejected, _) = c.block_at(expires, &[tx]);
    assert!(rejected.is_empty(), "a lifted expiry no longer refuses: {rejected:?}");
    let expires = c.state.time_ms + 10_000;
    let tx = c.tx(&a, TxBody::SetKeyExpiry { key: a.public_key(), expires_ms: expires });
    c.ok(&[tx]);
    let tx = c.tx(&a, transfer(vec![pay(&b, "AE", 1)]));
    let (rejected, _) = c.block_at(expires, &[tx]);
    assert!(matches!(&rejected[0].1, TxError::KeyExpired { expired_ms, .. } if *expired_ms == expires), "{rejected:?}");
    assert_eq!(rejected[0].1.code(), "key_expired");
    // The other key signs the rotation; the expired key's record leaves with it.
    let nonce = c.state.account(&id(&a)).unwrap().next_nonce;
    let rotate = sign_multi(&[&a2], id(&a), "vellum-test", nonce, TxBody::SetSigners { set: SignerSet::single(a2.public_key()) });
    c.ok(&[rotate]);
    assert_eq!(c.state.key_life(&id(&a), &a.public_key()), None);
    let pay_again = sign_multi(&[&a2], id(&a), "vellum-test", nonce + 1, transfer(vec![pay(&b, "AE", 1)]));
    assert!(settled(&c.ok(&[pay_again])));
}
