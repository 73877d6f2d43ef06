// The binding's options for a group of tests/vectors/*.json (its `quirks`, `schemas`, `limits` and `resource`), as
// every Node test that runs the vectors reads them.
export function vectorOptions(group) {
  const spec = group.quirks ?? 'strict';
  const quirks = typeof spec === 'string' ? spec : { preset: spec.preset, on: spec.on ?? [], off: spec.off ?? [] };
  const o = { quirks };
  if (group.schemas !== undefined) o.schemas = group.schemas;
  if (group.limits !== undefined) {
    const camel = (k) => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
    o.limits = Object.fromEntries(Object.entries(group.limits).map(([k, v]) => [camel(k), v]));
  }
  if (typeof group.resource === 'string') o.resourceType = group.resource;
  return o;
}
