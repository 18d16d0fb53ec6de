//! The ConfigMap that holds the orchestrator's config (`maverics.yaml`), and the one that
//! holds the Console bundle.

use super::Inputs;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::ConfigMap;
use serde_yaml::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The ConfigMap key (and file name in the container) of the orchestrator's config.
pub const KEY: &str = "maverics.yaml";
/// Where the ConfigMap is mounted; the orchestrator reads `MOUNT_DIR/KEY`.
pub const MOUNT_DIR: &str = "/etc/maverics/config";
/// The Console bundle's directory and file names, as in Strata's chart.
pub const BUNDLE_DIR: &str = "/etc/maverics/cloud-config";
/// The file name of the bundle's public key in [`BUNDLE_DIR`].
pub const BUNDLE_KEY_FILE: &str = "bundle_public_key.pem";
/// The file name of the bundle itself in [`BUNDLE_DIR`], when it is local.
pub const BUNDLE_FILE: &str = "maverics.tar.gz";

/// The orchestrator's config file, rendered from `spec.config` with keys sorted at every
/// level. kustomize hands a generator its config with sorted keys and kpt in file order;
/// sorting here makes the file and its checksum the same bytes under every host.
pub fn content(inputs: &Inputs) -> String {
    let mut config = inputs.config.spec.config.clone();
    sort_keys(&mut config);
    // The config checks refuse a spec.config that cannot be written (`config::checks`), so
    // this never yields the empty file.
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
pub fn checksum(inputs: &Inputs) -> String {
    let mut hash = Sha256::new();
    hash.update(content(inputs).as_bytes());
    // A generated bundle ConfigMap rolls the pods too. Without one the digest is the
    // config's alone, as before bundles existed.
    if let Some(b) = &inputs.config.spec.config_source.bundle {
        for v in [&b.public_key_b64, &b.bundle_b64].into_iter().flatten() {
            hash.update(b"\0");
            hash.update(v.trim().as_bytes());
        }
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The ConfigMap of `spec.config`, unless `spec.configSource` names another source.
pub fn build(inputs: &Inputs) -> Option<ConfigMap> {
    let source = &inputs.config.spec.config_source;
    (source.config_map.is_none() && source.bundle.is_none()).then(|| ConfigMap {
        metadata: inputs.meta(&inputs.names.config),
        data: Some(BTreeMap::from([(KEY.to_owned(), content(inputs))])),
        ..Default::default()
    })
}

/// The name of the ConfigMap that holds the Console bundle: `<name>-bundle`.
pub fn bundle_name(inputs: &Inputs) -> String {
    format!("{}-bundle", inputs.names.base)
}

/// The Console bundle's public key (and the bundle, when local) as binaryData, when given
/// inline. Values failing to decode were refused by the checks; they are left out here.
pub fn bundle(inputs: &Inputs) -> Option<ConfigMap> {
    use base64::Engine as _;
    let b = inputs.config.spec.config_source.bundle.as_ref()?;
    let key = b.public_key_b64.as_ref()?;
    let decode = |v: &String| base64::engine::general_purpose::STANDARD.decode(v.trim()).ok();
    let mut data = BTreeMap::new();
    if let Some(bytes) = decode(key) {
        data.insert(BUNDLE_KEY_FILE.to_owned(), ByteString(bytes));
    }
    if let Some(bytes) = b.bundle_b64.as_ref().and_then(decode) {
        data.insert(BUNDLE_FILE.to_owned(), ByteString(bytes));
    }
    Some(ConfigMap {
        metadata: inputs.meta(&bundle_name(inputs)),
        binary_data: Some(data),
        ..Default::default()
    })
}
