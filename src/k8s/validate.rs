//! What the API server (and the controllers behind it) accept, as pure functions. Each returns
//! `Err(why)` with a short reason that the caller completes with the field path and the fix.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The API server's limit on a DNS-1123 label and on a label value.
pub const LABEL_MAX: usize = 63;
/// The API server's limit on a DNS-1123 subdomain.
pub const SUBDOMAIN_MAX: usize = 253;

fn alnum_lower(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

fn too_long(s: &str, max: usize) -> Result<(), String> {
    if s.len() > max {
        return Err(format!("is {} characters long, more than {max}", s.len()));
    }
    Ok(())
}

/// RFC 1123 label (`metadata.name` of most namespaced kinds, namespaces, ports' names):
/// lower-case letters, digits and '-', alphanumeric at both ends, at most `max` (≤ 63).
pub fn dns_label(s: &str, max: usize) -> Result<(), String> {
    if s.is_empty() {
        return Err("is empty".into());
    }
    too_long(s, max.min(LABEL_MAX))?;
    let b = s.as_bytes();
    let ok = b.iter().all(|&c| alnum_lower(c) || c == b'-') && alnum_lower(b[0]) && alnum_lower(b[b.len() - 1]);
    if !ok {
        return Err("is not a DNS-1123 label (lower-case letters, digits and '-', alphanumeric at both ends)".into());
    }
    Ok(())
}

/// RFC 1123 subdomain (names of Secrets, ConfigMaps, classes, stores): dot-separated labels,
/// at most 253 characters.
pub fn dns_subdomain(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("is empty".into());
    }
    too_long(s, SUBDOMAIN_MAX)?;
    if s.split('.').any(|l| dns_label(l, LABEL_MAX).is_err()) {
        return Err("is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', alphanumeric at both ends of each part)".into());
    }
    Ok(())
}

/// The name part of a qualified key and a non-empty label value: `[A-Za-z0-9]` at both ends,
/// `-`, `_` and `.` between, at most 63.
fn name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= LABEL_MAX
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || b"-_.".contains(&c))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// A label value: empty, or a name part of at most 63 characters. Quotes, spaces and
/// operators are never part of one, which is what keeps selectors built from them closed.
pub fn label_value(s: &str) -> Result<(), String> {
    if s.is_empty() || name_part(s) {
        return Ok(());
    }
    too_long(s, LABEL_MAX)?;
    Err("is not a label value (letters, digits, '-', '_' and '.', alphanumeric at both ends)".into())
}

/// A qualified label or annotation key: `[prefix/]name`, the prefix a DNS-1123 subdomain, the
/// name at most 63 characters.
pub fn qualified_key(s: &str) -> Result<(), String> {
    let (prefix, name) = match s.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    if let Some(p) = prefix
        && dns_subdomain(p).is_err()
    {
        return Err(format!("has the prefix `{p}`, which is not a DNS-1123 subdomain"));
    }
    if !name_part(name) {
        return Err(
            "is not a qualified key (`[prefix/]name`, the name of at most 63 letters, digits, '-', '_' and '.', alphanumeric at both ends)"
                .into(),
        );
    }
    Ok(())
}

/// An image repository by the OCI distribution grammar: `[host[:port]/]component(/component)*`,
/// components of lower-case letters and digits joined by `.`, `_`, `__` or dashes.
pub fn image_repository(s: &str) -> Result<(), String> {
    let bad = || {
        "is not an image repository (`[registry[:port]/]path`, the path lower-case letters, digits and single separators `.`, `_`, `__`, `-`)"
            .to_owned()
    };
    if s.is_empty() {
        return Err("is empty".into());
    }
    too_long(s, 255)?;
    let mut parts: Vec<&str> = s.split('/').collect();
    let first = parts[0];
    // A registry host is told apart the way the distribution reference parser does.
    if parts.len() > 1
        && (first.contains(['.', ':']) || first == "localhost" || first.bytes().any(|b| b.is_ascii_uppercase()))
    {
        let (host, port) = match first.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (first, None),
        };
        let host_ok = !host.is_empty()
            && host.split('.').all(|l| {
                let b = l.as_bytes();
                !b.is_empty()
                    && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
                    && b[0].is_ascii_alphanumeric()
                    && b[b.len() - 1].is_ascii_alphanumeric()
            });
        let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if !host_ok || !port_ok {
            return Err(bad());
        }
        parts.remove(0);
    }
    if parts.iter().all(|c| path_component(c)) {
        Ok(())
    } else {
        Err(bad())
    }
}

fn path_component(c: &str) -> bool {
    let b = c.as_bytes();
    if b.is_empty() || !alnum_lower(b[0]) || !alnum_lower(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum_lower(b[i]) {
            i += 1;
            continue;
        }
        // A separator: `.`, `_`, `__` or a run of `-`, always followed by an alphanumeric.
        let run = b[i..].iter().take_while(|&&c| c == b[i]).count();
        let ok = match b[i] {
            b'.' => run == 1,
            b'_' => run <= 2,
            b'-' => true,
            _ => false,
        };
        if !ok {
            return false;
        }
        i += run;
    }
    true
}

/// An image tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`; a second `:` or `@` is a double tag.
pub fn image_tag(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || b"_.-".contains(&c));
    if !ok {
        return Err(
            "is not an image tag (1 to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-')".into(),
        );
    }
    Ok(())
}

/// An image digest: `sha256:` and 64 lower-case hexadecimal characters (registries refuse upper
/// case).
pub fn image_digest(s: &str) -> Result<(), String> {
    let ok = s
        .strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    if !ok {
        return Err("is not an image digest (`sha256:` and 64 lower-case hexadecimal characters)".into());
    }
    Ok(())
}

/// Where a host name may carry a wildcard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wildcard {
    /// Ingress and Gateway API hosts: `*.example.com`, the `*` alone as the first label.
    FirstLabel,
    /// Routes, TLS hosts of a certificate Secret: no wildcard.
    Never,
}

/// A host name as the Ingress and Gateway APIs take it: a lower-case RFC 1123 subdomain, not an
/// IP address, with `*` only as the whole first label where `wildcard` allows it.
pub fn host(s: &str, wildcard: Wildcard) -> Result<(), String> {
    if s.parse::<IpAddr>().is_ok() {
        return Err("is an IP address; a host must be a DNS name".into());
    }
    let name = match (s.strip_prefix("*."), wildcard) {
        (Some(rest), Wildcard::FirstLabel) => rest,
        (Some(_), Wildcard::Never) => return Err("has a wildcard, which this field does not allow".into()),
        (None, _) => s,
    };
    if name.contains('*') {
        return Err("has a `*` that is not the whole first label (`*.example.com`)".into());
    }
    dns_subdomain(name).map_err(|_| {
        "is not a host name (lower-case letters, digits, '-' and '.', alphanumeric at both ends of each label)"
            .to_owned()
    })
}

/// The path types of an Ingress rule.
pub const PATH_TYPES: &[&str] = &["Prefix", "Exact", "ImplementationSpecific"];

/// An Ingress rule's `pathType`, as written (the API server is case-sensitive).
pub fn path_type(s: &str) -> Result<(), String> {
    if !PATH_TYPES.contains(&s) {
        return Err(format!("is not one of {}", PATH_TYPES.join(", ")));
    }
    Ok(())
}

/// An Ingress path: absolute, printable, and for `Prefix` and `Exact` free of the sequences the
/// API server refuses (`//`, `/./`, `/../`, `%2f`, and `/.` or `/..` at the end).
pub fn http_path(s: &str, path_type: &str) -> Result<(), String> {
    self::path_type(path_type)?;
    if !s.starts_with('/') {
        return Err("is not an absolute path".into());
    }
    if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("contains a space or a control character".into());
    }
    if path_type != "ImplementationSpecific" {
        let lower = s.to_ascii_lowercase();
        if ["//", "/./", "/../", "%2f"].iter().any(|q| lower.contains(q)) || s.ends_with("/..") || s.ends_with("/.") {
            return Err("contains `//`, `/./`, `/../`, `%2F` or ends in `/.` or `/..`".into());
        }
        if s.contains(['{', '}', '[', ']', '|', '\\', '^', '`', '"', '<', '>', '#', ';', '?']) {
            return Err(format!("contains a character a `{path_type}` path may not hold"));
        }
    }
    Ok(())
}

/// A CIDR as NetworkPolicy `ipBlock.cidr` and the AWS APIs take it: IPv4 or IPv6, a prefix
/// length in range, and the canonical network address (no host bits set).
pub fn cidr(s: &str) -> Result<(), String> {
    let Some((addr, len)) = s.split_once('/') else {
        return Err("is not a CIDR (`10.0.0.0/16` or `2001:db8::/32`)".into());
    };
    let len: u32 = match len.parse() {
        // Only plain decimal digits, no sign or leading zero, as Go's net.ParseCIDR reads them.
        Ok(n) if len.bytes().all(|b| b.is_ascii_digit()) && (len == "0" || !len.starts_with('0')) => n,
        _ => return Err(format!("has the prefix length `{len}`, not a number")),
    };
    let (max, canonical) = match addr.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => {
            let mask = u32::MAX.checked_shl(32 - len.min(32)).unwrap_or(0);
            (32, IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask)))
        }
        Ok(IpAddr::V6(a)) => {
            let mask = u128::MAX.checked_shl(128 - len.min(128)).unwrap_or(0);
            (128, IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask)))
        }
        Err(_) => return Err(format!("has `{addr}`, which is not an IPv4 or IPv6 address")),
    };
    if len > max {
        return Err(format!("has the prefix length {len}, more than {max}"));
    }
    if canonical.to_string() != addr {
        return Err(format!("sets host bits: the network is `{canonical}/{len}`"));
    }
    Ok(())
}

/// A port number: 1 to 65535.
pub fn port(n: i64) -> Result<(), String> {
    if !(1..=65535).contains(&n) {
        return Err("is outside 1 to 65535".into());
    }
    Ok(())
}

/// A named port (IANA service name): at most 15 lower-case letters, digits and single '-', at
/// least one letter, alphanumeric at both ends.
pub fn port_name(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 15
        && b.iter().all(|&c| alnum_lower(c) || c == b'-')
        && b.iter().any(u8::is_ascii_lowercase)
        && alnum_lower(b[0])
        && alnum_lower(b[b.len() - 1])
        && !s.contains("--");
    if !ok {
        return Err("is not a port name (at most 15 lower-case letters, digits and '-', with a letter)".into());
    }
    Ok(())
}

/// The protocols of Service and NetworkPolicy ports.
pub const PROTOCOLS: &[&str] = &["TCP", "UDP", "SCTP"];

/// A port protocol: `TCP`, `UDP` or `SCTP`, as written (the API server is case-sensitive).
pub fn protocol(s: &str) -> Result<(), String> {
    if !PROTOCOLS.contains(&s) {
        return Err(format!("is not one of {}", PROTOCOLS.join(", ")));
    }
    Ok(())
}

/// A count the API stores as int32 (replicas, HPA bounds, seconds).
pub fn int32(n: u64) -> Result<(), String> {
    if n > i32::MAX as u64 {
        return Err(format!("is more than the API's int32 maximum {}", i32::MAX));
    }
    Ok(())
}

/// A Go `time.ParseDuration` string as External Secrets reads `refreshInterval`: `0`, or groups
/// of a decimal number and a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`): `1h30m`, `90s`.
/// A sign is refused: a negative interval means nothing here. There is no `d` unit.
pub fn go_duration(s: &str) -> Result<(), String> {
    let bad =
        || "is not a Go duration (`0`, or numbers with units ns, us, ms, s, m, h: `1h30m`; there is no `d`)".to_owned();
    if s == "0" {
        return Ok(());
    }
    if s.is_empty() || s.starts_with(['-', '+']) {
        return Err(bad());
    }
    let mut rest = s;
    while !rest.is_empty() {
        let int = rest.bytes().take_while(u8::is_ascii_digit).count();
        let mut digits = int;
        let mut len = int;
        if rest[len..].starts_with('.') {
            let frac = rest[len + 1..].bytes().take_while(u8::is_ascii_digit).count();
            digits += frac;
            len += 1 + frac;
        }
        if digits == 0 {
            return Err(bad());
        }
        rest = &rest[len..];
        let unit = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
            .into_iter()
            .find(|u| rest.starts_with(u))
            .ok_or_else(bad)?;
        rest = &rest[unit.len()..];
    }
    Ok(())
}

/// An OpenShift router timeout (`haproxy.router.openshift.io/timeout`): digits and an optional
/// unit `us`, `ms` (the default), `s`, `m`, `h` or `d`, as HAProxy reads it.
pub fn router_timeout(s: &str) -> Result<(), String> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || !["", "us", "ms", "s", "m", "h", "d"].contains(&&s[digits..]) {
        return Err("is not a router timeout (digits and a unit us, ms, s, m, h or d, e.g. `60s`)".into());
    }
    Ok(())
}

/// A cookie name: an RFC 6265 token (RFC 7230 `tchar`s): printable ASCII without spaces and
/// separators `()<>@,;:\"/[]?={}`. Load balancers splice it into `,` and `=` separated
/// attribute strings and `Set-Cookie` headers.
pub fn cookie_name(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b));
    if !ok {
        return Err(
            "is not a cookie name (an RFC 6265 token: letters, digits and !#$%&'*+-.^_`|~, no spaces or separators)"
                .into(),
        );
    }
    Ok(())
}

/// An absolute path in the container, normalised as the kernel resolves it (`//` and `/./`
/// collapse), so overlap checks compare like with like. `..` is refused: a mount path that
/// climbs is never what was meant.
pub fn mount_path(s: &str) -> Result<String, String> {
    if !s.starts_with('/') {
        return Err("is not an absolute path".into());
    }
    if s.chars().any(char::is_control) {
        return Err("contains a control character".into());
    }
    let mut parts = Vec::new();
    for p in s.split('/') {
        match p {
            "" | "." => {}
            ".." => return Err("contains `..`".into()),
            p => parts.push(p),
        }
    }
    Ok(format!("/{}", parts.join("/")))
}

/// Whether normalised paths `a` and `b` are the same, or one lies inside the other.
pub fn paths_overlap(a: &str, b: &str) -> bool {
    let inside = |x: &str, y: &str| y == "/" || x == y || x.starts_with(&format!("{y}/"));
    inside(a, b) || inside(b, a)
}

#[cfg(test)]
mod tests;
