//! Issuer identity: attestation by a registrar or the council, withdrawal by a registrar or
//! compliance, and the shape of a profile.

use crate::proof_status_tests::Chain;
use crate::testkit::*;
use crate::*;
use vellum_types::issuer::IssuerProfile;
use vellum_types::*;

fn profile(domain: &str) -> IssuerProfile {
    IssuerProfile { name: "Example University".into(), domain: domain.into(), x509_sha256: None, well_known_sha256: sha256(b"doc") }
}

#[test]
fn a_registrar_attests_an_issuer_and_compliance_withdraws_it() {
    let mut c = Chain::new();
    let issuer = c.f.issuer.public_key().account_id();
    let registrar = c.f.registrar.clone();
    let attest = |domain: &str| TxBody::AttestIssuer { issuer, profile: profile(domain) };
    assert_eq!(c.send(&c.f.compliance.clone(), attest("example.edu")), Err(TxError::MissingRole(Role::Registrar)));
    let user = c.f.user.public_key().account_id();
    assert_eq!(c.send(&registrar, TxBody::AttestIssuer { issuer: user, profile: profile("example.edu") }), Err(TxError::NotAnIssuer(user)));
    for bad in ["Example.edu", "localhost", "-x.edu", "a..edu", "exa mple.edu"] {
        let tx = sign(&registrar, "vellum-test", 0, attest(bad));
        assert!(Transaction::from_wire(&tx.to_wire()).is_err(), "{bad} accepted");
    }
    c.send(&registrar, attest("example.edu")).unwrap();
    let a = c.state.issuer_attestation(&issuer).unwrap();
    assert_eq!((a.profile.domain.as_str(), a.attested_by, a.revoked.is_none()), ("example.edu", registrar.public_key().account_id(), true));

    let compliance = c.f.compliance.clone();
    let revoke = |reason: &str| TxBody::RevokeAttestation { issuer, reason: reason.into() };
    assert_eq!(c.send(&c.f.user.clone(), revoke("affiliation_changed")), Err(TxError::MissingRole(Role::Registrar)));
    c.send(&compliance, revoke("affiliation_changed")).unwrap();
    let a = c.state.issuer_attestation(&issuer).unwrap();
    assert_eq!(a.revoked.as_ref().unwrap().reason, "affiliation_changed");
    assert_eq!(c.send(&compliance, revoke("unspecified")), Err(TxError::AttestationRevoked(issuer)));
    // A new attestation replaces the withdrawn one.
    c.send(&registrar, attest("example.ac.uk")).unwrap();
    assert!(c.state.issuer_attestation(&issuer).unwrap().revoked.is_none());
    let desk = c.f.desk.public_key().account_id();
    assert_eq!(c.send(&compliance, TxBody::RevokeAttestation { issuer: desk, reason: "unspecified".into() }), Err(TxError::NoAttestation(desk)));
}

#[test]
fn the_council_attests_through_governance() {
    let mut c = Chain::new();
    let issuer = c.f.issuer.public_key().account_id();
    let council = c.f.council_id();
    let action = GovAction::AttestIssuer { issuer, profile: profile("example.edu") };
    let tx = sign_multi(&[&c.f.council[0], &c.f.council[2]], council, "vellum-test", 0, TxBody::Propose { action, deadline_height: 50 });
    let signers = vellum_crypto::verify_tx(&tx).unwrap();
    let built = build_block(&c.state, c.state.time_ms + 1, 0, c.state.height + 1, [0; 32], [(&tx, signers.as_slice())]);
    assert!(built.rejected.is_empty(), "{:?}", built.rejected);
    c.state = built.outcome.state;
    let a = c.state.issuer_attestation(&issuer).expect("the proposal executed");
    assert_eq!((a.attested_by, a.tx_id), (council, tx.id()));
}
