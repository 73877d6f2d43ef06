// The JavaScript steps (steps.js) against the engine: every PATCH vector, and generated users and requests of the
// shapes the steps cover, applied once through the steps and once natively with the steps switched off. Results,
// `changed`, `quirksFired` and errors must agree, and enough requests must take the steps for that to mean
// something.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { vectorOptions } from '../support/vector-options.mjs';

const require = createRequire(import.meta.url);
const scim = require('../index.js');
const { Patch, ScimError } = scim;
const STEPS = scim._steps;

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.join(here, '../../../tests/vectors');

function outcome(patch, doc) {
  try {
    return { value: patch.applyWithOutcome(doc) };
  } catch (error) {
    return { error };
  }
}

/** `patch` on `doc` both ways; returns whether the steps were taken. Throws where the two differ. */
function both(patch, doc, label) {
  const before = JSON.stringify(doc);
  STEPS.enabled = true;
  const taken = STEPS.taken;
  const viaSteps = outcome(patch, doc);
  const took = STEPS.taken > taken;
  STEPS.enabled = false;
  let native;
  try {
    native = outcome(patch, doc);
  } finally {
    STEPS.enabled = true;
  }
  assert.equal(JSON.stringify(doc), before, `${label}: the input changed`);
  if (native.error || viaSteps.error) {
    // The steps never answer with an error of their own: they leave every refusal to the engine.
    assert.ok(!took, `${label}: the steps were taken and the engine refuses: ${native.error?.message}`);
    assert.ok(native.error instanceof ScimError && viaSteps.error instanceof ScimError, `${label}: ${native.error ?? viaSteps.error}`);
    assert.equal(viaSteps.error.code, native.error.code, label);
    return took;
  }
  assert.deepStrictEqual(viaSteps.value.resource, native.value.resource, `${label}: resource`);
  assert.equal(viaSteps.value.changed, native.value.changed, `${label}: changed`);
  assert.deepStrictEqual(viaSteps.value.quirksFired, native.value.quirksFired, `${label}: quirksFired`);
  return took;
}

test('every PATCH vector gives the same outcome through the steps as natively', () => {
  let cases = 0;
  let taken = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'xfail.json')) {
    for (const group of JSON.parse(readFileSync(path.join(dir, file), 'utf8'))) {
      for (const c of group.cases) {
        if (c.op !== 'patch') continue;
        let patch;
        try {
          patch = new Patch(c.request, vectorOptions(group));
        } catch {
          continue; // refused when parsed: no document is read
        }
        cases++;
        if (both(patch, c.doc ?? group.doc, c.id)) taken++;
      }
    }
  }
  // Counted when written: 744 PATCH vectors, 198 of which take the steps.
  assert.ok(cases > 500, `${cases} PATCH vectors`);
  assert.ok(taken > 100, `only ${taken} of ${cases} PATCH vectors took the steps`);
});

// A small deterministic generator (mulberry32).
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

function generator(seed) {
  const r = rng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const chance = (p) => r() < p;
  // A spelling of `name` in some ASCII case.
  const spell = (name) => (chance(0.7) ? name : [...name].map((ch) => (chance(0.5) ? ch.toUpperCase() : ch.toLowerCase())).join(''));
  const put = (o, name, v) => {
    o[spell(name)] = v;
    if (chance(0.05)) o[spell(name)] = v; // now and then a second spelling of the same member
  };
  const element = () => {
    if (chance(0.08)) return pick(['work', 'x@y', 'c@example.com', 3, null, {}, []]);
    const e = {};
    if (chance(0.85)) put(e, 'type', pick(['work', 'home', 'Work', 'other']));
    if (chance(0.85)) put(e, 'value', pick(['a@example.com', 'b@example.com', 'c@x']));
    if (chance(0.4)) put(e, 'primary', pick([true, false, true, 'true']));
    if (chance(0.1)) put(e, 'display', 'd');
    if (chance(0.1)) e.weight = r(); // a double the request never writes: it must come back bit for bit
    return e;
  };
  const list = () => Array.from({ length: Math.floor(r() * 4) }, element);
  const shapeOf = (v) => pick([v, v, v, v, null, 'text', [], {}]);
  const doc = () => {
    const d = {};
    if (chance(0.9)) {
      const schemas = [];
      if (chance(0.9)) schemas.push(pick([USER, USER, USER.toLowerCase(), GROUP]));
      if (chance(0.4)) schemas.push(pick([ENTERPRISE, ENTERPRISE.toUpperCase()]));
      if (chance(0.1)) schemas.push(7);
      put(d, 'schemas', chance(0.95) ? schemas : 'not a list');
    }
    put(d, 'userName', 'bjensen');
    if (chance(0.7)) put(d, 'name', shapeOf({ givenName: 'Barbara', familyName: 'Jensen' }));
    if (chance(0.7)) put(d, 'emails', shapeOf(list()));
    if (chance(0.5)) put(d, 'phoneNumbers', shapeOf(list()));
    if (chance(0.5)) put(d, 'active', pick([true, false, 'True', null]));
    if (chance(0.4)) put(d, 'displayName', pick(['Babs', 'x', '']));
    if (chance(0.5)) {
      const ext = {};
      if (chance(0.6)) put(ext, 'department', pick(['Finance', 'Tour Operations']));
      if (chance(0.3)) put(ext, 'costCenter', '4130');
      if (chance(0.3)) ext.ratio = r() * 1000;
      d[chance(0.8) ? ENTERPRISE : spell(ENTERPRISE)] = shapeOf(ext);
    }
    if (chance(0.2)) d.__proto__ = { polluted: true }; // an own data property, from JSON.parse
    if (chance(0.3)) d.meta = { resourceType: 'User', version: 'W/"1"' };
    return d;
  };
  const filters = ['type eq "work"', 'type eq "Work"', 'value co "@example.com"', 'primary eq true', 'type eq "home" or value sw "c"', 'not (type pr)'];
  const operation = () => {
    const op = pick(['add', 'replace', 'remove', 'Replace', 'Add', 'Remove']);
    const remove = op.toLowerCase() === 'remove';
    switch (Math.floor(r() * 9)) {
      case 0:
        return { op, path: spell(pick(['active', 'displayName', 'nickName', 'title'])), ...(remove ? {} : { value: pick(['x', 'Babs', true, 'False', 'true']) }) };
      case 1:
        return { op, path: `${ENTERPRISE}:${spell(pick(['department', 'costCenter', 'division']))}`, ...(remove ? {} : { value: pick(['Finance', 'HR']) }) };
      case 2:
        return { op, path: `${spell('name')}.${spell(pick(['givenName', 'familyName', 'middleName']))}`, ...(remove ? {} : { value: pick(['Babs', 'J']) }) };
      case 3:
      case 4: {
        const attr = spell(pick(['emails', 'phoneNumbers']));
        const sub = spell(pick(['value', 'type', 'primary', 'display']));
        const value = sub.toLowerCase() === 'primary' ? pick([true, false, 'True']) : pick(['new@example.com', 'work']);
        return { op: remove ? 'replace' : op, path: `${attr}[${pick(filters)}].${sub}`, value };
      }
      case 5:
        return { op: 'remove', path: `${spell(pick(['emails', 'phoneNumbers']))}[${pick(filters)}]` };
      case 6:
        return { op: remove ? 'replace' : op, value: { [spell('displayName')]: 'D', ...(chance(0.5) ? { [spell('active')]: pick([true, 'False']) } : {}) } };
      case 7:
        return { op: 'remove', path: `${ENTERPRISE}:${spell('department')}` };
      default:
        return { op: 'remove', path: `${spell('name')}.${spell(pick(['givenName', 'middleName']))}` };
    }
  };
  const request = () => ({ schemas: [PATCH_OP], Operations: Array.from({ length: 1 + Math.floor(r() * 4) }, operation) });
  return { doc, request, pick };
}

test('generated users and requests give the same outcome through the steps as natively', () => {
  const g = generator(20261203);
  let runs = 0;
  let taken = 0;
  for (let i = 0; i < 3000; i++) {
    const request = g.request();
    const quirks = g.pick(['strict', 'entra', 'lenient']);
    let patch;
    try {
      patch = new Patch(request, { quirks });
    } catch {
      continue;
    }
    for (let j = 0; j < 4; j++) {
      const doc = JSON.parse(JSON.stringify(g.doc()));
      runs++;
      if (both(patch, doc, `#${i}.${j} ${quirks} ${JSON.stringify(request.Operations)} on ${JSON.stringify(doc)}`)) taken++;
    }
  }
  assert.ok(runs > 8000, `${runs} runs`);
  assert.ok(taken > runs / 3, `only ${taken} of ${runs} runs took the steps`);
});

test('the steps leave the input as it was and share what they did not write', () => {
  const doc = {
    schemas: [USER],
    userName: 'bjensen',
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    emails: [{ type: 'work', value: 'a@example.com' }, { type: 'home', value: 'h@example.com' }],
    meta: { version: 'W/"1"' },
  };
  const frozen = JSON.stringify(doc);
  const patch = new Patch({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'b@example.com' }] });
  const taken = STEPS.taken;
  const out = patch.apply(doc);
  assert.equal(STEPS.taken, taken + 1);
  assert.equal(JSON.stringify(doc), frozen);
  assert.equal(out.meta, doc.meta);
  assert.equal(out.name, doc.name);
  assert.notEqual(out.emails, doc.emails);
  assert.notEqual(out.emails[0], doc.emails[0]);
  assert.equal(out.emails[1], doc.emails[1]);
  assert.equal(out.emails[0].value, 'b@example.com');
});

test('the steps carry out what the engine does where a member has another shape, not hand it over', () => {
  const cases = [
    // a sub-attribute of a complex attribute that holds something else: replaced by an object
    [{ op: 'add', path: 'name.givenName', value: 'B' }, { schemas: [USER], name: null }],
    [{ op: 'add', path: 'name.givenName', value: 'B' }, { schemas: [USER], name: 'Barbara' }],
    [{ op: 'add', path: 'name.givenName', value: 'B' }, { schemas: [USER], name: [] }],
    // an extension attribute where the extension member is not an object: made one, and listed
    [{ op: 'add', path: `${ENTERPRISE}:department`, value: 'F' }, { schemas: [USER], [ENTERPRISE]: 'x' }],
    [{ op: 'add', path: `${ENTERPRISE}:department`, value: 'F' }, { schemas: [USER], [ENTERPRISE]: null }],
    // removing from an extension member that is not an object lists its URN, as the engine does
    [{ op: 'remove', path: `${ENTERPRISE}:department` }, { schemas: [USER], [ENTERPRISE]: 'x' }],
    // an emptied extension goes, with its URN, in whatever case `schemas` spells it
    [{ op: 'remove', path: `${ENTERPRISE}:department` }, { Schemas: [USER, ENTERPRISE.toUpperCase()], [ENTERPRISE]: { department: 'F' } }],
    // primary moves; an emptied value goes; an emptied attribute goes
    [{ op: 'replace', path: 'emails[type eq "home"].primary', value: true }, { schemas: [USER], emails: [{ type: 'work', Primary: true }, { type: 'home' }, {}] }],
    [{ op: 'remove', path: 'emails[type eq "work"]' }, { schemas: [USER], emails: [{ type: 'work' }] }],
  ];
  for (const [operation, doc] of cases) {
    const patch = new Patch({ schemas: [PATCH_OP], Operations: [operation] });
    assert.ok(both(patch, doc, JSON.stringify([operation, doc])), `the steps were not taken: ${JSON.stringify([operation, doc])}`);
  }
});

test('a part with a property JSON does not write (not enumerable) or a proxy is for the engine', () => {
  const hidden = (o, key, value) => Object.defineProperty(o, key, { value, enumerable: false });
  const cases = [
    [{ op: 'replace', path: 'name.givenName', value: 'g' }, { schemas: [USER], name: hidden({}, 'givenName', 'g') }],
    [{ op: 'remove', path: 'emails[type eq "work"]' }, { schemas: [USER], emails: [hidden({ value: 'a' }, 'type', 'work')] }],
    [{ op: 'replace', path: `${ENTERPRISE}:department`, value: 'a' }, { schemas: [USER, ENTERPRISE], [ENTERPRISE]: hidden({}, 'department', 'a') }],
    [{ op: 'replace', path: 'name.givenName', value: 'g' }, { schemas: [USER], name: new Proxy({ givenName: 'a' }, {}) }],
  ];
  for (const [operation, doc] of cases) {
    const patch = new Patch({ schemas: [PATCH_OP], Operations: [operation] });
    assert.equal(both(patch, doc, String(operation.path)), false, `the steps were taken: ${operation.path}`);
  }
  // A hidden member of the resource itself is not one of its members (Object.keys): the steps go on without it.
  const patch = new Patch({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'name.givenName', value: 'g' }] });
  assert.equal(both(patch, hidden({ schemas: [USER], name: { givenName: 'a' } }, 'displayName', 'x'), 'top'), true);
});
