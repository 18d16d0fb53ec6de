//! The EKS NetworkPolicy: the base's policy opened to EKS Pod Identity's agent and the
//! configured CIDRs, in the flavour the cluster enforces (Kubernetes or Calico).

use crate::diag::Diagnostic;
use crate::k8s::kinds::POLICY_TYPES;
use crate::platform::config::{AwsIdentity, Eks, Flavour, POD_IDENTITY_AGENT, POD_IDENTITY_PORT};
use crate::platform::crd::{CalicoPolicy, CalicoRule, CalicoSpec, Entity, Meta};
use crate::platform::found::{name, namespace};
use crate::platform::json::{ensure_map, to_json};
use crate::platform::planner::Planner;
use crate::resources::{GUESSED_TARGET_PORT, WHY_PREFIX};
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;

/// Whether the base's NetworkPolicy opens an in-cluster upstream on a port it could only guess.
fn guessed_target_ports(np: &Json) -> bool {
    np.pointer("/metadata/annotations")
        .and_then(Json::as_object)
        .is_some_and(|a| {
            a.iter()
                .any(|(k, v)| k.starts_with(WHY_PREFIX) && v.as_str().is_some_and(|v| v.contains(GUESSED_TARGET_PORT)))
        })
}

fn ip_blocks(cidrs: &[String]) -> Vec<Json> {
    cidrs.iter().map(|c| json!({"ipBlock": {"cidr": c}})).collect()
}

/// EKS Pod Identity's agent: exactly its two link-local addresses, on its one port.
fn pod_identity_rule() -> Json {
    json!({
        "to": POD_IDENTITY_AGENT.iter().map(|c| json!({"ipBlock": {"cidr": c}})).collect::<Vec<_>>(),
        "ports": [{"port": POD_IDENTITY_PORT, "protocol": "TCP"}],
    })
}

pub(super) fn network_policy(p: &mut Planner, eks: &Eks, identity: AwsIdentity) {
    let Some(i) = p.found.network_policy else { return };
    let (cidrs, at) = eks.network_policy.alb_sources();
    let cidrs = cidrs.to_vec();
    if at.ends_with("vpcCidrs") {
        p.report(
            Diagnostic::warning(
                "`vpcCidrs` is deprecated: under the VPC CNI the VPC CIDR holds every pod, so it admits every pod of the cluster to the HTTP port",
            )
            .field("spec.eks.networkPolicy.vpcCidrs")
            .fix("rename it `albSubnetCidrs` and list only the CIDRs of the ALB's subnets, e.g. `[10.0.0.0/24, 10.0.1.0/24]`"),
        );
    }
    if eks.network_policy.flavour == Flavour::Standard && guessed_target_ports(p.found.object(i)) {
        p.report(
            Diagnostic::warning(
                "the NetworkPolicy allows an in-cluster upstream on its Service port, not a stated pod port; the VPC CNI's network policy agent requires the Service port to equal the container port (named ports must match too), so a Service that maps one port to another is blocked",
            )
            .field("spec.eks.networkPolicy.flavour")
            .fix("in the base, state the pod's port in spec.networkPolicy.upstreamPorts, or give the upstream Service `port` equal to its `targetPort`"),
        );
    }
    let np = p.edit(i);
    if identity == AwsIdentity::PodIdentity
        && let Some(rules) = np.pointer_mut("/spec/egress").and_then(Json::as_array_mut)
    {
        let rule = pod_identity_rule();
        let at = match rules.iter().position(|r| *r == rule) {
            Some(n) => n,
            None => {
                rules.push(rule);
                rules.len() - 1
            }
        };
        if let Some(ann) = ensure_map(np, &["metadata", "annotations"]) {
            ann.insert(
                format!("{WHY_PREFIX}egress-{at}"),
                "EKS Pod Identity (spec.eks.identity): the node's Pod Identity agent at 169.254.170.23 and fd00:ec2::23, port 80, issues the orchestrator's AWS credentials".into(),
            );
        }
    }
    match eks.network_policy.flavour {
        Flavour::Standard => {
            let np = p.edit(i);
            crate::platform::planner::admit_sources(np, &ip_blocks(&cidrs));
            if let Some(ann) = ensure_map(np, &["metadata", "annotations"]) {
                ann.insert(
                    format!("{WHY_PREFIX}ingress-0"),
                    "the ALB (target-type ip) reaches the orchestrator's HTTP port from its ENIs in the subnets of spec.eks.networkPolicy.albSubnetCidrs".into(),
                );
            }
        }
        Flavour::Calico => {
            let np = p.edit(i).clone();
            match calico(&np, &cidrs) {
                Ok(policy) => {
                    p.delete(i);
                    p.put(policy);
                }
                Err(d) => p.report(d),
            }
        }
    }
}

/// The base's NetworkPolicy rewritten as a Calico `projectcalico.org/v3` NetworkPolicy.
fn calico(np: &Json, cidrs: &[String]) -> Result<Json, Diagnostic> {
    let labels = np
        .pointer("/spec/podSelector/matchLabels")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    let selector = selector_expr(&labels)?;
    let mut ingress = Vec::new();
    for rule in np
        .pointer("/spec/ingress")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        if crate::platform::planner::cluster_rule(rule) {
            // Cluster members reach each other; the ALB has no business on these ports.
            let peers: Vec<Entity> = rule
                .get("from")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .map(peer_entity)
                .collect::<Result<_, _>>()?;
            for peer in peers {
                for (protocol, ports) in by_protocol(rule)? {
                    ingress.push(CalicoRule {
                        action: "Allow",
                        protocol,
                        source: Some(peer.clone()),
                        destination: Some(Entity {
                            ports,
                            ..Default::default()
                        }),
                    });
                }
            }
            continue;
        }
        let mut nets: Vec<String> = cidrs.to_vec();
        for peer in rule.get("from").and_then(Json::as_array).into_iter().flatten() {
            match peer.pointer("/ipBlock/cidr").and_then(Json::as_str) {
                Some(c) if !nets.iter().any(|n| n == c) => nets.push(c.to_owned()),
                Some(_) => {}
                None => return Err(by_hand("an ingress source that is not an ipBlock")),
            }
        }
        for (protocol, ports) in by_protocol(rule)? {
            ingress.push(CalicoRule {
                action: "Allow",
                protocol,
                source: Some(Entity {
                    nets: nets.clone(),
                    ..Default::default()
                }),
                destination: Some(Entity {
                    ports,
                    ..Default::default()
                }),
            });
        }
    }
    let mut egress = Vec::new();
    for rule in np
        .pointer("/spec/egress")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let peers: Vec<Entity> = match rule.get("to").and_then(Json::as_array) {
            None => vec![Entity::default()],
            Some(to) => to.iter().map(peer_entity).collect::<Result<_, _>>()?,
        };
        for peer in peers {
            for (protocol, ports) in by_protocol(rule)? {
                egress.push(CalicoRule {
                    action: "Allow",
                    protocol,
                    source: None,
                    destination: Some(Entity { ports, ..peer.clone() }),
                });
            }
        }
    }
    let annotations: BTreeMap<String, String> = BTreeMap::from([(
        "krm.maverics.dev/why".to_owned(),
        "the base's NetworkPolicy for Calico: the ALB's subnets may reach the HTTP port; DNS and the configured egress are allowed; anything else is denied for these pods".to_owned(),
    )]);
    to_json(&CalicoPolicy {
        api_version: crate::k8s::kinds::CALICO_NETWORK_POLICY.api_version,
        kind: crate::k8s::kinds::CALICO_NETWORK_POLICY.kind,
        metadata: Meta {
            name: name(np).to_owned(),
            namespace: namespace(np).map(str::to_owned),
            labels: np.pointer("/metadata/labels").cloned().unwrap_or_else(|| json!({})),
            annotations,
        },
        spec: CalicoSpec {
            selector,
            types: POLICY_TYPES.to_vec(),
            ingress,
            egress,
        },
    })
}

fn by_hand(what: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "the base's NetworkPolicy has {what}, which this tool does not convert to Calico"
    ))
    .field("spec.eks.networkPolicy.flavour")
    .fix("use `flavour: standard`, or write the Calico policy by hand as a plain resource of the overlay")
}

/// A Calico selector equal to `matchLabels`. Values sit inside single quotes in Calico's
/// selector language, so each key and value must be one the API server accepts (no quote, no
/// operator): `x' || all() || '` would otherwise select every pod.
fn selector_expr(labels: &serde_json::Map<String, Json>) -> Result<String, Diagnostic> {
    use crate::k8s::validate::{label_value, qualified_key};
    if labels.is_empty() {
        return Ok("all()".into());
    }
    let mut terms = Vec::with_capacity(labels.len());
    for (k, v) in labels {
        let value = v.as_str().unwrap_or_default();
        let valid = match v {
            Json::String(_) => qualified_key(k).and_then(|()| label_value(value)),
            _ => Err("is not a string".into()),
        };
        if let Err(why) = valid {
            return Err(Diagnostic::error(format!(
                "the NetworkPolicy selects on `{}: {}`, which {why}: it cannot be written into a Calico selector",
                k.escape_debug(),
                v.to_string().escape_debug()
            ))
            .field("spec.eks.networkPolicy.flavour")
            .fix("fix the label in the base (spec.networkPolicy, spec.pod.labels) to a valid Kubernetes label, or use `flavour: standard`"));
        }
        terms.push(format!("{k} == '{value}'"));
    }
    Ok(terms.join(" && "))
}

fn label_selector(sel: &Json) -> Result<String, Diagnostic> {
    if sel.get("matchExpressions").is_some_and(|e| !e.is_null()) {
        return Err(by_hand("a matchExpressions selector"));
    }
    let labels = sel
        .get("matchLabels")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    selector_expr(&labels)
}

fn peer_entity(peer: &Json) -> Result<Entity, Diagnostic> {
    let mut e = Entity::default();
    if let Some(b) = peer.get("ipBlock") {
        e.nets = b
            .get("cidr")
            .and_then(Json::as_str)
            .map(str::to_owned)
            .into_iter()
            .collect();
        e.not_nets = b
            .get("except")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .map(str::to_owned)
            .collect();
    }
    if let Some(s) = peer.get("podSelector") {
        e.selector = Some(label_selector(s)?);
    }
    if let Some(s) = peer.get("namespaceSelector") {
        e.namespace_selector = Some(label_selector(s)?);
    }
    Ok(e)
}

/// A Kubernetes rule's ports grouped by protocol: Calico rules need one protocol each.
/// A protocol (None: any) and its ports.
type PortGroup = (Option<String>, Vec<Json>);

fn by_protocol(rule: &Json) -> Result<Vec<PortGroup>, Diagnostic> {
    let Some(ports) = rule.get("ports").and_then(Json::as_array) else {
        return Ok(vec![(None, Vec::new())]);
    };
    let mut out: Vec<PortGroup> = Vec::new();
    for port in ports {
        let protocol = port.get("protocol").and_then(Json::as_str).unwrap_or("TCP").to_owned();
        let value = match (port.get("port"), port.get("endPort").and_then(Json::as_i64)) {
            (Some(Json::Number(n)), Some(end)) => Json::String(format!("{n}:{end}")),
            (Some(v), None) => v.clone(),
            (None, _) => return Err(by_hand("a port rule without a port")),
            (Some(_), Some(_)) => return Err(by_hand("a named port range")),
        };
        match out.iter_mut().find(|(p, _)| p.as_deref() == Some(protocol.as_str())) {
            Some((_, list)) => list.push(value),
            None => out.push((Some(protocol), vec![value])),
        }
    }
    Ok(out)
}
