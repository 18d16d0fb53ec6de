//! `spec.aks`: Azure Kubernetes Service settings of the `OrchestratorPlatform` transformer.
//! Sources for every annotation and field: docs/aks.md.

use crate::config::api_rules;
use crate::diag::Diagnostic;
use crate::k8s::validate::Wildcard;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Azure Kubernetes Service settings; required with `platform: aks`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Aks {
    /// The Ingress that exposes the orchestrator, and the controller that serves it.
    pub ingress: AksIngress,
    /// A SecretStore for Azure Key Vault through Microsoft Entra Workload ID, with a
    /// ServiceAccount of its own; unset: none.
    #[serde(default, deserialize_with = "super::null_is_empty")]
    pub secret_store: Option<KeyVaultStore>,
    /// The orchestrator's own Workload ID, only when it reads Azure Key Vault itself (its native
    /// Azure Key Vault secret provider): its ServiceAccount gets `azure.workload.identity/client-id`
    /// and its pods the label `azure.workload.identity/use: "true"`. Unset: the orchestrator has
    /// no Azure identity (External Secrets has its own through `secretStore`).
    #[serde(default)]
    pub orchestrator_identity: Option<WorkloadIdentity>,
    /// The Azure Disk StorageClass for `spec.persistence`.
    #[serde(default)]
    pub storage: AksStorage,
    /// Where the load balancer's requests come from, and where DNS is answered.
    #[serde(default)]
    pub network_policy: AksNetworkPolicy,
    /// How pods spread across zones.
    #[serde(default)]
    pub topology_spread: super::spread::TopologySpread,
}

/// The controller behind the Ingress.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Controller {
    /// Application Gateway for Containers (Ingress API, class `azure-alb-external`): cookie
    /// affinity through an `IngressExtension`, the probe through a `HealthCheckPolicy`.
    #[default]
    Agc,
    /// The application routing add-on's managed NGINX (class
    /// `webapprouting.kubernetes.azure.com`): ingress-nginx cookie affinity. Deprecated:
    /// Microsoft patches it for critical security issues only through November 2026.
    AppRoutingNginx,
}

/// The Ingress that exposes the orchestrator, and the controller that serves it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AksIngress {
    /// `agc` (Application Gateway for Containers, default) or `appRoutingNginx` (deprecated:
    /// patched only through November 2026).
    #[serde(default)]
    pub controller: Controller,
    /// The host names clients use; at least one.
    pub hosts: Vec<String>,
    /// The `kubernetes.io/tls` Secret in the orchestrator's namespace with the certificate for
    /// `hosts` (AGC reads certificates from Kubernetes Secrets only).
    pub tls_secret_name: String,
    /// AGC managed by the ALB controller: the `ApplicationLoadBalancer` resource's name and
    /// namespace (`alb.networking.azure.io/alb-name`, `alb-namespace`). Set this or `albId`.
    #[serde(default)]
    pub application_load_balancer: Option<AlbRef>,
    /// AGC deployed outside Kubernetes (bring your own): its Azure resource ID
    /// (`alb.networking.azure.io/alb-id`), with `frontend`.
    #[serde(default)]
    pub alb_id: Option<String>,
    /// The AGC frontend name, with `albId` (`alb.networking.azure.io/alb-frontend`).
    #[serde(default)]
    pub frontend: Option<String>,
    /// Cookie affinity, which a scaled orchestrator in proxy mode needs.
    #[serde(default)]
    pub session_affinity: SessionAffinity,
    /// Seconds the pod keeps serving after it is told to stop (its preStop delay), so the
    /// controller takes it out of rotation before it exits; the grace period stays above it.
    #[serde(default = "default_drain")]
    pub drain_seconds: u32,
}

fn default_drain() -> u32 {
    30
}

/// AGC managed by the ALB controller: the `ApplicationLoadBalancer` resource's name and namespace
/// (`alb.networking.azure.io/alb-name`, `alb-namespace`). Set this or `albId`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlbRef {
    /// The `ApplicationLoadBalancer` resource's name.
    pub name: String,
    /// The namespace of the `ApplicationLoadBalancer` resource.
    pub namespace: String,
}

/// Cookie affinity, which a scaled orchestrator in proxy mode needs.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct SessionAffinity {
    /// AGC: `managedCookie` (AGC issues `AGCAffinity` for 86400 s) or `applicationCookie`
    /// (a cookie named `cookieName` for `durationSeconds`). NGINX always issues its own cookie.
    pub r#type: AffinityType,
    /// The affinity cookie's name for `applicationCookie` and NGINX; never the orchestrator's
    /// own session cookie.
    pub cookie_name: String,
    /// The affinity cookie's lifetime for `applicationCookie` and NGINX.
    pub duration_seconds: u32,
}

impl Default for SessionAffinity {
    fn default() -> Self {
        SessionAffinity {
            r#type: AffinityType::ManagedCookie,
            cookie_name: "maverics_affinity".into(),
            duration_seconds: 86400,
        }
    }
}

/// How AGC issues its affinity cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum AffinityType {
    /// AGC's own cookie `AGCAffinity`, 86400 s.
    ManagedCookie,
    /// A cookie named `cookieName`, lifetime `durationSeconds`.
    ApplicationCookie,
}

/// A SecretStore for Azure Key Vault through Microsoft Entra Workload ID, with a ServiceAccount of
/// its own; unset: none.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyVaultStore {
    /// The vault's URL, `https://<vault>.vault.azure.net/` (Azure China: `vault.azure.cn`; Azure
    /// US Government: `vault.usgovcloudapi.net`).
    pub vault_url: String,
    /// The user-assigned managed identity (or app registration) External Secrets acts as: its
    /// client ID and its tenant ID, both required. It needs the *Key Vault Secrets User* role on
    /// the vault.
    pub identity: WorkloadIdentity,
}

/// A Microsoft Entra identity that a ServiceAccount acts as through Workload ID.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkloadIdentity {
    /// The client ID (a GUID) of the user-assigned managed identity or app registration
    /// (`azure.workload.identity/client-id`).
    pub client_id: String,
    /// The Microsoft Entra tenant ID (a GUID). Required in `secretStore.identity`: ESO mints the
    /// token itself there, so no webhook supplies AZURE_TENANT_ID, and it goes to the store's
    /// `azurekv.tenantId`. In `orchestratorIdentity`: `azure.workload.identity/tenant-id` on
    /// its ServiceAccount; unset: the Workload ID webhook's AZURE_TENANT_ID.
    #[serde(default)]
    pub tenant_id: Option<String>,
}

/// The Azure Disk StorageClass for `spec.persistence`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct AksStorage {
    /// `false` (default): the built-in `managed-csi-premium` class (Premium SSD; ZRS on
    /// multi-zone clusters from AKS 1.29). `true`: a `Premium_ZRS` class of this layer, so a
    /// volume survives the loss of a zone on any cluster.
    pub zone_redundant: bool,
    /// With `zoneRedundant`: emit that StorageClass (cluster-scoped; leave off when it exists).
    pub create_storage_class: bool,
    /// With `zoneRedundant`: its name, default `<orchestrator>-premium-zrs`.
    pub storage_class_name: Option<String>,
}

/// Where the load balancer's requests come from, and where DNS is answered.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct AksNetworkPolicy {
    /// AGC: the CIDR of the subnet delegated to `Microsoft.ServiceNetworking/trafficControllers`.
    /// AGC's proxies send to pod IPs from there, so the HTTP port admits only this range.
    pub agc_subnet_cidrs: Vec<String>,
    /// The cluster answers DNS with LocalDNS (169.254.10.10/.11; preconfigured on AKS Automatic,
    /// optional on Standard): DNS egress is then allowed on port 53 to any address, since a
    /// NetworkPolicy cannot name the node-local resolver under Cilium.
    pub local_dns: bool,
}

/// The application routing add-on's Istio-based Gateway API, named as a controller: refused
/// with the reason, which "unknown variant" would not give.
pub(super) fn refused_controller(config: &serde_yaml::Value) -> Option<Diagnostic> {
    let c = config
        .get("spec")?
        .get("aks")?
        .get("ingress")?
        .get("controller")?
        .as_str()?;
    let plain: String = c
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    plain.contains("istio").then(|| {
        Diagnostic::error(format!(
            "controller `{}` is not offered: the application routing add-on's Istio-based Gateway API documents no cookie stickiness (no DestinationRule, Gateway API standard channel only), and a scaled orchestrator in proxy mode would lose sessions",
            api_rules::shown(c)
        ))
        .field("spec.aks.ingress.controller")
        .fix("use `controller: agc` (Application Gateway for Containers, documented cookie affinity); see docs/aks.md \"Which controller, and why\"")
    })
}

/// Rules types cannot express: GUIDs, the vault URL, hosts, names and ranges Azure accepts.
pub(super) fn check(aks: &Aks, err: &mut impl FnMut(Diagnostic)) {
    let i = &aks.ingress;
    if i.hosts.is_empty() {
        err(Diagnostic::error("the Ingress has no host")
            .field("spec.aks.ingress.hosts")
            .fix("list the host names clients use, e.g. `[sso.example.com]`"));
    }
    for (n, h) in i.hosts.iter().enumerate() {
        api_rules::host(h, &format!("spec.aks.ingress.hosts[{n}]"), Wildcard::FirstLabel, err);
    }
    api_rules::subdomain(&i.tls_secret_name, "spec.aks.ingress.tlsSecretName", err);
    let cookie = &i.session_affinity.cookie_name;
    api_rules::cookie(cookie, "spec.aks.ingress.sessionAffinity.cookieName", err);
    if !(1..=604_800).contains(&i.session_affinity.duration_seconds) {
        err(
            Diagnostic::error("the affinity cookie's lifetime must be 1 to 604800 seconds")
                .field("spec.aks.ingress.sessionAffinity.durationSeconds")
                .fix("use a value from 1 to 604800 (7 days); 86400 is one day"),
        );
    }
    if i.drain_seconds > 3600 {
        err(Diagnostic::error("a drain longer than an hour holds every rollout")
            .field("spec.aks.ingress.drainSeconds")
            .fix("use a value from 0 to 3600; 30 fits the orchestrator's short requests"));
    }
    match i.controller {
        Controller::Agc => check_agc(aks, err),
        Controller::AppRoutingNginx => {
            for (field, set) in [
                ("applicationLoadBalancer", i.application_load_balancer.is_some()),
                ("albId", i.alb_id.is_some()),
                ("frontend", i.frontend.is_some()),
            ] {
                if set {
                    err(Diagnostic::error(format!("`{field}` is an Application Gateway for Containers setting, but the controller is `appRoutingNginx`"))
                        .field(format!("spec.aks.ingress.{field}"))
                        .fix("remove it, or set `controller: agc`"));
                }
            }
        }
    }
    if let Some(store) = &aks.secret_store {
        if let Err(why) = vault_environment(&store.vault_url) {
            err(Diagnostic::error(format!(
                "`{}` is not an Azure Key Vault URL: {why}",
                api_rules::shown(&store.vault_url)
            ))
            .field("spec.aks.secretStore.vaultUrl")
            .fix(vault_fix(&store.vault_url)));
        }
        check_identity(&store.identity, "spec.aks.secretStore.identity", err);
        if store.identity.tenant_id.is_none() {
            err(Diagnostic::error("External Secrets needs the tenant of its identity: it mints the token itself, so no webhook supplies one")
                .field("spec.aks.secretStore.identity.tenantId")
                .fix("add `tenantId: <Microsoft Entra tenant ID>` (`az account show --query tenantId -o tsv`)"));
        }
    }
    if let Some(id) = &aks.orchestrator_identity {
        check_identity(id, "spec.aks.orchestratorIdentity", err);
    }
    if let Some(c) = &aks.storage.storage_class_name {
        api_rules::subdomain(c, "spec.aks.storage.storageClassName", err);
    }
    for (n, cidr) in aks.network_policy.agc_subnet_cidrs.iter().enumerate() {
        api_rules::cidr(cidr, &format!("spec.aks.networkPolicy.agcSubnetCidrs[{n}]"), err);
    }
    if let Some(w) = &aks.topology_spread.when_unsatisfiable
        && w != "ScheduleAnyway"
        && w != "DoNotSchedule"
    {
        err(
            Diagnostic::error(format!("unknown whenUnsatisfiable `{}`", api_rules::shown(w)))
                .field("spec.aks.topologySpread.whenUnsatisfiable")
                .fix("use `ScheduleAnyway` or `DoNotSchedule`"),
        );
    }
}

fn check_agc(aks: &Aks, err: &mut impl FnMut(Diagnostic)) {
    let i = &aks.ingress;
    match (&i.application_load_balancer, &i.alb_id, &i.frontend) {
        (Some(alb), None, None) => {
            api_rules::subdomain(&alb.name, "spec.aks.ingress.applicationLoadBalancer.name", err);
            api_rules::subdomain(&alb.namespace, "spec.aks.ingress.applicationLoadBalancer.namespace", err);
        }
        (None, Some(id), Some(fe)) => {
            if !is_agc_id(id) {
                err(Diagnostic::error(format!(
                    "`{}` is not the resource ID of an Application Gateway for Containers",
                    api_rules::shown(id)
                ))
                .field("spec.aks.ingress.albId")
                .fix("write `/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ServiceNetworking/trafficControllers/<name>` (`az network alb show -g <group> -n <name> --query id`)"));
            }
            api_rules::subdomain(fe, "spec.aks.ingress.frontend", err);
        }
        (None, Some(_), None) => err(Diagnostic::error("`albId` needs the frontend to use")
            .field("spec.aks.ingress.frontend")
            .fix("add `frontend: <AGC frontend name>` (`az network alb frontend list -g <group> --alb-name <name>`)")),
        (None, None, Some(_)) => err(Diagnostic::error("`frontend` is set without `albId`")
            .field("spec.aks.ingress.albId")
            .fix("add `albId` (bring your own AGC), or replace `frontend` with `applicationLoadBalancer`")),
        (None, None, None) => err(Diagnostic::error("Application Gateway for Containers needs the load balancer to use")
            .field("spec.aks.ingress.applicationLoadBalancer")
            .fix("add `applicationLoadBalancer: {name: <ApplicationLoadBalancer>, namespace: <its namespace>}` (managed by the ALB controller), or `albId` and `frontend` (bring your own)")),
        (Some(_), _, _) => err(Diagnostic::error("both a managed load balancer and a bring-your-own one are set")
            .field("spec.aks.ingress.albId")
            .fix("keep `applicationLoadBalancer` (managed) or `albId` with `frontend` (bring your own), not both")),
    }
    if aks.network_policy.agc_subnet_cidrs.is_empty() {
        err(Diagnostic::error("the NetworkPolicy needs the CIDR of the subnet AGC sends from")
            .field("spec.aks.networkPolicy.agcSubnetCidrs")
            .fix("list the subnet delegated to Microsoft.ServiceNetworking/trafficControllers, e.g. `[10.225.0.0/24]` (`az network vnet subnet show ... --query addressPrefix`)"));
    }
}

fn check_identity(id: &WorkloadIdentity, at: &str, err: &mut impl FnMut(Diagnostic)) {
    if !is_guid(&id.client_id) {
        err(Diagnostic::error(format!("`{}` is not a client ID (a GUID)", api_rules::shown(&id.client_id)))
            .field(format!("{at}.clientId"))
            .fix("write the managed identity's client ID, e.g. `00000000-0000-0000-0000-000000000000` (`az identity show -g <group> -n <name> --query clientId`)"));
    }
    if let Some(t) = &id.tenant_id
        && !is_guid(t)
    {
        err(Diagnostic::error(format!("`{}` is not a tenant ID (a GUID)", api_rules::shown(t)))
            .field(format!("{at}.tenantId"))
            .fix("write the Microsoft Entra tenant ID, e.g. `00000000-0000-0000-0000-000000000000` (`az account show --query tenantId -o tsv`)"));
    }
}

/// `8-4-4-4-12` hexadecimal digits.
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn is_agc_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('/').collect();
    matches!(
        parts.as_slice(),
        ["", s, sub, g, _, p, ns, t, name]
            if s.eq_ignore_ascii_case("subscriptions") && is_guid(sub) && g.eq_ignore_ascii_case("resourceGroups")
                && p.eq_ignore_ascii_case("providers") && ns.eq_ignore_ascii_case("Microsoft.ServiceNetworking")
                && t.eq_ignore_ascii_case("trafficControllers") && !name.is_empty()
    )
}

/// Key Vault DNS suffixes by cloud, and the `environmentType` External Secrets names it with
/// (Azure's environment list, `AzureKeyVaultDnsSuffix`; ESO `secretstore_azurekv_types.go`).
pub const VAULT_SUFFIXES: [(&str, &str); 3] = [
    (".vault.azure.net", "PublicCloud"),
    (".vault.azure.cn", "ChinaCloud"),
    (".vault.usgovcloudapi.net", "USGovernmentCloud"),
];

const VAULT_FIX: &str = "write `https://<vault name>.vault.azure.net/` (the vault's `properties.vaultUri`: `az keyvault show -n <vault> --query properties.vaultUri`)";

/// A vault URL's fix: the URL with the nearest Key Vault host suffix (`.vaults.azure.net` is
/// a typo of `.vault.azure.net`), when that makes it one.
fn vault_fix(url: &str) -> String {
    let trimmed = url.trim_end_matches('/');
    let guess = VAULT_SUFFIXES.iter().find_map(|(suffix, _)| {
        (suffix.len().saturating_sub(2)..=suffix.len() + 2).find_map(|n| {
            let cut = trimmed.len().checked_sub(n)?;
            let tail = trimmed.get(cut..)?;
            let fixed = format!("{}{suffix}/", trimmed.get(..cut)?);
            (strsim::damerau_levenshtein(&tail.to_ascii_lowercase(), suffix) <= 2 && vault_environment(&fixed).is_ok())
                .then_some(fixed)
        })
    });
    match guess {
        Some(g) if g != url => format!("did you mean `{g}`? {VAULT_FIX}"),
        _ => VAULT_FIX.to_owned(),
    }
}

/// The ESO `environmentType` of a Key Vault URL, or why it is not one. A vault name is 3 to 24
/// letters, digits and '-', starting with a letter, not ending with '-', no `--`.
pub fn vault_environment(url: &str) -> Result<&'static str, String> {
    let Some(rest) = url.strip_prefix("https://") else {
        return Err("it must start with `https://`".into());
    };
    let host = rest.strip_suffix('/').unwrap_or(rest);
    if host.contains('/') {
        return Err("it must be the vault's URL alone, without a path".into());
    }
    let host = host.to_ascii_lowercase();
    let Some((name, env)) = VAULT_SUFFIXES
        .iter()
        .find_map(|(suffix, env)| host.strip_suffix(suffix).map(|n| (n.to_owned(), *env)))
    else {
        return Err(format!(
            "the host must end in {}",
            VAULT_SUFFIXES.map(|(s, _)| format!("`{s}`")).join(", ")
        ));
    };
    let ok = (3..=24).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && !name.ends_with('-')
        && !name.contains("--")
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(env)
    } else {
        Err(format!(
            "`{name}` is not a vault name (3 to 24 letters, digits and '-', starting with a letter)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_and_vault_urls() {
        assert!(is_guid("0a1b2c3d-4e5f-6789-abcd-ef0123456789"));
        assert!(!is_guid("0a1b2c3d-4e5f-6789-abcd-ef012345678"));
        assert!(!is_guid("my-identity"));
        assert_eq!(
            vault_environment("https://maverics-kv.vault.azure.net/"),
            Ok("PublicCloud")
        );
        assert_eq!(
            vault_environment("https://maverics-kv.vault.azure.cn"),
            Ok("ChinaCloud")
        );
        assert_eq!(
            vault_environment("https://kv1.vault.usgovcloudapi.net/"),
            Ok("USGovernmentCloud")
        );
        assert!(vault_environment("http://maverics-kv.vault.azure.net/").is_err());
        assert!(vault_environment("https://maverics-kv.vault.azure.com/").is_err());
        assert!(vault_environment("https://kv.vault.azure.net/").is_err());
        assert!(vault_environment("https://1kv-x.vault.azure.net/").is_err());
        assert!(vault_environment("https://maverics-kv.vault.azure.net/secrets/x").is_err());
        assert!(
            vault_fix("https://maverics-kv.vaults.azure.net/")
                .starts_with("did you mean `https://maverics-kv.vault.azure.net/`?")
        );
        assert!(
            vault_fix("https://maverics-kv.vault.azure.com")
                .starts_with("did you mean `https://maverics-kv.vault.azure.cn/`?")
                || vault_fix("https://maverics-kv.vault.azure.com")
                    .starts_with("did you mean `https://maverics-kv.vault.azure.net/`?")
        );
        assert_eq!(vault_fix("https://maverics-kv.azure.net/"), VAULT_FIX);
        assert!(is_agc_id(
            "/subscriptions/0a1b2c3d-4e5f-6789-abcd-ef0123456789/resourceGroups/rg/providers/Microsoft.ServiceNetworking/trafficControllers/agc"
        ));
        assert!(!is_agc_id(
            "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/applicationGateways/a"
        ));
    }
}
