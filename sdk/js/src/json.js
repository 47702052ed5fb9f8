// JSON without precision loss: Vellum's JSON carries u64 values (nonces, heights) as numbers,
// which `JSON.parse` silently rounds above 2^53. `parseJson` returns such integers as bigint;
// `stringifyJson` writes bigint as plain digits.

import { DecodeError } from "./errors.js";

/** Nesting beyond this is refused (hostile input cannot exhaust the stack). */
const JSON_DEPTH_MAX = 256;

/** Parses JSON text; integers beyond ±(2^53 − 1) come back as bigint, others as number. */
export function parseJson(text) {
  const p = new Parser(text);
  p.ws();
  const value = p.value(0);
  p.ws();
  if (p.i !== text.length) p.fail("unexpected text after the value");
  return value;
}

// Sticky patterns: matched in place, without copying the rest of the text.
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

class Parser {
  constructor(text) {
    this.t = text;
    this.i = 0;
  }
  fail(why) {
    throw new DecodeError("malformed", `JSON at offset ${this.i}: ${why}`);
  }
  ws() {
    while (this.i < this.t.length && " \t\n\r".includes(this.t[this.i])) this.i++;
  }
  eat(ch) {
    if (this.t[this.i] !== ch) this.fail(`expected '${ch}'`);
    this.i++;
  }
  value(depth) {
    if (depth > JSON_DEPTH_MAX) this.fail("nested too deeply");
    const c = this.t[this.i];
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return this.string();
    if (c === "-" || (c >= "0" && c <= "9")) return this.number();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]]) {
      if (this.t.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    return this.fail("expected a value");
  }
  object(depth) {
    this.eat("{");
    const out = {};
    this.ws();
    if (this.t[this.i] === "}") {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      const key = this.string();
      this.ws();
      this.eat(":");
      this.ws();
      Object.defineProperty(out, key, { value: this.value(depth + 1), enumerable: true, writable: true, configurable: true });
      this.ws();
      if (this.t[this.i] === "}") {
        this.i++;
        return out;
      }
      this.eat(",");
    }
  }
  array(depth) {
    this.eat("[");
    const out = [];
    this.ws();
    if (this.t[this.i] === "]") {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value(depth + 1));
      this.ws();
      if (this.t[this.i] === "]") {
        this.i++;
        return out;
      }
      this.eat(",");
    }
  }
  string() {
    STRING.lastIndex = this.i;
    const m = STRING.exec(this.t);
    if (!m) this.fail("bad string");
    this.i += m[0].length;
    return JSON.parse(m[0]);
  }
  number() {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.t);
    if (!m) this.fail("bad number");
    this.i += m[0].length;
    if (m[1] === undefined && m[2] === undefined) {
      const n = Number(m[0]);
      return Number.isSafeInteger(n) ? n : BigInt(m[0]);
    }
    return Number(m[0]);
  }
}

/** `JSON.stringify` that writes bigint as digits (and so round-trips `parseJson`). */
export function stringifyJson(value, indent = 0) {
  // A marker no string of the value contains (random), replaced by the digits afterwards.
  const marker = `bigint-${Math.random().toString(36).slice(2)}:`;
  const text = JSON.stringify(value, (_, v) => (typeof v === "bigint" ? `${marker}${v}` : v), indent);
  return text.replace(new RegExp(`"${marker}(-?[0-9]+)"`, "g"), "$1");
}
