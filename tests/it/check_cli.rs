//! `maverics-krm check` on rendered output: exit codes, formats, inputs.

use crate::common;

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

/// Only the inline-secret rules: the zero-findings promise is about the secret detector.
fn secret_findings(docs: &[serde_yaml::Value]) -> Vec<String> {
    let settings = maverics_krm::check::Settings {
        pod_security: false,
        sticky_sessions: false,
        sanity: false,
        example_values: false,
        ..Default::default()
    };
    maverics_krm::check::check_stream(docs, &settings)
        .iter()
        .map(|d| format!("{d}"))
        .collect()
}

#[cfg(feature = "e2e")]
#[test]
fn honest_config_has_no_secret_findings() {
    // bases/ and overlays/, built by the real kustomize.
    let (_, kustomize) = &common::kustomize_versions()[0];
    for dir in [
        "bases/orchestrator",
        "overlays/dev",
        "overlays/eks",
        "overlays/rosa",
        "overlays/aks",
    ] {
        let docs = common::documents(&common::kustomize_build(kustomize, &root().join(dir)));
        assert!(docs.len() > 3, "{dir}: built {} objects", docs.len());
        assert_eq!(secret_findings(&docs), Vec::<String>::new(), "{dir}");
    }
    // Every golden config and render.
    for sub in ["tests/golden/configs", "tests/golden/render", "tests/golden/kustomize"] {
        let mut files: Vec<_> = std::fs::read_dir(root().join(sub))
            .expect("golden dir")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{sub}");
        for f in files {
            let docs = common::documents(&common::read_golden(&f).expect("golden"));
            assert_eq!(secret_findings(&docs), Vec::<String>::new(), "{}", f.display());
        }
    }
    // Strata's own maverics.yaml samples, as the orchestrator config and as a ConfigMap file.
    let samples = root().join("tests/fixtures/maverics-samples");
    let mut count = 0;
    for entry in std::fs::read_dir(&samples).expect("samples") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|x| x != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("sample");
        let config: serde_yaml::Value = serde_yaml::from_str(&text).expect("sample YAML");
        let orchestrator: serde_yaml::Value = serde_yaml::from_str(&format!(
            "{{apiVersion: krm.maverics.dev/v1alpha1, kind: Orchestrator, metadata: {{name: m}}, spec: {{config: {}}}}}",
            serde_json::to_string(&config).expect("JSON")
        ))
        .expect("Orchestrator");
        let mut cm: serde_yaml::Value =
            serde_yaml::from_str("{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {}}")
                .expect("ConfigMap");
        cm["data"]["maverics.yml"] = text.into();
        assert_eq!(
            secret_findings(&[orchestrator, cm]),
            Vec::<String>::new(),
            "{}",
            path.display()
        );
        count += 1;
    }
    assert_eq!(count, 6, "every sample was read");
}

#[test]
fn a_list_with_a_secret_inside_and_a_maverics_yml_key_fail_check() {
    let stream = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: s, namespace: ns}\n  stringData: {password: hunter2}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns}\ndata:\n  maverics.yml: |\n    connectors:\n    - name: idp\n      apiToken: tok-123\n";
    let out = check(&["-"], stream.as_bytes());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for want in [
        "stringData: a Secret with its values inline",
        "data.maverics.yml:connectors[0].apiToken: `apiToken` holds a literal secret, not a reference",
    ] {
        assert!(err.contains(want), "missing `{want}` in:\n{err}");
    }
    assert!(!err.contains("hunter2") && !err.contains("tok-123"), "{err}");
}

/// A secret pasted into a secret-typed field is never echoed: not by `render` on stderr, not
/// by function mode in its KRM results.
#[test]
fn type_errors_on_secret_fields_never_echo_the_value_on_any_path() {
    let pem = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA7\\n-----END RSA PRIVATE KEY-----";
    let config = |secrets: &str| {
        format!(
            "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {{name: m}}\nspec:\n  config: {{version: 0.0.1}}\n  secrets:\n    storeRef: {{name: vault}}\n{secrets}"
        )
    };
    let cases = [
        (
            config("    license: LIC-hunter2-0001\n"),
            "spec.secrets.license",
            "LIC-hunter2",
        ),
        (
            config(&format!("    tls: \"{pem}\"\n")),
            "spec.secrets.tls",
            "MIIEpAIBAAKCAQEA7",
        ),
    ];
    for (yaml, field, secret) in &cases {
        let render = run_with_stdin(Command::new(bin()).args(["render", "-"]), yaml.as_bytes());
        let err = stderr(&render);
        assert_eq!(render.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&format!("{field}: invalid type: string (redacted, ")),
            "{err}"
        );
        assert!(
            !err.contains(secret) && !stdout(&render).contains(secret),
            "render echoed it:\n{err}"
        );

        let indented: String = yaml.lines().map(|l| format!("  {l}\n")).collect();
        let list =
            format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n{indented}");
        let function = common::run_fn(list.as_bytes());
        let (out, err) = (stdout(&function), stderr(&function));
        assert_eq!(function.status.code(), Some(1), "{err}");
        let results: serde_yaml::Value = serde_yaml::from_str(&out).expect("ResourceList");
        assert_eq!(results["results"][0]["field"]["path"].as_str(), Some(*field), "{out}");
        // The output may carry the functionConfig back as it came; the results never echo it.
        let messages = serde_yaml::to_string(&results["results"]).expect("results");
        assert!(messages.contains("(redacted, "), "{messages}");
        assert!(
            !messages.contains(secret) && !err.contains(secret),
            "function mode echoed it:\n{messages}\n{err}"
        );
    }
}
