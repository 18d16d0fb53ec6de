//! JSON Schemas of the function config kinds, generated from the Rust types that read them
//! (schemars follows their serde attributes, and takes descriptions from their doc
//! comments), so the schema cannot drift from what the binary accepts. `schemas/` ships the
//! same text for editors; a test keeps the two equal. `explain` reads the schema too.

use crate::api::parse::nearest;
use crate::api::{self, API_VERSION};
use crate::check::config::OrchestratorCheck;
use crate::config::Orchestrator;
use crate::config::maverics::{ReadField, read_fields, read_fields_at};
use crate::platform::config::OrchestratorPlatform;
use serde_json::{Map, Value, json};

pub mod markdown;

/// One function config kind: its name and the file stem of its schema under `schemas/`.
pub struct Kind {
    /// The kind's name as `kind:` writes it, e.g. `OrchestratorPlatform`.
    pub name: &'static str,
    /// The file stem of its schema, `schemas/<file>.json`, and its lower-case name in `explain`.
    pub file: &'static str,
    generate: fn() -> schemars::Schema,
}

/// The function config kinds that have a schema, in the order `schema` and the docs list them.
pub const KINDS: [Kind; 3] = [
    Kind {
        name: api::ORCHESTRATOR,
        file: "orchestrator",
        generate: || schemars::schema_for!(Orchestrator),
    },
    Kind {
        name: api::PLATFORM,
        file: "orchestratorplatform",
        generate: || schemars::schema_for!(OrchestratorPlatform),
    },
    Kind {
        name: api::CHECK,
        file: "orchestratorcheck",
        generate: || schemars::schema_for!(OrchestratorCheck),
    },
];

/// The kind a user names: its name or file stem, any case.
pub fn kind(name: &str) -> Option<&'static Kind> {
    KINDS
        .iter()
        .find(|k| k.name.eq_ignore_ascii_case(name) || k.file.eq_ignore_ascii_case(name))
}

fn names() -> String {
    KINDS
        .iter()
        .map(|k| format!("`{}`", k.name))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Kind {
    /// The schema as a JSON value. `apiVersion` and `kind` are plain strings in the types
    /// (the dispatch checks them before the types see them); the schema pins them, so an
    /// editor flags a wrong one and a file of one kind never validates as another.
    pub fn schema(&self) -> Value {
        let mut v = (self.generate)().to_value();
        unwrap_descriptions(&mut v);
        if let Some(props) = v.get_mut("properties").and_then(Value::as_object_mut) {
            for (key, value) in [("apiVersion", API_VERSION), ("kind", self.name)] {
                if let Some(Value::Object(p)) = props.get_mut(key) {
                    p.insert("const".into(), json!(value));
                }
            }
        }
        v
    }

    /// The text shipped as `schemas/<file>.json`: pretty JSON and a final newline.
    pub fn text(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.schema()).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// Doc comments are wrapped at the source's line width; schemars keeps those line breaks,
/// which editors would show mid-sentence. Paragraph breaks (blank lines) stay.
fn unwrap_descriptions(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                match value {
                    Value::String(text) if key == "description" => {
                        *text = text
                            .split("\n\n")
                            .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
                            .collect::<Vec<_>>()
                            .join("\n\n");
                    }
                    other => unwrap_descriptions(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unwrap_descriptions),
        _ => {}
    }
}

/// What `explain` prints, or why the path is not a field.
pub enum Explained {
    /// The text to print: type, default, description and child fields.
    Found(String),
    /// The message, and the fix (the nearest field, or the valid ones).
    Unknown(String, String),
}

/// `kubectl explain` for the function configs. `path` is `[KIND.]field.field...`; the
/// kind defaults to `Orchestrator`. `[]` after a segment (`spec.ingress.tls[]`) is allowed;
/// a list's items are entered implicitly, as kubectl does.
pub fn explain(path: &str) -> Explained {
    let mut segments: Vec<&str> = path
        .split('.')
        .map(|s| s.trim_end_matches("[]"))
        .filter(|s| !s.is_empty())
        .collect();
    let kind = match segments.first().and_then(|s| kind(s)) {
        Some(k) => {
            segments.remove(0);
            k
        }
        None => &KINDS[0],
    };
    let root = kind.schema();
    let mut node = &root;
    let mut required = true;
    let mut walked: Vec<&str> = Vec::new();
    for (i, seg) in segments.iter().enumerate() {
        let object = object_of(&root, node);
        let props = object.and_then(|o| o.get("properties")).and_then(Value::as_object);
        match props.and_then(|p| p.get(*seg)) {
            Some(child) => {
                required = object
                    .and_then(|o| o.get("required"))
                    .and_then(Value::as_array)
                    .is_some_and(|r| r.iter().any(|n| n == seg));
                node = child;
                walked.push(seg);
            }
            None if kind.name == KINDS[0].name && walked == CONFIG => {
                return Explained::Found(explain_config(kind, &segments[i..]));
            }
            None => {
                let here = if walked.is_empty() {
                    kind.name.to_owned()
                } else {
                    format!("{}.{}", kind.name, walked.join("."))
                };
                let valid: Vec<&str> = props
                    .map(|p| p.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let message = format!("`{seg}` is not a field of {here}");
                let fix = match nearest(seg, &valid) {
                    Some(best) => {
                        let mut p = walked.clone();
                        p.push(best);
                        format!("did you mean `{}.{}`?", kind.file, p.join("."))
                    }
                    None if valid.is_empty() => format!("{here} has no fields below it"),
                    None => format!(
                        "fields of {here}: {}",
                        valid.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
                    ),
                };
                return Explained::Unknown(message, fix);
            }
        }
    }
    let mut text = describe(kind, &root, &walked, node, required);
    if kind.name == KINDS[0].name && walked == CONFIG {
        text.push_str(&read_fields_list(""));
    }
    Explained::Found(text)
}

/// `Orchestrator.spec.config`: the orchestrator's own `maverics.yaml`, open to any field.
const CONFIG: [&str; 2] = ["spec", "config"];

/// A field below `spec.config`: what the tool reads from it (from `config::maverics`, the
/// code that reads it), or that it goes to the orchestrator as written.
fn explain_config(kind: &Kind, rest: &[&str]) -> String {
    let path = rest.join(".");
    let mut out = format!("KIND:     {}\nVERSION:  {API_VERSION}\n", kind.name);
    let read = read_fields_at(&path)
        .into_iter()
        .find(|f| f.path == path || f.path.starts_with("*."));
    let (r#type, desc) = match &read {
        Some(f) => (f.r#type, format!("Read by this tool: {}", f.read)),
        None => (
            "any",
            "Passed through to the orchestrator unchecked: the tool writes it into maverics.yaml as it is \
             (scanning it only for literal secrets, like every field of spec.config). See the Maverics \
             Orchestrator's configuration reference for its meaning."
                .to_owned(),
        ),
    };
    out.push_str(&format!("FIELD:    spec.config.{path} <{type}>\n\nDESCRIPTION:\n"));
    for line in wrap(&desc, 88) {
        out.push_str(&format!("    {line}\n"));
    }
    out.push_str(&read_fields_list(&path));
    out
}

/// The read fields below `path` (all of them for ""), one line each.
fn read_fields_list(path: &str) -> String {
    let below: Vec<ReadField> = read_fields()
        .into_iter()
        .filter(|f| path.is_empty() || f.path.starts_with(&format!("{path}.")))
        .collect();
    if below.is_empty() {
        return String::new();
    }
    let mut out = "\nFIELDS READ BY THIS TOOL (the rest is passed through unchecked):\n".to_owned();
    for f in below {
        out.push_str(&format!(
            "  {}\t<{}>\n    {}\n",
            f.path,
            f.r#type,
            first_sentence(f.read)
        ));
    }
    out
}

fn describe(kind: &Kind, root: &Value, walked: &[&str], node: &Value, required: bool) -> String {
    let mut out = format!("KIND:     {}\nVERSION:  {API_VERSION}\n", kind.name);
    if !walked.is_empty() {
        out.push_str(&format!("FIELD:    {} <{}>\n", walked.join("."), type_of(root, node)));
        if required {
            out.push_str("REQUIRED: yes\n");
        }
        if let Some(d) = default_of(root, node) {
            out.push_str(&format!("DEFAULT:  {d}\n"));
        }
    }
    out.push_str("\nDESCRIPTION:\n");
    let desc = description(root, node).unwrap_or("(no description)");
    for line in wrap(desc, 88) {
        out.push_str(&format!("    {line}\n"));
    }
    if let Some(values) = choices(root, node) {
        out.push_str(&format!("    One of: {}.\n", values.join(", ")));
    }
    let object = object_of(root, node);
    if let Some(props) = object.and_then(|o| o.get("properties")).and_then(Value::as_object) {
        let req: Vec<&Value> = object
            .and_then(|o| o.get("required"))
            .and_then(Value::as_array)
            .map(|r| r.iter().collect())
            .unwrap_or_default();
        out.push_str("\nFIELDS:\n");
        for (name, child) in props {
            let mark = if req.iter().any(|r| *r == name) {
                " -required-"
            } else {
                ""
            };
            out.push_str(&format!("  {name}\t<{}>{mark}\n", type_of(root, child)));
            let first = description(root, child).map(first_sentence).unwrap_or_default();
            if !first.is_empty() {
                out.push_str(&format!("    {first}\n"));
            }
        }
    }
    out
}

/// Follows `$ref` (to `#/$defs/...`) and the `anyOf [X, null]` of an optional field.
fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    let mut node = node;
    for _ in 0..16 {
        if let Some(r) = node.get("$ref").and_then(Value::as_str) {
            match r.strip_prefix("#/$defs/").and_then(|n| root.get("$defs")?.get(n)) {
                Some(target) => node = target,
                None => break,
            }
        } else if let Some(branches) = node.get("anyOf").and_then(Value::as_array) {
            let real: Vec<&Value> = branches
                .iter()
                .filter(|b| b.get("type") != Some(&json!("null")))
                .collect();
            match real.as_slice() {
                [one] => node = one,
                _ => break,
            }
        } else {
            break;
        }
    }
    node
}

/// The object whose `properties` a path continues into: the node itself, or a list's items.
fn object_of<'a>(root: &'a Value, node: &'a Value) -> Option<&'a Map<String, Value>> {
    let r = resolve(root, node);
    if r.get("properties").is_some() {
        return r.as_object();
    }
    let items = r.get("items")?;
    let i = resolve(root, items);
    i.get("properties").is_some().then(|| i.as_object()).flatten()
}

/// The field's own description, else its type's.
fn description<'a>(root: &'a Value, node: &'a Value) -> Option<&'a str> {
    node.get("description")
        .and_then(Value::as_str)
        .or_else(|| resolve(root, node).get("description").and_then(Value::as_str))
}

fn default_of(root: &Value, node: &Value) -> Option<String> {
    let d = node.get("default").or_else(|| resolve(root, node).get("default"))?;
    if d.is_null() {
        return Some("unset".into());
    }
    let text = serde_json::to_string(d).ok()?;
    // A whole object's default is its fields' defaults, which FIELDS shows one by one.
    (text.len() <= 80).then_some(text)
}

/// The values of an enum: `enum: [...]`, or a `oneOf` of `const`s (variants with docs).
fn choices(root: &Value, node: &Value) -> Option<Vec<String>> {
    let r = resolve(root, node);
    let values: Vec<&Value> = if let Some(e) = r.get("enum").and_then(Value::as_array) {
        e.iter().collect()
    } else {
        let one_of = r.get("oneOf").and_then(Value::as_array)?;
        one_of.iter().map(|b| b.get("const")).collect::<Option<Vec<_>>>()?
    };
    Some(values.iter().filter_map(|v| serde_json::to_string(v).ok()).collect())
}

fn type_of(root: &Value, node: &Value) -> String {
    let r = resolve(root, node);
    if choices(root, node).is_some() {
        return "enum".into();
    }
    let ty = match r.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect::<Vec<_>>()
            .join(" or "),
        _ => match r.get("anyOf").or_else(|| r.get("oneOf")).and_then(Value::as_array) {
            Some(bs) => bs.iter().map(|b| type_of(root, b)).collect::<Vec<_>>().join(" or "),
            None if r.get("x-kubernetes-int-or-string").is_some() => "integer or string".into(),
            None => "any".into(),
        },
    };
    match ty.as_str() {
        "array" => match r.get("items") {
            Some(items) => format!("[]{}", type_of(root, items)),
            None => "array".into(),
        },
        "object" if r.get("properties").is_none() => match r.get("additionalProperties") {
            Some(v @ Value::Object(_)) => format!("map[string]{}", type_of(root, v)),
            _ => "object".into(),
        },
        _ => ty,
    }
}

fn first_sentence(s: &str) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.find(". ") {
        Some(i) => flat[..=i].to_owned(),
        None => flat,
    }
}

fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in s.split("\n\n") {
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.len() + 1 + word.len() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
}

/// `schema [KIND]`'s error for a kind it does not know.
pub fn unknown_kind(name: &str) -> (String, String) {
    let candidates: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
    let fix = match nearest(name, &candidates) {
        Some(best) => format!("did you mean `{best}`?"),
        None => format!("use one of {}", names()),
    };
    (format!("unknown function config kind `{name}`"), fix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(path: &str) -> String {
        match explain(path) {
            Explained::Found(s) => s,
            Explained::Unknown(m, f) => panic!("{path}: {m}; {f}"),
        }
    }

    #[test]
    fn schema_follows_serde_renames_defaults_and_unknown_field_rule() {
        let s = kind("orchestrator").map(Kind::schema).unwrap_or_default();
        let spec = resolve(&s, &s["properties"]["spec"]);
        assert_eq!(spec["additionalProperties"], json!(false));
        assert!(spec["properties"].get("createNamespace").is_some());
        assert!(spec["properties"].get("create_namespace").is_none());
        let auto = resolve(&s, &spec["properties"]["autoscaling"]);
        assert!(auto["properties"].get("targetCPUUtilizationPercentage").is_some());
        assert_eq!(auto["properties"]["minReplicas"]["default"], json!(2));
        assert_eq!(s["properties"]["kind"]["const"], json!("Orchestrator"));
    }

    #[test]
    fn explain_shows_type_default_and_description() {
        let out = found("orchestrator.spec.autoscaling.minReplicas");
        assert!(
            out.contains("FIELD:    spec.autoscaling.minReplicas <integer>"),
            "{out}"
        );
        assert!(out.contains("DEFAULT:  2"), "{out}");
        assert!(out.contains("Must not exceed `maxReplicas`"), "{out}");
    }

    #[test]
    fn explain_lists_child_fields_and_enters_lists() {
        let out = found("spec.autoscaling");
        assert!(out.contains("  scaleDown\t<object>"), "{out}");
        assert!(out.contains("  targetCPUUtilizationPercentage\t<integer>"), "{out}");
        let tls = found("spec.ingress.tls.secretName");
        assert!(tls.contains("<string>") && tls.contains("REQUIRED: yes"), "{tls}");
        let platform = found("OrchestratorPlatform.spec.eks.ingress.scheme");
        assert!(platform.contains("\"internet-facing\""), "{platform}");
    }

    #[test]
    fn explain_of_spec_config_says_what_the_tool_reads_and_passes_the_rest() {
        for f in read_fields() {
            let path = format!("spec.config.{}", f.path.replace("*.", "apps."));
            let text = found(&path);
            assert!(text.contains("Read by this tool: "), "{path}:\n{text}");
            assert!(text.contains(&format!("<{}>", f.r#type)), "{path}:\n{text}");
        }
        let text = found("spec.config.connectors.oidcWellKnownURL");
        assert!(text.contains("A service the orchestrator calls"), "{text}");
        for path in ["spec.config.logger.level", "spec.config.apps[].routePatterns"] {
            assert!(
                found(path).contains("Passed through to the orchestrator unchecked"),
                "{path}"
            );
        }
        let text = found("spec.config");
        assert!(text.contains("FIELDS READ BY THIS TOOL"), "{text}");
        assert!(text.contains("  session.cookie.name\t<string>"), "{text}");
        assert!(found("spec.config.caches").contains("  caches.redis.addresses\t<[]string>"));
    }

    #[test]
    fn explain_of_an_unknown_field_suggests_the_nearest() {
        match explain("spec.autoscaling.minReplica") {
            Explained::Unknown(m, fix) => {
                assert!(
                    m.contains("`minReplica` is not a field of Orchestrator.spec.autoscaling"),
                    "{m}"
                );
                assert_eq!(fix, "did you mean `orchestrator.spec.autoscaling.minReplicas`?");
            }
            Explained::Found(s) => panic!("found: {s}"),
        }
    }
}
