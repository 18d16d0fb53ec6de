//! What the stream brings that the AKS and GKE layers cannot honour: an ExternalSecret still
//! on another cloud's store, an empty `secretStore:`, HTTPRoute `sessionPersistence`, a GKE
//! Ingress with `ingressClassName`, the base's Ingress replaced, and the trust subjects a
//! parent overlay's renames invalidate.

use crate::platform::{assert_fails, base_items, base_items_with, platform_config, set, transform, yaml};
use serde_yaml::Value;

fn external_secret_store(items: &[Value]) -> (String, String) {
    let es = items
        .iter()
        .find(|i| i["kind"].as_str() == Some("ExternalSecret"))
        .expect("the ExternalSecret");
    let r = &es["spec"]["secretStoreRef"];
    (
        r["kind"].as_str().unwrap_or_default().to_owned(),
        r["name"].as_str().unwrap_or_default().to_owned(),
    )
}

#[test]
fn an_empty_gke_secret_store_is_the_direct_form_not_the_base_aws_store() {
    // `secretStore:` with its only line removed, as the overlay's comment once said.
    let mut fc = platform_config("gke");
    set(&mut fc, &["spec", "gke", "secretStore"], Value::Null);
    let (out, err, code) = transform(&base_items(), &fc);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        external_secret_store(&out),
        ("SecretStore".to_owned(), "maverics-gcp-secret-manager".to_owned())
    );
    assert!(
        err.contains("principal://iam.googleapis.com/projects/123456789012/"),
        "{err}"
    );
    // Without the project number the direct form is incomplete: an error, not the AWS store.
    fc["spec"]["gke"].as_mapping_mut().unwrap().remove("projectNumber");
    assert_fails(
        &fc,
        &base_items(),
        &["spec.gke.projectNumber: the direct Workload Identity form names the project by number"],
    );
}

#[test]
fn an_empty_aks_secret_store_names_what_it_needs() {
    let mut fc = platform_config("aks");
    set(&mut fc, &["spec", "aks", "secretStore"], Value::Null);
    assert_fails(
        &fc,
        &base_items(),
        &["spec.aks.secretStore.vaultUrl: required field `vaultUrl` is missing"],
    );
}

#[test]
fn an_external_secret_left_on_the_aws_store_is_refused_on_aks_and_gke() {
    for platform in ["aks", "gke"] {
        let mut fc = platform_config(platform);
        fc["spec"][platform].as_mapping_mut().unwrap().remove("secretStore");
        assert_fails(
            &fc,
            &base_items(),
            &[
                &format!(
                    "spec.{platform}.secretStore: ExternalSecret `maverics-secrets` reads from ClusterSecretStore `aws-secretsmanager`, a store on AWS"
                ),
                &format!("add `spec.{platform}.secretStore"),
            ],
        );
    }
    // On EKS the base's AWS store is the right one.
    let (_, err, code) = transform(&base_items(), &platform_config("eks"));
    assert_eq!(code, 0, "{err}");
}

fn route(session_persistence: bool) -> Value {
    let mut r = yaml(
        "apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: sso, namespace: maverics}
spec:
  parentRefs: [{name: gw}]
  rules:
    - backendRefs: [{name: maverics, port: 80}]
",
    );
    if session_persistence {
        set(
            &mut r["spec"]["rules"][0],
            &["sessionPersistence"],
            yaml("{sessionName: MAVERICS_GW, type: Cookie}"),
        );
    }
    r
}

fn gateway(class: &str) -> Value {
    yaml(&format!(
        "apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: gw, namespace: maverics}}
spec: {{gatewayClassName: {class}, listeners: [{{name: http, port: 80, protocol: HTTP}}]}}
"
    ))
}

#[test]
fn http_route_session_persistence_is_refused_on_the_clouds_own_gateways() {
    for (platform, class, prefix, name, way) in [
        ("aks", "azure-alb-external", "azure-alb-", "AKS", "RoutePolicy"),
        (
            "gke",
            "gke-l7-global-external-managed",
            "gke-l7-",
            "GKE",
            "GCPBackendPolicy",
        ),
    ] {
        let mut items = base_items();
        items.push(route(true));
        items.push(gateway(class));
        assert_fails(
            &platform_config(platform),
            &items,
            &[
                &format!(
                    "HTTPRoute `sso` keeps sessions on one pod only through `sessionPersistence`, which {name}'s own Gateway `gw` of class `{class}` does not implement"
                ),
                way,
            ],
        );
        // Envoy Gateway implements sessionPersistence: its route passes.
        let mut items = base_items();
        items.push(route(true));
        items.push(gateway("eg"));
        let (_, err, code) = transform(&items, &platform_config(platform));
        assert_eq!(code, 0, "{platform}: {err}");
        assert!(!err.contains("sessionPersistence"), "{platform}: {err}");
        // A parent Gateway outside the stream: its class is unknown, a warning says which serve it.
        let mut items = base_items();
        items.push(route(true));
        let (_, err, code) = transform(&items, &platform_config(platform));
        assert_eq!(code, 0, "{platform}: {err}");
        assert!(
            err.contains(&format!(
                "its parent Gateway `maverics/gw` is not in the stream: if its class is {name}'s own (`{prefix}*`"
            )),
            "{platform}: {err}"
        );
    }
    // AKS: a RoutePolicy with cookie affinity on the route is AGC's way.
    let mut items = base_items();
    items.push(route(false));
    items.push(yaml(
        "apiVersion: alb.networking.azure.io/v1
kind: RoutePolicy
metadata: {name: sso, namespace: maverics}
spec:
  targetRef: {group: gateway.networking.k8s.io, kind: HTTPRoute, name: sso}
  default: {sessionAffinity: {affinityType: managed-cookie}}
",
    ));
    let (_, err, code) = transform(&items, &platform_config("aks"));
    assert_eq!(code, 0, "{err}");
}

/// GKE's gateway mode replaces the base's HTTPRoute and adds the GCPBackendPolicy that keeps
/// sessions: the rule judges the route the layer leaves, not the base's.
#[test]
fn gke_gateway_mode_over_a_base_route_with_session_persistence_passes() {
    let items = base_items_with(
        &["spec", "gateway"],
        yaml("{enabled: true, parentRefs: [{name: gw, namespace: infra}]}"),
    );
    assert!(
        serde_yaml::to_string(&items).unwrap().contains("sessionPersistence"),
        "the base's route keeps sessions through sessionPersistence"
    );
    let mut fc = gke_gateway_config();
    fc["spec"]["gke"].as_mapping_mut().unwrap().remove("ingress");
    let (out, err, code) = transform(&items, &fc);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("sessionPersistence"), "{err}");
    assert!(
        out.iter().any(|o| o["kind"].as_str() == Some("GCPBackendPolicy")),
        "the layer's GCPBackendPolicy keeps the sessions"
    );
}

/// The layer names its own store after the orchestrator: a name with another cloud's word
/// (`aws-sso`) is still the layer's store on this cloud.
#[test]
fn an_orchestrator_named_after_another_cloud_keeps_the_layers_own_store() {
    let items = base_items_with(&["metadata", "name"], "aws-sso".into());
    for (platform, store) in [
        ("gke", "aws-sso-gcp-secret-manager"),
        ("aks", "aws-sso-azure-key-vault"),
    ] {
        let (out, err, code) = transform(&items, &platform_config(platform));
        assert_eq!(code, 0, "{platform}: {err}");
        assert_eq!(
            external_secret_store(&out),
            ("SecretStore".to_owned(), store.to_owned()),
            "{platform}"
        );
        // A second run over the layer's output reads the same store.
        let (_, err, code) = transform(&out, &platform_config(platform));
        assert_eq!(code, 0, "{platform}: {err}");
    }
}

fn class_ingress(class: &str) -> Value {
    yaml(&format!(
        "apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: extra
  namespace: maverics
  annotations: {{krm.maverics.dev/session-affinity: BackendConfig}}
spec:
  ingressClassName: {class}
  rules:
    - host: sso.example.com
      http: {{paths: [{{path: /, pathType: Prefix, backend: {{service: {{name: maverics, port: {{name: http}}}}}}}}]}}
"
    ))
}

#[test]
fn a_gke_ingress_with_ingress_class_name_is_refused() {
    let mut items = base_items();
    items.push(class_ingress("gce"));
    assert_fails(
        &platform_config("gke"),
        &items,
        &[
            "Ingress `extra` sets `spec.ingressClassName: gce`, which GKE ignores",
            "annotate it `kubernetes.io/ingress.class: gce`",
        ],
    );
    // An IngressClass of GKE's controller under another name is GKE's too.
    let mut items = base_items();
    items.push(class_ingress("lb"));
    items.push(yaml(
        "apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: lb}
spec: {controller: k8s.io/ingress-gce}
",
    ));
    assert_fails(
        &platform_config("gke"),
        &items,
        &["Ingress `extra` sets `spec.ingressClassName: lb`, which GKE ignores"],
    );
}

/// A custom controller on GKE (ingress-nginx) serves `spec.ingressClassName`.
#[test]
fn a_gke_ingress_of_another_controller_is_not_refused_for_its_class_name() {
    let mut items = base_items();
    items.push(class_ingress("nginx"));
    let (_, err, _) = transform(&items, &platform_config("gke"));
    assert!(!err.contains("which GKE ignores"), "{err}");
}

#[test]
fn the_base_ingress_replaced_on_aks_and_gke_names_what_it_drops() {
    let items = base_items_with(
        &["spec", "ingress"],
        yaml("{enabled: true, hosts: [legacy.acme.com], className: nginx}"),
    );
    for (platform, field) in [("aks", "spec.aks.ingress.hosts"), ("gke", "spec.gke.hosts")] {
        let (out, err, code) = transform(&items, &platform_config(platform));
        assert_eq!(code, 0, "{platform}: {err}");
        assert!(
            err.contains(&format!(
                "warning: overlays/{platform}/platform.yaml: {field}: the base's Ingress `maverics` is replaced by the platform's exposure, which drops its hosts `legacy.acme.com`"
            )) || err.contains("which drops its hosts `legacy.acme.com`"),
            "{platform}: {err}"
        );
        assert!(err.contains(field), "{platform}: {err}");
        assert!(!err.contains("`krm.maverics.dev/"), "{platform}: {err}");
        // A second run over the layer's own Ingress drops nothing.
        let (_, err2, code) = transform(&out, &platform_config(platform));
        assert_eq!(code, 0, "{platform}: {err2}");
        assert!(
            !err2.contains("is replaced by the platform's exposure"),
            "{platform}: {err2}"
        );
    }
}

#[test]
fn bad_values_get_a_did_you_mean() {
    let mut fc = platform_config("aks");
    set(
        &mut fc,
        &["spec", "aks", "secretStore", "vaultUrl"],
        "https://maverics-kv.vaults.azure.net/".into(),
    );
    assert_fails(
        &fc,
        &base_items(),
        &[
            "spec.aks.secretStore.vaultUrl",
            "did you mean `https://maverics-kv.vault.azure.net/`?",
        ],
    );
    let mut fc = platform_config("aks");
    set(&mut fc, &["spec", "aks", "ingress", "controller"], "nginx".into());
    assert_fails(&fc, &base_items(), &["did you mean `appRoutingNginx`?"]);
    for bad in ["acme_sso_prod", "Acme-sso-prod"] {
        let mut fc = platform_config("gke");
        set(&mut fc, &["spec", "gke", "projectId"], bad.into());
        assert_fails(
            &fc,
            &base_items(),
            &["spec.gke.projectId", "did you mean `acme-sso-prod`?"],
        );
    }
    let fc = gke_gateway_config();
    assert_fails(
        &fc,
        &base_items(),
        &["spec.gke.ingress: `spec.gke.ingress` is set but `mode` is `gateway`"],
    );
    let mut fc = platform_config("aks");
    set(
        &mut fc,
        &["spec", "aks", "networkPolicy", "agcSubnetCidrs"],
        yaml("[0.0.0.0/0]"),
    );
    let (_, err, code) = transform(&base_items(), &fc);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("spec.aks.networkPolicy.agcSubnetCidrs[0]: `0.0.0.0/0` admits every address"),
        "{err}"
    );
}

/// A parent overlay over overlays/gke: the Ingress's FrontendConfig and ManagedCertificate
/// annotations (bare names) follow its namePrefix; the Service's BackendConfig JSON cannot,
/// and the reader's trust subject, reported before the rename, is named by the check.
#[cfg(feature = "e2e")]
#[test]
fn gke_parent_overlay_renames_what_kustomize_can_and_the_check_names_the_new_subject() {
    use crate::common::{bin, kustomize_versions, root, run_with_stdin, stderr};
    use crate::platform::{get, objects, overlay};
    use std::process::Command;
    let tmp = tempfile::tempdir().unwrap();
    let parent = tmp.path().join("parent");
    overlay(
        &parent,
        &[&root().join("overlays/gke")],
        "namePrefix: acme-\nnamespace: idp\n",
    );
    for (version, k) in kustomize_versions() {
        let (out, _) = crate::common::kustomize_build_reporting(&k, &parent);
        let objs = objects(&out);
        let ing = get(&objs, "Ingress/idp/acme-maverics");
        let ann = &ing["metadata"]["annotations"];
        assert_eq!(
            ann["networking.gke.io/v1beta1.FrontendConfig"], "acme-maverics",
            "{version}"
        );
        assert_eq!(
            ann["networking.gke.io/managed-certificates"], "acme-maverics",
            "{version}"
        );
        get(&objs, "FrontendConfig/idp/acme-maverics");
        get(&objs, "ManagedCertificate/idp/acme-maverics");
        // JSON in an annotation: not renamed (docs/gke.md "Limits").
        assert_eq!(
            get(&objs, "Service/idp/acme-maverics")["metadata"]["annotations"]["cloud.google.com/backend-config"],
            r#"{"default":"maverics"}"#,
            "{version}"
        );
        let o = run_with_stdin(Command::new(bin()).args(["check", "-"]), out.as_bytes());
        assert!(
            stderr(&o).contains(
                "fix: configure the trust for serviceAccount:acme-sso-prod.svc.id.goog[idp/acme-maverics-secrets-reader] (the ServiceAccount's final name)"
            ),
            "{version}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn the_istio_app_routing_controller_is_refused_with_the_reason() {
    for name in ["approuting-istio", "appRoutingIstio"] {
        let mut fc = platform_config("aks");
        set(&mut fc, &["spec", "aks", "ingress", "controller"], name.into());
        assert_fails(
            &fc,
            &base_items(),
            &[
                &format!("spec.aks.ingress.controller: controller `{name}` is not offered"),
                "documents no cookie stickiness",
                "use `controller: agc`",
            ],
        );
    }
}

/// The GKE layer's config in gateway mode, on the Gateway `infra/gw`.
pub(crate) fn gke_gateway_config() -> Value {
    let mut fc = platform_config("gke");
    set(&mut fc, &["spec", "gke", "mode"], "gateway".into());
    set(
        &mut fc,
        &["spec", "gke", "gateway"],
        yaml("{name: gw, namespace: infra}"),
    );
    fc
}
