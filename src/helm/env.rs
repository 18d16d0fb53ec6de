//! The environment sections of the chart: env vars (inline secrets move to the secret store)
//! and the extra volume, ConfigMap and Secret mounts.

use super::ctx::{Ctx, secret_env, typed, untemplate};
use crate::config::workload::{REMOTE_CONFIG_ENV, RESERVED_ENV};
use crate::secrets;
use k8s_openapi::api::core::v1::EnvVarSource;
use serde_yaml::{Mapping, Value};

/// An env var that must move to the secret store: a secret name (`DB_PASSWORD`, not
/// `PASSWORD_FILE`), or a value that holds a secret (a URL with a password, JSON with a key).
fn looks_secret(name: &str, value: &str) -> bool {
    secrets::is_secret_key(name) || !secrets::leaves(&Value::from(value), false).is_empty()
}

/// The remote key an inline secret moves to: a name to create in the secret store.
fn remote_key(c: &Ctx, what: &str) -> String {
    format!("{}-{}", c.name, what.to_ascii_lowercase().replace('_', "-"))
}

pub(super) fn env(c: &mut Ctx) {
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

pub(super) fn mounts(c: &mut Ctx) {
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
