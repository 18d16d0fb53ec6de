//! Google Kubernetes Engine: a GKE Ingress (class annotation, never `ingressClassName`) with a
//! BackendConfig for cookie affinity, health check and draining, a FrontendConfig for the
//! HTTPS redirect and a ManagedCertificate, container-native load balancing (NEG); or an
//! HTTPRoute on a GKE Gateway with a GCPBackendPolicy and a HealthCheckPolicy. External
//! Secrets reads Google Secret Manager through Workload Identity Federation for GKE on a
//! ServiceAccount of its own. The NetworkPolicy admits Google's health-check and proxy ranges
//! (Dataplane V2 enforces it) and the DNS GKE runs. Sources: docs/gke.md.

use super::eks::{lengthen_drain, reader_name, spread_zones, strip_null_namespace};
use super::found::name;
use super::json::ensure_map;
use super::planner::Planner;
use super::trust::{Identity, Scheme};
use crate::diag::Diagnostic;
use crate::k8s::identity::GKE_SERVICE_ACCOUNT;
use crate::k8s::kinds::{
    BACKEND_CONFIG, FRONTEND_CONFIG, GCP_BACKEND_POLICY, GKE_HEALTH_CHECK_POLICY, HTTP_ROUTE, MANAGED_CERTIFICATE,
    SECRET_STORE,
};
use crate::k8s::labels::{GKE_BACKEND_CONFIG, INGRESS_CLASS};
use crate::platform::config::{
    GcpSecretStore, Gke, GkeDisk, GkeIngressClass, GkeMode, GkeNetworkPolicy, HEALTH_CHECK_RANGES,
};
use crate::resources::NODE_LOCAL_DNS;
use crate::resources::WHY_PREFIX;
use crate::resources::service::PORT_NAME;
use k8s_openapi::Resource;
use k8s_openapi::api::core::v1::{Service, ServiceAccount};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::api::storage::v1::StorageClass;
use serde_json::{Value as Json, json};

pub const NEG_ANNOTATION: &str = "cloud.google.com/neg";
pub const APP_PROTOCOLS_ANNOTATION: &str = "cloud.google.com/app-protocols";
/// Cloud DNS for GKE answers pods through the metadata server's address (port 53 only here).
pub const CLOUD_DNS: &str = "169.254.169.254/32";
/// The health check's cadence: Google's default of 5 s interval and 2 failures, and a first
/// success marks a new pod ready.
const CHECK_INTERVAL: u32 = 5;
const CHECK_TIMEOUT: u32 = 3;
const HEALTHY: u32 = 1;
const UNHEALTHY: u32 = 2;

pub fn plan(p: &mut Planner) {
    let Some(gke) = p.cfg.spec.gke.clone() else { return };
    match gke.mode {
        GkeMode::Ingress => ingress_mode(p, &gke),
        GkeMode::Gateway => gateway_mode(p, &gke),
    }
    super::misfits::replaced_ingress(p, &gke.hosts, "spec.gke.hosts");
    lengthen_drain(
        p,
        gke.backend.draining_timeout_seconds,
        "spec.gke.backend.drainingTimeoutSeconds",
    );
    spread_zones(p, gke.topology_spread.when_unsatisfiable.clone());
    storage(p, &gke);
    network_policy(p, &gke);
    if let Some(store) = &gke.secret_store {
        secret_store(p, &gke, store);
    }
}

/// Name, namespace and labels of an object the layer adds next to the orchestrator.
fn meta(p: &Planner, name: String) -> Json {
    let mut m = serde_json::Map::new();
    m.insert("name".into(), Json::String(name));
    if let Some(ns) = p.found.namespace() {
        m.insert("namespace".into(), Json::String(ns));
    }
    m.insert("labels".into(), p.found.labels());
    Json::Object(m)
}

/// The orchestrator container's HTTP port: the health check probes the pod there (NEG
/// endpoints are pod IPs and container ports).
fn pod_port(p: &Planner) -> u64 {
    p.found
        .sts()
        .pointer(&format!("/spec/template/spec/containers/{}/ports", p.found.container))
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .find(|port| port.get("name").and_then(Json::as_str) == Some(PORT_NAME))
        .and_then(|port| port.get("containerPort"))
        .and_then(Json::as_u64)
        .unwrap_or(8080)
}

fn service_port(p: &Planner) -> u64 {
    p.found
        .svc()
        .pointer("/spec/ports")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .find(|port| port.get("name").and_then(Json::as_str) == Some(PORT_NAME))
        .and_then(|port| port.get("port"))
        .and_then(Json::as_u64)
        .unwrap_or(80)
}

fn ingress_mode(p: &mut Planner, gke: &Gke) {
    let base = p.found.base_name();
    let i = &gke.ingress;
    let b = &gke.backend;
    let protocol = if p.found.serves_tls { "HTTPS" } else { "HTTP" };
    let port = pod_port(p);
    p.put(json!({
        "apiVersion": BACKEND_CONFIG.api_version,
        "kind": BACKEND_CONFIG.kind,
        "metadata": meta(p, base.clone()),
        "spec": {
            "timeoutSec": b.timeout_seconds,
            "connectionDraining": {"drainingTimeoutSec": b.draining_timeout_seconds},
            "sessionAffinity": {
                "affinityType": b.session_affinity.as_str(),
                "affinityCookieTtlSec": b.affinity_cookie_ttl_seconds,
            },
            "healthCheck": {
                "type": protocol,
                "requestPath": p.found.facts.health_path,
                "port": port,
                "checkIntervalSec": CHECK_INTERVAL,
                "timeoutSec": CHECK_TIMEOUT,
                "healthyThreshold": HEALTHY,
                "unhealthyThreshold": UNHEALTHY,
            },
        },
    }));
    let mut annotations = serde_json::Map::new();
    annotations.insert(INGRESS_CLASS.into(), i.class.as_str().into());
    if i.https_redirect || i.ssl_policy.is_some() {
        let mut spec = serde_json::Map::new();
        if let Some(s) = &i.ssl_policy {
            spec.insert("sslPolicy".into(), Json::String(s.clone()));
        }
        if i.https_redirect {
            spec.insert(
                "redirectToHttps".into(),
                json!({"enabled": true, "responseCodeName": "MOVED_PERMANENTLY_DEFAULT"}),
            );
        }
        p.put(json!({
            "apiVersion": FRONTEND_CONFIG.api_version,
            "kind": FRONTEND_CONFIG.kind,
            "metadata": meta(p, base.clone()),
            "spec": spec,
        }));
        annotations.insert(
            "networking.gke.io/v1beta1.FrontendConfig".into(),
            Json::String(base.clone()),
        );
    }
    if !i.https_redirect {
        annotations.insert("kubernetes.io/ingress.allow-http".into(), "false".into());
    } else if i.class == GkeIngressClass::GceInternal {
        p.report(
            Diagnostic::warning(
                "the FrontendConfig HTTPS redirect on a `gce-internal` Ingress is not verified against Google's documentation, and field reports say an internal load balancer serves HTTP and HTTPS on one address only when it is reserved with purpose SHARED_LOADBALANCER_VIP",
            )
            .field("spec.gke.ingress.httpsRedirect")
            .fix("set `httpsRedirect: false` to serve HTTPS only, or reserve the address with `--purpose=SHARED_LOADBALANCER_VIP` and name it in `staticIpName`"),
        );
    }
    if i.managed_certificate {
        p.put(json!({
            "apiVersion": MANAGED_CERTIFICATE.api_version,
            "kind": MANAGED_CERTIFICATE.kind,
            "metadata": meta(p, base.clone()),
            "spec": {"domains": gke.hosts},
        }));
        annotations.insert(
            "networking.gke.io/managed-certificates".into(),
            Json::String(base.clone()),
        );
    }
    if !i.pre_shared_certificates.is_empty() {
        annotations.insert(
            "ingress.gcp.kubernetes.io/pre-shared-cert".into(),
            Json::String(i.pre_shared_certificates.join(",")),
        );
    }
    if let Some(ip) = &i.static_ip_name {
        let key = match i.class {
            GkeIngressClass::Gce => "kubernetes.io/ingress.global-static-ip-name",
            GkeIngressClass::GceInternal => "kubernetes.io/ingress.regional-static-ip-name",
        };
        annotations.insert(key.into(), Json::String(ip.clone()));
    }
    let svc_name = p.found.base_name();
    let rules: Vec<Json> = gke
        .hosts
        .iter()
        .map(|h| {
            json!({"host": h, "http": {"paths": [{
                "path": "/",
                "pathType": "Prefix",
                "backend": {"service": {"name": svc_name, "port": {"name": PORT_NAME}}},
            }]}})
        })
        .collect();
    let mut metadata = meta(p, svc_name.clone());
    if let Some(m) = metadata.as_object_mut() {
        m.insert("annotations".into(), Json::Object(annotations));
    }
    // GKE takes an Ingress only through the class annotation: one that sets
    // `spec.ingressClassName` is ignored, so the base's Ingress is replaced, not patched.
    if let Some(existing) = p.found.ingress
        && name(p.found.object(existing)) != svc_name
    {
        p.delete(existing);
    }
    p.put(json!({
        "apiVersion": Ingress::API_VERSION,
        "kind": Ingress::KIND,
        "metadata": metadata,
        "spec": {"rules": rules},
    }));
    let svc = p.found.service;
    let tls = p.found.serves_tls;
    if let Some(ann) = ensure_map(p.edit(svc), &["metadata", "annotations"]) {
        // Container-native load balancing: the load balancer sends to pod IPs (NEG), so cookie
        // affinity reaches the pod, and the readiness gate GKE adds holds a rollout until the
        // new pod is healthy in the load balancer.
        ann.insert(NEG_ANNOTATION.into(), r#"{"ingress":true}"#.into());
        ann.insert(
            GKE_BACKEND_CONFIG.into(),
            Json::String(format!(r#"{{"default":"{base}"}}"#)),
        );
        if tls {
            ann.insert(
                APP_PROTOCOLS_ANNOTATION.into(),
                Json::String(format!(r#"{{"{PORT_NAME}":"HTTPS"}}"#)),
            );
        }
    }
}

fn gateway_mode(p: &mut Planner, gke: &Gke) {
    let Some(gw) = &gke.gateway else { return };
    let base = p.found.base_name();
    let b = &gke.backend;
    let target = json!({"group": Service::GROUP, "kind": Service::KIND, "name": base});
    if let Some(existing) = p.found.ingress {
        p.delete(existing);
    }
    let mut parent = serde_json::Map::new();
    parent.insert("name".into(), Json::String(gw.name.clone()));
    if let Some(ns) = &gw.namespace {
        parent.insert("namespace".into(), Json::String(ns.clone()));
    }
    if let Some(s) = &gw.section_name {
        parent.insert("sectionName".into(), Json::String(s.clone()));
    }
    // HTTPRoute sessionPersistence is experimental-channel only, which GKE does not run: the
    // affinity lives in the GCPBackendPolicy on the Service.
    p.put(json!({
        "apiVersion": HTTP_ROUTE.api_version,
        "kind": HTTP_ROUTE.kind,
        "metadata": meta(p, base.clone()),
        "spec": {
            "parentRefs": [parent],
            "hostnames": gke.hosts,
            "rules": [{
                "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                "backendRefs": [{"name": base, "port": service_port(p)}],
            }],
        },
    }));
    p.put(json!({
        "apiVersion": GCP_BACKEND_POLICY.api_version,
        "kind": GCP_BACKEND_POLICY.kind,
        "metadata": meta(p, base.clone()),
        "spec": {
            "targetRef": target,
            "default": {
                "timeoutSec": b.timeout_seconds,
                "connectionDraining": {"drainingTimeoutSec": b.draining_timeout_seconds},
                "sessionAffinity": {"type": b.session_affinity.as_str(), "cookieTtlSec": b.affinity_cookie_ttl_seconds},
            },
        },
    }));
    let (kind, key) = if p.found.serves_tls {
        ("HTTPS", "httpsHealthCheck")
    } else {
        ("HTTP", "httpHealthCheck")
    };
    let mut config = serde_json::Map::new();
    config.insert("type".into(), kind.into());
    config.insert(
        key.into(),
        json!({"portSpecification": "USE_FIXED_PORT", "port": pod_port(p), "requestPath": p.found.facts.health_path}),
    );
    p.put(json!({
        "apiVersion": GKE_HEALTH_CHECK_POLICY.api_version,
        "kind": GKE_HEALTH_CHECK_POLICY.kind,
        "metadata": meta(p, base.clone()),
        "spec": {
            "targetRef": target,
            "default": {
                "checkIntervalSec": CHECK_INTERVAL,
                "timeoutSec": CHECK_TIMEOUT,
                "healthyThreshold": HEALTHY,
                "unhealthyThreshold": UNHEALTHY,
                "config": config,
            },
        },
    }));
}

fn storage(p: &mut Planner, gke: &Gke) {
    let class = match (&gke.storage.storage_class_name, gke.storage.r#type) {
        (Some(c), _) => c.clone(),
        (None, GkeDisk::Premium) => "premium-rwo".into(),
        (None, GkeDisk::Balanced) => "standard-rwo".into(),
        (None, GkeDisk::Regional) => format!("{}-regional-pd", p.found.base_name()),
    };
    let has_claims = p
        .found
        .sts()
        .pointer("/spec/volumeClaimTemplates")
        .and_then(Json::as_array)
        .is_some_and(|v| !v.is_empty());
    if has_claims {
        let sts = p.edit(p.found.statefulset);
        for claim in sts
            .pointer_mut("/spec/volumeClaimTemplates")
            .and_then(Json::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(spec) = ensure_map(claim, &["spec"]) {
                spec.insert("storageClassName".into(), Json::String(class.clone()));
            }
        }
    }
    if gke.storage.r#type == GkeDisk::Regional {
        p.put(json!({
            "apiVersion": StorageClass::API_VERSION,
            "kind": StorageClass::KIND,
            "metadata": {"name": class, "labels": p.found.labels()},
            "provisioner": "pd.csi.storage.gke.io",
            // The second zone is picked next to the first, where the pod is scheduled.
            "volumeBindingMode": "WaitForFirstConsumer",
            "allowVolumeExpansion": true,
            "reclaimPolicy": "Retain",
            "parameters": {"type": "pd-balanced", "replication-type": "regional-pd"},
        }));
    }
}

fn ip_blocks<'a>(cidrs: impl IntoIterator<Item = &'a str>) -> Vec<Json> {
    cidrs.into_iter().map(|c| json!({"ipBlock": {"cidr": c}})).collect()
}

/// Whether an egress rule is the base's DNS rule (to kube-dns).
fn dns_rule(rule: &Json) -> bool {
    rule.get("to").and_then(Json::as_array).is_some_and(|to| {
        to.iter()
            .any(|peer| peer.pointer("/podSelector/matchLabels/k8s-app").and_then(Json::as_str) == Some("kube-dns"))
    })
}

fn network_policy(p: &mut Planner, gke: &Gke) {
    let Some(i) = p.found.network_policy else { return };
    let np_cfg: &GkeNetworkPolicy = &gke.network_policy;
    let mut sources: Vec<&str> = HEALTH_CHECK_RANGES.to_vec();
    if gke.regional() {
        sources.extend(np_cfg.proxy_only_subnet_cidrs.iter().map(String::as_str));
    }
    let np = p.edit(i);
    super::planner::admit_sources(np, &ip_blocks(sources));
    let mut dns_extra = Vec::new();
    if np_cfg.node_local_dns_cache {
        dns_extra.push(NODE_LOCAL_DNS);
    }
    if np_cfg.cloud_dns {
        dns_extra.push(CLOUD_DNS);
    }
    let mut dns_at = None;
    if let Some(rules) = np.pointer_mut("/spec/egress").and_then(Json::as_array_mut)
        && let Some((n, rule)) = rules.iter_mut().enumerate().find(|(_, r)| dns_rule(r))
        && let Some(to) = rule.get_mut("to").and_then(Json::as_array_mut)
    {
        for peer in ip_blocks(dns_extra.iter().copied()) {
            if !to.contains(&peer) {
                to.push(peer);
            }
        }
        dns_at = Some(n);
    }
    let regional = if gke.regional() {
        " and the proxy-only subnet of spec.gke.networkPolicy.proxyOnlySubnetCidrs (Envoy-based load balancers)"
    } else {
        ""
    };
    if let Some(ann) = ensure_map(np, &["metadata", "annotations"]) {
        ann.insert(
            format!("{WHY_PREFIX}ingress-0"),
            Json::String(format!(
                "the GKE load balancer's health checks and proxies reach the pods directly (NEG) from Google's ranges 35.191.0.0/16 and 130.211.0.0/22{regional}"
            )),
        );
        if let Some(n) = dns_at {
            ann.insert(
                format!("{WHY_PREFIX}egress-{n}"),
                "DNS: the orchestrator resolves identity providers, upstream apps and caches by name, through kube-dns in kube-system, NodeLocal DNSCache (169.254.20.10) or Cloud DNS for GKE (169.254.169.254), port 53 only".into(),
            );
        }
    }
}

/// A SecretStore for Google Secret Manager that authenticates as a ServiceAccount of its own
/// (Workload Identity Federation for GKE); the ExternalSecret is pointed at it. The
/// orchestrator's pods need no label and no annotation.
fn secret_store(p: &mut Planner, gke: &Gke, cfg: &GcpSecretStore) {
    let base = p.found.base_name();
    let reader = reader_name(p);
    let mut reader_labels = p.found.labels();
    if let Some(l) = reader_labels.as_object_mut() {
        l.insert("app.kubernetes.io/component".into(), "secrets-reader".into());
    }
    let mut sa_meta = meta(p, reader.clone());
    if let Some(m) = sa_meta.as_object_mut() {
        m.insert("labels".into(), reader_labels);
        if let Some(gsa) = &cfg.gcp_service_account {
            m.insert("annotations".into(), json!({ GKE_SERVICE_ACCOUNT: gsa }));
        }
    }
    p.put(strip_null_namespace(json!({
        "apiVersion": ServiceAccount::API_VERSION,
        "kind": ServiceAccount::KIND,
        "metadata": sa_meta,
        // Only External Secrets uses this account, through the TokenRequest API.
        "automountServiceAccountToken": false,
    })));
    // ESO's clusterProjectID() falls back to `gcpsm.projectID`, the secrets' project: with
    // secrets in another project it would ask for that project's pool. Always name the
    // cluster's, the pool the trust report below gives.
    let pool = cfg.cluster_project_id.clone().unwrap_or_else(|| gke.project_id.clone());
    let mut wi = serde_json::Map::new();
    for (k, v) in [
        ("clusterLocation", &cfg.cluster_location),
        ("clusterName", &cfg.cluster_name),
    ] {
        if let Some(v) = v {
            wi.insert(k.into(), Json::String(v.clone()));
        }
    }
    wi.insert("clusterProjectID".into(), Json::String(pool.clone()));
    wi.insert("serviceAccountRef".into(), json!({"name": reader}));
    let store = format!("{base}-gcp-secret-manager");
    p.put(json!({
        "apiVersion": SECRET_STORE.api_version,
        "kind": SECRET_STORE.kind,
        "metadata": meta(p, store.clone()),
        "spec": {"provider": {"gcpsm": {
            "projectID": cfg.project_id.clone().unwrap_or_else(|| gke.project_id.clone()),
            "auth": {"workloadIdentity": wi},
        }}},
    }));
    p.use_store(store, "spec.gke.secretStore");
    let secrets_project = cfg.project_id.clone().unwrap_or_else(|| gke.project_id.clone());
    let (scheme, id) = match &cfg.gcp_service_account {
        Some(gsa) => (
            Scheme {
                holder: "Google service account",
                subject: Box::new(move |ns, sa| format!("serviceAccount:{pool}.svc.id.goog[{ns}/{sa}]")),
                how: |s| {
                    format!(
                        "grant `roles/iam.workloadIdentityUser` on it to `{s}` (`gcloud iam service-accounts add-iam-policy-binding <that account> --role=roles/iam.workloadIdentityUser --member=\"{s}\"`), and `roles/secretmanager.secretAccessor` on the secrets to the Google service account"
                    )
                },
            },
            Identity {
                field: "spec.gke.secretStore.gcpServiceAccount".into(),
                cloud_identity: gsa.clone(),
                purpose: "External Secrets reads Google Secret Manager with it".into(),
                service_account: reader,
            },
        ),
        None => {
            let number = gke.project_number.clone().unwrap_or_default();
            (
                Scheme {
                    holder: "Google Secret Manager of project",
                    subject: Box::new(move |ns, sa| {
                        format!(
                            "principal://iam.googleapis.com/projects/{number}/locations/global/workloadIdentityPools/{pool}.svc.id.goog/subject/ns/{ns}/sa/{sa}"
                        )
                    }),
                    how: |s| {
                        format!(
                            "grant `roles/secretmanager.secretAccessor` on the orchestrator's secrets to the member `{s}` (Workload Identity Federation for GKE, direct form)"
                        )
                    },
                },
                Identity {
                    field: "spec.gke.secretStore".into(),
                    cloud_identity: secrets_project,
                    purpose: "External Secrets reads its secrets as the Kubernetes ServiceAccount itself".into(),
                    service_account: reader,
                },
            )
        }
    };
    p.trust(&scheme, &[id]);
}
