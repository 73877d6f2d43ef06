//! The Python binding of scim-expr, built by maturin as `scim_expr._native` with the `python` feature.
//!
//! How a Python value reaches the core: filters read dicts and lists in place through [`node`] (the core's
//! read-only `Node` trait); PATCH converts once each way in [`convert`] and applies with the GIL released.
//! Errors become the Python classes of `scim_expr/errors.py` in [`errors`]. Without the feature the crate holds
//! only the Python-free helpers, so that `cargo test --workspace` needs no Python.

pub mod text;

/// Rust allocations of the extension (the converted documents); Python objects keep Python's allocator.
#[cfg(feature = "python")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "python")]
mod convert;
#[cfg(feature = "python")]
mod errors;
#[cfg(feature = "python")]
mod filter;
#[cfg(feature = "python")]
mod json;
#[cfg(feature = "python")]
mod node;
#[cfg(feature = "python")]
mod options;
#[cfg(feature = "python")]
mod patch;

#[cfg(feature = "python")]
#[pyo3::pymodule]
fn _native(m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
    use pyo3::prelude::*;
    m.add_class::<filter::PyFilter>()?;
    m.add_class::<filter::PyPath>()?;
    m.add_class::<patch::PyPatch>()?;
    m.add_class::<patch::PyOutcome>()?;
    m.add_class::<options::PyQuirks>()?;
    m.add_class::<options::PyLimits>()?;
    m.add_class::<options::PySchemas>()?;
    m.add("MAX_CONVERSION_DEPTH", convert::MAX_CONVERSION_DEPTH)?;
    Ok(())
}
