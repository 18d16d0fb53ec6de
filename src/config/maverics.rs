//! What the tool reads from the orchestrator's own `maverics.yaml` (`spec.config`): the
//! facts that decide the cache, stickiness and network rules.

use serde_yaml::Value;

/// The orchestrator's session cookie name when `session.cookie.name` is unset.
pub const DEFAULT_SESSION_COOKIE: &str = "maverics_session";
/// The orchestrator's health endpoint when `health.location` is unset.
pub const DEFAULT_HEALTH_PATH: &str = "/status";

/// Looks up a dotted path, accepting both nested keys and a literal dotted key at any level
/// (`session: {cookie.name: x}` is as common in examples as `session: {cookie: {name: x}}`).
pub fn lookup<'a>(config: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(v) = config.get(path) {
        return Some(v);
    }
    let mut split = path.char_indices().filter(|(_, c)| *c == '.').map(|(i, _)| i);
    split.find_map(|i| lookup(config.get(&path[..i])?, &path[i + 1..]))
}

fn lookup_str<'a>(config: &'a Value, path: &str) -> Option<&'a str> {
    lookup(config, path)?.as_str()
}

/// A service the orchestrator calls: an app's upstream, an identity provider's metadata
/// document, a telemetry endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Field path inside `spec.config`.
    pub field: String,
    /// The URL as written in the config.
    pub url: String,
    /// The URL's host, lower-cased, without brackets around an IPv6 address.
    pub host: String,
    /// The URL's port, else the scheme's (443 for `https`, 80 for `http`).
    pub port: i32,
}

impl Endpoint {
    /// The namespace of an in-cluster Service host (`svc.ns.svc` or `svc.ns.svc.cluster.local`).
    pub fn cluster_namespace(&self) -> Option<&str> {
        self.cluster_service().map(|(_, ns)| ns)
    }

    /// The Service name and namespace of an in-cluster Service host.
    pub fn cluster_service(&self) -> Option<(&str, &str)> {
        let h = self.host.strip_suffix(".cluster.local").unwrap_or(&self.host);
        let mut parts = h.strip_suffix(".svc")?.split('.');
        let (svc, ns) = (parts.next()?, parts.next()?);
        parts.next().is_none().then_some((svc, ns))
    }
}

/// Keys whose URL the orchestrator itself calls. Redirect and logout URLs are the
/// orchestrator's own addresses, which browsers call; they are not egress.
fn is_endpoint_key(k: &str) -> bool {
    k == "upstream" || k == "endpoint" || k.ends_with("WellKnownURL") || k.ends_with("MetadataURL")
}

fn parse_url(field: String, url: &str) -> Option<Endpoint> {
    let (scheme, rest) = url.split_once("://")?;
    let default = match scheme {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (h, p.parse().ok()?),
        _ => (authority, default),
    };
    Some(Endpoint {
        field,
        url: url.to_owned(),
        host: host.trim_matches(['[', ']']).to_ascii_lowercase(),
        port,
    })
}

fn endpoints(v: &Value, path: &str, out: &mut Vec<Endpoint>, depth: usize) {
    if depth > 64 {
        return;
    }
    match v {
        Value::Mapping(m) => {
            for (k, child) in m {
                let Some(k) = k.as_str() else { continue };
                let p = if path.is_empty() {
                    k.to_owned()
                } else {
                    format!("{path}.{k}")
                };
                match child.as_str() {
                    Some(url) if is_endpoint_key(k) => out.extend(parse_url(p, url)),
                    _ => endpoints(child, &p, out, depth + 1),
                }
            }
        }
        Value::Sequence(seq) => {
            for (i, child) in seq.iter().enumerate() {
                endpoints(child, &format!("{path}[{i}]"), out, depth + 1);
            }
        }
        _ => {}
    }
}

// The paths `read` looks up, relative to `spec.config` (list items relative to the item).
const OIDC_PROVIDER: &str = "oidcProvider";
const OIDC_CACHE: &str = "cache";
const CACHES: &str = "caches";
const CACHE_NAME: &str = "name";
const CACHE_TYPE: &str = "type";
const CACHE_ADDRESSES: &str = "redis.addresses";
const APPS: &str = "apps";
const APP_TYPE: &str = "type";
const SESSION_COOKIE: &str = "session.cookie.name";
const HEALTH_LOCATION: &str = "health.location";

/// A field of `spec.config` the tool reads, for `explain`: `path` is dotted below
/// `spec.config`, list items entered implicitly (`caches.name`); a last segment after `*.`
/// matches at any depth.
pub struct ReadField {
    /// The field's path, dotted below `spec.config`; a `*.` prefix matches the last segment at any depth.
    pub path: String,
    /// The field's type as `explain` shows it, e.g. `string` or `[]object`.
    pub r#type: &'static str,
    /// What the tool reads from it, and why.
    pub read: &'static str,
}

/// Every field [`MavericsFacts::read`] looks at, from the same path constants.
pub fn read_fields() -> Vec<ReadField> {
    let f = |path: String, r#type, read| ReadField { path, r#type, read };
    vec![
        f(
            SESSION_COOKIE.into(),
            "string",
            "The orchestrator's session cookie (default `maverics_session`). Sticky sessions follow it: the generated nginx and ALB cookie affinity, the EKS layer's ALB app-cookie stickiness; the ROSA router cookie and a Gateway session name must differ from it.",
        ),
        f(
            HEALTH_LOCATION.into(),
            "string",
            "The health endpoint (default `/status`): the pod's probes and the load balancers' health checks call it.",
        ),
        f(
            OIDC_PROVIDER.into(),
            "object",
            "Present: the orchestrator is an OIDC provider. A provider scaled above one replica must keep its state in a shared Redis cache (`oidcProvider.cache`), or `render` refuses it.",
        ),
        f(
            format!("{OIDC_PROVIDER}.{OIDC_CACHE}"),
            "string",
            "The name of the entry of `caches` the OIDC provider stores its state in; it must be a `type: redis` cache when the provider is scaled.",
        ),
        f(
            CACHES.into(),
            "[]object",
            "The caches: a Redis cache gets a NetworkPolicy egress rule to its addresses, and can back a scaled OIDC provider.",
        ),
        f(
            format!("{CACHES}.{CACHE_NAME}"),
            "string",
            "The name `oidcProvider.cache` and spec.networkPolicy.caches refer to.",
        ),
        f(
            format!("{CACHES}.{CACHE_TYPE}"),
            "string",
            "`redis` makes the cache shared state the tool knows about; other types are the pod's own.",
        ),
        f(
            format!("{CACHES}.{CACHE_ADDRESSES}"),
            "[]string",
            "`host:port` of the Redis servers: their ports become NetworkPolicy egress rules (by IP, or a warning that a host name cannot be matched).",
        ),
        f(
            APPS.into(),
            "[]object",
            "The apps: one of `type: proxy` makes the orchestrator hold each user's session, so a scaled deployment needs sticky sessions.",
        ),
        f(
            format!("{APPS}.{APP_TYPE}"),
            "string",
            "`proxy`: see `apps`; the exposure must then stick sessions to one pod when scaled.",
        ),
        f(
            "*.upstream".into(),
            "string (URL)",
            "A service the orchestrator calls (also `endpoint`, `*WellKnownURL`, `*MetadataURL`, at any depth): an in-cluster Service gets a NetworkPolicy egress rule; another host must be allowed by spec.networkPolicy.egress, or a warning says it cannot be reached.",
        ),
    ]
}

/// The read fields at `path` (dotted below `spec.config`) and below it.
pub fn read_fields_at(path: &str) -> Vec<ReadField> {
    let last = path.rsplit('.').next().unwrap_or(path);
    read_fields()
        .into_iter()
        .filter(|f| match f.path.strip_prefix("*.") {
            // The only any-depth entry is the endpoints', which `endpoints` finds by key.
            Some(_) => is_endpoint_key(last),
            None => f.path == path || f.path.starts_with(&format!("{path}.")),
        })
        .collect()
}

/// The facts, read once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MavericsFacts {
    /// `oidcProvider` is configured: the orchestrator is an OIDC provider.
    pub oidc_provider: bool,
    /// `oidcProvider.cache`, the cache the provider stores its state in.
    pub oidc_cache: Option<String>,
    /// The entries of `caches`, in the config's order.
    pub caches: Vec<Cache>,
    /// An app of `type: proxy` is configured: the orchestrator proxies user traffic and
    /// holds the user's session, so a scaled deployment needs sticky sessions.
    pub proxy_mode: bool,
    /// Services the orchestrator calls, for the NetworkPolicy.
    pub endpoints: Vec<Endpoint>,
    /// `session.cookie.name`, else [`DEFAULT_SESSION_COOKIE`].
    pub session_cookie: String,
    /// `health.location`, else [`DEFAULT_HEALTH_PATH`].
    pub health_path: String,
}

/// One entry of `caches`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cache {
    /// The cache's `name`, which `oidcProvider.cache` and `spec.networkPolicy.caches` refer to; empty when unset.
    pub name: String,
    /// The cache's `type`, e.g. `redis`; empty when unset.
    pub kind: String,
    /// `host:port` entries of a Redis cache.
    pub addresses: Vec<String>,
}

impl MavericsFacts {
    /// Reads the facts from `spec.config`; a missing or mistyped field takes its default, never fails.
    pub fn read(config: &Value) -> Self {
        let oidc = lookup(config, OIDC_PROVIDER);
        let caches = config
            .get(CACHES)
            .and_then(Value::as_sequence)
            .map(|list| {
                list.iter()
                    .map(|c| Cache {
                        name: lookup_str(c, CACHE_NAME).unwrap_or_default().to_owned(),
                        kind: lookup_str(c, CACHE_TYPE).unwrap_or_default().to_owned(),
                        addresses: lookup(c, CACHE_ADDRESSES)
                            .and_then(Value::as_sequence)
                            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        MavericsFacts {
            oidc_provider: oidc.is_some_and(|v| !v.is_null()),
            oidc_cache: oidc.and_then(|o| lookup_str(o, OIDC_CACHE)).map(str::to_owned),
            caches,
            proxy_mode: config
                .get(APPS)
                .and_then(Value::as_sequence)
                .is_some_and(|apps| apps.iter().any(|a| lookup_str(a, APP_TYPE) == Some("proxy"))),
            endpoints: {
                let mut out = Vec::new();
                endpoints(config, "", &mut out, 0);
                out
            },
            session_cookie: lookup_str(config, SESSION_COOKIE)
                .unwrap_or(DEFAULT_SESSION_COOKIE)
                .to_owned(),
            health_path: lookup_str(config, HEALTH_LOCATION)
                .unwrap_or(DEFAULT_HEALTH_PATH)
                .to_owned(),
        }
    }

    /// The Redis cache the OIDC provider points at, when both exist.
    pub fn oidc_redis_cache(&self) -> Option<&Cache> {
        let name = self.oidc_cache.as_deref()?;
        self.caches.iter().find(|c| c.name == name && c.kind == "redis")
    }
}

/// Host and port of a `host:port` cache address; Redis's port when none is written.
pub fn split_address(a: &str) -> (&str, i32) {
    match a.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(':') => (h.trim_matches(['[', ']']), p.parse().unwrap_or(6379)),
        _ => (a, 6379),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(yaml: &str) -> MavericsFacts {
        MavericsFacts::read(&serde_yaml::from_str(yaml).unwrap())
    }

    #[test]
    fn defaults_when_config_is_silent() {
        let f = facts("version: 0.0.1\n");
        assert!(!f.oidc_provider);
        assert_eq!(f.session_cookie, "maverics_session");
        assert_eq!(f.health_path, "/status");
    }

    #[test]
    fn reads_nested_and_dotted_keys() {
        assert_eq!(facts("session:\n  cookie:\n    name: a\n").session_cookie, "a");
        assert_eq!(facts("session:\n  cookie.name: b\n").session_cookie, "b");
        assert_eq!(facts("health:\n  location: /healthz\n").health_path, "/healthz");
    }

    #[test]
    fn finds_endpoints_and_in_cluster_namespaces() {
        let f = facts(
            "apps:\n- upstream: http://intranet.apps.svc.cluster.local:8080/x\n- upstream: https://a.example.com\nconnectors:\n- oidcWellKnownURL: https://idp.example.com:8443/.well-known\n  oauthRedirectURL: https://me.example.com/oidc\n",
        );
        let got: Vec<_> = f
            .endpoints
            .iter()
            .map(|e| (e.field.as_str(), e.host.as_str(), e.port, e.cluster_namespace()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "apps[0].upstream",
                    "intranet.apps.svc.cluster.local",
                    8080,
                    Some("apps")
                ),
                ("apps[1].upstream", "a.example.com", 443, None),
                ("connectors[0].oidcWellKnownURL", "idp.example.com", 8443, None),
            ]
        );
    }

    /// A config with `leaf` at `path` (a read field's path), entering a list wherever the
    /// table says the field on the way is one.
    fn config_at(path: &str, leaf: Value) -> Value {
        let segments: Vec<&str> = path.split('.').collect();
        let mut v = leaf;
        for i in (0..segments.len()).rev() {
            let mut m = serde_yaml::Mapping::new();
            m.insert(segments[i].into(), v);
            v = Value::Mapping(m);
            let parent = segments[..i].join(".");
            if read_fields()
                .iter()
                .any(|f| f.path == parent && f.r#type.starts_with("[]"))
            {
                v = Value::Sequence(vec![v]);
            }
        }
        v
    }

    /// The table `explain` shows is what `read` reads: a value at each leaf's path changes
    /// the facts.
    #[test]
    fn every_leaf_of_the_read_table_is_read() {
        let fields = read_fields();
        let leaves = fields
            .iter()
            .filter(|f| !fields.iter().any(|g| g.path.starts_with(&format!("{}.", f.path))));
        for f in leaves {
            let path = f.path.replace("*.", "apps.");
            let leaf: Value = match f.r#type {
                t if t.starts_with("[]") => serde_yaml::from_str("[proxy]").unwrap(),
                t if t.contains("URL") => "http://proxy:1".into(),
                _ => "proxy".into(),
            };
            let with = MavericsFacts::read(&config_at(&path, leaf));
            let without = MavericsFacts::read(&config_at(&path, Value::Null));
            assert_ne!(with, without, "`{path}` is in the table but `read` ignores it");
        }
        // A field the table does not list is not read.
        let other = MavericsFacts::read(&config_at("logger.level", "debug".into()));
        assert_eq!(other, MavericsFacts::read(&Value::Null));
    }

    #[test]
    fn finds_the_oidc_redis_cache() {
        let f = facts(
            "caches:\n- name: r\n  type: redis\n  redis:\n    addresses: [redis:6379]\noidcProvider:\n  cache: r\n",
        );
        assert!(f.oidc_provider);
        assert_eq!(f.oidc_redis_cache().unwrap().addresses, vec!["redis:6379"]);
        let f = facts("caches:\n- name: r\n  type: redis\noidcProvider:\n  cache: other\n");
        assert!(f.oidc_redis_cache().is_none());
    }
}
