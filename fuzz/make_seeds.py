#!/usr/bin/env python3
"""Writes fuzz/seeds/<target>/<case id> from tests/vectors/*.json: one seed per vector case that fits the target.

Each seed is the target's input layout (fuzz/src/lib.rs): a preset byte (0 strict, 1 entra, 2 okta, 3 lenient,
the group's preset), then the filter or path text, or `filter NUL document` / `request NUL document` as JSON text.
Run from anywhere: python3 fuzz/make_seeds.py. The output is committed; rerun it when the vectors change.
"""
import json
import pathlib
import re
import shutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fuzz" / "seeds"
PRESETS = ["strict", "entra", "okta", "lenient"]
# libFuzzer's default -max_len: longer seeds (the 1,000-member groups) would only slow every run down.
MAX_LEN = 4096


def preset_byte(group):
    spec = group.get("quirks", "strict")
    name = spec if isinstance(spec, str) else spec.get("preset", "strict")
    return bytes([PRESETS.index(name.lower())])


def dump(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":")).encode()


def main():
    if SEEDS.exists():
        shutil.rmtree(SEEDS)
    seeds = {t: {} for t in ["filter_parse", "filter_roundtrip", "filter_eval", "path_parse", "patch_apply"]}
    for file in sorted((ROOT / "tests" / "vectors").glob("*.json")):
        if file.name == "xfail.json":
            continue
        for group in json.loads(file.read_text()):
            if "limits" in group:
                continue  # the targets run with the default limits
            p = preset_byte(group)
            for case in group["cases"]:
                cid = re.sub(r"[^A-Za-z0-9._-]", "_", case["id"])
                op = case["op"]
                if op in ("parse", "filter"):
                    text = case["filter"].encode()
                    seeds["filter_parse"][cid] = p + text
                    seeds["filter_roundtrip"][cid] = p + b"\x00" + text
                    docs = case.get("docs", group.get("docs"))
                    if op == "filter" and docs:
                        seeds["filter_eval"][cid] = p + text + b"\x00" + dump(docs[0])
                elif op == "path":
                    seeds["path_parse"][cid] = p + case["path"].encode()
                elif op == "patch":
                    doc = case.get("doc", group.get("doc"))
                    seeds["patch_apply"][cid] = p + dump(case["request"]) + b"\x00" + dump(doc)
    for target, by_id in seeds.items():
        out = SEEDS / target
        out.mkdir(parents=True)
        unique = {}
        for cid, data in sorted(by_id.items()):
            if len(data) <= MAX_LEN:
                unique.setdefault(data, cid)
        for data, cid in unique.items():
            (out / cid).write_bytes(data)
        print(f"{target}: {len(unique)} seeds")


if __name__ == "__main__":
    main()
