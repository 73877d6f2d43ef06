// Every case of tests/vectors/*.json as one named test (`node --test --test-name-pattern filter.eq` picks the
// cases `cargo test -p scim-expr --test vectors filter.eq` does), run through the object path and the JSON path.
// Mirrors scim-expr/tests/vectors.rs; positions in vectors are UTF-8 byte offsets, compared here in UTF-16 units.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Filter, Patch, Path, ScimError } from '../index.js';
import { parseWithSource, sourceOf } from '../support/json-source.mjs';
import { vectorOptions } from '../support/vector-options.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.join(here, '../../../tests/vectors');

/** The UTF-16 offset of UTF-8 byte offset `byte` in `text`. */
function utf16(text, byte) {
  const bytes = Buffer.from(text, 'utf8').subarray(0, byte);
  return bytes.toString('utf8').length;
}

function checkError(err, want, text) {
  if (!(err instanceof ScimError)) throw new Error(`expected a ScimError, got ${err?.stack ?? err}`);
  const got = { scimType: err.scimType, code: err.code, position: err.position, operation: err.operation };
  for (const key of ['scimType', 'code', 'position', 'operation']) {
    if (!(key in want)) continue;
    let w = want[key];
    if (key === 'position' && w !== null && text !== undefined) w = utf16(text, w);
    if (got[key] !== w) throw new Error(`${key}: expected ${JSON.stringify(w)}, got ${JSON.stringify(got[key])} (${err.message})`);
  }
}

function checkFired(c, fired) {
  if ('quirks_fired' in c) assert.deepEqual(fired, c.quirks_fired, 'quirks_fired');
}

function attempt(fn) {
  try {
    return { value: fn() };
  } catch (error) {
    return { error };
  }
}

function runFilter(group, c) {
  const o = vectorOptions(group);
  const parsed = attempt(() => new Filter(c.filter, o));
  if ('error' in c) {
    if (!parsed.error) throw new Error(`expected an error, parsed as ${parsed.value}`);
    return checkError(parsed.error, c.error, c.filter);
  }
  if (parsed.error) throw parsed.error;
  const f = parsed.value;
  const printed = String(f);
  const again = new Filter(printed, o);
  assert.ok(again.equals(f), `canonical form ${JSON.stringify(printed)} parses to a different AST`);
  if ('canonical' in c) assert.equal(printed, c.canonical, 'canonical form');
  checkFired(c, f.quirksFired);
  if (c.op === 'parse') {
    if (c.valid !== true && !('canonical' in c)) throw new Error('a parse case needs "valid": true, "canonical" or "error"');
    return;
  }
  if (c.op !== 'filter') throw new Error(`unknown op ${c.op}`);
  const docs = c.docs ?? group.docs;
  if (!('matches' in c)) throw new Error('a filter case needs "matches" or "error"');
  const indices = (hits) => hits.flatMap((hit, i) => (hit ? [i] : []));
  const object = indices(docs.map((d) => f.matches(d)));
  const json = indices(docs.map((d) => f.matchesJson(sourceOf(d))));
  const batch = f.filter(docs).map((d) => docs.indexOf(d));
  return {
    object: () => {
      assert.deepEqual(object, c.matches, 'matches (object path)');
      assert.deepEqual(batch, c.matches, 'matches (Filter#filter)');
    },
    json: () => assert.deepEqual(json, c.matches, 'matches (JSON path)'),
  };
}

function runPath(group, c) {
  const o = vectorOptions(group);
  const parsed = attempt(() => new Path(c.path, o));
  if ('error' in c) {
    if (!parsed.error) throw new Error(`expected an error, parsed as ${parsed.value}`);
    return checkError(parsed.error, c.error, c.path);
  }
  if (parsed.error) throw parsed.error;
  const printed = String(parsed.value);
  assert.ok(new Path(printed, o).equals(parsed.value), `canonical form ${JSON.stringify(printed)} parses to a different path`);
  if (typeof c.canonical === 'string') assert.equal(printed, c.canonical, 'canonical form');
}

function checkPatchOutcome(c, out, resource, label) {
  if (!('expect' in c)) throw new Error('a patch case needs "expect" or "error"');
  assert.deepStrictEqual(resource, c.expect, `document (${label})`);
  checkFired(c, out.quirksFired);
  if (typeof c.changed === 'boolean') assert.equal(out.changed, c.changed, `changed (${label})`);
}

function failingPath(c, err) {
  const ops = c.request?.Operations;
  return Array.isArray(ops) && err?.operation != null ? ops[err.operation]?.path : undefined;
}

function runPatch(group, c) {
  const o = vectorOptions(group);
  const doc = c.doc ?? group.doc;
  const before = JSON.stringify(doc);
  const object = attempt(() => new Patch(c.request, o).applyWithOutcome(doc));
  const json = attempt(() => Patch.fromJson(sourceOf(c.request), o).applyJsonWithOutcome(sourceOf(doc)));
  const check = (r, label) => () => {
    if ('error' in c) {
      if (!r.error) throw new Error(`expected an error, got ${JSON.stringify(r.value.resource)} (${label})`);
      checkError(r.error, c.error, failingPath(c, r.error));
    } else {
      if (r.error) throw r.error;
      checkPatchOutcome(c, r.value, label === 'JSON path' ? JSON.parse(r.value.resource) : r.value.resource, label);
    }
    // The input is never modified, whether the request fails or not.
    assert.equal(JSON.stringify(doc), before, `the input document changed (${label})`);
  };
  return { object: check(object, 'object path'), json: check(json, 'JSON path') };
}

function run(group, c) {
  switch (c.op) {
    case 'filter':
    case 'parse':
      return runFilter(group, c);
    case 'path':
      return runPath(group, c);
    case 'patch':
      return runPatch(group, c);
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

function load() {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'xfail.json').sort();
  const cases = [];
  const seen = new Set();
  for (const file of files) {
    for (const group of parseWithSource(readFileSync(path.join(dir, file), 'utf8'))) {
      for (const c of group.cases) {
        assert.ok(typeof c.id === 'string', `${file}: case without id`);
        assert.ok(!seen.has(c.id), `duplicate vector id ${c.id}`);
        seen.add(c.id);
        cases.push({ id: c.id, group, case: c });
      }
    }
  }
  return cases;
}

const cases = load();
// Known failures: the shared list (every binding) and this binding's own, for one path ("object" or "json").
const xfail = new Map(JSON.parse(readFileSync(path.join(dir, 'xfail.json'), 'utf8')).map((x) => [x.id, { reason: x.reason }]));
const nodeXfail = JSON.parse(readFileSync(path.join(here, 'xfail-node.json'), 'utf8'));
for (const x of [...xfail.keys(), ...nodeXfail.map((x) => x.id)]) {
  assert.ok(cases.some((c) => c.id === x), `an xfail list names ${x}, which no vector has`);
}

for (const { id, group, case: c } of cases) {
  test(id, () => {
    const failures = [];
    let checks;
    try {
      checks = run(group, c) ?? {};
    } catch (e) {
      failures.push(['all', e]);
      checks = {};
    }
    for (const [label, check] of Object.entries(checks)) {
      try {
        check();
      } catch (e) {
        failures.push([label, e]);
      }
    }
    const expected = nodeXfail.filter((x) => x.id === id);
    const shared = xfail.get(id);
    if (shared) {
      if (failures.length === 0) throw new Error(`listed in xfail.json (${shared.reason}) but passes: remove it`);
      return;
    }
    for (const x of expected) {
      if (!failures.some(([label]) => label === x.path)) {
        throw new Error(`listed in test/xfail-node.json for the ${x.path} path (${x.reason}) but passes: remove it`);
      }
    }
    const unexpected = failures.filter(([label]) => !expected.some((x) => x.path === label));
    if (unexpected.length > 0) {
      const [label, e] = unexpected[0];
      e.message = `${label}: ${e.message}`;
      throw e;
    }
  });
}
