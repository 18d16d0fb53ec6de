//! The function config API that the three kinds share: their `apiVersion`, their kind names,
//! the dispatch on them, the `metadata` they all carry and the typed reading that gives every
//! config error a field path. Each kind owns the rest: `Orchestrator` in `config`,
//! `OrchestratorPlatform` in `platform::config`, `OrchestratorCheck` in `check::config`.

mod metadata;
pub mod parse;

pub use metadata::Metadata;

use crate::diag::{Diagnostic, FileRef};
use crate::krm::object;

/// The API group of every function config kind, and of the annotations this tool writes.
pub const GROUP: &str = "krm.maverics.dev";

/// The `apiVersion` of every function config kind: [`GROUP`] and the one version it serves.
pub const API_VERSION: &str = "krm.maverics.dev/v1alpha1";

/// The generator's kind: the orchestrator base.
pub const ORCHESTRATOR: &str = "Orchestrator";
/// The transformer's kind: the platform layer.
pub const PLATFORM: &str = "OrchestratorPlatform";
/// The validator's kind: the checks on any rendered stream.
pub const CHECK: &str = "OrchestratorCheck";

/// The function config kinds, one per role the binary plays.
pub const KINDS: &[&str] = &[ORCHESTRATOR, PLATFORM, CHECK];

/// The function config kind `value` declares, or the error that names the supported ones.
/// Every reader of a config dispatches on this, so they refuse the same documents alike.
pub fn kind_of(value: &serde_yaml::Value, file: Option<&FileRef>) -> Result<&'static str, Vec<Diagnostic>> {
    let api_version = object::api_version(value);
    let kind = object::kind(value);
    match KINDS.iter().find(|k| **k == kind) {
        Some(k) if api_version == API_VERSION => Ok(k),
        _ => {
            let supported = KINDS
                .iter()
                .map(|k| format!("`{API_VERSION}` `{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let what = if kind == crate::k8s::kinds::name::CONFIG_MAP && object::name(value) == "function-input" {
                "no function config was given (kpt sent its placeholder ConfigMap `function-input`)".to_owned()
            } else {
                format!("unsupported function config `{api_version}` `{kind}`")
            };
            Err(vec![
                Diagnostic::error(what)
                    .file(file.cloned())
                    .resource(Some(object::resource_ref(value)))
                    .fix(format!("use one of the supported kinds: {supported}")),
            ])
        }
    }
}

/// Whether `value` is one of this API's objects (a function config of the version this binary
/// serves), whatever its kind.
pub fn is_ours(value: &serde_yaml::Value) -> bool {
    object::api_version(value) == API_VERSION
}

/// Whether `value`'s `apiVersion` is in [`GROUP`], at any version.
pub fn in_group(value: &serde_yaml::Value) -> bool {
    object::api_version(value)
        .split_once('/')
        .is_some_and(|(group, _)| group == GROUP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_version_is_in_the_group() {
        assert_eq!(API_VERSION.split_once('/').map(|(g, _)| g), Some(GROUP));
        let item = |v: &str| serde_yaml::from_str::<serde_yaml::Value>(&format!("apiVersion: {v}\nkind: X\n")).unwrap();
        assert!(in_group(&item("krm.maverics.dev/v1")) && is_ours(&item(API_VERSION)));
        assert!(!in_group(&item("krm.maverics.dev.evil/v1")) && !is_ours(&item("krm.maverics.dev/v1")));
    }
}
