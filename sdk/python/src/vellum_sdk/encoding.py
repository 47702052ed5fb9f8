"""Canonical bytes: ``tag ‖ 0x01 ‖ borsh(value)`` (hashed or signed) and ``0x01 ‖ borsh(value)``
(on the wire), see docs/wire-format.md and docs/evidence-format.md §1.

Values are described by codecs. A codec turns a value's *JSON form* (the form of the test
vectors and transaction files: 32-byte values as lowercase hex, u128 as decimal strings, public
keys as ``scheme:hex``, enums as tagged objects or snake_case strings) into borsh and back.
Decoding is strict, as in Rust: trailing bytes, a variant index or bool/option tag out of
range, invalid UTF-8 and lengths past the end of the input are :class:`Malformed` errors, so
every value has exactly one encoding and re-encoding a decoded value gives the same bytes.
"""

from __future__ import annotations

import hashlib
import struct
from typing import Any, Callable, Sequence

from .errors import EmptyInput, FormatError, Malformed, TooLarge, UnknownVersion

#: Version byte of every canonical encoding.
ENCODING_VERSION = 1


class Domain:
    """Domain tags (``VELLUM:<NAME>:``, prefix-free). Changing one changes every signature or
    hash made with it."""

    TX_SIGN = b"VELLUM:TX-SIGN:"
    TX_ID = b"VELLUM:TX-ID:"
    TX_LEAF = b"VELLUM:TX-LEAF:"
    BLOCK_HEADER = b"VELLUM:BLOCK-HEADER:"
    BLOCK_TXS = b"VELLUM:BLOCK-TXS:"
    ACCOUNT_ID = b"VELLUM:ACCOUNT-ID:"
    VALIDATOR_SET = b"VELLUM:VALIDATOR-SET:"
    GENESIS = b"VELLUM:GENESIS:"
    STATE_KEY = b"VELLUM:STATE-KEY:"
    STATE_VALUE = b"VELLUM:STATE-VALUE:"
    KYC_COMMITMENT = b"VELLUM:KYC-COMMITMENT:"
    PROOF_ID = b"VELLUM:PROOF-ID:"
    EVIDENCE_LEAF = b"VELLUM:EVIDENCE-LEAF:"
    EVIDENCE_RECORD = b"VELLUM:EVIDENCE-RECORD:"
    SALTED_DIGEST = b"VELLUM:SALTED-DIGEST:"
    GENESIS_DETAILS = b"VELLUM:GENESIS-DETAILS:"
    REQUEST = b"VELLUM:REQUEST:"
    ORIGINAL = b"VELLUM:ORIGINAL:"
    PAYMENT_RECORD = b"VELLUM:PAYMENT-RECORD:"
    GENESIS_DETAILS_EPOCHS = b"VELLUM:GENESIS-DETAILS-EPOCHS:"
    CONTRACT_ID = b"VELLUM:CONTRACT-ID:"
    CONTRACT_EVENT = b"VELLUM:CONTRACT-EVENT:"
    INVOICE_ID = b"VELLUM:INVOICE-ID:"
    INVOICE_RECORD = b"VELLUM:INVOICE-RECORD:"
    SCREENING = b"VELLUM:SCREENING:"


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# --- raw borsh ------------------------------------------------------------------------------


class Writer:
    """Appends borsh primitives to a buffer."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def raw(self, b: bytes) -> None:
        self.buf += b

    def uint(self, value: int, size: int) -> None:
        self.buf += value.to_bytes(size, "little")

    def bytes(self) -> bytes:
        return bytes(self.buf)


class Reader:
    """Reads borsh primitives; every read past the end is :class:`Malformed`."""

    def __init__(self, data: bytes, pos: int = 0):
        self.data = bytes(data)
        self.pos = pos

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def take(self, n: int) -> bytes:
        if n > self.remaining():
            raise Malformed(f"unexpected end of input: needed {n} bytes at offset {self.pos}, {self.remaining()} left")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def uint(self, size: int) -> int:
        return int.from_bytes(self.take(size), "little")

    def tag(self, limit: int, what: str) -> int:
        """A one-byte tag that must be below ``limit`` (variant index, bool, option)."""
        at = self.pos
        value = self.take(1)[0]
        if value >= limit:
            raise Malformed(f"invalid {what} {value} at offset {at}")
        return value

    def finish(self) -> None:
        if self.remaining():
            raise Malformed(f"{self.remaining()} trailing bytes after the value")


# --- codecs ---------------------------------------------------------------------------------


def _path(path: str, child: str | int) -> str:
    return f"{path}[{child}]" if isinstance(child, int) else (f"{path}.{child}" if path else child)


class Codec:
    """Borsh encoding of one type, from and to its JSON form."""

    #: Fewest bytes an encoded value takes (bounds untrusted vector lengths before reading).
    min_size = 1

    def encode(self, w: Writer, value: Any, path: str) -> None:
        raise NotImplementedError

    def decode(self, r: Reader) -> Any:
        raise NotImplementedError


class UInt(Codec):
    def __init__(self, size: int, as_text: bool = False):
        self.size = size
        self.min_size = size
        # u128 travels as a decimal string in JSON (JavaScript numbers lose precision).
        self.as_text = as_text

    def encode(self, w: Writer, value: Any, path: str) -> None:
        w.uint(self.parse(value, path), self.size)

    def parse(self, value: Any, path: str) -> int:
        bits = self.size * 8
        if self.as_text:
            if not isinstance(value, str) or not value.isascii() or not value.isdigit():
                raise FormatError(f"expected a u{bits} as a decimal string, got {value!r}", path)
            value = int(value)
        elif isinstance(value, bool) or not isinstance(value, int):
            raise FormatError(f"expected a u{bits} number, got {value!r}", path)
        if not 0 <= value < 1 << bits:
            raise FormatError(f"{value} is out of range for u{bits}", path)
        return value

    def decode(self, r: Reader) -> Any:
        value = r.uint(self.size)
        return str(value) if self.as_text else value


class Bool(Codec):
    def encode(self, w: Writer, value: Any, path: str) -> None:
        if not isinstance(value, bool):
            raise FormatError(f"expected true or false, got {value!r}", path)
        w.uint(int(value), 1)

    def decode(self, r: Reader) -> Any:
        return r.tag(2, "bool") == 1


class Str(Codec):
    """``u32 length ‖ UTF-8``."""

    min_size = 4

    def encode(self, w: Writer, value: Any, path: str) -> None:
        if not isinstance(value, str):
            raise FormatError(f"expected a string, got {value!r}", path)
        data = value.encode("utf-8")
        w.uint(len(data), 4)
        w.raw(data)

    def decode(self, r: Reader) -> Any:
        data = r.take(r.uint(4))
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise Malformed(f"string is not valid UTF-8: {e}") from None


def parse_hex(value: Any, size: int | None, path: str) -> bytes:
    """Hex text (either case, no prefix) of exactly ``size`` bytes when given."""
    if not isinstance(value, str):
        raise FormatError(f"expected hex text, got {value!r}", path)
    try:
        data = bytes.fromhex(value)
    except ValueError:
        raise FormatError(f"not hex: {value[:80]!r}", path) from None
    if len(data) * 2 != len(value):
        raise FormatError("hex must have no spaces", path)
    if size is not None and len(data) != size:
        raise FormatError(f"expected {size} bytes ({2 * size} hex characters), got {len(data)}", path)
    return data


class FixedBytes(Codec):
    """``[u8; N]``: N raw bytes; JSON: lowercase hex."""

    def __init__(self, size: int):
        self.size = size
        self.min_size = size

    def encode(self, w: Writer, value: Any, path: str) -> None:
        w.raw(parse_hex(value, self.size, path))

    def decode(self, r: Reader) -> Any:
        return r.take(self.size).hex()


class VarBytes(Codec):
    """``Vec<u8>``: u32 length ‖ bytes; JSON: lowercase hex."""

    min_size = 4

    def encode(self, w: Writer, value: Any, path: str) -> None:
        data = parse_hex(value, None, path)
        w.uint(len(data), 4)
        w.raw(data)

    def decode(self, r: Reader) -> Any:
        return r.take(r.uint(4)).hex()


class Vec(Codec):
    """``Vec<T>``: u32 count ‖ items; JSON: a list."""

    min_size = 4

    def __init__(self, item: Codec):
        self.item = item

    def encode(self, w: Writer, value: Any, path: str) -> None:
        if not isinstance(value, (list, tuple)):
            raise FormatError(f"expected a list, got {value!r}", path)
        w.uint(len(value), 4)
        for i, v in enumerate(value):
            self.item.encode(w, v, _path(path, i))

    def decode(self, r: Reader) -> Any:
        at = r.pos
        count = r.uint(4)
        # A hostile count cannot make us loop past what the input could hold.
        if count * max(1, self.item.min_size) > r.remaining():
            raise Malformed(f"list at offset {at} claims {count} items, more than the input holds")
        return [self.item.decode(r) for _ in range(count)]


class Option(Codec):
    """``Option<T>``: 0x00, or 0x01 ‖ T; JSON: null or the value."""

    def __init__(self, item: Codec):
        self.item = item

    def encode(self, w: Writer, value: Any, path: str) -> None:
        if value is None:
            w.uint(0, 1)
        else:
            w.uint(1, 1)
            self.item.encode(w, value, path)

    def decode(self, r: Reader) -> Any:
        return self.item.decode(r) if r.tag(2, "option tag") else None


class Tuple(Codec):
    """A tuple: its items in order; JSON: a list."""

    def __init__(self, *items: Codec):
        self.items = items
        self.min_size = sum(i.min_size for i in items)

    def encode(self, w: Writer, value: Any, path: str) -> None:
        if not isinstance(value, (list, tuple)) or len(value) != len(self.items):
            raise FormatError(f"expected a list of {len(self.items)} items, got {value!r}", path)
        for i, (codec, v) in enumerate(zip(self.items, value)):
            codec.encode(w, v, _path(path, i))

    def decode(self, r: Reader) -> Any:
        return [c.decode(r) for c in self.items]


Fields = Sequence[tuple[str, Codec]]


def _encode_fields(w: Writer, fields: Fields, value: Any, path: str, skip: str | None = None) -> None:
    """A struct's fields in declaration order from a JSON object; unknown keys are refused (a
    typo would otherwise be silently dropped), a missing optional field is null (as serde)."""
    if not isinstance(value, dict):
        raise FormatError(f"expected an object, got {value!r}", path)
    names = {n for n, _ in fields}
    unknown = [k for k in value if k not in names and k != skip]
    if unknown:
        raise FormatError(f"unknown field(s) {', '.join(sorted(unknown))}", path)
    for name, codec in fields:
        if name not in value and not isinstance(codec, Option):
            raise FormatError("missing field", _path(path, name))
        codec.encode(w, value.get(name), _path(path, name))


class Struct(Codec):
    """A struct: its fields in order; JSON: an object with the Rust field names."""

    def __init__(self, fields: Fields):
        self.fields = list(fields)
        self.min_size = sum(c.min_size for _, c in fields)

    def encode(self, w: Writer, value: Any, path: str) -> None:
        _encode_fields(w, self.fields, value, path)

    def decode(self, r: Reader) -> Any:
        return {name: codec.decode(r) for name, codec in self.fields}


class UnitEnum(Codec):
    """An enum without data (``Role``, ``AccountStatus``...): one byte; JSON: snake_case name."""

    def __init__(self, names: Sequence[str]):
        self.names = list(names)

    def encode(self, w: Writer, value: Any, path: str) -> None:
        if value not in self.names:
            raise FormatError(f"expected one of {', '.join(self.names)}, got {value!r}", path)
        w.uint(self.names.index(value), 1)

    def decode(self, r: Reader) -> Any:
        return self.names[r.tag(len(self.names), "variant index")]


class Enum(Codec):
    """A data-carrying enum: u8 variant index ‖ the variant's fields; JSON: an object whose
    ``tag`` key names the variant (``{"type": "transfer", ...}``) next to its fields."""

    def __init__(self, tag: str, variants: Sequence[tuple[str, Fields | None]]):
        self.tag = tag
        self.variants = [(name, list(fields or [])) for name, fields in variants]
        self.index = {name: i for i, (name, _) in enumerate(self.variants)}

    def variant_index(self, name: str) -> int:
        return self.index[name]

    def encode(self, w: Writer, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise FormatError(f"expected an object with a {self.tag!r} key, got {value!r}", path)
        name = value.get(self.tag)
        if name not in self.index:
            raise FormatError(f"unknown {self.tag} {name!r}", _path(path, self.tag))
        i = self.index[name]
        w.uint(i, 1)
        _encode_fields(w, self.variants[i][1], value, path, skip=self.tag)

    def decode(self, r: Reader) -> Any:
        name, fields = self.variants[r.tag(len(self.variants), "variant index")]
        out: dict[str, Any] = {self.tag: name}
        for field, codec in fields:
            out[field] = codec.decode(r)
        return out


class Mapped(Codec):
    """Another codec whose JSON form is converted on the way in and out (e.g. a public key's
    ``scheme:hex`` text over its enum)."""

    def __init__(self, inner: Codec, to_inner: Callable[[Any, str], Any], from_inner: Callable[[Any], Any]):
        self.inner = inner
        self.to_inner = to_inner
        self.from_inner = from_inner
        self.min_size = inner.min_size

    def encode(self, w: Writer, value: Any, path: str) -> None:
        self.inner.encode(w, self.to_inner(value, path), path)

    def decode(self, r: Reader) -> Any:
        return self.from_inner(self.inner.decode(r))


# --- whole values ---------------------------------------------------------------------------


def borsh(codec: Codec, value: Any, path: str = "") -> bytes:
    """``borsh(value)``."""
    w = Writer()
    codec.encode(w, value, path)
    return w.bytes()


def canonical(tag: bytes, codec: Codec, value: Any) -> bytes:
    """``tag ‖ 0x01 ‖ borsh(value)``: the bytes that get hashed or signed."""
    return tag + bytes([ENCODING_VERSION]) + borsh(codec, value)


def to_wire(codec: Codec, value: Any) -> bytes:
    """``0x01 ‖ borsh(value)``: the bytes that travel."""
    return bytes([ENCODING_VERSION]) + borsh(codec, value)


def from_borsh(codec: Codec, data: bytes) -> Any:
    """Strict inverse of :func:`borsh`: the whole input, nothing left over."""
    r = Reader(data)
    value = codec.decode(r)
    r.finish()
    return value


def from_wire(codec: Codec, data: bytes, bytes_max: int) -> Any:
    """Inverse of :func:`to_wire`: rejects oversize input, unknown versions and trailing bytes."""
    if len(data) > bytes_max:
        raise TooLarge(len(data), bytes_max)
    if not data:
        raise EmptyInput()
    if data[0] != ENCODING_VERSION:
        raise UnknownVersion(data[0])
    return from_borsh(codec, data[1:])


def u64_le(value: int) -> bytes:
    return struct.pack("<Q", value)


def u32_le(value: int) -> bytes:
    return struct.pack("<I", value)
