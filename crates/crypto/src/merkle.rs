//! RFC 6962 / RFC 9162 Merkle tree hashing (SHA-256, `0x00` leaf and `0x01` node prefixes),
//! with inclusion and consistency proofs, so any Certificate-Transparency-style verifier can
//! check Vellum's log.

use sha2::{Digest, Sha256};
use thiserror::Error;
use vellum_types::Hash32;

/// Largest tree a proof may describe; bounds every loop below.
pub const LOG_SIZE_MAX: u64 = 1 << 48;
/// Longest proof for a tree of at most [`LOG_SIZE_MAX`] leaves (inclusion or consistency).
pub const PROOF_HASHES_MAX: usize = 2 * 48;

pub fn leaf_hash(data: &[u8]) -> Hash32 {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

pub fn node_hash(left: &Hash32, right: &Hash32) -> Hash32 {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Root of the empty tree: SHA-256 of the empty string.
pub fn empty_root() -> Hash32 {
    Sha256::digest([]).into()
}

/// Largest power of two strictly less than `n` (n ≥ 2): where RFC 6962 splits a tree.
fn split_point(n: usize) -> usize {
    split_point_u64(n as u64) as usize
}

/// MTH(D[n]) over leaf hashes.
pub fn root(leaf_hashes: &[Hash32]) -> Hash32 {
    match leaf_hashes.len() {
        0 => empty_root(),
        1 => leaf_hashes[0],
        n => {
            let k = split_point(n);
            node_hash(&root(&leaf_hashes[..k]), &root(&leaf_hashes[k..]))
        }
    }
}

/// PATH(m, D[n]): the audit path of leaf `index`, leaf to root.
pub fn inclusion_proof(index: usize, leaf_hashes: &[Hash32]) -> Vec<Hash32> {
    assert!(index < leaf_hashes.len(), "leaf index out of range");
    let n = leaf_hashes.len();
    if n == 1 {
        return Vec::new();
    }
    let k = split_point(n);
    if index < k {
        let mut path = inclusion_proof(index, &leaf_hashes[..k]);
        path.push(root(&leaf_hashes[k..]));
        path
    } else {
        let mut path = inclusion_proof(index - k, &leaf_hashes[k..]);
        path.push(root(&leaf_hashes[..k]));
        path
    }
}

/// PROOF(m, D[n]): proves the tree of the first `old_size` leaves is a prefix of this one.
pub fn consistency_proof(old_size: usize, leaf_hashes: &[Hash32]) -> Vec<Hash32> {
    assert!(old_size >= 1 && old_size <= leaf_hashes.len(), "old size out of range");
    fn subproof(m: usize, leaves: &[Hash32], whole: bool) -> Vec<Hash32> {
        let n = leaves.len();
        if m == n {
            return if whole { Vec::new() } else { vec![root(leaves)] };
        }
        let k = split_point(n);
        if m <= k {
            let mut p = subproof(m, &leaves[..k], whole);
            p.push(root(&leaves[k..]));
            p
        } else {
            let mut p = subproof(m - k, &leaves[k..], false);
            p.push(root(&leaves[..k]));
            p
        }
    }
    subproof(old_size, leaf_hashes, true)
}

/// A log's perfect subtrees, where proofs read their hashes: `perfect(level, index)` is the root
/// of the `2^level` leaves from `index << level` (level 0: the leaf hash itself). Storage keeps
/// them as leaves are appended (amortised one node per leaf), so a proof costs O(log² n) reads
/// instead of reading every leaf; a slice of leaf hashes is also a source (for tests).
pub trait Subtrees {
    fn perfect(&self, level: u32, index: u64) -> Result<Hash32, SubtreeError>;
}

/// A subtree a source cannot give (missing or unreadable), with why.
#[derive(Debug, Error, PartialEq, Eq, Clone)]
#[error("log subtree (level {level}, index {index}) unavailable: {why}")]
pub struct SubtreeError {
    pub level: u32,
    pub index: u64,
    pub why: String,
}

impl Subtrees for [Hash32] {
    fn perfect(&self, level: u32, index: u64) -> Result<Hash32, SubtreeError> {
        let missing = |why: &str| SubtreeError { level, index, why: why.into() };
        let width = 1u64.checked_shl(level).ok_or_else(|| missing("level too high"))?;
        let from = index.checked_mul(width).ok_or_else(|| missing("out of range"))?;
        let to = from.checked_add(width).filter(|t| *t <= self.len() as u64).ok_or_else(|| missing("beyond the leaves"))?;
        Ok(root(&self[from as usize..to as usize]))
    }
}

impl Subtrees for Vec<Hash32> {
    fn perfect(&self, level: u32, index: u64) -> Result<Hash32, SubtreeError> {
        self.as_slice().perfect(level, index)
    }
}

/// No log at all, for what reads none (status proofs).
pub struct NoLog;

impl Subtrees for NoLog {
    fn perfect(&self, level: u32, index: u64) -> Result<Hash32, SubtreeError> {
        Err(SubtreeError { level, index, why: "no log given".into() })
    }
}

/// MTH(D[from:to]) for a range RFC 6962's recursion produces (`from` a multiple of the
/// smallest power of two ≥ its width): one perfect subtree per set bit of the width.
pub fn range_root(s: &(impl Subtrees + ?Sized), from: u64, to: u64) -> Result<Hash32, SubtreeError> {
    assert!(from < to && to - from <= LOG_SIZE_MAX, "a non-empty range within the log");
    let width = to - from;
    if width.is_power_of_two() {
        let level = width.trailing_zeros();
        debug_assert_eq!(from % width, 0, "perfect subtrees are aligned");
        return s.perfect(level, from >> level);
    }
    let k = split_point_u64(width);
    Ok(node_hash(&range_root(s, from, from + k)?, &range_root(s, from + k, to)?))
}

/// [`split_point`] over log sizes.
fn split_point_u64(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (u64::BITS - 1 - (n - 1).leading_zeros())
}

/// [`inclusion_proof`] of leaf `index` in the tree of the first `size` leaves, from subtrees.
pub fn inclusion_proof_from(s: &(impl Subtrees + ?Sized), index: u64, size: u64) -> Result<Vec<Hash32>, SubtreeError> {
    assert!(index < size && size <= LOG_SIZE_MAX, "leaf index out of range");
    let (mut from, mut to) = (0u64, size);
    let mut path = Vec::new();
    // Top-down, collecting siblings; the proof lists them leaf to root.
    while to - from > 1 {
        let k = split_point_u64(to - from);
        if index < from + k {
            path.push(range_root(s, from + k, to)?);
            to = from + k;
        } else {
            path.push(range_root(s, from, from + k)?);
            from += k;
        }
    }
    path.reverse();
    Ok(path)
}

/// [`consistency_proof`] from the first `old_size` leaves to the first `new_size`, from subtrees.
pub fn consistency_proof_from(s: &(impl Subtrees + ?Sized), old_size: u64, new_size: u64) -> Result<Vec<Hash32>, SubtreeError> {
    assert!(old_size >= 1 && old_size <= new_size && new_size <= LOG_SIZE_MAX, "old size out of range");
    let (mut m, mut from, mut to, mut whole) = (old_size, 0u64, new_size, true);
    let mut path = Vec::new();
    loop {
        let n = to - from;
        if m == n {
            if !whole {
                path.push(range_root(s, from, to)?);
            }
            break;
        }
        let k = split_point_u64(n);
        if m <= k {
            path.push(range_root(s, from + k, to)?);
            to = from + k;
        } else {
            path.push(range_root(s, from, from + k)?);
            from += k;
            m -= k;
            whole = false;
        }
    }
    path.reverse();
    Ok(path)
}

/// MTH of the first `size` leaves, from subtrees.
pub fn root_from(s: &(impl Subtrees + ?Sized), size: u64) -> Result<Hash32, SubtreeError> {
    if size == 0 { Ok(empty_root()) } else { range_root(s, 0, size) }
}

/// Why a Merkle proof did not verify.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ProofError {
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("tree size {0} exceeds the supported maximum")]
    TooLarge(u64),
    #[error("proof has the wrong number of hashes")]
    WrongLength,
    #[error("old size {old} must be between 1 and new size {new}")]
    BadSizes { old: u64, new: u64 },
    #[error("recomputed root does not match")]
    RootMismatch,
}

/// RFC 9162 §2.1.3.2: verify that `leaf` is at `index` in the tree of `size` leaves with `root`.
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash32, proof: &[Hash32], root: &Hash32) -> Result<(), ProofError> {
    if size > LOG_SIZE_MAX {
        return Err(ProofError::TooLarge(size));
    }
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    if proof.len() > PROOF_HASHES_MAX {
        return Err(ProofError::WrongLength);
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if &r != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2: verify that the tree (`old_size`, `old_root`) is a prefix of
/// (`new_size`, `new_root`).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash32,
    new_root: &Hash32,
    proof: &[Hash32],
) -> Result<(), ProofError> {
    if new_size > LOG_SIZE_MAX {
        return Err(ProofError::TooLarge(new_size));
    }
    if old_size == 0 || old_size > new_size {
        return Err(ProofError::BadSizes { old: old_size, new: new_size });
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if old_root == new_root { Ok(()) } else { Err(ProofError::RootMismatch) };
    }
    if proof.is_empty() || proof.len() > PROOF_HASHES_MAX {
        return Err(ProofError::WrongLength);
    }
    // If old_size is a power of two, the old root itself starts the path.
    let mut path: Vec<Hash32> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if &fr != old_root || &sr != new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// An append-only RFC 6962 log reduced to what its root needs: the roots of the perfect
/// subtrees along its right edge (one per set bit of `size`, largest first). Appending is
/// amortised O(1) and the root O(log n), so every block can commit the log root cheaply; the
/// leaves themselves are kept by the storage layer for proofs.
#[derive(Clone, Debug, PartialEq, Eq, Default, borsh::BorshSerialize, borsh::BorshDeserialize)]
pub struct CompactLog {
    size: u64,
    frontier: Vec<Hash32>,
}

impl CompactLog {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn append(&mut self, leaf: Hash32) {
        assert!(self.size < LOG_SIZE_MAX, "log full");
        let mut h = leaf;
        let mut s = self.size;
        // Each trailing one bit of the old size is a perfect subtree of the same size as the
        // one being carried: merge them, as in binary addition.
        while s & 1 == 1 {
            let left = self.frontier.pop().expect("frontier has one subtree per set bit");
            h = node_hash(&left, &h);
            s >>= 1;
        }
        self.frontier.push(h);
        self.size += 1;
        debug_assert_eq!(self.frontier.len() as u32, self.size.count_ones());
    }

    pub fn root(&self) -> Hash32 {
        let mut iter = self.frontier.iter().rev();
        match iter.next() {
            None => empty_root(),
            Some(last) => iter.fold(*last, |acc, left| node_hash(left, &acc)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hx(s: &str) -> Hash32 {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).unwrap();
        out
    }

    /// The eight leaves of the RFC 6962 reference test vectors (certificate-transparency's
    /// merkle_tree_test), and the roots of their prefixes.
    fn vector_leaves() -> Vec<Hash32> {
        let data: [&[u8]; 8] = [
            b"",
            b"\x00",
            b"\x10",
            b"\x20\x21",
            b"\x30\x31",
            b"\x40\x41\x42\x43",
            b"\x50\x51\x52\x53\x54\x55\x56\x57",
            b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
        ];
        data.iter().map(|d| leaf_hash(d)).collect()
    }

    const VECTOR_ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    #[test]
    fn rfc6962_roots() {
        assert_eq!(hex::encode(empty_root()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        let leaves = vector_leaves();
        let mut log = CompactLog::new();
        for (i, want) in VECTOR_ROOTS.iter().enumerate() {
            log.append(leaves[i]);
            assert_eq!(hex::encode(root(&leaves[..=i])), *want, "root of {} leaves", i + 1);
            assert_eq!(hex::encode(log.root()), *want, "compact root of {} leaves", i + 1);
        }
    }

    #[test]
    fn rfc6962_proof_vectors() {
        let leaves = vector_leaves();
        let path = inclusion_proof(5, &leaves);
        let want = [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ];
        assert_eq!(path, want.map(hx).to_vec());
        let consistency = consistency_proof(6, &leaves);
        let want = [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ];
        assert_eq!(consistency, want.map(hx).to_vec());
        let r6 = hx(VECTOR_ROOTS[5]);
        let r8 = hx(VECTOR_ROOTS[7]);
        verify_consistency(6, 8, &r6, &r8, &consistency).unwrap();
        assert_eq!(verify_consistency(6, 8, &r8, &r8, &consistency), Err(ProofError::RootMismatch));
    }

    #[test]
    fn every_proof_verifies_and_tampering_fails() {
        let leaves: Vec<Hash32> = (0u32..40).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        for n in 1..=leaves.len() {
            let tree = &leaves[..n];
            let r = root(tree);
            for i in 0..n {
                let p = inclusion_proof(i, tree);
                verify_inclusion(i as u64, n as u64, &tree[i], &p, &r).unwrap();
                assert!(verify_inclusion(i as u64, n as u64, &leaf_hash(b"x"), &p, &r).is_err());
                if !p.is_empty() {
                    let mut bad = p.clone();
                    bad[0][0] ^= 1;
                    assert!(verify_inclusion(i as u64, n as u64, &tree[i], &bad, &r).is_err());
                    assert!(verify_inclusion(i as u64, n as u64, &tree[i], &p[1..], &r).is_err());
                }
            }
            for m in 1..=n {
                let p = consistency_proof(m, tree);
                verify_consistency(m as u64, n as u64, &root(&tree[..m]), &r, &p).unwrap();
                if m < n {
                    assert!(verify_consistency(m as u64, n as u64, &leaf_hash(b"x"), &r, &p).is_err());
                }
            }
        }
        assert!(matches!(verify_inclusion(3, 3, &leaves[0], &[], &leaves[0]), Err(ProofError::IndexOutOfRange { .. })));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
        /// Random trees: every leaf's inclusion proof and every prefix's consistency proof
        /// verify, the compact log agrees with the full tree, and any flipped bit in a proof,
        /// a leaf or a root makes verification fail.
        #[test]
        fn random_trees(
            data in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..8), 1..150),
            pick in proptest::num::usize::ANY,
            bit in 0usize..256,
        ) {
            let leaves: Vec<Hash32> = data.iter().map(|d| leaf_hash(d)).collect();
            let n = leaves.len();
            let r = root(&leaves);
            let mut log = CompactLog::new();
            for l in &leaves { log.append(*l); }
            proptest::prop_assert_eq!(log.root(), r);
            let i = pick % n;
            let proof = inclusion_proof(i, &leaves);
            proptest::prop_assert!(verify_inclusion(i as u64, n as u64, &leaves[i], &proof, &r).is_ok());
            let flip = |h: &Hash32| { let mut h = *h; h[bit / 8] ^= 1 << (bit % 8); h };
            proptest::prop_assert!(verify_inclusion(i as u64, n as u64, &flip(&leaves[i]), &proof, &r).is_err());
            proptest::prop_assert!(verify_inclusion(i as u64, n as u64, &leaves[i], &proof, &flip(&r)).is_err());
            if !proof.is_empty() {
                let mut bad = proof.clone();
                let j = pick % bad.len();
                bad[j] = flip(&bad[j]);
                proptest::prop_assert!(verify_inclusion(i as u64, n as u64, &leaves[i], &bad, &r).is_err());
            }
            let m = 1 + pick % n;
            let c = consistency_proof(m, &leaves);
            let old = root(&leaves[..m]);
            proptest::prop_assert!(verify_consistency(m as u64, n as u64, &old, &r, &c).is_ok());
            proptest::prop_assert!(verify_consistency(m as u64, n as u64, &flip(&old), &r, &c).is_err());
            if !c.is_empty() {
                let mut bad = c.clone();
                let j = pick % bad.len();
                bad[j] = flip(&bad[j]);
                proptest::prop_assert!(verify_consistency(m as u64, n as u64, &old, &r, &bad).is_err());
            }
        }
    }

    #[test]
    fn proofs_from_subtrees_equal_the_reference_on_every_small_tree() {
        let leaves: Vec<Hash32> = (0..70u32).map(|i| leaf_hash(&i.to_le_bytes())).collect();
        for n in 1..=leaves.len() {
            let tree = &leaves[..n];
            assert_eq!(root_from(tree, n as u64).unwrap(), root(tree), "root {n}");
            for m in 0..n {
                assert_eq!(inclusion_proof_from(tree, m as u64, n as u64).unwrap(), inclusion_proof(m, tree), "inclusion {m} of {n}");
            }
            for old in 1..=n {
                assert_eq!(consistency_proof_from(tree, old as u64, n as u64).unwrap(), consistency_proof(old, tree), "consistency {old} → {n}");
            }
        }
        // A source that lacks a subtree says which.
        let short: &[Hash32] = &leaves[..3];
        assert!(matches!(inclusion_proof_from(short, 0, 8), Err(SubtreeError { .. })));
    }

    proptest::proptest! {
        #[test]
        fn proofs_from_subtrees_equal_the_reference_on_random_trees(n in 1usize..3000, m_seed in 0usize..1_000_000, old_seed in 0usize..1_000_000) {
            let leaves: Vec<Hash32> = (0..n as u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
            let (m, old) = (m_seed % n, 1 + old_seed % n);
            proptest::prop_assert_eq!(inclusion_proof_from(&leaves[..], m as u64, n as u64).unwrap(), inclusion_proof(m, &leaves));
            proptest::prop_assert_eq!(consistency_proof_from(&leaves[..], old as u64, n as u64).unwrap(), consistency_proof(old, &leaves));
        }
    }
}
