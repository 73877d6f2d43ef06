'use strict';
// scim-expr's Node binding side by side with scim2-parse-filter, scim-patch (mutateDocument: false) and scimmy, in
// one process. Run through `make bench-node` (from the repository root), which installs the peers from this
// directory's package-lock.json (`npm ci`), builds the binding in bindings/node and runs this file. Prints one
// table: ns/op for us and each peer, and the ratio peer/us.
//
// `--peers-only` measures the peers alone (no scim-expr column), to check the peer side before the binding exists.

const path = require('node:path');
const fs = require('node:fs');

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const FILTER_CASES = [
  'user_name_eq',
  'external_id_eq',
  'emails_value_path',
  'family_name_and_not',
  'last_modified_gt',
  'enterprise_or',
  'user_type_and_emails_co',
  'or_chain_50',
];
const BINDING = path.join(__dirname, '..', '..', '..', 'bindings', 'node');

function loadBinding(peersOnly) {
  try {
    return require(BINDING);
  } catch (e) {
    if (peersOnly) return null;
    console.error(
      `error: the scim-expr Node binding cannot be loaded from ${BINDING} (${e.message.split('\n')[0]}).\n` +
        'Build it with `make bench-node` (it runs `npm ci && npm run build` in bindings/node), or ' +
        '`make test-node`, which builds it too.',
    );
    process.exit(1);
  }
}

/** Median ns per call over 5 runs, each long enough to time (about `budgetMs`). */
function nsPerOp(fn, { runs = 5, budgetMs = 200 } = {}) {
  for (let i = 0; i < 3; i++) fn();
  let n = 1;
  for (;;) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    const el = Number(process.hrtime.bigint() - t) / 1e6;
    if (el >= 20 || n >= 1 << 24) {
      n = Math.max(1, Math.round((n * budgetMs) / Math.max(el, 1e-6)));
      break;
    }
    n *= 4;
  }
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    times.push(Number(process.hrtime.bigint() - t) / n);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

class Table {
  constructor(peers) {
    this.peers = peers;
    this.rows = [];
  }
  add(what, ours, peerTimes, note = '') {
    this.rows.push([what, ours, this.peers.map((p) => peerTimes[p]), note]);
  }
  print() {
    const head = ['operation', 'scim-expr ns/op'];
    for (const p of this.peers) head.push(`${p} ns/op`, 'ratio');
    head.push('notes');
    console.log(`| ${head.join(' | ')} |`);
    console.log(`|${head.map((_, i) => (i === 0 || i === head.length - 1 ? '---' : '---:')).join('|')}|`);
    for (const [what, ours, peers, note] of this.rows) {
      const cells = [what, fmt(ours)];
      for (const t of peers) cells.push(fmt(t), ratio(t, ours));
      cells.push(note);
      console.log(`| ${cells.join(' | ')} |`);
    }
  }
}

function fmt(t) {
  if (t === undefined || t === null) return '-';
  if (typeof t === 'string') return t;
  return Math.round(t).toLocaleString('en-US');
}

function ratio(peer, ours) {
  if (typeof peer !== 'number' || typeof ours !== 'number' || !(ours > 0)) return '-';
  const r = peer / ours;
  return r >= 10 ? `${Math.round(r)}x` : `${r.toFixed(1)}x`;
}

function projection(name, doc) {
  if (name.startsWith('group')) return JSON.stringify((doc.members || []).map((m) => m.value).sort());
  const ext = doc['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'] || {};
  const pairs = (xs) => (xs || []).map((e) => `${e.type}=${e.value}`).sort();
  return JSON.stringify([
    pairs(doc.emails),
    (doc.name || {}).givenName,
    ext.department,
    doc.active,
    doc.displayName,
    doc.title,
    pairs(doc.phoneNumbers),
  ]);
}

async function main() {
  const peersOnly = process.argv.includes('--peers-only');
  const ours = loadBinding(peersOnly);
  const { parse, filter } = require('scim2-parse-filter');
  const { scimPatch } = require('scim-patch');
  const { default: SCIMMY } = await import('scimmy');

  const w = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'workload.json'), 'utf8'));
  const users = w.users;
  const table = new Table(['scim2-parse-filter', 'scimmy', 'scim-patch']);

  // Filters: parse.
  const total = { ours: 0, spf: 0, scimmy: 0 };
  FILTER_CASES.forEach((name, i) => {
    const text = w.filters[i];
    const o = ours ? nsPerOp(() => new ours.Filter(text)) : null;
    const spf = nsPerOp(() => parse(text));
    const sy = nsPerOp(() => new SCIMMY.Types.Filter(text));
    total.ours += o ?? NaN;
    total.spf += spf;
    total.scimmy += sy;
    table.add(`filter/parse/${name}`, o, { 'scim2-parse-filter': spf, scimmy: sy });
  });
  table.add('filter/parse, all 8', ours ? total.ours : null, { 'scim2-parse-filter': total.spf, scimmy: total.scimmy },
    'goal: >= 5x scim2-parse-filter');

  // Filters: evaluation over the 1,000 users (whole pass, ns per pass).
  FILTER_CASES.forEach((name, i) => {
    const text = w.filters[i];
    const pred = filter(parse(text));
    const peerHits = users.map((u) => pred(u));
    const spf = nsPerOp(() => users.filter(pred), { runs: 3 });
    let sy = 'error';
    let syNote = '';
    try {
      const f = new SCIMMY.Types.Filter(text);
      const hits = new Set(f.match(users));
      const wrong = users.filter((u, j) => hits.has(u) !== peerHits[j]).length;
      sy = nsPerOp(() => f.match(users), { runs: 3 });
      if (wrong) syNote = `; scimmy decides ${wrong} users differently`;
    } catch (e) {
      syNote = `; scimmy fails: ${e.message}`;
    }
    let o = null;
    let note = `${peerHits.filter(Boolean).length} users match`;
    if (ours) {
      const f = new ours.Filter(text);
      const mismatches = users.filter((u, j) => f.matches(u) !== peerHits[j]).length;
      note += `, ${mismatches} mismatches with scim2-parse-filter`;
      o = nsPerOp(() => users.filter((u) => f.matches(u)), { runs: 3 });
    }
    table.add(`filter/eval_1000/${name}`, o, { 'scim2-parse-filter': spf, scimmy: sy }, note + syNote);
  });

  // PATCH: object in, new object out.
  const group = w.patches.group_add_member.doc;
  const listed = group.members.filter((_, i) => i % 100 === 0).slice(0, 100).map((m) => ({ value: m.value }));
  const cases = Object.entries(w.patches).map(([name, p]) => [name, p.request, p.doc, name === 'user_update' ? 'entra' : 'strict']);
  cases.push(['group_entra_remove_100', { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members', value: listed }] }, group, 'entra']);
  // scim-patch accepts Entra's value list but removes nothing: it is timed on the RFC request that removes the same
  // 100 members, a filter of 100 `value eq` terms.
  const rfcRemove = [{ op: 'remove', path: `members[${listed.map((v) => `value eq "${v.value}"`).join(' or ')}]` }];
  for (const [name, request, doc, quirks] of cases) {
    const peerOps = name === 'group_entra_remove_100' ? rfcRemove : request.Operations;
    const peerApply = () => scimPatch(doc, peerOps, { mutateDocument: false });
    const big = name.startsWith('group');
    const sp = nsPerOp(peerApply, big ? { runs: 3, budgetMs: 100 } : {});
    let note = name === 'group_entra_remove_100' ? 'peer: the RFC filter form (it ignores the value list)' : '';
    let o = null;
    if (ours) {
      const patch = new ours.Patch(request, { quirks });
      const same = projection(name, patch.apply(doc)) === projection(name, peerApply());
      note = (note ? `${note}; ` : '') + (same ? 'same result' : 'RESULTS DIFFER');
      o = nsPerOp(() => patch.apply(doc), big ? { runs: 3, budgetMs: 100 } : {});
    }
    table.add(`patch/apply/${name}`, o, { 'scim-patch': sp }, note);
  }

  // Conversion alone. apply converts only the members a request touches: a pathless replace by the resource's own
  // members touches them all and changes nothing, so it converts the whole object in (JSON text to
  // serde_json::Value) and has the core compare each member with its replacement; as nothing changed, the result
  // is the input's own members (no conversion back). A request with no operations (Entra sends them; `entra` accepts them) touches only
  // `schemas`: the floor of apply. applyJson of no operations parses and serializes the whole JSON text.
  const user = w.patches.user_update.doc;
  for (const [name, doc] of [['user', user], ['group_10k', group]]) {
    const text = JSON.stringify(doc);
    const stdlib = nsPerOp(() => JSON.stringify(JSON.parse(text)), { runs: 3 });
    const clone = nsPerOp(() => structuredClone(doc), { runs: 3 });
    let o = null;
    let untouched = null;
    let oj = null;
    if (ours) {
      const everything = new ours.Patch({ schemas: [PATCH_OP], Operations: [{ op: 'replace', value: doc }] });
      const outcome = everything.applyWithOutcome(doc);
      if (outcome.changed || JSON.stringify(outcome.resource) !== text) throw new Error(`${name}: the replace changed it`);
      o = nsPerOp(() => everything.apply(doc), { runs: 3 });
      const empty = new ours.Patch({ schemas: [PATCH_OP], Operations: [] }, { quirks: 'entra' });
      untouched = nsPerOp(() => empty.apply(doc), { runs: 3 });
      oj = nsPerOp(() => empty.applyJson(text), { runs: 3 });
    }
    table.add(`convert/object_to_doc_and_back/${name}`, o, {}, `apply of a pathless replace by its own members (converts in; unchanged, so nothing back); structuredClone: ${fmt(clone)} ns`);
    table.add(`convert/untouched/${name}`, untouched, {}, 'apply of no operations: converts `schemas`, shares the rest');
    table.add(`convert/json_to_doc_and_back/${name}`, oj, {}, `applyJson of no operations; JSON.parse + JSON.stringify: ${fmt(stdlib)} ns`);
  }

  if (!ours) console.log('scim-expr column not measured (--peers-only): this is the peer side alone.\n');
  table.print();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
