//! `spec.networkPolicy`: the ingress and egress the orchestrator's NetworkPolicy opens.

use super::k8s_schemas;
use k8s_openapi::api::networking::v1::{NetworkPolicyEgressRule, NetworkPolicyPeer};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The NetworkPolicy around the orchestrator: it admits the HTTP port only, and allows the egress
/// the orchestrator needs.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct NetworkPolicy {
    /// Emit a NetworkPolicy that admits the HTTP port only and the egress below.
    pub enabled: bool,
    /// Who may reach the HTTP port; empty admits any source (the port stays the only opening).
    #[schemars(with = "Vec<k8s_schemas::NetworkPolicyPeer>")]
    pub ingress_from: Vec<NetworkPolicyPeer>,
    /// Egress beyond DNS and the caches, which get rules of their own: identity providers, upstream
    /// apps, the OTLP collector. The default, HTTPS (443/TCP) to anywhere, is the trade-off for
    /// addresses that are not fixed; narrow it to their CIDRs.
    #[schemars(with = "Vec<k8s_schemas::NetworkPolicyEgressRule>")]
    pub egress: Vec<NetworkPolicyEgressRule>,
    /// Where each Redis cache of `spec.config.caches` lives. A NetworkPolicy cannot match host
    /// names, so the cache's address alone cannot narrow the rule: a cache given by host name only
    /// opens its port to any address and gives a warning.
    pub caches: Vec<CacheEgress>,
    /// The pod port behind each in-cluster Service that `spec.config` calls
    /// (`http://web.apps.svc:80`). A NetworkPolicy matches the destination pod's port, after the
    /// Service has translated its port to the `targetPort` (policies are evaluated after DNAT:
    /// Kubernetes NetworkPolicy reference; OVN-Kubernetes and Calico do so). Without an entry the
    /// rule can only guess that the pod listens on the Service port, and gives a warning.
    pub upstream_ports: Vec<UpstreamPort>,
    /// Where the orchestrator's DNS queries go.
    pub dns: DnsEgress,
}

/// DNS egress: CoreDNS (`k8s-app: kube-dns`) in the namespace named `kube-system` by its
/// `kubernetes.io/metadata.name` label, on 53 UDP and TCP. The OpenShift platform layer
/// replaces it with `openshift-dns` on 5353.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct DnsEgress {
    /// The cluster runs NodeLocal DNSCache: also allow its link-local address `169.254.20.10/32`
    /// (a DaemonSet on the host network, which no pod selector matches;
    /// https://kubernetes.io/docs/tasks/administer-cluster/nodelocaldns/). On by default on GKE
    /// Autopilot.
    pub node_local_cache: bool,
}

/// The pod port an in-cluster Service sends one of its ports to.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpstreamPort {
    /// The Service as `<name>.<namespace>`, as in the URL `http://<name>.<namespace>.svc:<port>`.
    pub service: String,
    /// The Service port the URL names (80 for `http://` and 443 for `https://` without a port).
    pub port: u16,
    /// The Service's `targetPort` for that port: the port the upstream's pods listen on, which
    /// the egress rule opens.
    pub target_port: u16,
}

/// Where one Redis cache of `spec.config.caches` lives: the peers its egress rule opens the
/// cache's ports to.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CacheEgress {
    /// The `name` of an entry in `spec.config.caches`.
    pub name: String,
    /// The cache's pods, namespace or CIDR.
    #[schemars(with = "Vec<k8s_schemas::NetworkPolicyPeer>")]
    pub to: Vec<NetworkPolicyPeer>,
}

impl Default for NetworkPolicy {
    fn default() -> Self {
        use k8s_openapi::api::networking::v1::NetworkPolicyPort;
        NetworkPolicy {
            enabled: true,
            ingress_from: Vec::new(),
            egress: vec![NetworkPolicyEgressRule {
                ports: Some(vec![NetworkPolicyPort {
                    port: Some(IntOrString::Int(443)),
                    protocol: Some("TCP".into()),
                    ..Default::default()
                }]),
                to: None,
            }],
            caches: Vec::new(),
            upstream_ports: Vec::new(),
            dns: DnsEgress::default(),
        }
    }
}

impl NetworkPolicy {
    /// The pod port behind in-cluster Service `service` (`<name>.<namespace>`) port `port`, when
    /// the config states it.
    pub fn target_port(&self, service: &str, port: i32) -> Option<u16> {
        self.upstream_ports
            .iter()
            .find(|u| u.service == service && i32::from(u.port) == port)
            .map(|u| u.target_port)
    }
}
