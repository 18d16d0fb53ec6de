//! The objects of rendered output for `maverics-krm check`: each input (read by
//! [`crate::io::read`]) a multi-document YAML (or JSON) stream, a `List` or a `ResourceList`.

use crate::diag::{Diagnostic, FileRef};
use crate::krm::annotations;
use serde_yaml::Value;

/// Objects read, each annotated with the file and document index it came from so every
/// finding can name them.
pub fn read_text(name: &str, text: &str) -> Result<Vec<Value>, Diagnostic> {
    let mut out = Vec::new();
    for (index, v) in crate::io::read::documents(name, text)? {
        if !v.is_mapping() {
            return Err(
                Diagnostic::error(format!("document {index} is not a Kubernetes object (not a mapping)"))
                    .file(Some(file_ref(name)))
                    .fix("give rendered manifests: a stream of objects, a `List` or a `ResourceList`"),
            );
        }
        if matches!(crate::krm::object::kind(&v), "ResourceList" | "List") {
            let items = v.get("items").and_then(Value::as_sequence).cloned().unwrap_or_default();
            out.extend(items.into_iter().filter(Value::is_mapping));
        } else {
            out.push(located(v, name, index));
        }
    }
    Ok(out)
}

fn located(mut v: Value, name: &str, index: usize) -> Value {
    if annotations::path(&v).is_some() {
        return v;
    }
    if let Some(meta) = v.as_mapping_mut().map(|m| {
        m.entry("metadata".into())
            .or_insert_with(|| Value::Mapping(Default::default()))
    }) && let Some(meta) = meta.as_mapping_mut()
    {
        let ann = meta
            .entry("annotations".into())
            .or_insert_with(|| Value::Mapping(Default::default()));
        if let Some(ann) = ann.as_mapping_mut() {
            ann.insert(annotations::PATH.into(), name.into());
            ann.insert(annotations::INDEX.into(), index.to_string().into());
        }
    }
    v
}

/// The file a finding points at, for callers that want it without an object.
pub fn file_ref(name: &str) -> FileRef {
    FileRef {
        path: name.to_owned(),
        index: 0,
    }
}
