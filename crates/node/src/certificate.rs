//! Converts Commonware finalization certificates into the evidence bundle's own layout.

use commonware_codec::Decode;
use commonware_consensus::simplex::scheme::ed25519;
use commonware_consensus::simplex::types::Finalization;
use commonware_cryptography::sha256::Digest;
use vellum_evidence::Certificate;

/// Decodes a stored finalization (Commonware encoding) for a set of `validators`.
pub fn to_bundle(bytes: &[u8], validators: usize) -> Result<Certificate, String> {
    let fin = Finalization::<ed25519::Scheme, Digest>::decode_cfg(bytes.to_vec(), &validators).map_err(|e| e.to_string())?;
    let signers: Vec<u32> = fin.certificate.signers.iter().map(|p| p.get()).collect();
    let mut signatures = Vec::with_capacity(signers.len());
    for s in &fin.certificate.signatures {
        let sig = s.get().ok_or("undecodable signature")?;
        let mut out = [0u8; 64];
        out.copy_from_slice(sig.as_ref());
        signatures.push(out);
    }
    Ok(Certificate { parent_view: fin.proposal.parent.get(), signers, signatures })
}
