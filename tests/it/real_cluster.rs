//! What a platform engineer would hit on the first apply (issue 12): clustering under an
//! overlay's namespace and namePrefix, the EKS identity and ALB source, DNS egress and
//! in-cluster upstream ports. Through the real kustomize 5.8.1 and 4.5.4 where the point
//! concerns overlays.

use crate::common;

use common::{
    bin, command, documents, kustomize_build, kustomize_versions, relative, root, run_fn, run_with_stdin, stderr,
    stdout,
};
use serde_yaml::Value;
use std::path::Path;
use std::process::Command;

fn write(dir: &Path, file: &str, text: &str) {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::write(dir.join(file), text).expect("write test file");
}

fn function_annotation() -> String {
    format!(
        "config.kubernetes.io/function: |\n      exec:\n        path: {}\n",
        root().join("plugins/maverics-krm").display()
    )
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"].as_str() == Some(kind) && d["metadata"]["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("{kind}/{name} is missing"))
}

/// `maverics-krm check -` on a stream: exit code and stderr.
fn check(stream: &str) -> (i32, String) {
    let out = run_with_stdin(Command::new(bin()).args(["check", "-"]), stream.as_bytes());
    (out.status.code().unwrap_or(-1), stderr(&out))
}

/// `maverics-krm build DIR` with the given kustomize.
fn build(dir: &Path, kustomize: &Path) -> std::process::Output {
    command(bin())
        .arg("build")
        .arg(dir)
        .arg("--kustomize")
        .arg(kustomize)
        .output()
        .expect("run maverics-krm build")
}

// ---------------------------------------------------------------------------------------
// Clustering under a parent overlay's namespace and namePrefix

/// A base generating the clustering golden config, and overlays over it.
fn clustering_tree(tmp: &Path) {
    let config = std::fs::read_to_string(root().join("tests/golden/configs/clustering.yaml")).expect("config");
    let config = config.replacen(
        "metadata:\n  name: mesh\n",
        &format!("metadata:\n  name: mesh\n  annotations:\n    {}", function_annotation()),
        1,
    );
    for (dir, file, text) in [
        ("base", "orchestrator.yaml", config.as_str()),
        ("base", "kustomization.yaml", "generators:\n  - orchestrator.yaml\n"),
        (
            "moved",
            "kustomization.yaml",
            "resources:\n  - ../base\nnamespace: other\nnamePrefix: acme-\n",
        ),
        (
            "suffixed",
            "kustomization.yaml",
            "resources:\n  - ../base\nnameSuffix: -x\n",
        ),
        (
            "literal",
            "kustomization.yaml",
            "resources:\n  - ../base\nnamespace: other\npatches:\n  - path: patch.yaml\n",
        ),
        // The record as the generator wrote it before: literal namespace and Service.
        (
            "literal",
            "patch.yaml",
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: mesh, namespace: maverics}\nspec:\n  template:\n    spec:\n      containers:\n        - name: orchestrator\n          env:\n            - name: MAVERICS_CLUSTERS_PRIMARY_MEMBERSHIP_SRV_RECORD\n              value: _membership-udp._udp.mesh-clusters.maverics.svc.cluster.local.\n",
        ),
    ] {
        write(&tmp.join(dir), file, text);
    }
}

fn env_of(sts: &Value) -> Vec<Value> {
    sts["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_sequence()
        .expect("env")
        .clone()
}

#[cfg(feature = "e2e")]
#[test]
fn clustering_finds_its_members_under_a_parent_namespace_and_name_prefix() {
    let tmp = tempfile::tempdir().expect("tempdir");
    clustering_tree(tmp.path());
    for (version, k) in kustomize_versions() {
        let out = kustomize_build(&k, &tmp.path().join("moved"));
        let docs = documents(&out);
        let sts = find(&docs, "StatefulSet", "acme-mesh");
        assert_eq!(sts["metadata"]["namespace"].as_str(), Some("other"));
        assert_eq!(
            sts["spec"]["template"]["spec"]["serviceAccountName"].as_str(),
            Some("acme-mesh")
        );
        let env = env_of(sts);
        let at = |n: &str| env.iter().position(|e| e["name"].as_str() == Some(n)).expect(n);
        let value = |n: &str| env[at(n)]["value"].as_str().unwrap_or_default().to_owned();
        // Declared before the variables that expand them, from the downward API.
        assert!(at("POD_NAMESPACE") < at("MAVERICS_CLUSTERS_PRIMARY_MEMBERSHIP_SRV_RECORD"));
        assert!(at("POD_SERVICE_ACCOUNT") < at("MAVERICS_CLUSTERS_PRIMARY_MEMBERSHIP_SRV_RECORD"));
        assert!(at("POD_NAMESPACE") < at("MAVERICS_CLUSTERS_PRIMARY_NAME"));
        assert_eq!(
            env[at("POD_NAMESPACE")]["valueFrom"]["fieldRef"]["fieldPath"].as_str(),
            Some("metadata.namespace")
        );
        assert_eq!(
            env[at("POD_SERVICE_ACCOUNT")]["valueFrom"]["fieldRef"]["fieldPath"].as_str(),
            Some("spec.serviceAccountName")
        );
        assert_eq!(
            value("MAVERICS_CLUSTERS_PRIMARY_MEMBERSHIP_SRV_RECORD"),
            "_membership-udp._udp.$(POD_SERVICE_ACCOUNT)-clusters.$(POD_NAMESPACE).svc.cluster.local."
        );
        assert_eq!(
            value("MAVERICS_CLUSTERS_PRIMARY_NAME"),
            "mesh-$(POD_NAMESPACE)-cluster-local"
        );
        assert!(!out.contains(".maverics.svc"), "{version}: a literal namespace is left");
        // What the record expands to in the pod is a Service of the stream that selects the pods.
        let svc = find(&docs, "Service", "acme-mesh-clusters");
        assert_eq!(svc["metadata"]["namespace"].as_str(), Some("other"));
        assert_eq!(svc["spec"]["publishNotReadyAddresses"].as_bool(), Some(true));
        let (code, err) = check(&out);
        assert_eq!(code, 0, "{version}: {err}");
        assert!(!err.contains("SRV"), "{version}: {err}");
        let built = build(&tmp.path().join("moved"), &k);
        assert!(built.status.success(), "{version}: {}", stderr(&built));
        assert_eq!(stdout(&built), out);
    }
}

#[cfg(feature = "e2e")]
#[test]
fn check_and_build_fail_when_the_srv_record_names_what_the_stream_does_not_hold() {
    let tmp = tempfile::tempdir().expect("tempdir");
    clustering_tree(tmp.path());
    for (version, k) in kustomize_versions() {
        // A suffix renames the ServiceAccount and the Service differently: no such Service.
        let out = kustomize_build(&k, &tmp.path().join("suffixed"));
        let (code, err) = check(&out);
        assert_eq!(code, 1, "{version}: {err}");
        assert!(
            err.contains("names Service `mesh-x-clusters`, which is not in the stream"),
            "{version}: {err}"
        );
        assert!(
            err.contains(".env["),
            "{version}: the field path names the variable: {err}"
        );
        let built = build(&tmp.path().join("suffixed"), &k);
        assert!(!built.status.success(), "{version}: build passed a broken SRV record");
        assert!(
            stderr(&built).contains("mesh-x-clusters"),
            "{version}: {}",
            stderr(&built)
        );
        assert!(stdout(&built).is_empty(), "{version}: no partial output");
        // A literal record (as before this fix) under an overlay's namespace.
        let out = kustomize_build(&k, &tmp.path().join("literal"));
        let (code, err) = check(&out);
        assert_eq!(code, 1, "{version}: {err}");
        assert!(
            err.contains("names namespace `maverics`, but the pods run in `other`"),
            "{version}: {err}"
        );
        assert!(!build(&tmp.path().join("literal"), &k).status.success(), "{version}");
    }
}

// ---------------------------------------------------------------------------------------
// EKS: the orchestrator's own identity, the ALB's source, DNS

/// An EKS overlay over the base with `edit` applied to the shipped platform config.
fn eks_overlay(dir: &Path, edit: impl Fn(&mut Value)) {
    let mut fc: Value = serde_yaml::from_str(
        &std::fs::read_to_string(root().join("overlays/eks/platform.yaml")).expect("platform.yaml"),
    )
    .expect("YAML");
    fc["metadata"]["annotations"]["config.kubernetes.io/function"] =
        format!("exec:\n  path: {}\n", root().join("plugins/maverics-krm").display()).into();
    edit(&mut fc);
    write(dir, "platform.yaml", &serde_yaml::to_string(&fc).expect("YAML"));
    let base = relative(dir, &root().join("bases/orchestrator"));
    write(
        dir,
        "kustomization.yaml",
        &format!("resources:\n  - {base}\ntransformers:\n  - platform.yaml\n"),
    );
}

fn set(v: &mut Value, path: &[&str], value: Value) {
    let mut cur = v;
    for p in path {
        if cur.get(*p).is_none() {
            cur[*p] = Value::Mapping(Default::default());
        }
        cur = &mut cur[*p];
    }
    *cur = value;
}

fn yaml(s: &str) -> Value {
    serde_yaml::from_str(s).expect("test YAML")
}

const AGENT_RULE: &str = "{to: [{ipBlock: {cidr: 169.254.170.23/32}}, {ipBlock: {cidr: 'fd00:ec2::23/128'}}], ports: [{port: 80, protocol: TCP}]}";

#[cfg(feature = "e2e")]
#[test]
fn eks_pod_identity_allows_exactly_the_agent_and_none_allows_nothing_extra() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("pod-identity");
    eks_overlay(&dir, |fc| set(fc, &["spec", "eks", "identity"], "podIdentity".into()));
    for (version, k) in kustomize_versions() {
        let docs = documents(&kustomize_build(&k, &dir));
        let np = find(&docs, "NetworkPolicy", "maverics");
        let egress = np["spec"]["egress"].as_sequence().expect("egress");
        let agent: Vec<&Value> = egress.iter().filter(|r| **r == yaml(AGENT_RULE)).collect();
        assert_eq!(agent.len(), 1, "{version}: {egress:?}");
        let n = egress.iter().position(|r| *r == yaml(AGENT_RULE)).unwrap_or_default();
        assert!(
            np["metadata"]["annotations"][format!("krm.maverics.dev/why-egress-{n}").as_str()]
                .as_str()
                .is_some_and(|w| w.contains("Pod Identity")),
            "{version}"
        );
        // Pod Identity needs no annotation: the association lives in the EKS API.
        assert!(
            find(&docs, "ServiceAccount", "maverics")["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
                .is_null()
        );
    }
    // The shipped overlay (identity unset, no role): nothing extra.
    for (version, k) in kustomize_versions() {
        let out = kustomize_build(&k, &root().join("overlays/eks"));
        assert!(
            !out.contains("169.254.170.23") && !out.contains("fd00:ec2::23"),
            "{version}"
        );
    }
}

/// Runs the EKS transformer in function mode on the base rendered from `config`.
fn eks_transform(config: &str, edit: impl Fn(&mut Value)) -> (Vec<Value>, String, i32) {
    let out = run_with_stdin(Command::new(bin()).args(["render", "-"]), config.as_bytes());
    assert!(out.status.success(), "render: {}", stderr(&out));
    let items = documents(&stdout(&out));
    let mut fc: Value = serde_yaml::from_str(
        &std::fs::read_to_string(root().join("overlays/eks/platform.yaml")).expect("platform.yaml"),
    )
    .expect("YAML");
    edit(&mut fc);
    let mut list = serde_yaml::Mapping::new();
    list.insert("apiVersion".into(), "config.kubernetes.io/v1".into());
    list.insert("kind".into(), "ResourceList".into());
    list.insert("items".into(), Value::Sequence(items));
    list.insert("functionConfig".into(), fc);
    let out = run_fn(serde_yaml::to_string(&list).expect("YAML").as_bytes());
    let parsed: Value = serde_yaml::from_str(&stdout(&out)).expect("a ResourceList");
    let items = parsed["items"].as_sequence().cloned().unwrap_or_default();
    (items, stderr(&out), out.status.code().unwrap_or(-1))
}

const BASE: &str = "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {name: maverics}\nspec: {namespace: maverics}\n";

#[test]
fn eks_identity_rules_name_their_fields() {
    let role = Value::from("arn:aws:iam::111122223333:role/o");
    // irsa without a role.
    let (_, err, code) = eks_transform(BASE, |fc| set(fc, &["spec", "eks", "identity"], "irsa".into()));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("spec.eks.orchestratorRoleArn"), "{err}");
    // A role with another identity.
    let (_, err, code) = eks_transform(BASE, |fc| {
        set(fc, &["spec", "eks", "identity"], "podIdentity".into());
        set(fc, &["spec", "eks", "orchestratorRoleArn"], role.clone());
    });
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("`identity` is not `irsa`"), "{err}");
    // Old configs: a role alone still means IRSA, and no agent rule.
    let (items, err, code) = eks_transform(BASE, |fc| {
        set(fc, &["spec", "eks", "orchestratorRoleArn"], role.clone())
    });
    assert_eq!(code, 0, "{err}");
    let sa = find(&items, "ServiceAccount", "maverics");
    assert_eq!(sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"], role);
    assert!(!serde_yaml::to_string(&items).expect("YAML").contains("169.254.170.23"));
}

#[test]
fn vpc_cidrs_still_work_as_a_deprecated_alias_of_the_alb_subnet_cidrs() {
    let alias = |fc: &mut Value| {
        let np = &mut fc["spec"]["eks"]["networkPolicy"];
        let cidrs = np["albSubnetCidrs"].clone();
        if let Some(m) = np.as_mapping_mut() {
            m.remove("albSubnetCidrs");
        }
        np["vpcCidrs"] = cidrs;
    };
    let (items, err, code) = eks_transform(BASE, alias);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("`vpcCidrs` is deprecated") && err.contains("albSubnetCidrs"),
        "{err}"
    );
    let np = find(&items, "NetworkPolicy", "maverics");
    assert_eq!(
        np["spec"]["ingress"][0]["from"],
        yaml("[{ipBlock: {cidr: 10.0.0.0/24}}, {ipBlock: {cidr: 10.0.1.0/24}}]")
    );
    // Both at once is ambiguous.
    let (_, err, code) = eks_transform(BASE, |fc| {
        fc["spec"]["eks"]["networkPolicy"]["vpcCidrs"] = yaml("[10.0.0.0/16]");
    });
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("spec.eks.networkPolicy.vpcCidrs"), "{err}");
    // The shipped overlay asks for the subnets and gets no deprecation warning.
    let (_, err, code) = eks_transform(BASE, |_| {});
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("deprecated"), "{err}");
}

#[cfg(feature = "e2e")]
#[test]
fn dns_egress_goes_to_kube_system_on_the_base_and_eks_and_openshift_dns_on_rosa() {
    let dns_ns = |stream: &str| -> Value {
        let docs = documents(stream);
        let np = find(&docs, "NetworkPolicy", "maverics");
        np["spec"]["egress"][0]["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"].clone()
    };
    for (version, k) in kustomize_versions() {
        for (overlay, ns) in [
            ("bases/orchestrator", "kube-system"),
            ("overlays/eks", "kube-system"),
            ("overlays/rosa", "openshift-dns"),
        ] {
            let out = kustomize_build(&k, &root().join(overlay));
            assert_eq!(dns_ns(&out), Value::from(ns), "{version} {overlay}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// In-cluster upstreams: the pod's port, not the Service's

#[test]
fn eks_warns_about_a_guessed_upstream_port_with_what_the_vpc_cni_requires() {
    let guessed = "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {name: maverics}\n\
                   spec: {namespace: maverics, config: {version: 0.0.1, apps: [{name: web, upstream: 'http://web.apps.svc:80'}]}}\n";
    let (_, err, code) = eks_transform(guessed, |_| {});
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("requires the Service port to equal the container port"),
        "{err}"
    );
    let stated = guessed.replace(
        "}}\n",
        "}, networkPolicy: {upstreamPorts: [{service: web.apps, port: 80, targetPort: 8080}]}}\n",
    );
    let (items, err, code) = eks_transform(&stated, |_| {});
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("container port"), "{err}");
    let np = find(&items, "NetworkPolicy", "maverics");
    let web = np["spec"]["egress"]
        .as_sequence()
        .expect("egress")
        .iter()
        .find(|r| r["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] == "apps")
        .expect("the apps rule")
        .clone();
    assert_eq!(web["ports"], yaml("[{port: 8080, protocol: TCP}]"));
}
