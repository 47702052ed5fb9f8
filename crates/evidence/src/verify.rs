use crate::bundle::{BUNDLE_BYTES_MAX, BUNDLE_MAGIC, BUNDLE_VERSION, Bundle, Certificate, finalize_message};
use std::fmt;
use thiserror::Error;
use vellum_crypto::merkle::{leaf_hash, verify_inclusion};
use vellum_types::genesis::validator_set_hash;
use vellum_types::proof::{effective_status, salted_digest};
use vellum_types::{AccountId, BlockHeader, EvidenceRecord, GenesisCommitment, Hash32, ProofStatus, PublicKey, Registered, StateKey, sha256};

/// The verification steps, in order (see the crate docs and `docs/evidence-format.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Decode,
    Checkpoint,
    ValidatorSet,
    Certificate,
    LogInclusion,
    StateEntry,
    BatchInclusion,
    Document,
    /// A status proof combined with a bundle (same chain, registration and member; not older).
    Status,
    /// The witnessed checkpoint: this chain's log, consistent with the header's, covering the
    /// proven entries; with a witness policy, enough valid cosignatures.
    Witnesses,
}

impl Step {
    pub fn number(&self) -> u8 {
        *self as u8 + 1
    }

    pub fn name(&self) -> &'static str {
        match self {
            Step::Decode => "decode",
            Step::Checkpoint => "checkpoint",
            Step::ValidatorSet => "validator set",
            Step::Certificate => "certificate",
            Step::LogInclusion => "log inclusion",
            Step::StateEntry => "state entry",
            Step::BatchInclusion => "batch inclusion",
            Step::Document => "document",
            Step::Status => "status",
            Step::Witnesses => "witnesses",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step {} ({})", self.number(), self.name())
    }
}

/// Which step failed, and why.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("{step} failed: {detail}")]
pub struct VerifyError {
    pub step: Step,
    pub detail: String,
}

pub(crate) fn fail<T>(step: Step, detail: impl Into<String>) -> Result<T, VerifyError> {
    Err(VerifyError { step, detail: detail.into() })
}

/// What the document check established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentCheck {
    /// The given document hashes to the registered digest.
    Matched,
    /// No document was given; the bundle proves the registered digest only.
    NotChecked,
}

/// A successful verification: what the bundle proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub genesis_hash: Hash32,
    pub chain_id: String,
    /// Whether the genesis hash was checked against a pinned checkpoint.
    pub checkpoint_pinned: bool,
    pub record: EvidenceRecord,
    pub registrant: AccountId,
    pub signer: PublicKey,
    /// The document's registered digest (the member's leaf for a batch).
    pub registered_digest: Hash32,
    pub member_index: Option<u32>,
    /// Status as of `status_height` / `status_time_ms` (the bundle's header).
    pub status: ProofStatus,
    pub status_height: u64,
    pub status_time_ms: u64,
    /// Validators that signed the header, of how many.
    pub signers: usize,
    pub validators: usize,
    /// Validator-set changes followed from genesis to the signing set.
    pub validator_set_changes: usize,
    pub document: DocumentCheck,
    /// The registrant's issuer identity as of the header (`None`: a version-1 or -2 bundle,
    /// which carries none).
    pub issuer: Option<crate::IssuerCheck>,
    /// The checkpoint witnesses cosigned (version 4), checked against the header; its
    /// cosignatures are checked against a policy by [`check_witness_policy`].
    pub witnessed: Option<crate::checkpoint::Checkpoint>,
    /// Intermediate values, step by step (for `vellum verify --explain` and the spec example).
    pub trace: Vec<(String, String)>,
}

/// Decodes a bundle file: magic, version, size, canonical borsh with no trailing bytes.
/// Version 4 carries the witnessed section, version 3 the issuer section; versions 1 and 2
/// carry neither (they read as `None`).
pub fn decode(bytes: &[u8]) -> Result<Bundle, VerifyError> {
    use crate::bundle::{BUNDLE_VERSION_ISSUER, BUNDLE_VERSION_WITNESSED};
    let body = |trailer: &[u8]| decode_body::<Bundle>(bytes, "evidence bundle", trailer);
    match file_version(bytes, &BUNDLE_MAGIC) {
        Some(BUNDLE_VERSION_WITNESSED) => {
            let b = body(&[])?;
            if b.witnessed.is_none() {
                return fail(Step::Decode, "a version-4 bundle must carry the witnessed section (without it, it is version 3 or older)");
            }
            Ok(b)
        }
        Some(BUNDLE_VERSION_ISSUER) => {
            let b = body(&[0])?;
            if b.issuer.is_none() {
                return fail(Step::Decode, "a version-3 bundle must carry the issuer section (without it, it is version 1 or 2)");
            }
            Ok(b)
        }
        _ => decode_file_with_trailer(bytes, &BUNDLE_MAGIC, BUNDLE_VERSION, "evidence bundle", &[0, 0]),
    }
}

/// The version byte of a file that starts with `magic`.
pub(crate) fn file_version(bytes: &[u8], magic: &[u8; 8]) -> Option<u8> {
    bytes.get(magic.len()).copied().filter(|_| bytes.starts_with(magic))
}

/// The body after `magic ‖ version` (plus `trailer`, the absent sections' `None` bytes) as a
/// `T`, within the size limit and with no trailing bytes.
pub(crate) fn decode_body<T: borsh::BorshDeserialize>(bytes: &[u8], what: &str, trailer: &[u8]) -> Result<T, VerifyError> {
    if bytes.len() > BUNDLE_BYTES_MAX {
        return fail(Step::Decode, format!("{} bytes is over the {BUNDLE_BYTES_MAX}-byte limit", bytes.len()));
    }
    borsh::from_slice(&[&bytes[BUNDLE_MAGIC.len() + 1..], trailer].concat()).or_else(|e| fail(Step::Decode, format!("malformed {what}: {e}")))
}

/// `magic ‖ version ‖ borsh(T)` within the size limit, with no trailing bytes (bundles and
/// receipts share the framing).
/// A file that carries a chain of validator-set changes (bundles, receipts, log anchors).
pub(crate) trait Chained {
    fn chain_len(&self) -> usize;
    /// The file this value is written as (its own version byte and sections).
    fn file_bytes(&self) -> Vec<u8>;
}

pub(crate) fn decode_file<T: borsh::BorshDeserialize + Chained>(bytes: &[u8], magic: &[u8; 8], version: u8, what: &str) -> Result<T, VerifyError> {
    decode_file_with_trailer(bytes, magic, version, what, &[])
}

/// [`decode_file`] for a value whose encoding ends, after the chain, with `trailer` (the
/// encoding of "no extension", left out of versions 1 and 2).
pub(crate) fn decode_file_with_trailer<T: borsh::BorshDeserialize + Chained>(
    bytes: &[u8],
    magic: &[u8; 8],
    version: u8,
    what: &str,
    trailer: &[u8],
) -> Result<T, VerifyError> {
    if bytes.len() > BUNDLE_BYTES_MAX {
        return fail(Step::Decode, format!("{} bytes is over the {BUNDLE_BYTES_MAX}-byte limit", bytes.len()));
    }
    if bytes.len() < magic.len() + 1 || bytes[..magic.len()] != magic[..] {
        return fail(Step::Decode, format!("not a Vellum {what} (bad magic)"));
    }
    let got = bytes[magic.len()];
    let body = &bytes[magic.len() + 1..];
    let full = if got == version {
        // Version 1 has no validator chain: read it as an empty one.
        [body, &[0, 0, 0, 0], trailer].concat()
    } else if got == crate::bundle::BUNDLE_VERSION_CHAINED {
        [body, trailer].concat()
    } else {
        return fail(Step::Decode, format!("{what} version {got}; this verifier knows {version} and {}", crate::bundle::BUNDLE_VERSION_CHAINED));
    };
    let decoded: T = borsh::from_slice(&full).or_else(|e| fail(Step::Decode, format!("malformed {what}: {e}")))?;

    // One evidence, one encoding: without set changes the file is version 1, so a version-1
    // file rewrapped as version 2 (version byte changed, an empty chain appended) is refused.
    if got == crate::bundle::BUNDLE_VERSION_CHAINED && decoded.chain_len() == 0 {
        return fail(Step::Decode, format!("a version-{got} {what} must carry at least one validator-set change (without any it is version {version})"));
    }
    // The sections a version leaves out are read from padding (an empty chain, absent
    // sections); a body that reaches into that padding decodes, but into a value written as
    // another file: refused, so each evidence has one encoding.
    if decoded.file_bytes() != bytes {
        return fail(Step::Decode, format!("malformed {what}: the version-{got} layout does not end where the file does"));
    }
    Ok(decoded)
}

/// Verifies bundle bytes; see [`verify_bundle`].
pub fn verify(bytes: &[u8], document: Option<&[u8]>, checkpoint: Option<&Hash32>) -> Result<Verified, VerifyError> {
    verify_bundle(&decode(bytes)?, document, checkpoint)
}

/// Verifies a decoded bundle, optionally against the document itself and a pinned genesis
/// hash. Offline: reads nothing but its arguments.
pub fn verify_bundle(b: &Bundle, document: Option<&[u8]>, checkpoint: Option<&Hash32>) -> Result<Verified, VerifyError> {
    let mut trace: Vec<(String, String)> = Vec::new();
    let mut note = |k: &str, v: &[u8]| trace.push((k.to_string(), hex::encode(v)));

    let (genesis_hash, n) = verify_anchor(&b.genesis, &b.header, &b.certificate, &b.validator_chain, checkpoint, &mut note)?;
    let c = &b.certificate;

    // 5. Log inclusion of the evidence record.
    let r = &b.record;
    let record_leaf = leaf_hash(&r.leaf_bytes());
    note("record_leaf_hash", &record_leaf);
    verify_inclusion(b.entry.leaf_index, b.header.log_size, &record_leaf, &b.log_proof, &b.header.log_root)
        .or_else(|e| fail(Step::LogInclusion, format!("record is not at log index {}: {e}", b.entry.leaf_index)))?;
    if r.height > b.header.height || r.time_ms > b.header.time_ms {
        return fail(Step::LogInclusion, "the record claims a height or time after the header that includes it");
    }

    // 6. State entry: record hash, log position, registrant and status as of the header.
    let entry_key = StateKey::Proof(r.proof_id).hash();
    let entry_value = b.entry.value_bytes();
    note("entry_key", &entry_key);
    note("entry_value_hash", &sha256(&entry_value));
    match b.entry_proof.verify(&b.header.state_root, &entry_key) {
        Ok(Some(value_hash)) if value_hash == sha256(&entry_value) => {}
        Ok(Some(_)) => return fail(Step::StateEntry, "the state holds a different entry for this proof"),
        Ok(None) => return fail(Step::StateEntry, "the state holds no entry for this proof"),
        Err(e) => return fail(Step::StateEntry, format!("state proof does not match the header's state root: {e}")),
    }
    if b.entry.record_hash != r.hash() || b.entry.registrant != r.registrant {
        return fail(Step::StateEntry, "the state entry belongs to another record");
    }
    let issuer = b.issuer.as_ref().map(|ev| crate::issuer::verify_issuer(ev, &r.registrant, &b.header.state_root)).transpose()?;
    let mut status = b.entry.status.clone();

    // 7. Batch membership.
    let (registered_digest, member_index) = match (&r.registered, &b.member) {
        (Registered::Single { digest }, None) => (*digest, None),
        (Registered::Single { .. }, Some(_)) => return fail(Step::BatchInclusion, "a single registration has no members"),
        (Registered::Batch { .. }, None) => {
            return fail(Step::BatchInclusion, "the bundle names no document of this batch");
        }
        (Registered::Batch { root, count }, Some(m)) => {
            note("batch_root", root);
            note("member_leaf_hash", &leaf_hash(&m.leaf));
            verify_inclusion(m.index as u64, *count as u64, &leaf_hash(&m.leaf), &m.batch_proof, root)
                .or_else(|e| fail(Step::BatchInclusion, format!("document is not member {} of the batch: {e}", m.index)))?;
            let member_key = StateKey::Member(r.proof_id, m.index).hash();
            note("member_key", &member_key);
            let proven = m
                .status_proof
                .verify(&b.header.state_root, &member_key)
                .or_else(|e| fail(Step::BatchInclusion, format!("member status proof does not match the state root: {e}")))?;
            match (&m.status, proven) {
                (None, None) => {}
                (Some(entry), Some(h)) if sha256(&entry.value_bytes()) == h => {
                    // The member's own change applies unless the whole batch's outranks it.
                    status = effective_status(&status, Some(&entry.status));
                }
                _ => return fail(Step::BatchInclusion, "member status does not match the state"),
            }
            (m.leaf, Some(m.index))
        }
    };
    note("registered_digest", &registered_digest);

    // 8. The document.
    let opening = b.document.as_ref();
    if let Some(o) = opening {
        let committed = match (r.salted, &o.salt) {
            (true, Some(salt)) => {
                let s = salted_digest(salt, &o.digest);
                note("salted_digest", &s);
                s
            }
            (false, None) => o.digest,
            (true, None) => return fail(Step::Document, "the registration is salted but the bundle carries no salt"),
            (false, Some(_)) => return fail(Step::Document, "the bundle carries a salt for an unsalted registration"),
        };
        if committed != registered_digest {
            return fail(Step::Document, "the bundle's document digest does not open the registered digest");
        }
    }
    let document = match document {
        None => DocumentCheck::NotChecked,
        Some(bytes) => {
            let d = sha256(bytes);
            note("document_sha256", &d);
            let matches = match (r.salted, opening) {
                (false, _) => d == registered_digest,
                (true, Some(o)) => o.digest == d,
                (true, None) => return fail(Step::Document, "salted registration: the bundle needs the salt to check a document"),
            };
            if !matches {
                return fail(Step::Document, format!("the document's SHA-256 {} is not the registered one", hex::encode(d)));
            }
            DocumentCheck::Matched
        }
    };

    // 10. Witnesses (their policy is the caller's: `check_witness_policy`).
    let witnessed = witnessed_log(b.witnessed.as_ref(), &b.genesis.chain_id, &b.header, b.entry.leaf_index + 1)?;

    Ok(Verified {
        genesis_hash,
        chain_id: b.genesis.chain_id.clone(),
        checkpoint_pinned: checkpoint.is_some(),
        record: r.clone(),
        registrant: r.registrant,
        signer: r.signer,
        registered_digest,
        member_index,
        status,
        status_height: b.header.height,
        status_time_ms: b.header.time_ms,
        signers: c.signers.len(),
        validators: n,
        validator_set_changes: b.validator_chain.len(),
        document,
        issuer,
        witnessed,
        trace,
    })
}

/// Step 10 without a policy: a witnessed section is this chain's log, consistent with the
/// certified header's, and covers leaves `[0, covers)`.
pub(crate) fn witnessed_log(
    w: Option<&crate::witness::Witnessed>,
    chain_id: &str,
    header: &BlockHeader,
    covers: u64,
) -> Result<Option<crate::checkpoint::Checkpoint>, VerifyError> {
    w.map(|w| crate::witness::verify_witnessed(w, chain_id, header.log_size, &header.log_root, covers))
        .transpose()
        .or_else(|e| fail(Step::Witnesses, e))
}

/// Step 10 with a policy: at least `quorum` of `witnesses` (name, Ed25519 key) validly cosigned
/// the checkpoint a verified file carries. Returns how many did.
pub fn check_witness_policy(witnessed: Option<&crate::checkpoint::Checkpoint>, witnesses: &[(String, [u8; 32])], quorum: usize) -> Result<usize, VerifyError> {
    let Some(cp) = witnessed else {
        return fail(Step::Witnesses, "the witness policy needs a witnessed file (bundle version 4, receipt version 3); this one carries no cosignatures");
    };
    cp.verify_cosignatures(witnesses, quorum).or_else(|e| fail(Step::Witnesses, format!("the witnessed checkpoint fails the policy: {e}")))
}

/// Steps 2–4, shared by bundles and payment receipts: the genesis commitment matches the pinned
/// hash, the header belongs to its validator set, and more than 2/3 of them finalized it.
/// Returns the genesis hash and the validator count.
pub(crate) fn verify_anchor(
    genesis: &GenesisCommitment,
    header: &BlockHeader,
    certificate: &Certificate,
    chain: &[crate::bundle::SetLink],
    checkpoint: Option<&Hash32>,
    note: &mut impl FnMut(&str, &[u8]),
) -> Result<(Hash32, usize), VerifyError> {
    // 2. Checkpoint.
    let genesis_hash = genesis.hash();
    note("genesis_hash", &genesis_hash);
    if let Some(pinned) = checkpoint
        && *pinned != genesis_hash {
            return fail(
                Step::Checkpoint,
                format!("bundle is for genesis {}, not the pinned {}", hex::encode(genesis_hash), hex::encode(pinned)),
            );
        }

    // 3. Validator set: the genesis set, then each change in the chain — a boundary block
    // finalized by the set before it, whose state holds the next set's record.
    let mut validators: Vec<[u8; 32]> = genesis.validators.clone();
    // 3e. Under a committed epoch length (layout-2 commitment), every certified header's epoch
    // is its height's, and every set change sits on the last block of an epoch.
    let epoch_length = genesis.epoch_length();
    // (Decoding admits only lengths a genesis may set, so `l ≥ 10`; `max(1)` keeps a commitment
    // built in memory from dividing by zero.)
    let epoch_length = epoch_length.map(|l| l.max(1));
    let epoch_of = |h: &BlockHeader, what: &str| match epoch_length {
        Some(l) if h.epoch != h.height / l => fail(Step::ValidatorSet, format!("{what} at height {} claims epoch {}, not {} under the committed epoch length of {l} blocks", h.height, h.epoch, h.height / l)),
        _ => Ok(()),
    };
    let mut seq = 0u64;
    // The epoch from which the current set signs: each change's boundary block lies in it or later.
    let mut set_epoch = 0u64;
    for link in chain {
        check_signed(&link.header, &link.certificate, &validators, &genesis_hash, "a validator-set change", note)?;
        let r = &link.record;
        epoch_of(&link.header, "a validator-set change")?;
        if let Some(l) = epoch_length
            && link.header.height.checked_add(1).is_none_or(|next| next % l != 0)
        {
            return fail(Step::ValidatorSet, format!("validator-set change {} is at height {}, not the last block of an epoch of {l} blocks", r.seq, link.header.height));
        }
        if link.header.epoch < set_epoch {
            return fail(Step::ValidatorSet, format!("validator-set change {} has its boundary block in epoch {}, before the set that signed it took effect (epoch {set_epoch})", r.seq, link.header.epoch));
        }
        if r.seq != seq + 1 || r.boundary_height != link.header.height || link.header.epoch.checked_add(1) != Some(r.effective_epoch) {
            return fail(Step::ValidatorSet, format!("validator-set change {} does not follow change {seq} at its boundary block", r.seq));
        }
        let key = StateKey::ValidatorSetChange(r.seq).hash();
        let value = vellum_types::encoding::to_wire(r);
        match link.record_proof.verify(&link.header.state_root, &key) {
            Ok(Some(h)) if h == sha256(&value) => {}
            _ => return fail(Step::ValidatorSet, format!("validator-set change {} is not in its boundary block's state", r.seq)),
        }
        let next = r.sorted_keys();
        if link.header.epoch >= header.epoch {
            return fail(Step::ValidatorSet, "a validator-set change in the chain is not before the anchored header's epoch");
        }
        validators = next;
        seq = r.seq;
        set_epoch = r.effective_epoch;
    }

    epoch_of(header, "the header")?;

    // 4. Certificate.
    check_signed(header, certificate, &validators, &genesis_hash, "the header", note)?;
    let n = validators.len();
    Ok((genesis_hash, n))
}

/// `header` belongs to `validators` (its set hash) and this chain, and more than 2/3 of them
/// finalized it.
fn check_signed(
    header: &BlockHeader,
    c: &Certificate,
    validators: &[[u8; 32]],
    genesis_hash: &Hash32,
    what: &str,
    note: &mut impl FnMut(&str, &[u8]),
) -> Result<(), VerifyError> {
    // Every set on the chain (genesis, each change) reaches this check before it is trusted.
    if validators.is_empty() || !validators.windows(2).all(|w| w[0] < w[1]) {
        return fail(Step::ValidatorSet, format!("the validator keys that signed {what} must be non-empty, sorted and unique"));
    }
    let set_hash = validator_set_hash(validators);
    note("validator_set_hash", &set_hash);
    if set_hash != header.validator_set_hash {
        return fail(Step::ValidatorSet, format!("{what} was not produced by the validator set the chain leads to"));
    }
    if header.genesis_hash != *genesis_hash {
        return fail(Step::ValidatorSet, format!("{what} belongs to another chain (its genesis hash differs)"));
    }
    let header_hash = header.hash();
    note("header_hash", &header_hash);
    let n = validators.len();
    let quorum = vellum_types::validators::quorum(n);
    if c.signers.len() != c.signatures.len() {
        return fail(Step::Certificate, "signer and signature counts differ");
    }
    if !c.signers.windows(2).all(|w| w[0] < w[1]) || c.signers.last().is_some_and(|i| *i as usize >= n) {
        return fail(Step::Certificate, "signer indices must be increasing and below the validator count");
    }
    if c.signers.len() < quorum {
        return fail(Step::Certificate, format!("{} of {n} validators signed; more than 2/3 ({quorum}) are needed", c.signers.len()));
    }
    let message = finalize_message(header.epoch, header.view, c.parent_view, &header_hash);
    note("finalize_message", &message);
    for (index, signature) in c.signers.iter().zip(&c.signatures) {
        match vellum_crypto::ed25519::verify(&validators[*index as usize], signature, &message) {
            Ok(()) => {}
            Err(vellum_crypto::ed25519::Refusal::Key) => return fail(Step::Certificate, format!("validator {index} has an invalid key")),
            Err(vellum_crypto::ed25519::Refusal::Invalid) => {
                return fail(Step::Certificate, format!("signature of validator {index} does not verify"));
            }
        }
    }
    Ok(())
}
