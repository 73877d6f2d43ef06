"""`Patch.apply` reads the dict in place: it must give what `apply_json` gives on the same resource as JSON text,
and share only what converting would give back as it is. Each test failed before its fix (found by a second
reading of the change that made `apply` read dicts in place)."""

from __future__ import annotations

import json
from typing import Any, Dict

from scim_expr import Patch

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def request(*ops: Dict[str, Any]) -> Dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(ops)}


def both(p: Patch, resource: Dict[str, Any]) -> "tuple[Dict[str, Any], Dict[str, Any]]":
    as_json: Dict[str, Any] = json.loads(p.apply_json(json.dumps(resource)))
    return p.apply(resource), as_json


def test_a_key_equal_ignoring_case_is_read_as_the_json_path_reads_it() -> None:
    # No member is spelled `value` exactly; two equal it ignoring case. The converted document takes the smallest
    # key, "VALUE"; a dict read in place must too, not the first in the dict's order, "Value".
    group = {"schemas": [GROUP], "displayName": "g", "members": [{"Value": "b", "VALUE": "a"}, {"value": "c"}]}
    p = Patch(request({"op": "remove", "path": 'members[value eq "a"]'}))
    direct, as_json = both(p, group)
    assert as_json["members"] == [{"value": "c"}]
    assert direct == as_json


def test_a_key_equal_ignoring_case_is_the_same_key_when_adding() -> None:
    # `same_value` reads an existing member's `value` through the same lookup: re-adding "a" is no change as JSON
    # text, a new member on the dict.
    group = {"schemas": [GROUP], "displayName": "g", "members": [{"Value": "b", "VALUE": "a"}]}
    p = Patch(request({"op": "add", "path": "members", "value": [{"value": "a"}]}))
    direct, as_json = both(p, group)
    assert as_json == group
    assert direct == as_json
    assert not p.apply_outcome(group).changed


class Key(str):
    """A str subclass: converting makes a key of it a plain str."""


def test_a_str_subclass_key_below_the_top_level_is_not_shared() -> None:
    # An element holding a key that is a str subclass is not shared: converting would make the key a str (the .pyi:
    # "no tuples or subclasses"). The check used to look at the types of values only, below the top level.
    user: Dict[str, Any] = {
        "schemas": [USER],
        "userName": "u",
        "emails": [{Key("value"): "a@example.com", "type": "work", "tags": ["x"]}],
    }
    p = Patch(request({"op": "add", "path": "emails", "value": [{"value": "b@example.com"}]}))
    out = p.apply(user)
    assert [type(k) for k in out["emails"][0]] == [str, str, str]
    assert out["emails"][0] is not user["emails"][0]


class SeparateKey(str):
    """A str subclass with its own hash and equality: a dict can hold it and a str of the same text as two keys."""

    def __hash__(self) -> int:
        return 12345

    def __eq__(self, other: object) -> bool:
        return type(other) is SeparateKey and str.__eq__(self, other)


def test_a_write_to_a_member_whose_text_is_two_keys_is_not_lost() -> None:
    # The dict holds "nickName" twice; the engine writes the first; the result must not take the second, unwritten
    # one afterwards (it did: `changed` was True and the result held the old value).
    user: Dict[str, Any] = {"schemas": [USER], "userName": "u", SeparateKey("nickName"): "first", "nickName": "second"}
    p = Patch(request({"op": "replace", "path": "nickName", "value": "NEW"}))
    o = p.apply_outcome(user)
    assert o.changed
    assert o.resource["nickName"] == "NEW"
