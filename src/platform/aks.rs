//! Azure Kubernetes Service: an Ingress for Application Gateway for Containers (cookie
//! affinity in an `IngressExtension`, the probe in a `HealthCheckPolicy`) or for the
//! application routing add-on's NGINX, Microsoft Entra Workload ID only where Azure is
//! called, a Key Vault SecretStore of its own, Azure Disk storage, zone spread, and a
//! NetworkPolicy for Azure CNI powered by Cilium. Sources: docs/aks.md.

use super::eks::{claims_use, lengthen_drain, spread_zones, strip_null_namespace};
use super::found::{name, namespace};
use super::json::ensure_map;
use super::planner::Planner;
use super::trust::{self, Identity, Scheme};
use crate::diag::Diagnostic;
use crate::k8s::identity::{AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_USE_LABEL};
use crate::k8s::kinds::{AGC_HEALTH_CHECK_POLICY, INGRESS_EXTENSION, SECRET_STORE};
use crate::k8s::labels::AGC_EXTENSION;
use crate::platform::config::{
    AffinityType, Aks, AksIngress, Controller, KeyVaultStore, WorkloadIdentity, vault_environment,
};
use crate::resources::WHY_PREFIX;
use crate::resources::service::PORT_NAME;
use k8s_openapi::Resource;
use k8s_openapi::api::core::v1::{Service, ServiceAccount};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::api::storage::v1::StorageClass;
use serde_json::{Value as Json, json};

pub const AGC_CLASS: &str = "azure-alb-external";
pub const NGINX_CLASS: &str = "webapprouting.kubernetes.azure.com";
/// The namespace of the application routing add-on's NGINX pods.
pub const NGINX_NAMESPACE: &str = "app-routing-system";
/// The audience Microsoft Entra accepts Kubernetes tokens for.
pub const AUDIENCE: &str = "api://AzureADTokenExchange";
const AGC: &str = "alb.networking.azure.io/";
const NGINX: &str = "nginx.ingress.kubernetes.io/";

pub fn plan(p: &mut Planner) {
    let Some(aks) = p.cfg.spec.aks.clone() else { return };
    ingress(p, &aks.ingress);
    super::misfits::replaced_ingress(p, &aks.ingress.hosts, "spec.aks.ingress.hosts");
    if let Some(id) = &aks.orchestrator_identity {
        orchestrator_identity(p, id);
    }
    if let Some(store) = &aks.secret_store {
        secret_store(p, store);
    }
    lengthen_drain(p, aks.ingress.drain_seconds, "spec.aks.ingress.drainSeconds");
    spread_zones(p, aks.topology_spread.when_unsatisfiable.clone());
    storage(p, &aks);
    network_policy(p, &aks);
    trust(p, &aks);
}

/// Microsoft Entra Workload ID: a federated credential on the managed identity for the
/// ServiceAccount's token.
fn scheme() -> Scheme {
    Scheme {
        holder: "managed identity (client ID)",
        subject: Box::new(trust::kubernetes_subject),
        how: |subject| {
            format!(
                "add a federated credential: `az identity federated-credential create --identity-name <identity> --resource-group <group> --name <name> --issuer \"$(az aks show -g <group> -n <cluster> --query oidcIssuerProfile.issuerUrl -o tsv)\" --subject {subject} --audience {AUDIENCE}` (the issuer is the cluster's OIDC issuer URL, https://<region>.oic.prod-aks.azure.com/<tenant>/<id>/)"
            )
        },
    }
}

fn trust(p: &mut Planner, aks: &Aks) {
    let mut ids = Vec::new();
    if let Some(store) = &aks.secret_store {
        ids.push(Identity {
            field: "spec.aks.secretStore.identity.clientId".into(),
            cloud_identity: store.identity.client_id.clone(),
            purpose: "External Secrets reads Azure Key Vault with it".into(),
            service_account: reader_name(p),
        });
    }
    if let Some(id) = &aks.orchestrator_identity {
        ids.push(Identity {
            field: "spec.aks.orchestratorIdentity.clientId".into(),
            cloud_identity: id.client_id.clone(),
            purpose: "the orchestrator reads Azure Key Vault with it through its native provider".into(),
            service_account: p.found.service_account_name(),
        });
    }
    p.trust(&scheme(), &ids);
}

fn reader_name(p: &Planner) -> String {
    format!("{}-secrets-reader", p.found.base_name())
}

fn identity_annotations(id: &WorkloadIdentity) -> serde_json::Map<String, Json> {
    let mut ann = serde_json::Map::new();
    ann.insert(AZURE_CLIENT_ID.into(), Json::String(id.client_id.clone()));
    if let Some(t) = &id.tenant_id {
        ann.insert(AZURE_TENANT_ID.into(), Json::String(t.clone()));
    }
    ann
}

/// The orchestrator's own Workload ID: the annotations on its ServiceAccount, and the label
/// that makes the webhook inject the token volume and AZURE_* variables into its pods.
fn orchestrator_identity(p: &mut Planner, id: &WorkloadIdentity) {
    match p.found.service_account {
        Some(i) => {
            if let Some(ann) = ensure_map(p.edit(i), &["metadata", "annotations"]) {
                ann.extend(identity_annotations(id));
            }
        }
        None => p.report(
            Diagnostic::error("`orchestratorIdentity` needs the orchestrator's ServiceAccount in the stream")
                .field("spec.aks.orchestratorIdentity")
                .fix(
                    "keep the base's generated ServiceAccount (spec.serviceAccount), or remove `orchestratorIdentity`",
                ),
        ),
    }
    let sts = p.edit(p.found.statefulset);
    if let Some(labels) = ensure_map(sts, &["spec", "template", "metadata", "labels"]) {
        labels.insert(AZURE_USE_LABEL.into(), "true".into());
    }
}

/// A SecretStore for Azure Key Vault that authenticates as a ServiceAccount of its own: ESO
/// mints that account's token itself, so no pod mounts it and no pod needs the `use` label.
fn secret_store(p: &mut Planner, cfg: &KeyVaultStore) {
    let base = p.found.base_name();
    let ns = p.found.namespace();
    let labels = p.found.labels();
    let mut reader_labels = labels.clone();
    if let Some(l) = reader_labels.as_object_mut() {
        l.insert("app.kubernetes.io/component".into(), "secrets-reader".into());
    }
    let reader = reader_name(p);
    let store = format!("{base}-azure-key-vault");
    p.put(strip_null_namespace(json!({
        "apiVersion": ServiceAccount::API_VERSION,
        "kind": ServiceAccount::KIND,
        "metadata": {
            "name": reader,
            "namespace": ns,
            "labels": reader_labels,
            "annotations": {AZURE_CLIENT_ID: cfg.identity.client_id},
        },
        "automountServiceAccountToken": false,
    })));
    // ESO mints the reader's token itself, so no webhook supplies a tenant: it goes in the
    // store, and only there (ESO refuses a tenant both in `tenantId` and on the account).
    let mut provider = json!({
        "authType": "WorkloadIdentity",
        "vaultUrl": cfg.vault_url,
        "tenantId": cfg.identity.tenant_id,
        "serviceAccountRef": {"name": reader},
    });
    if let Ok(env) = vault_environment(&cfg.vault_url)
        && env != "PublicCloud"
        && let Some(m) = provider.as_object_mut()
    {
        m.insert("environmentType".into(), env.into());
    }
    p.put(strip_null_namespace(json!({
        "apiVersion": SECRET_STORE.api_version,
        "kind": SECRET_STORE.kind,
        "metadata": {"name": store, "namespace": ns, "labels": labels},
        "spec": {"provider": {"azurekv": provider}},
    })));
    p.use_store(store, "`spec.aks.secretStore`");
}

fn ingress(p: &mut Planner, cfg: &AksIngress) {
    let svc = p.found.svc().clone();
    let svc_name = name(&svc).to_owned();
    let ns = namespace(&svc).map(str::to_owned);
    let tls = p.found.serves_tls;
    if cfg.session_affinity.cookie_name == p.found.facts.session_cookie {
        p.report(
            Diagnostic::error(format!(
                "the affinity cookie `{}` is the orchestrator's own session cookie: the load balancer would overwrite the session",
                cfg.session_affinity.cookie_name
            ))
            .field("spec.aks.ingress.sessionAffinity.cookieName")
            .fix("give the load balancer a cookie of its own, e.g. `maverics_affinity`"),
        );
        return;
    }
    let mut ann = serde_json::Map::new();
    let class = match cfg.controller {
        Controller::Agc => {
            match (&cfg.application_load_balancer, &cfg.alb_id, &cfg.frontend) {
                (Some(alb), _, _) => {
                    ann.insert(format!("{AGC}alb-name"), alb.name.clone().into());
                    ann.insert(format!("{AGC}alb-namespace"), alb.namespace.clone().into());
                }
                (None, Some(id), Some(fe)) => {
                    ann.insert(format!("{AGC}alb-id"), id.clone().into());
                    ann.insert(format!("{AGC}alb-frontend"), fe.clone().into());
                }
                // Refused by the config checks.
                _ => {}
            }
            ann.insert(AGC_EXTENSION.into(), svc_name.clone().into());
            agc_policies(p, cfg, &svc, tls);
            AGC_CLASS
        }
        Controller::AppRoutingNginx => {
            p.report(
                Diagnostic::warning(
                    "the application routing add-on's NGINX is deprecated: Microsoft patches it for critical security issues only through November 2026",
                )
                .field("spec.aks.ingress.controller")
                .fix("move to `controller: agc` (Application Gateway for Containers, documented cookie affinity)"),
            );
            let d = cfg.session_affinity.duration_seconds.to_string();
            for (k, v) in [
                ("affinity", "cookie"),
                // persistent: a scale-up does not move existing sessions to the new pods.
                ("affinity-mode", "persistent"),
                ("session-cookie-name", cfg.session_affinity.cookie_name.as_str()),
                ("session-cookie-max-age", d.as_str()),
            ] {
                ann.insert(format!("{NGINX}{k}"), v.into());
            }
            if tls {
                ann.insert(format!("{NGINX}backend-protocol"), "HTTPS".into());
            }
            NGINX_CLASS
        }
    };
    let backend = json!({"service": {"name": svc_name, "port": {"name": PORT_NAME}}});
    let rules: Vec<Json> = cfg
        .hosts
        .iter()
        .map(|h| json!({"host": h, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}))
        .collect();
    p.put(strip_null_namespace(json!({
        "apiVersion": Ingress::API_VERSION,
        "kind": Ingress::KIND,
        "metadata": {"name": svc_name, "namespace": ns, "labels": p.found.labels(), "annotations": ann},
        "spec": {
            "ingressClassName": class,
            "tls": [{"hosts": cfg.hosts, "secretName": cfg.tls_secret_name}],
            "rules": rules,
        },
    })));
}

/// AGC's cookie affinity (IngressExtension `backendSettings[].sessionAffinity`) and its probe
/// of the pod (HealthCheckPolicy on the Service): the health location, on the pod's port.
fn agc_policies(p: &mut Planner, cfg: &AksIngress, svc: &Json, tls: bool) {
    let svc_name = name(svc).to_owned();
    let ns = namespace(svc).map(str::to_owned);
    let s = &cfg.session_affinity;
    let affinity = match s.r#type {
        AffinityType::ManagedCookie => json!({"affinityType": "managed-cookie"}),
        AffinityType::ApplicationCookie => json!({
            "affinityType": "application-cookie",
            "cookieName": s.cookie_name,
            "cookieDuration": format!("{}s", s.duration_seconds),
        }),
    };
    let mut backend = json!({"service": svc_name, "sessionAffinity": affinity});
    if tls && let Some(m) = backend.as_object_mut() {
        m.insert("ports".into(), json!([{"name": PORT_NAME, "protocol": "HTTPS"}]));
    }
    let labels = p.found.labels();
    p.put(strip_null_namespace(json!({
        "apiVersion": INGRESS_EXTENSION.api_version,
        "kind": INGRESS_EXTENSION.kind,
        "metadata": {"name": svc_name, "namespace": ns, "labels": labels},
        "spec": {"backendSettings": [backend]},
    })));
    let port = p
        .found
        .sts()
        .pointer(&format!(
            "/spec/template/spec/containers/{}/ports/0/containerPort",
            p.found.container
        ))
        .and_then(Json::as_u64)
        .unwrap_or(8080);
    let mut target = json!({"group": Service::GROUP, "kind": Service::KIND, "name": svc_name});
    if let (Some(n), Some(m)) = (&ns, target.as_object_mut()) {
        m.insert("namespace".into(), n.clone().into());
    }
    p.put(strip_null_namespace(json!({
        "apiVersion": AGC_HEALTH_CHECK_POLICY.api_version,
        "kind": AGC_HEALTH_CHECK_POLICY.kind,
        "metadata": {"name": svc_name, "namespace": ns, "labels": labels},
        "spec": {
            "targetRef": target,
            "default": {
                "interval": "5s",
                "timeout": "3s",
                "healthyThreshold": 1,
                "unhealthyThreshold": 3,
                "port": port,
                "http": {
                    "path": p.found.facts.health_path,
                    "match": {"statusCodes": [{"start": 200, "end": 299}]},
                },
                "useTLS": tls,
            },
        },
    })));
}

fn storage(p: &mut Planner, aks: &Aks) {
    let s = &aks.storage;
    if !s.zone_redundant {
        claims_use(p, "managed-csi-premium");
        return;
    }
    let class = s
        .storage_class_name
        .clone()
        .unwrap_or_else(|| format!("{}-premium-zrs", p.found.base_name()));
    claims_use(p, &class);
    if s.create_storage_class {
        p.put(json!({
            "apiVersion": StorageClass::API_VERSION,
            "kind": StorageClass::KIND,
            "metadata": {"name": class, "labels": p.found.labels()},
            "provisioner": "disk.csi.azure.com",
            "volumeBindingMode": "WaitForFirstConsumer",
            "allowVolumeExpansion": true,
            // The orchestrator's state volume is worth keeping when a claim is deleted by mistake.
            "reclaimPolicy": "Retain",
            "parameters": {"skuName": "Premium_ZRS"},
        }));
    }
}

fn network_policy(p: &mut Planner, aks: &Aks) {
    let Some(i) = p.found.network_policy else { return };
    let (peers, why): (Vec<Json>, &str) = match aks.ingress.controller {
        Controller::Agc => (
            aks.network_policy
                .agc_subnet_cidrs
                .iter()
                .map(|c| json!({"ipBlock": {"cidr": c}}))
                .collect(),
            "Application Gateway for Containers proxies to pod IPs from its delegated subnet (spec.aks.networkPolicy.agcSubnetCidrs)",
        ),
        Controller::AppRoutingNginx => (
            vec![json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": NGINX_NAMESPACE}}})],
            "the application routing add-on's NGINX pods in app-routing-system reach the orchestrator's HTTP port",
        ),
    };
    for (n, c) in aks.network_policy.agc_subnet_cidrs.iter().enumerate() {
        if c.ends_with("/0") {
            p.report(
                Diagnostic::warning(format!(
                    "`{c}` admits every address to the orchestrator's HTTP port, not only Application Gateway for Containers"
                ))
                .field(format!("spec.aks.networkPolicy.agcSubnetCidrs[{n}]"))
                .fix("list the subnet delegated to Microsoft.ServiceNetworking/trafficControllers (`az network vnet subnet show ... --query addressPrefix`), e.g. `10.225.0.0/24`"),
            );
        }
    }
    let local_dns = aks.network_policy.local_dns;
    let np = p.edit(i);
    super::planner::admit_sources(np, &peers);
    let mut notes = vec![(format!("{WHY_PREFIX}ingress-0"), why.to_owned())];
    if local_dns && let Some(rules) = np.pointer_mut("/spec/egress").and_then(Json::as_array_mut) {
        let rule = json!({"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]});
        let at = match rules.iter().position(|r| *r == rule) {
            Some(n) => n,
            None => {
                rules.push(rule);
                rules.len() - 1
            }
        };
        notes.push((
            format!("{WHY_PREFIX}egress-{at}"),
            "LocalDNS (spec.aks.networkPolicy.localDns) answers on 169.254.10.10/.11 on the node, which a NetworkPolicy peer cannot name under Cilium: DNS on port 53 to any address".into(),
        ));
    }
    if let Some(ann) = ensure_map(np, &["metadata", "annotations"]) {
        for (k, v) in notes {
            ann.insert(k, Json::String(v));
        }
    }
}
