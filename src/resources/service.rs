use super::Ctx;
use crate::config::orchestrator::Termination;
use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

pub const PORT_NAME: &str = "http";

fn port(ctx: &Ctx) -> ServicePort {
    let tls = ctx.o.spec.tls.termination == Termination::Pod;
    ServicePort {
        name: Some(PORT_NAME.into()),
        // The Service port equals the container port: EKS's VPC CNI network policy agent
        // matches policies on the pod port, and one number is easier to reason about.
        port: i32::from(ctx.o.spec.port),
        target_port: Some(IntOrString::String(PORT_NAME.into())),
        protocol: Some("TCP".into()),
        // Read by Gateway API implementations and several ingress controllers to choose
        // the backend protocol.
        app_protocol: Some(if tls { "https" } else { "http" }.into()),
        ..Default::default()
    }
}

/// What clients and the ingress talk to.
pub fn client(ctx: &Ctx) -> Service {
    Service {
        metadata: ctx.meta(&ctx.names.base),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".into()),
            selector: Some(ctx.selector_labels()),
            ports: Some(vec![port(ctx)]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The StatefulSet's governing Service: stable per-pod DNS names.
pub fn headless(ctx: &Ctx) -> Service {
    Service {
        metadata: ctx.meta(&ctx.names.headless),
        spec: Some(ServiceSpec {
            cluster_ip: Some("None".into()),
            selector: Some(ctx.selector_labels()),
            ports: Some(vec![port(ctx)]),
            publish_not_ready_addresses: Some(false),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub const MEMBERSHIP_PORT: u16 = 9450;
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
/// with dots as dashes, so an imported release keeps its cluster identity.
pub fn cluster_name(ctx: &Ctx) -> String {
    let c = &ctx.o.spec.clustering;
    c.name.clone().unwrap_or_else(|| {
        format!(
            "{}-{}-{}",
            ctx.names.base,
            ctx.o.spec.namespace.as_deref().unwrap_or_default(),
            c.cluster_domain
        )
        .replace('.', "-")
    })
}

/// The headless Service whose SRV records the cluster members discover each other through.
pub fn clusters(ctx: &Ctx) -> Option<Service> {
    ctx.o.spec.clustering.enabled.then(|| Service {
        metadata: ctx.meta(&ctx.names.clusters()),
        spec: Some(ServiceSpec {
            cluster_ip: Some("None".into()),
            selector: Some(ctx.selector_labels()),
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
