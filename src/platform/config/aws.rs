//! What the AWS platforms (EKS, ROSA) share: the Secrets Manager store and ARN shapes.

use crate::diag::Diagnostic;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The layer adds this SecretStore with a ServiceAccount of its own, and points the base's
/// ExternalSecret at it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretStore {
    /// The AWS region of Secrets Manager.
    pub region: String,
    /// The role External Secrets assumes (IRSA / ROSA STS) through the dedicated ServiceAccount:
    /// read access to the orchestrator's secrets only.
    pub role_arn: String,
}

pub(super) fn check_store(store: &SecretStore, at: &str, err: &mut impl FnMut(Diagnostic)) {
    if let Err(why) = check_arn(&store.role_arn, "iam", "role/") {
        err(
            Diagnostic::error(format!("`{}` is not an IAM role ARN: {why}", store.role_arn))
                .field(format!("{at}.roleArn"))
                .fix("write `arn:aws:iam::<12-digit account>:role/<name>`"),
        );
    }
    let region_ok = store.region.split('-').count() >= 3
        && store
            .region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !region_ok {
        err(Diagnostic::error(format!("`{}` is not an AWS region", store.region))
            .field(format!("{at}.region"))
            .fix("write a region code such as `us-east-1`"));
    }
}

/// `arn:<partition>:<service>:<region>:<account>:<resource>`; IAM has no region.
pub fn check_arn(arn: &str, service: &str, resource_prefix: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [a, partition, svc, region, account, resource] = parts.as_slice() else {
        return Err("an ARN has six ':'-separated parts".into());
    };
    if *a != "arn" || !["aws", "aws-cn", "aws-us-gov"].contains(partition) {
        return Err("it must start with `arn:aws:`".into());
    }
    if *svc != service {
        return Err(format!("the service is `{svc}`, expected `{service}`"));
    }
    if service == "iam" && !region.is_empty() {
        return Err("IAM ARNs have an empty region (`arn:aws:iam::`)".into());
    }
    if service != "iam" && region.is_empty() {
        return Err("the region is missing".into());
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("the account `{account}` is not 12 digits"));
    }
    match resource.strip_prefix(resource_prefix) {
        Some(rest) if !rest.is_empty() => Ok(()),
        _ => Err(format!("the resource must be `{resource_prefix}<name>`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_shapes() {
        assert!(check_arn("arn:aws:iam::111122223333:role/maverics", "iam", "role/").is_ok());
        assert!(
            check_arn(
                "arn:aws:acm:us-east-1:111122223333:certificate/abc",
                "acm",
                "certificate/"
            )
            .is_ok()
        );
        assert!(check_arn("arn:aws:iam::1111:role/x", "iam", "role/").is_err());
        assert!(check_arn("arn:aws:iam:us-east-1:111122223333:role/x", "iam", "role/").is_err());
        assert!(check_arn("111122223333:role/x", "iam", "role/").is_err());
        assert!(check_arn("arn:aws:iam::111122223333:user/x", "iam", "role/").is_err());
    }
}
