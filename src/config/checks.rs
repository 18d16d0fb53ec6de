//! Rules on an `Orchestrator` config that types alone cannot express. Each finding names
//! the field and the fix; errors stop generation, warnings ride along with the output.

use super::maverics::MavericsFacts;
use super::orchestrator::{Orchestrator, Termination};
use super::quantity::Quantity;
use crate::diag::Diagnostic;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// StatefulSet pods carry `controller-revision-hash: <name>-<10 chars>`, a label value of at
/// most 63 characters, so the name itself must stay within 52.
pub const MAX_NAME_LEN: usize = 52;

pub fn check(o: &Orchestrator) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let spec = &o.spec;
    let mut err = |d: Diagnostic| out.push(o.locate(d));

    if let Err(why) = dns_label(&o.metadata.name, MAX_NAME_LEN) {
        err(Diagnostic::error(format!("name `{}` {why}", o.metadata.name))
            .field("metadata.name")
            .fix("use lower-case letters, digits and '-', starting with a letter, e.g. `maverics`"));
    }
    if let Some(ns) = &spec.namespace {
        if let Err(why) = dns_label(ns, 63) {
            err(Diagnostic::error(format!("namespace `{ns}` {why}"))
                .field("spec.namespace")
                .fix("use a valid namespace name, e.g. `maverics`"));
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
    if let Some(d) = &image.digest {
        // OCI digests are lower-case hex; registries refuse upper case.
        let ok = d
            .strip_prefix("sha256:")
            .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        if !ok {
            err(Diagnostic::error(format!("`{d}` is not an image digest"))
                .field("spec.image.digest")
                .fix("write `sha256:` followed by 64 lower-case hexadecimal characters"));
        }
    }

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
        if let Err(why) = dns_label(&secrets.store_ref.name, 253) {
            err(
                Diagnostic::error(format!("store name `{}` {why}", secrets.store_ref.name))
                    .field("spec.secrets.storeRef.name")
                    .fix("name the SecretStore or ClusterSecretStore that holds the orchestrator's secrets"),
            );
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

    // The orchestrator's own config
    if !spec.config.is_mapping() {
        err(Diagnostic::error("spec.config is not a mapping")
            .field("spec.config")
            .fix(
                "write the orchestrator's maverics.yaml under `spec.config` as YAML, e.g. `config: {version: 0.0.1}`",
            ));
    } else {
        let facts = MavericsFacts::read(&spec.config);
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
    out.extend(super::workload::check(o));
    out
}

/// RFC 1123 label: lower-case alphanumerics and '-', alphanumeric at both ends.
fn dns_label(s: &str, max: usize) -> Result<(), String> {
    if s.is_empty() {
        return Err("is empty".into());
    }
    if s.len() > max {
        return Err(format!("is {} characters long, more than {max}", s.len()));
    }
    let ok_chars = s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    let ends = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !ok_chars || !ends(s.bytes().next()) || !ends(s.bytes().last()) || (max < 253 && s.contains('.')) {
        return Err("is not a valid DNS-1123 name".into());
    }
    Ok(())
}
