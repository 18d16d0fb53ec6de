//! Host annotations. Hosts send each of these in a v1 (`internal.`) and a legacy form and
//! reject output where the twins disagree, so they are always written together.

use serde_yaml::{Mapping, Value};

/// The item's file path, relative to the host's root (v1 form).
pub const PATH: &str = "internal.config.kubernetes.io/path";
/// The legacy form of [`PATH`].
pub const LEGACY_PATH: &str = "config.kubernetes.io/path";
/// Which YAML document of its file the item is, from 0 (v1 form).
pub const INDEX: &str = "internal.config.kubernetes.io/index";
/// The legacy form of [`INDEX`].
pub const LEGACY_INDEX: &str = "config.kubernetes.io/index";
/// `"true"` on an object the host must not write to its output, such as a function config.
pub const LOCAL_CONFIG: &str = "config.kubernetes.io/local-config";
/// On a function config: the image or exec path of the function that reads it.
pub const FUNCTION: &str = "config.kubernetes.io/function";
/// This tool's own: the config that generated an object (`resources::OWNER_ANNOTATION`,
/// which says why), here because every item's head reads it.
pub const OWNER: &str = "krm.maverics.dev/owner";

/// Annotations the host owns on an item: they identify the item to the host (ids), place it
/// in a file (path, index) or carry build state (kustomize's `internal.` set). When a
/// generated object replaces an existing item they move over, so the host still recognises
/// the item and kpt keeps its comments and file.
pub fn is_host_owned(key: &str) -> bool {
    key.starts_with("internal.config.kubernetes.io/")
        || key.starts_with("internal.config.k8s.io/")
        || key == LEGACY_PATH
        || key == LEGACY_INDEX
        || key == "config.k8s.io/id"
        || key == "kustomize.config.k8s.io/id"
}

fn annotations(obj: &Value) -> Option<&Mapping> {
    obj.get("metadata")?.get("annotations")?.as_mapping()
}

/// The value of annotation `key` on `obj`, when it is a string.
pub fn get<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    annotations(obj)?.get(key)?.as_str()
}

/// The item's file path, preferring the v1 annotation.
pub fn path(obj: &Value) -> Option<&str> {
    get(obj, PATH).or_else(|| get(obj, LEGACY_PATH))
}

/// The item's index inside its file.
pub fn index(obj: &Value) -> u32 {
    get(obj, INDEX)
        .or_else(|| get(obj, LEGACY_INDEX))
        .and_then(|i| i.parse().ok())
        .unwrap_or(0)
}

/// Whether `obj` carries `config.kubernetes.io/local-config: "true"`, so the host drops it from the output.
pub fn is_local_config(obj: &Value) -> bool {
    get(obj, LOCAL_CONFIG) == Some("true")
}

/// Copies the host-owned annotations of `from` onto `to`, replacing any it already has.
pub fn copy_host_owned(from: &Value, to: &mut Mapping) {
    let Some(src) = annotations(from) else { return };
    for (k, v) in src {
        if k.as_str().is_some_and(is_host_owned) {
            to.insert(k.clone(), v.clone());
        }
    }
}

/// Sets path and index in both forms.
pub fn set_path(annotations: &mut Mapping, path: &str, index: u32) {
    for key in [PATH, LEGACY_PATH] {
        annotations.insert(key.into(), path.into());
    }
    for key in [INDEX, LEGACY_INDEX] {
        annotations.insert(key.into(), index.to_string().into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_paths_and_kustomize_state_are_host_owned() {
        for k in [
            "internal.config.kubernetes.io/id",
            "config.k8s.io/id",
            "config.kubernetes.io/path",
            "internal.config.kubernetes.io/needsHashSuffix",
            "kustomize.config.k8s.io/id",
            "internal.config.k8s.io/kpt-resource-id",
        ] {
            assert!(is_host_owned(k), "{k}");
        }
        for k in [
            "config.kubernetes.io/local-config",
            "checksum/config",
            "kustomize.config.k8s.io/needs-hash",
        ] {
            assert!(!is_host_owned(k), "{k}");
        }
    }

    #[test]
    fn path_prefers_v1_and_index_defaults_to_zero() {
        let v: Value = serde_yaml::from_str(
            "metadata:\n  annotations:\n    config.kubernetes.io/path: old.yaml\n    internal.config.kubernetes.io/path: new.yaml\n",
        )
        .unwrap();
        assert_eq!(path(&v), Some("new.yaml"));
        assert_eq!(index(&v), 0);
    }
}
