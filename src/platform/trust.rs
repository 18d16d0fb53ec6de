//! The trust the cloud side must grant to the ServiceAccounts a platform layer uses (an IAM
//! role's trust policy, a federated credential, a workload identity binding), reported as
//! info results built from the namespace and names the transformer sees in the stream. A
//! comment in a config file cannot know them: kustomize `namespace:` and `namePrefix`
//! change both. `eject` writes the same text into the overlay it writes.
//!
//! Each platform says how its cloud names a ServiceAccount ([`Scheme`]) and which of its
//! ServiceAccounts act as which cloud identity ([`Identity`]); [`report`] does the rest.

use crate::diag::Diagnostic;

/// Stands in for the namespace when the stream gives the ServiceAccount none.
pub const UNKNOWN_NAMESPACE: &str = "<namespace>";

/// Builds a subject from a namespace and a ServiceAccount name.
pub type SubjectFn = Box<dyn Fn(&str, &str) -> String>;

/// How one cloud names a Kubernetes ServiceAccount in the trust it grants.
pub struct Scheme {
    /// What kind of cloud identity grants the trust, e.g. "IAM role".
    pub holder: &'static str,
    /// The subject for a namespace and a ServiceAccount name, in the cloud's own form.
    pub subject: SubjectFn,
    /// How the subject is written on the cloud side, given the subject.
    pub how: fn(&str) -> String,
}

pub use crate::k8s::identity::kubernetes_subject;

/// IAM roles for service accounts (EKS) and the pod identity webhook of ROSA with STS: the
/// role trusts the cluster's OIDC provider for the ServiceAccount's token.
pub fn irsa() -> Scheme {
    Scheme {
        holder: "IAM role",
        subject: Box::new(kubernetes_subject),
        how: |subject| {
            format!(
                "its trust policy allows sts:AssumeRoleWithWebIdentity to the cluster's OIDC provider with the conditions `<provider>:sub` = `{subject}` and `<provider>:aud` = `sts.amazonaws.com`"
            )
        },
    }
}

/// A ServiceAccount that acts as a cloud identity.
pub struct Identity {
    /// The platform config field that names the cloud identity (a role ARN, a client ID).
    pub field: String,
    /// That field's value.
    pub cloud_identity: String,
    /// Who uses the ServiceAccount, and for what.
    pub purpose: String,
    /// The ServiceAccount's name, in the orchestrator's namespace.
    pub service_account: String,
}

/// One info result per identity, naming the config field it is about. Without a namespace
/// in the stream the subject depends on where the objects are applied, and the result says
/// how to pin it.
pub fn report(scheme: &Scheme, namespace: Option<&str>, identities: &[Identity]) -> Vec<Diagnostic> {
    let ns = namespace.unwrap_or(UNKNOWN_NAMESPACE);
    identities
        .iter()
        .map(|id| {
            let subject = (scheme.subject)(ns, &id.service_account);
            let d = Diagnostic::info(format!(
                "cloud-side trust: {} `{}` ({}) must trust ServiceAccount `{ns}/{}`: {}",
                scheme.holder,
                id.cloud_identity,
                id.purpose,
                id.service_account,
                (scheme.how)(&subject)
            ))
            .field(id.field.clone());
            match namespace {
                Some(_) => d,
                None => d.fix(
                    "the objects have no namespace yet, so the subject depends on where they are applied: set `namespace:` in the kustomization (or spec.namespace in the base) and build again",
                ),
            }
        })
        .collect()
}

/// The info results as comment lines, for files a person reads instead of build output.
pub fn comment(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics.iter().filter(|d| d.severity == crate::diag::Severity::Info) {
        let field = d.field.as_deref().map(|f| format!("{f}: ")).unwrap_or_default();
        out.push_str(&format!("# {field}{}\n", d.message));
        if let Some(fix) = &d.fix {
            out.push_str(&format!("#   {fix}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader() -> Identity {
        Identity {
            field: "spec.eks.secretStore.roleArn".into(),
            cloud_identity: "arn:aws:iam::123456789012:role/reader".into(),
            purpose: "External Secrets reads AWS Secrets Manager with it".into(),
            service_account: "p-maverics-secrets-reader".into(),
        }
    }

    #[test]
    fn the_subject_comes_from_the_namespace_and_name_given() {
        let d = report(&irsa(), Some("team-a"), &[reader()]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].field.as_deref(), Some("spec.eks.secretStore.roleArn"));
        assert!(
            d[0].message
                .contains("`<provider>:sub` = `system:serviceaccount:team-a:p-maverics-secrets-reader`"),
            "{}",
            d[0].message
        );
        assert!(d[0].fix.is_none());
    }

    #[test]
    fn another_cloud_plugs_in_its_own_subject_form() {
        let project = "my-project".to_owned();
        let gke = Scheme {
            holder: "Google service account",
            subject: Box::new(move |ns, sa| format!("serviceAccount:{project}.svc.id.goog[{ns}/{sa}]")),
            how: |s| format!("grant it roles/iam.workloadIdentityUser for `{s}`"),
        };
        let d = report(&gke, None, &[reader()]);
        assert!(
            d[0].message
                .contains("`serviceAccount:my-project.svc.id.goog[<namespace>/p-maverics-secrets-reader]`"),
            "{}",
            d[0].message
        );
        assert!(d[0].fix.as_deref().is_some_and(|f| f.contains("namespace:")));
        assert!(comment(&d).starts_with("# spec.eks.secretStore.roleArn: cloud-side trust: "));
    }
}
