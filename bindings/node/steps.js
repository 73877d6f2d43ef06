'use strict';
// A PATCH request carried out in JavaScript, for the operation shapes the core resolves into steps
// (scim-expr/src/patch/steps.rs): whole simple attributes, sub-attributes of single-valued complex ones,
// `attr[filter].sub` and removing `attr[filter]`. The core has decided everything that depends on the request and
// the schema alone (which attribute, its container, that the operation is allowed, the value after the tolerances
// and its type check, the filter's compiled form); this file does what depends on the document, taking the engine's
// rules (scim-expr/src/patch/apply.rs) one for one: key spelling, `ensure_extension` and `settle_extension`,
// `set_sub`, `fix_primary`, `drop_empty_elements`, `drop_if_empty`, and counting the writes that change something.
// Writes are copy-on-write: the part given is never modified, and the result holds its values wherever the
// request did not write. Whatever the steps do not cover as the engine would do it (no value matching an add or
// replace, a matched value that is not an object, two values made primary, a write to `schemas` that changes the
// resource type) throws NATIVE, and the caller applies the whole request natively, which answers or throws the
// ScimError; steps naming what `keyLike` cannot compare (a name that is not ASCII) are not used at all. The part
// must be plain data whose every own property is enumerable (index.js `plainData(…, own)`): reads here go by
// `Object.hasOwn`, writes are as JSON.parse would make them.

const { compileElement, NATIVE, asciiEq, isAscii, kindIndex } = require('./compile.js');

const { hasOwn, keys: ownKeys } = Object;
const { isArray } = Array;

const STEP_NAMES = ['set', 'del', 'sub', 'subdel', 'fsub', 'fdel'];

/** The request's steps as `native.hostSteps` gives them, decoded once, or null when the engine must apply it (a
 *  filter only the native evaluator can evaluate, or a name that is not ASCII, which `keyLike` cannot compare). */
function decodeSteps(text) {
  if (text === null) return null;
  const { fired, ops } = JSON.parse(text);
  for (const op of ops) {
    if (!STEP_NAMES.includes(op[0])) return null; // a step of a newer core
    // The names become property keys: interned once here rather than on every write.
    const names = op[0] === 'fdel' ? 3 : op[0] === 'set' || op[0] === 'del' ? 3 : 4;
    for (let i = 1; i < names; i++) {
      if (op[i] === null) continue;
      if (!isAscii(op[i])) return null;
      op[i] = intern(op[i]);
    }
    if (op[0] === 'fsub') {
      op[4] = compilePlan(op[4]);
      if (op[4] === null) return null;
    } else if (op[0] === 'fdel') {
      op[3] = compilePlan(op[3]);
      if (op[3] === null) return null;
    }
  }
  return { fired, ops };
}

/** `s` as an internalized string (a property key's), which V8 stores and looks up without hashing it again. */
function intern(s) {
  return Object.keys({ [s]: 0 })[0];
}

function compilePlan(plan) {
  try {
    return compileElement(plan);
  } catch (e) {
    if (e === NATIVE) return null;
    throw e;
  }
}

/** `native.hostKinds` decoded: `{fallback, types}`, the index of the type assumed for a resource that lists none
 *  (-1: none) and the resource types' core schema URNs. */
function decodeKinds(text) {
  const [fallback, ...types] = JSON.parse(text);
  return { fallback, types };
}

/** The index of the resource type of `part` (Schemas::kind_of), or the fallback. */
function kindOf(part, kinds) {
  const k = kindIndex(part, kinds.types);
  return k < 0 ? kinds.fallback : k;
}

/** A plain object that is not an array (the part is plain data: index.js `plainData`). */
function isObject(v) {
  return typeof v === 'object' && v !== null && !isArray(v);
}

function isEmpty(v) {
  if (isArray(v)) return v.length === 0;
  if (!isObject(v)) return false;
  for (const k in v) if (hasOwn(v, k)) return false;
  return true;
}

/** The object's own key for the ASCII `name` (Host::key_like): the smallest equal to it ignoring ASCII case. Such
 *  keys are ASCII too, where UTF-16 order is byte order. */
function keyLike(obj, name) {
  if (!isObject(obj)) return undefined;
  let found;
  const keys = ownKeys(obj);
  for (let i = 0; i < keys.length; i++) if (better(keys[i], name, found)) found = keys[i];
  return found;
}

/** Whether key `k` spells `name` and comes before the key `found` so far (keyLike). */
function better(k, name, found) {
  return k.length === name.length && (k === name || asciiEq(k, name)) && (found === undefined || k < found);
}

function isPrimary(v) {
  if (!isObject(v)) return false;
  const keys = ownKeys(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k.length === 7 && asciiEq(k, 'primary') && v[k] === true) return true;
  }
  return false;
}

// Sets an own data property: a key `__proto__` must never reach the Object.prototype setter.
function define(obj, key, value) {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

const ROOT = [];

/** The location of the container of what is at `loc`. */
function parentOf(loc) {
  return loc.length === 2 ? [loc[0]] : loc.length === 1 ? ROOT : loc.slice(0, -1);
}

/** The location of element `i` of the array at `loc`. */
function elementOf(loc, i) {
  return loc.length === 1 ? [loc[0], i] : [loc[0], loc[1], i];
}

/** A top-level member the request removed. */
const REMOVED = Symbol('scim-expr: removed');

/** A copy of the plain object `v` to write to. Object.assign, not a spread: V8 adds keys to its copies an order of
 *  magnitude faster. It sets through [[Set]], so an own `__proto__` key is copied by definition instead. */
function copyObject(v) {
  if (!hasOwn(v, '__proto__')) return Object.assign({}, v);
  const o = {};
  for (const k of ownKeys(v)) define(o, k, v[k]);
  return o;
}

/** The document being patched: the part as given, the top-level members written (`keys`, `vals`: a new value or
 *  REMOVED) and copies along each path written below them. The part itself is never written. */
class Run {
  constructor(part) {
    this.part = part;
    this.keys = [];
    this.vals = [];
    this.fresh = []; // the objects and arrays this run made, written in place (a few)
    this.changes = 0;
    this.schemasWritten = false;
  }

  /** The top-level member `key`, undefined where there is none. */
  top(key) {
    const i = this.keys.indexOf(key);
    if (i >= 0) {
      const v = this.vals[i];
      return v === REMOVED ? undefined : v;
    }
    return hasOwn(this.part, key) ? this.part[key] : undefined;
  }

  putTop(key, v) {
    const i = this.keys.indexOf(key);
    if (i >= 0) {
      this.vals[i] = v;
    } else {
      this.keys.push(key);
      this.vals.push(v);
    }
  }

  /** keyLike of the resource as the run has it. */
  rootKeyLike(name) {
    let found;
    const keys = ownKeys(this.part);
    for (let i = 0; i < keys.length; i++) {
      if (better(keys[i], name, found) && this.top(keys[i]) !== undefined) found = keys[i];
    }
    for (let i = 0; i < this.keys.length; i++) {
      if (better(this.keys[i], name, found) && this.vals[i] !== REMOVED) found = this.keys[i];
    }
    return found;
  }

  /** The value at `loc` (keys and indices from the root; not empty), undefined where there is none. */
  at(loc) {
    let v = this.top(loc[0]);
    for (let i = 1; i < loc.length; i++) {
      const s = loc[i];
      if (typeof s === 'number') {
        if (!isArray(v) || s >= v.length) return undefined;
      } else if (!isObject(v) || !hasOwn(v, s)) {
        return undefined;
      }
      v = v[s];
    }
    return v;
  }

  fresh1(c) {
    if (this.fresh.includes(c)) return c;
    const copy = isArray(c) ? c.slice() : copyObject(c);
    this.fresh.push(copy);
    return copy;
  }

  /** The container at `loc` (not empty), made this run's own: copied, with every container above it, unless it
   *  is already. */
  own(loc) {
    let v = this.top(loc[0]);
    const c = this.fresh1(v);
    if (c !== v) this.putTop(loc[0], c);
    v = c;
    for (let i = 1; i < loc.length; i++) {
      const s = loc[i];
      const child = v[s];
      const c = this.fresh1(child);
      if (c !== child) define(v, s, c);
      v = c;
    }
    return v;
  }

  wrote(parent, key) {
    this.changes++;
    if (parent.length === 0 && key.length === 7 && asciiEq(key, 'schemas')) this.schemasWritten = true;
  }

  /** Tx::set_key: a change only where the value differs; `value` is a string, a boolean or a new empty object.
   *  Below the top level, a parent that is not an object is for the engine. */
  setKey(parent, key, value) {
    if (isObject(value)) this.fresh.push(value);
    if (parent.length === 0) {
      const v = this.top(key);
      if (v === value) return;
      this.putTop(key, value);
    } else {
      const p = this.at(parent);
      if (!isObject(p)) throw NATIVE;
      if (hasOwn(p, key) && p[key] === value) return;
      define(this.own(parent), key, value);
    }
    this.wrote(parent, key);
  }

  /** Tx::remove_key: a change only where the key is there. */
  removeKey(parent, key) {
    if (parent.length === 0) {
      if (this.top(key) === undefined) return;
      this.putTop(key, REMOVED);
    } else {
      const p = this.at(parent);
      if (!isObject(p) || !hasOwn(p, key)) return;
      delete this.own(parent)[key];
    }
    this.wrote(parent, key);
  }

  /** Tx::remove_elements of the array at `loc` (indices ascending). */
  removeElements(loc, indices) {
    if (indices.length === 0) return;
    const a = this.at(loc);
    const out = [];
    for (let i = 0, j = 0; i < a.length; i++) {
      if (j < indices.length && indices[j] === i) j++;
      else out.push(a[i]);
    }
    this.fresh.push(out);
    this.replace(loc, out);
  }

  /** Tx::append to the array at `loc`. */
  append(loc, value) {
    const out = this.at(loc).slice();
    out.push(value);
    this.fresh.push(out);
    this.replace(loc, out);
  }

  /** The array at `loc` replaced by `out`, a change. */
  replace(loc, out) {
    const last = loc.length - 1;
    if (last === 0) this.putTop(loc[0], out);
    else define(this.own(loc.slice(0, last)), loc[last], out);
    this.changes++;
    if (loc.length === 1 && loc[0].length === 7 && asciiEq(loc[0], 'schemas')) this.schemasWritten = true;
  }

  /** The attribute's location (apply.rs `locate`): `[key]` or `[extension key, key]`, each the document's own
   *  spelling where it has one. */
  locate(ext, name) {
    if (ext === null) return [this.rootKeyLike(name) ?? name];
    const container = this.rootKeyLike(ext) ?? ext;
    return [container, keyLike(this.at([container]), name) ?? name];
  }

  ensureExtension(loc) {
    if (loc.length === 2 && !isObject(this.top(loc[0]))) this.setKey(ROOT, loc[0], {});
  }

  /** An emptied extension object goes, with its URN in `schemas`; any other value there has its URN listed. */
  settleExtension(ext, loc) {
    if (ext === null) return;
    const key = loc[0];
    const v = this.top(key);
    if (v === undefined) return;
    if (isObject(v) && isEmpty(v)) {
      this.removeKey(ROOT, key);
      this.schemaUrn(ext, false);
    } else {
      this.schemaUrn(ext, true);
    }
  }

  schemaUrn(urn, listed) {
    const key = this.rootKeyLike('schemas') ?? 'schemas';
    const list = this.at([key]);
    if (!isArray(list)) return;
    const found = [];
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (typeof s === 'string' && s.length === urn.length && asciiEq(s, urn)) {
        if (listed) return;
        found.push(i);
      }
    }
    if (listed) this.append([key], urn);
    else this.removeElements([key], found);
  }

  dropIfEmpty(loc) {
    const v = this.at(loc);
    if (v !== undefined && isEmpty(v)) this.removeKey(parentOf(loc), loc[loc.length - 1]);
  }

  /** The indices of the values of the array at `loc` the bracket filter matches (apply.rs `matching`). */
  matching(loc, test, slot) {
    const a = this.at(loc);
    const out = [];
    if (!isArray(a)) return out;
    for (let i = 0; i < a.length; i++) if (test(a[i], slot)) out.push(i);
    return out;
  }

  /** After a write to the values at `touched` (some, so the array is there). */
  fixPrimary(loc, touched) {
    const a = this.at(loc);
    let keep = -1;
    for (const i of touched) {
      if (isPrimary(a[i])) {
        if (keep >= 0) throw NATIVE; // the engine's multiple-primary error
        keep = i;
      }
    }
    if (keep < 0) return;
    for (let i = 0; i < a.length; i++) {
      if (i === keep || !isPrimary(a[i])) continue;
      const key = keyLike(a[i], 'primary');
      if (key !== undefined) this.setKey(elementOf(loc, i), key, false);
    }
  }

  /** After a write to some of the array's values. */
  dropEmptyElements(loc) {
    const a = this.at(loc);
    const empty = [];
    for (let i = 0; i < a.length; i++) if (isObject(a[i]) && isEmpty(a[i])) empty.push(i);
    this.removeElements(loc, empty);
  }

  step(op) {
    switch (op[0]) {
      case 'set': {
        const [, ext, name, settle, value] = op;
        const loc = this.locate(ext, name);
        this.ensureExtension(loc);
        this.setKey(parentOf(loc), loc[loc.length - 1], value);
        if (settle) this.settleExtension(ext, loc);
        return;
      }
      case 'del': {
        const [, ext, name, settle] = op;
        const loc = this.locate(ext, name);
        this.removeKey(parentOf(loc), loc[loc.length - 1]);
        if (settle) this.settleExtension(ext, loc);
        return;
      }
      case 'sub': {
        const [, ext, name, sub, value] = op;
        const loc = this.locate(ext, name);
        if (!isObject(this.at(loc))) {
          this.ensureExtension(loc);
          this.setKey(parentOf(loc), loc[loc.length - 1], {});
        }
        this.setKey(loc, keyLike(this.at(loc), sub) ?? sub, value);
        this.dropIfEmpty(loc);
        this.settleExtension(ext, loc);
        return;
      }
      case 'subdel': {
        const [, ext, name, sub] = op;
        const loc = this.locate(ext, name);
        const current = this.at(loc);
        if (isObject(current)) {
          this.removeKey(loc, keyLike(current, sub) ?? sub);
          this.dropIfEmpty(loc);
        }
        this.settleExtension(ext, loc);
        return;
      }
      case 'fsub': {
        const [, ext, name, sub, test, slot, value] = op;
        const loc = this.locate(ext, name);
        const matches = this.matching(loc, test, slot);
        if (matches.length === 0) throw NATIVE; // an error, or create_on_absent
        for (const i of matches) {
          // A matched value that is not an object throws NATIVE in setKey.
          this.setKey(elementOf(loc, i), keyLike(this.at(loc)[i], sub) ?? sub, value);
        }
        this.fixPrimary(loc, matches);
        this.dropEmptyElements(loc);
        this.dropIfEmpty(loc);
        this.settleExtension(ext, loc);
        return;
      }
      case 'fdel': {
        const [, ext, name, test, slot] = op;
        const loc = this.locate(ext, name);
        this.removeElements(loc, this.matching(loc, test, slot));
        this.dropIfEmpty(loc);
        this.settleExtension(ext, loc);
      }
    }
  }
}

/** The request's `steps` carried out on `part` (plain JSON data) of resource type `kind`:
 *  `{resource: the patched part | null (unchanged), changed, quirksFired}`; throws NATIVE (above). */
function runSteps(steps, part, kinds, kind) {
  const run = new Run(part);
  const ops = steps.ops;
  for (let i = 0; i < ops.length; i++) {
    run.step(ops[i]);
    if (run.schemasWritten) {
      run.schemasWritten = false;
      // The engine reads the resource type again for the next operation; the steps were resolved for this one.
      // `schemas` as Node::get reads it: the exact key, else the smallest equal ignoring ASCII case.
      let list = run.top('schemas');
      if (list === undefined) {
        const key = run.rootKeyLike('schemas');
        if (key !== undefined) list = run.top(key);
      }
      if (kindOf(list === undefined ? {} : { schemas: list }, kinds) !== kind) throw NATIVE;
    }
  }
  return { changed: run.changes > 0, quirksFired: steps.fired.slice(), keys: run.keys, vals: run.vals };
}

module.exports = { decodeKinds, decodeSteps, define, kindOf, runSteps, REMOVED };
