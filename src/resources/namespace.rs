//! The orchestrator's Namespace, labelled so Pod Security admission enforces `restricted`:
//! a pod that drops a hardening setting (an overlay patch, a debug sidecar) is refused
//! instead of running quietly weaker. `audit` and `warn` report the same level.

use super::Ctx;
use k8s_openapi::api::core::v1::Namespace;

pub const PSS_LEVEL: &str = "restricted";

pub fn build(ctx: &Ctx) -> Option<Namespace> {
    let spec = &ctx.o.spec;
    let name = spec.namespace.as_ref().filter(|_| spec.create_namespace)?;
    let mut metadata = ctx.meta(name);
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
