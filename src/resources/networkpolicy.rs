//! Deny by default for the orchestrator pods, then open only what the orchestrator uses.
//! A NetworkPolicy rule has no room for a comment, so the reason for each rule is written
//! in an annotation named after the rule's position.

use super::Inputs;
use crate::config::maverics::split_address;
use crate::k8s::kinds::POLICY_TYPES;
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

/// The prefix of the NetworkPolicy annotations that say why each rule is there:
/// `<prefix>ingress-<n>` and `<prefix>egress-<n>`, one per rule of that list.
pub const WHY_PREFIX: &str = "krm.maverics.dev/why-";

fn port(n: i32, protocol: &str) -> NetworkPolicyPort {
    NetworkPolicyPort {
        port: Some(IntOrString::Int(n)),
        protocol: Some(protocol.into()),
        end_port: None,
    }
}

/// The namespace CoreDNS runs in on the base and on EKS (as on GKE, AKS and kubeadm).
/// Platform layers with DNS elsewhere (OpenShift's `openshift-dns`) replace the rule.
pub const DNS_NAMESPACE: &str = "kube-system";
/// NodeLocal DNSCache's link-local listen address (Kubernetes task "Using NodeLocal DNSCache
/// in Kubernetes Clusters"; GKE uses the same address).
pub const NODE_LOCAL_DNS: &str = "169.254.20.10/32";

/// Cluster DNS: the CoreDNS pods (`k8s-app: kube-dns`) of `kube-system` only, picked by the
/// namespace's immutable `kubernetes.io/metadata.name` label so no other namespace can run a
/// pod that receives the orchestrator's queries. With NodeLocal DNSCache the cache answers on
/// the host network at a link-local address that no pod selector matches, so it gets an
/// `ipBlock` of its own.
fn dns(inputs: &Inputs) -> NetworkPolicyEgressRule {
    let mut to = vec![NetworkPolicyPeer {
        namespace_selector: Some(LabelSelector {
            match_labels: Some(BTreeMap::from([(
                "kubernetes.io/metadata.name".into(),
                DNS_NAMESPACE.into(),
            )])),
            match_expressions: None,
        }),
        pod_selector: Some(LabelSelector {
            match_labels: Some(BTreeMap::from([("k8s-app".into(), "kube-dns".into())])),
            match_expressions: None,
        }),
        ip_block: None,
    }];
    if inputs.config.spec.network_policy.dns.node_local_cache {
        to.push(NetworkPolicyPeer {
            ip_block: Some(IPBlock {
                cidr: NODE_LOCAL_DNS.into(),
                except: None,
            }),
            ..Default::default()
        });
    }
    NetworkPolicyEgressRule {
        to: Some(to),
        ports: Some(vec![port(53, "UDP"), port(53, "TCP")]),
    }
}

/// One egress rule per Redis cache of `spec.config.caches`: to the peers given in
/// `spec.networkPolicy.caches`, else to the cache's IP addresses, else (a host name, which
/// a NetworkPolicy cannot match) to its port anywhere; `config::checks` warns about that.
fn cache_rules(inputs: &Inputs) -> Vec<(NetworkPolicyEgressRule, String)> {
    let cfg = &inputs.config.spec.network_policy;
    let mut out = Vec::new();
    for cache in inputs.facts.caches.iter().filter(|c| c.kind == "redis") {
        let mut ports: Vec<i32> = cache.addresses.iter().map(|a| split_address(a).1).collect();
        if ports.is_empty() {
            ports.push(6379);
        }
        ports.sort_unstable();
        ports.dedup();
        let given = cfg.caches.iter().find(|c| c.name == cache.name);
        let ips: Option<Vec<NetworkPolicyPeer>> = cache
            .addresses
            .iter()
            .map(|a| {
                let host = split_address(a).0;
                host.parse::<std::net::IpAddr>().ok().map(|ip| NetworkPolicyPeer {
                    ip_block: Some(IPBlock {
                        cidr: if ip.is_ipv4() {
                            format!("{ip}/32")
                        } else {
                            format!("{ip}/128")
                        },
                        except: None,
                    }),
                    ..Default::default()
                })
            })
            .collect();
        let (to, whence) = match (given, ips) {
            (Some(g), _) => (Some(g.to.clone()), "the peers in spec.networkPolicy.caches"),
            (None, Some(ips)) if !ips.is_empty() => (Some(ips), "its IP addresses"),
            _ => (
                None,
                "anywhere, because a NetworkPolicy cannot match its host name (set spec.networkPolicy.caches to narrow it)",
            ),
        };
        out.push((
            NetworkPolicyEgressRule {
                to,
                ports: Some(ports.into_iter().map(|p| port(p, "TCP")).collect()),
            },
            format!(
                "Redis cache `{}` of spec.config.caches, shared state of all replicas: its port, to {whence}",
                cache.name
            ),
        ));
    }
    out
}

/// Marks the reason of an in-cluster rule whose port is a guess; the EKS layer looks for it.
pub const GUESSED_TARGET_PORT: &str = "target port not stated, guessed equal to the Service port";

/// Services of this cluster that `spec.config` calls (`http://svc.ns.svc.cluster.local:8080`):
/// one rule per namespace, to that namespace's pods on the pods' ports. A policy sees the
/// destination after the Service's DNAT, so the port is the Service's `targetPort` from
/// `spec.networkPolicy.upstreamPorts`; without it, the Service port is the only guess
/// (`config::checks` warns). Their addresses are known, so they need no rule "anywhere".
fn in_cluster_rules(inputs: &Inputs) -> Vec<(NetworkPolicyEgressRule, String)> {
    let np = &inputs.config.spec.network_policy;
    let mut by_ns: BTreeMap<&str, (Vec<i32>, Vec<&str>, bool)> = BTreeMap::new();
    for e in &inputs.facts.endpoints {
        if let Some((svc, ns)) = e.cluster_service() {
            let entry = by_ns.entry(ns).or_default();
            match np.target_port(&format!("{svc}.{ns}"), e.port) {
                Some(p) => entry.0.push(i32::from(p)),
                None => {
                    entry.0.push(e.port);
                    entry.2 = true;
                }
            }
            entry.1.push(&e.field);
        }
    }
    by_ns
        .into_iter()
        .map(|(ns, (mut ports, fields, guessed))| {
            ports.sort_unstable();
            ports.dedup();
            let rule = NetworkPolicyEgressRule {
                to: Some(vec![NetworkPolicyPeer {
                    namespace_selector: Some(LabelSelector {
                        match_labels: Some(BTreeMap::from([(
                            "kubernetes.io/metadata.name".to_owned(),
                            ns.to_owned(),
                        )])),
                        match_expressions: None,
                    }),
                    ..Default::default()
                }]),
                ports: Some(ports.into_iter().map(|p| port(p, "TCP")).collect()),
            };
            let reason = format!(
                "in-cluster services spec.config calls ({}): namespace {ns}, on their pods' ports only{}",
                fields.join(", "),
                if guessed {
                    format!(" ({GUESSED_TARGET_PORT}: set spec.networkPolicy.upstreamPorts)")
                } else {
                    String::new()
                }
            );
            (rule, reason)
        })
        .collect()
}

pub fn build(inputs: &Inputs) -> Option<NetworkPolicy> {
    let cfg = &inputs.config.spec.network_policy;
    if !cfg.enabled {
        return None;
    }
    let mut why = BTreeMap::new();
    let ingress = vec![NetworkPolicyIngressRule {
        from: (!cfg.ingress_from.is_empty()).then(|| cfg.ingress_from.clone()),
        ports: Some(vec![port(i32::from(inputs.config.spec.port), "TCP")]),
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
    let mut egress = vec![dns(inputs)];
    why.insert(
        format!("{WHY_PREFIX}egress-0"),
        if cfg.dns.node_local_cache {
            "DNS: the orchestrator resolves identity providers, upstream apps and caches by name, through CoreDNS in \
             kube-system and NodeLocal DNSCache (169.254.20.10 on the host network)"
        } else {
            "DNS: the orchestrator resolves identity providers, upstream apps and caches by name, through CoreDNS in \
             kube-system"
        }
        .into(),
    );
    for (rule, reason) in cache_rules(inputs) {
        why.insert(format!("{WHY_PREFIX}egress-{}", egress.len()), reason);
        egress.push(rule);
    }
    for (rule, reason) in in_cluster_rules(inputs) {
        why.insert(format!("{WHY_PREFIX}egress-{}", egress.len()), reason);
        egress.push(rule);
    }
    for rule in &cfg.egress {
        let reason = if rule.to.as_ref().is_none_or(Vec::is_empty) {
            "from spec.networkPolicy.egress: identity providers, upstream apps and the OTLP collector, to any address \
             (they have no fixed addresses; list their CIDRs under `to` to narrow it)"
        } else {
            "from spec.networkPolicy.egress: identity providers, upstream apps and the OTLP collector, at the addresses given"
        };
        why.insert(format!("{WHY_PREFIX}egress-{}", egress.len()), reason.into());
        egress.push(rule.clone());
    }
    let mut ingress = ingress;
    if inputs.config.spec.clustering.enabled {
        // Experimental clustering: members gossip and replicate among themselves only.
        let members = || {
            Some(vec![NetworkPolicyPeer {
                pod_selector: Some(inputs.selector()),
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
    let mut metadata = inputs.meta(&inputs.names.base);
    metadata.annotations = Some(why);
    Some(NetworkPolicy {
        metadata,
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(inputs.selector()),
            policy_types: Some(POLICY_TYPES.map(str::to_owned).to_vec()),
            ingress: Some(ingress),
            egress: Some(egress),
        }),
    })
}
