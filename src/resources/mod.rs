//! The base: typed Kubernetes objects built from an `Orchestrator` config.
//!
//! Each module builds one kind. `generate` returns them in a fixed order with the file name
//! kpt writes them to, so output is deterministic.

pub mod configmap;
pub(crate) mod custom;
mod externalsecret;
mod hpa;
mod httproute;
mod ingress;
mod inputs;
mod meta;
mod namespace;
mod networkpolicy;
mod pdb;
mod pod_parts;
pub mod render;
pub mod service;
mod serviceaccount;
pub mod statefulset;

pub use inputs::Inputs;
pub use meta::{OWNER_ANNOTATION, owner, owner_id};
pub use networkpolicy::{GUESSED_TARGET_PORT, NODE_LOCAL_DNS, WHY_PREFIX};

use crate::config::Orchestrator;
use serde::Serialize;
use serde_yaml::Value;

/// A generated object and the file (relative to the config's directory) kpt writes it to.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// Where kpt writes the object, relative to the config's directory, e.g. `statefulset.yaml`.
    pub file: &'static str,
    /// The object, with `apiVersion` and `kind`.
    pub object: Value,
}

/// All objects of the base, in output order.
pub fn generate(o: &Orchestrator) -> Vec<Generated> {
    let inputs = Inputs::new(o);
    let owner = owner(o);
    let mut out = Vec::new();
    let mut push = |file: &'static str, obj: Option<Value>| {
        if let Some(mut object) = obj {
            meta::mark_owned(&mut object, &owner);
            out.push(Generated { file, object });
        }
    };
    push("namespace.yaml", namespace::build(&inputs).map(|n| to_value(&n)));
    push("serviceaccount.yaml", Some(to_value(&serviceaccount::build(&inputs))));
    push("configmap.yaml", configmap::build(&inputs).map(|c| to_value(&c)));
    push(
        "configmap-bundle.yaml",
        configmap::bundle(&inputs).map(|c| to_value(&c)),
    );
    push(
        "externalsecret.yaml",
        externalsecret::build(&inputs).map(|e| to_value(&e)),
    );
    push("service.yaml", Some(to_value(&service::client(&inputs))));
    push("service-headless.yaml", Some(to_value(&service::headless(&inputs))));
    push(
        "service-clusters.yaml",
        service::clusters(&inputs).map(|s| to_value(&s)),
    );
    push("statefulset.yaml", Some(to_value(&statefulset::build(&inputs))));
    push("poddisruptionbudget.yaml", pdb::build(&inputs).map(|p| to_value(&p)));
    push(
        "horizontalpodautoscaler.yaml",
        hpa::build(&inputs).map(|h| to_value(&h)),
    );
    push(
        "networkpolicy.yaml",
        networkpolicy::build(&inputs).map(|n| to_value(&n)),
    );
    push("ingress.yaml", ingress::build(&inputs).map(|i| to_value(&i)));
    push("httproute.yaml", httproute::build(&inputs).map(|r| to_value(&r)));
    out
}

/// Typed objects of this crate and k8s-openapi always serialise: they hold only strings,
/// numbers, maps and lists. A failure would be a bug in a builder, reported as such.
fn to_value<T: Serialize>(t: &T) -> Value {
    serde_yaml::to_value(t).unwrap_or_else(|e| panic!("bug: a generated object failed to serialise: {e}"))
}

#[cfg(test)]
mod tests;
