//! SCIM filters (RFC 7644 §3.4.2.2): parse once, evaluate against many documents.

#[cfg(feature = "arbitrary")]
mod arbitrary;
mod ast;
pub(crate) mod display;
pub(crate) mod eval;
pub(crate) mod parser;
pub(crate) mod plan;

use std::fmt;
use std::sync::{Arc, OnceLock};

pub use ast::{AttrPath, CompValue, CompareOp, Expr};

use crate::error::{Domain, Error, ErrorKind};
use crate::node::Node;
use crate::{Options, Quirks, Schemas};

/// A parsed filter: immutable, `Send + Sync`, cheap to share between threads and to evaluate many times.
///
/// ```
/// use scim_expr::Filter;
/// use serde_json::json;
///
/// let f = Filter::parse(r#"emails[type eq "work" and value co "@example.com"]"#)?;
/// assert!(f.matches(&json!({"emails": [{"type": "work", "value": "bjensen@example.com"}]})));
/// assert!(!f.matches(&json!({"emails": [{"type": "home", "value": "bjensen@example.com"}]})));
/// # Ok::<(), scim_expr::Error>(())
/// ```
#[derive(Clone)]
pub struct Filter {
    compiled: eval::Compiled,
    /// Derived from `compiled` when first asked for.
    ast: OnceLock<Box<Expr>>,
    /// The `or`s whose runs of `eq` comparisons evaluation tests as sets, found on the first evaluation.
    runs: eval::Runs,
    /// Kept only when some path resolves differently in different resource types, to find a document's type.
    schemas: Option<Arc<Schemas>>,
    /// The slot of the resource type assumed for documents whose `schemas` name none: k + 1 for type k, 0 for
    /// none. 32 bits (the schemas have few types), as the size of a `Filter` is paid in each of its moves.
    default_slot: u32,
    quirks: Quirks,
    fired: crate::quirks::Fired,
}

impl Filter {
    /// Parses `text` in strict mode against the built-in schemas.
    pub fn parse(text: &str) -> Result<Filter, Error> {
        static DEFAULT: OnceLock<Options> = OnceLock::new();
        Filter::parse_with(text, DEFAULT.get_or_init(Options::new))
    }

    /// Parses `text` with these options.
    pub fn parse_with(text: &str, options: &Options) -> Result<Filter, Error> {
        let parsed =
            parser::FilterParser::new(text, options, Domain::Filter).parse(options.limits.max_filter_length)?;
        Ok(Filter {
            compiled: parsed.compiled,
            ast: OnceLock::new(),
            runs: OnceLock::new(),
            schemas: parsed.per_kind.then(|| options.schemas.clone()),
            default_slot: options.resource_type.map_or(0, |k| u32::try_from(k + 1).unwrap_or(u32::MAX)),
            quirks: options.quirks,
            fired: parsed.fired,
        })
    }

    /// Parses filter text given as bytes, as it arrives from a socket or a file: invalid UTF-8 is an
    /// `invalidFilter` error at the first bad byte.
    pub fn parse_bytes_with(bytes: &[u8], options: &Options) -> Result<Filter, Error> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let at = e.valid_up_to();
            Error::at(
                Domain::Filter,
                ErrorKind::InvalidUtf8,
                at,
                format!("the filter is not UTF-8: invalid byte at {at}"),
            )
        })?;
        Filter::parse_with(text, options)
    }

    /// Whether `doc` satisfies the filter.
    pub fn matches(&self, doc: &serde_json::Value) -> bool {
        match self.matches_node(&doc) {
            Ok(hit) => hit,
            Err(never) => match never {},
        }
    }

    /// Whether a document read through [`Node`] satisfies the filter; fails only when reading the host value fails.
    pub fn matches_node<N: Node>(&self, doc: &N) -> Result<bool, N::Error> {
        let slot = match &self.schemas {
            Some(schemas) => schemas.kind_of(doc, (self.default_slot as usize).checked_sub(1))?.map_or(0, |k| k + 1),
            None => 0,
        };
        eval::eval_grouped(&self.compiled, &self.runs, doc, slot)
    }

    /// The documents of `docs` the filter matches, in order.
    pub fn filter<'d>(&self, docs: impl IntoIterator<Item = &'d serde_json::Value>) -> Vec<&'d serde_json::Value> {
        docs.into_iter().filter(|d| self.matches(d)).collect()
    }

    /// The syntax tree. Parsing builds only the form evaluation uses; the tree is derived from it on the first
    /// call.
    pub fn ast(&self) -> &Expr {
        self.ast.get_or_init(|| Box::new(self.compiled.to_expr()))
    }

    /// The tolerances the filter was parsed with.
    pub fn quirks(&self) -> Quirks {
        self.quirks
    }

    /// The tolerances that took effect while parsing, sorted by name: a server can log that it accepted a filter
    /// the RFC does not allow.
    ///
    /// ```
    /// use scim_expr::{Filter, Options, Quirks};
    /// let f = Filter::parse_with(r#"emails[type eq "work"].value eq "a@example.com""#,
    ///                            &Options::new().with_quirks(Quirks::entra()))?;
    /// assert_eq!(f.quirks_fired(), vec!["value_path_comparison"]);
    /// assert_eq!(f.to_string(), r#"emails[type eq "work" and value eq "a@example.com"]"#);
    /// # Ok::<(), scim_expr::Error>(())
    /// ```
    pub fn quirks_fired(&self) -> Vec<&'static str> {
        self.fired.names()
    }
}

impl fmt::Display for Filter {
    /// The canonical form; it parses back to an equal filter.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ast().fmt(f)
    }
}

impl fmt::Debug for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Filter").field(&self.to_string()).finish()
    }
}

impl PartialEq for Filter {
    /// Filters are equal when their syntax trees are.
    fn eq(&self, other: &Filter) -> bool {
        self.ast() == other.ast()
    }
}

impl std::str::FromStr for Filter {
    type Err = Error;

    fn from_str(s: &str) -> Result<Filter, Error> {
        Filter::parse(s)
    }
}
