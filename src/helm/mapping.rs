//! Chart values to an `Orchestrator` config, value by value (reference §2.3). The config is
//! built as a YAML value and read back through the typed config and its checks, so what is
//! written is what `render` accepts.

use super::report::Report;
use super::values::{APP_VERSION, Values, merge, set};
use crate::config::workload::{REMOTE_CONFIG_ENV, RESERVED_ENV};
use crate::secrets;
use k8s_openapi::api::core::v1::{Affinity, EnvVarSource, Probe, Toleration};
use serde::de::DeserializeOwned;
use serde_yaml::{Mapping, Value};

pub struct Options {
    /// The Helm release name; with the chart's naming rules it gives `metadata.name`.
    pub release: String,
    pub namespace: Option<String>,
}

pub struct Import {
    /// The `Orchestrator` config document.
    pub config: Value,
    pub report: Report,
    /// An `OrchestratorPlatform` skeleton when the values point at a platform.
    pub platform: Option<Value>,
}

const CHART_NAME: &str = "orchestrator";
/// The secret store the imported config names until the user fills in theirs.
pub const STORE_PLACEHOLDER: &str = "change-me";
/// `metadata.name` longer than this breaks the StatefulSet's revision label.
const MAX_NAME: usize = crate::config::checks::MAX_NAME_LEN;

struct Ctx<'a> {
    v: &'a Values,
    doc: Mapping,
    r: Report,
    name: String,
    /// `TMPDIR` as the values set it: an extra emptyDir there is the base's own /tmp.
    tmpdir: Option<String>,
    secret_env: Vec<Value>,
    secret_files: Vec<Value>,
    /// `spec.secrets.values` for literal secrets lifted out of the config.
    secret_values: Vec<Value>,
    mounts: Vec<Value>,
    reload: bool,
}

impl Ctx<'_> {
    fn set(&mut self, path: &str, value: impl Into<Value>) {
        set(&mut self.doc, path, value.into());
    }
}

/// Reads a chart value into a Kubernetes type, to refuse malformed input early.
fn typed<T: DeserializeOwned>(v: &Value) -> Result<T, String> {
    // serde echoes the value it refused: never a secret in the report.
    serde_yaml::from_value(v.clone()).map_err(|e| secrets::redact_message(&e.to_string(), false))
}

pub fn import(values: Value, opts: &Options) -> Import {
    let v = Values::new(values);
    let mut c = Ctx {
        v: &v,
        doc: Mapping::new(),
        r: Report::default(),
        name: String::new(),
        tmpdir: None,
        secret_env: Vec::new(),
        secret_files: Vec::new(),
        secret_values: Vec::new(),
        mounts: Vec::new(),
        reload: false,
    };
    c.set("apiVersion", crate::config::API_VERSION);
    c.set("kind", "Orchestrator");
    name(&mut c, &opts.release);
    c.set("metadata.annotations", function_annotation(true));
    if let Some(ns) = &opts.namespace {
        c.set("spec.namespace", ns.as_str());
    }
    image(&mut c);
    scale(&mut c);
    service(&mut c);
    ingress(&mut c);
    service_account(&mut c);
    security(&mut c);
    pod(&mut c);
    env(&mut c);
    mounts(&mut c);
    config(&mut c);
    probes(&mut c);
    clustering(&mut c);
    secrets(&mut c);
    for key in v.unconsumed() {
        c.r.not_mapped(&key, "not a value of Strata's chart 1.0.5");
    }
    let platform = platform(&mut c);
    let config = Value::Mapping(c.doc);
    validate(&config, &mut c.r);
    Import {
        config,
        report: c.r,
        platform,
    }
}

/// The host annotations of a function config in this repository's layout (`bases/<x>/`,
/// `overlays/<x>/`); the report says to adjust the path elsewhere.
fn function_annotation(local: bool) -> Value {
    let mut a = Mapping::new();
    if local {
        a.insert("config.kubernetes.io/local-config".into(), "true".into());
    }
    a.insert(
        "config.kubernetes.io/function".into(),
        "exec:\n  path: ../../plugins/maverics-krm\n".into(),
    );
    Value::Mapping(a)
}

/// The chart's `orchestrator.fullname`: the override, else the release name, suffixed with
/// the chart name unless it already contains it.
fn name(c: &mut Ctx, release: &str) {
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

fn image(c: &mut Ctx) {
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

fn scale(c: &mut Ctx) {
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

fn service(c: &mut Ctx) {
    match c.v.nonempty("service.type") {
        None | Some("ClusterIP") => {
            if c.v.has("service.type") {
                c.r.mapped("service.type", "the client Service (ClusterIP)");
            }
        }
        Some(t) => {
            let t = t.to_owned();
            c.r.not_mapped(
                "service.type",
                format!("`{t}` has no home: the Service is ClusterIP; expose it through spec.ingress or the platform layer (EKS ALB, ROSA Route)"),
            );
        }
    }
    let port = c.v.u64_or("service.port", 8080);
    if !(1024..=65535).contains(&port) {
        c.r.refused(
            "service.port",
            format!(
                "port {port}: the orchestrator runs as non-root without NET_BIND_SERVICE; the default 8080 is kept"
            ),
        );
    } else {
        c.r.mapped("service.port", "spec.port");
        c.set("spec.port", port);
    }
}

fn ingress(c: &mut Ctx) {
    if !c.v.bool_or("ingress.enabled", false) {
        // Unused when off, as in the chart.
        let _ = c.v.get("ingress");
        return;
    }
    c.set("spec.ingress.enabled", true);
    c.r.mapped("ingress.enabled", "spec.ingress.enabled");
    if let Some(class) = c.v.nonempty("ingress.className").map(str::to_owned) {
        c.set("spec.ingress.className", class);
        c.r.mapped("ingress.className", "spec.ingress.className");
    }
    if let Some(a) = c.v.nonempty_value("ingress.annotations").cloned() {
        c.set("spec.ingress.annotations", a);
        c.r.mapped("ingress.annotations", "spec.ingress.annotations");
    }
    let default_hosts: Value =
        serde_yaml::from_str("[{host: orchestrators.local, paths: [{path: /, pathType: ImplementationSpecific}]}]")
            .unwrap_or_default();
    let hosts = c.v.get("ingress.hosts").cloned().unwrap_or(default_hosts);
    let mut names = Vec::new();
    let mut paths = std::collections::BTreeSet::new();
    for h in hosts.as_sequence().into_iter().flatten() {
        if let Some(n) = h.get("host").and_then(Value::as_str).filter(|n| !n.is_empty()) {
            names.push(Value::from(n));
        }
        for p in h.get("paths").and_then(Value::as_sequence).into_iter().flatten() {
            let path = p.get("path").and_then(Value::as_str).unwrap_or("/").to_owned();
            let ty = p
                .get("pathType")
                .and_then(Value::as_str)
                .unwrap_or("ImplementationSpecific")
                .to_owned();
            paths.insert((path, ty));
        }
    }
    c.set("spec.ingress.hosts", names);
    match paths.len() {
        0 => c.r.mapped("ingress.hosts", "spec.ingress.hosts"),
        1 => {
            if let Some((path, ty)) = paths.into_iter().next() {
                c.set("spec.ingress.path", path);
                c.set("spec.ingress.pathType", ty);
            }
            c.r.mapped(
                "ingress.hosts",
                "spec.ingress.hosts, spec.ingress.path, spec.ingress.pathType",
            );
        }
        _ => c.r.not_mapped(
            "ingress.hosts",
            "hosts with different paths have no home: one path serves every host; add more rules in an overlay patch",
        ),
    }
    if let Some(tls) = c.v.nonempty_value("ingress.tls").cloned() {
        c.set("spec.ingress.tls", tls);
        c.r.mapped("ingress.tls", "spec.ingress.tls");
    }
}

fn service_account(c: &mut Ctx) {
    if let Some(a) = c.v.nonempty_value("serviceAccount.annotations").cloned() {
        c.set("spec.serviceAccount.annotations", a);
        c.r.mapped("serviceAccount.annotations", "spec.serviceAccount.annotations");
    }
    if !c.v.bool_or("serviceAccount.create", true) {
        c.r.changed(
            "serviceAccount.create",
            "the generated ServiceAccount",
            "a ServiceAccount of the orchestrator's own is always generated (no API token mounted), so IRSA and RBAC bind to it alone",
        );
    }
    if let Some(n) = c.v.nonempty("serviceAccount.name").map(str::to_owned) {
        c.r.changed(
            "serviceAccount.name",
            "metadata.name",
            format!(
                "the ServiceAccount is named after metadata.name (`{}`), not `{n}`",
                c.name
            ),
        );
    }
}

/// The chart's container security context, to tell a customised one from the default.
fn chart_security_context() -> Value {
    serde_yaml::from_str(
        "{capabilities: {drop: [ALL]}, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 10001}",
    )
    .unwrap_or_default()
}

fn security(c: &mut Ctx) {
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

fn pod(c: &mut Ctx) {
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

/// Helm renders `env` values and the config through `tpl`. `{{ printf "X" }}` is how the
/// chart emits a Maverics placeholder verbatim; `{{ env.X }}` is the orchestrator's own
/// syntax. Anything else is a Helm expression with no meaning here.
fn untemplate(s: &str) -> Result<String, String> {
    let mut out = s.to_owned();
    while let Some(start) = out.find("{{ printf \"") {
        let rest = &out[start + "{{ printf \"".len()..];
        let Some(end) = rest.find("\" }}") else { break };
        let inner = rest[..end].to_owned();
        out = format!("{}{inner}{}", &out[..start], &rest[end + "\" }}".len()..]);
    }
    let mut rest = out.as_str();
    while let Some(i) = rest.find("{{") {
        let expr = rest[i + 2..].trim_start();
        if !expr.starts_with("env.") {
            return Err(format!("Helm template expression in `{s}`"));
        }
        rest = &rest[i + 2..];
    }
    Ok(out)
}

fn untemplate_tree(v: &mut Value, path: &str, errors: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => match untemplate(s) {
            Ok(t) => *s = t,
            Err(e) => errors.push((path.to_owned(), e)),
        },
        Value::Mapping(m) => {
            for (k, child) in m.iter_mut() {
                let k = k.as_str().unwrap_or_default();
                untemplate_tree(child, &format!("{path}.{k}"), errors);
            }
        }
        Value::Sequence(s) => {
            for (i, child) in s.iter_mut().enumerate() {
                untemplate_tree(child, &format!("{path}[{i}]"), errors);
            }
        }
        _ => {}
    }
}

/// The `group` of secret values lifted out of the config: `<imported.key>`.
const LIFTED_GROUP: &str = "imported";

/// Replaces literal secrets in the orchestrator config (keys named like a secret, whose value
/// is neither a `<group.key>` reference nor an `{{ env.X }}` placeholder) with references to
/// `spec.secrets.values`; returns (path, value name) of each.
fn lift_secrets(v: &mut Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Mapping(m) => {
            for (k, child) in m.iter_mut() {
                let key = k.as_str().unwrap_or_default().to_owned();
                let p = format!("{path}.{key}");
                // The one detector decides: a secret-named key or a secret-shaped value, unless
                // the whole value is a reference (`<group.key>`, `{{ env.X }}`).
                let literal_secret = child.as_str().is_some_and(|s| {
                    !secrets::is_reference(s) && (secrets::is_secret_key(&key) || secrets::shape(s).is_some())
                });
                if literal_secret {
                    let mut name: String = p
                        .trim_start_matches('.')
                        .chars()
                        .map(|ch| {
                            if ch.is_ascii_alphanumeric() || ch == '-' {
                                ch
                            } else {
                                '_'
                            }
                        })
                        .collect();
                    let base = name.clone();
                    let mut n = 2;
                    while out.iter().any(|(_, used)| *used == format!("{LIFTED_GROUP}.{name}")) {
                        name = format!("{base}_{n}");
                        n += 1;
                    }
                    let name = format!("{LIFTED_GROUP}.{name}");
                    *child = Value::from(format!("<{name}>"));
                    out.push((p, name));
                } else {
                    lift_secrets(child, &p, out);
                }
            }
        }
        Value::Sequence(s) => {
            for (i, child) in s.iter_mut().enumerate() {
                lift_secrets(child, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// An env var that must move to the secret store: a secret name (`DB_PASSWORD`, not
/// `PASSWORD_FILE`), or a value that holds a secret (a URL with a password, JSON with a key).
fn looks_secret(name: &str, value: &str) -> bool {
    secrets::is_secret_key(name) || !secrets::leaves(&Value::from(value), false).is_empty()
}

/// The remote key an inline secret moves to: a name to create in the secret store.
fn remote_key(c: &Ctx, what: &str) -> String {
    format!("{}-{}", c.name, what.to_ascii_lowercase().replace('_', "-"))
}

fn secret_env(name: &str, key: String, property: Option<&str>) -> Value {
    let mut remote = Mapping::new();
    remote.insert("key".into(), key.into());
    if let Some(p) = property {
        remote.insert("property".into(), p.into());
    }
    let mut m = Mapping::new();
    m.insert("name".into(), name.into());
    m.insert("remoteRef".into(), Value::Mapping(remote));
    Value::Mapping(m)
}

fn env(c: &mut Ctx) {
    let vars =
        c.v.nonempty_value("env")
            .and_then(Value::as_mapping)
            .cloned()
            .unwrap_or_default();
    for (k, value) in &vars {
        let name = k.as_str().unwrap_or_default().to_owned();
        let key = format!("env.{name}");
        let raw = match value {
            Value::String(s) => s.clone(),
            Value::Bool(_) | Value::Number(_) => serde_yaml::to_string(value).unwrap_or_default().trim().to_owned(),
            _ => {
                c.r.not_mapped(&key, "not a scalar value");
                continue;
            }
        };
        let value = match untemplate(&raw) {
            Ok(v) => v,
            Err(e) => {
                c.r.not_mapped(&key, format!("{e}: write the value it renders to"));
                continue;
            }
        };
        match name.as_str() {
            "MAVERICS_RELOAD_CONFIG" => {
                c.reload = value == "true";
                c.set("spec.configSource.reload.enabled", c.reload);
                c.r.mapped(&key, "spec.configSource.reload.enabled");
            }
            "MAVERICS_POLLING_INTERVAL_SECONDS" => match value.parse::<u32>() {
                Ok(s) => {
                    c.set("spec.configSource.reload.pollingIntervalSeconds", s);
                    c.r.mapped(&key, "spec.configSource.reload.pollingIntervalSeconds");
                }
                Err(_) => c.r.not_mapped(&key, format!("`{value}` is not a number of seconds")),
            },
            "TMPDIR" => {
                c.r.changed(
                    &key,
                    "(generated: TMPDIR=/tmp)",
                    format!("the base always mounts a writable emptyDir at /tmp and points TMPDIR at it, in place of `{value}`"),
                );
                c.tmpdir = Some(value.trim_end_matches('/').to_owned());
            }
            n if REMOTE_CONFIG_ENV.contains(&n) || looks_secret(n, &value) => {
                let remote = remote_key(c, n);
                c.secret_env.push(secret_env(n, remote.clone(), None));
                c.r.changed(
                    &key,
                    "spec.secrets.env",
                    format!("a secret written inline: store its value in your secret store as `{remote}` (the ExternalSecret fetches it)"),
                );
            }
            n if RESERVED_ENV.contains(&n) || n.starts_with(crate::config::workload::CLUSTER_ENV_PREFIX) => {
                c.r.refused(
                    &key,
                    "set by the generator from the port, spec.configSource, spec.secrets or spec.clustering",
                );
            }
            _ => {
                c.set(&format!("spec.env.{name}"), value);
                c.r.mapped(&key, "spec.env");
            }
        }
    }
    let from =
        c.v.nonempty_value("envValueFrom")
            .and_then(Value::as_mapping)
            .cloned()
            .unwrap_or_default();
    for (k, source) in &from {
        let name = k.as_str().unwrap_or_default().to_owned();
        let key = format!("envValueFrom.{name}");
        match typed::<EnvVarSource>(source) {
            Err(e) => c.r.not_mapped(&key, format!("not an env var source: {e}")),
            Ok(s) => match s.secret_key_ref {
                Some(sel) => {
                    c.secret_env.push(secret_env(&name, sel.name.clone(), Some(&sel.key)));
                    c.r.changed(
                        &key,
                        "spec.secrets.env",
                        format!("a Kubernetes Secret read directly: the ExternalSecret now fetches `{}` property `{}` from your secret store; put the value there", sel.name, sel.key),
                    );
                }
                None => {
                    c.set(&format!("spec.envValueFrom.{name}"), source.clone());
                    c.r.mapped(&key, "spec.envValueFrom");
                }
            },
        }
    }
    if c.v.nonempty_value("envFromSecrets").is_some() {
        c.r.not_mapped(
            "envFromSecrets",
            "a whole Secret as variables has no home: list each variable in spec.secrets.env with its remoteRef",
        );
    }
    if c.v.nonempty_value("envFromConfigMaps").is_some() {
        c.r.not_mapped(
            "envFromConfigMaps",
            "a whole ConfigMap as variables has no home: list each variable in spec.envValueFrom with a configMapKeyRef",
        );
    }
}

fn mount_value(name: &str, path: &str, sub_path: Option<&str>, read_only: bool, source: (&str, Value)) -> Value {
    let mut m = Mapping::new();
    m.insert("name".into(), name.into());
    m.insert("mountPath".into(), path.into());
    if let Some(s) = sub_path.filter(|s| !s.is_empty()) {
        m.insert("subPath".into(), s.into());
    }
    m.insert("readOnly".into(), read_only.into());
    m.insert(source.0.into(), source.1);
    Value::Mapping(m)
}

fn mounts(c: &mut Ctx) {
    let list = |c: &Ctx, k: &str| {
        c.v.nonempty_value(k)
            .and_then(Value::as_sequence)
            .cloned()
            .unwrap_or_default()
    };
    let s = |m: &Value, k: &str| m.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    for (i, m) in list(c, "extraConfigmapMounts").iter().enumerate() {
        let key = format!("extraConfigmapMounts[{i}]");
        let mut cm = Mapping::new();
        cm.insert("name".into(), s(m, "configMap").into());
        for extra in ["items", "defaultMode", "optional"] {
            if let Some(x) = m.get(extra) {
                cm.insert(extra.into(), x.clone());
            }
        }
        let ro = m.get("readOnly").and_then(Value::as_bool).unwrap_or(true);
        c.mounts.push(mount_value(
            &s(m, "name"),
            &s(m, "mountPath"),
            m.get("subPath").and_then(Value::as_str),
            ro,
            ("configMap", Value::Mapping(cm)),
        ));
        c.r.mapped(&key, "spec.mounts (configMap)");
    }
    for (i, m) in list(c, "extraVolumeMounts").iter().enumerate() {
        let key = format!("extraVolumeMounts[{i}]");
        let path = s(m, "mountPath");
        let ro = m.get("readOnly").and_then(Value::as_bool).unwrap_or(false);
        let sub = m.get("subPath").and_then(Value::as_str);
        if m.get("hostPath").is_some() {
            c.r.refused(
                &key,
                "hostPath exposes the node's filesystem to the orchestrator; use a PersistentVolumeClaim",
            );
        } else if m.get("csi").is_some() {
            c.r.refused(&key, "CSI volumes (mostly the Secrets Store driver) are a second secret path; secret files come through spec.secrets.files");
        } else if c.tmpdir.as_deref() == Some(path.trim_end_matches('/')) {
            c.r.changed(
                &key,
                "(generated: /tmp emptyDir)",
                "the writable TMPDIR the base always mounts",
            );
        } else if let Some(claim) = m.get("existingClaim").and_then(Value::as_str) {
            let mut pvc = Mapping::new();
            pvc.insert("claimName".into(), claim.into());
            c.mounts.push(mount_value(
                &s(m, "name"),
                &path,
                sub,
                ro,
                ("persistentVolumeClaim", Value::Mapping(pvc)),
            ));
            c.r.mapped(&key, "spec.mounts (persistentVolumeClaim)");
        } else {
            c.mounts.push(mount_value(
                &s(m, "name"),
                &path,
                sub,
                ro,
                ("emptyDir", Value::Mapping(Mapping::new())),
            ));
            c.r.mapped(&key, "spec.mounts (emptyDir)");
        }
    }
    for (i, m) in list(c, "extraSecretMounts").iter().enumerate() {
        let key = format!("extraSecretMounts[{i}]");
        let path = s(m, "mountPath");
        let machine_id = m
            .get("projected")
            .and_then(|p| serde_yaml::to_string(p).ok())
            .is_some_and(|t| t.contains("metadata.name"));
        if machine_id && path == "/etc/machine-id" {
            c.reload = true;
            c.r.changed(
                &key,
                "spec.configSource.reload",
                "the stable machine id (the pod name) is generated with reload",
            );
        } else if m.get("csi").is_some() || m.get("projected").is_some() {
            c.r.refused(
                &key,
                "CSI and projected secret volumes have no home: secret files come through spec.secrets.files",
            );
        } else if let Some(secret) = m.get("secretName").and_then(Value::as_str).filter(|x| !x.is_empty()) {
            let sub = m.get("subPath").and_then(Value::as_str).filter(|x| !x.is_empty());
            let items = m.get("items").and_then(Value::as_sequence).cloned().unwrap_or_default();
            let mut files = Vec::new();
            if let Some(sub) = sub {
                files.push((sub.to_owned(), sub.to_owned(), path.clone()));
            } else {
                for it in &items {
                    let (k, p) = (s(it, "key"), s(it, "path"));
                    let file = p.rsplit('/').next().unwrap_or_default().to_owned();
                    files.push((file, k, format!("{}/{p}", path.trim_end_matches('/'))));
                }
            }
            if files.is_empty() {
                c.r.not_mapped(
                    &key,
                    format!("the keys of Secret `{secret}` are unknown: list each file in spec.secrets.files"),
                );
                continue;
            }
            for (file, property, at) in files {
                let mut f = match secret_env(&file, secret.to_owned(), Some(&property)) {
                    Value::Mapping(f) => f,
                    _ => Mapping::new(),
                };
                f.insert("path".into(), at.into());
                c.secret_files.push(Value::Mapping(f));
            }
            c.r.changed(
                &key,
                "spec.secrets.files",
                format!("Secret `{secret}` now comes through the ExternalSecret: put its keys in your secret store under `{secret}`"),
            );
        } else {
            c.r.not_mapped(&key, "no secret source");
        }
    }
    if !c.mounts.is_empty() {
        let mounts = std::mem::take(&mut c.mounts);
        c.set("spec.mounts", mounts);
    }
}

fn config(c: &mut Ctx) {
    let cloud = c.v.bool_or("cloud.enabled", false);
    if let Some(cm) = c.v.nonempty("orchestrator.customConfigMapName").map(str::to_owned) {
        c.set("spec.configSource.configMap.name", cm);
        c.set("spec.configSource.configMap.key", "maverics.yml");
        c.r.mapped("orchestrator.customConfigMapName", "spec.configSource.configMap");
        let _ = c.v.get("orchestrator.baseConfig");
        let _ = c.v.get("orchestrator.customConfig");
    } else if cloud {
        let _ = c.v.get("orchestrator.baseConfig");
        if c.v.nonempty_value("orchestrator.customConfig").is_some() {
            c.r.changed(
                "orchestrator.customConfig",
                "(dropped)",
                "with cloud.enabled the orchestrator reads the Console bundle; the chart still renders this config, but nothing reads it",
            );
        }
    } else {
        let mut base = if c.v.has("orchestrator.baseConfig") {
            c.v.get("orchestrator.baseConfig").cloned().unwrap_or(Value::Null)
        } else {
            serde_yaml::from_str("{version: 0.0.1, http: {address: '{{ env.MAVERICS_HTTP_ADDRESS}}'}}")
                .unwrap_or_default()
        };
        if base.is_null() {
            base = Value::Mapping(Mapping::new());
        }
        if let Some(custom) = c.v.get("orchestrator.customConfig") {
            merge(&mut base, custom);
        }
        let mut errors = Vec::new();
        untemplate_tree(&mut base, "orchestrator.customConfig", &mut errors);
        for (path, e) in errors {
            c.r.not_mapped(&path, format!("{e}: write the value it renders to"));
        }
        let mut lifted = Vec::new();
        lift_secrets(&mut base, "", &mut lifted);
        for (path, name) in lifted {
            let remote = format!("{}-config-secrets", c.name);
            let property = name.trim_start_matches(LIFTED_GROUP).trim_start_matches('.').to_owned();
            // `{name, remoteRef}`: the shape of a `spec.secrets.values` entry too.
            c.secret_values.push(secret_env(&name, remote.clone(), Some(&property)));
            c.r.changed(
                &format!("orchestrator.customConfig{path}"),
                "spec.secrets.values",
                format!("a literal secret in the config (it would sit in a ConfigMap): now `<{name}>`, fetched by the ExternalSecret from `{remote}` property `{property}`; put the value there"),
            );
        }
        c.set("spec.config", base);
        c.r.mapped("orchestrator.baseConfig + orchestrator.customConfig", "spec.config");
        c.r.changed(
            "(config file name)",
            "spec.config",
            "the ConfigMap key and MAVERICS_CONFIG end in maverics.yaml (the documented default), not the chart's maverics.yml; same directory /etc/maverics/config",
        );
    }
    if !cloud {
        let _ = c.v.get("cloud");
        return;
    }
    c.r.mapped("cloud.enabled", "spec.configSource.bundle");
    let create = c.v.bool_or("cloud.config.createConfig", true);
    let key = c.v.nonempty("cloud.config.bundlePublicKeyB64").map(str::to_owned);
    let bundle = c.v.nonempty("cloud.config.bundleB64").map(str::to_owned);
    let name = c.v.nonempty("cloud.config.configName").map(str::to_owned);
    if create {
        match key {
            Some(k) => {
                c.set("spec.configSource.bundle.publicKeyB64", k);
                c.r.mapped(
                    "cloud.config.bundlePublicKeyB64",
                    "spec.configSource.bundle.publicKeyB64",
                );
            }
            None => {
                c.r.not_mapped("cloud.config.bundlePublicKeyB64", "the bundle needs its public key")
            }
        }
        if let Some(b) = &bundle {
            c.set("spec.configSource.bundle.bundleB64", b.as_str());
            c.r.mapped("cloud.config.bundleB64", "spec.configSource.bundle.bundleB64");
        }
        if name.is_some() {
            c.r.changed(
                "cloud.config.configName",
                "(generated: <name>-bundle)",
                "the generated ConfigMap is named after metadata.name (the chart ignores configName: bug §2.9-2)",
            );
        }
    } else {
        match name {
            Some(n) => {
                c.set("spec.configSource.bundle.existingConfigMap", n);
                c.set("spec.configSource.bundle.fromConfigMap", bundle.is_some());
                c.r.changed(
                    "cloud.config.configName",
                    "spec.configSource.bundle.existingConfigMap",
                    "honoured: the chart reads an undocumented `name` key instead (bug §2.9-2)",
                );
            }
            None => c.r.not_mapped(
                "cloud.config.createConfig",
                "with createConfig false the chart's ConfigMap name comes from an undocumented key: set configName",
            ),
        }
    }
    c.r.mapped("cloud.config.createConfig", "spec.configSource.bundle");
}

fn probes(c: &mut Ctx) {
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

fn clustering(c: &mut Ctx) {
    if let Some(d) = c.v.nonempty("clusterDomain").map(str::to_owned) {
        c.set("spec.clustering.clusterDomain", d);
        c.r.mapped("clusterDomain", "spec.clustering.clusterDomain");
    }
    if !c.v.bool_or("orchestrator.clusters.create", false) {
        let _ = c.v.get("orchestrator.clusters");
        return;
    }
    c.set("spec.clustering.enabled", true);
    c.r.mapped("orchestrator.clusters.create", "spec.clustering.enabled (experimental)");
    if let Some(n) = c.v.nonempty("orchestrator.clusters.primary.name").map(str::to_owned) {
        c.set("spec.clustering.name", n);
        c.r.mapped("orchestrator.clusters.primary.name", "spec.clustering.name");
    }
    let secret =
        c.v.nonempty("orchestrator.clusters.primary.psk.secretName")
            .map_or_else(|| format!("{}-primary-cluster-psk", c.name), str::to_owned);
    let prop =
        c.v.nonempty("orchestrator.clusters.primary.psk.secretKey")
            .unwrap_or("psk")
            .to_owned();
    c.set("spec.clustering.psk.key", secret.clone());
    c.set("spec.clustering.psk.property", prop.clone());
    c.r.mapped(
        "orchestrator.clusters.primary.psk.secretName",
        "spec.clustering.psk.key",
    );
    c.r.mapped(
        "orchestrator.clusters.primary.psk.secretKey",
        "spec.clustering.psk.property",
    );
    let create = c.v.bool_or("orchestrator.clusters.primary.psk.createSecret", false);
    let inline = c.v.nonempty("orchestrator.clusters.primary.psk.value").is_some();
    if create || inline {
        c.r.changed(
            "orchestrator.clusters.primary.psk.value",
            "spec.clustering.psk",
            format!("never inline: store the key (`openssl rand -hex 32`) in your secret store as `{secret}` property `{prop}`; the ExternalSecret fetches it"),
        );
    }
    let _ = c.v.get("orchestrator.clusters.primary.psk.createSecret");
}

fn secrets(c: &mut Ctx) {
    if c.reload {
        c.set("spec.configSource.reload.enabled", true);
    }
    let clustering = c.v.bool_or("orchestrator.clusters.create", false);
    if c.secret_env.is_empty() && c.secret_files.is_empty() && c.secret_values.is_empty() && !clustering {
        return;
    }
    c.set("spec.secrets.storeRef.name", STORE_PLACEHOLDER);
    c.r.changed(
        "(secret store)",
        "spec.secrets.storeRef.name",
        format!("secrets come from an External Secrets store: replace `{STORE_PLACEHOLDER}` with your SecretStore or ClusterSecretStore"),
    );
    let values = std::mem::take(&mut c.secret_values);
    if !values.is_empty() {
        c.set("spec.secrets.values", values);
    }
    let env = std::mem::take(&mut c.secret_env);
    if !env.is_empty() {
        c.set("spec.secrets.env", env);
    }
    let files = std::mem::take(&mut c.secret_files);
    if !files.is_empty() {
        c.set("spec.secrets.files", files);
    }
}

/// An `OrchestratorPlatform` skeleton when the values name a platform: the Red Hat image or
/// OpenShift's UID rule (ROSA), ECR or IRSA (EKS). Placeholders are the overlays' examples.
fn platform(c: &mut Ctx) -> Option<Value> {
    let repo = c
        .doc
        .get("spec")
        .and_then(|s| s.get("image"))
        .and_then(|i| i.get("repository"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let irsa = c
        .doc
        .get("spec")
        .and_then(|s| s.get("serviceAccount"))
        .and_then(|s| s.get("annotations"))
        .and_then(|a| a.get("eks.amazonaws.com/role-arn"))
        .is_some();
    if repo.starts_with("registry.connect.redhat.com/") {
        c.r.platform = Some("rosa".into());
    } else if c.r.platform.is_none() && (irsa || repo.contains(".dkr.ecr.")) {
        c.r.platform = Some("eks".into());
    }
    let p = c.r.platform.clone()?;
    let hosts: Vec<Value> = c
        .doc
        .get("spec")
        .and_then(|s| s.get("ingress"))
        .and_then(|i| i.get("hosts"))
        .and_then(Value::as_sequence)
        .cloned()
        .unwrap_or_default();
    let mut m = Mapping::new();
    set(&mut m, "apiVersion", crate::config::API_VERSION.into());
    set(&mut m, "kind", "OrchestratorPlatform".into());
    set(&mut m, "metadata.name", p.as_str().into());
    set(&mut m, "metadata.annotations", function_annotation(false));
    set(&mut m, "spec.platform", p.as_str().into());
    if p == "rosa" {
        let host = hosts.first().cloned().unwrap_or_else(|| "sso.apps.example.com".into());
        set(&mut m, "spec.rosa.route.host", host);
    } else {
        let hosts = if hosts.is_empty() {
            vec!["sso.example.com".into()]
        } else {
            hosts
        };
        set(&mut m, "spec.eks.ingress.hosts", Value::Sequence(hosts));
        // The chart's IRSA annotation stays on the base's ServiceAccount; the layer is told so.
        if irsa {
            set(&mut m, "spec.eks.identity", "irsa".into());
        }
        // Left empty on purpose: only the user knows the ALB's subnets, and the layer refuses
        // to build until they are listed (not the VPC CIDR, which holds every pod).
        set(
            &mut m,
            "spec.eks.networkPolicy.albSubnetCidrs",
            Value::Sequence(Vec::new()),
        );
    }
    Some(Value::Mapping(m))
}

/// Reads the result back as the generator would; whatever it refuses is reported.
fn validate(config: &Value, r: &mut Report) {
    let o = match crate::config::Orchestrator::from_value(config, None) {
        Ok(o) => o,
        Err(ds) => {
            for d in ds {
                r.not_mapped(
                    d.field.as_deref().unwrap_or("(config)"),
                    format!("the imported config is invalid: {}", d.message),
                );
            }
            return;
        }
    };
    for d in crate::config::checks::check(&o) {
        if d.severity == crate::diag::Severity::Error {
            r.not_mapped(
                d.field.as_deref().unwrap_or("(config)"),
                format!("the imported config is refused: {}", d.message),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untemplate_resolves_printf_escapes_and_refuses_helm_expressions() {
        assert_eq!(
            untemplate(r#"{{ printf "{{ env.MAVERICS_HTTP_ADDRESS}}" }}"#).as_deref(),
            Ok("{{ env.MAVERICS_HTTP_ADDRESS}}")
        );
        assert_eq!(untemplate("{{ env.X }}/y").as_deref(), Ok("{{ env.X }}/y"));
        assert_eq!(untemplate("plain").as_deref(), Ok("plain"));
        assert!(untemplate("{{ .Release.Name }}-x").is_err());
    }

    fn name_of(values: &str, release: &str) -> (String, Report) {
        let import = import(
            serde_yaml::from_str(values).expect("yaml"),
            &Options {
                release: release.into(),
                namespace: None,
            },
        );
        let name = import.config["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        (name, import.report)
    }

    #[test]
    fn the_name_follows_the_charts_fullname_rule() {
        assert_eq!(name_of("{}", "sso").0, "sso-orchestrator");
        assert_eq!(name_of("{}", "my-orchestrator").0, "my-orchestrator");
        assert_eq!(name_of("nameOverride: idp", "sso").0, "sso-idp");
        assert_eq!(name_of("fullnameOverride: maverics", "sso").0, "maverics");
        let (name, report) = name_of(&format!("fullnameOverride: {}", "a".repeat(60)), "sso");
        assert_eq!(name.len(), 52);
        assert!(
            report
                .entries
                .iter()
                .any(|e| e.key == "fullnameOverride" && e.outcome == crate::helm::Outcome::Changed)
        );
    }

    #[test]
    fn the_eks_skeleton_names_the_irsa_identity_and_asks_for_the_alb_subnets() {
        let import = import(
            serde_yaml::from_str(
                "serviceAccount: {annotations: {eks.amazonaws.com/role-arn: 'arn:aws:iam::111122223333:role/o'}}",
            )
            .expect("yaml"),
            &Options {
                release: "r".into(),
                namespace: None,
            },
        );
        let eks = &import.platform.expect("an EKS skeleton")["spec"]["eks"];
        assert_eq!(eks["identity"], "irsa");
        assert_eq!(eks["networkPolicy"]["albSubnetCidrs"], Value::Sequence(Vec::new()));
        assert!(eks["networkPolicy"].get("vpcCidrs").is_none());
    }

    #[test]
    fn chart_defaults_decide_runtime_behaviour() {
        let import = import(
            serde_yaml::from_str("{}").expect("yaml"),
            &Options {
                release: "r".into(),
                namespace: None,
            },
        );
        let spec = &import.config["spec"];
        assert_eq!(spec["replicas"], 1);
        assert_eq!(spec["autoscaling"]["enabled"], false);
        assert_eq!(spec["image"]["repository"], "maverics");
        assert_eq!(spec["image"]["pullPolicy"], "IfNotPresent");
        assert_eq!(spec["port"], 8080);
        assert!(import.report.complete(), "{}", import.report);
    }

    #[test]
    fn literal_secrets_in_the_config_become_references() {
        let mut config: Value = serde_yaml::from_str(
            "connectors: [{name: idp, oauthClientSecret: s3cret, clientID: abc}]\n\
             caches: [{redis: {password: '<vault.redis>'}}]\n\
             clusters: [{encryption: {psk: '{{ env.PSK }}'}}]\n",
        )
        .expect("yaml");
        let mut lifted = Vec::new();
        lift_secrets(&mut config, "", &mut lifted);
        assert_eq!(
            lifted,
            [(
                ".connectors[0].oauthClientSecret".to_owned(),
                "imported.connectors_0__oauthClientSecret".to_owned()
            )]
        );
        assert_eq!(
            config["connectors"][0]["oauthClientSecret"],
            "<imported.connectors_0__oauthClientSecret>"
        );
        assert_eq!(config["connectors"][0]["clientID"], "abc");
        assert_eq!(config["caches"][0]["redis"]["password"], "<vault.redis>");
    }
}
