//! Bad input: every file in tests/corpus/ is fed to the function on stdin. Each must exit 1
//! with a ResourceList on stdout that carries an error result and either no items (input
//! unreadable) or exactly the input's items (never a partial list), and stderr equal to
//! the file's `.expected` twin (`UPDATE_GOLDEN=1 cargo test --test it corpus::` rewrites them;
//! review the diff: each message must name the place and the fix).

use crate::common;

use common::{root, run_fn, stderr, stdout};
use maverics_krm::krm::ResourceList;
use maverics_krm::krm::resource_list::MAX_INPUT_BYTES;
use serde_yaml::Value;
use std::path::Path;

/// The structural promises, for any input the function refuses.
fn assert_refused(name: &str, input: &[u8], out: &std::process::Output) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{name}: exit code; stderr:\n{err}");
    assert!(!err.contains("panicked"), "{name}: panicked:\n{err}");
    let text = stdout(out);
    let list: Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{name}: stdout is not YAML: {e}\n{text}"));
    let parsed =
        ResourceList::parse(text.as_bytes()).unwrap_or_else(|d| panic!("{name}: stdout is not a ResourceList: {d}"));
    let results = list["results"]
        .as_sequence()
        .unwrap_or_else(|| panic!("{name}: no results:\n{text}"));
    assert!(
        results.iter().any(|r| r["severity"].as_str() == Some("error")),
        "{name}: no error result:\n{text}"
    );
    match ResourceList::parse(input) {
        Ok(input) => assert_eq!(parsed.items, input.items, "{name}: items must come back unchanged"),
        Err(_) => assert!(parsed.items.is_empty(), "{name}: unreadable input must give no items"),
    }
    let errors = err.lines().filter(|l| l.starts_with("error: ")).count();
    let fixes = err.lines().filter(|l| l.starts_with("  fix: ")).count();
    assert!(
        errors > 0 && fixes >= errors,
        "{name}: every error needs a fix line:\n{err}"
    );
}

#[test]
fn every_corpus_input_is_refused_with_place_and_fix() {
    let dir = root().join("tests/corpus");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    inputs.sort();
    assert!(
        inputs.len() >= 50,
        "the corpus has {} inputs, expected at least 50",
        inputs.len()
    );
    for path in &inputs {
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        let input = std::fs::read(path).expect("read input");
        let out = run_fn(&input);
        assert_refused(name, &input, &out);
        check_expected(&path.with_extension("expected"), &stderr(&out));
    }
}

fn check_expected(path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, actual).expect("write expected");
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with `UPDATE_GOLDEN=1 cargo test --test it corpus::`",
            path.display()
        )
    });
    pretty_assertions::assert_eq!(expected, actual, "{}", path.display());
}

#[test]
fn input_above_the_size_limit_is_refused_before_parsing() {
    // Built here rather than committed: 256 MiB of comment lines and one byte more.
    let mut input = Vec::with_capacity(MAX_INPUT_BYTES + 1);
    while input.len() <= MAX_INPUT_BYTES {
        input.extend_from_slice(b"# padding padding padding padding padding padding padding\n");
    }
    input.truncate(MAX_INPUT_BYTES + 1);
    let out = run_fn(&input);
    assert_refused("oversized", b"", &out);
    assert!(
        stderr(&out).contains("above the limit of 268435456 bytes"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ten_thousand_resources_pass() {
    let mut input = String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
    for i in 0..10_000 {
        input.push_str(&format!(
            "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm-{i}\n    namespace: apps\n  data:\n    key: 'on'\n"
        ));
    }
    input.push_str(&format!(
        "functionConfig:\n{}",
        indent(maverics_krm::cli::DEFAULT_CONFIG)
    ));
    let out = run_fn(input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let list = ResourceList::parse(stdout(&out).as_bytes()).expect("a ResourceList");
    assert!(list.items.len() > 10_000, "{} items", list.items.len());
    assert_eq!(
        list.items[9_999].tree().expect("a tree")["data"]["key"].as_str(),
        Some("on")
    );
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}
