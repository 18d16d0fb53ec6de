//! The `OrchestratorPlatform` transformer config: which platform the orchestrator runs on and
//! that platform's settings. Field names are part of the public contract (README, overlays).

use super::orchestrator::Metadata;
use super::parse;
use crate::diag::{Diagnostic, FileRef, ResourceRef};
use crate::k8s::validate::Wildcard;
use crate::krm::object;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_yaml::Value;

pub const KIND: &str = "OrchestratorPlatform";

/// `kind: OrchestratorPlatform`: the transformer that adapts the orchestrator base to a
/// platform (EKS, ROSA). Field reference: `maverics-krm explain orchestratorplatform.spec`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrchestratorPlatform {
    /// Always `krm.maverics.dev/v1alpha1`.
    pub api_version: String,
    /// Always `OrchestratorPlatform`.
    pub kind: String,
    /// The config's name and host annotations.
    pub metadata: Metadata,
    /// The platform and its settings.
    pub spec: Spec,
    #[serde(skip)]
    pub file: Option<FileRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Eks,
    Rosa,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Eks => "eks",
            Platform::Rosa => "rosa",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Spec {
    /// `eks` or `rosa`; the settings block of that name is required, the other one refused.
    pub platform: Platform,
    /// The orchestrator instance (`app.kubernetes.io/instance`) to patch; needed only when the
    /// stream holds several.
    #[serde(default)]
    pub instance: Option<String>,
    /// Amazon EKS settings; required with `platform: eks`.
    #[serde(default)]
    pub eks: Option<Eks>,
    /// Red Hat OpenShift Service on AWS settings; required with `platform: rosa`.
    #[serde(default)]
    pub rosa: Option<Rosa>,
}

// ---------------------------------------------------------------------------------------
// EKS

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
    #[serde(default)]
    pub secret_store: Option<SecretStore>,
    /// The encrypted gp3 StorageClass for `spec.persistence`.
    #[serde(default)]
    pub storage: Storage,
    /// Which NetworkPolicy API enforces the policy, and where the ALB's requests come from.
    #[serde(default)]
    pub network_policy: EksNetworkPolicy,
    /// How pods spread across zones and nodes.
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
pub const POD_IDENTITY_PORT: u16 = 80;

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

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AlbScheme {
    #[default]
    Internal,
    InternetFacing,
}

impl AlbScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            AlbScheme::Internal => "internal",
            AlbScheme::InternetFacing => "internet-facing",
        }
    }
}

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
    AppCookie,
    LbCookie,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretStore {
    /// The AWS region of Secrets Manager.
    pub region: String,
    /// The role External Secrets assumes (IRSA / ROSA STS) through the dedicated ServiceAccount:
    /// read access to the orchestrator's secrets only.
    pub role_arn: String,
}

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

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Flavour {
    /// `networking.k8s.io/v1`, enforced by the VPC CNI (v1.14+, `enableNetworkPolicy`).
    #[default]
    Standard,
    /// `projectcalico.org/v3`, for clusters that run Calico instead.
    Calico,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct TopologySpread {
    /// `ScheduleAnyway` (default) or `DoNotSchedule`.
    pub when_unsatisfiable: Option<String>,
}

// ---------------------------------------------------------------------------------------
// ROSA

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rosa {
    /// The OpenShift Route that exposes the orchestrator.
    pub route: Route,
    /// The Red Hat certified image.
    #[serde(default)]
    pub image: RosaImage,
    /// A SecretStore for AWS Secrets Manager through AWS STS; unset: none.
    #[serde(default)]
    pub secret_store: Option<SecretStore>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Route {
    /// The Route's host name.
    pub host: String,
    /// `edge`, `reencrypt` or `passthrough`. Default: `edge` when the pod serves HTTP, `reencrypt`
    /// when it serves HTTPS.
    #[serde(default)]
    pub termination: Option<RouteTermination>,
    /// The router's sticky cookie; never the orchestrator's own session cookie.
    #[serde(default = "default_router_cookie")]
    pub cookie_name: String,
    /// The router's timeout (`haproxy.router.openshift.io/timeout`).
    #[serde(default = "default_route_timeout")]
    pub timeout: String,
    /// The Secret the service CA fills for `reencrypt`; default `<service>-serving-cert`.
    #[serde(default)]
    pub serving_cert_secret_name: Option<String>,
}

fn default_router_cookie() -> String {
    "MAVERICS_RTE".into()
}
fn default_route_timeout() -> String {
    "60s".into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RouteTermination {
    Edge,
    Reencrypt,
    Passthrough,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RosaImage {
    /// Red Hat certified image; the tag or digest of the base is kept.
    pub repository: String,
}

impl Default for RosaImage {
    fn default() -> Self {
        RosaImage {
            repository: "registry.connect.redhat.com/strata-identity/orchestrator".into(),
        }
    }
}

impl OrchestratorPlatform {
    pub fn from_value(value: &Value, file: Option<FileRef>) -> Result<Self, Vec<Diagnostic>> {
        let resource = object::resource_ref(value);
        let mut p: OrchestratorPlatform = parse::typed(value, file.as_ref(), &resource)?;
        p.file = file;
        let diags = p.check_platform();
        if crate::diag::has_errors(&diags) {
            return Err(diags);
        }
        Ok(p)
    }

    pub fn locate(&self, d: Diagnostic) -> Diagnostic {
        d.file(self.file.clone()).resource(Some(ResourceRef {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            name: self.metadata.name.clone(),
            namespace: self.metadata.namespace.clone(),
        }))
    }

    /// Rules types cannot express: the settings block matches the platform, ARNs have their
    /// shape, names fit their limits.
    fn check_platform(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut err = |d: Diagnostic| out.push(self.locate(d));
        let s = &self.spec;
        match (s.platform, &s.eks, &s.rosa) {
            (Platform::Eks, None, _) => err(Diagnostic::error("`spec.platform: eks` needs the EKS settings")
                .field("spec.eks")
                .fix("add `spec.eks` with at least `ingress.hosts` and `ingress.certificateArns` (see overlays/eks/platform.yaml)")),
            (Platform::Rosa, _, None) => err(Diagnostic::error("`spec.platform: rosa` needs the ROSA settings")
                .field("spec.rosa")
                .fix("add `spec.rosa` with at least `route.host` (see overlays/rosa/platform.yaml)")),
            _ => {}
        }
        if s.platform != Platform::Eks && s.eks.is_some() {
            err(Diagnostic::error("`spec.eks` is set but the platform is not eks")
                .field("spec.eks")
                .fix("remove `spec.eks`, or set `spec.platform: eks`"));
        }
        if s.platform != Platform::Rosa && s.rosa.is_some() {
            err(Diagnostic::error("`spec.rosa` is set but the platform is not rosa")
                .field("spec.rosa")
                .fix("remove `spec.rosa`, or set `spec.platform: rosa`"));
        }
        if let Some(eks) = &s.eks {
            let i = &eks.ingress;
            for (n, h) in i.hosts.iter().enumerate() {
                super::api_rules::host(
                    h,
                    &format!("spec.eks.ingress.hosts[{n}]"),
                    Wildcard::FirstLabel,
                    &mut err,
                );
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
                    Diagnostic::error(format!("IngressGroup `{}` {why}", super::api_rules::shown(g)))
                        .field("spec.eks.ingress.groupName")
                        .fix("use at most 63 lower-case letters, digits, '-' and '.', e.g. `sso`"),
                );
            }
            if let Some(c) = &eks.storage.storage_class_name {
                super::api_rules::subdomain(c, "spec.eks.storage.storageClassName", &mut err);
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
                check_store(store, "spec.eks.secretStore", &mut err);
            }
            if let Some(arn) = &eks.storage.kms_key_arn
                && let Err(why) = check_arn(arn, "kms", "key/")
            {
                err(Diagnostic::error(format!("`{arn}` is not a KMS key ARN: {why}"))
                    .field("spec.eks.storage.kmsKeyArn")
                    .fix(
                        "write `arn:aws:kms:<region>:<12-digit account>:key/<id>`, or remove it to use the aws/ebs key",
                    ));
            }
            let np = &eks.network_policy;
            let (cidrs, at) = np.alb_sources();
            for (n, cidr) in cidrs.iter().enumerate() {
                super::api_rules::cidr(cidr, &format!("{at}[{n}]"), &mut err);
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
            if eks.orchestrator_role_arn.is_some()
                && matches!(eks.identity, Some(AwsIdentity::PodIdentity | AwsIdentity::None))
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
        if let Some(rosa) = &s.rosa {
            let r = &rosa.route;
            if r.termination == Some(RouteTermination::Passthrough) {
                err(Diagnostic::error("a passthrough Route cannot keep sessions sticky: the router sets no cookie and hashes the source IP, which a load balancer hides")
                    .field("spec.rosa.route.termination")
                    .fix("use `edge` (the pod serves HTTP) or `reencrypt` (the pod serves HTTPS), or remove the field to choose from the base"));
            }
            super::api_rules::host(&r.host, "spec.rosa.route.host", Wildcard::Never, &mut err);
            super::api_rules::cookie(&r.cookie_name, "spec.rosa.route.cookieName", &mut err);
            if let Err(why) = crate::k8s::validate::router_timeout(&r.timeout) {
                err(
                    Diagnostic::error(format!("`{}` {why}", super::api_rules::shown(&r.timeout)))
                        .field("spec.rosa.route.timeout")
                        .fix("write a number and a unit, e.g. `60s` or `5m`"),
                );
            }
            if let Some(c) = &r.serving_cert_secret_name {
                super::api_rules::subdomain(c, "spec.rosa.route.servingCertSecretName", &mut err);
            }
            if let Some(store) = &rosa.secret_store {
                check_store(store, "spec.rosa.secretStore", &mut err);
            }
            if let Err(why) = crate::k8s::validate::image_repository(&rosa.image.repository) {
                err(Diagnostic::error(format!(
                    "the image repository `{}` {why}",
                    super::api_rules::shown(&rosa.image.repository)
                ))
                .field("spec.rosa.image.repository")
                .fix(
                    "remove it for the Red Hat registry default, or name your mirror as `registry/path` in lower case",
                ));
            }
        }
        out
    }
}

fn check_store(store: &SecretStore, at: &str, err: &mut impl FnMut(Diagnostic)) {
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
