//! The `OrchestratorCheck` function config: runs the stream checks of `crate::check` and
//! returns the items unchanged.

use super::orchestrator::Metadata;
use super::parse;
use crate::check::Settings;
use crate::diag::{Diagnostic, FileRef};
use crate::krm::object;
use serde::Deserialize;
use serde_yaml::Value;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrchestratorCheck {
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    #[serde(default)]
    pub spec: Settings,
}

impl OrchestratorCheck {
    pub fn from_value(value: &Value, file: Option<FileRef>) -> Result<Self, Vec<Diagnostic>> {
        parse::typed(value, file.as_ref(), &object::resource_ref(value))
    }
}
