//! Whether an Ingress's hosts are served with TLS, and whether plain HTTP is refused or
//! redirected, read from every place a controller takes it from: `spec.tls` (NGINX, AGC,
//! the ALB's certificate discovery), the ALB's certificate and listener annotations, and
//! GKE's certificate annotations, `allow-http` and FrontendConfig redirect. One notion per
//! object, so a change of platform that keeps TLS (an AKS `spec.tls` for a GKE managed
//! certificate) is not a weakening, and removing any one of them is.

use super::rule::{Flag, Rule, at, flag, seq, show};
use crate::k8s::kinds::FRONTEND_CONFIG;
use crate::k8s::kinds::name;
use crate::k8s::labels::INGRESS_CLASS;
use crate::krm::annotations;
use serde_yaml::Value;
use std::collections::BTreeMap;

/// GKE: the ManagedCertificates the load balancer serves.
const GKE_MANAGED_CERTIFICATES: &str = "networking.gke.io/managed-certificates";
/// GKE: certificates uploaded to the project, served by name.
const GKE_PRE_SHARED_CERT: &str = "ingress.gcp.kubernetes.io/pre-shared-cert";
/// GKE: whether the load balancer also serves plain HTTP (default `true`).
const GKE_ALLOW_HTTP: &str = "kubernetes.io/ingress.allow-http";
/// GKE: the FrontendConfig (HTTPS redirect, SSL policy) an Ingress uses.
const GKE_FRONTEND_CONFIG: &str = "networking.gke.io/v1beta1.FrontendConfig";
/// ALB: the ACM certificates of the HTTPS listener.
const ALB_CERTIFICATE: &str = "alb.ingress.kubernetes.io/certificate-arn";
/// ALB: the listeners; without it, HTTPS:443 when a certificate is set, else HTTP:80.
const ALB_LISTEN_PORTS: &str = "alb.ingress.kubernetes.io/listen-ports";
/// ALB: the port HTTP requests are redirected to.
const ALB_SSL_REDIRECT: &str = "alb.ingress.kubernetes.io/ssl-redirect";
/// Application Gateway (AGIC): a certificate installed on the gateway, by name.
const AGIC_CERTIFICATE: &str = "appgw.ingress.kubernetes.io/appgw-ssl-certificate";
/// Application Gateway (AGIC): `"true"` redirects HTTP to HTTPS.
const AGIC_SSL_REDIRECT: &str = "appgw.ingress.kubernetes.io/ssl-redirect";
/// NGINX: `"false"` serves plain HTTP next to TLS (it redirects by default).
const NGINX_SSL_REDIRECT: &str = "nginx.ingress.kubernetes.io/ssl-redirect";

/// TLS flags for an Ingress or a FrontendConfig that existed before (`o`) and now (`n`).
pub fn weakened(kind: &str, o: &Value, n: &Value, out: &mut Vec<Flag>) {
    if kind == FRONTEND_CONFIG.kind {
        let enabled = |v: &Value| at(v, &["spec", "redirectToHttps", "enabled"]).and_then(Value::as_bool);
        if enabled(o) == Some(true) && enabled(n) != Some(true) {
            out.push(flag(
                Rule::Exposure,
                format!(
                    "spec.redirectToHttps.enabled: true -> {}: the Ingresses using it serve plain HTTP",
                    show(at(n, &["spec", "redirectToHttps", "enabled"]))
                ),
            ));
        }
        return;
    }
    if kind != name::INGRESS {
        return;
    }
    let (before, now) = (served_with_tls(o), served_with_tls(n));
    let hosts = rule_hosts(n);
    for (host, source) in before
        .iter()
        .filter(|(h, _)| !now.contains_key(*h) && hosts.contains(*h))
    {
        out.push(flag(
            Rule::Exposure,
            format!("{host} no longer served with TLS (it was through {source}): served without TLS by the controller"),
        ));
    }
    if !now.is_empty() {
        plain_http(o, n, out);
    }
}

/// Each host of `v` served with TLS, with the field that makes it so.
fn served_with_tls(v: &Value) -> BTreeMap<String, String> {
    let ann = |key: &str| annotations::get(v, key).filter(|s| !s.trim().is_empty());
    let spec_tls: Vec<String> = seq(at(v, &["spec", "tls"]))
        .iter()
        .flat_map(|t| seq(t.get("hosts")))
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let alb = annotations::get(v, ALB_CERTIFICATE).is_some()
        || annotations::get(v, ALB_LISTEN_PORTS).is_some()
        || at(v, &["spec", "ingressClassName"]).and_then(Value::as_str) == Some("alb");
    // A certificate for every host of the Ingress, whichever controller reads it.
    let mut whole = [GKE_MANAGED_CERTIFICATES, GKE_PRE_SHARED_CERT, AGIC_CERTIFICATE]
        .into_iter()
        .find(|k| ann(k).is_some())
        .map(|k| format!("metadata.annotations.{k}"));
    let mut out = BTreeMap::new();
    if alb {
        // The ALB terminates TLS only on an HTTPS listener, with the ARN's certificate or,
        // without one, the ones it discovers in ACM for the `spec.tls` and rule hosts.
        let https = match ann(ALB_LISTEN_PORTS) {
            Some(ports) => ports.contains("HTTPS"),
            None => ann(ALB_CERTIFICATE).is_some() || !spec_tls.is_empty(),
        };
        if !https {
            return out;
        }
        whole = Some(if ann(ALB_CERTIFICATE).is_some() {
            format!("metadata.annotations.{ALB_CERTIFICATE}")
        } else {
            "the ALB's certificate discovery for its HTTPS listener".to_owned()
        });
    }
    for host in rule_hosts(v) {
        if let Some(source) = &whole {
            out.insert(host, source.clone());
        } else if spec_tls.contains(&host) {
            out.insert(host, "spec.tls".to_owned());
        }
    }
    out
}

fn rule_hosts(v: &Value) -> Vec<String> {
    seq(at(v, &["spec", "rules"]))
        .iter()
        .filter_map(|r| r.get("host")?.as_str())
        .map(str::to_owned)
        .collect()
}

/// The controller that reads an Ingress, told by its annotations or class: a redirect is
/// compared only under one controller, as each has its own (and its own default).
fn controller(v: &Value) -> String {
    let keys: Vec<&str> = at(v, &["metadata", "annotations"])
        .and_then(Value::as_mapping)
        .into_iter()
        .flat_map(|m| m.keys().filter_map(Value::as_str))
        .collect();
    let class = annotations::get(v, INGRESS_CLASS)
        .or_else(|| at(v, &["spec", "ingressClassName"]).and_then(Value::as_str))
        .unwrap_or_default();
    let has = |prefix: &str| keys.iter().any(|k| k.starts_with(prefix));
    if class == "alb" || has("alb.ingress.kubernetes.io/") {
        "alb".to_owned()
    } else if class.starts_with("gce") || has("networking.gke.io/") || has("ingress.gcp.kubernetes.io/") {
        "gce".to_owned()
    } else {
        class.to_owned()
    }
}

/// Plain HTTP newly served next to TLS under the same controller: GKE's `allow-http`
/// turned on (it defaults to on) or its FrontendConfig dropped, the ALB's or Application
/// Gateway's redirect removed, NGINX's redirect turned off.
fn plain_http(o: &Value, n: &Value, out: &mut Vec<Flag>) {
    if controller(o) != controller(n) {
        return;
    }
    let value = |v: &Value, key: &str| annotations::get(v, key).map(str::trim).map(str::to_owned);
    let mut push = |key: &str, why: &str| {
        out.push(flag(
            Rule::Exposure,
            format!(
                "metadata.annotations.{key}: {} -> {}: {why}",
                value(o, key).as_deref().unwrap_or("absent"),
                value(n, key).as_deref().unwrap_or("absent")
            ),
        ))
    };
    let redirected = "HTTP requests are no longer redirected to HTTPS";
    let is = |v: &Value, key: &str, want: &str| value(v, key).as_deref() == Some(want);
    if is(o, GKE_ALLOW_HTTP, "false") && !is(n, GKE_ALLOW_HTTP, "false") {
        push(GKE_ALLOW_HTTP, "the load balancer serves plain HTTP too");
    }
    if value(o, GKE_FRONTEND_CONFIG).is_some() && value(n, GKE_FRONTEND_CONFIG).is_none() {
        push(
            GKE_FRONTEND_CONFIG,
            "its HTTPS redirect no longer applies: plain HTTP is served",
        );
    }
    if value(o, ALB_SSL_REDIRECT).is_some() && value(n, ALB_SSL_REDIRECT).is_none() {
        push(ALB_SSL_REDIRECT, redirected);
    }
    if is(o, AGIC_SSL_REDIRECT, "true") && !is(n, AGIC_SSL_REDIRECT, "true") {
        push(AGIC_SSL_REDIRECT, redirected);
    }
    if !is(o, NGINX_SSL_REDIRECT, "false") && is(n, NGINX_SSL_REDIRECT, "false") {
        push(NGINX_SSL_REDIRECT, redirected);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Rule, check};
    use serde_yaml::Value;

    fn y(s: &str) -> Value {
        super::super::super::normalize::normalize(serde_yaml::from_str(s).unwrap())
    }

    fn exposure(kind: &str, o: &str, n: &str) -> Vec<String> {
        check(kind, Some(&y(o)), Some(&y(n)))
            .into_iter()
            .filter(|f| f.rule == Rule::Exposure)
            .map(|f| f.message)
            .collect()
    }

    const AKS: &str = "metadata: {annotations: {alb.networking.azure.io/alb-name: alb}}\nspec: {ingressClassName: azure-alb-external, rules: [{host: sso.example.com}], tls: [{hosts: [sso.example.com], secretName: s}]}";
    const GKE: &str = "metadata: {annotations: {kubernetes.io/ingress.class: gce, networking.gke.io/managed-certificates: maverics, networking.gke.io/v1beta1.FrontendConfig: maverics}}\nspec: {rules: [{host: sso.example.com}]}";
    const EKS: &str = "metadata: {annotations: {alb.ingress.kubernetes.io/certificate-arn: 'arn:aws:acm:x', alb.ingress.kubernetes.io/listen-ports: '[{\"HTTP\":80},{\"HTTPS\":443}]', alb.ingress.kubernetes.io/ssl-redirect: '443', alb.ingress.kubernetes.io/scheme: internet-facing}}\nspec: {ingressClassName: alb, rules: [{host: sso.example.com}]}";

    #[test]
    fn a_platform_change_that_keeps_tls_is_not_a_weakening() {
        for (a, b) in [(AKS, GKE), (GKE, AKS), (AKS, EKS), (EKS, GKE), (GKE, EKS)] {
            let flags = exposure("Ingress", a, b);
            assert!(
                flags.iter().all(|f| !f.contains("TLS") && !f.contains("HTTP")),
                "{a} -> {b}: {flags:?}"
            );
        }
    }

    #[test]
    fn an_alb_https_listener_without_an_arn_serves_its_rule_hosts_by_discovery() {
        let discovery = EKS.replace("alb.ingress.kubernetes.io/certificate-arn: 'arn:aws:acm:x', ", "");
        assert!(!discovery.contains("certificate-arn") && !discovery.contains("tls:"));
        for (a, b) in [
            (EKS, discovery.as_str()),
            (discovery.as_str(), EKS),
            (AKS, discovery.as_str()),
        ] {
            let flags = exposure("Ingress", a, b);
            assert!(flags.iter().all(|f| !f.contains("TLS")), "{a} -> {b}: {flags:?}");
        }
    }

    #[test]
    fn each_way_of_losing_tls_is_flagged() {
        let lost = |o: &str, n: &str, source: &str| {
            let flags = exposure("Ingress", o, n);
            assert_eq!(
                flags,
                [format!(
                    "sso.example.com no longer served with TLS (it was through {source}): served without TLS by the controller"
                )],
                "{o} -> {n}"
            );
        };
        lost(
            GKE,
            &GKE.replace(" networking.gke.io/managed-certificates: maverics,", ""),
            "metadata.annotations.networking.gke.io/managed-certificates",
        );
        let pre = GKE.replace(
            "networking.gke.io/managed-certificates",
            "ingress.gcp.kubernetes.io/pre-shared-cert",
        );
        lost(
            &pre,
            &GKE.replace(" networking.gke.io/managed-certificates: maverics,", ""),
            "metadata.annotations.ingress.gcp.kubernetes.io/pre-shared-cert",
        );
        let arn = "metadata.annotations.alb.ingress.kubernetes.io/certificate-arn";
        // Without listen-ports, the certificate is what makes the listener HTTPS.
        let default_listener = EKS.replace(
            " alb.ingress.kubernetes.io/listen-ports: '[{\"HTTP\":80},{\"HTTPS\":443}]',",
            "",
        );
        lost(
            &default_listener,
            &default_listener.replace("alb.ingress.kubernetes.io/certificate-arn: 'arn:aws:acm:x', ", ""),
            arn,
        );
        lost(EKS, &EKS.replace(",{\"HTTPS\":443}", ""), arn);
        let discovered = EKS.replace("alb.ingress.kubernetes.io/certificate-arn: 'arn:aws:acm:x', ", "");
        lost(
            &discovered,
            &discovered.replace(",{\"HTTPS\":443}", ""),
            "the ALB's certificate discovery for its HTTPS listener",
        );
        lost(
            AKS,
            &AKS.replace(", tls: [{hosts: [sso.example.com], secretName: s}]", ""),
            "spec.tls",
        );
    }

    #[test]
    fn plain_http_next_to_tls_is_flagged() {
        let allow = GKE.replace("gce,", "gce, kubernetes.io/ingress.allow-http: 'false',");
        assert_eq!(
            exposure("Ingress", &allow, &allow.replace("'false'", "'true'")),
            [
                "metadata.annotations.kubernetes.io/ingress.allow-http: false -> true: the load balancer serves plain HTTP too"
            ]
        );
        assert_eq!(exposure("Ingress", &allow, GKE).len(), 1, "absent means allowed");
        assert_eq!(
            exposure(
                "Ingress",
                GKE,
                &GKE.replace(", networking.gke.io/v1beta1.FrontendConfig: maverics", "")
            )
            .len(),
            1
        );
        assert_eq!(
            exposure(
                "Ingress",
                EKS,
                &EKS.replace(" alb.ingress.kubernetes.io/ssl-redirect: '443',", "")
            ),
            [
                "metadata.annotations.alb.ingress.kubernetes.io/ssl-redirect: 443 -> absent: HTTP requests are no longer redirected to HTTPS"
            ]
        );
        let nginx = AKS.replace(
            "alb.networking.azure.io/alb-name: alb",
            "nginx.ingress.kubernetes.io/ssl-redirect: 'false'",
        );
        assert_eq!(exposure("Ingress", AKS, &nginx).len(), 1);
        let fc = "spec: {redirectToHttps: {enabled: true}}";
        assert_eq!(
            exposure("FrontendConfig", fc, "spec: {redirectToHttps: {enabled: false}}"),
            ["spec.redirectToHttps.enabled: true -> false: the Ingresses using it serve plain HTTP"]
        );
        assert_eq!(exposure("FrontendConfig", fc, "spec: {}").len(), 1);
        assert!(exposure("FrontendConfig", "spec: {}", fc).is_empty());
    }
}
