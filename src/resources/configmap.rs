use super::Ctx;
use k8s_openapi::api::core::v1::ConfigMap;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub const KEY: &str = "maverics.yaml";
pub const MOUNT_DIR: &str = "/etc/maverics/config";

/// The orchestrator's config file, rendered from `spec.config`.
pub fn content(ctx: &Ctx) -> String {
    // spec.config is a checked YAML mapping; serialising a Value cannot fail.
    serde_yaml::to_string(&ctx.o.spec.config).unwrap_or_default()
}

/// The pod template carries this, so a config change rolls the pods (as Strata's chart
/// does). Unlike a hashed ConfigMap name it works the same under kpt and leaves no stale
/// ConfigMaps behind.
pub fn checksum(ctx: &Ctx) -> String {
    let digest = Sha256::digest(content(ctx).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn build(ctx: &Ctx) -> ConfigMap {
    ConfigMap {
        metadata: ctx.meta(&ctx.names.config),
        data: Some(BTreeMap::from([(KEY.to_owned(), content(ctx))])),
        ..Default::default()
    }
}
