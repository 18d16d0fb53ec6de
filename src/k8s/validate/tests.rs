use super::*;

#[test]
fn dns_labels_and_subdomains() {
    for ok in ["a", "maverics", "a-1", &"a".repeat(63)] {
        assert!(dns_label(ok, 63).is_ok(), "{ok}");
    }
    for bad in ["", "A", "-a", "a-", "a.b", "a_b", "a b", &"a".repeat(64)] {
        assert!(dns_label(bad, 63).is_err(), "{bad}");
    }
    assert!(dns_label(&"a".repeat(53), 52).unwrap_err().contains("more than 52"));
    assert!(dns_subdomain("a.b-c.d").is_ok());
    for bad in [
        "a..b",
        ".a",
        "a.",
        "A.b",
        &format!("{}.b", "a".repeat(64)),
        &"a.".repeat(127),
    ] {
        assert!(dns_subdomain(bad).is_err(), "{bad}");
    }
}

#[test]
fn label_values_and_keys() {
    for ok in ["", "a", "A.b_c-d", &"x".repeat(63)] {
        assert!(label_value(ok).is_ok(), "{ok}");
    }
    for bad in ["x' || all() || '", "a b", "-a", "a-", "é", &"x".repeat(64)] {
        assert!(label_value(bad).is_err(), "{bad}");
    }
    for ok in ["app", "app.kubernetes.io/name", "eks.amazonaws.com/role-arn", "A_b"] {
        assert!(qualified_key(ok).is_ok(), "{ok}");
    }
    for bad in ["", "/a", "a/", "a/b/c", "Example.com/a", "a b", "a\nb", &"k".repeat(64)] {
        assert!(qualified_key(bad).is_err(), "{bad}");
    }
}

#[test]
fn images_follow_the_distribution_grammar() {
    for ok in [
        "strata/orchestrator",
        "nginx",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/maverics",
        "localhost:5000/a/b",
        "registry.example/a__b/c-d/e.f",
        "a--b",
    ] {
        assert!(image_repository(ok).is_ok(), "{ok}");
    }
    for bad in [
        "", "a;b", "a b", "a\nb", "strata/X", "a/", "/a", "a//b", "a..b", "a___b", "a:1", "reg:x/a", "a@sha",
    ] {
        assert!(image_repository(bad).is_err(), "{bad}");
    }
    for ok in ["v2026.01.2", "latest", "_x", &"t".repeat(128)] {
        assert!(image_tag(ok).is_ok(), "{ok}");
    }
    for bad in ["", "a:b", "a@b", ".a", "-a", "a b", "a;rm", &"t".repeat(129)] {
        assert!(image_tag(bad).is_err(), "{bad}");
    }
    assert!(image_digest(&format!("sha256:{}", "a".repeat(64))).is_ok());
    assert!(image_digest(&format!("sha256:{}", "A".repeat(64))).is_err());
}

#[test]
fn hosts_take_wildcards_only_where_allowed() {
    assert!(host("sso.example.com", Wildcard::Never).is_ok());
    assert!(host("*.example.com", Wildcard::FirstLabel).is_ok());
    assert!(host("*.example.com", Wildcard::Never).is_err());
    for bad in [
        "a.*.com",
        "*",
        "*a.example.com",
        "10.0.0.1",
        "::1",
        "A.com",
        "a_b.com",
        "a..b",
        "a b",
        "",
    ] {
        assert!(host(bad, Wildcard::FirstLabel).is_err(), "{bad}");
    }
}

#[test]
fn paths_and_path_types() {
    assert!(http_path("/", "Prefix").is_ok());
    assert!(http_path("/app/v1", "Exact").is_ok());
    assert!(http_path("/(.*)", "ImplementationSpecific").is_ok());
    for (p, t) in [
        ("/", "prefix"),
        ("app", "Prefix"),
        ("/a//b", "Prefix"),
        ("/a/../b", "Exact"),
        ("/a/.", "Prefix"),
        ("/a%2Fb", "Prefix"),
        ("/a b", "ImplementationSpecific"),
        ("/{x}", "Prefix"),
    ] {
        assert!(http_path(p, t).is_err(), "{p} {t}");
    }
}

#[test]
fn cidrs_are_canonical_networks() {
    for ok in [
        "10.0.0.0/16",
        "0.0.0.0/0",
        "169.254.20.10/32",
        "2001:db8::/32",
        "::/0",
        "fd00::1/128",
    ] {
        assert!(cidr(ok).is_ok(), "{ok}");
    }
    for bad in [
        "10.0.0.1/16",
        "10.0.0.0/33",
        "10.0.0.0",
        "10.0.0.0/x",
        "10.0.0.0/016",
        "2001:db8::1/32",
        "::/129",
        "host/8",
        "10.0.0.0/-1",
    ] {
        assert!(cidr(bad).is_err(), "{bad}");
    }
    assert!(cidr("10.0.0.1/16").unwrap_err().contains("`10.0.0.0/16`"));
}

#[test]
fn ports_protocols_and_int32() {
    assert!(port(1).is_ok() && port(65535).is_ok());
    assert!(port(0).is_err() && port(65536).is_err() && port(-1).is_err());
    assert!(protocol("TCP").is_ok() && protocol("SCTP").is_ok());
    assert!(protocol("tcp").is_err() && protocol("ICMP").is_err());
    assert!(port_name("https").is_ok() && port_name("h2c-1").is_ok());
    assert!(port_name("443").is_err() && port_name("a--b").is_err() && port_name("sixteen-letters-").is_err());
    assert!(int32(2_147_483_647).is_ok());
    assert!(int32(2_147_483_648).is_err());
}

#[test]
fn go_durations() {
    for ok in ["0", "1h", "1h30m", "90s", "1.5h", "300ms", "2us", "1µs", ".5s"] {
        assert!(go_duration(ok).is_ok(), "{ok}");
    }
    for bad in ["", "1d", "1", "h", "1h 30m", "-1h", "+1h", "1H", "1.h.5", "1w"] {
        assert!(go_duration(bad).is_err(), "{bad}");
    }
}

#[test]
fn router_timeouts() {
    for ok in ["60s", "5500", "2m", "1d", "300us"] {
        assert!(router_timeout(ok).is_ok(), "{ok}");
    }
    for bad in ["", "s", "60 s", "1.5s", "60sec", "-1s", "60s;"] {
        assert!(router_timeout(bad).is_err(), "{bad}");
    }
}

#[test]
fn cookie_names_are_tokens() {
    for ok in ["maverics_session", "MAVERICS_GW", "a.b-c", "x!#$%&'*+^`|~"] {
        assert!(cookie_name(ok).is_ok(), "{ok}");
    }
    for bad in ["", "a b", "a,b", "a=b", "a;b", "a\"b", "a\nb", "é", "a/b", "a\u{7f}"] {
        assert!(cookie_name(bad).is_err(), "{bad}");
    }
}

#[test]
fn mount_paths_are_normalised() {
    assert_eq!(mount_path("//etc/maverics//config/").unwrap(), "/etc/maverics/config");
    assert_eq!(mount_path("/etc/./maverics/./config").unwrap(), "/etc/maverics/config");
    assert_eq!(mount_path("/").unwrap(), "/");
    assert!(mount_path("/etc/../tmp").is_err());
    assert!(mount_path("etc").is_err());
    assert!(paths_overlap("/etc/maverics/config", "/etc/maverics"));
    assert!(paths_overlap("/etc", "/etc/maverics/config/maverics.yaml"));
    assert!(paths_overlap("/", "/tmp"));
    assert!(!paths_overlap("/etc/maverics/configs", "/etc/maverics/config"));
}
