//! Pod Security Standards, level `restricted` (which includes `baseline`), as the
//! pod-security admission controller checks it (kubernetes/pod-security-admission
//! `policy/check_*.go`). A pod that fails here is refused by a namespace labelled
//! `pod-security.kubernetes.io/enforce: restricted`, so the finding is an error.

use super::at::At;
use super::pods::{containers, pod_spec};
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

/// Sysctls the baseline level allows (namespaced and isolated from the node).
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

const SELINUX_TYPES: &[&str] = &[
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/// SELinux and AppArmor settings of one security context (pod or container level).
fn selinux_apparmor(sc: Option<&Value>, field: &str, at: &At, out: &mut Vec<Diagnostic>) {
    let Some(sc) = sc else { return };
    if let Some(se) = sc.get("seLinuxOptions") {
        if let Some(t) = se
            .get("type")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty() && !SELINUX_TYPES.contains(t))
        {
            out.push(at.error(
                format!("{field}.seLinuxOptions.type"),
                format!("Pod Security baseline: SELinux type `{t}` is not allowed"),
                "remove it, or use container_t",
            ));
        }
        for k in ["user", "role"] {
            if se.get(k).and_then(Value::as_str).is_some_and(|v| !v.is_empty()) {
                out.push(at.error(
                    format!("{field}.seLinuxOptions.{k}"),
                    format!("Pod Security baseline: a custom SELinux {k} is not allowed"),
                    format!("remove `seLinuxOptions.{k}`"),
                ));
            }
        }
    }
    if let Some(t) = sc
        .get("appArmorProfile")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str)
        .filter(|t| !["RuntimeDefault", "Localhost"].contains(t))
    {
        out.push(at.error(
            format!("{field}.appArmorProfile.type"),
            format!("Pod Security baseline: AppArmor profile `{t}` is not allowed"),
            "use `appArmorProfile: {type: RuntimeDefault}` or remove it",
        ));
    }
}

fn is_true(v: Option<&Value>) -> bool {
    v.and_then(Value::as_bool) == Some(true)
}

/// The metadata of a workload's pod template.
fn pod_template_meta(obj: &Value) -> Option<&Value> {
    let spec = obj.get("spec")?;
    let template = match spec.get("jobTemplate") {
        Some(jt) => jt.get("spec")?.get("template")?,
        None => spec.get("template")?,
    };
    template.get("metadata")
}

pub fn check_pod_security(obj: &Value, at: &At, out: &mut Vec<Diagnostic>) {
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
    selinux_apparmor(psc, &format!("{p}.securityContext"), at, out);
    if let Some(sysctls) = psc.and_then(|s| s.get("sysctls")).and_then(Value::as_sequence) {
        for (i, sysctl) in sysctls.iter().enumerate() {
            let name = sysctl.get("name").and_then(Value::as_str).unwrap_or_default();
            if !SAFE_SYSCTLS.contains(&name) {
                out.push(at.error(
                    format!("{p}.securityContext.sysctls[{i}].name"),
                    format!("Pod Security baseline: sysctl `{name}` is not in the safe set"),
                    "remove it; only namespaced sysctls such as net.ipv4.ip_local_port_range are allowed",
                ));
            }
        }
    }
    // The annotation form of AppArmor, still honoured by the admission controller.
    let meta_path = p
        .strip_suffix(".spec")
        .map_or_else(|| "metadata".to_owned(), |t| format!("{t}.metadata"));
    let pod_annotations = if p == "spec" {
        obj.get("metadata")
    } else {
        pod_template_meta(obj)
    };
    if let Some(ann) = pod_annotations
        .and_then(|m| m.get("annotations"))
        .and_then(Value::as_mapping)
    {
        for (k, v) in ann {
            let (Some(k), Some(v)) = (k.as_str(), v.as_str()) else {
                continue;
            };
            if k.starts_with("container.apparmor.security.beta.kubernetes.io/")
                && v != "runtime/default"
                && !v.starts_with("localhost/")
            {
                out.push(at.error(
                    format!("{meta_path}.annotations.{k}"),
                    format!("Pod Security baseline: AppArmor profile `{v}` is not allowed"),
                    "use `runtime/default` or a `localhost/` profile",
                ));
            }
        }
    }
    for (c, cp) in containers(pod, p) {
        let sc = c.get("securityContext");
        selinux_apparmor(sc, &format!("{cp}.securityContext"), at, out);
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
