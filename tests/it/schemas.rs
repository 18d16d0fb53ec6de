//! Every object the base and every overlay under overlays/ emit validates: custom resources
//! against the strict CRD schemas vendored in schemas/crds (jsonschema), built-in kinds
//! against kubernetes-validate --strict for the oldest Kubernetes the stream targets and 1.37.
//! The oldest is 1.25, or the stream's `spec.kubernetesVersion` (the StatefulSet's
//! `krm.maverics.dev/kubernetes-version`) when that is later: the strict 1.25 schema rejects the
//! `sleep` lifecycle action that 1.30 and later get. A render for 1.29 (the `exec` form) is
//! validated on 1.25. Platform variants the example overlays do not switch on (Calico, gp3
//! StorageClass, reencrypt) are validated too.

use crate::common;

use common::{kustomize_build, root, run_fn, stdout, tool};
use serde_json::Value as Json;
use serde_yaml::Value;
use std::path::PathBuf;
use std::process::Command;

/// API groups whose kinds are custom resources, validated against the vendored schemas.
const CRD_GROUPS: &[&str] = &[
    "external-secrets.io",
    "projectcalico.org",
    "route.openshift.io",
    "gateway.networking.k8s.io",
    "monitoring.coreos.com",
    "cloud.google.com",
    "networking.gke.io",
];

/// API groups of custom resources with no public schema: Application Gateway for Containers
/// (docs/aks.md). Their field names are checked by tests/platform.rs
/// (`aks_agc_objects_use_only_documented_fields`), not here.
const UNSCHEMED_GROUPS: &[&str] = &["alb.networking.azure.io"];

fn crd_dir() -> PathBuf {
    let d = root().join("schemas/crds");
    assert!(
        d.is_dir(),
        "{} is missing: the strict CRD schemas are part of the repository (schemas/crds); restore them with `git checkout -- schemas/crds`",
        d.display()
    );
    d
}

fn kubernetes_validate() -> PathBuf {
    let p = root().join(".tools/venv-kv/bin/kubernetes-validate");
    assert!(
        p.is_file(),
        "kubernetes-validate is missing: run `scripts/install-tools --all` (it installs .tools/venv-kv)"
    );
    p
}

fn docs(stream: &str) -> Vec<Json> {
    common::documents(stream)
        .iter()
        .map(|v| serde_json::to_value(v).expect("JSON"))
        .collect()
}

fn group_version(doc: &Json) -> (String, String) {
    let av = doc["apiVersion"].as_str().unwrap_or_default();
    match av.split_once('/') {
        Some((g, v)) => (g.to_owned(), v.to_owned()),
        None => (String::new(), av.to_owned()),
    }
}

/// Streams to validate: name and text.
fn streams() -> Vec<(String, String)> {
    let k = tool("kustomize-5.8.1");
    let mut out = vec![(
        "bases/orchestrator".to_owned(),
        kustomize_build(&k, &root().join("bases/orchestrator")),
    )];
    let mut overlays: Vec<PathBuf> = std::fs::read_dir(root().join("overlays"))
        .expect("overlays/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("kustomization.yaml").is_file())
        .collect();
    overlays.sort();
    assert!(overlays.len() >= 3, "dev, eks and rosa at least: {overlays:?}");
    for o in overlays {
        let name = format!("overlays/{}", o.file_name().unwrap().to_string_lossy());
        out.push((name, kustomize_build(&k, &o)));
    }
    // The golden configs cover capabilities the overlays leave off (clustering, the Console
    // bundle, pod overrides); their renders must validate too.
    let mut goldens: Vec<PathBuf> = std::fs::read_dir(root().join("tests/golden/configs"))
        .expect("tests/golden/configs")
        .map(|e| e.expect("entry").path())
        .collect();
    goldens.sort();
    for g in goldens {
        let text = std::fs::read_to_string(&g).expect("golden config");
        let docs: Vec<String> = render(&text)
            .iter()
            .map(|d| serde_yaml::to_string(d).expect("YAML"))
            .collect();
        out.push((g.display().to_string(), docs.join("---\n")));
    }
    out.push(("eks variant (calico, gp3, persistence)".into(), variant_eks()));
    for platform in ["eks", "aks", "gke"] {
        out.push((
            format!("kubernetes 1.29 (exec preStop) through {platform}"),
            variant_exec_drain(platform),
        ));
    }
    out.push(("rosa variant (reencrypt)".into(), variant_rosa()));
    for (name, edit) in GKE_VARIANTS {
        out.push((format!("gke variant ({name})"), variant_gke(edit)));
    }
    for (name, text) in variants_clustering() {
        out.push((name, text));
    }
    out
}

/// Experimental clustering through each platform layer: the members' rule keeps its pod
/// selector as the only source (no router, no ALB CIDRs), also as a Calico policy.
fn variants_clustering() -> Vec<(String, String)> {
    let config = std::fs::read_to_string(root().join("tests/golden/configs/clustering.yaml")).unwrap();
    let mut out = Vec::new();
    for (platform, edit) in [
        ("eks", "{}"),
        ("eks", "{spec: {eks: {networkPolicy: {flavour: calico}}}}"),
        ("rosa", "{}"),
        ("gke", "{}"),
    ] {
        let mut items = render(&config);
        items.push(serde_yaml::from_str("apiVersion: v1\nkind: Namespace\nmetadata: {name: maverics}\n").unwrap());
        let text = run_platform(items, platform, edit);
        let docs: Vec<Value> = serde_yaml::Deserializer::from_str(&text)
            .map(|d| <Value as serde::Deserialize>::deserialize(d).expect("YAML"))
            .collect();
        let np = docs
            .iter()
            .find(|d| d["kind"].as_str() == Some("NetworkPolicy"))
            .expect("a NetworkPolicy");
        let members = np["spec"]["ingress"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter(|r| serde_yaml::to_string(r).unwrap().contains("9451"))
            .collect::<Vec<_>>();
        assert!(!members.is_empty(), "{platform} {edit}: the members' rule is kept");
        for r in members {
            let t = serde_yaml::to_string(r).unwrap();
            assert!(
                !t.contains("cidr") && !t.contains("nets:") && !t.contains("network.openshift.io"),
                "{platform} {edit}: the members' rule was widened:\n{t}"
            );
        }
        out.push((format!("{platform} {edit} with clustering"), text));
    }
    out
}

fn render(config: &str) -> Vec<Value> {
    let out = common::run_with_stdin(Command::new(common::bin()).args(["render", "-"]), config.as_bytes());
    assert!(out.status.success(), "{}", common::stderr(&out));
    serde_yaml::Deserializer::from_str(&stdout(&out))
        .map(|d| <Value as serde::Deserialize>::deserialize(d).expect("YAML"))
        .collect()
}

fn run_platform(items: Vec<Value>, platform: &str, edit: &str) -> String {
    let text = std::fs::read_to_string(root().join("overlays").join(platform).join("platform.yaml")).unwrap();
    let mut fc: Value = serde_yaml::from_str(&text).unwrap();
    let patch: Value = serde_yaml::from_str(edit).unwrap();
    merge(&mut fc, &patch);
    let mut list = serde_yaml::Mapping::new();
    list.insert("apiVersion".into(), "config.kubernetes.io/v1".into());
    list.insert("kind".into(), "ResourceList".into());
    list.insert("items".into(), Value::Sequence(items));
    list.insert("functionConfig".into(), fc);
    let out = run_fn(serde_yaml::to_string(&list).unwrap().as_bytes());
    assert!(out.status.success(), "{}", common::stderr(&out));
    let parsed: Value = serde_yaml::from_str(&stdout(&out)).unwrap();
    parsed["items"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|i| serde_yaml::to_string(i).unwrap())
        .collect::<Vec<_>>()
        .join("---\n")
}

fn merge(into: &mut Value, patch: &Value) {
    match (into, patch) {
        (Value::Mapping(a), Value::Mapping(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (a, b) => *a = b.clone(),
    }
}

fn variant_eks() -> String {
    let mut items = render(
        "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {name: maverics}\n\
         spec: {namespace: maverics, persistence: {enabled: true}, secrets: {storeRef: {name: s}, values: \
         [{name: a.b, remoteRef: {key: k}}]}}\n",
    );
    items.push(serde_yaml::from_str("apiVersion: v1\nkind: Namespace\nmetadata: {name: maverics}\n").unwrap());
    run_platform(
        items,
        "eks",
        "spec: {eks: {networkPolicy: {flavour: calico}, storage: {createStorageClass: true}, \
         orchestratorRoleArn: 'arn:aws:iam::111122223333:role/o'}}",
    )
}

/// `spec.kubernetesVersion: "1.29"`: the drain runs `sleep` from the image, valid on 1.25,
/// also where the platform lengthens it (the load balancer's draining time).
fn variant_exec_drain(platform: &str) -> String {
    let items = render(
        "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {name: maverics}\n\
         spec: {namespace: maverics, kubernetesVersion: '1.29'}\n",
    );
    let text = run_platform(items, platform, "{}");
    assert!(
        text.contains("- sleep") && !text.contains("seconds: 30"),
        "{platform}: {text}"
    );
    text
}

/// The oldest Kubernetes version a stream must validate on: the version its StatefulSets
/// target when that runs the `sleep` action (1.30 on), else 1.25.
fn oldest_version(docs: &[Json]) -> String {
    let minor = |v: &str| {
        v.trim_start_matches('v')
            .split('.')
            .nth(1)
            .and_then(|m| m.parse::<u32>().ok())
    };
    docs.iter()
        .filter_map(|d| d.pointer("/metadata/annotations/krm.maverics.dev~1kubernetes-version"))
        .filter_map(|v| v.as_str().and_then(minor))
        .filter(|m| *m >= 30)
        .chain([25])
        .max()
        .map(|m| format!("1.{m}"))
        .unwrap_or_default()
}

fn variant_rosa() -> String {
    let items = render(
        "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {name: maverics}\n\
         spec: {namespace: maverics, tls: {termination: pod, secretName: maverics-tls}}\n",
    );
    run_platform(items, "rosa", "spec: {}")
}

#[test]
fn every_custom_resource_validates_against_its_strict_crd_schema() {
    let dir = crd_dir();
    let mut checked = std::collections::BTreeMap::<String, usize>::new();
    let mut failures = Vec::new();
    for (name, stream) in streams() {
        for doc in docs(&stream) {
            let (group, version) = group_version(&doc);
            if !CRD_GROUPS.contains(&group.as_str()) {
                continue;
            }
            let kind = doc["kind"].as_str().unwrap_or_default().to_ascii_lowercase();
            let file = dir.join(&group).join(format!("{kind}_{version}.json"));
            let schema: Json = serde_json::from_str(
                &std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{name}: no schema {}: {e}", file.display())),
            )
            .expect("schema JSON");
            let validator = jsonschema::validator_for(&schema).expect("schema compiles");
            // The schema is strict: the same object with a stray spec field must fail, or
            // this test would prove nothing.
            let mut stray = doc.clone();
            stray["spec"]["notAField"] = Json::Bool(true);
            assert!(
                !validator.is_valid(&stray),
                "{}: the schema accepts unknown fields",
                file.display()
            );
            for e in validator.iter_errors(&doc) {
                failures.push(format!(
                    "{name}: {} {}: {}: {e}",
                    doc["kind"],
                    doc["metadata"]["name"],
                    e.instance_path()
                ));
            }
            *checked
                .entry(format!(
                    "{group}/{version} {}",
                    doc["kind"].as_str().unwrap_or_default()
                ))
                .or_default() += 1;
        }
    }
    assert!(failures.is_empty(), "schema violations:\n{}", failures.join("\n"));
    for kind in [
        "external-secrets.io/v1 ExternalSecret",
        "external-secrets.io/v1 SecretStore",
        "route.openshift.io/v1 Route",
        "projectcalico.org/v3 NetworkPolicy",
    ] {
        assert!(checked.contains_key(kind), "no {kind} was checked: {checked:?}");
    }
    eprintln!("custom resources validated: {checked:?}");
}

#[test]
fn every_builtin_object_validates_strictly_on_its_target_kubernetes_and_1_37() {
    let kv = kubernetes_validate();
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    let mut oldest_seen = std::collections::BTreeSet::new();
    for (n, (name, stream)) in streams().into_iter().enumerate() {
        let all = docs(&stream);
        let oldest = oldest_version(&all);
        oldest_seen.insert(oldest.clone());
        let core: Vec<Json> = all
            .into_iter()
            .filter(|d| {
                let group = group_version(d).0;
                !CRD_GROUPS.contains(&group.as_str()) && !UNSCHEMED_GROUPS.contains(&group.as_str())
            })
            .collect();
        count += core.len();
        let text = core
            .iter()
            .map(|d| serde_yaml::to_string(d).unwrap())
            .collect::<Vec<_>>()
            .join("---\n");
        let file = tmp.path().join(format!("{n}.yaml"));
        std::fs::write(&file, text).unwrap();
        for version in [oldest.as_str(), "1.37"] {
            let out = Command::new(&kv)
                .args(["--strict", "--quiet", "-k", version])
                .arg(&file)
                .output()
                .expect("run kubernetes-validate");
            let text = format!("{}{}", stdout(&out), common::stderr(&out));
            // Custom resources were left out, so any WARN (no schema for a kind) is a failure.
            let bad: Vec<&str> = text
                .lines()
                .filter(|l| l.starts_with("ERROR") || l.starts_with("WARN"))
                .collect();
            if !out.status.success() || !bad.is_empty() {
                failures.push(format!("{name} on {version} (rc {:?}):\n{text}", out.status.code()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Both forms of the drain were validated where they apply.
    for v in ["1.25", "1.30"] {
        assert!(
            oldest_seen.contains(v),
            "no stream was validated on {v}: {oldest_seen:?}"
        );
    }
    eprintln!("built-in objects validated on {oldest_seen:?} and 1.37: {count}");
}

/// The GKE modes and options the example overlay leaves off, on a pod serving TLS with
/// persistence: Gateway API with a regional class, an internal Ingress, regional disks.
const GKE_VARIANTS: [(&str, &str); 2] = [
    (
        "gateway, regional, direct workload identity",
        "{spec: {gke: {mode: gateway, ingress: null, gateway: {name: shared, namespace: gateways, regional: true}, \
         networkPolicy: {proxyOnlySubnetCidrs: [10.129.0.0/23]}, secretStore: {gcpServiceAccount: null}, \
         storage: {type: regional}}}}",
    ),
    (
        "internal ingress, pre-shared certificate, balanced disks",
        "{spec: {gke: {ingress: {class: gce-internal, managedCertificate: false, preSharedCertificates: [sso], \
         staticIpName: sso-ip, sslPolicy: modern-tls}, networkPolicy: {proxyOnlySubnetCidrs: [10.129.0.0/23]}, \
         storage: {type: balanced}}}}",
    ),
];

fn variant_gke(edit: &str) -> String {
    let mut items = render(
        "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {name: maverics}\n\
         spec: {namespace: maverics, persistence: {enabled: true}, tls: {termination: pod, secretName: maverics-tls}, \
         secrets: {storeRef: {name: s}, values: [{name: a.b, remoteRef: {key: k}}]}}\n",
    );
    items.push(serde_yaml::from_str("apiVersion: v1\nkind: Namespace\nmetadata: {name: maverics}\n").unwrap());
    run_platform(items, "gke", edit)
}
