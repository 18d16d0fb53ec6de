//! The orchestrator workload. A StatefulSet, as the vendor requires: the orchestrator holds
//! sessions and tokens per instance, and stable identities keep a pod's volume (when
//! persistence arrives) and its DNS name across reschedules.

use super::pod_parts::{config_map_volume, env, mount, secret_env, secret_volume};
use super::service::{self, PORT_NAME};
use super::{Inputs, configmap, externalsecret};
use crate::config::drain;
use crate::config::orchestrator::Termination;
use crate::config::workload::{
    CLUSTER_ENV_PREFIX, NodeSpread, POD_NAMESPACE_ENV, POD_SERVICE_ACCOUNT_ENV, Reload, UpdateStrategy,
};
use k8s_openapi::api::apps::v1::{
    RollingUpdateStatefulSetStrategy, StatefulSet, StatefulSetSpec, StatefulSetUpdateStrategy,
};
use k8s_openapi::api::core::v1::{
    Affinity, Capabilities, Container, ContainerPort, DownwardAPIProjection, DownwardAPIVolumeFile,
    EmptyDirVolumeSource, EnvVar, EnvVarSource, HTTPGetAction, LocalObjectReference, ObjectFieldSelector,
    PersistentVolumeClaim, PersistentVolumeClaimSpec, PodAffinityTerm, PodAntiAffinity, PodSecurityContext, PodSpec,
    PodTemplateSpec, Probe, ProjectedVolumeSource, ResourceRequirements, SeccompProfile, SecurityContext,
    TopologySpreadConstraint, Volume, VolumeMount, VolumeProjection, VolumeResourceRequirements,
    WeightedPodAffinityTerm,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

/// The name of the orchestrator's container in the pod.
pub const CONTAINER: &str = "orchestrator";
/// Emitted only while `spec.image.digest` is unset: pinning the digest removes it.
pub const CHECKOV_SKIP_DIGEST: (&str, &str) = (
    "checkov.io/skip1",
    "CKV_K8S_43=The orchestrator image is private: push it to your registry and pin its digest with spec.image.digest or kustomize images[].digest",
);
/// Strata's chart pins this UID; it is above 10000 so it never maps to a host user.
pub const UID: i64 = 10001;
/// The pod's `terminationGracePeriodSeconds` when `spec.pod.terminationGracePeriodSeconds` is unset, as in Strata's chart.
pub const TERMINATION_GRACE_SECONDS: i64 = 120;
const TMP_DIR: &str = "/tmp";
/// The volume claim template of `spec.persistence`.
pub const DATA_VOLUME: &str = "data";
const TLS_DIR: &str = "/etc/maverics/tls";
const CLUSTERS_TLS_DIR: &str = "/etc/maverics/clusters/tls";
const MACHINE_ID: &str = "/etc/machine-id";

fn probe(inputs: &Inputs, period: i32, failures: i32) -> Probe {
    let scheme = match inputs.config.spec.tls.termination {
        Termination::Pod => "HTTPS",
        Termination::Edge => "HTTP",
    };
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some(inputs.facts.health_path.clone()),
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

fn resources(inputs: &Inputs) -> ResourceRequirements {
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
    let r = &inputs.config.spec.resources;
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

fn wiring(inputs: &Inputs) -> Wiring {
    let spec = &inputs.config.spec;
    let source = &spec.config_source;
    let mut vars = vec![env("MAVERICS_HTTP_ADDRESS", format!("0.0.0.0:{}", spec.port))];
    let mut volumes = Vec::new();
    let mut mounts = Vec::new();
    if let Some(bundle) = &source.bundle {
        // The Console's signed bundle: the key to verify it always, the bundle itself when it
        // is local (otherwise a remote source variable fetches it).
        let at = |f: &str| format!("{}/{f}", configmap::BUNDLE_DIR);
        vars.push(env("MAVERICS_BUNDLE_PUBLIC_KEY_FILE", at(configmap::BUNDLE_KEY_FILE)));
        if bundle.local() {
            vars.push(env("MAVERICS_CONFIG", at(configmap::BUNDLE_FILE)));
        }
        let name = bundle
            .existing_config_map
            .clone()
            .unwrap_or_else(|| configmap::bundle_name(inputs));
        volumes.push(config_map_volume("bundle", &name));
        mounts.push(mount("bundle", configmap::BUNDLE_DIR, true));
    } else {
        let (name, key) = match &source.config_map {
            Some(existing) => (existing.name.clone(), existing.key.as_str()),
            None => (inputs.names.config.clone(), configmap::KEY),
        };
        vars.push(env("MAVERICS_CONFIG", format!("{}/{key}", configmap::MOUNT_DIR)));
        volumes.push(config_map_volume("config", &name));
        mounts.push(mount("config", configmap::MOUNT_DIR, true));
    }
    // The root filesystem is read-only; Go's os.TempDir and the supervisor's hand-off
    // socket need a writable directory.
    vars.push(env("TMPDIR", TMP_DIR));
    volumes.push(Volume {
        name: "tmp".into(),
        empty_dir: Some(EmptyDirVolumeSource {
            size_limit: Some(K8sQuantity("64Mi".into())),
            medium: None,
        }),
        ..Default::default()
    });
    mounts.push(mount("tmp", TMP_DIR, false));
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
        volumes.push(secret_volume("secrets", &inputs.names.secret));
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
    if source.reload.enabled {
        reload(&source.reload, &mut vars, &mut volumes, &mut mounts);
    }
    if spec.clustering.enabled {
        clustering(inputs, &mut vars, &mut volumes, &mut mounts);
    }
    extras(inputs, &mut vars, &mut volumes, &mut mounts);
    Wiring {
        env: vars,
        volumes,
        mounts,
    }
}

/// Zero-downtime reload: the supervisor polls its source and hands the listening socket to
/// a new child. The hand-off needs the writable TMPDIR (always mounted) and a machine id that
/// survives restarts: the pod name, stable and unique per replica in a StatefulSet (the pod
/// UID changes whenever the pod is recreated).
fn reload(r: &Reload, vars: &mut Vec<EnvVar>, volumes: &mut Vec<Volume>, mounts: &mut Vec<VolumeMount>) {
    vars.push(env("MAVERICS_RELOAD_CONFIG", "true"));
    if let Some(s) = r.polling_interval_seconds {
        vars.push(env("MAVERICS_POLLING_INTERVAL_SECONDS", s.to_string()));
    }
    volumes.push(Volume {
        name: "machine-id".into(),
        projected: Some(ProjectedVolumeSource {
            sources: Some(vec![VolumeProjection {
                downward_api: Some(DownwardAPIProjection {
                    items: Some(vec![DownwardAPIVolumeFile {
                        path: "machine-id".into(),
                        field_ref: Some(ObjectFieldSelector {
                            field_path: "metadata.name".into(),
                            api_version: None,
                        }),
                        ..Default::default()
                    }]),
                }),
                ..Default::default()
            }]),
            default_mode: Some(0o444),
        }),
        ..Default::default()
    });
    mounts.push(VolumeMount {
        sub_path: Some("machine-id".into()),
        ..mount("machine-id", MACHINE_ID, true)
    });
}

/// Experimental clustering, wired as Strata's chart does: the listen addresses, the SRV
/// record of the `-clusters` Service for discovery, the pre-shared key from the
/// ExternalSecret, and a writable directory for the node key.
fn clustering(inputs: &Inputs, vars: &mut Vec<EnvVar>, volumes: &mut Vec<Volume>, mounts: &mut Vec<VolumeMount>) {
    let p = CLUSTER_ENV_PREFIX;
    // Declared first: the kubelet expands `$(VAR)` only from variables defined earlier.
    for (name, path) in [
        (POD_NAMESPACE_ENV, "metadata.namespace"),
        (POD_SERVICE_ACCOUNT_ENV, "spec.serviceAccountName"),
    ] {
        vars.push(EnvVar {
            name: name.into(),
            value: None,
            value_from: Some(EnvVarSource {
                field_ref: Some(ObjectFieldSelector {
                    field_path: path.into(),
                    api_version: None,
                }),
                ..Default::default()
            }),
        });
    }
    vars.push(env(&format!("{p}NAME"), service::cluster_name(inputs)));
    vars.push(env(
        &format!("{p}MEMBERSHIP_ADDR"),
        format!("/ip4/0.0.0.0/tcp/{}", service::MEMBERSHIP_PORT),
    ));
    vars.push(env(
        &format!("{p}MEMBERSHIP_SRV_RECORD"),
        service::membership_srv_record(inputs),
    ));
    vars.push(env(
        &format!("{p}DATA_ADDR"),
        format!("/ip4/0.0.0.0/tcp/{}", service::DATA_PORT),
    ));
    vars.push(secret_env(
        &format!("{p}SECURITY_PSK"),
        &inputs.names.secret,
        externalsecret::CLUSTERS_PSK_FILE,
    ));
    vars.push(env(
        &format!("{p}NODE_KEY_FILE"),
        format!("{CLUSTERS_TLS_DIR}/primary-key"),
    ));
    volumes.push(Volume {
        name: "clusters-tls".into(),
        empty_dir: Some(EmptyDirVolumeSource {
            size_limit: Some(K8sQuantity("1Mi".into())),
            medium: None,
        }),
        ..Default::default()
    });
    mounts.push(mount("clusters-tls", CLUSTERS_TLS_DIR, false));
}

/// The user's own variables and volumes, after the generated ones: plain values (sorted by
/// name, so output is stable), non-secret references, secret values from the ExternalSecret,
/// then extra mounts and secret files mounted at their own paths.
fn extras(inputs: &Inputs, vars: &mut Vec<EnvVar>, volumes: &mut Vec<Volume>, mounts: &mut Vec<VolumeMount>) {
    let spec = &inputs.config.spec;
    for (name, value) in &spec.env {
        vars.push(env(name, value.clone()));
    }
    for (name, from) in &spec.env_value_from {
        vars.push(EnvVar {
            name: name.clone(),
            value: None,
            value_from: Some(from.clone()),
        });
    }
    if let Some(secrets) = &spec.secrets {
        for e in &secrets.env {
            vars.push(secret_env(
                &e.name,
                &inputs.names.secret,
                &externalsecret::env_file(&e.name),
            ));
        }
        for f in secrets.files.iter() {
            if let Some(path) = &f.path {
                mounts.push(VolumeMount {
                    sub_path: Some(f.name.clone()),
                    ..mount("secrets", path, true)
                });
            }
        }
    }
    for m in &spec.mounts {
        volumes.push(Volume {
            name: m.name.clone(),
            config_map: m.config_map.clone(),
            empty_dir: m.empty_dir.clone(),
            persistent_volume_claim: m.persistent_volume_claim.clone(),
            ..Default::default()
        });
        mounts.push(VolumeMount {
            sub_path: m.sub_path.clone(),
            ..mount(&m.name, &m.mount_path, m.read_only)
        });
    }
}

fn container(inputs: &Inputs, env: Vec<EnvVar>, mounts: Vec<VolumeMount>) -> Container {
    let spec = &inputs.config.spec;
    Container {
        name: CONTAINER.into(),
        image: Some(spec.image.reference()),
        image_pull_policy: Some(spec.image.pull_policy.as_str().into()),
        ports: Some(ports(inputs)),
        env: Some(env),
        resources: Some(resources(inputs)),
        // Start-up may fetch remote config and secrets: up to 5 minutes before liveness
        // checks begin, without slowing detection of a hung pod afterwards.
        startup_probe: Some(spec.probes.startup.clone().unwrap_or_else(|| probe(inputs, 5, 60))),
        readiness_probe: Some(spec.probes.readiness.clone().unwrap_or_else(|| probe(inputs, 10, 3))),
        liveness_probe: Some(spec.probes.liveness.clone().unwrap_or_else(|| probe(inputs, 30, 3))),
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
        lifecycle: (inputs.config.drain_seconds() > 0)
            .then(|| drain::lifecycle(&spec.kubernetes_version, inputs.config.drain_seconds())),
        ..Default::default()
    }
}

fn ports(inputs: &Inputs) -> Vec<ContainerPort> {
    let port = |name: &str, n: u16, protocol: &str| ContainerPort {
        name: Some(name.into()),
        container_port: i32::from(n),
        protocol: Some(protocol.into()),
        ..Default::default()
    };
    let mut ports = vec![port(PORT_NAME, inputs.config.spec.port, "TCP")];
    if inputs.config.spec.clustering.enabled {
        ports.extend(
            service::cluster_ports()
                .into_iter()
                .map(|(name, n, proto)| port(name, n, proto)),
        );
    }
    ports
}

/// Replicas on different nodes (preferred or required, per `spec.pod.spread.nodes`) and
/// spread across zones when the cluster has them. The user's affinity is merged in: their
/// node and pod affinity are kept, and their `podAntiAffinity`, when given, replaces ours.
fn placement(inputs: &Inputs) -> (Affinity, Vec<TopologySpreadConstraint>) {
    let pod = &inputs.config.spec.pod;
    let term = PodAffinityTerm {
        label_selector: Some(inputs.selector()),
        topology_key: "kubernetes.io/hostname".into(),
        ..Default::default()
    };
    let anti = match pod.spread.nodes {
        NodeSpread::Preferred => PodAntiAffinity {
            preferred_during_scheduling_ignored_during_execution: Some(vec![WeightedPodAffinityTerm {
                weight: 100,
                pod_affinity_term: term,
            }]),
            required_during_scheduling_ignored_during_execution: None,
        },
        NodeSpread::Required => PodAntiAffinity {
            preferred_during_scheduling_ignored_during_execution: None,
            required_during_scheduling_ignored_during_execution: Some(vec![term]),
        },
    };
    let mut affinity = pod.affinity.clone().unwrap_or_default();
    if affinity.pod_anti_affinity.is_none() {
        affinity.pod_anti_affinity = Some(anti);
    }
    let spread = vec![TopologySpreadConstraint {
        max_skew: 1,
        topology_key: "topology.kubernetes.io/zone".into(),
        // Single-zone clusters must still schedule.
        when_unsatisfiable: "ScheduleAnyway".into(),
        label_selector: Some(inputs.selector()),
        ..Default::default()
    }];
    (affinity, spread)
}

/// Stakater Reloader's list of Secrets whose change rolls the StatefulSet, comma-separated.
pub const RELOADER_ANNOTATION: &str = "secret.reloader.stakater.com/reload";

/// Builds the orchestrator's StatefulSet (pod template, volumes, placement) from the config.
pub fn build(inputs: &Inputs) -> StatefulSet {
    let spec = &inputs.config.spec;
    let Wiring { env, volumes, mounts } = wiring(inputs);
    let (affinity, spread) = placement(inputs);
    let pod = &spec.pod;
    // The user's pod annotations and labels first, so the generated ones (config checksum,
    // selector labels) always win.
    let mut pod_annotations = pod.annotations.clone();
    pod_annotations.extend([
        ("checksum/config".to_owned(), configmap::checksum(inputs)),
        (
            "kubectl.kubernetes.io/default-container".to_owned(),
            CONTAINER.to_owned(),
        ),
    ]);
    let mut pod_labels = pod.labels.clone();
    pod_labels.extend(inputs.labels());
    let update = pod.update_strategy.unwrap_or(UpdateStrategy::RollingUpdate);
    let mut metadata = inputs.meta(&inputs.names.base);
    let reload = crate::config::workload_checks::reload_secrets(inputs.config);
    if !reload.is_empty() {
        // Stakater Reloader rolls the StatefulSet when one of these Secrets changes: the
        // orchestrator reads its secret file and certificate only at start-up.
        metadata
            .annotations
            .get_or_insert_with(BTreeMap::new)
            .insert(RELOADER_ANNOTATION.to_owned(), reload.join(","));
    }
    // The platform layers run on the rendered stream: this is how they learn the version.
    metadata
        .annotations
        .get_or_insert_with(BTreeMap::new)
        .insert(drain::VERSION_ANNOTATION.to_owned(), spec.kubernetes_version.clone());
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
            service_name: Some(inputs.names.headless.clone()),
            pod_management_policy: Some("Parallel".into()),
            update_strategy: Some(StatefulSetUpdateStrategy {
                type_: Some(update.as_str().into()),
                rolling_update: (update == UpdateStrategy::RollingUpdate).then_some(RollingUpdateStatefulSetStrategy {
                    partition: Some(0),
                    max_unavailable: None,
                }),
            }),
            min_ready_seconds: Some(5),
            revision_history_limit: Some(10),
            selector: inputs.selector(),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels),
                    annotations: Some(pod_annotations),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    service_account_name: Some(inputs.names.base.clone()),
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
                    termination_grace_period_seconds: Some(
                        pod.termination_grace_period_seconds
                            .unwrap_or(TERMINATION_GRACE_SECONDS),
                    ),
                    affinity: Some(affinity),
                    topology_spread_constraints: Some(spread),
                    image_pull_secrets: (!pod.image_pull_secrets.is_empty()).then(|| {
                        pod.image_pull_secrets
                            .iter()
                            .map(|n| LocalObjectReference { name: n.clone() })
                            .collect()
                    }),
                    node_selector: (!pod.node_selector.is_empty()).then(|| pod.node_selector.clone()),
                    tolerations: (!pod.tolerations.is_empty()).then(|| pod.tolerations.clone()),
                    priority_class_name: pod.priority_class_name.clone(),
                    containers: vec![container(inputs, env, mounts)],
                    volumes: Some(volumes),
                    ..Default::default()
                }),
            },
            volume_claim_templates: claims(inputs),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// One ReadWriteOnce volume per pod when `spec.persistence` asks for it; a StatefulSet keeps
/// each pod's claim across reschedules.
fn claims(inputs: &Inputs) -> Option<Vec<PersistentVolumeClaim>> {
    let p = &inputs.config.spec.persistence;
    p.enabled.then(|| {
        vec![PersistentVolumeClaim {
            metadata: ObjectMeta {
                name: Some(DATA_VOLUME.into()),
                labels: Some(inputs.selector_labels()),
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
