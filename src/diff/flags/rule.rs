//! What a flag is ([`Rule`], [`Flag`]) and the small readers of values every rule uses.

use serde::Serialize;
use serde_yaml::Value;

/// The kinds of flagged change, each named in the output by [`Rule::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// A NetworkPolicy removed, or a rule that lets more traffic through.
    NetworkPolicy,
    /// A pod or container security setting weakened.
    SecurityContext,
    /// Replicas or autoscaling bounds changed.
    Scaling,
    /// A container image changed.
    Image,
    /// An ExternalSecret reads from another store, or a store authenticates as someone else.
    SecretStore,
    /// A Service exposed through a cloud load balancer.
    LoadBalancer,
    /// A field the API server refuses to update: the object must be deleted and re-created.
    ImmutableField,
    /// The orchestrator reachable from more places: a public load balancer, a new host,
    /// listener or parent Gateway, weaker TLS.
    Exposure,
    /// Session affinity removed or changed: users may be sent to a pod without their session.
    StickySessions,
    /// Replicas and a PodDisruptionBudget that block every eviction or protect nothing.
    DisruptionBudget,
}

impl Rule {
    /// The rule's name in every format, e.g. `network-policy`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::NetworkPolicy => "network-policy",
            Rule::SecurityContext => "security-context",
            Rule::Scaling => "scaling",
            Rule::Image => "image",
            Rule::SecretStore => "secret-store",
            Rule::LoadBalancer => "load-balancer",
            Rule::ImmutableField => "immutable-field",
            Rule::Exposure => "exposure",
            Rule::StickySessions => "sticky-sessions",
            Rule::DisruptionBudget => "disruption-budget",
        }
    }
}

/// One change a reviewer must not miss.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// What kind of change it is.
    pub rule: Rule,
    /// What changed and why it matters, as one sentence.
    pub message: String,
}

pub(super) fn flag(rule: Rule, message: impl Into<String>) -> Flag {
    Flag {
        rule,
        message: message.into(),
    }
}

pub(super) fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, k| cur.get(*k))
}

/// A value for a message: scalars as they are, structures as flow YAML, `absent` for none.
pub(super) fn show(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "absent".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => serde_json::to_string(other).unwrap_or_default(),
    }
}

pub(super) fn seq(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_sequence).map(Vec::as_slice).unwrap_or_default()
}
