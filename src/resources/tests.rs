//! Unit tests of the resource builders.

use super::*;
use crate::k8s::labels::{LABEL_INSTANCE, LABEL_MANAGED_BY, LABEL_NAME, MANAGED_BY};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Container, PodSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const HEAD: &str = "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata:\n  name: maverics\n";

const BASE: &str = include_str!("../../bases/orchestrator/orchestrator.yaml");

fn read(doc: &str) -> Orchestrator {
    let value: Value = serde_yaml::from_str(doc).unwrap_or_else(|e| panic!("test YAML does not parse: {e}\n{doc}"));
    Orchestrator::from_value(&value, None).unwrap_or_else(|ds| {
        let all: String = ds.iter().map(|d| format!("  {d}\n")).collect();
        panic!("config does not parse:\n{all}{doc}")
    })
}

/// An `Orchestrator` named `maverics` with `rest` (usually `spec: ...`) after its metadata.
fn orch(rest: &str) -> Orchestrator {
    read(&format!("{HEAD}{rest}"))
}

fn base() -> Orchestrator {
    read(BASE)
}

/// The base config and every golden config, by name.
fn all_configs() -> Vec<(String, Orchestrator)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/configs");
    let mut out = vec![("bases/orchestrator/orchestrator.yaml".to_owned(), base())];
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("golden configs dir")
        .map(|e| e.expect("entry").path())
        .collect();
    paths.sort();
    for p in paths {
        let text = std::fs::read_to_string(&p).expect("read config");
        out.push((p.display().to_string(), read(&text)));
    }
    assert!(out.len() >= 5, "expected the base and the golden configs");
    out
}

fn files(o: &Orchestrator) -> Vec<&'static str> {
    generate(o).iter().map(|g| g.file).collect()
}

fn kind(v: &Value) -> &str {
    v["kind"].as_str().unwrap_or_default()
}

/// The one generated object of `kind`, if any.
fn object(o: &Orchestrator, k: &str) -> Option<Value> {
    let found: Vec<Value> = generate(o)
        .into_iter()
        .map(|g| g.object)
        .filter(|v| kind(v) == k)
        .collect();
    assert!(found.len() <= 1, "more than one {k}");
    found.into_iter().next()
}

fn sts(o: &Orchestrator) -> StatefulSet {
    statefulset::build(&Inputs::new(o))
}

fn pod(s: &StatefulSet) -> &PodSpec {
    s.spec.as_ref().unwrap().template.spec.as_ref().unwrap()
}

fn container(s: &StatefulSet) -> &Container {
    let p = pod(s);
    assert_eq!(p.containers.len(), 1);
    &p.containers[0]
}

fn env(c: &Container) -> BTreeMap<String, String> {
    c.env
        .iter()
        .flatten()
        .map(|e| (e.name.clone(), e.value.clone().unwrap_or_default()))
        .collect()
}

fn checksum(o: &Orchestrator) -> String {
    let s = sts(o);
    let meta = s.spec.unwrap().template.metadata.unwrap();
    meta.annotations.unwrap()["checksum/config"].clone()
}

fn str_keys(v: &Value) -> Vec<String> {
    v.as_mapping()
        .map(|m| m.keys().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Whether `needle` occurs as a mapping key anywhere in `v`.
fn has_key_anywhere(v: &Value, needle: &str) -> bool {
    match v {
        Value::Mapping(m) => m
            .iter()
            .any(|(k, v)| k.as_str() == Some(needle) || has_key_anywhere(v, needle)),
        Value::Sequence(s) => s.iter().any(|v| has_key_anywhere(v, needle)),
        Value::Tagged(t) => has_key_anywhere(&t.value, needle),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------
// Output order

const BASE_FILES: [&str; 10] = [
    "namespace.yaml",
    "serviceaccount.yaml",
    "configmap.yaml",
    "externalsecret.yaml",
    "service.yaml",
    "service-headless.yaml",
    "statefulset.yaml",
    "poddisruptionbudget.yaml",
    "horizontalpodautoscaler.yaml",
    "networkpolicy.yaml",
];

#[test]
fn the_base_generates_its_objects_in_a_fixed_order_and_files() {
    let out = generate(&base());
    let got: Vec<(&str, &str, &str)> = out
        .iter()
        .map(|g| (g.file, kind(&g.object), g.object["metadata"]["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("namespace.yaml", "Namespace", "maverics"),
            ("serviceaccount.yaml", "ServiceAccount", "maverics"),
            ("configmap.yaml", "ConfigMap", "maverics-config"),
            ("externalsecret.yaml", "ExternalSecret", "maverics-secrets"),
            ("service.yaml", "Service", "maverics"),
            ("service-headless.yaml", "Service", "maverics-headless"),
            ("statefulset.yaml", "StatefulSet", "maverics"),
            ("poddisruptionbudget.yaml", "PodDisruptionBudget", "maverics"),
            ("horizontalpodautoscaler.yaml", "HorizontalPodAutoscaler", "maverics"),
            ("networkpolicy.yaml", "NetworkPolicy", "maverics"),
        ]
    );
    assert_eq!(generate(&base()), out, "generation is deterministic");
}

#[test]
fn an_enabled_ingress_comes_last() {
    let mut o = base();
    o.spec.ingress.enabled = true;
    let mut want = BASE_FILES.to_vec();
    want.push("ingress.yaml");
    assert_eq!(files(&o), want);
    assert_eq!(kind(&generate(&o).last().unwrap().object), "Ingress");
}

#[test]
fn optional_objects_drop_out_without_changing_the_order() {
    // No secrets, autoscaling off with one replica, no network policy.
    let o = orch("spec: {replicas: 1, autoscaling: {enabled: false}, networkPolicy: {enabled: false}}");
    assert_eq!(
        files(&o),
        [
            "serviceaccount.yaml",
            "configmap.yaml",
            "service.yaml",
            "service-headless.yaml",
            "statefulset.yaml"
        ]
    );
}

#[test]
fn every_object_has_api_version_kind_and_a_distinct_file() {
    for (name, o) in all_configs() {
        let out = generate(&o);
        let distinct: BTreeSet<&str> = out.iter().map(|g| g.file).collect();
        assert_eq!(distinct.len(), out.len(), "{name}: file names repeat");
        for g in &out {
            assert!(
                g.object["apiVersion"].as_str().is_some_and(|s| !s.is_empty()),
                "{name}: {}",
                g.file
            );
            assert!(!kind(&g.object).is_empty(), "{name}: {}", g.file);
        }
    }
}

// ---------------------------------------------------------------------------------------
// StatefulSet

#[test]
fn the_statefulset_leaves_the_replica_count_to_the_hpa_when_autoscaling() {
    let s = to_value(&sts(&base()));
    assert!(
        s["spec"].get("replicas").is_none(),
        "replicas must be absent with autoscaling"
    );
    let s = sts(&orch("spec: {replicas: 3, autoscaling: {enabled: false}}"));
    assert_eq!(s.spec.unwrap().replicas, Some(3));
}

#[test]
fn the_statefulset_is_governed_by_the_headless_service() {
    let o = base();
    let out = generate(&o);
    let headless = out
        .iter()
        .find(|g| g.file == "service-headless.yaml")
        .map(|g| &g.object)
        .unwrap();
    assert_eq!(headless["spec"]["clusterIP"].as_str(), Some("None"));
    let s = sts(&o);
    assert_eq!(
        s.spec.unwrap().service_name.as_deref(),
        headless["metadata"]["name"].as_str()
    );
}

#[test]
fn pods_start_and_stop_in_parallel() {
    assert_eq!(
        sts(&base()).spec.unwrap().pod_management_policy.as_deref(),
        Some("Parallel")
    );
}

#[test]
fn the_selector_holds_only_name_and_instance() {
    let want = BTreeMap::from([
        (LABEL_NAME.to_owned(), "maverics-orchestrator".to_owned()),
        (LABEL_INSTANCE.to_owned(), "maverics".to_owned()),
    ]);
    for (name, o) in all_configs() {
        let s = sts(&o);
        let spec = s.spec.unwrap();
        assert!(spec.selector.match_expressions.is_none(), "{name}");
        let sel = spec.selector.match_labels.unwrap();
        assert_eq!(
            sel.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>(),
            "{name}"
        );
        assert!(!sel.contains_key("app.kubernetes.io/version"), "{name}");
        // The template carries every selector label.
        let labels = spec.template.metadata.unwrap().labels.unwrap();
        for (k, v) in &sel {
            assert_eq!(labels.get(k), Some(v), "{name}: {k}");
        }
    }
    // A new image version leaves the (immutable) selector unchanged.
    let a = sts(&orch("spec: {image: {tag: v1}}")).spec.unwrap().selector;
    let b = sts(&orch("spec: {image: {tag: v2}}")).spec.unwrap().selector;
    assert_eq!(a, b);
    assert_eq!(a.match_labels.unwrap(), want);
}

#[test]
fn the_pod_runs_with_a_restricted_security_context() {
    let s = sts(&base());
    let c = container(&s);
    let sc = c.security_context.as_ref().expect("container securityContext");
    assert_eq!(sc.run_as_non_root, Some(true));
    assert_eq!(sc.allow_privilege_escalation, Some(false));
    assert_eq!(sc.privileged, Some(false));
    assert_eq!(sc.read_only_root_filesystem, Some(true));
    assert_eq!(
        sc.seccomp_profile.as_ref().map(|p| p.type_.as_str()),
        Some("RuntimeDefault")
    );
    let caps = sc.capabilities.as_ref().expect("capabilities");
    assert_eq!(caps.drop.as_deref(), Some(&["ALL".to_owned()][..]));
    assert!(caps.add.is_none());
    assert!(sc.run_as_user.is_some_and(|u| u >= 10000));

    let psc = pod(&s).security_context.as_ref().expect("pod securityContext");
    assert_eq!(psc.run_as_non_root, Some(true));
    assert_eq!(
        psc.seccomp_profile.as_ref().map(|p| p.type_.as_str()),
        Some("RuntimeDefault")
    );
    assert_eq!(pod(&s).automount_service_account_token, Some(false));
}

#[test]
fn tmp_is_a_writable_empty_dir_on_a_read_only_root() {
    let s = sts(&base());
    let tmp = pod(&s)
        .volumes
        .iter()
        .flatten()
        .find(|v| v.name == "tmp")
        .expect("tmp volume");
    assert!(tmp.empty_dir.is_some(), "tmp is an emptyDir");
    let c = container(&s);
    let m = c
        .volume_mounts
        .iter()
        .flatten()
        .find(|m| m.name == "tmp")
        .expect("tmp mount");
    assert_eq!(m.mount_path, "/tmp");
    assert_ne!(m.read_only, Some(true));
    assert_eq!(env(c).get("TMPDIR").map(String::as_str), Some("/tmp"));
}

fn probe_paths_and_schemes(o: &Orchestrator) -> Vec<(String, String, IntOrString)> {
    let s = sts(o);
    let c = container(&s);
    [&c.startup_probe, &c.readiness_probe, &c.liveness_probe]
        .into_iter()
        .map(|p| {
            let get = p.as_ref().expect("probe").http_get.as_ref().expect("httpGet probe");
            (
                get.path.clone().unwrap_or_default(),
                get.scheme.clone().unwrap_or_default(),
                get.port.clone(),
            )
        })
        .collect()
}

#[test]
fn probes_check_status_over_http_by_default() {
    for (path, scheme, port) in probe_paths_and_schemes(&base()) {
        assert_eq!(path, "/status");
        assert_eq!(scheme, "HTTP");
        assert_eq!(port, IntOrString::String(service::PORT_NAME.into()));
    }
}

#[test]
fn probes_follow_the_configured_health_location() {
    for config in ["{health: {location: /healthz}}", "{health.location: /healthz}"] {
        let o = orch(&format!("spec: {{config: {config}}}"));
        for (path, _, _) in probe_paths_and_schemes(&o) {
            assert_eq!(path, "/healthz", "{config}");
        }
    }
}

#[test]
fn probes_use_https_when_tls_terminates_in_the_pod() {
    let o = orch("spec: {tls: {termination: pod, secretName: cert}}");
    for (_, scheme, _) in probe_paths_and_schemes(&o) {
        assert_eq!(scheme, "HTTPS");
    }
}

#[test]
fn the_listen_address_matches_the_port() {
    let o = orch("spec: {port: 9080}");
    let s = sts(&o);
    let c = container(&s);
    assert_eq!(env(c)["MAVERICS_HTTP_ADDRESS"], "0.0.0.0:9080");
    let ports = c.ports.as_ref().unwrap();
    assert_eq!(ports.len(), 1);
    assert_eq!(ports[0].container_port, 9080);
    assert_eq!(ports[0].name.as_deref(), Some(service::PORT_NAME));
    let services: Vec<_> = generate(&o)
        .into_iter()
        .filter(|g| kind(&g.object) == "Service")
        .collect();
    assert_eq!(services.len(), 2);
    for g in &services {
        assert_eq!(g.object["spec"]["ports"][0]["port"].as_i64(), Some(9080), "{}", g.file);
    }
    assert_eq!(env(container(&sts(&base())))["MAVERICS_HTTP_ADDRESS"], "0.0.0.0:8080");
}

#[test]
fn maverics_config_is_the_mounted_config_map_file() {
    let o = base();
    let s = sts(&o);
    let c = container(&s);
    let config_map = object(&o, "ConfigMap").unwrap();
    let cm_name = config_map["metadata"]["name"].as_str().unwrap();
    let volume = pod(&s)
        .volumes
        .iter()
        .flatten()
        .find(|v| v.config_map.as_ref().is_some_and(|cm| cm.name == cm_name))
        .expect("a volume of the generated ConfigMap");
    let m = c
        .volume_mounts
        .iter()
        .flatten()
        .find(|m| m.name == volume.name)
        .expect("the ConfigMap is mounted");
    assert_eq!(m.read_only, Some(true));
    assert_eq!(env(c)["MAVERICS_CONFIG"], format!("{}/maverics.yaml", m.mount_path));
    assert!(config_map["data"].get("maverics.yaml").is_some());
}

#[test]
fn secrets_are_mounted_read_only_as_files_never_as_env() {
    let o = base();
    let s = sts(&o);
    let c = container(&s);
    let es = object(&o, "ExternalSecret").unwrap();
    let target = es["spec"]["target"]["name"].as_str().unwrap();
    let volume = pod(&s)
        .volumes
        .iter()
        .flatten()
        .find(|v| v.secret.as_ref().and_then(|s| s.secret_name.as_deref()) == Some(target))
        .expect("a volume of the ExternalSecret's target Secret");
    let m = c
        .volume_mounts
        .iter()
        .flatten()
        .find(|m| m.name == volume.name)
        .expect("the Secret is mounted");
    assert_eq!(m.read_only, Some(true));
    let e = env(c);
    assert_eq!(
        e["MAVERICS_SECRET_PROVIDER"],
        format!("secretfile://{}/secrets.yaml", m.mount_path)
    );
    assert_eq!(e["MAVERICS_LICENSE"], format!("{}/license", m.mount_path));

    for (name, o) in all_configs() {
        for g in generate(&o) {
            assert!(!has_key_anywhere(&g.object, "envFrom"), "{name}: {}", g.file);
        }
        // The only secret variables are the ones the orchestrator can read in no other way
        // (a remote config source's JSON, the cluster PSK its config interpolates), and they
        // come from the ExternalSecret's own Secret, never from another one.
        let s = sts(&o);
        let declared: Vec<String> = o
            .spec
            .secrets
            .iter()
            .flat_map(|s| s.env.iter().map(|e| e.name.clone()))
            .chain(
                o.spec
                    .clustering
                    .enabled
                    .then(|| "MAVERICS_CLUSTERS_PRIMARY_SECURITY_PSK".to_owned()),
            )
            .collect();
        for e in container(&s).env.iter().flatten() {
            if let Some(r) = e.value_from.as_ref().and_then(|f| f.secret_key_ref.as_ref()) {
                assert!(declared.contains(&e.name), "{name}: {} reads a Secret", e.name);
                assert_eq!(r.name, format!("{}-secrets", o.name()), "{name}: {}", e.name);
            }
        }
    }
}

#[test]
fn tls_in_the_pod_points_the_orchestrator_at_the_certificate_files() {
    let o = orch(
        "spec: {tls: {termination: pod}, secrets: {storeRef: {name: vault}, \
         tls: {certificate: {key: c}, privateKey: {key: k}}}}",
    );
    let e = env(container(&sts(&o)));
    assert_eq!(e["MAVERICS_TLS_SERVER_CERT_FILE"], "/etc/maverics/secrets/tls.crt");
    assert_eq!(e["MAVERICS_TLS_SERVER_KEY_FILE"], "/etc/maverics/secrets/tls.key");

    let o = orch("spec: {tls: {termination: pod, secretName: serving-cert}}");
    let s = sts(&o);
    let vol = pod(&s)
        .volumes
        .iter()
        .flatten()
        .find(|v| v.secret.as_ref().and_then(|s| s.secret_name.as_deref()) == Some("serving-cert"))
        .expect("the serving certificate Secret is a volume");
    let c = container(&s);
    let m = c.volume_mounts.iter().flatten().find(|m| m.name == vol.name).unwrap();
    assert_eq!(m.read_only, Some(true));
    let e = env(c);
    assert_eq!(e["MAVERICS_TLS_SERVER_CERT_FILE"], format!("{}/tls.crt", m.mount_path));
    assert_eq!(e["MAVERICS_TLS_SERVER_KEY_FILE"], format!("{}/tls.key", m.mount_path));

    let e = env(container(&sts(&base())));
    assert!(
        !e.contains_key("MAVERICS_TLS_SERVER_CERT_FILE"),
        "edge TLS sets no server certificate"
    );
}

#[test]
fn the_config_checksum_changes_with_the_config() {
    let a = checksum(&orch("spec: {config: {version: 0.0.1, logger: {level: info}}}"));
    let b = checksum(&orch("spec: {config: {version: 0.0.1, logger: {level: debug}}}"));
    assert_ne!(a, b);
    assert_eq!(a.len(), 64);
    assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
}

#[test]
fn the_config_checksum_ignores_key_order() {
    let a = checksum(&orch(
        "spec: {config: {version: 0.0.1, logger: {level: info, jsonOutput: true}, apps: [{name: a, type: proxy}]}}",
    ));
    let b = checksum(&orch(
        "spec: {config: {apps: [{type: proxy, name: a}], logger: {jsonOutput: true, level: info}, version: 0.0.1}}",
    ));
    assert_eq!(a, b);
}

#[test]
fn the_config_checksum_ignores_everything_but_the_config() {
    let a = checksum(&orch("spec: {port: 8080}"));
    let b = checksum(&orch("spec: {port: 9090, replicas: 4}"));
    assert_eq!(a, b);
}

#[test]
fn pods_get_120_seconds_to_drain() {
    assert_eq!(pod(&sts(&base())).termination_grace_period_seconds, Some(120));
}

#[test]
fn replicas_prefer_different_nodes_and_spread_across_zones() {
    let o = base();
    let inputs = Inputs::new(&o);
    let s = sts(&o);
    let p = pod(&s);
    let anti = p
        .affinity
        .as_ref()
        .and_then(|a| a.pod_anti_affinity.as_ref())
        .expect("pod anti-affinity");
    let preferred = anti
        .preferred_during_scheduling_ignored_during_execution
        .as_ref()
        .unwrap();
    assert_eq!(preferred.len(), 1);
    assert_eq!(preferred[0].pod_affinity_term.topology_key, "kubernetes.io/hostname");
    assert_eq!(preferred[0].pod_affinity_term.label_selector, Some(inputs.selector()));
    // Preferred, not required: a small cluster must still schedule every replica.
    assert!(anti.required_during_scheduling_ignored_during_execution.is_none());

    let spread = p.topology_spread_constraints.as_ref().unwrap();
    assert_eq!(spread.len(), 1);
    assert_eq!(spread[0].topology_key, "topology.kubernetes.io/zone");
    assert_eq!(spread[0].when_unsatisfiable, "ScheduleAnyway");
    assert_eq!(spread[0].label_selector, Some(inputs.selector()));
}

#[test]
fn the_statefulset_is_reloaded_on_secret_change_only_when_asked() {
    let o = base();
    let s = sts(&o);
    let ann = s.metadata.annotations.unwrap();
    assert_eq!(ann["secret.reloader.stakater.com/reload"], "maverics-secrets");
    let mut o = base();
    o.spec.secrets.as_mut().unwrap().reload_on_change = false;
    let ann = sts(&o).metadata.annotations.unwrap_or_default();
    assert!(!ann.contains_key("secret.reloader.stakater.com/reload"), "{ann:?}");
}

// ---------------------------------------------------------------------------------------
// ConfigMap

#[test]
fn the_config_map_holds_maverics_yaml_with_keys_sorted() {
    let o = orch("spec: {config: {zeta: 1, alpha: {b: 2, a: 1}, list: [{d: 1, c: 2}], version: 0.0.1}}");
    let cm = configmap::build(&Inputs::new(&o)).expect("the default source generates the ConfigMap");
    let data = cm.data.unwrap();
    assert_eq!(data.keys().collect::<Vec<_>>(), ["maverics.yaml"]);
    assert_eq!(
        data["maverics.yaml"],
        "alpha:\n  a: 1\n  b: 2\nlist:\n- c: 2\n  d: 1\nversion: '0.0.1'\nzeta: 1\n"
    );
}

// ---------------------------------------------------------------------------------------
// Labels and namespace

const FIVE_LABELS: [&str; 5] = [
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
];

#[test]
fn every_object_carries_the_recommended_labels_but_no_version() {
    for (name, o) in all_configs() {
        for g in generate(&o) {
            let labels = &g.object["metadata"]["labels"];
            let keys: BTreeSet<String> = str_keys(labels).into_iter().collect();
            let mut want: BTreeSet<String> = FIVE_LABELS.iter().map(|s| (*s).to_owned()).collect();
            if kind(&g.object) == "Namespace" {
                // Pod Security admission reads its level from the namespace's labels.
                want.extend(["audit", "enforce", "warn"].map(|m| format!("pod-security.kubernetes.io/{m}")));
            }
            assert_eq!(keys, want, "{name}: {}", g.file);
            assert_eq!(labels[LABEL_INSTANCE].as_str(), Some(o.name()), "{name}: {}", g.file);
            assert_eq!(
                labels[LABEL_MANAGED_BY].as_str(),
                Some(MANAGED_BY),
                "{name}: {}",
                g.file
            );
        }
    }
}

#[test]
fn a_digest_only_image_is_referenced_by_its_digest() {
    let digest = format!("sha256:{}", "0123456789abcdef".repeat(4));
    let o = orch(&format!("spec: {{image: {{tag: null, digest: \"{digest}\"}}}}"));
    assert_eq!(
        container(&sts(&o)).image.as_deref(),
        Some(format!("strata/orchestrator@{digest}").as_str())
    );
}

#[test]
fn every_object_is_in_the_configured_namespace() {
    let o = orch("spec: {namespace: identity, ingress: {enabled: true}}");
    for g in generate(&o).into_iter().filter(|g| kind(&g.object) != "Namespace") {
        assert_eq!(
            g.object["metadata"]["namespace"].as_str(),
            Some("identity"),
            "{}",
            g.file
        );
    }
}

#[test]
fn no_namespace_is_set_when_the_config_sets_none() {
    let o = orch("spec: {ingress: {enabled: true}}");
    assert!(o.spec.namespace.is_none());
    for g in generate(&o) {
        assert!(g.object["metadata"].get("namespace").is_none(), "{}", g.file);
    }
}

// ---------------------------------------------------------------------------------------
// PodDisruptionBudget

fn pdb(o: &Orchestrator) -> Option<Value> {
    object(o, "PodDisruptionBudget")
}

#[test]
fn a_pdb_allows_one_pod_down_when_more_than_one_can_run() {
    for o in [
        orch(""),
        orch("spec: {replicas: 2, autoscaling: {enabled: false}}"),
        orch("spec: {autoscaling: {minReplicas: 1, maxReplicas: 3}}"),
    ] {
        let p = pdb(&o).expect("a PDB");
        assert_eq!(p["spec"]["maxUnavailable"].as_i64(), Some(1));
        assert!(p["spec"].get("minAvailable").is_none());
        assert_eq!(
            p["spec"]["selector"],
            to_value(&Inputs::new(&o).selector()),
            "the PDB selects the orchestrator pods"
        );
    }
}

#[test]
fn no_pdb_with_a_single_fixed_replica() {
    assert!(pdb(&orch("spec: {replicas: 1, autoscaling: {enabled: false}}")).is_none());
    assert!(pdb(&orch("spec: {autoscaling: {minReplicas: 1, maxReplicas: 1}}")).is_none());
}

#[test]
fn an_explicitly_disabled_pdb_is_not_generated() {
    assert!(pdb(&orch("spec: {podDisruptionBudget: {enabled: false}}")).is_none());
    assert!(
        pdb(&orch(
            "spec: {podDisruptionBudget: {enabled: false, maxUnavailable: 2}}"
        ))
        .is_none()
    );
}

#[test]
fn an_explicitly_enabled_pdb_is_generated_even_for_one_replica() {
    let o = orch("spec: {replicas: 1, autoscaling: {enabled: false}, podDisruptionBudget: {enabled: true}}");
    assert!(pdb(&o).is_some());
}

#[test]
fn a_configured_budget_replaces_the_default() {
    let p = pdb(&orch("spec: {podDisruptionBudget: {minAvailable: 1}}")).unwrap();
    assert_eq!(p["spec"]["minAvailable"].as_i64(), Some(1));
    assert!(p["spec"].get("maxUnavailable").is_none());
    let p = pdb(&orch("spec: {podDisruptionBudget: {maxUnavailable: \"50%\"}}")).unwrap();
    assert_eq!(p["spec"]["maxUnavailable"].as_str(), Some("50%"));
}

// ---------------------------------------------------------------------------------------
// HorizontalPodAutoscaler

fn hpa(o: &Orchestrator) -> Option<Value> {
    object(o, "HorizontalPodAutoscaler")
}

#[test]
fn the_hpa_scales_the_statefulset() {
    let o = base();
    let h = hpa(&o).unwrap();
    assert_eq!(h["apiVersion"].as_str(), Some("autoscaling/v2"));
    let target = &h["spec"]["scaleTargetRef"];
    assert_eq!(target["apiVersion"].as_str(), Some("apps/v1"));
    assert_eq!(target["kind"].as_str(), Some("StatefulSet"));
    assert_eq!(target["name"], object(&o, "StatefulSet").unwrap()["metadata"]["name"]);
    assert_eq!(h["spec"]["minReplicas"].as_i64(), Some(2));
    assert_eq!(h["spec"]["maxReplicas"].as_i64(), Some(5));
}

#[test]
fn no_hpa_when_autoscaling_is_off() {
    assert!(hpa(&orch("spec: {autoscaling: {enabled: false}}")).is_none());
}

fn metrics(h: &Value) -> Vec<(String, i64)> {
    h["spec"]["metrics"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(m["type"].as_str(), Some("Resource"));
            assert_eq!(m["resource"]["target"]["type"].as_str(), Some("Utilization"));
            (
                m["resource"]["name"].as_str().unwrap().to_owned(),
                m["resource"]["target"]["averageUtilization"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_hpa_measures_memory_only_when_configured() {
    let h = hpa(&orch("")).unwrap();
    assert_eq!(metrics(&h), [("cpu".to_owned(), 70)]);
    let h = hpa(&orch(
        "spec: {autoscaling: {targetCPUUtilizationPercentage: 60, targetMemoryUtilizationPercentage: 80}}",
    ))
    .unwrap();
    assert_eq!(metrics(&h), [("cpu".to_owned(), 60), ("memory".to_owned(), 80)]);
}

#[test]
fn the_hpa_scales_down_as_configured() {
    let h = hpa(&orch("")).unwrap();
    let down = &h["spec"]["behavior"]["scaleDown"];
    assert_eq!(down["stabilizationWindowSeconds"].as_i64(), Some(600));
    assert_eq!(down["policies"][0]["type"].as_str(), Some("Pods"));
    assert_eq!(down["policies"][0]["value"].as_i64(), Some(1));
    assert_eq!(down["policies"][0]["periodSeconds"].as_i64(), Some(300));

    let h = hpa(&orch(
        "spec: {autoscaling: {scaleDown: {stabilizationWindowSeconds: 120, podsPerPeriod: 2, periodSeconds: 60}}}",
    ))
    .unwrap();
    let down = &h["spec"]["behavior"]["scaleDown"];
    assert_eq!(down["stabilizationWindowSeconds"].as_i64(), Some(120));
    assert_eq!(down["policies"].as_sequence().unwrap().len(), 1);
    assert_eq!(down["policies"][0]["value"].as_i64(), Some(2));
    assert_eq!(down["policies"][0]["periodSeconds"].as_i64(), Some(60));
}

// ---------------------------------------------------------------------------------------
// NetworkPolicy

const NARROW: &str = "spec: {port: 9080, networkPolicy: {\
    ingressFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}], \
    egress: [{to: [{ipBlock: {cidr: 10.0.0.0/16}}], ports: [{port: 6379, protocol: TCP}]}, \
             {ports: [{port: 443, protocol: TCP}]}]}}";

#[test]
fn the_network_policy_governs_both_directions() {
    let np = object(&base(), "NetworkPolicy").unwrap();
    let types: Vec<&str> = np["spec"]["policyTypes"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(types, ["Ingress", "Egress"]);
    assert_eq!(np["spec"]["podSelector"], to_value(&Inputs::new(&base()).selector()));
}

#[test]
fn dns_egress_comes_first_then_the_configured_rules() {
    let o = orch(NARROW);
    let np = object(&o, "NetworkPolicy").unwrap();
    let egress = np["spec"]["egress"].as_sequence().unwrap();
    assert_eq!(egress.len(), 3);
    let dns = &egress[0];
    let ports: Vec<(i64, &str)> = dns["ports"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|p| (p["port"].as_i64().unwrap(), p["protocol"].as_str().unwrap()))
        .collect();
    assert_eq!(ports, [(53, "UDP"), (53, "TCP")]);
    assert_eq!(
        dns["to"][0]["podSelector"]["matchLabels"]["k8s-app"].as_str(),
        Some("kube-dns")
    );
    assert_eq!(dns["to"].as_sequence().unwrap().len(), 1);
    assert_eq!(egress[1]["to"][0]["ipBlock"]["cidr"].as_str(), Some("10.0.0.0/16"));
    assert_eq!(egress[1]["ports"][0]["port"].as_i64(), Some(6379));
    assert_eq!(egress[2]["ports"][0]["port"].as_i64(), Some(443));
    assert!(egress[2].get("to").is_none());
}

#[test]
fn in_cluster_egress_opens_the_pods_port_when_the_config_states_it() {
    let c = "config: {version: 0.0.1, apps: [{upstream: 'http://web.apps.svc:80'}]}";
    let rule = |o: &Orchestrator| {
        let np = object(o, "NetworkPolicy").unwrap();
        let why = annotations(&np)["krm.maverics.dev/why-egress-1"].clone();
        (np["spec"]["egress"][1]["ports"][0]["port"].as_i64(), why)
    };
    let (port, why) = rule(&orch(&format!("spec: {{{c}}}")));
    assert_eq!(port, Some(80));
    assert!(why.contains(super::GUESSED_TARGET_PORT), "{why}");
    let o = orch(&format!(
        "spec: {{{c}, networkPolicy: {{upstreamPorts: [{{service: web.apps, port: 80, targetPort: 8080}}]}}}}"
    ));
    let (port, why) = rule(&o);
    assert_eq!(port, Some(8080));
    assert!(!why.contains(super::GUESSED_TARGET_PORT), "{why}");
}

#[test]
fn dns_egress_is_pinned_to_kube_system_by_its_name_label() {
    let np = object(&base(), "NetworkPolicy").unwrap();
    let to = &np["spec"]["egress"][0]["to"];
    assert_eq!(
        to[0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"].as_str(),
        Some("kube-system")
    );
    assert_eq!(to.as_sequence().unwrap().len(), 1, "{to:?}");
}

#[test]
fn node_local_dns_cache_adds_its_link_local_address() {
    let np = object(
        &orch("spec: {networkPolicy: {dns: {nodeLocalCache: true}}}"),
        "NetworkPolicy",
    )
    .unwrap();
    let to = &np["spec"]["egress"][0]["to"];
    assert_eq!(to[1]["ipBlock"]["cidr"].as_str(), Some("169.254.20.10/32"));
    assert!(to[1].get("podSelector").is_none() && to[1].get("namespaceSelector").is_none());
    assert_eq!(np["spec"]["egress"][0]["ports"][0]["port"].as_i64(), Some(53));
}

#[test]
fn the_network_policy_admits_clients_on_the_orchestrator_port_only() {
    let np = object(&orch(NARROW), "NetworkPolicy").unwrap();
    let ingress = np["spec"]["ingress"].as_sequence().unwrap();
    assert_eq!(ingress.len(), 1);
    assert_eq!(ingress[0]["ports"][0]["port"].as_i64(), Some(9080));
    assert_eq!(ingress[0]["ports"][0]["protocol"].as_str(), Some("TCP"));
    assert_eq!(
        ingress[0]["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"].as_str(),
        Some("ingress-nginx")
    );
    // Without ingressFrom, any source may reach the port (and only the port).
    let np = object(&base(), "NetworkPolicy").unwrap();
    let ingress = &np["spec"]["ingress"][0];
    assert!(ingress.get("from").is_none());
    assert_eq!(ingress["ports"][0]["port"].as_i64(), Some(8080));
}

#[test]
fn each_network_policy_rule_has_a_why_annotation() {
    for o in [base(), orch(NARROW), orch("spec: {networkPolicy: {egress: []}}")] {
        let np = object(&o, "NetworkPolicy").unwrap();
        let n_in = np["spec"]["ingress"].as_sequence().unwrap().len();
        let n_out = np["spec"]["egress"].as_sequence().unwrap().len();
        let mut want: BTreeSet<String> = (0..n_in).map(|i| format!("krm.maverics.dev/why-ingress-{i}")).collect();
        want.extend((0..n_out).map(|i| format!("krm.maverics.dev/why-egress-{i}")));
        let ann = &np["metadata"]["annotations"];
        let got: BTreeSet<String> = str_keys(ann)
            .into_iter()
            .filter(|k| k.starts_with("krm.maverics.dev/why-"))
            .collect();
        assert_eq!(got, want);
        for k in &got {
            assert!(ann[k.as_str()].as_str().is_some_and(|s| !s.is_empty()), "{k}");
        }
    }
}

#[test]
fn no_network_policy_when_disabled() {
    assert!(object(&orch("spec: {networkPolicy: {enabled: false}}"), "NetworkPolicy").is_none());
}

// ---------------------------------------------------------------------------------------
// ExternalSecret

fn external_secret(o: &Orchestrator) -> Option<Value> {
    object(o, "ExternalSecret")
}

fn template_keys(es: &Value) -> Vec<String> {
    str_keys(&es["spec"]["target"]["template"]["data"])
}

fn secret_keys(es: &Value) -> Vec<String> {
    es["spec"]["data"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|d| d["secretKey"].as_str().unwrap().to_owned())
        .collect()
}

const VALUES: &str = "values: [{name: idp.client_secret, remoteRef: {key: maverics/idp, property: client_secret}}]";
const LICENSE: &str = "license: {key: maverics/license}";
const TLS: &str =
    "tls: {certificate: {key: maverics/tls, property: crt}, privateKey: {key: maverics/tls, property: key}}";

fn with_secrets(parts: &[&str]) -> Orchestrator {
    orch(&format!(
        "spec: {{secrets: {{storeRef: {{name: vault}}, {}}}}}",
        parts.join(", ")
    ))
}

#[test]
fn the_external_secret_uses_the_v1_api() {
    let es = external_secret(&base()).unwrap();
    assert_eq!(es["apiVersion"].as_str(), Some("external-secrets.io/v1"));
    assert_eq!(es["kind"].as_str(), Some("ExternalSecret"));
    assert_eq!(
        es["spec"]["secretStoreRef"]["name"].as_str(),
        Some("aws-secretsmanager")
    );
    assert_eq!(
        es["spec"]["secretStoreRef"]["kind"].as_str(),
        Some("ClusterSecretStore")
    );
    assert_eq!(es["spec"]["refreshInterval"].as_str(), Some("1h"));
}

#[test]
fn no_external_secret_without_secrets() {
    assert!(external_secret(&orch("")).is_none());
}

#[test]
fn no_secret_object_is_ever_generated() {
    for (name, o) in all_configs() {
        for g in generate(&o) {
            assert_ne!(kind(&g.object), "Secret", "{name}: {}", g.file);
        }
    }
    let o = with_secrets(&[VALUES, LICENSE, TLS]);
    assert!(generate(&o).iter().all(|g| kind(&g.object) != "Secret"));
}

#[test]
fn the_template_holds_exactly_the_configured_files() {
    let cases: [(&[&str], &[&str]); 5] = [
        (&[VALUES], &["secrets.yaml"]),
        (&[LICENSE], &["license"]),
        (&[TLS], &["tls.crt", "tls.key"]),
        (&[LICENSE, TLS], &["license", "tls.crt", "tls.key"]),
        (
            &[VALUES, LICENSE, TLS],
            &["license", "secrets.yaml", "tls.crt", "tls.key"],
        ),
    ];
    for (parts, want) in cases {
        let es = external_secret(&with_secrets(parts)).unwrap();
        assert_eq!(template_keys(&es), want, "{parts:?}");
    }
}

#[test]
fn license_and_tls_secret_keys_cannot_collide_with_value_names() {
    let es = external_secret(&with_secrets(&[VALUES, LICENSE, TLS])).unwrap();
    let keys = secret_keys(&es);
    assert_eq!(keys.len(), 4);
    assert_eq!(keys[0], "idp.client_secret", "values are fetched under their own names");
    for k in &keys[1..] {
        assert!(!k.contains('.'), "{k}");
    }
    let distinct: BTreeSet<&String> = keys.iter().collect();
    assert_eq!(distinct.len(), keys.len());
}

const THREE_VALUES: &str = "values: [\
     {name: redis.password, remoteRef: {key: r}}, \
     {name: idp.client_secret, remoteRef: {key: i, property: p, version: AWSCURRENT}}, \
     {name: idp.signing_key, remoteRef: {key: s}}]";

/// The secrets file as External Secrets would write it, each value being `v:<name>`.
fn rendered_secrets_file(es: &Value) -> Value {
    let mut text = es["spec"]["target"]["template"]["data"]["secrets.yaml"]
        .as_str()
        .unwrap()
        .to_owned();
    for name in ["redis.password", "idp.client_secret", "idp.signing_key"] {
        text = text.replace(
            &format!("{{{{ index . \"{name}\" | toJson }}}}"),
            &format!("\"v:{name}\""),
        );
    }
    serde_yaml::from_str(&text).unwrap()
}

#[test]
fn the_secrets_file_is_flat_under_secrets_by_default() {
    let o = orch(&format!(
        "spec: {{secrets: {{storeRef: {{name: vault}}, {THREE_VALUES}}}}}"
    ));
    let es = external_secret(&o).unwrap();
    assert_eq!(
        es["spec"]["target"]["template"]["data"]["secrets.yaml"].as_str(),
        Some(
            "secrets:\n  \"idp.client_secret\": {{ index . \"idp.client_secret\" | toJson }}\n  \
             \"idp.signing_key\": {{ index . \"idp.signing_key\" | toJson }}\n  \
             \"redis.password\": {{ index . \"redis.password\" | toJson }}\n"
        )
    );
    let file = rendered_secrets_file(&es);
    assert_eq!(
        file["secrets"]["idp.client_secret"].as_str(),
        Some("v:idp.client_secret")
    );
    assert_eq!(file["secrets"]["redis.password"].as_str(), Some("v:redis.password"));
    assert_eq!(file.as_mapping().unwrap().len(), 1);
}

#[test]
fn the_nested_secrets_file_groups_values_by_their_group() {
    let o = orch(&format!(
        "spec: {{secrets: {{storeRef: {{name: vault}}, layout: nested, {THREE_VALUES}}}}}"
    ));
    let es = external_secret(&o).unwrap();
    assert_eq!(
        es["spec"]["target"]["template"]["data"]["secrets.yaml"].as_str(),
        Some(
            "idp:\n  client_secret: {{ index . \"idp.client_secret\" | toJson }}\n  \
             signing_key: {{ index . \"idp.signing_key\" | toJson }}\n\
             redis:\n  password: {{ index . \"redis.password\" | toJson }}\n"
        )
    );
    let file = rendered_secrets_file(&es);
    assert_eq!(file["idp"]["signing_key"].as_str(), Some("v:idp.signing_key"));
    assert_eq!(file["redis"]["password"].as_str(), Some("v:redis.password"));
    let data = es["spec"]["data"].as_sequence().unwrap();
    assert_eq!(data[1]["remoteRef"]["key"].as_str(), Some("i"));
    assert_eq!(data[1]["remoteRef"]["property"].as_str(), Some("p"));
    assert_eq!(data[1]["remoteRef"]["version"].as_str(), Some("AWSCURRENT"));
    assert!(data[0]["remoteRef"].get("property").is_none());
}

#[test]
fn the_template_reads_each_file_from_its_fetched_key() {
    let es = external_secret(&with_secrets(&[LICENSE, TLS])).unwrap();
    let keys = secret_keys(&es);
    let tmpl = &es["spec"]["target"]["template"]["data"];
    for (file, key) in [("license", &keys[0]), ("tls.crt", &keys[1]), ("tls.key", &keys[2])] {
        assert_eq!(
            tmpl[file].as_str(),
            Some(format!("{{{{ index . \"{key}\" }}}}").as_str()),
            "{file}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Ingress

fn ingress(o: &Orchestrator) -> Option<Value> {
    object(o, "Ingress")
}

fn annotations(v: &Value) -> BTreeMap<String, String> {
    serde_yaml::from_value(v["metadata"]["annotations"].clone()).unwrap_or_default()
}

#[test]
fn no_ingress_unless_enabled() {
    for (name, o) in all_configs() {
        assert_eq!(ingress(&o).is_some(), o.spec.ingress.enabled, "{name}");
    }
    assert!(ingress(&orch("spec: {ingress: {enabled: false, hosts: [a.example]}}")).is_none());
}

#[test]
fn the_ingress_routes_each_host_to_the_client_service() {
    let o = orch("spec: {ingress: {enabled: true, className: nginx, hosts: [a.example, b.example]}}");
    let i = ingress(&o).unwrap();
    assert_eq!(i["spec"]["ingressClassName"].as_str(), Some("nginx"));
    let rules = i["spec"]["rules"].as_sequence().unwrap();
    assert_eq!(rules.len(), 2);
    for (rule, host) in rules.iter().zip(["a.example", "b.example"]) {
        assert_eq!(rule["host"].as_str(), Some(host));
        let backend = &rule["http"]["paths"][0]["backend"]["service"];
        assert_eq!(backend["name"].as_str(), Some("maverics"));
        assert_eq!(backend["port"]["name"].as_str(), Some(service::PORT_NAME));
    }
}

#[test]
fn pod_tls_sets_the_backend_protocol_for_nginx_and_alb() {
    let o = orch("spec: {tls: {termination: pod, secretName: c}, ingress: {enabled: true, className: nginx}}");
    let a = annotations(&ingress(&o).unwrap());
    assert_eq!(a["nginx.ingress.kubernetes.io/backend-protocol"], "HTTPS");
    let o = orch("spec: {tls: {termination: pod, secretName: c}, ingress: {enabled: true, className: alb}}");
    let a = annotations(&ingress(&o).unwrap());
    assert_eq!(a["alb.ingress.kubernetes.io/backend-protocol"], "HTTPS");
    assert_eq!(a["alb.ingress.kubernetes.io/healthcheck-protocol"], "HTTPS");
    assert_eq!(a["alb.ingress.kubernetes.io/healthcheck-path"], "/status");
}

#[test]
fn the_alb_health_checks_the_orchestrators_health_location() {
    let a = annotations(&ingress(&orch("spec: {ingress: {enabled: true, className: alb}}")).unwrap());
    assert_eq!(a["alb.ingress.kubernetes.io/healthcheck-path"], "/status");
    let o = orch(
        "spec: {ingress: {enabled: true, className: alb}, config: {version: 0.0.1, health: {location: /healthz}}}",
    );
    let a = annotations(&ingress(&o).unwrap());
    assert_eq!(a["alb.ingress.kubernetes.io/healthcheck-path"], "/healthz");
    let a = annotations(&ingress(&orch("spec: {ingress: {enabled: true, className: nginx}}")).unwrap());
    assert!(a.keys().all(|k| !k.contains("healthcheck")), "{a:?}");
}

#[test]
fn edge_tls_or_another_controller_adds_no_backend_annotations() {
    for rest in [
        "spec: {ingress: {enabled: true, className: nginx}}",
        "spec: {ingress: {enabled: true, className: alb}}",
        "spec: {tls: {termination: pod, secretName: c}, ingress: {enabled: true, className: traefik, \
         annotations: {krm.maverics.dev/session-affinity: traefik sticky cookie}}}",
    ] {
        let i = ingress(&orch(rest)).unwrap();
        let a = annotations(&i);
        assert!(
            a.keys()
                .all(|k| !k.ends_with("backend-protocol") && !k.ends_with("healthcheck-protocol")),
            "{rest}: {a:?}"
        );
    }
}

#[test]
fn user_ingress_annotations_win_over_generated_ones() {
    let o = orch(
        "spec: {tls: {termination: pod, secretName: c}, ingress: {enabled: true, className: nginx, \
         annotations: {nginx.ingress.kubernetes.io/backend-protocol: GRPCS, example.com/extra: x}}}",
    );
    let a = annotations(&ingress(&o).unwrap());
    assert_eq!(a["nginx.ingress.kubernetes.io/backend-protocol"], "GRPCS");
    assert_eq!(a["example.com/extra"], "x");
}

// Chart parity: pod overrides

#[test]
fn pod_labels_and_annotations_never_override_generated_ones() {
    let o =
        orch("spec: {pod: {labels: {app.kubernetes.io/name: x, team: a}, annotations: {checksum/config: x, t: b}}}");
    let sts = object(&o, "StatefulSet").expect("sts");
    let meta = &sts["spec"]["template"]["metadata"];
    assert_eq!(meta["labels"]["app.kubernetes.io/name"], "maverics-orchestrator");
    assert_eq!(meta["labels"]["team"], "a");
    assert_ne!(meta["annotations"]["checksum/config"], "x");
    assert_eq!(meta["annotations"]["t"], "b");
}

#[test]
fn on_delete_updates_carry_no_rolling_update_block() {
    let o = orch("spec: {pod: {updateStrategy: OnDelete}}");
    let sts = object(&o, "StatefulSet").expect("sts");
    assert_eq!(sts["spec"]["updateStrategy"]["type"], "OnDelete");
    assert!(sts["spec"]["updateStrategy"].get("rollingUpdate").is_none());
}

#[test]
fn an_existing_config_map_replaces_the_generated_one() {
    let o = orch("spec: {configSource: {configMap: {name: mine, key: cfg.yaml}}}");
    assert!(!files(&o).contains(&"configmap.yaml"));
    let sts = object(&o, "StatefulSet").expect("sts");
    let text = serde_yaml::to_string(&sts).expect("yaml");
    assert!(text.contains("value: /etc/maverics/config/cfg.yaml"), "{text}");
    assert!(text.contains("name: mine"), "{text}");
}

#[test]
fn a_changed_bundle_rolls_the_pods() {
    let sum = |b: &str| {
        let o = orch(&format!(
            "spec: {{configSource: {{bundle: {{publicKeyB64: QUJD, bundleB64: {b}}}}}}}"
        ));
        configmap::checksum(&Inputs::new(&o))
    };
    assert_ne!(sum("QUJD"), sum("REVG"));
}
