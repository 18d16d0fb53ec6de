//! An object's identity ([`ObjectKey`]) and read-only accessors for untyped objects, on the
//! YAML value items travel as. The platform layer's JSON working copies have `ObjectKey::of_json`.

use serde::Serialize;
use serde_json::Value as Json;
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

/// An object's identity as the object states it: what upserts and the platform's patches
/// match on, and a diagnostic's `resourceRef` (the KRM spec's field names and order, which
/// is why it serialises as it does).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectKey {
    /// The object's `apiVersion`; empty when it has none.
    pub api_version: String,
    /// The object's `kind`; empty when it has none.
    pub kind: String,
    /// The object's `metadata.name` as the stream has it (after any `namePrefix`); empty when unset.
    pub name: String,
    /// The object's `metadata.namespace`, left out of a result when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

impl ObjectKey {
    /// The key of a stream item; missing fields are empty.
    pub fn of(obj: &Value) -> Self {
        ObjectKey {
            api_version: api_version(obj).to_owned(),
            kind: kind(obj).to_owned(),
            name: name(obj).to_owned(),
            namespace: namespace(obj).map(str::to_owned),
        }
    }

    /// The key of a JSON working copy (the platform layer's).
    pub fn of_json(obj: &Json) -> Self {
        let s = |p: &str| obj.pointer(p).and_then(Json::as_str);
        ObjectKey {
            api_version: s("/apiVersion").unwrap_or_default().to_owned(),
            kind: s("/kind").unwrap_or_default().to_owned(),
            name: s("/metadata/name").unwrap_or_default().to_owned(),
            namespace: s("/metadata/namespace").map(str::to_owned),
        }
    }

    /// Whether `obj` is the object this key names, without copying its names. A missing
    /// namespace and an empty one are the same namespace, as they are to the API server.
    pub fn is(&self, obj: &Value) -> bool {
        api_version(obj) == self.api_version
            && kind(obj) == self.kind
            && name(obj) == self.name
            && namespace(obj).unwrap_or_default() == self.namespace.as_deref().unwrap_or_default()
    }

    /// The API group: `apps` of `apps/v1`, empty for the core group (`v1`).
    pub fn group(&self) -> &str {
        self.api_version.split_once('/').map(|(g, _)| g).unwrap_or_default()
    }

    /// The version: `v1` of `apps/v1` and of `v1`.
    pub fn version(&self) -> &str {
        self.api_version
            .split_once('/')
            .map_or(self.api_version.as_str(), |(_, v)| v)
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{} ", self.api_version, self.kind)?;
        if let Some(ns) = self.namespace.as_deref().filter(|ns| !ns.is_empty()) {
            write!(f, "{ns}/")?;
        }
        f.write_str(&self.name)
    }
}
