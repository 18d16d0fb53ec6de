//! `spec.eks`: Amazon EKS settings of the `OrchestratorPlatform` transformer.

use super::aws::{SecretStore, check_arn, check_store};
use super::spread::TopologySpread;
use crate::config::api_rules;
use crate::diag::Diagnostic;
use crate::k8s::validate::Wildcard;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Amazon EKS settings; required with `platform: eks`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Eks {
    /// The ALB Ingress (AWS Load Balancer Controller) that exposes the orchestrator.
    pub ingress: AlbIngress,
    /// How the orchestrator itself gets AWS credentials, when it calls AWS (its native Secrets
    /// Manager provider, for instance); External Secrets gets its own role through `secretStore`.
    /// `irsa`: the ServiceAccount carries `eks.amazonaws.com/role-arn` (`orchestratorRoleArn`, or
    /// the base's `spec.serviceAccount.annotations`); the SDK calls STS over HTTPS. `podIdentity`:
    /// EKS Pod Identity (`aws eks create-pod-identity-association`, no annotation); the
    /// NetworkPolicy allows egress to exactly the node's Pod Identity agent, `169.254.170.23/32`
    /// and `fd00:ec2::23/128` on port 80 (EKS User Guide, "Learn how EKS Pod Identity grants pods
    /// access to AWS services": https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html).
    /// `none`: no AWS identity and nothing extra allowed. Unset: `irsa` when a role ARN is set,
    /// else `none` (the behaviour before this field existed).
    #[serde(default)]
    pub identity: Option<AwsIdentity>,
    /// IRSA role of the orchestrator's own ServiceAccount, for `identity: irsa`. Set it only when
    /// the orchestrator itself calls AWS.
    #[serde(default)]
    pub orchestrator_role_arn: Option<String>,
    /// A SecretStore for AWS Secrets Manager with a ServiceAccount of its own; unset: none.
    #[serde(default, deserialize_with = "super::null_is_empty")]
    pub secret_store: Option<SecretStore>,
    /// The encrypted gp3 StorageClass for `spec.persistence`.
    #[serde(default)]
    pub storage: Storage,
    /// Which NetworkPolicy API enforces the policy, and where the ALB's requests come from.
    #[serde(default)]
    pub network_policy: EksNetworkPolicy,
    /// How pods spread across zones.
    #[serde(default)]
    pub topology_spread: TopologySpread,
}

/// The orchestrator's own AWS identity on EKS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum AwsIdentity {
    /// IAM roles for service accounts: the `eks.amazonaws.com/role-arn` annotation.
    Irsa,
    /// EKS Pod Identity: the node agent at 169.254.170.23:80 (IPv6 `fd00:ec2::23`).
    PodIdentity,
    /// The orchestrator makes no AWS calls of its own.
    None,
}

/// EKS Pod Identity's agent: a DaemonSet on the host network of every node, reached by the
/// SDK at these link-local addresses on port 80 (EKS User Guide, pod-id-how-it-works).
pub const POD_IDENTITY_AGENT: [&str; 2] = ["169.254.170.23/32", "fd00:ec2::23/128"];
/// The port of EKS Pod Identity's agent on [`POD_IDENTITY_AGENT`].
pub const POD_IDENTITY_PORT: u16 = 80;

/// The ALB Ingress (AWS Load Balancer Controller) that exposes the orchestrator.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlbIngress {
    /// The host names clients use; at least one.
    pub hosts: Vec<String>,
    /// `internal` or `internet-facing`.
    #[serde(default)]
    pub scheme: AlbScheme,
    /// ACM certificate ARNs; the first is the default certificate, the rest are served by SNI.
    pub certificate_arns: Vec<String>,
    /// The HTTPS listener's TLS policy.
    #[serde(default = "default_ssl_policy")]
    pub ssl_policy: String,
    /// Target group stickiness, which a scaled orchestrator in proxy mode needs.
    #[serde(default)]
    pub stickiness: Stickiness,
    /// The target group's deregistration delay; the pod's preStop delay matches it.
    #[serde(default = "default_deregistration")]
    pub deregistration_delay_seconds: u32,
    /// The ALB's idle timeout.
    #[serde(default = "default_idle_timeout")]
    pub idle_timeout_seconds: u32,
    /// An IngressGroup to share one ALB with other Ingresses.
    #[serde(default)]
    pub group_name: Option<String>,
}

fn default_ssl_policy() -> String {
    "ELBSecurityPolicy-TLS13-1-2-2021-06".into()
}
fn default_deregistration() -> u32 {
    30
}
fn default_idle_timeout() -> u32 {
    120
}

/// Whether the ALB is reachable from the internet or from the VPC only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AlbScheme {
    /// Reachable from inside the VPC only.
    #[default]
    Internal,
    /// Reachable from the internet.
    InternetFacing,
}

impl AlbScheme {
    /// The value of the `alb.ingress.kubernetes.io/scheme` annotation.
    pub fn as_str(self) -> &'static str {
        match self {
            AlbScheme::Internal => "internal",
            AlbScheme::InternetFacing => "internet-facing",
        }
    }
}

/// Target group stickiness, which a scaled orchestrator in proxy mode needs.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Stickiness {
    /// `appCookie` follows the orchestrator's own session cookie; `lbCookie` lets the ALB set
    /// `AWSALB`.
    pub r#type: StickinessType,
    /// Lifetime of the stickiness cookie (1 to 604800).
    pub duration_seconds: u32,
}

impl Default for Stickiness {
    fn default() -> Self {
        Stickiness {
            r#type: StickinessType::AppCookie,
            duration_seconds: 86400,
        }
    }
}

/// `appCookie` follows the orchestrator's own session cookie; `lbCookie` lets the ALB set
/// `AWSALB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum StickinessType {
    /// The ALB keys on the orchestrator's own session cookie (`app_cookie`).
    AppCookie,
    /// The ALB issues its own cookie, `AWSALB` (`lb_cookie`).
    LbCookie,
}

/// The encrypted gp3 StorageClass for `spec.persistence`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Storage {
    /// Emit the encrypted gp3 StorageClass (cluster-scoped; leave off when it exists).
    pub create_storage_class: bool,
    /// Default `<orchestrator>-gp3-encrypted`.
    pub storage_class_name: Option<String>,
    /// A customer-managed KMS key ARN; default the account's `aws/ebs` key.
    pub kms_key_arn: Option<String>,
}

/// Which NetworkPolicy API enforces the policy, and where the ALB's requests come from.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct EksNetworkPolicy {
    /// `standard`: `networking.k8s.io/v1`, enforced by the VPC CNI (v1.14+, `enableNetworkPolicy`);
    /// `calico`: `projectcalico.org/v3`.
    pub flavour: Flavour,
    /// The CIDRs of the ALB's subnets (`alb.ingress.kubernetes.io/subnets`, or the subnets tagged
    /// `kubernetes.io/role/elb` / `internal-elb`): with `target-type: ip` the ALB's ENIs there are
    /// the source of every request, and the only one the HTTP port admits. Not the VPC CIDR: under
    /// the VPC CNI every pod gets an address from the VPC, so the VPC CIDR would admit every pod of
    /// every namespace.
    pub alb_subnet_cidrs: Vec<String>,
    /// Deprecated alias of `albSubnetCidrs` (it asked for the VPC CIDR, which under the VPC CNI
    /// includes every pod): read as `albSubnetCidrs`, with a warning.
    pub vpc_cidrs: Vec<String>,
}

impl EksNetworkPolicy {
    /// The ALB's source CIDRs and the field they were read from.
    pub fn alb_sources(&self) -> (&[String], &'static str) {
        if self.alb_subnet_cidrs.is_empty() && !self.vpc_cidrs.is_empty() {
            (&self.vpc_cidrs, "spec.eks.networkPolicy.vpcCidrs")
        } else {
            (&self.alb_subnet_cidrs, "spec.eks.networkPolicy.albSubnetCidrs")
        }
    }
}

impl Eks {
    /// The orchestrator's AWS identity: as chosen, else IRSA when a role ARN is given (here or
    /// as the base's annotation, `base_annotated`), else none.
    pub fn identity(&self, base_annotated: bool) -> AwsIdentity {
        self.identity
            .unwrap_or(if self.orchestrator_role_arn.is_some() || base_annotated {
                AwsIdentity::Irsa
            } else {
                AwsIdentity::None
            })
    }
}

/// The NetworkPolicy API the cluster enforces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Flavour {
    /// `networking.k8s.io/v1`, enforced by the VPC CNI (v1.14+, `enableNetworkPolicy`).
    #[default]
    Standard,
    /// `projectcalico.org/v3`, for clusters that run Calico instead.
    Calico,
}

/// Rules types cannot express: hosts, ARNs, names and ranges the AWS APIs accept.
pub(super) fn check(eks: &Eks, err: &mut impl FnMut(Diagnostic)) {
    let i = &eks.ingress;
    for (n, h) in i.hosts.iter().enumerate() {
        api_rules::host(h, &format!("spec.eks.ingress.hosts[{n}]"), Wildcard::FirstLabel, err);
    }
    // The AWS Load Balancer Controller's rule for IngressGroup names: a DNS label's
    // characters plus '.', at most 63.
    if let Some(g) = &i.group_name
        && let Err(why) = crate::k8s::validate::dns_subdomain(g).and_then(|()| {
            (g.len() <= crate::k8s::validate::LABEL_MAX)
                .then_some(())
                .ok_or_else(|| format!("is {} characters long, more than 63", g.len()))
        })
    {
        err(
            Diagnostic::error(format!("IngressGroup `{}` {why}", api_rules::shown(g)))
                .field("spec.eks.ingress.groupName")
                .fix("use at most 63 lower-case letters, digits, '-' and '.', e.g. `sso`"),
        );
    }
    if let Some(c) = &eks.storage.storage_class_name {
        api_rules::subdomain(c, "spec.eks.storage.storageClassName", err);
    }
    if i.hosts.is_empty() {
        err(Diagnostic::error("the ALB Ingress has no host")
            .field("spec.eks.ingress.hosts")
            .fix("list the host names clients use, e.g. `[sso.example.com]`"));
    }
    if i.certificate_arns.is_empty() {
        err(Diagnostic::error("the ALB HTTPS listener has no certificate")
            .field("spec.eks.ingress.certificateArns")
            .fix("add the ACM certificate ARN, e.g. `arn:aws:acm:us-east-1:111122223333:certificate/<id>`"));
    }
    for (n, arn) in i.certificate_arns.iter().enumerate() {
        if let Err(why) = check_arn(arn, "acm", "certificate/") {
            err(
                Diagnostic::error(format!("`{arn}` is not an ACM certificate ARN: {why}"))
                    .field(format!("spec.eks.ingress.certificateArns[{n}]"))
                    .fix("write `arn:aws:acm:<region>:<12-digit account>:certificate/<id>`"),
            );
        }
    }
    if !(1..=604_800).contains(&i.stickiness.duration_seconds) {
        err(
            Diagnostic::error("the ALB accepts stickiness durations of 1 to 604800 seconds")
                .field("spec.eks.ingress.stickiness.durationSeconds")
                .fix("use a value from 1 to 604800 (7 days); 86400 is one day"),
        );
    }
    if i.deregistration_delay_seconds > 3600 {
        err(
            Diagnostic::error("the ALB accepts deregistration delays of 0 to 3600 seconds")
                .field("spec.eks.ingress.deregistrationDelaySeconds")
                .fix("use a value from 0 to 3600; 30 fits the orchestrator's short requests"),
        );
    }
    if let Some(arn) = &eks.orchestrator_role_arn
        && let Err(why) = check_arn(arn, "iam", "role/")
    {
        err(Diagnostic::error(format!("`{arn}` is not an IAM role ARN: {why}"))
            .field("spec.eks.orchestratorRoleArn")
            .fix("write `arn:aws:iam::<12-digit account>:role/<name>`"));
    }
    if let Some(store) = &eks.secret_store {
        check_store(store, "spec.eks.secretStore", err);
    }
    if let Some(arn) = &eks.storage.kms_key_arn
        && let Err(why) = check_arn(arn, "kms", "key/")
    {
        err(Diagnostic::error(format!("`{arn}` is not a KMS key ARN: {why}"))
            .field("spec.eks.storage.kmsKeyArn")
            .fix("write `arn:aws:kms:<region>:<12-digit account>:key/<id>`, or remove it to use the aws/ebs key"));
    }
    let np = &eks.network_policy;
    let (cidrs, at) = np.alb_sources();
    for (n, cidr) in cidrs.iter().enumerate() {
        api_rules::cidr(cidr, &format!("{at}[{n}]"), err);
    }
    if !np.alb_subnet_cidrs.is_empty() && !np.vpc_cidrs.is_empty() {
        err(
            Diagnostic::error("both `albSubnetCidrs` and its deprecated alias `vpcCidrs` are set")
                .field("spec.eks.networkPolicy.vpcCidrs")
                .fix("remove `vpcCidrs`; `albSubnetCidrs` lists the ALB's subnets"),
        );
    }
    if cidrs.is_empty() {
        err(
                Diagnostic::error("the NetworkPolicy needs the CIDRs of the subnets the ALB sends from")
                    .field("spec.eks.networkPolicy.albSubnetCidrs")
                    .fix("list the CIDRs of the ALB's subnets, e.g. `[10.0.0.0/24, 10.0.1.0/24]` (`aws ec2 describe-subnets --filters Name=tag:kubernetes.io/role/elb,Values=1`)"),
            );
    }
    if eks.orchestrator_role_arn.is_some() && matches!(eks.identity, Some(AwsIdentity::PodIdentity | AwsIdentity::None))
    {
        err(Diagnostic::error("`orchestratorRoleArn` is an IRSA role, but `identity` is not `irsa`")
                .field("spec.eks.orchestratorRoleArn")
                .fix("remove `orchestratorRoleArn` (Pod Identity binds the role with `aws eks create-pod-identity-association`), or set `identity: irsa`"));
    }
    if let Some(w) = &eks.topology_spread.when_unsatisfiable
        && w != "ScheduleAnyway"
        && w != "DoNotSchedule"
    {
        err(Diagnostic::error(format!("unknown whenUnsatisfiable `{w}`"))
            .field("spec.eks.topologySpread.whenUnsatisfiable")
            .fix("use `ScheduleAnyway` or `DoNotSchedule`"));
    }
}
