//! The Gateway API exposure: an HTTPRoute (`gateway.networking.k8s.io/v1`) from the user's
//! Gateway to the client Service, with cookie session persistence (experimental channel).
//! Typed structs: the CRD is not in k8s-openapi.

use super::Inputs;
use crate::config::gateway::LifetimeType;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

pub type HttpRoute = super::custom::CustomResource<ObjectMeta, Spec>;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    parent_refs: Vec<ParentRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hostnames: Vec<String>,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ParentRef {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    section_name: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    backend_refs: Vec<BackendRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_persistence: Option<SessionPersistence>,
}

#[derive(Serialize)]
struct BackendRef {
    name: String,
    port: u16,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionPersistence {
    session_name: String,
    #[serde(rename = "type")]
    type_: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    absolute_timeout: Option<String>,
    cookie_config: CookieConfig,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CookieConfig {
    lifetime_type: &'static str,
}

pub fn build(inputs: &Inputs) -> Option<HttpRoute> {
    let g = &inputs.config.spec.gateway;
    if !g.enabled {
        return None;
    }
    let sp = &g.session_persistence;
    let session_persistence = sp.enabled.then(|| SessionPersistence {
        session_name: sp.session_name.clone(),
        type_: "Cookie",
        absolute_timeout: sp.absolute_timeout.clone(),
        cookie_config: CookieConfig {
            lifetime_type: match sp.lifetime_type {
                LifetimeType::Session => "Session",
                LifetimeType::Permanent => "Permanent",
            },
        },
    });
    Some(HttpRoute {
        api_version: crate::k8s::kinds::HTTP_ROUTE.api_version,
        kind: crate::k8s::kinds::HTTP_ROUTE.kind,
        metadata: inputs.meta(&inputs.names.base),
        spec: Spec {
            parent_refs: g
                .parent_refs
                .iter()
                .map(|p| ParentRef {
                    name: p.name.clone(),
                    namespace: p.namespace.clone(),
                    section_name: p.section_name.clone(),
                })
                .collect(),
            hostnames: g.hostnames.clone(),
            rules: vec![Rule {
                backend_refs: vec![BackendRef {
                    name: inputs.names.base.clone(),
                    port: inputs.config.spec.port,
                }],
                session_persistence,
            }],
        },
    })
}
