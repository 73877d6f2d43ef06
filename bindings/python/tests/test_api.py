"""The Python API around the fixed names: options, dunder methods, batch and JSON-text twins, outcomes."""

from __future__ import annotations

import copy
import json
from typing import Any, Dict, Iterator

import pytest

import scim_expr
from scim_expr import Filter, Limits, Patch, Path, Quirks, Schemas, ScimError

USER: Dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "2819c223",
    "userName": "bjensen",
    "active": True,
    "emails": [{"type": "work", "value": "bjensen@example.com", "primary": True}],
    "name": {"givenName": "Barbara"},
}
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def request(*ops: Dict[str, Any]) -> Dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(ops)}


def test_filter_canonical_repr_eq_hash() -> None:
    f = Filter('userName Eq "bjensen" AND not(title pr)')
    assert str(f) == 'userName eq "bjensen" and not (title pr)'
    assert repr(f) == """Filter('userName eq "bjensen" and not (title pr)')"""
    assert f == Filter(str(f)) and hash(f) == hash(Filter(str(f)))
    assert f != Filter("title pr") and f != str(f)
    assert len({f, Filter(str(f)), Filter("title pr")}) == 2
    assert repr(Filter("a pr", quirks="entra")) == "Filter('a pr', quirks=Quirks('entra'))"


def test_filter_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        Filter("a pr", "strict")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="str or bytes"):
        Filter(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="preset name"):
        Filter("a pr", quirks=5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match='no quirks preset named "nope"'):
        Filter("a pr", quirks="nope")


def test_filter_matches_and_batch() -> None:
    f = Filter('emails[type eq "work"] and name.givenName sw "bar"')
    assert f.matches(USER)
    other = dict(USER, name={"givenName": "Kim"})

    def gen() -> Iterator[Dict[str, Any]]:
        yield USER
        yield other
        yield USER

    got = f.filter(gen())
    assert len(got) == 2 and got[0] is USER and got[1] is USER
    assert f.filter([]) == []
    with pytest.raises(TypeError, match=r"Filter.matches\(\) takes a resource dict, not list"):
        f.matches([USER])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not int"):
        f.filter([USER, 3])  # type: ignore[list-item]


def test_filter_json_twin_takes_str_and_bytes() -> None:
    f = Filter('userName eq "BJENSEN"')
    text = json.dumps(USER)
    assert f.matches_json(text) and f.matches_json(text.encode())
    assert not f.matches_json('{"userName": "x"}')
    with pytest.raises(scim_expr.InvalidSyntax) as info:
        f.matches_json('{"userName": "é", x}')
    assert info.value.code == "document.invalid_json"
    assert info.value.position == 18  # code points: é is one
    with pytest.raises(scim_expr.InvalidSyntax) as info:
        f.matches_json(b'{"userName": "\xff"}')
    assert (info.value.code, info.value.position) == ("document.invalid_utf8", 14)
    with pytest.raises(TypeError):
        f.matches_json(USER)  # type: ignore[arg-type]


def test_quirks_presets_and_single_tolerances() -> None:
    q = Quirks("entra", remove_value_list=False, unquoted_values=True)
    assert q.preset == "entra" and q["unquoted_values"] and not q["remove_value_list"]
    assert "boolean_strings" in q.enabled and "remove_value_list" not in q.enabled
    assert repr(q) == "Quirks('entra', remove_value_list=False, unquoted_values=True)"
    assert q == Quirks("ENTRA").replace(remove_value_list=False, unquoted_values=True)
    assert hash(q) == hash(Quirks("entra").replace(remove_value_list=False, unquoted_values=True))
    assert Quirks("okta") == Quirks() and Quirks().enabled == []
    assert len(Quirks.names()) == 15 and Quirks.presets() == ["strict", "entra", "okta", "lenient"]
    with pytest.raises(ScimError) as info:
        Quirks("strict", nope=True)
    assert info.value.code == "schema.unknown_quirk" and "boolean_strings" in info.value.detail
    with pytest.raises(TypeError, match="True or False"):
        Quirks("strict", boolean_strings=1)  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        q["nope"]
    # A single tolerance changes what parses.
    with pytest.raises(scim_expr.InvalidFilter):
        Filter("userName eq bjensen")
    f = Filter("userName eq bjensen", quirks=Quirks(unquoted_values=True))
    assert f.matches(USER) and f.quirks_fired == ["unquoted_values"] and f.quirks["unquoted_values"]


def test_limits() -> None:
    lim = Limits(max_filter_length=10, max_operations=1)
    assert (lim.max_filter_length, lim.max_operations, lim.max_depth) == (10, 1, 64)
    assert lim == Limits(max_operations=1, max_filter_length=10) and hash(lim) == hash(Limits(max_filter_length=10, max_operations=1))
    assert "max_filter_length=10" in repr(lim)
    with pytest.raises(scim_expr.InvalidFilter) as info:
        Filter('userName eq "bjensen"', limits=lim)
    assert info.value.code == "filter.too_long"
    with pytest.raises(scim_expr.TooMany):
        Patch(request({"op": "remove", "path": "a"}, {"op": "remove", "path": "b"}), limits=lim)
    with pytest.raises(TypeError):
        Limits(5)  # type: ignore[call-arg]
    with pytest.raises(OverflowError):
        Limits(max_depth=-1)


DEVICE_SCHEMA: Dict[str, Any] = {
    "id": "urn:example:scim:schemas:core:2.0:Device",
    "name": "Device",
    "attributes": [
        {"name": "serialNumber", "type": "string", "caseExact": True},
        {"name": "active", "type": "boolean", "mutability": "readOnly"},
    ],
}


def test_custom_schemas_and_resource_type() -> None:
    schemas = Schemas(DEVICE_SCHEMA)
    assert schemas.resource_types == ["User", "Group", "Device"]
    assert Schemas.from_json(json.dumps([DEVICE_SCHEMA]).encode()).resource_types == schemas.resource_types
    assert "Device" in repr(schemas) and Schemas().resource_types == ["User", "Group"]
    device = {"serialNumber": "AB-1"}
    exact = Filter('serialNumber eq "ab-1"', schemas=schemas, resource_type="Device")
    assert not exact.matches(device)
    assert Filter('serialNumber eq "ab-1"').matches(device)  # no schema: case-insensitive
    with pytest.raises(scim_expr.InvalidFilter) as info:
        Filter("serialNumber gt true", schemas=schemas, resource_type="Device")
    assert info.value.code == "filter.operator_not_supported"
    with pytest.raises(scim_expr.Mutability):
        Patch(request({"op": "replace", "path": "active", "value": False}), schemas=schemas, resource_type="Device").apply(device)
    with pytest.raises(ScimError) as err:
        Filter("a pr", resource_type="Printer")
    assert err.value.code == "schema.unknown_resource_type"
    with pytest.raises(ScimError) as err:
        Schemas({"id": "urn:x", "attributes": 5})
    assert err.value.code.startswith("schema.")
    with pytest.raises(TypeError, match="from_json"):
        Schemas(json.dumps(DEVICE_SCHEMA))  # type: ignore[arg-type]


def test_patch_returns_a_new_dict_and_never_mutates() -> None:
    user = copy.deepcopy(USER)
    p = Patch(request({"op": "add", "path": "emails", "value": [{"type": "home", "value": "b@x.org"}]},
                      {"op": "replace", "path": "name.givenName", "value": "Babs"}))
    new = p.apply(user)
    assert user == USER, "the input is unchanged"
    assert new["name"] == {"givenName": "Babs"} and len(new["emails"]) == 2
    assert new["emails"] is not user["emails"]
    out = p.apply_outcome(new)
    assert out.changed is False and out.quirks_fired == [] and out.resource == new
    assert repr(out) == "Outcome(changed=False, quirks_fired=[])"
    assert len(p) == 2 and repr(p) == "<Patch 2 operations, quirks=Quirks('strict')>"
    with pytest.raises(TypeError, match=r"Patch.apply\(\) takes a resource dict"):
        p.apply("{}")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="from_json"):
        Patch(b"{}")  # type: ignore[arg-type]


def test_patch_json_twins() -> None:
    body = json.dumps(request({"op": "Replace", "path": "active", "value": "False"}))
    p = Patch.from_json(body, quirks="entra")
    assert p.quirks == Quirks("entra")
    out = p.apply_json_outcome(json.dumps(USER).encode())
    assert json.loads(out.resource)["active"] is False
    assert out.changed and out.quirks_fired == ["boolean_strings"]
    assert json.loads(p.apply_json(json.dumps(USER)))["active"] is False
    with pytest.raises(scim_expr.InvalidValue):
        Patch.from_json(body.encode()).apply_json(json.dumps(USER))
    with pytest.raises(scim_expr.InvalidSyntax) as info:
        Patch.from_json("{")
    assert info.value.code == "document.invalid_json"
    with pytest.raises(scim_expr.InvalidSyntax) as info:
        p.apply_json("[1, 2")
    assert info.value.code == "document.invalid_json" and info.value.position == 5


def test_patch_failure_is_atomic_and_names_the_operation() -> None:
    p = Patch(request({"op": "replace", "path": "userName", "value": "x"},
                      {"op": "replace", "path": "id", "value": "other"}))
    with pytest.raises(scim_expr.Mutability) as info:
        p.apply(USER)
    e = info.value
    assert (e.scim_type, e.code, e.operation, e.status, e.position) == ("mutability", "patch.read_only", 1, 400, None)
    with pytest.raises(scim_expr.NoTarget) as nt:
        Patch(request({"op": "replace", "path": 'emails[type eq "home"].value', "value": "x"})).apply(USER)
    assert nt.value.code == "patch.no_target" and nt.value.operation == 0


def test_path() -> None:
    p = Path('emails[type Eq "work"].value')
    assert (p.attribute, p.sub_attribute, p.filter, p.urn) == ("emails", "value", 'type eq "work"', None)
    assert str(p) == 'emails[type eq "work"].value' and repr(p) == """Path('emails[type eq "work"].value')"""
    assert p == Path(str(p)) and hash(p) == hash(Path(str(p))) and p != Path("emails")
    ext = Path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager")
    assert ext.urn == "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" and ext.attribute == "manager"
    with pytest.raises(scim_expr.InvalidPath) as info:
        Path('émails[type eq "work"')
    assert info.value.code.startswith("path.")


def test_exports() -> None:
    for name in scim_expr.__all__:
        assert hasattr(scim_expr, name), name
    assert scim_expr.MAX_CONVERSION_DEPTH == 1000


def test_apply_keeps_the_key_order_of_its_input() -> None:
    user = {"schemas": USER["schemas"], "userName": "b", "id": "1", "zeta": 1,
            "name": {"givenName": "B", "familyName": "J"}, "emails": [{"value": "a", "type": "work"}]}
    new = Patch(request({"op": "add", "path": "title", "value": "x"},
                        {"op": "add", "path": "displayName", "value": "B J"},
                        {"op": "replace", "path": "name.familyName", "value": "K"},
                        {"op": "add", "path": "emails[value eq \"a\"].display", "value": "A"})).apply(user)
    assert list(new) == ["schemas", "userName", "id", "zeta", "name", "emails", "displayName", "title"]
    assert list(new["name"]) == ["givenName", "familyName"] and new["name"]["familyName"] == "K"
    assert list(new["emails"][0]) == ["value", "type", "display"]
