// A typed use of the API, checked by `tsc --noEmit` (npm run typecheck); it is compiled, not run.
import { Filter, Patch, Path, ScimError, quirkNames, type Options, type ScimErrorBody } from 'scim-expr';

interface User {
  schemas: string[];
  id: string;
  userName: string;
  active?: boolean;
}

const options: Options = { quirks: { preset: 'entra', off: ['remove_value_list'] }, resourceType: 'User', limits: { maxDepth: 16 } };
const users: User[] = [{ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: '1', userName: 'bjensen' }];

const f = new Filter('userName eq "bjensen"', { quirks: 'strict' });
const hit: boolean = f.matches(users[0]);
const found: User[] = f.filter(users);
const canonical: string = String(f);
const fired: string[] = f.quirksFired;

const p = new Patch({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [] }, options);
const updated: User = p.apply(users[0]);
const { resource, changed } = p.applyWithOutcome(users[0]);
const text: string = Patch.fromJson('{}').applyJson('{}');
const path: string = new Path('emails[type eq "work"].value').toString();

try {
  new Filter('userName eq');
} catch (err) {
  if (err instanceof ScimError) {
    const body: ScimErrorBody = err.toJSON();
    const where: number | null = err.position;
    const status: number = err.status;
    console.log(body.scimType, err.code, where, status, err.operation);
  }
}
console.log(hit, found, canonical, fired, updated, resource.userName, changed, text, path, quirkNames('okta'));
