use super::Inputs;
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// On whenever more than one replica can run (unless disabled): with one replica a PDB of
/// `maxUnavailable: 1` protects nothing and anything stricter blocks node drains.
pub fn build(inputs: &Inputs) -> Option<PodDisruptionBudget> {
    let cfg = &inputs.config.spec.pod_disruption_budget;
    if !inputs.config.pdb_enabled() {
        return None;
    }
    let max_unavailable = match (&cfg.max_unavailable, &cfg.min_available) {
        (None, None) => Some(IntOrString::Int(1)),
        (m, _) => m.clone(),
    };
    Some(PodDisruptionBudget {
        metadata: inputs.meta(&inputs.names.base),
        spec: Some(PodDisruptionBudgetSpec {
            max_unavailable,
            min_available: cfg.min_available.clone(),
            selector: Some(inputs.selector()),
            ..Default::default()
        }),
        ..Default::default()
    })
}
