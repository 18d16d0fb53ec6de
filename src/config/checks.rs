//! Rules on an `Orchestrator` config that types alone cannot express. Each finding names
//! the field and the fix; errors stop generation, warnings ride along with the output.

use super::maverics::MavericsFacts;
use super::orchestrator::{Orchestrator, Termination};
use crate::diag::Diagnostic;
use crate::k8s::quantity::Quantity;
use crate::k8s::validate::{dns_label, dns_subdomain, image_digest};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// StatefulSet pods carry `controller-revision-hash: <name>-<10 chars>`, a label value of at
/// most 63 characters, so the name itself must stay within 52.
pub const MAX_NAME_LEN: usize = 52;

/// Every rule on an Orchestrator config beyond its types, each finding located on the config.
pub fn check_orchestrator(o: &Orchestrator) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let spec = &o.spec;
    let mut err = |d: Diagnostic| out.push(o.locate(d));

    if let Err(why) = dns_label(&o.metadata.name, MAX_NAME_LEN) {
        err(
            Diagnostic::error(format!("name `{}` {why}", super::api_rules::shown(&o.metadata.name)))
                .field("metadata.name")
                .fix("use lower-case letters, digits and '-', starting with a letter, e.g. `maverics`"),
        );
    }
    if let Some(ns) = &spec.namespace {
        if let Err(why) = dns_label(ns, 63) {
            err(
                Diagnostic::error(format!("namespace `{}` {why}", super::api_rules::shown(ns)))
                    .field("spec.namespace")
                    .fix("use a valid namespace name, e.g. `maverics`"),
            );
        } else if ns == "default" {
            err(
                Diagnostic::warning("the orchestrator is deployed into the `default` namespace")
                    .field("spec.namespace")
                    .fix("give it a namespace of its own, e.g. `maverics`, so RBAC and network rules can isolate it"),
            );
        }
    }

    // Image
    let image = &spec.image;
    if image.repository.trim().is_empty() {
        err(Diagnostic::error("the image repository is empty")
            .field("spec.image.repository")
            .fix("set the repository you pushed the orchestrator image to, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com/maverics`"));
    }
    if image.tag.is_none() && image.digest.is_none() {
        err(Diagnostic::error("the image has neither a tag nor a digest")
            .field("spec.image")
            .fix("set `spec.image.digest: sha256:<64 hex>` (best) or `spec.image.tag`"));
    }
    if image.tag.as_deref() == Some("latest") && image.digest.is_none() {
        err(
            Diagnostic::warning("the image tag `latest` moves: pods can run different orchestrator versions")
                .field("spec.image.tag")
                .fix("pin a release tag such as `v2026.01.2`, or a digest"),
        );
    }
    if let Some(d) = &image.digest
        && let Err(why) = image_digest(d)
    {
        err(Diagnostic::error(format!("`{}` {why}", super::api_rules::shown(d)))
            .field("spec.image.digest")
            .fix("write `sha256:` followed by 64 lower-case hexadecimal characters"));
    }
    super::api_rules::check_api_rules(o, &mut err);

    // Replicas and autoscaling
    let a = &spec.autoscaling;
    if a.enabled {
        if a.min_replicas == 0 {
            err(
                Diagnostic::error("autoscaling.minReplicas is 0; the HPA needs at least 1")
                    .field("spec.autoscaling.minReplicas")
                    .fix("set it to 2 or more (the vendor recommends starting at 2)"),
            );
        }
        if a.min_replicas > a.max_replicas {
            err(Diagnostic::error(format!(
                "autoscaling.minReplicas ({}) is greater than maxReplicas ({})",
                a.min_replicas, a.max_replicas
            ))
            .field("spec.autoscaling.minReplicas")
            .fix("make minReplicas less than or equal to maxReplicas"));
        }
        if !(1..=100).contains(&a.target_cpu_utilization_percentage) {
            err(Diagnostic::error(format!(
                "targetCPUUtilizationPercentage {} is outside 1 to 100",
                a.target_cpu_utilization_percentage
            ))
            .field("spec.autoscaling.targetCPUUtilizationPercentage")
            .fix("use a percentage of the CPU request; the vendor recommends 70"));
        }
        if spec.resources.requests.cpu.is_none() {
            err(
                Diagnostic::error("autoscaling on CPU needs a CPU request to measure against")
                    .field("spec.resources.requests.cpu")
                    .fix("set `spec.resources.requests.cpu`, e.g. `500m`"),
            );
        }
    } else if spec.replicas == 0 {
        err(Diagnostic::warning("replicas is 0: no orchestrator will run")
            .field("spec.replicas")
            .fix("set replicas to 2 or more for availability"));
    }

    // Resources
    for (which, amounts) in [
        ("requests", &spec.resources.requests),
        ("limits", &spec.resources.limits),
    ] {
        for (res, q) in [("cpu", &amounts.cpu), ("memory", &amounts.memory)] {
            if let Some(Err(why)) = q.as_ref().map(Quantity::value) {
                err(Diagnostic::error(why)
                    .field(format!("spec.resources.{which}.{res}"))
                    .fix("use a Kubernetes quantity such as `500m` for CPU or `256Mi` for memory"));
            }
        }
    }
    for res in ["cpu", "memory"] {
        let pick =
            |a: &super::orchestrator::ResourceAmounts| if res == "cpu" { a.cpu.clone() } else { a.memory.clone() };
        let (req, lim) = (pick(&spec.resources.requests), pick(&spec.resources.limits));
        if let (Some(Ok(r)), Some(Ok(l))) = (req.as_ref().map(Quantity::value), lim.as_ref().map(Quantity::value))
            && r > l
        {
            err(Diagnostic::error(format!(
                "the {res} request ({}) is above its limit ({})",
                req.as_ref().map(ToString::to_string).unwrap_or_default(),
                lim.as_ref().map(ToString::to_string).unwrap_or_default()
            ))
            .field(format!("spec.resources.requests.{res}"))
            .fix("Kubernetes refuses such a pod: lower the request or raise the limit"));
        }
    }

    // PodDisruptionBudget
    let pdb = &spec.pod_disruption_budget;
    if pdb.max_unavailable.is_some() && pdb.min_available.is_some() {
        err(
            Diagnostic::error("podDisruptionBudget sets both maxUnavailable and minAvailable")
                .field("spec.podDisruptionBudget")
                .fix("set only one of them (maxUnavailable: 1 is the default)"),
        );
    }
    if o.pdb_enabled() {
        let never = match (&pdb.max_unavailable, &pdb.min_available) {
            (Some(IntOrString::Int(0)), _) => true,
            (Some(IntOrString::String(s)), _) if s.trim_end_matches('%') == "0" => true,
            (_, Some(IntOrString::Int(n))) => u32::try_from(*n).is_ok_and(|n| n >= o.min_replicas()),
            (_, Some(IntOrString::String(s))) => s == "100%",
            _ => false,
        };
        if never {
            err(Diagnostic::error(
                "this PodDisruptionBudget can never allow a disruption: node drains and cluster upgrades will hang",
            )
            .field("spec.podDisruptionBudget")
            .fix("use `maxUnavailable: 1`, or a minAvailable below the minimum replica count"));
        }
    }

    // Listener
    if spec.port < 1024 {
        err(Diagnostic::error(format!(
            "port {} is privileged: the orchestrator runs as non-root without NET_BIND_SERVICE",
            spec.port
        ))
        .field("spec.port")
        .fix(
            "use 1024 or above, e.g. 8080 (or 8443 with TLS in the pod); the Service and Ingress keep their own ports",
        ));
    }
    if spec.tls.termination == Termination::Pod
        && spec.tls.secret_name.is_none()
        && spec.secrets.as_ref().is_none_or(|s| s.tls.is_none())
    {
        err(Diagnostic::error("TLS terminates in the pod but no certificate is configured")
            .field("spec.tls")
            .fix("set `spec.secrets.tls` (fetched through the ExternalSecret) or `spec.tls.secretName` (an existing kubernetes.io/tls Secret)"));
    }

    // Secrets
    if let Some(secrets) = &spec.secrets {
        if let Err(why) = dns_subdomain(&secrets.store_ref.name) {
            err(Diagnostic::error(format!(
                "store name `{}` {why}",
                super::api_rules::shown(&secrets.store_ref.name)
            ))
            .field("spec.secrets.storeRef.name")
            .fix("name the SecretStore or ClusterSecretStore that holds the orchestrator's secrets"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, v) in secrets.values.iter().enumerate() {
            let field = format!("spec.secrets.values[{i}].name");
            let valid_chars = v.name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
            if v.split().is_none() || !valid_chars {
                err(Diagnostic::error(format!("secret value name `{}` is not of the form `group.key`", v.name))
                    .field(field)
                    .fix("name it as maverics.yaml references it, e.g. `idp.client_secret` for `<idp.client_secret>` (letters, digits, '-', '_')"));
            } else if !seen.insert(v.name.as_str()) {
                err(Diagnostic::error(format!("secret value `{}` is listed twice", v.name))
                    .field(field)
                    .fix("keep one entry per name"));
            }
        }
        if secrets.values.is_empty()
            && secrets.license.is_none()
            && secrets.tls.is_none()
            && secrets.env.is_empty()
            && secrets.files.is_empty()
            && !spec.clustering.enabled
        {
            err(Diagnostic::warning("spec.secrets fetches nothing")
                .field("spec.secrets")
                .fix("add `values`, `license` or `tls`, or remove `spec.secrets`"));
        }
    }

    // Literal secrets in any field that reaches the manifests: spec.config, spec.env, annotations...
    let spec_value = serde_yaml::to_value(spec).unwrap_or_default();
    super::spec_secrets::spec_findings(&spec_value)
        .into_iter()
        .for_each(&mut err);

    // The orchestrator's own config
    if !spec.config.is_mapping() {
        err(Diagnostic::error("spec.config is not a mapping")
            .field("spec.config")
            .fix(
                "write the orchestrator's maverics.yaml under `spec.config` as YAML, e.g. `config: {version: 0.0.1}`",
            ));
    } else if let Err(e) = serde_yaml::to_string(&spec.config) {
        // The ConfigMap's `maverics.yaml` is this text: it must never be written empty.
        err(Diagnostic::error(format!("spec.config cannot be written as YAML: {e}"))
            .field("spec.config")
            .fix("write the keys of spec.config as plain strings, without YAML tags"));
    } else {
        let facts = MavericsFacts::read(&spec.config);
        super::api_rules::cookie(&facts.session_cookie, "spec.config.session.cookie.name", &mut err);
        sticky_sessions(o, &facts, &mut err);
        super::gateway::check_gateway(&o.spec.gateway, o.max_replicas(), &facts)
            .into_iter()
            .for_each(&mut err);
        cache_egress(o, &facts, &mut err);
        endpoint_egress(o, &facts, &mut err);
        upstream_ports(o, &facts, &mut err);
        if facts.oidc_provider && o.max_replicas() > 1 && facts.oidc_redis_cache().is_none() {
            err(Diagnostic::error(format!(
                "the orchestrator is an OIDC provider with up to {} replicas but has no shared Redis cache: \
                 each replica would keep its own tokens and authorization state",
                o.max_replicas()
            ))
            .field("spec.config.oidcProvider.cache")
            .fix("add a cache to `spec.config.caches` (`- name: oidc-cache`, `type: redis`, `redis: {addresses: [redis.example:6379]}`) \
                  and set `spec.config.oidcProvider.cache: oidc-cache`; or run one replica with autoscaling off"));
        }
    }
    out.extend(super::workload_checks::check_workload(o));
    rollout(o, &mut |d| out.push(o.locate(d)));
    out
}

/// Rollout rules (issue 12, points 6 and 8): the target version and the preStop drain it
/// decides, the grace period around the drain, and rotations that would roll nothing.
fn rollout(o: &Orchestrator, err: &mut impl FnMut(Diagnostic)) {
    use crate::config::drain;
    use crate::config::workload::UpdateStrategy;
    let spec = &o.spec;
    let version = &spec.kubernetes_version;
    let seconds = o.drain_seconds();
    if drain::minor(version).is_none() {
        err(Diagnostic::error(format!("`{version}` is not a Kubernetes version"))
            .field("spec.kubernetesVersion")
            .fix(format!(
                "write the cluster's version as `1.<minor>`, e.g. `{}`",
                drain::DEFAULT_KUBERNETES_VERSION
            )));
    } else if seconds > 0 && !drain::has_sleep_action(version) {
        err(drain::exec_form_warning(version, "spec.kubernetesVersion"));
    }
    // A negative grace period is refused on its own (api_rules); one error says it.
    if let Some(grace) = spec.pod.termination_grace_period_seconds.filter(|g| *g >= 0) {
        let needed = i64::from(seconds) + i64::from(drain::SHUTDOWN_SECONDS);
        if grace < needed {
            let d = if grace <= i64::from(seconds) {
                Diagnostic::error
            } else {
                Diagnostic::warning
            };
            err(d(format!(
                "terminationGracePeriodSeconds {grace} leaves the orchestrator less than {}s after the {seconds}s preStop drain: \
                 the kubelet kills the pod while it still finishes requests",
                drain::SHUTDOWN_SECONDS
            ))
            .field("spec.pod.terminationGracePeriodSeconds")
            .fix(format!("set it to at least {needed}, or lower spec.pod.drainSeconds")));
        }
    }
    let reload = super::workload_checks::reload_secrets(o);
    if spec.pod.update_strategy == Some(UpdateStrategy::OnDelete) && !reload.is_empty() {
        err(Diagnostic::warning(format!(
            "Stakater Reloader is asked to roll the pods when {} changes, but with `updateStrategy: OnDelete` a changed pod \
             template replaces no pod: a rotated secret is not picked up until someone deletes each pod",
            reload.join(", ")
        ))
        .field("spec.pod.updateStrategy")
        .fix("use `RollingUpdate` (the default), or set `spec.secrets.reloadOnChange: false` and `spec.tls.reloadOnChange: false` and delete the pods yourself after a rotation"));
    }
}

/// A scaled orchestrator in proxy mode behind the Ingress it defines needs cookie affinity
/// there; the Ingress's own annotations count (the user may configure any controller).
fn sticky_sessions(o: &Orchestrator, facts: &MavericsFacts, err: &mut impl FnMut(Diagnostic)) {
    use crate::k8s::alb::ALB_ATTRIBUTES;
    use crate::k8s::labels::{AFFINITY_ANNOTATION, NGINX_AFFINITY};
    let ing = &o.spec.ingress;
    let s = &ing.sticky_sessions;
    if !(1..=604_800).contains(&s.duration_seconds) {
        err(
            Diagnostic::error(format!("durationSeconds {} is outside 1 to 604800", s.duration_seconds))
                .field("spec.ingress.stickySessions.durationSeconds")
                .fix("use a lifetime of at most 7 days, e.g. 86400"),
        );
    }
    if !ing.enabled || o.max_replicas() <= 1 || !facts.proxy_mode {
        return;
    }
    let user_affinity = ing.annotations.contains_key(AFFINITY_ANNOTATION)
        || ing.annotations.get(NGINX_AFFINITY).is_some_and(|v| v == "cookie")
        || ing
            .annotations
            .get(ALB_ATTRIBUTES)
            .is_some_and(|v| v.contains("stickiness.enabled=true"));
    if user_affinity {
        return;
    }
    let why = format!(
        "the orchestrator runs up to {} replicas in proxy mode and keeps each session in one pod",
        o.max_replicas()
    );
    if !s.enabled {
        err(Diagnostic::error(format!("{why}, but sticky sessions are off"))
            .field("spec.ingress.stickySessions.enabled")
            .fix("set `spec.ingress.stickySessions.enabled: true`, or run one replica with autoscaling off"));
    } else if !matches!(ing.class_name.as_deref(), Some("alb" | "nginx")) {
        err(Diagnostic::error(format!(
            "{why}; sticky sessions are generated only for Ingress classes `alb` and `nginx`, not {}",
            ing.class_name
                .as_deref()
                .map_or("an unset class".to_owned(), |c| format!("`{c}`"))
        ))
        .field("spec.ingress.className")
        .fix(format!(
            "use className `alb`, or configure your controller's cookie affinity in `spec.ingress.annotations` \
             and declare it there with `{AFFINITY_ANNOTATION}: <how>`"
        )));
    }
}

/// Every Redis cache needs an egress rule; a host name cannot narrow it.
fn cache_egress(o: &Orchestrator, facts: &MavericsFacts, err: &mut impl FnMut(Diagnostic)) {
    let np = &o.spec.network_policy;
    if !np.enabled {
        return;
    }
    for (i, c) in np.caches.iter().enumerate() {
        if !facts.caches.iter().any(|f| f.name == c.name && f.kind == "redis") {
            err(
                Diagnostic::error(format!("`{}` is not a Redis cache of spec.config.caches", c.name))
                    .field(format!("spec.networkPolicy.caches[{i}].name"))
                    .fix("use the `name` of a `type: redis` entry of spec.config.caches"),
            );
        }
    }
    for c in facts.caches.iter().filter(|c| c.kind == "redis") {
        let by_ip = !c.addresses.is_empty()
            && c.addresses
                .iter()
                .all(|a| super::maverics::split_address(a).0.parse::<std::net::IpAddr>().is_ok());
        if !by_ip && !np.caches.iter().any(|n| n.name == c.name) {
            err(Diagnostic::warning(format!(
                "Redis cache `{}` is reached by host name, which a NetworkPolicy cannot match: its port is open to any address",
                c.name
            ))
            .field("spec.networkPolicy.caches")
            .fix(format!(
                "add `spec.networkPolicy.caches: [{{name: {}, to: [{{podSelector: {{matchLabels: {{app: redis}}}}}}]}}]` \
                 (or a namespaceSelector, or an ipBlock with the cache's CIDR)",
                c.name
            )));
        }
    }
}

/// Services outside the cluster that the config calls must be reachable through
/// `spec.networkPolicy.egress` (in-cluster ones get rules of their own).
fn endpoint_egress(o: &Orchestrator, facts: &MavericsFacts, err: &mut impl FnMut(Diagnostic)) {
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    let np = &o.spec.network_policy;
    if !np.enabled {
        return;
    }
    let covers = |p: i32| {
        np.egress.iter().any(|rule| match &rule.ports {
            None => true,
            Some(ports) if ports.is_empty() => true,
            Some(ports) => ports.iter().any(|port| match &port.port {
                None | Some(IntOrString::String(_)) => true,
                Some(IntOrString::Int(n)) => *n == p || port.end_port.is_some_and(|end| (*n..=end).contains(&p)),
            }),
        })
    };
    for e in facts.endpoints.iter().filter(|e| e.cluster_namespace().is_none()) {
        if !covers(e.port) {
            err(Diagnostic::warning(format!(
                "`{}` is on port {}, which spec.networkPolicy.egress does not allow: the orchestrator cannot reach it",
                e.url, e.port
            ))
            .field(format!("spec.config.{}", e.field))
            .fix(format!(
                "add `{{ports: [{{port: {}, protocol: TCP}}], to: [{{ipBlock: {{cidr: <its CIDR>}}}}]}}` to spec.networkPolicy.egress",
                e.port
            )));
        }
    }
}

/// In-cluster Services get egress on their pods' port: stated in `upstreamPorts`, or guessed
/// (the Service port) with a warning, since a NetworkPolicy sees the port after the Service's
/// translation.
fn upstream_ports(o: &Orchestrator, facts: &MavericsFacts, err: &mut impl FnMut(Diagnostic)) {
    let np = &o.spec.network_policy;
    if !np.enabled {
        return;
    }
    for e in &facts.endpoints {
        let Some((svc, ns)) = e.cluster_service() else { continue };
        let service = format!("{svc}.{ns}");
        if np.target_port(&service, e.port).is_none() {
            err(Diagnostic::warning(format!(
                "`{}`: the egress rule opens port {} of namespace {ns}, a guess: a NetworkPolicy matches the pod's port after the Service's translation, so a Service that maps {} to another targetPort is blocked",
                e.url, e.port, e.port
            ))
            .field(format!("spec.config.{}", e.field))
            .fix(format!(
                "add `{{service: {service}, port: {}, targetPort: <the pods' port>}}` to spec.networkPolicy.upstreamPorts (`kubectl -n {ns} get svc {svc} -o jsonpath='{{.spec.ports}}'`)",
                e.port
            )));
        }
    }
    for (i, u) in np.upstream_ports.iter().enumerate() {
        let used = facts.endpoints.iter().any(|e| {
            e.cluster_service()
                .is_some_and(|(s, n)| format!("{s}.{n}") == u.service)
                && e.port == i32::from(u.port)
        });
        if !used {
            err(Diagnostic::warning(format!(
                "no URL of spec.config calls `{}` on port {}: this entry changes nothing",
                u.service, u.port
            ))
            .field(format!("spec.networkPolicy.upstreamPorts[{i}]"))
            .fix("write the Service as `<name>.<namespace>` and the port the URL names, or remove the entry"));
        }
    }
}

#[cfg(test)]
mod tests;
