//! Misbehaviour: equivocation Commonware's simplex proved, turned into the ledger's evidence
//! and queued for a `ReportMisbehavior` transaction.

use crate::epochs::EpochSchemes;
use commonware_consensus::simplex::scheme::ed25519;
use commonware_cryptography::sha256::Digest;
use tracing::warn;

/// Bound on misbehaviour reports awaiting submission. Overflow policy: a report that finds the
/// queue full is dropped, said loudly (see [`MisbehaviorWatcher`]'s `report`).
pub const MISBEHAVIOR_QUEUE_MAX: usize = 64;

/// Misbehaviour Commonware's simplex proved (two conflicting signed votes), on its way to the
/// ledger as a `ReportMisbehavior` transaction signed by this validator's node account.
#[derive(Clone, Debug)]
pub struct MisbehaviorReport {
    pub validator: [u8; 32],
    pub kind: vellum_types::validators::MisbehaviorKind,
    pub epoch: u64,
    pub view: u64,
    pub evidence: Vec<u8>,
}

/// Watches consensus activity for equivocation.
#[derive(Clone)]
pub(crate) struct MisbehaviorWatcher {
    /// Bounded: [`MISBEHAVIOR_QUEUE_MAX`], exactly (however many clones consensus holds).
    pub(crate) reports: tokio::sync::mpsc::Sender<MisbehaviorReport>,
    pub(crate) schemes: EpochSchemes,
}

/// The two signed votes of a conflict, in the ledger's form (which re-verifies them).
/// Commonware encodes each conflict as its two votes back to back; its fields are private.
fn vote_evidence(
    activity: &commonware_consensus::simplex::types::Activity<ed25519::Scheme, Digest>,
) -> Option<vellum_types::validators::MisbehaviorEvidence> {
    use commonware_codec::{Encode, Read};
    use commonware_consensus::Viewable;
    use commonware_consensus::simplex::types::{Activity, Finalize, Notarize, Nullify, Proposal};
    use vellum_types::validators::{MisbehaviorEvidence, SignedVote, VoteKind};
    fn signature(s: &impl Encode) -> Option<[u8; 64]> {
        s.encode().as_ref().try_into().ok()
    }
    fn on_proposal(kind: VoteKind, p: &Proposal<Digest>, sig: Option<[u8; 64]>) -> Option<SignedVote> {
        Some(SignedVote { kind, parent_view: p.parent.get(), payload: p.payload.as_ref().try_into().ok()?, signature: sig? })
    }
    type N = Notarize<ed25519::Scheme, Digest>;
    type F = Finalize<ed25519::Scheme, Digest>;
    let (first, second) = match activity {
        Activity::ConflictingNotarize(e) => {
            let mut buf = e.encode();
            let (a, b) = (N::read_cfg(&mut buf, &()).ok()?, N::read_cfg(&mut buf, &()).ok()?);
            (
                on_proposal(VoteKind::Notarize, &a.proposal, signature(&a.attestation.signature))?,
                on_proposal(VoteKind::Notarize, &b.proposal, signature(&b.attestation.signature))?,
            )
        }
        Activity::ConflictingFinalize(e) => {
            let mut buf = e.encode();
            let (a, b) = (F::read_cfg(&mut buf, &()).ok()?, F::read_cfg(&mut buf, &()).ok()?);
            (
                on_proposal(VoteKind::Finalize, &a.proposal, signature(&a.attestation.signature))?,
                on_proposal(VoteKind::Finalize, &b.proposal, signature(&b.attestation.signature))?,
            )
        }
        Activity::NullifyFinalize(e) => {
            let mut buf = e.encode();
            let (a, b) = (Nullify::<ed25519::Scheme>::read_cfg(&mut buf, &()).ok()?, F::read_cfg(&mut buf, &()).ok()?);
            debug_assert_eq!(a.view(), b.view());
            (
                SignedVote { kind: VoteKind::Nullify, parent_view: 0, payload: [0; 32], signature: signature(&a.attestation.signature)? },
                on_proposal(VoteKind::Finalize, &b.proposal, signature(&b.attestation.signature))?,
            )
        }
        _ => return None,
    };
    Some(MisbehaviorEvidence { first, second })
}

impl commonware_consensus::Reporter for MisbehaviorWatcher {
    type Activity = commonware_consensus::simplex::types::Activity<ed25519::Scheme, Digest>;

    fn report(&mut self, activity: Self::Activity) -> commonware_actor::Feedback {
        use commonware_consensus::simplex::types::{Activity, Attributable};
        use commonware_consensus::{Epochable, Viewable};
        use vellum_types::validators::MisbehaviorKind as K;
        let (signer, kind) = match &activity {
            Activity::ConflictingNotarize(e) => (e.signer(), K::ConflictingNotarize),
            Activity::ConflictingFinalize(e) => (e.signer(), K::ConflictingFinalize),
            Activity::NullifyFinalize(e) => (e.signer(), K::NullifyFinalize),
            _ => return commonware_actor::Feedback::Ok,
        };
        let epoch = activity.epoch().get();
        // Simplex names the signer by its index in the epoch's (sorted) participant set.
        let Some(key) = self.schemes.get(epoch).and_then(|s| {
            use commonware_cryptography::certificate::Scheme as _;
            use commonware_utils::ordered::Quorum as _;
            s.participants().key(signer).map(|k| <[u8; 32]>::try_from(k.as_ref()).expect("Ed25519 keys are 32 bytes"))
        }) else {
            return commonware_actor::Feedback::Ok;
        };
        let Some(evidence) = vote_evidence(&activity) else {
            warn!(kind = kind.name(), "misbehaviour evidence in an unexpected encoding; not reported");
            return commonware_actor::Feedback::Ok;
        };
        let report = MisbehaviorReport {
            validator: key,
            kind,
            epoch: activity.epoch().get(),
            view: activity.view().get(),
            evidence: borsh::to_vec(&evidence).expect("borsh"),
        };
        warn!(kind = kind.name(), epoch = report.epoch, view = report.view, "validator misbehaviour proved by consensus");
        self.queue(report);
        commonware_actor::Feedback::Ok
    }
}

impl MisbehaviorWatcher {
    /// Queues a report for submission; returns whether it was queued. A full queue drops the
    /// report (said loudly): consensus must never wait on this, and a validator misbehaving
    /// that often is already in the log and the ledger many times.
    fn queue(&self, report: MisbehaviorReport) -> bool {
        let kind = report.kind;
        match self.reports.try_send(report) {
            Ok(()) => true,
            Err(_) => {
                warn!(kind = kind.name(), queued_max = MISBEHAVIOR_QUEUE_MAX, "misbehaviour report queue full (or closed): this report is not submitted");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_report_queue_drops_the_newest_and_keeps_the_queued() {
        let (reports, mut receiver) = tokio::sync::mpsc::channel(MISBEHAVIOR_QUEUE_MAX);
        let watcher = MisbehaviorWatcher { reports, schemes: EpochSchemes::new(crate::config::private_key_from_seed([3; 32])) };
        let clone = watcher.clone();
        let report = |view: u64| MisbehaviorReport {
            validator: [1; 32],
            kind: vellum_types::validators::MisbehaviorKind::ConflictingNotarize,
            epoch: 0,
            view,
            evidence: Vec::new(),
        };
        for view in 0..MISBEHAVIOR_QUEUE_MAX as u64 {
            assert!(if view % 2 == 0 { &watcher } else { &clone }.queue(report(view)), "report {view} fits");
        }
        assert!(!clone.queue(report(1_000)), "the bound holds across clones of the watcher");
        for view in 0..MISBEHAVIOR_QUEUE_MAX as u64 {
            assert_eq!(receiver.try_recv().expect("queued").view, view, "queued reports are kept, in order");
        }
        assert!(receiver.try_recv().is_err(), "the dropped report was never queued");
    }
}
