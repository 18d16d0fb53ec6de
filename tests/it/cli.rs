//! The command line beyond function mode: version, completions, man page, render errors.

use crate::common;

use common::{bin, stderr, stdout};
use std::process::Command;

fn run(args: &[&str]) -> std::process::Output {
    Command::new(bin()).args(args).output().expect("run the binary")
}

/// `MAVERICS_KRM_STAMP=1` (CI, scripts/build-static) stamps the git revision; an ordinary
/// build says it has none, so a doc-only commit rebuilds nothing.
#[test]
fn version_names_the_git_revision_or_says_it_has_none() {
    let out = run(&["--version"]);
    assert!(out.status.success());
    let v = stdout(&out);
    let v = v.trim_end();
    let prefix = concat!("maverics-krm ", env!("CARGO_PKG_VERSION"), " (");
    assert!(v.starts_with(prefix) && v.ends_with(')'), "{v}");
    if option_env!("MAVERICS_KRM_STAMP") == Some("1") {
        let rev = &v[prefix.len()..v.len() - 1];
        assert!(
            !rev.is_empty() && rev.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
            "built in a git checkout with the stamp asked for, the revision must be known: {v}"
        );
    } else {
        assert_eq!(
            v,
            concat!(
                "maverics-krm ",
                env!("CARGO_PKG_VERSION"),
                " (no revision stamp; build with MAVERICS_KRM_STAMP=1)"
            )
        );
    }
}

#[test]
fn completions_are_generated_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef maverics-krm"),
        ("fish", "complete -c maverics-krm"),
    ] {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains(marker), "{shell} completion lacks {marker:?}");
        assert!(
            text.contains("render"),
            "{shell} completion lacks the render subcommand"
        );
    }
}

#[test]
fn man_page_documents_every_subcommand() {
    let out = run(&["man"]);
    assert!(out.status.success());
    let page = stdout(&out);
    assert!(page.contains(".TH maverics-krm 1"), "not a roff man page");
    for sub in ["render", "build", "completions", "man", "schema", "explain", "init"] {
        assert!(page.contains(sub), "man page lacks {sub}");
    }
}

#[test]
fn every_subcommand_help_shows_an_example() {
    for sub in ["render", "build", "completions", "man", "schema", "explain", "init"] {
        let out = run(&[sub, "--help"]);
        assert!(out.status.success(), "{sub} --help failed");
        assert!(stdout(&out).contains("Example"), "{sub} --help has no example");
    }
}

#[test]
fn render_of_a_bad_config_names_file_field_and_fix_and_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("orchestrator.yaml");
    std::fs::write(&cfg, "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata:\n  name: m\nspec:\n  autoscaling:\n    minReplica: 3\n").unwrap();
    let out = Command::new(bin()).arg("render").arg(&cfg).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no partial output");
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}: spec.autoscaling.minReplica: unknown field",
            cfg.display()
        )),
        "{err}"
    );
    assert!(err.contains("did you mean `minReplicas`?"), "{err}");
}

/// The orchestrator's config file holds what `spec.config` says, a tagged key included: the
/// YAML crate's serializer refused a one-entry mapping under a tagged key and the ConfigMap
/// came out with an empty `maverics.yaml` (and the pods' checksum of an empty file).
#[test]
fn render_writes_a_tagged_key_of_spec_config_into_maverics_yaml() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("orchestrator.yaml");
    std::fs::write(
        &cfg,
        "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata:\n  name: m\nspec:\n  config:\n    version: 0.0.1\n    extra: {!t a: b}\n",
    )
    .unwrap();
    let out = Command::new(bin()).arg("render").arg(&cfg).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let docs = common::documents(&stdout(&out));
    let file = docs
        .iter()
        .find(|d| d["kind"] == "ConfigMap" && d["data"]["maverics.yaml"].is_string())
        .and_then(|d| d["data"]["maverics.yaml"].as_str())
        .unwrap_or_default();
    let written: serde_yaml::Value = serde_yaml::from_str(file).unwrap();
    let expected: serde_yaml::Value = serde_yaml::from_str("{extra: {!t a: b}, version: 0.0.1}").unwrap();
    assert_eq!(written, expected, "{file:?}");
}

#[test]
fn function_mode_on_a_terminal_explains_itself_instead_of_hanging() {
    // No terminal in tests; the closest check: an empty stdin is an error with a fix, exit 1.
    let out = common::run_fn(b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("input is empty"), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"));
}
