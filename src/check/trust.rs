//! Cloud-side trust that no longer names its ServiceAccount: a platform layer marks each
//! ServiceAccount it reported trust for with the subject it reported
//! ([`TRUST_SUBJECT`]); a parent overlay's `namespace:` or `namePrefix` that runs after the
//! layer renames the ServiceAccount, and the trust configured from the report would name an
//! account that does not exist.

use super::at::At;
use crate::diag::Diagnostic;
use crate::k8s::identity::Subject;
use crate::k8s::labels::TRUST_SUBJECT;
use crate::krm::{annotations, object};
use k8s_openapi::Resource;
use k8s_openapi::api::core::v1::ServiceAccount;
use serde_yaml::Value;

/// A warning on `item`, a ServiceAccount whose final namespace and name differ from the
/// subject a platform layer reported for it.
pub fn check_object(item: &Value, at: &At, out: &mut Vec<Diagnostic>) {
    if object::api_version(item) != ServiceAccount::API_VERSION || object::kind(item) != ServiceAccount::KIND {
        return;
    }
    let Some(reported) = annotations::get(item, TRUST_SUBJECT) else {
        return;
    };
    let Some(ns) = object::namespace(item) else { return };
    let name = object::name(item);
    // A form the check cannot read names no ServiceAccount it could compare.
    let Some(subject) = Subject::parse(reported) else {
        return;
    };
    if (subject.namespace, subject.service_account) != (ns, name) {
        out.push(at.warning(
            format!("metadata.annotations.{TRUST_SUBJECT}"),
            format!(
                "the platform layer reported cloud-side trust for `{reported}`, but this ServiceAccount is `{ns}/{name}` after later renames (a parent overlay's namespace or namePrefix): trust configured from that report names an account that does not exist"
            ),
            format!(
                "configure the trust for {} (the ServiceAccount's final name), or move the namespace/namePrefix into the kustomization that lists the platform transformer",
                subject.renamed(ns, name)
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(ns: &str, name: &str, subject: &str) -> Value {
        serde_yaml::from_str(&format!(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  namespace: {ns}\n  annotations:\n    {TRUST_SUBJECT}: {subject}\n"
        ))
        .unwrap()
    }

    #[test]
    fn a_renamed_service_account_is_reported_with_its_real_subject() {
        let item = sa(
            "idp",
            "acme-maverics-secrets-reader",
            "system:serviceaccount:maverics:maverics-secrets-reader",
        );
        let mut out = Vec::new();
        check_object(&item, &At::new(&item), &mut out);
        assert_eq!(out.len(), 1);
        assert!(
            out[0].fix.as_deref().unwrap().starts_with(
                "configure the trust for system:serviceaccount:idp:acme-maverics-secrets-reader (the ServiceAccount's final name)"
            ),
            "{:?}",
            out[0]
        );
        let same = sa(
            "maverics",
            "maverics-secrets-reader",
            "system:serviceaccount:maverics:maverics-secrets-reader",
        );
        let mut out = Vec::new();
        check_object(&same, &At::new(&same), &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn gke_subjects_are_compared_and_corrected_in_their_own_form() {
        let member = "serviceAccount:my-project.svc.id.goog[maverics/maverics-secrets-reader]";
        let principal = "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/my-project.svc.id.goog/subject/ns/maverics/sa/maverics-secrets-reader";
        for (reported, corrected) in [
            (
                member,
                "serviceAccount:my-project.svc.id.goog[idp/acme-maverics-secrets-reader]",
            ),
            (
                principal,
                "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/my-project.svc.id.goog/subject/ns/idp/sa/acme-maverics-secrets-reader",
            ),
        ] {
            let item = sa("idp", "acme-maverics-secrets-reader", reported);
            let mut out = Vec::new();
            check_object(&item, &At::new(&item), &mut out);
            assert_eq!(out.len(), 1, "{reported}");
            assert!(
                out[0]
                    .fix
                    .as_deref()
                    .unwrap()
                    .starts_with(&format!("configure the trust for {corrected} (")),
                "{:?}",
                out[0]
            );
            let same = sa("maverics", "maverics-secrets-reader", reported);
            let mut out = Vec::new();
            check_object(&same, &At::new(&same), &mut out);
            assert!(out.is_empty(), "{reported}: {out:?}");
        }
    }
}
