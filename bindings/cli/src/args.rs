//! Command-line options shared by the commands.

use std::ffi::OsString;

use scim_expr::{Options, Quirks, Schemas};

use crate::{input, Failure};

/// The options and positional arguments of one command.
#[derive(Default)]
pub(crate) struct Args {
    pub flags: Vec<String>,
    pub quirks: Option<String>,
    pub resource_type: Option<String>,
    pub schemas: Option<String>,
    pub positional: Vec<OsString>,
}

impl Args {
    /// Splits `argv` into the known `flags`, the options that take a value, and positional arguments.
    pub fn parse(argv: &[OsString], known_flags: &[&str]) -> Result<Args, Failure> {
        let mut args = Args::default();
        let mut it = argv.iter();
        while let Some(arg) = it.next() {
            let text = arg.to_str().unwrap_or("");
            if text == "-" || !text.starts_with("--") {
                args.positional.push(arg.clone());
                continue;
            }
            if text == "--" {
                args.positional.extend(it.by_ref().cloned());
                break;
            }
            let (name, inline) = match text.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (text, None),
            };
            let slot = match name {
                "--quirks" => &mut args.quirks,
                "--resource-type" => &mut args.resource_type,
                "--schemas" => &mut args.schemas,
                flag if known_flags.contains(&flag) => {
                    args.flags.push(flag.to_string());
                    continue;
                }
                other => return Err(Failure::Usage(format!("unknown option {other}"))),
            };
            let value = match inline {
                Some(v) => v,
                None => it
                    .next()
                    .and_then(|v| v.to_str())
                    .ok_or_else(|| Failure::Usage(format!("{name} needs a value")))?
                    .to_string(),
            };
            *slot = Some(value);
        }
        Ok(args)
    }

    pub fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }

    /// The library options the flags describe.
    pub fn options(&self) -> Result<Options, Failure> {
        let mut options = Options::new();
        if let Some(spec) = &self.quirks {
            options = options.with_quirks(quirks(spec)?);
        }
        if let Some(path) = &self.schemas {
            let json = input::read_json(path)?;
            let schemas = Schemas::from_json(&json).map_err(|e| Failure::Usage(format!("{path}: {e}")))?;
            options = options.with_schemas(schemas);
        }
        if let Some(name) = &self.resource_type {
            options = options.with_resource_type(name).map_err(|e| Failure::Usage(e.to_string()))?;
        }
        Ok(options)
    }
}

/// `PRESET[,+name][,-name]…`: a preset and single tolerances switched on or off.
fn quirks(spec: &str) -> Result<Quirks, Failure> {
    let mut parts = spec.split(',');
    let preset = parts.next().unwrap_or_default();
    let mut quirks = Quirks::preset(preset).ok_or_else(|| {
        Failure::Usage(format!("unknown quirks preset {preset:?}; use strict, entra, okta or lenient"))
    })?;
    for part in parts {
        let (name, on) = match part.strip_prefix('-') {
            Some(name) => (name, false),
            None => (part.strip_prefix('+').unwrap_or(part), true),
        };
        quirks.set(name, on).map_err(|e| Failure::Usage(e.to_string()))?;
    }
    Ok(quirks)
}

/// Names joined for a message, or "none".
pub(crate) fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}
