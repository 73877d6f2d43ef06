//! The compiled form of a filter as JSON, for a binding that evaluates it in its host language (the Node binding
//! compiles it to a JavaScript predicate). It is the evaluator's own input, every attribute path already resolved,
//! so that the host only walks values; the SCIM rules stay those of [`super::eval`], which the host follows
//! step by step and falls back to for any value it cannot compare exactly.
//!
//! The plan is one flat JSON array of tokens in prefix order, which a host's JSON parser reads about twice as fast
//! as the same content in nested arrays (the Node binding decodes it once, on a filter's first match):
//!
//! ```text
//! plan   = perKind (bool), defaultSlot (n), k, k schema URNs, expr
//! expr   = "pr" target | "cmp" target op value | "not" expr | "and" n expr… | "or" n expr… | "vp" target expr
//! target = container URN or null, name, sub-attribute or null, n, n leaves
//! leaf   = 1 (caseExact) + 2 (dateTime): index 0 for an unknown resource type, k + 1 for types[k]
//! op     = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "lt" | "ge" | "le"
//! value  = null | true | false | "int" decimal text | "uint" decimal text | "float" number or text
//!        | "str" text instant boolean-or-null
//! instant = null | seconds since the epoch as decimal text, nanoseconds
//! ```
//!
//! The slot of a document is `k + 1` for the first entry of its `schemas` equal (ignoring ASCII case) to
//! `types[k]` when `perKind`, else `defaultSlot`; a target's leaf is `leaves[slot]`, or `leaves[0]` past the end.
//! A float that JSON has no number for (infinite, NaN) is the text `"inf"`, `"-inf"` or `"nan"`.

use std::fmt::Write;

use super::display::write_json_string;
use super::eval::{Compiled, Leaves, Prepared, Target, Term};
use super::Filter;
use crate::compare::Num;

impl Filter {
    /// The compiled form as JSON text in the shape of this module's documentation. Not a stable API: it follows
    /// the evaluator, for the bindings of this repository.
    #[doc(hidden)]
    pub fn compiled_plan(&self) -> String {
        let mut out = String::with_capacity(256);
        // Writing to a String cannot fail.
        let _ = self.write_plan(&mut out);
        out
    }

    fn write_plan(&self, out: &mut String) -> std::fmt::Result {
        let types = self.schemas.as_ref().map(|s| s.resource_types()).unwrap_or_default();
        write!(out, "[{},{},{}", self.schemas.is_some(), self.default_slot, types.len())?;
        for r in types {
            out.push(',');
            string(out, &r.schema)?;
        }
        out.push(',');
        expr(out, &self.compiled, self.compiled.root())?;
        out.push(']');
        Ok(())
    }
}

/// The plan of a filter in a PATCH path's brackets (`emails[type eq "work"]`), which applies to a value of the
/// attribute, in the shape above with no resource types: the host passes the slot of the resource it patches.
pub(crate) fn element_plan(c: &Compiled, out: &mut String) {
    out.push_str("[false,0,0,");
    // Writing to a String cannot fail.
    let _ = expr(out, c, c.root());
    out.push(']');
}

fn expr(out: &mut String, c: &Compiled, term: &Term) -> std::fmt::Result {
    match term {
        Term::Present { target: t, .. } => {
            out.push_str("\"pr\",");
            target(out, c, t)
        }
        Term::Compare { target: t, op, value: v, .. } => {
            out.push_str("\"cmp\",");
            target(out, c, t)?;
            out.push_str(",\"");
            out.push_str(op.as_str());
            out.push_str("\",");
            value(out, c, v)
        }
        Term::ValuePath { target: t, filter, .. } => {
            out.push_str("\"vp\",");
            target(out, c, t)?;
            out.push(',');
            match c.node(*filter) {
                Some(inner) => expr(out, c, inner),
                // The parser builds every index; an absent one never matches, like `or` of nothing.
                None => {
                    out.push_str("\"or\",0");
                    Ok(())
                }
            }
        }
        Term::Not(inner) => {
            out.push_str("\"not\",");
            match c.node(*inner) {
                Some(inner) => expr(out, c, inner),
                // As above: an absent operand is `or` of nothing, which `not` turns into a match.
                None => {
                    out.push_str("\"or\",0");
                    Ok(())
                }
            }
        }
        Term::And { start, len } => list(out, c, "and", c.children(*start, *len)),
        Term::Or { start, len } => list(out, c, "or", c.children(*start, *len)),
    }
}

fn list(out: &mut String, c: &Compiled, tag: &str, items: &[Term]) -> std::fmt::Result {
    write!(out, "\"{tag}\",{}", items.len())?;
    for item in items {
        out.push(',');
        expr(out, c, item)?;
    }
    Ok(())
}

/// A JSON string; most names and values need no escape and are copied as they are.
fn string(out: &mut String, s: &str) -> std::fmt::Result {
    if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        return write_json_string(out, s);
    }
    out.push('"');
    out.push_str(s);
    out.push('"');
    Ok(())
}

fn optional(out: &mut String, s: Option<&str>) -> std::fmt::Result {
    match s {
        Some(s) => string(out, s),
        None => {
            out.push_str("null");
            Ok(())
        }
    }
}

fn target(out: &mut String, c: &Compiled, t: &Target) -> std::fmt::Result {
    optional(out, t.container.map(|s| c.text(s)))?;
    out.push(',');
    string(out, c.text(t.name))?;
    out.push(',');
    optional(out, t.sub.map(|s| c.text(s)))?;
    let leaves = match &t.leaves {
        Leaves::One(leaf) => std::slice::from_ref(leaf),
        Leaves::PerKind(leaves) => leaves,
    };
    write!(out, ",{}", leaves.len())?;
    for l in leaves {
        out.push(',');
        out.push(char::from(b'0' + u8::from(l.exact) + 2 * u8::from(l.datetime)));
    }
    Ok(())
}

fn value(out: &mut String, c: &Compiled, v: &Prepared) -> std::fmt::Result {
    match v {
        Prepared::Null => out.push_str("null"),
        Prepared::Bool(b) => write!(out, "{b}")?,
        Prepared::Num(Num::Int(i)) => write!(out, "\"int\",\"{i}\"")?,
        Prepared::Num(Num::UInt(u)) => write!(out, "\"uint\",\"{u}\"")?,
        // `{:?}` is the shortest text that reads back as the same double (`1e300`, `0.1`, `-0.0`).
        Prepared::Num(Num::Float(f)) if f.is_finite() => write!(out, "\"float\",{f:?}")?,
        Prepared::Num(Num::Float(f)) if f.is_nan() => out.push_str("\"float\",\"nan\""),
        Prepared::Num(Num::Float(f)) => write!(out, "\"float\",\"{}\"", if *f > 0.0 { "inf" } else { "-inf" })?,
        Prepared::Str { text, instant, boolean } => {
            out.push_str("\"str\",");
            string(out, c.text(*text))?;
            match instant {
                Some(i) => write!(out, ",\"{}\",{}", i.secs(), i.nanos())?,
                None => out.push_str(",null"),
            }
            match boolean {
                Some(b) => write!(out, ",{b}")?,
                None => out.push_str(",null"),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Options, Quirks};
    use serde_json::{json, Value};

    /// The plan read back into nested arrays (`{"perKind", "defaultSlot", "types", "expr"}`, each expr, target and
    /// value an array), as the Node binding's decoder reads it; every token must be used.
    fn plan(f: &Filter) -> Value {
        let tokens: Vec<Value> = serde_json::from_str(&f.compiled_plan()).unwrap();
        let mut it = tokens.into_iter();
        let per_kind = it.next().unwrap();
        let default_slot = it.next().unwrap();
        let k = it.next().unwrap().as_u64().unwrap();
        let types: Vec<Value> = (0..k).map(|_| it.next().unwrap()).collect();
        let expr = expr(&mut it);
        assert!(it.next().is_none(), "tokens left over");
        json!({"perKind": per_kind, "defaultSlot": default_slot, "types": types, "expr": expr})
    }

    fn expr(it: &mut impl Iterator<Item = Value>) -> Value {
        let tag = it.next().unwrap();
        match tag.as_str().unwrap() {
            "and" | "or" => {
                let n = it.next().unwrap().as_u64().unwrap();
                let mut items = vec![tag];
                items.extend((0..n).map(|_| expr(it)));
                Value::Array(items)
            }
            "not" => json!([tag, expr(it)]),
            "pr" => json!([tag, target(it)]),
            "vp" => json!([tag, target(it), expr(it)]),
            "cmp" => json!([tag, target(it), it.next().unwrap(), value(it)]),
            other => panic!("unknown tag {other}"),
        }
    }

    fn target(it: &mut impl Iterator<Item = Value>) -> Value {
        let (container, name, sub) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
        let n = it.next().unwrap().as_u64().unwrap();
        let leaves: Vec<Value> = (0..n).map(|_| it.next().unwrap()).collect();
        json!([container, name, sub, leaves])
    }

    fn value(it: &mut impl Iterator<Item = Value>) -> Value {
        let tag = it.next().unwrap();
        match tag.as_str() {
            None => tag,
            Some("str") => {
                let text = it.next().unwrap();
                let instant = match it.next().unwrap() {
                    Value::Null => Value::Null,
                    secs => json!([secs, it.next().unwrap()]),
                };
                json!([tag, text, instant, it.next().unwrap()])
            }
            Some(_) => json!([tag, it.next().unwrap()]),
        }
    }

    #[test]
    fn exports_resolved_targets_and_prepared_values() {
        let f = Filter::parse(
            r#"emails[type eq "work" and value co "@x"] or not (meta.lastModified gt "2011-05-13T04:42:34Z")"#,
        )
        .unwrap();
        assert_eq!(
            plan(&f),
            json!({"perKind": false, "defaultSlot": 0, "types": [], "expr": ["or",
                ["vp", [null, "emails", null, [0]], ["and",
                    ["cmp", [null, "type", null, [0]], "eq", ["str", "work", null, null]],
                    ["cmp", [null, "value", null, [0]], "co", ["str", "@x", null, null]]]],
                ["not", ["cmp", [null, "meta", "lastModified", [2]], "gt",
                    ["str", "2011-05-13T04:42:34Z", ["1305261754", 0], null]]]]})
        );
    }

    /// Runs of `eq` on one path, which evaluation groups, are exported as their comparisons, in order.
    #[test]
    fn exports_grouped_runs_as_their_comparisons() {
        let operands: Vec<String> = (0..8)
            .map(|i| format!(r#"userName eq "u{i}""#))
            .chain([r#"title eq "t""#.to_string(), r#"id eq "a""#.to_string(), r#"id eq "b""#.to_string()])
            .collect();
        let one = |t: &str| plan(&Filter::parse(t).unwrap())["expr"].clone();
        let mut expect = vec![json!("or")];
        expect.extend(operands.iter().map(|t| one(t)));
        let text = operands.join(" or ");
        let f = Filter::parse(&text).unwrap();
        // Evaluated first, so that its runs are grouped.
        assert!(f.matches(&json!({"userName": "U7"})));
        assert_eq!(plan(&f)["expr"], Value::Array(expect.clone()));
        assert_eq!(one(&format!("not ({text})")), json!(["not", expect]));
        let run = operands.get(..8).unwrap().join(" or ");
        let mut expect = vec![json!("or")];
        expect.extend(operands.get(..8).unwrap().iter().map(|t| one(t)));
        assert_eq!(one(&format!("({run}) and title pr")).get(1), Some(&Value::Array(expect)));
    }

    #[test]
    fn escapes_strings_and_keeps_numbers_exact() {
        let f = Filter::parse(r#"title eq "a\"b\\c\n\u0001é😀" or x gt 9007199254740993 or x lt -1e300 or x eq -0.0"#)
            .unwrap();
        let plan = plan(&f);
        assert_eq!(plan["expr"][1][3], json!(["str", "a\"b\\c\n\u{1}é😀", null, null]));
        assert_eq!(plan["expr"][2][3], json!(["int", "9007199254740993"]));
        assert_eq!(plan["expr"][3][3][1].as_f64(), Some(-1e300));
        assert_eq!(plan["expr"][4][3][1].as_f64().map(f64::to_bits), Some((-0.0f64).to_bits()));
    }

    #[test]
    fn exports_containers_numbers_booleans_and_kinds() {
        let options = Options::new().with_quirks(Quirks::entra()).with_resource_type("Group").unwrap();
        let f = Filter::parse_with(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Eng" and w eq 7 and x eq 1.5 and y eq 18446744073709551615 and active eq "True" and id pr and z eq null and photos.value eq "X""#,
            &options,
        )
        .unwrap();
        let plan = plan(&f);
        let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        assert_eq!(plan["expr"][1], json!(["cmp", [urn, "department", null, [0]], "eq", ["str", "Eng", null, null]]));
        assert_eq!(plan["expr"][2][3], json!(["int", "7"]));
        assert_eq!(plan["expr"][3][3], json!(["float", 1.5]));
        assert_eq!(plan["expr"][4][3], json!(["uint", "18446744073709551615"]));
        assert_eq!(plan["expr"][5][3], json!(["str", "True", null, true]));
        assert_eq!(plan["expr"][6], json!(["pr", [null, "id", null, [1]]]));
        assert_eq!(plan["expr"][7][3], Value::Null);
        // `photos.value` is caseExact for Users only: leaves per resource type, with Group the default.
        assert_eq!(plan["perKind"], json!(true));
        let kinds = f.schemas.as_ref().unwrap().resource_types();
        let (user, group) = (
            kinds.iter().position(|r| r.name == "User").unwrap(),
            kinds.iter().position(|r| r.name == "Group").unwrap(),
        );
        assert_eq!(plan["defaultSlot"], json!(group + 1));
        assert_eq!(plan["types"][group], json!("urn:ietf:params:scim:schemas:core:2.0:Group"));
        let leaves = &plan["expr"][8][1][3];
        assert_eq!((&leaves[0], &leaves[user + 1], &leaves[group + 1]), (&json!(0), &json!(1), &json!(0)));
    }
}
