//! Pairing the objects of the two sides: by (overlay, group, kind, namespace, name), then,
//! among what is left, across a change of kustomize's content hash suffix.

use super::{Key, Resource};
use crate::diag::Diagnostic;
use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub struct Pairing {
    pub pairs: Vec<(Resource, Resource)>,
    pub removed: Vec<Resource>,
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
            out.pairs.push((o, n));
        }
    }
    let stem_key = |k: &Key| {
        hash_stem(&k.name).map(|stem| Key {
            name: stem.to_owned(),
            ..k.clone()
        })
    };
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
            out.pairs.push((o, n));
        }
    }
    out.removed = old.into_values().collect();
    out.added = new.into_values().collect();
    Ok(out)
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
        let cm = p.pairs.iter().find(|(o, _)| o.key.kind == "ConfigMap").unwrap();
        assert_eq!(
            (cm.0.key.name.as_str(), cm.1.key.name.as_str()),
            ("cfg-7f9c2b5m8k", "cfg-h2k4m6t8b9")
        );
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
