//! End-to-end: the real kustomize 5.8.1 and 4.5.4 binaries run the real plugin (the shim in
//! plugins/, pointed at the binary under test).

use crate::common;

use common::{assert_golden, bin, command, kustomize_build, kustomize_versions, root, stderr, stdout, tool};
use serde_yaml::Value;
use std::collections::BTreeMap;

/// Objects of a multi-document stream, keyed by kind/namespace/name.
fn objects(stream: &str) -> BTreeMap<String, Value> {
    common::documents(stream)
        .into_iter()
        .map(|v| {
            let key = format!(
                "{}/{}/{}",
                v["kind"].as_str().unwrap_or_default(),
                v["metadata"]["namespace"].as_str().unwrap_or_default(),
                v["metadata"]["name"].as_str().unwrap_or_default()
            );
            (key, v)
        })
        .collect()
}

#[test]
fn base_builds_to_its_golden_with_both_kustomize_versions() {
    for (version, k) in kustomize_versions() {
        let out = kustomize_build(&k, &root().join("bases/orchestrator"));
        assert_golden("kustomize/base.yaml", &out);
        assert!(
            out.contains("kind: StatefulSet"),
            "kustomize {version}: the generator did not run"
        );
    }
}

#[test]
fn dev_overlay_builds_to_its_golden_with_both_kustomize_versions() {
    for (_, k) in kustomize_versions() {
        let out = kustomize_build(&k, &root().join("overlays/dev"));
        assert_golden("kustomize/dev.yaml", &out);
        let objs = objects(&out);
        let sts = &objs["StatefulSet/maverics-dev/maverics"];
        assert_eq!(
            sts["spec"]["template"]["spec"]["containers"][0]["image"].as_str(),
            Some("registry.dev.example.com/strata/orchestrator:v2026.01.2")
        );
        assert_eq!(
            objs["HorizontalPodAutoscaler/maverics-dev/maverics"]["spec"]["maxReplicas"].as_u64(),
            Some(3)
        );
        assert!(
            objs.keys()
                .filter(|k| !k.starts_with("Namespace/"))
                .all(|k| k.contains("/maverics-dev/")),
            "every object is in maverics-dev: {objs:#?}"
        );
        // kustomize's `namespace:` renames the generated Namespace too, labels kept.
        let ns = &objs["Namespace//maverics-dev"];
        assert_eq!(
            ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"].as_str(),
            Some("restricted")
        );
    }
}

#[test]
fn kustomize_output_has_the_same_objects_as_the_standalone_render() {
    let render = std::fs::read_to_string(root().join("tests/golden/render/base.yaml")).expect("render golden");
    let built = kustomize_build(&tool("kustomize-5.8.1"), &root().join("bases/orchestrator"));
    assert_eq!(objects(&built), objects(&render), "kustomize build and render disagree");
}

#[test]
fn without_enable_exec_kustomize_silently_skips_the_function_and_build_catches_it() {
    let k = tool("kustomize-5.8.1");
    // The trap itself: exit 0, and the orchestrator is missing from the output.
    let out = command(&k)
        .args(["build", "--enable-alpha-plugins"])
        .arg(root().join("bases/orchestrator"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        !stdout(&out).contains("StatefulSet"),
        "kustomize now runs exec functions without --enable-exec?"
    );

    // `maverics-krm build` with a kustomize that forgets the flag fails loudly.
    let dir = tempfile::tempdir().unwrap();
    let wrapper = dir.path().join("kustomize-no-exec");
    common::script(
        &wrapper,
        &format!(
            "args=\"\"\nfor a in \"$@\"; do [ \"$a\" = --enable-exec ] || args=\"$args $a\"; done\nexec {} $args\n",
            k.display()
        ),
    );
    let out = command(bin())
        .arg("build")
        .arg(root().join("bases/orchestrator"))
        .arg("--kustomize")
        .arg(&wrapper)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert!(stderr(&out).contains("the function did not run"), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "no partial output on failure");

    // With the real flags it passes and prints the build.
    let out = command(bin())
        .arg("build")
        .arg(root().join("overlays/dev"))
        .arg("--kustomize")
        .arg(&k)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_golden("kustomize/dev.yaml", &stdout(&out));
}

#[test]
fn a_config_error_fails_the_build_with_a_readable_message_on_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    let shim = root().join("plugins/maverics-krm");
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "generators:\n- orchestrator.yaml\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("orchestrator.yaml"),
        format!(
            "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata:\n  name: bad\n  annotations:\n    \
             config.kubernetes.io/function: |\n      exec:\n        path: {}\nspec:\n  replica: 3\n",
            shim.display()
        ),
    )
    .unwrap();
    for (version, k) in kustomize_versions() {
        let out = command(&k)
            .args(["build", "--enable-alpha-plugins", "--enable-exec"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(!out.status.success(), "kustomize {version} accepted a bad config");
        let err = stderr(&out);
        assert!(
            err.contains("error: ") && err.contains("spec.replica: unknown field `replica`"),
            "{version}: {err}"
        );
        assert!(err.contains("did you mean `replicas`?"), "{version}: {err}");
        assert!(out.stdout.is_empty(), "{version}: no partial output");
    }
}

/// A temporary overlay over the base that runs the check last under `transformers:`, with
/// an optional strategic-merge patch of the StatefulSet's container.
fn check_overlay(container_patch: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    // kustomize refuses absolute roots: reach the base from the temp dir by `../`.
    let up = "../".repeat(tmp.path().components().count() - 1);
    let base = format!(
        "{up}{}",
        root()
            .join("bases/orchestrator")
            .display()
            .to_string()
            .trim_start_matches('/')
    );
    let shim = root().join("plugins/maverics-krm");
    let kustomization = format!(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - {}\npatches:\n  - path: patch.yaml\ntransformers:\n  - check.yaml\n",
        base
    );
    let patch = format!(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: maverics, namespace: maverics}}\nspec:\n  template:\n    spec:\n      containers:\n        - name: orchestrator\n{container_patch}"
    );
    let check = format!(
        "apiVersion: krm.maverics.dev/v1alpha1\nkind: OrchestratorCheck\nmetadata:\n  name: check\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: {}\n",
        shim.display()
    );
    for (f, text) in [
        ("kustomization.yaml", kustomization),
        ("patch.yaml", patch),
        ("check.yaml", check),
    ] {
        std::fs::write(tmp.path().join(f), text).expect("write overlay file");
    }
    tmp
}

#[test]
fn the_check_as_last_transformer_passes_clean_builds_unchanged_and_fails_hardening_regressions() {
    let clean = check_overlay("          resources: {requests: {cpu: 250m}}\n");
    let broken = check_overlay("          securityContext: {privileged: true, allowPrivilegeEscalation: true}\n");
    for (version, k) in kustomize_versions() {
        let with_check = kustomize_build(&k, clean.path());
        assert!(
            with_check.contains("cpu: 250m"),
            "{version}: the patch ran before the check"
        );
        assert_eq!(
            objects(&with_check).len(),
            objects(&kustomize_build(&k, &root().join("bases/orchestrator"))).len(),
            "{version}: the check added or removed objects"
        );
        let out = command(&k)
            .args(["build", "--enable-alpha-plugins", "--enable-exec"])
            .arg(broken.path())
            .output()
            .expect("run kustomize");
        let err = stderr(&out);
        assert!(
            !out.status.success(),
            "{version}: a privileged orchestrator passed the check"
        );
        assert!(stdout(&out).is_empty(), "{version}: a failed build printed manifests");
        for want in [
            "spec.template.spec.containers[0].securityContext.privileged: Pod Security restricted: privileged container",
            "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
            "fix: remove `privileged: true`",
        ] {
            assert!(err.contains(want), "{version}: stderr lacks `{want}`:\n{err}");
        }
    }
}
