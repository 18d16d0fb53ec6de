//! `spec.gke`: Google Kubernetes Engine settings of the `OrchestratorPlatform` transformer.
//! Sources of every field and annotation the layer writes: docs/gke.md.

use crate::config::api_rules;
use crate::diag::Diagnostic;
use crate::k8s::validate::Wildcard;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Google Kubernetes Engine settings; required with `platform: gke`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Gke {
    /// The Google Cloud project ID of the cluster: its Workload Identity pool is
    /// `PROJECT_ID.svc.id.goog`. 6 to 30 lower-case letters, digits and hyphens, starting with
    /// a letter.
    pub project_id: String,
    /// The project number, for the direct Workload Identity Federation form
    /// (`principal://iam.googleapis.com/projects/NUMBER/...`); needed when
    /// `secretStore.gcpServiceAccount` is unset.
    #[serde(default)]
    pub project_number: Option<String>,
    /// How the orchestrator is exposed: `ingress` (GKE Ingress with a BackendConfig, the
    /// default) or `gateway` (an HTTPRoute on a GKE Gateway, with a GCPBackendPolicy and a
    /// HealthCheckPolicy).
    #[serde(default)]
    pub mode: GkeMode,
    /// The host names clients use; at least one.
    pub hosts: Vec<String>,
    /// GKE Ingress settings, for `mode: ingress`.
    #[serde(default, deserialize_with = "written_ingress")]
    pub ingress: GkeIngress,
    /// The Gateway the HTTPRoute attaches to, for `mode: gateway`.
    #[serde(default)]
    pub gateway: Option<GkeGateway>,
    /// The load balancer's backend service: session affinity, draining, timeout.
    #[serde(default)]
    pub backend: Backend,
    /// A SecretStore for Google Secret Manager through Workload Identity Federation for GKE,
    /// on a ServiceAccount of its own; unset: none. The orchestrator itself gets no Google
    /// identity: it has no native Google Secret Manager provider.
    #[serde(default, deserialize_with = "super::null_is_empty")]
    pub secret_store: Option<GcpSecretStore>,
    /// The StorageClass of the StatefulSet's volumes (`spec.persistence` in the base).
    #[serde(default)]
    pub storage: GkeStorage,
    /// Where the load balancer's requests and DNS answers come from, for the NetworkPolicy
    /// (enforced by GKE Dataplane V2).
    #[serde(default)]
    pub network_policy: GkeNetworkPolicy,
    /// How pods spread across zones.
    #[serde(default)]
    pub topology_spread: super::spread::TopologySpread,
}

/// How the orchestrator is exposed on GKE.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum GkeMode {
    /// GKE Ingress (`kubernetes.io/ingress.class`) with a BackendConfig and a FrontendConfig.
    #[default]
    Ingress,
    /// An HTTPRoute on an existing GKE Gateway, with a GCPBackendPolicy and a HealthCheckPolicy.
    Gateway,
}

/// GKE Ingress settings, for `mode: ingress`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GkeIngress {
    /// The GKE Ingress class, written as the `kubernetes.io/ingress.class` annotation (GKE
    /// ignores an Ingress that sets `spec.ingressClassName`): `gce` (external Application Load
    /// Balancer, classic) or `gce-internal` (internal Application Load Balancer, needs the
    /// proxy-only subnet in `networkPolicy.proxyOnlySubnetCidrs`).
    pub class: GkeIngressClass,
    /// Emit a ManagedCertificate for `hosts` (external class only; no wildcards).
    pub managed_certificate: bool,
    /// Names of Compute Engine SSL certificates already in the project
    /// (`ingress.gcp.kubernetes.io/pre-shared-cert`); required with `gce-internal` (regional
    /// certificates there).
    pub pre_shared_certificates: Vec<String>,
    /// A reserved static IP address by name (`kubernetes.io/ingress.global-static-ip-name`,
    /// or `...regional-static-ip-name` for `gce-internal`); unset: an ephemeral address.
    pub static_ip_name: Option<String>,
    /// A Compute Engine SSL policy by name, for the FrontendConfig; unset: Google's default.
    pub ssl_policy: Option<String>,
    /// Redirect HTTP to HTTPS with a FrontendConfig (`301`); off: HTTP is not served at all
    /// (`kubernetes.io/ingress.allow-http: "false"`).
    pub https_redirect: bool,
    /// Whether the config wrote the block (its defaults are otherwise implied): with
    /// `mode: gateway` a written block would be silently ignored.
    #[serde(skip)]
    pub written: bool,
}

/// `ingress:` left empty (null) is the defaults, not written.
fn written_ingress<'de, D: serde::Deserializer<'de>>(d: D) -> Result<GkeIngress, D::Error> {
    Ok(match Option::<GkeIngress>::deserialize(d)? {
        Some(i) => GkeIngress { written: true, ..i },
        None => GkeIngress::default(),
    })
}

impl Default for GkeIngress {
    fn default() -> Self {
        GkeIngress {
            class: GkeIngressClass::Gce,
            managed_certificate: true,
            pre_shared_certificates: Vec::new(),
            static_ip_name: None,
            ssl_policy: None,
            https_redirect: true,
            written: false,
        }
    }
}

/// The GKE Ingress classes this layer writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum GkeIngressClass {
    /// External Application Load Balancer (classic).
    #[default]
    #[serde(rename = "gce")]
    Gce,
    /// Internal Application Load Balancer (regional, Envoy-based: needs a proxy-only subnet).
    #[serde(rename = "gce-internal")]
    GceInternal,
}

impl GkeIngressClass {
    /// The value of the `kubernetes.io/ingress.class` annotation.
    pub fn as_str(self) -> &'static str {
        match self {
            GkeIngressClass::Gce => "gce",
            GkeIngressClass::GceInternal => "gce-internal",
        }
    }
}

/// The Gateway the HTTPRoute attaches to, for `mode: gateway`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GkeGateway {
    /// The Gateway's name.
    pub name: String,
    /// The Gateway's namespace; unset: the orchestrator's.
    #[serde(default)]
    pub namespace: Option<String>,
    /// The Gateway's listener (`sectionName`); unset: every listener that admits the route.
    #[serde(default)]
    pub section_name: Option<String>,
    /// Whether the Gateway's class is regional or internal (`gke-l7-rilb`,
    /// `gke-l7-regional-external-managed`): their proxies send from the proxy-only subnet,
    /// which `networkPolicy.proxyOnlySubnetCidrs` must then list.
    #[serde(default)]
    pub regional: bool,
}

/// The load balancer's backend service: session affinity, draining, timeout. A `BackendConfig`
/// with an Ingress, a `GCPBackendPolicy` with a Gateway.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Backend {
    /// `GENERATED_COOKIE` (the load balancer's own cookie, `GCLB`/`GCILB` on Ingress) or
    /// `CLIENT_IP`, only as an explicit choice: clients behind one NAT then share a pod.
    pub session_affinity: GkeAffinity,
    /// Lifetime of the affinity cookie, 1 to 86400 seconds.
    pub affinity_cookie_ttl_seconds: u32,
    /// Connection draining of the backend service (0 to 3600); the pod's preStop delay is made
    /// at least this long, as Google's guidance for NEG backends asks.
    pub draining_timeout_seconds: u32,
    /// The backend service timeout (1 to 86400).
    pub timeout_seconds: u32,
}

impl Default for Backend {
    fn default() -> Self {
        Backend {
            session_affinity: GkeAffinity::GeneratedCookie,
            affinity_cookie_ttl_seconds: 86400,
            draining_timeout_seconds: 30,
            timeout_seconds: 60,
        }
    }
}

/// Session affinity of the GKE backend service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GkeAffinity {
    /// A cookie the load balancer sets.
    #[default]
    GeneratedCookie,
    /// The client's IP address.
    ClientIp,
}

impl GkeAffinity {
    /// The backend service's `sessionAffinity` value.
    pub fn as_str(self) -> &'static str {
        match self {
            GkeAffinity::GeneratedCookie => "GENERATED_COOKIE",
            GkeAffinity::ClientIp => "CLIENT_IP",
        }
    }
}

/// A SecretStore for Google Secret Manager through Workload Identity Federation for GKE, on a
/// ServiceAccount of its own; unset: none. The orchestrator itself gets no Google identity: it has
/// no native Google Secret Manager provider.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GcpSecretStore {
    /// The project that holds the secrets; unset: `projectId`.
    #[serde(default)]
    pub project_id: Option<String>,
    /// A Google service account External Secrets impersonates
    /// (`NAME@PROJECT.iam.gserviceaccount.com`), written as `iam.gke.io/gcp-service-account`
    /// on its ServiceAccount; unset: the direct form, where the Kubernetes ServiceAccount
    /// itself is granted `roles/secretmanager.secretAccessor` as a `principal://` member.
    #[serde(default)]
    pub gcp_service_account: Option<String>,
    /// The cluster's location, when External Secrets cannot read it from the metadata server.
    #[serde(default)]
    pub cluster_location: Option<String>,
    /// The cluster's name, likewise.
    #[serde(default)]
    pub cluster_name: Option<String>,
    /// The project of the cluster's Workload Identity pool (`PROJECT.svc.id.goog`), written as
    /// the store's `clusterProjectID` (ESO would otherwise take the secrets' project); unset:
    /// `spec.gke.projectId`.
    #[serde(default)]
    pub cluster_project_id: Option<String>,
}

/// The StorageClass of the StatefulSet's volumes (`spec.persistence` in the base).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GkeStorage {
    /// `premium` (`premium-rwo`, SSD persistent disk, the default), `balanced`
    /// (`standard-rwo`) or `regional` (an emitted StorageClass of regional balanced disks,
    /// replicated in two zones).
    pub r#type: GkeDisk,
    /// The StorageClass name; default the built-in class, or `<orchestrator>-regional-pd`.
    pub storage_class_name: Option<String>,
}

/// The persistent disk behind the orchestrator's volumes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum GkeDisk {
    /// `premium-rwo`: SSD persistent disk through the Compute Engine PD CSI driver.
    #[default]
    Premium,
    /// `standard-rwo`: balanced persistent disk.
    Balanced,
    /// A regional balanced persistent disk (`replication-type: regional-pd`).
    Regional,
}

/// Where the load balancer's requests and DNS answers come from, for the NetworkPolicy (enforced
/// by GKE Dataplane V2).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GkeNetworkPolicy {
    /// The proxy-only subnet's CIDRs of the region: the Envoy-based load balancers
    /// (`gce-internal`, regional Gateway classes) send from there. Required for them.
    pub proxy_only_subnet_cidrs: Vec<String>,
    /// Allow DNS to NodeLocal DNSCache (`169.254.20.10`), on in Autopilot and in Standard from
    /// 1.34.1-gke.3720000.
    pub node_local_dns_cache: bool,
    /// Allow DNS to Cloud DNS for GKE through the metadata server (`169.254.169.254`, port 53
    /// only), the Autopilot default.
    pub cloud_dns: bool,
}

impl Default for GkeNetworkPolicy {
    fn default() -> Self {
        GkeNetworkPolicy {
            proxy_only_subnet_cidrs: Vec::new(),
            node_local_dns_cache: true,
            cloud_dns: true,
        }
    }
}

/// Google Cloud's load balancer health-check and proxy ranges (IPv4) for NEG backends:
/// https://cloud.google.com/load-balancing/docs/firewall-rules.
pub const HEALTH_CHECK_RANGES: [&str; 2] = ["35.191.0.0/16", "130.211.0.0/22"];

impl Gke {
    /// Whether the load balancer's proxies send from the proxy-only subnet.
    pub fn regional(&self) -> bool {
        match self.mode {
            GkeMode::Ingress => self.ingress.class == GkeIngressClass::GceInternal,
            GkeMode::Gateway => self.gateway.as_ref().is_some_and(|g| g.regional),
        }
    }
}

/// A Google Cloud project ID: 6 to 30 characters, lower-case letters, digits and hyphens,
/// starting with a letter and not ending with a hyphen.
pub fn project_id(s: &str) -> Result<(), String> {
    if !(6..=30).contains(&s.len()) {
        return Err(format!("is {} characters long; project IDs have 6 to 30", s.len()));
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err("has characters other than lower-case letters, digits and hyphens".into());
    }
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err("does not start with a lower-case letter".into());
    }
    if s.ends_with('-') {
        return Err("ends with a hyphen".into());
    }
    Ok(())
}

/// A Google service account e-mail of a project: `NAME@PROJECT.iam.gserviceaccount.com`, the
/// name 6 to 30 lower-case letters, digits and hyphens.
pub fn service_account_email(s: &str) -> Result<(), String> {
    let Some((name, domain)) = s.split_once('@') else {
        return Err("has no `@`".into());
    };
    let Some(project) = domain.strip_suffix(".iam.gserviceaccount.com") else {
        return Err("does not end with `.iam.gserviceaccount.com`".into());
    };
    project_id(name).map_err(|why| format!("has an account name that {why}"))?;
    project_id(project).map_err(|why| format!("has a project ID that {why}"))
}

fn check_with(
    value: &str,
    at: impl Into<String>,
    rule: fn(&str) -> Result<(), String>,
    fix: &str,
    err: &mut impl FnMut(Diagnostic),
) {
    if let Err(why) = rule(value) {
        err(Diagnostic::error(format!("`{}` {why}", api_rules::shown(value)))
            .field(at)
            .fix(fix));
    }
}

const PROJECT_FIX: &str = "write the project ID (not its name or number): 6 to 30 lower-case letters, digits and hyphens, starting with a letter, e.g. `acme-sso-prod`";

/// A project ID's fix: the value lower-cased with `_` and spaces as `-`, when that is one.
fn project_fix(value: &str) -> String {
    let normal: String = value
        .trim()
        .chars()
        .map(|c| {
            if c == '_' || c == ' ' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    match project_id(&normal) {
        Ok(()) if normal != value => format!("did you mean `{normal}`? {PROJECT_FIX}"),
        _ => PROJECT_FIX.to_owned(),
    }
}

fn check_project(value: &str, at: impl Into<String>, err: &mut impl FnMut(Diagnostic)) {
    if let Err(why) = project_id(value) {
        err(Diagnostic::error(format!("`{}` {why}", api_rules::shown(value)))
            .field(at)
            .fix(project_fix(value)));
    }
}

/// Rules types cannot express: names, ranges and combinations GKE accepts.
pub(super) fn check(gke: &Gke, err: &mut impl FnMut(Diagnostic)) {
    check_project(&gke.project_id, "spec.gke.projectId", err);
    if let Some(n) = &gke.project_number
        && (n.is_empty() || n.len() > 20 || !n.bytes().all(|b| b.is_ascii_digit()))
    {
        err(Diagnostic::error(format!("`{}` is not a project number", api_rules::shown(n)))
            .field("spec.gke.projectNumber")
            .fix("write the project's number, digits only (`gcloud projects describe PROJECT_ID --format='value(projectNumber)'`)"));
    }
    if gke.hosts.is_empty() {
        err(Diagnostic::error("the orchestrator has no host")
            .field("spec.gke.hosts")
            .fix("list the host names clients use, e.g. `[sso.example.com]`"));
    }
    let i = &gke.ingress;
    let managed = gke.mode == GkeMode::Ingress && i.managed_certificate;
    for (n, h) in gke.hosts.iter().enumerate() {
        let wildcard = if managed { Wildcard::Never } else { Wildcard::FirstLabel };
        api_rules::host(h, &format!("spec.gke.hosts[{n}]"), wildcard, err);
    }
    if gke.mode == GkeMode::Ingress {
        if managed && i.class == GkeIngressClass::GceInternal {
            err(Diagnostic::error("Google-managed certificates serve external Ingresses only, not `gce-internal`")
                .field("spec.gke.ingress.managedCertificate")
                .fix("set `managedCertificate: false` and list a regional SSL certificate in `preSharedCertificates`"));
        }
        if !managed && i.pre_shared_certificates.is_empty() {
            err(Diagnostic::error("the Ingress has no certificate for HTTPS")
                .field("spec.gke.ingress.preSharedCertificates")
                .fix("list the names of SSL certificates in the project (`gcloud compute ssl-certificates list`), or set `managedCertificate: true` (external class only)"));
        }
        for (n, c) in i.pre_shared_certificates.iter().enumerate() {
            api_rules::subdomain(c, &format!("spec.gke.ingress.preSharedCertificates[{n}]"), err);
        }
        if let Some(ip) = &i.static_ip_name {
            api_rules::subdomain(ip, "spec.gke.ingress.staticIpName", err);
        }
        if let Some(s) = &i.ssl_policy {
            api_rules::subdomain(s, "spec.gke.ingress.sslPolicy", err);
        }
    }
    match (&gke.mode, &gke.gateway) {
        (GkeMode::Gateway, None) => err(Diagnostic::error(
            "`mode: gateway` needs the Gateway the HTTPRoute attaches to",
        )
        .field("spec.gke.gateway")
        .fix("add `gateway: {name: <gateway>, namespace: <its namespace>}`")),
        (GkeMode::Gateway, _) if i.written => err(Diagnostic::error(
            "`spec.gke.ingress` is set but `mode` is `gateway`: the layer writes no Ingress",
        )
        .field("spec.gke.ingress")
        .fix("remove `ingress`, or set `mode: ingress`")),
        (GkeMode::Ingress, Some(_)) => err(Diagnostic::error("`spec.gke.gateway` is set but `mode` is `ingress`")
            .field("spec.gke.gateway")
            .fix("remove `gateway`, or set `mode: gateway`")),
        (GkeMode::Gateway, Some(g)) => {
            api_rules::subdomain(&g.name, "spec.gke.gateway.name", err);
            if let Some(ns) = &g.namespace {
                api_rules::subdomain(ns, "spec.gke.gateway.namespace", err);
            }
        }
        _ => {}
    }
    let b = &gke.backend;
    if !(1..=86_400).contains(&b.affinity_cookie_ttl_seconds) {
        err(
            Diagnostic::error("the affinity cookie's lifetime must be 1 to 86400 seconds")
                .field("spec.gke.backend.affinityCookieTtlSeconds")
                .fix("use a value from 1 to 86400; 86400 is one day"),
        );
    }
    if b.draining_timeout_seconds > 3600 {
        err(
            Diagnostic::error("GKE accepts connection draining of 0 to 3600 seconds")
                .field("spec.gke.backend.drainingTimeoutSeconds")
                .fix("use a value from 0 to 3600; 30 fits the orchestrator's short requests"),
        );
    }
    if !(1..=86_400).contains(&b.timeout_seconds) {
        err(
            Diagnostic::error("the backend service timeout must be 1 to 86400 seconds")
                .field("spec.gke.backend.timeoutSeconds")
                .fix("use a value from 1 to 86400, e.g. 60"),
        );
    }
    if let Some(s) = &gke.secret_store {
        let at = "spec.gke.secretStore";
        if let Some(p) = &s.project_id {
            check_project(p, format!("{at}.projectId"), err);
        }
        if let Some(p) = &s.cluster_project_id {
            check_project(p, format!("{at}.clusterProjectId"), err);
        }
        match &s.gcp_service_account {
            Some(gsa) => check_with(
                gsa,
                format!("{at}.gcpServiceAccount"),
                service_account_email,
                "write the Google service account's e-mail, `NAME@PROJECT_ID.iam.gserviceaccount.com`",
                err,
            ),
            None if gke.project_number.is_none() => err(Diagnostic::error(
                "the direct Workload Identity form names the project by number, and `projectNumber` is unset",
            )
            .field("spec.gke.projectNumber")
            .fix("set `projectNumber` (digits), or set `secretStore.gcpServiceAccount` to impersonate a Google service account")),
            None => {}
        }
    }
    let np = &gke.network_policy;
    for (n, c) in np.proxy_only_subnet_cidrs.iter().enumerate() {
        api_rules::cidr(c, &format!("spec.gke.networkPolicy.proxyOnlySubnetCidrs[{n}]"), err);
    }
    if gke.regional() && np.proxy_only_subnet_cidrs.is_empty() {
        err(Diagnostic::error(
            "regional and internal GKE load balancers send from the region's proxy-only subnet, which the NetworkPolicy must admit",
        )
        .field("spec.gke.networkPolicy.proxyOnlySubnetCidrs")
        .fix("list its CIDR (`gcloud compute networks subnets list --filter=purpose=REGIONAL_MANAGED_PROXY`), e.g. `[10.129.0.0/23]`"));
    }
    if let Some(c) = &gke.storage.storage_class_name {
        api_rules::subdomain(c, "spec.gke.storage.storageClassName", err);
    }
    if let Some(w) = &gke.topology_spread.when_unsatisfiable
        && w != "ScheduleAnyway"
        && w != "DoNotSchedule"
    {
        err(
            Diagnostic::error(format!("unknown whenUnsatisfiable `{}`", api_rules::shown(w)))
                .field("spec.gke.topologySpread.whenUnsatisfiable")
                .fix("use `ScheduleAnyway` or `DoNotSchedule`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_ids_and_service_accounts() {
        assert!(project_id("acme-sso-prod").is_ok());
        assert!(project_id("Acme-SSO").is_err());
        assert!(project_id("acme_sso").is_err());
        assert!(project_id("short").is_err());
        assert!(project_id("1acme-sso").is_err());
        assert!(project_id("acme-sso-").is_err());
        assert!(project_id(&"a".repeat(31)).is_err());
        assert!(project_fix("acme_sso_prod").starts_with("did you mean `acme-sso-prod`?"));
        assert!(project_fix("Acme-sso-prod").starts_with("did you mean `acme-sso-prod`?"));
        assert_eq!(project_fix("1acme"), PROJECT_FIX);
        assert!(service_account_email("eso-reader@acme-sso-prod.iam.gserviceaccount.com").is_ok());
        assert!(service_account_email("eso-reader@acme-sso-prod.example.com").is_err());
        assert!(service_account_email("eso@acme-sso-prod.iam.gserviceaccount.com").is_err());
        assert!(service_account_email("eso-reader").is_err());
    }
}
