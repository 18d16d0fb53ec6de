//! The objects of a rendered overlay or revision: their identity ([`Key`]), the normalized
//! object ([`Resource`]), and how they are loaded. `diff` compares two sides of them and
//! `graph` draws their reach; both stand on this module.
//!
//! - [`load`]: the inputs (rendered YAML, directories, stdin, kustomizations).
//! - [`normalize`]: key order, keyed lists, redaction of secret-like values.

pub mod load;
pub mod normalize;

use crate::k8s::object::ObjectKey;
use serde::Serialize;
use serde_yaml::Value;

/// The identity of an object in a diff: its [`ObjectKey`] as the object states it, plus the
/// overlay under `--base`.
///
/// Two keys are the same object when their overlay, API group, kind, namespace and name are
/// (what Kubernetes itself keys on): the version is left out, so an apiVersion bump is a
/// change, not a remove and an add, and a missing namespace is the empty one. Keys sort in
/// that order too, and serialise as those five fields (`group`, not `apiVersion`).
#[derive(Debug, Clone)]
pub struct Key {
    /// The overlay the object was rendered from under `--base`, e.g. `overlays/dev`; empty otherwise.
    pub overlay: String,
    /// The object's apiVersion, kind, name (with kustomize's hash suffix if it has one) and
    /// namespace.
    pub object: ObjectKey,
}

impl Key {
    /// The key of `object` rendered from `overlay` (empty when not under `--base`).
    pub fn new(overlay: &str, object: ObjectKey) -> Self {
        Key {
            overlay: overlay.to_owned(),
            object,
        }
    }

    /// The API group, the `apiVersion` without its version; empty for the core group.
    pub fn group(&self) -> &str {
        self.object.group()
    }

    /// The object's `kind`.
    pub fn kind(&self) -> &str {
        &self.object.kind
    }

    /// The object's `metadata.namespace`; empty when it has none (cluster-scoped, or left to `kubectl`).
    pub fn namespace(&self) -> &str {
        self.object.namespace.as_deref().unwrap_or_default()
    }

    /// The object's `metadata.name`, with kustomize's hash suffix if it has one.
    pub fn name(&self) -> &str {
        &self.object.name
    }

    /// This key with another name (a hash suffix's stem, or none to match any name).
    pub fn renamed(&self, name: &str) -> Self {
        let mut k = self.clone();
        k.object.name = name.to_owned();
        k
    }

    /// What equality, order and hashing go by: overlay, group, kind, namespace, name.
    fn identity(&self) -> (&str, &str, &str, &str, &str) {
        (&self.overlay, self.group(), self.kind(), self.namespace(), self.name())
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.identity() == other.identity()
    }
}

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.identity().cmp(&other.identity())
    }
}

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.identity().hash(state);
    }
}

impl Serialize for Key {
    /// `overlay` (when set), `group`, `kind`, `namespace` (empty when none), `name`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let overlay = !self.overlay.is_empty();
        let mut st = s.serialize_struct("Key", 4 + usize::from(overlay))?;
        if overlay {
            st.serialize_field("overlay", &self.overlay)?;
        } else {
            st.skip_field("overlay")?;
        }
        st.serialize_field("group", self.group())?;
        st.serialize_field("kind", self.kind())?;
        st.serialize_field("namespace", self.namespace())?;
        st.serialize_field("name", self.name())?;
        st.end()
    }
}

impl std::fmt::Display for Key {
    /// `[overlays/dev] StatefulSet maverics-dev/maverics`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.overlay.is_empty() {
            write!(f, "[{}] ", self.overlay)?;
        }
        write!(f, "{} ", self.kind())?;
        if !self.namespace().is_empty() {
            write!(f, "{}/", self.namespace())?;
        }
        f.write_str(self.name())
    }
}

/// One object of one side, normalized (see [`normalize::normalize`]) but not yet redacted.
#[derive(Debug, Clone)]
pub struct Resource {
    /// The object's identity, which pairs it with its counterpart on the other side.
    pub key: Key,
    /// The object, normalized.
    pub value: Value,
}

#[cfg(test)]
impl Resource {
    /// A core-group object in namespace `ns` of no overlay, for unit tests.
    pub(crate) fn test(kind: &str, name: &str, value: Value) -> Self {
        Resource {
            key: Key::new(
                "",
                ObjectKey {
                    api_version: "v1".into(),
                    kind: kind.into(),
                    name: name.into(),
                    namespace: Some("ns".into()),
                },
            ),
            value,
        }
    }
}
