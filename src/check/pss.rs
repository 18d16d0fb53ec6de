//! Pod Security Standards, level `restricted` (which includes `baseline`), as the
//! pod-security admission controller checks it (kubernetes/pod-security-admission
//! `policy/check_*.go`). A pod that fails here is refused by a namespace labelled
//! `pod-security.kubernetes.io/enforce: restricted`, so the finding is an error.

use super::{At, containers, pod_spec};
use crate::diag::Diagnostic;
use serde_yaml::Value;

/// Volume types the restricted level allows.
const ALLOWED_VOLUMES: &[&str] = &[
    "configMap",
    "downwardAPI",
    "emptyDir",
    "projected",
    "secret",
    "csi",
    "persistentVolumeClaim",
    "ephemeral",
    "image",
];

const SECCOMP_OK: &[&str] = &["RuntimeDefault", "Localhost"];

fn is_true(v: Option<&Value>) -> bool {
    v.and_then(Value::as_bool) == Some(true)
}

pub fn check(obj: &Value, at: &At, out: &mut Vec<Diagnostic>) {
    let Some((pod, p)) = pod_spec(obj) else { return };
    for host in ["hostNetwork", "hostPID", "hostIPC"] {
        if is_true(pod.get(host)) {
            out.push(at.error(
                format!("{p}.{host}"),
                format!("Pod Security restricted: `{host}: true` shares the node's namespaces"),
                format!("remove `{host}`"),
            ));
        }
    }
    if let Some(vols) = pod.get("volumes").and_then(Value::as_sequence) {
        for (i, vol) in vols.iter().enumerate() {
            let Some(map) = vol.as_mapping() else { continue };
            for key in map.keys().filter_map(Value::as_str) {
                if key != "name" && !ALLOWED_VOLUMES.contains(&key) {
                    out.push(at.error(
                        format!("{p}.volumes[{i}].{key}"),
                        format!("Pod Security restricted: volume type `{key}` is not allowed"),
                        "use configMap, secret, emptyDir, projected, csi, persistentVolumeClaim or ephemeral volumes",
                    ));
                }
            }
        }
    }
    let psc = pod.get("securityContext");
    let pod_non_root = is_true(psc.and_then(|s| s.get("runAsNonRoot")));
    let pod_seccomp = psc
        .and_then(|s| s.get("seccompProfile"))
        .and_then(|s| s.get("type"))
        .and_then(Value::as_str);
    if let Some(t) = pod_seccomp.filter(|t| !SECCOMP_OK.contains(t)) {
        out.push(at.error(
            format!("{p}.securityContext.seccompProfile.type"),
            format!("Pod Security restricted: seccomp profile `{t}` is not allowed"),
            "set `seccompProfile: {type: RuntimeDefault}`",
        ));
    }
    if psc.and_then(|s| s.get("runAsUser")).and_then(Value::as_i64) == Some(0) {
        out.push(at.error(
            format!("{p}.securityContext.runAsUser"),
            "Pod Security restricted: the pod runs as root (runAsUser: 0)",
            "use a non-zero UID (e.g. 10001), or leave it unset on OpenShift",
        ));
    }
    for (c, cp) in containers(pod, p) {
        let sc = c.get("securityContext");
        let get = |k: &str| sc.and_then(|s| s.get(k));
        let field = |k: &str| format!("{cp}.securityContext.{k}");
        if is_true(get("privileged")) {
            out.push(at.error(
                field("privileged"),
                "Pod Security restricted: privileged container",
                "remove `privileged: true`",
            ));
        }
        if get("allowPrivilegeEscalation").and_then(Value::as_bool) != Some(false) {
            out.push(at.error(
                field("allowPrivilegeEscalation"),
                "Pod Security restricted: allowPrivilegeEscalation must be set to false (unset counts as true)",
                "set `securityContext.allowPrivilegeEscalation: false` on the container",
            ));
        }
        match get("runAsNonRoot").and_then(Value::as_bool) {
            Some(true) => {}
            Some(false) => out.push(at.error(
                field("runAsNonRoot"),
                "Pod Security restricted: runAsNonRoot is false",
                "set `runAsNonRoot: true`",
            )),
            None if pod_non_root => {}
            None => out.push(at.error(
                field("runAsNonRoot"),
                "Pod Security restricted: runAsNonRoot is set neither on the container nor on the pod",
                format!("set `{p}.securityContext.runAsNonRoot: true`"),
            )),
        }
        if get("runAsUser").and_then(Value::as_i64) == Some(0) {
            out.push(at.error(
                field("runAsUser"),
                "Pod Security restricted: the container runs as root (runAsUser: 0)",
                "use a non-zero UID (e.g. 10001), or leave it unset on OpenShift",
            ));
        }
        let seccomp = get("seccompProfile")
            .and_then(|s| s.get("type"))
            .and_then(Value::as_str);
        match seccomp {
            Some(t) if SECCOMP_OK.contains(&t) => {}
            Some(t) => out.push(at.error(
                field("seccompProfile.type"),
                format!("Pod Security restricted: seccomp profile `{t}` is not allowed"),
                "set `seccompProfile: {type: RuntimeDefault}`",
            )),
            None if pod_seccomp.is_some() => {}
            None => out.push(at.error(
                field("seccompProfile"),
                "Pod Security restricted: no seccomp profile on the container or the pod",
                format!("set `{p}.securityContext.seccompProfile: {{type: RuntimeDefault}}`"),
            )),
        }
        let caps = get("capabilities");
        let drops_all = caps
            .and_then(|c| c.get("drop"))
            .and_then(Value::as_sequence)
            .is_some_and(|d| d.iter().any(|v| v.as_str() == Some("ALL")));
        if !drops_all {
            out.push(at.error(
                field("capabilities.drop"),
                "Pod Security restricted: capabilities must drop ALL",
                "set `capabilities: {drop: [ALL]}`",
            ));
        }
        if let Some(add) = caps.and_then(|c| c.get("add")).and_then(Value::as_sequence) {
            for (i, cap) in add.iter().enumerate() {
                if cap.as_str() != Some("NET_BIND_SERVICE") {
                    out.push(at.error(
                        format!("{}[{i}]", field("capabilities.add")),
                        format!(
                            "Pod Security restricted: capability {} may not be added",
                            serde_yaml::to_string(cap).unwrap_or_default().trim()
                        ),
                        "add no capabilities (only NET_BIND_SERVICE is allowed)",
                    ));
                }
            }
        }
        if let Some(pm) = get("procMount").and_then(Value::as_str).filter(|m| *m != "Default") {
            out.push(at.error(
                field("procMount"),
                format!("Pod Security restricted: procMount `{pm}` is not allowed"),
                "remove `procMount`",
            ));
        }
        if let Some(ports) = c.get("ports").and_then(Value::as_sequence) {
            for (i, port) in ports.iter().enumerate() {
                if port.get("hostPort").and_then(Value::as_i64).is_some_and(|h| h != 0) {
                    out.push(at.error(
                        format!("{cp}.ports[{i}].hostPort"),
                        "Pod Security baseline: hostPort binds the node's network",
                        "remove `hostPort` and expose the pod through a Service",
                    ));
                }
            }
        }
    }
}
