//! How the generator's objects enter the item list without touching anyone else's.
//!
//! An item is this config's own only when it carries the owner mark naming this config
//! (`resources::OWNER_ANNOTATION`), is of a kind the generator emits and sits in the
//! config's namespace (a Namespace: is named after it). Labels decide nothing: any user can
//! copy them. Own items are replaced in place or pruned, each removal reported. Any other
//! item in the place of a generated object is an error naming both files, and the list then
//! stays exactly as it came.

use crate::config::Orchestrator;
use crate::diag::{self, Diagnostic, FileRef};
use crate::krm::{Item, annotations, object};
use crate::resources::{self, Generated, OWNER_ANNOTATION};
use k8s_openapi::Resource;
use k8s_openapi::api::core::v1::Namespace;
use serde_yaml::Value;
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// Where an object sits: kind, namespace and name. The apiVersion is left out: the API
/// server stores an `autoscaling/v1` and an `autoscaling/v2` HPA of one name as one object,
/// and our own output of an older apiVersion is still ours to replace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Slot {
    kind: String,
    namespace: String,
    name: String,
}

impl Slot {
    fn of(obj: &Value) -> Self {
        Slot {
            kind: object::kind(obj).to_owned(),
            namespace: object::namespace(obj).unwrap_or_default().to_owned(),
            name: object::name(obj).to_owned(),
        }
    }

    fn of_item(item: &Item) -> Self {
        Slot {
            kind: item.kind().to_owned(),
            namespace: item.namespace().unwrap_or_default().to_owned(),
            name: item.name().to_owned(),
        }
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} `{}`", self.kind, self.name)
        } else {
            write!(f, "{} `{}/{}`", self.kind, self.namespace, self.name)
        }
    }
}

/// The config the generator runs for, as ownership sees it.
struct Owner<'a> {
    id: String,
    namespace: Option<&'a str>,
    file: Option<&'a FileRef>,
}

impl Owner<'_> {
    /// Marked with this config's id, of a generated kind, in this config's namespace. A
    /// passed item has no owner mark: the generator reads every item that has one.
    fn owns(&self, item: &Item) -> bool {
        let Item::Tree(item) = item else { return false };
        let kind = object::kind(item);
        let namespace = object::namespace(item).filter(|n| !n.is_empty());
        annotations::get(item, OWNER_ANNOTATION) == Some(self.id.as_str())
            && crate::k8s::kinds::GENERATED.iter().any(|k| k.kind == kind)
            && if kind == Namespace::KIND {
                namespace.is_none() && self.namespace == Some(object::name(item))
            } else {
                namespace == self.namespace
            }
    }
}

/// `path` (or `path` document N) in backquotes, or where the item came from without one.
fn place(file: Option<&FileRef>) -> String {
    match file {
        Some(f) if f.index > 0 => format!("`{}` (document {})", f.path, f.index),
        Some(f) => format!("`{}`", f.path),
        None => "the input stream".to_owned(),
    }
}

/// Other `Orchestrator` configs in the stream with the same owner id as `o`: both would
/// claim the same objects, and each run would replace the other's output.
pub fn rival_configs(items: &[Item], o: &Orchestrator) -> Vec<Diagnostic> {
    let id = resources::owner(o);
    let same_object =
        |i: &Value| object::name(i) == o.name() && object::namespace(i) == o.metadata.namespace.as_deref();
    // Configs are of this function's API group, which is never passed.
    items
        .iter()
        .filter_map(Item::tree)
        .filter(|i| object::kind(i) == o.kind && object::api_version(i).starts_with("krm.maverics.dev/"))
        .filter(|i| {
            let ns = i.get("spec").and_then(|s| s.get("namespace")).and_then(Value::as_str);
            resources::owner_id(ns.or_else(|| object::namespace(i)), object::name(i)) == id
        })
        .filter(|i| {
            let file = object::file_ref(i);
            file.as_ref() != o.file.as_ref() || (file.is_none() && !same_object(i))
        })
        .map(|i| {
            o.locate(Diagnostic::error(format!(
                "config {} is also `{id}`: both generate the same objects, and each run would replace the other's",
                place(object::file_ref(i).as_ref()),
            )))
            .field("metadata.name")
            .fix("give one of the two configs another `metadata.name` or `spec.namespace`, or remove one")
        })
        .collect()
}

/// Upserts `generated` into `items`; `dir` is where new objects' files go (`<dir><name>/`).
/// Returns the removals as info results, or the collisions as errors with `items` untouched.
pub fn upsert(items: &mut Vec<Item>, generated: Vec<Generated>, o: &Orchestrator, dir: &str) -> Vec<Diagnostic> {
    let owner = Owner {
        id: resources::owner(o),
        namespace: o.spec.namespace.as_deref(),
        file: o.file.as_ref(),
    };
    let slots: BTreeSet<Slot> = generated.iter().map(|g| Slot::of(&g.object)).collect();

    let mut diagnostics: Vec<Diagnostic> = items
        .iter()
        .filter(|i| slots.contains(&Slot::of_item(i)) && !owner.owns(i))
        .map(|i| collision(i, &owner))
        .collect();
    if diag::has_errors(&diagnostics) {
        return diagnostics;
    }

    // Own items the config no longer generates, and second copies of one it does (a copied
    // file): the first copy is replaced in place, the others go.
    let mut seen = BTreeSet::new();
    items.retain(|item| {
        if !owner.owns(item) {
            return true;
        }
        let slot = Slot::of_item(item);
        let why = if !slots.contains(&slot) {
            "no longer generates it"
        } else if !seen.insert(slot.clone()) {
            "generates it once and an earlier item already holds it"
        } else {
            return true;
        };
        let Item::Tree(item) = item else { return true };
        let file = object::file_ref(item);
        diagnostics.push(
            Diagnostic::info(format!(
                "removed {slot} from {}: config `{}` {why}",
                place(file.as_ref()),
                owner.id
            ))
            .file(file)
            .resource(Some(object::resource_ref(item))),
        );
        false
    });

    let position: HashMap<Slot, usize> = items
        .iter()
        .enumerate()
        .filter(|(_, v)| owner.owns(v))
        .map(|(i, v)| (Slot::of_item(v), i))
        .collect();
    let dir = new_files_dir(items, &generated, &position, &owner, &format!("{dir}{}", o.name()));
    let mut last_index = taken_indexes(items);
    for g in generated {
        let mut obj = g.object;
        let slot = Slot::of(&obj);
        let Some(meta) = obj.get_mut("metadata").and_then(Value::as_mapping_mut) else {
            continue;
        };
        let ann = meta
            .entry("annotations".into())
            .or_insert_with(|| Value::Mapping(Default::default()));
        let Some(ann) = ann.as_mapping_mut() else { continue };
        match position.get(&slot) {
            Some(&i) => {
                // Replace in place and keep the host's ids, path and build state.
                if let Some(old) = items[i].tree() {
                    annotations::copy_host_owned(old, ann);
                }
                items[i] = Item::Tree(obj);
            }
            None => {
                let path = format!("{dir}{}", g.file);
                let index = last_index.get(&path).map_or(0, |i| i + 1);
                last_index.insert(path.clone(), index);
                annotations::set_path(ann, &path, index);
                items.push(Item::Tree(obj));
            }
        }
    }
    diagnostics
}

/// The highest index in use per file path.
fn taken_indexes(items: &[Item]) -> HashMap<String, u32> {
    let mut taken = HashMap::new();
    for f in items.iter().filter_map(Item::file_ref) {
        let i = taken.entry(f.path).or_insert(f.index);
        *i = (*i).max(f.index);
    }
    taken
}

/// The directory new objects go to: `<base>/`, where `base` is `<config dir><name>`. kpt
/// refuses two items at one path and index, so when another config of the same name (for
/// another namespace) already writes there, `<base>-<namespace>/`; should that be taken
/// too, new objects go after the others in the files of `<base>/`.
fn new_files_dir(
    items: &[Item],
    generated: &[Generated],
    placed: &HashMap<Slot, usize>,
    owner: &Owner,
    base: &str,
) -> String {
    let taken: BTreeSet<&str> = items.iter().filter_map(Item::path).collect();
    let free = |dir: &str| {
        generated
            .iter()
            .filter(|g| !placed.contains_key(&Slot::of(&g.object)))
            .all(|g| !taken.contains(format!("{dir}{}", g.file).as_str()))
    };
    let default = format!("{base}/");
    match owner.namespace {
        Some(ns) if !free(&default) && free(&format!("{base}-{ns}/")) => format!("{base}-{ns}/"),
        _ => default,
    }
}

/// An item that is not this config's own in the place of a generated object.
fn collision(item: &Item, owner: &Owner) -> Diagnostic {
    let slot = Slot::of_item(item);
    let file = item.file_ref();
    let (theirs, ours) = (place(file.as_ref()), place(owner.file));
    let (whose, fix) = match item.tree().and_then(|i| annotations::get(i, OWNER_ANNOTATION)) {
        Some(other) if other != owner.id => (
            format!("is generated by config `{other}`"),
            if slot.kind == Namespace::KIND {
                format!(
                    "set `spec.createNamespace: false` in one of the two configs ({ours} is `{}`)",
                    owner.id
                )
            } else {
                format!(
                    "give one of the configs `{other}` and `{}` ({ours}) another `metadata.name` or `spec.namespace`",
                    owner.id
                )
            },
        ),
        _ => (
            format!(
                "is not marked as generated (no `{OWNER_ANNOTATION}: {}` annotation)",
                owner.id
            ),
            if slot.kind == Namespace::KIND {
                format!(
                    "set `spec.createNamespace: false` in {ours} to leave the Namespace to {theirs}, or remove it from {theirs}"
                )
            } else {
                format!(
                    "rename or remove the object in {theirs}, or give the config in {ours} another `metadata.name` or \
                     `spec.namespace`; if {theirs} is output of a maverics-krm release without the owner mark, delete it \
                     and run again"
                )
            },
        ),
    };
    Diagnostic::error(format!(
        "{slot} in {theirs} {whose}, and config `{}` in {ours} generates an object of the same kind, namespace \
         and name: refusing to overwrite it",
        owner.id
    ))
    .file(file)
    .resource(Some(item.key()))
    .fix(fix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(ns: &str) -> Orchestrator {
        let v: Value = serde_yaml::from_str(&format!(
            "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {{name: m}}\n\
             spec: {{namespace: {ns}, image: {{repository: r, tag: t}}}}\n"
        ))
        .unwrap();
        Orchestrator::from_value(&v, None).unwrap()
    }

    fn item(kind: &str, ns: Option<&str>, name: &str, owner: Option<&str>, path: &str) -> Value {
        let mut v: Value = serde_yaml::from_str(&format!(
            "apiVersion: v1\nkind: {kind}\nmetadata:\n  name: {name}\n  annotations:\n    {}: '{path}'\n",
            annotations::PATH
        ))
        .unwrap();
        if let Some(ns) = ns {
            v["metadata"]["namespace"] = ns.into();
        }
        if let Some(o) = owner {
            v["metadata"]["annotations"][OWNER_ANNOTATION] = o.into();
        }
        v
    }

    #[test]
    fn ownership_needs_the_mark_a_generated_kind_and_the_namespace() {
        let owner = Owner {
            id: "a/m".into(),
            namespace: Some("a"),
            file: None,
        };
        assert!(owner.owns(&Item::Tree(item("Service", Some("a"), "m", Some("a/m"), "x"))));
        assert!(owner.owns(&Item::Tree(item("Namespace", None, "a", Some("a/m"), "x"))));
        for (what, i) in [
            ("no mark", item("Service", Some("a"), "m", None, "x")),
            ("another owner", item("Service", Some("a"), "m", Some("b/m"), "x")),
            ("another namespace", item("Service", Some("b"), "m", Some("a/m"), "x")),
            ("no namespace", item("Service", None, "m", Some("a/m"), "x")),
            (
                "a kind never generated",
                item("Secret", Some("a"), "m", Some("a/m"), "x"),
            ),
            ("another Namespace", item("Namespace", None, "b", Some("a/m"), "x")),
        ] {
            assert!(!owner.owns(&Item::Tree(i)), "{what}");
        }
    }

    #[test]
    fn new_objects_go_after_the_others_when_both_directories_are_taken() {
        // Both `m/` and `m-a/` hold another config's files: kpt refuses two items at one
        // path and index, so the new object takes the next index of `m/`.
        let o = config("a");
        let mut items: Vec<Item> = resources::generate(&o)
            .iter()
            .flat_map(|g| {
                [
                    item("ConfigMap", Some("x"), g.file, Some("x/m"), &format!("m/{}", g.file)),
                    item("ConfigMap", Some("y"), g.file, Some("y/m"), &format!("m-a/{}", g.file)),
                ]
            })
            .map(Item::Tree)
            .collect();
        let n = items.len();
        let diags = upsert(&mut items, resources::generate(&o), &o, "");
        assert!(diags.is_empty(), "{diags:?}");
        let sts = items[n..]
            .iter()
            .filter_map(Item::tree)
            .find(|i| object::kind(i) == "StatefulSet")
            .unwrap();
        assert_eq!(annotations::path(sts), Some("m/statefulset.yaml"));
        assert_eq!(annotations::index(sts), 1);
    }
}
