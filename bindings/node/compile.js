'use strict';
// A filter's compiled form (scim-expr/src/filter/plan.rs) turned into a JavaScript predicate, so that matching an
// object costs property reads the JIT compiles instead of Node-API calls. It takes the steps of the core's
// evaluator (scim-expr/src/filter/eval.rs) over the reads of the native in-place reader (src/doc.rs): own
// properties only, an exact key before one that differs in ASCII case, `value` of complex values, an element as
// its own `value`. It decides nothing the core has not decided: where a value cannot be compared exactly as the
// core compares it (a string that needs Unicode case folding, a Date, a value JSON has no form for, a proxied
// array), the predicate throws NATIVE and the caller asks the native evaluator, which answers or throws the
// ScimError. A filter JavaScript cannot evaluate exactly at all (integers past 2^53, a non-ASCII string compared
// ignoring case) compiles to NATIVE too. A document handed on is read again from the start, so its getters and
// proxy traps run twice; a plain object has neither.

const { isDate, isProxy } = require('node:util').types;

/** Thrown when the native evaluator has to answer. */
const NATIVE = Symbol('scim-expr: evaluate natively');
const NONE = Symbol('scim-expr: no such member');
/** Deeper plans are left to the native evaluator (the parser's own limit is 64 by default). */
const MAX_DEPTH = 200;

const { hasOwn, keys: ownKeys } = Object;
const { isArray } = Array;

// The JSON type the native reader sees (View in scim-expr/src/node.rs).
const NULL = 0;
const BOOL = 1;
const NUM = 2;
const STR = 3;
const ARR = 4;
const OBJ = 5;

/** The view of `v`; NATIVE where the native reader reads something else or fails (a Date is its ISO string, a
 *  proxied array an object there; undefined, functions, symbols, BigInt, NaN and lone surrogates are errors). */
function kind(v) {
  if (typeof v === 'string') {
    if (v.isWellFormed()) return STR;
  } else if (typeof v === 'object') {
    if (v === null) return NULL;
    if (isArray(v)) {
      if (!isProxy(v)) return ARR;
    } else if (!isDate(v)) {
      return OBJ;
    }
  } else if (typeof v === 'number') {
    if (Number.isFinite(v)) return NUM;
  } else if (typeof v === 'boolean') {
    return BOOL;
  }
  throw NATIVE;
}

/** `a` and `b` (of equal length) are equal ignoring ASCII case. */
function asciiEq(a, b) {
  for (let i = 0; i < a.length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 65 && x <= 90) x += 32;
      if (y >= 65 && y <= 90) y += 32;
      if (x !== y) return false;
    }
  }
  return true;
}

/** The member `name` of an object (Node::get): the own property of that name, else the smallest own enumerable
 *  key equal to it ignoring ASCII case (the one a converted document holds first); NONE for a missing member or
 *  anything but an object. */
function member(v, name) {
  if (typeof v !== 'object' || v === null) return NONE;
  if (isArray(v)) {
    if (isProxy(v)) throw NATIVE;
    return NONE;
  }
  if (hasOwn(v, name)) return v[name];
  const keys = ownKeys(v);
  let found;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k.length === name.length && asciiEq(k, name) && (found === undefined || k < found)) found = k;
  }
  return found === undefined ? NONE : v[found];
}

/** `f` on each element of an array, or on the value itself (each_element). */
function each(n, f, slot) {
  if (kind(n) !== ARR) return f(n, slot);
  for (let i = 0; i < n.length; i++) if (f(n[i], slot)) return true;
  return false;
}

/** `each` for a visitor `f` that reads the view of its value first (and so refuses what `each` would). */
function eachViewing(n, f, slot) {
  if (typeof n !== 'object' || n === null || !isArray(n)) return f(n, slot);
  if (isProxy(n)) throw NATIVE;
  for (let i = 0; i < n.length; i++) if (f(n[i], slot)) return true;
  return false;
}

/** `pr` (eval.rs `present`): non-empty; past a few levels present without being read. */
function present(n, depth) {
  if (depth > 3) return true;
  switch (kind(n)) {
    case NULL:
      return false;
    case STR:
      return n.length > 0;
    case BOOL:
    case NUM:
      return true;
    case ARR:
      for (let i = 0; i < n.length; i++) if (present(n[i], depth + 1)) return true;
      return false;
    default: {
      const keys = ownKeys(n);
      for (let i = 0; i < keys.length; i++) if (present(n[keys[i]], depth + 1)) return true;
      return false;
    }
  }
}

const presentVisit = (v) => present(v, 0);
const assignedVisit = (v) => kind(v) !== NULL;

/** A function `(scope, f, slot)` calling `f` on each value the target reaches (eval.rs `any_value`). */
function reach([container, name, sub], complexValue, viewing) {
  const over = viewing ? eachViewing : each;
  const isValue = name.length === 5 && asciiEq(name, 'value');
  const base =
    container !== null
      ? (scope) => {
          const ext = member(scope, container);
          return ext === NONE ? NONE : member(ext, name);
        }
      : isValue
        ? (scope) => {
            const found = member(scope, name);
            // Inside brackets on simple values, `value` is the element itself (erratum 7122).
            return found === NONE && kind(scope) !== OBJ ? scope : found;
          }
        : (scope) => member(scope, name);
  if (sub !== null) {
    return (scope, f, slot) => {
      const b = base(scope);
      if (b === NONE) return false;
      return each(b, (item) => {
        const s = member(item, sub);
        return s !== NONE && over(s, f, slot);
      }, slot);
    };
  }
  if (complexValue) {
    return (scope, f, slot) => {
      const b = base(scope);
      if (b === NONE) return false;
      return eachViewing(b, (item) => {
        if (kind(item) !== OBJ) return f(item, slot);
        const v = member(item, 'value');
        return v !== NONE && over(v, f, slot);
      }, slot);
    };
  }
  return (scope, f, slot) => {
    const b = base(scope);
    return b !== NONE && over(b, f, slot);
  };
}

/** The order of `op` holding for `c` (negative, zero, positive). */
function holds(op, c) {
  switch (op) {
    case 'eq':
      return c === 0;
    case 'gt':
      return c > 0;
    case 'ge':
      return c >= 0;
    case 'lt':
      return c < 0;
    case 'le':
      return c <= 0;
    default:
      return false;
  }
}

/** Code point order of two strings (JavaScript's `<` orders UTF-16 code units, which differs past U+E000). */
function codePointCmp(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/** The order of `have` against the ASCII lower-case `want`, ignoring case; NATIVE where folding `have` needs more
 *  than ASCII (the core folds full Unicode, and a character such as U+212A folds to ASCII). */
function foldedCmp(have, want) {
  const n = Math.min(have.length, want.length);
  for (let i = 0; i < n; i++) {
    let x = have.charCodeAt(i);
    if (x >= 128) throw NATIVE;
    if (x >= 65 && x <= 90) x += 32;
    const y = want.charCodeAt(i);
    if (x !== y) return x - y;
  }
  // Past the common part every character folds to one or more characters: the longer string is the greater.
  return have.length - want.length;
}

/** Whether `have` starts with the ASCII lower-case `want`, ignoring case. */
function foldedStartsWith(have, want) {
  for (let i = 0; i < want.length; i++) {
    if (i >= have.length) return false;
    let x = have.charCodeAt(i);
    if (x >= 128) throw NATIVE;
    if (x >= 65 && x <= 90) x += 32;
    if (x !== want.charCodeAt(i)) return false;
  }
  return true;
}

function foldedEndsWith(have, want) {
  for (let j = 1; j <= want.length; j++) {
    const i = have.length - j;
    if (i < 0) return false;
    let x = have.charCodeAt(i);
    if (x >= 128) throw NATIVE;
    if (x >= 65 && x <= 90) x += 32;
    if (x !== want.charCodeAt(want.length - j)) return false;
  }
  return true;
}

/** `s` in ASCII lower case; NATIVE when it has other characters (the core folds full Unicode). */
function asciiLower(s) {
  let upper = false;
  for (let i = 0; i < s.length; i++) {
    const x = s.charCodeAt(i);
    if (x >= 128) throw NATIVE;
    if (x >= 65 && x <= 90) upper = true;
  }
  return upper ? s.toLowerCase() : s;
}

function foldedContains(have, want) {
  return asciiLower(have).includes(want);
}

/** How a string compares with the filter's string (eval.rs `compare`, the string arm) for one leaf. */
function stringCompare(op, text, instant, exact, datetime) {
  const lower = text.toLowerCase(); // ASCII: the core's folding
  const ordering = op === 'gt' || op === 'ge' || op === 'lt' || op === 'le';
  let plain;
  switch (op) {
    case 'eq':
      plain = exact ? (have) => have === text : (have) => have === text || foldedCmp(have, lower) === 0;
      break;
    case 'co':
      plain = exact ? (have) => have.includes(text) : (have) => foldedContains(have, lower);
      break;
    case 'sw':
      plain = exact ? (have) => have.startsWith(text) : (have) => foldedStartsWith(have, lower);
      break;
    case 'ew':
      plain = exact ? (have) => have.endsWith(text) : (have) => foldedEndsWith(have, lower);
      break;
    default:
      plain = exact ? (have) => holds(op, codePointCmp(have, text)) : (have) => holds(op, foldedCmp(have, lower));
  }
  if (!datetime || !(op === 'eq' || ordering) || instant === null) return plain;
  return (have) => {
    const at = parseDateTime(have);
    if (at === null) return plain(have);
    return holds(op, at[0] !== instant[0] ? at[0] - instant[0] : at[1] - instant[1]);
  };
}

/** The visitor of one comparison for one leaf: whether a document value satisfies `op` with the filter's value. */
function comparison(op, value, leaf) {
  // `ne` is `not eq` (eval.rs), so the visitor compares with eq.
  const cmp = op === 'ne' ? 'eq' : op;
  if (value === true || value === false) {
    return (v) => kind(v) === BOOL && cmp === 'eq' && v === value;
  }
  const [tag, a, b, c] = value;
  if (tag === 'str') {
    const str = stringCompare(cmp, a, b, (leaf & 1) !== 0, (leaf & 2) !== 0);
    return (v) => {
      switch (kind(v)) {
        case STR:
          return str(v);
        case BOOL:
          return c !== null && cmp === 'eq' && v === c;
        default:
          return false;
      }
    };
  }
  // A number: integers within 2^53 and doubles compare exactly as doubles (compare.rs `Num::compare`).
  const want = number(tag, a);
  if (Number.isNaN(want)) return (v) => (kind(v), false);
  return (v) => kind(v) === NUM && holds(cmp, v === want ? 0 : v > want ? 1 : -1);
}

function number(tag, text) {
  if (tag === 'float') {
    if (text === 'inf') return Infinity;
    if (text === '-inf') return -Infinity;
    if (text === 'nan') return NaN;
    return text;
  }
  // ["int", text] within ±2^53 is exact as a double; anything larger is compared exactly only natively.
  const n = Number(text);
  if (tag !== 'int' || !Number.isSafeInteger(n) || String(n) !== text) throw NATIVE;
  return n;
}

function isAscii(s) {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 128) return false;
  return true;
}

function sameTarget(a, b) {
  if (a[0] !== b[0] || a[1] !== b[1] || a[2] !== b[2] || a[3].length !== b[3].length) return false;
  return a[3].every((leaf, i) => leaf === b[3][i]);
}

/** An `or` of at least three `eq` comparisons of one target with plain strings (the 50-term chain; Entra's and
 *  Okta's `id eq … or id eq …`), as the core groups them (eval.rs): the target is read once and each value it
 *  reaches is looked up in a set of the strings, ASCII-folded where the leaf ignores case. It answers as the
 *  chain of comparisons does, or leaves the document to the native evaluator where one of them would (a value that
 *  needs more than ASCII folding). Null when `e` is no such chain. */
function eqChain(e) {
  if (e.length < 4) return null;
  let target = null;
  const texts = [];
  for (let i = 1; i < e.length; i++) {
    const x = e[i];
    if (x[0] !== 'cmp' || x[2] !== 'eq') return null;
    const value = x[3];
    // Not a string that is also a dateTime instant or a boolean: those compare in more ways than as text.
    if (!Array.isArray(value) || value[0] !== 'str' || value[2] !== null || value[3] !== null) return null;
    if (target === null) target = x[1];
    else if (!sameTarget(target, x[1])) return null;
    texts.push(value[1]);
  }
  const leaves = target[3];
  const exactSet = new Set(texts);
  let foldedSet = null;
  if (!leaves.every((l) => (l & 1) !== 0)) {
    // As the single comparison does: a non-ASCII string compared ignoring case is for the native evaluator.
    if (!texts.every(isAscii)) throw NATIVE;
    foldedSet = new Set(texts.map((t) => t.toLowerCase()));
  }
  const exact = (v) => kind(v) === STR && exactSet.has(v);
  const folded = (v) => kind(v) === STR && (exactSet.has(v) || foldedSet.has(asciiLower(v)));
  const visits = leaves.map((leaf) => ((leaf & 1) !== 0 ? exact : folded));
  const visit = visits.length === 1 ? visits[0] : (v, slot) => (visits[slot] ?? visits[0])(v, slot);
  const walk = reach(target, true, true);
  return (scope, slot) => walk(scope, visit, slot);
}

/** A function `(scope, slot) => boolean` for the expression (eval.rs `eval`). */
function build(e, depth) {
  if (depth > MAX_DEPTH) throw NATIVE;
  switch (e[0]) {
    case 'and': {
      const items = e.slice(1).map((x) => build(x, depth + 1));
      if (items.length === 2) {
        const [p, q] = items;
        return (scope, slot) => p(scope, slot) && q(scope, slot);
      }
      return (scope, slot) => {
        for (let i = 0; i < items.length; i++) if (!items[i](scope, slot)) return false;
        return true;
      };
    }
    case 'or': {
      const chain = eqChain(e);
      if (chain !== null) return chain;
      const items = e.slice(1).map((x) => build(x, depth + 1));
      if (items.length === 2) {
        const [p, q] = items;
        return (scope, slot) => p(scope, slot) || q(scope, slot);
      }
      return (scope, slot) => {
        for (let i = 0; i < items.length; i++) if (items[i](scope, slot)) return true;
        return false;
      };
    }
    case 'not': {
      const inner = build(e[1], depth + 1);
      return (scope, slot) => !inner(scope, slot);
    }
    case 'vp': {
      const walk = reach(e[1], false, false);
      const inner = build(e[2], depth + 1);
      return (scope, slot) => walk(scope, inner, slot);
    }
    case 'pr': {
      const walk = reach(e[1], false, true);
      return (scope, slot) => walk(scope, presentVisit, slot);
    }
    case 'cmp': {
      const [, target, op, value] = e;
      if (value === null) {
        // `eq null`: unassigned; `ne null`: assigned.
        const walk = reach(target, false, true);
        return op === 'ne' ? (scope, slot) => walk(scope, assignedVisit, slot) : (scope, slot) => !walk(scope, assignedVisit, slot);
      }
      const leaves = target[3];
      if (Array.isArray(value) && value[0] === 'str') {
        const exactEverywhere = leaves.every((l) => (l & 1) !== 0);
        if (!exactEverywhere && !isAscii(value[1])) throw NATIVE;
        if (value[2] !== null) {
          const instant = [Number(value[2][0]), value[2][1]];
          if (!Number.isSafeInteger(instant[0]) || String(instant[0]) !== value[2][0]) throw NATIVE;
          value[2] = instant;
        }
      }
      const walk = reach(target, true, true);
      const visits = leaves.map((leaf) => comparison(op, value, leaf));
      const visit =
        visits.length === 1 ? visits[0] : (v, slot) => (visits[slot] ?? visits[0])(v, slot);
      return op === 'ne' ? (scope, slot) => !walk(scope, visit, slot) : (scope, slot) => walk(scope, visit, slot);
    }
    default:
      throw NATIVE;
  }
}

/** The plan (the JSON text of `Filter::compiled_plan`: one flat array of tokens in prefix order, which JSON.parse
 *  reads about twice as fast as nested arrays) as nested arrays: `{perKind, defaultSlot, types, expr}` with each
 *  expr `[tag, ...]`, target `[container, name, sub, leaves]` and value `[tag, ...]` (scim-expr/src/filter/plan.rs). */
function decode(planText) {
  const a = JSON.parse(planText);
  let i = 0;
  const target = () => {
    const container = a[i++];
    const name = a[i++];
    const sub = a[i++];
    const leaves = new Array(a[i++]);
    for (let j = 0; j < leaves.length; j++) leaves[j] = a[i++];
    return [container, name, sub, leaves];
  };
  const value = () => {
    const tag = a[i++];
    if (tag === null || tag === true || tag === false) return tag;
    if (tag !== 'str') return [tag, a[i++]];
    const text = a[i++];
    const secs = a[i++];
    const instant = secs === null ? null : [secs, a[i++]];
    return [tag, text, instant, a[i++]];
  };
  const expr = (depth) => {
    if (depth > MAX_DEPTH) throw NATIVE;
    const tag = a[i++];
    switch (tag) {
      case 'and':
      case 'or': {
        const e = [tag];
        for (let n = a[i++]; n > 0; n--) e.push(expr(depth + 1));
        return e;
      }
      case 'not':
        return [tag, expr(depth + 1)];
      case 'pr':
        return [tag, target()];
      case 'vp': {
        const t = target();
        return [tag, t, expr(depth + 1)];
      }
      case 'cmp': {
        const t = target();
        const op = a[i++];
        return [tag, t, op, value()];
      }
      default:
        throw NATIVE;
    }
  };
  const perKind = a[i++];
  const defaultSlot = a[i++];
  const types = a.slice(i + 1, i + 1 + a[i]);
  i += 1 + types.length;
  return { perKind, defaultSlot, types, expr: expr(0) };
}

/** The predicate of a plan (the JSON text of `Filter::compiled_plan`): a function of one document that returns
 *  whether it matches or throws NATIVE; NATIVE itself when the filter is for the native evaluator only. */
function compile(planText) {
  const plan = decode(planText);
  const test = build(plan.expr, 0);
  const fallback = plan.defaultSlot;
  if (!plan.perKind) return (doc) => test(doc, fallback);
  const types = plan.types;
  // The slot of a document: 1 + the index of its resource type.
  const slotOf = (doc) => {
    const k = kindIndex(doc, types);
    return k < 0 ? fallback : k + 1;
  };
  return (doc) => test(doc, slotOf(doc));
}

/** The index in `types` (core schema URNs) of the resource type of `doc`, the first its `schemas` lists, ignoring
 *  ASCII case (Schemas::kind_of); -1 for none. */
function kindIndex(doc, types) {
  const list = member(doc, 'schemas');
  if (list === NONE || kind(list) !== ARR) return -1;
  for (let i = 0; i < list.length; i++) {
    const urn = list[i];
    if (kind(urn) !== STR) continue;
    for (let k = 0; k < types.length; k++) {
      if (urn === types[k] || (urn.length === types[k].length && asciiEq(urn, types[k]))) return k;
    }
  }
  return -1;
}

/** An xsd:dateTime as [seconds since the epoch, nanoseconds], or null (compare.rs `parse_datetime`); NATIVE where
 *  the seconds may be past 2^53. */
function parseDateTime(s) {
  const n = s.length;
  let p = 0;
  const negative = s.charCodeAt(0) === 45;
  if (negative) p = 1;
  let yearLen = 0;
  while (p + yearLen < n && isDigit(s.charCodeAt(p + yearLen))) yearLen++;
  if (yearLen < 4 || (yearLen > 4 && s.charCodeAt(p) === 48) || yearLen > 9) return null;
  let year = digits(s, p, yearLen);
  if (negative) year = -year;
  p += yearLen;
  const month = field(s, p, 45);
  if (month < 0) return null;
  const day = field(s, p + 3, 45);
  if (day < 0) return null;
  p += 6;
  const sep = s.charCodeAt(p);
  if (sep !== 84 && sep !== 116) return null;
  const hour = field(s, p, sep);
  if (hour < 0) return null;
  const minute = field(s, p + 3, 58);
  if (minute < 0) return null;
  const second = field(s, p + 6, 58);
  if (second < 0) return null;
  p += 9;
  let nanos = 0;
  if (s.charCodeAt(p) === 46) {
    p++;
    let d = 0;
    while (p + d < n && isDigit(s.charCodeAt(p + d))) d++;
    if (d === 0) return null;
    for (let i = 0; i < 9; i++) nanos = nanos * 10 + (i < d ? s.charCodeAt(p + i) - 48 : 0);
    p += d;
  }
  let offset = 0;
  if (p < n) {
    const c = s.charCodeAt(p);
    if (c === 90 || c === 122) {
      p++;
    } else if (c === 43 || c === 45) {
      const oh = p + 3 <= n ? digits(s, p + 1, 2) : -1;
      if (oh < 0 || s.charCodeAt(p + 3) !== 58) return null;
      const om = p + 6 <= n ? digits(s, p + 4, 2) : -1;
      if (om < 0) return null;
      p += 6;
      if (oh > 14 || om > 59 || (oh === 14 && om !== 0)) return null;
      offset = c === 45 ? -(oh * 3600 + om * 60) : oh * 3600 + om * 60;
    } else {
      return null;
    }
  }
  if (p !== n || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  const endOfDay = hour === 24 && minute === 0 && second === 0 && nanos === 0;
  if ((hour > 23 && !endOfDay) || minute > 59 || second > 59) return null;
  const days = daysFromCivil(year, month, day);
  // Beyond about 270,000 years the seconds are past 2^53.
  if (Math.abs(days) > 1e11) throw NATIVE;
  return [days * 86400 + hour * 3600 + minute * 60 + second - offset, nanos];
}

function isDigit(c) {
  return c >= 48 && c <= 57;
}

/** `len` digits at `at` as a number, or -1. */
function digits(s, at, len) {
  if (at + len > s.length) return -1;
  let v = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(at + i);
    if (!isDigit(c)) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** The separator `sep` at `at`, then two digits; -1 when absent. */
function field(s, at, sep) {
  if (s.charCodeAt(at) !== sep) return -1;
  return digits(s, at + 1, 2);
}

function daysInMonth(y, m) {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (the core's algorithm, with floored division). */
function daysFromCivil(y0, m, d) {
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The predicate of the filter in a PATCH path's brackets (`emails[type eq "work"]`; filter/plan.rs
 *  `element_plan`): `(value, slot) => boolean`, for a value of the attribute and the slot of the resource patched,
 *  throwing NATIVE as `compile`'s predicates do. */
function compileElement(planText) {
  return build(decode(planText).expr, 0);
}

module.exports = { compile, compileElement, NATIVE, parseDateTime, asciiEq, isAscii, kindIndex };
