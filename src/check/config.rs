//! The `OrchestratorCheck` function config: runs the stream checks of this module and
//! returns the items unchanged.

use super::Settings;
use crate::api::{Metadata, parse};
use crate::diag::{Diagnostic, FileRef};
use crate::krm::object;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_yaml::Value;

/// `kind: OrchestratorCheck`: checks the items it is given and returns them unchanged; any
/// error fails the build. With no config at all the defaults apply.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrchestratorCheck {
    /// Always `krm.maverics.dev/v1alpha1`.
    pub api_version: String,
    /// Always `OrchestratorCheck`.
    pub kind: String,
    /// The config's name and host annotations.
    pub metadata: Metadata,
    /// Which rule families run; all of them by default.
    #[serde(default)]
    pub spec: Settings,
}

impl OrchestratorCheck {
    /// Reads the config; an error names the field and the fix.
    pub fn from_value(value: &Value, file: Option<FileRef>) -> Result<Self, Vec<Diagnostic>> {
        parse::typed(value, file.as_ref(), &object::resource_ref(value))
    }
}
