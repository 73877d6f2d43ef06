//! Which top-level members of a resource a request can read or change, so that a caller holding resources in
//! another form (a binding's host objects, a row with one column per attribute) converts only those, applies the
//! request to the part, and keeps every other member as it was.
//!
//! The engine reaches a resource's members in three ways only: by attribute name (an unqualified or core-schema-
//! qualified path, or a pathless value's key), through an extension object (a member keyed by a schema URN), and
//! through `schemas` (the resource type, and the URNs listed when an extension object appears or empties). The
//! reach therefore keeps the names of the first kind and always includes the other two.

use serde_json::Value;

use super::Operation;
use crate::path::PathKind;
use crate::{Options, Path};

/// The attribute names a request reaches, or every member when a value cannot be read that way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reach {
    Everything,
    Names(Vec<String>),
}

impl Reach {
    pub fn of(operations: &[Operation], options: &Options) -> Reach {
        let mut names = Vec::new();
        for operation in operations {
            let complete = match &operation.path {
                Some(path) => {
                    named(path, options, &mut names);
                    true
                }
                None => pathless(operation.value.as_ref(), options, &mut names),
            };
            if !complete {
                return Reach::Everything;
            }
        }
        names.sort_unstable();
        names.dedup();
        Reach::Names(names)
    }

    pub fn includes(&self, key: &str, options: &Options) -> bool {
        match self {
            Reach::Everything => true,
            Reach::Names(names) => {
                key.eq_ignore_ascii_case("schemas")
                    || key.contains(':')
                    || options.schemas.schema(key).is_some()
                    || names.iter().any(|n| n.eq_ignore_ascii_case(key))
            }
        }
    }
}

/// The top-level attribute a path names, unless it is inside an extension object (always included).
fn named(path: &Path, options: &Options, names: &mut Vec<String>) {
    if let PathKind::Attr { attr, .. } = &path.kind {
        if attr.urn.as_deref().map_or(true, |urn| options.schemas.is_core_schema(urn)) {
            names.push(attr.name.to_ascii_lowercase());
        }
    }
}

/// A pathless add or replace: each member of the value names its target, as the engine reads it. Returns false
/// for a value it cannot read (the engine refuses it, with an error that does not depend on the resource).
fn pathless(value: Option<&Value>, options: &Options, names: &mut Vec<String>) -> bool {
    let Some(Value::Object(members)) = value else { return false };
    for key in members.keys() {
        if options.schemas.schema(key).is_some_and(|s| !options.schemas.is_core_schema(&s.id)) {
            continue;
        }
        if crate::grammar::is_attr_name(key) {
            names.push(key.to_ascii_lowercase());
            continue;
        }
        match Path::parse_with(key, options) {
            Ok(path) => named(&path, options, names),
            Err(_) => return false,
        }
    }
    true
}
