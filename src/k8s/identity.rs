//! The annotations and labels that bind a ServiceAccount or a pod to a cloud identity. The
//! platform layers write them and `diff` reads them, so both use these names.

/// EKS IAM roles for service accounts: the role a ServiceAccount's tokens may assume.
pub const IRSA_ROLE_ARN: &str = "eks.amazonaws.com/role-arn";
/// Microsoft Entra Workload ID: the managed identity's client ID on the ServiceAccount.
pub const AZURE_CLIENT_ID: &str = "azure.workload.identity/client-id";
/// Microsoft Entra Workload ID: the identity's tenant on the ServiceAccount.
pub const AZURE_TENANT_ID: &str = "azure.workload.identity/tenant-id";
/// The pod label the Workload ID webhook acts on (AKS: required, "Fail Close").
pub const AZURE_USE_LABEL: &str = "azure.workload.identity/use";
/// Workload Identity Federation for GKE: the Google service account a ServiceAccount acts as.
pub const GKE_SERVICE_ACCOUNT: &str = "iam.gke.io/gcp-service-account";

/// The form Kubernetes issues a ServiceAccount's tokens for; IRSA, ROSA STS and AKS federated
/// credentials match it as the token's `sub` claim.
pub fn kubernetes_subject(namespace: &str, service_account: &str) -> String {
    format!("system:serviceaccount:{namespace}:{service_account}")
}
