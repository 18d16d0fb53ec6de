//! The `OrchestratorPlatform` transformer: the EKS, ROSA and GKE overlays under the real kustomize
//! 5.8.1 and 4.5.4, eject equivalence, namePrefix/namespace, errors, idempotency, and kpt.

use crate::common;

use common::{
    assert_golden, bin, command, kpt, kustomize_build, kustomize_versions, relative, root, run_fn, run_with_stdin,
    stderr, stdout, tool,
};
use serde_json::Value as Json;
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

// ---------------------------------------------------------------------------------------
// Helpers

/// Objects of a multi-document stream, keyed kind/namespace/name, as JSON (key order
/// ignored when compared).
pub(crate) fn objects(stream: &str) -> BTreeMap<String, Json> {
    common::documents(stream)
        .into_iter()
        .map(|v| {
            let j: Json = serde_json::to_value(&v).expect("JSON");
            (key(&j), j)
        })
        .collect()
}

fn key(j: &Json) -> String {
    format!(
        "{}/{}/{}",
        j["kind"].as_str().unwrap_or_default(),
        j["metadata"]["namespace"].as_str().unwrap_or_default(),
        j["metadata"]["name"].as_str().unwrap_or_default()
    )
}

pub(crate) fn get<'a>(objs: &'a BTreeMap<String, Json>, k: &str) -> &'a Json {
    objs.get(k)
        .unwrap_or_else(|| panic!("{k} is missing; objects: {:#?}", objs.keys().collect::<Vec<_>>()))
}

/// `maverics-krm render -` of an Orchestrator config: the base's items.
pub(crate) fn render(config: &str) -> Vec<Value> {
    let out = run_with_stdin(Command::new(bin()).args(["render", "-"]), config.as_bytes());
    assert!(out.status.success(), "render failed: {}", stderr(&out));
    serde_yaml::Deserializer::from_str(&stdout(&out))
        .map(|d| <Value as serde::Deserialize>::deserialize(d).expect("YAML"))
        .collect()
}

pub(crate) fn base_items() -> Vec<Value> {
    render(&base_config())
}

fn base_config() -> String {
    std::fs::read_to_string(root().join("bases/orchestrator/orchestrator.yaml")).expect("base config")
}

/// The base render with one field of the base's config set to `value`.
pub(crate) fn base_items_with(path: &[&str], value: Value) -> Vec<Value> {
    let mut base: Value = serde_yaml::from_str(&base_config()).expect("base config is YAML");
    set(&mut base, path, value);
    render(&serde_yaml::to_string(&base).expect("config as YAML"))
}

pub(crate) fn platform_config(overlay: &str) -> Value {
    serde_yaml::from_str(
        &std::fs::read_to_string(root().join("overlays").join(overlay).join("platform.yaml")).expect("platform.yaml"),
    )
    .expect("YAML")
}

/// Runs the binary in function mode; returns the output items, stderr and exit code.
pub(crate) fn transform(items: &[Value], fc: &Value) -> (Vec<Value>, String, i32) {
    let mut list = serde_yaml::Mapping::new();
    list.insert("apiVersion".into(), "config.kubernetes.io/v1".into());
    list.insert("kind".into(), "ResourceList".into());
    list.insert("items".into(), Value::Sequence(items.to_vec()));
    list.insert("functionConfig".into(), fc.clone());
    let input = serde_yaml::to_string(&list).expect("ResourceList");
    let out = run_fn(input.as_bytes());
    let parsed: Value = serde_yaml::from_str(&stdout(&out)).expect("output is a ResourceList");
    let items = parsed["items"].as_sequence().cloned().unwrap_or_default();
    (items, stderr(&out), out.status.code().unwrap_or(-1))
}

pub(crate) fn set(v: &mut Value, path: &[&str], value: Value) {
    let mut cur = v;
    for p in &path[..path.len() - 1] {
        cur = cur
            .as_mapping_mut()
            .expect("mapping")
            .entry((*p).into())
            .or_insert_with(|| Value::Mapping(Default::default()));
    }
    cur.as_mapping_mut()
        .expect("mapping")
        .insert(path[path.len() - 1].into(), value);
}

pub(crate) fn yaml(s: &str) -> Value {
    serde_yaml::from_str(s).expect("YAML")
}

pub(crate) fn items_as_objects(items: &[Value]) -> BTreeMap<String, Json> {
    items
        .iter()
        .map(|v| {
            let j: Json = serde_json::to_value(v).expect("JSON");
            (key(&j), j)
        })
        .collect()
}

fn write(dir: &Path, file: &str, text: &str) {
    std::fs::write(dir.join(file), text).expect("write test file");
}

/// An overlay in a temp dir over `resources` with the given extra kustomization lines.
pub(crate) fn overlay(dir: &Path, resources: &[&Path], extra: &str) {
    std::fs::create_dir_all(dir).expect("mkdir");
    // kustomize refuses absolute paths in `resources:`.
    let list: String = resources
        .iter()
        .map(|r| format!("  - {}\n", relative(dir, r)))
        .collect();
    write(dir, "kustomization.yaml", &format!("resources:\n{list}{extra}"));
}

/// An overlay in `dir` over the base with `fc` as its transformer (run through the plugin by
/// absolute path) and the given extra kustomization lines first.
fn platform_overlay(dir: &Path, fc: &Value, extra: &str) {
    let mut fc = fc.clone();
    set(
        &mut fc,
        &["metadata", "annotations", "config.kubernetes.io/function"],
        format!("exec:\n  path: {}\n", root().join("plugins/maverics-krm").display()).into(),
    );
    std::fs::create_dir_all(dir).expect("mkdir");
    write(dir, "platform.yaml", &serde_yaml::to_string(&fc).unwrap());
    overlay(
        dir,
        &[&root().join("bases/orchestrator")],
        &format!("{extra}transformers:\n  - platform.yaml\n"),
    );
}

fn eject(platform: &str, config: &Path, out: &Path) {
    let o = common::eject(platform, config, out);
    assert!(o.status.success(), "eject failed: {}", stderr(&o));
}

// ---------------------------------------------------------------------------------------
// Goldens

#[cfg(feature = "e2e")]
#[test]
fn eks_overlay_builds_to_its_golden_with_both_kustomize_versions() {
    for (version, k) in kustomize_versions() {
        let out = kustomize_build(&k, &root().join("overlays/eks"));
        assert_golden("kustomize/eks.yaml", &out);
        let objs = objects(&out);
        let ing = get(&objs, "Ingress/maverics/maverics");
        assert_eq!(ing["spec"]["ingressClassName"], "alb", "{version}");
        let ann = &ing["metadata"]["annotations"];
        assert_eq!(ann["alb.ingress.kubernetes.io/target-type"], "ip");
        assert_eq!(ann["alb.ingress.kubernetes.io/healthcheck-path"], "/status");
        assert!(
            ann["alb.ingress.kubernetes.io/target-group-attributes"]
                .as_str()
                .unwrap()
                .contains("stickiness.app_cookie.cookie_name=maverics_session"),
            "app cookie follows the session cookie of the base's maverics.yaml"
        );
        let sts = get(&objs, "StatefulSet/maverics/maverics");
        let pod = &sts["spec"]["template"]["spec"];
        assert_eq!(
            pod["containers"][0]["lifecycle"]["preStop"],
            serde_json::json!({"sleep": {"seconds": 30}}),
            "the ALB's deregistration delay, as the kubelet's sleep action (spec.kubernetesVersion 1.30)"
        );
        assert!(pod["terminationGracePeriodSeconds"].as_i64().unwrap() > 30);
        // Least privilege: the orchestrator's own account has no role; the reader has one.
        assert!(
            get(&objs, "ServiceAccount/maverics/maverics")["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
                .is_null()
        );
        assert_eq!(
            get(&objs, "ServiceAccount/maverics/maverics-secrets-reader")["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
            "arn:aws:iam::111122223333:role/maverics-secrets-reader"
        );
        assert_eq!(
            get(&objs, "ExternalSecret/maverics/maverics-secrets")["spec"]["secretStoreRef"],
            serde_json::json!({"kind": "SecretStore", "name": "maverics-aws-secrets-manager"})
        );
        assert_eq!(
            get(&objs, "NetworkPolicy/maverics/maverics")["spec"]["ingress"][0]["from"],
            serde_json::json!([{"ipBlock": {"cidr": "10.0.0.0/24"}}, {"ipBlock": {"cidr": "10.0.1.0/24"}}])
        );
    }
}

#[cfg(feature = "e2e")]
#[test]
fn rosa_overlay_builds_to_its_golden_with_both_kustomize_versions() {
    for (version, k) in kustomize_versions() {
        let out = kustomize_build(&k, &root().join("overlays/rosa"));
        assert_golden("kustomize/rosa.yaml", &out);
        let objs = objects(&out);
        assert!(
            !objs.keys().any(|k| k.starts_with("Ingress/")),
            "{version}: no Ingress on ROSA"
        );
        let route = get(&objs, "Route/maverics/maverics");
        assert_eq!(route["spec"]["tls"]["termination"], "edge");
        assert_eq!(route["spec"]["to"]["name"], "maverics");
        assert_eq!(
            route["metadata"]["annotations"]["router.openshift.io/cookie_name"],
            "MAVERICS_RTE"
        );
        let sts = get(&objs, "StatefulSet/maverics/maverics");
        let pod = &sts["spec"]["template"]["spec"];
        for k in ["runAsUser", "runAsGroup", "fsGroup", "seLinuxOptions"] {
            assert!(pod["securityContext"][k].is_null(), "pod {k}");
            assert!(pod["containers"][0]["securityContext"][k].is_null(), "container {k}");
        }
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
        assert_eq!(
            pod["containers"][0]["securityContext"]["allowPrivilegeEscalation"],
            false
        );
        assert_eq!(
            pod["containers"][0]["securityContext"]["capabilities"]["drop"],
            serde_json::json!(["ALL"])
        );
        // Both skips survive: the base's image digest and OpenShift's UID.
        let skips: Vec<&str> = ["checkov.io/skip1", "checkov.io/skip2"]
            .iter()
            .filter_map(|k| sts["metadata"]["annotations"][k].as_str())
            .collect();
        assert!(skips.iter().any(|v| v.starts_with("CKV_K8S_43=")), "{skips:?}");
        assert!(skips.iter().any(|v| v.starts_with("CKV_K8S_40=")), "{skips:?}");
        assert_eq!(
            pod["containers"][0]["image"],
            "registry.connect.redhat.com/strata-identity/orchestrator:v2026.01.2"
        );
        let np = get(&objs, "NetworkPolicy/maverics/maverics");
        assert_eq!(
            np["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"]["policy-group.network.openshift.io/ingress"],
            ""
        );
        assert_eq!(np["spec"]["egress"][0]["ports"][0]["port"], 5353);
    }
}

// ---------------------------------------------------------------------------------------
// Eject

/// The ejected overlay and the transformer give the same objects, field for field, on their
/// own and under a parent overlay with namePrefix and namespace.
fn assert_eject_equivalent(platform: &str, overlay_dir: &Path) {
    let tmp = tempfile::tempdir().unwrap();
    // At the depth of bases/orchestrator: kustomize 4.5.4 runs the ejected check.yaml from the
    // base's directory, so its relative exec path must resolve from there too.
    // target/ is missing in a clone whose build goes to $CARGO_TARGET_DIR (as in CI).
    std::fs::create_dir_all(root().join("target")).unwrap();
    let out = tempfile::tempdir_in(root().join("target")).unwrap();
    let ejected = out.path().to_path_buf();
    eject(platform, &overlay_dir.join("platform.yaml"), &ejected);
    let kust: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(ejected.join("kustomization.yaml")).unwrap()).unwrap();
    // The layer runs no function; the guard rails the transformer ran stay, as the only transformer.
    assert_eq!(
        kust["transformers"],
        serde_yaml::Value::Sequence(vec!["check.yaml".into()]),
        "{kust:?}"
    );
    let check: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(ejected.join("check.yaml")).unwrap()).unwrap();
    assert_eq!(check["kind"], "OrchestratorCheck");
    for (version, k) in kustomize_versions() {
        let a = objects(&kustomize_build(&k, overlay_dir));
        let b = objects(&kustomize_build(&k, &ejected));
        assert_eq!(
            a, b,
            "{platform}, kustomize {version}: ejected overlay differs from the transformer"
        );

        let extra = "namePrefix: acme-\nnamespace: idp\n";
        overlay(&tmp.path().join(format!("pa-{version}")), &[overlay_dir], extra);
        overlay(&tmp.path().join(format!("pb-{version}")), &[&ejected], extra);
        let a = objects(&kustomize_build(&k, &tmp.path().join(format!("pa-{version}"))));
        let b = objects(&kustomize_build(&k, &tmp.path().join(format!("pb-{version}"))));
        assert_eq!(a, b, "{platform}, kustomize {version}: under a parent overlay");
        assert!(
            a.keys()
                .all(|k| k.contains("/idp/acme-") || k.starts_with("StorageClass/") || k == "Namespace//idp"),
            "{a:#?}"
        );
        // The references the platform added follow the parent's renames.
        if let Some(store) = a.get("SecretStore/idp/acme-maverics-aws-secrets-manager") {
            assert_eq!(
                store["spec"]["provider"]["aws"]["auth"]["jwt"]["serviceAccountRef"]["name"],
                "acme-maverics-secrets-reader"
            );
            assert_eq!(
                get(&a, "ExternalSecret/idp/acme-maverics-secrets")["spec"]["secretStoreRef"]["name"],
                "acme-maverics-aws-secrets-manager"
            );
        }
        if let Some(route) = a.get("Route/idp/acme-maverics") {
            assert_eq!(route["spec"]["to"]["name"], "acme-maverics");
        }
        if let Some(ing) = a.get("Ingress/idp/acme-maverics") {
            assert_eq!(
                ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"],
                "acme-maverics"
            );
        }
    }
}

#[cfg(feature = "e2e")]
#[test]
fn ejected_eks_overlay_equals_the_transformer() {
    assert_eject_equivalent("eks", &root().join("overlays/eks"));
}

#[cfg(feature = "e2e")]
#[test]
fn ejected_rosa_overlay_equals_the_transformer() {
    assert_eject_equivalent("rosa", &root().join("overlays/rosa"));
}

/// Calico replaces the standard NetworkPolicy: the ejected overlay deletes it with
/// `$patch: delete`.
#[cfg(feature = "e2e")]
#[test]
fn ejected_calico_overlay_deletes_the_standard_policy_like_the_transformer() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("eks-calico");
    std::fs::create_dir_all(&dir).unwrap();
    let mut fc = platform_config("eks");
    set(&mut fc, &["spec", "eks", "networkPolicy", "flavour"], "calico".into());
    set(
        &mut fc,
        &["metadata", "annotations", "config.kubernetes.io/function"],
        format!("exec:\n  path: {}\n", root().join("plugins/maverics-krm").display()).into(),
    );
    write(&dir, "platform.yaml", &serde_yaml::to_string(&fc).unwrap());
    std::fs::copy(
        root().join("overlays/eks/kustomizeconfig.yaml"),
        dir.join("kustomizeconfig.yaml"),
    )
    .unwrap();
    overlay(
        &dir,
        &[&root().join("bases/orchestrator")],
        "transformers:\n  - platform.yaml\nconfigurations:\n  - kustomizeconfig.yaml\n",
    );
    let built = objects(&kustomize_build(&tool("kustomize-5.8.1"), &dir));
    assert!(
        !built.contains_key("NetworkPolicy/maverics/maverics")
            || built["NetworkPolicy/maverics/maverics"]["apiVersion"] == "projectcalico.org/v3"
    );
    let calico = built
        .values()
        .find(|o| o["apiVersion"] == "projectcalico.org/v3")
        .expect("a Calico NetworkPolicy");
    assert_eq!(
        calico["spec"]["ingress"][0]["source"]["nets"],
        serde_json::json!(["10.0.0.0/24", "10.0.1.0/24"])
    );
    assert!(
        !built
            .values()
            .any(|o| o["apiVersion"] == "networking.k8s.io/v1" && o["kind"] == "NetworkPolicy")
    );
    assert_eject_equivalent("eks", &dir);
}

#[cfg(feature = "e2e")]
#[test]
fn eject_refuses_a_platform_mismatch_and_a_non_empty_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let o = command(bin())
        .args(["eject", "rosa", "--config"])
        .arg(root().join("overlays/eks/platform.yaml"))
        .arg("--out")
        .arg(tmp.path().join("x"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("spec.platform: the config is for `eks`, not `rosa`"),
        "{}",
        stderr(&o)
    );
    write(tmp.path(), "keep.txt", "mine");
    let o = command(bin())
        .args(["eject", "eks", "--config"])
        .arg(root().join("overlays/eks/platform.yaml"))
        .arg("--out")
        .arg(tmp.path())
        .arg("--kustomize")
        .arg(tool("kustomize-5.8.1"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("is not empty"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(tmp.path().join("keep.txt")).unwrap(), "mine");
}

// ---------------------------------------------------------------------------------------
// namePrefix and namespace before the transformer

#[cfg(feature = "e2e")]
#[test]
fn name_prefix_and_namespace_applied_before_the_transformer_carry_into_what_it_adds() {
    let tmp = tempfile::tempdir().unwrap();
    for platform in ["eks", "rosa", "aks"] {
        let dir = tmp.path().join(platform);
        platform_overlay(&dir, &platform_config(platform), "namePrefix: acme-\nnamespace: idp\n");
        for (version, k) in kustomize_versions() {
            let objs = objects(&kustomize_build(&k, &dir));
            // The Namespace is cluster-scoped: kustomize's `namespace:` renames it, no prefix.
            assert!(
                objs.keys().all(|k| k.contains("/idp/acme-") || k == "Namespace//idp"),
                "{platform} {version}: {objs:#?}"
            );
            let (store_name, reader) = match platform {
                "aks" => (
                    "acme-maverics-azure-key-vault",
                    "/spec/provider/azurekv/serviceAccountRef/name",
                ),
                _ => (
                    "acme-maverics-aws-secrets-manager",
                    "/spec/provider/aws/auth/jwt/serviceAccountRef/name",
                ),
            };
            let store = get(&objs, &format!("SecretStore/idp/{store_name}"));
            assert_eq!(store.pointer(reader), Some(&Json::from("acme-maverics-secrets-reader")));
            get(&objs, "ServiceAccount/idp/acme-maverics-secrets-reader");
            assert_eq!(
                get(&objs, "ExternalSecret/idp/acme-maverics-secrets")["spec"]["secretStoreRef"]["name"],
                store_name
            );
            match platform {
                "eks" | "aks" => {
                    let ing = get(&objs, "Ingress/idp/acme-maverics");
                    assert_eq!(
                        ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"],
                        "acme-maverics"
                    );
                }
                _ => assert_eq!(
                    get(&objs, "Route/idp/acme-maverics")["spec"]["to"]["name"],
                    "acme-maverics"
                ),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Errors

pub(crate) fn assert_fails(fc: &Value, items: &[Value], expect: &[&str]) {
    let (out_items, err, code) = transform(items, fc);
    assert_eq!(code, 1, "stderr: {err}");
    for e in expect {
        assert!(err.contains(e), "expected `{e}` in:\n{err}");
    }
    assert_eq!(out_items, items, "items come back unchanged on error");
}

#[test]
fn a_misspelled_platform_key_names_its_path_and_the_nearest_field() {
    let mut fc = platform_config("eks");
    let eks = fc["spec"]["eks"]["ingress"].as_mapping_mut().unwrap();
    let arns = eks.remove("certificateArns").unwrap();
    eks.insert("certificateArn".into(), arns);
    assert_fails(
        &fc,
        &base_items(),
        &[
            "spec.eks.ingress.certificateArn: unknown field `certificateArn`",
            "did you mean `certificateArns`? Write `spec.eks.ingress.certificateArns`",
        ],
    );
}

#[test]
fn a_bad_arn_names_its_path_and_shape() {
    let mut fc = platform_config("eks");
    set(
        &mut fc,
        &["spec", "eks", "secretStore", "roleArn"],
        "arn:aws:iam::1111:role/x".into(),
    );
    assert_fails(
        &fc,
        &base_items(),
        &[
            "spec.eks.secretStore.roleArn: `arn:aws:iam::1111:role/x` is not an IAM role ARN: the account `1111` is not 12 digits",
            "fix: write `arn:aws:iam::<12-digit account>:role/<name>`",
        ],
    );
    let mut fc = platform_config("eks");
    set(
        &mut fc,
        &["spec", "eks", "ingress", "certificateArns"],
        yaml("[arn:aws:iam::111122223333:role/x]"),
    );
    assert_fails(
        &fc,
        &base_items(),
        &["spec.eks.ingress.certificateArns[0]", "expected `acm`"],
    );
}

#[cfg(feature = "e2e")]
#[test]
fn platform_errors_reach_the_kustomize_user() {
    let tmp = tempfile::tempdir().unwrap();
    let mut fc = platform_config("eks");
    set(&mut fc, &["spec", "eks", "ingress", "scheme"], "public".into());
    set(
        &mut fc,
        &["metadata", "annotations", "config.kubernetes.io/function"],
        format!("exec:\n  path: {}\n", root().join("plugins/maverics-krm").display()).into(),
    );
    write(tmp.path(), "platform.yaml", &serde_yaml::to_string(&fc).unwrap());
    overlay(
        tmp.path(),
        &[&root().join("bases/orchestrator")],
        "transformers:\n  - platform.yaml\n",
    );
    for (version, k) in kustomize_versions() {
        let out = command(&k)
            .args(["build", "--enable-alpha-plugins", "--enable-exec"])
            .arg(tmp.path())
            .output()
            .unwrap();
        assert!(!out.status.success(), "{version}");
        let err = stderr(&out);
        assert!(
            err.contains("spec.eks.ingress.scheme: unknown variant `public`"),
            "{version}: {err}"
        );
        assert!(err.contains("`internal`, `internet-facing`"), "{version}: {err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn the_router_cookie_must_not_be_the_session_cookie_and_passthrough_is_refused() {
    let mut fc = platform_config("rosa");
    set(
        &mut fc,
        &["spec", "rosa", "route", "cookieName"],
        "maverics_session".into(),
    );
    assert_fails(
        &fc,
        &base_items(),
        &["spec.rosa.route.cookieName: the router cookie `maverics_session` is the orchestrator's own session cookie"],
    );
    let mut fc = platform_config("rosa");
    set(&mut fc, &["spec", "rosa", "route", "termination"], "passthrough".into());
    assert_fails(
        &fc,
        &base_items(),
        &["spec.rosa.route.termination: a passthrough Route cannot keep sessions sticky"],
    );
}

#[test]
fn a_stream_without_the_orchestrator_is_an_error() {
    let cm = yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n");
    assert_fails(
        &platform_config("eks"),
        &[cm],
        &["no Maverics orchestrator in the resources"],
    );
}

// ---------------------------------------------------------------------------------------
// Behaviour and idempotency

fn assert_idempotent(items: &[Value], fc: &Value) -> Vec<Value> {
    let (once, err, code) = transform(items, fc);
    assert_eq!(code, 0, "{err}");
    let (twice, err, code) = transform(&once, fc);
    assert_eq!(code, 0, "{err}");
    assert_eq!(once, twice, "the transformer changed its own output");
    once
}

#[test]
fn the_transformer_on_its_own_output_changes_nothing() {
    for platform in ["eks", "rosa", "aks", "gke"] {
        let out = assert_idempotent(&base_items(), &platform_config(platform));
        let unrelated =
            yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other, namespace: maverics}\ndata: {a: b}\n");
        let mut with_other = out.clone();
        with_other.insert(0, unrelated.clone());
        let (again, _, code) = transform(&with_other, &platform_config(platform));
        assert_eq!(code, 0);
        assert_eq!(again[0], unrelated, "pass-through items stay untouched");
    }
}

/// EKS with Calico, persistence, an encrypted gp3 StorageClass, a managed Namespace and
/// DoNotSchedule zone spreading.
#[test]
fn eks_options_patch_volumes_namespace_and_policy() {
    let items = render(
        "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {name: maverics}\n\
         spec: {namespace: maverics, persistence: {enabled: true}}\n",
    );
    // The base generates the managed Namespace (spec.namespace with createNamespace on).
    assert!(
        items.iter().any(|i| i["kind"] == "Namespace"),
        "the base generates its Namespace"
    );
    let mut fc = platform_config("eks");
    set(&mut fc, &["spec", "eks", "networkPolicy", "flavour"], "calico".into());
    set(&mut fc, &["spec", "eks", "storage", "createStorageClass"], true.into());
    set(
        &mut fc,
        &["spec", "eks", "storage", "kmsKeyArn"],
        "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".into(),
    );
    set(
        &mut fc,
        &["spec", "eks", "topologySpread", "whenUnsatisfiable"],
        "DoNotSchedule".into(),
    );
    set(
        &mut fc,
        &["spec", "eks", "orchestratorRoleArn"],
        "arn:aws:iam::111122223333:role/maverics-orchestrator".into(),
    );
    let out = items_as_objects(&assert_idempotent(&items, &fc));
    let sc = get(&out, "StorageClass//maverics-gp3-encrypted");
    assert_eq!(sc["parameters"]["type"], "gp3");
    assert_eq!(sc["parameters"]["encrypted"], "true");
    let sts = get(&out, "StatefulSet/maverics/maverics");
    assert_eq!(
        sts["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"],
        "maverics-gp3-encrypted"
    );
    assert_eq!(
        sts["spec"]["template"]["spec"]["topologySpreadConstraints"][0]["whenUnsatisfiable"],
        "DoNotSchedule"
    );
    assert_eq!(
        get(&out, "Namespace//maverics")["metadata"]["labels"]["elbv2.k8s.aws/pod-readiness-gate-inject"],
        "enabled"
    );
    assert!(
        get(&out, "Ingress/maverics/maverics")["metadata"]["annotations"]["krm.maverics.dev/pod-readiness-gate"]
            .is_null(),
        "the namespace is managed: the label replaces the note"
    );
    assert_eq!(
        get(&out, "ServiceAccount/maverics/maverics")["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
        "arn:aws:iam::111122223333:role/maverics-orchestrator"
    );
    let np = get(&out, "NetworkPolicy/maverics/maverics");
    assert_eq!(np["apiVersion"], "projectcalico.org/v3");
    assert_eq!(
        np["spec"]["selector"],
        "app.kubernetes.io/instance == 'maverics' && app.kubernetes.io/name == 'maverics-orchestrator'"
    );
}

/// A pod that serves TLS gets a reencrypt Route and a service-CA certificate.
#[test]
fn rosa_reencrypts_to_a_pod_serving_tls_with_a_service_ca_certificate() {
    let items = render(
        "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {name: maverics}\n\
         spec: {namespace: maverics, tls: {termination: pod, secretName: maverics-tls}, \
         ingress: {enabled: true, className: nginx, hosts: [sso.example.com]}}\n",
    );
    let out = items_as_objects(&assert_idempotent(&items, &platform_config("rosa")));
    let route = get(&out, "Route/maverics/maverics");
    assert_eq!(route["spec"]["tls"]["termination"], "reencrypt");
    assert_eq!(
        get(&out, "Service/maverics/maverics")["metadata"]["annotations"]["service.beta.openshift.io/serving-cert-secret-name"],
        "maverics-tls"
    );
    assert!(
        !out.contains_key("Ingress/maverics/maverics"),
        "the Route replaces the base's Ingress"
    );
    let mut fc = platform_config("rosa");
    set(&mut fc, &["spec", "rosa", "route", "termination"], "edge".into());
    assert_fails(&fc, &items, &["spec.rosa.route.termination: `edge` sends plain HTTP"]);
}

#[test]
fn several_instances_need_spec_instance() {
    let mut items = base_items();
    items.extend(render(
        "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {name: second}\nspec: {namespace: maverics}\n",
    ));
    assert_fails(
        &platform_config("eks"),
        &items,
        &[
            "several orchestrator instances in the resources: `maverics`, `second`",
            "spec.instance",
        ],
    );
    let mut fc = platform_config("eks");
    set(&mut fc, &["spec", "instance"], "second".into());
    let out = items_as_objects(&assert_idempotent(&items, &fc));
    get(&out, "Ingress/maverics/second");
    assert!(!out.contains_key("Ingress/maverics/maverics"));
}

/// An object the layers edit, replace or delete, found twice (the base listed twice, a
/// generated object copied into an overlay), is refused under every platform: the layer
/// changed only the first copy, so a second run changed the output again (under ROSA and
/// GKE one copy of the Ingress was removed per run). Two orchestrators of one name in two
/// namespaces are said as such; an Ingress with the orchestrator's labels and another name
/// is not the orchestrator's (found by an outside review: EKS and AKS refused their own
/// output on a second run).
#[test]
fn a_second_copy_of_an_object_the_layers_change_is_refused() {
    let items = render(&base_config().replace(
        "  ingress:\n    enabled: false\n",
        "  ingress:\n    enabled: true\n    className: alb\n",
    ));
    for kind in ["Ingress", "StatefulSet", "NetworkPolicy", "ConfigMap", "ExternalSecret"] {
        let Some(copy) = items
            .iter()
            .find(|o| o["kind"] == kind && (kind != "ConfigMap" || o["data"]["maverics.yaml"].is_string()))
        else {
            panic!("the base has no {kind}");
        };
        let mut twice = items.clone();
        twice.push(copy.clone());
        for platform in ["eks", "rosa", "aks", "gke"] {
            assert_fails(
                &platform_config(platform),
                &twice,
                &[
                    &format!("two {kind} objects of the orchestrator `maverics`: `"),
                    "where the generator makes one",
                    "remove the copy",
                ],
            );
        }
    }
    // Two configs of one name in two namespaces: said as such, with the setting to change.
    let mut other = items.clone();
    for o in &mut other {
        if let Some(ns) = o["metadata"].get_mut("namespace") {
            *ns = "elsewhere".into();
        }
    }
    let mut both = items.clone();
    both.extend(other);
    assert_fails(
        &platform_config("eks"),
        &both,
        &[
            "two orchestrators named `maverics` in different namespaces",
            "metadata.name",
        ],
    );
    // An Ingress with the orchestrator's labels but another name is not the one the EKS and
    // AKS layers replace by name: it passes, and the layer's output is its own fixed point.
    let stray = |items: &[Value]| {
        let mut ingress = items.iter().find(|o| o["kind"] == "Ingress").cloned().expect("Ingress");
        ingress["metadata"]["name"] = "stray".into();
        let mut out: Vec<Value> = items.iter().filter(|o| o["kind"] != "Ingress").cloned().collect();
        out.push(ingress);
        out
    };
    for platform in ["eks", "aks", "rosa", "gke"] {
        let out = assert_idempotent(&stray(&items), &platform_config(platform));
        assert!(
            out.iter()
                .any(|o| o["kind"] == "Ingress" && o["metadata"]["name"] == "stray"),
            "{platform}: the stray Ingress is passed through"
        );
    }
}

// ---------------------------------------------------------------------------------------
// kpt

/// A kpt package holding the rendered base and a platform config as a mutator.
#[cfg(feature = "e2e")]
#[test]
fn kpt_render_applies_the_platform_and_a_second_render_changes_nothing() {
    let kpt = kpt();
    let kubernetes = "system:serviceaccount:maverics:maverics-secrets-reader";
    let gke = "serviceAccount:acme-sso-prod.svc.id.goog[maverics/maverics-secrets-reader]";
    for (platform, expect, subject) in [
        ("eks", "kind: Ingress", kubernetes),
        ("rosa", "kind: Route", kubernetes),
        ("gke", "kind: BackendConfig", gke),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let pkg = tmp.path().join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        let base = command(bin()).arg("render").output().unwrap();
        write(&pkg, "base.yaml", &stdout(&base));
        let mut fc = platform_config(platform);
        set(
            &mut fc,
            &["metadata", "annotations", "config.kubernetes.io/local-config"],
            "true".into(),
        );
        write(&pkg, "platform.yaml", &serde_yaml::to_string(&fc).unwrap());
        let exec = serde_yaml::to_string(&root().join("plugins/maverics-krm").display().to_string()).unwrap();
        write(
            &pkg,
            "Kptfile",
            &format!(
                "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n\
                 pipeline:\n  mutators:\n    - exec: {}\n      configPath: platform.yaml\n",
                exec.trim_end()
            ),
        );
        let run = || {
            let o = command(&kpt)
                .args(["fn", "render", "--allow-exec"])
                .current_dir(&pkg)
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "{platform}: kpt fn render: {}{}",
                stdout(&o),
                stderr(&o)
            );
            format!("{}{}", stdout(&o), stderr(&o))
        };
        let snapshot = || {
            let mut files = BTreeMap::new();
            for e in walk(&pkg) {
                files.insert(e.clone(), std::fs::read_to_string(pkg.join(&e)).unwrap());
            }
            files
        };
        // Info results (the cloud-side trust) and warnings (example values) pass through kpt
        // as results, without failing the render.
        let said = run();
        assert!(
            said.contains(subject),
            "{platform}: kpt does not show the trust subject:\n{said}"
        );
        let first = snapshot();
        let all: String = first.values().cloned().collect();
        assert!(all.contains(expect), "{platform}: {expect} missing: {first:#?}");
        run();
        assert_eq!(
            first,
            snapshot(),
            "{platform}: a second kpt fn render changed the package"
        );
    }
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn items_json_cannot_hold_pass_through_untouched() {
    let mut items = base_items();
    let odd = yaml("apiVersion: example.com/v1\nkind: Odd\nmetadata: {name: odd}\nspec: {1: one, 2: two}\n");
    items.insert(0, odd.clone());
    let (out, err, code) = transform(&items, &platform_config("eks"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out[0], odd);
}

/// The overlay's Namespace object is found by name, not by the generator's labels: one JSON
/// cannot hold fails only a layer that edits it (EKS labels it), never ROSA, which leaves it.
#[test]
fn a_namespace_json_cannot_hold_fails_only_the_layer_that_edits_it() {
    let mut items = base_items();
    let ns = yaml("apiVersion: v1\nkind: Namespace\nmetadata: {name: maverics}\nspec: {? [a]: b}\n");
    items.insert(0, ns.clone());
    let (out, err, code) = transform(&items, &platform_config("rosa"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out[0], ns);
    let (out, err, code) = transform(&items, &platform_config("eks"));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("Namespace") && err.contains("cannot be read as JSON"),
        "{err}"
    );
    assert_eq!(out, items, "on error the items come back as they came");
}

/// The platform layer checks stickiness on the full stream, where every exposure is known: an
/// extra Ingress without cookie affinity in front of the scaled proxy fails the transform, and
/// the items come back unchanged.
#[test]
fn an_exposure_without_affinity_in_the_stream_fails_the_platform_layer() {
    let mut items = base_items();
    items.push(yaml(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: side-door, namespace: maverics}\n\
         spec:\n  ingressClassName: traefik\n  rules:\n  - http:\n      paths:\n      - path: /\n        pathType: Prefix\n\
         \x20       backend: {service: {name: maverics, port: {name: http}}}\n",
    ));
    for platform in ["eks", "rosa", "aks", "gke"] {
        let (out, err, code) = transform(&items, &platform_config(platform));
        assert_eq!(code, 1, "{platform}: {err}");
        assert!(
            err.contains("side-door"),
            "{platform}: the finding names the Ingress: {err}"
        );
        assert_eq!(out, items, "{platform}: items unchanged on error");
    }
}

/// Each role the layer uses gets its trust subject from the names in the stream; without a
/// namespace there, the result says the subject is not fixed yet and how to fix it.
#[test]
fn the_trust_subject_names_each_role_and_says_when_the_namespace_is_unknown() {
    let mut fc = platform_config("eks");
    let arn = "arn:aws:iam::123456789012:role/orchestrator";
    set(&mut fc, &["spec", "eks", "orchestratorRoleArn"], arn.into());
    let mut items = base_items();
    for item in &mut items {
        if let Some(meta) = item.get_mut("metadata").and_then(Value::as_mapping_mut) {
            meta.remove("namespace");
        }
    }
    items.retain(|i| i["kind"].as_str() != Some("Namespace"));
    let (_, err, code) = transform(&items, &fc);
    assert_eq!(code, 0, "{err}");
    let infos: Vec<&str> = err.lines().filter(|l| l.starts_with("info: ")).collect();
    assert_eq!(infos.len(), 2, "{err}");
    assert!(
        infos[1].starts_with(&format!(
            "info: OrchestratorPlatform eks: spec.eks.orchestratorRoleArn: cloud-side trust: IAM role `{arn}`"
        )),
        "{err}"
    );
    for sa in ["maverics-secrets-reader", "maverics"] {
        assert!(
            err.contains(&format!("`system:serviceaccount:<namespace>:{sa}`")),
            "{sa}: {err}"
        );
    }
    assert!(err.contains("fix: the objects have no namespace yet"), "{err}");
}

#[test]
fn a_label_value_cannot_widen_a_calico_policy_to_every_pod() {
    let mut fc = platform_config("eks");
    set(&mut fc, &["spec", "eks", "networkPolicy", "flavour"], "calico".into());
    // What a kustomize patch of the base's policy could carry: quoted into Calico's selector
    // language as is, it would select every pod.
    for at in [
        &["spec", "podSelector", "matchLabels", "app.kubernetes.io/name"][..],
        &[
            "spec",
            "egress",
            "0",
            "to",
            "0",
            "namespaceSelector",
            "matchLabels",
            "team",
        ][..],
    ] {
        let mut items = base_items();
        for item in items.iter_mut().filter(|i| i["kind"] == "NetworkPolicy") {
            if at[1] == "egress" {
                item["spec"]["egress"][0]["to"] = yaml("[{namespaceSelector: {matchLabels: {team: x}}}]");
                item["spec"]["egress"][0]["to"][0]["namespaceSelector"]["matchLabels"]["team"] =
                    "x' || all() || '".into();
            } else {
                set(item, at, "x' || all() || '".into());
            }
        }
        assert_fails(
            &fc,
            &items,
            &[
                &format!(
                    "spec.eks.networkPolicy.flavour: the NetworkPolicy selects on `{}: ",
                    at[at.len() - 1]
                ),
                "is not a label value",
                "cannot be written into a Calico selector",
                "fix: fix the label in the base",
            ],
        );
    }
}

#[test]
fn platform_hosts_cidrs_cookies_and_images_are_checked_as_the_api_would() {
    let cases: &[(&str, &[&str], &str, &str)] = &[
        (
            "eks",
            &["spec", "eks", "ingress", "hosts"],
            "['SSO.example.com']",
            "spec.eks.ingress.hosts[0]: `SSO.example.com` is not a host name",
        ),
        (
            "eks",
            &["spec", "eks", "ingress", "hosts"],
            "['sso.*.example.com']",
            "spec.eks.ingress.hosts[0]: `sso.*.example.com` has a `*` that is not the whole first label",
        ),
        (
            "eks",
            &["spec", "eks", "networkPolicy", "albSubnetCidrs"],
            "['10.0.0.1/24']",
            "spec.eks.networkPolicy.albSubnetCidrs[0]: `10.0.0.1/24` sets host bits: the network is `10.0.0.0/24`",
        ),
        (
            "eks",
            &["spec", "eks", "networkPolicy", "albSubnetCidrs"],
            "['2001:db8::1/64']",
            "spec.eks.networkPolicy.albSubnetCidrs[0]: `2001:db8::1/64` sets host bits: the network is `2001:db8::/64`",
        ),
        (
            "rosa",
            &["spec", "rosa", "route", "host"],
            "'*.apps.example.com'",
            "spec.rosa.route.host: `*.apps.example.com` has a wildcard, which this field does not allow",
        ),
        (
            "rosa",
            &["spec", "rosa", "route", "cookieName"],
            "'RTE;Path=/'",
            "spec.rosa.route.cookieName: `RTE;Path=/` is not a cookie name (an RFC 6265 token",
        ),
        (
            "rosa",
            &["spec", "rosa", "image", "repository"],
            "'quay.io/strata/orch estrator'",
            "spec.rosa.image.repository: the image repository `quay.io/strata/orch estrator` is not an image repository",
        ),
        (
            "eks",
            &["spec", "eks", "ingress", "groupName"],
            "'Shared_Group'",
            "spec.eks.ingress.groupName: IngressGroup `Shared_Group` is not a DNS-1123 subdomain",
        ),
        (
            "rosa",
            &["spec", "rosa", "route", "timeout"],
            "'60 seconds'",
            "spec.rosa.route.timeout: `60 seconds` is not a router timeout",
        ),
    ];
    for (platform, path, value, expect) in cases {
        let mut fc = platform_config(platform);
        set(&mut fc, path, yaml(value));
        assert_fails(&fc, &base_items(), &[expect]);
    }
}

#[test]
fn a_session_cookie_cannot_add_alb_attributes() {
    // The cookie name comes from the base's ConfigMap, which a kustomize patch can change after
    // the generator checked it: spliced as is, `,stickiness.enabled=false` would turn the
    // stickiness off.
    let fc = platform_config("eks");
    let mut items = base_items();
    let patched = items
        .iter_mut()
        .filter(|i| i["kind"] == "ConfigMap" && i["data"]["maverics.yaml"].is_string())
        .map(|i| {
            i["data"]["maverics.yaml"] =
                "version: 0.0.1\nsession:\n  cookie:\n    name: 'sid,stickiness.enabled=false'\n".into()
        })
        .count();
    assert_eq!(patched, 1);
    assert_fails(
        &fc,
        &items,
        &[
            "spec.config.session.cookie.name: the ALB's target group attributes: `sid,stickiness.enabled=false` cannot be written into an ALB attribute string",
            "fix: name the session cookie with an RFC 6265 token",
        ],
    );
}

// ---------------------------------------------------------------------------------------
// AKS (overlays/aks): Application Gateway for Containers, Workload ID, Key Vault, Cilium

#[cfg(feature = "e2e")]
#[test]
fn aks_overlay_builds_to_its_golden_with_both_kustomize_versions() {
    for (version, k) in kustomize_versions() {
        let out = kustomize_build(&k, &root().join("overlays/aks"));
        assert_golden("kustomize/aks.yaml", &out);
        let objs = objects(&out);
        let ing = get(&objs, "Ingress/maverics/maverics");
        assert_eq!(ing["spec"]["ingressClassName"], "azure-alb-external", "{version}");
        assert_eq!(ing["spec"]["tls"][0]["secretName"], "sso-example-com-tls");
        let ann = &ing["metadata"]["annotations"];
        assert_eq!(ann["alb.networking.azure.io/alb-ingress-extension"], "maverics");
        assert_eq!(ann["alb.networking.azure.io/alb-name"], "alb");
        let ext = get(&objs, "IngressExtension/maverics/maverics");
        assert_eq!(ext["spec"]["backendSettings"][0]["service"], "maverics");
        assert_eq!(
            ext["spec"]["backendSettings"][0]["sessionAffinity"]["affinityType"],
            "managed-cookie"
        );
        let hc = get(&objs, "HealthCheckPolicy/maverics/maverics");
        assert_eq!(hc["spec"]["targetRef"]["name"], "maverics");
        assert_eq!(hc["spec"]["default"]["http"]["path"], "/status");
        assert_eq!(hc["spec"]["default"]["port"], 8080);
        let sa = get(&objs, "ServiceAccount/maverics/maverics-secrets-reader");
        assert_eq!(
            sa["metadata"]["annotations"]["azure.workload.identity/client-id"],
            "00000000-0000-0000-0000-000000000001"
        );
        // ESO mints the reader's token itself: the orchestrator has no Azure identity here.
        let own = get(&objs, "ServiceAccount/maverics/maverics");
        assert!(own["metadata"]["annotations"]["azure.workload.identity/client-id"].is_null());
        let store = get(&objs, "SecretStore/maverics/maverics-azure-key-vault");
        let kv = &store["spec"]["provider"]["azurekv"];
        assert_eq!(kv["authType"], "WorkloadIdentity");
        assert_eq!(kv["vaultUrl"], "https://maverics-kv.vault.azure.net/");
        assert_eq!(kv["serviceAccountRef"]["name"], "maverics-secrets-reader");
        // ESO mints the token itself, so no webhook supplies the tenant: it is in the store,
        // and only there (ESO's errMultipleTenantID).
        assert_eq!(kv["tenantId"], "00000000-0000-0000-0000-000000000000");
        assert!(sa["metadata"]["annotations"]["azure.workload.identity/tenant-id"].is_null());
        assert_eq!(hc["spec"]["default"]["useTLS"], false);
        assert_eq!(
            get(&objs, "ExternalSecret/maverics/maverics-secrets")["spec"]["secretStoreRef"]["name"],
            "maverics-azure-key-vault"
        );
        let np = get(&objs, "NetworkPolicy/maverics/maverics");
        assert_eq!(
            np["spec"]["ingress"][0]["from"],
            serde_json::json!([{"ipBlock": {"cidr": "10.225.0.0/24"}}])
        );
        let pod = &get(&objs, "StatefulSet/maverics/maverics")["spec"]["template"]["spec"];
        assert_eq!(pod["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"], 30);
        assert_eq!(
            pod["topologySpreadConstraints"][0]["topologyKey"],
            "topology.kubernetes.io/zone"
        );
    }
}

#[cfg(feature = "e2e")]
#[test]
fn ejected_aks_overlay_equals_the_transformer() {
    assert_eject_equivalent("aks", &root().join("overlays/aks"));
}

/// The parent overlay's namespace and namePrefix reach every reference the AKS layer adds,
/// and the federated credential subject reported (and ejected) is the one built.
#[cfg(feature = "e2e")]
#[test]
fn aks_references_and_trust_subject_follow_the_parent_overlay() {
    let tmp = tempfile::tempdir().unwrap();
    let parent = tmp.path().join("parent");
    overlay(
        &parent,
        &[&root().join("overlays/aks")],
        "namePrefix: acme-\nnamespace: idp\n",
    );
    for (version, k) in kustomize_versions() {
        let (out, err) = common::kustomize_build_reporting(&k, &parent);
        let objs = objects(&out);
        let ing = get(&objs, "Ingress/idp/acme-maverics");
        assert_eq!(
            ing["metadata"]["annotations"]["alb.networking.azure.io/alb-ingress-extension"], "acme-maverics",
            "{version}"
        );
        let hc = get(&objs, "HealthCheckPolicy/idp/acme-maverics");
        assert_eq!(
            hc["spec"]["targetRef"],
            serde_json::json!({"group": "", "kind": "Service", "name": "acme-maverics", "namespace": "idp"})
        );
        let ext = get(&objs, "IngressExtension/idp/acme-maverics");
        assert_eq!(ext["spec"]["backendSettings"][0]["service"], "acme-maverics");
        // The transformer runs inside overlays/aks, before the parent's prefix: the subject
        // it reports is the one of that build, and it marks the reader with it...
        assert!(
            err.contains(
                "--subject system:serviceaccount:maverics:maverics-secrets-reader --audience api://AzureADTokenExchange"
            ),
            "{version}: {err}"
        );
        let reader = get(&objs, "ServiceAccount/idp/acme-maverics-secrets-reader");
        assert_eq!(
            reader["metadata"]["annotations"]["krm.maverics.dev/trust-subject"],
            "system:serviceaccount:maverics:maverics-secrets-reader"
        );
        // ...so the check of the final stream names the subject to configure instead.
        let o = run_with_stdin(Command::new(bin()).args(["check", "-"]), out.as_bytes());
        assert!(
            stderr(&o).contains(
                "fix: configure the trust for system:serviceaccount:idp:acme-maverics-secrets-reader (the ServiceAccount's final name)"
            ),
            "{version}: {}",
            stderr(&o)
        );
    }
    // Only read back, never built: a temporary directory anywhere will do (target/ may not
    // exist in a clone whose build goes to $CARGO_TARGET_DIR, as in CI).
    let out = tempfile::tempdir().unwrap();
    eject("aks", &root().join("overlays/aks/platform.yaml"), &out.path().join("e"));
    let kust = std::fs::read_to_string(out.path().join("e/kustomization.yaml")).unwrap();
    assert!(
        kust.contains("# spec.aks.secretStore.identity.clientId: cloud-side trust: managed identity (client ID)")
            && kust.contains("system:serviceaccount:maverics:maverics-secrets-reader"),
        "{kust}"
    );
}

fn aks_config() -> Value {
    platform_config("aks")
}

#[test]
fn aks_bad_config_names_the_field_and_the_fix() {
    let mut fc = aks_config();
    set(&mut fc, &["spec", "aks", "ingress", "controller"], "agic".into());
    assert_fails(
        &fc,
        &base_items(),
        &[
            "spec.aks.ingress.controller: unknown variant `agic`",
            "did you mean `agc`? Use one of `agc`, `appRoutingNginx`",
        ],
    );
    let mut fc = aks_config();
    fc["spec"]["aks"]["secretStore"]["identity"]
        .as_mapping_mut()
        .unwrap()
        .remove("clientId");
    assert_fails(
        &fc,
        &base_items(),
        &["spec.aks.secretStore.identity.clientId: required field `clientId` is missing"],
    );
    let mut fc = aks_config();
    fc["spec"]["aks"]["secretStore"]["identity"]
        .as_mapping_mut()
        .unwrap()
        .remove("tenantId");
    assert_fails(
        &fc,
        &base_items(),
        &[
            "spec.aks.secretStore.identity.tenantId: External Secrets needs the tenant of its identity",
            "az account show --query tenantId",
        ],
    );
    let mut fc = aks_config();
    set(
        &mut fc,
        &["spec", "aks", "secretStore", "identity", "tenantId"],
        "contoso.onmicrosoft.com".into(),
    );
    assert_fails(
        &fc,
        &base_items(),
        &["spec.aks.secretStore.identity.tenantId: `contoso.onmicrosoft.com` is not a tenant ID (a GUID)"],
    );
    let mut fc = aks_config();
    set(
        &mut fc,
        &["spec", "aks", "secretStore", "identity", "clientId"],
        "maverics-reader".into(),
    );
    assert_fails(
        &fc,
        &base_items(),
        &[
            "spec.aks.secretStore.identity.clientId: `maverics-reader` is not a client ID (a GUID)",
            "az identity show",
        ],
    );
    let mut fc = aks_config();
    set(
        &mut fc,
        &["spec", "aks", "secretStore", "vaultUrl"],
        "https://maverics-kv.azure.net/".into(),
    );
    assert_fails(
        &fc,
        &base_items(),
        &[
            "spec.aks.secretStore.vaultUrl: `https://maverics-kv.azure.net/` is not an Azure Key Vault URL: the host must end in `.vault.azure.net`, `.vault.azure.cn`, `.vault.usgovcloudapi.net`",
            "fix: write `https://<vault name>.vault.azure.net/`",
        ],
    );
    let mut fc = aks_config();
    fc["spec"]["aks"]["ingress"]
        .as_mapping_mut()
        .unwrap()
        .insert("sessionAffinty".into(), yaml("{type: managedCookie}"));
    assert_fails(
        &fc,
        &base_items(),
        &["did you mean `sessionAffinity`? Write `spec.aks.ingress.sessionAffinity`"],
    );
    let mut fc = aks_config();
    fc["spec"]["aks"]["networkPolicy"]
        .as_mapping_mut()
        .unwrap()
        .remove("agcSubnetCidrs");
    assert_fails(
        &fc,
        &base_items(),
        &["spec.aks.networkPolicy.agcSubnetCidrs: the NetworkPolicy needs the CIDR of the subnet AGC sends from"],
    );
    let mut fc = aks_config();
    set(
        &mut fc,
        &["spec", "aks", "ingress", "sessionAffinity", "type"],
        "applicationCookie".into(),
    );
    set(
        &mut fc,
        &["spec", "aks", "ingress", "sessionAffinity", "cookieName"],
        "maverics_session".into(),
    );
    assert_fails(
        &fc,
        &base_items(),
        &[
            "spec.aks.ingress.sessionAffinity.cookieName: the affinity cookie `maverics_session` is the orchestrator's own session cookie",
        ],
    );
    let mut fc = aks_config();
    set(&mut fc, &["spec", "platform"], "eks".into());
    assert_fails(
        &fc,
        &base_items(),
        &["spec.aks: `spec.aks` is set but the platform is not aks"],
    );
}

/// The stickiness guard reads AGC's IngressExtension: without `sessionAffinity` a scaled
/// orchestrator in proxy mode is refused; an application cookie gets its own name and lifetime.
#[test]
fn aks_affinity_is_checked_in_the_ingress_extension() {
    let fc = aks_config();
    let (out, err, code) = transform(&base_items(), &fc);
    assert_eq!(code, 0, "{err}");
    let mut stripped = out.clone();
    for item in &mut stripped {
        if item["kind"].as_str() == Some("IngressExtension") {
            item["spec"]["backendSettings"][0]
                .as_mapping_mut()
                .unwrap()
                .remove("sessionAffinity");
        }
    }
    let text: String = stripped
        .iter()
        .map(|i| format!("---\n{}", serde_yaml::to_string(i).unwrap()))
        .collect();
    let o = run_with_stdin(Command::new(bin()).args(["check", "-"]), text.as_bytes());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("this Application Gateway for Containers Ingress has no cookie affinity: its IngressExtension `maverics` sets no sessionAffinity"),
        "{}",
        stderr(&o)
    );
    let mut fc = aks_config();
    set(
        &mut fc,
        &["spec", "aks", "ingress", "sessionAffinity", "type"],
        "applicationCookie".into(),
    );
    set(
        &mut fc,
        &["spec", "aks", "ingress", "sessionAffinity", "durationSeconds"],
        3600.into(),
    );
    let (out, err, code) = transform(&base_items(), &fc);
    assert_eq!(code, 0, "{err}");
    let objs = items_as_objects(&out);
    assert_eq!(
        get(&objs, "IngressExtension/maverics/maverics")["spec"]["backendSettings"][0]["sessionAffinity"],
        serde_json::json!({"affinityType": "application-cookie", "cookieName": "maverics_affinity", "cookieDuration": "3600s"})
    );
}

/// No public schema exists for `alb.networking.azure.io`: every field the layer emits must be
/// one Microsoft documents (AGC API specification, session-affinity and custom-health-probe
/// articles; docs/aks.md lists them).
#[test]
fn aks_agc_objects_use_only_documented_fields() {
    fn paths(v: &Json, at: String, out: &mut Vec<String>) {
        match v {
            Json::Object(m) => {
                for (k, v) in m {
                    paths(v, if at.is_empty() { k.clone() } else { format!("{at}.{k}") }, out);
                }
            }
            Json::Array(a) => a.iter().for_each(|v| paths(v, format!("{at}[]"), out)),
            _ => out.push(at),
        }
    }
    let documented: &[(&str, &[&str])] = &[
        (
            "IngressExtension",
            &[
                "spec.backendSettings[].service",
                "spec.backendSettings[].ports[].name",
                "spec.backendSettings[].ports[].protocol",
                "spec.backendSettings[].sessionAffinity.affinityType",
                "spec.backendSettings[].sessionAffinity.cookieName",
                "spec.backendSettings[].sessionAffinity.cookieDuration",
            ],
        ),
        (
            "HealthCheckPolicy",
            &[
                "spec.targetRef.group",
                "spec.targetRef.kind",
                "spec.targetRef.name",
                "spec.targetRef.namespace",
                "spec.default.interval",
                "spec.default.timeout",
                "spec.default.healthyThreshold",
                "spec.default.unhealthyThreshold",
                "spec.default.port",
                "spec.default.useTLS",
                "spec.default.http.path",
                "spec.default.http.match.statusCodes[].start",
                "spec.default.http.match.statusCodes[].end",
            ],
        ),
    ];
    let mut fc = aks_config();
    set(
        &mut fc,
        &["spec", "aks", "ingress", "sessionAffinity", "type"],
        "applicationCookie".into(),
    );
    let mut tls = base_items();
    for item in &mut tls {
        // A pod serving HTTPS adds the backend port's protocol.
        if item["kind"].as_str() == Some("Service") && item["spec"]["clusterIP"].as_str() != Some("None") {
            item["spec"]["ports"][0]["appProtocol"] = "https".into();
        }
    }
    let mut seen = 0;
    for items in [base_items(), tls] {
        let (out, err, code) = transform(&items, &fc);
        assert_eq!(code, 0, "{err}");
        for obj in items_as_objects(&out).values() {
            if obj["apiVersion"] != "alb.networking.azure.io/v1" {
                continue;
            }
            let kind = obj["kind"].as_str().unwrap_or_default();
            let allowed = documented
                .iter()
                .find(|(k, _)| *k == kind)
                .unwrap_or_else(|| panic!("{kind}: no documented field list"))
                .1;
            let mut found = Vec::new();
            paths(&obj["spec"], "spec".into(), &mut found);
            for p in &found {
                assert!(allowed.contains(&p.as_str()), "{kind}: `{p}` is not a documented field");
            }
            if kind == "HealthCheckPolicy" {
                // AGC's `custom-health-probe` page: `useTLS`, true when the pod serves HTTPS.
                assert_eq!(obj["spec"]["default"]["useTLS"], Json::Bool(seen > 1), "{obj}");
            }
            seen += 1;
        }
    }
    assert_eq!(seen, 4, "IngressExtension and HealthCheckPolicy, twice");
}

#[test]
fn aks_nginx_identity_dns_and_zone_redundant_storage() {
    let mut fc = aks_config();
    let ingress = fc["spec"]["aks"]["ingress"].as_mapping_mut().unwrap();
    ingress.remove("applicationLoadBalancer");
    ingress.insert("controller".into(), "appRoutingNginx".into());
    fc["spec"]["aks"]["networkPolicy"] = yaml("{localDns: true}");
    set(
        &mut fc,
        &["spec", "aks", "orchestratorIdentity"],
        yaml("{clientId: 0a1b2c3d-4e5f-6789-abcd-ef0123456789, tenantId: 11111111-2222-3333-4444-555555555555}"),
    );
    fc["spec"]["aks"]["storage"] = yaml("{zoneRedundant: true, createStorageClass: true}");
    let (out, err, code) = transform(&base_items(), &fc);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("spec.aks.ingress.controller: the application routing add-on's NGINX is deprecated: Microsoft patches it for critical security issues only through November 2026"),
        "{err}"
    );
    assert!(
        err.contains("spec.aks.orchestratorIdentity.clientId: cloud-side trust: managed identity (client ID) `0a1b2c3d-4e5f-6789-abcd-ef0123456789`")
            && err.contains("--subject system:serviceaccount:maverics:maverics "),
        "{err}"
    );
    let objs = items_as_objects(&out);
    assert!(
        !objs
            .keys()
            .any(|k| k.starts_with("IngressExtension/") || k.starts_with("HealthCheckPolicy/"))
    );
    let ing = get(&objs, "Ingress/maverics/maverics");
    assert_eq!(ing["spec"]["ingressClassName"], "webapprouting.kubernetes.azure.com");
    let ann = &ing["metadata"]["annotations"];
    assert_eq!(ann["nginx.ingress.kubernetes.io/affinity"], "cookie");
    assert_eq!(
        ann["nginx.ingress.kubernetes.io/session-cookie-name"],
        "maverics_affinity"
    );
    let sa = &get(&objs, "ServiceAccount/maverics/maverics")["metadata"]["annotations"];
    assert_eq!(
        sa["azure.workload.identity/client-id"],
        "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
    );
    assert_eq!(
        sa["azure.workload.identity/tenant-id"],
        "11111111-2222-3333-4444-555555555555"
    );
    let sts = get(&objs, "StatefulSet/maverics/maverics");
    assert_eq!(
        sts["spec"]["template"]["metadata"]["labels"]["azure.workload.identity/use"],
        "true"
    );
    let np = get(&objs, "NetworkPolicy/maverics/maverics");
    assert_eq!(
        np["spec"]["ingress"][0]["from"],
        serde_json::json!([{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "app-routing-system"}}}])
    );
    let egress = np["spec"]["egress"].as_array().unwrap();
    assert!(
        egress.contains(
            &serde_json::json!({"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]})
        ),
        "{egress:?}"
    );
    let sc = get(&objs, "StorageClass//maverics-premium-zrs");
    assert_eq!(sc["provisioner"], "disk.csi.azure.com");
    assert_eq!(sc["parameters"]["skuName"], "Premium_ZRS");
    assert_eq!(sc["volumeBindingMode"], "WaitForFirstConsumer");
    // Idempotent: a second run changes nothing.
    assert_idempotent(&out, &fc);
}

#[cfg(feature = "e2e")]
#[test]
fn gke_overlay_builds_to_its_golden_with_both_kustomize_versions() {
    for (version, k) in kustomize_versions() {
        let out = kustomize_build(&k, &root().join("overlays/gke"));
        assert_golden("kustomize/gke.yaml", &out);
        let objs = objects(&out);
        let ing = get(&objs, "Ingress/maverics/maverics");
        // GKE ignores an Ingress that sets ingressClassName: the class is the annotation.
        assert!(ing["spec"]["ingressClassName"].is_null(), "{version}");
        let ann = &ing["metadata"]["annotations"];
        assert_eq!(ann["kubernetes.io/ingress.class"], "gce");
        assert_eq!(ann["networking.gke.io/managed-certificates"], "maverics");
        assert_eq!(ann["networking.gke.io/v1beta1.FrontendConfig"], "maverics");
        let svc = get(&objs, "Service/maverics/maverics");
        assert_eq!(
            svc["metadata"]["annotations"]["cloud.google.com/neg"],
            r#"{"ingress":true}"#
        );
        assert_eq!(
            svc["metadata"]["annotations"]["cloud.google.com/backend-config"],
            r#"{"default":"maverics"}"#
        );
        let bc = &get(&objs, "BackendConfig/maverics/maverics")["spec"];
        assert_eq!(bc["sessionAffinity"]["affinityType"], "GENERATED_COOKIE");
        assert_eq!(bc["sessionAffinity"]["affinityCookieTtlSec"], 86400);
        assert_eq!(bc["healthCheck"]["requestPath"], "/status");
        assert_eq!(bc["healthCheck"]["port"], 8080);
        let pod = &get(&objs, "StatefulSet/maverics/maverics")["spec"]["template"]["spec"];
        assert_eq!(
            pod["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"],
            bc["connectionDraining"]["drainingTimeoutSec"],
            "the pod drains as long as the backend service does"
        );
        assert!(pod["terminationGracePeriodSeconds"].as_i64().unwrap() > 30);
        assert_eq!(
            pod["topologySpreadConstraints"][0]["topologyKey"],
            "topology.kubernetes.io/zone"
        );
        assert_eq!(
            get(&objs, "FrontendConfig/maverics/maverics")["spec"]["redirectToHttps"]["enabled"],
            true
        );
        assert_eq!(
            get(&objs, "ManagedCertificate/maverics/maverics")["spec"]["domains"],
            serde_json::json!(["sso.example.com"])
        );
        // Least privilege: the orchestrator's own account has no Google identity.
        assert!(
            get(&objs, "ServiceAccount/maverics/maverics")["metadata"]["annotations"]["iam.gke.io/gcp-service-account"]
                .is_null()
        );
        assert_eq!(
            get(&objs, "ServiceAccount/maverics/maverics-secrets-reader")["metadata"]["annotations"]["iam.gke.io/gcp-service-account"],
            "maverics-secrets@acme-sso-prod.iam.gserviceaccount.com"
        );
        let store = get(&objs, "SecretStore/maverics/maverics-gcp-secret-manager");
        assert_eq!(store["spec"]["provider"]["gcpsm"]["projectID"], "acme-sso-prod");
        assert_eq!(
            store["spec"]["provider"]["gcpsm"]["auth"]["workloadIdentity"]["serviceAccountRef"]["name"],
            "maverics-secrets-reader"
        );
        assert_eq!(
            get(&objs, "ExternalSecret/maverics/maverics-secrets")["spec"]["secretStoreRef"]["name"],
            "maverics-gcp-secret-manager"
        );
        let np = &get(&objs, "NetworkPolicy/maverics/maverics")["spec"];
        assert_eq!(
            np["ingress"][0]["from"],
            serde_json::json!([{"ipBlock": {"cidr": "35.191.0.0/16"}}, {"ipBlock": {"cidr": "130.211.0.0/22"}}])
        );
        let dns = &np["egress"][0]["to"];
        assert_eq!(dns[0]["podSelector"]["matchLabels"]["k8s-app"], "kube-dns");
        assert_eq!(dns[1]["ipBlock"]["cidr"], "169.254.20.10/32");
        assert_eq!(dns[2]["ipBlock"]["cidr"], "169.254.169.254/32");
    }
}

#[cfg(feature = "e2e")]
#[test]
fn ejected_gke_overlay_equals_the_transformer() {
    assert_eject_equivalent("gke", &root().join("overlays/gke"));
    // eject writes down the Workload Identity trust the build reports.
    let out = tempfile::tempdir().unwrap();
    eject("gke", &root().join("overlays/gke/platform.yaml"), out.path());
    let kust = std::fs::read_to_string(out.path().join("kustomization.yaml")).unwrap();
    assert!(
        kust.contains("# spec.gke.secretStore.gcpServiceAccount: cloud-side trust: Google service account")
            && kust.contains("`serviceAccount:acme-sso-prod.svc.id.goog[maverics/maverics-secrets-reader]`"),
        "{kust}"
    );
}

/// The same kustomization's namePrefix and namespace run before the transformer: what it
/// adds, the names its annotations carry and the trust subject follow them.
#[cfg(feature = "e2e")]
#[test]
fn gke_names_and_trust_follow_name_prefix_and_namespace() {
    let tmp = tempfile::tempdir().unwrap();
    platform_overlay(
        tmp.path(),
        &platform_config("gke"),
        "namePrefix: acme-\nnamespace: idp\n",
    );
    for (version, k) in kustomize_versions() {
        let (out, err) = common::kustomize_build_reporting(&k, tmp.path());
        let objs = objects(&out);
        assert!(
            objs.keys().all(|k| k.contains("/idp/acme-") || k == "Namespace//idp"),
            "{version}: {objs:#?}"
        );
        let svc = get(&objs, "Service/idp/acme-maverics");
        assert_eq!(
            svc["metadata"]["annotations"]["cloud.google.com/backend-config"],
            r#"{"default":"acme-maverics"}"#
        );
        get(&objs, "BackendConfig/idp/acme-maverics");
        let ing = get(&objs, "Ingress/idp/acme-maverics");
        assert_eq!(
            ing["metadata"]["annotations"]["networking.gke.io/managed-certificates"],
            "acme-maverics"
        );
        get(&objs, "ManagedCertificate/idp/acme-maverics");
        assert!(
            err.contains("`serviceAccount:acme-sso-prod.svc.id.goog[idp/acme-maverics-secrets-reader]`"),
            "{version}: {err}"
        );
    }
}

#[test]
fn gke_config_errors_name_the_field_and_the_nearest_value() {
    let gke = |path: &[&str], v: Value| {
        let mut fc = platform_config("gke");
        let mut full = vec!["spec", "gke"];
        full.extend_from_slice(path);
        set(&mut fc, &full, v);
        fc
    };
    assert_fails(
        &gke(&["projectId"], "Acme_SSO".into()),
        &base_items(),
        &[
            "spec.gke.projectId: `Acme_SSO` has characters other than lower-case letters, digits and hyphens",
            "fix: did you mean `acme-sso`? write the project ID",
        ],
    );
    assert_fails(
        &gke(
            &["secretStore", "gcpServiceAccount"],
            "reader@acme-sso-prod.example.com".into(),
        ),
        &base_items(),
        &[
            "spec.gke.secretStore.gcpServiceAccount: `reader@acme-sso-prod.example.com` does not end with `.iam.gserviceaccount.com`",
        ],
    );
    assert_fails(
        &gke(&["ingress", "class"], "gce-interal".into()),
        &base_items(),
        &[
            "spec.gke.ingress.class: unknown variant `gce-interal`",
            "did you mean `gce-internal`?",
        ],
    );
    assert_fails(
        &gke(&["mode"], "gatway".into()),
        &base_items(),
        &["spec.gke.mode: unknown variant `gatway`", "did you mean `gateway`?"],
    );
    assert_fails(
        &gke(&["backend", "sessionAffinity"], "GENERATED_COOKIES".into()),
        &base_items(),
        &["did you mean `GENERATED_COOKIE`?"],
    );
    let mut fc = platform_config("gke");
    let m = fc["spec"]["gke"].as_mapping_mut().unwrap();
    let id = m.remove("projectId").unwrap();
    m.insert("projectID".into(), id);
    assert_fails(
        &fc,
        &base_items(),
        &[
            "spec.gke.projectID: unknown field `projectID`",
            "did you mean `projectId`? Write `spec.gke.projectId`",
        ],
    );
    // An internal load balancer: no managed certificate, and its proxy-only subnet is needed.
    assert_fails(
        &gke(&["ingress", "class"], "gce-internal".into()),
        &base_items(),
        &[
            "spec.gke.ingress.managedCertificate: Google-managed certificates serve external Ingresses only",
            "spec.gke.networkPolicy.proxyOnlySubnetCidrs: regional and internal GKE load balancers send from the region's proxy-only subnet",
        ],
    );
    let mut fc = gke(&["secretStore", "gcpServiceAccount"], Value::Null);
    fc["spec"]["gke"].as_mapping_mut().unwrap().remove("projectNumber");
    assert_fails(
        &fc,
        &base_items(),
        &["spec.gke.projectNumber: the direct Workload Identity form"],
    );
}

/// An internal Ingress: the class annotation, a pre-shared certificate, the proxy-only subnet
/// admitted; the direct Workload Identity form reports the `principal://` member.
#[test]
fn gke_internal_ingress_and_the_direct_workload_identity_form() {
    let mut fc = platform_config("gke");
    set(
        &mut fc,
        &["spec", "gke", "ingress"],
        yaml("{class: gce-internal, managedCertificate: false, preSharedCertificates: [sso-internal]}"),
    );
    set(
        &mut fc,
        &["spec", "gke", "networkPolicy", "proxyOnlySubnetCidrs"],
        yaml("[10.129.0.0/23]"),
    );
    set(&mut fc, &["spec", "gke", "secretStore"], yaml("{}"));
    let (items, err, code) = transform(&base_items(), &fc);
    assert_eq!(code, 0, "{err}");
    let objs = items_as_objects(&items);
    let ann = &get(&objs, "Ingress/maverics/maverics")["metadata"]["annotations"];
    assert_eq!(ann["kubernetes.io/ingress.class"], "gce-internal");
    assert_eq!(ann["ingress.gcp.kubernetes.io/pre-shared-cert"], "sso-internal");
    assert!(ann["networking.gke.io/managed-certificates"].is_null());
    assert!(!objs.keys().any(|k| k.starts_with("ManagedCertificate/")));
    assert_eq!(
        get(&objs, "NetworkPolicy/maverics/maverics")["spec"]["ingress"][0]["from"][2],
        serde_json::json!({"ipBlock": {"cidr": "10.129.0.0/23"}})
    );
    assert!(
        get(&objs, "ServiceAccount/maverics/maverics-secrets-reader")["metadata"]["annotations"]["iam.gke.io/gcp-service-account"].is_null()
    );
    assert!(
        err.contains("`principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acme-sso-prod.svc.id.goog/subject/ns/maverics/sa/maverics-secrets-reader`"),
        "{err}"
    );
    assert!(
        err.contains("info: OrchestratorPlatform gke: spec.gke.secretStore: cloud-side trust"),
        "{err}"
    );
}

/// Secrets in another project: ESO's clusterProjectID() falls back to the store's projectID, so
/// the store must name the cluster's project, the pool the trust report gives.
#[test]
fn gke_cross_project_secrets_keep_the_cluster_pool() {
    let store = |items: &[Value]| {
        let objs = items_as_objects(items);
        get(&objs, "SecretStore/maverics/maverics-gcp-secret-manager")["spec"]["provider"]["gcpsm"].clone()
    };
    let mut fc = platform_config("gke");
    set(
        &mut fc,
        &["spec", "gke", "secretStore", "projectId"],
        "acme-secrets-prod".into(),
    );
    let (items, err, code) = transform(&base_items(), &fc);
    assert_eq!(code, 0, "{err}");
    let gcpsm = store(&items);
    assert_eq!(gcpsm["projectID"], "acme-secrets-prod");
    assert_eq!(gcpsm["auth"]["workloadIdentity"]["clusterProjectID"], "acme-sso-prod");
    assert!(
        err.contains("acme-sso-prod.svc.id.goog[maverics/maverics-secrets-reader]"),
        "{err}"
    );
    assert!(!err.contains("acme-secrets-prod.svc.id.goog"), "{err}");
    // An explicit cluster project names both the store's pool and the reported one.
    set(
        &mut fc,
        &["spec", "gke", "secretStore", "clusterProjectId"],
        "acme-gke-host".into(),
    );
    let (items, err, code) = transform(&base_items(), &fc);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        store(&items)["auth"]["workloadIdentity"]["clusterProjectID"],
        "acme-gke-host"
    );
    assert!(
        err.contains("acme-gke-host.svc.id.goog[maverics/maverics-secrets-reader]"),
        "{err}"
    );
}

/// Gateway mode: an HTTPRoute with no sessionPersistence (GKE runs the standard channel),
/// its affinity and health check in GKE's policies on the Service; the guard accepts it,
/// and refuses it once the policy stops sticking.
#[test]
fn gke_gateway_mode_sticks_through_gcp_backend_policy() {
    let mut fc = platform_config("gke");
    set(&mut fc, &["spec", "gke", "mode"], "gateway".into());
    // The overlay's `ingress:` block is for `mode: ingress` (refused with a gateway).
    fc["spec"]["gke"].as_mapping_mut().unwrap().remove("ingress");
    set(
        &mut fc,
        &["spec", "gke", "gateway"],
        yaml("{name: shared, namespace: gateways, regional: true}"),
    );
    set(
        &mut fc,
        &["spec", "gke", "networkPolicy", "proxyOnlySubnetCidrs"],
        yaml("[10.129.0.0/23]"),
    );
    let (items, err, code) = transform(&base_items(), &fc);
    assert_eq!(code, 0, "{err}");
    let objs = items_as_objects(&items);
    assert!(
        !objs
            .keys()
            .any(|k| k.starts_with("Ingress/") || k.starts_with("BackendConfig/"))
    );
    let route = get(&objs, "HTTPRoute/maverics/maverics");
    assert_eq!(
        route["spec"]["parentRefs"][0],
        serde_json::json!({"name": "shared", "namespace": "gateways"})
    );
    assert!(route["spec"]["rules"][0]["sessionPersistence"].is_null());
    let policy = get(&objs, "GCPBackendPolicy/maverics/maverics");
    assert_eq!(
        policy["spec"]["targetRef"],
        serde_json::json!({"group": "", "kind": "Service", "name": "maverics"})
    );
    assert_eq!(policy["spec"]["default"]["sessionAffinity"]["type"], "GENERATED_COOKIE");
    let hc = get(&objs, "HealthCheckPolicy/maverics/maverics");
    assert_eq!(
        hc["spec"]["default"]["config"]["httpHealthCheck"],
        serde_json::json!({"portSpecification": "USE_FIXED_PORT", "port": 8080, "requestPath": "/status"})
    );
    assert_eq!(
        get(&objs, "NetworkPolicy/maverics/maverics")["spec"]["ingress"][0]["from"][2]["ipBlock"]["cidr"],
        "10.129.0.0/23"
    );
    // The guard rails on a stream whose policy no longer sticks: the HTTPRoute is refused.
    let mut unstuck = items.clone();
    for i in &mut unstuck {
        if i["kind"].as_str() == Some("GCPBackendPolicy") {
            set(i, &["spec", "default", "sessionAffinity", "type"], "NONE".into());
        }
    }
    let out = run_with_stdin(Command::new(bin()).args(["check", "-"]), &stream(&unstuck));
    assert!(!out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("spec.rules[0].sessionPersistence: the orchestrator runs up to 5 replicas"),
        "{}",
        stderr(&out)
    );
}

/// A GKE Ingress whose BackendConfig does not stick is refused for a scaled proxy.
#[test]
fn a_gke_backend_config_without_affinity_is_refused() {
    let (items, err, code) = transform(&base_items(), &platform_config("gke"));
    assert_eq!(code, 0, "{err}");
    let ok = run_with_stdin(Command::new(bin()).args(["check", "-"]), &stream(&items));
    assert!(ok.status.success(), "{}", stderr(&ok));
    let mut none = items.clone();
    for i in &mut none {
        if i["kind"].as_str() == Some("BackendConfig") {
            set(i, &["spec", "sessionAffinity", "affinityType"], "NONE".into());
        }
    }
    let out = run_with_stdin(Command::new(bin()).args(["check", "-"]), &stream(&none));
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("BackendConfig `maverics` has session affinity `NONE`"),
        "{}",
        stderr(&out)
    );
}

fn stream(items: &[Value]) -> Vec<u8> {
    items
        .iter()
        .map(|i| serde_yaml::to_string(i).unwrap())
        .collect::<Vec<_>>()
        .join("---\n")
        .into_bytes()
}

/// Persistence on GKE: `premium-rwo` by default, or an emitted regional-pd class.
#[test]
fn gke_storage_classes() {
    let items = render(
        "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {name: maverics}\n\
         spec: {namespace: maverics, persistence: {enabled: true}}\n",
    );
    let claim_class = |items: &[Value]| {
        items_as_objects(items)["StatefulSet/maverics/maverics"]["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"].clone()
    };
    let (out, err, code) = transform(&items, &platform_config("gke"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(claim_class(&out), "premium-rwo");
    let mut fc = platform_config("gke");
    set(&mut fc, &["spec", "gke", "storage", "type"], "regional".into());
    let (out, err, code) = transform(&items, &fc);
    assert_eq!(code, 0, "{err}");
    assert_eq!(claim_class(&out), "maverics-regional-pd");
    let sc = &items_as_objects(&out)["StorageClass//maverics-regional-pd"];
    assert_eq!(sc["provisioner"], "pd.csi.storage.gke.io");
    assert_eq!(sc["parameters"]["replication-type"], "regional-pd");
}

/// The base's own Ingress (ingress-nginx here, with `ingressClassName`) is replaced by the GKE
/// one, which GKE takes only through the class annotation; a pod serving HTTPS gets an HTTPS
/// backend and health check.
#[test]
fn gke_replaces_the_base_ingress_and_speaks_https_to_a_tls_pod() {
    let items = render(&std::fs::read_to_string(root().join("tests/golden/configs/pod-tls.yaml")).unwrap());
    assert!(
        items.iter().any(|i| i["kind"].as_str() == Some("Ingress")),
        "the base has an Ingress"
    );
    let (out, err, code) = transform(&items, &platform_config("gke"));
    assert_eq!(code, 0, "{err}");
    let objs = items_as_objects(&out);
    let ingresses: Vec<&Json> = objs.values().filter(|o| o["kind"] == "Ingress").collect();
    assert_eq!(ingresses.len(), 1, "{ingresses:#?}");
    let ing = ingresses[0];
    assert!(ing["spec"]["ingressClassName"].is_null(), "{ing:#}");
    assert_eq!(ing["metadata"]["annotations"]["kubernetes.io/ingress.class"], "gce");
    assert!(
        !ing["metadata"]["annotations"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with("nginx.")),
        "{ing:#}"
    );
    let bc = objs
        .values()
        .find(|o| o["kind"] == "BackendConfig")
        .expect("a BackendConfig");
    assert_eq!(bc["spec"]["healthCheck"]["type"], "HTTPS");
    let svc = objs
        .values()
        .find(|o| o["kind"] == "Service" && o["metadata"]["annotations"]["cloud.google.com/neg"].is_string())
        .expect("the client Service");
    assert_eq!(
        svc["metadata"]["annotations"]["cloud.google.com/app-protocols"],
        r#"{"http":"HTTPS"}"#
    );
}
