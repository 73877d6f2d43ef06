#!/usr/bin/env bash
# The main job: the scim-expr command on the bundled users and groups, with the filters identity providers and
# admin consoles really send. Run by `make demo`.
set -euo pipefail
cd "$(dirname "$0")"
bin=${SCIM_EXPR:-../target/release/scim-expr}

run() {
  printf '\n$ scim-expr %s\n' "$(printf "'%s' " "$@")" >&2
  "$bin" "$@"
}

echo "== Entra ID and Okta look a user up before creating it (userName is caseExact=false) =="
run filter --count 'userName eq "KIM.BERG@example.com"' users.json
echo "== Entra ID matches on externalId (caseExact=true: a different case finds nothing) =="
run filter --count 'externalId eq "A1B2C3D4"' users.json
run filter --count 'externalId eq "a1b2c3d4"' users.json
echo "== RFC 7644 Figure 2: one work email at example.com, within the same email =="
run filter 'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]' users.json | cut -c1-100
echo "== Instants, not strings: lastModified after 2024-05-13T04:42:34Z, offsets included =="
run filter --count 'meta.lastModified gt "2024-05-13T06:42:34+02:00"' users.json
echo "== Enterprise extension by full URN, with not and grouping =="
run filter --count 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Engineering" and not (active eq false)' users.json
echo "== Unicode-aware case folding: STRASSE matches Straße =="
run filter --count 'name.familyName eq "STRASSE"' users.json
echo "== Groups by member =="
run filter --count 'members[value eq "2819c223-7f76-453a-919d-413861900003"]' groups.json
echo "== Canonical form =="
run filter --explain 'userName Eq "x" OR not(title pr)and emails[ type EQ "work" ]'
echo "== A malformed filter is an invalidFilter error with its position =="
if run filter 'userName eq "bjensen' users.json; then
  echo "expected a failure" >&2
  exit 1
fi
echo "== A type error: active is a boolean =="
if run filter 'active eq "true"' users.json; then
  echo "expected a failure" >&2
  exit 1
fi

echo
echo "== PATCH: an Entra ID user update (valuePath sub-attribute, extension attribute) =="
run patch patch/bjensen.json patch/entra-user-update.json | grep -E '"(value|familyName|department|title)"'
echo "== PATCH: Okta deactivates a user with a pathless replace =="
run patch patch/bjensen.json patch/okta-deactivate.json | grep '"active"'
echo "== PATCH: group membership (an existing member is not added twice) =="
run patch patch/engineering.json patch/group-members.json | grep -c '"value"'
echo "== PATCH: a request failing at operation 1 changes nothing and yields the RFC 7644 error body =="
if run patch patch/bjensen.json patch/readonly-id.json; then
  echo "expected a failure" >&2
  exit 1
fi

echo
echo "== Identity-provider quirks: what Entra ID really sends, accepted in entra mode =="
run patch --quirks entra --show-quirks patch/bjensen.json patch/entra-quirks.json | grep -E '"(active|givenName|employeeNumber)"|"value": "2819c223-7f76-453a-919d-413861900003"|babs@travel'
echo "== ... and refused in strict mode with the RFC error (\"False\" is no boolean) =="
if run patch patch/bjensen.json patch/entra-quirks.json > /dev/null; then
  echo "expected a failure" >&2
  exit 1
fi
echo "== Entra's member removal by value list removes exactly that member, never all =="
run patch --quirks entra --show-quirks patch/engineering.json patch/entra-remove-members.json | grep -c '"value"'
echo "== Entra's email lookup: one work email with that value =="
run filter --quirks entra --show-quirks --count 'emails[type eq "work"].value eq "bjensen@example.com"' users.json
