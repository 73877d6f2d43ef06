// ScimError: a JavaScript class with the core's fields; positions in UTF-16 units; the RFC 7644 §3.12 body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Filter, Patch, ScimError } from '../index.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const request = (...Operations) => ({ schemas: [PATCH_OP], Operations });

function caught(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

test('a filter error carries scimType, code, status, detail, position and the RFC body', () => {
  const err = caught(() => new Filter('userName eq "bjensen'));
  assert.ok(err instanceof ScimError);
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'ScimError');
  assert.equal(err.scimType, 'invalidFilter');
  assert.equal(err.code, 'filter.unterminated_string');
  assert.equal(err.status, 400);
  assert.equal(err.position, 12);
  assert.equal(err.operation, null);
  assert.equal(err.detail, 'string starting at byte 12 has no closing quote');
  assert.equal(err.message, err.detail);
  assert.match(err.stack, /ScimError: string starting/);
  assert.match(err.stack, /errors\.test\.mjs/);
  const body = {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
    status: '400',
    scimType: 'invalidFilter',
    detail: err.detail,
  };
  assert.deepEqual(err.toJSON(), body);
  assert.deepEqual(JSON.parse(JSON.stringify(err)), body);
});

test('positions count UTF-16 code units, not the core bytes', () => {
  // "Zoë" and "😀" take 2 and 4 bytes, 1 and 2 units: the stray token after them starts at unit 27, byte 30.
  const text = 'displayName eq "Zoë😀" and )';
  const err = caught(() => new Filter(text));
  assert.equal(err.code, 'filter.unexpected_token');
  assert.equal(text[err.position], ')');
  const p = caught(() => new Patch(request({ op: 'replace', path: 'emails[display eq "Zoë"]x', value: 'v' })));
  assert.equal(p.code, 'path.unexpected_token');
  assert.equal(p.operation, 0);
  assert.equal('emails[display eq "Zoë"]x'[p.position], 'x');
});

test('a PATCH error names the failing operation and leaves the resource as it was', () => {
  const user = { schemas: [USER], id: 'abc', userName: 'bjensen' };
  const before = JSON.stringify(user);
  const p = new Patch(request({ op: 'replace', path: 'displayName', value: 'X' }, { op: 'replace', path: 'id', value: 'other' }));
  const err = caught(() => p.apply(user));
  assert.ok(err instanceof ScimError);
  assert.deepEqual([err.scimType, err.code, err.operation, err.status], ['mutability', 'patch.read_only', 1, 400]);
  assert.equal(JSON.stringify(user), before);
  const json = caught(() => p.applyJson(before));
  assert.deepEqual([json.code, json.operation], ['patch.read_only', 1]);
  assert.equal(caught(() => new Patch(request({ op: 'replace', path: 'emails[type eq "x"].value', value: 'v' }))
    .apply({ schemas: [USER], userName: 'x', emails: [{ value: 'a' }] })).scimType, 'noTarget');
});

test('envelope errors are invalidSyntax ScimErrors', () => {
  for (const bad of [null, [], 'add', 42, {}, { schemas: [PATCH_OP] }]) {
    const err = caught(() => new Patch(bad));
    assert.ok(err instanceof ScimError, String(err));
    assert.equal(err.scimType, 'invalidSyntax');
  }
});

test('invalid JSON text: document.invalid_json with its position', () => {
  const text = '{"userName": "Zoë", x}';
  const err = caught(() => new Filter('userName pr').matchesJson(text));
  assert.ok(err instanceof ScimError);
  assert.deepEqual([err.code, err.scimType], ['document.invalid_json', 'invalidSyntax']);
  assert.equal(text[err.position], 'x');
});

test('native errors that are not SCIM errors pass through unchanged', () => {
  const boom = new Error('getter failed');
  const doc = { get userName() { throw boom; } };
  assert.equal(caught(() => new Filter('userName pr').matches(doc)), boom);
  assert.equal(caught(() => new Patch(request({ op: 'add', path: 'title', value: 'x' })).apply(doc)), boom);
});
