//! PATCH paths (RFC 7644 §3.5.2, Figure 7 with erratum 7122).

use std::fmt;

use crate::error::ErrorKind;
use crate::error::{Domain, Error};
use crate::filter::eval::Compiled;
use crate::filter::parser::FilterParser;
use crate::filter::{AttrPath, Expr};
use crate::quirks::{Fired, Quirk};
use crate::Options;

/// A parsed PATCH path: immutable, `Send + Sync`.
///
/// ```
/// use scim_expr::Path;
/// let p = Path::parse(r#"emails[type EQ "work"].value"#)?;
/// assert_eq!(p.attribute(), Some("emails"));
/// assert_eq!(p.sub_attribute(), Some("value"));
/// assert_eq!(p.to_string(), r#"emails[type eq "work"].value"#);
/// let err = Path::parse(r#"emails[type eq "work""#).unwrap_err();
/// assert_eq!((err.scim_type().as_str(), err.position()), ("invalidPath", Some(6)));
/// # Ok::<(), scim_expr::Error>(())
/// ```
#[derive(Clone)]
pub struct Path {
    pub(crate) kind: PathKind,
    /// The tolerances that took effect while parsing.
    pub(crate) fired: Fired,
}

#[derive(Clone)]
pub(crate) enum PathKind {
    /// A bare extension schema URN: the whole extension object.
    Schema(String),
    /// `attrPath`, or a valuePath with its optional trailing sub-attribute.
    Attr { attr: AttrPath, filter: Option<Box<(Expr, Compiled, bool)>>, filter_sub_attr: Option<String> },
}

impl Path {
    /// Parses `text` against the built-in schemas.
    pub fn parse(text: &str) -> Result<Path, Error> {
        Path::parse_with(text, &Options::new())
    }

    /// Parses `text` with these options.
    pub fn parse_with(text: &str, options: &Options) -> Result<Path, Error> {
        let mut fired = Fired::default();
        if let Some(schema) = options.schemas.schema(text) {
            if !options.schemas.is_core_schema(&schema.id) {
                return Ok(Path { kind: PathKind::Schema(text.to_string()), fired });
            }
        }
        // Entra's retired customappsso job wrote `urn:…:enterprise:2.0:User.department` (E2c). Split at the last
        // `:`, that would name a sub-attribute `department` of an attribute `User`, so it is recognised here.
        let legacy = options.schemas.iter().filter(|s| !options.schemas.is_core_schema(&s.id)).find_map(|s| {
            let head = text.get(..s.id.len())?;
            (head.eq_ignore_ascii_case(&s.id) && text.as_bytes().get(s.id.len()) == Some(&b'.')).then_some(s.id.len())
        });
        let rewritten;
        let text = match legacy {
            Some(at) if options.quirks.legacy_extension_dot => {
                fired.add(Quirk::legacy_extension_dot);
                rewritten = format!("{}:{}", &text[..at], &text[at + 1..]);
                rewritten.as_str()
            }
            Some(at) => {
                return Err(Error::at(
                    Domain::Path,
                    ErrorKind::InvalidAttrPath,
                    at,
                    format!("byte {at}: an extension attribute follows its schema URN after ':', not '.'"),
                ))
            }
            None => text,
        };
        let parsed = FilterParser::new(text, options, Domain::Path).parse_path(options.limits.max_path_length)?;
        if let Some(f) = &parsed.filter {
            fired = fired.union(f.fired);
        }
        let filter = parsed.filter.map(|f| Box::new((f.compiled.to_expr(), f.compiled, f.per_kind)));
        Ok(Path { kind: PathKind::Attr { attr: parsed.attr, filter, filter_sub_attr: parsed.filter_sub_attr }, fired })
    }

    /// The schema URN the path is qualified with, or the extension URN of a whole-extension path.
    pub fn urn(&self) -> Option<&str> {
        match &self.kind {
            PathKind::Schema(urn) => Some(urn),
            PathKind::Attr { attr, .. } => attr.urn.as_deref(),
        }
    }

    /// The attribute name; `None` for a whole-extension path.
    pub fn attribute(&self) -> Option<&str> {
        match &self.kind {
            PathKind::Schema(_) => None,
            PathKind::Attr { attr, .. } => Some(&attr.name),
        }
    }

    /// The sub-attribute: `givenName` of `name.givenName`, `value` of `emails[type eq "work"].value`.
    pub fn sub_attribute(&self) -> Option<&str> {
        match &self.kind {
            PathKind::Schema(_) => None,
            PathKind::Attr { attr, filter_sub_attr, .. } => attr.sub_attr.as_deref().or(filter_sub_attr.as_deref()),
        }
    }

    /// The filter in brackets, if any.
    pub fn filter(&self) -> Option<&Expr> {
        match &self.kind {
            PathKind::Attr { filter: Some(f), .. } => Some(&f.0),
            _ => None,
        }
    }
}

impl fmt::Display for Path {
    /// The canonical form: the attribute path as written, the filter in its canonical form, the sub-attribute.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            PathKind::Schema(urn) => f.write_str(urn),
            PathKind::Attr { attr, filter, filter_sub_attr } => {
                write!(f, "{attr}")?;
                if let Some(parsed) = filter {
                    write!(f, "[{}]", parsed.0)?;
                }
                if let Some(sub) = filter_sub_attr {
                    write!(f, ".{sub}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Path").field(&self.to_string()).finish()
    }
}

impl PartialEq for Path {
    fn eq(&self, other: &Path) -> bool {
        match (&self.kind, &other.kind) {
            (PathKind::Schema(a), PathKind::Schema(b)) => a == b,
            (
                PathKind::Attr { attr: a, filter: fa, filter_sub_attr: sa },
                PathKind::Attr { attr: b, filter: fb, filter_sub_attr: sb },
            ) => a == b && sa == sb && fa.as_ref().map(|f| &f.0) == fb.as_ref().map(|f| &f.0),
            _ => false,
        }
    }
}
