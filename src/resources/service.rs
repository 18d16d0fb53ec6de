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
