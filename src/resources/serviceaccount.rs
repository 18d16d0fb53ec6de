use super::Inputs;
use k8s_openapi::api::core::v1::ServiceAccount;

/// The orchestrator talks to no Kubernetes API, so its token is never mounted.
pub fn build(inputs: &Inputs) -> ServiceAccount {
    let mut metadata = inputs.meta(&inputs.names.base);
    let annotations = &inputs.config.spec.service_account.annotations;
    if !annotations.is_empty() {
        metadata.annotations = Some(annotations.clone());
    }
    ServiceAccount {
        metadata,
        automount_service_account_token: Some(false),
        ..Default::default()
    }
}
