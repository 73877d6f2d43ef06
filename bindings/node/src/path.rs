//! `Path`: a PATCH path parsed on its own, for validating and printing it.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use scim_expr::Path;

use crate::error::throw;
use crate::filter::read_options;
use crate::js::Js;

#[napi]
#[derive(Debug)]
pub struct NativePath {
    path: Path,
}

#[napi]
impl NativePath {
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, text: String, options: String) -> Result<NativePath> {
        let js = Js::new(&env);
        let options = read_options(js, &options)?;
        let path = Path::parse_with(&text, &options).map_err(|e| throw(js, &e, Some(&text)))?;
        Ok(NativePath { path })
    }

    #[napi(catch_unwind)]
    pub fn canonical(&self) -> String {
        self.path.to_string()
    }

    #[napi(catch_unwind)]
    pub fn equals(&self, other: &NativePath) -> bool {
        self.path == other.path
    }
}
