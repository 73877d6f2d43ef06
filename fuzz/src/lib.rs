//! What the fuzz targets share: the input layout, the quirk preset chosen by the first byte, JSON values built from
//! raw bytes, and the invariants a PATCH must keep.
//!
//! Every target reads `[preset byte][payload]`. The preset byte picks strict, entra, okta or lenient (its value
//! modulo 4), so each oracle runs under every preset. Targets that need two inputs split the payload at the first
//! NUL byte: `filter \0 document` or `request \0 document`. A part that is JSON text is parsed as such (so the seeds,
//! written from tests/vectors, are readable); any other bytes become a JSON value through [`value`].

use arbitrary::{Result, Unstructured};
use scim_expr::{Options, Quirks, Schemas};
use serde_json::{Map, Number, Value};

/// The presets, in the order the first input byte selects them.
pub const PRESETS: [&str; 4] = ["strict", "entra", "okta", "lenient"];

/// The preset chosen by `data[0]`, and the rest of the input.
pub fn split_preset(data: &[u8]) -> (Quirks, &[u8]) {
    match data.split_first() {
        Some((&b, rest)) => (preset(b), rest),
        None => (Quirks::strict(), data),
    }
}

/// The preset byte `b` selects.
pub fn preset(b: u8) -> Quirks {
    match b % 4 {
        0 => Quirks::strict(),
        1 => Quirks::entra(),
        2 => Quirks::okta(),
        _ => Quirks::lenient(),
    }
}

/// Options with these tolerances, the built-in schemas and default limits.
pub fn options(quirks: Quirks) -> Options {
    Options::new().with_quirks(quirks)
}

/// `options` with no length limits: for parsing a canonical form, which can be longer than the input it was printed
/// from (`x eq 1e2` prints `x eq 100.0`; lenient's unquoted `x eq a` prints `x eq "a"`), so an input at the length
/// limit may print past it. The depth limit stays: printing never nests deeper.
pub fn unbounded_length(options: Options) -> Options {
    let limits = options.limits().with_max_filter_length(usize::MAX).with_max_path_length(usize::MAX);
    options.with_limits(limits)
}

/// Options with these tolerances and no schemas: what the Arbitrary ASTs are generated for.
pub fn schemaless(quirks: Quirks) -> Options {
    Options::new().with_quirks(quirks).with_schemas(Schemas::empty())
}

/// `payload` cut at its first NUL byte.
pub fn split_nul(payload: &[u8]) -> (&[u8], &[u8]) {
    match payload.iter().position(|&b| b == 0) {
        Some(i) => (&payload[..i], &payload[i + 1..]),
        None => (payload, &[]),
    }
}

/// `bytes` as a JSON value: parsed when it is JSON text, otherwise generated from the bytes.
pub fn json_or_value(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|_| value(&mut Unstructured::new(bytes), 0).unwrap_or(Value::Null))
}

/// Attribute and sub-attribute names of the User and Group schemas, in assorted case, and names that are hostile
/// in other languages: keys from this list make generated documents meet the schema.
const KEYS: &[&str] = &[
    "schemas",
    "id",
    "externalId",
    "meta",
    "lastModified",
    "userName",
    "USERNAME",
    "name",
    "givenName",
    "familyName",
    "displayName",
    "nickName",
    "title",
    "active",
    "emails",
    "Emails",
    "phoneNumbers",
    "addresses",
    "roles",
    "entitlements",
    "x509Certificates",
    "members",
    "groups",
    "value",
    "Value",
    "type",
    "primary",
    "Primary",
    "display",
    "$ref",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "manager",
    "employeeNumber",
    "department",
    "__proto__",
    "constructor",
    "",
];

const STRINGS: &[&str] = &[
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:core:2.0:Group",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "work",
    "home",
    "True",
    "false",
    "2011-05-13T04:42:34Z",
    "bjensen@example.com",
    "",
];

/// A JSON value drawn from `u`: SCIM-shaped keys and strings most of the time, at most 6 levels deep.
pub fn value(u: &mut Unstructured<'_>, depth: u32) -> Result<Value> {
    let top = if depth >= 6 { 4 } else { 6 };
    Ok(match u.int_in_range(0..=top)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::Number(match u.int_in_range(0..=2)? {
            0 => Number::from(u.arbitrary::<i64>()?),
            1 => Number::from(u.arbitrary::<u64>()?),
            _ => Number::from_f64(u.arbitrary()?).unwrap_or_else(|| Number::from(0)),
        }),
        3 | 4 => Value::String(if u.ratio(3, 4)? { (*u.choose(STRINGS)?).to_string() } else { u.arbitrary()? }),
        5 => Value::Array((0..u.int_in_range(0..=4)?).map(|_| value(u, depth + 1)).collect::<Result<_>>()?),
        _ => {
            let mut map = Map::new();
            for _ in 0..u.int_in_range(0..=5)? {
                let key = if u.ratio(7, 8)? { (*u.choose(KEYS)?).to_string() } else { u.arbitrary()? };
                map.insert(key, value(u, depth + 1)?);
            }
            Value::Object(map)
        }
    })
}

/// A PatchOp request drawn from `u`: the right envelope most of the time, one to four operations with a verb, a
/// path (from a list of SCIM paths, or any string, or absent) and a value.
pub fn request(u: &mut Unstructured<'_>) -> Result<Value> {
    const PATHS: &[&str] = &[
        "userName",
        "name.givenName",
        "emails",
        "emails[type eq \"work\"]",
        "emails[type eq \"work\"].value",
        "emails[primary eq true]",
        "members",
        "members[value eq \"u1\"]",
        "roles",
        "active",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.department",
        "manager",
        "x",
    ];
    let mut ops = Vec::new();
    for _ in 0..u.int_in_range(1..=4)? {
        let mut op = Map::new();
        let verb = *u.choose(&["add", "remove", "replace", "Add", "REPLACE", "move"])?;
        op.insert("op".into(), verb.into());
        match u.int_in_range(0..=3)? {
            0 => {}
            1 => {
                op.insert("path".into(), Value::String(u.arbitrary()?));
            }
            _ => {
                op.insert("path".into(), (*u.choose(PATHS)?).into());
            }
        }
        if u.ratio(7, 8)? {
            op.insert("value".into(), value(u, 0)?);
        }
        ops.push(Value::Object(op));
    }
    let mut req = Map::new();
    if u.ratio(15, 16)? {
        req.insert("schemas".into(), Value::Array(vec![scim_expr::patch::PATCH_OP.into()]));
    }
    req.insert("Operations".into(), Value::Array(ops));
    Ok(Value::Object(req))
}

/// The invariants of a resource, at the levels where SCIM has attributes: the resource's keys, the keys of an
/// extension object (a `urn:` key), and the sub-attribute keys of each attribute's value or values. No object at
/// those levels has two keys equal up to case, and no multi-valued attribute holds more than one value with
/// `"primary": true`. Deeper JSON (inside a sub-attribute's value) is opaque data, not attributes.
pub fn check_invariants(doc: &Value) -> std::result::Result<(), String> {
    let Value::Object(resource) = doc else { return Ok(()) };
    let mut attributes: Vec<(&String, &Value)> = Vec::new();
    distinct_keys(resource)?;
    for (k, v) in resource {
        match v {
            Value::Object(ext) if k.to_ascii_lowercase().starts_with("urn:") => {
                distinct_keys(ext)?;
                attributes.extend(ext);
            }
            _ => attributes.push((k, v)),
        }
    }
    for (name, v) in attributes {
        match v {
            Value::Object(subs) => distinct_keys(subs)?,
            Value::Array(items) => {
                let primaries = items.iter().filter(|i| is_primary(i)).count();
                if primaries > 1 {
                    return Err(format!("{primaries} values of {name:?} have \"primary\": true: {v}"));
                }
                items.iter().filter_map(Value::as_object).try_for_each(distinct_keys)?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn distinct_keys(map: &Map<String, Value>) -> std::result::Result<(), String> {
    let keys: Vec<&String> = map.keys().collect();
    for (i, a) in keys.iter().enumerate() {
        if let Some(b) = keys.iter().skip(i + 1).find(|b| a.eq_ignore_ascii_case(b)) {
            return Err(format!("keys {a:?} and {b:?} differ only in case in {}", Value::Object(map.clone())));
        }
    }
    Ok(())
}

fn is_primary(v: &Value) -> bool {
    v.as_object().is_some_and(|o| o.iter().any(|(k, v)| k.eq_ignore_ascii_case("primary") && *v == Value::Bool(true)))
}

/// `v` changed so that it meets [`check_invariants`] (at every level): of keys equal up to case the first stays,
/// and in each array only the first `"primary": true` stays. Documents a server stores already meet them; the oracle checks
/// that PATCH keeps them.
pub fn normalise(v: &mut Value) {
    match v {
        Value::Array(items) => {
            let mut seen = false;
            for item in items.iter_mut() {
                if is_primary(item) {
                    if seen {
                        if let Some(o) = item.as_object_mut() {
                            o.retain(|k, _| !k.eq_ignore_ascii_case("primary"));
                        }
                    }
                    seen = true;
                }
                normalise(item);
            }
        }
        Value::Object(map) => {
            let mut kept: Vec<String> = Vec::new();
            map.retain(|k, _| {
                let fresh = !kept.iter().any(|c| c.eq_ignore_ascii_case(k));
                if fresh {
                    kept.push(k.clone());
                }
                fresh
            });
            map.values_mut().for_each(normalise);
        }
        _ => {}
    }
}

/// A host that offers only the reads a binding's host must (no `eq_value` or `member_count` of its own), so that
/// applying through it exercises the engine's generic equality, counting and hashing of host values.
#[derive(Debug, Clone, Copy)]
pub struct Plain<'v>(pub &'v Value);

impl scim_expr::Node for Plain<'_> {
    type Error = std::convert::Infallible;

    fn view(&self) -> std::result::Result<scim_expr::View<'_>, Self::Error> {
        self.0.view()
    }

    fn get(&self, name: &str) -> std::result::Result<Option<Self>, Self::Error> {
        Ok(scim_expr::Node::get(&self.0, name)?.map(Plain))
    }

    fn index(&self, i: usize) -> std::result::Result<Option<Self>, Self::Error> {
        Ok(scim_expr::Node::index(&self.0, i)?.map(Plain))
    }

    fn any_member(
        &self,
        f: &mut dyn FnMut(&Self) -> std::result::Result<bool, Self::Error>,
    ) -> std::result::Result<bool, Self::Error> {
        self.0.any_member(&mut |v| f(&Plain(v)))
    }
}

impl scim_expr::overlay::Host for Plain<'_> {
    fn member(&self, key: &str) -> std::result::Result<Option<Self>, Self::Error> {
        Ok(self.0.member(key)?.map(Plain))
    }

    fn members(
        &self,
        f: &mut dyn FnMut(&str, Self) -> std::result::Result<bool, Self::Error>,
    ) -> std::result::Result<(), Self::Error> {
        self.0.members(&mut |k, v| f(k, Plain(v)))
    }
}

/// The document a [`Plain`] overlay stands for.
pub fn plain_value(lazy: &scim_expr::overlay::Lazy<Plain<'_>>) -> Value {
    use scim_expr::overlay::Lazy;
    match lazy {
        Lazy::Host(p) => p.0.clone(),
        Lazy::Owned(v) => v.clone(),
        Lazy::Object(members) => Value::Object(members.iter().map(|(k, v)| (k.clone(), plain_value(v))).collect()),
        Lazy::Array(items) => Value::Array(items.iter().map(plain_value).collect()),
        Lazy::Spliced { host, removed, appended } => Value::Array(
            scim_expr::overlay::kept_elements(host.0.as_array().map_or(&[][..], Vec::as_slice), removed)
                .cloned()
                .chain(appended.iter().cloned())
                .collect(),
        ),
    }
}
