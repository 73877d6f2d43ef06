"""Reads tests/vectors/*.json as ../../../scim-expr/tests/vectors.rs does (format: tests/vectors/README.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Tuple

VECTORS = Path(__file__).resolve().parents[3] / "tests" / "vectors"


@dataclass(frozen=True)
class Case:
    id: str
    group: Dict[str, Any]
    case: Dict[str, Any]


def load() -> Tuple[List[Case], Dict[str, str]]:
    cases: List[Case] = []
    seen: set[str] = set()
    for file in sorted(VECTORS.glob("*.json")):
        if file.name == "xfail.json":
            continue
        groups = json.loads(file.read_text(encoding="utf-8"))
        assert isinstance(groups, list), f"{file}: not an array of groups"
        for group in groups:
            body = {k: v for k, v in group.items() if k != "cases"}
            for case in group["cases"]:
                cid = case["id"]
                assert cid not in seen, f"duplicate vector id {cid}"
                seen.add(cid)
                cases.append(Case(cid, body, case))
    xfail = json.loads((VECTORS / "xfail.json").read_text(encoding="utf-8"))
    return cases, {x["id"]: x["reason"] for x in xfail}
