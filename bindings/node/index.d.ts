// Types of the scim-expr Node API (index.js). Checked by `npm run typecheck` against test/types/example.ts.

/** The name of a preset: strict (RFC 7644 as written, the default), entra, okta, lenient. */
export type QuirksPreset = 'strict' | 'entra' | 'okta' | 'lenient';

/** A preset, or a preset with single tolerances switched on or off by name (see `quirkNames()`). */
export type QuirksSetting = QuirksPreset | { preset?: QuirksPreset; on?: string[]; off?: string[] };

/** Input bounds; exceeding one is a ScimError with its own code. */
export interface Limits {
  /** Longest filter in bytes (default 262,144): `filter.too_long`. */
  maxFilterLength?: number;
  /** Deepest nesting of `(`, `not (` and `[` (default 64, at most 128): `filter.too_deep`, `path.too_deep`. */
  maxDepth?: number;
  /** Longest PATCH path in bytes (default 8,192): `path.too_long`. */
  maxPathLength?: number;
  /** Most operations in one request (default 10,000): `patch.too_many_operations`. */
  maxOperations?: number;
  /** Most elements of an array value (default 100,000): `patch.too_many_values`. */
  maxValues?: number;
  /** Deepest nesting of arrays and objects in documents and values (default 128): `document.too_deep`. */
  maxDocumentDepth?: number;
}

export interface Options {
  quirks?: QuirksSetting;
  /** RFC 7643 Schema resources (as `/Schemas` returns them), loaded in addition to User, Group, EnterpriseUser. */
  schemas?: unknown;
  /** The resource type of documents whose `schemas` names no known core schema, e.g. "User". */
  resourceType?: string;
  limits?: Limits;
}

/** A JSON object: what resources and PATCH requests are. */
export type JsonObject = { [key: string]: unknown };

/** The RFC 7644 §3.12 error body. */
export interface ScimErrorBody {
  schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'];
  status: string;
  scimType: string;
  detail: string;
}

/** Every failure of scim-expr: what to answer the client, a stable code, and the place it is about. */
export class ScimError extends Error {
  /** RFC 7644 §3.12 scimType: invalidFilter, invalidPath, noTarget, invalidValue, mutability, invalidSyntax, tooMany, ... */
  readonly scimType: string;
  /** Stable machine code, e.g. `filter.unterminated_string`, `patch.read_only`, `document.cyclic`. */
  readonly code: string;
  /** HTTP status to answer (400, 409 for uniqueness, ...). */
  readonly status: number;
  /** The human message (also `message`). */
  readonly detail: string;
  /** Offset in UTF-16 code units into the filter or path text (the failing operation's path for PATCH). */
  readonly position: number | null;
  /** For PATCH: the 0-based index of the failing operation in `Operations`. */
  readonly operation: number | null;
  /** The RFC 7644 §3.12 error body. */
  toJSON(): ScimErrorBody;
}

/** A filter, parsed once; `String(filter)` is its canonical form. */
export class Filter {
  constructor(filter: string, options?: Options);
  /** Whether the resource satisfies the filter; reads only the attributes the filter names. */
  matches(resource: object): boolean;
  /** Whether the resource given as JSON text satisfies the filter. */
  matchesJson(json: string): boolean;
  /** The elements of `resources` that match, in order (the same objects). */
  filter<T extends object>(resources: readonly T[]): T[];
  /** The tolerances that took effect while parsing, sorted by name. */
  readonly quirksFired: string[];
  /** Whether `other` has the same syntax tree. */
  equals(other: unknown): boolean;
  toString(): string;
  toJSON(): string;
}

/** A PATCH path parsed on its own. */
export class Path {
  constructor(path: string, options?: Options);
  equals(other: unknown): boolean;
  toString(): string;
  toJSON(): string;
}

/** What applying a request did. */
export interface Outcome<R> {
  /** The patched resource (a new object, or JSON text for the *Json methods). */
  resource: R;
  /** Whether an operation modified the resource. */
  changed: boolean;
  /** The tolerances that took effect while parsing and applying, sorted by name. */
  quirksFired: string[];
}

/** A PatchOp request, parsed once; applying it never modifies the input, and a failure applies nothing. */
export class Patch {
  constructor(request: unknown, options?: Options);
  /** The request given as JSON text. */
  static fromJson(json: string, options?: Options): Patch;
  /**
   * The patched resource, a new plain object; `resource` is never modified, and a failure (a ScimError) changes
   * nothing.
   *
   * Only the members the request can read or change are converted: the result has the input's own enumerable
   * members in the input's order, each member the request reached replaced by its patched value (left out when
   * removed), and new members after them. Every other member is the input's own value, shared as `{...resource}`
   * shares it, and is not checked: a cycle, a BigInt or a function in a member the request does not reach passes
   * through, where in a reached member it is a ScimError (`document.*`). A member that holds a schema URN (an
   * extension) and `schemas` are always reached. In a reached array of at least 64 elements, the elements the
   * request left as they were, or equal (compared as JSON, in order), are the input's own objects; changed and new
   * ones are new. A reached member holding such an array is read in place when it is plain JSON data (its getters
   * may then be read more than once); within what the request wrote, the values it did not change are shared.
   * The same holds for a request whose every operation sets or removes a simple attribute or sub-attribute (the
   * way identity providers update users), which is carried out in JavaScript: within a member it writes, the
   * values it did not change, and their key order, are the input's own, and getters in the members it reaches may
   * be read more than once.
   * When no operation changed anything, every member is the input's own value. Keys such as `__proto__` and
   * `constructor` are own data properties of the result.
   */
  apply<T extends object = JsonObject>(resource: T): T;
  /** `apply`, with whether an operation modified the resource and the tolerances that took effect. */
  applyWithOutcome<T extends object = JsonObject>(resource: T): Outcome<T>;
  /** JSON text in, JSON text out. */
  applyJson(json: string): string;
  applyJsonWithOutcome(json: string): Outcome<string>;
}

/** The tolerances a quirks setting switches on; without an argument, every tolerance's name. */
export function quirkNames(quirks?: QuirksSetting): string[];
