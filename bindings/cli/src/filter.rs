//! `scim-expr filter`: print the documents a filter matches, or its canonical form.

use std::ffi::OsString;
use std::io::Write;

use scim_expr::Filter;

use crate::args::Args;
use crate::{input, Failure};

pub(crate) fn run(argv: &[OsString]) -> Result<(), Failure> {
    let args = Args::parse(argv, &["--explain", "--count", "--show-quirks"])?;
    let options = args.options()?;
    let (text, file) = match args.positional.as_slice() {
        [text] => (text, "-".to_string()),
        [text, file] => (text, file.to_string_lossy().into_owned()),
        _ => return Err(Failure::Usage("filter takes a FILTER and at most one FILE".into())),
    };
    let bytes = os_bytes(text);
    let filter = Filter::parse_bytes_with(&bytes, &options)
        .map_err(|e| Failure::Scim(e.render(&String::from_utf8_lossy(&bytes))))?;
    if args.has("--show-quirks") {
        eprintln!("quirks fired: {}", crate::args::list(&filter.quirks_fired()));
    }
    let mut out = std::io::stdout().lock();
    let written = if args.has("--explain") {
        writeln!(out, "{filter}")
    } else {
        let docs = input::read_documents(&file)?;
        let hits = docs.iter().filter(|d| filter.matches(d));
        if args.has("--count") {
            writeln!(out, "{}", hits.count())
        } else {
            hits.into_iter().try_for_each(|d| writeln!(out, "{d}"))
        }
    };
    // A closed pipe (`| head`) is not an error worth reporting.
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::Usage(format!("cannot write: {e}"))),
        _ => Ok(()),
    }
}

/// The argument's bytes as given, so that a filter in a non-UTF-8 locale gets a positioned error.
#[cfg(unix)]
fn os_bytes(s: &OsString) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    s.as_bytes().to_vec()
}

#[cfg(not(unix))]
fn os_bytes(s: &OsString) -> Vec<u8> {
    s.to_string_lossy().into_owned().into_bytes()
}
