//! `docs/config.md`: the field reference of every config kind as Markdown tables, generated
//! from the same schema as `schemas/*.json` and `explain`, so the page cannot drift from
//! what the binary accepts. `maverics-krm schema --markdown` prints it; `tests/it/docs.rs`
//! keeps the shipped page equal to it.

use super::{KINDS, Kind, choices, description, object_of, resolve, type_of};
use crate::api::API_VERSION;
use serde_json::Value;

/// The command that regenerates the page, named in the page and in the test's failure.
pub const REGENERATE: &str = "maverics-krm schema --markdown > docs/config.md";

/// The whole page.
pub fn markdown() -> String {
    let mut out = String::from("# Config reference\n\n");
    out.push_str(&format!(
        "[README](../README.md) · [User guide](README.md)

Every field of the three function configs (`apiVersion: {API_VERSION}`): its path, type,
default and what it does. This page is generated from the Rust types that read the configs,
like [`schemas/`](../schemas/) and `maverics-krm explain`, so the three always agree. Do not
edit it by hand: change the doc comments of the config types (`src/config/` for `Orchestrator`,
`src/platform/config/` for `OrchestratorPlatform`, `src/check/config.rs` for `OrchestratorCheck`)
and run `{REGENERATE}`
(`tests/it/docs.rs` fails until you do).

A default in a row is what an absent field means; `required` fields have none; a row without
one is an object whose fields have theirs; `unset` means the field may be left out. Unknown
fields are errors that name the nearest valid field.

"
    ));
    for k in &KINDS {
        out.push_str(&format!("- [`{}`](#{})\n", k.name, k.file));
    }
    for k in &KINDS {
        kind_section(k, &mut out);
    }
    out
}

fn kind_section(kind: &Kind, out: &mut String) {
    let root = kind.schema();
    out.push_str(&format!("\n## `{}`\n\n", kind.name));
    if let Some(d) = root.get("description").and_then(Value::as_str) {
        out.push_str(&format!("{}\n\n", cell(d)));
    }
    out.push_str(&format!(
        "Schema: [`schemas/{f}.json`](../schemas/{f}.json).\n\n\
| field | type | default | description |\n|---|---|---|---|\n",
        f = kind.file
    ));
    rows(&root, &root, "", None, 0, out);
}

/// One row per field, then its own fields below it. Kubernetes API types (`io.k8s.*`) are
/// not expanded: their reference is Kubernetes' own. `inherited` is the default the parent
/// gives this object (`spec`'s default holds `resources.requests.cpu: 500m`), since a field
/// of a struct with a whole-struct default has none of its own.
fn rows(root: &Value, node: &Value, prefix: &str, inherited: Option<&Value>, depth: usize, out: &mut String) {
    let Some(object) = object_of(root, node) else {
        return;
    };
    let Some(props) = object.get("properties").and_then(Value::as_object) else {
        return;
    };
    let required: Vec<&str> = object
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, child) in props {
        let path = format!("{prefix}{name}");
        let expands = depth < 12 && kubernetes_type(child).is_none() && object_of(root, child).is_some();
        let default = inherited
            .and_then(|d| d.get(name))
            .or_else(|| child.get("default"))
            .or_else(|| resolve(root, child).get("default"));
        let shown = match default {
            _ if required.contains(&name.as_str()) => "required".to_owned(),
            None => String::new(),
            Some(Value::Null) => "unset".to_owned(),
            Some(Value::Object(_)) if expands => String::new(),
            Some(Value::String(s)) => format!("`{s}`"),
            Some(v) => format!("`{v}`"),
        };
        // A field's doc says what it is for; the doc of a struct of ours says how it works.
        // explain shows the first; the reference shows both, or the struct's when it only
        // says more of the same.
        let field_doc = description(root, child).unwrap_or_default();
        let type_doc = resolve(root, child).get("description").and_then(Value::as_str);
        let text = match type_doc {
            Some(d) if expands && d != field_doc => {
                if d.starts_with(field_doc.trim_end_matches('.')) {
                    cell(d)
                } else {
                    format!("{}<br><br>{}", cell(field_doc), cell(d))
                }
            }
            _ => cell(field_doc),
        };
        let ty = match (kubernetes_type(child), choices(root, child)) {
            (Some(k8s), _) => k8s,
            (None, Some(values)) => values
                .iter()
                .map(|v| format!("`{}`", unquote(v)))
                .collect::<Vec<_>>()
                .join(", "),
            (None, None) => type_of(root, child),
        };
        out.push_str(&format!("| `{path}` | {} | {shown} | {} |\n", cell(&ty), text.trim()));
        if expands {
            let list = resolve(root, child).get("items").is_some();
            let (next, passed) = if list {
                (format!("{path}[]."), None)
            } else {
                (format!("{path}."), default)
            };
            rows(root, child, &next, passed, depth + 1, out);
        }
    }
}

/// The short name of a Kubernetes API type the field holds (`Toleration`, `[]Toleration`,
/// `IntOrString`), which `type_of` would only call `object`.
fn kubernetes_type(node: &Value) -> Option<String> {
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/$defs/io.k8s.")?;
        return name.rsplit('.').next().map(str::to_owned);
    }
    if let Some(branches) = node.get("anyOf").and_then(Value::as_array) {
        let real: Vec<&Value> = branches
            .iter()
            .filter(|b| b.get("type") != Some(&Value::from("null")))
            .collect();
        return match real.as_slice() {
            [one] => kubernetes_type(one),
            _ => None,
        };
    }
    if let Some(items) = node.get("items") {
        return kubernetes_type(items).map(|t| format!("[]{t}"));
    }
    if let Some(v @ Value::Object(_)) = node.get("additionalProperties") {
        return kubernetes_type(v).map(|t| format!("map[string]{t}"));
    }
    None
}

/// A JSON string shown as the YAML a user writes (`Always`, not `"Always"`).
fn unquote(json: &str) -> String {
    match serde_json::from_str::<Value>(json) {
        Ok(Value::String(s)) => s,
        _ => json.to_owned(),
    }
}

/// Text fit for one table cell: one line, paragraphs kept apart, `|` escaped.
fn cell(text: &str) -> String {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("<br><br>")
        .replace('|', "\\|")
}
