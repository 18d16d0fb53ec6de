//! Read-only accessors for untyped KRM objects.

use crate::diag::{FileRef, ResourceRef};
use crate::krm::annotations;
use serde_yaml::Value;
use std::fmt;

fn str_at<'a>(obj: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = obj;
    for p in path {
        cur = cur.get(*p)?;
    }
    cur.as_str()
}

/// The object's `apiVersion`; empty when it has none.
pub fn api_version(obj: &Value) -> &str {
    str_at(obj, &["apiVersion"]).unwrap_or_default()
}

/// The object's `kind`; empty when it has none.
pub fn kind(obj: &Value) -> &str {
    str_at(obj, &["kind"]).unwrap_or_default()
}

/// The object's `metadata.name`; empty when it has none.
pub fn name(obj: &Value) -> &str {
    str_at(obj, &["metadata", "name"]).unwrap_or_default()
}

/// The object's `metadata.namespace`, when set.
pub fn namespace(obj: &Value) -> Option<&str> {
    str_at(obj, &["metadata", "namespace"])
}

/// The value of label `key` on `obj`, when it is a string.
pub fn label<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get("metadata")?.get("labels")?.get(key)?.as_str()
}

/// The object as a diagnostic names it; missing fields are empty.
pub fn resource_ref(obj: &Value) -> ResourceRef {
    ResourceRef {
        api_version: api_version(obj).to_owned(),
        kind: kind(obj).to_owned(),
        name: name(obj).to_owned(),
        namespace: namespace(obj).map(str::to_owned),
    }
}

/// The file the host read the object from, from its path and index annotations; `None` without a path.
pub fn file_ref(obj: &Value) -> Option<FileRef> {
    annotations::path(obj).map(|p| FileRef {
        path: p.to_owned(),
        index: annotations::index(obj),
    })
}

/// Identity of an object for upserts: (apiVersion, kind, namespace, name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    /// The object's `apiVersion`.
    pub api_version: String,
    /// The object's `kind`.
    pub kind: String,
    /// The object's `metadata.namespace`; empty when unset.
    pub namespace: String,
    /// The object's `metadata.name`; empty when unset.
    pub name: String,
}

impl ObjectKey {
    /// The key of `obj`; missing fields are empty.
    pub fn of(obj: &Value) -> Self {
        ObjectKey {
            api_version: api_version(obj).to_owned(),
            kind: kind(obj).to_owned(),
            namespace: namespace(obj).unwrap_or_default().to_owned(),
            name: name(obj).to_owned(),
        }
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{} ", self.api_version, self.kind)?;
        if !self.namespace.is_empty() {
            write!(f, "{}/", self.namespace)?;
        }
        f.write_str(&self.name)
    }
}
