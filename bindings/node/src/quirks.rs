//! `quirkNames()`: what a quirks setting switches on.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

use crate::js::Js;

/// The names of the tolerances a quirks spec (`"entra"`, `{preset, on, off}`) switches on; with `null`, every
/// tolerance's name.
#[napi(catch_unwind)]
#[cfg_attr(test, allow(dead_code))] // registered with Node outside test builds
pub fn quirk_names(env: Env, spec: String) -> Result<Vec<String>> {
    let js = Js::new(&env);
    let spec: Value = serde_json::from_str(&spec).map_err(|e| crate::error::throw_json(js, &e, &spec, "quirks"))?;
    if spec.is_null() {
        return Ok(scim_expr::Quirks::NAMES.iter().map(|n| n.to_string()).collect());
    }
    let quirks = crate::options::quirks(&spec).map_err(|e| crate::error::throw_options(js, e))?;
    Ok(quirks.enabled().into_iter().map(String::from).collect())
}
