//! Pod and container settings beyond the base's defaults, config sources other than the
//! generated ConfigMap, and experimental clustering: the homes of Strata's Helm chart values
//! that the base did not have. Kept apart from `orchestrator.rs` so `Spec` only gains fields.

use super::k8s_schemas;
use super::refs::RemoteRef;
use k8s_openapi::api::core::v1::{
    Affinity, ConfigMapVolumeSource, EmptyDirVolumeSource, EnvVarSource, PersistentVolumeClaimVolumeSource, Probe,
    Toleration,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Scheduling and pod metadata. Every field is optional; unset keeps the base's hardened
/// default.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Pod {
    /// Names of existing `kubernetes.io/dockerconfigjson` Secrets. On EKS, nodes pull from ECR
    /// with their node role and need none.
    pub image_pull_secrets: Vec<String>,
    /// Node labels the pods must match (`nodeSelector`).
    pub node_selector: BTreeMap<String, String>,
    /// Taints the pods tolerate.
    #[schemars(with = "Vec<k8s_schemas::Toleration>")]
    pub tolerations: Vec<Toleration>,
    /// Merged with the default: the user's `nodeAffinity` and `podAffinity` are kept as given, and
    /// the default anti-affinity (replicas on different nodes, as `spread.nodes` says) is added
    /// unless this sets `podAntiAffinity`, which then replaces it.
    #[schemars(with = "Option<k8s_schemas::Affinity>")]
    pub affinity: Option<Affinity>,
    /// How replicas spread over nodes and zones.
    pub spread: Spread,
    /// PriorityClass of the pods.
    pub priority_class_name: Option<String>,
    /// Present so the chart's key has a home. `true` is refused: host networking bypasses the
    /// NetworkPolicy, listens on every node interface, and two replicas on one node collide on
    /// the port.
    pub host_network: bool,
    /// Added to the pod template; generated annotations (`checksum/config`) win.
    pub annotations: BTreeMap<String, String>,
    /// Added to the pod template; the selector labels win.
    pub labels: BTreeMap<String, String>,
    /// Seconds a pod gets to finish before it is killed; default 120, like Strata's chart. Must
    /// exceed `drainSeconds` by at least 15 seconds for the orchestrator's own shutdown.
    pub termination_grace_period_seconds: Option<i64>,
    /// Seconds a terminating pod keeps serving (the preStop hook), so the exposure's controller
    /// stops sending it requests before it shuts down; default 15, enough for kube-proxy,
    /// ingress-nginx, Gateway implementations and the OpenShift router to drop the endpoint.
    /// The EKS layer raises it to the ALB's deregistration delay. 0: no hook. The hook's form
    /// follows `spec.kubernetesVersion`.
    pub drain_seconds: Option<u32>,
    /// StatefulSet update strategy: `RollingUpdate` (default) or `OnDelete`.
    pub update_strategy: Option<UpdateStrategy>,
}

/// Replica placement. Zones always use a `ScheduleAnyway` topology spread (a single-zone
/// cluster must still schedule); nodes use pod anti-affinity on `kubernetes.io/hostname`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Spread {
    /// `preferred` (default): the scheduler tries different nodes and still places a replica
    /// when it cannot. `required`: never two replicas on one node; with fewer schedulable nodes
    /// than replicas (or than the HPA's `maxReplicas`) the extra replicas stay Pending.
    pub nodes: NodeSpread,
}

/// `spec.pod.spread.nodes`: how strictly replicas keep to different nodes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum NodeSpread {
    /// Different nodes when the scheduler can; a replica is still placed when it cannot.
    #[default]
    Preferred,
    /// Never two replicas on one node; replicas beyond the schedulable nodes stay Pending.
    Required,
}

/// `spec.pod.updateStrategy`: how the StatefulSet replaces pods when its template changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum UpdateStrategy {
    /// The controller replaces pods one at a time, highest ordinal first.
    RollingUpdate,
    /// A pod is replaced only when someone deletes it.
    OnDelete,
}

impl UpdateStrategy {
    /// The StatefulSet's `updateStrategy.type`.
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateStrategy::RollingUpdate => "RollingUpdate",
            UpdateStrategy::OnDelete => "OnDelete",
        }
    }
}

/// Probe overrides. Each replaces the generated probe of that kind as a whole.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Probes {
    /// Replaces the generated startup probe.
    #[schemars(with = "Option<k8s_schemas::Probe>")]
    pub startup: Option<Probe>,
    /// Replaces the generated readiness probe.
    #[schemars(with = "Option<k8s_schemas::Probe>")]
    pub readiness: Option<Probe>,
    /// Replaces the generated liveness probe.
    #[schemars(with = "Option<k8s_schemas::Probe>")]
    pub liveness: Option<Probe>,
}

/// An extra volume mounted into the orchestrator container. Only non-secret sources: secret
/// files come from the ExternalSecret (`spec.secrets.files`).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Mount {
    /// The volume name; must not clash with a generated volume.
    pub name: String,
    /// Absolute path in the orchestrator container.
    pub mount_path: String,
    /// Mount one file or directory of the volume.
    #[serde(default)]
    pub sub_path: Option<String>,
    /// Mount read-only (default true).
    #[serde(default = "yes")]
    pub read_only: bool,
    /// Source: a ConfigMap (e.g. service extensions).
    #[serde(default)]
    #[schemars(with = "Option<k8s_schemas::ConfigMapVolumeSource>")]
    pub config_map: Option<ConfigMapVolumeSource>,
    /// Source: an emptyDir.
    #[serde(default)]
    #[schemars(with = "Option<k8s_schemas::EmptyDirVolumeSource>")]
    pub empty_dir: Option<EmptyDirVolumeSource>,
    /// Source: an existing PersistentVolumeClaim.
    #[serde(default)]
    #[schemars(with = "Option<k8s_schemas::PersistentVolumeClaimVolumeSource>")]
    pub persistent_volume_claim: Option<PersistentVolumeClaimVolumeSource>,
}

fn yes() -> bool {
    true
}

impl Mount {
    /// How many volume sources the mount names; exactly one is valid.
    pub fn source_count(&self) -> usize {
        usize::from(self.config_map.is_some())
            + usize::from(self.empty_dir.is_some())
            + usize::from(self.persistent_volume_claim.is_some())
    }
}

/// Where the orchestrator reads its config from. Unset: the generated ConfigMap from
/// `spec.config`. At most one of `configMap` and `bundle`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ConfigSource {
    /// An existing ConfigMap instead of the generated one, mounted at `/etc/maverics/config`
    /// (`MAVERICS_CONFIG=/etc/maverics/config/<key>`).
    pub config_map: Option<ExistingConfigMap>,
    /// The Maverics Console's signed config bundle.
    pub bundle: Option<Bundle>,
    /// Zero-downtime config reload.
    pub reload: Reload,
}

/// A ConfigMap managed elsewhere, mounted where the generated one would be.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExistingConfigMap {
    /// The ConfigMap's name.
    pub name: String,
    /// The key holding the config file; Strata's chart requires `maverics.yml`.
    #[serde(default = "chart_key")]
    pub key: String,
}

fn chart_key() -> String {
    "maverics.yml".into()
}

/// The Maverics Console's signed config bundle. The public key always comes from a
/// ConfigMap (a public key is not a secret); the bundle either from the same ConfigMap or,
/// with `bundleB64` unset, from a remote source variable such as `MAVERICS_AWS_CONFIG`
/// fetched through `spec.secrets.env`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Bundle {
    /// Base64 of `env_public_key.pem`: a ConfigMap `<name>-bundle` (`binaryData`) is generated,
    /// mounted at `/etc/maverics/cloud-config`; `MAVERICS_BUNDLE_PUBLIC_KEY_FILE` points at it.
    pub public_key_b64: Option<String>,
    /// Base64 of `maverics.tar.gz`, stored next to the key (ConfigMaps hold at most 1 MiB);
    /// `MAVERICS_CONFIG` points at it. Unset: the bundle comes from a remote source variable in
    /// `spec.secrets.env` (e.g. `MAVERICS_AWS_CONFIG`), which is then required.
    #[serde(rename = "bundleB64")]
    pub bundle_b64: Option<String>,
    /// Instead of the two above: an existing ConfigMap with `bundle_public_key.pem` (and
    /// `maverics.tar.gz` when `fromConfigMap` is true).
    pub existing_config_map: Option<String>,
    /// With `existingConfigMap`: it also holds the bundle.
    pub from_config_map: bool,
}

impl Bundle {
    /// Whether `MAVERICS_CONFIG` points at a local bundle file.
    pub fn local(&self) -> bool {
        self.bundle_b64.is_some() || (self.existing_config_map.is_some() && self.from_config_map)
    }
}

/// Zero-downtime reload: the supervisor hands its socket to a fresh child. It needs
/// `MAVERICS_RELOAD_CONFIG`, a writable `TMPDIR` (the base always mounts one) and a
/// machine id that survives restarts (the pod name, stable in a StatefulSet).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Reload {
    /// Sets `MAVERICS_RELOAD_CONFIG=true` and `/etc/machine-id` from the pod name (stable per
    /// replica in a StatefulSet), so the supervisor's hand-off keeps in-flight state.
    pub enabled: bool,
    /// `MAVERICS_POLLING_INTERVAL_SECONDS`; unset: the orchestrator's default of 30.
    pub polling_interval_seconds: Option<u32>,
}

/// Experimental clustering (Strata: "not yet supported for production").
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Clustering {
    /// Turns experimental clustering on (not for production, per Strata; a warning says so): a
    /// headless Service `<name>-clusters` (9450 TCP/UDP membership, 9451 TCP data), the
    /// `MAVERICS_CLUSTERS_PRIMARY_*` variables as Strata's chart sets them, an emptyDir for the
    /// node key, and NetworkPolicy rules between members. Needs `spec.namespace`.
    pub enabled: bool,
    /// Unset: `<name>-$(POD_NAMESPACE)-<clusterDomain>` with dots as dashes, as the chart does but
    /// with the namespace the pod runs in (kustomize's `namespace:` cannot rewrite a literal).
    pub name: Option<String>,
    /// The cluster DNS domain used in the membership SRV record; default `cluster.local`.
    pub cluster_domain: String,
    /// The 32-byte hex pre-shared key, fetched through the ExternalSecret (needs
    /// `spec.secrets.storeRef`) into `MAVERICS_CLUSTERS_PRIMARY_SECURITY_PSK`; required with
    /// clustering.
    pub psk: Option<RemoteRef>,
}

impl Default for Clustering {
    fn default() -> Self {
        Clustering {
            enabled: false,
            name: None,
            cluster_domain: "cluster.local".into(),
            psk: None,
        }
    }
}

/// An environment variable whose value is a secret, fetched through the ExternalSecret.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretEnv {
    /// The environment variable's name.
    pub name: String,
    /// Where the ExternalSecret fetches the value.
    pub remote_ref: RemoteRef,
}

/// A secret file, fetched through the ExternalSecret and mounted read-only.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretFile {
    /// File name under `/etc/maverics/secrets`.
    pub name: String,
    /// Where the ExternalSecret fetches the file's content.
    pub remote_ref: RemoteRef,
    /// Also mount the file at this absolute path (e.g. where a service extension expects it).
    #[serde(default)]
    pub path: Option<String>,
}

/// Non-secret env values from `envValueFrom`: what Kubernetes allows minus secrets.
pub fn secret_free(source: &EnvVarSource) -> bool {
    source.secret_key_ref.is_none()
}

/// Variables the generator sets itself; a user value would be silently shadowed or would
/// contradict the mounts.
pub const RESERVED_ENV: &[&str] = &[
    "MAVERICS_HTTP_ADDRESS",
    "MAVERICS_CONFIG",
    "TMPDIR",
    "MAVERICS_SECRET_PROVIDER",
    "MAVERICS_LICENSE",
    "MAVERICS_TLS_SERVER_CERT_FILE",
    "MAVERICS_TLS_SERVER_KEY_FILE",
    "MAVERICS_BUNDLE_PUBLIC_KEY_FILE",
    "MAVERICS_RELOAD_CONFIG",
    "MAVERICS_POLLING_INTERVAL_SECONDS",
];
/// The prefix of the clustering variables ([`CLUSTER_ENV`]) the generator sets.
pub const CLUSTER_ENV_PREFIX: &str = "MAVERICS_CLUSTERS_PRIMARY_";
/// The pod's namespace and ServiceAccount from the downward API, declared before the cluster
/// variables so their values can use `$(POD_NAMESPACE)` and `$(POD_SERVICE_ACCOUNT)`.
pub const POD_NAMESPACE_ENV: &str = "POD_NAMESPACE";
/// The variable that holds the pod's ServiceAccount name (see [`POD_NAMESPACE_ENV`]).
pub const POD_SERVICE_ACCOUNT_ENV: &str = "POD_SERVICE_ACCOUNT";
/// What the generator sets for clustering, and `maverics.yaml` should read as
/// `{{ env.MAVERICS_CLUSTERS_PRIMARY_<X> }}` (Strata's chart example
/// `minimal-orchestrator-clusters.yaml`).
pub const CLUSTER_ENV: [&str; 6] = [
    "NAME",
    "MEMBERSHIP_ADDR",
    "MEMBERSHIP_SRV_RECORD",
    "DATA_ADDR",
    "SECURITY_PSK",
    "NODE_KEY_FILE",
];
/// Remote config sources; their values carry credentials.
pub const REMOTE_CONFIG_ENV: &[&str] = &[
    "MAVERICS_AWS_CONFIG",
    "MAVERICS_GCP_CONFIG",
    "MAVERICS_AZURE_CONFIG",
    "MAVERICS_GITLAB_CONFIG",
    "MAVERICS_GITHUB_CONFIG",
];
/// Volume names the generator uses.
pub const RESERVED_VOLUMES: &[&str] = &[
    "config",
    "tmp",
    "secrets",
    "tls",
    "data",
    "bundle",
    "clusters-tls",
    "machine-id",
];
/// Directories the generator mounts; an extra mount there would hide generated files.
pub const RESERVED_DIRS: &[&str] = &[
    "/etc/maverics/config",
    "/etc/maverics/secrets",
    "/etc/maverics/cloud-config",
    "/etc/maverics/clusters/tls",
    "/etc/maverics/tls",
    "/tmp",
];
