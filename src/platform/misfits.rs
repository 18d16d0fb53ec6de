//! What the stream brings that the platform cannot honour, found before the layer's changes
//! apply: an ExternalSecret still reading another cloud's store, an exposure whose stickiness
//! or class the platform's controllers ignore, and the base's Ingress the layer replaces.

use super::config::Platform;
use super::found::name;
use super::planner::Planner;
use crate::check::stickiness;
use crate::diag::Diagnostic;
use crate::k8s::kinds::{GATEWAY, GCP_BACKEND_POLICY, HTTP_ROUTE, HTTP_ROUTE_V1BETA1, ROUTE_POLICY, SECRET_STORE};
use crate::k8s::labels::INGRESS_CLASS;
use crate::krm::{annotations, object};
use k8s_openapi::Resource;
use k8s_openapi::api::networking::v1::{Ingress, IngressClass};
use serde_json::Value as Json;
use serde_yaml::Value;
use std::collections::BTreeSet;

/// Runs every misfit rule of the platform `p` is planned for.
pub fn check(p: &mut Planner) {
    foreign_store(p);
    if matches!(p.cfg.spec.platform, Platform::Aks | Platform::Gke) {
        session_persistence(p);
    }
    if p.cfg.spec.platform == Platform::Gke {
        ingress_class_name(p);
    }
}

/// The cloud each platform runs on, and the words by which a store's name says its cloud.
const CLOUDS: [(&str, &[&str]); 3] = [
    ("AWS", &["aws", "secretsmanager", "parameterstore"]),
    ("Azure", &["azure", "azurekv", "keyvault"]),
    ("Google Cloud", &["gcp", "gcpsm", "google"]),
];

fn cloud_of(platform: Platform) -> &'static str {
    match platform {
        Platform::Eks | Platform::Rosa => "AWS",
        Platform::Aks => "Azure",
        Platform::Gke => "Google Cloud",
    }
}

/// The other cloud a store's name says it reads: None when no word names a cloud, when one
/// names `here` (the platform's own, as in `aws-sso-gcp-secret-manager`), or when words name
/// more than one cloud, since the name alone cannot tell which the store is on.
fn store_cloud(store: &str, here: &str) -> Option<&'static str> {
    let words: Vec<String> = store.split(['-', '.', '_']).map(str::to_ascii_lowercase).collect();
    let named: BTreeSet<&'static str> = CLOUDS
        .iter()
        .filter(|(_, marks)| words.iter().any(|w| marks.contains(&w.as_str())))
        .map(|(cloud, _)| *cloud)
        .collect();
    match named.into_iter().collect::<Vec<_>>()[..] {
        [there] if there != here => Some(there),
        _ => None,
    }
}

/// Whether the layer writes a SecretStore named `store` (added, or its earlier run's patched).
fn layers_store(p: &Planner, store: &str) -> bool {
    p.adds.iter().chain(p.edits.iter().map(|(_, _, w)| w)).any(|o| {
        o.get("kind").and_then(Json::as_str) == Some(SECRET_STORE.kind)
            && o.pointer("/metadata/name").and_then(Json::as_str) == Some(store)
    })
}

/// The orchestrator's ExternalSecret, as the layer leaves it, must not read another cloud's
/// store: without the platform's own `secretStore` the base's (AWS Secrets Manager by
/// default) stays, and every secret fails to sync on the new cloud.
fn foreign_store(p: &mut Planner) {
    let Some(i) = p.found.external_secret else { return };
    let platform = p.cfg.spec.platform;
    let es = p.edit(i).clone();
    let store = es
        .pointer("/spec/secretStoreRef/name")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let kind = es
        .pointer("/spec/secretStoreRef/kind")
        .and_then(Json::as_str)
        .unwrap_or(SECRET_STORE.kind);
    let here = cloud_of(platform);
    if layers_store(p, store) {
        return;
    }
    let Some(there) = store_cloud(store, here) else {
        return;
    };
    let key = platform.as_str();
    let fix = match platform {
        Platform::Aks => {
            "add `spec.aks.secretStore: {vaultUrl: ..., identity: {clientId: ..., tenantId: ...}}` (the layer adds an Azure Key Vault SecretStore and points the ExternalSecret at it), or point the base's `spec.secrets.store` at a store on Azure"
        }
        Platform::Gke => {
            "add `spec.gke.secretStore: {}` (the direct Workload Identity form, with `projectNumber`) or `{gcpServiceAccount: ...}` (the layer adds a Google Secret Manager SecretStore and points the ExternalSecret at it), or point the base's `spec.secrets.store` at a store on Google Cloud"
        }
        Platform::Eks | Platform::Rosa => {
            "point the base's `spec.secrets.store` at an AWS Secrets Manager store, or add this platform's `secretStore`"
        }
    };
    p.report(
        Diagnostic::error(format!(
            "ExternalSecret `{}` reads from {kind} `{store}`, a store on {there}, but the platform is {key} ({here}): its secrets would not sync",
            name(&es)
        ))
        .field(format!("spec.{key}.secretStore"))
        .fix(fix),
    );
}

/// Whether the orchestrator runs more than one replica in proxy mode.
fn scaled_proxy(p: &Planner) -> bool {
    let Some(sts) = p.items[p.found.statefulset].tree() else {
        return false;
    };
    p.found.facts.proxy_mode && stickiness::max_replicas(p.trees().map(|(_, o)| o), sts) > 1
}

fn same_namespace(p: &Planner, o: &Value) -> bool {
    object::namespace(o).map(str::to_owned) == p.found.namespace()
}

/// The objects of `kinds` as the plan leaves them: the stream's, less those the layer
/// deletes or rewrites, then the layer's rewritten and added copies.
fn planned(p: &Planner, kinds: &[&str]) -> Vec<Value> {
    let of = |o: &Value| kinds.contains(&object::kind(o));
    let touched = |n: usize| p.deletes.contains(&n) || p.edits.iter().any(|(i, _, _)| *i == n);
    let mut out: Vec<Value> = (p.trees())
        .filter(|(n, o)| !touched(*n) && of(o))
        .map(|(_, o)| o.clone())
        .collect();
    let layer = (p.edits.iter())
        .filter(|(i, _, _)| !p.deletes.contains(i))
        .map(|(_, _, w)| w)
        .chain(&p.adds);
    out.extend(layer.filter_map(|o| serde_yaml::to_value(o).ok()).filter(|o| of(o)));
    out
}

/// How a route's parent Gateways serve `sessionPersistence`.
enum Parents {
    /// A parent is the cloud's own Gateway, which does not implement it.
    Cloud(String),
    /// A parent is not in the stream: its class is unknown.
    Unknown(String),
    /// Every parent is in the stream with another implementation's class.
    Other,
}

fn parents(objects: &[Value], route: &Value, cloud_class: &str) -> Parents {
    let route_ns = object::namespace(route).unwrap_or_default();
    let mut unknown = None;
    for r in (route
        .get("spec")
        .and_then(|s| s.get("parentRefs"))
        .and_then(Value::as_sequence))
    .into_iter()
    .flatten()
    {
        let field = |k: &str| r.get(k).and_then(Value::as_str);
        let name = field("name").unwrap_or_default();
        let ns = field("namespace").unwrap_or(route_ns);
        let gateway = objects.iter().find(|g| {
            object::kind(g) == GATEWAY.kind
                && field("kind").unwrap_or(GATEWAY.kind) == GATEWAY.kind
                && object::name(g) == name
                && object::namespace(g).unwrap_or_default() == ns
        });
        match gateway {
            Some(g) => {
                let class = (g
                    .get("spec")
                    .and_then(|s| s.get("gatewayClassName"))
                    .and_then(Value::as_str))
                .unwrap_or_default();
                if class.starts_with(cloud_class) {
                    return Parents::Cloud(format!("Gateway `{name}` of class `{class}`"));
                }
            }
            None => unknown = unknown.or(Some(format!("Gateway `{ns}/{name}`"))),
        }
    }
    unknown.map_or(Parents::Other, Parents::Unknown)
}

/// The cloud's own Gateways (GKE's `gke-l7-*`, AGC's `azure-alb-*` classes) run Gateway
/// API's standard channel only, where an HTTPRoute has no `sessionPersistence`: a route on
/// them that relies on it spreads a session's requests. Envoy Gateway, Istio and others
/// implement it, so a route on their Gateways passes.
fn session_persistence(p: &mut Planner) {
    if !scaled_proxy(p) {
        return;
    }
    let svc = p.found.base_name();
    let gke = p.cfg.spec.platform == Platform::Gke;
    let cloud_class = if gke { "gke-l7-" } else { "azure-alb-" };
    let objects = planned(
        p,
        &[
            HTTP_ROUTE.kind,
            GATEWAY.kind,
            GCP_BACKEND_POLICY.kind,
            ROUTE_POLICY.kind,
        ],
    );
    let mut found = Vec::new();
    for r in objects.iter().filter(|r| {
        object::kind(r) == HTTP_ROUTE.kind
            && matches!(object::api_version(r), a if a == HTTP_ROUTE.api_version || a == HTTP_ROUTE_V1BETA1)
            && same_namespace(p, r)
    }) {
        let ns = object::namespace(r).unwrap_or_default();
        let sticks = if gke {
            stickiness::gcp_backend_policy_sticks(&objects, ns, &svc)
        } else {
            stickiness::agc_route_policy_sticks(&objects, ns, object::name(r))
        };
        let rules = r.get("spec").and_then(|s| s.get("rules")).and_then(Value::as_sequence);
        let persisted = rules.into_iter().flatten().any(|rule| {
            rule.get("sessionPersistence").is_some_and(|s| !s.is_null())
                && rule
                    .get("backendRefs")
                    .and_then(Value::as_sequence)
                    .into_iter()
                    .flatten()
                    .any(|b| b.get("name").and_then(Value::as_str) == Some(svc.as_str()))
        });
        if persisted && !sticks {
            found.push((object::name(r).to_owned(), parents(&objects, r, cloud_class)));
        }
    }
    let (key, way) = if gke {
        (
            "gke",
            format!(
                "set `spec.gke.mode: gateway` (the layer adds a GCPBackendPolicy with `sessionAffinity: {{type: GENERATED_COOKIE}}` on Service `{svc}`), or add that GCPBackendPolicy yourself"
            ),
        )
    } else {
        (
            "aks",
            "add an Application Gateway for Containers RoutePolicy (`alb.networking.azure.io/v1`) with `targetRef: {group: gateway.networking.k8s.io, kind: HTTPRoute, name: <the route>}` and `default.sessionAffinity: {affinityType: managed-cookie}`, or expose through the layer's Ingress".to_owned(),
        )
    };
    let platform = key.to_ascii_uppercase();
    for (route, parent) in found {
        let d = match parent {
            Parents::Other => continue,
            Parents::Cloud(gateway) => Diagnostic::error(format!(
                "HTTPRoute `{route}` keeps sessions on one pod only through `sessionPersistence`, which {platform}'s own {gateway} does not implement (it runs Gateway API's standard channel only): the scaled orchestrator in proxy mode would lose sessions"
            )),
            Parents::Unknown(gateway) => Diagnostic::warning(format!(
                "HTTPRoute `{route}` keeps sessions on one pod only through `sessionPersistence`, and its parent {gateway} is not in the stream: if its class is {platform}'s own (`{cloud_class}*`, standard channel only) the scaled orchestrator in proxy mode loses sessions; Gateways of Envoy Gateway, Istio and other implementations of `sessionPersistence` keep them"
            )),
        };
        p.report(d.field(format!("spec.{key}")).fix(way.clone()));
    }
}

/// The controller of GKE's own Ingress classes.
const GKE_CONTROLLER: &str = "k8s.io/ingress-gce";

/// GKE's own Ingress controller serves an Ingress only through the class annotation and
/// ignores `spec.ingressClassName` naming these.
const GKE_CLASSES: [&str; 3] = ["gce", "gce-internal", "gce-regional-external"];

/// Whether Ingress class `class` is GKE's own: a built-in name, or an IngressClass in the
/// stream whose controller is GKE's.
fn gke_class(p: &Planner, class: &str) -> bool {
    GKE_CLASSES.contains(&class)
        || p.trees().any(|(_, c)| {
            object::kind(c) == IngressClass::KIND
                && object::api_version(c) == IngressClass::API_VERSION
                && object::name(c) == class
                && c.get("spec").and_then(|s| s.get("controller")).and_then(Value::as_str) == Some(GKE_CONTROLLER)
        })
}

/// An Ingress of the orchestrator that names one of GKE's own classes in
/// `spec.ingressClassName` exposes nothing; another controller's class (ingress-nginx, ...)
/// is served by that controller, and the stickiness guard judges it.
fn ingress_class_name(p: &mut Planner) {
    let svc = p.found.base_name();
    let mut found = Vec::new();
    for (n, e) in p.trees() {
        if Some(n) == p.found.ingress
            || object::api_version(e) != Ingress::API_VERSION
            || object::kind(e) != Ingress::KIND
            || !same_namespace(p, e)
            || annotations::get(e, INGRESS_CLASS).is_some()
        {
            continue;
        }
        let spec = e.get("spec");
        let Some(class) = spec.and_then(|s| s.get("ingressClassName")).and_then(Value::as_str) else {
            continue;
        };
        if !gke_class(p, class) {
            continue;
        }
        if stickiness::backend_names(e).contains(&svc.as_str()) {
            found.push((object::name(e).to_owned(), class.to_owned()));
        }
    }
    for (ingress, class) in found {
        p.report(
            Diagnostic::error(format!(
                "Ingress `{ingress}` sets `spec.ingressClassName: {class}`, which GKE ignores: no load balancer serves it"
            ))
            .field("spec.gke")
            .fix(format!(
                "remove `spec.ingressClassName` and annotate it `{INGRESS_CLASS}: gce` (or `gce-internal`), with a BackendConfig for its session affinity; or let the layer's Ingress (spec.gke.hosts) expose the orchestrator"
            )),
        );
    }
}

/// The base's Ingress, replaced by the layer's: a warning naming the hosts and annotations
/// the replacement does not keep. `hosts` are the layer's.
pub fn replaced_ingress(p: &mut Planner, hosts: &[String], field: &str) {
    let Some(i) = p.found.ingress else { return };
    let old = p.found.object(i).clone();
    let mut old_hosts: BTreeSet<&str> = BTreeSet::new();
    for rule in old
        .pointer("/spec/rules")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        old_hosts.extend(rule.get("host").and_then(Json::as_str));
    }
    for tls in old.pointer("/spec/tls").and_then(Json::as_array).into_iter().flatten() {
        old_hosts.extend(
            tls.get("hosts")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(Json::as_str),
        );
    }
    let dropped_hosts: Vec<&str> = old_hosts
        .into_iter()
        .filter(|h| !hosts.iter().any(|n| n == h))
        .collect();
    // The layer's own Ingress (in place of the base's, or added beside it) keeps its keys:
    // on a second run the "base's" Ingress is the layer's.
    let layers = p.edits.iter().find(|(n, _, _)| *n == i).map(|(_, _, w)| w).or_else(|| {
        p.adds
            .iter()
            .find(|a| a.get("kind").and_then(Json::as_str) == Some(Ingress::KIND))
    });
    let kept = |k: &str| {
        layers
            .and_then(|l| l.pointer("/metadata/annotations"))
            .is_some_and(|a| a.get(k).is_some())
    };
    let dropped_annotations: Vec<&str> = old
        .pointer("/metadata/annotations")
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
        .map(|(k, _)| k.as_str())
        .filter(|k| {
            !annotations::is_host_owned(k)
                && !k.starts_with("config.kubernetes.io/")
                && !k.strip_prefix(crate::api::GROUP).is_some_and(|r| r.starts_with('/'))
                && !kept(k)
        })
        .collect();
    if dropped_hosts.is_empty() && dropped_annotations.is_empty() {
        return;
    }
    let list = |v: &[&str]| v.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
    let mut what = Vec::new();
    if !dropped_hosts.is_empty() {
        what.push(format!("hosts {}", list(&dropped_hosts)));
    }
    if !dropped_annotations.is_empty() {
        what.push(format!("annotations {}", list(&dropped_annotations)));
    }
    p.report(
        Diagnostic::warning(format!(
            "the base's Ingress `{}` is replaced by the platform's exposure, which drops its {}",
            name(&old),
            what.join(" and ")
        ))
        .field(field.to_owned())
        .fix(format!(
            "list every host clients use in `{field}`, and set what the annotations did through the layer's settings; or turn the base's `spec.ingress` off"
        )),
    );
}
