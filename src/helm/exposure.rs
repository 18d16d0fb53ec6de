//! The exposure sections of the chart: the Service, the Ingress and the ServiceAccount.

use super::ctx::Ctx;
use serde_yaml::Value;

pub(super) fn service(c: &mut Ctx) {
    match c.v.nonempty("service.type") {
        None | Some("ClusterIP") => {
            if c.v.has("service.type") {
                c.r.mapped("service.type", "the client Service (ClusterIP)");
            }
        }
        Some(t) => {
            let t = t.to_owned();
            c.r.not_mapped(
                "service.type",
                format!("`{t}` has no home: the Service is ClusterIP; expose it through spec.ingress or the platform layer (EKS ALB, ROSA Route)"),
            );
        }
    }
    let port = c.v.u64_or("service.port", 8080);
    if !(1024..=65535).contains(&port) {
        c.r.refused(
            "service.port",
            format!(
                "port {port}: the orchestrator runs as non-root without NET_BIND_SERVICE; the default 8080 is kept"
            ),
        );
    } else {
        c.r.mapped("service.port", "spec.port");
        c.set("spec.port", port);
    }
}

pub(super) fn ingress(c: &mut Ctx) {
    if !c.v.bool_or("ingress.enabled", false) {
        // Unused when off, as in the chart.
        let _ = c.v.get("ingress");
        return;
    }
    c.set("spec.ingress.enabled", true);
    c.r.mapped("ingress.enabled", "spec.ingress.enabled");
    if let Some(class) = c.v.nonempty("ingress.className").map(str::to_owned) {
        c.set("spec.ingress.className", class);
        c.r.mapped("ingress.className", "spec.ingress.className");
    }
    if let Some(a) = c.v.nonempty_value("ingress.annotations").cloned() {
        c.set("spec.ingress.annotations", a);
        c.r.mapped("ingress.annotations", "spec.ingress.annotations");
    }
    let default_hosts: Value =
        serde_yaml::from_str("[{host: orchestrators.local, paths: [{path: /, pathType: ImplementationSpecific}]}]")
            .unwrap_or_default();
    let hosts = c.v.get("ingress.hosts").cloned().unwrap_or(default_hosts);
    let mut names = Vec::new();
    let mut paths = std::collections::BTreeSet::new();
    for h in hosts.as_sequence().into_iter().flatten() {
        if let Some(n) = h.get("host").and_then(Value::as_str).filter(|n| !n.is_empty()) {
            names.push(Value::from(n));
        }
        for p in h.get("paths").and_then(Value::as_sequence).into_iter().flatten() {
            let path = p.get("path").and_then(Value::as_str).unwrap_or("/").to_owned();
            let ty = p
                .get("pathType")
                .and_then(Value::as_str)
                .unwrap_or("ImplementationSpecific")
                .to_owned();
            paths.insert((path, ty));
        }
    }
    c.set("spec.ingress.hosts", names);
    match paths.len() {
        0 => c.r.mapped("ingress.hosts", "spec.ingress.hosts"),
        1 => {
            if let Some((path, ty)) = paths.into_iter().next() {
                c.set("spec.ingress.path", path);
                c.set("spec.ingress.pathType", ty);
            }
            c.r.mapped(
                "ingress.hosts",
                "spec.ingress.hosts, spec.ingress.path, spec.ingress.pathType",
            );
        }
        _ => c.r.not_mapped(
            "ingress.hosts",
            "hosts with different paths have no home: one path serves every host; add more rules in an overlay patch",
        ),
    }
    if let Some(tls) = c.v.nonempty_value("ingress.tls").cloned() {
        c.set("spec.ingress.tls", tls);
        c.r.mapped("ingress.tls", "spec.ingress.tls");
    }
}

pub(super) fn service_account(c: &mut Ctx) {
    if let Some(a) = c.v.nonempty_value("serviceAccount.annotations").cloned() {
        c.set("spec.serviceAccount.annotations", a);
        c.r.mapped("serviceAccount.annotations", "spec.serviceAccount.annotations");
    }
    if !c.v.bool_or("serviceAccount.create", true) {
        c.r.changed(
            "serviceAccount.create",
            "the generated ServiceAccount",
            "a ServiceAccount of the orchestrator's own is always generated (no API token mounted), so IRSA and RBAC bind to it alone",
        );
    }
    if let Some(n) = c.v.nonempty("serviceAccount.name").map(str::to_owned) {
        c.r.changed(
            "serviceAccount.name",
            "metadata.name",
            format!(
                "the ServiceAccount is named after metadata.name (`{}`), not `{n}`",
                c.name
            ),
        );
    }
}
