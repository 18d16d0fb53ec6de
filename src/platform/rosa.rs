//! Red Hat OpenShift Service on AWS: a Route instead of the Ingress, a pod that fits the
//! `restricted-v2` SCC, service-CA certificates for re-encryption, the Red Hat image, and a
//! NetworkPolicy that admits the OpenShift router and DNS.

use super::crd::{Meta, Route, RoutePort, RouteSpec, RouteTarget, RouteTls};
use super::eks;
use super::found::{name, namespace};
use super::json::ensure_map;
use super::planner::Planner;
use crate::diag::Diagnostic;
use crate::platform::config::{Rosa, RouteTermination};
use crate::resources::service::PORT_NAME;
use crate::resources::statefulset::RELOADER_ANNOTATION;
use k8s_openapi::Resource;
use k8s_openapi::api::core::v1::Service;
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;

pub const SERVING_CERT: &str = "service.beta.openshift.io/serving-cert-secret-name";
const UID_SKIP: &str = "CKV_K8S_40=OpenShift assigns the UID from the namespace range (restricted-v2 SCC)";
/// The OpenShift router's drain: its reload interval and the endpoint's propagation.
const ROUTER_DRAIN_SECONDS: u32 = crate::config::drain::DEFAULT_SECONDS;
const ROUTER_NS_LABEL: &str = "policy-group.network.openshift.io/ingress";

/// checkov reads `checkov.io/skip1`, `skip2`, ...: the key that already holds this check's
/// skip (so a second run changes nothing), else the first free one, so a skip the base set
/// (the image digest) survives.
fn checkov_skip_key(ann: &serde_json::Map<String, Json>, check: &str) -> String {
    (1..)
        .map(|n| format!("checkov.io/skip{n}"))
        .find(|k| {
            ann.get(k)
                .and_then(Json::as_str)
                .is_none_or(|v| v.starts_with(&format!("{check}=")))
        })
        .unwrap_or_default()
}

pub fn plan(p: &mut Planner) {
    let Some(rosa) = p.cfg.spec.rosa.clone() else { return };
    let Some(termination) = termination(p, &rosa) else {
        return;
    };
    route(p, &rosa, termination);
    if termination == RouteTermination::Reencrypt {
        serving_cert(p, &rosa);
    }
    security_context(p, &rosa);
    // The router drops a terminating pod's endpoint on its next HAProxy reload (at most every
    // 5 s by default, RELOAD_INTERVAL); the pod keeps serving until then.
    eks::lengthen_drain(p, ROUTER_DRAIN_SECONDS, "spec.rosa.route");
    network_policy(p);
    if let Some(store) = &rosa.secret_store {
        // ROSA with STS: the pod identity webhook honours the same role annotation as IRSA.
        eks::secret_store(p, store);
        let id = eks::reader_identity(p, "spec.rosa.secretStore.roleArn", store);
        p.trust(&super::trust::irsa(), &[id]);
    }
}

/// edge for a pod that serves HTTP, reencrypt for one that serves HTTPS; anything else
/// would send the wrong protocol to the pod.
fn termination(p: &mut Planner, rosa: &Rosa) -> Option<RouteTermination> {
    let tls = p.found.serves_tls;
    let cookie = &rosa.route.cookie_name;
    if *cookie == p.found.facts.session_cookie {
        p.report(
            Diagnostic::error(format!(
                "the router cookie `{cookie}` is the orchestrator's own session cookie: the router would overwrite the session"
            ))
            .field("spec.rosa.route.cookieName")
            .fix("give the router a cookie of its own, e.g. `MAVERICS_RTE`"),
        );
        return None;
    }
    match (rosa.route.termination, tls) {
        (None, false) | (Some(RouteTermination::Edge), false) => Some(RouteTermination::Edge),
        (None, true) | (Some(RouteTermination::Reencrypt), true) => Some(RouteTermination::Reencrypt),
        (Some(RouteTermination::Edge), true) => {
            p.report(
                Diagnostic::error(
                    "`edge` sends plain HTTP, but the orchestrator serves HTTPS (`tls.termination: pod` in the base)",
                )
                .field("spec.rosa.route.termination")
                .fix("use `reencrypt`, or remove the field"),
            );
            None
        }
        (Some(RouteTermination::Reencrypt), false) => {
            p.report(
                Diagnostic::error(
                    "`reencrypt` needs a pod that serves HTTPS, but the base has `tls.termination: edge`",
                )
                .field("spec.rosa.route.termination")
                .fix("use `edge`, or set `spec.tls.termination: pod` in the base's Orchestrator config"),
            );
            None
        }
        // Refused by the config checks; kept here so the match stays total.
        (Some(RouteTermination::Passthrough), _) => None,
    }
}

fn route(p: &mut Planner, rosa: &Rosa, termination: RouteTermination) {
    let svc = p.found.svc().clone();
    let r = &rosa.route;
    let annotations = BTreeMap::from([
        // Cookie stickiness is the router's default on edge and reencrypt routes; written out
        // so nobody turns it off by accident.
        (
            "haproxy.router.openshift.io/disable_cookies".to_owned(),
            "false".to_owned(),
        ),
        ("router.openshift.io/cookie_name".to_owned(), r.cookie_name.clone()),
        ("router.openshift.io/cookie-same-site".to_owned(), "Lax".to_owned()),
        ("haproxy.router.openshift.io/timeout".to_owned(), r.timeout.clone()),
        (
            "haproxy.router.openshift.io/hsts_header".to_owned(),
            "max-age=31536000;includeSubDomains".to_owned(),
        ),
    ]);
    let route = Route {
        api_version: crate::k8s::kinds::ROUTE.api_version,
        kind: crate::k8s::kinds::ROUTE.kind,
        metadata: Meta {
            name: name(&svc).to_owned(),
            namespace: namespace(&svc).map(str::to_owned),
            labels: p.found.labels(),
            annotations,
        },
        spec: RouteSpec {
            host: r.host.clone(),
            path: "/".into(),
            to: RouteTarget {
                kind: Service::KIND,
                name: name(&svc).to_owned(),
                weight: 100,
            },
            port: RoutePort {
                target_port: PORT_NAME.into(),
            },
            tls: RouteTls {
                termination: match termination {
                    RouteTermination::Reencrypt => "reencrypt",
                    _ => "edge",
                },
                insecure_edge_termination_policy: "Redirect",
            },
            wildcard_policy: "None",
        },
    };
    p.put(&route);
    // The Route is the exposure on OpenShift; an Ingress would make the router publish a
    // second, unmanaged route for the same host.
    if let Some(i) = p.found.ingress {
        p.delete(i);
    }
}

/// reencrypt: the service CA issues the pod's certificate into a Secret named on the Service,
/// and the router trusts the service CA for it (no destinationCACertificate needed).
fn serving_cert(p: &mut Planner, rosa: &Rosa) {
    let sts = p.found.sts().clone();
    let volumes = sts
        .pointer("/spec/template/spec/volumes")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let tls_volume = volumes
        .iter()
        .position(|v| v.get("name").and_then(Json::as_str) == Some("tls"));
    let secret = rosa
        .route
        .serving_cert_secret_name
        .clone()
        .or_else(|| {
            tls_volume
                .and_then(|i| volumes[i].pointer("/secret/secretName"))
                .and_then(Json::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| format!("{}-serving-cert", p.found.base_name()));
    match tls_volume {
        Some(v) => {
            let sts = p.edit(p.found.statefulset);
            let mut before = None;
            if let Some(s) = sts.pointer_mut(&format!("/spec/template/spec/volumes/{v}/secret"))
                && let Some(s) = s.as_object_mut()
            {
                before = s.insert("secretName".into(), Json::String(secret.clone()));
            }
            // The service CA renews this certificate: the base's Reloader list named the
            // Secret the volume read before, and now names the service CA's.
            if let Some(before) = before.as_ref().and_then(Json::as_str)
                && let Some(ann) = ensure_map(sts, &["metadata", "annotations"])
                && let Some(list) = ann.get_mut(RELOADER_ANNOTATION)
                && let Some(names) = list.as_str()
            {
                let names: Vec<&str> = names
                    .split(',')
                    .map(|n| if n == before { secret.as_str() } else { n })
                    .collect();
                *list = Json::String(names.join(","));
            }
        }
        None => p.report(
            Diagnostic::warning(
                "the pod's certificate comes from spec.secrets.tls, not from the OpenShift service CA: the router verifies the pod's certificate against the service CA",
            )
            .field("spec.rosa.route.termination")
            .fix("set `spec.tls.secretName` in the base (the service CA fills that Secret), or issue the pod's certificate from the service CA"),
        ),
    }
    let svc = p.edit(p.found.service);
    if let Some(ann) = ensure_map(svc, &["metadata", "annotations"]) {
        ann.insert(SERVING_CERT.into(), Json::String(secret));
    }
}

/// restricted-v2 assigns the UID, GID and fsGroup from the namespace's range and the SELinux
/// level from its MCS label: fixed values are refused at admission. Everything else of Pod
/// Security Standards restricted stays.
fn security_context(p: &mut Planner, rosa: &Rosa) {
    let c = p.found.container;
    let sts = p.edit(p.found.statefulset);
    if let Some(sc) = sts
        .pointer_mut("/spec/template/spec/securityContext")
        .and_then(Json::as_object_mut)
    {
        for k in ["runAsUser", "runAsGroup", "fsGroup", "seLinuxOptions"] {
            sc.shift_remove(k);
        }
    }
    for list in ["containers", "initContainers"] {
        let Some(cs) = sts
            .pointer_mut(&format!("/spec/template/spec/{list}"))
            .and_then(Json::as_array_mut)
        else {
            continue;
        };
        for c in cs {
            if let Some(sc) = c.get_mut("securityContext").and_then(Json::as_object_mut) {
                for k in ["runAsUser", "runAsGroup", "seLinuxOptions"] {
                    sc.shift_remove(k);
                }
            }
        }
    }
    if let Some(ann) = ensure_map(sts, &["metadata", "annotations"]) {
        ann.insert(checkov_skip_key(ann, "CKV_K8S_40"), UID_SKIP.into());
    }
    if let Some(image) = sts.pointer_mut(&format!("/spec/template/spec/containers/{c}/image"))
        && let Some(current) = image.as_str()
    {
        *image = Json::String(with_repository(current, &rosa.image.repository));
    }
}

/// `repo[:tag][@digest]` with the repository replaced.
fn with_repository(image: &str, repository: &str) -> String {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    // A ':' after the last '/' starts the tag (a ':' before it is a registry port).
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    let tag = rest[slash..].split_once(':').map(|(_, t)| t);
    let mut out = repository.to_owned();
    if let Some(t) = tag {
        out.push(':');
        out.push_str(t);
    }
    if let Some(d) = digest {
        out.push('@');
        out.push_str(d);
    }
    out
}

/// OpenShift's router runs in host-network namespaces labelled for ingress policy; DNS pods
/// are in openshift-dns and listen on 5353.
fn network_policy(p: &mut Planner) {
    let Some(i) = p.found.network_policy else { return };
    let np = p.edit(i);
    super::planner::admit_sources(
        np,
        &[json!({"namespaceSelector": {"matchLabels": {ROUTER_NS_LABEL: ""}}})],
    );
    let dns = json!({
        "to": [{
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "openshift-dns"}},
            "podSelector": {"matchLabels": {"dns.operator.openshift.io/daemonset-dns": "default"}},
        }],
        "ports": [{"port": 5353, "protocol": "UDP"}, {"port": 5353, "protocol": "TCP"}],
    });
    if let Some(rules) = np.pointer_mut("/spec/egress").and_then(Json::as_array_mut) {
        let kube_dns = rules.iter().position(|r| {
            r.pointer("/to/0/podSelector/matchLabels/k8s-app")
                .and_then(Json::as_str)
                == Some("kube-dns")
        });
        match kube_dns {
            Some(k) => rules[k] = dns,
            None if !rules.contains(&dns) => rules.insert(0, dns),
            None => {}
        }
    }
    if let Some(ann) = ensure_map(np, &["metadata", "annotations"]) {
        ann.insert(
            "krm.maverics.dev/why-ingress-0".into(),
            "the OpenShift router (namespaces labelled policy-group.network.openshift.io/ingress) reaches the orchestrator's HTTP port".into(),
        );
        ann.insert(
            "krm.maverics.dev/why-egress-0".into(),
            "DNS: OpenShift's DNS pods in openshift-dns listen on 5353".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::with_repository;

    #[test]
    fn repository_is_replaced_keeping_tag_and_digest() {
        let rh = "registry.connect.redhat.com/strata-identity/orchestrator";
        assert_eq!(with_repository("strata/orchestrator:v1", rh), format!("{rh}:v1"));
        assert_eq!(
            with_repository("reg:5000/a/b:v1@sha256:ab", rh),
            format!("{rh}:v1@sha256:ab")
        );
        assert_eq!(with_repository("reg:5000/a/b", rh), rh);
        assert_eq!(with_repository(&format!("{rh}:v1"), rh), format!("{rh}:v1"));
    }
}
