//! What every chart section of the import shares: the values being read, the config and
//! report being written, the facts one section leaves for another, and small helpers on
//! values. It calls no section.

use super::report::Report;
use super::values::{Values, set};
use crate::secrets;
use serde::de::DeserializeOwned;
use serde_yaml::{Mapping, Value};

/// The import's state: the values read, the config and report written, and what one section
/// leaves for a later one.
pub(super) struct Ctx<'a> {
    pub(super) v: &'a Values,
    pub(super) doc: Mapping,
    pub(super) r: Report,
    pub(super) name: String,
    /// `TMPDIR` as the values set it: an extra emptyDir there is the base's own /tmp.
    pub(super) tmpdir: Option<String>,
    pub(super) secret_env: Vec<Value>,
    pub(super) secret_files: Vec<Value>,
    /// `spec.secrets.values` for literal secrets lifted out of the config.
    pub(super) secret_values: Vec<Value>,
    pub(super) mounts: Vec<Value>,
    pub(super) reload: bool,
}

impl Ctx<'_> {
    pub(super) fn set(&mut self, path: &str, value: impl Into<Value>) {
        set(&mut self.doc, path, value.into());
    }
}

/// Reads a chart value into a Kubernetes type, to refuse malformed input early.
pub(super) fn typed<T: DeserializeOwned>(v: &Value) -> Result<T, String> {
    // serde echoes the value it refused: never a secret in the report.
    serde_yaml::from_value(v.clone()).map_err(|e| secrets::redact_message(&e.to_string(), false))
}

/// The host annotations of a function config in this repository's layout (`bases/<x>/`,
/// `overlays/<x>/`); the report says to adjust the path elsewhere.
pub(super) fn function_annotation(local: bool) -> Value {
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

/// A `{name, remoteRef}` entry: the shape of `spec.secrets.env`, `files` and `values`.
pub(super) fn secret_env(name: &str, key: String, property: Option<&str>) -> Value {
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

/// Helm renders `env` values and the config through `tpl`. `{{ printf "X" }}` is how the
/// chart emits a Maverics placeholder verbatim; `{{ env.X }}` is the orchestrator's own
/// syntax. Anything else is a Helm expression with no meaning here.
pub(super) fn untemplate(s: &str) -> Result<String, String> {
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

pub(super) fn untemplate_tree(v: &mut Value, path: &str, errors: &mut Vec<(String, String)>) {
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
}
