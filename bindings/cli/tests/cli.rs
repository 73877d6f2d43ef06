//! The `scim-expr` command as a person runs it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scim-expr"))
        .args(args)
        .current_dir(examples())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = stdin.unwrap_or("").to_string();
    let mut pipe = child.stdin.take().unwrap();
    std::thread::spawn(move || pipe.write_all(input.as_bytes()));
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn prints_matching_documents_of_an_array_file() {
    let out = run(&["filter", r#"emails[type eq "work" and value co "@example.com"]"#, "users.json"], None);
    assert!(out.status.success());
    let names: Vec<String> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["userName"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["ada.lovelace@example.com", "bjensen@example.com", "zoë.straße@example.com"]);
}

#[test]
fn reads_json_lines_and_list_responses_from_stdin() {
    let lines = "{\"userName\":\"a\",\"active\":true}\n{\"userName\":\"b\",\"active\":false}\n";
    let out = run(&["filter", "--count", "active eq true", "-"], Some(lines));
    assert_eq!(stdout(&out), "1\n");
    let list =
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":[{"id":"X"},{"id":"x"}]}"#;
    let out = run(&["filter", r#"id eq "x""#], Some(list));
    assert_eq!(stdout(&out), "{\"id\":\"x\"}\n");
}

#[test]
fn explain_prints_the_canonical_form() {
    let out = run(&["filter", "--explain", "userName Eq \"x\" OR not(title pr)"], None);
    assert!(out.status.success());
    assert_eq!(stdout(&out), "userName eq \"x\" or not (title pr)\n");
}

#[test]
fn an_invalid_filter_shows_a_caret_and_exits_1() {
    let out = run(&["filter", r#"userName eq "bjensen"#, "users.json"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err,
        "error: invalidFilter (filter.unterminated_string): string starting at byte 12 has no closing quote\n  \
         userName eq \"bjensen\n              ^\n"
    );
}

#[test]
fn usage_and_input_errors_exit_2() {
    assert_eq!(run(&["frobnicate"], None).status.code(), Some(2));
    assert_eq!(run(&["filter", "--quirks", "nosuch", "a pr", "users.json"], None).status.code(), Some(2));
    assert_eq!(run(&["filter", "a pr", "missing.json"], None).status.code(), Some(2));
    let out = run(&["filter", "a pr", "-"], Some("{not json"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("is not JSON"));
}

#[test]
fn resource_type_and_custom_schemas_apply() {
    let dir = std::env::temp_dir().join(format!("scim-expr-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let schema = dir.join("device.json");
    std::fs::write(
        &schema,
        r#"{"id":"urn:example:Device","name":"Device","attributes":[{"name":"serial","caseExact":true}]}"#,
    )
    .unwrap();
    let docs = r#"[{"serial":"AB"},{"serial":"ab"}]"#;
    let schema_arg = schema.to_str().unwrap();
    let out = run(
        &["filter", "--count", "--schemas", schema_arg, "--resource-type", "Device", r#"serial eq "ab""#],
        Some(docs),
    );
    assert_eq!(stdout(&out), "1\n");
    let out = run(&["filter", "--count", r#"serial eq "ab""#], Some(docs));
    assert_eq!(stdout(&out), "2\n");
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(unix)]
#[test]
fn a_non_utf8_filter_is_a_positioned_error() {
    use std::os::unix::ffi::OsStrExt;
    let out = Command::new(env!("CARGO_BIN_EXE_scim-expr"))
        .arg("filter")
        .arg(std::ffi::OsStr::from_bytes(b"userName eq \"\xff\""))
        .arg("-")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("filter.invalid_utf8"));
}

#[test]
fn patch_prints_the_new_resource() {
    let out = run(&["patch", "patch/bjensen.json", "patch/okta-deactivate.json"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["active"], false);
    assert_eq!(doc["userName"], "bjensen@example.com");
}

#[test]
fn a_failing_patch_prints_the_rfc_error_body_and_exits_1() {
    let out = run(&["patch", "patch/bjensen.json", "patch/readonly-id.json"], None);
    assert_eq!(out.status.code(), Some(1));
    let body: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(body["scimType"], "mutability");
    assert_eq!(body["status"], "400");
    assert_eq!(body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("operation 1"));
}

#[test]
fn a_patch_that_changes_nothing_says_so() {
    let out = run(
        &["patch", "patch/engineering.json", "-"],
        Some(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations":[{"op":"add","path":"displayName","value":"Engineering"}]}"#,
        ),
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("changed nothing"));
}

#[test]
fn quirk_presets_and_single_tolerances() {
    let out = run(
        &["patch", "--quirks", "entra", "--show-quirks", "patch/engineering.json", "patch/entra-remove-members.json"],
        None,
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("quirks fired: remove_value_list"));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["members"].as_array().unwrap().len(), 2);
    let off = run(
        &["patch", "--quirks", "entra,-remove_value_list", "patch/engineering.json", "patch/entra-remove-members.json"],
        None,
    );
    assert_eq!(off.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&off.stderr).contains("patch.remove_with_value"));
    let unknown = run(
        &["patch", "--quirks", "strict,+nonsense", "patch/engineering.json", "patch/entra-remove-members.json"],
        None,
    );
    assert_eq!(unknown.status.code(), Some(2));
}
