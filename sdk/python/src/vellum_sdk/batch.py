"""The batch frame: the body of ``POST /v1/txs`` (docs/wire-format.md §12.4). borsh's
``Vec<Vec<u8>>`` — ``u32`` LE count *n* (1..=1,024), then per transaction ``u32`` LE length
(at most 16,384) ‖ that transaction's wire bytes, nothing after the last; at most 4 MiB in
all. The frame is transport only, never signed or hashed (a port of
``crates/types/src/batch.rs``).

Decoding is strict: an empty input, a count of 0 or over 1,024, a length over 16,384 or past
the end, bytes after the last transaction and a frame over 4 MiB are refused with a
:class:`~vellum_sdk.errors.DecodeError` saying which. Each transaction's own bytes are not
decoded here (a node decodes them one by one, so one bad transaction never spoils the
others)."""

from __future__ import annotations

from typing import Sequence

from .errors import EmptyInput, InvalidContent, Malformed, TooLarge
from .tx import TX_BYTES_MAX

#: Most transactions one ``POST /v1/txs`` carries (``SUBMIT_BATCH_TXS_MAX``).
SUBMIT_BATCH_TXS_MAX = 1024
#: Largest ``POST /v1/txs`` body, framing included (``SUBMIT_BATCH_BYTES_MAX``, 4 MiB).
SUBMIT_BATCH_BYTES_MAX = 4 * 1024 * 1024
#: Frame bytes before the transactions (the count) and before each one (its length).
_COUNT_BYTES = _LENGTH_BYTES = 4


def frame_size(sizes: Sequence[int]) -> int:
    """The bytes of a frame carrying transactions of these sizes."""
    return _COUNT_BYTES + sum(_LENGTH_BYTES + s for s in sizes)


def encode_batch_frame(wires: Sequence[bytes]) -> bytes:
    """Frames transactions' wire bytes (``Transaction.wire()``), in order, as one batch.
    Refuses (before anything is sent) an empty batch or one of more than 1,024 transactions
    (:class:`InvalidContent`), a transaction over 16,384 bytes (:class:`InvalidContent`,
    naming it) and a frame over 4 MiB (:class:`TooLarge`)."""
    wires = [bytes(w) for w in wires]
    if not wires:
        raise InvalidContent("a batch carries at least one transaction")
    if len(wires) > SUBMIT_BATCH_TXS_MAX:
        raise InvalidContent(f"{len(wires)} transactions in one batch; at most {SUBMIT_BATCH_TXS_MAX}")
    for i, w in enumerate(wires):
        if len(w) > TX_BYTES_MAX:
            raise InvalidContent(f"transaction {i} is {len(w)} bytes; at most {TX_BYTES_MAX}")
    size = frame_size([len(w) for w in wires])
    if size > SUBMIT_BATCH_BYTES_MAX:
        raise TooLarge(size, SUBMIT_BATCH_BYTES_MAX)
    out = bytearray(len(wires).to_bytes(_COUNT_BYTES, "little"))
    for w in wires:
        out += len(w).to_bytes(_LENGTH_BYTES, "little")
        out += w
    return bytes(out)


def decode_batch_frame(data: bytes) -> list[bytes]:
    """The transactions' wire bytes in a batch frame, in order (what a validator reads)."""
    data = bytes(data)
    if len(data) > SUBMIT_BATCH_BYTES_MAX:
        raise TooLarge(len(data), SUBMIT_BATCH_BYTES_MAX)
    if not data:
        raise EmptyInput()
    if len(data) < _COUNT_BYTES:
        raise Malformed("the transaction count is cut short")
    count = int.from_bytes(data[:_COUNT_BYTES], "little")
    if count == 0:
        raise InvalidContent("a batch carries at least one transaction")
    if count > SUBMIT_BATCH_TXS_MAX:
        raise InvalidContent(f"{count} transactions in one batch; at most {SUBMIT_BATCH_TXS_MAX}")
    pos = _COUNT_BYTES
    txs: list[bytes] = []
    for index in range(count):
        if len(data) - pos < _LENGTH_BYTES:
            raise Malformed(f"transaction {index}: length cut short")
        length = int.from_bytes(data[pos : pos + _LENGTH_BYTES], "little")
        pos += _LENGTH_BYTES
        if length > TX_BYTES_MAX:
            raise InvalidContent(f"transaction {index} is {length} bytes; at most {TX_BYTES_MAX}")
        if length > len(data) - pos:
            raise Malformed(f"transaction {index}: {length} bytes announced, {len(data) - pos} left")
        txs.append(data[pos : pos + length])
        pos += length
    if pos != len(data):
        raise Malformed(f"{len(data) - pos} bytes after the last transaction")
    return txs


def split_into_frames(sizes: Sequence[int]) -> list[list[int]]:
    """Positions of transactions of these wire sizes, in order, grouped into the fewest
    consecutive frames of at most 1,024 transactions and 4 MiB each (a transaction of at most
    16,384 bytes always fits)."""
    frames: list[list[int]] = []
    current: list[int] = []
    size = _COUNT_BYTES
    for i, s in enumerate(sizes):
        if current and (len(current) == SUBMIT_BATCH_TXS_MAX or size + _LENGTH_BYTES + s > SUBMIT_BATCH_BYTES_MAX):
            frames.append(current)
            current, size = [], _COUNT_BYTES
        current.append(i)
        size += _LENGTH_BYTES + s
    if current:
        frames.append(current)
    return frames
