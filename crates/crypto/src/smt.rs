//! The authenticated state map: a persistent (structurally shared) sparse Merkle tree over
//! 256-bit keys.
//!
//! Hashing, fixed so that proofs can be checked by anyone:
//! - empty subtree: 32 zero bytes;
//! - leaf: `SHA-256(0x00 ‖ key ‖ SHA-256(value))`;
//! - internal node: `SHA-256(0x01 ‖ left ‖ right)`;
//! - a subtree holding exactly one leaf *is* that leaf (no chain of single-child nodes below
//!   it), so the tree's shape, and its root, depend only on the set of entries.
//!
//! Nodes are immutable and shared through `Arc`: cloning a map is O(1) and an update copies
//! only the path it touches. That is what lets the node keep the post-state of every
//! unfinalized block it has verified without copying the whole state.

use sha2::{Digest, Sha256};
use std::sync::Arc;
use vellum_types::Hash32;

/// Hash of an empty subtree.
pub const EMPTY: Hash32 = [0u8; 32];

#[derive(Debug)]
struct Leaf {
    key: Hash32,
    value: Arc<[u8]>,
    hash: Hash32,
}

#[derive(Debug)]
struct Internal {
    left: Option<Node>,
    right: Option<Node>,
    hash: Hash32,
}

#[derive(Clone, Debug)]
enum Node {
    Leaf(Arc<Leaf>),
    Internal(Arc<Internal>),
}

impl Node {
    fn hash(&self) -> &Hash32 {
        match self {
            Node::Leaf(l) => &l.hash,
            Node::Internal(i) => &i.hash,
        }
    }
}

fn opt_hash(node: &Option<Node>) -> &Hash32 {
    node.as_ref().map_or(&EMPTY, Node::hash)
}

pub fn leaf_hash(key: &Hash32, value: &[u8]) -> Hash32 {
    let value_hash: Hash32 = Sha256::digest(value).into();
    leaf_hash_from_value_hash(key, &value_hash)
}

pub fn leaf_hash_from_value_hash(key: &Hash32, value_hash: &Hash32) -> Hash32 {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(key);
    h.update(value_hash);
    h.finalize().into()
}

/// Same hashing as an RFC 6962 interior node.
pub use crate::merkle::node_hash as internal_hash;

/// Bit `depth` of `key`, most significant first: `true` goes right.
fn bit(key: &Hash32, depth: usize) -> bool {
    (key[depth / 8] >> (7 - depth % 8)) & 1 == 1
}

fn internal(left: Option<Node>, right: Option<Node>) -> Node {
    debug_assert!(left.is_some() || right.is_some());
    let hash = internal_hash(opt_hash(&left), opt_hash(&right));
    Node::Internal(Arc::new(Internal { left, right, hash }))
}

/// A persistent authenticated map from 32-byte keys to byte values.
#[derive(Clone, Debug, Default)]
pub struct AuthMap {
    root: Option<Node>,
    len: u64,
}

impl AuthMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn root(&self) -> Hash32 {
        *opt_hash(&self.root)
    }

    pub fn get(&self, key: &Hash32) -> Option<&Arc<[u8]>> {
        let mut node = self.root.as_ref()?;
        let mut depth = 0;
        loop {
            match node {
                Node::Leaf(l) => return (l.key == *key).then_some(&l.value),
                Node::Internal(i) => {
                    node = if bit(key, depth) { i.right.as_ref()? } else { i.left.as_ref()? };
                    depth += 1;
                }
            }
        }
    }

    /// Inserts or replaces; returns whether the key was new.
    pub fn insert(&mut self, key: Hash32, value: Arc<[u8]>) -> bool {
        let hash = leaf_hash(&key, &value);
        let leaf = Arc::new(Leaf { key, value, hash });
        let (root, added) = insert(self.root.as_ref(), 0, leaf);
        self.root = Some(root);
        self.len += added as u64;
        added
    }

    /// Removes a key; returns whether it was present.
    pub fn remove(&mut self, key: &Hash32) -> bool {
        let Some(root) = self.root.as_ref() else { return false };
        match remove(root, 0, key) {
            Removal::Absent => false,
            Removal::Removed(new_root) => {
                self.root = new_root;
                self.len -= 1;
                true
            }
        }
    }

    /// Entries in ascending key order (deterministic).
    pub fn iter(&self) -> impl Iterator<Item = (&Hash32, &Arc<[u8]>)> {
        let mut stack: Vec<&Node> = self.root.iter().collect();
        std::iter::from_fn(move || {
            while let Some(node) = stack.pop() {
                match node {
                    Node::Leaf(l) => return Some((&l.key, &l.value)),
                    Node::Internal(i) => {
                        // Push right first so left (smaller keys) comes out first.
                        stack.extend(i.right.iter());
                        stack.extend(i.left.iter());
                    }
                }
            }
            None
        })
    }

    /// A proof that `key` maps to its current value, or is absent.
    pub fn prove(&self, key: &Hash32) -> MapProof {
        let mut siblings = Vec::new();
        let mut node = self.root.as_ref();
        let mut depth = 0;
        let terminal = loop {
            match node {
                None => break None,
                Some(Node::Leaf(l)) => {
                    let value_hash: Hash32 = Sha256::digest(&l.value).into();
                    break Some((l.key, value_hash));
                }
                Some(Node::Internal(i)) => {
                    let (next, sibling) =
                        if bit(key, depth) { (&i.right, &i.left) } else { (&i.left, &i.right) };
                    siblings.push(*opt_hash(sibling));
                    node = next.as_ref();
                    depth += 1;
                }
            }
        };
        MapProof { siblings, terminal }
    }
}

enum Removal {
    Absent,
    Removed(Option<Node>),
}

fn insert(node: Option<&Node>, depth: usize, leaf: Arc<Leaf>) -> (Node, bool) {
    match node {
        None => (Node::Leaf(leaf), true),
        Some(Node::Leaf(existing)) if existing.key == leaf.key => (Node::Leaf(leaf), false),
        Some(Node::Leaf(existing)) => (split(existing.clone(), leaf, depth), true),
        Some(Node::Internal(i)) => {
            if bit(&leaf.key, depth) {
                let (right, added) = insert(i.right.as_ref(), depth + 1, leaf);
                (internal(i.left.clone(), Some(right)), added)
            } else {
                let (left, added) = insert(i.left.as_ref(), depth + 1, leaf);
                (internal(Some(left), i.right.clone()), added)
            }
        }
    }
}

/// Two leaves with different keys sharing a subtree at `depth`.
fn split(a: Arc<Leaf>, b: Arc<Leaf>, depth: usize) -> Node {
    assert!(depth < 256, "distinct keys must differ in some bit");
    match (bit(&a.key, depth), bit(&b.key, depth)) {
        (false, false) => internal(Some(split(a, b, depth + 1)), None),
        (true, true) => internal(None, Some(split(a, b, depth + 1))),
        (false, true) => internal(Some(Node::Leaf(a)), Some(Node::Leaf(b))),
        (true, false) => internal(Some(Node::Leaf(b)), Some(Node::Leaf(a))),
    }
}

fn remove(node: &Node, depth: usize, key: &Hash32) -> Removal {
    match node {
        Node::Leaf(l) => {
            if l.key == *key {
                Removal::Removed(None)
            } else {
                Removal::Absent
            }
        }
        Node::Internal(i) => {
            let go_right = bit(key, depth);
            let child = if go_right { &i.right } else { &i.left };
            let Some(child) = child else { return Removal::Absent };
            let new_child = match remove(child, depth + 1, key) {
                Removal::Absent => return Removal::Absent,
                Removal::Removed(c) => c,
            };
            let (left, right) =
                if go_right { (i.left.clone(), new_child) } else { (new_child, i.right.clone()) };
            // Keep the canonical shape: a subtree left with a single leaf becomes that leaf.
            Removal::Removed(match (left, right) {
                (None, None) => None,
                (Some(Node::Leaf(l)), None) | (None, Some(Node::Leaf(l))) => Some(Node::Leaf(l)),
                (left, right) => Some(internal(left, right)),
            })
        }
    }
}

/// Proof of a key's presence (with its value's hash) or absence.
#[derive(Clone, Debug, PartialEq, Eq, borsh::BorshSerialize, borsh::BorshDeserialize)]
pub struct MapProof {
    /// Sibling hashes from the root downward.
    pub siblings: Vec<Hash32>,
    /// The leaf the path ends at (`None`: an empty subtree).
    pub terminal: Option<(Hash32, Hash32)>,
}

impl MapProof {
    /// Checks the proof against `root`. Returns `Some(value_hash)` if `key` is present, `None`
    /// if it is proven absent, or an error if the proof does not match `root`.
    pub fn verify(&self, root: &Hash32, key: &Hash32) -> Result<Option<Hash32>, &'static str> {
        if self.siblings.len() > 256 {
            return Err("proof longer than 256 levels");
        }
        let mut h = match &self.terminal {
            None => EMPTY,
            Some((k, vh)) => {
                // A leaf of another key may end the path only if it shares the path so far.
                if k != key && (0..self.siblings.len()).any(|d| bit(k, d) != bit(key, d)) {
                    return Err("terminal leaf is not on the key's path");
                }
                leaf_hash_from_value_hash(k, vh)
            }
        };
        for (depth, sibling) in self.siblings.iter().enumerate().rev() {
            h = if bit(key, depth) { internal_hash(sibling, &h) } else { internal_hash(&h, sibling) };
        }
        if &h != root {
            return Err("recomputed root does not match");
        }
        Ok(match &self.terminal {
            Some((k, vh)) if k == key => Some(*vh),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// Reference root, computed from scratch over a sorted model.
    fn reference_root(entries: &[(Hash32, Vec<u8>)], depth: usize) -> Hash32 {
        match entries.len() {
            0 => EMPTY,
            1 => leaf_hash(&entries[0].0, &entries[0].1),
            _ => {
                let split = entries.partition_point(|(k, _)| !bit(k, depth));
                internal_hash(
                    &reference_root(&entries[..split], depth + 1),
                    &reference_root(&entries[split..], depth + 1),
                )
            }
        }
    }

    fn key(n: u8, prefix_equal: bool) -> Hash32 {
        // Keys that share long prefixes exercise deep splits.
        let mut k = [0u8; 32];
        if prefix_equal {
            k[31] = n;
        } else {
            k = Sha256::digest([n]).into();
        }
        k
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8, bool, Vec<u8>),
        Remove(u8, bool),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (any::<u8>(), any::<bool>(), proptest::collection::vec(any::<u8>(), 0..8))
                .prop_map(|(k, p, v)| Op::Insert(k, p, v)),
            (any::<u8>(), any::<bool>()).prop_map(|(k, p)| Op::Remove(k, p)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// The map against a BTreeMap model: same contents, same order, root equal to a
        /// from-scratch computation, and every proof verifies (presence and absence), while an
        /// old snapshot is unaffected by later updates.
        #[test]
        fn matches_btreemap_model(ops in proptest::collection::vec(op(), 1..120)) {
            let mut map = AuthMap::new();
            let mut model: BTreeMap<Hash32, Vec<u8>> = BTreeMap::new();
            let mut snapshots = Vec::new();
            for op in ops {
                match op {
                    Op::Insert(k, p, v) => {
                        let k = key(k, p);
                        prop_assert_eq!(map.insert(k, v.clone().into()), model.insert(k, v).is_none());
                    }
                    Op::Remove(k, p) => {
                        let k = key(k, p);
                        prop_assert_eq!(map.remove(&k), model.remove(&k).is_some());
                    }
                }
                snapshots.push((map.clone(), model.clone()));
            }
            for (snap, model) in snapshots {
                let entries: Vec<(Hash32, Vec<u8>)> = model.iter().map(|(k, v)| (*k, v.clone())).collect();
                prop_assert_eq!(snap.root(), reference_root(&entries, 0));
                prop_assert_eq!(snap.len(), model.len() as u64);
                let got: Vec<(Hash32, Vec<u8>)> = snap.iter().map(|(k, v)| (*k, v.to_vec())).collect();
                prop_assert_eq!(&got, &entries);
                for n in [0u8, 1, 2, 77, 255] {
                    for p in [false, true] {
                        let k = key(n, p);
                        let proof = snap.prove(&k);
                        let want = model.get(&k).map(|v| -> Hash32 { Sha256::digest(v).into() });
                        prop_assert_eq!(proof.verify(&snap.root(), &k), Ok(want));
                        prop_assert_eq!(snap.get(&k).map(|v| v.to_vec()), model.get(&k).cloned());
                    }
                }
            }
        }
    }

    #[test]
    fn tampered_proofs_fail() {
        let mut map = AuthMap::new();
        for n in 0..50u8 {
            map.insert(key(n, false), vec![n].into());
        }
        let k = key(7, false);
        let mut proof = map.prove(&k);
        assert!(proof.verify(&map.root(), &k).unwrap().is_some());
        proof.siblings[0][0] ^= 1;
        assert!(proof.verify(&map.root(), &k).is_err());
        // A present key's proof cannot be passed off as another key's absence proof.
        let proof = map.prove(&k);
        assert!(proof.verify(&map.root(), &key(8, false)).is_err() || map.get(&key(8, false)).is_none());
        assert_eq!(AuthMap::new().root(), EMPTY);
    }
}
