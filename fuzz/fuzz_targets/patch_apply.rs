//! Any request on any document: never a panic; a failure leaves the document byte-identical; a success leaves
//! at most one `"primary": true` per array and no two keys equal up to case; applying it to only the members it
//! touches (`Patch::touches`) gives the same error, or the same document once the other members are put back;
//! applying it through the copy-on-write overlay (`Patch::apply_to`, the document as the host, read directly and
//! through the generic reads of `Plain`, and as a `Document` built from the document's JSON text, whose result is
//! also written as JSON text directly) gives the same error, or the same document, `changed` and tolerances.
//! The request's steps for a host (`Patch::host_steps`) are JSON text for every resource type.
//! Input: `[preset][request]\0[document]`; each part is JSON text, or bytes that generate a request or a value.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use scim_expr::overlay::Failure;
use scim_expr::{Document, Error, Outcome, Patch};
use scim_expr_fuzz::{
    check_invariants, json_or_value, normalise, options, plain_value, request, split_nul, split_preset, Plain,
};

fn sure<T>(r: Result<T, Failure<std::convert::Infallible>>) -> Result<T, Error> {
    r.map_err(|e| match e {
        Failure::Patch(e) => e,
        Failure::Host(never) => match never {},
    })
}

fuzz_target!(|data: &[u8]| {
    let (quirks, rest) = split_preset(data);
    let (req, doc) = split_nul(rest);
    let req = serde_json::from_slice(req).unwrap_or_else(|_| request(&mut Unstructured::new(req)).unwrap_or_default());
    let mut doc = json_or_value(doc);
    normalise(&mut doc);
    let Ok(patch) = Patch::parse_with(&req, &options(quirks)) else { return };
    // The steps the Node binding may carry out instead (`Patch::host_steps`), for each resource type and none:
    // never a panic, always JSON text (test/steps.test.mjs compares what they do with the engine).
    let kinds: Vec<serde_json::Value> = serde_json::from_str(&patch.host_kinds()).expect("host_kinds is JSON");
    for kind in std::iter::once(None).chain((0..kinds.len() - 1).map(Some)) {
        if let Some(steps) = patch.host_steps(kind) {
            assert!(serde_json::from_str::<serde_json::Value>(&steps).is_ok(), "host_steps is JSON");
        }
    }
    let before = doc.to_string();
    let original = doc.clone();
    let mut part = serde_json::Value::Object(
        doc.as_object()
            .map(|o| o.iter().filter(|(k, _)| patch.touches(k)).map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
    );
    let partial = doc.is_object().then(|| patch.apply(&mut part));
    let direct = sure(patch.apply_to(&original)).map(|(lazy, outcome)| (lazy.to_value(), outcome));
    let plain = sure(patch.apply_to(Plain(&original))).map(|(lazy, outcome)| (plain_value(&lazy), outcome));
    // A generated value may nest deeper than a Document holds (and than JSON text can): then there is none.
    let document = Document::from_value(&original).ok();
    if let Some(d) = &document {
        assert_eq!(d.to_value(), original, "Document::from_value");
        // As serde_json reads the text (its float parsing may differ from the value in the last bit).
        let from_text = Document::from_json_str(&before).map(|t| t.to_value()).ok();
        assert_eq!(from_text, serde_json::from_str(&before).ok(), "Document::from_json_str");
    }
    let on_document = document.as_ref().map(|d| {
        sure(patch.apply_to(d.root())).map(|(lazy, outcome)| {
            let got = lazy.to_value();
            assert_eq!(serde_json::to_string(&lazy).ok(), Some(got.to_string()), "the Document result's text");
            (got, outcome)
        })
    });
    let whole = patch.apply(&mut doc);
    let overlays =
        [("overlay", Some(direct)), ("overlay through Plain", Some(plain)), ("overlay on a Document", on_document)];
    for (how, overlay) in overlays.into_iter().filter_map(|(how, o)| o.map(|o| (how, o))) {
        let summary = |o: &Outcome| (o.changed(), o.quirks_fired());
        match (&whole, overlay) {
            (Err(a), Err(b)) => assert_eq!(
                (a.code(), a.to_string(), a.position(), a.operation()),
                (b.code(), b.to_string(), b.position(), b.operation()),
                "{how}, request {req}"
            ),
            (Ok(a), Ok((got, b))) => {
                assert_eq!(got, doc, "{how}, request {req}");
                assert_eq!(summary(a), summary(&b), "{how}, request {req}");
            }
            (a, b) => panic!("{how} and in place disagree: {a:?} / {:?}, request {req}", b.map(|(_, o)| o)),
        }
    }
    match (&whole, &partial) {
        (Err(a), Some(Err(b))) => assert_eq!(a.to_string(), b.to_string(), "partial application, request {req}"),
        (Ok(_), Some(Ok(_))) => {
            let mut merged = original;
            if let (Some(m), Some(p)) = (merged.as_object_mut(), part.as_object()) {
                m.retain(|k, _| !patch.touches(k));
                m.extend(p.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            assert_eq!(merged, doc, "partial application, request {req}");
        }
        (_, None) => {}
        _ => panic!("partial application and whole resource disagree: {whole:?} / {partial:?}, request {req}"),
    }
    match whole {
        Err(e) => assert_eq!(doc.to_string(), before, "{} left the document changed", e.code()),
        Ok(_) => {
            if let Err(broken) = check_invariants(&doc) {
                panic!("{broken}\nrequest {req}\ndocument {before}");
            }
        }
    }
});
