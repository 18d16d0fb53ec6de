//! Normalization: what makes two renders of the same objects compare equal whatever the
//! key order, quoting or list order of named items; and redaction of secret-like values.

use crate::secrets::{self, How, Step};
use serde_yaml::{Mapping, Value};
use std::cmp::Ordering;

/// Sorts mapping keys, drops `null` values (Kubernetes reads them as absent), and sorts
/// lists whose items all carry a unique `name` (ports, volumes, imagePullSecrets...) by that
/// name, so items are compared by name, not by position. The lists in [`ORDERED`] keep their
/// order, so a reorder of them shows in the diff.
pub fn normalize(v: Value) -> Value {
    normalize_in(v, "")
}

/// Lists whose order changes what runs: containers and init containers start in order (and
/// the first container is the default of `kubectl logs`/`exec`); a later `env` entry may refer
/// to an earlier one as `$(NAME)`; a `volumeMount` nested in another's path must come after
/// it. (`args`, `command` and `envFrom`, where a later source wins, have no names: they are
/// compared by position anyway.)
pub const ORDERED: &[&str] = &["initContainers", "containers", "env", "volumeMounts"];

fn normalize_in(v: Value, parent_key: &str) -> Value {
    match v {
        Value::Mapping(m) => {
            let mut entries: Vec<(Value, Value)> = m
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    let v = normalize_in(v, k.as_str().unwrap_or_default());
                    (k, v)
                })
                .collect();
            entries.sort_by(|a, b| key_cmp(&a.0, &b.0));
            Value::Mapping(entries.into_iter().collect::<Mapping>())
        }
        Value::Sequence(items) => {
            let mut items: Vec<Value> = items.into_iter().map(|i| normalize_in(i, "")).collect();
            if !ORDERED.contains(&parent_key) && keyed_by_name(&items) {
                items.sort_by(|a, b| name_of(a).cmp(&name_of(b)));
            }
            Value::Sequence(items)
        }
        Value::Tagged(mut t) => {
            t.value = normalize_in(std::mem::take(&mut t.value), parent_key);
            Value::Tagged(t)
        }
        other => other,
    }
}

fn key_cmp(a: &Value, b: &Value) -> Ordering {
    match (a.as_str(), b.as_str()) {
        (Some(a), Some(b)) => a.cmp(b),
        // Non-string keys are rare in manifests; their YAML form gives a stable order.
        _ => serde_yaml::to_string(a)
            .unwrap_or_default()
            .cmp(&serde_yaml::to_string(b).unwrap_or_default()),
    }
}

fn name_of(v: &Value) -> Option<&str> {
    v.get("name").and_then(Value::as_str)
}

/// True when every item is a mapping with a string `name` and no two names are equal.
pub fn keyed_by_name(items: &[Value]) -> bool {
    let mut names: Vec<&str> = Vec::with_capacity(items.len());
    for i in items {
        match name_of(i) {
            Some(n) => names.push(n),
            None => return false,
        }
    }
    let n = names.len();
    names.sort_unstable();
    names.dedup();
    n > 0 && names.len() == n
}

const REDACTED: &str = "(redacted)";
const REDACTED_BEFORE: &str = "(redacted, changed: before)";
const REDACTED_AFTER: &str = "(redacted, changed: after)";

/// Redacts both sides of one object, as `helm diff` does, wherever [the secret
/// detector](crate::secrets) finds a secret: a Secret's `data`/`stringData`, values under
/// secret-named keys and env vars, PEM private keys, JWTs, access key IDs, URLs with a
/// password, `Authorization` headers; only the value of a secret line inside a multi-line
/// string (a config file in a ConfigMap); only the secret values of JSON inside a string
/// (`kubectl.kubernetes.io/last-applied-configuration`). A value that differs between the
/// sides gets a different marker on each, so the diff still shows *that* it changed, never
/// *what* it is.
pub fn redact_pair(kind: &str, old: Option<Value>, new: Option<Value>) -> (Option<Value>, Option<Value>) {
    let old_r = old
        .as_ref()
        .map(|o| replacements(kind, o, new.as_ref(), Side::Old))
        .unwrap_or_default();
    let new_r = new
        .as_ref()
        .map(|n| replacements(kind, n, old.as_ref(), Side::New))
        .unwrap_or_default();
    let apply = |v: Option<Value>, rs: Vec<(Vec<Step>, String)>| {
        v.map(|mut v| {
            for (p, text) in rs {
                if let Some(slot) = secrets::get_mut(&mut v, &p) {
                    *slot = Value::String(text);
                }
            }
            v
        })
    };
    (apply(old, old_r), apply(new, new_r))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Old,
    New,
}

impl Side {
    fn changed(self) -> &'static str {
        match self {
            Side::Old => REDACTED_BEFORE,
            Side::New => REDACTED_AFTER,
        }
    }
}

/// The redacted text of each secret string of `this`, compared with `other` at the same place.
fn replacements(kind: &str, this: &Value, other: Option<&Value>, side: Side) -> Vec<(Vec<Step>, String)> {
    secrets::object_leaves(this, kind)
        .into_iter()
        .filter_map(|leaf| {
            let mine = secrets::get(this, &leaf.steps)?;
            let theirs = other.and_then(|o| secrets::get(o, &leaf.steps));
            let text = match leaf.how {
                How::Whole(_) => match theirs {
                    Some(t) if t != mine => side.changed().to_owned(),
                    _ => REDACTED.to_owned(),
                },
                How::Lines => redact_lines(mine.as_str()?, theirs.and_then(Value::as_str), side.changed()),
                How::Json => redact_json(mine.as_str()?, theirs.and_then(Value::as_str), side)?,
            };
            Some((leaf.steps, text))
        })
        .collect()
}

/// Only the secret part of each secret line; the key and the rest of the line stay.
fn redact_lines(this: &str, other: Option<&str>, changed: &str) -> String {
    let mut out = this.to_owned();
    for found in secrets::secret_lines(this).into_iter().rev() {
        let line_start = this[..found.range.start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = this[found.range.end..]
            .find('\n')
            .map_or(this.len(), |i| found.range.end + i);
        let line = &this[line_start..line_end];
        let same = other.is_none_or(|o| o.lines().any(|l| l == line));
        out.replace_range(found.range, if same { REDACTED } else { changed });
    }
    out
}

/// JSON inside a string, redacted as the object it is and written back as compact JSON.
fn redact_json(this: &str, other: Option<&str>, side: Side) -> Option<String> {
    let mine = secrets::json_inside(this)?;
    let theirs = other.and_then(secrets::json_inside);
    let kind = mine.get("kind").and_then(Value::as_str).unwrap_or_default().to_owned();
    let redacted = match side {
        Side::Old => redact_pair(&kind, Some(mine), theirs).0,
        Side::New => redact_pair(&kind, theirs, Some(mine)).1,
    }?;
    serde_json::to_string(&redacted).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_lines_inside_config_files_are_redacted_but_placeholders_are_not() {
        let cm = |pw: &str| {
            y(&format!(
                "data:\n  maverics.yaml: \"connectors:\\n- name: idp\\n  oauthClientSecret: <idp.client_secret>\\n  dbPassword: {pw}\\n  url: http://x\\n\"\n  app.properties: \"api.token=abc123\\nmode=x\\n\"\n"
            ))
        };
        let (o, n) = redact_pair("ConfigMap", Some(cm("hunter2")), Some(cm("hunter3")));
        let (o, n) = (o.unwrap(), n.unwrap());
        let (os, ns) = (
            o["data"]["maverics.yaml"].as_str().unwrap(),
            n["data"]["maverics.yaml"].as_str().unwrap(),
        );
        assert_eq!(
            os,
            "connectors:\n- name: idp\n  oauthClientSecret: <idp.client_secret>\n  dbPassword: (redacted, changed: before)\n  url: http://x\n"
        );
        assert!(ns.contains("dbPassword: (redacted, changed: after)"), "{ns}");
        assert_eq!(
            n["data"]["app.properties"].as_str(),
            Some("api.token=(redacted)\nmode=x\n")
        );
    }

    fn y(s: &str) -> Value {
        serde_yaml::from_str(s).unwrap()
    }

    #[test]
    fn key_order_and_nulls_are_noise() {
        assert_eq!(
            normalize(y("{b: 1, a: {d: 2, c: 3}, n: null}")),
            normalize(y("{a: {c: 3, d: 2}, b: 1}"))
        );
        let out = serde_yaml::to_string(&normalize(y("{b: 1, a: 2}"))).unwrap();
        assert_eq!(out, "a: 2\nb: 1\n");
    }

    #[test]
    fn lists_keyed_by_name_are_matched_by_name_not_position() {
        let a = y("ports: [{name: B, port: 2}, {name: A, port: 1}]");
        let b = y("ports: [{name: A, port: 1}, {name: B, port: 2}]");
        assert_eq!(normalize(a), normalize(b));
        // Without unique names, position is all there is.
        let c = y("args: [x, y]");
        let d = y("args: [y, x]");
        assert_ne!(normalize(c), normalize(d));
        let dup = y("l: [{name: a, v: 1}, {name: a, v: 0}]");
        assert_eq!(normalize(dup.clone()), dup);
    }

    #[test]
    fn lists_whose_order_matters_keep_it() {
        for list in ORDERED {
            let a = y(&format!("{list}: [{{name: b}}, {{name: a}}]"));
            let b = y(&format!("{list}: [{{name: a}}, {{name: b}}]"));
            assert_ne!(normalize(a), normalize(b), "{list}");
        }
    }

    #[test]
    fn secret_data_is_redacted_and_a_change_still_shows() {
        let old = y("kind: Secret\ndata: {a: c2VjcmV0, b: c2FtZQ==}\nmetadata: {name: s}");
        let new = y("kind: Secret\ndata: {a: b3RoZXI=, b: c2FtZQ==}\nmetadata: {name: s}");
        let (o, n) = redact_pair("Secret", Some(old), Some(new));
        let (o, n) = (o.unwrap(), n.unwrap());
        assert_eq!(o["data"]["b"], n["data"]["b"]);
        assert_eq!(o["data"]["b"].as_str(), Some(REDACTED));
        assert_ne!(o["data"]["a"], n["data"]["a"]);
        let text = format!(
            "{}{}",
            serde_yaml::to_string(&o).unwrap(),
            serde_yaml::to_string(&n).unwrap()
        );
        assert!(!text.contains("c2VjcmV0") && !text.contains("b3RoZXI=") && !text.contains("c2FtZQ=="));
        assert_eq!(o["metadata"]["name"].as_str(), Some("s"));
    }

    #[test]
    fn secret_like_keys_and_pem_are_redacted_in_any_kind_but_references_are_not() {
        let v = y(
            "kind: ConfigMap\ndata:\n  db_password: hunter2\n  cert: \"-----BEGIN PRIVATE KEY-----\\nabc\"\n  secretName: tls\nspec:\n  env:\n  - name: X\n    valueFrom: {secretKeyRef: {name: s, key: password}}\n",
        );
        let (_, n) = redact_pair("ConfigMap", None, Some(v));
        let text = serde_yaml::to_string(&n.unwrap()).unwrap();
        assert!(!text.contains("hunter2") && !text.contains("abc"), "{text}");
        assert!(
            text.contains("secretName: tls") && text.contains("key: password"),
            "{text}"
        );
    }

    fn redacted_new(kind: &str, old: &str, new: &str) -> String {
        let (_, n) = redact_pair(kind, Some(y(old)), Some(y(new)));
        serde_yaml::to_string(&n.unwrap()).unwrap()
    }

    #[test]
    fn last_applied_configuration_is_redacted_as_the_object_it_holds() {
        let la = |v: &str| {
            format!(
                "kind: Secret\nmetadata:\n  name: s\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"data\":{{\"tls.key\":\"{v}\"}},\"metadata\":{{\"name\":\"s\"}}}}'\n"
            )
        };
        let out = redacted_new("Secret", &la("b2xk"), &la("bmV3"));
        assert!(!out.contains("bmV3") && !out.contains("b2xk"), "{out}");
        assert!(
            out.contains(r#"{"apiVersion":"v1","kind":"Secret","data":{"tls.key":"(redacted, changed: after)"},"metadata":{"name":"s"}}"#),
            "only the value is redacted, the rest of the JSON stays: {out}"
        );
    }

    #[test]
    fn json_inside_a_string_keeps_everything_but_the_secret() {
        let cm = |pw: &str| {
            format!(
                "kind: ConfigMap\ndata:\n  config.json: '{{\"user\":\"app\",\"password\":\"{pw}\",\"port\":5432}}'\n"
            )
        };
        let out = redacted_new("ConfigMap", &cm("hunter2"), &cm("hunter2"));
        assert!(
            out.contains(r#"{"user":"app","password":"(redacted)","port":5432}"#),
            "{out}"
        );
    }

    #[test]
    fn env_values_urls_and_authorization_headers_are_redacted() {
        let dep = |v: &str| {
            format!(
                "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        env:\n        - {{name: DB_PASSWORD, value: pw{v}}}\n        - {{name: DB_URL, value: 'postgres://app:pw{v}@db/app'}}\n        - {{name: HOOK_HEADER, value: 'Authorization: Bearer token{v}'}}\n        - {{name: MODE, value: m{v}}}\n"
            )
        };
        let out = redacted_new("Deployment", &dep("1"), &dep("2"));
        assert!(!out.contains("pw2") && !out.contains("token2"), "{out}");
        assert_eq!(out.matches("(redacted, changed: after)").count(), 3, "{out}");
        assert!(out.contains("value: m2"), "a plain variable is shown: {out}");
    }

    #[test]
    fn a_secret_behind_a_custom_tag_or_beside_a_reference_is_redacted() {
        let out = redacted_new(
            "ConfigMap",
            "kind: ConfigMap\n",
            "kind: ConfigMap\nx:\n  password: !vault hunter2\n  token: '{{ env.T }}abc'\n  secret: '<a.b>'\n",
        );
        assert!(!out.contains("hunter2") && !out.contains("abc"), "{out}");
        assert!(out.contains("secret: <a.b>"), "{out}");
    }

    proptest::proptest! {
        /// Whatever the secret, wherever the issue says it hides, the redacted diff input
        /// never contains it, and the plain value beside it is still there.
        #[test]
        fn no_secret_survives_redaction(secret in "[A-Za-z0-9]{8,24}", plain in "[a-z]{6,12}") {
            let yaml = format!(
                "kind: Deployment\nmetadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{{\"kind\":\"Secret\",\"data\":{{\"k\":\"{secret}\"}}}}'\n    example.com/url: 'https://u:{secret}@h/p'\nspec:\n  env:\n  - {{name: API_KEY, value: {secret}}}\n  - {{name: HEADER, value: 'Authorization: Basic {secret}'}}\n  - {{name: JSON, value: '{{\"password\":\"{secret}\",\"mode\":\"{plain}\"}}'}}\n  - {{name: MODE, value: {plain}}}\n"
            );
            let (_, n) = redact_pair("Deployment", None, Some(y(&yaml)));
            let out = serde_yaml::to_string(&n.unwrap()).unwrap();
            proptest::prop_assert!(!out.contains(&secret), "{}", out);
            proptest::prop_assert_eq!(out.matches(&plain).count(), 2, "{}", out);
        }
    }
}
