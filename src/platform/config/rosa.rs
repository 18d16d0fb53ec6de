//! `spec.rosa`: Red Hat OpenShift Service on AWS settings of the `OrchestratorPlatform`
//! transformer.

use super::aws::{SecretStore, check_store};
use crate::config::api_rules;
use crate::diag::Diagnostic;
use crate::k8s::validate::Wildcard;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Red Hat OpenShift Service on AWS settings; required with `platform: rosa`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rosa {
    /// The OpenShift Route that exposes the orchestrator.
    pub route: Route,
    /// The Red Hat certified image.
    #[serde(default)]
    pub image: RosaImage,
    /// A SecretStore for AWS Secrets Manager through AWS STS; unset: none.
    #[serde(default, deserialize_with = "super::null_is_empty")]
    pub secret_store: Option<SecretStore>,
}

/// The OpenShift Route that exposes the orchestrator.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Route {
    /// The Route's host name.
    pub host: String,
    /// `edge`, `reencrypt` or `passthrough`. Default: `edge` when the pod serves HTTP, `reencrypt`
    /// when it serves HTTPS.
    #[serde(default)]
    pub termination: Option<RouteTermination>,
    /// The router's sticky cookie; never the orchestrator's own session cookie.
    #[serde(default = "default_router_cookie")]
    pub cookie_name: String,
    /// The router's timeout (`haproxy.router.openshift.io/timeout`).
    #[serde(default = "default_route_timeout")]
    pub timeout: String,
    /// The Secret the service CA fills for `reencrypt`; default `<service>-serving-cert`.
    #[serde(default)]
    pub serving_cert_secret_name: Option<String>,
}

fn default_router_cookie() -> String {
    "MAVERICS_RTE".into()
}
fn default_route_timeout() -> String {
    "60s".into()
}

/// Where the Route ends TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RouteTermination {
    /// The router ends TLS and sends plain HTTP to the pod.
    Edge,
    /// The router ends TLS and opens a new TLS connection to the pod, which serves HTTPS.
    Reencrypt,
    /// The router passes TLS through to the pod and sets no cookie, so sessions cannot stick: refused.
    Passthrough,
}

/// The Red Hat certified image.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RosaImage {
    /// Red Hat certified image; the tag or digest of the base is kept.
    pub repository: String,
}

impl Default for RosaImage {
    fn default() -> Self {
        RosaImage {
            repository: "registry.connect.redhat.com/strata-identity/orchestrator".into(),
        }
    }
}

/// Rules types cannot express: a Route that can stick sessions, names the router accepts.
pub(super) fn check(rosa: &Rosa, err: &mut impl FnMut(Diagnostic)) {
    let r = &rosa.route;
    if r.termination == Some(RouteTermination::Passthrough) {
        err(Diagnostic::error("a passthrough Route cannot keep sessions sticky: the router sets no cookie and hashes the source IP, which a load balancer hides")
                .field("spec.rosa.route.termination")
                .fix("use `edge` (the pod serves HTTP) or `reencrypt` (the pod serves HTTPS), or remove the field to choose from the base"));
    }
    api_rules::host(&r.host, "spec.rosa.route.host", Wildcard::Never, err);
    api_rules::cookie(&r.cookie_name, "spec.rosa.route.cookieName", err);
    if let Err(why) = crate::k8s::validate::router_timeout(&r.timeout) {
        err(Diagnostic::error(format!("`{}` {why}", api_rules::shown(&r.timeout)))
            .field("spec.rosa.route.timeout")
            .fix("write a number and a unit, e.g. `60s` or `5m`"));
    }
    if let Some(c) = &r.serving_cert_secret_name {
        api_rules::subdomain(c, "spec.rosa.route.servingCertSecretName", err);
    }
    if let Some(store) = &rosa.secret_store {
        check_store(store, "spec.rosa.secretStore", err);
    }
    if let Err(why) = crate::k8s::validate::image_repository(&rosa.image.repository) {
        err(Diagnostic::error(format!(
            "the image repository `{}` {why}",
            api_rules::shown(&rosa.image.repository)
        ))
        .field("spec.rosa.image.repository")
        .fix("remove it for the Red Hat registry default, or name your mirror as `registry/path` in lower case"));
    }
}
