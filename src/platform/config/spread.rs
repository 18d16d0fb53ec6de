//! The zone spread of the pods, one setting shared by the EKS, AKS and GKE layers (its own
//! file so that the layers' files and `mod.rs`, which names their types, do not import each other).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How pods spread across zones: `whenUnsatisfiable` of the StatefulSet's spread constraint on
/// `topology.kubernetes.io/zone` (`maxSkew: 1`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct TopologySpread {
    /// `ScheduleAnyway` (default) or `DoNotSchedule`.
    pub when_unsatisfiable: Option<String>,
}
