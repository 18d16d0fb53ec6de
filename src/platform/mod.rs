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
use crate::krm::{ObjectKey, annotations, object};
use json_patch::PatchOperation;
use serde_json::Value as Json;
use serde_yaml::Value;

pub use found::OrchestratorObjects;

/// Which object a patch or deletion is for, by the names it has in the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The object's `apiVersion`.
    pub api_version: String,
    /// The object's `kind`.
    pub kind: String,
    /// The object's `metadata.name` in the stream, after any `namePrefix` or `nameSuffix`.
    pub name: String,
    /// The object's `metadata.namespace`, when it has one.
    pub namespace: Option<String>,
}

impl Target {
    fn of(obj: &Json) -> Self {
        let s = |p: &str| obj.pointer(p).and_then(Json::as_str).map(str::to_owned);
        Target {
            api_version: s("/apiVersion").unwrap_or_default(),
            kind: s("/kind").unwrap_or_default(),
            name: s("/metadata/name").unwrap_or_default(),
            namespace: s("/metadata/namespace"),
        }
    }

    /// A file name that says what the file is about.
    fn file_stem(&self) -> String {
        format!("{}-{}", self.kind.to_ascii_lowercase(), self.name)
    }
}

/// One change of a [`Plan`]: a patch of an object in the stream, a new object, or a deletion.
#[derive(Debug, Clone)]
pub enum Change {
    /// RFC 6902 operations against the object at `index` in the input.
    Patch {
        /// The object's position in the input stream.
        index: usize,
        /// The object, by its names in the stream (the ejected patch's target).
        target: Target,
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
        target: Target,
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
/// diffed against the original into a patch at the end.
pub struct Planner<'a> {
    /// The platform config being applied.
    pub cfg: &'a OrchestratorPlatform,
    /// The orchestrator's objects in the stream, and what was read from them.
    pub found: OrchestratorObjects,
    /// (index, original, working copy) of every object an edit touched, in first-touch order.
    edits: Vec<(usize, Json, Json)>,
    adds: Vec<Json>,
    deletes: Vec<usize>,
    /// What the layer found; they become the plan's.
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Planner<'a> {
    /// A working copy of the item at `index`, for editing.
    pub fn edit(&mut self, index: usize) -> &mut Json {
        let pos = match self.edits.iter().position(|(i, _, _)| *i == index) {
            Some(p) => p,
            None => {
                let original = self.found.json[index].clone();
                self.edits.push((index, original.clone(), original));
                self.edits.len() - 1
            }
        };
        &mut self.edits[pos].2
    }

    /// An object the platform needs: patched in place when the stream already has it (an
    /// earlier run, or the base), added otherwise.
    pub fn put(&mut self, desired: Json) {
        let key = key_of(&desired);
        match self.found.json.iter().position(|o| key_of(o) == key) {
            Some(i) => {
                let existing = self.found.json[i].clone();
                let mut desired = desired;
                keep_host_annotations(&existing, &mut desired);
                *self.edit(i) = desired;
            }
            None => self.adds.push(desired),
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
                    r.insert("kind".into(), "SecretStore".into());
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
                    target: Target::of(&original),
                    ops,
                });
            }
        }
        for index in self.deletes {
            changes.push(Change::Delete {
                index,
                target: Target::of(&self.found.json[index]),
            });
        }
        changes.extend(self.adds.into_iter().map(|object| Change::Add { object }));
        Plan {
            changes,
            diagnostics: self.diagnostics,
        }
    }
}

fn key_of(obj: &Json) -> (String, String, String, String) {
    let t = Target::of(obj);
    (t.api_version, t.kind, t.namespace.unwrap_or_default(), t.name)
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

/// The transformer: plans, then applies the plan to `items`. On any error `items` stay as
/// they came.
pub fn transform(items: &mut Vec<Value>, cfg: &OrchestratorPlatform) -> Vec<Diagnostic> {
    let plan = plan(cfg, items);
    if diag::has_errors(&plan.diagnostics) {
        return plan.diagnostics;
    }
    let mut diagnostics = plan.diagnostics;
    match apply(items, &plan.changes, cfg) {
        Ok(new_items) => {
            // The guard rails on the whole stream this transformer sees, as it will leave: the
            // exposure is known only now (a scaled orchestrator in proxy mode must get cookie
            // affinity from whatever the platform put in front of it), and whatever an overlay
            // added beside the base (a `secretGenerator`, a patch) passes here or nowhere.
            diagnostics.extend(crate::check::transformer_guard(&new_items));
            if !diag::has_errors(&diagnostics) {
                *items = new_items;
            }
        }
        Err(d) => diagnostics.push(cfg.locate(d)),
    }
    diagnostics
}

fn apply(items: &[Value], changes: &[Change], cfg: &OrchestratorPlatform) -> Result<Vec<Value>, Diagnostic> {
    let mut out: Vec<Option<Value>> = items.iter().cloned().map(Some).collect();
    // kpt keeps new objects in a file next to the config; kustomize ignores paths.
    let dir = cfg.file.as_ref().map(|f| {
        f.path
            .rsplit_once('/')
            .map(|(d, _)| format!("{d}/"))
            .unwrap_or_default()
    });
    let mut added = Vec::new();
    for change in changes {
        match change {
            Change::Patch { index, target, ops } => {
                let Some(Some(item)) = out.get_mut(*index) else {
                    continue;
                };
                let mut doc = to_json(item)?;
                json_patch::patch(&mut doc, ops).map_err(|e| {
                    Diagnostic::error(format!(
                        "internal error: a platform patch for {} {} did not apply: {e}",
                        target.kind, target.name
                    ))
                    .fix("report it with the input that caused it")
                })?;
                *item = from_json(&doc)?;
            }
            Change::Delete { index, .. } => {
                if let Some(slot) = out.get_mut(*index) {
                    *slot = None;
                }
            }
            Change::Add { object } => {
                let mut obj = object.clone();
                if let Some(dir) = &dir {
                    let t = Target::of(&obj);
                    if let Some(ann) = ensure_map(&mut obj, &["metadata", "annotations"]) {
                        for (k, v) in [
                            (
                                annotations::PATH,
                                format!("{dir}{}/{}.yaml", cfg.metadata.name, t.file_stem()),
                            ),
                            (
                                annotations::LEGACY_PATH,
                                format!("{dir}{}/{}.yaml", cfg.metadata.name, t.file_stem()),
                            ),
                            (annotations::INDEX, "0".to_owned()),
                            (annotations::LEGACY_INDEX, "0".to_owned()),
                        ] {
                            ann.insert(k.to_owned(), Json::String(v));
                        }
                    }
                }
                added.push(from_json(&obj)?);
            }
        }
    }
    let mut result: Vec<Value> = out.into_iter().flatten().collect();
    result.extend(added);
    Ok(result)
}

/// The stream item `v` as JSON, for patching; an error names the object when it has non-string keys or tags.
pub fn to_json(v: &Value) -> Result<Json, Diagnostic> {
    serde_json::to_value(v).map_err(|e| {
        Diagnostic::error(format!("an object in the stream cannot be read as JSON: {e}"))
            .resource(Some(object::resource_ref(v)))
            .fix("use string keys and plain YAML values (no tags or anchors) in this object")
    })
}

/// The JSON object `v` back as YAML; it fails only on a bug, said as an internal error.
pub fn from_json(v: &Json) -> Result<Value, Diagnostic> {
    serde_yaml::to_value(v).map_err(|e| Diagnostic::error(format!("internal error: JSON to YAML: {e}")))
}

/// Object keys of a plan's result, for tests and the eject check.
pub fn keys(items: &[Value]) -> Vec<ObjectKey> {
    items.iter().map(ObjectKey::of).collect()
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
