//! The workload sections of the chart: name, image, scale and budgets, the security
//! contexts, the pod's placement and lifecycle, the probes.

use super::ctx::{Ctx, typed};
use super::values::{APP_VERSION, merge};
use k8s_openapi::api::core::v1::{Affinity, Probe, Toleration};
use serde_yaml::Value;

const CHART_NAME: &str = "orchestrator";
/// `metadata.name` longer than this breaks the StatefulSet's revision label.
const MAX_NAME: usize = crate::config::checks::MAX_NAME_LEN;

/// The chart's `orchestrator.fullname`: the override, else the release name, suffixed with
/// the chart name unless it already contains it.
pub(super) fn name(c: &mut Ctx, release: &str) {
    let full = if let Some(f) = c.v.nonempty("fullnameOverride") {
        c.r.mapped("fullnameOverride", "metadata.name");
        f.to_owned()
    } else {
        let n = c.v.nonempty("nameOverride").unwrap_or(CHART_NAME).to_owned();
        if c.v.has("nameOverride") {
            c.r.mapped("nameOverride", "metadata.name");
        }
        if release.contains(&n) {
            release.to_owned()
        } else {
            format!("{release}-{n}")
        }
    };
    let mut name: String = full.chars().take(MAX_NAME).collect();
    while name.ends_with('-') {
        name.pop();
    }
    if name.len() < full.trim_end_matches('-').len() {
        let key = if c.v.has("fullnameOverride") {
            "fullnameOverride"
        } else {
            "(release name)"
        };
        c.r.changed(
            key,
            "metadata.name",
            format!("`{full}` shortened to `{name}`: StatefulSet pod labels leave 52 characters for the name"),
        );
    }
    c.set("metadata.name", name.as_str());
    c.name = name;
}

pub(super) fn image(c: &mut Ctx) {
    let repo = c.v.nonempty("image.repository").unwrap_or("maverics").to_owned();
    if c.v.has("image.repository") {
        c.r.mapped("image.repository", "spec.image.repository");
    } else {
        c.r.mapped("image.repository (chart default `maverics`)", "spec.image.repository");
    }
    c.set("spec.image.repository", repo);
    let tag = c.v.nonempty("image.tag").unwrap_or(APP_VERSION).to_owned();
    if c.v.has("image.tag") {
        c.r.mapped("image.tag", "spec.image.tag");
    } else {
        c.r.mapped("image.tag (chart appVersion)", "spec.image.tag");
    }
    c.set("spec.image.tag", tag);
    let policy = c.v.nonempty("image.pullPolicy").unwrap_or("IfNotPresent").to_owned();
    if ["Always", "IfNotPresent", "Never"].contains(&policy.as_str()) {
        let key = if c.v.has("image.pullPolicy") {
            "image.pullPolicy"
        } else {
            "image.pullPolicy (chart default `IfNotPresent`)"
        };
        c.r.mapped(key, "spec.image.pullPolicy");
        c.set("spec.image.pullPolicy", policy);
    } else {
        c.r.not_mapped("image.pullPolicy", format!("`{policy}` is not a pull policy"));
    }
    if let Some(list) = c.v.nonempty_value("imagePullSecrets").and_then(Value::as_sequence) {
        let names: Vec<Value> = list
            .iter()
            .filter_map(|s| s.get("name").and_then(Value::as_str).or_else(|| s.as_str()))
            .map(Value::from)
            .collect();
        c.r.mapped("imagePullSecrets", "spec.pod.imagePullSecrets");
        c.set("spec.pod.imagePullSecrets", names);
    }
}

pub(super) fn scale(c: &mut Ctx) {
    let enabled = c.v.bool_or("autoscaling.enabled", false);
    c.r.mapped("autoscaling.enabled", "spec.autoscaling.enabled");
    c.set("spec.autoscaling.enabled", enabled);
    let replicas = c.v.u64_or("replicaCount", 1);
    if enabled {
        let min = c.v.u64_or("autoscaling.minReplicas", 3);
        let max = c.v.u64_or("autoscaling.maxReplicas", 10);
        let cpu = c.v.u64_or("autoscaling.targetCPUUtilizationPercentage", 80);
        c.set("spec.autoscaling.minReplicas", min);
        c.set("spec.autoscaling.maxReplicas", max);
        c.set("spec.autoscaling.targetCPUUtilizationPercentage", cpu);
        for k in ["minReplicas", "maxReplicas", "targetCPUUtilizationPercentage"] {
            c.r.mapped(&format!("autoscaling.{k}"), &format!("spec.autoscaling.{k}"));
        }
        if let Some(mem) =
            c.v.get("autoscaling.targetMemoryUtilizationPercentage")
                .and_then(Value::as_u64)
        {
            c.set("spec.autoscaling.targetMemoryUtilizationPercentage", mem);
            c.r.mapped(
                "autoscaling.targetMemoryUtilizationPercentage",
                "spec.autoscaling.targetMemoryUtilizationPercentage",
            );
        }
        c.r.changed(
            "autoscaling (scale-down behaviour)",
            "spec.autoscaling.scaleDown",
            "scale-down drops the sessions a pod holds: one pod per 5 minutes after 10 minutes of low load",
        );
        if c.v.has("replicaCount") {
            let _ = c.v.get("replicaCount");
            c.r.changed(
                "replicaCount",
                "spec.autoscaling",
                "with autoscaling on the HPA owns the count; the StatefulSet carries none, so a sync never resets it",
            );
        }
    } else {
        c.set("spec.replicas", replicas);
        c.r.mapped("replicaCount", "spec.replicas");
        // The autoscaling values are unused when it is off, as in the chart.
        let _ = c.v.get("autoscaling");
    }
    let pdb_set = c.v.has("podDisruptionBudget.enabled");
    if pdb_set {
        let on = c.v.bool_or("podDisruptionBudget.enabled", false);
        c.set("spec.podDisruptionBudget.enabled", on);
        c.r.mapped("podDisruptionBudget.enabled", "spec.podDisruptionBudget.enabled");
    } else {
        c.r.changed(
            "podDisruptionBudget.enabled (chart default `false`)",
            "spec.podDisruptionBudget.enabled",
            "unset: on whenever more than one replica can run, so node drains keep one serving",
        );
    }
    for k in ["maxUnavailable", "minAvailable"] {
        if let Some(x) =
            c.v.get(&format!("podDisruptionBudget.{k}"))
                .filter(|x| !x.is_null())
                .cloned()
        {
            c.set(&format!("spec.podDisruptionBudget.{k}"), x);
            c.r.mapped(
                &format!("podDisruptionBudget.{k}"),
                &format!("spec.podDisruptionBudget.{k}"),
            );
        }
    }
    match c.v.nonempty_value("resources").and_then(Value::as_mapping).cloned() {
        Some(res) => {
            for (which, amounts) in &res {
                let which = which.as_str().unwrap_or_default();
                let Some(amounts) = amounts.as_mapping().filter(|_| ["requests", "limits"].contains(&which)) else {
                    c.r.not_mapped(&format!("resources.{which}"), "only requests and limits have a home");
                    continue;
                };
                for (res, q) in amounts {
                    let res = res.as_str().unwrap_or_default();
                    if ["cpu", "memory"].contains(&res) {
                        c.set(&format!("spec.resources.{which}.{res}"), q.clone());
                        c.r.mapped(&format!("resources.{which}.{res}"), &format!("spec.resources.{which}.{res}"));
                    } else {
                        c.r.not_mapped(&format!("resources.{which}.{res}"), "only cpu and memory have a home");
                    }
                }
            }
        }
        None => c.r.changed(
            "resources (chart default `{}`)",
            "spec.resources",
            "requests 500m/256Mi and limits 1/512Mi: the HPA measures against the CPU request, and a pod without limits fails hardening checks",
        ),
    }
}

/// The chart's container security context, to tell a customised one from the default.
fn chart_security_context() -> Value {
    serde_yaml::from_str(
        "{capabilities: {drop: [ALL]}, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 10001}",
    )
    .unwrap_or_default()
}

pub(super) fn security(c: &mut Ctx) {
    const FIXED: &str = "the security context is fixed (non-root UID 10001, no capabilities, read-only root, RuntimeDefault seccomp); platform layers adapt it (ROSA lets OpenShift pick the UID)";
    if let Some(sc) = c.v.get("securityContext").cloned() {
        let default = chart_security_context();
        let mut effective = default.clone();
        merge(&mut effective, &sc);
        let mut without_uid = default.clone();
        if let Value::Mapping(m) = &mut without_uid {
            m.insert("runAsUser".into(), Value::Null);
        }
        if effective == default {
            c.r.changed(
                "securityContext",
                "(fixed)",
                "kept, and hardened further: runAsGroup, seccomp, privileged: false",
            );
        } else if effective == without_uid {
            c.r.changed(
                "securityContext.runAsUser",
                "the ROSA platform layer",
                "`null` lets OpenShift assign the UID: the base keeps 10001 and the ROSA layer (overlays/rosa) removes it",
            );
            c.r.platform = Some("rosa".into());
        } else {
            c.r.refused("securityContext", FIXED);
        }
    }
    if let Some(psc) = c.v.get("podSecurityContext").cloned() {
        let default: Value =
            serde_yaml::from_str("{seccompProfile: {type: RuntimeDefault}, runAsNonRoot: true}").unwrap_or_default();
        let mut effective = default.clone();
        merge(&mut effective, &psc);
        if effective == default {
            c.r.changed(
                "podSecurityContext",
                "(fixed)",
                "kept, and hardened further: runAsUser, runAsGroup, fsGroup 10001",
            );
        } else {
            c.r.refused("podSecurityContext", FIXED);
        }
    }
    if c.v.bool_or("hostNetwork", false) {
        c.r.refused(
            "hostNetwork",
            "host networking bypasses the NetworkPolicy, listens on every node interface and makes replicas on one node collide",
        );
    } else if c.v.has("hostNetwork") {
        c.r.mapped("hostNetwork", "spec.pod.hostNetwork (false)");
    }
}

pub(super) fn pod(c: &mut Ctx) {
    match c.v.nonempty("podManagementPolicy") {
        Some("Parallel") => c.r.mapped("podManagementPolicy", "(fixed: Parallel)"),
        Some(other) => {
            let other = other.to_owned();
            c.r.changed(
                "podManagementPolicy",
                "(fixed: Parallel)",
                format!("`{other}`: replicas are independent, so they start and stop in parallel"),
            );
        }
        None => {}
    }
    if let Some(u) = c.v.nonempty("updateStrategy").map(str::to_owned) {
        if u == "RollingUpdate" || u == "OnDelete" {
            c.set("spec.pod.updateStrategy", u);
            c.r.mapped("updateStrategy", "spec.pod.updateStrategy");
        } else {
            c.r.not_mapped("updateStrategy", format!("`{u}` is not a StatefulSet update strategy"));
        }
    }
    if let Some(p) = c.v.nonempty("priorityClassName").map(str::to_owned) {
        c.set("spec.pod.priorityClassName", p);
        c.r.mapped("priorityClassName", "spec.pod.priorityClassName");
    }
    if let Some(a) =
        c.v.nonempty_value("podAnnotations")
            .and_then(Value::as_mapping)
            .cloned()
    {
        let mut a = a;
        if a.remove("checksum/config").is_some() {
            c.r.changed(
                "podAnnotations.checksum/config",
                "(generated)",
                "the generator computes it from the config",
            );
        }
        c.set("spec.pod.annotations", Value::Mapping(a));
        c.r.mapped("podAnnotations", "spec.pod.annotations");
    }
    if let Some(n) = c.v.nonempty_value("nodeSelector").cloned() {
        c.set("spec.pod.nodeSelector", n);
        c.r.mapped("nodeSelector", "spec.pod.nodeSelector");
    }
    if let Some(t) = c.v.nonempty_value("tolerations").cloned() {
        match typed::<Vec<Toleration>>(&t) {
            Ok(_) => {
                c.set("spec.pod.tolerations", t);
                c.r.mapped("tolerations", "spec.pod.tolerations");
            }
            Err(e) => c.r.not_mapped("tolerations", format!("not a list of tolerations: {e}")),
        }
    }
    match c.v.nonempty_value("affinity").cloned() {
        Some(a) => match typed::<Affinity>(&a) {
            Ok(_) => {
                c.set("spec.pod.affinity", a);
                c.r.mapped("affinity", "spec.pod.affinity");
            }
            Err(e) => c.r.not_mapped("affinity", format!("not an affinity: {e}")),
        },
        None if c.v.has("affinity") => c.r.changed(
            "affinity",
            "spec.pod.affinity (unset)",
            "`{}` keeps the default: replicas prefer different nodes",
        ),
        None => {}
    }
    if let Some(g) = c.v.get("terminationGracePeriod").and_then(Value::as_i64) {
        c.set("spec.pod.terminationGracePeriodSeconds", g);
        c.r.mapped("terminationGracePeriod", "spec.pod.terminationGracePeriodSeconds");
    }
}

pub(super) fn probes(c: &mut Ctx) {
    for (which, default) in [
        (
            "readiness",
            "{httpGet: {path: /status, port: http}, initialDelaySeconds: 5}",
        ),
        (
            "liveness",
            "{httpGet: {path: /status, port: http}, initialDelaySeconds: 25, periodSeconds: 30}",
        ),
    ] {
        let key = format!("orchestrator.{which}Probe");
        let Some(p) = c.v.get(&key).cloned() else { continue };
        let default: Value = serde_yaml::from_str(default).unwrap_or_default();
        if p == default {
            c.r.changed(
                &key,
                "(generated)",
                "the same GET /status on port `http`, with timeouts, HTTPS when TLS ends in the pod, and a startup probe in place of the initial delay",
            );
            continue;
        }
        match typed::<Probe>(&p) {
            Ok(_) => {
                c.set(&format!("spec.probes.{which}"), p);
                c.r.mapped(&key, &format!("spec.probes.{which}"));
            }
            Err(e) => c.r.not_mapped(&key, format!("not a probe: {e}")),
        }
    }
}
