//! `maverics-krm check` on rendered output: exit codes, formats, inputs.

mod common;

use common::{bin, root, run_with_stdin, stderr, stdout};
use std::process::Command;

fn check(args: &[&str], stdin: &[u8]) -> std::process::Output {
    run_with_stdin(Command::new(bin()).arg("check").args(args), stdin)
}

#[test]
fn every_golden_render_passes_its_own_check() {
    let dir = root().join("tests/golden/render");
    let out = check(&[dir.to_str().expect("utf-8 path")], b"");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("0 errors"), "{}", stderr(&out));
}

#[test]
fn findings_exit_1_and_name_file_object_and_field() {
    let bad = std::fs::read_to_string(root().join("tests/golden/render/alb-sticky.yaml"))
        .expect("golden")
        .replace("stickiness.enabled=true", "stickiness.enabled=false")
        .replace("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true");
    let out = check(&["-"], bad.as_bytes());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for want in [
        "error: <stdin> (document 9): metadata.annotations: the orchestrator runs up to 5 replicas in proxy mode",
        "stickiness.app_cookie.cookie_name=corp_session",
        "error: <stdin> (document 5): spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
        // The golden keeps the base's example hosts and placeholder image on purpose.
        "2 errors, 3 warnings",
    ] {
        assert!(err.contains(want), "missing `{want}` in:\n{err}");
    }
}

#[test]
fn krm_format_prints_a_resource_list_with_results() {
    let secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: default}\ndata: {k: dg==}\n";
    let out = check(&["--format", "krm"], secret.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let v: serde_yaml::Value = serde_yaml::from_str(&stdout(&out)).expect("YAML");
    assert_eq!(v["kind"].as_str(), Some("ResourceList"));
    let results = v["results"].as_sequence().expect("results");
    let sev: Vec<_> = results.iter().filter_map(|r| r["severity"].as_str()).collect();
    assert_eq!(sev, ["error", "warning"]);
    assert_eq!(results[0]["field"]["path"].as_str(), Some("data"));
    assert_eq!(results[0]["resourceRef"]["kind"].as_str(), Some("Secret"));
}

#[test]
fn warnings_alone_exit_0() {
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: default}\n";
    let out = check(&[], cm.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: <stdin>: metadata.namespace"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn input_errors_exit_2() {
    let out = check(&["-"], b"a: [\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: <stdin>:2:1: YAML syntax error: "),
        "{}",
        stderr(&out)
    );
    let out = check(&["/nonexistent/build"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no such file or directory"), "{}", stderr(&out));
    let out = check(&["-"], b"- just\n- a list\n");
    assert_eq!(out.status.code(), Some(2));
    let out = check(&["--format", "yaml"], b"");
    assert_eq!(out.status.code(), Some(2), "clap usage errors exit 2");
}
