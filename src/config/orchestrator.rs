//! The `Orchestrator` function config: everything the base generator needs, with the
//! defaults the vendor's guidance asks for. Field names are part of the public contract.

use super::drain;
use super::k8s_schemas;
use super::network_policy::NetworkPolicy;
use super::secret_store::Secrets;
pub use super::sizing::{ResourceAmounts, Resources};
use super::workload;
use crate::api::{Metadata, parse};
use crate::diag::{Diagnostic, FileRef};
use crate::k8s::quantity::Quantity;
use crate::krm::object;
use k8s_openapi::api::core::v1::EnvVarSource;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;

/// `kind: Orchestrator`: the generator of the orchestrator base (StatefulSet, Services,
/// autoscaler, disruption budget, NetworkPolicy, ConfigMap, secrets). Field reference:
/// `maverics-krm explain orchestrator.spec`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Orchestrator {
    /// Always `krm.maverics.dev/v1alpha1`.
    pub api_version: String,
    /// Always `Orchestrator`.
    pub kind: String,
    /// The config's name, which names every generated object, and its host annotations.
    pub metadata: Metadata,
    /// What to generate. Every field has a default: `bases/orchestrator/orchestrator.yaml` writes
    /// them all out.
    #[serde(default)]
    pub spec: Spec,
    /// Set after parsing: the file the config was read from, for diagnostics and paths.
    #[serde(skip)]
    pub file: Option<FileRef>,
}

/// What to generate. Every field has a default: `bases/orchestrator/orchestrator.yaml` writes them
/// all out.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Spec {
    /// Namespace of every generated object, a DNS label; unset leaves it to kustomize's
    /// `namespace:`. `default` gives a warning.
    pub namespace: Option<String>,
    /// With `namespace` set: emit the Namespace, labelled
    /// `pod-security.kubernetes.io/{enforce,audit,warn}: restricted`, so a patch or sidecar that
    /// weakens the pod is refused at admission. Turn off when the namespace is managed elsewhere.
    pub create_namespace: bool,
    /// The orchestrator image.
    pub image: Image,
    /// Fixed replica count, used only when autoscaling is off; then written to the StatefulSet.
    pub replicas: u32,
    /// The HorizontalPodAutoscaler.
    pub autoscaling: Autoscaling,
    /// CPU and memory requests and limits of the orchestrator container.
    pub resources: Resources,
    /// The PodDisruptionBudget.
    pub pod_disruption_budget: PodDisruptionBudget,
    /// Scheduling and pod metadata beyond the defaults (pull secrets, node selector, ...).
    pub pod: workload::Pod,
    /// The Kubernetes version the output targets, `1.<minor>` (default `1.30`, the oldest
    /// release with the `sleep` lifecycle action on by default; set your cluster's version).
    /// It picks the form of the preStop drain hook: from 1.30 the kubelet's own
    /// `lifecycle.preStop.sleep` (feature gate `PodLifecycleSleepAction`: alpha and off in 1.29,
    /// beta and on by default from 1.30, GA in 1.34; KEP-3960 and the Kubernetes feature-gate
    /// reference), before that `exec: [sleep, N]`, which needs `sleep` in the image (a warning
    /// says so). The StatefulSet carries it as the annotation `krm.maverics.dev/kubernetes-version`,
    /// which the platform layers read when they lengthen the drain.
    pub kubernetes_version: String,
    /// Probe overrides (startup, readiness, liveness); each replaces the generated probe.
    pub probes: workload::Probes,
    /// Extra plain environment variables, after the generated ones. Variables the generator sets
    /// (`MAVERICS_HTTP_ADDRESS`, `MAVERICS_CONFIG`, `TMPDIR`, `MAVERICS_CLUSTERS_PRIMARY_*`, ...)
    /// are refused; so are remote config sources (`MAVERICS_AWS_CONFIG`, ...), whose values carry
    /// credentials. Secret values go in `secrets.env`.
    pub env: BTreeMap<String, String>,
    /// Extra variables from ConfigMap keys or pod fields (`configMapKeyRef`, `fieldRef`,
    /// `resourceFieldRef`); `secretKeyRef` is refused (use `secrets.env`).
    #[schemars(with = "BTreeMap<String, k8s_schemas::EnvVarSource>")]
    pub env_value_from: BTreeMap<String, EnvVarSource>,
    /// Extra non-secret volumes (ConfigMaps such as service extensions, emptyDirs, claims).
    pub mounts: Vec<workload::Mount>,
    /// Where the orchestrator reads its config from, when not the generated ConfigMap: an
    /// existing ConfigMap, the Console's signed bundle, zero-downtime reload.
    pub config_source: workload::ConfigSource,
    /// Experimental clustering.
    pub clustering: workload::Clustering,
    /// The orchestrator's one HTTP(S) listener, 1024 to 65535: container port, Service port,
    /// `MAVERICS_HTTP_ADDRESS`, probes, NetworkPolicy. Below 1024 is refused (non-root, no
    /// capabilities).
    pub port: u16,
    /// Where TLS ends, and what the pod serves with when it ends in the pod.
    pub tls: Tls,
    /// The orchestrator's `maverics.yaml`, as a YAML mapping, written to the ConfigMap with keys
    /// sorted. Reference secrets as `<group.key>`, never literally.
    ///
    /// The tool reads a few keys itself: `oidcProvider` and `oidcProvider.cache` (OIDC provider
    /// mode; with more than one replica the cache must name a `type: redis` entry of `caches`);
    /// `caches[]` (`name`, `type`, `redis.addresses`: the shared cache); `session.cookie.name`,
    /// nested or dotted (the session cookie sticky sessions key on, default `maverics_session`);
    /// `health.location` (the probe path, default `/status`); and `upstream`, `endpoint`,
    /// `*WellKnownURL`, `*MetadataURL` at any depth (services the orchestrator calls: in-cluster
    /// hosts, `svc.ns.svc[.cluster.local]`, get a NetworkPolicy rule to their namespace and port;
    /// others must be allowed by `networkPolicy.egress`, else a warning).
    // serde_yaml's Value has no schema; the JSON form is the same mapping.
    #[schemars(with = "serde_json::Map<String, serde_json::Value>")]
    pub config: Value,
    /// The orchestrator's secrets, read from a store by External Secrets Operator; unset: none.
    pub secrets: Option<Secrets>,
    /// The orchestrator's ServiceAccount.
    pub service_account: ServiceAccount,
    /// A Kubernetes Ingress; off by default (the platform layers expose the orchestrator their own
    /// way).
    pub ingress: Ingress,
    /// A Gateway API HTTPRoute to your Gateway, with cookie session persistence (experimental
    /// channel); off by default.
    pub gateway: super::gateway::Gateway,
    /// The NetworkPolicy around the orchestrator.
    pub network_policy: NetworkPolicy,
    /// A volume per pod; off by default.
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
            kubernetes_version: drain::DEFAULT_KUBERNETES_VERSION.into(),
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
            gateway: super::gateway::Gateway::default(),
            network_policy: NetworkPolicy::default(),
            persistence: Persistence::default(),
        }
    }
}

/// The orchestrator image, written as `repository:tag@digest`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Image {
    /// The image is not public: push it from the Maverics Console to your registry.
    pub repository: String,
    /// The image tag; the default is Strata's chart 1.0.5 appVersion. `latest` gives a warning;
    /// with neither tag nor digest: error.
    pub tag: Option<String>,
    /// `sha256:<64 hex>`; when set it pins the image whatever the tag says.
    pub digest: Option<String>,
    /// When the kubelet pulls the image: `Always`, `IfNotPresent` or `Never`.
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
    /// The image reference the container runs: `repository`, then `:tag` and `@digest` when set.
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

/// When the kubelet pulls the image (the container's `imagePullPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum PullPolicy {
    /// Pull on every pod start, so a moved tag is picked up.
    Always,
    /// Pull only when the node does not hold the image yet.
    IfNotPresent,
    /// Never pull: the image must already be on the node.
    Never,
}

impl PullPolicy {
    /// The value of the container's `imagePullPolicy`.
    pub fn as_str(self) -> &'static str {
        match self {
            PullPolicy::Always => "Always",
            PullPolicy::IfNotPresent => "IfNotPresent",
            PullPolicy::Never => "Never",
        }
    }
}

/// The HorizontalPodAutoscaler, on by default: it scales on CPU (and memory when set).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Autoscaling {
    /// On: an HPA owns the replica count and the StatefulSet has no `spec.replicas`.
    pub enabled: bool,
    /// At least 1; the vendor recommends 2. Must not exceed `maxReplicas`.
    pub min_replicas: u32,
    /// The most replicas the HPA may run.
    pub max_replicas: u32,
    /// Average CPU utilisation the HPA aims at, 1 to 100. Needs `resources.requests.cpu`.
    #[serde(rename = "targetCPUUtilizationPercentage")]
    pub target_cpu_utilization_percentage: u32,
    /// Adds a memory metric, 1 to 100; unset: CPU only.
    pub target_memory_utilization_percentage: Option<u32>,
    /// How fast the HPA removes pods.
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
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ScaleDown {
    /// Scaling down drops the sessions a pod holds: wait this long for sustained low load.
    pub stabilization_window_seconds: u32,
    /// At most this many pods removed per `periodSeconds`.
    pub pods_per_period: u32,
    /// The period of `podsPerPeriod`.
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

/// The PodDisruptionBudget, which keeps a voluntary eviction from taking too many pods at once.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PodDisruptionBudget {
    /// Unset: on whenever more than one replica can run.
    pub enabled: Option<bool>,
    /// Pods that may be down at once, an integer or a percentage; `1` when neither is set. Set only
    /// one of the two; a budget that never allows a disruption is refused.
    #[schemars(with = "Option<k8s_schemas::IntOrString>")]
    pub max_unavailable: Option<IntOrString>,
    /// Pods that must stay up, an integer or a percentage. Set only one of `maxUnavailable` and
    /// `minAvailable`.
    #[schemars(with = "Option<k8s_schemas::IntOrString>")]
    pub min_available: Option<IntOrString>,
}

/// Where TLS ends, and what the pod serves with when it ends in the pod.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Tls {
    /// `edge`: TLS ends at the load balancer or router and the pod serves plain HTTP. `pod`: the
    /// pod serves HTTPS, and probes, `appProtocol` and the Ingress backend protocol switch to
    /// HTTPS.
    pub termination: Termination,
    /// An existing `kubernetes.io/tls` Secret (cert-manager, OpenShift service CA) to serve with
    /// when `termination: pod`, mounted at `/etc/maverics/tls`; otherwise `spec.secrets.tls`
    /// supplies the pair.
    pub secret_name: Option<String>,
    /// With `secretName`: name it in the StatefulSet's Stakater Reloader annotation, so a renewed
    /// certificate (cert-manager, the OpenShift service CA, whose Secret the ROSA layer puts in
    /// the list instead) rolls the pods; the orchestrator reads its certificate files at
    /// start-up. Default true.
    pub reload_on_change: bool,
}

impl Default for Tls {
    fn default() -> Self {
        Tls {
            termination: Termination::default(),
            secret_name: None,
            reload_on_change: true,
        }
    }
}

/// Where TLS ends: at the edge (load balancer, router; the pod serves plain HTTP) or in the
/// pod (the listener, probes and the exposure's backend protocol switch to HTTPS).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Termination {
    /// TLS ends at the load balancer or router; the pod serves plain HTTP.
    #[default]
    Edge,
    /// The pod serves HTTPS; probes, `appProtocol` and the backend protocol switch to HTTPS.
    Pod,
}

/// The orchestrator's ServiceAccount, whose annotations carry a cloud identity (IRSA, Workload ID).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceAccount {
    /// Annotations of the ServiceAccount, e.g. IRSA `eks.amazonaws.com/role-arn`.
    pub annotations: BTreeMap<String, String>,
}

/// A Kubernetes Ingress; off by default (the platform layers expose the orchestrator their own way).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Ingress {
    /// Emit an Ingress.
    pub enabled: bool,
    /// The IngressClass. `alb` and `nginx` get backend-protocol annotations with pod TLS, and
    /// sticky-session annotations.
    pub class_name: Option<String>,
    /// Extra annotations; yours win over generated ones.
    pub annotations: BTreeMap<String, String>,
    /// One rule per host; none: one rule without host.
    pub hosts: Vec<String>,
    /// The path of every rule.
    pub path: String,
    /// The path type of every rule: `Prefix`, `Exact` or `ImplementationSpecific`.
    pub path_type: String,
    /// The Ingress's TLS sections.
    pub tls: Vec<IngressTls>,
    /// Cookie affinity, which a scaled orchestrator in proxy mode needs.
    pub sticky_sessions: StickySessions,
}

/// Cookie affinity on the Ingress: the orchestrator keeps a user's session in the pod that
/// created it, so with more than one replica in proxy mode every request of a session must
/// reach the same pod.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct StickySessions {
    /// Cookie affinity for classes `alb` and `nginx`. With more than one replica in proxy mode, off
    /// (or another class without `krm.maverics.dev/session-affinity` in `annotations`) is an error.
    pub enabled: bool,
    /// `app`: the orchestrator's own session cookie (ALB `app_cookie`); `loadBalancer`: a cookie
    /// the load balancer issues (ALB `AWSALB`). ingress-nginx (retired since March 2026) always
    /// uses its own cookie, `MAVERICS_AFFINITY`.
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum StickyCookie {
    /// The orchestrator's own session cookie (ALB `app_cookie`).
    #[default]
    App,
    /// A cookie the load balancer issues (ALB `AWSALB`).
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

/// One TLS section of the Ingress: a certificate and the hosts it covers.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressTls {
    /// The `kubernetes.io/tls` Secret holding the certificate.
    pub secret_name: String,
    /// The host names the certificate covers.
    #[serde(default)]
    pub hosts: Vec<String>,
}

/// A volume per pod (StatefulSet `volumeClaimTemplates`), off by default: the orchestrator
/// keeps its state in memory or in a Redis cache unless its config writes files.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Persistence {
    /// A ReadWriteOnce volume per pod through the StatefulSet's `volumeClaimTemplates` (claim
    /// `data`). Off: the orchestrator keeps state in memory or a Redis cache.
    pub enabled: bool,
    /// The volume's size, a quantity.
    pub size: Quantity,
    /// Unset: the cluster's default class (the EKS platform layer sets its encrypted gp3 class).
    pub storage_class_name: Option<String>,
    /// Where the volume is mounted in the container.
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

    /// The base's preStop delay: `spec.pod.drainSeconds`, default [`drain::DEFAULT_SECONDS`].
    pub fn drain_seconds(&self) -> u32 {
        self.spec.pod.drain_seconds.unwrap_or(drain::DEFAULT_SECONDS)
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

    /// The config's `metadata.name`, which names every generated object.
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

    /// The fewest replicas that run: `autoscaling.minReplicas` when autoscaling is on, else `spec.replicas`.
    pub fn min_replicas(&self) -> u32 {
        if self.spec.autoscaling.enabled {
            self.spec.autoscaling.min_replicas
        } else {
            self.spec.replicas
        }
    }
}
