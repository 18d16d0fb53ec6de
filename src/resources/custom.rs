//! The envelope every custom resource shares: the CRD-specific part is `spec`, typed per
//! kind (ExternalSecret, HTTPRoute here; Route, SecretStore, Calico in the platform layer).

use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomResource<M, S> {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: M,
    pub spec: S,
}
