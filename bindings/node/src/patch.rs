//! `Patch`: a PatchOp request parsed once and applied to copies. The document goes in as a copied value (b) or
//! JSON text (c) and comes out as JavaScript objects (b) or JSON text for `JSON.parse` (c); `index.js` picks the
//! measured fastest per call (benches/node-conversion.md). The input is never mutated.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use scim_expr::overlay::{Failure, Lazy};
use scim_expr::{Outcome, Patch};
use serde_json::Value;

use crate::doc::{DocError, JsNode, Keys, Values};

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

    /// The request resolved for a resource of type `kind` (an index into `hostKinds`, -1 for none) as steps that
    /// `steps.js` carries out in JavaScript, as JSON text, or null when the engine must apply it
    /// (`Patch::host_steps`).
    #[napi]
    pub fn host_steps(&self, kind: i32) -> Option<String> {
        self.patch.host_steps(usize::try_from(kind).ok())
    }

    /// `[default, urn…]`: the resource types' core schema URNs and the index of the type assumed for a resource
    /// that lists none (-1: none), for `steps.js` to work out a resource's `kind` (`Patch::host_kinds`).
    #[napi]
    pub fn host_kinds(&self) -> String {
        self.patch.host_kinds()
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
    ///
    /// `keys`, `texts` and `lengths` are what `index.js` read ahead of the elements of the part's large arrays
    /// while checking them ([`Values`]): for each key, the elements' own `value` strings as one text (in pieces), and per
    /// element its length in UTF-16 units (-1: an object without a `value` string, -2: anything else).
    #[napi(catch_unwind)]
    pub fn apply_host<'env>(
        &self,
        env: &'env Env,
        part: Unknown<'env>,
        keys: Vec<String>,
        texts: Vec<Vec<String>>,
        lengths: Vec<Int32Array>,
    ) -> Result<Unknown<'env>> {
        let js = Js::new(env);
        let ahead = keys
            .into_iter()
            .zip(texts)
            .zip(lengths)
            .filter_map(|((key, text), lengths)| Some((key, Values::new(text.concat(), &lengths)?)))
            .collect();
        let keys = Keys::plain(ahead);
        let (lazy, outcome) = match self.patch.apply_to(JsNode::new(js, part.raw(), &keys)) {
            Ok(done) => done,
            Err(Failure::Patch(e)) => return Err(throw_at(js, &e, &self.paths)),
            Err(Failure::Host(DocError::Js(e))) => return Err(e),
            Err(Failure::Host(DocError::Bad { .. })) => return Ok(js.unknown(js.null()?)),
        };
        if !outcome.changed() {
            return result(js, js.null()?, outcome);
        }
        let mut plans = Vec::new();
        let resource = match &lazy {
            Lazy::Object(members) => {
                let obj = js.object()?;
                let mut props = Vec::with_capacity(members.len());
                for (k, item) in members {
                    let key = js.str(k)?;
                    let planned = match item {
                        Lazy::Array(items) => plan(js, items, js.get(part.raw(), key)?)?,
                        Lazy::Spliced { host, removed, appended } => {
                            spliced_plan(js, host, removed, appended, js.get(part.raw(), key)?)?
                        }
                        _ => None,
                    };
                    let value = match planned {
                        Some((fresh, plan)) => {
                            plans.push((key, plan));
                            fresh
                        }
                        None => build(js, item)?,
                    };
                    props.push((key, value));
                }
                js.define(obj, &props)?;
                obj
            }
            other => build(js, other)?,
        };
        let obj = outcome_object(js, resource, outcome)?;
        if !plans.is_empty() {
            let arr = js.array(plans.len() * 2)?;
            for (i, (key, plan)) in (0u32..).step_by(2).zip(plans) {
                js.set_element(arr, i, key)?;
                js.set_element(arr, i + 1, plan)?;
            }
            js.set_named(obj, c"plans", arr)?;
        }
        Ok(js.unknown(obj))
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
        Lazy::Host(h) => h.raw(),
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
        Lazy::Spliced { host, removed, appended } => {
            // The input array's kept elements (its own values), then the appended ones converted.
            let input = host.raw()?;
            let len = js.array_len(input)?;
            let arr = js.array((len as usize).saturating_sub(removed.len()) + appended.len())?;
            let mut next = removed.iter().peekable();
            let mut at = 0u32;
            for i in 0..len {
                if next.peek() == Some(&&(i as usize)) {
                    next.next();
                    continue;
                }
                js.set_element(arr, at, js.element(input, i)?)?;
                at += 1;
            }
            for v in appended {
                js.set_element(arr, at, crate::from_value::from_value(js, v)?)?;
                at += 1;
            }
            Ok(arr)
        }
    }
}

/// A patched top-level array of the part as `index.js` rebuilds it (`rebuild`): the new elements, built here, and
/// the plan (runs `start, end` of the input's elements, `-n` for the next n new ones), when `input` (the part's
/// array under that key) holds at least [`reuse::MIN_LEN`](crate::reuse::MIN_LEN) elements and the result keeps
/// some of them in place. One JavaScript loop then copies 10,000 kept elements, where setting them here would be
/// 10,000 Node-API calls.
fn plan(js: Js, items: &[Lazy<JsNode<'_>>], input: Raw) -> Result<Option<(Raw, Raw)>> {
    // The handles the elements were read through, each compared with `input` once.
    let mut seen: Vec<(Raw, bool)> = Vec::new();
    let mut is_input = |h: &JsNode<'_>| -> Result<Option<u32>> {
        let Some((array, i)) = h.from() else { return Ok(None) };
        let same = match seen.iter().find(|(a, _)| *a == array) {
            Some(&(_, same)) => same,
            None => {
                let same = js.same(array, input)?;
                seen.push((array, same));
                same
            }
        };
        Ok(same.then_some(i))
    };
    if reusable(js, input)?.is_none() {
        return Ok(None);
    }
    let mut runs: Vec<f64> = Vec::new();
    let mut fresh = Vec::new();
    let mut run: Option<(u32, u32)> = None;
    let mut new = 0u32;
    let mut kept = false;
    for item in items {
        let at = match item {
            Lazy::Host(h) => is_input(h)?,
            _ => None,
        };
        match at {
            Some(i) => {
                kept = true;
                if new > 0 {
                    runs.push(-f64::from(new));
                    new = 0;
                }
                run = match run {
                    Some((start, end)) if end == i => Some((start, i + 1)),
                    Some((start, end)) => {
                        runs.extend([f64::from(start), f64::from(end)]);
                        Some((i, i + 1))
                    }
                    None => Some((i, i + 1)),
                };
            }
            None => {
                if let Some((start, end)) = run.take() {
                    runs.extend([f64::from(start), f64::from(end)]);
                }
                new += 1;
                fresh.push(build(js, item)?);
            }
        }
    }
    if !kept {
        return Ok(None);
    }
    if let Some((start, end)) = run {
        runs.extend([f64::from(start), f64::from(end)]);
    }
    if new > 0 {
        runs.push(-f64::from(new));
    }
    planned(js, &fresh, &runs).map(Some)
}

/// The length of `input` when it is an array that [`plan`] may reuse: at least
/// [`reuse::MIN_LEN`](crate::reuse::MIN_LEN) elements.
fn reusable(js: Js, input: Raw) -> Result<Option<u32>> {
    if js.kind(input)? != crate::js::Kind::Object || !js.is_array(input)? {
        return Ok(None);
    }
    let len = js.array_len(input)?;
    Ok((len as usize >= crate::reuse::MIN_LEN).then_some(len))
}

/// [`plan`] for a [`Lazy::Spliced`] array whose host is `input` (the part's array under that key): the runs are
/// the gaps between the removed positions, then `-n` for the appended values, without a look at any kept element.
/// `None` when the host is another array, `input` is too short to be worth it, or no element is kept.
fn spliced_plan(
    js: Js,
    host: &JsNode<'_>,
    removed: &[usize],
    appended: &[Value],
    input: Raw,
) -> Result<Option<(Raw, Raw)>> {
    let Some(len) = reusable(js, input)? else { return Ok(None) };
    if !js.same(host.raw()?, input)? {
        return Ok(None);
    }
    let mut runs: Vec<f64> = Vec::with_capacity(2 * removed.len() + 3);
    let mut start = 0u32;
    for &r in removed {
        let Ok(r) = u32::try_from(r) else { break };
        if r >= len {
            break;
        }
        if r > start {
            runs.extend([f64::from(start), f64::from(r)]);
        }
        start = r.saturating_add(1);
    }
    if start < len {
        runs.extend([f64::from(start), f64::from(len)]);
    }
    if runs.is_empty() {
        return Ok(None);
    }
    let fresh = appended.iter().map(|v| crate::from_value::from_value(js, v)).collect::<Result<Vec<_>>>()?;
    if !fresh.is_empty() {
        runs.push(-(fresh.len() as f64));
    }
    planned(js, &fresh, &runs).map(Some)
}

/// The new elements and the plan of [`plan`] as JavaScript arrays.
fn planned(js: Js, fresh: &[Raw], runs: &[f64]) -> Result<(Raw, Raw)> {
    let arr = js.array(fresh.len())?;
    for (i, v) in (0u32..).zip(fresh) {
        js.set_element(arr, i, *v)?;
    }
    let plan = js.array(runs.len())?;
    for (i, n) in (0u32..).zip(runs) {
        js.set_element(plan, i, js.double(*n)?)?;
    }
    Ok((arr, plan))
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
