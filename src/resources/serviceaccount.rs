use super::Ctx;
use k8s_openapi::api::core::v1::ServiceAccount;

/// The orchestrator talks to no Kubernetes API, so its token is never mounted.
pub fn build(ctx: &Ctx) -> ServiceAccount {
    let mut metadata = ctx.meta(&ctx.names.base);
    let annotations = &ctx.o.spec.service_account.annotations;
    if !annotations.is_empty() {
        metadata.annotations = Some(annotations.clone());
    }
    ServiceAccount {
        metadata,
        automount_service_account_token: Some(false),
        ..Default::default()
    }
}
