//! Reading the PatchOp envelope (RFC 7644 §3.5.2): `schemas`, `Operations`, and each operation's `op`, `path`
//! and `value`. Member names are matched case-insensitively (RFC 7643 §2.1).

use serde_json::{Map, Value};

use super::{Op, Operation, PATCH_OP};
use crate::error::{Error, ErrorKind};
use crate::quirks::{Fired, Quirk};
use crate::{Options, Path};

fn member<'v>(obj: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    obj.get(name).or_else(|| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

/// Refuses members the PatchOp schema does not define, or with `ignore_unknown_fields` ignores them (E2).
fn unknown_fields(
    obj: &Map<String, Value>,
    known: &[&str],
    what: &str,
    options: &Options,
    fired: &mut Fired,
) -> Result<(), Error> {
    match obj.keys().find(|k| !known.iter().any(|n| n.eq_ignore_ascii_case(k))) {
        Some(_) if options.quirks.ignore_unknown_fields => {
            fired.add(Quirk::ignore_unknown_fields);
            Ok(())
        }
        Some(k) => Err(Error::patch(
            ErrorKind::UnknownField,
            format!("{what} has an unknown member \"{k}\"; it takes {}", known.join(", ")),
        )),
        None => Ok(()),
    }
}

pub(super) fn parse(request: &Value, options: &Options) -> Result<(Vec<Operation>, Fired), Error> {
    let mut fired = Fired::default();
    let Value::Object(body) = request else {
        return Err(Error::patch(ErrorKind::NotAnObject, "a PATCH request body must be a JSON object".into()));
    };
    let names_patch_op = member(body, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(PATCH_OP))));
    if !names_patch_op {
        return Err(Error::patch(ErrorKind::MissingSchema, format!("\"schemas\" must list \"{PATCH_OP}\"")));
    }
    unknown_fields(body, &["schemas", "Operations"], "the PATCH request", options, &mut fired)?;
    let operations = match member(body, "Operations") {
        Some(Value::Array(ops)) if !ops.is_empty() => ops,
        Some(Value::Array(_)) if options.quirks.empty_operations => {
            fired.add(Quirk::empty_operations);
            return Ok((Vec::new(), fired));
        }
        Some(Value::Array(_)) => {
            return Err(Error::patch(ErrorKind::MissingOperations, "\"Operations\" is empty".into()));
        }
        Some(_) => return Err(Error::patch(ErrorKind::MissingOperations, "\"Operations\" must be an array".into())),
        None => return Err(Error::patch(ErrorKind::MissingOperations, "the request has no \"Operations\"".into())),
    };
    if operations.len() > options.limits.max_operations {
        return Err(Error::patch(
            ErrorKind::TooManyOperations,
            format!(
                "the request has {} operations; the limit is {} (Limits::max_operations)",
                operations.len(),
                options.limits.max_operations
            ),
        ));
    }
    let operations = operations
        .iter()
        .enumerate()
        .map(|(i, op)| operation(op, options, &mut fired).map_err(|e| e.at_operation(i)))
        .collect::<Result<_, _>>()?;
    Ok((operations, fired))
}

fn operation(json: &Value, options: &Options, fired: &mut Fired) -> Result<Operation, Error> {
    let Value::Object(obj) = json else {
        return Err(Error::patch(ErrorKind::InvalidOperation, "an operation must be a JSON object".into()));
    };
    // The verbs are compared ignoring case in every mode (rfc-digest §5 A12): Entra sends "Replace".
    let op = match member(obj, "op").and_then(Value::as_str) {
        Some(s) if s.eq_ignore_ascii_case("add") => Op::Add,
        Some(s) if s.eq_ignore_ascii_case("remove") => Op::Remove,
        Some(s) if s.eq_ignore_ascii_case("replace") => Op::Replace,
        Some(s) => {
            return Err(Error::patch(
                ErrorKind::UnknownOp,
                format!("\"op\" is \"{s}\"; it must be \"add\", \"remove\" or \"replace\""),
            ))
        }
        None => {
            return Err(Error::patch(ErrorKind::UnknownOp, "an operation needs \"op\": add, remove or replace".into()))
        }
    };
    unknown_fields(obj, &["op", "path", "value"], "an operation", options, fired)?;
    let path = match member(obj, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) => {
            let path = Path::parse_with(p, options)?;
            *fired = fired.union(path.fired);
            Some(path)
        }
        Some(_) => return Err(Error::patch(ErrorKind::InvalidPath, "\"path\" must be a string".into())),
    };
    let value = member(obj, "value");
    if let Some(v) = value {
        check_value_size(v, options)?;
    }
    let value = value.cloned();
    match (op, &path, &value) {
        (Op::Remove, None, _) => {
            Err(Error::patch(ErrorKind::NoPath, "remove needs a \"path\" naming what to remove".into()))
        }
        (Op::Remove, Some(_), Some(v)) if !v.is_null() && options.quirks.remove_value_list => {
            fired.add(Quirk::remove_value_list);
            Ok(Operation { op, path, value })
        }
        (Op::Remove, Some(_), Some(v)) if !v.is_null() => Err(Error::patch(
            ErrorKind::RemoveWithValue,
            "remove takes no \"value\"; select the values to remove with a filter in the path, as in \
             members[value eq \"…\"]"
                .into(),
        )),
        (Op::Add, _, None | Some(Value::Null)) => {
            Err(Error::patch(ErrorKind::MissingValue, "add needs a non-null \"value\"".into()))
        }
        (Op::Replace, _, None) => Err(Error::patch(ErrorKind::MissingValue, "replace needs a \"value\"".into())),
        (Op::Remove, ..) => Ok(Operation { op, path, value: None }),
        _ => Ok(Operation { op, path, value }),
    }
}

/// Bounds an operation's value: no array in it (at its top or one level into a pathless object) longer than
/// `max_values`, no nesting deeper than `max_document_depth`. The depth walk uses its own stack, so a value nested
/// 100,000 deep (built in Rust, where serde_json's parser limit does not apply) is refused, not overflowed.
fn check_value_size(value: &Value, options: &Options) -> Result<(), Error> {
    let limits = options.limits;
    let too_many = |n: usize| {
        Error::patch(
            ErrorKind::TooManyValues,
            format!(
                "the value holds an array of {n} elements; the limit is {} (Limits::max_values)",
                limits.max_values
            ),
        )
    };
    match value {
        Value::Array(items) if items.len() > limits.max_values => return Err(too_many(items.len())),
        Value::Object(members) => {
            if let Some(n) = members.values().filter_map(Value::as_array).map(Vec::len).find(|&n| n > limits.max_values)
            {
                return Err(too_many(n));
            }
        }
        _ => {}
    }
    let mut stack: Vec<(&Value, usize)> = vec![(value, 1)];
    while let Some((v, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(members) => Box::new(members.values()),
            _ => continue,
        };
        if depth > limits.max_document_depth {
            return Err(Error::document(
                ErrorKind::TooDeep,
                format!(
                    "the value nests arrays and objects deeper than {} levels (Limits::max_document_depth)",
                    limits.max_document_depth
                ),
            ));
        }
        stack.extend(children.filter(|c| c.is_array() || c.is_object()).map(|c| (c, depth + 1)));
    }
    Ok(())
}
