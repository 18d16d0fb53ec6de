//! Normalization: what makes two renders of the same objects compare equal whatever the
//! key order, quoting or list order of named items; and redaction of secret-like values.

use serde_yaml::{Mapping, Value};
use std::cmp::Ordering;

/// Sorts mapping keys, drops `null` values (Kubernetes reads them as absent), and sorts
/// lists whose items all carry a unique `name` (containers, env, ports, volumes,
/// volumeMounts...) by that name, so items are compared by name, not by position.
/// `initContainers` keep their order: they run one after the other, so their order matters.
pub fn normalize(v: Value) -> Value {
    normalize_in(v, "")
}

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
            if parent_key != "initContainers" && keyed_by_name(&items) {
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

/// Keys whose string values are secret. Matched on the end of the key with separators
/// removed, so `oauthClientSecret` and `client_secret` are caught while references
/// (`secretName`, `secretKeyRef`, ExternalSecret's `secretKey`) are not.
const SECRET_KEY_ENDINGS: [&str; 12] = [
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "privatekey",
    "credential",
    "credentials",
    "secretaccesskey",
    "signingkey",
    "encryptionkey",
];

/// File names of key material in `data` maps (`tls.key`, `ca.pem` holds only certificates
/// usually, but a PEM can hold a private key, so it is treated as secret too).
const SECRET_FILE_ENDINGS: [&str; 4] = [".key", ".pem", ".p12", ".jks"];

pub fn is_secret_key(key: &str) -> bool {
    if SECRET_FILE_ENDINGS.iter().any(|e| key.ends_with(e)) {
        return true;
    }
    let squashed: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    SECRET_KEY_ENDINGS.iter().any(|e| squashed.ends_with(e))
}

const REDACTED: &str = "(redacted)";
const REDACTED_BEFORE: &str = "(redacted, changed: before)";
const REDACTED_AFTER: &str = "(redacted, changed: after)";

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(Value),
    Index(usize),
}

/// Redacts both sides of one object, as `helm diff` does: every value of a Secret's
/// `data`/`stringData`, string values under secret-like keys, PEM blocks anywhere, and
/// `key: value` / `key=value` lines with a secret-like key inside multi-line strings (a
/// config file in a ConfigMap). A value that differs between the sides gets a different
/// marker on each, so the diff still shows *that* it changed, never *what* it is.
pub fn redact_pair(kind: &str, old: Option<Value>, new: Option<Value>) -> (Option<Value>, Option<Value>) {
    let replacements = |this: &Value, other: Option<&Value>, changed: &'static str| {
        secret_leaves(kind, this)
            .into_iter()
            .filter_map(|(p, how)| {
                let mine = get_path(this, &p)?;
                let theirs = other.and_then(|o| get_path(o, &p));
                let text = match how {
                    Leaf::Whole => match theirs {
                        Some(t) if t != mine => changed.to_owned(),
                        _ => REDACTED.to_owned(),
                    },
                    Leaf::Lines => redact_lines(mine.as_str()?, theirs.and_then(Value::as_str), changed),
                };
                Some((p, text))
            })
            .collect::<Vec<_>>()
    };
    let old_r = old
        .as_ref()
        .map(|o| replacements(o, new.as_ref(), REDACTED_BEFORE))
        .unwrap_or_default();
    let new_r = new
        .as_ref()
        .map(|n| replacements(n, old.as_ref(), REDACTED_AFTER))
        .unwrap_or_default();
    let apply = |v: Option<Value>, rs: Vec<(Vec<Seg>, String)>| {
        v.map(|mut v| {
            for (p, text) in rs {
                if let Some(slot) = get_path_mut(&mut v, &p) {
                    *slot = Value::String(text);
                }
            }
            v
        })
    };
    (apply(old, old_r), apply(new, new_r))
}

/// How a string is redacted: all of it, or its secret-looking lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leaf {
    Whole,
    Lines,
}

/// The byte offset of the value in a `key: value` or `key=value` line whose key looks
/// secret and whose value is a literal, not a reference (`<idp.client_secret>`, `{{ ... }}`,
/// `${VAR}`, `$(VAR)`): the orchestrator's own config puts secrets in as placeholders.
fn embedded_secret(line: &str) -> Option<usize> {
    let body = line.trim_start();
    let body = body.strip_prefix("- ").unwrap_or(body);
    let offset = line.len() - body.len();
    let sep = body.find([':', '='])?;
    let key = body[..sep].trim().trim_matches(['"', '\'']);
    let rest = &body[sep + 1..];
    if body[sep..].starts_with(':') && !(rest.is_empty() || rest.starts_with(' ')) {
        return None; // `http://...`, not a key
    }
    let value = rest.trim();
    let reference = (value.starts_with('<') && value.ends_with('>'))
        || value.contains("{{")
        || value.starts_with("${")
        || value.starts_with("$(");
    if key.is_empty() || !is_secret_key(key) || value.is_empty() || reference || matches!(value, "|" | ">") {
        return None;
    }
    Some(offset + sep + 1 + (rest.len() - rest.trim_start().len()))
}

fn redact_lines(this: &str, other: Option<&str>, changed: &str) -> String {
    this.split_inclusive('\n')
        .map(|line| {
            let (content, eol) = line.strip_suffix('\n').map_or((line, ""), |c| (c, "\n"));
            match embedded_secret(content) {
                None => line.to_owned(),
                Some(at) => {
                    let same = other.is_none_or(|o| o.lines().any(|l| l == content));
                    let marker = if same { REDACTED } else { changed };
                    format!("{}{marker}{eol}", &content[..at])
                }
            }
        })
        .collect()
}

/// Paths of the strings to redact in one object.
fn secret_leaves(kind: &str, v: &Value) -> Vec<(Vec<Seg>, Leaf)> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    if let Value::Mapping(m) = v {
        for (k, child) in m {
            let whole = kind == "Secret" && matches!(k.as_str(), Some("data" | "stringData"));
            path.push(Seg::Key(k.clone()));
            walk(child, whole, &mut path, &mut out);
            path.pop();
        }
    }
    out
}

/// `secret`: every scalar below is secret (a Secret's data, or a list under a secret key).
fn walk(v: &Value, secret: bool, path: &mut Vec<Seg>, out: &mut Vec<(Vec<Seg>, Leaf)>) {
    match v {
        Value::Mapping(m) => {
            for (k, child) in m {
                let by_key = k.as_str().is_some_and(is_secret_key);
                path.push(Seg::Key(k.clone()));
                match child {
                    // A secret key over a structure (`clientSecret: {secretKeyRef: ...}`) holds
                    // references, not the secret: only the parent's state carries down.
                    Value::Mapping(_) => walk(child, secret, path, out),
                    _ => walk(child, secret || by_key, path, out),
                }
                path.pop();
            }
        }
        Value::Sequence(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                walk(item, secret, path, out);
                path.pop();
            }
        }
        Value::String(s) if secret || s.trim_start().starts_with("-----BEGIN") => out.push((path.clone(), Leaf::Whole)),
        Value::String(s) if s.contains('\n') && s.lines().any(|l| embedded_secret(l).is_some()) => {
            out.push((path.clone(), Leaf::Lines))
        }
        Value::Number(_) if secret => out.push((path.clone(), Leaf::Whole)),
        _ => {}
    }
}

fn get_path<'a>(v: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, seg| match seg {
        Seg::Key(k) => cur.as_mapping()?.get(k),
        Seg::Index(i) => cur.as_sequence()?.get(*i),
    })
}

fn get_path_mut<'a>(v: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |cur, seg| match seg {
        Seg::Key(k) => cur.as_mapping_mut()?.get_mut(k),
        Seg::Index(i) => cur.as_sequence_mut()?.get_mut(*i),
    })
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
        let a = y("env: [{name: B, value: '2'}, {name: A, value: '1'}]");
        let b = y("env: [{name: A, value: '1'}, {name: B, value: '2'}]");
        assert_eq!(normalize(a), normalize(b));
        // Without unique names, position is all there is.
        let c = y("args: [x, y]");
        let d = y("args: [y, x]");
        assert_ne!(normalize(c), normalize(d));
        let dup = y("l: [{name: a, v: 1}, {name: a, v: 0}]");
        assert_eq!(normalize(dup.clone()), dup);
    }

    #[test]
    fn init_containers_keep_their_order() {
        let a = y("initContainers: [{name: b}, {name: a}]");
        let b = y("initContainers: [{name: a}, {name: b}]");
        assert_ne!(normalize(a), normalize(b));
    }

    #[test]
    fn secret_like_keys() {
        for k in [
            "password",
            "db_password",
            "oauthClientSecret",
            "client_secret",
            "token",
            "tls.key",
            "apiKey",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "secretName",
            "secretKeyRef",
            "secretKey",
            "key",
            "name",
            "secrets.yaml",
            "tokenURL",
        ] {
            assert!(!is_secret_key(k), "{k}");
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
}
