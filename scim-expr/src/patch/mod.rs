//! RFC 7644 §3.5.2 PATCH: parse a PatchOp request once, apply it atomically to many resources.

mod apply;
mod request;
mod scope;
mod steps;
mod tx;

use std::fmt;

use serde_json::Value;

use crate::overlay::{Failure, Host, Lazy};
use crate::quirks::Fired;
use crate::{Error, Options, Path};
use scope::Reach;

/// The PatchOp message URN (RFC 7644 §3.5.2).
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A PATCH operation's verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `add` (§3.5.2.1)
    Add,
    /// `remove` (§3.5.2.2)
    Remove,
    /// `replace` (§3.5.2.3)
    Replace,
}

impl Op {
    /// The RFC's lower-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Remove => "remove",
            Op::Replace => "replace",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One element of `Operations`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The verb.
    pub op: Op,
    /// The target; `None` means the resource itself.
    pub path: Option<Path>,
    /// The value (absent for remove).
    pub value: Option<Value>,
}

/// A parsed PatchOp request: immutable, `Send + Sync`, applicable to any number of resources.
///
/// ```
/// use scim_expr::Patch;
/// use serde_json::json;
///
/// let patch = Patch::parse(&json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///     "Operations": [
///         {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@example.com"},
///         {"op": "add", "path": "nickname", "value": "Babs"}
///     ]
/// }))?;
/// let mut user = json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "userName": "bjensen",
///     "emails": [{"type": "work", "value": "old@example.com"}]
/// });
/// let outcome = patch.apply(&mut user)?;
/// assert!(outcome.changed());
/// assert_eq!(user["emails"][0]["value"], "new@example.com");
/// assert_eq!(user["nickName"], "Babs"); // the User schema's spelling
/// # Ok::<(), scim_expr::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Patch {
    operations: Vec<Operation>,
    options: Options,
    fired: Fired,
    reach: Reach,
}

/// What applying a request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    changed: bool,
    fired: Fired,
}

impl Outcome {
    /// Whether an operation modified the resource. A server answers 204 (or 200 with the resource) either way;
    /// when nothing changed it keeps `meta.lastModified` and the version as they were (RFC 7644 §3.5.2.1).
    /// Conservative: never false when the resource differs, true also when a later operation of the same request
    /// put back what an earlier one changed.
    pub fn changed(&self) -> bool {
        self.changed
    }

    /// The tolerances that took effect while parsing and applying the request, sorted by name: a server can log
    /// that it accepted a non-RFC request (and from which identity provider it expects such requests).
    pub fn quirks_fired(&self) -> Vec<&'static str> {
        self.fired.names()
    }
}

impl Patch {
    /// Parses a whole PatchOp body in strict mode against the built-in schemas.
    pub fn parse(request: &Value) -> Result<Patch, Error> {
        Patch::parse_with(request, &Options::new())
    }

    /// Parses a whole PatchOp body with these options.
    pub fn parse_with(request: &Value, options: &Options) -> Result<Patch, Error> {
        let (operations, fired) = request::parse(request, options)?;
        let reach = Reach::of(&operations, options);
        Ok(Patch { operations, options: options.clone(), fired, reach })
    }

    /// The operations, in order.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// Whether applying the request can read or change the resource's top-level member `key` (compared as the
    /// engine compares names, ignoring ASCII case). Always true for `schemas` and for extension objects (keys that
    /// are schema URNs); true for every key when a pathless value is not an object of attribute names or paths.
    ///
    /// For callers that hold resources in another form: converting only the members the request touches, applying
    /// it to that part, and putting the part's members back in place of those, with every other member kept as it
    /// was, gives exactly the result (or the error) of applying it to the whole resource.
    ///
    /// ```
    /// use scim_expr::Patch;
    /// use serde_json::{json, Map, Value};
    ///
    /// let patch = Patch::parse(&json!({
    ///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    ///     "Operations": [{"op": "add", "path": "members", "value": [{"value": "2819c223"}]}]
    /// }))?;
    /// let group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Admins",
    ///                    "members": []});
    /// assert!(patch.touches("Members") && patch.touches("schemas") && !patch.touches("displayName"));
    ///
    /// let mut part: Map<String, Value> = Map::new();
    /// for (key, value) in group.as_object().unwrap() {
    ///     if patch.touches(key) {
    ///         part.insert(key.clone(), value.clone());
    ///     }
    /// }
    /// let mut part = Value::Object(part);
    /// patch.apply(&mut part)?;
    /// assert_eq!(part["members"][0]["value"], "2819c223");
    /// # Ok::<(), scim_expr::Error>(())
    /// ```
    pub fn touches(&self, key: &str) -> bool {
        self.reach.includes(key, &self.options)
    }

    /// Applies every operation in order to `doc`. On error, `doc` is exactly as it was and the error names the
    /// failing operation ([`Error::operation`]).
    pub fn apply(&self, doc: &mut Value) -> Result<Outcome, Error> {
        apply::apply(&self.operations, &self.options, doc, self.fired)
    }

    /// Applies every operation in order to a document the caller holds in another form, read in place through
    /// [`Host`]: the same rules, errors and outcome as [`apply`](Patch::apply), without converting the document.
    /// The result is a copy-on-write [`Lazy`] document that holds the host's own subtrees wherever the request
    /// changed nothing. The host is only read, so on error it is as it was by construction.
    ///
    /// ```
    /// use scim_expr::overlay::Lazy;
    /// use scim_expr::Patch;
    /// use serde_json::json;
    ///
    /// let patch = Patch::parse(&json!({
    ///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    ///     "Operations": [{"op": "add", "path": "members", "value": [{"value": "2819c223"}]}]
    /// }))?;
    /// let group = json!({"displayName": "Admins", "members": [{"value": "902c246b"}]});
    /// let (result, outcome) = patch.apply_to(&group).map_err(|e| match e {
    ///     scim_expr::overlay::Failure::Patch(e) => e,
    ///     scim_expr::overlay::Failure::Host(never) => match never {},
    /// })?;
    /// assert!(outcome.changed());
    /// let Lazy::Object(members) = &result else { panic!("the group was written into") };
    /// // `displayName` is still the input's own value; `members` is the input's array with one value appended.
    /// assert!(matches!(&members[0], (k, Lazy::Host(v)) if k == "displayName" && std::ptr::eq(*v, &group["displayName"])));
    /// assert!(matches!(&members[1], (_, Lazy::Spliced { host, removed, appended })
    ///     if std::ptr::eq(*host, &group["members"]) && removed.is_empty() && appended.len() == 1));
    /// assert_eq!(result.to_value()["members"][1]["value"], "2819c223");
    /// # Ok::<(), scim_expr::Error>(())
    /// ```
    pub fn apply_to<H: Host>(&self, doc: H) -> Result<(Lazy<H>, Outcome), Failure<H::Error>> {
        apply::apply_to(&self.operations, &self.options, doc, self.fired)
    }
}
