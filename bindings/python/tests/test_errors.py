"""ScimError: defined in Python, one subclass per scimType, positions in code points, the RFC error body."""

from __future__ import annotations

import pickle
from typing import Any, Dict

import pytest

import scim_expr
from scim_expr import Filter, Patch, ScimError
from scim_expr import errors

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

SCIM_TYPES = {
    "invalidFilter": scim_expr.InvalidFilter,
    "tooMany": scim_expr.TooMany,
    "uniqueness": scim_expr.Uniqueness,
    "mutability": scim_expr.Mutability,
    "invalidSyntax": scim_expr.InvalidSyntax,
    "invalidPath": scim_expr.InvalidPath,
    "noTarget": scim_expr.NoTarget,
    "invalidValue": scim_expr.InvalidValue,
    "invalidVers": scim_expr.InvalidVers,
    "sensitive": scim_expr.Sensitive,
}


def test_classes_live_in_python() -> None:
    assert ScimError.__module__ == "scim_expr.errors" and issubclass(ScimError, ValueError)
    for name, cls in SCIM_TYPES.items():
        assert issubclass(cls, ScimError)
        e = cls("detail")
        assert e.scim_type == name and e.status == 400 and str(e) == "detail"


@pytest.mark.parametrize("scim_type", sorted(SCIM_TYPES))
def test_native_errors_pick_their_subclass(scim_type: str) -> None:
    e = errors._from_native(scim_type, "x.y", "msg", 400, 3, None)
    assert type(e) is SCIM_TYPES[scim_type] and e.position == 3 and e.code == "x.y"


def test_to_dict_is_the_rfc_7644_error_body() -> None:
    with pytest.raises(ScimError) as info:
        Filter('userName eq "x')
    body: Dict[str, Any] = info.value.to_dict()
    assert body == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "400",
        "scimType": "invalidFilter",
        "detail": info.value.detail,
    }
    assert info.value.detail == "string starting at byte 12 has no closing quote"


def test_positions_are_code_points() -> None:
    text = 'displayName eq "日本語" and x eq "'
    with pytest.raises(scim_expr.InvalidFilter) as info:
        Filter(text)
    assert info.value.position == text.rindex('"') and text[info.value.position] == '"'
    with pytest.raises(scim_expr.InvalidFilter) as info:
        Filter(text.encode())
    assert info.value.position == text.rindex('"')
    # A bad path in a PATCH: the position points into that operation's path.
    path = 'emails[display eq "Zoë" and'
    with pytest.raises(scim_expr.InvalidPath) as pinfo:
        Patch({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "title", "value": "x"},
                                                     {"op": "remove", "path": path}]})
    e = pinfo.value
    assert e.operation == 1 and e.position == len(path), (e.position, e.detail)


def test_repr_pickle_and_user_constructed_errors() -> None:
    with pytest.raises(ScimError) as info:
        Filter('userName eq "x')
    e = info.value
    assert repr(e) == "InvalidFilter('string starting at byte 12 has no closing quote', " \
                      "code='filter.unterminated_string', position=12)"
    again = pickle.loads(pickle.dumps(e))
    assert type(again) is type(e) and (again.code, again.position, again.detail) == (e.code, e.position, e.detail)
    mine = scim_expr.Uniqueness("userName bjensen is taken", code="app.duplicate_user_name")
    assert mine.to_dict()["scimType"] == "uniqueness" and mine.operation is None
    with pytest.raises(ValueError):
        raise mine
