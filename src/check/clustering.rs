//! Experimental clustering on the final stream: the membership SRV record every member
//! resolves must name a Service of the stream, in the pods' own namespace, that selects the
//! pods and publishes the `membership-udp` port. kustomize's `namespace:` and `namePrefix`
//! rename objects but never rewrite environment values, so a record written as literal text
//! goes stale under an overlay, and the members never find each other.

use super::at::At;
use super::pods::{containers, pod_spec, selects, template_labels};
use crate::config::workload::CLUSTER_ENV_PREFIX;
use crate::diag::Diagnostic;
use crate::krm::object;
use k8s_openapi::Resource;
use k8s_openapi::api::core::v1::Service;
use serde_yaml::Value;

const SRV_PREFIX: &str = "_membership-udp._udp.";

pub fn check_clustering(items: &[Value], out: &mut Vec<Diagnostic>) {
    let srv_var = format!("{CLUSTER_ENV_PREFIX}MEMBERSHIP_SRV_RECORD");
    for w in items {
        let Some((pod, p)) = pod_spec(w) else { continue };
        for (c, cp) in containers(pod, p) {
            let Some(env) = c.get("env").and_then(Value::as_sequence) else {
                continue;
            };
            let mut known: Vec<(&str, Option<String>)> = Vec::new();
            for (i, e) in env.iter().enumerate() {
                let name = e.get("name").and_then(Value::as_str).unwrap_or_default();
                let value = resolve(e, w, pod, &known);
                if name == srv_var
                    && let Some(v) = &value
                {
                    judge(v, w, items, &format!("{cp}.env[{i}].value"), out);
                }
                known.push((name, value));
            }
        }
    }
}

/// The value a variable has in the running pod, as far as the stream tells: a literal with
/// `$(VAR)` references to earlier variables expanded (as the kubelet does; an unknown one stays
/// as written), or a downward API field this check can answer.
fn resolve(e: &Value, w: &Value, pod: &Value, known: &[(&str, Option<String>)]) -> Option<String> {
    if let Some(v) = e.get("value").and_then(Value::as_str) {
        return Some(expand(v, known));
    }
    let path = e.get("valueFrom")?.get("fieldRef")?.get("fieldPath")?.as_str()?;
    match path {
        "metadata.namespace" => object::namespace(w).map(str::to_owned),
        "spec.serviceAccountName" => Some(
            pod.get("serviceAccountName")
                .and_then(Value::as_str)
                .unwrap_or("default")
                .to_owned(),
        ),
        _ => None,
    }
}

/// Kubernetes' `$(VAR)` expansion: `$$` is a literal `$`; a reference to a variable defined
/// earlier is replaced, anything else is kept as written.
fn expand(v: &str, known: &[(&str, Option<String>)]) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(t) = tail.strip_prefix("$$") {
            out.push('$');
            rest = t;
        } else if let Some(close) = tail.strip_prefix("$(").and_then(|t| t.find(')')) {
            let name = &tail[2..2 + close];
            match known.iter().rev().find(|(n, _)| *n == name) {
                Some((_, Some(value))) => out.push_str(value),
                _ => out.push_str(&tail[..close + 3]),
            }
            rest = &tail[close + 3..];
        } else {
            out.push('$');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

fn judge(record: &str, w: &Value, items: &[Value], field: &str, out: &mut Vec<Diagnostic>) {
    let at = At::new(w);
    let fix = "let the generator write the record (`$(POD_SERVICE_ACCOUNT)-clusters.$(POD_NAMESPACE)`), or make it name the `-clusters` Service as the final stream calls it";
    let parts: Vec<&str> = record.strip_prefix(SRV_PREFIX).unwrap_or_default().split('.').collect();
    let [svc, ns, "svc", ..] = parts.as_slice() else {
        out.push(at.error(
            field,
            format!("`{record}` is not the SRV record of a Service's `membership-udp` port"),
            fix,
        ));
        return;
    };
    let pods_ns = object::namespace(w);
    let unknown = |s: &str| s.contains("$(");
    if !unknown(ns) && pods_ns.is_some_and(|p| p != *ns) {
        out.push(at.error(
            field,
            format!(
                "the SRV record names namespace `{ns}`, but the pods run in `{}`: cluster members would never find each other",
                pods_ns.unwrap_or_default()
            ),
            fix,
        ));
        return;
    }
    if unknown(svc) {
        return;
    }
    let service = items.iter().find(|s| {
        object::kind(s) == Service::KIND
            && object::name(s) == *svc
            && object::namespace(s) == pods_ns.or((!unknown(ns)).then_some(*ns))
    });
    let Some(service) = service else {
        out.push(at.error(
            field,
            format!("the SRV record names Service `{svc}`, which is not in the stream: cluster members would never find each other"),
            fix,
        ));
        return;
    };
    let spec = service.get("spec");
    let selector = spec.and_then(|s| s.get("selector"));
    let udp_port = spec
        .and_then(|s| s.get("ports"))
        .and_then(Value::as_sequence)
        .is_some_and(|ports| {
            ports.iter().any(|p| {
                p.get("name").and_then(Value::as_str) == Some("membership-udp")
                    && p.get("protocol").and_then(Value::as_str) == Some("UDP")
            })
        });
    if !selects(selector, template_labels(w)) || !udp_port {
        out.push(at.error(
            field,
            format!(
                "the SRV record names Service `{svc}`, which does not select these pods on a `membership-udp` UDP port"
            ),
            fix,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::expand;

    #[test]
    fn expansion_follows_the_kubelet() {
        let known = [("A", Some("x".to_owned())), ("B", None)];
        assert_eq!(expand("$(A).$(B).$(C).$$(A).$", &known), "x.$(B).$(C).$(A).$");
    }
}
