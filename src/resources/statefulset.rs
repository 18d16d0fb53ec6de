//! The orchestrator workload. A StatefulSet, as the vendor requires: the orchestrator holds
//! sessions and tokens per instance, and stable identities keep a pod's volume (when
//! persistence arrives) and its DNS name across reschedules.

use super::service::PORT_NAME;
use super::{Ctx, configmap, externalsecret};
use crate::config::orchestrator::Termination;
use k8s_openapi::api::apps::v1::{
    RollingUpdateStatefulSetStrategy, StatefulSet, StatefulSetSpec, StatefulSetUpdateStrategy,
};
use k8s_openapi::api::core::v1::{
    Affinity, Capabilities, ConfigMapVolumeSource, Container, ContainerPort, EmptyDirVolumeSource, EnvVar,
    HTTPGetAction, PersistentVolumeClaim, PersistentVolumeClaimSpec, PodAffinityTerm, PodAntiAffinity,
    PodSecurityContext, PodSpec, PodTemplateSpec, Probe, ResourceRequirements, SeccompProfile, SecretVolumeSource,
    SecurityContext, TopologySpreadConstraint, Volume, VolumeMount, VolumeResourceRequirements,
    WeightedPodAffinityTerm,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

pub const CONTAINER: &str = "orchestrator";
/// Emitted only while `spec.image.digest` is unset: pinning the digest removes it.
pub const CHECKOV_SKIP_DIGEST: (&str, &str) = (
    "checkov.io/skip1",
    "CKV_K8S_43=The orchestrator image is private: push it to your registry and pin its digest with spec.image.digest or kustomize images[].digest",
);
/// Strata's chart pins this UID; it is above 10000 so it never maps to a host user.
pub const UID: i64 = 10001;
pub const TERMINATION_GRACE_SECONDS: i64 = 120;
const TMP_DIR: &str = "/tmp";
/// The volume claim template of `spec.persistence`.
pub const DATA_VOLUME: &str = "data";
const TLS_DIR: &str = "/etc/maverics/tls";

fn env(name: &str, value: impl Into<String>) -> EnvVar {
    EnvVar {
        name: name.into(),
        value: Some(value.into()),
        value_from: None,
    }
}

fn mount(name: &str, path: &str, read_only: bool) -> VolumeMount {
    VolumeMount {
        name: name.into(),
        mount_path: path.into(),
        read_only: Some(read_only),
        ..Default::default()
    }
}

fn probe(ctx: &Ctx, period: i32, failures: i32) -> Probe {
    let scheme = match ctx.o.spec.tls.termination {
        Termination::Pod => "HTTPS",
        Termination::Edge => "HTTP",
    };
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some(ctx.facts.health_path.clone()),
            port: IntOrString::String(PORT_NAME.into()),
            scheme: Some(scheme.into()),
            ..Default::default()
        }),
        period_seconds: Some(period),
        failure_threshold: Some(failures),
        timeout_seconds: Some(3),
        ..Default::default()
    }
}

fn resources(ctx: &Ctx) -> ResourceRequirements {
    let amounts = |a: &crate::config::orchestrator::ResourceAmounts| {
        let mut m = BTreeMap::new();
        if let Some(cpu) = &a.cpu {
            m.insert("cpu".to_owned(), K8sQuantity(cpu.0.clone()));
        }
        if let Some(mem) = &a.memory {
            m.insert("memory".to_owned(), K8sQuantity(mem.0.clone()));
        }
        (!m.is_empty()).then_some(m)
    };
    let r = &ctx.o.spec.resources;
    ResourceRequirements {
        requests: amounts(&r.requests),
        limits: amounts(&r.limits),
        ..Default::default()
    }
}

/// Environment, volumes and mounts follow from the config: what is mounted is exactly what
/// the orchestrator is told to read.
struct Wiring {
    env: Vec<EnvVar>,
    volumes: Vec<Volume>,
    mounts: Vec<VolumeMount>,
}

fn wiring(ctx: &Ctx) -> Wiring {
    let spec = &ctx.o.spec;
    let mut vars = vec![
        env("MAVERICS_HTTP_ADDRESS", format!("0.0.0.0:{}", spec.port)),
        env(
            "MAVERICS_CONFIG",
            format!("{}/{}", configmap::MOUNT_DIR, configmap::KEY),
        ),
        // The root filesystem is read-only; Go's os.TempDir and the supervisor's hand-off
        // socket need a writable directory.
        env("TMPDIR", TMP_DIR),
    ];
    let mut volumes = vec![
        Volume {
            name: "config".into(),
            config_map: Some(ConfigMapVolumeSource {
                name: ctx.names.config.clone(),
                ..Default::default()
            }),
            ..Default::default()
        },
        Volume {
            name: "tmp".into(),
            empty_dir: Some(EmptyDirVolumeSource {
                size_limit: Some(K8sQuantity("64Mi".into())),
                medium: None,
            }),
            ..Default::default()
        },
    ];
    let mut mounts = vec![
        mount("config", configmap::MOUNT_DIR, true),
        mount("tmp", TMP_DIR, false),
    ];
    if spec.persistence.enabled {
        mounts.push(mount(DATA_VOLUME, &spec.persistence.mount_path, false));
    }

    let mut tls_files = None;
    if let Some(secrets) = &spec.secrets {
        let files = externalsecret::files(secrets);
        let at = |f: &str| format!("{}/{f}", externalsecret::MOUNT_DIR);
        if files.contains(&externalsecret::SECRETS_FILE) {
            vars.push(env(
                "MAVERICS_SECRET_PROVIDER",
                format!("secretfile://{}", at(externalsecret::SECRETS_FILE)),
            ));
        }
        if files.contains(&externalsecret::LICENSE_FILE) {
            vars.push(env("MAVERICS_LICENSE", at(externalsecret::LICENSE_FILE)));
        }
        if files.contains(&externalsecret::TLS_CERT_FILE) {
            tls_files = Some((at(externalsecret::TLS_CERT_FILE), at(externalsecret::TLS_KEY_FILE)));
        }
        volumes.push(secret_volume("secrets", &ctx.names.secret));
        mounts.push(mount("secrets", externalsecret::MOUNT_DIR, true));
    }
    if let Some(name) = &spec.tls.secret_name {
        volumes.push(secret_volume("tls", name));
        mounts.push(mount("tls", TLS_DIR, true));
        tls_files = Some((format!("{TLS_DIR}/tls.crt"), format!("{TLS_DIR}/tls.key")));
    }
    if spec.tls.termination == Termination::Pod
        && let Some((cert, key)) = tls_files
    {
        vars.push(env("MAVERICS_TLS_SERVER_CERT_FILE", cert));
        vars.push(env("MAVERICS_TLS_SERVER_KEY_FILE", key));
    }
    Wiring {
        env: vars,
        volumes,
        mounts,
    }
}

fn secret_volume(name: &str, secret: &str) -> Volume {
    Volume {
        name: name.into(),
        secret: Some(SecretVolumeSource {
            secret_name: Some(secret.into()),
            // Owner and group read only; the group is the pod's fsGroup.
            default_mode: Some(0o440),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn container(ctx: &Ctx, env: Vec<EnvVar>, mounts: Vec<VolumeMount>) -> Container {
    let spec = &ctx.o.spec;
    Container {
        name: CONTAINER.into(),
        image: Some(spec.image.reference()),
        image_pull_policy: Some(spec.image.pull_policy.as_str().into()),
        ports: Some(vec![ContainerPort {
            name: Some(PORT_NAME.into()),
            container_port: i32::from(spec.port),
            protocol: Some("TCP".into()),
            ..Default::default()
        }]),
        env: Some(env),
        resources: Some(resources(ctx)),
        // Start-up may fetch remote config and secrets: up to 5 minutes before liveness
        // checks begin, without slowing detection of a hung pod afterwards.
        startup_probe: Some(probe(ctx, 5, 60)),
        readiness_probe: Some(probe(ctx, 10, 3)),
        liveness_probe: Some(probe(ctx, 30, 3)),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            privileged: Some(false),
            read_only_root_filesystem: Some(true),
            run_as_non_root: Some(true),
            run_as_user: Some(UID),
            run_as_group: Some(UID),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".into()]),
                add: None,
            }),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".into(),
                localhost_profile: None,
            }),
            ..Default::default()
        }),
        volume_mounts: Some(mounts),
        ..Default::default()
    }
}

/// Replicas prefer different nodes, and spread across zones when the cluster has them.
fn placement(ctx: &Ctx) -> (Affinity, Vec<TopologySpreadConstraint>) {
    let affinity = Affinity {
        pod_anti_affinity: Some(PodAntiAffinity {
            preferred_during_scheduling_ignored_during_execution: Some(vec![WeightedPodAffinityTerm {
                weight: 100,
                pod_affinity_term: PodAffinityTerm {
                    label_selector: Some(ctx.selector()),
                    topology_key: "kubernetes.io/hostname".into(),
                    ..Default::default()
                },
            }]),
            required_during_scheduling_ignored_during_execution: None,
        }),
        ..Default::default()
    };
    let spread = vec![TopologySpreadConstraint {
        max_skew: 1,
        topology_key: "topology.kubernetes.io/zone".into(),
        // Single-zone clusters must still schedule.
        when_unsatisfiable: "ScheduleAnyway".into(),
        label_selector: Some(ctx.selector()),
        ..Default::default()
    }];
    (affinity, spread)
}

pub fn build(ctx: &Ctx) -> StatefulSet {
    let spec = &ctx.o.spec;
    let Wiring { env, volumes, mounts } = wiring(ctx);
    let (affinity, spread) = placement(ctx);
    let pod_annotations = BTreeMap::from([
        ("checksum/config".to_owned(), configmap::checksum(ctx)),
        (
            "kubectl.kubernetes.io/default-container".to_owned(),
            CONTAINER.to_owned(),
        ),
    ]);
    let mut metadata = ctx.meta(&ctx.names.base);
    if let Some(s) = &spec.secrets
        && s.reload_on_change
    {
        // Stakater Reloader rolls the StatefulSet when this Secret changes: the orchestrator's
        // secretfile provider reads its file only at start-up.
        metadata.annotations.get_or_insert_with(BTreeMap::new).insert(
            "secret.reloader.stakater.com/reload".to_owned(),
            ctx.names.secret.clone(),
        );
    }
    if spec.image.digest.is_none() {
        // checkov's one accepted skip in the base. The image is private: each user pushes it
        // to their own registry, so only they can pin its digest.
        metadata
            .annotations
            .get_or_insert_with(BTreeMap::new)
            .insert(CHECKOV_SKIP_DIGEST.0.to_owned(), CHECKOV_SKIP_DIGEST.1.to_owned());
    }

    StatefulSet {
        metadata,
        spec: Some(StatefulSetSpec {
            // With autoscaling the HPA owns the count; a value here would make every GitOps
            // sync reset it.
            replicas: (!spec.autoscaling.enabled).then(|| i32::try_from(spec.replicas).unwrap_or(i32::MAX)),
            service_name: Some(ctx.names.headless.clone()),
            pod_management_policy: Some("Parallel".into()),
            update_strategy: Some(StatefulSetUpdateStrategy {
                type_: Some("RollingUpdate".into()),
                rolling_update: Some(RollingUpdateStatefulSetStrategy {
                    partition: Some(0),
                    max_unavailable: None,
                }),
            }),
            min_ready_seconds: Some(5),
            revision_history_limit: Some(10),
            selector: ctx.selector(),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(ctx.labels()),
                    annotations: Some(pod_annotations),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    service_account_name: Some(ctx.names.base.clone()),
                    automount_service_account_token: Some(false),
                    enable_service_links: Some(false),
                    security_context: Some(PodSecurityContext {
                        run_as_non_root: Some(true),
                        run_as_user: Some(UID),
                        run_as_group: Some(UID),
                        fs_group: Some(UID),
                        seccomp_profile: Some(SeccompProfile {
                            type_: "RuntimeDefault".into(),
                            localhost_profile: None,
                        }),
                        ..Default::default()
                    }),
                    termination_grace_period_seconds: Some(TERMINATION_GRACE_SECONDS),
                    affinity: Some(affinity),
                    topology_spread_constraints: Some(spread),
                    containers: vec![container(ctx, env, mounts)],
                    volumes: Some(volumes),
                    ..Default::default()
                }),
            },
            volume_claim_templates: claims(ctx),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// One ReadWriteOnce volume per pod when `spec.persistence` asks for it; a StatefulSet keeps
/// each pod's claim across reschedules.
fn claims(ctx: &Ctx) -> Option<Vec<PersistentVolumeClaim>> {
    let p = &ctx.o.spec.persistence;
    p.enabled.then(|| {
        vec![PersistentVolumeClaim {
            metadata: ObjectMeta {
                name: Some(DATA_VOLUME.into()),
                labels: Some(ctx.selector_labels()),
                ..Default::default()
            },
            spec: Some(PersistentVolumeClaimSpec {
                access_modes: Some(vec!["ReadWriteOnce".into()]),
                storage_class_name: p.storage_class_name.clone(),
                resources: Some(VolumeResourceRequirements {
                    requests: Some(BTreeMap::from([("storage".to_owned(), K8sQuantity(p.size.0.clone()))])),
                    limits: None,
                }),
                ..Default::default()
            }),
            status: None,
        }]
    })
}
