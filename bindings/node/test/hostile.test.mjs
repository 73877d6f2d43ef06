// Hostile input: prototype-named attributes, cycles, extreme nesting, values JSON has no form for, lone
// surrogates, huge strings. Each is an answer or a ScimError/TypeError with a clear message, never a crash, a hang,
// a stack overflow or a polluted Object.prototype.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Filter, Patch, ScimError } from '../index.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const request = (...Operations) => ({ schemas: [PATCH_OP], Operations });
const user = () => ({ schemas: [USER], userName: 'bjensen' });

afterEach(() => {
  for (const name of ['polluted', 'isAdmin', 'value', 'x']) {
    assert.equal(Object.prototype[name], undefined, `Object.prototype.${name} was set`);
    assert.equal(name in {}, false);
  }
});

function rejects(fn, code, pattern) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ScimError, `expected a ScimError, got ${err}`);
  assert.equal(err.code, code, err.message);
  if (pattern) assert.match(err.message, pattern);
  return err;
}

test('constructor and prototype in PATCH paths are own data properties; __proto__ is no attribute name', () => {
  rejects(() => new Patch(request({ op: 'add', path: '__proto__', value: { polluted: true } })), 'path.invalid_attr_path');
  rejects(() => new Patch(request({ op: 'add', path: '__proto__.polluted', value: true })), 'path.invalid_attr_path');
  for (const name of ['constructor', 'prototype', 'toString', 'hasOwnProperty']) {
    const p = new Patch(request({ op: 'add', path: name, value: { polluted: true } }, { op: 'add', path: `${name}.isAdmin`, value: true }));
    for (const out of [p.apply(user()), JSON.parse(p.applyJson(JSON.stringify(user())))]) {
      assert.equal(Object.getPrototypeOf(out), Object.prototype);
      assert.ok(Object.hasOwn(out, name), name);
      assert.deepEqual(Object.getOwnPropertyDescriptor(out, name).value, { polluted: true, isAdmin: true });
      assert.equal(out.polluted, undefined);
    }
  }
});

test('__proto__ keys in pathless values and in documents stay data', () => {
  const value = JSON.parse('{"__proto__": {"polluted": true}}');
  rejects(() => new Patch(request({ op: 'add', value })).apply(user()), 'patch.invalid_value', /"__proto__" in "value"/);
  const ctor = JSON.parse('{"constructor": {"prototype": {"polluted": true}}}');
  const out = new Patch(request({ op: 'add', value: ctor })).apply(user());
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(out.constructor, { prototype: { polluted: true } });
  const sub = JSON.parse('{"__proto__": {"polluted": true}, "givenName": "B"}');
  const named = new Patch(request({ op: 'add', path: 'name', value: sub })).apply(user());
  assert.deepEqual(Object.getOwnPropertyDescriptor(named.name, '__proto__')?.value, { polluted: true });
  assert.equal(Object.getPrototypeOf(named.name), Object.prototype);
  const doc = JSON.parse('{"schemas": ["' + USER + '"], "userName": "x", "__proto__": {"isAdmin": true}}');
  const patched = new Patch(request({ op: 'replace', path: 'userName', value: 'y' })).apply(doc);
  assert.deepEqual(Object.getOwnPropertyDescriptor(patched, '__proto__').value, { isAdmin: true });
  assert.equal(patched.isAdmin, undefined);
});

test('filters read own properties only: nothing comes from the prototype', () => {
  rejects(() => new Filter('__proto__ pr'), 'filter.invalid_attr_path');
  for (const name of ['constructor', 'toString', 'hasOwnProperty', 'prototype', 'valueOf']) {
    const f = new Filter(`${name} pr`);
    assert.equal(f.matches({}), false, name);
    assert.equal(f.matchesJson('{}'), false, name);
  }
  const inherited = Object.create({ userName: 'from the prototype' });
  assert.equal(new Filter('userName pr').matches(inherited), false);
  assert.equal(new Filter('constructor eq "x"').matches({ constructor: 'x' }), true);
});

test('a cyclic document is a ScimError naming the cycle', () => {
  const doc = user();
  doc.manager = { self: doc };
  const err = rejects(() => new Patch(request({ op: 'add', path: 'manager.value', value: 'x' })).apply(doc), 'document.cyclic', /contains itself/);
  assert.equal(err.scimType, 'invalidValue');
  assert.ok(err.message.length < 500, 'the path in the message is shortened');
  // Filters read only what they name, so a cycle elsewhere does not matter.
  assert.equal(new Filter('userName eq "bjensen"').matches(doc), true);
  const arr = [];
  arr.push(arr);
  rejects(() => new Patch(request({ op: 'add', path: 'a', value: ['x'] })).apply({ userName: 'x', a: arr }), 'document.cyclic');
  // A member the request cannot reach is not converted: it passes through, the very same object.
  assert.equal(new Patch(request({ op: 'add', path: 'title', value: 'x' })).apply(doc).manager, doc.manager);
  rejects(() => new Patch(request({ op: 'add', path: 'title', value: arr })), 'document.cyclic');
});

test('100,000-deep nesting is refused, never a stack overflow', () => {
  let deep = {};
  for (let i = 0; i < 100_000; i++) deep = { a: deep };
  const p = new Patch(request({ op: 'add', path: 'title', value: 'x' }));
  rejects(() => new Patch(request({ op: 'add', path: 'deep.b', value: 'x' })).apply({ userName: 'x', deep }), 'document.too_deep', /deeper than 128/);
  assert.equal(p.apply({ userName: 'x', deep }).deep, deep); // not reached: passes through
  const value = rejects(() => new Patch(request({ op: 'add', path: 'title', value: deep })), 'document.too_deep', /deeper than 128 levels .*at Operations\[0\]\.value\.a/);
  assert.equal(value.operation, 0);
  assert.equal(new Filter('userName pr').matches({ userName: 'x', deep }), true);
  assert.equal(new Filter('a.a pr').matches(deep), true);
  const text = '['.repeat(100_000) + ']'.repeat(100_000);
  rejects(() => new Filter('a pr').matchesJson(`{"a": ${text}}`), 'document.too_deep');
  rejects(() => p.applyJson(`{"a": ${text}}`), 'document.too_deep');
  rejects(() => Patch.fromJson(text), 'document.too_deep');
  // A smaller limit applies to every path.
  const shallow = new Patch(request({ op: 'add', path: 'title', value: 'x' }), { limits: { maxDocumentDepth: 3 } });
  rejects(() => shallow.apply({ title: { b: { c: { d: 1 } } } }), 'document.too_deep');
  rejects(() => shallow.applyJson('{"a": {"b": {"c": {"d": 1}}}}'), 'document.too_deep');
});

test('BigInt, undefined, functions, symbols, NaN and Infinity are ScimErrors naming where they are', () => {
  // The request reaches badge and list, so both are converted; title is all that `other` reaches.
  const p = new Patch(request({ op: 'add', path: 'badge', value: 'x' }, { op: 'add', path: 'list', value: [1] }));
  const other = new Patch(request({ op: 'add', path: 'title', value: 'x' }));
  const cases = [
    [1n, /BigInt at badge/],
    [undefined, /undefined at badge/],
    [() => 1, /a function at badge/],
    [Symbol('s'), /a symbol at badge/],
    [NaN, /NaN at badge/],
    [Infinity, /Infinity at badge/],
    [-Infinity, /-Infinity at badge/],
  ];
  for (const [v, pattern] of cases) {
    rejects(() => p.apply({ userName: 'x', badge: v }), 'document.not_json', pattern);
    rejects(() => p.apply({ userName: 'x', list: [{ badge: v }] }), 'document.not_json', /at list\[0\]\.badge/);
    const out = other.apply({ userName: 'x', badge: v, list: [{ badge: v }] });
    assert.ok(Object.is(out.badge, v) && Object.is(out.list[0].badge, v), 'a member not reached passes through');
    const inRequest = rejects(() => new Patch(request({ op: 'add', path: 'a', value: 1 }, { op: 'add', path: 'title', value: [v] })), 'document.not_json', /Operations\[1\]\.value\[0\]/);
    assert.equal(inRequest.operation, 1);
    // A filter meets the value only when it reads that attribute.
    rejects(() => new Filter('badge eq 1').matches({ badge: v }), 'document.not_json');
    assert.equal(new Filter('userName pr').matches({ userName: 'x', badge: v }), true);
  }
  // A sparse array's hole is undefined too.
  rejects(() => p.apply({ userName: 'x', list: [1, , 3] }), 'document.not_json', /list\[1\]/); // eslint-disable-line no-sparse-arrays
});

test('lone surrogates: a TypeError in texts, a ScimError in documents', () => {
  assert.throws(() => new Filter('userName eq "\ud800"'), { name: 'TypeError', message: /lone surrogate at index 13/ });
  assert.throws(() => new Filter('a pr').matchesJson('{"a": "\udc00"}'), TypeError);
  assert.throws(() => Patch.fromJson('{"x": "\ud800"}'), TypeError);
  const p = new Patch(request({ op: 'add', path: 'nick', value: 'x' }));
  rejects(() => p.apply({ userName: 'x', nick: 'a\ud800b' }), 'document.not_json', /lone surrogate .*at nick/);
  // A key naming a schema (it holds a colon) is always reached.
  rejects(() => p.apply({ userName: 'x', ['urn:k\udc00']: 1 }), 'document.not_json', /lone surrogate/);
  assert.equal(p.apply({ userName: 'x', title: 'a\ud800b' }).title, 'a\ud800b'); // not reached: passes through
  rejects(() => new Filter('nick eq "a"').matches({ nick: '\ud800' }), 'document.not_json');
  rejects(() => new Patch(request({ op: 'add', path: 'title', value: '\ud800' })), 'document.not_json');
  // An escaped lone surrogate in JSON text is refused by the parser.
  rejects(() => new Filter('a pr').matchesJson('{"a": "\\ud800"}'), 'document.invalid_json');
  // A real U+FFFD is text.
  assert.equal(new Filter('nick eq "\ufffd"').matches({ nick: '\ufffd' }), true);
  const doc = { emails: [{ value: 'a\ufffd' }] };
  const out = new Patch(request({ op: 'add', path: 'emails', value: [{ value: 'b' }] })).apply(doc);
  assert.ok(out.emails[0] !== doc.emails[0] && out.emails[0].value === 'a\ufffd');
});

test('huge strings: a filter past the limit is refused; big values work', () => {
  rejects(() => new Filter(`userName eq "${'x'.repeat(300_000)}"`), 'filter.too_long');
  const big = 'y'.repeat(20_000_000);
  assert.equal(new Filter('nick sw "yy"').matches({ nick: big }), true);
  const out = new Patch(request({ op: 'add', path: 'title', value: big })).apply(user());
  assert.equal(out.title.length, big.length);
  rejects(() => new Filter(`a eq "${'('.repeat(10)}"`, { limits: { maxFilterLength: 8 } }), 'filter.too_long');
});

test('values of the wrong JavaScript type are TypeErrors with a clear message', () => {
  const f = new Filter('a pr');
  assert.throws(() => f.matches(undefined), { name: 'TypeError', message: /resource must be an object, got undefined/ });
  assert.throws(() => f.matches('{"a": 1}'), TypeError);
  assert.throws(() => f.filter({ length: 1 }), /must be an array/);
  assert.throws(() => f.matchesJson({}), TypeError);
  assert.throws(() => new Patch(request({ op: 'add', path: 'title', value: 'x' })).apply(null), TypeError);
  assert.throws(() => new Filter('a pr', { schemas: [1n] }), TypeError);
  rejects(() => f.filter([{ a: 1 }, { a: 1n }]), 'document.not_json', /at \[1\]/);
});

test('getters, proxies and class instances are read as their own enumerable data', () => {
  class Account {
    constructor() {
      this.userName = 'x';
    }
    get hidden() {
      return 'not own enumerable';
    }
  }
  const out = new Patch(request({ op: 'add', path: 'title', value: 't' })).apply(new Account());
  assert.deepEqual(out, { userName: 'x', title: 't' });
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  const proxy = new Proxy({ userName: 'p' }, {});
  assert.equal(new Filter('userName eq "p"').matches(proxy), true);
  const frozen = Object.freeze({ userName: 'f' });
  assert.equal(new Patch(request({ op: 'replace', path: 'userName', value: 'g' })).apply(frozen).userName, 'g');
});

// The shared hostile inputs of the hardening issue, as the Rust tests (scim-expr/tests/hostile.rs) also run them.

test('100,000 nested parentheses are filter.too_deep at the depth limit', () => {
  const text = '('.repeat(100_000) + 'userName eq "x"' + ')'.repeat(100_000);
  for (const maxDepth of [64, 128]) {
    const err = rejects(() => new Filter(text, { limits: { maxDepth } }), 'filter.too_deep');
    assert.equal(err.position, maxDepth);
  }
});

test('a 10 MB filter is filter.too_long, and parses and matches with the limit raised', () => {
  const text = `userName eq "${'a'.repeat(10_000_000)}"`;
  rejects(() => new Filter(text), 'filter.too_long');
  const f = new Filter(text, { limits: { maxFilterLength: 20_000_000 } });
  assert.equal(f.matches({ userName: 'A'.repeat(10_000_000) }), true);
  assert.equal(f.matches({ userName: 'a' }), false);
});

test('a 1,000,000-term or chain parses, evaluates and prints with the length limit raised', () => {
  const text = Array.from({ length: 1_000_000 }, (_, i) => `userName eq "u${i}"`).join(' or ');
  rejects(() => new Filter(text), 'filter.too_long');
  const f = new Filter(text, { limits: { maxFilterLength: text.length } });
  assert.equal(f.matches({ userName: 'U999999' }), true);
  assert.equal(f.matches({ userName: 'u1000000' }), false);
  assert.equal(String(f), text);
});

test('integers past 2^53 and 2^64 compare by value; NaN is no JSON number', () => {
  assert.equal(new Filter('x gt 9007199254740992').matches({ x: 2 ** 60 }), true);
  assert.equal(new Filter('x eq 18446744073709551615').matches({ x: 2 ** 64 }), false);
  assert.equal(new Filter('x gt 18446744073709551615').matches({ x: 2 ** 65 }), true);
  assert.equal(new Filter('x eq 18446744073709551616').matchesJson('{"x": 18446744073709551616}'), true);
  rejects(() => new Filter('x eq 1e400'), 'filter.invalid_number');
  const replace = new Patch(request({ op: 'replace', path: 'n', value: 1 }));
  assert.equal(rejects(() => replace.apply({ ...user(), n: NaN }), 'document.not_json').scimType, 'invalidValue');
});

test('invalid UTF-8 cannot reach the core: JS strings are UTF-16, and bytes are refused with a TypeError', () => {
  const f = new Filter('userName eq "x"');
  const bytes = Buffer.from([0x7b, 0x22, 0x75, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]);
  assert.throws(() => f.matchesJson(bytes), { name: 'TypeError', message: /must be a string/ });
  assert.throws(() => new Filter(bytes), TypeError);
});
