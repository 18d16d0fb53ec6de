//! The `OrchestratorPlatform` transformer: platform patches computed against the
//! orchestrator objects found in the stream, then either applied (function mode) or written
//! out as a plain kustomize overlay (`eject`).
//!
//! Every change is one of three: a JSON patch (RFC 6902, from `json-patch`) of an object
//! that is already there, a new object, or a deletion. The same [`Plan`] drives both the
//! transformer and the ejected overlay, so the two cannot drift apart.

mod aks;
pub mod config;
mod crd;
pub mod eject;
mod eks;
mod found;
mod gke;
mod json;
pub mod kept;
mod misfits;
mod planner;
mod rosa;
pub mod trust;

use crate::diag::{self, Diagnostic};
use crate::krm::{Item, ObjectKey, annotations};
use config::{OrchestratorPlatform, Platform};
use serde_json::Value as Json;
use serde_yaml::Value;

pub use found::OrchestratorObjects;
use json::item_json;
pub use json::{ensure_map, from_json, to_json};
use planner::file_stem;
pub use planner::{Change, Plan, Planner, admit_sources, cluster_rule};

/// Plans the platform layer for `items`, of which it reads only the trees: every item it may
/// read or change must be one ([`kept::keeps`]). Diagnostics with errors mean: apply nothing.
pub fn plan(cfg: &OrchestratorPlatform, items: &[Item]) -> Plan {
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
    misfits::check(&mut p);
    // The config's own example values, by field: the stream check sees only their copies
    // in the objects, and cannot say which setting to change.
    if let Ok(spec) = serde_yaml::to_value(&cfg.spec) {
        for d in crate::check::examples::in_value(&spec, "spec") {
            p.report(d);
        }
    }
    p.finish()
}

/// The transformer: plans, then applies the plan to `items` in place, then runs `guard` (the
/// guard rails, [`crate::check::TRANSFORMER_GUARD`]) on the stream as it will leave. On any
/// error `items` stay as they came.
pub fn transform(
    items: &mut Vec<Item>,
    cfg: &OrchestratorPlatform,
    guard: impl FnOnce(&[Item]) -> Vec<Diagnostic>,
) -> Vec<Diagnostic> {
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
    diagnostics.extend(guard(items));
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
    deleted: Vec<(usize, Item)>,
    len_before_adds: Option<usize>,
}

impl Undo {
    fn restore(self, items: &mut Vec<Item>) {
        if let Some(len) = self.len_before_adds {
            items.truncate(len);
        }
        for (index, item) in self.deleted {
            items.insert(index, item);
        }
        for (index, item) in self.patched {
            if let Some(slot) = items.get_mut(index) {
                *slot = Item::Tree(item);
            }
        }
    }
}

/// Applies `changes` to `items` in place: patches, then deletions, then additions at the
/// end. Only the touched items are converted; `undo` keeps what puts them back. A change
/// aimed at a passed item (which the plan never read) is an internal error: the stream's
/// passed items stay exactly those it read, in their order.
fn apply(
    items: &mut Vec<Item>,
    changes: &[Change],
    cfg: &OrchestratorPlatform,
    undo: &mut Undo,
) -> Result<(), Diagnostic> {
    for change in changes {
        let Change::Patch { index, target, ops } = change else {
            continue;
        };
        let item = match items.get_mut(*index) {
            None => continue,
            Some(Item::Tree(item)) => item,
            Some(Item::Passed(_)) => return Err(found::unread(&target.to_string())),
        };
        let patched = item_json(item).and_then(|mut doc| {
            json_patch::patch(&mut doc, ops).map_err(|e| {
                Diagnostic::internal(format!(
                    "a platform patch for {} {} did not apply: {e}",
                    target.kind, target.name
                ))
            })?;
            from_json(&doc)
        });
        undo.patched.push((*index, std::mem::replace(item, patched?)));
    }
    let mut deletes: Vec<usize> = Vec::new();
    for change in changes {
        match change {
            Change::Delete { index, target } => match items.get(*index) {
                Some(Item::Tree(_)) => deletes.push(*index),
                Some(Item::Passed(_)) => return Err(found::unread(&target.to_string())),
                None => {}
            },
            _ => continue,
        }
    }
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
        items.push(Item::Tree(from_json(&obj)?));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::krm::item::Passed;

    #[test]
    fn a_change_aimed_at_a_passed_item_is_an_internal_error_and_undone() {
        let cfg: Value = serde_yaml::from_str(include_str!("../../overlays/eks/platform.yaml")).unwrap();
        let cfg = OrchestratorPlatform::from_value(&cfg, None).unwrap();
        let tree: Value = serde_yaml::from_str("{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}").unwrap();
        let passed = Item::Passed(Passed::of(
            &serde_yaml::from_str("{apiVersion: v1, kind: Secret, metadata: {name: s}}").unwrap(),
            0..0,
        ));
        let target = ObjectKey::of(&tree);
        let ops: Vec<json_patch::PatchOperation> =
            serde_json::from_str(r#"[{"op": "add", "path": "/data", "value": {"k": "v"}}]"#).unwrap();
        for changes in [
            vec![
                Change::Patch {
                    index: 0,
                    target: target.clone(),
                    ops: ops.clone(),
                },
                Change::Patch {
                    index: 1,
                    target: passed.key(),
                    ops: ops.clone(),
                },
            ],
            vec![Change::Delete {
                index: 1,
                target: passed.key(),
            }],
        ] {
            let mut items = vec![Item::Tree(tree.clone()), passed.clone()];
            let mut undo = Undo::default();
            let err = apply(&mut items, &changes, &cfg, &mut undo).unwrap_err();
            assert!(err.message.starts_with("internal error"), "{}", err.message);
            assert!(err.message.contains("Secret"), "{}", err.message);
            undo.restore(&mut items);
            assert_eq!(items, [Item::Tree(tree.clone()), passed.clone()]);
        }
    }
}
