//! The orchestrator's Namespace, labelled so Pod Security admission enforces `restricted`:
//! a pod that drops a hardening setting (an overlay patch, a debug sidecar) is refused
//! instead of running quietly weaker. `audit` and `warn` report the same level.

use super::Inputs;
use k8s_openapi::api::core::v1::Namespace;

pub const PSS_LEVEL: &str = "restricted";

/// Namespaces the cluster owns and other workloads share: relabelling them `restricted` would
/// break what else runs there, and pruning them would be worse. Deploying into one is already
/// a warning (`default`); the Namespace object is simply not generated.
pub fn is_shared(name: &str) -> bool {
    matches!(name, "default" | "kube-system" | "kube-public" | "kube-node-lease") || name.starts_with("openshift")
}

pub fn build(inputs: &Inputs) -> Option<Namespace> {
    let spec = &inputs.config.spec;
    let name = spec
        .namespace
        .as_ref()
        .filter(|n| spec.create_namespace && !is_shared(n))?;
    let mut metadata = inputs.meta(name);
    metadata.namespace = None;
    let labels = metadata.labels.get_or_insert_with(Default::default);
    for mode in ["enforce", "audit", "warn"] {
        labels.insert(format!("pod-security.kubernetes.io/{mode}"), PSS_LEVEL.into());
    }
    Some(Namespace {
        metadata,
        ..Default::default()
    })
}
