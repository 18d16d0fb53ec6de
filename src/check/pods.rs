//! Reading workloads of any kind the way the rule families need them: the pod spec, its
//! containers, the pod template labels and whether a selector selects them.

use crate::k8s::kinds::builtin;
use crate::krm::object;
use k8s_openapi::Resource;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Pod, ReplicationController};
use serde_yaml::Value;

/// Follows a path of mapping keys.
fn at_path<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, k| cur.get(*k))
}

/// The pod spec of a workload and its field path, for every kind that templates pods.
pub fn pod_spec(obj: &Value) -> Option<(&Value, &'static str)> {
    let templated = [
        builtin::<ReplicationController>(),
        builtin::<Deployment>(),
        builtin::<StatefulSet>(),
        builtin::<DaemonSet>(),
        builtin::<ReplicaSet>(),
        builtin::<Job>(),
    ];
    let (path, field): (&[&str], &'static str) = if builtin::<Pod>().is(obj) {
        (&["spec"], "spec")
    } else if templated.iter().any(|k| k.is(obj)) {
        (&["spec", "template", "spec"], "spec.template.spec")
    } else if builtin::<CronJob>().is(obj) {
        (
            &["spec", "jobTemplate", "spec", "template", "spec"],
            "spec.jobTemplate.spec.template.spec",
        )
    } else {
        return None;
    };
    at_path(obj, path).filter(|v| v.is_mapping()).map(|v| (v, field))
}

/// Every container of a pod spec with its field path.
pub fn containers<'a>(pod: &'a Value, prefix: &str) -> Vec<(&'a Value, String)> {
    let mut out = Vec::new();
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        if let Some(seq) = pod.get(list).and_then(Value::as_sequence) {
            for (i, c) in seq.iter().enumerate() {
                out.push((c, format!("{prefix}.{list}[{i}]")));
            }
        }
    }
    out
}

/// Pod template labels of a workload.
pub fn template_labels(obj: &Value) -> Option<&serde_yaml::Mapping> {
    let path: &[&str] = match object::kind(obj) {
        k if k == Pod::KIND => &["metadata", "labels"],
        k if k == CronJob::KIND => &["spec", "jobTemplate", "spec", "template", "metadata", "labels"],
        _ => &["spec", "template", "metadata", "labels"],
    };
    at_path(obj, path)?.as_mapping()
}

/// True when every `key: value` of `selector` is in `labels` (an empty selector selects
/// nothing here: a Service without selector fronts no pods of ours).
pub fn selects(selector: Option<&Value>, labels: Option<&serde_yaml::Mapping>) -> bool {
    let (Some(sel), Some(labels)) = (selector.and_then(Value::as_mapping), labels) else {
        return false;
    };
    !sel.is_empty() && sel.iter().all(|(k, v)| labels.get(k) == Some(v))
}
