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

/// A trust subject in one of the forms the platform layers report, split around the
/// ServiceAccount's namespace and name so it can be written again for other ones.
#[derive(Debug, PartialEq, Eq)]
pub struct Subject<'a> {
    head: &'a str,
    /// The ServiceAccount's namespace.
    pub namespace: &'a str,
    between: &'a str,
    /// The ServiceAccount's name.
    pub service_account: &'a str,
    tail: &'a str,
}

impl<'a> Subject<'a> {
    /// Reads `system:serviceaccount:NS:SA` (EKS, ROSA, AKS), GKE's IAM member
    /// `serviceAccount:PROJECT.svc.id.goog[NS/SA]` and its direct principal
    /// `principal://.../subject/ns/NS/sa/SA`; None for any other form.
    pub fn parse(s: &'a str) -> Option<Self> {
        let split = |rest: &'a str, head_len: usize, between: &'a str, tail: &'a str| {
            let body = rest.strip_suffix(tail)?;
            let (namespace, service_account) = body.split_once(between)?;
            (!namespace.is_empty() && !service_account.is_empty()).then_some(Subject {
                head: &s[..head_len],
                namespace,
                between,
                service_account,
                tail,
            })
        };
        const KUBERNETES: &str = "system:serviceaccount:";
        const PRINCIPAL: &str = "/subject/ns/";
        if let Some(rest) = s.strip_prefix(KUBERNETES) {
            return split(rest, KUBERNETES.len(), ":", "");
        }
        if s.starts_with("serviceAccount:") {
            let open = s.find(".svc.id.goog[")? + ".svc.id.goog[".len();
            return split(&s[open..], open, "/", "]");
        }
        if s.starts_with("principal://") {
            let at = s.rfind(PRINCIPAL)? + PRINCIPAL.len();
            return split(&s[at..], at, "/sa/", "");
        }
        None
    }

    /// The same subject, naming ServiceAccount `service_account` in `namespace`.
    pub fn renamed(&self, namespace: &str, service_account: &str) -> String {
        format!("{}{namespace}{}{service_account}{}", self.head, self.between, self.tail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reported_form_is_read_and_rewritten_in_its_own_form() {
        for (s, renamed) in [
            (
                "system:serviceaccount:maverics:reader",
                "system:serviceaccount:idp:acme-reader",
            ),
            (
                "serviceAccount:my-project.svc.id.goog[maverics/reader]",
                "serviceAccount:my-project.svc.id.goog[idp/acme-reader]",
            ),
            (
                "principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/my-project.svc.id.goog/subject/ns/maverics/sa/reader",
                "principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/my-project.svc.id.goog/subject/ns/idp/sa/acme-reader",
            ),
        ] {
            let subject = Subject::parse(s).unwrap();
            assert_eq!(
                (subject.namespace, subject.service_account),
                ("maverics", "reader"),
                "{s}"
            );
            assert_eq!(subject.renamed("maverics", "reader"), s);
            assert_eq!(subject.renamed("idp", "acme-reader"), renamed);
        }
        for bad in [
            "",
            "system:serviceaccount:maverics",
            "serviceAccount:p.svc.id.goog[maverics]",
            "principal://x/subject/ns/maverics",
            "user:someone",
        ] {
            assert_eq!(Subject::parse(bad), None, "{bad}");
        }
    }
}
