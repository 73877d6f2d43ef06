//! The canonical printed form: single spaces, lower-case operators and keywords, names as written, JSON values,
//! and parentheses exactly where the AST needs them. Parsing the output gives back an equal AST.

use std::fmt::{self, Display, Formatter, Write};

use super::ast::{AttrPath, CompValue, CompareOp, Expr};

impl Display for AttrPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            f.write_str(urn)?;
            f.write_char(':')?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub_attr {
            f.write_char('.')?;
            f.write_str(sub)?;
        }
        Ok(())
    }
}

impl Display for CompareOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Writes `s` as a JSON string: quotes, backslashes and control characters escaped, everything else literal.
pub(crate) fn write_json_string(f: &mut impl Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    let mut seg = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            c if (c as u32) < 0x20 => "",
            _ => continue,
        };
        f.write_str(&s[seg..i])?;
        if escape.is_empty() {
            write!(f, "\\u{:04x}", c as u32)?;
        } else {
            f.write_str(escape)?;
        }
        seg = i + c.len_utf8();
    }
    f.write_str(&s[seg..])?;
    f.write_char('"')
}

impl Display for CompValue {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Number(n) => write!(f, "{n}"),
            CompValue::String(s) => write_json_string(f, s),
        }
    }
}

fn write_operand(f: &mut Formatter<'_>, e: &Expr, parenthesise: bool) -> fmt::Result {
    if parenthesise {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Present(path) => write!(f, "{path} pr"),
            Expr::Compare { path, op, value } => write!(f, "{path} {op} {value}"),
            Expr::Not(inner) => write!(f, "not ({inner})"),
            Expr::ValuePath { path, filter } => write!(f, "{path}[{filter}]"),
            Expr::And(items) => {
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" and ")?;
                    }
                    write_operand(f, e, matches!(e, Expr::And(_) | Expr::Or(_)))?;
                }
                Ok(())
            }
            Expr::Or(items) => {
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" or ")?;
                    }
                    write_operand(f, e, matches!(e, Expr::Or(_)))?;
                }
                Ok(())
            }
        }
    }
}
