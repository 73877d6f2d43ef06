// The JavaScript predicate (compile.js) against the native evaluator: on every document of every filter vector,
// on variants of them built to reach its edge cases, and on generated filters and documents, it must give the
// native answer or leave the document to the native evaluator (NATIVE), and leave few of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { inspect } from 'node:util';

const require = createRequire(import.meta.url);
const scim = require('../index.js');
const { compile, NATIVE, parseDateTime } = require('../compile.js');
const { NativeOptions } = scim._native;

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.join(here, '../../../tests/vectors');

function optionsOf(group) {
  const spec = group.quirks ?? 'strict';
  const quirks = typeof spec === 'string' ? spec : { preset: spec.preset, on: spec.on ?? [], off: spec.off ?? [] };
  const o = { quirks };
  if (group.schemas !== undefined) o.schemas = group.schemas;
  if (typeof group.resource === 'string') o.resourceType = group.resource;
  return o;
}

/** The predicate's answer: true, false, 'native', or 'none' when the filter compiles to the native evaluator. */
function js(test, doc) {
  if (test === null) return 'none';
  try {
    return test(doc);
  } catch (e) {
    if (e === NATIVE) return 'native';
    throw e;
  }
}

function nativeAnswer(f, doc) {
  try {
    return f.matches(doc);
  } catch (e) {
    return `error ${e.code ?? e.message}`;
  }
}

function predicate(options, text) {
  try {
    return compile(options.compileFilter(text));
  } catch (e) {
    if (e === NATIVE) return null;
    throw e;
  }
}

/** Runs `docs` through both; returns [decided by JS, left to native]. */
function agree(options, text, docs, label) {
  const test = predicate(options, text);
  const f = options.filter(text);
  let decided = 0;
  let left = 0;
  docs.forEach((doc, i) => {
    const got = js(test, doc);
    if (got === 'native' || got === 'none') {
      left++;
      return;
    }
    decided++;
    assert.equal(got, nativeAnswer(f, doc), `${label}: ${text} on document ${i} ${inspect(doc, { depth: 6 })}`);
  });
  return [decided, left];
}

function vectorGroups() {
  const out = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json') && f.startsWith('filter'))) {
    for (const group of JSON.parse(readFileSync(path.join(dir, file), 'utf8'))) {
      for (const c of group.cases ?? []) {
        if (c.op === 'filter' && !('error' in c)) out.push([group, c]);
      }
    }
  }
  return out;
}

/** Variants of a document: keys in other ASCII cases, Dates, non-ASCII and surrogate strings, values JSON has no
 *  form for, numbers past 2^53, proxies. */
function variants(doc) {
  const out = [];
  const map = (v, f) => {
    if (Array.isArray(v)) return v.map((x) => map(x, f));
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => f(k, map(x, f))));
    }
    return v;
  };
  out.push(map(doc, (k, v) => [k.toUpperCase(), v]));
  out.push(map(doc, (k, v) => [k, typeof v === 'string' ? v.toUpperCase() : v]));
  out.push(map(doc, (k, v) => [k, typeof v === 'string' ? `${v}\u212a` : v]));
  out.push(map(doc, (k, v) => [k, typeof v === 'string' ? `\u017f${v}` : v]));
  out.push(map(doc, (k, v) => [k, typeof v === 'string' ? v.replace(/s/g, '\u017f').replace(/ss/gi, '\u00df') : v]));
  out.push(map(doc, (k, v) => [k, typeof v === 'string' && /^\d{4}-/.test(v) ? new Date(v) : v]));
  out.push(map(doc, (k, v) => [k, typeof v === 'string' ? `${v}\ud800` : v]));
  out.push(map(doc, (k, v) => [k, typeof v === 'number' ? v * 2 ** 60 : v]));
  out.push(map(doc, (k, v) => [k, typeof v === 'number' ? v + 0.5 : v]));
  out.push(map(doc, (k, v) => [k, typeof v === 'boolean' ? String(v) : v]));
  out.push(map(doc, (k, v) => [k, Array.isArray(v) ? new Proxy(v, {}) : v]));
  out.push(map(doc, (k, v) => [k, v !== null && typeof v === 'object' && !Array.isArray(v) ? new Proxy(v, {}) : v]));
  for (const bad of [undefined, 1n, NaN, () => 1, Symbol('s')]) {
    out.push(map(doc, (k, v) => [k, typeof v === 'string' ? bad : v]));
  }
  out.push(map(doc, (k, v) => [k, Array.isArray(v) ? [...v, undefined] : v]));
  out.push(map(doc, (k, v) => [k, Array.isArray(v) ? v.map((x) => (x !== null && typeof x === 'object' ? x.value ?? x : x)) : v]));
  return out;
}

test('the predicate gives the native answer on every filter vector document, deciding nearly all itself', () => {
  let decided = 0;
  let left = 0;
  for (const [group, c] of vectorGroups()) {
    const options = new NativeOptions(JSON.stringify(optionsOf(group)));
    const docs = c.docs ?? group.docs;
    const [d, l] = agree(options, c.filter, docs, c.id);
    decided += d;
    left += l;
  }
  assert.ok(decided > 1000, `decided ${decided}`);
  assert.ok(left < decided / 20, `left ${left} of ${decided + left} to the native evaluator`);
});

test('the predicate gives the native answer on variants of the vector documents', () => {
  let decided = 0;
  for (const [group, c] of vectorGroups()) {
    const options = new NativeOptions(JSON.stringify(optionsOf(group)));
    for (const doc of c.docs ?? group.docs) decided += agree(options, c.filter, variants(doc), c.id)[0];
  }
  assert.ok(decided > 10000, `decided ${decided}`);
});
