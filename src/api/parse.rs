//! Typed reading of a config object with errors that name the field path and, for a
//! misspelled field, the nearest valid one.

use crate::diag::{Diagnostic, FileRef, ResourceRef};
use serde::de::DeserializeOwned;
use serde_yaml::Value;

/// Deserialises `value` into `T`. Unknown fields are errors: in our own structs through
/// `deny_unknown_fields` (whose message lists the valid names, so the nearest is offered),
/// inside embedded Kubernetes types (which skip unknown fields) through `serde_ignored`.
pub fn typed<T: DeserializeOwned>(
    value: &Value,
    file: Option<&FileRef>,
    resource: &ResourceRef,
) -> Result<T, Vec<Diagnostic>> {
    let mut ignored = Vec::new();
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(value.clone(), &mut track);
    let result: Result<T, _> = serde_ignored::deserialize(de, |path| ignored.push(field_path(&path.to_string())));
    let locate = |d: Diagnostic| d.file(file.cloned()).resource(Some(resource.clone()));
    match result {
        Err(e) => {
            let path = track.path().to_string();
            let message = crate::secrets::redact_message(&e.to_string(), secret_typed(&path));
            Err(vec![locate(explain(&path, &message))])
        }
        Ok(_) if !ignored.is_empty() => Err(ignored
            .into_iter()
            .map(|path| {
                let leaf = path.rsplit('.').next().unwrap_or(&path).to_owned();
                locate(
                    Diagnostic::error(format!("unknown field `{leaf}`"))
                        .field(path)
                        .fix("remove it or correct its spelling (see the Kubernetes API reference for this object)"),
                )
            })
            .collect()),
        Ok(t) => Ok(t),
    }
}

/// A field whose value is or may be a secret: anything under `spec.secrets` (references
/// only, but a user who pastes the secret itself there must not see it echoed) or under a
/// secret-named key. Its type errors show a redacted preview instead of the value.
fn secret_typed(path: &str) -> bool {
    path.starts_with("spec.secrets") || path.split(['.', '[', ']']).any(crate::secrets::is_secret_key)
}

/// serde_ignored writes `a.0.b` and `?` for transparent layers; every other path in our
/// diagnostics reads `a[0].b`.
fn field_path(ignored: &str) -> String {
    let mut out = String::new();
    for seg in ignored.split('.').filter(|s| *s != "?") {
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}

/// Turns a serde message into a diagnostic with a fix.
fn explain(path: &str, message: &str) -> Diagnostic {
    // serde: "unknown field `replica`, expected one of `namespace`, `image`, ..."
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let unknown = rest.split('`').next().unwrap_or_default();
        let expected: Vec<&str> = rest
            .split_once("expected ")
            .map(|(_, list)| list.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        // The tracked path ends at the unknown key itself.
        let parent = parent_of(path, unknown);
        let field = join(parent, unknown);
        let fix = match nearest(unknown, &expected) {
            Some(best) => format!("did you mean `{best}`? Write `{}`", join(parent, best)),
            None if expected.is_empty() => "remove it: this object takes no fields".to_owned(),
            None => format!(
                "remove it; valid fields here: {}",
                expected.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
            ),
        };
        return Diagnostic::error(format!("unknown field `{unknown}`"))
            .field(field)
            .fix(fix);
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let missing = rest.split('`').next().unwrap_or_default();
        let field = join(path, missing);
        return Diagnostic::error(format!("required field `{missing}` is missing"))
            .field(field.clone())
            .fix(format!("add `{field}`"));
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let unknown = rest.split('`').next().unwrap_or_default();
        let expected: Vec<&str> = rest
            .split_once("expected ")
            .map(|(_, l)| l.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        let one_of = expected.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ");
        return Diagnostic::error(message.to_owned()).field(path.to_owned()).fix(
            match nearest(unknown, &expected).or_else(|| containing(unknown, &expected)) {
                Some(best) => format!("did you mean `{best}`? Use one of {one_of}"),
                None => format!("use one of {one_of}"),
            },
        );
    }
    // Type errors: "invalid type: string \"three\", expected u32", "invalid value: integer `-1`, ..."
    let fix = if message.contains("expected u32")
        || message.contains("expected u16")
        || message.contains("expected i32")
    {
        "write a whole number that is not negative, without quotes"
    } else if message.contains("expected struct RemoteRef") {
        "write where the secret store keeps the value, `{key: NAME}` (a remoteRef), and put the value itself in the store"
    } else if message.contains("expected struct TlsPair") {
        "write where the secret store keeps them, `{certificate: {key: CERT}, privateKey: {key: KEY}}`, and put the PEM files in the store"
    } else if message.contains("expected a boolean") {
        "write `true` or `false` without quotes"
    } else if message.contains("expected a string") {
        "write a string"
    } else {
        "correct the value's type (see `docs/config.md` for every field)"
    };
    Diagnostic::error(message.to_owned()).field(path.to_owned()).fix(fix)
}

/// The path without its last segment when that segment is `leaf`.
fn parent_of<'a>(path: &'a str, leaf: &str) -> &'a str {
    if path == leaf || path == "." {
        ""
    } else {
        path.strip_suffix(leaf)
            .and_then(|p| p.strip_suffix('.'))
            .unwrap_or(path)
    }
}

fn join(parent: &str, leaf: &str) -> String {
    if parent.is_empty() || parent == "." {
        leaf.to_owned()
    } else {
        format!("{parent}.{leaf}")
    }
}

/// The candidate closest to `word`, if it is close enough to be a plausible typo.
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&lower, &c.to_ascii_lowercase()), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The one candidate that contains `word` (`nginx` in `appRoutingNginx`), case ignored: a
/// value written as its short name is not a typo that [`nearest`] would find.
fn containing<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    let hits: Vec<&str> = candidates
        .iter()
        .filter(|c| lower.len() >= 4 && c.to_ascii_lowercase().contains(&lower))
        .copied()
        .collect();
    match hits[..] {
        [one] => Some(one),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignored_paths_use_brackets_for_indices() {
        assert_eq!(
            field_path("spec.networkPolicy.ingressFrom.0.podSelector.?.matchLabelz"),
            "spec.networkPolicy.ingressFrom[0].podSelector.matchLabelz"
        );
    }

    #[test]
    fn nearest_finds_typos_only() {
        let c = ["replicas", "autoscaling", "image", "port"];
        assert_eq!(nearest("replica", &c), Some("replicas"));
        assert_eq!(nearest("autoscalling", &c), Some("autoscaling"));
        assert_eq!(nearest("Image", &c), Some("image"));
        assert_eq!(nearest("tolerations", &c), None);
        assert_eq!(
            containing("nginx", &["agc", "appRoutingNginx"]),
            Some("appRoutingNginx")
        );
        assert_eq!(containing("agc", &["agc", "appRoutingNginx"]), None);
    }

    #[test]
    fn type_errors_on_secret_fields_never_echo_the_value() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Spec {
            secrets: Secrets,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Secrets {
            license: Option<Ref>,
            tls: Option<Ref>,
            replicas: Option<u32>,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Ref {
            key: String,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Top {
            spec: Spec,
        }
        let resource = ResourceRef {
            api_version: "v1".into(),
            kind: "Orchestrator".into(),
            name: "m".into(),
            namespace: None,
        };
        let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----";
        for (yaml, field, preview) in [
            (
                "spec: {secrets: {license: hunter2-license}}",
                "spec.secrets.license",
                "(redacted, 15 characters)",
            ),
            (
                &format!("spec: {{secrets: {{tls: {}}}}}", serde_json::to_string(pem).unwrap()) as &str,
                "spec.secrets.tls",
                "(redacted, 68 characters)",
            ),
            (
                "spec: {secrets: {replicas: s3cr3t}}",
                "spec.secrets.replicas",
                "(redacted, 6 characters)",
            ),
        ] {
            let v: Value = serde_yaml::from_str(yaml).unwrap();
            let d = &typed::<Top>(&v, None, &resource).unwrap_err()[0];
            let shown = format!("{d}\n{:?}", d.to_result());
            assert_eq!(d.field.as_deref(), Some(field), "{shown}");
            assert!(d.message.contains(preview) && d.message.contains("expected"), "{shown}");
            for secret in ["hunter2", "MIIE", "BEGIN", "s3cr3t"] {
                assert!(!shown.contains(secret), "`{secret}` echoed: {shown}");
            }
        }
    }

    #[test]
    fn unknown_field_message_names_path_and_nearest() {
        let d = explain(
            "spec.replica",
            "unknown field `replica`, expected one of `image`, `replicas`",
        );
        assert_eq!(d.field.as_deref(), Some("spec.replica"));
        assert_eq!(d.fix.as_deref(), Some("did you mean `replicas`? Write `spec.replicas`"));
    }
}
