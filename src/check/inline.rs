//! The inline-secret rules with their one opt-out, and the generator's refusal of inline
//! secrets in the items it passes through. An object that must carry a secret inline says why
//! in `krm.maverics.dev/allow-inline-secret`; the reason is what a reviewer reads, so an empty
//! one is refused, and an allowed object is still reported (as a warning), never silent.

use super::at::At;
use super::secrets;
use crate::diag::Diagnostic;
use crate::krm::annotations;
use k8s_openapi::Resource;
use k8s_openapi::api::core::v1::Secret;
use serde_yaml::Value;

pub use super::secrets::ALLOW_ANNOTATION;

/// The inline-secret rules on one object, with its opt-out applied. The opt-out is one
/// annotation per object: a finding inside a `List` belongs to the item it was found in, and
/// only that item's own annotation can allow it (a List's annotation covers its own fields).
pub fn check_object(obj: &Value, at: &At, out: &mut Vec<Diagnostic>) {
    let mut found = Vec::new();
    secrets::check_object(obj, at, &mut found);
    let mut groups: Vec<(String, &Value, Vec<Diagnostic>)> = Vec::new();
    for d in found {
        let (prefix, owner) = owner_of(obj, d.field.as_deref().unwrap_or_default());
        match groups.iter_mut().find(|(p, _, _)| *p == prefix) {
            Some((_, _, ds)) => ds.push(d),
            None => groups.push((prefix, owner, vec![d])),
        }
    }
    for (prefix, owner, found) in groups {
        allow(owner, &prefix, at, found, out);
    }
}

/// The object a finding's field lies in: `items[2].data` of a List is item 2's `data`.
fn owner_of<'a>(obj: &'a Value, field: &str) -> (String, &'a Value) {
    let (mut owner, mut prefix, mut rest) = (obj, String::new(), field);
    loop {
        let item = rest
            .strip_prefix("items[")
            .and_then(|after| after.split_once("]."))
            .and_then(|(n, tail)| Some((n.parse::<usize>().ok()?, tail)))
            .and_then(|(i, tail)| Some((i, owner.get("items")?.get(i)?, tail)));
        match item {
            Some((i, item, tail)) => {
                prefix.push_str(&format!("items[{i}]."));
                owner = item;
                rest = tail;
            }
            None => return (prefix, owner),
        }
    }
}

/// Applies `owner`'s opt-out to the findings inside it.
fn allow(owner: &Value, prefix: &str, at: &At, found: Vec<Diagnostic>, out: &mut Vec<Diagnostic>) {
    let field = format!("{prefix}metadata.annotations.{ALLOW_ANNOTATION}");
    match annotations::get(owner, ALLOW_ANNOTATION).map(str::trim) {
        None => out.extend(found),
        Some("") => {
            out.extend(found);
            out.push(at.error(
                field,
                format!("`{ALLOW_ANNOTATION}` is set without a reason"),
                "write why this object must carry its secret inline, or remove the annotation and move \
                 the value to the secret store",
            ));
        }
        Some(reason) => {
            let fields: Vec<&str> = found.iter().filter_map(|d| d.field.as_deref()).collect();
            out.push(at.warning(
                field,
                format!(
                    "inline secret data allowed in {}; the reason given: {reason}",
                    fields.join(", ")
                ),
                "keep the reason true; remove the annotation once the value lives in the secret store",
            ));
        }
    }
}

/// Inline secrets in the items the generator passes through (a kpt package's other files).
/// The function configs of this tool are left out: the generator checks its own as a config.
pub fn in_passthrough(items: &[Value]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for item in items.iter().filter(|i| i.is_mapping() && !crate::api::is_ours(i)) {
        check_object(item, &At::new(item), &mut out);
    }
    out
}

/// Whether [`in_passthrough`] reads an object of this head field by field, whatever its
/// values: a `List`'s items, a Secret's data, a config of this tool.
pub fn reads_whole(head: &Value) -> bool {
    let kind = crate::krm::object::kind(head);
    kind.ends_with("List") || kind == Secret::KIND || crate::api::in_group(head)
}

/// Whether a value of an object [`in_passthrough`] does not read whole ([`reads_whole`]),
/// standing at `place`, could give it a finding. Every finding of the generic scan starts at
/// a string: a key that names a secret (or the key of a ConfigMap's orchestrator config); the
/// value of a `name` key that does (an env var, whose `value` is then secret); a value with a
/// secret shape, secret lines, or JSON that may hold one of these or an object (a
/// `last-applied-configuration` is checked as the object it is); or at a collection met whole
/// (an alias, a tagged node, or a key whose text joins words, as `[pass, word]` does). A
/// scalar key that is not a string is read by its text, which for a number, a boolean or null
/// names no secret. So an object where this says no for every key and scalar has no finding.
pub fn may_find(value: &Value, place: serde_yaml::Place) -> bool {
    use serde_yaml::Place;
    match (value, place) {
        (Value::String(s), Place::Key) => {
            crate::secrets::is_secret_key(s) || secrets::MAVERICS_KEYS.contains(&s.as_str())
        }
        (Value::String(s), place) => {
            (matches!(place, Place::Under(Some("name"))) && crate::secrets::is_secret_key(s))
                || crate::secrets::shape(s).is_some()
                || (s.contains('\n') && !crate::secrets::secret_lines(s).is_empty())
                || crate::secrets::json_inside(s).is_some_and(|json| json_may_find(&json))
        }
        (Value::Sequence(_) | Value::Mapping(_), _) => true,
        (Value::Tagged(t), place) => may_find(&t.value, place),
        (Value::Null | Value::Bool(_) | Value::Number(_), _) => false,
    }
}

/// [`may_find`] for the value of JSON found in a string, which the scan reads as a value of
/// its own: its keys and scalars judged where they stand. An object in it with a `kind` is
/// checked as the object it is (a `last-applied-configuration`: a Secret's data, a List's
/// items, a ConfigMap's orchestrator config), whatever its keys say: read whole.
fn json_may_find(json: &Value) -> bool {
    fn walk(v: &Value, place: serde_yaml::Place) -> bool {
        match v {
            Value::Mapping(m) => {
                m.contains_key("kind")
                    || m.iter().any(|(k, v)| {
                        may_find(k, serde_yaml::Place::Key) || walk(v, serde_yaml::Place::Under(k.as_str()))
                    })
            }
            Value::Sequence(s) => s.iter().any(|v| walk(v, serde_yaml::Place::Element)),
            scalar => may_find(scalar, place),
        }
    }
    walk(json, serde_yaml::Place::Element)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_yaml::Place;

    /// JSON in a string is judged by what it holds, not read whole for being JSON: a clean
    /// document is passed without a tree, one that may hold a finding or an object is not.
    #[test]
    fn json_in_a_string_is_judged_by_what_it_holds() {
        let judge = |s: &str| may_find(&Value::from(s), Place::Under(Some("doc")));
        assert!(!judge(r#"{"timeout": 30, "region": "eu-west-1", "on": [true, null]}"#));
        for s in [
            r#"{"token": "abc"}"#,
            r#"[{"name": "DB_PASSWORD", "value": "x"}]"#,
            r#"{"a": {"b": "postgres://app:hunter2@db:5432/app"}}"#,
            r#"{"kind": "Secret"}"#,
            r#"[{"kind": "List", "items": []}]"#,
            r#"{"a": "{\"password\": \"x\"}"}"#,
            r#"{"maverics.yaml": "version: 1"}"#,
        ] {
            assert!(judge(s), "{s}");
        }
    }
}
