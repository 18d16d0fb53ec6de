//! A reference to one secret in the external store, as the ExternalSecret's `remoteRef`
//! writes it: used by the secret values, the license, TLS and the env vars from the store.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A value of the store `spec.secrets.storeRef` names.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoteRef {
    /// The secret's key (its name) in the store.
    pub key: String,
    /// One property of a JSON secret; unset: the whole value.
    #[serde(default)]
    pub property: Option<String>,
    /// A version of the secret; unset: the current one.
    #[serde(default)]
    pub version: Option<String>,
}
