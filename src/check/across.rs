//! What the rules across objects ([`super::check_across`]) read of each object, so a stream
//! can be checked while only that is held: the check mode and the platform transformer's
//! guard rails pass objects through as text and keep this beside them.
//!
//! Which rule reads which kind (by name; each rule's own test is narrower):
//!
//! - sticky sessions (`stickiness`): orchestrator workloads (a StatefulSet or Deployment whose
//!   pod template has the orchestrator's name label), HorizontalPodAutoscalers, the ConfigMap
//!   holding `maverics.yaml`, Services, Ingresses, Routes, HTTPRoutes, and the controllers'
//!   IngressExtensions, BackendConfigs, GCPBackendPolicies and RoutePolicies;
//! - PodDisruptionBudgets (`sanity`): budgets, every workload (a kind with a pod template),
//!   HorizontalPodAutoscalers;
//! - the clustering record (`clustering`): workloads, Services.
//!
//! So an object of any other kind is not kept at all ([`Reads::Nothing`]), nor a ConfigMap
//! that does not hold `maverics.yaml`. The orchestrator's and any clustered workload, and
//! every object of the other kinds read, are kept whole ([`Reads::Whole`]). A Service and any
//! other workload are read only in some namespaces, which the objects kept whole tell
//! ([`Wanted`]): they are [`Reads::Outline`], whose [`outline`] is taken at the end, and only
//! where wanted:
//!
//! - a Service, by the sticky-session rules in the namespace of an orchestrator workload
//!   (the Services that select its pods), and by the clustering rule in the namespace of a
//!   clustered workload (any namespace when the workload has none: its record names it);
//! - a workload, by the budget rule in the namespace of a PodDisruptionBudget. No other rule
//!   reads it: it is no orchestrator, its outline has no containers, and the other rules
//!   match other kinds.

use super::pods::{containers, pod_spec, template_labels};
use crate::config::workload::CLUSTER_ENV_PREFIX;
use crate::helm::values::set;
use crate::k8s::alb::{ALB_ATTRIBUTES, ALB_TARGET_TYPE};
use crate::k8s::kinds::{BACKEND_CONFIG, GCP_BACKEND_POLICY, HTTP_ROUTE, INGRESS_EXTENSION, ROUTE, ROUTE_POLICY, name};
use crate::k8s::labels::{APP_NAME, GKE_BACKEND_CONFIG, LABEL_NAME, NGINX_AFFINITY};
use crate::krm::object;
use k8s_openapi::Resource;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Pod, ReplicationController};
use serde_yaml::{Mapping, Value};
use std::collections::BTreeSet;

/// Every kind a rule across objects reads (see the module's list).
const READ: &[&str] = &[
    Pod::KIND,
    ReplicationController::KIND,
    Deployment::KIND,
    StatefulSet::KIND,
    DaemonSet::KIND,
    ReplicaSet::KIND,
    Job::KIND,
    CronJob::KIND,
    name::HORIZONTAL_POD_AUTOSCALER,
    name::POD_DISRUPTION_BUDGET,
    name::CONFIG_MAP,
    name::SERVICE,
    name::INGRESS,
    ROUTE.kind,
    HTTP_ROUTE.kind,
    INGRESS_EXTENSION.kind,
    BACKEND_CONFIG.kind,
    GCP_BACKEND_POLICY.kind,
    ROUTE_POLICY.kind,
];

/// The annotations of a Service the sticky-session rules read (the ALB and ingress-nginx
/// settings an Ingress may leave to its backend, GKE's BackendConfig reference).
const SERVICE_ANNOTATIONS: [&str; 4] = [NGINX_AFFINITY, ALB_ATTRIBUTES, ALB_TARGET_TYPE, GKE_BACKEND_CONFIG];

/// What the rules across objects read of an object.
#[derive(Debug, PartialEq)]
pub enum Reads {
    /// Nothing.
    Nothing,
    /// The whole object.
    Whole(Value),
    /// Its [`outline`], only in the namespaces [`Wanted`] names.
    Outline,
}

/// What the rules across objects read of `item`.
pub fn reads(item: Value) -> Reads {
    let kind = object::kind(&item);
    if !READ.contains(&kind) {
        return Reads::Nothing;
    }
    if kind == name::CONFIG_MAP {
        let config = item.get("data").and_then(|d| d.get("maverics.yaml")).is_some();
        return if config { Reads::Whole(item) } else { Reads::Nothing };
    }
    if kind == name::SERVICE {
        return Reads::Outline;
    }
    if pod_spec(&item).is_none() || orchestrator(&item) || clustered(&item) {
        return Reads::Whole(item);
    }
    Reads::Outline
}

/// Whether the pod template carries the orchestrator's name label.
fn orchestrator(item: &Value) -> bool {
    template_labels(item).is_some_and(|l| l.get(LABEL_NAME).and_then(Value::as_str) == Some(APP_NAME))
}

/// Whether a container sets the clustering SRV record.
fn clustered(item: &Value) -> bool {
    let Some((pod, path)) = pod_spec(item) else {
        return false;
    };
    let srv = format!("{CLUSTER_ENV_PREFIX}MEMBERSHIP_SRV_RECORD");
    containers(pod, path).iter().any(|(c, _)| {
        c.get("env").and_then(Value::as_sequence).is_some_and(|env| {
            env.iter()
                .any(|e| e.get("name").and_then(Value::as_str) == Some(srv.as_str()))
        })
    })
}

/// What the rules read of an object [`reads`] calls [`Reads::Outline`]: of a Service its
/// names, the annotations the rules read, its selector and ports; of a workload what the
/// budget rule reads (apiVersion, kind, name, namespace, `spec.replicas`, the pod template's
/// labels, and an empty pod spec in its place).
pub fn outline(item: &Value) -> Value {
    let mut out = Mapping::new();
    for key in ["apiVersion", "kind"] {
        if let Some(v) = item.get(key) {
            set(&mut out, key, v.clone());
        }
    }
    for key in ["name", "namespace"] {
        if let Some(v) = item.get("metadata").and_then(|m| m.get(key)) {
            set(&mut out, &format!("metadata.{key}"), v.clone());
        }
    }
    let Some((_, pod_path)) = pod_spec(item) else {
        let annotations = item.get("metadata").and_then(|m| m.get("annotations"));
        let read: Mapping = SERVICE_ANNOTATIONS
            .iter()
            .filter_map(|k| Some(((*k).into(), annotations?.get(*k)?.clone())))
            .collect();
        if !read.is_empty() {
            // Not `set`: the keys hold dots.
            set(&mut out, "metadata.annotations", Value::Mapping(read));
        }
        for key in ["selector", "ports"] {
            if let Some(v) = item.get("spec").and_then(|s| s.get(key)) {
                set(&mut out, &format!("spec.{key}"), v.clone());
            }
        }
        return Value::Mapping(out);
    };
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

/// Namespaces, by name (a missing one is the empty name, as the rules compare them), or all.
#[derive(Debug, Default)]
struct Namespaces {
    all: bool,
    names: BTreeSet<String>,
}

impl Namespaces {
    fn contains(&self, namespace: Option<&str>) -> bool {
        self.all || self.names.contains(namespace.unwrap_or_default())
    }
}

/// The namespaces where a rule reads outlines, from the objects kept whole (see the module's
/// list).
#[derive(Debug, Default)]
pub struct Wanted {
    services: Namespaces,
    workloads: Namespaces,
}

impl Wanted {
    /// What the objects kept whole (every [`Reads::Whole`] of the stream) want read.
    pub fn of<'a>(whole: impl IntoIterator<Item = &'a Value>) -> Self {
        let mut wanted = Wanted::default();
        for o in whole {
            let namespace = object::namespace(o);
            let here = namespace.unwrap_or_default().to_owned();
            if object::kind(o) == name::POD_DISRUPTION_BUDGET {
                wanted.workloads.names.insert(here.clone());
            }
            if orchestrator(o) {
                wanted.services.names.insert(here.clone());
            }
            if clustered(o) {
                wanted.services.all |= namespace.is_none();
                wanted.services.names.insert(here);
            }
        }
        wanted
    }

    /// Whether a rule reads the outline of an object of `kind` in `namespace`.
    pub fn wants(&self, kind: &str, namespace: Option<&str>) -> bool {
        if kind == name::SERVICE {
            self.services.contains(namespace)
        } else {
            self.workloads.contains(namespace)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(s: &str) -> Value {
        serde_yaml::from_str(s).unwrap()
    }

    #[test]
    fn a_plain_workload_is_outlined_with_what_the_budget_rule_reads() {
        let d = yaml(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: n, labels: {x: y}, annotations: {x: y}}\n\
             spec: {replicas: 2, selector: {matchLabels: {app: a}}, template: {metadata: {labels: {app: a}}, \
             spec: {containers: [{name: c, image: 'i:1'}]}}}\n",
        );
        assert_eq!(reads(d.clone()), Reads::Outline);
        let outline = outline(&d);
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
        let outline = super::outline(&cron);
        assert_eq!(template_labels(&outline), template_labels(&cron));
        assert!(pod_spec(&outline).is_some());
        let pod = yaml("apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {a: b}}\nspec: {containers: []}\n");
        assert_eq!(template_labels(&super::outline(&pod)), template_labels(&pod));
    }

    #[test]
    fn a_service_is_outlined_with_its_names_selector_ports_and_the_annotations_read() {
        let svc = yaml(
            "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: n, labels: {a: b}, annotations: \
             {config.kubernetes.io/path: s.yaml, nginx.ingress.kubernetes.io/affinity: cookie}}\n\
             spec: {type: ClusterIP, selector: {a: b}, ports: [{name: membership-udp, protocol: UDP, port: 1}]}\n",
        );
        assert_eq!(reads(svc.clone()), Reads::Outline);
        assert_eq!(
            outline(&svc),
            yaml(
                "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: n, annotations: \
                 {nginx.ingress.kubernetes.io/affinity: cookie}}\n\
                 spec: {selector: {a: b}, ports: [{name: membership-udp, protocol: UDP, port: 1}]}\n"
            )
        );
    }

    #[test]
    fn the_orchestrator_a_clustered_workload_its_config_and_the_kinds_read_stay_whole() {
        let sts = yaml(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: m}\nspec: {template: {metadata: {labels: \
             {app.kubernetes.io/name: maverics-orchestrator}}, spec: {containers: []}}}\n",
        );
        assert_eq!(reads(sts.clone()), Reads::Whole(sts));
        let clustered = yaml(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: m}\nspec: {template: {spec: {containers: \
             [{name: c, env: [{name: MAVERICS_CLUSTERS_PRIMARY_MEMBERSHIP_SRV_RECORD, value: x}]}]}}}\n",
        );
        assert_eq!(reads(clustered.clone()), Reads::Whole(clustered));
        let config = yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {maverics.yaml: 'a: 1'}\n");
        assert_eq!(reads(config.clone()), Reads::Whole(config));
        assert_eq!(
            reads(yaml("apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n")),
            Reads::Nothing
        );
        let hpa = yaml("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\n");
        assert_eq!(reads(hpa.clone()), Reads::Whole(hpa));
        // A Deployment of another API has no pod spec the rules know, but the sticky-session
        // rules match it by kind: whole.
        let odd = yaml("apiVersion: x/v1\nkind: Deployment\nmetadata: {name: d}\n");
        assert_eq!(reads(odd.clone()), Reads::Whole(odd));
        for kind in ["Secret", "NetworkPolicy", "Namespace", "ServiceAccount", "List"] {
            assert_eq!(
                reads(yaml(&format!("apiVersion: v1\nkind: {kind}\n"))),
                Reads::Nothing,
                "{kind}"
            );
        }
    }

    #[test]
    fn outlines_are_wanted_where_a_whole_object_reads_them() {
        let whole = [
            yaml("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: p, namespace: team}\n"),
            yaml(
                "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: m, namespace: sso}\nspec: {template: \
                 {metadata: {labels: {app.kubernetes.io/name: maverics-orchestrator}}, spec: {containers: []}}}\n",
            ),
        ];
        let wanted = Wanted::of(&whole);
        let (workload, service) = (Deployment::KIND, name::SERVICE);
        assert!(wanted.wants(workload, Some("team")) && !wanted.wants(workload, Some("sso")));
        assert!(wanted.wants(service, Some("sso")) && !wanted.wants(service, Some("team")));
        // A clustered workload without a namespace: its record may name any.
        let clustered = yaml(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: m}\nspec: {template: {spec: {containers: \
             [{name: c, env: [{name: MAVERICS_CLUSTERS_PRIMARY_MEMBERSHIP_SRV_RECORD, value: x}]}]}}}\n",
        );
        let wanted = Wanted::of([&clustered]);
        assert!(wanted.wants(name::SERVICE, Some("anywhere")) && !wanted.wants(Deployment::KIND, None));
    }
}
