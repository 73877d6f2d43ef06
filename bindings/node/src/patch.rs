//! `Patch`: a PatchOp request parsed once and applied to copies. The document goes in as a copied value (b) or
//! JSON text (c) and comes out as JavaScript objects (b) or JSON text for `JSON.parse` (c); `index.js` picks the
//! measured fastest per call (benches/node-conversion.md). The input is never mutated.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use scim_expr::overlay::{Failure, Lazy};
use scim_expr::{Outcome, Patch};
use serde_json::Value;

use crate::doc::{DocError, JsNode, Keys};

use crate::error::{throw, throw_doc, throw_doc_at};
use crate::filter::{parse_json, read_options};
use crate::js::{Js, Raw};

#[napi]
#[derive(Debug)]
pub struct NativePatch {
    patch: Patch,
    max_depth: usize,
    /// Each operation's `path` text, which an error's byte position points into.
    paths: Vec<Option<String>>,
}

/// A member of an object by name, exact first, then ignoring ASCII case (as the core reads the envelope).
fn member<'v>(v: &'v Value, name: &str) -> Option<&'v Value> {
    let map = v.as_object()?;
    map.get(name).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

fn paths(request: &Value) -> Vec<Option<String>> {
    let ops = member(request, "Operations").and_then(Value::as_array);
    ops.into_iter().flatten().map(|op| member(op, "path").and_then(Value::as_str).map(String::from)).collect()
}

fn throw_at(js: Js, e: &scim_expr::Error, paths: &[Option<String>]) -> napi::Error {
    let text = e.operation().and_then(|i| paths.get(i)).and_then(Option::as_deref);
    throw(js, e, text)
}

/// The envelope (`{"Operations": [{"value": …}]}`) adds three levels above an operation's value. One level more
/// is let through so that the core, which bounds a value's depth, reports a value just over the limit with the
/// index of its operation.
const ENVELOPE: usize = 4;

#[napi]
impl NativePatch {
    /// From a request object (strategy b).
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, request: Unknown, options: String) -> Result<NativePatch> {
        let js = Js::new(&env);
        let options = read_options(js, &options)?;
        let max_depth = options.limits().max_document_depth;
        let request = crate::to_value::request_to_value(js, request.raw(), max_depth, ENVELOPE)
            .map_err(|(e, op)| throw_doc_at(js, e, "PATCH request", op))?;
        NativePatch::parse(js, &request, &options)
    }

    /// From a request as JSON text (strategy c).
    #[napi(factory, catch_unwind)]
    pub fn from_json(env: Env, text: String, options: String) -> Result<NativePatch> {
        let js = Js::new(&env);
        let options = read_options(js, &options)?;
        let max_depth = options.limits().max_document_depth.saturating_add(ENVELOPE);
        let request = parse_json(js, &text, max_depth, "PATCH request")?;
        NativePatch::parse(js, &request, &options)
    }

    fn parse(js: Js, request: &Value, options: &scim_expr::Options) -> Result<NativePatch> {
        let paths = paths(request);
        let patch = Patch::parse_with(request, options).map_err(|e| throw_at(js, &e, &paths))?;
        Ok(NativePatch { patch, max_depth: options.limits().max_document_depth, paths })
    }

    fn run(&self, js: Js, mut doc: Value) -> Result<(Value, Outcome)> {
        let outcome = self.patch.apply(&mut doc).map_err(|e| throw_at(js, &e, &self.paths))?;
        Ok((doc, outcome))
    }

    fn read(&self, js: Js, doc: Raw) -> Result<Value> {
        crate::to_value::to_value(js, doc, self.max_depth).map_err(|e| throw_doc(js, e, "document"))
    }

    /// Object in, object out (b, b).
    #[napi(catch_unwind)]
    pub fn apply_value<'env>(&self, env: &'env Env, doc: Unknown<'env>) -> Result<Unknown<'env>> {
        let js = Js::new(env);
        let (doc, outcome) = self.run(js, self.read(js, doc.raw())?)?;
        result(js, crate::from_value::from_value(js, &doc)?, outcome)
    }

    /// Object in, JSON text out (b, c).
    #[napi(catch_unwind)]
    pub fn apply_value_text<'env>(&self, env: &'env Env, doc: Unknown<'env>) -> Result<Unknown<'env>> {
        let js = Js::new(env);
        let (doc, outcome) = self.run(js, self.read(js, doc.raw())?)?;
        result(js, js.str(&to_text(&doc)?)?, outcome)
    }

    /// Whether the request can read or change the resource's top-level member `key` (`Patch::touches`):
    /// `index.js` converts only those members.
    #[napi]
    pub fn touches(&self, key: String) -> bool {
        self.patch.touches(&key)
    }

    /// `limits.maxDocumentDepth`, which `index.js` checks before reading a document in place.
    #[napi(getter)]
    pub fn max_depth(&self) -> u32 {
        u32::try_from(self.max_depth).unwrap_or(u32::MAX)
    }

    /// The touched part of a resource read in place (`Patch::apply_to`), which `index.js` has checked to be plain
    /// JSON data: `{resource, changed, quirksFired}`, where `resource` is the patched part built from the
    /// copy-on-write result (what the request left as it was is the input's very own value; objects get own data
    /// properties), or null when no operation changed it. Null instead of that when a value read is not JSON after
    /// all (a getter's second answer): the caller then takes the JSON path, which reports it.
    #[napi(catch_unwind)]
    pub fn apply_host<'env>(&self, env: &'env Env, part: Unknown<'env>) -> Result<Unknown<'env>> {
        let js = Js::new(env);
        let keys = Keys::default();
        let (lazy, outcome) = match self.patch.apply_to(JsNode::new(js, part.raw(), &keys)) {
            Ok(done) => done,
            Err(Failure::Patch(e)) => return Err(throw_at(js, &e, &self.paths)),
            Err(Failure::Host(DocError::Js(e))) => return Err(e),
            Err(Failure::Host(DocError::Bad { .. })) => return Ok(js.unknown(js.null()?)),
        };
        let resource = if outcome.changed() { build(js, &lazy)? } else { js.null()? };
        result(js, resource, outcome)
    }

    /// The touched part of a resource as JSON text in, with the keys of its large arrays whose elements the caller
    /// can reuse (`reuse.rs`); out, one JSON text for one `JSON.parse`: `{"changed", "quirksFired", "plans",
    /// "resource"}`, where `resource` is the patched part, or null when no operation changed it, and `plans`
    /// (`[key, plan, ...]`, absent when there is none) tells which elements of those arrays are the input's own,
    /// left out of `resource`. One string is cheaper to hand over than an object built through Node-API.
    #[napi(catch_unwind)]
    pub fn apply_part(&self, env: Env, text: String, reuse: Option<Vec<String>>) -> Result<String> {
        let js = Js::new(&env);
        let mut doc = parse_json(js, &text, self.max_depth, "document")?;
        let mut inputs = match &reuse {
            Some(keys) if !keys.is_empty() => crate::reuse::inputs(&text, &doc),
            _ => Vec::new(),
        };
        inputs.retain(|(key, _)| reuse.as_ref().is_some_and(|keys| keys.contains(key)));
        let outcome = self.patch.apply(&mut doc).map_err(|e| throw_at(js, &e, &self.paths))?;
        let mut out = Vec::with_capacity(text.len() + 64);
        out.extend_from_slice(b"{\"changed\":");
        out.extend_from_slice(if outcome.changed() { b"true" } else { b"false" });
        out.extend_from_slice(b",\"quirksFired\":");
        json(&mut out, &outcome.quirks_fired())?;
        if !outcome.changed() {
            out.extend_from_slice(b",\"resource\":null}");
            return text_of(out);
        }
        let plans = crate::reuse::reuse(&mut doc, &inputs);
        if !plans.is_empty() {
            out.extend_from_slice(b",\"plans\":[");
            for (i, (key, plan)) in plans.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json(&mut out, key)?;
                out.push(b',');
                json(&mut out, plan)?;
            }
            out.push(b']');
        }
        out.extend_from_slice(b",\"resource\":");
        json(&mut out, &doc)?;
        out.push(b'}');
        text_of(out)
    }

    /// JSON text in, JSON text out (c, c): the `applyJson` twin.
    #[napi(catch_unwind)]
    pub fn apply_json<'env>(&self, env: &'env Env, text: String) -> Result<Unknown<'env>> {
        let js = Js::new(env);
        let (doc, outcome) = self.run(js, parse_json(js, &text, self.max_depth, "document")?)?;
        result(js, js.str(&to_text(&doc)?)?, outcome)
    }

    /// JSON text in, object out (c, b).
    #[napi(catch_unwind)]
    pub fn apply_json_value<'env>(&self, env: &'env Env, text: String) -> Result<Unknown<'env>> {
        let js = Js::new(env);
        let (doc, outcome) = self.run(js, parse_json(js, &text, self.max_depth, "document")?)?;
        result(js, crate::from_value::from_value(js, &doc)?, outcome)
    }
}

/// The JavaScript value of a copy-on-write result: a host value is the input's own, a level the request wrote
/// into a new object or array, a new value converted (b).
fn build(js: Js, v: &Lazy<JsNode<'_>>) -> Result<Raw> {
    match v {
        Lazy::Host(h) => Ok(h.raw()),
        Lazy::Owned(v) => crate::from_value::from_value(js, v),
        Lazy::Object(members) => {
            let obj = js.object()?;
            let mut props = Vec::with_capacity(members.len());
            for (k, item) in members {
                props.push((js.str(k)?, build(js, item)?));
            }
            js.define(obj, &props)?;
            Ok(obj)
        }
        Lazy::Array(items) => {
            let arr = js.array(items.len())?;
            for (i, item) in (0u32..).zip(items) {
                js.set_element(arr, i, build(js, item)?)?;
            }
            Ok(arr)
        }
    }
}

/// Appends `v` as JSON text (serde_json's writer, which is faster than `Value`'s `Display`).
fn json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) -> Result<()> {
    serde_json::to_writer(out, v).map_err(|e| napi::Error::from_reason(e.to_string()))
}

/// `v` as JSON text.
fn to_text(v: &Value) -> Result<String> {
    serde_json::to_string(v).map_err(|e| napi::Error::from_reason(e.to_string()))
}

/// The JSON text written by [`json`], which is UTF-8.
fn text_of(out: Vec<u8>) -> Result<String> {
    String::from_utf8(out).map_err(|e| napi::Error::from_reason(e.to_string()))
}

/// `{resource, changed, quirksFired}`.
fn result<'env>(js: Js, resource: Raw, outcome: Outcome) -> Result<Unknown<'env>> {
    Ok(js.unknown(outcome_object(js, resource, outcome)?))
}

fn outcome_object(js: Js, resource: Raw, outcome: Outcome) -> Result<Raw> {
    let obj = js.object()?;
    js.set_named(obj, c"resource", resource)?;
    js.set_named(obj, c"changed", js.boolean(outcome.changed())?)?;
    let fired = outcome.quirks_fired();
    let arr = js.array(fired.len())?;
    for (i, name) in (0u32..).zip(fired) {
        js.set_element(arr, i, js.str(name)?)?;
    }
    js.set_named(obj, c"quirksFired", arr)?;
    Ok(obj)
}
