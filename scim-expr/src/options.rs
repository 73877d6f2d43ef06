//! How filters and PATCH requests are parsed: the schemas, the identity-provider tolerances and the input limits.

use std::sync::Arc;

use crate::{Quirks, Schemas};

/// Bounds on input size. Exceeding one is an error with its own code (`filter.too_long`, `filter.too_deep`,
/// `path.too_long`, `patch.too_many_operations`, `patch.too_many_values`, `document.too_deep`), never a stack
/// overflow or an unbounded allocation.
///
/// | limit | default | error |
/// |---|---|---|
/// | [`max_filter_length`](Limits::max_filter_length) | 262,144 bytes | `filter.too_long` (invalidFilter) |
/// | [`max_depth`](Limits::max_depth) | 64 levels of `(`, `not (`, `[` (at most 128) | `filter.too_deep`, `path.too_deep` |
/// | [`max_path_length`](Limits::max_path_length) | 8,192 bytes | `path.too_long` (invalidPath) |
/// | [`max_operations`](Limits::max_operations) | 10,000 | `patch.too_many_operations` (tooMany) |
/// | [`max_values`](Limits::max_values) | 100,000 | `patch.too_many_values` (tooMany) |
/// | [`max_document_depth`](Limits::max_document_depth) | 128 | `document.too_deep` (invalidValue) |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    /// The longest filter accepted, in bytes. Default 262,144. A value above 1 GiB acts as 1 GiB (for paths too):
    /// a parsed filter addresses its text with 32-bit offsets.
    pub max_filter_length: usize,
    /// The deepest nesting of `(`, `not (` and `[` accepted in a filter or path. Default 64; a larger value than
    /// [`Limits::MAX_DEPTH_CEILING`] (128) acts as 128, so that no setting lets nesting exhaust the stack.
    pub max_depth: usize,
    /// The longest PATCH path accepted, in bytes. Default 8,192.
    pub max_path_length: usize,
    /// The most operations a PATCH request may hold. Default 10,000.
    pub max_operations: usize,
    /// The most values one operation may carry in an array (`"value": [...]`, or an array inside a pathless
    /// value object), such as members added or removed at once. Default 100,000, the largest group supported.
    pub max_values: usize,
    /// The deepest nesting of arrays and objects in a PATCH value, and in documents the bindings convert from
    /// host objects or JSON text. Default 128, as serde_json's parser.
    pub max_document_depth: usize,
}

impl Limits {
    /// The defaults: generous for every real request, small enough to bound time and stack.
    pub const fn new() -> Limits {
        Limits {
            max_filter_length: 256 * 1024,
            max_depth: 64,
            max_path_length: 8 * 1024,
            max_operations: 10_000,
            max_values: 100_000,
            max_document_depth: 128,
        }
    }

    /// Sets [`Limits::max_path_length`].
    pub const fn with_max_path_length(mut self, bytes: usize) -> Limits {
        self.max_path_length = bytes;
        self
    }

    /// Sets [`Limits::max_operations`].
    pub const fn with_max_operations(mut self, operations: usize) -> Limits {
        self.max_operations = operations;
        self
    }

    /// Sets [`Limits::max_values`].
    pub const fn with_max_values(mut self, values: usize) -> Limits {
        self.max_values = values;
        self
    }

    /// Sets [`Limits::max_document_depth`].
    pub const fn with_max_document_depth(mut self, depth: usize) -> Limits {
        self.max_document_depth = depth;
        self
    }

    /// Sets [`Limits::max_filter_length`].
    pub const fn with_max_filter_length(mut self, bytes: usize) -> Limits {
        self.max_filter_length = bytes;
        self
    }

    /// The largest [`Limits::max_depth`] that takes effect: parsing, printing and evaluating a filter recurse once
    /// per level, and 128 levels fit the 2 MB stack of a spawned thread even in a debug build.
    pub const MAX_DEPTH_CEILING: usize = 128;

    /// Sets [`Limits::max_depth`], at most [`Limits::MAX_DEPTH_CEILING`].
    pub const fn with_max_depth(mut self, depth: usize) -> Limits {
        self.max_depth = depth;
        self
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::new()
    }
}

/// The settings a [`crate::Filter`] is parsed with. A builder: start from [`Options::new`] and chain `with_*`.
///
/// ```
/// use scim_expr::{Filter, Limits, Options, Quirks};
/// let options = Options::new()
///     .with_quirks(Quirks::strict())
///     .with_limits(Limits::new().with_max_depth(16))
///     .with_resource_type("User")?;
/// let f = Filter::parse_with(r#"userName eq "bjensen""#, &options)?;
/// assert!(f.matches(&serde_json::json!({"userName": "BJensen"})));
/// # Ok::<(), scim_expr::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Options {
    pub(crate) schemas: Arc<Schemas>,
    pub(crate) quirks: Quirks,
    pub(crate) limits: Limits,
    pub(crate) resource_type: Option<usize>,
}

impl Options {
    /// Built-in schemas, strict mode, default limits, resource type taken from each document's `schemas`.
    pub fn new() -> Options {
        Options {
            schemas: Schemas::shared_builtin(),
            quirks: Quirks::strict(),
            limits: Limits::new(),
            resource_type: None,
        }
    }

    /// Uses these tolerances.
    pub fn with_quirks(mut self, quirks: Quirks) -> Options {
        self.quirks = quirks;
        self
    }

    /// Uses these schemas (for example [`Schemas::builtin`] plus custom ones from [`Schemas::add_json`]).
    /// Resets the default resource type.
    pub fn with_schemas(mut self, schemas: impl Into<Arc<Schemas>>) -> Options {
        self.schemas = schemas.into();
        self.resource_type = None;
        self
    }

    /// Uses these limits.
    pub fn with_limits(mut self, limits: Limits) -> Options {
        self.limits = limits;
        self
    }

    /// The resource type assumed for documents whose `schemas` names no known core schema, e.g. `"User"` for a
    /// store of users saved without `schemas`. Fails when the schemas define no such resource type.
    pub fn with_resource_type(mut self, name: &str) -> Result<Options, crate::Error> {
        self.resource_type = Some(self.schemas.resource_type_index(name).ok_or_else(|| {
            crate::Error::new(
                crate::error::Domain::Schema,
                crate::ErrorKind::UnknownResourceType,
                None,
                format!("no resource type named \"{name}\"; known: {}", self.known_resource_types()),
            )
        })?);
        Ok(self)
    }

    fn known_resource_types(&self) -> String {
        let names: Vec<&str> = self.schemas.resource_types().iter().map(|r| r.name.as_str()).collect();
        names.join(", ")
    }

    /// The schemas in use.
    pub fn schemas(&self) -> &Schemas {
        &self.schemas
    }

    /// The tolerances in use.
    pub fn quirks(&self) -> Quirks {
        self.quirks
    }

    /// The limits in use.
    pub fn limits(&self) -> Limits {
        self.limits
    }
}

impl Default for Options {
    fn default() -> Options {
        Options::new()
    }
}
