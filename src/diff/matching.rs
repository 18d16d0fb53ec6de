//! Pairing the objects of the two sides: by (overlay, group, kind, namespace, name), then,
//! among what is left, across a change of kustomize's content hash suffix, then renames: an
//! object whose content is the same under another name.

use super::{Key, Resource};
use crate::diag::Diagnostic;
use serde::Serialize;
use serde_yaml::Value;
use std::collections::BTreeMap;

/// Why two objects of different names were paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Renamed {
    /// kustomize's content hash suffix changed with the content.
    HashSuffix,
    /// Only the name changed.
    SameContent,
}

/// Old and new objects paired up, and those left over on either side.
#[derive(Debug, Default)]
pub struct Pairing {
    /// Old and new object; the reason when their names differ.
    pub pairs: Vec<(Resource, Resource, Option<Renamed>)>,
    /// Objects only on the old side.
    pub removed: Vec<Resource>,
    /// Objects only on the new side.
    pub added: Vec<Resource>,
}

/// The name without kustomize's hash suffix: `maverics-config-7f9c2b5m8k` -> `maverics-config`.
/// kustomize appends `-` and 10 characters of [a-z0-9] to generated ConfigMaps and Secrets.
pub fn hash_stem(name: &str) -> Option<&str> {
    let (stem, suffix) = name.rsplit_once('-')?;
    let is_hash = suffix.len() == 10 && suffix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (is_hash && !stem.is_empty()).then_some(stem)
}

fn index(side: Vec<Resource>, which: &str) -> Result<BTreeMap<Key, Resource>, Diagnostic> {
    let mut map = BTreeMap::new();
    for r in side {
        let key = r.key.clone();
        if map.insert(key.clone(), r).is_some() {
            return Err(Diagnostic::error(format!("{which} holds {key} twice"))
                .fix("each object may appear once per side; remove the duplicate document"));
        }
    }
    Ok(map)
}

/// Pairs exact keys first; a hash-suffixed name is paired with a different suffix only when
/// both are otherwise unmatched and the stem is unique on each side, so a name that merely
/// looks hashed (`app-controller`) is never paired by accident.
pub fn pair(old: Vec<Resource>, new: Vec<Resource>) -> Result<Pairing, Diagnostic> {
    let mut old = index(old, "OLD")?;
    let mut new = index(new, "NEW")?;
    let mut out = Pairing::default();
    let common: Vec<Key> = old.keys().filter(|k| new.contains_key(*k)).cloned().collect();
    for k in common {
        if let (Some(o), Some(n)) = (old.remove(&k), new.remove(&k)) {
            out.pairs.push((o, n, None));
        }
    }
    let stem_key = |k: &Key| hash_stem(k.name()).map(|stem| k.renamed(stem));
    let stems = |m: &BTreeMap<Key, Resource>| {
        let mut s: BTreeMap<Key, Vec<Key>> = BTreeMap::new();
        for k in m.keys() {
            if let Some(sk) = stem_key(k) {
                s.entry(sk).or_default().push(k.clone());
            }
        }
        s
    };
    let old_stems = stems(&old);
    let new_stems = stems(&new);
    for (stem, olds) in &old_stems {
        if let (Some([n]), [o]) = (new_stems.get(stem).map(Vec::as_slice), olds.as_slice())
            && let (Some(o), Some(n)) = (old.remove(o), new.remove(n))
        {
            out.pairs.push((o, n, Some(Renamed::HashSuffix)));
        }
    }
    renames(&mut old, &mut new, &mut out);
    out.removed = old.into_values().collect();
    out.added = new.into_values().collect();
    Ok(out)
}

/// Pairs a removed and an added object of the same overlay, group, kind and namespace whose
/// content, but for `metadata.name`, is the same, when that content is unique on each side:
/// two identical objects renamed at once could be paired either way, so they are left as
/// removed and added.
fn renames(old: &mut BTreeMap<Key, Resource>, new: &mut BTreeMap<Key, Resource>, out: &mut Pairing) {
    let by_content = |m: &BTreeMap<Key, Resource>| {
        let mut s: BTreeMap<(Key, String), Vec<Key>> = BTreeMap::new();
        for (k, r) in m {
            let place = k.renamed("");
            s.entry((place, nameless(&r.value))).or_default().push(k.clone());
        }
        s
    };
    let old_content = by_content(old);
    let new_content = by_content(new);
    for (content, olds) in &old_content {
        if let (Some([n]), [o]) = (new_content.get(content).map(Vec::as_slice), olds.as_slice())
            && let (Some(o), Some(n)) = (old.remove(o), new.remove(n))
        {
            out.pairs.push((o, n, Some(Renamed::SameContent)));
        }
    }
}

/// The object as YAML without its name: what must be equal for a rename.
fn nameless(v: &Value) -> String {
    let mut v = v.clone();
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_mapping_mut) {
        m.remove("name");
    }
    // Serializing a serde_yaml Value cannot fail (plain data).
    serde_yaml::to_string(&v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_yaml::Value;

    fn r(kind: &str, name: &str) -> Resource {
        Resource::test(kind, name, Value::Null)
    }

    #[test]
    fn hash_stem_recognises_kustomize_suffixes_only() {
        assert_eq!(hash_stem("maverics-config-7f9c2b5m8k"), Some("maverics-config"));
        assert_eq!(hash_stem("maverics-config"), None);
        assert_eq!(hash_stem("maverics-config-7F9C2B5M8K"), None);
        assert_eq!(hash_stem("-7f9c2b5m8k"), None);
    }

    #[test]
    fn a_hash_change_is_a_change_not_a_remove_and_an_add() {
        let p = pair(
            vec![r("ConfigMap", "cfg-7f9c2b5m8k"), r("Service", "svc")],
            vec![r("ConfigMap", "cfg-h2k4m6t8b9"), r("Service", "svc")],
        )
        .unwrap();
        assert_eq!(p.pairs.len(), 2);
        assert!(p.added.is_empty() && p.removed.is_empty());
        let cm = p.pairs.iter().find(|(o, ..)| o.key.kind() == "ConfigMap").unwrap();
        assert_eq!(cm.2, Some(Renamed::HashSuffix));
        assert_eq!((cm.0.key.name(), cm.1.key.name()), ("cfg-7f9c2b5m8k", "cfg-h2k4m6t8b9"));
    }

    #[test]
    fn hash_pairing_needs_same_kind_and_a_unique_stem() {
        let p = pair(
            vec![r("ConfigMap", "cfg-7f9c2b5m8k")],
            vec![r("Secret", "cfg-h2k4m6t8b9")],
        )
        .unwrap();
        assert_eq!((p.pairs.len(), p.removed.len(), p.added.len()), (0, 1, 1));
        let p = pair(
            vec![r("ConfigMap", "cfg-7f9c2b5m8k")],
            vec![r("ConfigMap", "cfg-h2k4m6t8b9"), r("ConfigMap", "cfg-b2c4d5f6g7")],
        )
        .unwrap();
        assert_eq!((p.pairs.len(), p.removed.len(), p.added.len()), (0, 1, 2));
    }

    fn obj(kind: &str, name: &str, data: &str) -> Resource {
        let v = serde_yaml::from_str(&format!("metadata: {{name: {name}}}\ndata: {{{data}}}")).unwrap();
        Resource::test(kind, name, v)
    }

    #[test]
    fn same_content_under_a_new_name_is_a_rename_unless_ambiguous() {
        let p = pair(
            vec![obj("ConfigMap", "old", "a: 1")],
            vec![obj("ConfigMap", "new", "a: 1")],
        )
        .unwrap();
        assert_eq!(p.pairs.len(), 1);
        assert_eq!(p.pairs[0].2, Some(Renamed::SameContent));
        // Other content, or another kind: no rename.
        let p = pair(
            vec![obj("ConfigMap", "old", "a: 1")],
            vec![obj("ConfigMap", "new", "a: 2")],
        )
        .unwrap();
        assert_eq!((p.pairs.len(), p.removed.len(), p.added.len()), (0, 1, 1));
        let p = pair(
            vec![obj("ConfigMap", "old", "a: 1")],
            vec![obj("Secret", "new", "a: 1")],
        )
        .unwrap();
        assert_eq!(p.pairs.len(), 0);
        // Two identical objects renamed: which went where is a guess, so no pairing.
        let p = pair(
            vec![obj("ConfigMap", "a", "x: 1"), obj("ConfigMap", "b", "x: 1")],
            vec![obj("ConfigMap", "c", "x: 1"), obj("ConfigMap", "d", "x: 1")],
        )
        .unwrap();
        assert_eq!((p.pairs.len(), p.removed.len(), p.added.len()), (0, 2, 2));
    }

    #[test]
    fn exact_names_win_over_hash_pairing_and_duplicates_are_errors() {
        let p = pair(
            vec![r("Deployment", "app-controller")],
            vec![r("Deployment", "app-controller")],
        )
        .unwrap();
        assert_eq!(p.pairs.len(), 1);
        let e = pair(vec![r("Service", "a"), r("Service", "a")], vec![]).unwrap_err();
        assert!(e.to_string().contains("twice"), "{e}");
    }
}
