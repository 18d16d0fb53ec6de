//! The `metadata` every function config kind shares.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The config object's own `metadata`: only `name` is required, and the generated objects take
/// none of its labels or annotations.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// The config's name. For an `Orchestrator` it names every generated object (`<name>`,
    /// `<name>-headless`, `<name>-config`, `<name>-secrets`) and the `app.kubernetes.io/instance`
    /// label: a DNS-1123 label of at most 52 characters, because StatefulSet pods carry
    /// `controller-revision-hash: <name>-<10 chars>` (63 at most).
    pub name: String,
    /// The config object's own namespace; the generated objects' namespace is `spec.namespace`.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Labels of the config object; not copied to the output.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Host annotations (`config.kubernetes.io/function`, `config.kubernetes.io/local-config`); not
    /// copied to the output.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}
