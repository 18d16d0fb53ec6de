use super::Ctx;
use k8s_openapi::api::core::v1::ConfigMap;
use serde_yaml::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub const KEY: &str = "maverics.yaml";
pub const MOUNT_DIR: &str = "/etc/maverics/config";

/// The orchestrator's config file, rendered from `spec.config` with keys sorted at every
/// level. kustomize hands a generator its config with sorted keys and kpt in file order;
/// sorting here makes the file and its checksum the same bytes under every host.
pub fn content(ctx: &Ctx) -> String {
    let mut config = ctx.o.spec.config.clone();
    sort_keys(&mut config);
    // spec.config is a checked YAML mapping; serialising a Value cannot fail.
    serde_yaml::to_string(&config).unwrap_or_default()
}

fn sort_keys(v: &mut Value) {
    match v {
        Value::Mapping(m) => {
            let mut entries: Vec<(Value, Value)> = std::mem::take(m).into_iter().collect();
            entries.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
            for (k, mut v) in entries {
                sort_keys(&mut v);
                m.insert(k, v);
            }
        }
        Value::Sequence(s) => s.iter_mut().for_each(sort_keys),
        Value::Tagged(t) => sort_keys(&mut t.value),
        _ => {}
    }
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
