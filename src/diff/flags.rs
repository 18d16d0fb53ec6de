//! The changes a reviewer must not miss, found on the normalized (unredacted) objects and
//! shown at the top of every format.

mod exposure;
pub mod related;
mod rule;
mod tls;

pub use rule::{Flag, Rule};
use rule::{at, flag, seq, show};

use crate::k8s::kinds::name;
use serde_yaml::Value;

/// Flags for one object of kind `kind`; `None` on a side means added or removed.
pub fn check(kind: &str, old: Option<&Value>, new: Option<&Value>) -> Vec<Flag> {
    let mut out = Vec::new();
    match (old, new) {
        (Some(o), Some(n)) => {
            network_policy(kind, o, n, &mut out);
            security(kind, o, n, &mut out);
            scaling(kind, o, n, &mut out);
            images(kind, o, n, &mut out);
            load_balancer(kind, Some(o), n, &mut out);
            exposure::exposure(kind, Some(o), n, &mut out);
            exposure::sticky_sessions(kind, o, n, &mut out);
            immutable(kind, o, n, &mut out);
        }
        (Some(o), None) => match kind {
            name::NETWORK_POLICY => out.push(flag(
                Rule::NetworkPolicy,
                "NetworkPolicy removed: the pods it selected lose this protection",
            )),
            name::HORIZONTAL_POD_AUTOSCALER => out.push(flag(
                Rule::Scaling,
                "HorizontalPodAutoscaler removed: the replica count is no longer managed",
            )),
            _ => exposure::sticky_sessions_removed(kind, o, &mut out),
        },
        (None, Some(n)) => {
            if kind == name::HORIZONTAL_POD_AUTOSCALER {
                out.push(flag(
                    Rule::Scaling,
                    format!(
                        "HorizontalPodAutoscaler added: {} to {} replicas",
                        show(n.get("spec").and_then(|s| s.get("minReplicas"))),
                        show(n.get("spec").and_then(|s| s.get("maxReplicas")))
                    ),
                ));
            }
            load_balancer(kind, None, n, &mut out);
            exposure::exposure(kind, None, n, &mut out);
        }
        (None, None) => {}
    }
    out
}

// ---- NetworkPolicy -----------------------------------------------------------------------

fn network_policy(kind: &str, o: &Value, n: &Value, out: &mut Vec<Flag>) {
    if kind != name::NETWORK_POLICY {
        return;
    }
    let types = |v: &Value| {
        seq(at(v, &["spec", "policyTypes"]))
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let (ot, nt) = (types(o), types(n));
    for t in ot.iter().filter(|t| !nt.contains(t)) {
        out.push(flag(
            Rule::NetworkPolicy,
            format!("policyTypes no longer lists {t}: all {t} traffic is allowed again"),
        ));
    }
    if at(o, &["spec", "podSelector"]) != at(n, &["spec", "podSelector"]) {
        out.push(flag(
            Rule::NetworkPolicy,
            "spec.podSelector changed: pods selected before may no longer be protected",
        ));
    }
    for (dir, peers) in [("ingress", "from"), ("egress", "to")] {
        let old_rules = seq(at(o, &["spec", dir]));
        for (i, rule) in seq(at(n, &["spec", dir])).iter().enumerate() {
            if !old_rules.iter().any(|old| covers(old, rule, peers)) {
                out.push(flag(
                    Rule::NetworkPolicy,
                    format!(
                        "{dir} rule {i} allows traffic no old rule allowed: {}",
                        show(Some(rule))
                    ),
                ));
            }
        }
    }
}

/// True when `old` lets through everything `new` does: for peers and for ports, an empty or
/// absent list means "all", otherwise each new entry must be one of the old ones.
fn covers(old: &Value, new: &Value, peers: &str) -> bool {
    let list_covers = |field: &str| {
        let o = seq(old.get(field));
        let n = seq(new.get(field));
        o.is_empty() || (!n.is_empty() && n.iter().all(|x| o.contains(x)))
    };
    list_covers(peers) && list_covers("ports")
}

// ---- security context --------------------------------------------------------------------

/// The pod spec of a workload kind.
fn pod_spec<'a>(kind: &str, v: &'a Value) -> Option<&'a Value> {
    match kind {
        "Pod" => v.get("spec"),
        "CronJob" => at(v, &["spec", "jobTemplate", "spec", "template", "spec"]),
        "Deployment" | name::STATEFUL_SET | "DaemonSet" | "ReplicaSet" | "Job" | "ReplicationController" => {
            at(v, &["spec", "template", "spec"])
        }
        _ => None,
    }
}

/// Containers and init containers by name.
fn containers(spec: &Value) -> Vec<(String, &Value)> {
    ["initContainers", "containers"]
        .iter()
        .flat_map(|k| seq(spec.get(*k)))
        .filter_map(|c| Some((c.get("name")?.as_str()?.to_owned(), c)))
        .collect()
}

fn security(kind: &str, o: &Value, n: &Value, out: &mut Vec<Flag>) {
    if kind == name::SERVICE_ACCOUNT {
        if must_stay(
            o.get("automountServiceAccountToken"),
            n.get("automountServiceAccountToken"),
            false,
        ) {
            out.push(flag(
                Rule::SecurityContext,
                "automountServiceAccountToken no longer false: pods get an API token",
            ));
        }
        return;
    }
    let (Some(op), Some(np)) = (pod_spec(kind, o), pod_spec(kind, n)) else {
        return;
    };
    for host in ["hostNetwork", "hostPID", "hostIPC"] {
        if became(op.get(host), np.get(host), true) {
            out.push(flag(Rule::SecurityContext, format!("pod {host} turned on")));
        }
    }
    if must_stay(
        op.get("automountServiceAccountToken"),
        np.get("automountServiceAccountToken"),
        false,
    ) {
        out.push(flag(
            Rule::SecurityContext,
            "pod automountServiceAccountToken no longer false: pods get an API token",
        ));
    }
    sc_weakened(
        "pod securityContext",
        op.get("securityContext"),
        np.get("securityContext"),
        out,
    );
    let old_cs = containers(op);
    for (name, nc) in containers(np) {
        // A new container is judged against nothing: only what it turns on is flagged.
        let oc = old_cs.iter().find(|(n, _)| *n == name).map(|(_, c)| *c);
        sc_weakened(
            &format!("container {name} securityContext"),
            oc.and_then(|c| c.get("securityContext")),
            nc.get("securityContext"),
            out,
        );
        let host_ports = |c: Option<&Value>| -> Vec<Value> {
            seq(c.and_then(|c| c.get("ports")))
                .iter()
                .filter_map(|p| p.get("hostPort").cloned())
                .collect()
        };
        let old_ports = host_ports(oc);
        for p in host_ports(Some(nc)).iter().filter(|p| !old_ports.contains(p)) {
            out.push(flag(
                Rule::SecurityContext,
                format!("container {name} ports: hostPort {} opened on the node", show(Some(p))),
            ));
        }
    }
    let host_paths = |spec: &Value| -> Vec<(String, String)> {
        seq(spec.get("volumes"))
            .iter()
            .filter_map(|v| {
                let path = at(v, &["hostPath", "path"])?;
                Some((show(v.get("name")), show(Some(path))))
            })
            .collect()
    };
    let old_paths = host_paths(op);
    for (volume, path) in host_paths(np).into_iter().filter(|p| !old_paths.contains(p)) {
        out.push(flag(
            Rule::SecurityContext,
            format!("volume {volume}: hostPath {path}: the pod reads the node's filesystem"),
        ));
    }
}

/// `old` was `safe` and `new` is not (absent counts as not).
fn must_stay(old: Option<&Value>, new: Option<&Value>, safe: bool) -> bool {
    old.and_then(Value::as_bool) == Some(safe) && new.and_then(Value::as_bool) != Some(safe)
}

/// `new` is `bad` and `old` was not.
fn became(old: Option<&Value>, new: Option<&Value>, bad: bool) -> bool {
    new.and_then(Value::as_bool) == Some(bad) && old.and_then(Value::as_bool) != Some(bad)
}

fn sc_weakened(what: &str, o: Option<&Value>, n: Option<&Value>, out: &mut Vec<Flag>) {
    fn get<'a>(v: Option<&'a Value>, k: &str) -> Option<&'a Value> {
        v.and_then(|v| v.get(k))
    }
    let mut weak = |field: &str, why: &str| {
        out.push(flag(
            Rule::SecurityContext,
            format!(
                "{what}.{field}: {} -> {} ({why})",
                show(get(o, field)),
                show(get(n, field))
            ),
        ))
    };
    for (field, safe, why) in [
        ("runAsNonRoot", true, "may run as root"),
        ("readOnlyRootFilesystem", true, "root filesystem writable"),
        ("allowPrivilegeEscalation", false, "privilege escalation allowed"),
    ] {
        if must_stay(get(o, field), get(n, field), safe) {
            weak(field, why);
        }
    }
    if became(get(o, "privileged"), get(n, "privileged"), true) {
        weak("privileged", "privileged container");
    }
    if get(n, "runAsUser").and_then(Value::as_u64) == Some(0) && get(o, "runAsUser").and_then(Value::as_u64) != Some(0)
    {
        weak("runAsUser", "runs as root");
    }
    let confined = |v: Option<&Value>| {
        matches!(
            v.and_then(|v| v.get("seccompProfile"))
                .and_then(|s| s.get("type"))
                .and_then(Value::as_str),
            Some("RuntimeDefault" | "Localhost")
        )
    };
    if confined(o) && !confined(n) {
        let seccomp = |v: Option<&Value>| show(v.and_then(|v| at(v, &["seccompProfile", "type"])));
        out.push(flag(
            Rule::SecurityContext,
            format!(
                "{what}.seccompProfile.type: {} -> {} (system calls unfiltered)",
                seccomp(o),
                seccomp(n)
            ),
        ));
    }
    let caps = |v: Option<&Value>, list: &str| -> Vec<String> {
        seq(v.and_then(|v| at(v, &["capabilities", list])))
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    if caps(o, "drop").iter().any(|c| c == "ALL") && !caps(n, "drop").iter().any(|c| c == "ALL") {
        out.push(flag(
            Rule::SecurityContext,
            format!("{what}.capabilities.drop no longer drops ALL"),
        ));
    }
    let old_add = caps(o, "add");
    for c in caps(n, "add").into_iter().filter(|c| !old_add.contains(c)) {
        out.push(flag(
            Rule::SecurityContext,
            format!("{what}.capabilities.add gains {c}"),
        ));
    }
}

// ---- scaling, images, stores, Services ----------------------------------------------------

fn scaling(kind: &str, o: &Value, n: &Value, out: &mut Vec<Flag>) {
    let fields: &[&str] = match kind {
        name::HORIZONTAL_POD_AUTOSCALER => &["minReplicas", "maxReplicas"],
        "Deployment" | name::STATEFUL_SET | "ReplicaSet" | "ReplicationController" => &["replicas"],
        _ => return,
    };
    for f in fields {
        let (a, b) = (at(o, &["spec", f]), at(n, &["spec", f]));
        if a != b {
            out.push(flag(Rule::Scaling, format!("spec.{f}: {} -> {}", show(a), show(b))));
        }
    }
}

fn images(kind: &str, o: &Value, n: &Value, out: &mut Vec<Flag>) {
    let (Some(op), Some(np)) = (pod_spec(kind, o), pod_spec(kind, n)) else {
        return;
    };
    let old_cs = containers(op);
    for (name, nc) in containers(np) {
        let new_image = nc.get("image");
        match old_cs.iter().find(|(n, _)| *n == name) {
            Some((_, oc)) if oc.get("image") != new_image => {
                let (before, after) = (show(oc.get("image")), show(new_image));
                let (ro, rn) = (registry(&before), registry(&after));
                let message = if ro == rn {
                    format!("container {name}: {before} -> {after}")
                } else {
                    format!("container {name}: registry {ro} -> {rn}: {before} -> {after}")
                };
                out.push(flag(Rule::Image, message));
            }
            Some(_) => {}
            None => out.push(flag(
                Rule::Image,
                format!("container {name} added: {}", show(new_image)),
            )),
        }
    }
}

/// The registry an image is pulled from, as the container runtime reads the reference: the
/// first component when it looks like a host (holds `.` or `:`, or is `localhost`), else
/// Docker Hub.
fn registry(image: &str) -> &str {
    match image.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => first,
        _ => "docker.io",
    }
}

fn load_balancer(kind: &str, o: Option<&Value>, n: &Value, out: &mut Vec<Flag>) {
    if kind != name::SERVICE {
        return;
    }
    let ty = |v: &Value| {
        at(v, &["spec", "type"])
            .and_then(Value::as_str)
            .unwrap_or("ClusterIP")
            .to_owned()
    };
    let new_ty = ty(n);
    let old_ty = o.map(ty);
    if new_ty == "LoadBalancer" && old_ty.as_deref() != Some("LoadBalancer") {
        out.push(flag(
            Rule::LoadBalancer,
            format!(
                "spec.type: {} -> LoadBalancer: exposed through a cloud load balancer",
                old_ty.as_deref().unwrap_or("(new Service)")
            ),
        ));
    }
}

// ---- immutable fields ---------------------------------------------------------------------

fn immutable(kind: &str, o: &Value, n: &Value, out: &mut Vec<Flag>) {
    let fields: &[&str] = match kind {
        // The API server allows only replicas, ordinals, template, updateStrategy,
        // persistentVolumeClaimRetentionPolicy and minReadySeconds to change.
        name::STATEFUL_SET => &["selector", "serviceName", "volumeClaimTemplates", "podManagementPolicy"],
        "Deployment" | "DaemonSet" | "ReplicaSet" => &["selector"],
        name::SERVICE => &["clusterIP", "clusterIPs"],
        "Job" => &["selector", "template"],
        _ => return,
    };
    for f in fields {
        if at(o, &["spec", f]) != at(n, &["spec", f]) {
            out.push(flag(
                Rule::ImmutableField,
                format!(
                    "spec.{f} is immutable: the apply will fail until the {kind} is deleted and re-created{}",
                    if kind == name::STATEFUL_SET {
                        " (kubectl delete --cascade=orphan keeps the pods)"
                    } else {
                        ""
                    }
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests;
