//! Inline secrets: a `kind: Secret` carrying its data in the manifests, and literal secret
//! values in the orchestrator's own config. Manifests end up in Git, CI logs and `kubectl
//! get -o yaml`; base64 is not encryption. Secrets belong in the external store, reached
//! through the ExternalSecret, and `maverics.yaml` references them as `<group.key>`.

use super::At;
use crate::diag::Diagnostic;
use crate::krm::object;
use serde_yaml::Value;

/// The ConfigMap key the generator writes `maverics.yaml` to.
const MAVERICS_KEY: &str = "maverics.yaml";

pub fn check_object(obj: &Value, at: &At, out: &mut Vec<Diagnostic>) {
    match (object::api_version(obj), object::kind(obj)) {
        ("v1", "Secret") => {
            for field in ["data", "stringData"] {
                if obj
                    .get(field)
                    .and_then(Value::as_mapping)
                    .is_some_and(|m| !m.is_empty())
                {
                    out.push(at.error(
                        field,
                        "a Secret with its values inline: anyone who can read the manifests (Git, CI logs) reads the secret",
                        "keep the value in the secret store and let an ExternalSecret create the Secret \
                         (spec.secrets.values of the Orchestrator config)",
                    ));
                }
            }
        }
        ("v1", "ConfigMap") => {
            let Some(data) = obj.get("data").and_then(Value::as_mapping) else {
                return;
            };
            for (k, v) in data {
                let (Some(key), Some(text)) = (k.as_str(), v.as_str()) else {
                    continue;
                };
                let field = format!("data.{key}");
                if is_private_key(text) {
                    out.push(private_key_finding(at, &field));
                } else if key == MAVERICS_KEY
                    && let Ok(config) = serde_yaml::from_str::<Value>(text)
                {
                    for (path, why) in scan_config(&config, &format!("{field}:")) {
                        out.push(at.error(path, why, FIX));
                    }
                }
            }
        }
        (crate::config::API_VERSION, "Orchestrator") => {
            if let Some(config) = obj.get("spec").and_then(|s| s.get("config")) {
                for (path, why) in scan_config(config, "spec.config") {
                    out.push(at.error(path, why, FIX));
                }
            }
        }
        _ => {}
    }
}

fn private_key_finding(at: &At, field: &str) -> Diagnostic {
    at.error(
        field,
        "a PEM private key in a ConfigMap",
        "move the key to the secret store and mount it through the ExternalSecret (spec.secrets.tls)",
    )
}

pub const FIX: &str = "store the value in the secret store, list it under `spec.secrets.values` \
    (e.g. `name: idp.client_secret`) and write `<idp.client_secret>` here, or read it from the \
    environment with `{{ env.NAME }}`";

fn is_private_key(s: &str) -> bool {
    s.contains("-----BEGIN") && s.contains("PRIVATE KEY-----")
}

/// Key names that hold secrets in `maverics.yaml` (compared lower-case, without `_` and `-`).
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "privatekey",
    "encryptionkey",
    "signingkey",
    "apikey",
];

/// Suffixes that make a secret-sounding key a pointer rather than a value
/// (`privateKeyFile`, `clientSecretName`, `passwordRef`).
const POINTER_SUFFIXES: &[&str] = &[
    "file", "path", "name", "ref", "url", "id", "provider", "type", "location",
];

fn is_secret_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    SECRET_WORDS.iter().any(|w| k.contains(w)) && !POINTER_SUFFIXES.iter().any(|s| k.ends_with(s))
}

/// A value that is not the secret itself: a `<provider.key>` reference, `{{ env.X }}`, or
/// nothing at all.
fn is_reference(s: &str) -> bool {
    let t = s.trim();
    t.is_empty()
        || (t.starts_with('<') && t.ends_with('>') && !t[1..t.len() - 1].contains(['<', '>']))
        || (t.starts_with("{{") && t.ends_with("}}") && t.contains("env."))
}

/// Literal secrets in an orchestrator config: (field path, why). `prefix` is the path of
/// the config itself.
pub fn scan_config(config: &Value, prefix: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(config, prefix.to_owned(), None, &mut out, 0);
    out
}

/// Deep enough for any real config; a deeper one cannot come from YAML we parsed anyway.
const MAX_DEPTH: usize = 64;

fn walk(v: &Value, path: String, key: Option<&str>, out: &mut Vec<(String, String)>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::Mapping(m) => {
            for (k, child) in m {
                let Some(k) = k.as_str() else { continue };
                let p = if path.ends_with(':') || path.is_empty() {
                    format!("{path}{k}")
                } else {
                    format!("{path}.{k}")
                };
                walk(child, p, Some(k), out, depth + 1);
            }
        }
        Value::Sequence(s) => {
            for (i, child) in s.iter().enumerate() {
                walk(child, format!("{path}[{i}]"), key, out, depth + 1);
            }
        }
        Value::String(s) if is_private_key(s) => {
            out.push((path, "a literal PEM private key in the orchestrator config".into()));
        }
        Value::String(s) if key.is_some_and(is_secret_key) && !is_reference(s) => {
            out.push((
                path,
                format!(
                    "`{}` holds a literal secret, not a `<provider.key>` reference",
                    key.unwrap_or_default()
                ),
            ));
        }
        Value::Number(_) if key.is_some_and(is_secret_key) => {
            out.push((path, format!("`{}` holds a literal secret", key.unwrap_or_default())));
        }
        _ => {}
    }
}
