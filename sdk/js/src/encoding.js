// Borsh, strictly: fixed-width little-endian integers, u32-length-prefixed strings and vectors,
// 0/1 option and bool tags, u8 enum variant indices, and no trailing bytes — so each value has
// exactly one encoding (docs/wire-format.md §1, crates/types/src/encoding.rs).
//
// A *schema* describes one Rust type and converts between three forms of a value:
// - the model (what SDK functions take and return): u8/u16/u32 → number, u64/u128 → bigint,
//   fixed byte arrays and Vec<u8> → Uint8Array, Option → null or the value, enums → an object
//   tagged with the variant's snake_case name (`{ type: "transfer", … }`);
// - borsh bytes (`write` / `read`);
// - the JSON form of docs/wire-format.md (`toJson` / `fromJson`): hex for bytes, decimal
//   strings for u128, numbers for the other integers.

import { DecodeError, EncodeError } from "./errors.js";
import { fromHex, fromUtf8, isBytes, toHex, utf8 } from "./bytes.js";

/** Version byte of every canonical and wire encoding. */
export const ENCODING_VERSION = 1;

export class Writer {
  constructor() {
    this.buf = new Uint8Array(256);
    this.len = 0;
  }
  room(n) {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  bytes(b) {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  u8(v) {
    this.room(1);
    this.buf[this.len++] = v;
  }
  uint(v, size) {
    this.room(size);
    let x = BigInt(v);
    for (let i = 0; i < size; i++) {
      this.buf[this.len++] = Number(x & 0xffn);
      x >>= 8n;
    }
  }
  finish() {
    return this.buf.slice(0, this.len);
  }
}

export class Reader {
  constructor(bytes) {
    this.d = bytes;
    this.p = 0;
  }
  get remaining() {
    return this.d.length - this.p;
  }
  take(n) {
    if (n > this.remaining) throw new DecodeError("malformed", `truncated: needs ${n} more bytes at offset ${this.p}, ${this.remaining} left`);
    const out = this.d.subarray(this.p, this.p + n);
    this.p += n;
    return out;
  }
  u8() {
    return this.take(1)[0];
  }
  uint(size) {
    const b = this.take(size);
    let x = 0n;
    for (let i = size - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]);
    return x;
  }
  /** Fails unless every byte was read. */
  end() {
    if (this.remaining !== 0) throw new DecodeError("malformed", `${this.remaining} trailing bytes after the value`);
  }
}

const fail = (path, message) => {
  throw new EncodeError(path, message);
};

function integer(bits, asBigint) {
  const max = (1n << BigInt(bits)) - 1n;
  const size = bits / 8;
  const check = (v, path) => {
    if (typeof v === "number" && Number.isInteger(v)) v = BigInt(v);
    if (typeof v !== "bigint" || v < 0n || v > max) fail(path, `expected an integer in 0..=${max}, got ${String(v)}`);
    return v;
  };
  return {
    name: `u${bits}`,
    minSize: size,
    write: (w, v, path) => w.uint(check(v, path), size),
    read: (r) => (asBigint ? r.uint(size) : Number(r.uint(size))),
    toJson: (v) => (bits === 128 ? BigInt(v).toString() : Number.isSafeInteger(Number(v)) ? Number(v) : BigInt(v)),
    fromJson(j, path) {
      if (bits === 128) {
        if (typeof j !== "string" || !/^(0|[1-9][0-9]*)$/.test(j)) fail(path, "expected a decimal string (u128 travels as text in JSON)");
        return check(BigInt(j), path);
      }
      if (typeof j !== "number" && typeof j !== "bigint") fail(path, `expected a JSON number (${bits}-bit unsigned)`);
      const v = check(j, path);
      return asBigint ? v : Number(v);
    },
  };
}

/** Largest u64 (2^64 − 1). */
export const U64_MAX = (1n << 64n) - 1n;

/**
 * A u64 argument as a bigint: a bigint, a number that is a safe integer (≤ 2^53 − 1), or a
 * string of decimal digits. A larger number is refused (EncodeError at `path`): above 2^53 a
 * JavaScript number may already have lost precision, so the value must come as a bigint or text.
 */
export function asU64(v, path) {
  let x = null;
  if (typeof v === "bigint") x = v;
  else if (typeof v === "number" && Number.isInteger(v)) {
    if (!Number.isSafeInteger(v)) fail(path, `${v} is beyond 2^53 − 1, where a JavaScript number loses precision: pass a bigint (e.g. ${BigInt(v)}n) or a decimal string`);
    x = BigInt(v);
  } else if (typeof v === "string" && /^(0|[1-9][0-9]*)$/.test(v)) x = BigInt(v);
  if (x === null || x < 0n || x > U64_MAX) fail(path, `expected an integer in 0..=${U64_MAX} (a bigint, a safe-integer number or decimal digits), got ${typeof v === "string" ? JSON.stringify(v.slice(0, 40)) : String(v)}`);
  return x;
}

export const u8 = integer(8, false);
export const u16 = integer(16, false);
export const u32 = integer(32, false);
export const u64 = integer(64, true);
export const u128 = integer(128, true);

export const bool = {
  name: "bool",
  minSize: 1,
  write(w, v, path) {
    if (typeof v !== "boolean") fail(path, "expected true or false");
    w.u8(v ? 1 : 0);
  },
  read(r) {
    const t = r.u8();
    if (t > 1) throw new DecodeError("malformed", `bool byte ${t} (only 0 or 1)`);
    return t === 1;
  },
  toJson: (v) => v,
  fromJson(j, path) {
    if (typeof j !== "boolean") fail(path, "expected true or false");
    return j;
  },
};

export const string = {
  name: "string",
  minSize: 4,
  write(w, v, path) {
    if (typeof v !== "string") fail(path, "expected a string");
    const b = utf8(v);
    w.uint(b.length, 4);
    w.bytes(b);
  },
  read(r) {
    const n = Number(r.uint(4));
    try {
      return fromUtf8(r.take(n));
    } catch (e) {
      if (e instanceof DecodeError) throw e;
      throw new DecodeError("malformed", "string is not valid UTF-8");
    }
  },
  toJson: (v) => v,
  fromJson(j, path) {
    if (typeof j !== "string") fail(path, "expected a string");
    return j;
  },
};

/** Coerces a Uint8Array (or hex text) of exactly `n` bytes. */
export function asBytes(v, n, path) {
  if (typeof v === "string") return fromHex(v, n, path);
  if (!isBytes(v)) fail(path, `expected ${n === null ? "" : `${n} `}bytes`);
  if (n !== null && v.length !== n) fail(path, `expected ${n} bytes, got ${v.length}`);
  return v;
}

/** `[u8; n]`: n raw bytes. */
export function bytes(n) {
  return {
    name: `[u8; ${n}]`,
    minSize: n,
    write: (w, v, path) => w.bytes(asBytes(v, n, path)),
    read: (r) => r.take(n).slice(),
    toJson: (v) => toHex(v),
    fromJson: (j, path) => {
      if (typeof j !== "string") fail(path, `expected ${2 * n} hex digits`);
      return fromHex(j, n, path);
    },
  };
}

/** `Vec<u8>`: u32 length ‖ bytes; hex in JSON. */
export const vecU8 = {
  name: "Vec<u8>",
  minSize: 4,
  write(w, v, path) {
    const b = asBytes(v, null, path);
    w.uint(b.length, 4);
    w.bytes(b);
  },
  read: (r) => r.take(Number(r.uint(4))).slice(),
  toJson: (v) => toHex(v),
  fromJson: (j, path) => {
    if (typeof j !== "string") fail(path, "expected hex");
    return fromHex(j, null, path);
  },
};

export function option(inner) {
  return {
    name: `Option<${inner.name}>`,
    minSize: 1,
    write(w, v, path) {
      if (v === null || v === undefined) return w.u8(0);
      w.u8(1);
      inner.write(w, v, path);
    },
    read(r) {
      const t = r.u8();
      if (t > 1) throw new DecodeError("malformed", `option tag ${t} (only 0 or 1)`);
      return t === 1 ? inner.read(r) : null;
    },
    toJson: (v) => (v === null || v === undefined ? null : inner.toJson(v)),
    fromJson: (j, path) => (j === null || j === undefined ? null : inner.fromJson(j, path)),
  };
}

export function vec(item) {
  return {
    name: `Vec<${item.name}>`,
    minSize: 4,
    write(w, v, path) {
      if (!Array.isArray(v)) fail(path, "expected an array");
      w.uint(v.length, 4);
      v.forEach((x, i) => item.write(w, x, `${path}[${i}]`));
    },
    read(r) {
      const n = Number(r.uint(4));
      // A length the remaining bytes cannot hold is refused before anything is allocated.
      if (n * Math.max(1, item.minSize) > r.remaining) {
        throw new DecodeError("malformed", `vector of ${n} items does not fit in the ${r.remaining} bytes left`);
      }
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = item.read(r);
      return out;
    },
    toJson: (v) => v.map((x) => item.toJson(x)),
    fromJson(j, path) {
      if (!Array.isArray(j)) fail(path, "expected an array");
      return j.map((x, i) => item.fromJson(x, `${path}[${i}]`));
    },
  };
}

/** A Rust tuple: its items in order; an array in the model and in JSON. */
export function tuple(items) {
  return {
    name: `(${items.map((t) => t.name).join(", ")})`,
    minSize: items.reduce((n, t) => n + t.minSize, 0),
    write(w, v, path) {
      if (!Array.isArray(v) || v.length !== items.length) fail(path, `expected an array of ${items.length}`);
      items.forEach((t, i) => t.write(w, v[i], `${path}[${i}]`));
    },
    read: (r) => items.map((t) => t.read(r)),
    toJson: (v) => items.map((t, i) => t.toJson(v[i])),
    fromJson(j, path) {
      if (!Array.isArray(j) || j.length !== items.length) fail(path, `expected an array of ${items.length}`);
      return items.map((t, i) => t.fromJson(j[i], `${path}[${i}]`));
    },
  };
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v) && !isBytes(v);

/** Fields in declaration order: `[[name, schema], …]`. */
function fieldsCodec(fields) {
  const names = new Set(fields.map(([n]) => n));
  return {
    minSize: fields.reduce((n, [, t]) => n + t.minSize, 0),
    write(w, v, path) {
      for (const [name, t] of fields) {
        if (!(name in v) && !t.name.startsWith("Option<")) fail(`${path}.${name}`, "missing");
        t.write(w, v[name], `${path}.${name}`);
      }
    },
    read(r, out) {
      for (const [name, t] of fields) out[name] = t.read(r);
      return out;
    },
    toJson(v, out) {
      for (const [name, t] of fields) out[name] = t.toJson(v[name]);
      return out;
    },
    fromJson(j, path, out, tagKey = null) {
      for (const k of Object.keys(j)) {
        if (k !== tagKey && !names.has(k)) fail(`${path}.${k}`, "unknown field");
      }
      for (const [name, t] of fields) {
        if (!(name in j) && !t.name.startsWith("Option<")) fail(`${path}.${name}`, "missing");
        out[name] = t.fromJson(j[name], `${path}.${name}`);
      }
      return out;
    },
  };
}

export function struct(name, fields) {
  const f = fieldsCodec(fields);
  return {
    name,
    fields,
    minSize: f.minSize,
    write(w, v, path = name) {
      if (!isObject(v)) fail(path, `expected a ${name} object`);
      f.write(w, v, path);
    },
    read: (r) => f.read(r, {}),
    toJson: (v) => f.toJson(v, {}),
    fromJson(j, path = name) {
      if (!isObject(j)) fail(path, `expected a ${name} object`);
      return f.fromJson(j, path, {});
    },
  };
}

/**
 * An enum with data: `variants` is `[[snake_case name, fields | null], …]` in declaration
 * order (the index is the borsh variant byte); the model and JSON carry the name under
 * `tagKey`, the fields beside it.
 */
export function enumOf(name, tagKey, variants) {
  const byName = new Map(variants.map(([n, fields], i) => [n, { index: i, codec: fieldsCodec(fields || []) }]));
  const variant = (v, path) => {
    if (!isObject(v)) fail(path, `expected a ${name} object with "${tagKey}"`);
    const found = byName.get(v[tagKey]);
    if (!found) fail(`${path}.${tagKey}`, `unknown ${name} "${v[tagKey]}" (one of ${[...byName.keys()].join(", ")})`);
    return found;
  };
  return {
    name,
    tagKey,
    variants,
    minSize: 1 + Math.min(...[...byName.values()].map((x) => x.codec.minSize)),
    index: (v) => variant(v, name).index,
    write(w, v, path = name) {
      const { index, codec } = variant(v, path);
      w.u8(index);
      codec.write(w, v, path);
    },
    read(r) {
      const index = r.u8();
      if (index >= variants.length) throw new DecodeError("malformed", `${name} variant index ${index} (this SDK knows 0..=${variants.length - 1})`);
      return byName.get(variants[index][0]).codec.read(r, { [tagKey]: variants[index][0] });
    },
    toJson(v) {
      const { codec } = variant(v, name);
      return codec.toJson(v, { [tagKey]: v[tagKey] });
    },
    fromJson(j, path = name) {
      const { codec } = variant(j, path);
      return codec.fromJson(j, path, { [tagKey]: j[tagKey] }, tagKey);
    },
  };
}

/** An enum without data (`Role`, `AccountStatus`…): its snake_case name in the model and JSON. */
export function unitEnum(name, names) {
  const check = (v, path) => {
    const i = names.indexOf(v);
    if (i < 0) fail(path, `unknown ${name} "${v}" (one of ${names.join(", ")})`);
    return i;
  };
  return {
    name,
    names,
    minSize: 1,
    write: (w, v, path = name) => w.u8(check(v, path)),
    read(r) {
      const i = r.u8();
      if (i >= names.length) throw new DecodeError("malformed", `${name} variant index ${i} (this SDK knows 0..=${names.length - 1})`);
      return names[i];
    },
    toJson: (v) => v,
    fromJson(j, path = name) {
      check(j, path);
      return j;
    },
  };
}

/** borsh(value). */
export function encode(schema, value) {
  const w = new Writer();
  schema.write(w, value, schema.name);
  return w.finish();
}

/** The value of exactly these bytes (trailing bytes are refused). */
export function decode(schema, bytes) {
  const r = new Reader(bytes);
  const v = schema.read(r);
  r.end();
  return v;
}

/** `tag ‖ 0x01 ‖ borsh(value)`: the bytes that get hashed or signed. */
export function canonical(tag, schema, value) {
  const w = new Writer();
  w.bytes(utf8(tag));
  w.u8(ENCODING_VERSION);
  schema.write(w, value, schema.name);
  return w.finish();
}

/** `0x01 ‖ borsh(value)`: the bytes that travel on the wire. */
export function toWire(schema, value) {
  const w = new Writer();
  w.u8(ENCODING_VERSION);
  schema.write(w, value, schema.name);
  return w.finish();
}

/** Inverse of `toWire`: refuses oversize input, an unknown version and trailing bytes. */
export function fromWire(schema, bytes, bytesMax) {
  if (bytes.length > bytesMax) throw new DecodeError("too_large", `input is ${bytes.length} bytes, more than the ${bytesMax} allowed`);
  if (bytes.length === 0) throw new DecodeError("empty", "input is empty");
  if (bytes[0] !== ENCODING_VERSION) throw new DecodeError("unknown_version", `unknown encoding version ${bytes[0]} (this SDK knows ${ENCODING_VERSION})`);
  return decode(schema, bytes.subarray(1));
}
