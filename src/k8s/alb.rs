//! The AWS Load Balancer Controller's attribute strings (`load-balancer-attributes`,
//! `target-group-attributes`): `key=value` pairs joined by `,`, with no quoting. A `,` or `=`
//! inside a value would add or change an attribute, so the builder refuses them.

/// The Ingress annotation holding the target group attributes (stickiness among them).
pub const ALB_ATTRIBUTES: &str = "alb.ingress.kubernetes.io/target-group-attributes";
/// The Ingress annotation choosing `ip` or `instance` targets.
pub const ALB_TARGET_TYPE: &str = "alb.ingress.kubernetes.io/target-type";
/// The Ingress annotation that makes an ALB public (`internet-facing`); the controller's
/// default is `internal`.
pub const ALB_SCHEME: &str = "alb.ingress.kubernetes.io/scheme";

/// `k1=v1,k2=v2`, or why a key or value cannot be written into the string.
pub fn attributes(pairs: &[(&str, &str)]) -> Result<String, String> {
    let mut out = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        for part in [k, v] {
            if part.is_empty() || part.contains([',', '=']) || part.chars().any(|c| c.is_control() || c.is_whitespace())
            {
                return Err(format!(
                    "`{}` cannot be written into an ALB attribute string (empty, or holds `,`, `=`, a space or a control character)",
                    part.escape_debug()
                ));
            }
        }
        out.push(format!("{k}={v}"));
    }
    Ok(out.join(","))
}

#[cfg(test)]
mod tests {
    use super::attributes;

    #[test]
    fn pairs_are_joined_and_separators_refused() {
        assert_eq!(
            attributes(&[
                ("stickiness.enabled", "true"),
                ("deregistration_delay.timeout_seconds", "30")
            ])
            .unwrap(),
            "stickiness.enabled=true,deregistration_delay.timeout_seconds=30"
        );
        for bad in ["a,stickiness.enabled=false", "a=b", "", "a b", "a\nb"] {
            assert!(
                attributes(&[("stickiness.app_cookie.cookie_name", bad)]).is_err(),
                "{bad}"
            );
        }
    }
}
