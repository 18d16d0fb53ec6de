//! What the rules across objects ([`super::check_across`]) read of each object, so a stream
//! can be checked while only that is held: the check mode passes every object through as
//! text and keeps this beside it.
//!
//! - ConfigMaps: only one holding `maverics.yaml` (the orchestrator's config, read by the
//!   sticky-session rules), whole; any other, nothing.
//! - Workloads (every kind with a pod template): the orchestrator's (by its pod label) and
//!   any whose containers set the clustering SRV record, whole; any other, only what the
//!   PodDisruptionBudget rule reads of the workload it covers: apiVersion, kind, name,
//!   namespace and labels, `spec.replicas`, the pod template's labels, and an empty pod spec
//!   in its place.
//! - Every other object whole: Services, PDBs, HPAs, Ingresses, Routes, HTTPRoutes and the
//!   controllers' policy objects are read field by field, and the rest is kept rather than
//!   proven unread.

use super::pods::{containers, pod_spec, template_labels};
use crate::config::workload::CLUSTER_ENV_PREFIX;
use crate::helm::values::set;
use crate::k8s::labels::{APP_NAME, LABEL_NAME};
use crate::krm::object;
use k8s_openapi::Resource;
use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use serde_yaml::{Mapping, Value};

/// What the rules across objects read of `item`: the object, a part of it, or nothing.
pub fn reads(item: Value) -> Option<Value> {
    if object::kind(&item) == ConfigMap::KIND {
        return item
            .get("data")
            .and_then(|d| d.get("maverics.yaml"))
            .is_some()
            .then_some(item);
    }
    let Some((pod, path)) = pod_spec(&item) else {
        return Some(item);
    };
    let orchestrator =
        template_labels(&item).is_some_and(|l| l.get(LABEL_NAME).and_then(Value::as_str) == Some(APP_NAME));
    let srv = format!("{CLUSTER_ENV_PREFIX}MEMBERSHIP_SRV_RECORD");
    let clustered = containers(pod, path).iter().any(|(c, _)| {
        c.get("env").and_then(Value::as_sequence).is_some_and(|env| {
            env.iter()
                .any(|e| e.get("name").and_then(Value::as_str) == Some(srv.as_str()))
        })
    });
    if orchestrator || clustered {
        return Some(item);
    }
    Some(workload_outline(&item, path))
}

/// A workload with only what the PodDisruptionBudget rule reads; `pod_path` is where its pod
/// spec is (`spec.template.spec`).
fn workload_outline(item: &Value, pod_path: &str) -> Value {
    let mut out = Mapping::new();
    for key in ["apiVersion", "kind"] {
        if let Some(v) = item.get(key) {
            set(&mut out, key, v.clone());
        }
    }
    for key in ["name", "namespace", "labels"] {
        if let Some(v) = item.get("metadata").and_then(|m| m.get(key)) {
            set(&mut out, &format!("metadata.{key}"), v.clone());
        }
    }
    // The empty pod spec first: a Pod's is `spec` itself, which must not lose the replicas
    // a rule reads (as the whole object would give them).
    set(&mut out, pod_path, Value::Mapping(Mapping::new()));
    if let Some(v) = item.get("spec").and_then(|s| s.get("replicas")) {
        set(&mut out, "spec.replicas", v.clone());
    }
    let labels = match object::kind(item) {
        k if k == Pod::KIND => "metadata.labels",
        k if k == CronJob::KIND => "spec.jobTemplate.spec.template.metadata.labels",
        _ => "spec.template.metadata.labels",
    };
    if let Some(l) = template_labels(item) {
        set(&mut out, labels, Value::Mapping(l.clone()));
    }
    Value::Mapping(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(s: &str) -> Value {
        serde_yaml::from_str(s).unwrap()
    }

    #[test]
    fn a_plain_workload_keeps_what_the_budget_rule_reads() {
        let d = yaml(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: n, annotations: {x: y}}\n\
             spec: {replicas: 2, selector: {matchLabels: {app: a}}, template: {metadata: {labels: {app: a}}, \
             spec: {containers: [{name: c, image: 'i:1'}]}}}\n",
        );
        let outline = reads(d.clone()).unwrap();
        assert_eq!(
            outline,
            yaml(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: n}\n\
                 spec: {replicas: 2, template: {metadata: {labels: {app: a}}, spec: {}}}\n"
            )
        );
        assert_eq!(pod_spec(&outline).map(|(_, p)| p), pod_spec(&d).map(|(_, p)| p));
        assert_eq!(template_labels(&outline), template_labels(&d));
        let cron = yaml(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {jobTemplate: {spec: {template: \
             {metadata: {labels: {a: b}}, spec: {containers: []}}}}}\n",
        );
        let outline = reads(cron.clone()).unwrap();
        assert_eq!(template_labels(&outline), template_labels(&cron));
        assert!(pod_spec(&outline).is_some());
    }

    #[test]
    fn the_orchestrator_a_clustered_workload_and_its_config_stay_whole() {
        let sts = yaml(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: m}\nspec: {template: {metadata: {labels: \
             {app.kubernetes.io/name: maverics-orchestrator}}, spec: {containers: []}}}\n",
        );
        assert_eq!(reads(sts.clone()), Some(sts));
        let clustered = yaml(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: m}\nspec: {template: {spec: {containers: \
             [{name: c, env: [{name: MAVERICS_CLUSTERS_PRIMARY_MEMBERSHIP_SRV_RECORD, value: x}]}]}}}\n",
        );
        assert_eq!(reads(clustered.clone()), Some(clustered));
        let config = yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {maverics.yaml: 'a: 1'}\n");
        assert_eq!(reads(config.clone()), Some(config));
        assert_eq!(reads(yaml("apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n")), None);
        let svc = yaml("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {selector: {a: b}}\n");
        assert_eq!(reads(svc.clone()), Some(svc));
    }
}
