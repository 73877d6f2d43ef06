"""Filter and Patch objects shared by many threads give the same answers as on one thread."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

from scim_expr import Filter, Patch

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def users(n: int) -> List[Dict[str, Any]]:
    return [{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": str(i), "userName": f"user{i}",
             "active": i % 3 == 0, "emails": [{"type": "work", "value": f"u{i}@example.com"}]} for i in range(n)]


def test_shared_filter_and_patch_across_threads() -> None:
    docs = users(300)
    f = Filter('active eq true and emails[value ew "@example.com"]')
    p = Patch({"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "path": "active", "value": False},
        {"op": "add", "path": "members", "value": [{"value": str(i)} for i in range(200)]}]})
    expected_ids = [d["id"] for d in f.filter(docs)]
    expected_patch = p.apply(docs[0])

    def work(k: int) -> None:
        for _ in range(20):
            assert [d["id"] for d in f.filter(docs)] == expected_ids
            assert p.apply(docs[0]) == expected_patch
            assert f.matches_json('{"active": true, "emails": [{"value": "a@example.com"}]}')

    with ThreadPoolExecutor(max_workers=8) as pool:
        for r in [pool.submit(work, k) for k in range(8)]:
            r.result()
    assert docs[0]["active"] is True, "applying never changes the shared input"
