'use strict';
// The public API of scim-expr for Node. Every SCIM rule lives in the Rust core; this file checks argument types,
// turns native errors into ScimError and picks the conversion each call uses (benches/node-conversion.md). Filters
// match through a JavaScript predicate compiled from the core's compiled form (compile.js), the native in-place
// reader answering whatever that predicate leaves to it.

const { inspect } = require('node:util');
const { isProxy } = require('node:util').types;

let native;
try {
  native = require('./scim-expr.node');
} catch (e) {
  throw new Error(`scim-expr: the native addon is not built (run \`npm run build\` in ${__dirname}): ${e.message}`);
}
const { compile, NATIVE } = require('./compile.js');
const { decodeKinds, decodeSteps, define, kindOf, runSteps, REMOVED } = require('./steps.js');

// Whether requests that resolve into steps are carried out in JavaScript (steps.js), and how many were: for the
// differential test (test/steps.test.mjs), which runs every vector both ways.
const STEPS = { enabled: true, taken: 0 };

/** A SCIM error: what to answer the client (RFC 7644 §3.12), with a stable code and the place it is about. */
class ScimError extends Error {
  constructor(detail, { scimType, code, status, position = null, operation = null, body } = {}) {
    super(detail);
    this.name = 'ScimError';
    this.scimType = scimType;
    this.code = code;
    this.status = status;
    this.detail = detail;
    this.position = position;
    this.operation = operation;
    Object.defineProperty(this, '_body', { value: body, enumerable: false });
  }

  /** The RFC 7644 §3.12 error body: `{schemas, status, scimType, detail}` (status as a string). */
  toJSON() {
    if (this._body) return JSON.parse(this._body);
    return {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: String(this.status),
      scimType: this.scimType,
      detail: this.detail,
    };
  }
}

function wrap(e) {
  if (e instanceof Error && typeof e.scimBody === 'string') {
    const err = new ScimError(e.message, {
      scimType: e.scimType,
      code: e.code,
      status: e.status,
      position: e.position,
      operation: e.operation,
      body: e.scimBody,
    });
    Error.captureStackTrace(err, wrap);
    return err;
  }
  return e;
}

function describe(v) {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)})`;
  if (typeof v === 'object' || typeof v === 'function' || typeof v === 'symbol') return `a ${typeof v}`;
  return `${typeof v} ${String(v)}`;
}

function text(v, what) {
  if (typeof v !== 'string') throw new TypeError(`${what} must be a string, got ${describe(v)}`);
  if (!v.isWellFormed()) {
    let i = 0;
    for (const ch of v) {
      if (ch.length === 1 && ch >= '\ud800' && ch <= '\udfff') break;
      i += ch.length;
    }
    throw new TypeError(`${what} holds a lone surrogate at index ${i} (not Unicode text)`);
  }
  return v;
}

function object(v, what) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new TypeError(`${what} must be an object, got ${describe(v)}`);
  }
  return v;
}

function optionsJson(options) {
  if (options === undefined || options === null) return 'null';
  object(options, 'options');
  try {
    return JSON.stringify(options);
  } catch (e) {
    throw new TypeError(`options cannot be read as JSON: ${e.message}`);
  }
}

// JSON.stringify silently drops undefined, functions and symbols and writes NaN as null; refuse them instead.
function strictJson(key, v) {
  const t = typeof v;
  if (t === 'undefined' || t === 'function' || t === 'symbol' || (t === 'number' && !Number.isFinite(v))) {
    throw new TypeError('not JSON');
  }
  return v;
}

// Options are read once per distinct options object (by its JSON text), so that constructing a filter is parsing
// it. The defaults are one shared native object.
const DEFAULT_OPTIONS = native.filterOptions('null');
const OPTIONS_CACHE = new Map();
const OPTIONS_CACHE_SIZE = 64;

function nativeOptions(options) {
  if (options === undefined || options === null) return DEFAULT_OPTIONS;
  const json = optionsJson(options);
  let o = OPTIONS_CACHE.get(json);
  if (o === undefined) {
    o = native.filterOptions(json);
    if (OPTIONS_CACHE.size >= OPTIONS_CACHE_SIZE) OPTIONS_CACHE.clear();
    OPTIONS_CACHE.set(json, o);
  }
  return o;
}

// Longer filter texts (raised limits: a million-term or chain) are evaluated natively only, not compiled to
// JavaScript.
const COMPILE_MAX_LENGTH = 65_536;

// Whether JSON.stringify writes `v` exactly as it is, so that the strict replacer (slow: a call per value) is not
// needed: only strings, finite numbers, booleans, null, arrays and plain objects without toJSON, nested at most
// as deep as JSON text may be. Anything else takes the strict path, which refuses or converts it as before.
function plainJson(v, depth) {
  if (depth > 128) return false;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return false;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x === 'object' && x !== null ? !plainJson(x, depth + 1) : !plainScalar(x)) return false;
    }
    return true;
  }
  const proto = Object.getPrototypeOf(v);
  if ((proto !== Object.prototype && proto !== null) || 'toJSON' in v) return false;
  for (const key of Object.keys(v)) {
    const x = v[key];
    if (typeof x === 'object' && x !== null ? !plainJson(x, depth + 1) : !plainScalar(x)) return false;
  }
  return true;
}

// Whether the core can read `v` in place as converting it would read it (Patch#apply's overlay): plainJson's
// values, strings and keys without lone surrogates, no proxied arrays (Node-API reads them as objects), containers
// nested at most `max` deep (`depth` is v's). `own`: also no proxy at all and no own property that is not
// enumerable, so that a reader that goes by `Object.hasOwn` (steps.js, compile.js) sees what JSON.stringify
// writes.
function plainData(v, depth, max, own = false) {
  if (depth > max) return false;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype || isProxy(v)) return false;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x === 'object' && x !== null ? !plainData(x, depth + 1, max, own) : !wellFormed(x)) return false;
    }
    return true;
  }
  const proto = Object.getPrototypeOf(v);
  if ((proto !== Object.prototype && proto !== null) || 'toJSON' in v) return false;
  const keys = Object.keys(v);
  if (own && (isProxy(v) || Object.getOwnPropertyNames(v).length !== keys.length)) return false;
  for (const key of keys) {
    const x = v[key];
    if (!key.isWellFormed()) return false;
    if (typeof x === 'object' && x !== null ? !plainData(x, depth + 1, max, own) : !wellFormed(x)) return false;
  }
  return true;
}

// A read-ahead text is handed over in pieces below V8's large-object size (a larger string is mapped afresh on each
// call: page faults on every apply).
const TEXT_PIECE = 32_768;

// plainData of the touched part (depth 1), where the large arrays (`arrays`: key -> its elements, as the part
// holds them) also have their elements' own `value` strings read ahead for the core (`Values` in src/doc.rs):
// `ahead` gets, per such key, the strings as one text and each element's string length (-1: an object without a
// `value` string, -2: not a plain object).
function plainPart(part, arrays, max, ahead) {
  if (max < 1 || 'toJSON' in part) return false;
  for (const key of Object.keys(part)) {
    const x = part[key];
    if (!key.isWellFormed()) return false;
    if (arrays.get(key) === x && max >= 2) {
      const lengths = new Int32Array(x.length);
      const texts = plainElements(x, 2, max, lengths);
      if (texts === null) return false;
      ahead.keys.push(key);
      ahead.texts.push(texts);
      ahead.lengths.push(lengths);
    } else if (typeof x === 'object' && x !== null ? !plainData(x, 2, max) : !wellFormed(x)) {
      return false;
    }
  }
  return true;
}

// plainData of the elements of the plain array `arr` (nested `depth` deep): their `value`s one after the other,
// in pieces of about TEXT_PIECE characters, or null when they are not plain data (plainPart). An element's members are listed by `for...in`, several times
// faster than `Object.keys` on a run of objects of one shape; it lists own enumerable keys as `Object.keys` does
// (an element's prototype is Object.prototype or null), and any enumerable key inherited from a polluted
// Object.prototype is only checked as well.
function plainElements(arr, depth, max, lengths) {
  const texts = [];
  let text = ''; // concatenated: cheaper than an array and a join
  for (let i = 0; i < arr.length; i++) {
    const x = arr[i];
    lengths[i] = -2;
    if (typeof x !== 'object' || x === null) {
      if (!wellFormed(x)) return null;
      continue;
    }
    if (Array.isArray(x) || depth + 1 > max) {
      if (!plainData(x, depth + 1, max)) return null;
      continue;
    }
    const proto = Object.getPrototypeOf(x);
    if ((proto !== Object.prototype && proto !== null) || 'toJSON' in x) return null;
    lengths[i] = -1;
    for (const key in x) {
      const y = x[key];
      if (typeof y === 'string') {
        if (!y.isWellFormed()) return null;
        if (key === 'value' && Object.hasOwn(x, key)) {
          text += y;
          lengths[i] = y.length;
          if (text.length >= TEXT_PIECE) {
            texts.push(text);
            text = '';
          }
        }
      } else if (typeof y === 'object' && y !== null) {
        if (!plainData(y, depth + 2, max)) return null;
      } else if (!wellFormed(y)) {
        return null;
      }
      if (!key.isWellFormed()) return null;
    }
  }
  texts.push(text);
  return texts;
}

// A value that is not an object (or null) and that the core reads in place as converting it would read it.
function wellFormed(x) {
  const t = typeof x;
  return t === 'string' ? x.isWellFormed() : x === null || t === 'boolean' || (t === 'number' && Number.isFinite(x));
}

// A value that is not an object (or null) and that JSON.stringify writes as it is.
function plainScalar(x) {
  const t = typeof x;
  return x === null || t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(x));
}

// Arrays at least this long are compared element by element with the result, to reuse equal elements (reuse.rs).
const REUSE_MIN = 64;

// The patched array from the input's elements and the new ones: the plan's runs `start, end` take input elements,
// `-n` the next n new ones.
function rebuild(input, fresh, plan) {
  let out;
  let f = 0;
  let i = 0;
  if (plan.length >= 2 && plan[0] >= 0) {
    out = input.slice(plan[0], plan[1]); // one copy of the first run (most often all but the new elements)
    i = 2;
  } else {
    out = [];
  }
  while (i < plan.length) {
    const a = plan[i++];
    if (a < 0) {
      for (let n = -a; n > 0; n--) out.push(fresh[f++]);
    } else {
      const end = plan[i++];
      for (let j = a; j < end; j++) out.push(input[j]);
    }
  }
  return out;
}

/** The result of `applyWithOutcome` from the steps' outcome (steps.js `runSteps`): the input's members in order,
 *  the touched ones as the steps left them (`keys`, `vals`: a new value or REMOVED), then the new members. */
function withSteps(keys, values, touched, part, out) {
  const result = {};
  const written = out.keys;
  const vals = out.vals;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const j = touched[i] && written.length > 0 ? written.indexOf(key) : -1;
    if (j < 0) define(result, key, values[i]);
    else if (vals[j] !== REMOVED) define(result, key, vals[j]);
  }
  for (let j = 0; j < written.length; j++) {
    if (vals[j] !== REMOVED && !Object.hasOwn(part, written[j])) define(result, written[j], vals[j]);
  }
  return { resource: result, changed: out.changed, quirksFired: out.quirksFired };
}

/** A filter (`?filter=`, RFC 7644 §3.4.2.2), parsed once; match it against any number of resources. */
class Filter {
  #text;
  #options;
  /** The JavaScript predicate (compile.js), null when only the native evaluator can answer, undefined until built. */
  #test;
  /** The native filter, made when needed: for values the predicate leaves to it, JSON text, printing. */
  #native;

  // Constructing validates: the text is parsed natively and nothing is kept but the text, so that an invalid filter
  // throws here at the cost of the parse alone. The predicate is built on the first match, from the compiled form
  // of a second parse (like the core's `Filter::ast`, made when first asked for).
  constructor(filter, options) {
    text(filter, 'the filter');
    try {
      const o = nativeOptions(options);
      this.#text = filter;
      this.#options = o;
      if (filter.length > COMPILE_MAX_LENGTH) {
        this.#native = native.parseFilter(o, filter);
        this.#test = null;
      } else {
        native.checkFilter(o, filter);
      }
    } catch (e) {
      throw wrap(e);
    }
  }

  #predicate() {
    if (this.#test === undefined) {
      let test = null;
      try {
        test = compile(native.compileFilter(this.#options, this.#text));
      } catch (e) {
        if (e !== NATIVE) throw wrap(e);
      }
      this.#test = test;
    }
    return this.#test;
  }

  #nativeFilter() {
    if (this.#native === undefined) {
      try {
        this.#native = native.parseFilter(this.#options, this.#text);
      } catch (e) {
        throw wrap(e);
      }
    }
    return this.#native;
  }

  /** Whether `resource` (a plain object) satisfies the filter; reads only the attributes the filter names. */
  matches(resource) {
    object(resource, 'the resource');
    const test = this.#predicate();
    if (test !== null) {
      try {
        return test(resource);
      } catch (e) {
        if (e !== NATIVE) throw e;
      }
    }
    const f = this.#nativeFilter();
    try {
      return f.matches(resource);
    } catch (e) {
      throw wrap(e);
    }
  }

  /** Whether the resource given as JSON text satisfies the filter. */
  matchesJson(json) {
    text(json, 'the resource JSON');
    const f = this.#nativeFilter();
    try {
      return f.matchesJson(json);
    } catch (e) {
      throw wrap(e);
    }
  }

  /** The elements of `resources` that match, in order (the same objects). */
  filter(resources) {
    if (!Array.isArray(resources)) throw new TypeError(`the resources must be an array, got ${describe(resources)}`);
    const test = this.#predicate();
    if (test === null || isProxy(resources)) {
      const f = this.#nativeFilter();
      try {
        return f.filter(resources);
      } catch (e) {
        throw wrap(e);
      }
    }
    const out = [];
    for (let i = 0; i < resources.length; i++) {
      const doc = resources[i];
      let hit;
      try {
        hit = test(doc);
      } catch (e) {
        if (e !== NATIVE) throw e;
        const f = this.#nativeFilter();
        try {
          hit = f.matchesAt(doc, i);
        } catch (e2) {
          throw wrap(e2);
        }
      }
      if (hit) out.push(doc);
    }
    return out;
  }

  /** The tolerances that took effect while parsing, sorted by name (log that a non-RFC filter was accepted). */
  get quirksFired() {
    return this.#nativeFilter().quirksFired();
  }

  /** Whether `other` is a Filter with the same syntax tree. */
  equals(other) {
    return other instanceof Filter && this.#nativeFilter().equals(other.#nativeFilter());
  }

  /** The canonical form; it parses back to an equal filter. */
  toString() {
    return this.#nativeFilter().canonical();
  }

  toJSON() {
    return this.toString();
  }

  [inspect.custom]() {
    return `Filter(${JSON.stringify(this.toString())})`;
  }
}

/** A PATCH path (RFC 7644 §3.5.2), parsed on its own to validate or print it. */
class Path {
  #native;

  constructor(path, options) {
    text(path, 'the path');
    try {
      this.#native = new native.NativePath(path, optionsJson(options));
    } catch (e) {
      throw wrap(e);
    }
  }

  equals(other) {
    return other instanceof Path && this.#native.equals(other.#native);
  }

  toString() {
    return this.#native.canonical();
  }

  toJSON() {
    return this.toString();
  }

  [inspect.custom]() {
    return `Path(${JSON.stringify(this.toString())})`;
  }
}

/** A PatchOp request (RFC 7644 §3.5.2), parsed once; apply it to any number of resources. */
class Patch {
  #native;
  #touched = new Map(); // key -> whether the request touches it, for the first 1,024 keys seen
  #kinds; // native.hostKinds, decoded when first needed
  #depth; // the depth to which a part is checked before it is read in place (limits.maxDocumentDepth, at most 127)
  #steps = []; // kind + 1 -> the request's steps for that resource type (decodeSteps), or null for none

  /** `request` is the PatchOp body as an object (`req.body`); anything else is the core's invalidSyntax error. */
  constructor(request, options) {
    if (request instanceof native.NativePatch) {
      this.#native = request; // from Patch.fromJson
      return;
    }
    try {
      this.#native = new native.NativePatch(request, optionsJson(options));
    } catch (e) {
      throw wrap(e);
    }
  }

  /** The request given as JSON text (a raw request body). */
  static fromJson(json, options) {
    text(json, 'the PATCH request JSON');
    try {
      return new Patch(native.NativePatch.fromJson(json, optionsJson(options)));
    } catch (e) {
      throw wrap(e);
    }
  }

  /** The patched resource, a new plain object; `resource` is never modified. Throws ScimError, atomically. Members
   *  the request does not reach, and equal elements of large arrays, are the input's own values (index.d.ts). */
  apply(resource) {
    return this.applyWithOutcome(resource).resource;
  }

  /** `{resource, changed, quirksFired}`: whether any operation modified the resource (keep `meta.version` and
   *  `lastModified` when not), and the tolerances that took effect, sorted by name. */
  applyWithOutcome(resource) {
    object(resource, 'the resource');
    // Only the members the request can read or change are converted (Patch::touches); every other member of the
    // result is the input's own value. The touched part goes through JSON text (benches/node-conversion.md).
    const keys = Object.keys(resource);
    const values = new Array(keys.length);
    const touched = new Array(keys.length);
    const part = {};
    let arrays = null; // key -> the elements of a large array as read once, for reuse (filled by #applyPart)
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const value = resource[key];
      values[i] = value;
      touched[i] = this.#touches(key);
      if (!touched[i]) continue;
      if (Array.isArray(value) && value.length >= REUSE_MIN) (arrays ??= new Map()).set(key, null);
      define(part, key, value);
    }
    const stepped = arrays === null && STEPS.enabled ? this.#applySteps(part) : undefined;
    if (stepped !== undefined) return withSteps(keys, values, touched, part, stepped);
    const out = this.#applyPart(part, arrays);
    const result = {};
    const patched = out.resource;
    if (patched === null) {
      // No operation changed anything: the input's own values are the result.
      for (let i = 0; i < keys.length; i++) define(result, keys[i], values[i]);
      return { resource: result, changed: out.changed, quirksFired: out.quirksFired };
    }
    const plans = out.plans;
    if (plans !== undefined) {
      for (let i = 0; i < plans.length; i += 2) {
        const key = plans[i];
        define(patched, key, rebuild(arrays.get(key), patched[key], plans[i + 1]));
      }
    }
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (!touched[i]) define(result, key, values[i]);
      else if (Object.hasOwn(patched, key)) define(result, key, patched[key]);
    }
    for (const key of Object.keys(patched)) {
      if (!Object.hasOwn(result, key)) define(result, key, patched[key]);
    }
    return { resource: result, changed: out.changed, quirksFired: out.quirksFired };
  }

  #touches(key) {
    let t = this.#touched.get(key);
    if (t === undefined) {
      t = this.#native.touches(key);
      if (this.#touched.size < 1024) this.#touched.set(key, t);
    }
    return t;
  }

  #maxDepth() {
    return (this.#depth ??= Math.min(this.#native.maxDepth, 127));
  }

  // The touched part patched in JavaScript (steps.js), when the request resolves into steps for its resource type
  // and the part is what the JSON path would accept unchanged (plainData); else undefined, for #applyPart.
  #applySteps(part) {
    try {
      const kinds = (this.#kinds ??= decodeKinds(this.#native.hostKinds()));
      const kind = kindOf(part, kinds);
      let steps = this.#steps[kind + 1];
      if (steps === undefined) {
        steps = decodeSteps(this.#native.hostSteps(kind));
        this.#steps[kind + 1] = steps;
      }
      // A request without steps goes to #applyPart before the part is walked.
      if (steps === null || !plainData(part, 1, this.#maxDepth(), true)) return undefined;
      const out = runSteps(steps, part, kinds, kind);
      STEPS.taken++;
      return out;
    } catch (e) {
      if (e === NATIVE) return undefined;
      throw e;
    }
  }

  // The touched part, patched: `{resource: object | null (unchanged), plans, changed, quirksFired}`.
  // When the part is not JSON (a cycle, BigInt, undefined, NaN, a lone surrogate, too deep), the typed copy
  // reports what and where as a ScimError.
  // A part with a large array is read in place when it is plain JSON data, well-formed and within the depth limit
  // (plainPart, which also reads ahead the `value` of each of the large arrays' elements): the core reads what it
  // needs through Node-API and the result holds the input's own values wherever the request left them as they
  // were, a large array's kept elements by position (`plans`, as on the JSON path). Anything else, and every smaller part (for which JSON text is
  // faster: benches/node-conversion.md), goes through JSON text.
  #applyPart(part, arrays) {
    if (arrays !== null) {
      for (const key of arrays.keys()) {
        const elements = Array.from(part[key]); // read by the core and reused: the same elements, read once
        arrays.set(key, elements);
        define(part, key, elements);
      }
      const ahead = { keys: [], texts: [], lengths: [] };
      if (plainPart(part, arrays, this.#maxDepth(), ahead)) {
        let out;
        try {
          out = this.#native.applyHost(part, ahead.keys, ahead.texts, ahead.lengths);
        } catch (e) {
          throw wrap(e);
        }
        if (out !== null) return out;
      }
    }
    let json;
    try {
      json = plainJson(part, 0) ? JSON.stringify(part) : JSON.stringify(part, strictJson);
    } catch {
      json = undefined;
    }
    if (json !== undefined) {
      try {
        return JSON.parse(this.#native.applyPart(json, arrays === null ? undefined : [...arrays.keys()]));
      } catch (e) {
        if (!(typeof e?.scimBody === 'string' && e.code.startsWith('document.'))) throw wrap(e);
      }
    }
    try {
      return this.#native.applyValue(part);
    } catch (e) {
      throw wrap(e);
    }
  }

  /** JSON text in, JSON text out. */
  applyJson(json) {
    return this.applyJsonWithOutcome(json).resource;
  }

  /** `{resource, changed, quirksFired}` with `resource` as JSON text. */
  applyJsonWithOutcome(json) {
    text(json, 'the resource JSON');
    try {
      return this.#native.applyJson(json);
    } catch (e) {
      throw wrap(e);
    }
  }

  [inspect.custom]() {
    return 'Patch {}';
  }
}

/** The tolerances a quirks setting switches on (`"entra"`, `{preset: "entra", off: [...]}`); with no argument,
 *  the name of every tolerance. */
function quirkNames(quirks) {
  try {
    return native.quirkNames(quirks === undefined ? 'null' : JSON.stringify(quirks));
  } catch (e) {
    throw wrap(e);
  }
}

module.exports = { Filter, Patch, Path, ScimError, quirkNames };
// For the conversion benchmark (bench/conversion.mjs) only: the native classes with every strategy.
Object.defineProperty(module.exports, '_native', { value: native, enumerable: false });
// For test/steps.test.mjs only: the switch and count of the JavaScript steps.
Object.defineProperty(module.exports, '_steps', { value: STEPS, enumerable: false });
