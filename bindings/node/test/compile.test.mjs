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
import { vectorOptions } from '../support/vector-options.mjs';

const require = createRequire(import.meta.url);
const scim = require('../index.js');
const { compile, NATIVE, parseDateTime } = require('../compile.js');
const native = scim._native;

/** Options read once, with the two native entry points index.js uses. */
class NativeOptions {
  constructor(json) {
    this.options = native.filterOptions(json);
  }

  compileFilter(text) {
    return native.compileFilter(this.options, text);
  }

  filter(text) {
    return native.parseFilter(this.options, text);
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.join(here, '../../../tests/vectors');

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
    const options = new NativeOptions(JSON.stringify(vectorOptions(group)));
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
    const options = new NativeOptions(JSON.stringify(vectorOptions(group)));
    for (const doc of c.docs ?? group.docs) decided += agree(options, c.filter, variants(doc), c.id)[0];
  }
  assert.ok(decided > 10000, `decided ${decided}`);
});

/** A small deterministic generator (xorshift). */
function rng(seed) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
  const pick = (xs) => xs[Math.floor(next() * xs.length)];
  return { next, pick };
}

const ATTRS = ['userName', 'USERNAME', 'displayName', 'id', 'title', 'active', 'x', 'value', 'emails', 'emails.value',
  'emails.type', 'name.familyName', 'meta.lastModified', 'meta.created', 'photos.value',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', 'schemas'];
const OPS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];
const STRINGS = ['', 'a', 'A', 'bjensen', 'BJensen', 'é', 'Straße', 'STRASSE', '\u212a', 'k', '\u{1F600}', '\uffff',
  '2011-05-13T04:42:34Z', '2011-05-13T06:42:34+02:00', '2011-05-13T04:42:34.5Z', '-2011-05-13T04:42:34Z',
  '2024-02-29T24:00:00Z', '99999-01-01T00:00:00Z', '2011-05-13', 'true', 'False', 'work', '@example.com'];
const VALUES = [...STRINGS, 0, -0, 1, -1, 1.5, 2 ** 53, 2 ** 53 + 2, 1e300, true, false, null];

function genValue(r, depth) {
  const roll = r.next();
  if (depth < 3 && roll < 0.15) return Array.from({ length: Math.floor(r.next() * 3) }, () => genValue(r, depth + 1));
  if (depth < 3 && roll < 0.3) return genObject(r, depth + 1);
  return r.pick(VALUES);
}

function genObject(r, depth) {
  const o = {};
  for (const k of ['userName', 'username', 'displayName', 'id', 'title', 'active', 'x', 'value', 'type', 'emails',
    'name', 'familyName', 'meta', 'lastModified', 'photos', 'schemas',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'department']) {
    if (r.next() < 0.25) o[k] = genValue(r, depth);
  }
  return o;
}

function genFilter(r, depth) {
  const roll = r.next();
  if (depth < 3 && roll < 0.15) return `${genFilter(r, depth + 1)} ${r.pick(['and', 'or'])} ${genFilter(r, depth + 1)}`;
  if (depth < 3 && roll < 0.22) return `not (${genFilter(r, depth + 1)})`;
  if (depth < 3 && roll < 0.3) return `${r.pick(['emails', 'photos', 'schemas', 'x'])}[${genFilter(r, depth + 1)}]`;
  const attr = r.pick(ATTRS);
  if (r.next() < 0.15) return `${attr} pr`;
  const v = r.pick(VALUES);
  return `${attr} ${r.pick(OPS)} ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`;
}

test('generated filters and documents: the predicate gives the native answer', () => {
  const r = rng(8);
  let decided = 0;
  let tried = 0;
  for (const quirks of ['strict', 'lenient']) {
    for (const resourceType of [undefined, 'User']) {
      const options = new NativeOptions(JSON.stringify({ quirks, resourceType }));
      for (let i = 0; i < 400; i++) {
        const text = genFilter(r, 0);
        try {
          options.filter(text);
        } catch {
          continue; // a filter the core refuses (a type mismatch, an ordering of booleans)
        }
        tried++;
        const docs = Array.from({ length: 12 }, () => genObject(r, 0));
        for (const d of docs.slice(0, 6)) d.schemas = [r.pick(['urn:ietf:params:scim:schemas:core:2.0:User',
          'URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:GROUP', 'urn:x'])];
        decided += agree(options, text, docs, `generated (${quirks}, ${resourceType})`)[0];
      }
    }
  }
  assert.ok(tried > 500, `tried ${tried}`);
  assert.ok(decided > tried * 8, `decided ${decided} of ${tried * 12}`);
});

test('dateTime strings are the instants the core reads, or not dateTimes at all', () => {
  const f = new NativeOptions('null');
  const cases = ['2011-05-13T04:42:34Z', '2011-05-13t04:42:34z', '2011-05-13T04:42:34', '2011-05-13T04:42:34.123456789123Z',
    '2011-05-13T04:42:34+14:00', '2011-05-13T04:42:34+14:01', '2011-05-13T04:42:34-00:30', '2011-02-29T00:00:00Z',
    '2000-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2024-02-29T24:00:00Z', '2024-02-29T24:00:01Z', '0000-01-01T00:00:00Z',
    '-0001-12-31T23:59:59Z', '12345-01-01T00:00:00Z', '012345-01-01T00:00:00Z', '2011-05-13T04:42:34.Z', '2011-5-13T04:42:34Z',
    '2011-05-13 04:42:34Z', '2011-05-13T04:42:60Z', '2011-05-13T04:42:34+2:00', '2011-05-13T04:42:34Zjunk', '', 'x'];
  for (const have of cases) {
    for (const op of ['eq', 'gt', 'lt', 'ge']) {
      const text = `meta.lastModified ${op} "2011-05-13T04:42:34Z"`;
      agree(f, text, [{ meta: { lastModified: have } }], 'dateTime');
    }
  }
  assert.deepEqual(parseDateTime('1970-01-01T00:00:00Z'), [0, 0]);
  assert.deepEqual(parseDateTime('2011-05-13T06:42:34.5+02:00'), [1305261754, 500000000]);
  assert.equal(parseDateTime('2011-05-13'), null);
  assert.throws(() => parseDateTime('999999999-01-01T00:00:00Z'), (e) => e === NATIVE);
});

test('what the predicate leaves to the native evaluator: Unicode folding, Dates, proxied arrays, large integers', () => {
  const o = new NativeOptions('null');
  const left = (text, doc) => js(predicate(o, text), doc);
  // The core folds full Unicode when either side is not ASCII: the Kelvin sign is a k, ß is ss.
  assert.equal(left('userName eq "kim"', { userName: '\u212aim' }), 'native');
  assert.equal(left('userName eq "kim"', { userName: 'Kim' }), true);
  assert.equal(left('userName eq "kim"', { userName: 'Jim\u212a' }), false); // decided before the non-ASCII letter
  assert.equal(left('userName eq "strasse"', { userName: 'Stra\u00dfe' }), 'native');
  assert.equal(left('userName eq "straße"', { userName: 'x' }), 'none'); // a non-ASCII value compared ignoring case
  assert.equal(left('id eq "straße"', { id: 'straße' }), true); // id is caseExact
  assert.equal(left('meta.lastModified gt "2011-05-13T04:42:34Z"', { meta: { lastModified: new Date() } }), 'native');
  assert.equal(left('emails[type eq "work"]', { emails: new Proxy([{ type: 'work' }], {}) }), 'native');
  assert.equal(left('x eq 9007199254740993', { x: 1 }), 'none');
  assert.equal(left('x eq 9007199254740991', { x: 2 ** 53 - 1 }), true);
  assert.equal(left('x pr', { x: undefined }), 'native');
  assert.equal(left('x pr', { x: 'a\ud800' }), 'native');
  // Through the public class the native evaluator answers these.
  const { Filter } = scim;
  assert.equal(new Filter('userName eq "kim"').matches({ userName: '\u212aim' }), true);
  assert.equal(new Filter('userName eq "strasse"').matches({ userName: 'Stra\u00dfe' }), true);
  assert.equal(new Filter('emails[type eq "work"]').matches({ emails: new Proxy([{ type: 'work' }], {}) }), false);
  assert.equal(new Filter('meta.lastModified gt "2011-05-13T04:42:34Z"').matches({ meta: { lastModified: new Date(0) } }), false);
});

test('an or of eq comparisons on one path reads it once and answers as the chain does', () => {
  const chain = (path, values) => values.map((v) => `${path} eq ${JSON.stringify(v)}`).join(' or ');
  const users = ['kim@example.com', 'Babs@Example.com', 'x', 'user7', ''];
  const docs = [];
  for (const u of [...users, 'KIM@EXAMPLE.COM', 'kim@example.co', 'k\u212aim', 'babs@example.com', 'nobody']) {
    docs.push({ userName: u, id: u, externalId: u, emails: [{ value: 'a@b.c' }, { value: u, type: 'work' }], title: [u] });
    docs.push({ USERNAME: u, Emails: u, emails: [u, 7], externalId: 7, title: true });
    docs.push({ 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: u } });
  }
  docs.push({ userName: 7 }, { userName: null }, { userName: ['kim@example.com'] }, { userName: { value: 'x' } }, {});
  const o = new NativeOptions('null');
  const paths = ['userName', 'id', 'externalId', 'emails', 'emails.value', 'title',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department'];
  let decided = 0;
  for (const path of paths) {
    for (const values of [users, users.slice(0, 3), ['KIM@example.com', 'nobody', 'none']]) {
      decided += agree(o, chain(path, values), docs, 'chain')[0];
      decided += agree(o, `not (${chain(path, values)})`, docs, 'not chain')[0];
      decided += agree(o, `${chain(path, values)} or displayName eq "x"`, docs, 'mixed chain')[0];
      decided += agree(o, `emails[${chain('value', values)}]`, docs, 'chain in brackets')[0];
    }
  }
  assert.ok(decided > paths.length * 3 * 4 * docs.length * 0.9, `decided ${decided}`);
  // Strings that are also instants or booleans, and a non-ASCII string compared ignoring case, are not grouped.
  const lenient = new NativeOptions(JSON.stringify({ quirks: 'lenient' }));
  const odd = [{ meta: { lastModified: '2011-05-13T04:42:34+00:00' } }, { meta: { lastModified: '2011-05-13T04:42:34.000Z' } },
    { flag: true }, { flag: 'TRUE' }, { id: 'straße' }, { id: 'STRASSE' }];
  for (const options of [o, lenient]) {
    for (const text of [chain('meta.lastModified', ['2011-05-13T04:42:34Z', '2011-05-13T04:42:35Z', '2011-05-13T04:42:36Z']),
      chain('flag', ['true', 'false', 'x']), chain('id', ['straße', 'a', 'b'])]) {
      agree(options, text, odd, 'not grouped');
    }
  }
  assert.equal(js(predicate(o, chain('userName', ['straße', 'a', 'b'])), { userName: 'a' }), 'none');
  // Grouped: a 50-term chain reads the member once (a getter counts the reads), not once per term.
  let reads = 0;
  const doc = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] };
  Object.defineProperty(doc, 'userName', { enumerable: true, get: () => (reads++, 'USER49@example.com') });
  const fifty = chain('userName', Array.from({ length: 50 }, (_, i) => `user${i}@example.com`));
  assert.equal(js(predicate(o, fifty), doc), true);
  assert.equal(reads, 1);
  reads = 0;
  assert.equal(js(predicate(o, `${fifty.split(' or ').slice(0, 2).join(' or ')}`), doc), false);
  assert.equal(reads, 2, 'two terms are compared one by one');
});

test('pr: empty values, objects of empty members, and nodes past a few levels counted present unread', () => {
  const o = new NativeOptions('null');
  const docs = [{ x: [[[[[[]]]]]] }, { x: [[[[[]]]]] }, { x: { a: { b: '' } } }, { x: { a: { b: { c: { d: null } } } } }, { x: {} },
    { x: [null, ''] }, { x: 0 }, { x: false }, { X: 'a' }, { x: null }, {}];
  const [decided, left] = agree(o, 'x pr', docs, 'pr');
  assert.equal([decided, left].join(), `${docs.length},0`);
  assert.deepEqual(docs.map((d) => js(predicate(o, 'x pr'), d)), [true, false, false, true, false, false, true, true, true, false, false]);
});

test('caseExact strings order by code point, as the core orders UTF-8', () => {
  const o = new NativeOptions('null');
  // U+FFFF is one UTF-16 unit above the surrogates of U+1F600, and below it as a code point.
  const docs = [{ id: '\uffff' }, { id: '\u{1F600}' }, { id: 'a' }, { id: '' }, { id: 'a\u{1F600}' }, { id: 'a\uffff' }];
  for (const want of ['\uffff', '\u{1F600}', 'a\uffff', 'a']) {
    for (const op of ['gt', 'ge', 'lt', 'le', 'eq', 'ne', 'co', 'sw', 'ew']) {
      const [decided, left] = agree(o, `id ${op} ${JSON.stringify(want)}`, docs, 'code points');
      assert.equal([decided, left].join(), `${docs.length},0`);
    }
  }
});

test('Filter.filter: the same objects in order, with native answers and errors at their index', () => {
  const { Filter, ScimError } = scim;
  const a = { userName: 'kim' };
  const b = { userName: '\u212aIM' };
  const c = { userName: 'x' };
  assert.deepEqual(new Filter('userName eq "kim"').filter([a, b, c, a]), [a, b, a]);
  let err;
  try {
    new Filter('userName eq "kim"').filter([a, c, { userName: 1n }]);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ScimError);
  assert.match(err.message, /BigInt at \[2\]/);
  assert.deepEqual(new Filter('value eq "x"').filter(['x', 'y', { value: 'x' }]), ['x', { value: 'x' }]);
});

test('options objects are read by their content: changing one after use takes effect', () => {
  const { Filter } = scim;
  const options = { quirks: 'strict' };
  assert.throws(() => new Filter('userName eq bjensen', options));
  options.quirks = 'lenient';
  assert.equal(new Filter('userName eq bjensen', options).matches({ userName: 'BJensen' }), true);
});
