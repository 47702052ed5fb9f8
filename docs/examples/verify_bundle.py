#!/usr/bin/env python3
"""An independent verifier of Vellum evidence bundles and status proofs, written from
docs/evidence-format.md alone (no Vellum code).

Usage: verify_bundle.py BUNDLE [DOCUMENT] [GENESIS_HASH_HEX] [--status STATUS_FILE]
                        [--witnesses POLICY_FILE]

Prints VALID with the status and who registered it (the issuer identity of a version-3 or -4
bundle, §4 step 6d: "Registered by Example University (example.edu), attested by … at height
H", "no attested identity", or that an older file carries none); with --status also the status
and issuer identity now (§4 step 9, §6a). A version-4 bundle carries a checkpoint cosigned by
witnesses (§7a), checked against the header (§4 step 10 a–c) and, with --witnesses (a policy
file: `witness <name> <64 hex key> [url]` lines, `quorum <k>`), against the policy (10d); a
policy given with a bundle that carries no cosigned checkpoint fails step 10. Exit 0: valid
and live; 2: valid, but the status (now, with --status) is not live; 1: invalid, printing the
failing step. Ed25519 signatures are checked with the `cryptography` package when it is
installed (a witness policy needs it); everything else uses the standard library only.
Both genesis-commitment layouts are read (§2.5); under layout 2 the epochs of the certified
headers are checked against the committed epoch length (§4 step 3g), which layout 1 does not
state (the VALID line says which).
"""
import base64
import binascii
import hashlib
import struct
import sys

H = lambda b: hashlib.sha256(b).digest()
FINAL = ("revoked", "superseded")


class Invalid(Exception):
    def __init__(self, step, why):
        super().__init__(f"{step}: {why}")
        self.step, self.why = step, why


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("truncated")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u8(self): return self.take(1)[0]
    def u32(self): return struct.unpack("<I", self.take(4))[0]
    def u64(self): return struct.unpack("<Q", self.take(8))[0]
    def b32(self): return self.take(32)
    def string(self): return self.take(self.u32()).decode("utf-8")
    def vec(self, f): return [f() for _ in range(self.u32())]

    def option(self, f):
        tag = self.u8()
        if tag not in (0, 1):
            raise ValueError("bad option tag")
        return f() if tag else None

    def boolean(self):
        v = self.u8()
        if v not in (0, 1):
            raise ValueError("bad bool")
        return v == 1


# --- decoding (§2) ------------------------------------------------------------------------


def status(r):
    """ProofStatus: 0 Live, 1 Revoked, 2 Superseded, 3 Suspended (reason codes are strings)."""
    kind = r.u8()
    if kind == 0:
        return ("live",)
    if kind == 1:
        return ("revoked", r.string(), r.b32(), r.u64(), r.u64())
    if kind == 2:
        return ("superseded", r.b32(), r.b32(), r.u64(), r.u64())
    if kind == 3:
        return ("suspended", r.string(), r.b32(), r.u64(), r.u64())
    raise ValueError("bad status")


def map_proof(r):
    return {"siblings": r.vec(r.b32), "terminal": r.option(lambda: (r.b32(), r.b32()))}


def header(r, data):
    h_start = r.pos
    hd = {"height": r.u64(), "parent": r.b32(), "epoch": r.u64(), "view": r.u64(), "time_ms": r.u64(), "proposer": r.b32(),
          "txs_root": r.b32(), "tx_count": r.u32(), "log_size": r.u64(), "log_root": r.b32(), "state_root": r.b32(),
          "validator_set_hash": r.b32(), "genesis_hash": r.b32()}
    hd["bytes"] = data[h_start:r.pos]
    return hd


def certificate(r):
    return {"parent_view": r.u64(), "signers": r.vec(r.u32), "signatures": r.vec(lambda: r.take(64))}


def set_link(r, data):
    """Version 2: one validator-set change (boundary header, its certificate, the record)."""
    link = {"header": header(r, data), "cert": certificate(r)}
    rec_start = r.pos
    link["seq"], link["effective_epoch"], link["boundary_height"] = r.u64(), r.u64(), r.u64()

    def validator():
        r.string(); key = r.b32(); r.b32(); r.string()
        return key

    link["validators"] = r.vec(validator)
    link["record_bytes"] = data[rec_start:r.pos]
    link["record_proof"] = map_proof(r)
    return link


def genesis(r, data, b):
    """GenesisCommitment (§2.5). Layout 2: `FF FF FF FF 02`, then chain id, time, params,
    validators, `epoch_length_blocks: Option<u64>`, details hash; layout 1 (older chains): the
    same without the mark and the epoch length. The first four bytes tell them apart (a
    layout-1 chain id, at most 64 bytes, never has the length 0xFFFFFFFF). Refused here (step
    1), as in Rust: another layout mark, a chain id over 64 bytes in either layout, a layout-2
    epoch length outside 10..=1,000,000 (what a genesis may set). `epoch_length`: blocks per
    epoch (2^64 - 1 when none: one epoch forever), or None for layout 1 (which does not state
    it)."""
    g_start = r.pos
    layout2 = r.u32() == 0xFFFFFFFF
    if layout2:
        mark = r.u8()
        if mark != 2:
            raise ValueError(f"unknown genesis commitment layout {mark}")
        b["chain_id"] = r.string()
    else:
        r.pos = g_start
        if r.u32() > 64:
            raise ValueError("genesis chain id longer than 64 bytes")
        r.pos = g_start
        b["chain_id"] = r.string()
    r.u64(); r.u32(); r.u32(); r.u64(); r.u64()
    b["validators"] = r.vec(r.b32)
    length = r.option(r.u64) if layout2 else None
    r.b32()
    if layout2:  # read in full, then checked (as Rust)
        if len(b["chain_id"].encode("utf-8")) > 64:
            raise ValueError("genesis chain id longer than 64 bytes")
        if length is not None and not 10 <= length <= 1_000_000:
            raise ValueError(f"genesis epoch length of {length} blocks is outside 10..=1000000")
        b["epoch_length"] = (1 << 64) - 1 if length is None else length
    else:
        b["epoch_length"] = None
    b["genesis_bytes"] = data[g_start:r.pos]  # hashed as they are, in their layout


def anchor(r, data):
    """The start of every file: genesis commitment, header, certificate."""
    b = {}
    genesis(r, data, b)
    b["header"] = header(r, data)
    b["cert"] = certificate(r)
    return b


def entry(r, data):
    e_start = r.pos
    e = {"record_hash": r.b32(), "leaf_index": r.u64(), "registrant": r.b32(), "registered_digest": r.b32(),
         "count": r.u32(), "status": status(r)}
    e["bytes"] = data[e_start:r.pos]
    return e


def member_status(r, data, m):
    """A member's `status: Option<MemberEntry>` and `status_proof` (bundles and status proofs)."""
    s_start = r.pos
    m["status"] = r.option(lambda: status(r))
    m["status_bytes"] = data[s_start + 1:r.pos] if m["status"] else None
    m["status_proof"] = map_proof(r)
    return m


def issuer_evidence(r, data):
    """IssuerEvidence (§2.5): the registrant's attestation (none: proven never attested) and its
    map proof under StateKey::IssuerProfile(registrant)."""
    def attestation():
        start = r.pos
        a = {"name": r.string(), "domain": r.string()}
        a["x509_sha256"] = r.option(r.b32); a["well_known_sha256"] = r.b32()
        a["attested_by"] = r.b32(); a["tx_id"] = r.b32(); a["height"] = r.u64(); a["time_ms"] = r.u64()
        a["revoked"] = r.option(lambda: {"by": r.b32(), "reason": r.string(), "tx_id": r.b32(), "height": r.u64(), "time_ms": r.u64()})
        a["bytes"] = data[start:r.pos]
        return a
    return {"attestation": r.option(attestation), "proof": map_proof(r)}


def witnessed(r):
    """Witnessed (§2.5, §7a): a cosigned checkpoint note and a consistency proof."""
    return {"note": r.string(), "consistency": r.vec(r.b32)}


def framed(data, magic, body, extension=None):
    """`magic ‖ version ‖ body`: version 1, or 2 with at least one set change, or (bundles,
    `extension`) 3: the chain, possibly empty, then the issuer section, which must be present,
    or 4: the issuer section, present or not, then the witnessed section, which must be
    present; no trailing bytes."""
    versions = (1, 2, 3, 4) if extension else (1, 2)
    if data[:8] != magic or len(data) < 9 or data[8] not in versions or len(data) > 65536:
        raise ValueError("bad magic, version or size")
    version = data[8]
    r = Reader(data)
    r.take(9)
    b = body(r)
    b["chain"] = r.vec(lambda: set_link(r, data)) if version >= 2 else []
    if version == 2 and not b["chain"]:  # one evidence, one encoding: without changes it is version 1
        raise ValueError("a version-2 file must carry at least one validator-set change")
    if version >= 3:
        b["issuer"] = r.option(lambda: extension(r, data))
        if version == 3 and b["issuer"] is None:
            raise ValueError("a version-3 bundle must carry the issuer section")
    if version == 4:
        b["witnessed"] = r.option(lambda: witnessed(r))
        if b["witnessed"] is None:
            raise ValueError("a version-4 bundle must carry the witnessed section")
    if r.pos != len(data):
        raise ValueError("trailing bytes")
    return b


def parse(data):
    """An evidence bundle (§2.1)."""
    def body(r):
        b = anchor(r, data)
        rec_start = r.pos
        rec = {"proof_id": r.b32()}
        kind = r.u8()
        rec["registered"] = ("single", r.b32()) if kind == 0 else ("batch", r.b32(), r.u32()) if kind == 1 else None
        if rec["registered"] is None:
            raise ValueError("bad registration kind")
        rec["schema"] = r.string(); rec["metadata_digest"] = r.b32(); rec["salted"] = r.boolean(); rec["registrant"] = r.b32()
        key_kind = r.u8()  # PublicKey: 0 Ed25519 (32 bytes), 1 secp256k1, 2 P-256 (33, compressed)
        if key_kind > 2:
            raise ValueError(f"unknown public key variant {key_kind}")
        rec["signer"] = r.take(32 if key_kind == 0 else 33)
        rec["tx_id"] = r.b32(); rec["height"] = r.u64(); rec["time_ms"] = r.u64()
        rec["bytes"] = data[rec_start:r.pos]
        b["record"] = rec
        b["log_proof"] = r.vec(r.b32)
        b["entry"] = entry(r, data)
        b["entry_proof"] = map_proof(r)
        b["member"] = r.option(lambda: member_status(r, data, {"index": r.u32(), "leaf": r.b32(), "batch_proof": r.vec(r.b32)}))
        b["document"] = r.option(lambda: {"digest": r.b32(), "salt": r.option(r.b32)})
        b["issuer"] = None  # versions 1 and 2 carry no issuer section
        b["witnessed"] = None  # versions 1 to 3 carry no witnessed section
        return b
    return framed(data, b"VELLUMEV", body, issuer_evidence)


def parse_status(data):
    """A status proof (§2.4)."""
    def body(r):
        s = anchor(r, data)
        s["proof_id"] = r.b32()
        s["entry"] = entry(r, data)
        s["entry_proof"] = map_proof(r)
        s["member"] = r.option(lambda: member_status(r, data, {"index": r.u32()}))
        s["issuer"] = issuer_evidence(r, data)  # not optional in a status proof
        return s
    return framed(data, b"VELLUMST", body)


# --- hashing and proofs (§1, §3) -------------------------------------------------------------


def canonical(tag, body): return tag + b"\x01" + body
def leaf(d): return H(b"\x00" + d)
def node(l, r): return H(b"\x01" + l + r)


def verify_inclusion(index, size, leaf_hash, proof, root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while fn & 1 == 0 and fn != 0:
                fn >>= 1; sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1; sn >>= 1
    return sn == 0 and r == root


def verify_consistency(m, n, old_root, new_root, proof):
    """RFC 9162 §2.1.4.2: the tree of size m with `old_root` is a prefix of the tree of size n
    with `new_root`."""
    if m < 1 or m > n or n > 1 << 48 or len(proof) > 96:
        return False
    if m == n:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = ([old_root] if m & (m - 1) == 0 else []) + list(proof)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1; sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while fn & 1 == 0 and fn != 0:
                fn >>= 1; sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1; sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


def bit(key, depth): return (key[depth // 8] >> (7 - depth % 8)) & 1


def verify_map(proof, root, key):
    """Returns ('present', value_hash) / ('absent', None), or raises."""
    sib = proof["siblings"]
    t = proof["terminal"]
    if len(sib) > 256:
        raise ValueError("map proof longer than 256 levels")
    if t is None:
        h = b"\x00" * 32
    else:
        k, vh = t
        if k != key and any(bit(k, d) != bit(key, d) for d in range(len(sib))):
            raise ValueError("terminal leaf not on the key's path")
        h = H(b"\x00" + k + vh)
    for depth in range(len(sib) - 1, -1, -1):
        h = node(sib[depth], h) if bit(key, depth) else node(h, sib[depth])
    if h != root:
        raise ValueError("map proof does not match the state root")
    return ("present", t[1]) if t and t[0] == key else ("absent", None)


def varint(v):
    out = bytearray()
    while True:
        byte = v & 0x7F
        v >>= 7
        if v == 0:
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def state_key(variant, fields): return H(canonical(b"VELLUM:STATE-KEY:", bytes([variant]) + fields))


# --- steps ------------------------------------------------------------------------------------

try:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    SIGS = "checked"
except ImportError:
    Ed25519PublicKey = None
    SIGS = "NOT checked (install the `cryptography` package)"


def check_signed(hd, c, vals, genesis_hash, what):
    """Steps 3-4: `hd` carries the set's hash and is finalized by more than 2/3 of it."""
    vs = H(canonical(b"VELLUM:VALIDATOR-SET:", struct.pack("<I", len(vals)) + b"".join(vals)))
    if vs != hd["validator_set_hash"] or hd["genesis_hash"] != genesis_hash \
            or not vals or any(x >= y for x, y in zip(vals, vals[1:])):
        raise Invalid("3 validator set", f"{what} not produced by the validator set the chain leads to")
    header_hash = H(canonical(b"VELLUM:BLOCK-HEADER:", hd["bytes"]))
    n = len(vals)
    quorum = n - (n - 1) // 3
    if len(c["signers"]) != len(c["signatures"]) or len(c["signers"]) < quorum or \
            any(x >= y for x, y in zip(c["signers"], c["signers"][1:])) or any(i >= n for i in c["signers"]):
        raise Invalid("4 certificate", f"{what}: not a quorum of distinct validators")
    ns = b"VELLUM_CONSENSUS_FINALIZE"
    msg = varint(len(ns)) + ns + varint(hd["epoch"]) + varint(hd["view"]) + varint(c["parent_view"]) + header_hash
    if Ed25519PublicKey:
        for i, sig in zip(c["signers"], c["signatures"]):
            try:
                Ed25519PublicKey.from_public_bytes(vals[i]).verify(sig, msg)
            except Exception:
                raise Invalid("4 certificate", f"{what}: signature of validator {i} does not verify")


def check_epoch(hd, length, what, boundary=False):
    """Step 3g (layout-2 commitments; `length` None: layout 1, skipped): the header's epoch is
    its height's; a set change's boundary block is the last of its epoch. (`length` is never 0:
    decoding refused that.)"""
    if length is None:
        return
    if hd["epoch"] != hd["height"] // length:
        raise Invalid("3 validator set", f"{what}: epoch {hd['epoch']} is not that of height {hd['height']} (epochs of {length} blocks)")
    if boundary and (hd["height"] + 1 >= 1 << 64 or (hd["height"] + 1) % length != 0):
        raise Invalid("3 validator set", f"{what} is not on the last block of an epoch")


def check_anchor(b, pinned):
    """Steps 2-4 (any file): returns the genesis hash and the size of the signing set."""
    genesis_hash = H(canonical(b"VELLUM:GENESIS:", b["genesis_bytes"]))
    if pinned and pinned != genesis_hash:
        raise Invalid("2 checkpoint", "genesis hash differs from the pinned one")
    hd, vals, length = b["header"], b["validators"], b["epoch_length"]
    # Version 2: follow each validator-set change from the genesis set.
    set_epoch = 0  # the epoch from which the current set signs
    for seq, link in enumerate(b["chain"], start=1):
        lh = link["header"]
        check_signed(lh, link["cert"], vals, genesis_hash, f"validator-set change {seq}")
        check_epoch(lh, length, f"validator-set change {seq}", boundary=True)
        if link["seq"] != seq or link["boundary_height"] != lh["height"] or link["effective_epoch"] != lh["epoch"] + 1 \
                or lh["epoch"] >= hd["epoch"] or lh["epoch"] < set_epoch:
            raise Invalid("3 validator set", f"validator-set change {seq} is out of order")
        try:
            found = verify_map(link["record_proof"], lh["state_root"], state_key(25, struct.pack("<Q", seq)))
        except ValueError as err:
            raise Invalid("3 validator set", f"validator-set change {seq}: {err}")
        if found != ("present", H(b"\x01" + link["record_bytes"])):
            raise Invalid("3 validator set", f"validator-set change {seq} is not in its boundary block's state")
        vals = link["validators"]
        set_epoch = link["effective_epoch"]
    check_epoch(hd, length, "the header")  # before the header's 3a-3c and step 4
    check_signed(hd, b["cert"], vals, genesis_hash, "the header")
    return genesis_hash, len(vals)


def check_entry(b, proof_id):
    """Step 6 (6a, 6b): the state holds `entry` under StateKey::Proof(proof_id)."""
    try:
        found = verify_map(b["entry_proof"], b["header"]["state_root"], state_key(1, proof_id))
    except ValueError as err:
        raise Invalid("6 state entry", err)
    if found != ("present", H(b"\x01" + b["entry"]["bytes"])):
        raise Invalid("6 state entry", "entry does not match")


def check_issuer(ev, registrant, state_root):
    """Step 6d: the issuer section proves the registrant's attestation present (with its value
    hash) or absent under StateKey::IssuerProfile(registrant). Returns the attestation or None."""
    try:
        found = verify_map(ev["proof"], state_root, state_key(38, registrant))
    except ValueError as err:
        raise Invalid("6 state entry", f"issuer identity: {err}")
    a = ev["attestation"]
    if found != (("absent", None) if a is None else ("present", H(b"\x01" + a["bytes"]))):
        raise Invalid("6 state entry", "the issuer identity does not match the state")
    return a


def member_own_status(m, state_root, proof_id):
    """Steps 7d-7e: the member's status entry, or its absence, is the state's."""
    try:
        found = verify_map(m["status_proof"], state_root, state_key(3, proof_id + struct.pack("<I", m["index"])))
    except ValueError as err:
        raise Invalid("7 batch inclusion", err)
    if m["status"] is None:
        if found != ("absent", None):
            raise Invalid("7 batch inclusion", "member status hidden")
        return ("live",)
    if found != ("present", H(b"\x01" + m["status_bytes"])):
        raise Invalid("7 batch inclusion", "member status does not match")
    return m["status"]


def effective(registration, member):
    """§4 step 7: a final registration status wins; else a final member status; else a
    suspended registration; else the member's own status."""
    if registration[0] in FINAL:
        return registration
    if member is not None and member[0] in FINAL:
        return member
    if registration[0] != "live" or member is None:
        return registration
    return member


def verify_bundle(b, document, pinned):
    genesis_hash, n = check_anchor(b, pinned)
    hd, rec, e = b["header"], b["record"], b["entry"]
    rec_leaf = leaf(canonical(b"VELLUM:EVIDENCE-LEAF:", rec["bytes"]))
    if not verify_inclusion(e["leaf_index"], hd["log_size"], rec_leaf, b["log_proof"], hd["log_root"]) \
            or rec["height"] > hd["height"] or rec["time_ms"] > hd["time_ms"]:
        raise Invalid("5 log inclusion", "record not in the header's log")
    check_entry(b, rec["proof_id"])
    if e["record_hash"] != H(canonical(b"VELLUM:EVIDENCE-RECORD:", rec["bytes"])) or e["registrant"] != rec["registrant"]:
        raise Invalid("6 state entry", "entry does not match")
    # 6d (version 3): who the registrant is; versions 1 and 2 carry nothing.
    issuer = None if b["issuer"] is None else {"attestation": check_issuer(b["issuer"], rec["registrant"], hd["state_root"])}
    st, m = e["status"], b["member"]
    if rec["registered"][0] == "single":
        if m:
            raise Invalid("7 batch inclusion", "single registration has no members")
        registered = rec["registered"][1]
    else:
        if not m:
            raise Invalid("7 batch inclusion", "no member named")
        _, root, count = rec["registered"]
        if not verify_inclusion(m["index"], count, leaf(m["leaf"]), m["batch_proof"], root):
            raise Invalid("7 batch inclusion", "document not in the batch")
        st = effective(st, member_own_status(m, hd["state_root"], rec["proof_id"]))
        registered = m["leaf"]
    d = b["document"]
    if d:
        opened = H(canonical(b"VELLUM:SALTED-DIGEST:", d["salt"] + d["digest"])) if rec["salted"] and d["salt"] else d["digest"]
        if (rec["salted"] and not d["salt"]) or (not rec["salted"] and d["salt"]) or opened != registered:
            raise Invalid("8 document", "opening does not match the registered digest")
    if document is not None:
        dd = H(document)
        if (rec["salted"] and (not d or d["digest"] != dd)) or (not rec["salted"] and dd != registered):
            raise Invalid("8 document", "document does not match")
    return {"genesis_hash": genesis_hash, "validators": n, "status": st, "issuer": issuer}


def verify_status(s, pinned):
    """§6a: steps 1-4, then 6 (6a, 6b) and 7 (7f, 7d, 7e), then the issuer identity (6d with
    the entry's registrant)."""
    genesis_hash, _ = check_anchor(s, pinned)
    check_entry(s, s["proof_id"])
    e, m = s["entry"], s["member"]
    st = e["status"]
    if m is not None:
        if m["index"] >= e["count"]:
            raise Invalid("7 batch inclusion", f"the registration has no member {m['index']}")
        st = effective(st, member_own_status(m, s["header"]["state_root"], s["proof_id"]))
    issuer = {"attestation": check_issuer(s["issuer"], e["registrant"], s["header"]["state_root"])}
    return {"genesis_hash": genesis_hash, "status": st, "issuer": issuer}


def status_now(b, v, s, sv):
    """Step 9 (9a-9d): the same chain, registration and member, and not older than the bundle."""
    rec = b["record"]
    if v["genesis_hash"] != sv["genesis_hash"]:
        raise Invalid("9 status", "the status proof is for another chain")
    if s["proof_id"] != rec["proof_id"] or s["entry"]["record_hash"] != H(canonical(b"VELLUM:EVIDENCE-RECORD:", rec["bytes"])):
        raise Invalid("9 status", "the status proof is for another registration")
    if (s["member"] or {}).get("index") != (b["member"] or {}).get("index"):
        raise Invalid("9 status", "the status proof is for another document of the batch")
    if s["header"]["height"] < b["header"]["height"]:
        raise Invalid("9 status", "the status proof is older than the bundle")


# --- witnesses (§4 step 10, §7a, §10) -------------------------------------------------------

DASH = "\u2014"


def parse_note(note):
    """A checkpoint note: origin, size, base64 root, a blank line, then signature lines
    `— <name> <base64 blob>` (68-byte blobs: validators, key id ‖ signature; 76: witnesses, key
    id ‖ timestamp ‖ signature). It must be canonical: re-encoded (validators' lines first,
    then the cosignatures), exactly the note. Raises ValueError."""
    text, blank, lines = note.partition("\n\n")
    head = text.split("\n")
    if not blank or len(head) != 3 or not head[0] or not head[1].isascii() or not head[1].isdigit() or int(head[1]) >= 1 << 64:
        raise ValueError("not a checkpoint note (origin, size, root, a blank line)")
    root = base64.b64decode(head[2].encode("ascii"), validate=True)
    if len(root) != 32:
        raise ValueError("the root is not 32 bytes")
    cp = {"origin": head[0], "size": int(head[1]), "root": root, "text": text + "\n", "signatures": [], "cosignatures": []}
    for line in filter(None, lines.split("\n")):
        name, space, blob = line[2:].partition(" ") if line.startswith(DASH + " ") else ("", "", "")
        blob = base64.b64decode(blob.encode("ascii"), validate=True) if space else b""
        if len(blob) == 68:
            cp["signatures"].append((name, blob))
        elif len(blob) == 76:
            cp["cosignatures"].append((name, blob[:4], int.from_bytes(blob[4:12], "big"), blob[12:], blob))
        else:
            raise ValueError("a malformed signature line")
    b64 = lambda b: base64.b64encode(b).decode("ascii")
    again = cp["text"] + "\n" + "".join(f"{DASH} {n} {b64(blob)}\n" for n, blob in cp["signatures"]) \
        + "".join(f"{DASH} {c[0]} {b64(c[4])}\n" for c in cp["cosignatures"])
    if again != note:
        raise ValueError("the note is not in its canonical form")
    return cp


def read_policy(path):
    """`witness <name> <64 hex key> [url]` lines and `quorum <k>` (default: all of them)."""
    witnesses, quorum = [], None
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for line in text.splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        if parts[0] == "witness" and len(parts) in (3, 4) and len(parts[2]) == 64:
            witnesses.append((parts[1], bytes.fromhex(parts[2])))
        elif parts[0] == "quorum" and len(parts) == 2 and parts[1].isdigit():
            quorum = int(parts[1])
        else:
            raise ValueError(f"{path}: expected `witness <name> <hex key> [url]` or `quorum <k>`: {line!r}")
    quorum = len(witnesses) if quorum is None else quorum
    if not witnesses or not 1 <= quorum <= len(witnesses):
        raise ValueError(f"{path}: a policy names 1 or more witnesses and a quorum of 1..=their number")
    return witnesses, quorum


def cosigned_by(key, sig, message):
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(sig, message)
    except Exception:
        return False
    return True


def check_witnessed(b, policy):
    """Step 10: the cosigned checkpoint is this chain's log, covers the record and is
    consistent with the header's log (10a-10c); under a policy, enough of its witnesses
    cosigned it (10d). Returns (checkpoint, valid policy cosignatures or None)."""
    w, hd = b["witnessed"], b["header"]
    if w is None:
        if policy:
            raise Invalid("10 witnesses", "a witness policy needs a bundle that carries a cosigned checkpoint (version 4)")
        return None, None
    if len(w["note"].encode()) > 8192 or len(w["consistency"]) > 64:
        raise Invalid("10 witnesses", "the cosigned note or its consistency proof is too long")
    try:
        cp = parse_note(w["note"])
    except (ValueError, binascii.Error) as err:
        raise Invalid("10 witnesses", f"the cosigned note: {err}")
    names = [c[0] for c in cp["cosignatures"]]
    if cp["origin"] != b["chain_id"] or not names or len(set(names)) != len(names):
        raise Invalid("10 witnesses", "not this chain's checkpoint, or no cosignature, or a witness twice")
    if cp["size"] < b["entry"]["leaf_index"] + 1:
        raise Invalid("10 witnesses", "the witnessed log does not reach the record")
    small, large = sorted([(cp["size"], cp["root"]), (hd["log_size"], hd["log_root"])])
    if not verify_consistency(small[0], large[0], small[1], large[1], w["consistency"]):
        raise Invalid("10 witnesses", "the witnessed log is not consistent with the header's")
    if not policy:
        return cp, None
    if Ed25519PublicKey is None:
        raise Invalid("10 witnesses", "checking a witness policy needs the `cryptography` package")
    keys, quorum = policy
    valid = set()
    for name, key_id, timestamp, sig, _ in cp["cosignatures"]:
        # The first policy key of this name and key id: SHA-256(name ‖ "\n" ‖ 0x04 ‖ key)[:4].
        key = next((k for n, k in keys if n == name and H(n.encode() + b"\n\x04" + k)[:4] == key_id), None)
        if key is not None and cosigned_by(key, sig, f"cosignature/v1\ntime {timestamp}\n{cp['text']}".encode()):
            valid.add(name)
    if len(valid) < quorum:
        raise Invalid("10 witnesses", f"only {len(valid)} valid cosignatures from the policy's witnesses; {quorum} needed")
    return cp, len(valid)


def describe(st):
    if st[0] == "live":
        return "live"
    what = f"by {st[1].hex()}" if st[0] == "superseded" else f"reason {st[1]}"
    return f"{st[0]} since height {st[3]} ({what})"


def issuer_line(issuer, registrant):
    """Who registered it: the attested identity, "no attested identity", or nothing carried."""
    if issuer is None:
        return f"Registered by account {registrant.hex()} — this file carries no issuer identity (older format)"
    a = issuer["attestation"]
    if a is None:
        return f"Registered by account {registrant.hex()} — no attested identity"
    line = f"Registered by {a['name']} ({a['domain']}), attested by {a['attested_by'].hex()} at height {a['height']}"
    if a["revoked"]:
        line += f" — attestation REVOKED at height {a['revoked']['height']} (reason: {a['revoked']['reason']})"
    return line


def epochs_line(length):
    """What step 3g checked."""
    if length is None:
        return "epochs not checked (a layout-1 genesis states no epoch length)"
    if length == (1 << 64) - 1:
        return "epochs checked (one epoch: no epoch length committed)"
    return f"epochs checked against the committed length of {length} blocks"


def main():
    args = sys.argv[1:]
    status_file = policy_file = None
    if "--status" in args:
        i = args.index("--status")
        status_file = args[i + 1]
        del args[i:i + 2]
    if "--witnesses" in args:
        i = args.index("--witnesses")
        policy_file = args[i + 1]
        del args[i:i + 2]
    try:
        policy = read_policy(policy_file) if policy_file else None
    except (OSError, ValueError) as e:
        sys.exit(f"error: the witness policy: {e}")
    data = open(args[0], "rb").read()
    document = open(args[1], "rb").read() if len(args) > 1 and args[1] else None
    pinned = bytes.fromhex(args[2]) if len(args) > 2 else None
    try:
        try:
            b = parse(data)
            s = parse_status(open(status_file, "rb").read()) if status_file else None
        except ValueError as e:
            raise Invalid("1 decode", e)
        v = verify_bundle(b, document, pinned)
        if s is not None:
            # Pinned to the bundle's genesis at least: another chain's status fails at step 2.
            sv = verify_status(s, pinned or v["genesis_hash"])
            status_now(b, v, s, sv)
        cp, cosigned = check_witnessed(b, policy)
    except Invalid as e:
        print(f"INVALID at {e.step}: {e.why}")
        sys.exit(1)
    rec = b["record"]
    print(f"VALID: chain {b['chain_id']}, registered at height {rec['height']} (time {rec['time_ms']} ms), "
          f"status {describe(v['status'])} as of height {b['header']['height']}, "
          f"{len(b['cert']['signers'])}/{v['validators']} signatures {SIGS}, {len(b['chain'])} validator-set change(s) followed, "
          f"{epochs_line(b['epoch_length'])}, document {'matched' if document else 'not checked'}")
    print(f"ISSUER: {issuer_line(v['issuer'], rec['registrant'])}")
    if cp is not None:
        seen = f"{cosigned} of the policy's witnesses cosigned it" if policy else \
            f"{len(cp['cosignatures'])} cosignature(s) NOT checked (give --witnesses POLICY)"
        print(f"WITNESSED: the log at size {cp['size']}; {seen}")
    live = v["status"][0] == "live"
    if s is not None:
        print(f"STATUS NOW: {describe(sv['status'])} as of height {s['header']['height']}")
        print(f"ISSUER NOW: {issuer_line(sv['issuer'], s['entry']['registrant'])}")
        live = sv["status"][0] == "live"
    sys.exit(0 if live else 2)


if __name__ == "__main__":
    main()
