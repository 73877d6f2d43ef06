#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic))]

mod compare;
pub mod document;
pub mod error;
pub mod filter;
mod grammar;
pub mod node;
mod options;
pub mod overlay;
pub mod patch;
mod path;
mod quirks;
pub mod schema;

pub use compare::Num;
pub use document::{DocRef, Document};
pub use error::{Error, ErrorKind, ScimType};
pub use filter::Filter;
pub use node::{Node, View};
pub use options::{Limits, Options};
pub use patch::{Op, Operation, Outcome, Patch};
pub use path::Path;
pub use quirks::Quirks;
pub use schema::Schemas;
