//! Read-only accessors for untyped KRM objects: the identity and names from the vocabulary
//! leaf, and the host's file annotations.

use crate::diag::FileRef;
use crate::krm::annotations;
use serde_yaml::Value;

pub use crate::k8s::object::{ObjectKey, api_version, kind, label, name, namespace};

/// The diagnostic `resourceRef` of `obj`.
pub fn resource_ref(obj: &Value) -> ObjectKey {
    ObjectKey::of(obj)
}

/// The file the host read the object from, from its path and index annotations; `None` without a path.
pub fn file_ref(obj: &Value) -> Option<FileRef> {
    annotations::path(obj).map(|p| FileRef {
        path: p.to_owned(),
        index: annotations::index(obj),
    })
}
