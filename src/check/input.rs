//! Reading rendered output for `maverics-krm check`: a file, a directory of files, or
//! stdin; each a multi-document YAML (or JSON) stream, a `List` or a `ResourceList`.

use crate::diag::FileRef;
use crate::krm::annotations;
use serde::Deserialize;
use serde_yaml::Value;
use std::path::{Path, PathBuf};

/// Same limit as function mode: refuses input that would only exhaust memory.
pub const MAX_BYTES: usize = crate::krm::resource_list::MAX_INPUT_BYTES;

/// Objects read, each annotated with the file and document index it came from so every
/// finding can name them.
pub fn read_text(name: &str, text: &str) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for (index, doc) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let v = Value::deserialize(doc).map_err(|e| format!("{name}: document {index}: not valid YAML: {e}"))?;
        match v {
            Value::Null => {}
            Value::Mapping(_) => {
                let kind = crate::krm::object::kind(&v);
                if matches!(kind, "ResourceList" | "List") {
                    let items = v.get("items").and_then(Value::as_sequence).cloned().unwrap_or_default();
                    out.extend(items.into_iter().filter(Value::is_mapping));
                } else {
                    out.push(located(v, name, index));
                }
            }
            _ => {
                return Err(format!(
                    "{name}: document {index} is not a Kubernetes object (not a mapping)"
                ));
            }
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

/// Files to read for a path: the file itself, or every `.yaml`/`.yml`/`.json` under a
/// directory, sorted so the findings come in the same order on every run.
pub fn files(path: &Path) -> Result<Vec<PathBuf>, String> {
    if path.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    if !path.is_dir() {
        return Err(format!("{}: no such file or directory", path.display()));
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_owned()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for e in entries {
            let p = e.map_err(|e| format!("{}: {e}", dir.display()))?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| matches!(x, "yaml" | "yml" | "json"))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}
