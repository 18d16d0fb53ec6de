//! The `Orchestrator` function config: everything the base generator needs, with the
//! defaults the vendor's guidance asks for. Field names are part of the public contract.

use super::parse;
use super::quantity::Quantity;
use super::workload;
use crate::diag::{Diagnostic, FileRef};
use crate::krm::object;
use k8s_openapi::api::core::v1::EnvVarSource;
use k8s_openapi::api::networking::v1::{NetworkPolicyEgressRule, NetworkPolicyPeer};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Deserialize;
use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;

/// Where the generator came from: the config file and its location in the host's stream.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Orchestrator {
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    #[serde(default)]
    pub spec: Spec,
    /// Set after parsing: the file the config was read from, for diagnostics and paths.
    #[serde(skip)]
    pub file: Option<FileRef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// Names every generated resource.
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Spec {
    /// Namespace of every generated resource; unset leaves it to kustomize's `namespace:`.
    pub namespace: Option<String>,
    /// Emit the Namespace itself, labelled for Pod Security admission `restricted`
    /// (enforce, audit, warn). Only with `namespace` set.
    pub create_namespace: bool,
    pub image: Image,
    /// Fixed replica count, used when autoscaling is off.
    pub replicas: u32,
    pub autoscaling: Autoscaling,
    pub resources: Resources,
    pub pod_disruption_budget: PodDisruptionBudget,
    /// Scheduling and pod metadata beyond the defaults (pull secrets, node selector, ...).
    pub pod: workload::Pod,
    pub probes: workload::Probes,
    /// Extra plain environment variables; secret values go in `secrets.env`.
    pub env: BTreeMap<String, String>,
    /// Extra variables from ConfigMap keys or pod fields; `secretKeyRef` is refused.
    pub env_value_from: BTreeMap<String, EnvVarSource>,
    /// Extra non-secret volumes (ConfigMaps such as service extensions, emptyDirs, claims).
    pub mounts: Vec<workload::Mount>,
    pub config_source: workload::ConfigSource,
    /// Experimental clustering.
    pub clustering: workload::Clustering,
    /// The orchestrator's one HTTP(S) listener; also the container and Service port.
    pub port: u16,
    pub tls: Tls,
    /// The orchestrator's own `maverics.yaml`, as a YAML mapping.
    pub config: Value,
    pub secrets: Option<Secrets>,
    pub service_account: ServiceAccount,
    pub ingress: Ingress,
    pub network_policy: NetworkPolicy,
    pub persistence: Persistence,
}

impl Default for Spec {
    fn default() -> Self {
        let mut config = Mapping::new();
        config.insert("version".into(), "0.0.1".into());
        Spec {
            namespace: None,
            create_namespace: true,
            image: Image::default(),
            replicas: 2,
            autoscaling: Autoscaling::default(),
            resources: Resources::default(),
            pod_disruption_budget: PodDisruptionBudget::default(),
            pod: workload::Pod::default(),
            probes: workload::Probes::default(),
            env: BTreeMap::new(),
            env_value_from: BTreeMap::new(),
            mounts: Vec::new(),
            config_source: workload::ConfigSource::default(),
            clustering: workload::Clustering::default(),
            port: 8080,
            tls: Tls::default(),
            config: Value::Mapping(config),
            secrets: None,
            service_account: ServiceAccount::default(),
            ingress: Ingress::default(),
            network_policy: NetworkPolicy::default(),
            persistence: Persistence::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Image {
    pub repository: String,
    pub tag: Option<String>,
    /// `sha256:<64 hex>`; when set it pins the image whatever the tag says.
    pub digest: Option<String>,
    pub pull_policy: PullPolicy,
}

/// The tag of Strata's chart 1.0.5 (`appVersion`).
pub const DEFAULT_TAG: &str = "v2026.01.2";

impl Default for Image {
    fn default() -> Self {
        Image {
            repository: "strata/orchestrator".into(),
            tag: Some(DEFAULT_TAG.into()),
            digest: None,
            pull_policy: PullPolicy::Always,
        }
    }
}

impl Image {
    pub fn reference(&self) -> String {
        let mut s = self.repository.clone();
        if let Some(tag) = &self.tag {
            s.push(':');
            s.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            s.push('@');
            s.push_str(digest);
        }
        s
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum PullPolicy {
    Always,
    IfNotPresent,
    Never,
}

impl PullPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            PullPolicy::Always => "Always",
            PullPolicy::IfNotPresent => "IfNotPresent",
            PullPolicy::Never => "Never",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Autoscaling {
    pub enabled: bool,
    pub min_replicas: u32,
    pub max_replicas: u32,
    #[serde(rename = "targetCPUUtilizationPercentage")]
    pub target_cpu_utilization_percentage: u32,
    pub target_memory_utilization_percentage: Option<u32>,
    pub scale_down: ScaleDown,
}

impl Default for Autoscaling {
    fn default() -> Self {
        Autoscaling {
            enabled: true,
            min_replicas: 2,
            max_replicas: 5,
            target_cpu_utilization_percentage: 70,
            target_memory_utilization_percentage: None,
            scale_down: ScaleDown::default(),
        }
    }
}

/// Scaling down drops the sessions a pod holds, so it is slow on purpose: one pod at a
/// time, after load has stayed low for the whole window.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ScaleDown {
    pub stabilization_window_seconds: u32,
    pub pods_per_period: u32,
    pub period_seconds: u32,
}

impl Default for ScaleDown {
    fn default() -> Self {
        ScaleDown {
            stabilization_window_seconds: 600,
            pods_per_period: 1,
            period_seconds: 300,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Resources {
    #[serde(deserialize_with = "requests_over_defaults")]
    pub requests: ResourceAmounts,
    #[serde(deserialize_with = "limits_over_defaults")]
    pub limits: ResourceAmounts,
}

impl Default for Resources {
    fn default() -> Self {
        Resources {
            requests: ResourceAmounts {
                cpu: Some(Quantity::new("500m")),
                memory: Some(Quantity::new("256Mi")),
            },
            limits: ResourceAmounts {
                cpu: Some(Quantity::new("1")),
                memory: Some(Quantity::new("512Mi")),
            },
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceAmounts {
    pub cpu: Option<Quantity>,
    pub memory: Option<Quantity>,
}

/// `requests` or `limits` as written: an absent field keeps its default, an explicit `null`
/// removes it (`requests: {cpu: 1}` keeps the memory request).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WrittenAmounts {
    #[serde(default, deserialize_with = "present")]
    cpu: Option<Option<Quantity>>,
    #[serde(default, deserialize_with = "present")]
    memory: Option<Option<Quantity>>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<Quantity>>, D::Error> {
    Option::<Quantity>::deserialize(d).map(Some)
}

fn over_defaults<'de, D: serde::Deserializer<'de>>(
    d: D,
    default: ResourceAmounts,
) -> Result<ResourceAmounts, D::Error> {
    let w = WrittenAmounts::deserialize(d)?;
    Ok(ResourceAmounts {
        cpu: w.cpu.unwrap_or(default.cpu),
        memory: w.memory.unwrap_or(default.memory),
    })
}

fn requests_over_defaults<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ResourceAmounts, D::Error> {
    over_defaults(d, Resources::default().requests)
}

fn limits_over_defaults<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ResourceAmounts, D::Error> {
    over_defaults(d, Resources::default().limits)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PodDisruptionBudget {
    /// Unset: on whenever more than one replica can run.
    pub enabled: Option<bool>,
    pub max_unavailable: Option<IntOrString>,
    pub min_available: Option<IntOrString>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Tls {
    pub termination: Termination,
    /// An existing `kubernetes.io/tls` Secret (cert-manager, OpenShift service CA) to serve
    /// with when `termination: pod`; otherwise `spec.secrets.tls` supplies the pair.
    pub secret_name: Option<String>,
}

/// Where TLS ends: at the edge (load balancer, router; the pod serves plain HTTP) or in the
/// pod (the listener, probes and the exposure's backend protocol switch to HTTPS).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Termination {
    #[default]
    Edge,
    Pod,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Secrets {
    pub store_ref: StoreRef,
    #[serde(default = "default_refresh")]
    pub refresh_interval: String,
    /// Values that `maverics.yaml` references as `<group.key>`.
    #[serde(default)]
    pub values: Vec<SecretValue>,
    #[serde(default)]
    pub license: Option<RemoteRef>,
    #[serde(default)]
    pub tls: Option<TlsPair>,
    /// Annotate the StatefulSet for Stakater Reloader so a rotated secret rolls the pods
    /// (the orchestrator reads its secret file once, at start-up).
    #[serde(default = "yes")]
    pub reload_on_change: bool,
    /// Secret environment variables (remote config sources such as `MAVERICS_AWS_CONFIG`).
    #[serde(default)]
    pub env: Vec<workload::SecretEnv>,
    /// Extra secret files (the chart's `extraSecretMounts`).
    #[serde(default)]
    pub files: Vec<workload::SecretFile>,
}

fn default_refresh() -> String {
    "1h".into()
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreRef {
    pub name: String,
    #[serde(default)]
    pub kind: StoreKind,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum StoreKind {
    #[default]
    ClusterSecretStore,
    SecretStore,
}

impl StoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::ClusterSecretStore => "ClusterSecretStore",
            StoreKind::SecretStore => "SecretStore",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretValue {
    /// `group.key`, as referenced in `maverics.yaml` by `<group.key>`.
    pub name: String,
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteRef {
    pub key: String,
    #[serde(default)]
    pub property: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TlsPair {
    pub certificate: RemoteRef,
    pub private_key: RemoteRef,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceAccount {
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Ingress {
    pub enabled: bool,
    pub class_name: Option<String>,
    pub annotations: BTreeMap<String, String>,
    pub hosts: Vec<String>,
    pub path: String,
    pub path_type: String,
    pub tls: Vec<IngressTls>,
    pub sticky_sessions: StickySessions,
}

/// Cookie affinity on the Ingress: the orchestrator keeps a user's session in the pod that
/// created it, so with more than one replica in proxy mode every request of a session must
/// reach the same pod.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct StickySessions {
    pub enabled: bool,
    pub cookie: StickyCookie,
    /// Lifetime of the load balancer's affinity cookie (ALB: 1 to 604800).
    pub duration_seconds: u32,
}

impl Default for StickySessions {
    fn default() -> Self {
        StickySessions {
            enabled: true,
            cookie: StickyCookie::App,
            duration_seconds: 86400,
        }
    }
}

/// What the affinity keys on: the orchestrator's own session cookie (`app`; ALB only,
/// ingress-nginx always sets a cookie of its own) or a cookie the load balancer issues.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StickyCookie {
    #[default]
    App,
    LoadBalancer,
}

impl Default for Ingress {
    fn default() -> Self {
        Ingress {
            enabled: false,
            class_name: None,
            annotations: BTreeMap::new(),
            hosts: Vec::new(),
            path: "/".into(),
            path_type: "Prefix".into(),
            tls: Vec::new(),
            sticky_sessions: StickySessions::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressTls {
    pub secret_name: String,
    #[serde(default)]
    pub hosts: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct NetworkPolicy {
    pub enabled: bool,
    /// Who may reach the HTTP port; empty admits any source (the port stays the only opening).
    pub ingress_from: Vec<NetworkPolicyPeer>,
    /// Egress beyond DNS. The default, HTTPS to anywhere, is what identity providers and
    /// upstream apps need when their addresses are unknown; narrow it with CIDRs.
    pub egress: Vec<NetworkPolicyEgressRule>,
    /// Where each Redis cache of `spec.config.caches` lives. A NetworkPolicy cannot match
    /// host names, so the cache's address alone cannot narrow the rule.
    pub caches: Vec<CacheEgress>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CacheEgress {
    /// The `name` of an entry in `spec.config.caches`.
    pub name: String,
    /// The cache's pods, namespace or CIDR.
    pub to: Vec<NetworkPolicyPeer>,
}

impl Default for NetworkPolicy {
    fn default() -> Self {
        use k8s_openapi::api::networking::v1::NetworkPolicyPort;
        NetworkPolicy {
            enabled: true,
            ingress_from: Vec::new(),
            egress: vec![NetworkPolicyEgressRule {
                ports: Some(vec![NetworkPolicyPort {
                    port: Some(IntOrString::Int(443)),
                    protocol: Some("TCP".into()),
                    ..Default::default()
                }]),
                to: None,
            }],
            caches: Vec::new(),
        }
    }
}

/// A volume per pod (StatefulSet `volumeClaimTemplates`), off by default: the orchestrator
/// keeps its state in memory or in a Redis cache unless its config writes files.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Persistence {
    pub enabled: bool,
    pub size: Quantity,
    /// Unset: the cluster's default class (platform layers set their own, e.g. encrypted gp3).
    pub storage_class_name: Option<String>,
    pub mount_path: String,
}

impl Default for Persistence {
    fn default() -> Self {
        Persistence {
            enabled: false,
            size: Quantity::new("1Gi"),
            storage_class_name: None,
            mount_path: "/var/lib/maverics".into(),
        }
    }
}

impl Orchestrator {
    /// Reads the config; semantic rules are in `config::checks`.
    pub fn from_value(value: &Value, file: Option<FileRef>) -> Result<Self, Vec<Diagnostic>> {
        let resource = object::resource_ref(value);
        let mut o: Orchestrator = parse::typed(value, file.as_ref(), &resource)?;
        o.file = file;
        Ok(o)
    }

    /// Diagnostics about this config point at it.
    pub fn locate(&self, d: Diagnostic) -> Diagnostic {
        d.file(self.file.clone()).resource(Some(crate::diag::ResourceRef {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            name: self.metadata.name.clone(),
            namespace: self.metadata.namespace.clone(),
        }))
    }

    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Autoscaling lets the replica count float; otherwise `spec.replicas` fixes it.
    pub fn max_replicas(&self) -> u32 {
        if self.spec.autoscaling.enabled {
            self.spec.autoscaling.max_replicas
        } else {
            self.spec.replicas
        }
    }

    /// Whether a PodDisruptionBudget is generated: as configured, else whenever more than one
    /// replica can run.
    pub fn pdb_enabled(&self) -> bool {
        self.spec
            .pod_disruption_budget
            .enabled
            .unwrap_or(self.max_replicas() > 1)
    }

    pub fn min_replicas(&self) -> u32 {
        if self.spec.autoscaling.enabled {
            self.spec.autoscaling.min_replicas
        } else {
            self.spec.replicas
        }
    }
}
