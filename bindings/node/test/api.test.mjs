// The API around the fixed names: loading (require, import), Filter, Patch, Path, options, outcomes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, symlinkSync, rmSync, writeFileSync } from 'node:fs';
import { inspect } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esm from '../index.mjs';
import cjs from '../index.js';

const { Filter, Patch, Path, ScimError, quirkNames } = cjs;
const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const request = (...Operations) => ({ schemas: [PATCH_OP], Operations });

test('require by path and import by package name both load the addon', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scim-expr-'));
  try {
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(pkg, path.join(dir, 'node_modules', 'scim-expr'), 'dir');
    const code = [
      `const a = require(${JSON.stringify(pkg)});`,
      'const b = require("scim-expr");',
      'import("scim-expr").then((m) => {',
      '  const f = new m.Filter(\'userName eq "x"\');',
      '  if (!(m.Filter === a.Filter && a.Filter === b.Filter && f.matches({ userName: "X" }))) process.exit(3);',
      '  console.log("loaded");',
      '});',
    ].join('\n');
    const r = spawnSync(process.execPath, ['-e', code], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'loaded');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the addon loads in worker threads alongside the main thread', () => {
  const code = [
    'const { Worker, isMainThread, parentPort } = require("node:worker_threads");',
    `const { Filter, Patch } = require(${JSON.stringify(pkg)});`,
    'const f = new Filter(\'userName eq "x"\');',
    'if (isMainThread) {',
    '  let done = 0;',
    '  for (let i = 0; i < 2; i++) new Worker(__filename).on("message", (m) => {',
    '    if (m !== 1000) process.exit(3);',
    '    if (++done === 2) console.log(f.matches({ userName: "X" }));',
    '  });',
    '} else {',
    '  let n = 0;',
    '  for (let i = 0; i < 1000; i++) if (f.matches({ userName: "X" })) n++;',
    '  parentPort.postMessage(n);',
    '}',
  ].join('\n');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scim-expr-'));
  try {
    const file = path.join(dir, 'workers.js');
    writeFileSync(file, code);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'true');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the ES module exports the same classes', () => {
  assert.equal(esm.Filter, Filter);
  assert.equal(esm.Patch, Patch);
  assert.equal(esm.ScimError, ScimError);
  assert.equal(esm.default, cjs);
});

test('Filter: matches, canonical form, equality, inspection', () => {
  const f = new Filter('userName eq "bjensen"', { quirks: 'strict' });
  assert.equal(f.matches({ userName: 'BJensen' }), true);
  assert.equal(f.matches({ userName: 'other' }), false);
  assert.equal(f.matches({}), false);
  assert.equal(String(f), 'userName eq "bjensen"');
  assert.equal(JSON.stringify({ f }), '{"f":"userName eq \\"bjensen\\""}');
  assert.equal(inspect(f), 'Filter("userName eq \\"bjensen\\"")');
  assert.ok(new Filter('userName   EQ "bjensen"').equals(f));
  assert.ok(!new Filter('userName eq "x"').equals(f));
  assert.ok(!f.equals('userName eq "bjensen"'));
  assert.deepEqual(f.quirksFired, []);
});

test('Filter: the constructor validates; the predicate is built on the first use, whichever it is', () => {
  assert.throws(() => new Filter('userName eq "x" and'), { code: 'filter.unexpected_end', position: 19 });
  const docs = [{ userName: 'Ünï' }, { userName: 'x' }];
  // Every entry point first, then the others: each answers as it would alone.
  for (const text of ['userName eq "x"', 'userName eq "ÜNÏ"']) {
    const want = text.includes('x') ? [docs[1]] : [docs[0]];
    const a = new Filter(text);
    assert.deepEqual(a.filter(docs), want);
    assert.equal(a.matches(want[0]), true);
    const b = new Filter(text);
    assert.equal(String(b), text);
    assert.equal(b.matches(want[0]), true);
    assert.deepEqual(b.filter(docs), want);
    const c = new Filter(text);
    assert.equal(c.matchesJson(JSON.stringify(want[0])), true);
    assert.equal(c.matches(docs[0]), want[0] === docs[0]);
    assert.ok(new Filter(text).equals(c));
  }
});

test('Filter: every preset, and quirksFired', () => {
  for (const quirks of ['strict', 'entra', 'okta', 'lenient']) assert.ok(new Filter('title pr', { quirks }));
  const f = new Filter('emails[type eq "work"].value eq "a@example.com"', { quirks: 'entra' });
  assert.deepEqual(f.quirksFired, ['value_path_comparison']);
  assert.equal(String(f), 'emails[type eq "work" and value eq "a@example.com"]');
  assert.throws(() => new Filter('externalId eq jyoung', { quirks: 'entra' }), { code: 'filter.invalid_value' });
  assert.ok(new Filter('externalId eq jyoung', { quirks: { preset: 'entra', on: ['unquoted_values'] } }));
  assert.throws(() => new Filter('x pr', { quirks: { preset: 'lenient', off: ['nope'] } }), ScimError);
});

test('Filter#filter returns the matching objects themselves, in order', () => {
  const docs = [{ userName: 'a', title: 't' }, { userName: 'b' }, { userName: 'c', title: 'x' }];
  const found = new Filter('title pr').filter(docs);
  assert.equal(found.length, 2);
  assert.equal(found[0], docs[0]);
  assert.equal(found[1], docs[2]);
  assert.deepEqual(new Filter('title pr').filter([]), []);
});

test('Filter: the JSON twin agrees with the object path', () => {
  const f = new Filter('emails[type eq "work" and value co "@example.com"]');
  const doc = { schemas: [USER], emails: [{ type: 'work', value: 'b@example.com' }] };
  assert.equal(f.matchesJson(JSON.stringify(doc)), true);
  assert.equal(f.matches(doc), true);
  assert.equal(f.matchesJson('{"emails": []}'), false);
});

test('Filter: Date values read as their ISO string, as JSON.stringify writes them', () => {
  const f = new Filter('meta.lastModified gt "2011-05-13T04:42:34Z"');
  const doc = { schemas: [USER], meta: { lastModified: new Date('2012-01-01T00:00:00Z') } };
  assert.equal(f.matches(doc), true);
  assert.equal(f.matchesJson(JSON.stringify(doc)), true);
  // A member the request reaches is converted (a Date becomes its ISO string); the others pass through.
  doc.emails = [{ value: 'a@example.com', verified: new Date('2012-01-01T00:00:00Z') }];
  const out = new Patch(request({ op: 'add', path: 'emails', value: [{ value: 'b@example.com' }] })).apply(doc);
  assert.equal(out.emails[0].verified, '2012-01-01T00:00:00.000Z');
  assert.equal(out.meta, doc.meta);
});

test('options: resource type, custom schemas, limits; misuse is a TypeError', () => {
  assert.ok(new Filter('userName eq "BJENSEN"', { resourceType: 'User' }).matches({ userName: 'bjensen' }));
  const schema = {
    id: 'urn:example:schemas:Printer',
    name: 'Printer',
    attributes: [{ name: 'serial', type: 'string', caseExact: true, multiValued: false }],
  };
  const f = new Filter('serial eq "AB1"', { schemas: [schema], resourceType: 'Printer' });
  assert.equal(f.matches({ serial: 'AB1' }), true);
  assert.equal(f.matches({ serial: 'ab1' }), false);
  assert.throws(() => new Filter('a pr', { resourceType: 'Printer' }), ScimError);
  assert.throws(() => new Filter('((a pr))', { limits: { maxDepth: 1 } }), { code: 'filter.too_deep' });
  assert.throws(() => new Filter('a pr', { quirks: 'azure' }), TypeError);
  assert.throws(() => new Filter('a pr', { quirk: 'entra' }), TypeError);
  assert.throws(() => new Filter('a pr', { limits: { maxDepth: -1 } }), TypeError);
  assert.throws(() => new Filter('a pr', 'entra'), TypeError);
  assert.throws(() => new Filter(42), TypeError);
});

test('quirkNames lists what a setting enables', () => {
  const all = quirkNames();
  assert.ok(all.includes('boolean_strings') && all.includes('unquoted_values'));
  assert.deepEqual(quirkNames('strict'), []);
  assert.deepEqual(quirkNames('okta'), []);
  assert.ok(quirkNames('lenient').includes('unquoted_values'));
  assert.ok(!quirkNames('entra').includes('unquoted_values'));
  assert.deepEqual(quirkNames({ preset: 'strict', on: ['empty_operations'] }), ['empty_operations']);
});

test('Patch: apply returns a new plain object and never mutates the input', () => {
  const user = Object.freeze({ schemas: Object.freeze([USER]), userName: 'bjensen', name: Object.freeze({ givenName: 'B' }) });
  const p = new Patch(request({ op: 'replace', path: 'name.givenName', value: 'Babs' }, { op: 'add', path: 'title', value: 'Lead' }));
  const out = p.apply(user);
  assert.deepEqual(out, { schemas: [USER], userName: 'bjensen', name: { givenName: 'Babs' }, title: 'Lead' });
  assert.equal(user.name.givenName, 'B');
  assert.notEqual(out, user);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.equal(Object.getPrototypeOf(out.name), Object.prototype);
  assert.ok(Array.isArray(out.schemas));
});

test('Patch: outcome says whether anything changed and which tolerances fired', () => {
  const user = { schemas: [USER], userName: 'bjensen', active: true };
  const same = new Patch(request({ op: 'replace', path: 'active', value: true })).applyWithOutcome(user);
  assert.equal(same.changed, false);
  const entra = new Patch(request({ op: 'Replace', path: 'active', value: 'False' }), { quirks: 'entra' });
  const out = entra.applyWithOutcome(user);
  assert.deepEqual([out.changed, out.quirksFired, out.resource.active], [true, ['boolean_strings'], false]);
  // A tolerance that fires on a request that changes nothing: the input's members, the tolerance named.
  const noop = new Patch(request({ op: 'Replace', path: 'active', value: 'True' }), { quirks: 'entra' }).applyWithOutcome(user);
  assert.deepEqual([noop.changed, noop.quirksFired], [false, ['boolean_strings']]);
  assert.deepEqual(noop.resource, user);
  assert.equal(noop.resource.schemas, user.schemas);
  const json = entra.applyJsonWithOutcome(JSON.stringify(user));
  assert.equal(typeof json.resource, 'string');
  assert.deepEqual(JSON.parse(json.resource), out.resource);
  assert.deepEqual([json.changed, json.quirksFired], [true, ['boolean_strings']]);
  assert.equal(entra.applyJson(JSON.stringify(user)), json.resource);
});

test('Patch.fromJson parses a raw request body', () => {
  const p = Patch.fromJson(JSON.stringify(request({ op: 'add', path: 'nickName', value: 'Babs' })));
  assert.equal(p.apply({ schemas: [USER], userName: 'x' }).nickName, 'Babs');
  assert.throws(() => Patch.fromJson('{"schemas": '), { code: 'document.invalid_json', scimType: 'invalidSyntax' });
  assert.throws(() => Patch.fromJson(42), TypeError);
});

test('Patch: a large group goes through both paths alike', () => {
  const members = Array.from({ length: 10_000 }, (_, i) => ({ value: `m${i}` }));
  const group = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'g', members };
  const p = new Patch(request({ op: 'remove', path: 'members[value eq "m5000"]' }));
  const out = p.apply(group);
  assert.equal(out.members.length, 9_999);
  assert.equal(group.members.length, 10_000);
  assert.deepEqual(JSON.parse(p.applyJson(JSON.stringify(group))), out);
});

test('Path validates and prints a PATCH path', () => {
  const p = new Path('emails[type EQ "work"  AND primary eq true].value');
  assert.equal(String(p), 'emails[type eq "work" and primary eq true].value');
  assert.ok(new Path(String(p)).equals(p));
  assert.throws(() => new Path('emails[type eq "work"'), { code: 'path.unclosed_bracket', scimType: 'invalidPath', position: 6 });
});
