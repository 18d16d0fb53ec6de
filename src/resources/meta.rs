//! Names, labels and object metadata shared by every generated object.

use super::Inputs;
use crate::config::Orchestrator;
use crate::k8s::labels::{APP_NAME, LABEL_INSTANCE, LABEL_MANAGED_BY, LABEL_NAME, MANAGED_BY};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;

/// The mark on every generated object naming the config that generated it. The labels
/// above say *what* an object is and any user may copy them; only this says *whose* output
/// it is, and function mode prunes or replaces nothing without it (src/function/upsert.rs).
/// An annotation, not a label: nothing selects on it, and kustomize's `namespace:`,
/// `namePrefix:` and `commonLabels:` rewrite object names, namespaces and labels but never
/// annotation values, so the mark keeps naming the config through any overlay. It stays in
/// `build` output: kpt packages need it on disk to recognise their earlier output, and on a
/// cluster it is inert metadata that tells an operator where an object came from.
pub const OWNER_ANNOTATION: &str = crate::krm::annotations::OWNER;

/// The config's identity as the mark writes it: `<namespace>/<name>`, the namespace being
/// the one its objects go to (`spec.namespace`, else the config's own `metadata.namespace`);
/// just `<name>` with neither. Two configs of the same name for two namespaces are two
/// owners; the config's file path is not part of it, so moving the file keeps the output.
pub fn owner(o: &Orchestrator) -> String {
    owner_id(
        o.spec.namespace.as_deref().or(o.metadata.namespace.as_deref()),
        o.name(),
    )
}

/// `owner` from the parts, for configs that are only raw items of the stream.
pub fn owner_id(namespace: Option<&str>, name: &str) -> String {
    match namespace.filter(|n| !n.is_empty()) {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_owned(),
    }
}

/// Puts the owner mark on a generated object. `metadata.annotations` is created first
/// among the metadata keys when missing, where k8s-openapi would have written it.
pub fn mark_owned(object: &mut Value, owner: &str) {
    let Some(meta) = object.get_mut("metadata").and_then(Value::as_mapping_mut) else {
        return;
    };
    if !meta.contains_key("annotations") {
        let rest = std::mem::take(meta);
        meta.insert("annotations".into(), Value::Mapping(Mapping::new()));
        meta.extend(rest);
    }
    if let Some(ann) = meta.get_mut("annotations").and_then(Value::as_mapping_mut) {
        ann.insert(OWNER_ANNOTATION.into(), owner.into());
    }
}

impl Inputs<'_> {
    /// Selector labels: only name and instance, because a StatefulSet selector is immutable
    /// and anything that changes on upgrade (version) would make every upgrade fail.
    pub fn selector_labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (LABEL_NAME.to_owned(), APP_NAME.to_owned()),
            (LABEL_INSTANCE.to_owned(), self.names.base.clone()),
        ])
    }

    /// The selector of the orchestrator's pods: its `app.kubernetes.io/name` and `instance` labels.
    pub fn selector(&self) -> LabelSelector {
        LabelSelector {
            match_labels: Some(self.selector_labels()),
            match_expressions: None,
        }
    }

    /// No `app.kubernetes.io/version`: kustomize's `images:` (and the ROSA layer) change the
    /// image after the generator has run, so a version label written here would go stale on
    /// every object; the container's image is the one place that says what runs.
    pub fn labels(&self) -> BTreeMap<String, String> {
        let mut l = self.selector_labels();
        l.insert("app.kubernetes.io/component".into(), "identity-orchestrator".into());
        l.insert("app.kubernetes.io/part-of".into(), "maverics".into());
        l.insert(LABEL_MANAGED_BY.into(), MANAGED_BY.into());
        l
    }

    /// `metadata` of a generated object: `name`, `spec.namespace` and the common labels.
    pub fn meta(&self, name: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.to_owned()),
            namespace: self.config.spec.namespace.clone(),
            labels: Some(self.labels()),
            ..Default::default()
        }
    }
}
