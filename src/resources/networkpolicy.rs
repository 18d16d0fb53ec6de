//! Deny by default for the orchestrator pods, then open only what the orchestrator uses.
//! A NetworkPolicy rule has no room for a comment, so the reason for each rule is written
//! in an annotation named after the rule's position.

use super::Ctx;
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

pub const WHY_PREFIX: &str = "krm.maverics.dev/why-";

fn port(n: i32, protocol: &str) -> NetworkPolicyPort {
    NetworkPolicyPort {
        port: Some(IntOrString::Int(n)),
        protocol: Some(protocol.into()),
        end_port: None,
    }
}

/// Cluster DNS, wherever it runs: pods labelled `k8s-app: kube-dns` in any namespace (the
/// label CoreDNS keeps on EKS, GKE, AKS and kubeadm clusters).
fn dns() -> NetworkPolicyEgressRule {
    NetworkPolicyEgressRule {
        to: Some(vec![NetworkPolicyPeer {
            namespace_selector: Some(LabelSelector::default()),
            pod_selector: Some(LabelSelector {
                match_labels: Some(BTreeMap::from([("k8s-app".into(), "kube-dns".into())])),
                match_expressions: None,
            }),
            ip_block: None,
        }]),
        ports: Some(vec![port(53, "UDP"), port(53, "TCP")]),
    }
}

pub fn build(ctx: &Ctx) -> Option<NetworkPolicy> {
    let cfg = &ctx.o.spec.network_policy;
    if !cfg.enabled {
        return None;
    }
    let mut why = BTreeMap::new();
    let ingress = vec![NetworkPolicyIngressRule {
        from: (!cfg.ingress_from.is_empty()).then(|| cfg.ingress_from.clone()),
        ports: Some(vec![port(i32::from(ctx.o.spec.port), "TCP")]),
    }];
    why.insert(
        format!("{WHY_PREFIX}ingress-0"),
        if cfg.ingress_from.is_empty() {
            "clients reach the orchestrator's HTTP port from any source; set spec.networkPolicy.ingressFrom to narrow it"
        } else {
            "clients reach the orchestrator's HTTP port from the sources in spec.networkPolicy.ingressFrom"
        }
        .to_owned(),
    );
    let mut egress = vec![dns()];
    why.insert(
        format!("{WHY_PREFIX}egress-0"),
        "DNS: the orchestrator resolves identity providers, upstream apps and caches by name".into(),
    );
    for rule in &cfg.egress {
        why.insert(
            format!("{WHY_PREFIX}egress-{}", egress.len()),
            "from spec.networkPolicy.egress: identity providers, upstream apps, caches and telemetry the orchestrator calls".into(),
        );
        egress.push(rule.clone());
    }
    let mut ingress = ingress;
    if ctx.o.spec.clustering.enabled {
        // Experimental clustering: members gossip and replicate among themselves only.
        let members = || {
            Some(vec![NetworkPolicyPeer {
                pod_selector: Some(ctx.selector()),
                ..Default::default()
            }])
        };
        let ports = || {
            Some(
                super::service::cluster_ports()
                    .into_iter()
                    .map(|(_, n, proto)| port(i32::from(n), proto))
                    .collect(),
            )
        };
        let reason =
            "experimental clustering: members reach each other's membership (9450 TCP/UDP) and data (9451 TCP) ports";
        why.insert(format!("{WHY_PREFIX}ingress-{}", ingress.len()), reason.into());
        ingress.push(NetworkPolicyIngressRule {
            from: members(),
            ports: ports(),
        });
        why.insert(format!("{WHY_PREFIX}egress-{}", egress.len()), reason.into());
        egress.push(NetworkPolicyEgressRule {
            to: members(),
            ports: ports(),
        });
    }
    let mut metadata = ctx.meta(&ctx.names.base);
    metadata.annotations = Some(why);
    Some(NetworkPolicy {
        metadata,
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(ctx.selector()),
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            ingress: Some(ingress),
            egress: Some(egress),
        }),
    })
}
