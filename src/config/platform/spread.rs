//! The zone spread of the pods, one setting shared by the EKS, AKS and GKE layers (its own
//! file so that the layers' files and `mod.rs`, which names their types, do not import each other).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

// A plain comment, not a doc comment: that would become a description in the published schemas.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct TopologySpread {
    /// `ScheduleAnyway` (default) or `DoNotSchedule`.
    pub when_unsatisfiable: Option<String>,
}
