use super::Inputs;
use super::service::PORT_NAME;
use crate::config::orchestrator::{StickyCookie, Termination};
use crate::k8s::alb::{ALB_ATTRIBUTES, ALB_TARGET_TYPE};
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule, IngressServiceBackend, IngressSpec,
    IngressTLS, ServiceBackendPort,
};
use std::collections::BTreeMap;

/// Backend annotations of the controllers the orchestrator is tested with. The AWS Load
/// Balancer Controller health-checks `/` and expects 200 unless told otherwise; the
/// orchestrator answers on its health location, so without the path every target turns
/// unhealthy (and with pod readiness gates no pod ever becomes Ready). The protocols switch to
/// HTTPS when TLS terminates in the pod. ingress-nginx does not health-check its backends.
fn backend_annotations(inputs: &Inputs) -> Vec<(String, String)> {
    let https = inputs.config.spec.tls.termination == Termination::Pod;
    match inputs.config.spec.ingress.class_name.as_deref() {
        Some("alb") => {
            let a = "alb.ingress.kubernetes.io";
            let mut out = vec![(format!("{a}/healthcheck-path"), inputs.facts.health_path.clone())];
            if https {
                out.push((format!("{a}/backend-protocol"), "HTTPS".into()));
                out.push((format!("{a}/healthcheck-protocol"), "HTTPS".into()));
            }
            out
        }
        Some("nginx") if https => vec![("nginx.ingress.kubernetes.io/backend-protocol".into(), "HTTPS".into())],
        _ => Vec::new(),
    }
}

/// Cookie-affinity annotations for the known controllers. The AWS Load Balancer Controller
/// keys on the orchestrator's session cookie (`app`) or its own `AWSALB` cookie, and needs
/// `target-type: ip` for either. ingress-nginx (retired upstream in March 2026: no more
/// security fixes) always issues a cookie of its own.
fn sticky_annotations(inputs: &Inputs) -> BTreeMap<String, String> {
    let cfg = &inputs.config.spec.ingress;
    let s = &cfg.sticky_sessions;
    let mut out = BTreeMap::new();
    if !s.enabled {
        return out;
    }
    let d = s.duration_seconds;
    match cfg.class_name.as_deref() {
        Some("alb") => {
            let d = d.to_string();
            let mut attrs = vec![("stickiness.enabled", "true")];
            match s.cookie {
                StickyCookie::App => attrs.extend([
                    ("stickiness.type", "app_cookie"),
                    (
                        "stickiness.app_cookie.cookie_name",
                        inputs.facts.session_cookie.as_str(),
                    ),
                    ("stickiness.app_cookie.duration_seconds", d.as_str()),
                ]),
                StickyCookie::LoadBalancer => attrs.extend([
                    ("stickiness.type", "lb_cookie"),
                    ("stickiness.lb_cookie.duration_seconds", d.as_str()),
                ]),
            }
            // `checks::check_orchestrator` refuses a session cookie that is no RFC 6265 token before anything
            // is generated, so a refusal here cannot happen; nothing half-escaped is written.
            if let Ok(attrs) = crate::k8s::alb::attributes(&attrs) {
                out.insert(ALB_ATTRIBUTES.into(), attrs);
            }
            out.insert(ALB_TARGET_TYPE.into(), "ip".into());
        }
        Some("nginx") => {
            let n = "nginx.ingress.kubernetes.io";
            out.insert(format!("{n}/affinity"), "cookie".into());
            // persistent: a scale-up does not move existing sessions to the new pods.
            out.insert(format!("{n}/affinity-mode"), "persistent".into());
            out.insert(format!("{n}/session-cookie-name"), NGINX_COOKIE.into());
            out.insert(format!("{n}/session-cookie-max-age"), d.to_string());
        }
        _ => {}
    }
    out
}

/// The ALB keeps sending a terminating pod requests until its target is deregistered, and
/// keeps in-flight ones for the target group's deregistration delay (AWS default 300 s, far
/// beyond the grace period): the base sets it to the pod's preStop drain, so both end
/// together. A delay the user already set in the attributes stays.
fn alb_drain(inputs: &Inputs, annotations: &mut BTreeMap<String, String>) {
    if inputs.config.spec.ingress.class_name.as_deref() != Some("alb") {
        return;
    }
    let key = "deregistration_delay.timeout_seconds";
    let delay = format!("{key}={}", inputs.config.drain_seconds());
    let attrs = annotations.entry(ALB_ATTRIBUTES.into()).or_default();
    if !attrs.split(',').any(|a| a.trim().starts_with(key)) {
        *attrs = if attrs.is_empty() {
            delay
        } else {
            format!("{attrs},{delay}")
        };
    }
}

/// ingress-nginx's affinity cookie: its own name, so it never shadows the orchestrator's.
pub const NGINX_COOKIE: &str = "MAVERICS_AFFINITY";

pub fn build(inputs: &Inputs) -> Option<Ingress> {
    let cfg = &inputs.config.spec.ingress;
    if !cfg.enabled {
        return None;
    }
    let mut metadata = inputs.meta(&inputs.names.base);
    let mut annotations = cfg.annotations.clone();
    for (k, v) in backend_annotations(inputs)
        .into_iter()
        .chain(sticky_annotations(inputs))
    {
        annotations.entry(k).or_insert(v);
    }
    alb_drain(inputs, &mut annotations);
    if !annotations.is_empty() {
        metadata.annotations = Some(annotations);
    }
    let http = HTTPIngressRuleValue {
        paths: vec![HTTPIngressPath {
            path: Some(cfg.path.clone()),
            path_type: cfg.path_type.clone(),
            backend: IngressBackend {
                service: Some(IngressServiceBackend {
                    name: inputs.names.base.clone(),
                    port: Some(ServiceBackendPort {
                        name: Some(PORT_NAME.into()),
                        number: None,
                    }),
                }),
                resource: None,
            },
        }],
    };
    let rules = if cfg.hosts.is_empty() {
        vec![IngressRule {
            host: None,
            http: Some(http),
        }]
    } else {
        cfg.hosts
            .iter()
            .map(|h| IngressRule {
                host: Some(h.clone()),
                http: Some(http.clone()),
            })
            .collect()
    };
    let tls = (!cfg.tls.is_empty()).then(|| {
        cfg.tls
            .iter()
            .map(|t| IngressTLS {
                secret_name: Some(t.secret_name.clone()),
                hosts: (!t.hosts.is_empty()).then(|| t.hosts.clone()),
            })
            .collect()
    });
    Some(Ingress {
        metadata,
        spec: Some(IngressSpec {
            ingress_class_name: cfg.class_name.clone(),
            rules: Some(rules),
            tls,
            ..Default::default()
        }),
        ..Default::default()
    })
}
