//! Inline secrets in a rendered stream: a `kind: Secret` carrying its data in the manifests,
//! and literal secret values anywhere else (a ConfigMap's keys and config files, env vars,
//! annotations, the orchestrator's own config). Manifests end up in Git, CI logs and
//! `kubectl get -o yaml`; base64 is not encryption. Secrets belong in the external store,
//! reached through the ExternalSecret, and `maverics.yaml` references them as `<group.key>`.
//! What counts as a secret is decided by [`crate::secrets`], the one detector.

use super::at::At;
use crate::config::spec_secrets::{FIX, spec_findings};
use crate::diag::Diagnostic;
use crate::krm::object;
use crate::secrets::{self, Finding};
use k8s_openapi::Resource;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use serde_yaml::Value;

/// ConfigMap keys that hold an orchestrator config: the generator writes `maverics.yaml`,
/// Strata's Helm chart `maverics.yml`, a Console bundle `maverics.json`.
pub const MAVERICS_KEYS: &[&str] = &["maverics.yaml", "maverics.yml", "maverics.json"];

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// The one opt-out of the inline-secret rules (`check::inline`). Its value is the written
/// reason, which must be readable: it is never a secret, although its key ends in one.
pub const ALLOW_ANNOTATION: &str = "krm.maverics.dev/allow-inline-secret";

const STREAM_FIX: &str = "keep the value in the secret store and let an ExternalSecret create a \
    Secret that the pod reads (`valueFrom.secretKeyRef` or a secret volume)";

/// Nested `List`s deeper than this are not manifests anyone writes.
const MAX_DEPTH: usize = 8;

/// Adds a finding for each inline secret in `obj` (and in the items of a `List`).
pub fn check_object(obj: &Value, at: &At, out: &mut Vec<Diagnostic>) {
    check_at(obj, at, "", out, 0);
}

/// One object, whose field paths start with `prefix` (`items[2].` inside a `List`).
fn check_at(obj: &Value, at: &At, prefix: &str, out: &mut Vec<Diagnostic>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let kind = object::kind(obj);
    // The fields checked by their own rules below, left out of the generic scan at the end so
    // it does not report them twice.
    let mut skip: Vec<&[&str]> = vec![&["metadata", "annotations", ALLOW_ANNOTATION]];
    match (object::api_version(obj), kind) {
        (_, k) if k.ends_with("List") && obj.get("items").is_some_and(Value::is_sequence) => {
            let items = obj.get("items").and_then(Value::as_sequence).map(Vec::as_slice);
            for (i, item) in items.unwrap_or_default().iter().enumerate() {
                check_at(item, at, &format!("{prefix}items[{i}]."), out, depth + 1);
            }
            skip.push(&["items"]);
        }
        (a, k) if (a, k) == (Secret::API_VERSION, Secret::KIND) => {
            for field in ["data", "stringData"] {
                if obj
                    .get(field)
                    .and_then(Value::as_mapping)
                    .is_some_and(|m| !m.is_empty())
                {
                    out.push(at.error(
                        format!("{prefix}{field}"),
                        "a Secret with its values inline: anyone who can read the manifests (Git, CI logs) reads the secret",
                        "keep the value in the secret store and let an ExternalSecret create the Secret \
                         (spec.secrets.values of the Orchestrator config)",
                    ));
                }
            }
            skip.extend([&["data"][..], &["stringData"]]);
        }
        (a, k) if (a, k) == (ConfigMap::API_VERSION, ConfigMap::KIND) => {
            for field in [&["data"][..], &["binaryData"]] {
                let Some(data) = obj.get(field[0]).and_then(Value::as_mapping) else {
                    continue;
                };
                skip.push(field);
                let field = field[0];
                for (k, v) in data {
                    let key = k.as_str().unwrap_or_default();
                    let config = v
                        .as_str()
                        .filter(|_| MAVERICS_KEYS.contains(&key))
                        .and_then(|text| serde_yaml::from_str::<Value>(text).ok())
                        .filter(Value::is_mapping);
                    match config {
                        Some(config) => {
                            report(out, at, secrets::scan(&config, &format!("{prefix}{field}.{key}:")), FIX)
                        }
                        None => {
                            let entry: Value = [(k.clone(), v.clone())]
                                .into_iter()
                                .collect::<serde_yaml::Mapping>()
                                .into();
                            report(out, at, secrets::scan(&entry, &format!("{prefix}{field}")), STREAM_FIX);
                        }
                    }
                }
            }
        }
        (crate::api::API_VERSION, crate::api::ORCHESTRATOR) => {
            if let Some(spec) = obj.get("spec") {
                for d in spec_findings(spec) {
                    out.push(at.error(
                        format!("{prefix}{}", d.field.unwrap_or_default()),
                        d.message,
                        d.fix.unwrap_or_default(),
                    ));
                }
            }
            skip.push(&["spec"]);
        }
        _ => {}
    }
    // The last object `kubectl apply` saw: checked as the object it is.
    let last_applied = obj
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(LAST_APPLIED))
        .and_then(Value::as_str)
        .and_then(secrets::json_inside);
    if let Some(inner) = last_applied {
        check_at(
            &inner,
            at,
            &format!("{prefix}metadata.annotations.{LAST_APPLIED}:"),
            out,
            depth + 1,
        );
        skip.push(&["metadata", "annotations", LAST_APPLIED]);
    }
    let prefix_path = prefix.strip_suffix('.').unwrap_or(prefix);
    report(out, at, secrets::scan_except(obj, prefix_path, &skip), STREAM_FIX);
}

fn report(out: &mut Vec<Diagnostic>, at: &At, found: Vec<Finding>, fix: &str) {
    for f in found {
        out.push(at.error(f.path, f.message, fix));
    }
}
