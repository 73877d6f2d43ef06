// ES module entry: the same classes as `require("scim-expr")`.
import { createRequire } from 'node:module';

const cjs = createRequire(import.meta.url)('./index.js');

export const { Filter, Patch, Path, ScimError, quirkNames } = cjs;
export default cjs;
