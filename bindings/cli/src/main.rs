//! `scim-expr`: evaluate SCIM filters and apply PATCH requests to JSON files from the shell.
//!
//! Exit codes: 0 success, 1 the filter or request is invalid (the SCIM error is printed), 2 usage or input error.

mod args;
mod filter;
mod input;
mod patch;

use std::process::ExitCode;

const USAGE: &str = "\
usage:
  scim-expr filter [OPTIONS] FILTER [FILE]   print the documents of FILE (a JSON array, a ListResponse or JSON
                                             lines; - or nothing for standard input) that FILTER matches, one per line
  scim-expr filter --explain FILTER          print FILTER's canonical form
  scim-expr patch [OPTIONS] RESOURCE REQUEST apply the PatchOp REQUEST to RESOURCE (JSON files) and print the
                                             new resource, or the RFC 7644 error body (exit 1)
  scim-expr --help | --version

options:
  --explain               print the canonical form of the filter instead of evaluating it
  --count                 print the number of matching documents instead of the documents
  --quirks PRESET[,+NAME][,-NAME]
                          identity-provider tolerances: strict (default), entra, okta or lenient, with single
                          tolerances switched on (+) or off (-), e.g. entra,-remove_value_list
  --show-quirks           print the tolerances that took effect on standard error
  --resource-type NAME    resource type of documents without \"schemas\" (User, Group, or a custom one)
  --schemas FILE          RFC 7643 Schema/ResourceType resources to add to the built-in ones";

/// A failure and the exit code it ends the process with.
pub(crate) enum Failure {
    /// The SCIM input is invalid: the rendered error.
    Scim(String),
    /// Bad usage or unreadable input.
    Usage(String),
}

fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let (command, rest) = argv.split_first().map_or((None, &[][..]), |(c, rest)| (c.to_str(), rest));
    let result = match command {
        Some("filter") => filter::run(rest),
        Some("patch") => patch::run(rest),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some("-V" | "--version") => {
            println!("scim-expr {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Some(other) => Err(Failure::Usage(format!("unknown command {other:?}"))),
        None => Err(Failure::Usage("no command given".into())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Scim(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(message)) => {
            eprintln!("scim-expr: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
