//! Typed custom resources the platform layer adds: OpenShift Route, ESO SecretStore, Calico
//! NetworkPolicy. Only the fields we emit, named as the CRDs name them (tests check them
//! against the strict CRD schemas).

use serde::Serialize;
use serde_json::Value as Json;

/// `metadata` of an added object: name, namespace, labels, annotations.
#[derive(Serialize, Clone)]
pub struct Meta {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub labels: Json,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub annotations: std::collections::BTreeMap<String, String>,
}

// --- route.openshift.io/v1 Route

pub type Route = crate::resources::custom::CustomResource<Meta, RouteSpec>;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteSpec {
    pub host: String,
    pub path: String,
    pub to: RouteTarget,
    pub port: RoutePort,
    pub tls: RouteTls,
    pub wildcard_policy: &'static str,
}

#[derive(Serialize)]
pub struct RouteTarget {
    pub kind: &'static str,
    pub name: String,
    pub weight: i32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutePort {
    pub target_port: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteTls {
    pub termination: &'static str,
    pub insecure_edge_termination_policy: &'static str,
}

// --- external-secrets.io/v1 SecretStore (AWS Secrets Manager, JWT auth)

pub type SecretStore = crate::resources::custom::CustomResource<Meta, SecretStoreSpec>;

#[derive(Serialize)]
pub struct SecretStoreSpec {
    pub provider: Provider,
}

#[derive(Serialize)]
pub struct Provider {
    pub aws: AwsProvider,
}

#[derive(Serialize)]
pub struct AwsProvider {
    pub service: &'static str,
    pub region: String,
    pub auth: AwsAuth,
}

#[derive(Serialize)]
pub struct AwsAuth {
    pub jwt: Jwt,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Jwt {
    pub service_account_ref: ServiceAccountRef,
}

#[derive(Serialize)]
pub struct ServiceAccountRef {
    pub name: String,
}

// --- projectcalico.org/v3 NetworkPolicy

pub type CalicoPolicy = crate::resources::custom::CustomResource<Meta, CalicoSpec>;

#[derive(Serialize)]
pub struct CalicoSpec {
    pub selector: String,
    pub types: Vec<&'static str>,
    pub ingress: Vec<CalicoRule>,
    pub egress: Vec<CalicoRule>,
}

#[derive(Serialize, Default)]
pub struct CalicoRule {
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Entity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<Entity>,
}

#[derive(Serialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Entity {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nets: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_nets: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Json>,
}
