//! Names, labels and object metadata shared by every generated object.

use super::Ctx;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use std::collections::BTreeMap;

pub const LABEL_NAME: &str = "app.kubernetes.io/name";
pub const LABEL_INSTANCE: &str = "app.kubernetes.io/instance";
pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const MANAGED_BY: &str = "maverics-krm";
const APP_NAME: &str = "maverics-orchestrator";

pub struct Names {
    pub base: String,
    pub headless: String,
    pub config: String,
    pub secret: String,
}

impl Names {
    pub fn new(base: &str) -> Self {
        Names {
            base: base.to_owned(),
            headless: format!("{base}-headless"),
            config: format!("{base}-config"),
            secret: format!("{base}-secrets"),
        }
    }
}

impl Names {
    /// Experimental clustering's headless Service, named as in Strata's chart.
    pub fn clusters(&self) -> String {
        format!("{}{CLUSTERS_SUFFIX}", self.base)
    }
}

/// The `-clusters` Service is the base name with this suffix.
pub const CLUSTERS_SUFFIX: &str = "-clusters";

impl Ctx<'_> {
    /// Selector labels: only name and instance, because a StatefulSet selector is immutable
    /// and anything that changes on upgrade (version) would make every upgrade fail.
    pub fn selector_labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (LABEL_NAME.to_owned(), APP_NAME.to_owned()),
            (LABEL_INSTANCE.to_owned(), self.names.base.clone()),
        ])
    }

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

    pub fn meta(&self, name: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.to_owned()),
            namespace: self.o.spec.namespace.clone(),
            labels: Some(self.labels()),
            ..Default::default()
        }
    }
}
