//! `scim-expr patch`: apply a PatchOp request to a resource and print the result.

use std::ffi::OsString;
use std::io::Write;

use scim_expr::Patch;

use crate::args::Args;
use crate::{input, Failure};

pub(crate) fn run(argv: &[OsString]) -> Result<(), Failure> {
    let args = Args::parse(argv, &["--show-quirks"])?;
    let options = args.options()?;
    let [resource, request] = args.positional.as_slice() else {
        return Err(Failure::Usage("patch takes a RESOURCE file and a REQUEST file".into()));
    };
    let mut doc = input::read_json(&resource.to_string_lossy())?;
    let request = input::read_json(&request.to_string_lossy())?;
    let result = Patch::parse_with(&request, &options).and_then(|p| p.apply(&mut doc));
    let mut out = std::io::stdout().lock();
    match result {
        Ok(outcome) => {
            let text = serde_json::to_string_pretty(&doc).map_err(|e| Failure::Usage(e.to_string()))?;
            writeln!(out, "{text}").map_err(|e| Failure::Usage(format!("cannot write: {e}")))?;
            if !outcome.changed() {
                eprintln!("scim-expr: the request changed nothing");
            }
            if args.has("--show-quirks") {
                eprintln!("quirks fired: {}", crate::args::list(&outcome.quirks_fired()));
            }
            Ok(())
        }
        Err(e) => {
            // What a server returns: the RFC 7644 §3.12 body on standard output.
            let body = serde_json::to_string_pretty(&e.to_json()).map_err(|e| Failure::Usage(e.to_string()))?;
            writeln!(out, "{body}").map_err(|e| Failure::Usage(format!("cannot write: {e}")))?;
            let at = e.operation().map_or(String::new(), |i| format!(" in operation {i}"));
            Err(Failure::Scim(format!("{} ({}){at}: {}", e.scim_type(), e.code(), e.message())))
        }
    }
}
