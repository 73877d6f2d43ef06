// Runs every ```js block of the README's "## Node" section, and calls the handler it defines with stub
// request and response objects (Express itself is not installed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(path.join(here, '../../../README.md'), 'utf8');
const section = readme.slice(readme.indexOf('\n## Node\n'), readme.indexOf('\n## ', readme.indexOf('\n## Node\n') + 1));
const blocks = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
const require = createRequire(import.meta.url);
const load = (id) => (id === 'scim-expr' ? require('../index.js') : require(id));

/** Runs a block as a CommonJS script; returns the functions it declares. */
function run(code) {
  const names = [...code.matchAll(/^function (\w+)/gm)].map((m) => m[1]);
  return new Function('require', `${code}\nreturn { ${names.join(', ')} };`)(load);
}

function stubResponse() {
  const res = { statusCode: 200, body: undefined };
  res.status = (code) => Object.assign(res, { statusCode: code });
  res.json = (body) => Object.assign(res, { body: JSON.parse(JSON.stringify(body)) });
  return res;
}

test('README Node section has its two examples', () => {
  assert.equal(blocks.length, 2);
});

test('README: the list handler filters users and answers errors with the RFC body', () => {
  const { listUsers } = run(blocks[0]);
  let res = stubResponse();
  listUsers({ query: { filter: 'emails[type eq "work" and value co "@example.com"]' } }, res);
  assert.equal(res.statusCode, 200);
  assert.equal(res.body.totalResults, 1);
  assert.equal(res.body.Resources[0].id, '2819c223');
  res = stubResponse();
  listUsers({ query: {} }, res);
  assert.equal(res.body.totalResults, 2);
  res = stubResponse();
  listUsers({ query: { filter: 'userName eq "bjensen' } }, res);
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.body, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
    status: '400',
    scimType: 'invalidFilter',
    detail: 'string starting at byte 12 has no closing quote',
  });
});

test('README: the Entra PATCH example', () => {
  run(blocks[1]);
});
