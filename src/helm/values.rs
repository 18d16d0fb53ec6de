//! A values file of Strata's chart, read key by key. Every lookup marks the key as
//! consumed, so whatever the mapping never looked at is reported as not mapped rather than
//! silently dropped.

use serde_yaml::{Mapping, Value};
use std::cell::RefCell;
use std::collections::BTreeSet;

/// The chart version whose values.yaml this models (reference §2.3).
pub const CHART_VERSION: &str = "1.0.5";
/// The chart's `appVersion`, the image tag when `image.tag` is empty.
pub const APP_VERSION: &str = "v2026.01.2";

/// A chart values file that remembers which keys were looked at (see the module docs).
pub struct Values {
    root: Value,
    consumed: RefCell<BTreeSet<String>>,
}

impl Values {
    /// Wraps the parsed values file; nothing is consumed yet.
    pub fn new(root: Value) -> Self {
        Values {
            root,
            consumed: RefCell::new(BTreeSet::new()),
        }
    }

    /// The value at a dotted path as written in the file (not the chart default), marking
    /// the path and everything under it as consumed. Keys with dots are not in the chart's
    /// values.yaml, so a dot always separates levels.
    pub fn get(&self, path: &str) -> Option<&Value> {
        let mut v = &self.root;
        for seg in path.split('.') {
            v = v.as_mapping()?.get(seg)?;
        }
        self.consumed.borrow_mut().insert(path.to_owned());
        Some(v)
    }

    /// Whether the file sets the key at all (`null` counts: the chart uses it to drop a
    /// default). Marks nothing.
    pub fn has(&self, path: &str) -> bool {
        let mut v = &self.root;
        for seg in path.split('.') {
            match v.as_mapping().and_then(|m| m.get(seg)) {
                Some(next) => v = next,
                None => return false,
            }
        }
        true
    }

    /// The string at a dotted path, marking it consumed; `None` when absent or not a string.
    pub fn str(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(Value::as_str)
    }

    /// A non-empty string; the chart uses `""` for "unset".
    pub fn nonempty(&self, path: &str) -> Option<&str> {
        self.str(path).filter(|s| !s.is_empty())
    }

    /// The boolean at a dotted path, marking it consumed; `default` when absent or not a boolean.
    pub fn bool_or(&self, path: &str, default: bool) -> bool {
        self.get(path).and_then(Value::as_bool).unwrap_or(default)
    }

    /// The non-negative integer at a dotted path, marking it consumed; `default` when absent or not one.
    pub fn u64_or(&self, path: &str, default: u64) -> u64 {
        self.get(path).and_then(Value::as_u64).unwrap_or(default)
    }

    /// A non-empty mapping or sequence.
    pub fn nonempty_value(&self, path: &str) -> Option<&Value> {
        self.get(path).filter(|v| match v {
            Value::Mapping(m) => !m.is_empty(),
            Value::Sequence(s) => !s.is_empty(),
            Value::Null => false,
            _ => true,
        })
    }

    /// Leaf paths of the file that no lookup consumed (nor any of their parents), sorted.
    pub fn unconsumed(&self) -> Vec<String> {
        let consumed = self.consumed.borrow();
        let mut out = Vec::new();
        walk(&self.root, "", &consumed, &mut out);
        out
    }
}

fn walk(v: &Value, path: &str, consumed: &BTreeSet<String>, out: &mut Vec<String>) {
    if !path.is_empty() && consumed.contains(path) {
        return;
    }
    match v {
        Value::Mapping(m) if !m.is_empty() => {
            for (k, child) in m {
                let key = match k {
                    Value::String(s) => s.clone(),
                    other => serde_yaml::to_string(other).unwrap_or_default().trim().to_owned(),
                };
                let p = if path.is_empty() { key } else { format!("{path}.{key}") };
                walk(child, &p, consumed, out);
            }
        }
        _ if !path.is_empty() => out.push(path.to_owned()),
        _ => {}
    }
}

/// Sets `path` (dotted) in a mapping, creating intermediate mappings.
pub fn set(root: &mut Mapping, path: &str, value: Value) {
    let mut segs: Vec<&str> = path.split('.').collect();
    let Some(last) = segs.pop() else { return };
    let mut m = root;
    for seg in segs {
        let entry = m
            .entry(Value::from(seg))
            .or_insert_with(|| Value::Mapping(Mapping::new()));
        if !entry.is_mapping() {
            *entry = Value::Mapping(Mapping::new());
        }
        let Value::Mapping(next) = entry else { return };
        m = next;
    }
    m.insert(Value::from(last), value);
}

/// Helm's `mustMergeOverwrite`: mappings merge key by key, anything else is replaced.
pub fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Mapping(b), Value::Mapping(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Values {
        Values::new(serde_yaml::from_str(text).expect("test YAML"))
    }

    #[test]
    fn unconsumed_lists_leaves_nobody_looked_at() {
        let v = values("a: {b: 1, c: {d: 2}}\ne: []\nf: 3\n");
        let _ = v.get("a.c");
        let _ = v.get("f");
        assert_eq!(v.unconsumed(), ["a.b", "e"]);
    }

    #[test]
    fn merge_overwrites_like_helm() {
        let mut base: Value = serde_yaml::from_str("version: 0.0.1\nhttp: {address: x, tls: t}").expect("yaml");
        let over: Value = serde_yaml::from_str("http: {address: y}\nlist: [1]").expect("yaml");
        merge(&mut base, &over);
        let want: Value = serde_yaml::from_str("version: 0.0.1\nhttp: {address: y, tls: t}\nlist: [1]").expect("yaml");
        assert_eq!(base, want);
    }

    #[test]
    fn set_creates_intermediate_mappings() {
        let mut m = Mapping::new();
        set(&mut m, "spec.pod.nodeSelector", Value::from("x"));
        set(&mut m, "spec.replicas", Value::from(3));
        let want: Value = serde_yaml::from_str("spec: {pod: {nodeSelector: x}, replicas: 3}").expect("yaml");
        assert_eq!(Value::Mapping(m), want);
    }
}
