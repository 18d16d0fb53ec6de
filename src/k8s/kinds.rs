//! The kinds the generator and the platform layers write, in one place: built-ins from
//! k8s-openapi (`Resource::API_VERSION` and `KIND`), each custom resource one constant.

use k8s_openapi::Resource;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;

/// An apiVersion and a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// The `apiVersion`, e.g. `apps/v1`.
    pub api_version: &'static str,
    /// The `kind`, e.g. `StatefulSet`.
    pub kind: &'static str,
}

/// A built-in kind, as k8s-openapi names it.
pub const fn builtin<T: Resource>() -> Kind {
    Kind {
        api_version: T::API_VERSION,
        kind: T::KIND,
    }
}

impl Kind {
    /// Whether `obj` is of this apiVersion and kind.
    pub fn is(&self, obj: &serde_yaml::Value) -> bool {
        super::object::kind(obj) == self.kind && super::object::api_version(obj) == self.api_version
    }

    /// Whether `obj` is of this kind at any version of its API group (a kind of a named
    /// group: a core kind's group is empty, which any apiVersion starts with).
    pub fn is_any_version(&self, obj: &serde_yaml::Value) -> bool {
        super::object::kind(obj) == self.kind && super::object::api_version(obj).starts_with(self.group())
    }

    /// The API group with its slash (`cloud.google.com/`), to match any of its versions.
    pub fn group(&self) -> &'static str {
        let api = self.api_version;
        api.split_once('/').map_or("", |(g, _)| &api[..=g.len()])
    }
}

/// A custom resource's kind.
const fn custom(api_version: &'static str, kind: &'static str) -> Kind {
    Kind { api_version, kind }
}

/// External Secrets' ExternalSecret, which fills a Secret from a store.
pub const EXTERNAL_SECRET: Kind = custom("external-secrets.io/v1", "ExternalSecret");
/// External Secrets' namespaced SecretStore.
pub const SECRET_STORE: Kind = custom("external-secrets.io/v1", "SecretStore");
/// OpenShift's Route.
pub const ROUTE: Kind = custom("route.openshift.io/v1", "Route");
/// Gateway API's HTTPRoute.
pub const HTTP_ROUTE: Kind = custom("gateway.networking.k8s.io/v1", "HTTPRoute");
/// HTTPRoute's previous apiVersion, which clusters still serve.
pub const HTTP_ROUTE_V1BETA1: &str = "gateway.networking.k8s.io/v1beta1";
/// Gateway API's GRPCRoute.
pub const GRPC_ROUTE: Kind = custom("gateway.networking.k8s.io/v1", "GRPCRoute");
/// Gateway API's Gateway.
pub const GATEWAY: Kind = custom("gateway.networking.k8s.io/v1", "Gateway");
/// Calico's namespaced NetworkPolicy.
pub const CALICO_NETWORK_POLICY: Kind = custom("projectcalico.org/v3", "NetworkPolicy");
/// GKE's BackendConfig (the load balancer's health check and session affinity).
pub const BACKEND_CONFIG: Kind = custom("cloud.google.com/v1", "BackendConfig");
/// GKE's HealthCheckPolicy (the Gateway's health check).
pub const GKE_HEALTH_CHECK_POLICY: Kind = custom("networking.gke.io/v1", "HealthCheckPolicy");
/// Application Gateway for Containers' HealthCheckPolicy.
pub const AGC_HEALTH_CHECK_POLICY: Kind = custom(super::labels::AGC_API, "HealthCheckPolicy");

/// Application Gateway for Containers' IngressExtension (an Ingress's cookie affinity).
pub const INGRESS_EXTENSION: Kind = custom(super::labels::AGC_API, "IngressExtension");
/// Application Gateway for Containers' RoutePolicy (an HTTPRoute's cookie affinity).
pub const ROUTE_POLICY: Kind = custom(super::labels::AGC_API, "RoutePolicy");
/// GKE Ingress's FrontendConfig (the HTTPS redirect and SSL policy).
pub const FRONTEND_CONFIG: Kind = custom("networking.gke.io/v1beta1", "FrontendConfig");
/// GKE's ManagedCertificate.
pub const MANAGED_CERTIFICATE: Kind = custom("networking.gke.io/v1", "ManagedCertificate");
/// GKE Gateway's GCPBackendPolicy (session affinity, timeouts).
pub const GCP_BACKEND_POLICY: Kind = custom("networking.gke.io/v1", "GCPBackendPolicy");

/// A NetworkPolicy's `policyTypes` (Calico's `types`): the same words as two kinds, which
/// they are not.
pub const POLICY_TYPES: [&str; 2] = ["Ingress", "Egress"];

/// Every kind the generator emits (the base of an `Orchestrator` config).
pub const GENERATED: &[Kind] = &[
    builtin::<Namespace>(),
    builtin::<ServiceAccount>(),
    builtin::<ConfigMap>(),
    builtin::<Service>(),
    builtin::<StatefulSet>(),
    builtin::<PodDisruptionBudget>(),
    builtin::<HorizontalPodAutoscaler>(),
    builtin::<NetworkPolicy>(),
    builtin::<Ingress>(),
    HTTP_ROUTE,
    EXTERNAL_SECRET,
];

/// The kinds' names alone, as `&str` constants: usable as `match` patterns, where a field of
/// a [`Kind`] constant is not.
pub mod name {
    use super::*;

    /// `Namespace`.
    pub const NAMESPACE: &str = <Namespace as Resource>::KIND;
    /// `ServiceAccount`.
    pub const SERVICE_ACCOUNT: &str = <ServiceAccount as Resource>::KIND;
    /// `ConfigMap`.
    pub const CONFIG_MAP: &str = <ConfigMap as Resource>::KIND;
    /// `Service`.
    pub const SERVICE: &str = <Service as Resource>::KIND;
    /// `StatefulSet`.
    pub const STATEFUL_SET: &str = <StatefulSet as Resource>::KIND;
    /// `PodDisruptionBudget`.
    pub const POD_DISRUPTION_BUDGET: &str = <PodDisruptionBudget as Resource>::KIND;
    /// `HorizontalPodAutoscaler`.
    pub const HORIZONTAL_POD_AUTOSCALER: &str = <HorizontalPodAutoscaler as Resource>::KIND;
    /// `NetworkPolicy` (Kubernetes' and Calico's).
    pub const NETWORK_POLICY: &str = <NetworkPolicy as Resource>::KIND;
    /// `Ingress`.
    pub const INGRESS: &str = <Ingress as Resource>::KIND;
    /// `ExternalSecret`.
    pub const EXTERNAL_SECRET: &str = super::EXTERNAL_SECRET.kind;
    /// `SecretStore`.
    pub const SECRET_STORE: &str = super::SECRET_STORE.kind;
    /// `Route`.
    pub const ROUTE: &str = super::ROUTE.kind;
    /// `HTTPRoute`.
    pub const HTTP_ROUTE: &str = super::HTTP_ROUTE.kind;
    /// `GRPCRoute`.
    pub const GRPC_ROUTE: &str = super::GRPC_ROUTE.kind;
    /// `Gateway`.
    pub const GATEWAY: &str = super::GATEWAY.kind;
    /// `BackendConfig`.
    pub const BACKEND_CONFIG: &str = super::BACKEND_CONFIG.kind;
    /// `GCPBackendPolicy`.
    pub const GCP_BACKEND_POLICY: &str = super::GCP_BACKEND_POLICY.kind;
    /// `IngressExtension`.
    pub const INGRESS_EXTENSION: &str = super::INGRESS_EXTENSION.kind;
}
