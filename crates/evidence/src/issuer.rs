//! The registrant's issuer identity in evidence (bundle version 3, status proofs): its
//! attestation under `StateKey::IssuerProfile(registrant)` — or the proof that there is none —
//! against the header's state root.

use crate::bundle::IssuerEvidence;
use crate::verify::{Step, VerifyError, fail};
use vellum_types::{AccountId, Hash32, IssuerAttestation, StateKey, sha256};

/// What evidence says about who the registrant is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssuerCheck {
    /// The registrant's attested identity (its `revoked` says whether it was withdrawn).
    Attested(Box<IssuerAttestation>),
    /// Proven: no identity was ever attested for the registrant.
    NotAttested,
}

impl IssuerCheck {
    /// One line for people: "Example University (example.edu), attested by … at height H".
    pub fn describe(&self) -> String {
        match self {
            IssuerCheck::NotAttested => "no attested identity".into(),
            IssuerCheck::Attested(a) => {
                let mut line = format!("{} ({}), attested by {} at height {}", a.profile.name, a.profile.domain, a.attested_by, a.height);
                if let Some(r) = &a.revoked {
                    line.push_str(&format!(" — attestation REVOKED at height {} (reason: {})", r.height, r.reason));
                }
                line
            }
        }
    }
}

/// Checks the issuer section against `state_root` for `registrant` (step 6d / 6c).
pub(crate) fn verify_issuer(ev: &IssuerEvidence, registrant: &AccountId, state_root: &Hash32) -> Result<IssuerCheck, VerifyError> {
    let key = StateKey::IssuerProfile(*registrant).hash();
    let proven = ev.proof.verify(state_root, &key).or_else(|e| fail(Step::StateEntry, format!("issuer identity proof does not match the state root: {e}")))?;
    match (&ev.attestation, proven) {
        (None, None) => Ok(IssuerCheck::NotAttested),
        (Some(a), Some(h)) if sha256(&a.value_bytes()) == h => Ok(IssuerCheck::Attested(Box::new(a.clone()))),
        _ => fail(Step::StateEntry, "the issuer identity does not match the state"),
    }
}
