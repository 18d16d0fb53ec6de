//! The plan of a platform layer and its builder: [`Planner`] edits JSON working copies of
//! the orchestrator's objects and turns them into the [`Change`]s of a [`Plan`]; the layers
//! (EKS, ROSA, AKS, GKE) write through it. Also the NetworkPolicy edits the layers share.

use super::found::OrchestratorObjects;
use super::json::{ensure_map, to_json};
use super::trust;
use crate::diag::Diagnostic;
use crate::k8s::kinds::SECRET_STORE;
use crate::k8s::labels::TRUST_SUBJECT;
use crate::krm::{Item, ObjectKey, annotations};
use crate::platform::config::OrchestratorPlatform;
use json_patch::PatchOperation;
use k8s_openapi::Resource;
use k8s_openapi::api::core::v1::ServiceAccount;
use serde::Serialize;
use serde_json::Value as Json;
use serde_yaml::Value;

/// A file name that says what the file about the object `key` is about.
pub(super) fn file_stem(key: &ObjectKey) -> String {
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
    /// The stream: trees for every item the plan may read or change, the rest passed
    /// through (`super::kept`), each at its place in the stream.
    pub(super) items: &'a [Item],
    /// (index, original, working copy) of every object an edit touched, in first-touch order.
    pub(super) edits: Vec<(usize, Json, Json)>,
    pub(super) adds: Vec<Json>,
    pub(super) deletes: Vec<usize>,
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
        // A passed item of that name is an internal error of `copy_of`, never a second object.
        let Some(i) = self.items.iter().position(|o| o.is(&key)) else {
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

    /// The items read as trees, with their places in the stream.
    pub(super) fn trees(&self) -> impl Iterator<Item = (usize, &'a Value)> + use<'a> {
        super::found::trees(self.items)
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

    /// Reports the cloud-side trust of `ids` and marks each ServiceAccount with the subject
    /// reported, so a later rename of it is caught on the final stream. Without a namespace
    /// the subject is not known yet, and nothing is marked.
    pub fn trust(&mut self, scheme: &trust::Scheme, ids: &[trust::Identity]) {
        let ns = self.found.namespace();
        self.inform(trust::report(scheme, ns.as_deref(), ids));
        let Some(ns) = ns else { return };
        for id in ids {
            let subject = Json::String((scheme.subject)(&ns, &id.service_account));
            let is_it = |o: &Json| {
                o.get("kind").and_then(Json::as_str) == Some(ServiceAccount::KIND)
                    && o.pointer("/metadata/name").and_then(Json::as_str) == Some(id.service_account.as_str())
            };
            let target = match self.adds.iter_mut().find(|o| is_it(o)) {
                Some(o) => Some(o),
                None => match self.edits.iter_mut().find(|(_, _, w)| is_it(w)) {
                    Some((_, _, w)) => Some(w),
                    None => match self.found.service_account {
                        Some(i) if is_it(self.found.object(i)) => Some(self.edit(i)),
                        _ => None,
                    },
                },
            };
            if let Some(ann) = target.and_then(|o| ensure_map(o, &["metadata", "annotations"])) {
                ann.insert(TRUST_SUBJECT.into(), subject);
            }
        }
    }

    pub(super) fn finish(self) -> Plan {
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
                target: self.items[index].key(),
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
pub(super) fn keep_host_annotations(existing: &Json, desired: &mut Json) {
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
