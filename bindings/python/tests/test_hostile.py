"""Hostile inputs end in a ScimError (code document.*), TypeError or ValueError: never a crash, a hang, a panic
or a RecursionError from inside the extension."""

from __future__ import annotations

import json
import math
from typing import Any, Dict, List

import pytest

import scim_expr
from scim_expr import Filter, Limits, Patch, ScimError

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
REPLACE = Patch({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "x"}]})


def deep_dict(n: int, key: str = "a") -> Dict[str, Any]:
    root: Dict[str, Any] = {}
    cur = root
    for _ in range(n):
        nxt: Dict[str, Any] = {}
        cur[key] = nxt
        cur = nxt
    return root


def deep_list(n: int) -> List[Any]:
    root: List[Any] = []
    cur = root
    for _ in range(n):
        nxt: List[Any] = []
        cur.append(nxt)
        cur = nxt
    return root


def code_of(call: Any) -> str:
    with pytest.raises(ScimError) as info:
        call()
    return info.value.code


def test_cycles() -> None:
    # apply converts only the members its request touches (REPLACE: title); tests/test_sharing.py checks that
    # the others pass through as they are.
    d: Dict[str, Any] = {"userName": "x"}
    d["title"] = d
    assert code_of(lambda: REPLACE.apply(d)) == "document.cyclic"
    lst: List[Any] = []
    lst.append(lst)
    assert code_of(lambda: REPLACE.apply({"title": lst})) == "document.cyclic"
    d["self"] = d
    # Filters read only what they name, so a cycle elsewhere does not matter.
    assert Filter('userName eq "x" and self.userName eq "x"').matches(d)
    value: Dict[str, Any] = {}
    value["v"] = value
    with pytest.raises(scim_expr.InvalidValue) as info:
        Patch({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "title", "value": "t"},
                                                     {"op": "add", "path": "x", "value": value}]})
    assert info.value.operation == 1 and info.value.code in ("document.cyclic", "document.too_deep")
    # A shared (not cyclic) sub-object is fine.
    shared = {"value": "a"}
    emails = Patch({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "emails", "value": [{"value": "b"}]}]})
    assert emails.apply({"emails": [shared, shared]})["emails"] == [shared, shared, {"value": "b"}]


def test_deep_nesting() -> None:
    for deep in (deep_dict(100_000), deep_list(100_000)):
        assert code_of(lambda: REPLACE.apply({"title": deep})) == "document.too_deep"
        assert Filter("userName pr").matches({"x": deep}) is False
    assert code_of(lambda: REPLACE.apply(deep_dict(100_000, "title"))) == "document.too_deep"
    with pytest.raises(scim_expr.InvalidValue) as info:
        Patch({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "x", "value": deep_dict(100_000)}]})
    assert info.value.code == "document.too_deep" and info.value.operation == 0
    # The bound holds whatever the limit says.
    loose = Patch({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "title", "value": "t"}]},
                  limits=Limits(max_document_depth=10**9))
    assert code_of(lambda: loose.apply(deep_dict(100_000, "title"))) == "document.too_deep"
    assert loose.apply(deep_dict(scim_expr.MAX_CONVERSION_DEPTH - 1, "title"))["title"] == "t"
    text = "[" * 100_000 + "]" * 100_000
    assert code_of(lambda: Filter("a pr").matches_json(text)) == "document.too_deep"
    assert code_of(lambda: REPLACE.apply_json('{"a":' * 100_000 + "1" + "}" * 100_000)) == "document.too_deep"


def test_non_json_values() -> None:
    cases: List[Any] = [{1: "x"}, {("a",): 1}, {"title": math.nan}, {"title": math.inf}, {"title": -math.inf},
                        {"title": {1, 2}}, {"title": object()}, {"title": b"bytes"}, {"title": 2**64},
                        {"title": -(2**63) - 1}, {"title": "\ud800"}, {"\udfff": 1}, {"title": {1: "x"}}]
    for resource in cases:
        with pytest.raises(scim_expr.InvalidValue) as info:
            REPLACE.apply(resource)
        assert info.value.code == "document.not_json", resource
        assert "is not a JSON value" in info.value.detail
    # Within 64 bits, signed or unsigned, integers round-trip exactly.
    display = Patch({"schemas": [PATCH_OP],
                     "Operations": [{"op": "add", "path": 'emails[value eq "a"].display', "value": "A"}]})
    big = display.apply({"emails": [{"value": "a", "n": 2**64 - 1, "m": -(2**63)}]})["emails"][0]
    assert (big["n"], big["m"], big["display"]) == (2**64 - 1, -(2**63), "A")


def test_filters_refuse_what_they_touch() -> None:
    assert code_of(lambda: Filter("n gt 1").matches({"n": math.nan})) == "document.not_json"
    assert code_of(lambda: Filter("n pr").matches({"n": math.inf})) == "document.not_json"
    assert code_of(lambda: Filter('s eq "x"').matches({"s": "\ud800"})) == "document.not_json"
    assert code_of(lambda: Filter("s pr").matches({"s": {1}})) == "document.not_json"
    # A non-str key is met when a lookup falls back to comparing keys ignoring case.
    int_keys: Dict[Any, Any] = {1: "x"}
    assert code_of(lambda: Filter("userName pr").matches(int_keys)) == "document.not_json"
    int_keys["userName"] = "y"
    assert Filter("userName pr").matches(int_keys)
    # An int beyond 64 bits reads as a double, as serde_json reads such a literal in JSON text.
    assert Filter("n eq 1180591620717411303424").matches({"n": 2**70})
    assert Filter("n eq 1180591620717411303424").matches_json('{"n": 1180591620717411303424}')
    assert code_of(lambda: Filter("n gt 1").matches({"n": 10**400})) == "document.not_json"


def test_lone_surrogates_in_text() -> None:
    with pytest.raises(scim_expr.InvalidFilter) as info:
        Filter('userName eq "ab\ud800"')
    assert (info.value.code, info.value.position) == ("filter.invalid_utf8", 15)
    with pytest.raises(scim_expr.InvalidSyntax) as sinfo:
        Filter("a pr").matches_json('{"a": "\ud800"}')
    assert (sinfo.value.code, sinfo.value.position) == ("document.invalid_utf8", 7)
    with pytest.raises(ScimError):
        scim_expr.Path("emails\udc00")


def test_huge_strings() -> None:
    assert code_of(lambda: Filter('userName eq "' + "x" * 10_000_000 + '"')) == "filter.too_long"
    huge = "y" * 20_000_000
    out = Patch({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": huge}]}).apply({})
    assert out["title"] == huge
    assert Filter('title sw "yyy"').matches(out)


class Sneaky:
    """A key that collides with "userName" and mutates the dict while being compared."""

    def __init__(self, target: Dict[Any, Any]) -> None:
        self.target = target

    def __hash__(self) -> int:
        return hash("userName")

    def __eq__(self, other: object) -> bool:
        self.target.clear()
        return False


def test_mutation_during_lookup_is_not_a_panic() -> None:
    d: Dict[Any, Any] = {}
    d[Sneaky(d)] = 1
    d["other"] = 2
    try:
        Filter('userName eq "x"').matches(d)
    except (ScimError, RuntimeError):
        pass
    d2: Dict[Any, Any] = {}
    d2[Sneaky(d2)] = 1
    with pytest.raises(ScimError):
        REPLACE.apply(d2)


def test_subclasses_of_json_types() -> None:
    class D(dict):  # type: ignore[type-arg]
        pass

    class S(str):
        pass

    r = D(userName=S("bjensen"), emails=(({"value": "a"}),))
    assert Filter('userName eq "BJENSEN" and emails.value eq "a"').matches(r)
    touching = Patch({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "userName", "value": "bjensen"},
                                                            {"op": "add", "path": "emails", "value": []}]})
    out = touching.apply(r)
    assert type(out) is dict and type(out["userName"]) is str and out["userName"] == "bjensen"
    assert out["emails"] == [{"value": "a"}] and type(out["emails"]) is list
    assert json.dumps(out)
    # A member the request does not touch is the input's object, of its own type.
    assert REPLACE.apply(r)["userName"] is r["userName"]


# The shared hostile inputs of the hardening issue, as the Rust tests (scim-expr/tests/hostile.rs) also run them.


def test_100000_nested_parentheses() -> None:
    text = "(" * 100_000 + 'userName eq "x"' + ")" * 100_000
    for limits in (Limits(), Limits(max_depth=128)):
        with pytest.raises(scim_expr.InvalidFilter) as info:
            Filter(text, limits=limits)
        assert (info.value.code, info.value.position) == ("filter.too_deep", limits.max_depth)


def test_a_10_mb_filter() -> None:
    text = 'userName eq "' + "a" * 10_000_000 + '"'
    assert code_of(lambda: Filter(text)) == "filter.too_long"
    f = Filter(text, limits=Limits(max_filter_length=20_000_000))
    assert f.matches({"userName": "A" * 10_000_000}) and not f.matches({"userName": "a"})


def test_a_1000000_term_or_chain() -> None:
    text = " or ".join(f'userName eq "u{i}"' for i in range(1_000_000))
    assert code_of(lambda: Filter(text)) == "filter.too_long"
    f = Filter(text, limits=Limits(max_filter_length=len(text)))
    assert f.matches({"userName": "U999999"}) and not f.matches({"userName": "u1000000"})
    assert str(f) == text


def test_invalid_utf8_is_positioned() -> None:
    with pytest.raises(scim_expr.InvalidFilter) as info:
        Filter(b'userName eq "\xc3\x28"')
    assert (info.value.code, info.value.position) == ("filter.invalid_utf8", 13)
    assert code_of(lambda: Filter(b'userName eq "x"').matches_json(b'{"userName": "\xff"}')).startswith("document.")


def test_prototype_names_are_plain_attributes() -> None:
    doc = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "b", "constructor": "c",
           "prototype": {"x": 1}, "__proto__": "p"}
    assert Filter('constructor eq "c" and prototype.x eq 1').matches(doc)
    assert code_of(lambda: Filter('__proto__ eq "p"')) == "filter.invalid_attr_path"
    out = Patch({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "constructor", "value": "d"}]}).apply(doc)
    assert out["constructor"] == "d" and out["__proto__"] == "p" and doc["constructor"] == "c"


def test_integers_past_2_53_and_2_64_and_nan() -> None:
    big = 2**53 + 1
    assert Filter(f"x eq {big}").matches({"x": big}) and not Filter(f"x eq {big}").matches({"x": 2**53})
    assert Filter("x gt 18446744073709551615").matches({"x": 2.0**65})
    assert not Filter("x eq 18446744073709551615").matches({"x": 2.0**64})
    assert code_of(lambda: REPLACE.apply({"userName": "b", "title": [2**64]})) == "document.not_json"
    assert code_of(lambda: REPLACE.apply({"userName": "b", "title": math.nan})) == "document.not_json"
    assert code_of(lambda: Filter("x eq 1e400")) == "filter.invalid_number"
