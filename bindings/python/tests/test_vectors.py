"""Every vector of tests/vectors, one test per id, through the object path (dicts) and the JSON-text path.

Mirrors scim-expr/tests/vectors.rs: the same options, outcomes and xfail rules. Positions in vectors are byte
offsets; the binding reports code points, so the expected offset is converted before comparing.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Dict, List, Optional, Union

import pytest

import scim_expr
from scim_expr import Filter, Limits, Patch, Path, Quirks, ScimError, Schemas
from vectors import Case, load

CASES, XFAIL = load()


def options(group: Dict[str, Any]) -> Dict[str, Any]:
    spec = group.get("quirks", "strict")
    if isinstance(spec, str):
        quirks = Quirks(spec)
    else:
        toggles = {name: True for name in spec.get("on", [])}
        toggles.update({name: False for name in spec.get("off", [])})
        quirks = Quirks(spec["preset"], **toggles)
    kw: Dict[str, Any] = {"quirks": quirks}
    if "schemas" in group:
        kw["schemas"] = Schemas(group["schemas"])
    if "limits" in group:
        kw["limits"] = Limits(**group["limits"])
    if isinstance(group.get("resource"), str):
        kw["resource_type"] = group["resource"]
    return kw


def code_points(source: str, byte_offset: int) -> int:
    """The code point index of a byte offset into `source` (characters wholly before it)."""
    return len(source.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


def check_error(err: ScimError, want: Dict[str, Any], source: Optional[str]) -> None:
    got: Dict[str, Any] = {"scimType": err.scim_type, "code": err.code, "operation": err.operation}
    expected = {k: want[k] for k in ("scimType", "code", "operation") if k in want}
    assert {k: got[k] for k in expected} == expected, f"{got} ({err.detail})"
    if "position" in want:
        pos = want["position"]
        if pos is not None and source is not None:
            pos = code_points(source, pos)
        assert err.position == pos, f"position: expected {pos}, got {err.position} ({err.detail})"
    assert isinstance(err, ScimError) and isinstance(err, ValueError)
    assert type(err).__name__[0].lower() + type(err).__name__[1:] == err.scim_type, "one subclass per scimType"


def typed(v: Any) -> str:
    """JSON text that tells 1 from 1.0 from True, as serde_json's Value equality does."""
    return json.dumps(v, sort_keys=True)


def check_fired(case: Dict[str, Any], fired: List[str]) -> None:
    if "quirks_fired" in case:
        assert fired == case["quirks_fired"], f"quirks_fired: expected {case['quirks_fired']}, got {fired}"


def run_filter(group: Dict[str, Any], case: Dict[str, Any]) -> None:
    kw = options(group)
    text: str = case["filter"]
    inputs: List[Union[str, bytes]] = [text, text.encode("utf-8")]
    if "error" in case:
        for given in inputs:
            with pytest.raises(ScimError) as info:
                f = Filter(given, **kw)
                raise AssertionError(f"expected an error, parsed as {f}")
            check_error(info.value, case["error"], text)
        return
    f, fb = Filter(text, **kw), Filter(text.encode("utf-8"), **kw)
    assert f == fb and str(f) == str(fb) and hash(f) == hash(fb)
    again = Filter(str(f), **kw)
    assert again == f, f"canonical form {str(f)!r} parses to a different AST"
    if "canonical" in case:
        assert str(f) == case["canonical"], f"canonical form: expected {case['canonical']!r}, got {str(f)!r}"
    check_fired(case, f.quirks_fired)
    check_fired(case, fb.quirks_fired)
    if case["op"] == "parse":
        assert case.get("valid") is True or "canonical" in case, "a parse case needs valid, canonical or error"
        return
    assert case["op"] == "filter", f"unknown op {case['op']!r}"
    docs = case.get("docs", group.get("docs"))
    assert isinstance(docs, list), "no docs"
    want = case["matches"]
    got = [i for i, d in enumerate(docs) if f.matches(d)]
    assert got == want, f"matches (object path): expected {want}, got {got}"
    batch = f.filter(docs)
    assert [id(d) for d in batch] == [id(docs[i]) for i in got], "Filter.filter() disagrees with matches()"
    texts = [json.dumps(d) if i % 2 else json.dumps(d).encode("utf-8") for i, d in enumerate(docs)]
    got_json = [i for i, t in enumerate(texts) if f.matches_json(t)]
    assert got_json == want, f"matches (JSON path): expected {want}, got {got_json}"


def run_path(group: Dict[str, Any], case: Dict[str, Any]) -> None:
    kw = options(group)
    text: str = case["path"]
    if "error" in case:
        for given in (text, text.encode("utf-8")):
            with pytest.raises(ScimError) as info:
                p = Path(given, **kw)
                raise AssertionError(f"expected an error, parsed as {p}")
            check_error(info.value, case["error"], text)
        return
    p = Path(text, **kw)
    assert Path(text.encode("utf-8"), **kw) == p
    printed = str(p)
    assert Path(printed, **kw) == p, f"canonical form {printed!r} parses to a different path"
    if "canonical" in case:
        assert printed == case["canonical"], f"canonical form: expected {case['canonical']!r}, got {printed!r}"


def failing_path(request: Any, err: ScimError) -> Optional[str]:
    """The path text of the failing operation, which a position points into."""
    try:
        path = request["Operations"][err.operation]["path"]
    except (KeyError, IndexError, TypeError):
        return None
    return path if isinstance(path, str) else None


def run_patch(group: Dict[str, Any], case: Dict[str, Any]) -> None:
    kw = options(group)
    request = case["request"]
    original = case.get("doc", group.get("doc"))
    assert original is not None, "no doc"
    doc = copy.deepcopy(original)
    before = json.dumps(doc)
    request_text = json.dumps(request).encode("utf-8")
    if "error" in case:
        with pytest.raises(ScimError) as info:
            out = Patch(request, **kw).apply(doc)
            raise AssertionError(f"expected an error, got {out}")
        check_error(info.value, case["error"], failing_path(request, info.value))
        # Byte-identical, not merely equal.
        assert json.dumps(doc) == before, "the failed request changed the document"
        with pytest.raises(ScimError) as info:
            text_out = Patch.from_json(request_text, **kw).apply_json(before)
            raise AssertionError(f"expected an error, got {text_out}")
        check_error(info.value, case["error"], failing_path(request, info.value))
        return
    want = case["expect"]
    outcome = Patch(request, **kw).apply_outcome(doc)
    assert json.dumps(doc) == before, "apply modified its input"
    assert typed(outcome.resource) == typed(want), f"document:\nexpected {want}\n     got {outcome.resource}"
    json_outcome = Patch.from_json(request_text, **kw).apply_json_outcome(before)
    assert typed(json.loads(json_outcome.resource)) == typed(want), f"JSON path: got {json_outcome.resource}"
    for o in (outcome, json_outcome):
        check_fired(case, o.quirks_fired)
        if isinstance(case.get("changed"), bool):
            assert o.changed == case["changed"], f"changed: expected {case['changed']}, got {o.changed}"


def run(c: Case) -> None:
    op = c.case.get("op")
    if op in ("filter", "parse"):
        run_filter(c.group, c.case)
    elif op == "path":
        run_path(c.group, c.case)
    elif op == "patch":
        run_patch(c.group, c.case)
    else:
        raise AssertionError(f"unknown op {op!r}")


def test_xfail_lists_only_known_ids() -> None:
    ids = {c.id for c in CASES}
    assert [x for x in XFAIL if x not in ids] == []


def test_every_case_is_collected() -> None:
    assert len(CASES) >= 1767
    assert scim_expr.Filter.__module__ == "scim_expr", "the compiled extension, not a stand-in"


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_vector(c: Case) -> None:
    reason = XFAIL.get(c.id)
    try:
        run(c)
    except Exception:
        if reason is None:
            raise
        pytest.xfail(reason)
    if reason is not None:
        pytest.fail(f"listed in xfail.json ({reason}) but passes: remove it")
