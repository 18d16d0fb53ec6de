//! The conversions between the stream's YAML items and the JSON working copies the
//! platform layers edit, and the one JSON helper they all use.

use crate::diag::Diagnostic;
use crate::krm::object;
use serde::Serialize;
use serde_json::Value as Json;
use serde_yaml::Value;

/// The one conversion to JSON, of an item, a typed object or a JSON value: JSON holds no
/// tags and only string keys, so an item that has them cannot be edited as JSON.
pub fn to_json<T: Serialize + ?Sized>(t: &T) -> Result<Json, Diagnostic> {
    serde_json::to_value(t).map_err(|e| {
        Diagnostic::error(format!("an object in the stream cannot be read as JSON: {e}"))
            .fix("use string keys and plain YAML values (no tags or anchors) in this object")
    })
}

/// An item of the stream as JSON; an error names the item.
pub(super) fn item_json(v: &Value) -> Result<Json, Diagnostic> {
    to_json(v).map_err(|d| d.resource(Some(object::resource_ref(v))))
}

/// The JSON object `v` back as YAML; it fails only on a bug, said as an internal error.
pub fn from_json(v: &Json) -> Result<Value, Diagnostic> {
    serde_yaml::to_value(v).map_err(|e| Diagnostic::internal(format!("JSON to YAML: {e}")))
}

/// The mapping at `path`, created (with empty mappings on the way) when missing. None when
/// something on the way is not a mapping.
pub fn ensure_map<'j>(obj: &'j mut Json, path: &[&str]) -> Option<&'j mut serde_json::Map<String, Json>> {
    let mut cur = obj;
    for p in path {
        let map = cur.as_object_mut()?;
        let next = map
            .entry((*p).to_owned())
            .or_insert_with(|| Json::Object(Default::default()));
        if next.is_null() {
            *next = Json::Object(Default::default());
        }
        cur = next;
    }
    cur.as_object_mut()
}
