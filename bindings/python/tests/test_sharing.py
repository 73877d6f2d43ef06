"""What `Patch.apply` converts and what its result shares with the input: the members the request touches are
converted (and checked) both ways, every other member is the input's own object, and the input is never modified."""

from __future__ import annotations

import copy
import json
import math
from typing import Any, Dict, List

import pytest

import scim_expr
from scim_expr import Patch, ScimError
from test_hostile import deep_dict

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER: Dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "2819c223",
    "userName": "bjensen",
    "nickName": "Babs",
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "emails": [{"type": "work", "value": "bjensen@example.com"}],
    "addresses": [{"type": "work", "locality": "Hollywood"}],
    "meta": {"resourceType": "User"},
}


def request(*ops: Dict[str, Any]) -> Dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(ops)}


def test_untouched_members_are_the_inputs_objects() -> None:
    user = copy.deepcopy(USER)
    before = copy.deepcopy(user)
    p = Patch(request({"op": "replace", "path": "name.givenName", "value": "Babs"}))
    out = p.apply(user)
    assert out is not user and user == before, "the input is unchanged"
    assert out["name"] == {"givenName": "Babs", "familyName": "Jensen"} and out["name"] is not user["name"]
    for key in ("emails", "addresses", "meta", "userName", "id"):
        assert out[key] is user[key], key
    assert list(out) == list(user)
    assert p.apply_outcome(user).resource == out


def test_members_removed_and_added() -> None:
    user = copy.deepcopy(USER)
    out = Patch(request({"op": "remove", "path": "nickName"},
                        {"op": "add", "path": "title", "value": "Tour Guide"},
                        {"op": "add", "path": "displayName", "value": "Babs Jensen"})).apply(user)
    assert "nickName" not in out and user["nickName"] == "Babs"
    assert list(out) == [k for k in USER if k != "nickName"] + ["displayName", "title"]
    assert out["emails"] is user["emails"]


def test_what_a_request_reads_without_writing_it_is_shared_when_converting_would_keep_it() -> None:
    user = copy.deepcopy(USER)
    p = Patch(request({"op": "remove", "path": 'emails[type eq "home"]'},
                      {"op": "replace", "path": "name.givenName", "value": "Babs"}))
    out = p.apply(user)
    assert out == dict(user, name={"givenName": "Babs", "familyName": "Jensen"})
    assert out["emails"] is user["emails"] and out["schemas"] is user["schemas"]
    assert out["name"] is not user["name"] and out["name"]["familyName"] is user["name"]["familyName"]
    # A tuple (or a subclass) is not what converting gives back: such a member is converted, as before.
    odd = dict(user, emails=[{"type": "work", "value": "a"}, ("x", "y")])
    converted = p.apply(odd)
    assert converted["emails"] == [{"type": "work", "value": "a"}, ["x", "y"]]
    assert converted["emails"] is not odd["emails"] and converted["emails"][0] is odd["emails"][0]


def test_a_failed_request_returns_nothing_and_changes_nothing() -> None:
    user = copy.deepcopy(USER)
    members = dict(user)
    p = Patch(request({"op": "replace", "path": "name.givenName", "value": "x"},
                      {"op": "replace", "path": 'emails[type eq "home"].value', "value": "y"}))
    with pytest.raises(scim_expr.NoTarget) as info:
        p.apply(user)
    assert info.value.operation == 1
    assert user == USER and all(user[k] is v for k, v in members.items())


def hostile() -> Dict[str, Any]:
    cyclic: Dict[str, Any] = {"a": 1}
    cyclic["self"] = cyclic
    looped: List[Any] = []
    looped.append(looped)
    return {"cyclic": cyclic, "looped": looped, "deep_dict": deep_dict(100_000), "int_keys": {1: "x", ("t",): 2},
            "nan": math.nan, "inf": [math.inf], "huge_int": 2**64, "a_set": {1, 2}, "an_object": object(),
            "bytes": b"x", "surrogate": "\ud800", "surrogate_key": {"\udfff": 1}}


EXPECTED = {"cyclic": "document.cyclic", "looped": "document.cyclic", "deep_dict": "document.too_deep"}


def test_hostile_values_pass_through_untouched_members() -> None:
    values = hostile()
    resource = dict(values, userName="bjensen")
    out = Patch(request({"op": "replace", "path": "title", "value": "x"})).apply(resource)
    assert out["title"] == "x" and list(out) == list(resource) + ["title"]
    for key, value in values.items():
        assert out[key] is value, key


@pytest.mark.parametrize("name", sorted(hostile()))
def test_hostile_values_in_a_touched_member_raise(name: str) -> None:
    value = hostile()[name]
    replace = Patch(request({"op": "replace", "path": "title", "value": "x"}))
    with pytest.raises(ScimError) as info:
        replace.apply({"userName": "bjensen", "title": value})
    assert info.value.code == EXPECTED.get(name, "document.not_json")
    # The same value one level down in a touched member, and in every member when the request reaches them all.
    with pytest.raises(ScimError) as inner:
        replace.apply({"title": {"nested": value}})
    assert inner.value.code == EXPECTED.get(name, "document.not_json")
    pathless = Patch(request({"op": "add", "value": {"title": "x", "userName": "b"}}))
    with pytest.raises(ScimError):
        pathless.apply({"title": "t", "userName": value})


def test_the_resource_itself_inside_a_member() -> None:
    resource: Dict[str, Any] = {"userName": "b"}
    resource["x"] = resource
    assert Patch(request({"op": "add", "path": "title", "value": "t"})).apply(resource)["x"] is resource
    resource["title"] = resource
    with pytest.raises(ScimError) as info:
        Patch(request({"op": "add", "path": "title", "value": "t"})).apply(resource)
    assert info.value.code == "document.cyclic"


def test_top_level_keys_are_always_checked() -> None:
    for resource in ({1: "x", "userName": "b"}, {"\udfff": 1}):
        with pytest.raises(scim_expr.InvalidValue) as info:
            Patch(request({"op": "add", "path": "title", "value": "t"})).apply(resource)  # type: ignore[arg-type]
        assert info.value.code == "document.not_json"


def group(n: int) -> Dict[str, Any]:
    return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "g",
            "members": [{"value": f"id{i}", "display": f"member {i}", "type": "User"} for i in range(n)]}


def test_unchanged_list_elements_are_the_inputs() -> None:
    g = group(50)
    before = copy.deepcopy(g)
    added = Patch(request({"op": "add", "path": "members", "value": [{"value": "new"}]})).apply(g)
    assert g == before and added["members"] is not g["members"] and len(added["members"]) == 51
    assert all(a is b for a, b in zip(added["members"], g["members"]))
    assert added["members"][50] == {"value": "new"}
    removed = Patch(request({"op": "remove", "path": 'members[value eq "id7" or value eq "id8" or value eq "id30"]'}))
    out = removed.apply(g)
    assert [m["value"] for m in out["members"]] == [f"id{i}" for i in range(50) if i not in (7, 8, 30)]
    assert all(any(m is e for e in g["members"]) for m in out["members"])
    assert g == before
    user = {"emails": [{"value": f"{i}@example.com", "display": str(i), "type": "work"} for i in range(20)]}
    changed = Patch(request({"op": "replace", "path": 'emails[value eq "3@example.com"].display', "value": "D"}))
    emails = changed.apply(user)["emails"]
    assert emails[3] == {"value": "3@example.com", "display": "D", "type": "work"} and emails[3] is not user["emails"][3]
    assert list(emails[3]) == ["value", "display", "type"], "a changed element keeps its key order"
    assert all(emails[i] is user["emails"][i] for i in range(20) if i != 3)


def test_a_list_element_is_reused_only_when_converting_would_give_the_same() -> None:
    class S(str):
        pass

    class D(dict):  # type: ignore[type-arg]
        pass

    elements: List[Any] = [{"value": S("a")}, D(value="b"), {"value": "c", "n": (1, 2)}, {"value": "d", "n": True},
                           {"value": "e", "n": 1}, {"value": "f", "n": 1.0}, {"value": "g", "n": -0.0},
                           {"value": "h", "n": None}, {"value": "i", "n": [{"x": [1]}]}, "j", 2**63]
    resource = {"emails": elements}
    out = Patch(request({"op": "add", "path": "emails", "value": [{"value": "z"}]})).apply(resource)["emails"]
    assert json.dumps(out) == json.dumps(elements + [{"value": "z"}])
    assert type(out[0]["value"]) is str and out[0] is not elements[0]
    assert type(out[1]) is dict and out[1] is not elements[1]
    assert out[2]["n"] == [1, 2] and out[2] is not elements[2]
    for i in range(3, 11):
        assert out[i] is elements[i], elements[i]
    assert out[3]["n"] is True and type(out[4]["n"]) is int and type(out[5]["n"]) is float
    assert math.copysign(1, out[6]["n"]) == -1


def test_the_result_equals_converting_everything() -> None:
    g = group(30)
    for ops in ([{"op": "add", "path": "members", "value": [{"value": "n1"}, {"value": "id4"}]}],
                [{"op": "remove", "path": 'members[value sw "id1"]'}],
                [{"op": "replace", "path": "members", "value": [{"value": "only"}]}],
                [{"op": "add", "value": {"displayName": "h", "members": [{"value": "x"}]}}],
                [{"op": "remove", "path": "members"}]):
        p = Patch(request(*ops))
        assert p.apply(g) == json.loads(p.apply_json(json.dumps(g))), ops
