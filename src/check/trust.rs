//! Cloud-side trust that no longer names its ServiceAccount: a platform layer marks each
//! ServiceAccount it reported trust for with the subject it reported
//! ([`TRUST_SUBJECT`]); a parent overlay's `namespace:` or `namePrefix` that runs after the
//! layer renames the ServiceAccount, and the trust configured from the report would name an
//! account that does not exist.

use super::at::At;
use crate::diag::Diagnostic;
use crate::k8s::identity::kubernetes_subject;
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
    let actual = kubernetes_subject(ns, object::name(item));
    if reported != actual {
        out.push(at.warning(
            format!("metadata.annotations.{TRUST_SUBJECT}"),
            format!(
                "the platform layer reported cloud-side trust for `{reported}`, but this ServiceAccount is `{ns}/{}` after later renames (a parent overlay's namespace or namePrefix): trust configured from that report names an account that does not exist",
                object::name(item)
            ),
            format!(
                "configure the trust for {actual} (the ServiceAccount's final name), or move the namespace/namePrefix into the kustomization that lists the platform transformer"
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
}
