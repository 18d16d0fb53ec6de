//! The one secret detector. Every part of the tool that must recognise a secret asks here:
//! the config check (`spec.config`, `spec.env` and every other free-form field), `check` on
//! any stream, `diff` redaction, `import-helm-values`, and the error messages of typed
//! config parsing. It knows nothing of the config types, so any of those can use it.
//!
//! A value is a literal secret when
//! - its key names a secret ([`is_secret_key`]), or it is the `value` of a `{name, value}`
//!   pair (an env var) whose `name` does, and it is not a [reference](is_reference);
//! - or it has a secret [shape] whatever its key (PEM private key, JWT, access key ID, URL
//!   with a password, `Authorization` header);
//! - or, in a multi-line string (a config file in a ConfigMap), one of its lines is
//!   `key: value` / `key=value` / `"key": "value"` with a secret key, or has a secret shape;
//! - or it is JSON inside a string (`last-applied-configuration`) holding any of the above.
//!
//! Booleans and nulls are never secrets, and a secret key over a mapping is a structure of
//! references (`clientSecret: {secretKeyRef: ...}`), not a secret. A custom YAML tag
//! (`!vault hunter2`) changes nothing: the value behind it is inspected like any other.

mod keys;
mod lines;
mod reference;
mod shapes;

pub use keys::is_secret_key;
pub use lines::{LineSecret, secret_lines};
pub use reference::is_reference;
pub use shapes::{Shape, holds_ignoring_case, shape};

use serde_yaml::Value;
use std::borrow::Cow;

/// One step of a path inside a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A mapping key, as the YAML value it is (not always a string).
    Key(Value),
    /// An index into a sequence, from 0.
    Index(usize),
}

/// Why a value is a secret. Never holds the value.
#[derive(Debug, Clone, PartialEq)]
pub enum Why {
    /// Under a secret-named key (or the `value` of a secret-named env var).
    Key(String),
    /// A secret shape.
    Shape(Shape),
    /// Everything under a place that only holds secrets (a Secret's `data`).
    Container,
}

impl Why {
    /// The finding's message, which names the key or the shape and never the value.
    pub fn message(&self) -> String {
        match self {
            Why::Key(k) => format!("`{k}` holds a literal secret, not a reference"),
            Why::Shape(s) => format!("{} written inline", s.describe()),
            Why::Container => "a secret value written inline".to_owned(),
        }
    }
}

/// How much of a string is secret.
#[derive(Debug, Clone, PartialEq)]
pub enum How {
    /// All of it.
    Whole(Why),
    /// Some of its lines: see [`secret_lines`].
    Lines,
    /// It is JSON holding secrets: parse it with [`json_inside`] and look again.
    Json,
}

/// A secret value inside a tree, by its steps from the root.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    /// The path from the tree's root to the value.
    pub steps: Vec<Step>,
    /// How much of the value is secret.
    pub how: How,
}

/// Where the walk is: whether the values below are secret by their place.
enum Scope<'a> {
    Plain,
    Key(Cow<'a, str>),
    All,
}

/// A [`Step`] of the walk's current path, borrowed: the walk passes every key of every item,
/// and copies the path only for a secret it finds.
enum At<'a> {
    Key(&'a Value),
    Index(usize),
}

impl At<'_> {
    fn to_step(&self) -> Step {
        match self {
            At::Key(k) => Step::Key((*k).clone()),
            At::Index(i) => Step::Index(*i),
        }
    }
}

/// Deep enough for any real manifest; deeper input cannot come from the readers anyway.
const MAX_DEPTH: usize = 128;

/// Every secret value in `v`. With `all`, every scalar below is secret (a Secret's `data`).
pub fn leaves(v: &Value, all: bool) -> Vec<Leaf> {
    leaves_except(v, all, &[])
}

/// [`leaves`], leaving out the fields at `skip` (paths of string keys from the root, such as
/// `["metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"]`) and
/// everything under them: a caller that checks those fields by their own rules reads the
/// object once, without a copy that has them removed.
pub fn leaves_except(v: &Value, all: bool, skip: &[&[&str]]) -> Vec<Leaf> {
    let mut out = Vec::new();
    let ctx = if all { Scope::All } else { Scope::Plain };
    walk(v, &ctx, &mut Vec::new(), &mut out, 0, skip);
    out
}

/// Whether the key `k` below `steps` is one of the `skip` paths: each key on the way an
/// untagged string of that text, in a mapping that is not itself tagged (the mappings on the
/// way may be). A tagged key (`!x stringData`) or a tagged mapping is not the field a rule
/// reads by name, so it is scanned like any other.
fn skipped(skip: &[&[&str]], steps: &[At<'_>], k: &Value) -> bool {
    let is = |key: &Value, want: &str| matches!(key, Value::String(s) if s == want);
    skip.iter().any(|path| {
        path.len() == steps.len() + 1
            && path.last().is_some_and(|last| is(k, last))
            && steps.iter().zip(path.iter()).all(|(step, want)| match step {
                At::Key(key) => is(key, want),
                At::Index(_) => false,
            })
    })
}

/// The value behind any number of YAML tags.
pub fn untag(v: &Value) -> &Value {
    match v {
        Value::Tagged(t) => untag(&t.value),
        other => other,
    }
}

fn key_text(k: &Value) -> Cow<'_, str> {
    match untag(k) {
        Value::String(s) => Cow::Borrowed(s),
        other => Cow::Owned(serde_yaml::to_string(other).unwrap_or_default().trim().to_owned()),
    }
}

fn walk<'a>(
    v: &'a Value,
    ctx: &Scope<'_>,
    steps: &mut Vec<At<'a>>,
    out: &mut Vec<Leaf>,
    depth: usize,
    skip: &[&[&str]],
) {
    if depth > MAX_DEPTH {
        return;
    }
    let found = |out: &mut Vec<Leaf>, how| {
        out.push(Leaf {
            steps: steps.iter().map(At::to_step).collect(),
            how,
        })
    };
    match untag(v) {
        Value::Mapping(m) => {
            // An env var `{name: DB_PASSWORD, value: ...}`: its value is secret by the name.
            let secret_name = m.get("name").and_then(Value::as_str).filter(|n| is_secret_key(n));
            let tagged = matches!(v, Value::Tagged(_));
            for (k, child) in m {
                if !skip.is_empty() && !tagged && skipped(skip, steps, k) {
                    continue;
                }
                let key = key_text(k);
                let child_ctx = match (ctx, untag(child)) {
                    (Scope::All, _) => Scope::All,
                    (_, Value::Mapping(_)) => Scope::Plain,
                    _ if is_secret_key(&key) => Scope::Key(key),
                    _ => match secret_name {
                        Some(n) if key == "value" => Scope::Key(Cow::Borrowed(n)),
                        _ => Scope::Plain,
                    },
                };
                steps.push(At::Key(k));
                walk(child, &child_ctx, steps, out, depth + 1, skip);
                steps.pop();
            }
        }
        Value::Sequence(items) => {
            for (i, item) in items.iter().enumerate() {
                steps.push(At::Index(i));
                walk(item, ctx, steps, out, depth + 1, skip);
                steps.pop();
            }
        }
        Value::String(s) => match ctx {
            Scope::All if !s.is_empty() => found(out, How::Whole(Why::Container)),
            Scope::Key(k) if !is_reference(s) => found(out, How::Whole(Why::Key(k.to_string()))),
            _ => {
                if let Some(how) = string_secret(s) {
                    found(out, how);
                }
            }
        },
        Value::Number(_) => match ctx {
            Scope::All => found(out, How::Whole(Why::Container)),
            Scope::Key(k) => found(out, How::Whole(Why::Key(k.to_string()))),
            Scope::Plain => {}
        },
        _ => {}
    }
}

/// A string under no secret key: its shape, its lines, or the JSON inside it.
fn string_secret(s: &str) -> Option<How> {
    if s.contains('\n') && shape(s) != Some(Shape::PrivateKey) {
        if !secret_lines(s).is_empty() {
            return Some(How::Lines);
        }
    } else if let Some(found) = shape(s) {
        return Some(How::Whole(Why::Shape(found)));
    }
    json_inside(s)
        .filter(|inner| {
            let kind = inner.get("kind").and_then(Value::as_str).unwrap_or_default();
            !object_leaves(inner, kind).is_empty()
        })
        .map(|_| How::Json)
}

/// Every secret value of a Kubernetes object: [`leaves`], plus everything in a Secret's
/// `data` and `stringData` (base64 is not encryption). `kind` is the object's kind.
pub fn object_leaves(obj: &Value, kind: &str) -> Vec<Leaf> {
    if kind != "Secret" {
        return leaves(obj, false);
    }
    let mut rest = obj.clone();
    let mut out = Vec::new();
    if let Value::Mapping(m) = untag_mut(&mut rest) {
        for field in ["data", "stringData"] {
            let Some(child) = m.remove(field) else { continue };
            out.extend(leaves(&child, true).into_iter().map(|mut leaf| {
                leaf.steps.insert(0, Step::Key(field.into()));
                leaf
            }));
        }
    }
    out.extend(leaves(&rest, false));
    out
}

/// The JSON object or array a string holds, if it holds one.
pub fn json_inside(s: &str) -> Option<Value> {
    let t = s.trim();
    let bracketed = (t.starts_with('{') && t.ends_with('}')) || (t.starts_with('[') && t.ends_with(']'));
    if !bracketed {
        return None;
    }
    let json: serde_json::Value = serde_json::from_str(t).ok()?;
    serde_yaml::to_value(json).ok()
}

/// A literal secret found by [`scan`]: its field path and why, never its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The field path, e.g. `spec.config.connectors[0].oauthClientSecret`.
    pub path: String,
    /// Why it is a secret ([`Why::message`]).
    pub message: String,
}

/// Every literal secret in `v`, with field paths under `prefix` (`spec.config`; a prefix
/// ending in `:` marks a file inside a field, `data.maverics.yaml:`).
pub fn scan(v: &Value, prefix: &str) -> Vec<Finding> {
    scan_except(v, prefix, &[])
}

/// [`scan`], leaving out the fields at `skip` (see [`leaves_except`]).
pub fn scan_except(v: &Value, prefix: &str, skip: &[&[&str]]) -> Vec<Finding> {
    let mut out = Vec::new();
    for leaf in leaves_except(v, false, skip) {
        let path = path_of(prefix, &leaf.steps);
        match leaf.how {
            How::Whole(why) => out.push(Finding {
                path,
                message: why.message(),
            }),
            How::Lines => {
                let text = get(v, &leaf.steps).and_then(Value::as_str).unwrap_or_default();
                for l in secret_lines(text) {
                    out.push(Finding {
                        path: path.clone(),
                        message: format!("line {}: {}", l.line, l.why.message()),
                    });
                }
            }
            How::Json => {
                let inner = get(v, &leaf.steps)
                    .and_then(Value::as_str)
                    .and_then(json_inside)
                    .unwrap_or_default();
                out.extend(scan(&inner, &format!("{path}:")));
            }
        }
    }
    out
}

/// `spec.config` + [a, 0, b] → `spec.config.a[0].b`.
pub fn path_of(prefix: &str, steps: &[Step]) -> String {
    let mut p = prefix.to_owned();
    for s in steps {
        match s {
            Step::Key(k) => {
                if !(p.is_empty() || p.ends_with(':')) {
                    p.push('.');
                }
                p.push_str(&key_text(k));
            }
            Step::Index(i) => p.push_str(&format!("[{i}]")),
        }
    }
    p
}

/// The value at `steps` below `v`, looking through YAML tags; `None` when a step is missing.
pub fn get<'a>(v: &'a Value, steps: &[Step]) -> Option<&'a Value> {
    steps.iter().try_fold(v, |cur, s| match (untag(cur), s) {
        (Value::Mapping(m), Step::Key(k)) => m.get(k),
        (Value::Sequence(items), Step::Index(i)) => items.get(*i),
        _ => None,
    })
}

/// The value at `steps` below `v`, mutable, looking through YAML tags; `None` when a step is missing.
pub fn get_mut<'a>(v: &'a mut Value, steps: &[Step]) -> Option<&'a mut Value> {
    steps.iter().try_fold(v, |cur, s| {
        let cur = untag_mut(cur);
        match (cur, s) {
            (Value::Mapping(m), Step::Key(k)) => m.get_mut(k),
            (Value::Sequence(items), Step::Index(i)) => items.get_mut(*i),
            _ => None,
        }
    })
}

fn untag_mut(v: &mut Value) -> &mut Value {
    match v {
        Value::Tagged(t) => untag_mut(&mut t.value),
        other => other,
    }
}

/// What an error message may show of a value that may be secret: its length, no content.
pub fn preview(s: &str) -> String {
    format!("(redacted, {} characters)", s.chars().count())
}

/// A serde error message with the values it echoes (`invalid type: string "..."`, `unknown
/// variant `...``) replaced by a [`preview`] when `secret` (the field is secret-typed) or
/// when the value itself looks secret or is too long to be a useful echo.
pub fn redact_message(message: &str, secret: bool) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(['"', '`']) {
        let quote = rest.as_bytes()[at];
        let Some(len) = quoted_len(&rest[at + 1..], quote) else {
            break;
        };
        let inner = &rest[at + 1..at + 1 + len];
        out.push_str(&rest[..at]);
        // Backticks quote field names too (`unknown field `x``): only values are previewed.
        let is_value = quote == b'"' || rest[..at].ends_with("variant ") || rest[..at].ends_with("integer ");
        if is_value && (secret || inner.chars().count() > 64 || shape(inner).is_some() || inner.contains("\\n")) {
            out.push_str(&format!("(redacted, {} characters)", unescaped_len(inner)));
        } else {
            out.push_str(&rest[at..at + len + 2]);
        }
        rest = &rest[at + len + 2..];
    }
    out.push_str(rest);
    out
}

/// The number of characters a Rust-escaped text stands for (`\n`, `\"`, `\u{1b}` are one).
fn unescaped_len(s: &str) -> usize {
    let mut n = 0;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.next() == Some('u') {
            chars.by_ref().take_while(|c| *c != '}').for_each(drop);
        }
        n += 1;
    }
    n
}

/// The length of a quoted text up to its closing quote, skipping `\"` escapes.
fn quoted_len(s: &str, quote: u8) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if quote == b'"' => i += 2,
            c if c == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests;
