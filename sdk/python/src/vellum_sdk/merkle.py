"""RFC 6962 / RFC 9162 Merkle trees (the log, batch registrations; inclusion and consistency
proofs) and the sparse Merkle map proofs of the authenticated state (docs/evidence-format.md §3)."""

from __future__ import annotations

from .encoding import sha256

#: Largest tree a proof may describe (as the Rust verifier); bounds every loop.
LOG_SIZE_MAX = 1 << 48
#: Longest inclusion proof for a tree of at most LOG_SIZE_MAX leaves.
PROOF_HASHES_MAX = 2 * 48
#: A sparse map path has at most one sibling per key bit.
MAP_DEPTH_MAX = 256
#: Root of an empty sparse subtree.
EMPTY = bytes(32)


class ProofFailure(ValueError):
    """Why a Merkle or map proof does not verify (the verifier names the step)."""


def leaf_hash(data: bytes) -> bytes:
    return sha256(b"\x00" + data)


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def _split(n: int) -> int:
    """Largest power of two strictly below ``n`` (n ≥ 2): where RFC 6962 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: list[bytes]) -> bytes:
    """MTH over leaf hashes (SHA-256 of nothing for an empty tree)."""
    n = len(leaf_hashes)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return leaf_hashes[0]
    k = _split(n)
    return node_hash(root(leaf_hashes[:k]), root(leaf_hashes[k:]))


def inclusion_proof(index: int, leaf_hashes: list[bytes]) -> list[bytes]:
    """The audit path of leaf ``index``, leaf to root."""
    if not 0 <= index < len(leaf_hashes):
        raise IndexError(f"leaf index {index} out of range for {len(leaf_hashes)} leaves")
    n = len(leaf_hashes)
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return inclusion_proof(index, leaf_hashes[:k]) + [root(leaf_hashes[k:])]
    return inclusion_proof(index - k, leaf_hashes[k:]) + [root(leaf_hashes[:k])]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], expected_root: bytes) -> None:
    """RFC 9162 §2.1.3.2; raises :class:`ProofFailure` naming what is wrong."""
    if size > LOG_SIZE_MAX:
        raise ProofFailure(f"tree size {size} exceeds the supported maximum")
    if index >= size:
        raise ProofFailure(f"leaf index {index} is not below tree size {size}")
    if len(proof) > PROOF_HASHES_MAX:
        raise ProofFailure("proof has the wrong number of hashes")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofFailure("proof has the wrong number of hashes")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn & 1 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofFailure("proof has the wrong number of hashes")
    if r != expected_root:
        raise ProofFailure("recomputed root does not match")


def consistency_proof(old_size: int, leaf_hashes: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.4.1: the proof that the tree of the first ``old_size`` leaves is a prefix
    of the tree of all of ``leaf_hashes`` (empty when both are one size)."""
    if not 1 <= old_size <= len(leaf_hashes):
        raise IndexError(f"old size {old_size} out of range for {len(leaf_hashes)} leaves")

    def subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
        n = len(leaves)
        if m == n:
            return [] if whole else [root(leaves)]
        k = _split(n)
        if m <= k:
            return subproof(m, leaves[:k], whole) + [root(leaves[k:])]
        return subproof(m - k, leaves[k:], False) + [root(leaves[:k])]

    return subproof(old_size, list(leaf_hashes), True)


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> None:
    """RFC 9162 §2.1.4.2: the tree (``old_size``, ``old_root``) is a prefix of (``new_size``,
    ``new_root``). Equal sizes need an empty proof and equal roots. Raises
    :class:`ProofFailure` naming what is wrong."""
    if new_size > LOG_SIZE_MAX:
        raise ProofFailure(f"tree size {new_size} exceeds the supported maximum")
    if old_size == 0 or old_size > new_size:
        raise ProofFailure(f"old size {old_size} must be between 1 and new size {new_size}")
    if old_size == new_size:
        if proof:
            raise ProofFailure("proof has the wrong number of hashes")
        if old_root != new_root:
            raise ProofFailure("recomputed root does not match")
        return
    if not proof or len(proof) > PROOF_HASHES_MAX:
        raise ProofFailure("proof has the wrong number of hashes")
    # When the old size is a power of two, the old root itself starts the path.
    path = ([old_root] if old_size & (old_size - 1) == 0 else []) + list(proof)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofFailure("proof has the wrong number of hashes")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn & 1 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofFailure("proof has the wrong number of hashes")
    if fr != old_root or sr != new_root:
        raise ProofFailure("recomputed root does not match")


def batch_root(digests: list[bytes]) -> bytes:
    """Root over a batch's registered 32-byte digests (leaf data = each digest)."""
    return root([leaf_hash(d) for d in digests])


def _bit(key: bytes, depth: int) -> int:
    """Bit ``depth`` of a key, bit 0 = most significant bit of byte 0."""
    return (key[depth // 8] >> (7 - depth % 8)) & 1


def verify_map(siblings: list[bytes], terminal: tuple[bytes, bytes] | None, state_root: bytes, key: bytes) -> bytes | None:
    """Checks a sparse-map proof for ``key`` against ``state_root``: the value hash if the key is
    present, ``None`` if it is proven absent; :class:`ProofFailure` if the proof is wrong."""
    if len(siblings) > MAP_DEPTH_MAX:
        raise ProofFailure("proof longer than 256 levels")
    if terminal is None:
        h = EMPTY
    else:
        k, vh = terminal
        # A leaf of another key may end the path only if it shares the path so far.
        if k != key and any(_bit(k, d) != _bit(key, d) for d in range(len(siblings))):
            raise ProofFailure("terminal leaf is not on the key's path")
        h = sha256(b"\x00" + k + vh)
    for depth in range(len(siblings) - 1, -1, -1):
        h = node_hash(siblings[depth], h) if _bit(key, depth) else node_hash(h, siblings[depth])
    if h != state_root:
        raise ProofFailure("recomputed root does not match")
    return terminal[1] if terminal is not None and terminal[0] == key else None
