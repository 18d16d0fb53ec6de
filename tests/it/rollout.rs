//! Rollouts on a real cluster (issue 12, points 6 to 9): what rolls the pods when a Secret
//! rotates, where replicas are placed, how a pod drains behind each exposure, and labels that
//! stay true after kustomize's `images:`. Through the real kustomize 5.8.1 and 4.5.4 where the
//! point concerns overlays.

use crate::common;

use common::{bin, documents, kustomize_build, kustomize_versions, relative, root, run_with_stdin, stderr, stdout};
use serde_yaml::Value;
use std::path::Path;
use std::process::Command;

const HEAD: &str = "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {name: maverics}\n";

/// `maverics-krm render -` of an Orchestrator whose `spec` is `spec`: objects, stderr, exit code.
fn render(spec: &str) -> (Vec<Value>, String, i32) {
    let config = format!("{HEAD}spec: {spec}\n");
    let out = run_with_stdin(Command::new(bin()).args(["render", "-"]), config.as_bytes());
    (documents(&stdout(&out)), stderr(&out), out.status.code().unwrap_or(-1))
}

fn rendered_sts(spec: &str) -> Value {
    let (docs, err, code) = render(spec);
    assert_eq!(code, 0, "{err}");
    find(&docs, "StatefulSet").clone()
}

fn yaml(s: &str) -> Value {
    serde_yaml::from_str(s).expect("test YAML")
}

/// A base generated from `spec` (function annotation pointing at the plugin) and an overlay
/// over it with the shipped platform config of `platform`, edited by `edit`.
fn platform_tree(tmp: &Path, spec: &str, platform: &str, edit: impl Fn(&mut Value)) -> std::path::PathBuf {
    let base = tmp.join("base");
    let config = format!(
        "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata:\n  name: maverics\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: {}\nspec: {spec}\n",
        root().join("plugins/maverics-krm").display()
    );
    write(&base, "orchestrator.yaml", &config);
    write(&base, "kustomization.yaml", "generators:\n  - orchestrator.yaml\n");
    let mut fc: Value = serde_yaml::from_str(
        &std::fs::read_to_string(root().join(format!("overlays/{platform}/platform.yaml"))).expect("platform.yaml"),
    )
    .expect("YAML");
    fc["metadata"]["annotations"]["config.kubernetes.io/function"] =
        format!("exec:\n  path: {}\n", root().join("plugins/maverics-krm").display()).into();
    edit(&mut fc);
    let overlay = tmp.join(platform);
    write(&overlay, "platform.yaml", &serde_yaml::to_string(&fc).expect("YAML"));
    write(
        &overlay,
        "kustomization.yaml",
        "resources:\n  - ../base\ntransformers:\n  - platform.yaml\n",
    );
    overlay
}

fn container(sts: &Value) -> &Value {
    &sts["spec"]["template"]["spec"]["containers"][0]
}

fn reload_list(sts: &Value) -> Option<&str> {
    sts["metadata"]["annotations"]["secret.reloader.stakater.com/reload"].as_str()
}

fn write(dir: &Path, file: &str, text: &str) {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::write(dir.join(file), text).expect("write test file");
}

fn find<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"].as_str() == Some(kind))
        .unwrap_or_else(|| panic!("no {kind}"))
}

// ---------------------------------------------------------------------------------------
// Point 9: no version label that kustomize's `images:` would leave stale

#[cfg(feature = "e2e")]
#[test]
fn no_object_claims_a_version_after_images_pins_a_new_tag() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for parent in ["bases/orchestrator", "overlays/eks"] {
        let dir = tmp.path().join(parent.replace('/', "-"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let from = relative(&dir, &root().join(parent));
        write(
            &dir,
            "kustomization.yaml",
            &format!(
                "resources:\n  - {from}\nimages:\n  - name: strata/orchestrator\n    newName: registry.example.net/orchestrator\n    newTag: v9.9.9\n"
            ),
        );
        for (version, k) in kustomize_versions() {
            let docs = documents(&kustomize_build(&k, &dir));
            let sts = find(&docs, "StatefulSet");
            assert_eq!(
                sts["spec"]["template"]["spec"]["containers"][0]["image"].as_str(),
                Some("registry.example.net/orchestrator:v9.9.9"),
                "{parent} {version}"
            );
            let label = "app.kubernetes.io/version";
            for d in &docs {
                assert!(
                    d["metadata"]["labels"].get(label).is_none(),
                    "{parent} {version}: {d:?}"
                );
            }
            assert!(sts["spec"]["template"]["metadata"]["labels"].get(label).is_none());
        }
    }
}

// ---------------------------------------------------------------------------------------
// Point 6: rotation

const SECRETS: &str = "secrets: {storeRef: {name: vault}, values: [{name: idp.s, remoteRef: {key: k}}]}";

#[test]
fn the_tls_secret_is_in_the_reload_list_next_to_the_external_secret() {
    let sts = rendered_sts(&format!(
        "{{{SECRETS}, tls: {{termination: pod, secretName: cert-manager-tls}}}}"
    ));
    assert_eq!(reload_list(&sts), Some("maverics-secrets,cert-manager-tls"));
    let sts = rendered_sts("{tls: {termination: pod, secretName: cert-manager-tls}}");
    assert_eq!(reload_list(&sts), Some("cert-manager-tls"), "without spec.secrets too");
    let sts = rendered_sts("{tls: {termination: pod, secretName: c, reloadOnChange: false}}");
    assert_eq!(reload_list(&sts), None);
}

#[cfg(feature = "e2e")]
#[test]
fn rosa_reencrypt_puts_the_service_ca_secret_in_the_reload_list() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let spec = format!("{{namespace: maverics, {SECRETS}, tls: {{termination: pod, secretName: old-cert}}}}");
    // The service CA fills the Secret the platform config names, not the base's.
    let dir = platform_tree(tmp.path(), &spec, "rosa", |fc| {
        fc["spec"]["rosa"]["route"]["servingCertSecretName"] = "service-ca-cert".into();
    });
    for (version, k) in kustomize_versions() {
        let docs = documents(&kustomize_build(&k, &dir));
        let sts = find(&docs, "StatefulSet");
        assert_eq!(reload_list(sts), Some("maverics-secrets,service-ca-cert"), "{version}");
        let svc = docs
            .iter()
            .find(|d| d["kind"].as_str() == Some("Service") && d["metadata"]["name"].as_str() == Some("maverics"))
            .expect("Service");
        assert_eq!(
            svc["metadata"]["annotations"]["service.beta.openshift.io/serving-cert-secret-name"].as_str(),
            Some("service-ca-cert")
        );
    }
}

#[test]
fn on_delete_with_a_reload_list_is_a_warning_with_the_fix() {
    let (_, err, code) = render(&format!("{{{SECRETS}, pod: {{updateStrategy: OnDelete}}}}"));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("spec.pod.updateStrategy") && err.contains("OnDelete") && err.contains("RollingUpdate"),
        "{err}"
    );
    let (_, err, _) = render(
        "{secrets: {storeRef: {name: v}, values: [{name: a.b, remoteRef: {key: k}}], reloadOnChange: false}, \
         pod: {updateStrategy: OnDelete}}",
    );
    assert!(
        !err.contains("spec.pod.updateStrategy"),
        "nothing to reload, nothing to warn: {err}"
    );
}

#[test]
fn the_argocd_application_ignores_both_reloader_strategies_and_respects_it_on_sync() {
    let text = std::fs::read_to_string(root().join("gitops/argocd/application.yaml")).expect("application.yaml");
    let app = yaml(&text);
    assert_eq!(app["kind"].as_str(), Some("Application"));
    assert_eq!(
        app["spec"]["source"]["plugin"]["name"].as_str(),
        Some("maverics-krm-v1")
    );
    let ignore = app["spec"]["ignoreDifferences"]
        .as_sequence()
        .expect("ignoreDifferences");
    let sts = ignore
        .iter()
        .find(|i| i["kind"].as_str() == Some("StatefulSet") && i["group"].as_str() == Some("apps"))
        .expect("a StatefulSet entry");
    let paths: Vec<&str> = sts["jqPathExpressions"]
        .as_sequence()
        .expect("jqPathExpressions")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        paths
            .iter()
            .any(|p| p.contains("reloader.stakater.com/last-reloaded-from")),
        "{paths:?}"
    );
    assert!(paths.iter().any(|p| p.contains("STAKATER_")), "{paths:?}");
    let options: Vec<&str> = app["spec"]["syncPolicy"]["syncOptions"]
        .as_sequence()
        .expect("syncOptions")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(options.contains(&"RespectIgnoreDifferences=true"), "{options:?}");
    assert!(text.contains("--reload-strategy=annotations"));
}

// ---------------------------------------------------------------------------------------
// Point 7: affinity

fn affinity(spec: &str) -> Value {
    rendered_sts(spec)["spec"]["template"]["spec"]["affinity"].clone()
}

const NODE_AFFINITY: &str = "{requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: pool, operator: In, values: [sso]}]}]}}";

#[test]
fn a_node_affinity_keeps_the_default_anti_affinity() {
    let a = affinity(&format!("{{pod: {{affinity: {{nodeAffinity: {NODE_AFFINITY}}}}}}}"));
    assert_eq!(a["nodeAffinity"], yaml(NODE_AFFINITY));
    let term = &a["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0];
    assert_eq!(
        term["podAffinityTerm"]["topologyKey"].as_str(),
        Some("kubernetes.io/hostname")
    );
    assert_eq!(term["weight"].as_u64(), Some(100));
}

#[test]
fn a_users_pod_anti_affinity_replaces_the_default() {
    let mine = "{requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: topology.kubernetes.io/zone, labelSelector: {matchLabels: {a: b}}}]}";
    let a = affinity(&format!("{{pod: {{affinity: {{podAntiAffinity: {mine}}}}}}}"));
    assert_eq!(a["podAntiAffinity"], yaml(mine));
}

#[test]
fn node_spread_can_be_required() {
    let a = affinity("{pod: {spread: {nodes: required}}}");
    let anti = &a["podAntiAffinity"];
    assert!(
        anti["preferredDuringSchedulingIgnoredDuringExecution"].is_null(),
        "{anti:?}"
    );
    assert_eq!(
        anti["requiredDuringSchedulingIgnoredDuringExecution"][0]["topologyKey"].as_str(),
        Some("kubernetes.io/hostname")
    );
    let a = affinity("{}");
    assert!(a["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"].is_null());
    assert!(a["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"].is_sequence());
    let (_, err, code) = render("{pod: {spread: {nodes: always}}}");
    assert_ne!(code, 0);
    assert!(err.contains("spec.pod.spread.nodes"), "{err}");
}

// ---------------------------------------------------------------------------------------
// Point 8: draining

#[test]
fn the_drain_uses_the_sleep_action_from_1_30_and_exec_before_with_a_warning() {
    let (docs, err, code) = render("{}");
    assert_eq!(code, 0, "{err}");
    let sts = find(&docs, "StatefulSet");
    assert_eq!(container(sts)["lifecycle"], yaml("{preStop: {sleep: {seconds: 15}}}"));
    assert_eq!(
        sts["metadata"]["annotations"]["krm.maverics.dev/kubernetes-version"].as_str(),
        Some("1.30")
    );
    assert!(!err.contains("spec.kubernetesVersion"), "{err}");

    let (docs, err, code) = render("{kubernetesVersion: '1.29', pod: {drainSeconds: 20}}");
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        container(find(&docs, "StatefulSet"))["lifecycle"],
        yaml("{preStop: {exec: {command: [sleep, '20']}}}")
    );
    assert!(
        err.contains("warning") && err.contains("spec.kubernetesVersion") && err.contains("`sleep` binary"),
        "{err}"
    );

    let (docs, _, _) = render("{pod: {drainSeconds: 0}}");
    assert!(container(find(&docs, "StatefulSet"))["lifecycle"].is_null());
}

#[test]
fn a_bad_version_and_a_grace_period_inside_the_drain_are_errors() {
    let (docs, err, code) = render("{kubernetesVersion: thirty}");
    assert_ne!(code, 0);
    assert!(docs.is_empty(), "no partial output");
    assert!(
        err.contains("spec.kubernetesVersion") && err.contains("1.<minor>"),
        "{err}"
    );
    let (_, err, code) = render("{pod: {drainSeconds: 30, terminationGracePeriodSeconds: 30}}");
    assert_ne!(code, 0);
    assert!(
        err.contains("spec.pod.terminationGracePeriodSeconds") && err.contains("at least 45"),
        "{err}"
    );
}

#[test]
fn the_base_alb_deregisters_within_the_drain() {
    let (docs, err, code) = render("{ingress: {enabled: true, className: alb}, pod: {drainSeconds: 25}}");
    assert_eq!(code, 0, "{err}");
    let attrs = find(&docs, "Ingress")["metadata"]["annotations"]["alb.ingress.kubernetes.io/target-group-attributes"]
        .as_str()
        .expect("target group attributes")
        .to_owned();
    assert!(attrs.contains("deregistration_delay.timeout_seconds=25"), "{attrs}");
    assert!(attrs.contains("stickiness.enabled=true"), "{attrs}");
}

#[cfg(feature = "e2e")]
#[test]
fn every_layer_reads_the_version_from_the_base() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // EKS: the ALB's deregistration delay, in the form of the base's version.
    for (base_version, want) in [
        ("'1.31'", "{preStop: {sleep: {seconds: 30}}}"),
        ("'1.29'", "{preStop: {exec: {command: [sleep, '30']}}}"),
    ] {
        let dir = platform_tree(
            &tmp.path().join(base_version.trim_matches('\'')),
            &format!("{{namespace: maverics, kubernetesVersion: {base_version}}}"),
            "eks",
            |_| {},
        );
        for (version, k) in kustomize_versions() {
            let (out, err) = common::kustomize_build_reporting(&k, &dir);
            let docs = documents(&out);
            let sts = find(&docs, "StatefulSet");
            assert_eq!(container(sts)["lifecycle"], yaml(want), "{base_version} {version}");
            assert!(sts["spec"]["template"]["spec"]["terminationGracePeriodSeconds"].as_i64() >= Some(45));
            if base_version == "'1.29'" {
                assert!(
                    err.contains("spec.eks.ingress.deregistrationDelaySeconds"),
                    "{version}: {err}"
                );
            }
        }
    }
    // AKS: `drainSeconds` (the controller takes the pod out of rotation), in the base's form.
    let dir = platform_tree(
        &tmp.path().join("aks-1.29"),
        "{namespace: maverics, kubernetesVersion: '1.29', pod: {drainSeconds: 3}}",
        "aks",
        |fc| fc["spec"]["aks"]["ingress"]["drainSeconds"] = 40.into(),
    );
    for (version, k) in kustomize_versions() {
        let (out, err) = common::kustomize_build_reporting(&k, &dir);
        let sts = find(&documents(&out), "StatefulSet").clone();
        assert_eq!(
            container(&sts)["lifecycle"],
            yaml("{preStop: {exec: {command: [sleep, '40']}}}"),
            "{version}"
        );
        assert!(sts["spec"]["template"]["spec"]["terminationGracePeriodSeconds"].as_i64() >= Some(55));
        assert!(err.contains("spec.aks.ingress.drainSeconds"), "{version}: {err}");
    }
    // ROSA: the router's drain, even when the base asked for less.
    let dir = platform_tree(
        &tmp.path().join("rosa-short"),
        "{namespace: maverics, pod: {drainSeconds: 3}}",
        "rosa",
        |_| {},
    );
    for (version, k) in kustomize_versions() {
        let docs = documents(&kustomize_build(&k, &dir));
        assert_eq!(
            container(find(&docs, "StatefulSet"))["lifecycle"],
            yaml("{preStop: {sleep: {seconds: 15}}}"),
            "{version}"
        );
    }
}
