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
/// Calico's namespaced NetworkPolicy.
pub const CALICO_NETWORK_POLICY: Kind = custom("projectcalico.org/v3", "NetworkPolicy");

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
