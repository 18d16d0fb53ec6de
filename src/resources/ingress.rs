use super::Ctx;
use super::service::PORT_NAME;
use crate::config::orchestrator::Termination;
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule, IngressServiceBackend, IngressSpec,
    IngressTLS, ServiceBackendPort,
};

/// Backend-protocol annotations of the controllers the orchestrator is tested with, applied
/// when TLS terminates in the pod.
fn backend_https_annotations(class: Option<&str>) -> &'static [(&'static str, &'static str)] {
    match class {
        Some("alb") => &[
            ("alb.ingress.kubernetes.io/backend-protocol", "HTTPS"),
            ("alb.ingress.kubernetes.io/healthcheck-protocol", "HTTPS"),
        ],
        Some("nginx") => &[("nginx.ingress.kubernetes.io/backend-protocol", "HTTPS")],
        _ => &[],
    }
}

pub fn build(ctx: &Ctx) -> Option<Ingress> {
    let cfg = &ctx.o.spec.ingress;
    if !cfg.enabled {
        return None;
    }
    let mut metadata = ctx.meta(&ctx.names.base);
    let mut annotations = cfg.annotations.clone();
    if ctx.o.spec.tls.termination == Termination::Pod {
        for (k, v) in backend_https_annotations(cfg.class_name.as_deref()) {
            annotations.entry((*k).to_owned()).or_insert_with(|| (*v).to_owned());
        }
    }
    if !annotations.is_empty() {
        metadata.annotations = Some(annotations);
    }
    let http = HTTPIngressRuleValue {
        paths: vec![HTTPIngressPath {
            path: Some(cfg.path.clone()),
            path_type: cfg.path_type.clone(),
            backend: IngressBackend {
                service: Some(IngressServiceBackend {
                    name: ctx.names.base.clone(),
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
