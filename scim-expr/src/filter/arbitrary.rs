//! Random filter ASTs for the fuzz targets and the round-trip property test (feature `arbitrary`).
//!
//! Every AST generated is one the parser can produce: names follow ATTRNAME, `and`/`or` have at least two operands,
//! ordering never compares with `true`/`false`/`null`, `co`/`sw`/`ew` always take a string, numbers are finite,
//! paths inside brackets are unqualified and brackets do not nest. Names avoid the common attributes (`id`,
//! `externalId`, `meta`, `schemas`) so that no schema type check applies under [`crate::Schemas::empty`].

use arbitrary::{Arbitrary, Result, Unstructured};

use super::ast::{AttrPath, CompValue, CompareOp, Expr};

const URNS: [&str; 3] = [
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:example:scim:custom:1.0",
];

/// The deepest AST generated, in nesting levels (well under the default depth limit).
const MAX_DEPTH: u32 = 8;

fn name(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(1, 16)? {
        return Ok("$ref".into());
    }
    const FIRST: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const REST: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
    let mut s = String::new();
    s.push(char::from(*u.choose(FIRST)?));
    for _ in 0..u.int_in_range(0..=8)? {
        s.push(char::from(*u.choose(REST)?));
    }
    if ["id", "externalId", "meta", "schemas"].iter().any(|c| c.eq_ignore_ascii_case(&s)) {
        s.push('x');
    }
    Ok(s)
}

fn attr_path(u: &mut Unstructured<'_>, qualified: bool) -> Result<AttrPath> {
    let urn = if qualified && u.ratio(1, 4)? { Some(u.choose(&URNS)?.to_string()) } else { None };
    let name = name(u)?;
    let sub_attr = if u.ratio(1, 3)? { Some(self::name(u)?) } else { None };
    Ok(AttrPath { urn, name, sub_attr })
}

fn comp_value(u: &mut Unstructured<'_>, op: CompareOp) -> Result<CompValue> {
    let kind = if op.is_substring() {
        3
    } else if op.is_ordering() {
        u.int_in_range(2..=3)?
    } else {
        u.int_in_range(0..=3)?
    };
    Ok(match kind {
        0 => CompValue::Null,
        1 => CompValue::Bool(u.arbitrary()?),
        2 => CompValue::Number(match u.int_in_range(0..=2)? {
            0 => serde_json::Number::from(u.arbitrary::<i64>()?),
            1 => serde_json::Number::from(u.arbitrary::<u64>()?),
            _ => serde_json::Number::from_f64(u.arbitrary()?).unwrap_or_else(|| serde_json::Number::from(0)),
        }),
        _ => CompValue::String(u.arbitrary()?),
    })
}

fn expr(u: &mut Unstructured<'_>, depth: u32, in_brackets: bool) -> Result<Expr> {
    let choice = if depth >= MAX_DEPTH || u.is_empty() { u.int_in_range(0..=1)? } else { u.int_in_range(0..=5)? };
    Ok(match choice {
        0 => Expr::Present(attr_path(u, !in_brackets)?),
        1 => {
            let op = *u.choose(&CompareOp::ALL)?;
            Expr::Compare { path: attr_path(u, !in_brackets)?, op, value: comp_value(u, op)? }
        }
        2 => Expr::Not(Box::new(expr(u, depth + 1, in_brackets)?)),
        3 | 4 => {
            let n = u.int_in_range(2..=4)?;
            let items = (0..n).map(|_| expr(u, depth + 1, in_brackets)).collect::<Result<Vec<_>>>()?;
            if choice == 3 {
                Expr::And(items)
            } else {
                Expr::Or(items)
            }
        }
        _ if in_brackets => Expr::Not(Box::new(expr(u, depth + 1, true)?)),
        _ => Expr::ValuePath { path: attr_path(u, true)?, filter: Box::new(expr(u, depth + 1, true)?) },
    })
}

impl<'a> Arbitrary<'a> for Expr {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        expr(u, 0, false)
    }
}

impl<'a> Arbitrary<'a> for CompareOp {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        u.choose(&CompareOp::ALL).copied()
    }
}
