//! The Orchestrator and OrchestratorPlatform configs: their types, defaults and checks, and the
//! API group every function config kind shares. `function::FunctionConfig` dispatches on them.

pub mod api_rules;
pub mod checks;
pub mod drain;
pub mod gateway;
pub mod k8s_schemas;
pub mod maverics;
pub mod names;
pub mod network_policy;
pub mod orchestrator;
pub(crate) mod parse;
pub mod platform;
pub mod refs;
pub mod secret_store;
pub mod sizing;
pub mod spec_secrets;
pub mod workload;
pub mod workload_checks;

pub use orchestrator::Orchestrator;
pub use platform::OrchestratorPlatform;

/// The `apiVersion` of every function config kind.
pub const API_VERSION: &str = "krm.maverics.dev/v1alpha1";

/// The function config kinds, one per role the binary plays.
pub const KINDS: &[&str] = &["Orchestrator", platform::KIND, "OrchestratorCheck"];

/// The function config kind `value` declares, or the error that names the supported ones.
/// Every reader of a config dispatches on this, so they refuse the same documents alike.
pub fn kind_of(
    value: &serde_yaml::Value,
    file: Option<&crate::diag::FileRef>,
) -> Result<&'static str, Vec<crate::diag::Diagnostic>> {
    use crate::krm::object;
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
                crate::diag::Diagnostic::error(what)
                    .file(file.cloned())
                    .resource(Some(object::resource_ref(value)))
                    .fix(format!("use one of the supported kinds: {supported}")),
            ])
        }
    }
}

#[cfg(test)]
mod tests;
