//! `spec.gateway`: exposure through the Gateway API, an HTTPRoute attached to the user's
//! Gateway. Session persistence (GEP-1619) is in the experimental channel only
//! (gateway-api v1.1 to v1.6), so the route needs a Gateway implementation that supports it.

use super::maverics::MavericsFacts;
use crate::diag::Diagnostic;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A Gateway API HTTPRoute to your Gateway, with cookie session persistence (experimental
/// channel); off by default.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Gateway {
    /// Emit an HTTPRoute (`gateway.networking.k8s.io/v1`) from your Gateway to the client Service.
    pub enabled: bool,
    /// The Gateways (and listeners) the route attaches to; at least one.
    pub parent_refs: Vec<ParentRef>,
    /// Host names the route answers; none: every host of the listener.
    pub hostnames: Vec<String>,
    /// Cookie session persistence, which a scaled orchestrator in proxy mode needs.
    pub session_persistence: SessionPersistence,
}

/// A Gateway the route attaches to.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ParentRef {
    /// The Gateway's name.
    pub name: String,
    /// The Gateway's namespace; unset: the route's own.
    #[serde(default)]
    pub namespace: Option<String>,
    /// A listener of that Gateway.
    #[serde(default)]
    pub section_name: Option<String>,
}

/// The gateway's own affinity cookie. It must not be the orchestrator's session cookie: the
/// gateway would overwrite it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct SessionPersistence {
    /// Cookie session persistence on the route's rule (GEP-1619, in Gateway API's experimental
    /// channel: the Gateway implementation must support it). Off with a scaled orchestrator in
    /// proxy mode is an error.
    pub enabled: bool,
    /// The gateway's cookie name; the orchestrator's session cookie is refused.
    pub session_name: String,
    /// Lifetime of the persistent session, a Gateway API duration such as `8h`.
    pub absolute_timeout: Option<String>,
    /// `Session` (the cookie ends with the browser session) or `Permanent` (needs `absoluteTimeout`).
    pub lifetime_type: LifetimeType,
}

impl Default for SessionPersistence {
    fn default() -> Self {
        SessionPersistence {
            enabled: true,
            session_name: "MAVERICS_GW".into(),
            absolute_timeout: None,
            lifetime_type: LifetimeType::Session,
        }
    }
}

/// How long the gateway's session cookie lives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum LifetimeType {
    /// The cookie ends with the browser session.
    #[default]
    Session,
    /// The cookie lives for `absoluteTimeout`, which must then be set.
    Permanent,
}

/// Gateway API durations: 1 to 4 groups of up to five digits and a unit.
fn valid_duration(d: &str) -> bool {
    let mut groups = 0;
    let mut rest = d;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=5).contains(&digits) {
            return false;
        }
        rest = &rest[digits..];
        let unit = ["ms", "h", "m", "s"].into_iter().find(|u| rest.starts_with(u));
        let Some(unit) = unit else { return false };
        rest = &rest[unit.len()..];
        groups += 1;
    }
    (1..=4).contains(&groups)
}

/// The rules on `spec.gateway`; `max_replicas` is the orchestrator's largest replica count.
pub fn check_gateway(g: &Gateway, max_replicas: u32, facts: &MavericsFacts) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !g.enabled {
        return out;
    }
    let sp = &g.session_persistence;
    if g.parent_refs.is_empty() {
        out.push(
            Diagnostic::error("the HTTPRoute attaches to no Gateway")
                .field("spec.gateway.parentRefs")
                .fix("name your Gateway: `parentRefs: [{name: public-gateway, namespace: gateway-system}]`"),
        );
    }
    if sp.enabled && sp.session_name == facts.session_cookie {
        out.push(
            Diagnostic::error(format!(
                "the gateway's cookie `{}` is the orchestrator's session cookie: the gateway would overwrite it",
                sp.session_name
            ))
            .field("spec.gateway.sessionPersistence.sessionName")
            .fix("give the gateway a cookie of its own, e.g. `MAVERICS_GW`"),
        );
    }
    if let Some(t) = &sp.absolute_timeout
        && !valid_duration(t)
    {
        out.push(
            Diagnostic::error(format!("`{t}` is not a Gateway API duration"))
                .field("spec.gateway.sessionPersistence.absoluteTimeout")
                .fix("write up to four groups of digits and a unit (h, m, s, ms), e.g. `8h` or `1h30m`"),
        );
    }
    if sp.enabled && sp.lifetime_type == LifetimeType::Permanent && sp.absolute_timeout.is_none() {
        out.push(
            Diagnostic::error("a Permanent session cookie needs a lifetime")
                .field("spec.gateway.sessionPersistence.absoluteTimeout")
                .fix("set `absoluteTimeout`, e.g. `8h`, or use `lifetimeType: Session`"),
        );
    }
    if !sp.enabled && max_replicas > 1 && facts.proxy_mode {
        out.push(
            Diagnostic::error(format!(
                "the orchestrator runs up to {} replicas in proxy mode and keeps each session in one pod, \
                 but the HTTPRoute has no session persistence",
                max_replicas
            ))
            .field("spec.gateway.sessionPersistence.enabled")
            .fix("set `spec.gateway.sessionPersistence.enabled: true`, or run one replica with autoscaling off"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::valid_duration;
    use crate::config::{Orchestrator, checks};

    /// The check findings' field paths for a scaled proxy with `gateway` as `spec.gateway`.
    fn findings(gateway: &str) -> Vec<String> {
        let doc = format!(
            "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {{name: m}}\nspec:\n  namespace: m\n  \
             config: {{version: 0.0.1, apps: [{{name: a, type: proxy, upstream: 'https://a.example.com'}}]}}\n  gateway: {gateway}\n"
        );
        let o = Orchestrator::from_value(&serde_yaml::from_str(&doc).unwrap(), None).unwrap();
        checks::check_orchestrator(&o)
            .into_iter()
            .filter(|d| d.is_error())
            .filter_map(|d| d.field)
            .collect()
    }

    #[test]
    fn a_valid_route_passes() {
        assert!(findings("{enabled: true, parentRefs: [{name: gw}]}").is_empty());
    }

    #[test]
    fn each_rule_names_its_field() {
        assert_eq!(findings("{enabled: true}"), ["spec.gateway.parentRefs"]);
        assert_eq!(
            findings("{enabled: true, parentRefs: [{name: gw}], sessionPersistence: {sessionName: maverics_session}}"),
            ["spec.gateway.sessionPersistence.sessionName"]
        );
        assert_eq!(
            findings("{enabled: true, parentRefs: [{name: gw}], sessionPersistence: {lifetimeType: Permanent}}"),
            ["spec.gateway.sessionPersistence.absoluteTimeout"]
        );
        assert_eq!(
            findings("{enabled: true, parentRefs: [{name: gw}], sessionPersistence: {absoluteTimeout: 1d}}"),
            ["spec.gateway.sessionPersistence.absoluteTimeout"]
        );
        assert_eq!(
            findings("{enabled: true, parentRefs: [{name: gw}], sessionPersistence: {enabled: false}}"),
            ["spec.gateway.sessionPersistence.enabled"]
        );
    }

    #[test]
    fn durations_follow_the_gateway_api_pattern() {
        for ok in ["8h", "1h30m", "500ms", "99999s", "1h1m1s1ms"] {
            assert!(valid_duration(ok), "{ok}");
        }
        for bad in ["", "8", "h", "1d", "123456s", "1h1m1s1ms1h", "1.5h", "-1h"] {
            assert!(!valid_duration(bad), "{bad}");
        }
    }
}
