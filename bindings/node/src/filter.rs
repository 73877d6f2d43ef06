//! `Filter`: parse once, then match JavaScript objects in place (strategy a), copied values (b, for the
//! benchmark) or JSON text (c, the `matchesJson` twin). `new Filter` only validates ([`check_filter`]); on the
//! first match [`compile_filter`] hands index.js the core's compiled form instead, which compile.js evaluates in
//! JavaScript; the in-place reader here is what it falls back to for a value it cannot compare exactly.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use scim_expr::{Filter, Options};

use crate::doc::{JsNode, Keys};
use crate::error::{throw, throw_doc, throw_json, throw_options};
use crate::js::Js;

#[napi]
#[derive(Debug)]
pub struct NativeFilter {
    filter: Filter,
    max_depth: usize,
}

/// Reads the options JSON the JavaScript wrapper hands over.
pub fn read_options(js: Js, options: &str) -> Result<Options> {
    let spec: serde_json::Value = serde_json::from_str(options).map_err(|e| throw_json(js, &e, options, "options"))?;
    crate::options::options(&spec).map_err(|e| throw_options(js, e))
}

/// Parses JSON text with the document depth limit applied on top of serde_json's own (128).
pub fn parse_json(js: Js, text: &str, max_depth: usize, what: &str) -> Result<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| throw_json(js, &e, text, what))?;
    if depth_exceeds(&value, max_depth) {
        let msg =
            format!("the {what} nests arrays and objects deeper than {max_depth} levels (limits.maxDocumentDepth)");
        return Err(throw(js, &scim_expr::Error::document(scim_expr::ErrorKind::TooDeep, msg), None));
    }
    Ok(value)
}

fn depth_exceeds(value: &serde_json::Value, max_depth: usize) -> bool {
    if max_depth >= 128 {
        return false; // serde_json refused anything deeper
    }
    let mut stack = vec![(value, 1usize)];
    while let Some((v, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &serde_json::Value>> = match v {
            serde_json::Value::Array(items) => Box::new(items.iter()),
            serde_json::Value::Object(members) => Box::new(members.values()),
            _ => continue,
        };
        if depth > max_depth {
            return true;
        }
        stack.extend(children.map(|c| (c, depth + 1)));
    }
    false
}

/// Options read once: index.js keeps one per distinct options object, so that a filter's construction is its parse.
/// An external rather than a class: it is handed to every `compileFilter`, and unwrapping it is cheaper.
#[napi(catch_unwind)]
#[cfg_attr(test, allow(dead_code))] // registered with Node outside test builds
pub fn filter_options(env: Env, options: String) -> Result<External<Options>> {
    Ok(External::new(read_options(Js::new(&env), &options)?))
}

/// Parses `text` and returns the compiled form as JSON text (`Filter::compiled_plan`) for compile.js, on a
/// filter's first match (after [`check_filter`] validated it); the filter itself is not kept (index.js parses it
/// again with [`parse_filter`] in the rare case it needs it).
#[napi(catch_unwind)]
#[cfg_attr(test, allow(dead_code))]
pub fn compile_filter(env: Env, options: &External<Options>, text: String) -> Result<String> {
    let filter = Filter::parse_with(&text, options).map_err(|e| throw(Js::new(&env), &e, Some(&text)))?;
    Ok(filter.compiled_plan())
}

/// Parses `text` only to validate it: `new Filter` throws for an invalid filter, and index.js asks for the compiled
/// form on the first match.
#[napi(catch_unwind)]
#[cfg_attr(test, allow(dead_code))]
pub fn check_filter(env: Env, options: &External<Options>, text: String) -> Result<()> {
    Filter::parse_with(&text, options).map_err(|e| throw(Js::new(&env), &e, Some(&text)))?;
    Ok(())
}

/// Parses `text` into a native filter.
#[napi(catch_unwind)]
#[cfg_attr(test, allow(dead_code))]
pub fn parse_filter(env: Env, options: &External<Options>, text: String) -> Result<NativeFilter> {
    let filter = Filter::parse_with(&text, options).map_err(|e| throw(Js::new(&env), &e, Some(&text)))?;
    Ok(NativeFilter { filter, max_depth: options.limits().max_document_depth })
}

#[napi]
impl NativeFilter {
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, text: String, options: String) -> Result<NativeFilter> {
        let js = Js::new(&env);
        let options = read_options(js, &options)?;
        let filter = Filter::parse_with(&text, &options).map_err(|e| throw(js, &e, Some(&text)))?;
        Ok(NativeFilter { filter, max_depth: options.limits().max_document_depth })
    }

    /// Strategy (a): reads only the attributes the filter names.
    #[napi(catch_unwind)]
    pub fn matches(&self, env: Env, doc: Unknown) -> Result<bool> {
        let js = Js::new(&env);
        let keys = Keys::default();
        self.filter.matches_node(&JsNode::new(js, doc.raw(), &keys)).map_err(|e| throw_doc(js, e, "document"))
    }

    /// [`NativeFilter::matches`] for element `index` of an array given to `Filter.filter`, its errors placed there.
    #[napi(catch_unwind)]
    pub fn matches_at(&self, env: Env, doc: Unknown, index: u32) -> Result<bool> {
        let js = Js::new(&env);
        let keys = Keys::default();
        self.filter
            .matches_node(&JsNode::new(js, doc.raw(), &keys))
            .map_err(|e| throw_doc(js, e.within(|| format!("[{index}]")), "array"))
    }

    /// Strategy (b): copies the document first (kept for the conversion benchmark).
    #[napi(catch_unwind)]
    pub fn matches_value(&self, env: Env, doc: Unknown) -> Result<bool> {
        let js = Js::new(&env);
        let value =
            crate::to_value::to_value(js, doc.raw(), self.max_depth).map_err(|e| throw_doc(js, e, "document"))?;
        Ok(self.filter.matches(&value))
    }

    /// Strategy (c): the document as JSON text.
    #[napi(catch_unwind)]
    pub fn matches_json(&self, env: Env, text: String) -> Result<bool> {
        let value = parse_json(Js::new(&env), &text, self.max_depth, "document")?;
        Ok(self.filter.matches(&value))
    }

    /// The elements of the array `docs` that match, in order (the same objects, not copies).
    #[napi(catch_unwind)]
    pub fn filter<'env>(&self, env: &'env Env, docs: Unknown<'env>) -> Result<Unknown<'env>> {
        let js = Js::new(env);
        let (arr, len) = (docs.raw(), js.array_len(docs.raw())?);
        let out = js.array(0)?;
        let keys = Keys::default();
        let mut n = 0;
        for i in 0..len {
            let doc = js.element(arr, i)?;
            let hit = self
                .filter
                .matches_node(&JsNode::new(js, doc, &keys))
                .map_err(|e| throw_doc(js, e.within(|| format!("[{i}]")), "array"))?;
            if hit {
                js.set_element(out, n, doc)?;
                n += 1;
            }
        }
        Ok(js.unknown(out))
    }

    /// The canonical form.
    #[napi(catch_unwind)]
    pub fn canonical(&self) -> String {
        self.filter.to_string()
    }

    /// Whether both have the same syntax tree.
    #[napi(catch_unwind)]
    pub fn equals(&self, other: &NativeFilter) -> bool {
        self.filter == other.filter
    }

    /// The tolerances that took effect while parsing, sorted by name.
    #[napi(catch_unwind)]
    pub fn quirks_fired(&self) -> Vec<String> {
        self.filter.quirks_fired().into_iter().map(String::from).collect()
    }
}
