// Measures the three ways a JavaScript document can reach the Rust core, per operation, on the shared workload
// (../../shared/bench/workload.json, or $SCIM_WORKLOAD). Prints the Markdown tables of benches/node-conversion.md.
//
//   (a) in place: the core reads JS properties through its Node trait (filters only)
//   (b) typed copy: JS value -> serde_json::Value via Node-API, and back with own data properties
//   (c) JSON text: JSON.stringify in JS, serde_json in Rust, JSON.parse of the result
//
// Usage: node bench/conversion.mjs [seconds-per-case, default 0.5]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import os from 'node:os';
import scim from '../index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const workloadPath = process.env.SCIM_WORKLOAD ?? path.join(here, '../../../../shared/bench/workload.json');
const w = JSON.parse(readFileSync(workloadPath, 'utf8'));
const seconds = Number(process.argv[2] ?? 0.5);
const { NativeFilter, NativePatch } = scim._native;

function time(fn) {
  for (let i = 0; i < 3; i++) fn(); // warm up
  const samples = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end || samples.length < 5) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const rows = [];
const fmt = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);

// matches: every filter of the workload over the 1,000 users.
const filters = w.filters.map((f) => new NativeFilter(f, 'null'));
const names = ['userName eq', 'externalId eq', 'emails[...]', 'and/or/not', 'meta.lastModified gt', 'enterprise or', 'emails co', '50-term or'];
for (const [i, f] of filters.entries()) {
  const users = w.users;
  const a = time(() => { for (const u of users) f.matches(u); });
  const b = time(() => { for (const u of users) f.matchesValue(u); });
  const c = time(() => { for (const u of users) f.matchesJson(JSON.stringify(u)); });
  const hits = [users.filter((u) => f.matches(u)).length, users.filter((u) => f.matchesValue(u)).length,
    users.filter((u) => f.matchesJson(JSON.stringify(u))).length];
  if (new Set(hits).size !== 1) throw new Error(`strategies disagree on filter ${i}: ${hits}`);
  rows.push([`matches, 1,000 users: ${names[i] ?? i}`, a, b, c]);
}

// JSON.stringify drops undefined, functions and symbols and writes NaN as null; a replacer that refuses them is
// what (c) costs when it must be as strict as (b).
function strict(key, v) {
  const t = typeof v;
  if (t === 'undefined' || t === 'function' || t === 'symbol' || (t === 'number' && !Number.isFinite(v))) {
    throw new TypeError(`${String(key)} is not JSON`);
  }
  return v;
}

// apply: each PATCH of the workload on its document (a User, or the 10,000-member group).
const partRows = [];
for (const [name, { doc, request }] of Object.entries(w.patches)) {
  const p = new NativePatch(request, '{"quirks":"entra"}');
  const bb = time(() => p.applyValue(doc).resource);
  const bc = time(() => JSON.parse(p.applyValueText(doc).resource));
  const cc = time(() => JSON.parse(p.applyJson(JSON.stringify(doc)).resource));
  const cb = time(() => p.applyJsonValue(JSON.stringify(doc)).resource);
  const cr = time(() => JSON.parse(p.applyJson(JSON.stringify(doc, strict)).resource));
  rows.push([`apply ${name}`, bb, bc, cc, cb, cr]);
  // Only the touched members (Patch::touches), each strategy on that part and the untouched members copied over
  // as they are; the last column is Patch#apply itself (the part as JSON text, large arrays' equal elements reused).
  const touched = Object.keys(doc).filter((k) => p.touches(k));
  const part = () => Object.fromEntries(touched.map((k) => [k, doc[k]]));
  const pb = time(() => ({ ...doc, ...p.applyValue(part()).resource }));
  const pr = time(() => ({ ...doc, ...JSON.parse(p.applyJson(JSON.stringify(part(), strict)).resource) }));
  const pc = time(() => ({ ...doc, ...JSON.parse(p.applyJson(JSON.stringify(part())).resource) }));
  const api = new scim.Patch(request, { quirks: 'entra' });
  const pa = time(() => api.apply(doc));
  partRows.push([`apply ${name}`, touched.length, Object.keys(doc).length, pb, pr, pc, pa]);
}

console.log(`Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores; median of runs`);
console.log();
console.log('| case | (a) in place | (b) copy in, copy out | (b) copy in, JSON out | (c) JSON in, JSON out | (c) JSON in, copy out | (c) with a strict replacer |');
console.log('|---|---|---|---|---|---|---|');
for (const [name, ...t] of rows) {
  if (t.length === 3) console.log(`| ${name} | ${fmt(t[0])} | ${fmt(t[1])} | – | ${fmt(t[2])} | – | – |`);
  else console.log(`| ${name} | – | ${t.map(fmt).join(' | ')} |`);
}

console.log();
console.log('| touched part only | members converted | (b) copy both ways | (c) JSON, strict replacer | (c) JSON, no replacer | `Patch#apply` (c) + reuse |');
console.log('|---|---|---|---|---|---|');
for (const [name, n, of, ...t] of partRows) console.log(`| ${name} | ${n} of ${of} | ${t.map(fmt).join(' | ')} |`);
