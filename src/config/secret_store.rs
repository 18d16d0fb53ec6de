//! `spec.secrets`: what the ExternalSecret fetches from the external store, and how the
//! Secret it creates is laid out for the pod.

use super::refs::RemoteRef;
use super::workload;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The orchestrator's secrets, read from a store by External Secrets Operator; unset: none. One
/// ExternalSecret copies them into the `<name>-secrets` Secret.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Secrets {
    /// The SecretStore or ClusterSecretStore holding the orchestrator's secrets.
    pub store_ref: StoreRef,
    /// How often External Secrets re-reads the store, a Go duration.
    #[serde(default = "default_refresh")]
    pub refresh_interval: String,
    /// Values that `maverics.yaml` references as `<group.key>`; written to `secrets.yaml` for the
    /// `secretfile` provider.
    #[serde(default)]
    pub values: Vec<SecretValue>,
    /// How `secrets.yaml` is laid out for the Secret File provider; Strata's two pages for it
    /// disagree, and the layout the orchestrator does not read fails every `<group.key>` at
    /// start-up. `flat` (default): a top-level `secrets:` key with flat key-value pairs, the key
    /// being the whole reference (`secrets: {group.key: v}`), per the newer page
    /// https://docs.strata.io/reference/orchestrator/configuration/secret-providers/environment .
    /// `nested`: one mapping per namespace, dot notation splitting namespace and key
    /// (`group: {key: v}`), per the older page
    /// https://docs.strata.io/reference/integrations/secret-providers/environment . Both pages
    /// call this provider a tool for local development and testing; in production prefer the
    /// orchestrator's native provider (AWS Secrets Manager on EKS and ROSA) through
    /// `spec.secrets.env` or `spec.env`.
    #[serde(default)]
    pub layout: SecretFileLayout,
    /// The licence file, `MAVERICS_LICENSE`.
    #[serde(default)]
    pub license: Option<RemoteRef>,
    /// The listener's certificate and key, for `tls.termination: pod`.
    #[serde(default)]
    pub tls: Option<TlsPair>,
    /// Name the ExternalSecret's Secret in the StatefulSet's Stakater Reloader annotation
    /// (`secret.reloader.stakater.com/reload`), so a rotated secret rolls the pods (the
    /// orchestrator reads its secret file once, at start-up). Needs Reloader in the cluster and
    /// `updateStrategy: RollingUpdate`; under Argo CD see docs/gitops.md. Rotation without a
    /// third-party controller: docs/secrets.md.
    #[serde(default = "yes")]
    pub reload_on_change: bool,
    /// Secret environment variables (remote config sources such as `MAVERICS_AWS_CONFIG`).
    #[serde(default)]
    pub env: Vec<workload::SecretEnv>,
    /// Extra secret files (the chart's `extraSecretMounts`).
    #[serde(default)]
    pub files: Vec<workload::SecretFile>,
}

/// The layout of the Secret File provider's `secrets.yaml`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum SecretFileLayout {
    /// `secrets: {group.key: value}`: the newer reference page.
    #[default]
    Flat,
    /// `group: {key: value}`: the older reference page (this tool's output before the setting).
    Nested,
}

fn default_refresh() -> String {
    "1h".into()
}

fn yes() -> bool {
    true
}

/// The SecretStore or ClusterSecretStore holding the orchestrator's secrets.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreRef {
    /// The store's name.
    pub name: String,
    /// `ClusterSecretStore` or `SecretStore`.
    #[serde(default)]
    pub kind: StoreKind,
}

/// The kind of the store `storeRef` names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum StoreKind {
    /// A cluster-wide store, usable from any namespace.
    #[default]
    ClusterSecretStore,
    /// A store in the orchestrator's own namespace.
    SecretStore,
}

impl StoreKind {
    /// The kind as the ExternalSecret's `secretStoreRef.kind` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::ClusterSecretStore => "ClusterSecretStore",
            StoreKind::SecretStore => crate::k8s::kinds::name::SECRET_STORE,
        }
    }
}

/// One secret value `maverics.yaml` references as `<group.key>`, and where the store holds it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretValue {
    /// `group.key`, as referenced in `maverics.yaml` by `<group.key>`.
    pub name: String,
    /// Where the value lives in the store.
    pub remote_ref: RemoteRef,
}

impl SecretValue {
    /// (group, key) of a valid `group.key` name.
    pub fn split(&self) -> Option<(&str, &str)> {
        self.name
            .split_once('.')
            .filter(|(g, k)| !g.is_empty() && !k.is_empty() && !k.contains('.'))
    }
}

/// The listener's certificate and key, for `tls.termination: pod`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TlsPair {
    /// The PEM certificate (chain).
    pub certificate: RemoteRef,
    /// The PEM private key.
    pub private_key: RemoteRef,
}
