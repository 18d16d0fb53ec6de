//! Amazon EKS: an AWS Load Balancer Controller Ingress with sticky sessions, IRSA only where
//! AWS is called, a least-privilege SecretStore, rollout safety behind the ALB, encrypted
//! gp3 volumes and the NetworkPolicy flavour the cluster enforces.

mod network;

use super::crd::{self, Meta};
use super::found::{name, namespace};
use super::json::{ensure_map, to_json};
use super::planner::Planner;
use super::trust::{self, Identity};
use crate::config::drain;
use crate::diag::Diagnostic;
use crate::k8s::alb;
use crate::k8s::identity::IRSA_ROLE_ARN;
use crate::platform::config::{AlbIngress, AwsIdentity, Eks, SecretStore, StickinessType};
use crate::resources::service::PORT_NAME;
use k8s_openapi::Resource;
use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule, IngressServiceBackend, IngressSpec,
    ServiceBackendPort,
};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;

pub const READINESS_GATE_LABEL: &str = "elbv2.k8s.aws/pod-readiness-gate-inject";
const ALB: &str = "alb.ingress.kubernetes.io/";

pub fn plan(p: &mut Planner) {
    let Some(eks) = p.cfg.spec.eks.clone() else { return };
    ingress(p, &eks.ingress);
    let identity = identity(p, &eks);
    if let Some(store) = &eks.secret_store {
        secret_store(p, store);
    }
    rollout(p, &eks);
    storage(p, &eks);
    network::network_policy(p, &eks, identity);
    trust(p, &eks);
}

/// The IRSA trust each role of the layer needs, for the ServiceAccounts in this stream.
fn trust(p: &mut Planner, eks: &Eks) {
    let mut ids = Vec::new();
    if let Some(store) = &eks.secret_store {
        ids.push(reader_identity(p, "spec.eks.secretStore.roleArn", store));
    }
    if let Some(arn) = &eks.orchestrator_role_arn {
        ids.push(Identity {
            field: "spec.eks.orchestratorRoleArn".into(),
            cloud_identity: arn.clone(),
            purpose: "the orchestrator calls AWS with it, e.g. its AWS Secrets Manager provider".into(),
            service_account: p.found.service_account_name(),
        });
    }
    p.trust(&trust::irsa(), &ids);
}

/// The secrets reader's ServiceAccount as the cloud identity of `field`.
pub fn reader_identity(p: &Planner, field: &str, store: &SecretStore) -> Identity {
    Identity {
        field: field.into(),
        cloud_identity: store.role_arn.clone(),
        purpose: "External Secrets reads AWS Secrets Manager with it".into(),
        service_account: reader_name(p),
    }
}

/// The ServiceAccount External Secrets authenticates as: the orchestrator's name (with any
/// prefix the stream gave it) and a suffix.
pub fn reader_name(p: &Planner) -> String {
    format!("{}-secrets-reader", p.found.base_name())
}

/// The orchestrator's own AWS identity: the IRSA annotation, or nothing on the ServiceAccount
/// for Pod Identity (the association lives in the EKS API) and for none.
fn identity(p: &mut Planner, eks: &Eks) -> AwsIdentity {
    let annotated = p
        .found
        .service_account
        .and_then(|i| p.found.object(i).pointer("/metadata/annotations"))
        .and_then(|a| a.get(IRSA_ROLE_ARN))
        .is_some();
    let identity = eks.identity(annotated);
    match identity {
        AwsIdentity::Irsa => match (&eks.orchestrator_role_arn, p.found.service_account) {
            (Some(arn), Some(i)) => {
                if let Some(ann) = ensure_map(p.edit(i), &["metadata", "annotations"]) {
                    ann.insert(IRSA_ROLE_ARN.into(), Json::String(arn.clone()));
                }
            }
            (None, _) if !annotated => p.report(
                Diagnostic::error("`identity: irsa` needs the role the orchestrator's ServiceAccount assumes")
                    .field("spec.eks.orchestratorRoleArn")
                    .fix("set `orchestratorRoleArn: arn:aws:iam::<account>:role/<name>`, or choose `identity: podIdentity` or `none`"),
            ),
            _ => {}
        },
        AwsIdentity::PodIdentity | AwsIdentity::None if annotated => p.report(
            Diagnostic::warning(format!(
                "the base's ServiceAccount carries `{IRSA_ROLE_ARN}`, but `identity` is not `irsa`: the AWS SDK would still use that role"
            ))
            .field("spec.eks.identity")
            .fix("remove the annotation from the base's spec.serviceAccount.annotations, or set `identity: irsa`"),
        ),
        _ => {}
    }
    identity
}

fn ingress(p: &mut Planner, cfg: &AlbIngress) {
    let svc = p.found.svc().clone();
    let svc_name = name(&svc).to_owned();
    let tls = p.found.serves_tls;
    let protocol = if tls { "HTTPS" } else { "HTTP" };
    let duration = cfg.stickiness.duration_seconds.to_string();
    let cookie = p.found.facts.session_cookie.clone();
    let mut tg: Vec<(&str, &str)> = vec![("stickiness.enabled", "true")];
    match cfg.stickiness.r#type {
        StickinessType::AppCookie => {
            if cookie.starts_with("AWSALB") {
                p.report(
                    Diagnostic::error(format!(
                        "the orchestrator's session cookie `{cookie}` uses a name the ALB reserves (AWSALB, AWSALBAPP, AWSALBTG)"
                    ))
                    .field("spec.eks.ingress.stickiness.type")
                    .fix("rename `session.cookie.name` in the base's spec.config, or use `type: lbCookie`"),
                );
            }
            tg.extend([
                ("stickiness.type", "app_cookie"),
                ("stickiness.app_cookie.cookie_name", cookie.as_str()),
                ("stickiness.app_cookie.duration_seconds", duration.as_str()),
            ]);
        }
        StickinessType::LbCookie => tg.extend([
            ("stickiness.type", "lb_cookie"),
            ("stickiness.lb_cookie.duration_seconds", duration.as_str()),
        ]),
    }
    let deregistration = cfg.deregistration_delay_seconds.to_string();
    tg.push(("deregistration_delay.timeout_seconds", deregistration.as_str()));
    let idle = cfg.idle_timeout_seconds.to_string();
    let (target_group_attributes, lb_attributes) = match (
        alb::attributes(&tg),
        alb::attributes(&[("idle_timeout.timeout_seconds", idle.as_str())]),
    ) {
        (Ok(t), Ok(l)) => (t, l),
        (Err(why), _) | (_, Err(why)) => {
            // The session cookie comes from the base's config (or a patch of it).
            p.report(
                    Diagnostic::error(format!("the ALB's target group attributes: {why}"))
                        .field("spec.config.session.cookie.name")
                        .fix("name the session cookie with an RFC 6265 token, e.g. `maverics_session`, or use `spec.eks.ingress.stickiness.type: lbCookie`"),
                );
            return;
        }
    };
    let listen_ports = serde_json::to_string(&json!([{"HTTP": 80}, {"HTTPS": 443}])).unwrap_or_default();
    let mut ann: BTreeMap<String, String> = [
        ("scheme", cfg.scheme.as_str().to_owned()),
        // `ip` sends traffic straight to pod IPs: required for stickiness, and what the
        // VPC-CIDR NetworkPolicy rule and pod readiness gates rely on.
        ("target-type", "ip".to_owned()),
        ("listen-ports", listen_ports),
        ("certificate-arn", cfg.certificate_arns.join(",")),
        ("ssl-redirect", "443".to_owned()),
        ("ssl-policy", cfg.ssl_policy.clone()),
        ("backend-protocol", protocol.to_owned()),
        ("healthcheck-protocol", protocol.to_owned()),
        ("healthcheck-path", p.found.facts.health_path.clone()),
        ("success-codes", "200".to_owned()),
        ("target-group-attributes", target_group_attributes),
        ("load-balancer-attributes", lb_attributes),
    ]
    .into_iter()
    .map(|(k, v)| (format!("{ALB}{k}"), v))
    .collect();
    if let Some(g) = &cfg.group_name {
        ann.insert(format!("{ALB}group.name"), g.clone());
    }
    if p.found.namespace_object.is_none() {
        ann.insert(
            "krm.maverics.dev/pod-readiness-gate".into(),
            format!(
                "label namespace {} with {READINESS_GATE_LABEL}=enabled so a rollout waits until the ALB sends traffic to each new pod",
                p.found.namespace().unwrap_or_else(|| "<namespace>".into())
            ),
        );
    }
    let backend = IngressBackend {
        service: Some(IngressServiceBackend {
            name: svc_name.clone(),
            port: Some(ServiceBackendPort {
                name: Some(PORT_NAME.into()),
                number: None,
            }),
        }),
        resource: None,
    };
    let rules = cfg
        .hosts
        .iter()
        .map(|h| IngressRule {
            host: Some(h.clone()),
            http: Some(HTTPIngressRuleValue {
                paths: vec![HTTPIngressPath {
                    path: Some("/".into()),
                    path_type: "Prefix".into(),
                    backend: backend.clone(),
                }],
            }),
        })
        .collect();
    let labels: BTreeMap<String, String> = serde_json::from_value(p.found.labels()).unwrap_or_default();
    let ingress = Ingress {
        metadata: ObjectMeta {
            name: Some(svc_name),
            namespace: namespace(&svc).map(str::to_owned),
            labels: Some(labels),
            annotations: Some(ann),
            ..Default::default()
        },
        spec: Some(IngressSpec {
            ingress_class_name: Some("alb".into()),
            rules: Some(rules),
            ..Default::default()
        }),
        status: None,
    };
    let mut obj = match to_json(&ingress) {
        Ok(o) => o,
        Err(d) => return p.report(d),
    };
    if let Some(m) = obj.as_object_mut() {
        m.insert("apiVersion".into(), Ingress::API_VERSION.into());
        m.insert("kind".into(), Ingress::KIND.into());
        m.shift_remove("status");
    }
    // k8s-openapi writes apiVersion/kind first when serialising a typed object; keep that.
    let obj = reorder_head(obj);
    p.put(obj);
}

/// apiVersion, kind, metadata, then the rest: the order kubectl and kustomize print.
fn reorder_head(obj: Json) -> Json {
    let Json::Object(mut m) = obj else { return obj };
    let mut out = serde_json::Map::new();
    for k in ["apiVersion", "kind", "metadata"] {
        if let Some(v) = m.shift_remove(k) {
            out.insert(k.into(), v);
        }
    }
    out.extend(m);
    Json::Object(out)
}

/// A SecretStore for AWS Secrets Manager that authenticates as a ServiceAccount of its own
/// with its own role: the orchestrator pod holds no Secrets Manager rights. The
/// ExternalSecret is pointed at it.
pub fn secret_store(p: &mut Planner, cfg: &SecretStore) {
    let base = p.found.base_name();
    let ns = p.found.namespace();
    let labels = p.found.labels();
    let mut reader_labels = labels.clone();
    if let Some(l) = reader_labels.as_object_mut() {
        l.insert("app.kubernetes.io/component".into(), "secrets-reader".into());
    }
    let reader = reader_name(p);
    let store = format!("{base}-aws-secrets-manager");
    let sa = json!({
        "apiVersion": ServiceAccount::API_VERSION,
        "kind": ServiceAccount::KIND,
        "metadata": {
            "name": reader,
            "namespace": ns,
            "labels": reader_labels,
            "annotations": { IRSA_ROLE_ARN: cfg.role_arn },
        },
        // Only External Secrets uses this account, through the TokenRequest API; no pod
        // mounts its token.
        "automountServiceAccountToken": false,
    });
    let sa = strip_null_namespace(sa);
    p.put(sa);
    let ss = crd::SecretStore {
        api_version: crate::k8s::kinds::SECRET_STORE.api_version,
        kind: crate::k8s::kinds::SECRET_STORE.kind,
        metadata: Meta {
            name: store.clone(),
            namespace: ns,
            labels,
            annotations: BTreeMap::new(),
        },
        spec: crd::SecretStoreSpec {
            provider: crd::Provider {
                aws: crd::AwsProvider {
                    service: "SecretsManager",
                    region: cfg.region.clone(),
                    auth: crd::AwsAuth {
                        jwt: crd::Jwt {
                            service_account_ref: crd::ServiceAccountRef { name: reader },
                        },
                    },
                },
            },
        },
    };
    p.put(&ss);
    p.use_store(store, "the secretStore setting");
}

pub fn strip_null_namespace(mut obj: Json) -> Json {
    if let Some(m) = obj.get_mut("metadata").and_then(Json::as_object_mut)
        && m.get("namespace").is_some_and(Json::is_null)
    {
        m.shift_remove("namespace");
    }
    obj
}

/// Rolling updates behind an ALB: the pod keeps serving for the deregistration delay after
/// it is marked for termination (the ALB still sends it requests until deregistration
/// completes), and the grace period outlasts that delay.
fn rollout(p: &mut Planner, eks: &Eks) {
    lengthen_drain(
        p,
        eks.ingress.deregistration_delay_seconds,
        "spec.eks.ingress.deregistrationDelaySeconds",
    );
    spread_zones(p, eks.topology_spread.when_unsatisfiable.clone());
}

/// One zone spread constraint on the pods (`ScheduleAnyway` unless `when` says otherwise);
/// the one already there is updated, not doubled.
pub fn spread_zones(p: &mut Planner, when: Option<String>) {
    let sts = p.edit(p.found.statefulset);
    if let Some(pod) = sts.pointer_mut("/spec/template/spec").and_then(Json::as_object_mut) {
        let zone = "topology.kubernetes.io/zone";
        let when = when.unwrap_or_else(|| "ScheduleAnyway".into());
        let selector = json!({"matchLabels": p_selector(pod)});
        let list = pod
            .entry("topologySpreadConstraints")
            .or_insert_with(|| Json::Array(Vec::new()));
        if let Some(list) = list.as_array_mut() {
            match list
                .iter_mut()
                .find(|t| t.get("topologyKey").and_then(Json::as_str) == Some(zone))
            {
                Some(t) => {
                    if let Some(t) = t.as_object_mut() {
                        t.insert("whenUnsatisfiable".into(), Json::String(when));
                    }
                }
                None => list.push(json!({
                    "maxSkew": 1,
                    "topologyKey": zone,
                    "whenUnsatisfiable": when,
                    "labelSelector": selector,
                })),
            }
        }
    }
}

/// The pod's selector labels (name + instance) as the template carries them.
fn p_selector(pod: &serde_json::Map<String, Json>) -> Json {
    // The template's own labels are not in the pod spec; the anti-affinity term holds the
    // selector the generator wrote.
    pod.get("affinity")
        .and_then(|a| a.pointer("/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/0/podAffinityTerm/labelSelector/matchLabels"))
        .cloned()
        .unwrap_or_else(|| json!({}))
}

fn storage(p: &mut Planner, eks: &Eks) {
    let class = eks
        .storage
        .storage_class_name
        .clone()
        .unwrap_or_else(|| format!("{}-gp3-encrypted", p.found.base_name()));
    claims_use(p, &class);
    if eks.storage.create_storage_class {
        let mut params = serde_json::Map::new();
        params.insert("type".into(), "gp3".into());
        params.insert("encrypted".into(), "true".into());
        if let Some(k) = &eks.storage.kms_key_arn {
            params.insert("kmsKeyId".into(), Json::String(k.clone()));
        }
        params.insert("csi.storage.k8s.io/fstype".into(), "ext4".into());
        p.put(json!({
            "apiVersion": StorageClass::API_VERSION,
            "kind": StorageClass::KIND,
            "metadata": {"name": class, "labels": p.found.labels()},
            "provisioner": "ebs.csi.aws.com",
            // EBS volumes live in one zone: bind where the pod is scheduled.
            "volumeBindingMode": "WaitForFirstConsumer",
            "allowVolumeExpansion": true,
            // The orchestrator's state volume is worth keeping when a claim is deleted by mistake.
            "reclaimPolicy": "Retain",
            "parameters": params,
        }));
    }
    if let Some(i) = p.found.namespace_object
        && let Some(labels) = ensure_map(p.edit(i), &["metadata", "labels"])
    {
        labels.insert(READINESS_GATE_LABEL.into(), "enabled".into());
    }
}

/// The StatefulSet's volumeClaimTemplates (spec.persistence in the base) use `class`.
pub fn claims_use(p: &mut Planner, class: &str) {
    let has_claims = p
        .found
        .sts()
        .pointer("/spec/volumeClaimTemplates")
        .and_then(Json::as_array)
        .is_some_and(|v| !v.is_empty());
    if has_claims {
        let sts = p.edit(p.found.statefulset);
        if let Some(claims) = sts
            .pointer_mut("/spec/volumeClaimTemplates")
            .and_then(Json::as_array_mut)
        {
            for claim in claims {
                if let Some(spec) = ensure_map(claim, &["spec"]) {
                    spec.insert("storageClassName".into(), Json::String(class.to_owned()));
                }
            }
        }
    }
}

/// The orchestrator container's preStop drain made at least `seconds` long (a longer one in the
/// stream stays), in the form the target version runs, with the grace period above it. The
/// version is the base's `spec.kubernetesVersion`, read from the StatefulSet's
/// `krm.maverics.dev/kubernetes-version` annotation (a StatefulSet without it: the default).
pub fn lengthen_drain(p: &mut Planner, seconds: u32, field: &str) {
    if seconds == 0 {
        return;
    }
    let c = p.found.container;
    let sts = p.edit(p.found.statefulset);
    let version = sts
        .pointer(&format!(
            "/metadata/annotations/{}",
            drain::VERSION_ANNOTATION.replace('/', "~1")
        ))
        .and_then(Json::as_str)
        .unwrap_or(drain::DEFAULT_KUBERNETES_VERSION)
        .to_owned();
    let Some(container) = sts
        .pointer_mut(&format!("/spec/template/spec/containers/{c}"))
        .and_then(Json::as_object_mut)
    else {
        return;
    };
    let current = drain::seconds_of(&Json::Object(container.clone())).unwrap_or(0);
    let seconds = current.max(seconds);
    container.insert(
        "lifecycle".into(),
        serde_json::to_value(drain::lifecycle(&version, seconds)).unwrap_or(Json::Null),
    );
    if let Some(pod) = sts.pointer_mut("/spec/template/spec").and_then(Json::as_object_mut) {
        let grace = pod
            .get("terminationGracePeriodSeconds")
            .and_then(Json::as_i64)
            .unwrap_or(30);
        let needed = i64::from(seconds) + i64::from(drain::SHUTDOWN_SECONDS);
        pod.insert("terminationGracePeriodSeconds".into(), json!(grace.max(needed)));
    }
    if !drain::has_sleep_action(&version) {
        p.report(drain::exec_form_warning(&version, field));
    }
}
