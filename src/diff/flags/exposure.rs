//! Who can reach the orchestrator, and whether a user keeps their pod: exposure widened (a
//! public load balancer, a new host, listener or parent, weaker TLS; an Ingress's TLS is
//! read in [`super::tls`]) and sticky sessions changed, on Ingresses, Services, OpenShift
//! Routes and Gateway API objects.

use super::rule::{Flag, Rule, at, flag, seq, show};
use crate::graph::reach::internal_load_balancer;
use crate::k8s::alb::ALB_ATTRIBUTES;
use crate::k8s::alb::ALB_SCHEME;
use crate::k8s::kinds::name;
use crate::k8s::labels::{AFFINITY_ANNOTATION, AGC_EXTENSION, GKE_BACKEND_CONFIG, INGRESS_CLASS, NGINX_AFFINITY};
use crate::krm::annotations;
use serde_yaml::Value;
use std::collections::BTreeMap;

/// OpenShift router annotations that decide its affinity cookie and balancing.
const ROUTE_STICKINESS: &[&str] = &[
    "haproxy.router.openshift.io/disable_cookies",
    "router.openshift.io/cookie_name",
    "haproxy.router.openshift.io/balance",
];
/// The Ingress classes (annotation or `spec.ingressClassName`) and Gateway classes that get
/// an internal load balancer: GKE's `gce-internal` Ingress (IGCE `pkg/loadbalancers/l7s.go`)
/// and the regional internal Gateway `gke-l7-rilb` (GKE gatewayclass-capabilities). Any
/// other class (`gce`, `gce-regional-external`, `azure-alb-external`...) may be public.
const INTERNAL_CLASSES: &[&str] = &["gce-internal", "gke-l7-rilb", "gke-l7-rilb-mc"];
/// The kinds whose whole purpose here can be session affinity: removing one drops it.
pub const AFFINITY_KINDS: &[&str] = &[
    name::BACKEND_CONFIG,
    name::GCP_BACKEND_POLICY,
    name::INGRESS_EXTENSION,
    "RoutePolicy",
];
/// ingress-nginx names its cookie-affinity settings with this prefix.
const NGINX_SESSION_COOKIE: &str = "nginx.ingress.kubernetes.io/session-cookie-";

/// Exposure flags for one object; `o` is `None` for an added object.
pub fn exposure(kind: &str, o: Option<&Value>, n: &Value, out: &mut Vec<Flag>) {
    let mut widened = |message: String| out.push(flag(Rule::Exposure, message));
    if kind == name::INGRESS {
        fn scheme(v: Option<&Value>) -> &str {
            v.and_then(|v| annotations::get(v, ALB_SCHEME)).unwrap_or("internal")
        }
        let alb = |v: &Value| {
            at(v, &["spec", "ingressClassName"]).and_then(Value::as_str) == Some("alb")
                || annotations::get(v, ALB_SCHEME).is_some()
        };
        if alb(n) && scheme(Some(n)) == "internet-facing" && scheme(o) != "internet-facing" {
            widened(format!(
                "metadata.annotations.{ALB_SCHEME}: {} -> internet-facing: the ALB is reachable from the internet",
                o.map_or("(new Ingress)", |_| scheme(o))
            ));
        }
    }
    if let Some(o) = o {
        // The class in effect: the annotation wins over `spec.ingressClassName` (GKE reads
        // only the annotation), and an Ingress left with neither goes to GKE's default, the
        // external `gce`.
        let class_fields: &[(&str, &[&str])] = match kind {
            name::INGRESS => &[
                (
                    "metadata.annotations.kubernetes.io/ingress.class",
                    &["metadata", "annotations", INGRESS_CLASS],
                ),
                ("spec.ingressClassName", &["spec", "ingressClassName"]),
            ],
            name::GATEWAY => &[("spec.gatewayClassName", &["spec", "gatewayClassName"])],
            _ => &[],
        };
        let class = |v: &Value| {
            class_fields
                .iter()
                .find_map(|(field, path)| Some((*field, at(v, path)?.as_str()?.to_owned())))
        };
        if let Some((field, before)) = class(o)
            && INTERNAL_CLASSES.contains(&before.as_str())
        {
            let after = class(n);
            if after
                .as_ref()
                .is_none_or(|(_, c)| !INTERNAL_CLASSES.contains(&c.as_str()))
            {
                let (to_field, to) = after.unwrap_or((field, "absent".to_owned()));
                let shown = if to_field == field {
                    format!("{field}: {before} -> {to}")
                } else {
                    format!("{field}: {before} -> {to_field}: {to}")
                };
                widened(format!(
                    "{shown}: no longer an internal load balancer, may be reachable from the internet"
                ));
            }
        }
    }
    if kind == name::SERVICE
        && let Some(o) = o
    {
        let balanced = |v: &Value| at(v, &["spec", "type"]).and_then(Value::as_str) == Some("LoadBalancer");
        if balanced(o) && balanced(n) && internal_load_balancer(o) && !internal_load_balancer(n) {
            widened("the LoadBalancer is no longer internal: its address is reachable from the internet".to_owned());
        }
        let ranges = |v: &Value| seq(at(v, &["spec", "loadBalancerSourceRanges"])).to_vec();
        let (or, nr) = (ranges(o), ranges(n));
        // An empty list means any source.
        if balanced(n) && !or.is_empty() && (nr.is_empty() || nr.iter().any(|r| !or.contains(r))) {
            widened(format!(
                "spec.loadBalancerSourceRanges: {} -> {}",
                show(Some(&Value::Sequence(or))),
                if nr.is_empty() {
                    "any source".to_owned()
                } else {
                    show(Some(&Value::Sequence(nr)))
                }
            ));
        }
    }
    let hosts = |v: &Value| -> Vec<String> {
        let list: Vec<&Value> = match kind {
            name::INGRESS => seq(at(v, &["spec", "rules"]))
                .iter()
                .filter_map(|r| r.get("host"))
                .collect(),
            name::ROUTE => at(v, &["spec", "host"]).into_iter().collect(),
            name::HTTP_ROUTE | name::GRPC_ROUTE | "TLSRoute" => seq(at(v, &["spec", "hostnames"])).iter().collect(),
            _ => Vec::new(),
        };
        list.into_iter().filter_map(Value::as_str).map(str::to_owned).collect()
    };
    let (old_hosts, new_hosts) = (o.map(hosts).unwrap_or_default(), hosts(n));
    let gained: Vec<&String> = new_hosts.iter().filter(|h| !old_hosts.contains(h)).collect();
    if !gained.is_empty() {
        widened(format!(
            "hosts {} -> {}: newly served: {}",
            list(&old_hosts),
            list(&new_hosts),
            gained.iter().map(|h| h.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    if matches!(
        kind,
        name::HTTP_ROUTE | name::GRPC_ROUTE | "TLSRoute" | "TCPRoute" | "UDPRoute"
    ) {
        let old_parents = o.map(|o| seq(at(o, &["spec", "parentRefs"]))).unwrap_or_default();
        for p in seq(at(n, &["spec", "parentRefs"]))
            .iter()
            .filter(|p| !old_parents.contains(p))
        {
            widened(format!(
                "spec.parentRefs gains {}: attached to another Gateway or listener",
                show(Some(p))
            ));
        }
    }
    if kind == name::GATEWAY {
        let old_listeners = o.map(|o| seq(at(o, &["spec", "listeners"]))).unwrap_or_default();
        for l in seq(at(n, &["spec", "listeners"])) {
            let name = l.get("name");
            match old_listeners.iter().find(|x| x.get("name") == name) {
                Some(old) if old != l => widened(format!(
                    "listener {} changed: {} -> {}",
                    show(name),
                    show(Some(old)),
                    show(Some(l))
                )),
                Some(_) => {}
                None => widened(format!("listener {} added: {}", show(name), show(Some(l)))),
            }
        }
    }
    if kind == name::ROUTE
        && let Some(o) = o
    {
        fn termination(v: &Value) -> &str {
            at(v, &["spec", "tls", "termination"])
                .and_then(Value::as_str)
                .unwrap_or("none")
        }
        // How far TLS reaches: to the pod, to the router, not at all.
        let strength = |t: &str| match t {
            "reencrypt" | "passthrough" => 2,
            "edge" => 1,
            _ => 0,
        };
        let (ot, nt) = (termination(o), termination(n));
        if strength(nt) < strength(ot) {
            widened(format!(
                "spec.tls.termination: {ot} -> {nt}: {}",
                if nt == "none" {
                    "the route serves plain HTTP"
                } else {
                    "traffic from the router to the pod is no longer encrypted"
                }
            ));
        }
        fn insecure(v: &Value) -> Option<&str> {
            at(v, &["spec", "tls", "insecureEdgeTerminationPolicy"]).and_then(Value::as_str)
        }
        if insecure(n) == Some("Allow") && insecure(o) != Some("Allow") {
            widened(format!(
                "spec.tls.insecureEdgeTerminationPolicy: {} -> Allow: plain HTTP is served too",
                insecure(o).unwrap_or("absent")
            ));
        }
    }
    if let Some(o) = o {
        super::tls::weakened(kind, o, n, out);
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_owned()
    } else {
        format!("[{}]", items.join(", "))
    }
}

/// Sticky-session flags for a changed object: every affinity setting that differs, before
/// and after.
pub fn sticky_sessions(kind: &str, o: &Value, n: &Value, out: &mut Vec<Flag>) {
    let (a, b) = (affinity(kind, o), affinity(kind, n));
    for (field, before) in &a {
        let after = b.get(field);
        if after != Some(before) {
            out.push(flag(
                Rule::StickySessions,
                format!("{field}: {before} -> {}", after.map_or("absent", String::as_str)),
            ));
        }
    }
    for (field, after) in b.iter().filter(|(f, _)| !a.contains_key(*f)) {
        out.push(flag(Rule::StickySessions, format!("{field}: absent -> {after}")));
    }
}

/// Sticky-session flags for a removed object that held affinity settings (a BackendConfig,
/// GCPBackendPolicy, IngressExtension or RoutePolicy): each setting, now gone.
pub fn sticky_sessions_removed(kind: &str, o: &Value, out: &mut Vec<Flag>) {
    if !AFFINITY_KINDS.contains(&kind) {
        return;
    }
    for (field, before) in affinity(kind, o) {
        out.push(flag(
            Rule::StickySessions,
            format!("{kind} removed: {field}: {before} -> absent"),
        ));
    }
}

/// The settings that decide session affinity, by field path.
fn affinity(kind: &str, v: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut put = |field: String, value: Option<&Value>| {
        if let Some(value) = value.filter(|v| !v.is_null()) {
            out.insert(field, show(Some(value)));
        }
    };
    let ann = |key: &str| format!("metadata.annotations.{key}");
    let annotations = at(v, &["metadata", "annotations"]).and_then(Value::as_mapping);
    for (k, value) in annotations.into_iter().flatten() {
        let Some(k) = k.as_str() else { continue };
        if k == AFFINITY_ANNOTATION
            || k == NGINX_AFFINITY
            || k.starts_with(NGINX_SESSION_COOKIE)
            || ROUTE_STICKINESS.contains(&k)
            || k == GKE_BACKEND_CONFIG
            || k == AGC_EXTENSION
        {
            put(ann(k), Some(value));
        } else if k == ALB_ATTRIBUTES {
            // Only the stickiness attributes; the rest (deregistration delay...) is not affinity.
            for (attr, val) in value
                .as_str()
                .unwrap_or_default()
                .split(',')
                .filter_map(|kv| kv.split_once('='))
            {
                if attr.trim().starts_with("stickiness.") {
                    put(
                        format!("{}[{}]", ann(k), attr.trim()),
                        Some(&Value::String(val.trim().to_owned())),
                    );
                }
            }
        }
    }
    match kind {
        name::SERVICE => {
            put("spec.sessionAffinity".into(), at(v, &["spec", "sessionAffinity"]));
            put(
                "spec.sessionAffinityConfig".into(),
                at(v, &["spec", "sessionAffinityConfig"]),
            );
        }
        name::HTTP_ROUTE | name::GRPC_ROUTE => {
            for (i, rule) in seq(at(v, &["spec", "rules"])).iter().enumerate() {
                put(
                    format!("spec.rules[{i}].sessionPersistence"),
                    rule.get("sessionPersistence"),
                );
            }
        }
        name::BACKEND_CONFIG => put("spec.sessionAffinity".into(), at(v, &["spec", "sessionAffinity"])),
        name::GCP_BACKEND_POLICY => put(
            "spec.default.sessionAffinity".into(),
            at(v, &["spec", "default", "sessionAffinity"]),
        ),
        name::INGRESS_EXTENSION => {
            for (i, b) in seq(at(v, &["spec", "backendSettings"])).iter().enumerate() {
                let service = b.get("service").and_then(Value::as_str).map(str::to_owned);
                let at = service.unwrap_or_else(|| i.to_string());
                put(
                    format!("spec.backendSettings[{at}].sessionAffinity"),
                    b.get("sessionAffinity"),
                );
            }
        }
        "RoutePolicy" => put(
            "spec.default.sessionAffinity".into(),
            at(v, &["spec", "default", "sessionAffinity"]),
        ),
        "BackendTrafficPolicy" | "BackendLBPolicy" => {
            put("spec.sessionPersistence".into(), at(v, &["spec", "sessionPersistence"]))
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{Rule, check};
    use serde_yaml::Value;

    fn y(s: &str) -> Value {
        super::super::super::normalize::normalize(serde_yaml::from_str(s).unwrap())
    }

    fn messages(kind: &str, o: Option<&str>, n: &str, rule: Rule) -> Vec<String> {
        check(kind, o.map(y).as_ref(), Some(&y(n)))
            .into_iter()
            .filter(|f| f.rule == rule)
            .map(|f| f.message)
            .collect()
    }

    const ING: &str = "metadata:\n  annotations: {alb.ingress.kubernetes.io/scheme: internal, alb.ingress.kubernetes.io/target-group-attributes: 'stickiness.enabled=true,stickiness.type=app_cookie,deregistration_delay.timeout_seconds=30'}\nspec:\n  ingressClassName: alb\n  rules: [{host: sso.example.com}]\n  tls: [{hosts: [sso.example.com]}]\n";

    #[test]
    fn alb_scheme_new_hosts_and_lost_tls_widen_exposure() {
        let public = ING.replace("scheme: internal", "scheme: internet-facing");
        assert_eq!(
            messages("Ingress", Some(ING), &public, Rule::Exposure),
            [
                "metadata.annotations.alb.ingress.kubernetes.io/scheme: internal -> internet-facing: the ALB is reachable from the internet"
            ]
        );
        assert!(
            messages("Ingress", Some(&public), ING, Rule::Exposure).is_empty(),
            "narrowing is not flagged"
        );
        let host = ING.replace(
            "rules: [{host: sso.example.com}]",
            "rules: [{host: sso.example.com}, {host: admin.example.com}]",
        );
        assert_eq!(
            messages("Ingress", Some(ING), &host, Rule::Exposure),
            ["hosts [sso.example.com] -> [sso.example.com, admin.example.com]: newly served: admin.example.com"]
        );
        let no_tls = ING.replace("  tls: [{hosts: [sso.example.com]}]\n", "");
        assert_eq!(messages("Ingress", Some(ING), &no_tls, Rule::Exposure).len(), 1);
        // An added Ingress: each host is new.
        assert_eq!(messages("Ingress", None, ING, Rule::Exposure).len(), 1);
    }

    const ROUTE: &str = "metadata:\n  annotations: {router.openshift.io/cookie_name: MAVERICS}\nspec:\n  host: sso.apps.example.com\n  tls: {termination: reencrypt, insecureEdgeTerminationPolicy: Redirect}\n";

    #[test]
    fn route_tls_weakened_and_cookie_changed() {
        let edge = ROUTE.replace("reencrypt", "edge");
        assert_eq!(
            messages("Route", Some(ROUTE), &edge, Rule::Exposure),
            ["spec.tls.termination: reencrypt -> edge: traffic from the router to the pod is no longer encrypted"]
        );
        let none = ROUTE.replace(
            "  tls: {termination: reencrypt, insecureEdgeTerminationPolicy: Redirect}\n",
            "",
        );
        assert_eq!(messages("Route", Some(&edge), &none, Rule::Exposure).len(), 1);
        let allow = ROUTE.replace("Redirect", "Allow");
        assert_eq!(
            messages("Route", Some(ROUTE), &allow, Rule::Exposure),
            ["spec.tls.insecureEdgeTerminationPolicy: Redirect -> Allow: plain HTTP is served too"]
        );
        let cookie = ROUTE.replace("MAVERICS", "OTHER");
        assert_eq!(
            messages("Route", Some(ROUTE), &cookie, Rule::StickySessions),
            ["metadata.annotations.router.openshift.io/cookie_name: MAVERICS -> OTHER"]
        );
    }

    #[test]
    fn alb_nginx_and_gateway_stickiness_removed() {
        let off = ING.replace("stickiness.enabled=true,stickiness.type=app_cookie,", "");
        assert_eq!(
            messages("Ingress", Some(ING), &off, Rule::StickySessions),
            [
                "metadata.annotations.alb.ingress.kubernetes.io/target-group-attributes[stickiness.enabled]: true -> absent",
                "metadata.annotations.alb.ingress.kubernetes.io/target-group-attributes[stickiness.type]: app_cookie -> absent"
            ]
        );
        let nginx = "metadata: {annotations: {nginx.ingress.kubernetes.io/affinity: cookie, nginx.ingress.kubernetes.io/session-cookie-name: M}}";
        assert_eq!(
            messages("Ingress", Some(nginx), "metadata: {}", Rule::StickySessions).len(),
            2
        );
        let hr = "spec: {rules: [{sessionPersistence: {sessionName: MAVERICS_GW, type: Cookie}}]}";
        assert_eq!(
            messages("HTTPRoute", Some(hr), "spec: {rules: [{}]}", Rule::StickySessions),
            [r#"spec.rules[0].sessionPersistence: {"sessionName":"MAVERICS_GW","type":"Cookie"} -> absent"#]
        );
    }

    #[test]
    fn an_internal_class_made_external_widens_exposure() {
        let gke = "metadata: {annotations: {kubernetes.io/ingress.class: gce-internal}}\nspec: {rules: [{host: a}]}";
        assert_eq!(
            messages(
                "Ingress",
                Some(gke),
                &gke.replace("gce-internal", "gce"),
                Rule::Exposure
            ),
            [
                "metadata.annotations.kubernetes.io/ingress.class: gce-internal -> gce: no longer an internal load balancer, may be reachable from the internet"
            ]
        );
        let named = "spec: {ingressClassName: gce-internal, rules: [{host: a}]}";
        assert_eq!(
            messages(
                "Ingress",
                Some(named),
                &named.replace("gce-internal", "gce-regional-external"),
                Rule::Exposure
            )
            .len(),
            1
        );
        assert!(
            messages(
                "Ingress",
                Some(&gke.replace("gce-internal", "gce")),
                gke,
                Rule::Exposure
            )
            .is_empty()
        );
        let gw = "spec: {gatewayClassName: gke-l7-rilb, listeners: []}";
        assert_eq!(
            messages(
                "Gateway",
                Some(gw),
                &gw.replace("gke-l7-rilb", "gke-l7-global-external-managed"),
                Rule::Exposure
            )
            .len(),
            1
        );
        let legacy =
            "metadata: {annotations: {cloud.google.com/load-balancer-type: Internal}}\nspec: {type: LoadBalancer}";
        assert_eq!(
            messages("Service", Some(legacy), "spec: {type: LoadBalancer}", Rule::Exposure),
            ["the LoadBalancer is no longer internal: its address is reachable from the internet"]
        );
    }

    #[test]
    fn aks_and_gke_affinity_changed_or_removed() {
        let ext = "spec: {backendSettings: [{service: maverics, sessionAffinity: {affinityType: managed-cookie}}]}";
        assert_eq!(
            messages(
                "IngressExtension",
                Some(ext),
                "spec: {backendSettings: [{service: maverics}]}",
                Rule::StickySessions
            ),
            [r#"spec.backendSettings[maverics].sessionAffinity: {"affinityType":"managed-cookie"} -> absent"#]
        );
        let rp = "spec: {default: {sessionAffinity: {affinityType: application-cookie, cookieName: M}}}";
        assert_eq!(
            messages("RoutePolicy", Some(rp), "spec: {default: {}}", Rule::StickySessions).len(),
            1
        );
        let removed = |kind: &str, yaml: &str| -> Vec<String> {
            check(kind, Some(&y(yaml)), None)
                .into_iter()
                .filter(|f| f.rule == Rule::StickySessions)
                .map(|f| f.message)
                .collect()
        };
        assert_eq!(
            removed(
                "BackendConfig",
                "spec: {sessionAffinity: {affinityType: GENERATED_COOKIE}}"
            ),
            [r#"BackendConfig removed: spec.sessionAffinity: {"affinityType":"GENERATED_COOKIE"} -> absent"#]
        );
        assert_eq!(
            removed(
                "GCPBackendPolicy",
                "spec: {default: {sessionAffinity: {type: GENERATED_COOKIE}}}"
            )
            .len(),
            1
        );
        assert_eq!(removed("IngressExtension", ext).len(), 1);
        let svc = "metadata: {annotations: {cloud.google.com/backend-config: '{\"default\": \"maverics\"}'}}";
        assert_eq!(
            messages("Service", Some(svc), "metadata: {}", Rule::StickySessions),
            [r#"metadata.annotations.cloud.google.com/backend-config: {"default": "maverics"} -> absent"#]
        );
    }

    #[test]
    fn an_internal_load_balancer_made_public_or_opened_to_more_sources() {
        let svc = "metadata: {annotations: {service.beta.kubernetes.io/aws-load-balancer-scheme: internal}}\nspec: {type: LoadBalancer, loadBalancerSourceRanges: [10.0.0.0/8]}";
        let public = svc.replace("internal", "internet-facing");
        assert_eq!(
            messages("Service", Some(svc), &public, Rule::Exposure),
            ["the LoadBalancer is no longer internal: its address is reachable from the internet"]
        );
        let open = svc.replace(", loadBalancerSourceRanges: [10.0.0.0/8]", "");
        assert_eq!(
            messages("Service", Some(svc), &open, Rule::Exposure),
            [r#"spec.loadBalancerSourceRanges: ["10.0.0.0/8"] -> any source"#]
        );
        assert!(messages("Service", Some(&open), svc, Rule::Exposure).is_empty());
    }

    #[test]
    fn gateway_listeners_and_route_parents() {
        let gw = "spec: {listeners: [{name: https, port: 443, protocol: HTTPS}]}";
        let more =
            "spec: {listeners: [{name: https, port: 443, protocol: HTTPS}, {name: http, port: 80, protocol: HTTP}]}";
        assert_eq!(
            messages("Gateway", Some(gw), more, Rule::Exposure),
            [r#"listener http added: {"name":"http","port":80,"protocol":"HTTP"}"#]
        );
        let hr = "spec: {parentRefs: [{name: internal}]}";
        let hr2 = "spec: {parentRefs: [{name: internal}, {name: public}]}";
        assert_eq!(
            messages("HTTPRoute", Some(hr), hr2, Rule::Exposure),
            [r#"spec.parentRefs gains {"name":"public"}: attached to another Gateway or listener"#]
        );
    }
}
