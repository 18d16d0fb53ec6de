//! Function configs: which kinds this binary accepts and how they are read.

pub mod api_rules;
pub mod check_config;
pub mod checks;
pub mod gateway;
pub mod k8s_schemas;
pub mod maverics;
pub mod orchestrator;
pub(crate) mod parse;
pub mod platform;
pub use crate::k8s::quantity;
pub mod workload;

pub use orchestrator::Orchestrator;
pub use platform::OrchestratorPlatform;

use crate::diag::{Diagnostic, FileRef};
use crate::krm::object;
use serde_yaml::Value;

pub const API_VERSION: &str = "krm.maverics.dev/v1alpha1";

/// The function config kinds, one per role the binary plays.
pub const KINDS: &[&str] = &["Orchestrator", platform::KIND, "OrchestratorCheck"];

#[derive(Debug, Clone)]
pub enum FunctionConfig {
    Orchestrator(Box<Orchestrator>),
    Platform(Box<OrchestratorPlatform>),
    Check(Box<check_config::OrchestratorCheck>),
}

impl FunctionConfig {
    /// Dispatches on apiVersion and kind, then reads the typed config. `file` is where the
    /// config came from, when known, so every error can name it.
    pub fn from_value(value: &Value, file: Option<FileRef>) -> Result<Self, Vec<Diagnostic>> {
        let api_version = object::api_version(value);
        let kind = object::kind(value);
        let supported = KINDS
            .iter()
            .map(|k| format!("`{API_VERSION}` `{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        if api_version != API_VERSION || !KINDS.contains(&kind) {
            let what = if kind == "ConfigMap" && object::name(value) == "function-input" {
                "no function config was given (kpt sent its placeholder ConfigMap `function-input`)".to_owned()
            } else {
                format!("unsupported function config `{api_version}` `{kind}`")
            };
            return Err(vec![
                Diagnostic::error(what)
                    .file(file)
                    .resource(Some(object::resource_ref(value)))
                    .fix(format!("use one of the supported kinds: {supported}")),
            ]);
        }
        match kind {
            "Orchestrator" => Orchestrator::from_value(value, file).map(|o| FunctionConfig::Orchestrator(Box::new(o))),
            platform::KIND => {
                OrchestratorPlatform::from_value(value, file).map(|p| FunctionConfig::Platform(Box::new(p)))
            }
            "OrchestratorCheck" => {
                check_config::OrchestratorCheck::from_value(value, file).map(|c| FunctionConfig::Check(Box::new(c)))
            }
            _ => unreachable!("KINDS lists only kinds handled above"),
        }
    }
}

#[cfg(test)]
mod tests;
