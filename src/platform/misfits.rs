//! What the stream brings that the platform cannot honour, found before the layer's changes
//! apply: an ExternalSecret still reading another cloud's store, an exposure whose stickiness
//! or class the platform's controllers ignore, and the base's Ingress the layer replaces.

use super::config::Platform;
use super::found::name;
use super::planner::Planner;
use crate::check::stickiness;
use crate::diag::Diagnostic;
use crate::k8s::kinds::{HTTP_ROUTE, HTTP_ROUTE_V1BETA1, SECRET_STORE};
use crate::k8s::labels::INGRESS_CLASS;
use crate::krm::{annotations, object};
use k8s_openapi::Resource;
use k8s_openapi::api::networking::v1::Ingress;
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

/// The cloud a store's name says it reads, if it names one.
fn store_cloud(store: &str) -> Option<&'static str> {
    let words: Vec<String> = store.split(['-', '.', '_']).map(str::to_ascii_lowercase).collect();
    CLOUDS
        .iter()
        .find(|(_, marks)| words.iter().any(|w| marks.contains(&w.as_str())))
        .map(|(cloud, _)| *cloud)
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
    let Some(there) = store_cloud(store).filter(|c| *c != here) else {
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
    let sts = &p.items[p.found.statefulset];
    p.found.facts.proxy_mode && stickiness::max_replicas(p.items, sts) > 1
}

fn same_namespace(p: &Planner, o: &Value) -> bool {
    object::namespace(o).map(str::to_owned) == p.found.namespace()
}

/// AKS and GKE run Gateway API's standard channel only, where an HTTPRoute has no
/// `sessionPersistence`: a route that relies on it spreads a session's requests.
fn session_persistence(p: &mut Planner) {
    if !scaled_proxy(p) {
        return;
    }
    let svc = p.found.base_name();
    let gke = p.cfg.spec.platform == Platform::Gke;
    let mut found = Vec::new();
    for r in p.items.iter().filter(|r| {
        object::kind(r) == HTTP_ROUTE.kind
            && matches!(object::api_version(r), a if a == HTTP_ROUTE.api_version || a == HTTP_ROUTE_V1BETA1)
            && same_namespace(p, r)
    }) {
        let ns = object::namespace(r).unwrap_or_default();
        let sticks = if gke {
            stickiness::gcp_backend_policy_sticks(p.items, ns, &svc)
        } else {
            stickiness::agc_route_policy_sticks(p.items, ns, object::name(r))
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
            found.push(object::name(r).to_owned());
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
    for route in found {
        p.report(
            Diagnostic::error(format!(
                "HTTPRoute `{route}` keeps sessions on one pod only through `sessionPersistence`, which {} does not implement (it runs Gateway API's standard channel only): the scaled orchestrator in proxy mode would lose sessions",
                key.to_ascii_uppercase()
            ))
            .field(format!("spec.{key}"))
            .fix(way.clone()),
        );
    }
}

/// GKE serves an Ingress only through the class annotation and ignores one that sets
/// `spec.ingressClassName`: an Ingress of the orchestrator written that way exposes nothing.
fn ingress_class_name(p: &mut Planner) {
    let svc = p.found.base_name();
    let mut found = Vec::new();
    for (n, e) in p.items.iter().enumerate() {
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
        .filter(|k| !annotations::is_host_owned(k) && !k.starts_with("config.kubernetes.io/") && !kept(k))
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
