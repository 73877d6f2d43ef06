"""scim-expr's Python binding side by side with scim2-models and scim2-filter-parser, in one process.

Run through `make bench-py` (from the repository root), which creates the benchmark-only virtualenv
benches/compare/python/.venv, installs the peers (requirements.txt) and the binding (pip install ./bindings/python)
into it, and runs this file. Prints one table: ns/op for us and each peer, and the ratio peer/us.

`--peers-only` measures the peers alone (no scim-expr column), to check the peer side before the binding exists.
"""

import argparse
import copy
import json
import os
import statistics
import sys
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOAD = os.path.join(HERE, "..", "..", "workload.json")
FILTER_CASES = [
    "user_name_eq",
    "external_id_eq",
    "emails_value_path",
    "family_name_and_not",
    "last_modified_gt",
    "enterprise_or",
    "user_type_and_emails_co",
    "or_chain_50",
]
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def load_binding(peers_only):
    try:
        import scim_expr  # noqa: PLC0415
    except ImportError as e:
        if peers_only:
            return None
        sys.exit(
            f"error: the scim_expr Python binding is not importable from {sys.executable} ({e}).\n"
            "Build it into the benchmark virtualenv with `make bench-py` (it runs "
            "`benches/compare/python/.venv/bin/pip install ./bindings/python`), or run this script with the "
            "interpreter of a virtualenv that has it (`make test-py` builds one at .venv)."
        )
    return scim_expr


def ns_per_op(fn, repeat=5, budget=0.2):
    """Median over `repeat` runs of the time per call, each run long enough to be timed (at least `budget` s)."""
    timer = timeit.Timer(fn)
    number, elapsed = timer.autorange()
    number = max(1, int(number * budget / max(elapsed, 1e-9)))
    runs = timer.repeat(repeat=repeat, number=number)
    return statistics.median(runs) / number * 1e9


def slow_ns_per_op(fn, repeat=3):
    """For calls taking a second or more (the peers on a 10,000-member group): the median of `repeat` calls, or
    one call when it takes more than 5 s."""
    timer = timeit.Timer(fn)
    first = timer.timeit(number=1)
    if first > 5:
        return first * 1e9
    return statistics.median([first] + timer.repeat(repeat=repeat - 1, number=1)) * 1e9


class Table:
    def __init__(self, peers):
        self.peers = peers
        self.rows = []

    def add(self, what, ours, peer_times, note=""):
        self.rows.append((what, ours, [peer_times.get(p) for p in self.peers], note))

    def print(self):
        head = ["operation", "scim-expr ns/op"]
        for p in self.peers:
            head += [f"{p} ns/op", "ratio"]
        head.append("notes")
        lines = [head]
        for what, ours, peers, note in self.rows:
            cells = [what, fmt(ours)]
            for t in peers:
                cells += [fmt(t), ratio(t, ours)]
            cells.append(note)
            lines.append(cells)
        print("| " + " | ".join(lines[0]) + " |")
        print("|" + "|".join("---" if i in (0, len(head) - 1) else "---:" for i in range(len(head))) + "|")
        for cells in lines[1:]:
            print("| " + " | ".join(cells) + " |")


def fmt(t):
    if t is None:
        return "-"
    if isinstance(t, str):
        return t
    return f"{t:,.0f}"


def ratio(peer, ours):
    if not isinstance(peer, float) or not isinstance(ours, float) or ours <= 0:
        return "-"
    return f"{peer / ours:,.0f}x" if peer / ours >= 10 else f"{peer / ours:.1f}x"


def member_values(doc):
    return sorted(m.get("value") for m in doc.get("members", []))


def projection(name, doc):
    """What a PATCH case changes, to check that both engines did the same work."""
    if name.startswith("group"):
        return member_values(doc)
    ext = doc.get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", {})
    return (
        sorted((e.get("type"), e.get("value")) for e in doc.get("emails", [])),
        doc.get("name", {}).get("givenName"),
        ext.get("department"),
        doc.get("active"),
        doc.get("displayName"),
        doc.get("title"),
        sorted((p.get("type"), p.get("value")) for p in doc.get("phoneNumbers", [])),
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peers-only", action="store_true", help="measure the peers alone (pre-merge check)")
    args = ap.parse_args()
    scim_expr = load_binding(args.peers_only)

    from scim2_filter_parser.lexer import SCIMLexer  # noqa: PLC0415
    from scim2_filter_parser.parser import SCIMParser  # noqa: PLC0415
    from scim2_models import EnterpriseUser, Group, PatchOp, ScimFilter, User  # noqa: PLC0415

    with open(WORKLOAD, encoding="utf-8") as f:
        w = json.load(f)
    UserModel = User[EnterpriseUser]
    users = w["users"]
    user_models = [UserModel.model_validate(u) for u in users]
    peers = ["scim2-models", "scim2-filter-parser"]
    table = Table(peers)

    # Filters: parse.
    total = {"ours": 0.0, "scim2-models": 0.0, "scim2-filter-parser": 0.0}
    for case, text in zip(FILTER_CASES, w["filters"]):
        ours = ns_per_op(lambda: scim_expr.Filter(text)) if scim_expr else None
        m = ns_per_op(lambda: ScimFilter[UserModel](text))
        p = ns_per_op(lambda: SCIMParser().parse(SCIMLexer().tokenize(text)))
        for k, v in (("ours", ours), ("scim2-models", m), ("scim2-filter-parser", p)):
            total[k] += v if v is not None else float("nan")
        table.add(f"filter/parse/{case}", ours, {"scim2-models": m, "scim2-filter-parser": p})
    table.add(
        "filter/parse, all 8",
        total["ours"] if scim_expr else None,
        {"scim2-models": total["scim2-models"], "scim2-filter-parser": total["scim2-filter-parser"]},
        "goal: >= 100x",
    )

    # Filters: matches(dict) over the 1,000 users, per user. scim2-models evaluates its pydantic models: timed on
    # models validated beforehand, and from the dict (model_validate + match), which is the work matches(dict) does.
    for case, text in zip(FILTER_CASES, w["filters"]):
        peer = ScimFilter[UserModel](text)
        peer_hits = [peer.match(u) for u in user_models]
        on_models = ns_per_op(lambda: [peer.match(u) for u in user_models], repeat=3) / len(users)
        from_dicts = ns_per_op(lambda: [peer.match(UserModel.model_validate(u)) for u in users], repeat=3) / len(users)
        note = f"{sum(peer_hits)} users match"
        ours = None
        if scim_expr:
            f = scim_expr.Filter(text)
            hits = [f.matches(u) for u in users]
            note += f", {sum(a != b for a, b in zip(hits, peer_hits))} mismatches"
            ours = ns_per_op(lambda: [f.matches(u) for u in users], repeat=3) / len(users)
        table.add(f"filter/matches_dict/{case} (per user)", ours, {"scim2-models": from_dicts}, note)
        table.add(
            f"filter/matches_dict/{case}, peer on ready models",
            ours,
            {"scim2-models": on_models},
            "the peer without validating the dict",
        )

    # PATCH: dict in, new dict out, for both (the peer: model_validate, patch, model_dump).
    group = w["patches"]["group_add_member"]["doc"]
    listed = [{"value": m["value"]} for m in group["members"][::100][:100]]
    cases = [(name, p["request"], p["doc"], "entra" if name == "user_update" else "strict") for name, p in w["patches"].items()]
    entra_request = {"schemas": [PATCH_OP], "Operations": [{"op": "Remove", "path": "members", "value": listed}]}
    # scim2-models refuses Entra's value list (InvalidValueException): it is timed on the RFC request that removes
    # the same 100 members, a filter of 100 `value eq` terms.
    rfc_request = {
        "schemas": [PATCH_OP],
        "Operations": [
            {"op": "remove", "path": "members[" + " or ".join(f'value eq "{v["value"]}"' for v in listed) + "]"}
        ],
    }
    cases.append(("group_entra_remove_100", entra_request, group, "entra"))
    for name, request, doc, quirks in cases:
        model = Group if name.startswith("group") else UserModel
        peer_request = rfc_request if name == "group_entra_remove_100" else request
        op = PatchOp[model].model_validate(peer_request)

        def peer_apply(op=op, model=model, doc=doc):
            m = model.model_validate(doc)
            op.patch(m)
            return m.model_dump(mode="json", by_alias=True, exclude_none=True)

        big = name.startswith("group")
        peer_t = slow_ns_per_op(peer_apply) if big else ns_per_op(peer_apply)
        note = "peer: the RFC filter form; it refuses the value list" if name == "group_entra_remove_100" else ""
        ours = None
        if scim_expr:
            patch = scim_expr.Patch(request, quirks=quirks)
            same = projection(name, patch.apply(doc)) == projection(name, peer_apply())
            note = (note + "; " if note else "") + ("same result" if same else "RESULTS DIFFER")
            ours = ns_per_op(lambda: patch.apply(doc), repeat=5 if not big else 3)
        table.add(f"patch/apply/{name}", ours, {"scim2-models": peer_t}, note)

    # Conversion alone. apply converts only the members a request touches: a pathless replace by the resource's own
    # members touches them all and changes nothing, so it converts the whole dict to a document and back (the core
    # compares each member with its replacement). A request with no operations (Entra sends them; `entra` accepts
    # them) touches only `schemas`: the floor of apply, the rest shared. apply_json of no operations parses and
    # serializes the whole JSON text.
    user = w["patches"]["user_update"]["doc"]
    for name, doc in (("user", user), ("group_10k", group)):
        model = Group if name.startswith("group") else UserModel
        validate = ns_per_op(lambda: model.model_validate(doc), repeat=3)
        ready = model.model_validate(doc)
        dump = ns_per_op(lambda: ready.model_dump(mode="json", by_alias=True, exclude_none=True), repeat=3)
        ours_dict = ours_json = None
        text = json.dumps(doc)
        ours_untouched = None
        if scim_expr:
            everything = scim_expr.Patch({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": doc}]})
            outcome = everything.apply_outcome(doc)
            assert outcome.resource == doc and not outcome.changed
            ours_dict = ns_per_op(lambda: everything.apply(doc), repeat=3)
            empty = scim_expr.Patch({"schemas": [PATCH_OP], "Operations": []}, quirks="entra")
            assert empty.apply(doc) == doc
            ours_untouched = ns_per_op(lambda: empty.apply(doc), repeat=3)
            ours_json = ns_per_op(lambda: empty.apply_json(text), repeat=3)
        table.add(f"convert/dict_to_doc_and_back/{name}", ours_dict, {"scim2-models": validate + dump},
                  "apply of a pathless replace by its own members; peer: model_validate + model_dump")
        table.add(f"convert/untouched/{name}", ours_untouched, {},
                  "apply of no operations: converts `schemas`, shares the rest")
        stdlib = ns_per_op(lambda: json.dumps(json.loads(text)), repeat=3)
        table.add(f"convert/json_to_doc_and_back/{name}", ours_json, {},
                  f"apply_json of no operations; stdlib json.loads + json.dumps: {stdlib:,.0f} ns")

    if not scim_expr:
        print("scim-expr column not measured (--peers-only): this is the peer side alone.\n")
    table.print()


if __name__ == "__main__":
    main()
