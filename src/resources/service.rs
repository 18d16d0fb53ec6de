//! The Services: the client Service, the headless Service that gives each pod a DNS name,
//! and experimental clustering's Service with its ports and names.

use super::Inputs;
use crate::config::names::CLUSTERS_SUFFIX;
use crate::config::orchestrator::Termination;
use crate::config::workload::{POD_NAMESPACE_ENV, POD_SERVICE_ACCOUNT_ENV};
use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// The name of the orchestrator's HTTP port on the Services and the container.
pub const PORT_NAME: &str = "http";

fn port(inputs: &Inputs) -> ServicePort {
    let tls = inputs.config.spec.tls.termination == Termination::Pod;
    ServicePort {
        name: Some(PORT_NAME.into()),
        // The Service port equals the container port: EKS's VPC CNI network policy agent
        // matches policies on the pod port, and one number is easier to reason about.
        port: i32::from(inputs.config.spec.port),
        target_port: Some(IntOrString::String(PORT_NAME.into())),
        protocol: Some("TCP".into()),
        // Read by Gateway API implementations and several ingress controllers to choose
        // the backend protocol.
        app_protocol: Some(if tls { "https" } else { "http" }.into()),
        ..Default::default()
    }
}

/// What clients and the ingress talk to.
pub fn client(inputs: &Inputs) -> Service {
    Service {
        metadata: inputs.meta(&inputs.names.base),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".into()),
            selector: Some(inputs.selector_labels()),
            ports: Some(vec![port(inputs)]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The StatefulSet's governing Service: stable per-pod DNS names.
pub fn headless(inputs: &Inputs) -> Service {
    Service {
        metadata: inputs.meta(&inputs.names.headless),
        spec: Some(ServiceSpec {
            cluster_ip: Some("None".into()),
            selector: Some(inputs.selector_labels()),
            ports: Some(vec![port(inputs)]),
            publish_not_ready_addresses: Some(false),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Experimental clustering's gossip membership port, TCP and UDP.
pub const MEMBERSHIP_PORT: u16 = 9450;
/// Experimental clustering's replication port, TCP.
pub const DATA_PORT: u16 = 9451;

/// Experimental clustering's channels, named as in Strata's chart: gossip membership over
/// TCP and UDP, replication over TCP.
pub fn cluster_ports() -> [(&'static str, u16, &'static str); 3] {
    [
        ("membership-tcp", MEMBERSHIP_PORT, "TCP"),
        ("membership-udp", MEMBERSHIP_PORT, "UDP"),
        ("data", DATA_PORT, "TCP"),
    ]
}

/// The cluster's name: as configured, else the chart's `<name>-<namespace>-<clusterDomain>`
/// with dots as dashes, so an imported release keeps its cluster identity. The namespace is
/// the pod's own, `$(POD_NAMESPACE)`, so an overlay's `namespace:` cannot leave it stale.
pub fn cluster_name(inputs: &Inputs) -> String {
    let c = &inputs.config.spec.clustering;
    c.name.clone().unwrap_or_else(|| {
        format!(
            "{}-$({POD_NAMESPACE_ENV})-{}",
            inputs.names.base,
            c.cluster_domain.replace('.', "-")
        )
    })
}

/// The SRV record of the `-clusters` Service, from the pod's own namespace and ServiceAccount.
/// The ServiceAccount is named like the base (`<name>`), and kustomize's `namePrefix` renames
/// it and the Service alike, so `$(POD_SERVICE_ACCOUNT)-clusters` follows a prefix where a
/// literal name would not; `check` verifies the record against the final stream.
pub fn membership_srv_record(inputs: &Inputs) -> String {
    format!(
        "_membership-udp._udp.$({POD_SERVICE_ACCOUNT_ENV}){CLUSTERS_SUFFIX}.$({POD_NAMESPACE_ENV}).svc.{}.",
        inputs.config.spec.clustering.cluster_domain
    )
}

/// The headless Service whose SRV records the cluster members discover each other through.
/// It publishes members that are not Ready: the gossip protocol detects failed members with
/// its own heartbeats (Strata, "Clusters"), and a starting member must be found by its peers to
/// join and receive the replicated sessions and cache before it can pass its readiness probe.
/// Readiness gates client traffic, on the client Service. Kubernetes documents this field for
/// exactly this: a StatefulSet's headless Service propagating SRV records for peer discovery.
pub fn clusters(inputs: &Inputs) -> Option<Service> {
    inputs.config.spec.clustering.enabled.then(|| Service {
        metadata: inputs.meta(&inputs.names.clusters()),
        spec: Some(ServiceSpec {
            cluster_ip: Some("None".into()),
            publish_not_ready_addresses: Some(true),
            selector: Some(inputs.selector_labels()),
            ports: Some(
                cluster_ports()
                    .into_iter()
                    .map(|(name, n, protocol)| ServicePort {
                        name: Some(name.into()),
                        port: i32::from(n),
                        target_port: Some(IntOrString::Int(i32::from(n))),
                        protocol: Some(protocol.into()),
                        ..Default::default()
                    })
                    .collect(),
            ),
            ..Default::default()
        }),
        ..Default::default()
    })
}
