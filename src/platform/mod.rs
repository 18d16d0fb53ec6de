//! The `OrchestratorPlatform` transformer: platform patches computed against the
//! orchestrator objects found in the stream, then either applied (function mode) or written
//! out as a plain kustomize overlay (`eject`).
//!
//! Every change is one of three: a JSON patch (RFC 6902, from `json-patch`) of an object
//! that is already there, a new object, or a deletion. The same [`Plan`] drives both the
//! transformer and the ejected overlay, so the two cannot drift apart.

mod aks;
mod crd;
pub mod eject;
mod eks;
mod found;
mod gke;
mod rosa;
pub mod trust;

use crate::config::platform::{OrchestratorPlatform, Platform};
use crate::diag::{self, Diagnostic};
use crate::k8s::kinds::SECRET_STORE;
use crate::krm::{ObjectKey, annotations, object};
use json_patch::PatchOperation;
use serde::Serialize;
use serde_json::Value as Json;
use serde_yaml::Value;

pub use found::OrchestratorObjects;

/// A file name that says what the file about the object `key` is about.
fn file_stem(key: &ObjectKey) -> String {
    format!("{}-{}", key.kind.to_ascii_lowercase(), key.name)
}

/// One change of a [`Plan`]: a patch of an object in the stream, a new object, or a deletion.
#[derive(Debug, Clone)]
pub enum Change {
    /// RFC 6902 operations against the object at `index` in the input.
    Patch {
        /// The object's position in the input stream.
        index: usize,
        /// The object, by its names in the stream (the ejected patch's target).
        target: ObjectKey,
        /// The operations, in the order they apply.
        ops: Vec<PatchOperation>,
    },
    /// A new object, appended after the input's items.
    Add {
        /// The whole object, as JSON.
        object: Json,
    },
    /// Removes the object at `index` in the input.
    Delete {
        /// The object's position in the input stream.
        index: usize,
        /// The object, by its names in the stream (the ejected deletion patch's target).
        target: ObjectKey,
    },
}

/// The platform layer for one stream.
#[derive(Debug, Default)]
pub struct Plan {
    /// The changes: patches in the order their objects were first edited, then deletions, then additions.
    pub changes: Vec<Change>,
    /// What the platform layer found; an error means the plan must not be applied.
    pub diagnostics: Vec<Diagnostic>,
}

/// Builds the plan: objects are edited as JSON working copies, and each edited copy is
/// diffed against the original into a patch at the end. Only the objects the plan reads or
/// edits are copied to JSON; the stream itself is read in place.
pub struct Planner<'a> {
    /// The platform config being applied.
    pub cfg: &'a OrchestratorPlatform,
    /// The orchestrator's objects in the stream, and what was read from them.
    pub found: OrchestratorObjects,
    items: &'a [Value],
    /// (index, original, working copy) of every object an edit touched, in first-touch order.
    edits: Vec<(usize, Json, Json)>,
    adds: Vec<Json>,
    deletes: Vec<usize>,
    /// What the layer found; they become the plan's.
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Planner<'a> {
    /// A working copy of the orchestrator object at `index` (one the scan found), for editing.
    pub fn edit(&mut self, index: usize) -> &mut Json {
        let pos = match self.edits.iter().position(|(i, _, _)| *i == index) {
            Some(p) => p,
            None => {
                // An object JSON cannot hold is an error of the plan; its edits go nowhere.
                let original = match self.found.copy_of(index, self.items) {
                    Ok(o) => o,
                    Err(d) => {
                        self.report(d);
                        Json::Null
                    }
                };
                self.edits.push((index, original.clone(), original));
                self.edits.len() - 1
            }
        };
        &mut self.edits[pos].2
    }

    /// An object the platform needs (JSON, or a typed object): patched in place when the
    /// stream already has it (an earlier run, or the base), added otherwise.
    pub fn put(&mut self, desired: impl Serialize) {
        let mut desired = match to_json(&desired) {
            Ok(d) => d,
            Err(d) => return self.report(d),
        };
        let key = ObjectKey::of_json(&desired);
        let Some(i) = self.items.iter().position(|o| key.is(o)) else {
            return self.adds.push(desired);
        };
        let existing = match self.found.copy_of(i, self.items) {
            Ok(e) => e,
            Err(d) => return self.report(d),
        };
        keep_host_annotations(&existing, &mut desired);
        match self.edits.iter_mut().find(|(e, _, _)| *e == i) {
            Some((_, _, working)) => *working = desired,
            None => self.edits.push((i, existing, desired)),
        }
    }

    /// Removes the item at `index` from the output; deleting it twice is the same as once.
    pub fn delete(&mut self, index: usize) {
        if !self.deletes.contains(&index) {
            self.deletes.push(index);
        }
    }

    /// Points the base's ExternalSecret at the SecretStore `store` the layer adds; without an
    /// ExternalSecret, a warning that `setting` (the config field that asked for the store)
    /// does nothing.
    pub fn use_store(&mut self, store: String, setting: &str) {
        match self.found.external_secret {
            Some(i) => {
                if let Some(r) = ensure_map(self.edit(i), &["spec", "secretStoreRef"]) {
                    r.insert("name".into(), Json::String(store));
                    r.insert("kind".into(), SECRET_STORE.kind.into());
                }
            }
            None => self.report(
                Diagnostic::warning("a SecretStore is configured but the base has no ExternalSecret to use it").fix(
                    format!("add `spec.secrets` to the base's Orchestrator config, or remove {setting}"),
                ),
            ),
        }
    }

    /// A finding of the plan, located on the config; its severity is its own.
    pub fn report(&mut self, d: Diagnostic) {
        self.diagnostics.push(self.cfg.locate(d));
    }

    /// Info results about the config's own fields (e.g. the cloud-side trust they need).
    pub fn inform(&mut self, diagnostics: Vec<Diagnostic>) {
        for d in diagnostics {
            self.diagnostics.push(self.cfg.locate(d));
        }
    }

    fn finish(self) -> Plan {
        let mut changes = Vec::new();
        for (index, original, working) in self.edits {
            if self.deletes.contains(&index) {
                continue;
            }
            let ops = json_patch::diff(&original, &working).0;
            if !ops.is_empty() {
                changes.push(Change::Patch {
                    index,
                    target: ObjectKey::of_json(&original),
                    ops,
                });
            }
        }
        for index in self.deletes {
            changes.push(Change::Delete {
                index,
                target: object::resource_ref(&self.items[index]),
            });
        }
        changes.extend(self.adds.into_iter().map(|object| Change::Add { object }));
        Plan {
            changes,
            diagnostics: self.diagnostics,
        }
    }
}

/// The host's ids, paths and build state stay on an object that is rewritten in place.
fn keep_host_annotations(existing: &Json, desired: &mut Json) {
    let Some(src) = existing.pointer("/metadata/annotations").and_then(Json::as_object) else {
        return;
    };
    let host: Vec<(String, Json)> = src
        .iter()
        .filter(|(k, _)| annotations::is_host_owned(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if host.is_empty() {
        return;
    }
    if let Some(ann) = ensure_map(desired, &["metadata", "annotations"]) {
        for (k, v) in host {
            ann.insert(k, v);
        }
    }
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

/// Plans the platform layer for `items`. Diagnostics with errors mean: apply nothing.
pub fn plan(cfg: &OrchestratorPlatform, items: &[Value]) -> Plan {
    let found = match OrchestratorObjects::scan(cfg, items) {
        Ok(f) => f,
        Err(d) => {
            return Plan {
                changes: Vec::new(),
                diagnostics: d.into_iter().map(|d| cfg.locate(d)).collect(),
            };
        }
    };
    let mut p = Planner {
        cfg,
        found,
        items,
        edits: Vec::new(),
        adds: Vec::new(),
        deletes: Vec::new(),
        diagnostics: Vec::new(),
    };
    match cfg.spec.platform {
        Platform::Eks => eks::plan(&mut p),
        Platform::Rosa => rosa::plan(&mut p),
        Platform::Aks => aks::plan(&mut p),
        Platform::Gke => gke::plan(&mut p),
    }
    // The config's own example values, by field: the stream check sees only their copies
    // in the objects, and cannot say which setting to change.
    if let Ok(spec) = serde_yaml::to_value(&cfg.spec) {
        for d in crate::check::examples::in_value(&spec, "spec") {
            p.report(d);
        }
    }
    p.finish()
}

/// The transformer: plans, then applies the plan to `items` in place. On any error `items`
/// stay as they came.
pub fn transform(items: &mut Vec<Value>, cfg: &OrchestratorPlatform) -> Vec<Diagnostic> {
    let plan = plan(cfg, items);
    if diag::has_errors(&plan.diagnostics) {
        return plan.diagnostics;
    }
    let mut diagnostics = plan.diagnostics;
    let mut undo = Undo::default();
    if let Err(d) = apply(items, &plan.changes, cfg, &mut undo) {
        undo.restore(items);
        diagnostics.push(cfg.locate(d));
        return diagnostics;
    }
    // The guard rails on the whole stream this transformer sees, as it will leave: the
    // exposure is known only now (a scaled orchestrator in proxy mode must get cookie
    // affinity from whatever the platform put in front of it), and whatever an overlay
    // added beside the base (a `secretGenerator`, a patch) passes here or nowhere.
    diagnostics.extend(crate::check::transformer_guard(items));
    if diag::has_errors(&diagnostics) {
        undo.restore(items);
    }
    diagnostics
}

/// What `apply` changed, to put the stream back as it came: the originals of the patched
/// items, the deleted items with their places, and the length before the added ones.
#[derive(Default)]
struct Undo {
    patched: Vec<(usize, Value)>,
    /// In ascending index order.
    deleted: Vec<(usize, Value)>,
    len_before_adds: Option<usize>,
}

impl Undo {
    fn restore(self, items: &mut Vec<Value>) {
        if let Some(len) = self.len_before_adds {
            items.truncate(len);
        }
        for (index, item) in self.deleted {
            items.insert(index, item);
        }
        for (index, item) in self.patched {
            if let Some(slot) = items.get_mut(index) {
                *slot = item;
            }
        }
    }
}

/// Applies `changes` to `items` in place: patches, then deletions, then additions at the
/// end. Only the touched items are converted; `undo` keeps what puts them back.
fn apply(
    items: &mut Vec<Value>,
    changes: &[Change],
    cfg: &OrchestratorPlatform,
    undo: &mut Undo,
) -> Result<(), Diagnostic> {
    for change in changes {
        let Change::Patch { index, target, ops } = change else {
            continue;
        };
        let Some(item) = items.get_mut(*index) else { continue };
        let patched = item_json(item).and_then(|mut doc| {
            json_patch::patch(&mut doc, ops).map_err(|e| {
                Diagnostic::error(format!(
                    "internal error: a platform patch for {} {} did not apply: {e}",
                    target.kind, target.name
                ))
                .fix("report it with the input that caused it")
            })?;
            from_json(&doc)
        });
        undo.patched.push((*index, std::mem::replace(item, patched?)));
    }
    let mut deletes: Vec<usize> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Delete { index, .. } if *index < items.len() => Some(*index),
            _ => None,
        })
        .collect();
    deletes.sort_unstable();
    deletes.dedup();
    for index in deletes.iter().rev() {
        undo.deleted.push((*index, items.remove(*index)));
    }
    undo.deleted.reverse();
    undo.len_before_adds = Some(items.len());
    // kpt keeps new objects in a file next to the config; kustomize ignores paths.
    let dir = cfg.file.as_ref().map(|f| {
        f.path
            .rsplit_once('/')
            .map(|(d, _)| format!("{d}/"))
            .unwrap_or_default()
    });
    for change in changes {
        let Change::Add { object } = change else { continue };
        let mut obj = object.clone();
        if let Some(dir) = &dir {
            let stem = file_stem(&ObjectKey::of_json(&obj));
            if let Some(ann) = ensure_map(&mut obj, &["metadata", "annotations"]) {
                for (k, v) in [
                    (annotations::PATH, format!("{dir}{}/{stem}.yaml", cfg.metadata.name)),
                    (
                        annotations::LEGACY_PATH,
                        format!("{dir}{}/{stem}.yaml", cfg.metadata.name),
                    ),
                    (annotations::INDEX, "0".to_owned()),
                    (annotations::LEGACY_INDEX, "0".to_owned()),
                ] {
                    ann.insert(k.to_owned(), Json::String(v));
                }
            }
        }
        items.push(from_json(&obj)?);
    }
    Ok(())
}

/// The one conversion to JSON, of an item, a typed object or a JSON value: JSON holds no
/// tags and only string keys, so an item that has them cannot be edited as JSON.
pub fn to_json<T: Serialize + ?Sized>(t: &T) -> Result<Json, Diagnostic> {
    serde_json::to_value(t).map_err(|e| {
        Diagnostic::error(format!("an object in the stream cannot be read as JSON: {e}"))
            .fix("use string keys and plain YAML values (no tags or anchors) in this object")
    })
}

/// An item of the stream as JSON; an error names the item.
fn item_json(v: &Value) -> Result<Json, Diagnostic> {
    to_json(v).map_err(|d| d.resource(Some(object::resource_ref(v))))
}

/// The JSON object `v` back as YAML; it fails only on a bug, said as an internal error.
pub fn from_json(v: &Json) -> Result<Value, Diagnostic> {
    serde_yaml::to_value(v).map_err(|e| Diagnostic::error(format!("internal error: JSON to YAML: {e}")))
}

/// Adds each of `peers` (once) to the sources of every client-facing ingress rule of the
/// NetworkPolicy `np`: the platform's load balancer or router must reach the HTTP port, and
/// the cluster rules between members stay as they are.
pub fn admit_sources(np: &mut Json, peers: &[Json]) {
    let Some(rules) = np.pointer_mut("/spec/ingress").and_then(Json::as_array_mut) else {
        return;
    };
    for rule in rules.iter_mut().filter(|r| !cluster_rule(r)) {
        let Some(rule) = rule.as_object_mut() else { continue };
        let from = rule.entry("from").or_insert_with(|| Json::Array(Vec::new()));
        if let Some(from) = from.as_array_mut() {
            for peer in peers {
                if !from.contains(peer) {
                    from.push(peer.clone());
                }
            }
        }
    }
}

/// A NetworkPolicy ingress rule of experimental clustering (only the membership and data
/// ports): members reach each other there, so platform layers add no router or load
/// balancer sources to it.
pub fn cluster_rule(rule: &Json) -> bool {
    use crate::resources::service::{DATA_PORT, MEMBERSHIP_PORT};
    let ports: Vec<Option<u64>> = rule
        .get("ports")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|p| p.get("port").and_then(Json::as_u64))
        .collect();
    !ports.is_empty()
        && ports
            .iter()
            .all(|p| *p == Some(u64::from(MEMBERSHIP_PORT)) || *p == Some(u64::from(DATA_PORT)))
}
