//! The Node.js addon of scim-expr. The public API (`Filter`, `Patch`, `Path`, `ScimError`) is defined in
//! `index.js`, which wraps the native classes exported here; every SCIM rule is the core crate's.
//!
//! Without the `napi` feature only the pure helpers build, so that `cargo test --workspace` needs no Node.
#![cfg_attr(feature = "napi", allow(unsafe_code))] // napi-derive's generated glue; raw calls live in js.rs only

/// Rust allocations of the addon (the converted documents); JavaScript values keep V8's heap.
#[cfg(feature = "napi")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod date;
pub mod options;
pub mod position;
pub mod reuse;

#[cfg(feature = "napi")]
mod doc;
#[cfg(feature = "napi")]
mod error;
#[cfg(feature = "napi")]
mod filter;
#[cfg(feature = "napi")]
mod from_value;
#[cfg(feature = "napi")]
mod js;
#[cfg(feature = "napi")]
mod patch;
#[cfg(feature = "napi")]
mod path;
#[cfg(feature = "napi")]
mod quirks;
#[cfg(feature = "napi")]
mod to_value;
