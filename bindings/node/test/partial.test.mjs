// Patch#apply converts only the members a request can reach: every other member of the result is the input's own
// value, and elements of a large array that the request left equal are the input's own objects.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import scim, { Patch, ScimError } from '../index.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const request = (...Operations) => ({ schemas: [PATCH_OP], Operations });

afterEach(() => {
  for (const name of ['polluted', 'isAdmin']) assert.equal(Object.prototype[name], undefined);
});

function user() {
  return {
    schemas: [USER],
    id: '2819c223',
    userName: 'bjensen',
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    emails: [{ value: 'b@example.com', type: 'work' }],
    phoneNumbers: [{ value: '555-0100', type: 'work' }],
    addresses: [{ locality: 'Hollywood', type: 'home' }],
    meta: { resourceType: 'User', version: 'W/"1"' },
  };
}

function group(n) {
  const members = Array.from({ length: n }, (_, i) => ({ value: `m${i}`, display: `member ${i}`, type: 'User' }));
  return { schemas: [GROUP], id: 'g1', displayName: 'Tour Guides', members, meta: { resourceType: 'Group' } };
}

test('members the request does not reach are the very same values; the input is unchanged', () => {
  const doc = user();
  const before = structuredClone(doc);
  const out = new Patch(request({ op: 'replace', path: 'name.givenName', value: 'Babs' })).apply(doc);
  assert.deepEqual(doc, before);
  assert.notEqual(out, doc);
  for (const key of ['emails', 'phoneNumbers', 'addresses', 'meta']) assert.equal(out[key], doc[key], key);
  assert.notEqual(out.name, doc.name);
  assert.deepEqual(out.name, { givenName: 'Babs', familyName: 'Jensen' });
  assert.deepEqual(Object.keys(out), Object.keys(doc));
});

test('key order: the input order, a removed member left out, new members appended', () => {
  const doc = user();
  const p = new Patch(
    request(
      { op: 'remove', path: 'phoneNumbers' },
      { op: 'add', path: 'title', value: 'Tour Guide' },
      { op: 'replace', path: 'userName', value: 'babs' },
      { op: 'add', path: `${ENTERPRISE}:department`, value: 'Tours' },
    ),
  );
  const { resource: out, changed } = p.applyWithOutcome(doc);
  assert.equal(changed, true);
  const kept = Object.keys(doc).filter((k) => k !== 'phoneNumbers');
  assert.deepEqual(Object.keys(out).slice(0, kept.length), kept);
  assert.deepEqual(new Set(Object.keys(out).slice(kept.length)), new Set(['title', ENTERPRISE]));
  assert.equal(out.userName, 'babs');
  assert.ok(out.schemas.includes(ENTERPRISE));
  assert.equal('phoneNumbers' in out, false);
  assert.equal(doc.phoneNumbers.length, 1);
});

test('a failed request throws and leaves the input as it was', () => {
  const doc = user();
  const before = structuredClone(doc);
  const p = new Patch(request({ op: 'add', path: 'title', value: 'x' }, { op: 'replace', path: 'emails[type eq "home"].value', value: 'y' }));
  assert.throws(() => p.apply(doc), (e) => e instanceof ScimError && e.code === 'patch.no_target' && e.operation === 1);
  assert.deepEqual(doc, before);
});

test('a request that changes nothing returns the input members themselves', () => {
  const doc = user();
  const { resource: out, changed } = new Patch(request({ op: 'remove', path: 'emails[type eq "home"]' })).applyWithOutcome(doc);
  assert.equal(changed, false);
  assert.notEqual(out, doc);
  for (const key of Object.keys(doc)) assert.equal(out[key], doc[key], key);
});

test('hostile values in a member not reached pass through; in a reached one they are ScimErrors', () => {
  const cyclic = { a: 1 };
  cyclic.self = cyclic;
  let deep = {};
  for (let i = 0; i < 100_000; i++) deep = { a: deep };
  const fn = () => 1;
  const sym = Symbol('s');
  const doc = { ...user(), cyclic, deep, big: 10n, fn, sym, undef: undefined, nan: NaN, list: [1, , 3] }; // eslint-disable-line no-sparse-arrays
  const out = new Patch(request({ op: 'add', path: 'title', value: 'x' })).apply(doc);
  for (const key of ['cyclic', 'deep', 'big', 'fn', 'sym', 'list']) assert.equal(out[key], doc[key], key);
  assert.ok('undef' in out && out.undef === undefined && Number.isNaN(out.nan));
  assert.equal(out.title, 'x');
  const cases = [
    ['cyclic', 'document.cyclic'],
    ['deep', 'document.too_deep'],
    ['big', 'document.not_json'],
    ['fn', 'document.not_json'],
    ['sym', 'document.not_json'],
    ['undef', 'document.not_json'],
    ['nan', 'document.not_json'],
    ['list', 'document.not_json'],
  ];
  for (const [key, code] of cases) {
    const p = new Patch(request({ op: 'add', path: `${key}.x`, value: 'x' }));
    assert.throws(() => p.apply(doc), (e) => e instanceof ScimError && e.code === code && e.message.includes(`at ${key}`), key);
  }
});

test('__proto__ and constructor keys stay own data properties, reached or not', () => {
  const doc = JSON.parse(`{"schemas": ["${USER}"], "__proto__": {"isAdmin": true}, "constructor": {"polluted": true}, "userName": "x"}`);
  const untouched = new Patch(request({ op: 'replace', path: 'userName', value: 'y' })).apply(doc);
  assert.equal(Object.getPrototypeOf(untouched), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(untouched, '__proto__').value, { isAdmin: true });
  assert.equal(untouched.isAdmin, undefined);
  assert.deepEqual(Object.keys(untouched), ['schemas', '__proto__', 'constructor', 'userName']);
  const reached = new Patch(request({ op: 'add', path: 'constructor.isAdmin', value: true })).apply(doc);
  assert.equal(Object.getPrototypeOf(reached), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(reached, 'constructor').value, { polluted: true, isAdmin: true });
  assert.deepEqual(Object.getOwnPropertyDescriptor(reached, '__proto__').value, { isAdmin: true });
});

test('a large array: equal elements are the input objects, in order; changed and new ones are new objects', () => {
  const doc = group(200);
  const before = structuredClone(doc);
  const add = new Patch(request({ op: 'add', path: 'members', value: [{ value: 'new' }] })).apply(doc);
  assert.equal(add.members.length, 201);
  assert.notEqual(add.members, doc.members);
  assert.ok(doc.members.every((m, i) => add.members[i] === m));
  assert.deepEqual(add.members[200], { value: 'new' });
  assert.equal(add.meta, doc.meta);

  const removed = new Patch(request({ op: 'remove', path: 'members[value eq "m7" or value eq "m8" or value eq "m150"]' })).apply(doc);
  const expected = doc.members.filter((m) => !['m7', 'm8', 'm150'].includes(m.value));
  assert.equal(removed.members.length, 197);
  assert.ok(expected.every((m, i) => removed.members[i] === m));

  const mail = { schemas: [USER], userName: 'x', emails: doc.members.map((m) => ({ value: `${m.value}@example.com`, type: 'work' })) };
  const display = new Patch(request({ op: 'replace', path: 'emails[value eq "m5@example.com"].display', value: 'Five' })).apply(mail);
  assert.deepEqual(display.emails[5], { value: 'm5@example.com', type: 'work', display: 'Five' });
  assert.ok(mail.emails.every((m, i) => (i === 5 ? display.emails[i] !== m && !('display' in m) : display.emails[i] === m)));

  const emptied = new Patch(request({ op: 'remove', path: 'members' })).apply(doc);
  assert.equal('members' in emptied, false);
  assert.deepEqual(doc, before);
});

test('a large array whose elements are not plain JSON still converts and compares as JSON', () => {
  const doc = group(100);
  doc.members[3] = { value: 'm3', when: new Date('2012-01-01T00:00:00Z') };
  const out = new Patch(request({ op: 'add', path: 'members', value: [{ value: 'new' }] })).apply(doc);
  assert.equal(out.members.length, 101);
  assert.ok(doc.members.every((m, i) => out.members[i] === m)); // equal as JSON: the Date's object is kept
  doc.members[4] = { value: 'm4', bad: 1n };
  assert.throws(() => new Patch(request({ op: 'add', path: 'members', value: [{ value: 'x' }] })).apply(doc), (e) => e instanceof ScimError && e.code === 'document.not_json' && /members\[4\]\.bad/.test(e.message));
});

test('a member whose toJSON writes a large array is converted, not reused', () => {
  const members = group(100).members;
  const doc = { schemas: [GROUP], displayName: 'g', members: { toJSON: () => members } };
  const out = new Patch(request({ op: 'add', path: 'members', value: [{ value: 'new' }] })).apply(doc);
  assert.equal(out.members.length, 101);
  assert.deepEqual(out.members.slice(0, 100), members);
  assert.notEqual(out.members[0], members[0]);
});

test('a large array read in place: hostile values the request never reads are still ScimErrors', () => {
  const p = new Patch(request({ op: 'add', path: 'members', value: [{ value: 'new' }] }));
  const code = (doc, want, at) =>
    assert.throws(() => p.apply(doc), (e) => e instanceof ScimError && e.code === want && e.message.includes(at), want);
  const lone = group(100);
  lone.members[50].display = 'x\ud800';
  code(lone, 'document.not_json', 'members[50].display');
  const key = group(100);
  key.members[60]['\udc00'] = 1;
  code(key, 'document.not_json', 'members[60]');
  const cyclic = group(100);
  cyclic.members[70].self = cyclic.members;
  code(cyclic, 'document.cyclic', 'members[70]');
  const deep = group(100);
  let d = {};
  for (let i = 0; i < 100_000; i++) d = { a: d };
  deep.members[80].x = d;
  code(deep, 'document.too_deep', 'members[80]');
  const proxied = group(100);
  proxied.members = new Proxy(proxied.members, {});
  assert.deepEqual(p.apply(proxied).members.at(-1), { value: 'new' });
});

test('a large array read in place: __proto__ keys stay data, getters are read, the members are shared', () => {
  const doc = group(100);
  doc.members[10] = JSON.parse('{"value": "m10", "__proto__": {"isAdmin": true}}');
  let reads = 0;
  Object.defineProperty(doc.members[20], 'display', { get: () => `read ${++reads}`, enumerable: true });
  const out = new Patch(request({ op: 'add', path: 'members', value: [{ value: 'new' }] })).apply(doc);
  assert.equal(out.members.length, 101);
  assert.ok(doc.members.every((m, i) => out.members[i] === m));
  assert.equal(out.members[10].isAdmin, undefined);
  assert.ok(reads >= 1);
  const same = new Patch(request({ op: 'add', path: 'members', value: [{ value: 'm10' }] })).applyWithOutcome(doc);
  assert.equal(same.changed, false);
  assert.equal(same.resource.members, doc.members);
});

test('a key equal to a name ignoring case is the smallest such key, on every path', async () => {
  const { Filter } = await import('../index.js');
  // No member is spelled `value` exactly: a converted document reads "VALUE", the smallest, so must every reader.
  const small = [{ Value: 'b', VALUE: 'a' }, { value: 'c' }];
  const many = [...small, ...Array.from({ length: 70 }, (_, i) => ({ value: `m${i}` }))];
  for (const members of [small, many]) {
    const group = { schemas: [GROUP], displayName: 'g', members };
    const removed = new Patch(request({ op: 'remove', path: 'members[value eq "a"]' })).apply(group);
    const json = JSON.parse(
      new Patch(request({ op: 'remove', path: 'members[value eq "a"]' })).applyJson(JSON.stringify(group)),
    );
    assert.deepEqual(removed, json, `${members.length} members`);
    assert.equal(removed.members.length, members.length - 1);
    const readd = new Patch(request({ op: 'add', path: 'members', value: [{ value: 'a' }] })).applyWithOutcome(group);
    assert.equal(readd.changed, false, `${members.length} members`);
  }
  const f = new Filter('value eq "a"');
  assert.equal(f.matches({ Value: 'b', VALUE: 'a' }), true);
  assert.equal(f.matches({ VALUE: 'b', Value: 'a' }), false);
  assert.equal(f.matchesJson(JSON.stringify({ Value: 'b', VALUE: 'a' })), true);
});

test('a large array read in place with its values read ahead: any element, any value, the same result as JSON', () => {
  const doc = group(100);
  doc.members[1].value = 42;
  doc.members[2] = { display: 'no value' };
  doc.members[3].value = null;
  doc.members[4].value = { nested: 'x' };
  doc.members[5] = 'a string';
  doc.members[6] = ['an', 'array'];
  doc.members[7] = null;
  doc.members[8].value = 'é€😀';
  doc.members[9] = { value: 'Ünïcödé', display: '表示' };
  doc.members[10] = { VALUE: 'upper', Value: 'mixed' };
  doc.members[11].value = '';
  doc.members[12] = Object.assign(Object.create(null), { value: 'no prototype' });
  doc.members[13] = { value: 'm13', nested: { deeper: [1, 2, { value: 'inner' }] } };
  const long = `${'é'.repeat(20_000)}${'x'.repeat(20_000)}`; // past one piece of the read-ahead text
  doc.members[14].value = long;
  doc.members[15].value = `after ${long}`;
  const before = JSON.stringify(doc);
  const many = Array.from({ length: 20 }, (_, i) => ({ value: `m${i * 5}` }));
  const requests = [
    [{ op: 'add', path: 'members', value: [{ value: '😀 new' }] }],
    [{ op: 'add', path: 'members', value: [{ value: 'é€😀' }] }],
    [{ op: 'add', path: 'members', value: [{ value: 'Ünïcödé', display: 'again' }, { value: '' }] }],
    [{ op: 'add', path: 'members', value: [...many, { value: 'fresh' }] }],
    [{ op: 'remove', path: 'members[value eq "é€😀"]' }],
    [{ op: 'remove', path: 'members[value eq "mixed" or value eq "no prototype" or value eq "m99"]' }],
    [{ op: 'replace', path: 'members[value eq "m50"].display', value: 'Fifty' }],
    [{ op: 'remove', path: 'members[value eq "m20"]' }, { op: 'add', path: 'members', value: [{ value: 'm20' }] }],
    [{ op: 'add', path: 'members', value: [{ value: long }, { value: `after ${long}` }, { value: 'm16' }] }],
    [{ op: 'remove', path: 'members[value sw "after" or value eq "m16"]' }],
  ];
  const entra = [
    { op: 'remove', path: 'members', value: [{ value: 'Ünïcödé' }, { value: 'm60' }, { value: long }, ...many] },
  ];
  for (const [ops, quirks] of [...requests.map((ops) => [ops, 'strict']), [entra, 'entra']]) {
    const p = new Patch(request(...ops), { quirks });
    const label = JSON.stringify(ops).slice(0, 80);
    let object;
    let json;
    let inPlace;
    try {
      [object, inPlace] = readInPlace(() => p.applyWithOutcome(doc));
    } catch (e) {
      object = e;
    }
    try {
      const r = p.applyJsonWithOutcome(JSON.stringify(doc));
      json = { ...r, resource: JSON.parse(r.resource) };
    } catch (e) {
      json = e;
    }
    if (json instanceof Error) {
      assert.ok(object instanceof ScimError, `${label}: ${object}`);
      assert.equal(object.code, json.code, label);
      continue;
    }
    assert.ok(!(object instanceof Error), `${label}: ${object}`);
    assert.equal(inPlace, 1, `${label}: read in place (null is plain data)`);
    assert.deepEqual(JSON.parse(JSON.stringify(object)), json, label); // kept elements keep their prototype
    const kept = doc.members.filter((m) => object.resource.members.includes(m));
    assert.ok(kept.length >= 79, `${label}: the input's elements are kept (${kept.length})`);
  }
  assert.equal(JSON.stringify(doc), before);
});

test('a large array read ahead: an inherited value is not the element\'s, a getter is read once per apply', () => {
  const doc = group(100);
  doc.members[2] = { display: 'no value' };
  let reads = 0;
  Object.defineProperty(doc.members[30], 'value', { get: () => `got ${++reads}`, enumerable: true });
  const remove = new Patch(request({ op: 'remove', path: 'members[value eq "inherited"]' }));
  Object.prototype.value = 'inherited';
  try {
    const none = remove.applyWithOutcome(doc);
    assert.equal(none.changed, false);
    assert.equal(none.resource.members, doc.members);
    const add = new Patch(request({ op: 'add', path: 'members', value: [{ value: 'inherited' }] })).apply(doc);
    assert.equal(add.members.length, 101);
    assert.equal(add.members[2], doc.members[2]);
  } finally {
    delete Object.prototype.value;
  }
  reads = 0;
  const out = new Patch(request({ op: 'remove', path: 'members[value eq "got 1"]' })).apply(doc);
  assert.equal(reads, 1);
  assert.equal(out.members.length, 99);
  assert.ok(!out.members.includes(doc.members[30]));
});

// `fn()` and how many times it had the touched part read in place (`applyHost` answered, not the JSON path).
function readInPlace(fn) {
  const { NativePatch } = scim._native;
  const applyHost = NativePatch.prototype.applyHost;
  let n = 0;
  NativePatch.prototype.applyHost = function (...args) {
    const out = applyHost.apply(this, args);
    if (out !== null) n++;
    return out;
  };
  try {
    return [fn(), n];
  } finally {
    NativePatch.prototype.applyHost = applyHost;
  }
}

// A request that only adds to and removes from a large array gives the core's spliced form: the result is the input
// array's kept elements (by position, without reading them) and the new ones.
test('a large array only added to and removed from: odd elements, the same result as JSON, kept elements shared', () => {
  const doc = group(100);
  doc.members[1] = { Value: 'cased', display: 'key spelled Value' };
  doc.members[2].value = 42;
  doc.members[3] = 'a string';
  doc.members[4] = true;
  doc.members[5] = ['an', 'array'];
  doc.members[6] = { VALUE: 'upper', Value: 'mixed' }; // the member is "upper", the smallest key
  doc.members[7] = Object.assign(Object.create(null), { value: 'no prototype' });
  let reads = 0;
  Object.defineProperty(doc.members[8], 'value', { get: () => (++reads, 'got'), enumerable: true });
  doc.members[9] = { value: 42, Value: 'shadowed' }; // `value` is exact: the member is 42, not a string
  doc.members[10] = { display: 'no value' };
  const before = JSON.stringify(doc);
  const requests = [
    [[{ op: 'add', path: 'members', value: [{ value: 'new' }] }], 'strict', 101],
    [[{ op: 'add', path: 'members', value: [{ value: 'cased' }, { value: 'mixed' }, { value: 'got' }] }], 'strict', 101],
    [[{ op: 'add', path: 'members', value: [{ value: 'shadowed' }, { value: 'm99' }, { value: '42' }] }], 'strict', 102],
    [[{ op: 'remove', path: 'members[value eq "cased"]' }], 'strict', 99],
    [[{ op: 'remove', path: 'members[value eq "mixed" or value eq "got" or value eq "m0" or value eq "m99"]' }], 'strict', 97],
    [[{ op: 'remove', path: 'members[value eq "shadowed"]' }], 'strict', 100],
    [[{ op: 'remove', path: 'members[value eq "m50"]' }, { op: 'add', path: 'members', value: [{ value: 'm50' }, { value: 'x' }] }], 'strict', 101],
    [[{ op: 'add', path: 'members', value: [{ value: 'y' }] }, { op: 'remove', path: 'members[value eq "m11" or value eq "y"]' }], 'strict', 99],
    [[{ op: 'remove', path: 'members', value: [{ value: 'cased' }, { value: 'no prototype' }, { value: 'm98' }, { value: 'absent' }] }], 'entra', 97],
    [[{ op: 'remove', path: 'members', value: [{ value: 'm12' }] }, { op: 'add', path: 'members', value: [{ value: 'm12' }, { value: 'upper' }] }], 'entra', 100],
    [[{ op: 'remove', path: 'members', value: doc.members.slice(11).map((m) => ({ value: m.value })) }], 'entra', 11],
    [[{ op: 'remove', path: 'members[value eq "m20"]' }, { op: 'remove', path: 'members[value eq "m21"]' }, { op: 'add', path: 'members', value: [{ value: 'm21' }, { value: 'm22' }] }], 'strict', 99],
    [[{ op: 'add', path: 'members', value: [{ value: 'z' }] }, { op: 'remove', path: 'members', value: [{ value: 'z' }, { value: 'm30' }] }, { op: 'add', path: 'members', value: [{ value: 'z' }, { value: 'cased' }] }], 'entra', 100],
  ];
  for (const [ops, quirks, length] of requests) {
    const p = new Patch(request(...ops), { quirks });
    const label = JSON.stringify(ops).slice(0, 100);
    reads = 0;
    const [object, inPlace] = readInPlace(() => p.applyWithOutcome(doc));
    assert.equal(inPlace, 1, `${label}: read in place, not through JSON`);
    assert.ok(reads <= 1, `${label}: the getter is read once (${reads})`);
    const json = p.applyJsonWithOutcome(JSON.stringify(doc));
    assert.deepEqual(JSON.parse(JSON.stringify(object)), { ...json, resource: JSON.parse(json.resource) }, label);
    const out = object.resource.members;
    assert.equal(out.length, length, label);
    const kept = out.filter((m) => doc.members.includes(m));
    let at = -1;
    for (const m of kept) {
      const i = doc.members.indexOf(m);
      assert.ok(i > at, `${label}: kept elements in the input's order`);
      at = i;
    }
    if (object.changed) assert.notEqual(out, doc.members);
    else assert.equal(out, doc.members, label);
  }
  // A sparse array is not plain data: a hole reads as undefined, which JSON has no form for.
  const sparse = group(100);
  delete sparse.members[3];
  const add = new Patch(request({ op: 'add', path: 'members', value: [{ value: 'new' }] }));
  assert.throws(() => add.apply(sparse), (e) => e instanceof ScimError && e.code === 'document.not_json' && /members\[3\]/.test(e.message));
  assert.equal(JSON.stringify(doc), before);
});

test('a spliced array below the top level, large or small, is the input elements and the new ones', () => {
  const EXT = 'urn:example:params:scim:schemas:extension:tags:2.0:Group';
  const attr = (name, type, extra = {}) => ({
    name, type, multiValued: true, required: false, mutability: 'readWrite', returned: 'default', ...extra,
  });
  const schemas = [{
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id: EXT,
    name: 'Tags',
    attributes: [
      attr('tags', 'string'),
      attr('owners', 'complex', { subAttributes: [{ name: 'value', type: 'string', multiValued: false }] }),
    ],
  }];
  const doc = group(80);
  doc.schemas = [GROUP, EXT];
  doc[EXT] = { tags: ['a', 'b', 'c'], owners: Array.from({ length: 70 }, (_, i) => ({ value: `o${i}` })) };
  // Each request also adds to `members`, so that the part is read in place (a large top-level array).
  const requests = [
    [{ op: 'add', path: `${EXT}:tags`, value: ['d'] }],
    [{ op: 'remove', path: `${EXT}:tags[value eq "b"]` }, { op: 'add', path: `${EXT}:tags`, value: ['e'] }],
    [{ op: 'add', path: `${EXT}:owners`, value: [{ value: 'o70' }] }, { op: 'remove', path: 'members[value eq "m3"]' }],
    [{ op: 'remove', path: `${EXT}:owners[value eq "o5"]` }, { op: 'add', path: `${EXT}:owners`, value: [{ value: 'x' }] }],
  ];
  for (const ops of requests) {
    const p = new Patch(request(...ops, { op: 'add', path: 'members', value: [{ value: 'new' }] }), { schemas });
    const label = JSON.stringify(ops).slice(0, 100);
    const [out, inPlace] = readInPlace(() => p.apply(doc));
    assert.equal(inPlace, 1, `${label}: read in place, not through JSON`);
    assert.deepEqual(out, JSON.parse(p.applyJson(JSON.stringify(doc))), label);
    const owners = out[EXT].owners;
    assert.ok(owners.filter((o) => doc[EXT].owners.includes(o)).length >= 69, `${label}: the owners are the input's`);
    assert.ok(out.members.filter((m) => doc.members.includes(m)).length >= 79, `${label}: the members are the input's`);
  }
});
