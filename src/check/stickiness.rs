//! Sticky sessions on a scaled orchestrator in proxy mode. The orchestrator keeps a
//! session in the pod that created it; without cookie affinity on the exposure (Ingress,
//! OpenShift Route, Gateway API HTTPRoute) the next request lands on another pod and the
//! user is sent to log in again. Also: an OIDC provider that scales needs a shared cache.
//!
//! Works on any rendered stream: the orchestrator is recognised by its pod label, its
//! replicas by the HPA that targets it (or `spec.replicas`), its config by the ConfigMap it
//! mounts, and its exposures by the Services that select its pods.

use super::at::At;
use super::pods::{pod_spec, selects, template_labels};
use crate::config::maverics::MavericsFacts;
use crate::diag::Diagnostic;
use crate::k8s::alb::{ALB_ATTRIBUTES, ALB_TARGET_TYPE};
use crate::k8s::kinds::{
    BACKEND_CONFIG, GCP_BACKEND_POLICY, HTTP_ROUTE, HTTP_ROUTE_V1BETA1, INGRESS_EXTENSION, ROUTE, ROUTE_POLICY,
};
use crate::k8s::labels::{
    AFFINITY_ANNOTATION, AGC_EXTENSION, APP_NAME, GKE_BACKEND_CONFIG, INGRESS_CLASS, LABEL_NAME, NGINX_AFFINITY,
};
use crate::krm::{annotations, object};
use k8s_openapi::Resource;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, Service};
use k8s_openapi::api::networking::v1::Ingress;
use serde_yaml::Value;

/// The GKE session affinities that keep a client on one pod (BackendConfig and
/// GCPBackendPolicy; `NONE` does not).
const GKE_STICKY: &[&str] = &[
    "GENERATED_COOKIE",
    "CLIENT_IP",
    "HTTP_COOKIE",
    "CLIENT_IP_PORT_PROTO",
    "CLIENT_IP_PROTO",
    "HEADER_FIELD",
];

struct Workload<'a> {
    obj: &'a Value,
    namespace: &'a str,
    max_replicas: i64,
    facts: Option<MavericsFacts>,
}

fn ns(obj: &Value) -> &str {
    object::namespace(obj).unwrap_or_default()
}

fn is_orchestrator(obj: &Value) -> bool {
    matches!(object::kind(obj), k if k == StatefulSet::KIND || k == Deployment::KIND)
        && template_labels(obj).is_some_and(|l| l.get(LABEL_NAME).and_then(Value::as_str) == Some(APP_NAME))
}

/// The largest replica count: the HPA's maxReplicas when one targets the workload.
pub(crate) fn max_replicas<'a>(items: impl IntoIterator<Item = &'a Value>, w: &Value) -> i64 {
    let hpa = items.into_iter().find(|h| {
        object::kind(h) == HorizontalPodAutoscaler::KIND
            && ns(h) == ns(w)
            && h.get("spec").and_then(|s| s.get("scaleTargetRef")).is_some_and(|r| {
                r.get("kind").and_then(Value::as_str) == Some(object::kind(w))
                    && r.get("name").and_then(Value::as_str) == Some(object::name(w))
            })
    });
    match hpa {
        Some(h) => h
            .get("spec")
            .and_then(|s| s.get("maxReplicas"))
            .and_then(Value::as_i64)
            .unwrap_or(1),
        None => w
            .get("spec")
            .and_then(|s| s.get("replicas"))
            .and_then(Value::as_i64)
            .unwrap_or(1),
    }
}

/// The orchestrator config in the ConfigMap the workload mounts, when it is in the stream.
fn facts(items: &[Value], w: &Value) -> Option<MavericsFacts> {
    let (pod, _) = pod_spec(w)?;
    let names: Vec<&str> = pod
        .get("volumes")?
        .as_sequence()?
        .iter()
        .filter_map(|v| v.get("configMap")?.get("name")?.as_str())
        .collect();
    items.iter().find_map(|cm| {
        if object::kind(cm) != ConfigMap::KIND || ns(cm) != ns(w) || !names.contains(&object::name(cm)) {
            return None;
        }
        let text = cm.get("data")?.get("maverics.yaml")?.as_str()?;
        serde_yaml::from_str::<Value>(text)
            .ok()
            .map(|v| MavericsFacts::read(&v))
    })
}

/// Adds the stickiness findings of a rendered stream: a scaled orchestrator in proxy mode whose
/// exposure has no cookie affinity, and a scaled OIDC provider without a shared cache.
pub fn check_stickiness(items: &[Value], out: &mut Vec<Diagnostic>) {
    let workloads: Vec<Workload> = items
        .iter()
        .filter(|i| is_orchestrator(i))
        .map(|w| Workload {
            obj: w,
            namespace: ns(w),
            max_replicas: max_replicas(items, w),
            facts: facts(items, w),
        })
        .collect();
    for w in &workloads {
        let at = At::new(w.obj);
        if let Some(f) = &w.facts
            && f.oidc_provider
            && w.max_replicas > 1
            && f.oidc_redis_cache().is_none()
        {
            out.push(at.error(
                "spec",
                format!(
                    "the orchestrator is an OIDC provider with up to {} replicas but its config names no shared Redis cache",
                    w.max_replicas
                ),
                "add a `type: redis` cache to the config's `caches` and set `oidcProvider.cache` to its name, or run one replica",
            ));
        }
        // Without its config in the stream the mode is unknown: assume proxy mode, the one
        // that needs affinity, rather than let a broken exposure through.
        let proxy = w.facts.as_ref().is_none_or(|f| f.proxy_mode);
        if w.max_replicas <= 1 || !proxy {
            continue;
        }
        let cookie = w
            .facts
            .as_ref()
            .map_or(crate::config::maverics::DEFAULT_SESSION_COOKIE, |f| {
                f.session_cookie.as_str()
            })
            .to_owned();
        let services: Vec<&Value> = items
            .iter()
            .filter(|s| {
                object::kind(s) == Service::KIND
                    && ns(s) == w.namespace
                    && selects(s.get("spec").and_then(|s| s.get("selector")), template_labels(w.obj))
            })
            .collect();
        let names: Vec<&str> = services.iter().map(|s| object::name(s)).collect();
        let mut exposed = false;
        for e in items.iter().filter(|e| ns(e) == w.namespace) {
            match (object::api_version(e), object::kind(e)) {
                (a, k) if (a, k) == (Ingress::API_VERSION, Ingress::KIND) && ingress_targets(e, &names) => {
                    exposed = true;
                    ingress(items, e, &services, &cookie, w.max_replicas, out);
                }
                (a, k) if (a, k) == (ROUTE.api_version, ROUTE.kind) && route_targets(e, &names) => {
                    exposed = true;
                    route(e, w.max_replicas, out);
                }
                // v1beta1 too: Gateway API's previous version, still served.
                (a, k) if k == HTTP_ROUTE.kind && (a == HTTP_ROUTE.api_version || a == HTTP_ROUTE_V1BETA1) => {
                    exposed |= http_route(e, items, &names, w.max_replicas, out);
                }
                _ => {}
            }
        }
        // Nothing to judge is not a pass: the exposure lives elsewhere (another repository, a
        // controller's defaults) and nobody here checked its affinity.
        if !exposed {
            out.push(at.warning(
                "spec",
                format!(
                    "{}, but no Ingress, Route or HTTPRoute in this stream sends traffic to it: its cookie affinity is unchecked",
                    scaled(w.max_replicas)
                ),
                format!(
                    "expose it here (spec.ingress or spec.gateway of the Orchestrator config, or a platform layer) so the \
                     affinity is checked, or give the exposure that lives elsewhere cookie affinity on `{cookie}`"
                ),
            ));
        }
    }
}

/// The Services an Ingress sends to.
pub(crate) fn backend_names(e: &Value) -> Vec<&str> {
    let spec = e.get("spec");
    let mut out: Vec<&str> = spec
        .and_then(|s| s.get("defaultBackend"))
        .and_then(|b| b.get("service")?.get("name")?.as_str())
        .into_iter()
        .collect();
    for rule in spec
        .and_then(|s| s.get("rules"))
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        for p in rule
            .get("http")
            .and_then(|h| h.get("paths"))
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            if let Some(n) = p.get("backend").and_then(|b| b.get("service")?.get("name")?.as_str()) {
                out.push(n);
            }
        }
    }
    out
}

fn ingress_targets(e: &Value, services: &[&str]) -> bool {
    backend_names(e).iter().any(|n| services.contains(n))
}

fn scaled(max: i64) -> String {
    format!("the orchestrator runs up to {max} replicas in proxy mode and keeps each session in one pod")
}

/// Parses ALB `target-group-attributes` (`k=v,k=v`).
fn alb_attributes(s: &str) -> Vec<(&str, &str)> {
    s.split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

/// Why the AGC `IngressExtension` named `ext` gives no cookie affinity to the Ingress `e`'s
/// backends, if it does not.
fn agc_affinity(items: &[Value], e: &Value, ext: &str, cookie: &str) -> Result<(), String> {
    let Some(x) = items
        .iter()
        .find(|x| INGRESS_EXTENSION.is(x) && object::name(x) == ext && ns(x) == ns(e))
    else {
        return Err(format!("its IngressExtension `{ext}` is not in this stream"));
    };
    let backends = backend_names(e);
    let settings = x
        .get("spec")
        .and_then(|s| s.get("backendSettings"))
        .and_then(Value::as_sequence);
    let affinity = settings
        .into_iter()
        .flatten()
        .filter(|b| {
            b.get("service")
                .and_then(Value::as_str)
                .is_some_and(|n| backends.contains(&n))
        })
        .find_map(|b| b.get("sessionAffinity"));
    let Some(a) = affinity else {
        return Err(format!(
            "its IngressExtension `{ext}` sets no sessionAffinity for the orchestrator's Service"
        ));
    };
    match a.get("affinityType").and_then(Value::as_str) {
        Some("managed-cookie") => Ok(()),
        Some("application-cookie") if a.get("cookieName").and_then(Value::as_str) == Some(cookie) => Err(format!(
            "its IngressExtension `{ext}` names the orchestrator's session cookie `{cookie}` as the affinity cookie, which AGC would overwrite"
        )),
        Some("application-cookie") => Ok(()),
        other => Err(format!(
            "its IngressExtension `{ext}` has affinityType `{}`, not `managed-cookie` or `application-cookie`",
            other.unwrap_or("(none)")
        )),
    }
}

fn ingress(items: &[Value], e: &Value, services: &[&Value], cookie: &str, max: i64, out: &mut Vec<Diagnostic>) {
    let at = At::new(e);
    if let Some(ext) = annotations::get(e, AGC_EXTENSION) {
        if let Err(why) = agc_affinity(items, e, ext, cookie) {
            out.push(at.error(
                format!("metadata.annotations.{AGC_EXTENSION}"),
                format!("{}, but this Application Gateway for Containers Ingress has no cookie affinity: {why}", scaled(max)),
                "give the IngressExtension `backendSettings: [{service: <the Service>, sessionAffinity: {affinityType: managed-cookie}}]`",
            ));
        }
        return;
    }
    // The ALB controller also reads these annotations from the backend Service.
    let ann = |key: &str| annotations::get(e, key).or_else(|| services.iter().find_map(|s| annotations::get(s, key)));
    let field = |key: &str| format!("metadata.annotations.{key}");
    if annotations::get(e, AFFINITY_ANNOTATION).is_some() {
        return;
    }
    if ann(NGINX_AFFINITY) == Some("cookie") {
        return;
    }
    if annotations::get(e, INGRESS_CLASS).is_some_and(|c| c.starts_with("gce")) {
        gke_ingress(e, items, services, max, out);
        return;
    }
    if let Some(attrs) = ann(ALB_ATTRIBUTES) {
        let attrs = alb_attributes(attrs);
        let get = |k: &str| attrs.iter().find(|(a, _)| *a == k).map(|(_, v)| *v);
        if get("stickiness.enabled") == Some("true") {
            match get("stickiness.type") {
                Some("app_cookie") if get("stickiness.app_cookie.cookie_name") != Some(cookie) => {
                    out.push(at.error(
                        field(ALB_ATTRIBUTES),
                        format!(
                            "ALB stickiness keys on cookie `{}`, not the orchestrator's session cookie `{cookie}`",
                            get("stickiness.app_cookie.cookie_name").unwrap_or("(none)")
                        ),
                        format!("set `stickiness.app_cookie.cookie_name={cookie}` (cookie names are case-sensitive)"),
                    ));
                }
                _ => {}
            }
            if ann(ALB_TARGET_TYPE) != Some("ip") {
                out.push(at.error(
                    field(ALB_TARGET_TYPE),
                    "ALB sticky sessions work only with `target-type: ip`",
                    format!("annotate the Ingress with `{ALB_TARGET_TYPE}: ip`"),
                ));
            }
            return;
        }
    }
    out.push(at.error(
        "metadata.annotations",
        format!("{}, but this Ingress has no cookie affinity", scaled(max)),
        format!(
            "ALB: `{ALB_ATTRIBUTES}: stickiness.enabled=true,stickiness.type=app_cookie,stickiness.app_cookie.cookie_name={cookie}` \
             and `{ALB_TARGET_TYPE}: ip`; ingress-nginx: `{NGINX_AFFINITY}: cookie`; Application Gateway for Containers: \
             an IngressExtension with `backendSettings[].sessionAffinity`, named by `{AGC_EXTENSION}`; GKE: the class annotation \
             `{INGRESS_CLASS}: gce` (GKE ignores spec.ingressClassName) and a BackendConfig with \
             `sessionAffinity.affinityType: GENERATED_COOKIE`, named by the Service's `{GKE_BACKEND_CONFIG}`; another controller: configure its cookie \
             affinity and say so with `{AFFINITY_ANNOTATION}: <how>` (the generator does this with spec.ingress.stickySessions)"
        ),
    ));
}

/// The `affinityType` of a GKE BackendConfig, `NONE` when unset (GKE's default).
fn backend_config_affinity<'a>(items: &'a [Value], namespace: &str, name: &str) -> Option<&'a str> {
    items
        .iter()
        .find(|b| BACKEND_CONFIG.is_any_version(b) && ns(b) == namespace && object::name(b) == name)
        .map(|b| {
            b.get("spec")
                .and_then(|s| s.get("sessionAffinity"))
                .and_then(|a| a.get("affinityType"))
                .and_then(Value::as_str)
                .unwrap_or("NONE")
        })
}

/// A GKE Ingress sticks when every backend Service names a BackendConfig (its `default` or
/// its port's) with a session affinity that keeps a client on one pod.
fn gke_ingress(e: &Value, items: &[Value], services: &[&Value], max: i64, out: &mut Vec<Diagnostic>) {
    let at = At::new(e);
    let backends = backend_names(e);
    for svc in services.iter().filter(|s| backends.contains(&object::name(s))) {
        let names: Vec<String> = annotations::get(svc, GKE_BACKEND_CONFIG)
            .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
            .map(|v| {
                let default = v.get("default").and_then(|d| d.as_str()).map(str::to_owned);
                let ports = v
                    .get("ports")
                    .and_then(|p| p.as_object())
                    .into_iter()
                    .flatten()
                    .filter_map(|(_, n)| n.as_str().map(str::to_owned));
                default.into_iter().chain(ports).collect()
            })
            .unwrap_or_default();
        let fix = format!(
            "annotate Service `{}` with `{GKE_BACKEND_CONFIG}: '{{\"default\":\"<name>\"}}'` and give that BackendConfig \
             `spec.sessionAffinity.affinityType: GENERATED_COOKIE` (the GKE platform layer does both)",
            object::name(svc)
        );
        if names.is_empty() {
            out.push(at.error(
                "metadata.annotations",
                format!(
                    "{}, but the GKE Ingress's Service `{}` names no BackendConfig, so the load balancer has no session affinity",
                    scaled(max),
                    object::name(svc)
                ),
                fix,
            ));
            continue;
        }
        for n in names {
            match backend_config_affinity(items, ns(svc), &n) {
                Some(a) if GKE_STICKY.contains(&a) => {}
                Some(a) => out.push(at.error(
                    "metadata.annotations",
                    format!(
                        "{}, but BackendConfig `{n}` has session affinity `{a}`, so the load balancer spreads a session's requests",
                        scaled(max)
                    ),
                    fix.clone(),
                )),
                None => out.push(at.error(
                    "metadata.annotations",
                    format!(
                        "{}, but BackendConfig `{n}` that Service `{}` names is not in this stream: its session affinity is unchecked",
                        scaled(max),
                        object::name(svc)
                    ),
                    fix.clone(),
                )),
            }
        }
    }
}

/// A GKE GCPBackendPolicy on Service `service` with a session affinity that sticks.
pub(crate) fn gcp_backend_policy_sticks(items: &[Value], namespace: &str, service: &str) -> bool {
    let is_policy = |b: &Value| GCP_BACKEND_POLICY.is_any_version(b);
    policy_sticks(items, is_policy, namespace, (Service::KIND, service), "type", |t| {
        GKE_STICKY.contains(&t)
    })
}

/// An Application Gateway for Containers RoutePolicy on HTTPRoute `route` with cookie
/// affinity: AGC's way, since it implements no `sessionPersistence`.
pub(crate) fn agc_route_policy_sticks(items: &[Value], namespace: &str, route: &str) -> bool {
    policy_sticks(
        items,
        |b| ROUTE_POLICY.is(b),
        namespace,
        (HTTP_ROUTE.kind, route),
        "affinityType",
        |t| t == "managed-cookie" || t == "application-cookie",
    )
}

/// Whether a policy object of `namespace` (as `is_policy` tells) targets `target` (its kind
/// and name) with a `spec.default.sessionAffinity.<field>` that `sticky` accepts: the shape
/// GKE's and AGC's affinity policies share.
fn policy_sticks(
    items: &[Value],
    is_policy: impl Fn(&Value) -> bool,
    namespace: &str,
    target: (&str, &str),
    field: &str,
    sticky: impl Fn(&str) -> bool,
) -> bool {
    items.iter().any(|b| {
        is_policy(b)
            && ns(b) == namespace
            && b.get("spec").and_then(|s| s.get("targetRef")).is_some_and(|t| {
                t.get("kind").and_then(Value::as_str) == Some(target.0)
                    && t.get("name").and_then(Value::as_str) == Some(target.1)
            })
            && b.get("spec")
                .and_then(|s| s.get("default"))
                .and_then(|d| d.get("sessionAffinity"))
                .and_then(|a| a.get(field))
                .and_then(Value::as_str)
                .is_some_and(&sticky)
    })
}

fn route_targets(r: &Value, services: &[&str]) -> bool {
    let spec = r.get("spec");
    let to = spec.and_then(|s| s.get("to")).into_iter();
    let alt = spec
        .and_then(|s| s.get("alternateBackends"))
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten();
    to.chain(alt)
        .filter_map(|b| b.get("name")?.as_str())
        .any(|n| services.contains(&n))
}

fn route(r: &Value, max: i64, out: &mut Vec<Diagnostic>) {
    let at = At::new(r);
    let disabled = annotations::get(r, "haproxy.router.openshift.io/disable_cookies")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if disabled {
        out.push(at.error(
            "metadata.annotations.haproxy.router.openshift.io/disable_cookies",
            format!("{}, but this Route disables the router's affinity cookie", scaled(max)),
            "remove `haproxy.router.openshift.io/disable_cookies` (name the cookie with `router.openshift.io/cookie_name`)",
        ));
    }
    let termination = r
        .get("spec")
        .and_then(|s| s.get("tls"))
        .and_then(|t| t.get("termination"))
        .and_then(Value::as_str);
    if termination == Some("passthrough") {
        out.push(at.error(
            "spec.tls.termination",
            format!(
                "{}, but a passthrough Route cannot set cookies: the router balances on the source IP",
                scaled(max)
            ),
            "use `termination: reencrypt` (TLS still reaches the pod) or `edge`",
        ));
    }
}

/// Judges the rules of an HTTPRoute that send traffic to `services`; true when there is one.
fn http_route(r: &Value, items: &[Value], services: &[&str], max: i64, out: &mut Vec<Diagnostic>) -> bool {
    let at = At::new(r);
    let mut targeted = false;
    let rules = r.get("spec").and_then(|s| s.get("rules")).and_then(Value::as_sequence);
    for (i, rule) in rules.into_iter().flatten().enumerate() {
        let targets: Vec<&str> = rule
            .get("backendRefs")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter(|b| b.get("kind").and_then(Value::as_str).is_none_or(|k| k == Service::KIND))
            .filter_map(|b| b.get("name")?.as_str())
            .filter(|n| services.contains(n))
            .collect();
        if targets.is_empty() {
            continue;
        }
        targeted = true;
        // GKE and AKS run the standard channel only: the affinity is a GCPBackendPolicy on
        // the Service, or an AGC RoutePolicy on the route.
        if targets.iter().all(|t| gcp_backend_policy_sticks(items, ns(r), t))
            || agc_route_policy_sticks(items, ns(r), object::name(r))
        {
            continue;
        }
        match rule.get("sessionPersistence") {
            None | Some(Value::Null) => out.push(at.error(
                format!("spec.rules[{i}].sessionPersistence"),
                format!("{}, but this HTTPRoute rule has no session persistence", scaled(max)),
                "GKE: a GCPBackendPolicy on the Service with `default.sessionAffinity: {type: GENERATED_COOKIE}`; AKS \
                 (Application Gateway for Containers): a RoutePolicy on the route with `default.sessionAffinity: \
                 {affinityType: managed-cookie}` (neither implements sessionPersistence); another Gateway that implements \
                 Gateway API's experimental channel: `sessionPersistence: {sessionName: MAVERICS_GW, type: Cookie}`",
            )),
            Some(sp) if sp.get("type").and_then(Value::as_str).is_some_and(|t| t != "Cookie") => out.push(at.error(
                format!("spec.rules[{i}].sessionPersistence.type"),
                "session persistence must be cookie-based: browsers do not echo a header",
                "set `type: Cookie`",
            )),
            Some(_) => {}
        }
    }
    targeted
}
