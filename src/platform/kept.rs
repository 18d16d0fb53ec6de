//! The items a platform plan may read field by field or change, told from their head
//! (apiVersion, kind, metadata) as the function mode reads the stream: it keeps these as
//! trees and passes every other item through as text. Kinds go by name whatever their
//! apiVersion, a superset of what each reader matches.

use super::found;
use crate::k8s::kinds::{
    AGC_HEALTH_CHECK_POLICY, FRONTEND_CONFIG, GKE_HEALTH_CHECK_POLICY, MANAGED_CERTIFICATE, ROUTE_POLICY, name,
};
use crate::krm::object;
use k8s_openapi::Resource;
use k8s_openapi::api::networking::v1::IngressClass;
use k8s_openapi::api::storage::v1::StorageClass;
use serde_yaml::Value;

/// Every kind a plan reads or may rewrite besides the orchestrator's own objects:
///
/// - the orchestrator's Namespace, found by name (`found`);
/// - what the misfit rules read of the stream (`misfits`): the HorizontalPodAutoscaler of
///   the scaled orchestrator, the HTTPRoutes, Gateways and affinity policies of
///   `sessionPersistence`, every Ingress and the IngressClasses of GKE's class rule;
/// - every kind a layer writes with `Planner::put` (EKS, ROSA, AKS, GKE), which patches an
///   object of the same name already in the stream: a passed one would be an internal error
///   (`found::json_of`), never a second object.
pub const KINDS: &[&str] = &[
    name::NAMESPACE,
    name::HORIZONTAL_POD_AUTOSCALER,
    name::HTTP_ROUTE,
    name::GATEWAY,
    name::GCP_BACKEND_POLICY,
    ROUTE_POLICY.kind,
    name::INGRESS,
    IngressClass::KIND,
    name::SERVICE_ACCOUNT,
    name::SECRET_STORE,
    StorageClass::KIND,
    name::NETWORK_POLICY,
    name::ROUTE,
    name::INGRESS_EXTENSION,
    AGC_HEALTH_CHECK_POLICY.kind,
    GKE_HEALTH_CHECK_POLICY.kind,
    name::BACKEND_CONFIG,
    FRONTEND_CONFIG.kind,
    MANAGED_CERTIFICATE.kind,
];

/// Whether the plan may read or change the item whose head is `head`: an object labelled as
/// the orchestrator's (the scan selects by those labels), or one of [`KINDS`].
pub fn keeps(head: &Value) -> bool {
    found::ours(head) || KINDS.contains(&object::kind(head))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::kinds::{GATEWAY, GCP_BACKEND_POLICY};

    #[test]
    fn the_misfit_kinds_and_the_generated_exposures_are_kept() {
        for kind in [GATEWAY, GCP_BACKEND_POLICY, ROUTE_POLICY] {
            assert!(KINDS.contains(&kind.kind), "{}", kind.kind);
        }
        let head = |kind: &str| serde_yaml::from_str::<Value>(&format!("apiVersion: x/v1\nkind: {kind}\n")).unwrap();
        assert!(keeps(&head("Ingress")) && keeps(&head("Namespace")));
        assert!(!keeps(&head("Deployment")) && !keeps(&head("ConfigMap")) && !keeps(&head("Service")));
        // Whatever the generator labels is kept by its labels, whatever its kind.
        let ours = serde_yaml::from_str::<Value>(
            "apiVersion: v1\nkind: Service\nmetadata: {labels: {app.kubernetes.io/managed-by: maverics-krm, app.kubernetes.io/name: maverics-orchestrator}}\n",
        )
        .unwrap();
        assert!(keeps(&ours));
    }
}
