//! Every field of an `Orchestrator` that reaches the output, checked the way the API server
//! (or the controller that reads it) would check it, so nothing it would refuse leaves with
//! exit 0. The grammar itself lives in `k8s::validate`; this module names fields and fixes.

use super::orchestrator::Orchestrator;
use crate::diag::Diagnostic;
use crate::k8s::validate::{self as v, Wildcard};
use k8s_openapi::api::networking::v1::{NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

/// A user's value as an error message shows it: escaped (no newline or escape sequence
/// reaches a terminal or a PR comment) and cut short.
pub fn shown(s: &str) -> String {
    let mut escaped = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            escaped.extend(c.escape_debug());
        } else {
            escaped.push(c);
        }
    }
    match escaped.char_indices().nth(80) {
        Some((i, _)) => format!("{}...", &escaped[..i]),
        None => escaped,
    }
}

/// Reports `value` at `field` when `rule` refuses it.
fn rule(err: &mut impl FnMut(Diagnostic), field: impl Into<String>, value: &str, check: Result<(), String>, fix: &str) {
    if let Err(why) = check {
        err(Diagnostic::error(format!("`{}` {why}", shown(value)))
            .field(field)
            .fix(fix));
    }
}

const KEY_FIX: &str = "write a key as `[prefix/]name`: an optional DNS subdomain prefix, then at most 63 letters, digits, '-', '_' and '.', e.g. `example.com/team`";
const VALUE_FIX: &str =
    "write at most 63 letters, digits, '-', '_' and '.', alphanumeric at both ends, or an empty string";
const SUBDOMAIN_FIX: &str = "use the object's Kubernetes name: lower-case letters, digits, '-' and '.', e.g. `my-name`";
const COOKIE_FIX: &str = "use letters, digits, '-', '_' and '.', e.g. `MAVERICS_GW`; no spaces, `,`, `;` or `=`";

/// Reports each key of `map` (at `at.<key>`) that is not a qualified name `[prefix/]name`.
pub fn annotation_keys(map: &BTreeMap<String, String>, at: &str, err: &mut impl FnMut(Diagnostic)) {
    for k in map.keys() {
        rule(err, format!("{at}.{k}"), k, v::qualified_key(k), KEY_FIX);
    }
}

/// Reports each label (at `at.<key>`) whose key is not a qualified name or whose value is not a label value.
pub fn labels(map: &BTreeMap<String, String>, at: &str, err: &mut impl FnMut(Diagnostic)) {
    annotation_keys(map, at, err);
    for (k, val) in map {
        rule(err, format!("{at}.{k}"), val, v::label_value(val), VALUE_FIX);
    }
}

/// Reports a cookie name at `at` that a `Set-Cookie` header cannot carry.
pub fn cookie(name: &str, at: &str, err: &mut impl FnMut(Diagnostic)) {
    rule(err, at, name, v::cookie_name(name), COOKIE_FIX);
}

/// Reports a host name at `at` that is not a lower-case DNS name; `wildcard` says whether `*.` may lead.
pub fn host(h: &str, at: &str, wildcard: Wildcard, err: &mut impl FnMut(Diagnostic)) {
    let fix = match wildcard {
        Wildcard::FirstLabel => {
            "write a lower-case DNS name such as `sso.example.com`; a wildcard only as the whole first label, `*.example.com`"
        }
        Wildcard::Never => "write a lower-case DNS name such as `sso.apps.example.com`, without a wildcard",
    };
    rule(err, at, h, v::host(h, wildcard), fix);
}

/// Reports an object name at `at` that is not a DNS subdomain.
pub fn subdomain(name: &str, at: &str, err: &mut impl FnMut(Diagnostic)) {
    rule(err, at, name, v::dns_subdomain(name), SUBDOMAIN_FIX);
}

/// Reports a CIDR at `at` that is not a network address and prefix length.
pub fn cidr(c: &str, at: &str, err: &mut impl FnMut(Diagnostic)) {
    rule(
        err,
        at,
        c,
        v::cidr(c),
        "write a network address and prefix length, e.g. `10.0.0.0/16` or `2001:db8::/32`",
    );
}

fn selector(s: &LabelSelector, at: &str, err: &mut impl FnMut(Diagnostic)) {
    if let Some(m) = &s.match_labels {
        labels(m, &format!("{at}.matchLabels"), err);
    }
    for (i, e) in s.match_expressions.iter().flatten().enumerate() {
        let at = format!("{at}.matchExpressions[{i}]");
        rule(err, format!("{at}.key"), &e.key, v::qualified_key(&e.key), KEY_FIX);
        if !["In", "NotIn", "Exists", "DoesNotExist"].contains(&e.operator.as_str()) {
            err(
                Diagnostic::error(format!("`{}` is not a selector operator", shown(&e.operator)))
                    .field(format!("{at}.operator"))
                    .fix("use `In`, `NotIn`, `Exists` or `DoesNotExist`"),
            );
        }
        for (j, val) in e.values.iter().flatten().enumerate() {
            rule(err, format!("{at}.values[{j}]"), val, v::label_value(val), VALUE_FIX);
        }
    }
}

/// Reports what the API server would refuse in NetworkPolicy peers at `at`: CIDRs and selectors.
pub fn peers(list: &[NetworkPolicyPeer], at: &str, err: &mut impl FnMut(Diagnostic)) {
    for (i, p) in list.iter().enumerate() {
        let at = format!("{at}[{i}]");
        if let Some(b) = &p.ip_block {
            cidr(&b.cidr, &format!("{at}.ipBlock.cidr"), err);
            for (j, c) in b.except.iter().flatten().enumerate() {
                cidr(c, &format!("{at}.ipBlock.except[{j}]"), err);
            }
        }
        if let Some(s) = &p.pod_selector {
            selector(s, &format!("{at}.podSelector"), err);
        }
        if let Some(s) = &p.namespace_selector {
            selector(s, &format!("{at}.namespaceSelector"), err);
        }
    }
}

/// Reports NetworkPolicy ports at `at` that are out of range, badly named or of an unknown protocol.
pub fn ports(list: &[NetworkPolicyPort], at: &str, err: &mut impl FnMut(Diagnostic)) {
    const FIX: &str =
        "write a port from 1 to 65535 or a port name such as `https`, and `protocol: TCP`, `UDP` or `SCTP`";
    for (i, p) in list.iter().enumerate() {
        let at = format!("{at}[{i}]");
        match &p.port {
            Some(IntOrString::Int(n)) => rule(err, format!("{at}.port"), &n.to_string(), v::port(i64::from(*n)), FIX),
            Some(IntOrString::String(s)) => rule(err, format!("{at}.port"), s, v::port_name(s), FIX),
            None => {}
        }
        if let Some(end) = p.end_port {
            let start = match &p.port {
                Some(IntOrString::Int(n)) => Some(*n),
                _ => None,
            };
            let why = v::port(i64::from(end)).and_then(|()| match start {
                Some(s) if end >= s => Ok(()),
                Some(s) => Err(format!("is below the port {s} it ends")),
                None => Err("needs a numeric `port` to start the range".into()),
            });
            rule(err, format!("{at}.endPort"), &end.to_string(), why, FIX);
        }
        if let Some(proto) = &p.protocol {
            rule(err, format!("{at}.protocol"), proto, v::protocol(proto), FIX);
        }
    }
}

/// The API server's rules on the fields of `o`; the rules of the tool itself are in `checks`.
pub fn check_api_rules(o: &Orchestrator, err: &mut impl FnMut(Diagnostic)) {
    let spec = &o.spec;
    let image = &spec.image;
    const IMAGE_FIX: &str = "write the repository as `[registry[:port]/]path` in lower case, the tag separately in `spec.image.tag`, the digest in `spec.image.digest`";
    if !image.repository.trim().is_empty() {
        rule(
            err,
            "spec.image.repository",
            &image.repository,
            v::image_repository(&image.repository),
            IMAGE_FIX,
        );
    }
    if let Some(t) = &image.tag {
        rule(
            err,
            "spec.image.tag",
            t,
            v::image_tag(t),
            "write one tag such as `v2026.01.2`; put a digest in `spec.image.digest`",
        );
    }
    for (field, n) in [
        ("spec.replicas", spec.replicas),
        ("spec.autoscaling.minReplicas", spec.autoscaling.min_replicas),
        ("spec.autoscaling.maxReplicas", spec.autoscaling.max_replicas),
        (
            "spec.autoscaling.scaleDown.stabilizationWindowSeconds",
            spec.autoscaling.scale_down.stabilization_window_seconds,
        ),
        (
            "spec.autoscaling.scaleDown.podsPerPeriod",
            spec.autoscaling.scale_down.pods_per_period,
        ),
        (
            "spec.autoscaling.scaleDown.periodSeconds",
            spec.autoscaling.scale_down.period_seconds,
        ),
    ] {
        rule(
            err,
            field,
            &n.to_string(),
            v::int32(u64::from(n)),
            "use a count the API stores as int32, at most 2147483647",
        );
    }
    let a = &spec.autoscaling;
    if a.enabled && a.max_replicas == 0 {
        err(
            Diagnostic::error("autoscaling.maxReplicas is 0; the HPA needs at least 1")
                .field("spec.autoscaling.maxReplicas")
                .fix("set it to at least minReplicas, e.g. 5"),
        );
    }
    if a.enabled {
        let sd = &a.scale_down;
        if sd.stabilization_window_seconds > 3600 {
            err(Diagnostic::error(format!(
                "stabilizationWindowSeconds {} is above the HPA's 3600",
                sd.stabilization_window_seconds
            ))
            .field("spec.autoscaling.scaleDown.stabilizationWindowSeconds")
            .fix("use 0 to 3600 seconds; 600 is the default"));
        }
        if !(1..=1800).contains(&sd.period_seconds) || sd.pods_per_period == 0 {
            err(Diagnostic::error(
                "the HPA's scale-down policy needs podsPerPeriod ≥ 1 and periodSeconds from 1 to 1800",
            )
            .field("spec.autoscaling.scaleDown")
            .fix("use `podsPerPeriod: 1` and `periodSeconds: 300`, the defaults"));
        }
    }
    if let Some(p) = a.target_memory_utilization_percentage
        && !(1..=100).contains(&p)
    {
        err(
            Diagnostic::error(format!("targetMemoryUtilizationPercentage {p} is outside 1 to 100"))
                .field("spec.autoscaling.targetMemoryUtilizationPercentage")
                .fix("use a percentage of the memory request, e.g. 80"),
        );
    }

    // Pod metadata and scheduling
    let pod = &spec.pod;
    labels(&pod.labels, "spec.pod.labels", err);
    annotation_keys(&pod.annotations, "spec.pod.annotations", err);
    labels(&pod.node_selector, "spec.pod.nodeSelector", err);
    for (i, s) in pod.image_pull_secrets.iter().enumerate() {
        rule(
            err,
            format!("spec.pod.imagePullSecrets[{i}]"),
            s,
            v::dns_subdomain(s),
            SUBDOMAIN_FIX,
        );
    }
    if let Some(p) = &pod.priority_class_name {
        rule(err, "spec.pod.priorityClassName", p, v::dns_subdomain(p), SUBDOMAIN_FIX);
    }
    if let Some(g) = pod.termination_grace_period_seconds
        && g < 0
    {
        err(
            Diagnostic::error(format!("terminationGracePeriodSeconds is {g}, below 0"))
                .field("spec.pod.terminationGracePeriodSeconds")
                .fix("give the orchestrator time to finish requests: 0 or more seconds, 120 by default"),
        );
    }
    for (i, m) in spec.mounts.iter().enumerate() {
        rule(
            err,
            format!("spec.mounts[{i}].name"),
            &m.name,
            v::dns_label(&m.name, v::LABEL_MAX),
            "name the volume with a DNS label, e.g. `extensions`",
        );
    }
    annotation_keys(
        &spec.service_account.annotations,
        "spec.serviceAccount.annotations",
        err,
    );
    if let Some(s) = &spec.tls.secret_name {
        rule(err, "spec.tls.secretName", s, v::dns_subdomain(s), SUBDOMAIN_FIX);
    }
    if let Some(c) = &spec.config_source.config_map
        && !c.name.is_empty()
    {
        rule(
            err,
            "spec.configSource.configMap.name",
            &c.name,
            v::dns_subdomain(&c.name),
            SUBDOMAIN_FIX,
        );
    }
    if let Some(s) = &spec.secrets {
        rule(
            err,
            "spec.secrets.refreshInterval",
            &s.refresh_interval,
            v::go_duration(&s.refresh_interval),
            "write a Go duration such as `1h`, `30m` or `1h30m` (no `d`: one day is `24h`), or `0` to fetch once",
        );
    }

    // Persistence
    let p = &spec.persistence;
    if p.enabled {
        if let Err(why) = p.size.value() {
            err(Diagnostic::error(why)
                .field("spec.persistence.size")
                .fix("use a quantity such as `1Gi`"));
        }
        if let Some(c) = &p.storage_class_name {
            rule(
                err,
                "spec.persistence.storageClassName",
                c,
                v::dns_subdomain(c),
                SUBDOMAIN_FIX,
            );
        }
    }

    // Ingress
    let ing = &spec.ingress;
    if ing.enabled {
        if let Some(c) = &ing.class_name {
            rule(
                err,
                "spec.ingress.className",
                c,
                v::dns_subdomain(c),
                "name an IngressClass, e.g. `alb`",
            );
        }
        annotation_keys(&ing.annotations, "spec.ingress.annotations", err);
        for (i, h) in ing.hosts.iter().enumerate() {
            host(h, &format!("spec.ingress.hosts[{i}]"), Wildcard::FirstLabel, err);
        }
        if let Err(why) = v::path_type(&ing.path_type) {
            rule(
                err,
                "spec.ingress.pathType",
                &ing.path_type,
                Err(why),
                "write `Prefix`, `Exact` or `ImplementationSpecific`, capitalised as shown",
            );
        } else {
            rule(
                err,
                "spec.ingress.path",
                &ing.path,
                v::http_path(&ing.path, &ing.path_type),
                "write an absolute path such as `/` or `/app`; with `Prefix` and `Exact` no `//`, `/./`, `/../` or `%2F`",
            );
        }
        for (i, t) in ing.tls.iter().enumerate() {
            rule(
                err,
                format!("spec.ingress.tls[{i}].secretName"),
                &t.secret_name,
                v::dns_subdomain(&t.secret_name),
                SUBDOMAIN_FIX,
            );
            for (j, h) in t.hosts.iter().enumerate() {
                host(
                    h,
                    &format!("spec.ingress.tls[{i}].hosts[{j}]"),
                    Wildcard::FirstLabel,
                    err,
                );
            }
        }
    }

    // Gateway
    let g = &spec.gateway;
    if g.enabled {
        for (i, r) in g.parent_refs.iter().enumerate() {
            rule(
                err,
                format!("spec.gateway.parentRefs[{i}].name"),
                &r.name,
                v::dns_subdomain(&r.name),
                SUBDOMAIN_FIX,
            );
            if let Some(ns) = &r.namespace {
                rule(
                    err,
                    format!("spec.gateway.parentRefs[{i}].namespace"),
                    ns,
                    v::dns_label(ns, v::LABEL_MAX),
                    SUBDOMAIN_FIX,
                );
            }
            if let Some(s) = &r.section_name {
                rule(
                    err,
                    format!("spec.gateway.parentRefs[{i}].sectionName"),
                    s,
                    v::dns_subdomain(s),
                    SUBDOMAIN_FIX,
                );
            }
        }
        for (i, h) in g.hostnames.iter().enumerate() {
            host(h, &format!("spec.gateway.hostnames[{i}]"), Wildcard::FirstLabel, err);
        }
        cookie(
            &g.session_persistence.session_name,
            "spec.gateway.sessionPersistence.sessionName",
            err,
        );
    }

    // NetworkPolicy
    let np = &spec.network_policy;
    if np.enabled {
        peers(&np.ingress_from, "spec.networkPolicy.ingressFrom", err);
        for (i, r) in np.egress.iter().enumerate() {
            peers(
                r.to.as_deref().unwrap_or_default(),
                &format!("spec.networkPolicy.egress[{i}].to"),
                err,
            );
            ports(
                r.ports.as_deref().unwrap_or_default(),
                &format!("spec.networkPolicy.egress[{i}].ports"),
                err,
            );
        }
        for (i, c) in np.caches.iter().enumerate() {
            peers(&c.to, &format!("spec.networkPolicy.caches[{i}].to"), err);
        }
        for (i, u) in np.upstream_ports.iter().enumerate() {
            for (f, n) in [("port", u.port), ("targetPort", u.target_port)] {
                rule(
                    err,
                    format!("spec.networkPolicy.upstreamPorts[{i}].{f}"),
                    &n.to_string(),
                    v::port(i64::from(n)),
                    "write a port from 1 to 65535",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests;
