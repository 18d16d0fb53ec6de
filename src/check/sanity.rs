//! Mistakes Kubernetes accepts, or refuses only at apply time: replica bounds, budgets that
//! block every drain, requests above limits, malformed quantities, floating images, the
//! `default` namespace.

use super::at::At;
use super::pods::{containers, pod_spec, selects, template_labels};
use crate::diag::Diagnostic;
use crate::k8s::quantity::Quantity;
use crate::krm::object;
use k8s_openapi::Resource;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use serde_yaml::Value;

fn quantity(v: &Value) -> Option<Quantity> {
    match v {
        Value::String(s) => Some(Quantity::new(s)),
        Value::Number(n) => Some(Quantity(n.to_string())),
        _ => None,
    }
}

/// `repo[:tag][@digest]`: a tag is a `:` after the last `/` (a registry port is before it).
pub fn image_parts(image: &str) -> (Option<&str>, Option<&str>) {
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    (last.split_once(':').map(|(_, t)| t), digest)
}

pub fn check_object(obj: &Value, at: &At, out: &mut Vec<Diagnostic>) {
    if object::namespace(obj) == Some("default") {
        out.push(at.warning(
            "metadata.namespace",
            "deployed into the `default` namespace",
            "give the orchestrator a namespace of its own, so RBAC and network policy can isolate it",
        ));
    }
    if object::kind(obj) == HorizontalPodAutoscaler::KIND {
        let spec = obj.get("spec");
        let min = spec
            .and_then(|s| s.get("minReplicas"))
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let max = spec.and_then(|s| s.get("maxReplicas")).and_then(Value::as_i64);
        if let Some(max) = max
            && min > max
        {
            out.push(at.error(
                "spec.minReplicas",
                format!("minReplicas ({min}) is greater than maxReplicas ({max})"),
                "make minReplicas less than or equal to maxReplicas",
            ));
        }
    }
    let Some((pod, p)) = pod_spec(obj) else { return };
    for (c, cp) in containers(pod, p) {
        match c.get("image").and_then(Value::as_str) {
            None => {}
            Some(image) => match image_parts(image) {
                (None, None) => out.push(at.error(
                    format!("{cp}.image"),
                    format!("image `{image}` has neither a tag nor a digest: it floats to `latest`"),
                    "pin a digest (`@sha256:...`) or a release tag",
                )),
                (Some("latest"), None) => out.push(at.warning(
                    format!("{cp}.image"),
                    format!("image `{image}` uses the moving tag `latest`"),
                    "pin a release tag or a digest",
                )),
                _ => {}
            },
        }
        let res = c.get("resources");
        let mut values = std::collections::BTreeMap::new();
        for which in ["requests", "limits"] {
            let Some(m) = res.and_then(|r| r.get(which)).and_then(Value::as_mapping) else {
                continue;
            };
            for (k, v) in m {
                let Some(k) = k.as_str() else { continue };
                let field = format!("{cp}.resources.{which}.{k}");
                match quantity(v).map(|q| q.value()) {
                    Some(Ok(x)) => {
                        values.insert((which, k), x);
                    }
                    Some(Err(why)) => out.push(at.error(
                        field,
                        why,
                        "use a Kubernetes quantity such as `500m` for CPU or `256Mi` for memory",
                    )),
                    None => out.push(at.error(
                        field,
                        "not a quantity",
                        "write a quantity string such as `500m` or `256Mi`",
                    )),
                }
            }
        }
        for (&(_, k), &req) in values.iter().filter(|((w, _), _)| *w == "requests") {
            if let Some(&lim) = values.get(&("limits", k))
                && req > lim
            {
                out.push(at.error(
                    format!("{cp}.resources.requests.{k}"),
                    format!("the {k} request is above its limit"),
                    "Kubernetes refuses such a pod: lower the request or raise the limit",
                ));
            }
        }
    }
}

/// Rules that need two objects: a PodDisruptionBudget against the workload it covers.
pub fn check_stream(items: &[Value], out: &mut Vec<Diagnostic>) {
    for pdb in items.iter().filter(|i| object::kind(i) == PodDisruptionBudget::KIND) {
        let at = At::new(pdb);
        let spec = pdb.get("spec");
        let max_unavailable = spec.and_then(|s| s.get("maxUnavailable"));
        let min_available = spec.and_then(|s| s.get("minAvailable"));
        let selector = spec.and_then(|s| s.get("selector")).and_then(|s| s.get("matchLabels"));
        // The smallest count the covered workload can run at: HPA minReplicas or replicas.
        let min_replicas = items
            .iter()
            .filter(|w| object::namespace(w) == object::namespace(pdb) && pod_spec(w).is_some())
            .find(|w| selects(selector, template_labels(w)))
            .map(|w| {
                items
                    .iter()
                    .find(|h| {
                        object::kind(h) == HorizontalPodAutoscaler::KIND
                            && object::namespace(h) == object::namespace(w)
                            && h.get("spec")
                                .and_then(|s| s.get("scaleTargetRef"))
                                .and_then(|r| r.get("name"))
                                .and_then(Value::as_str)
                                == Some(object::name(w))
                    })
                    .and_then(|h| h.get("spec")?.get("minReplicas")?.as_i64())
                    .or_else(|| w.get("spec")?.get("replicas")?.as_i64())
                    .unwrap_or(1)
            });
        let never = match (max_unavailable, min_available) {
            (Some(Value::Number(n)), _) => n.as_i64() == Some(0),
            (Some(Value::String(s)), _) => s.trim_end_matches('%') == "0",
            (_, Some(Value::String(s))) => s == "100%",
            (_, Some(Value::Number(n))) => matches!((n.as_i64(), min_replicas), (Some(m), Some(r)) if m >= r),
            _ => false,
        };
        if never {
            out.push(at.error(
                "spec",
                "this PodDisruptionBudget can never allow a disruption: node drains and cluster upgrades will hang",
                "use `maxUnavailable: 1`, or a minAvailable below the workload's minimum replica count",
            ));
        }
    }
}
