//! The one way secrets reach the orchestrator: an External Secrets Operator `ExternalSecret`
//! (`external-secrets.io/v1`) whose Secret is mounted as files into the orchestrator
//! container. No `kind: Secret` is ever emitted.

use super::Inputs;
use crate::config::refs::RemoteRef;
use crate::config::secret_store::{SecretFileLayout, Secrets};
use crate::k8s::kinds::EXTERNAL_SECRET;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use std::collections::BTreeMap;

pub const MOUNT_DIR: &str = "/etc/maverics/secrets";
/// Read by the orchestrator's `secretfile` provider; holds every `<group.key>` value.
pub const SECRETS_FILE: &str = "secrets.yaml";
pub const LICENSE_FILE: &str = "license";
pub const TLS_CERT_FILE: &str = "tls.crt";
pub const TLS_KEY_FILE: &str = "tls.key";
/// Experimental clustering's pre-shared key, read through an env var.
pub const CLUSTERS_PSK_FILE: &str = "clusters-psk";
const CLUSTERS_PSK_KEY: &str = "maverics-clusters-psk";
// Remote values are fetched under these keys; they have no '.', so they cannot collide with
// a `group.key` value name.
const LICENSE_KEY: &str = "maverics-license";
const TLS_CERT_KEY: &str = "maverics-tls-crt";
const TLS_KEY_KEY: &str = "maverics-tls-key";

pub type ExternalSecret = super::custom::CustomResource<ObjectMeta, Spec>;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    secret_store_ref: StoreRef,
    refresh_interval: String,
    target: Target,
    data: Vec<Data>,
}

#[derive(Serialize)]
struct StoreRef {
    name: String,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Target {
    name: String,
    creation_policy: &'static str,
    deletion_policy: &'static str,
    template: Template,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Template {
    #[serde(rename = "type")]
    type_: &'static str,
    engine_version: &'static str,
    merge_policy: &'static str,
    data: BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    secret_key: String,
    remote_ref: Remote,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Remote {
    key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    property: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
}

fn data(secret_key: &str, r: &RemoteRef) -> Data {
    Data {
        secret_key: secret_key.to_owned(),
        remote_ref: Remote {
            key: r.key.clone(),
            property: r.property.clone(),
            version: r.version.clone(),
        },
    }
}

/// The Secret key behind a `spec.secrets.env` variable; the checks keep `spec.secrets.files`
/// names out of the `env-` prefix so the two never share a key.
pub fn env_file(name: &str) -> String {
    format!("env-{name}")
}

/// The files the Secret holds, for the mount and the environment.
pub fn files(secrets: &Secrets) -> Vec<&'static str> {
    let mut f = Vec::new();
    if !secrets.values.is_empty() {
        f.push(SECRETS_FILE);
    }
    if secrets.license.is_some() {
        f.push(LICENSE_FILE);
    }
    if secrets.tls.is_some() {
        f.extend([TLS_CERT_FILE, TLS_KEY_FILE]);
    }
    f
}

/// The `secretfile` provider's YAML in the configured layout: flat pairs under `secrets:`, or
/// one mapping per group with one entry per key. Each value is written with `toJson` so any
/// character survives as a valid YAML scalar; names are `group.key` of letters, digits, `_`
/// and `-` (config checks).
fn secrets_file_template(secrets: &Secrets) -> String {
    let value = |name: &str| format!("{{{{ index . \"{name}\" | toJson }}}}");
    let mut out = String::new();
    match secrets.layout {
        SecretFileLayout::Flat => {
            out.push_str("secrets:\n");
            let mut names: Vec<&str> = secrets.values.iter().map(|v| v.name.as_str()).collect();
            names.sort_unstable();
            for name in names {
                // Quoted, so a name such as `1.5` stays a string key.
                let key = serde_json::Value::String(name.to_owned());
                out.push_str(&format!("  {key}: {}\n", value(name)));
            }
        }
        SecretFileLayout::Nested => {
            let mut groups: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
            for v in &secrets.values {
                if let Some((group, key)) = v.split() {
                    groups.entry(group).or_default().push((key, &v.name));
                }
            }
            for (group, keys) in groups {
                out.push_str(&format!("{group}:\n"));
                for (key, name) in keys {
                    out.push_str(&format!("  {key}: {}\n", value(name)));
                }
            }
        }
    }
    out
}

pub fn build(inputs: &Inputs) -> Option<ExternalSecret> {
    let secrets = inputs.config.spec.secrets.as_ref()?;
    let mut data_list = Vec::new();
    let mut template = BTreeMap::new();
    for v in &secrets.values {
        data_list.push(data(&v.name, &v.remote_ref));
    }
    if !secrets.values.is_empty() {
        template.insert(SECRETS_FILE.to_owned(), secrets_file_template(secrets));
    }
    if let Some(license) = &secrets.license {
        data_list.push(data(LICENSE_KEY, license));
        template.insert(LICENSE_FILE.to_owned(), format!("{{{{ index . \"{LICENSE_KEY}\" }}}}"));
    }
    if let Some(tls) = &secrets.tls {
        data_list.push(data(TLS_CERT_KEY, &tls.certificate));
        data_list.push(data(TLS_KEY_KEY, &tls.private_key));
        template.insert(
            TLS_CERT_FILE.to_owned(),
            format!("{{{{ index . \"{TLS_CERT_KEY}\" }}}}"),
        );
        template.insert(TLS_KEY_FILE.to_owned(), format!("{{{{ index . \"{TLS_KEY_KEY}\" }}}}"));
    }
    for f in &secrets.files {
        let key = format!("maverics-file-{}", f.name);
        data_list.push(data(&key, &f.remote_ref));
        template.insert(f.name.clone(), format!("{{{{ index . \"{key}\" }}}}"));
    }
    for e in &secrets.env {
        let key = format!("maverics-env-{}", e.name);
        data_list.push(data(&key, &e.remote_ref));
        template.insert(env_file(&e.name), format!("{{{{ index . \"{key}\" }}}}"));
    }
    if inputs.config.spec.clustering.enabled
        && let Some(psk) = &inputs.config.spec.clustering.psk
    {
        data_list.push(data(CLUSTERS_PSK_KEY, psk));
        template.insert(
            CLUSTERS_PSK_FILE.to_owned(),
            format!("{{{{ index . \"{CLUSTERS_PSK_KEY}\" }}}}"),
        );
    }
    Some(ExternalSecret {
        api_version: EXTERNAL_SECRET.api_version,
        kind: EXTERNAL_SECRET.kind,
        metadata: inputs.meta(&inputs.names.secret),
        spec: Spec {
            secret_store_ref: StoreRef {
                name: secrets.store_ref.name.clone(),
                kind: secrets.store_ref.kind.as_str(),
            },
            refresh_interval: secrets.refresh_interval.clone(),
            target: Target {
                name: inputs.names.secret.clone(),
                creation_policy: "Owner",
                deletion_policy: "Retain",
                template: Template {
                    type_: "Opaque",
                    engine_version: "v2",
                    merge_policy: "Replace",
                    data: template,
                },
            },
            data: data_list,
        },
    })
}
