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
use crate::k8s::labels::{AFFINITY_ANNOTATION, APP_NAME, LABEL_NAME, NGINX_AFFINITY};
use crate::krm::{annotations, object};
use serde_yaml::Value;

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
    matches!(object::kind(obj), "StatefulSet" | "Deployment")
        && template_labels(obj).is_some_and(|l| l.get(LABEL_NAME).and_then(Value::as_str) == Some(APP_NAME))
}

/// The largest replica count: the HPA's maxReplicas when one targets the workload.
fn max_replicas(items: &[Value], w: &Value) -> i64 {
    let hpa = items.iter().find(|h| {
        object::kind(h) == "HorizontalPodAutoscaler"
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
        if object::kind(cm) != "ConfigMap" || ns(cm) != ns(w) || !names.contains(&object::name(cm)) {
            return None;
        }
        let text = cm.get("data")?.get("maverics.yaml")?.as_str()?;
        serde_yaml::from_str::<Value>(text)
            .ok()
            .map(|v| MavericsFacts::read(&v))
    })
}

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
                object::kind(s) == "Service"
                    && ns(s) == w.namespace
                    && selects(s.get("spec").and_then(|s| s.get("selector")), template_labels(w.obj))
            })
            .collect();
        let names: Vec<&str> = services.iter().map(|s| object::name(s)).collect();
        let mut exposed = false;
        for e in items.iter().filter(|e| ns(e) == w.namespace) {
            match (object::api_version(e), object::kind(e)) {
                ("networking.k8s.io/v1", "Ingress") if ingress_targets(e, &names) => {
                    exposed = true;
                    ingress(e, &services, &cookie, w.max_replicas, out);
                }
                ("route.openshift.io/v1", "Route") if route_targets(e, &names) => {
                    exposed = true;
                    route(e, w.max_replicas, out);
                }
                ("gateway.networking.k8s.io/v1" | "gateway.networking.k8s.io/v1beta1", "HTTPRoute") => {
                    exposed |= http_route(e, &names, w.max_replicas, out);
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

fn backend_names(e: &Value) -> Vec<&str> {
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

fn ingress(e: &Value, services: &[&Value], cookie: &str, max: i64, out: &mut Vec<Diagnostic>) {
    let at = At::new(e);
    // The ALB controller also reads these annotations from the backend Service.
    let ann = |key: &str| annotations::get(e, key).or_else(|| services.iter().find_map(|s| annotations::get(s, key)));
    let field = |key: &str| format!("metadata.annotations.{key}");
    if annotations::get(e, AFFINITY_ANNOTATION).is_some() {
        return;
    }
    if ann(NGINX_AFFINITY) == Some("cookie") {
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
             and `{ALB_TARGET_TYPE}: ip`; ingress-nginx: `{NGINX_AFFINITY}: cookie`; another controller: configure its cookie \
             affinity and say so with `{AFFINITY_ANNOTATION}: <how>` (the generator does this with spec.ingress.stickySessions)"
        ),
    ));
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
fn http_route(r: &Value, services: &[&str], max: i64, out: &mut Vec<Diagnostic>) -> bool {
    let at = At::new(r);
    let mut targeted = false;
    let rules = r.get("spec").and_then(|s| s.get("rules")).and_then(Value::as_sequence);
    for (i, rule) in rules.into_iter().flatten().enumerate() {
        let targets = rule
            .get("backendRefs")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter(|b| b.get("kind").and_then(Value::as_str).is_none_or(|k| k == "Service"))
            .filter_map(|b| b.get("name")?.as_str())
            .any(|n| services.contains(&n));
        if !targets {
            continue;
        }
        targeted = true;
        match rule.get("sessionPersistence") {
            None | Some(Value::Null) => out.push(at.error(
                format!("spec.rules[{i}].sessionPersistence"),
                format!("{}, but this HTTPRoute rule has no session persistence", scaled(max)),
                "add `sessionPersistence: {sessionName: MAVERICS_GW, type: Cookie}` (Gateway API experimental channel; \
                 check that your Gateway implementation supports it)",
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
