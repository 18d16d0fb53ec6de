//! Example values left in a final stream: hosts under `example.com`, the AWS documentation
//! account `111122223333`, the AKS overlay's GUIDs `00000000-0000-0000-0000-00000000000X` and
//! the placeholder image `strata/orchestrator`. The shipped base
//! and overlays carry them on purpose so that they build; a deploy that still has them
//! reaches no host of the user's, assumes no role of the user's and pulls no image. Warnings
//! only: nothing here is unsafe, and the shipped overlays must still pass `check`.

use super::at::At;
use super::pods::{containers, pod_spec};
use crate::diag::Diagnostic;
use crate::krm::annotations;
use crate::secrets::holds_ignoring_case;
use serde_yaml::Value;

/// The documentation domain (RFC 2606) the shipped examples use.
pub const EXAMPLE_DOMAIN: &str = "example.com";
/// The account AWS documentation uses in ARNs.
pub const EXAMPLE_ACCOUNT: &str = "111122223333";
/// What the AKS overlay's example client and tenant IDs share: all zeros but the last digit.
pub const EXAMPLE_GUID_PREFIX: &str = "00000000-0000-0000-0000-00000000000";
/// The repository the shipped base names; Strata does not publish the image there.
pub const PLACEHOLDER_IMAGE: &str = "strata/orchestrator";

/// A kind of example value, in the order its warnings are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Example {
    Host,
    Account,
    Guid,
}

impl Example {
    fn warning(self, field: &str, values: &[String]) -> Diagnostic {
        let d = match self {
            Example::Host => Diagnostic::warning(format!(
                "example host {} left in: {EXAMPLE_DOMAIN} is reserved for documentation and serves nothing of yours",
                values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
            ))
            .fix("replace it with your own host name"),
            Example::Account => Diagnostic::warning(format!(
                "the AWS documentation account {EXAMPLE_ACCOUNT} left in: no role or certificate of yours lives there"
            ))
            .fix("use the ARN from your own AWS account"),
            Example::Guid => Diagnostic::warning(format!(
                "example GUID {} left in: no Azure identity or tenant of yours has it",
                values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
            ))
            .fix("use your managed identity's client ID (`az identity show -g <group> -n <name> --query clientId -o tsv`) and your tenant ID (`az account show --query tenantId -o tsv`)"),
        };
        d.field(field)
    }
}

/// The example hosts, account and GUIDs in one string, in order of appearance, without repeats.
fn findings(text: &str) -> Vec<(Example, String)> {
    let mut out: Vec<(Example, String)> = Vec::new();
    // Each kind below needs its text somewhere in the string: most strings are answered here,
    // without the lower-case copy of every token.
    if ![EXAMPLE_DOMAIN, EXAMPLE_ACCOUNT, EXAMPLE_GUID_PREFIX]
        .iter()
        .any(|w| holds_ignoring_case(text, w))
    {
        return out;
    }
    let tokens = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'));
    for token in tokens {
        let token = token.trim_matches('.').to_ascii_lowercase();
        let found = if token == EXAMPLE_DOMAIN || token.ends_with(&format!(".{EXAMPLE_DOMAIN}")) {
            Some((Example::Host, token))
        } else if token.split(['.', '-']).any(|part| part == EXAMPLE_ACCOUNT) {
            Some((Example::Account, EXAMPLE_ACCOUNT.to_owned()))
        } else if token.len() == EXAMPLE_GUID_PREFIX.len() + 1
            && token.starts_with(EXAMPLE_GUID_PREFIX)
            && token.ends_with(|c: char| c.is_ascii_hexdigit())
        {
            Some((Example::Guid, token))
        } else {
            None
        };
        if let Some(f) = found
            && !out.contains(&f)
        {
            out.push(f);
        }
    }
    out
}

/// One step of the path of a string below the value `in_value` was given.
enum Seg<'v> {
    Key(&'v str),
    Index(usize),
}

/// `base` and `segs` as a field path: `spec.hosts[0]`.
fn path_text(base: &str, segs: &[Seg]) -> String {
    let mut p = base.to_owned();
    for s in segs {
        match s {
            Seg::Key(k) => {
                if !p.is_empty() {
                    p.push('.');
                }
                p.push_str(k);
            }
            Seg::Index(i) => p.push_str(&format!("[{i}]")),
        }
    }
    p
}

/// Every string under `v` that holds an example value, with its field path below `base`.
/// Host annotations (paths, ids) are the host's, not the user's, and are left out. The path
/// is spelled only for a string with findings: this visits every string of every item.
fn strings<'v>(v: &'v Value, base: &str, segs: &mut Vec<Seg<'v>>, out: &mut Vec<(String, Vec<(Example, String)>)>) {
    match v {
        Value::String(s) => {
            let found = findings(s);
            if !found.is_empty() {
                out.push((path_text(base, segs), found));
            }
        }
        Value::Mapping(m) => {
            // Empty keys add nothing to a path, so only the others count towards its length.
            let named = segs.iter().filter(|s| !matches!(s, Seg::Key(""))).count();
            let annotations = named <= 2 && path_text(base, segs) == "metadata.annotations";
            for (k, child) in m {
                let Some(k) = k.as_str() else { continue };
                if annotations && annotations::is_host_owned(k) {
                    continue;
                }
                segs.push(Seg::Key(k));
                strings(child, base, segs, out);
                segs.pop();
            }
        }
        Value::Sequence(seq) => {
            for (i, child) in seq.iter().enumerate() {
                segs.push(Seg::Index(i));
                strings(child, base, segs, out);
                segs.pop();
            }
        }
        _ => {}
    }
}

/// Warnings for the example hosts, account and GUIDs under `v`, one per field and kind, each naming
/// its field path below `path` (e.g. `spec.eks.ingress.hosts[0]`). Not yet located: the
/// caller knows the file or object.
pub fn in_value(v: &Value, path: &str) -> Vec<Diagnostic> {
    let mut fields = Vec::new();
    strings(v, path, &mut Vec::new(), &mut fields);
    let mut out = Vec::new();
    for (field, found) in fields {
        for kind in [Example::Host, Example::Account, Example::Guid] {
            let values: Vec<String> = found
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, v)| v.clone())
                .collect();
            if !values.is_empty() {
                out.push(kind.warning(&field, &values));
            }
        }
    }
    out
}

/// The repository of an image reference, without a default registry.
fn repository(image: &str) -> &str {
    let name = image.split_once('@').map_or(image, |(n, _)| n);
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let name = match name[slash..].find(':') {
        Some(colon) => &name[..slash + colon],
        None => name,
    };
    name.strip_prefix("docker.io/")
        .or_else(|| name.strip_prefix("index.docker.io/"))
        .unwrap_or(name)
}

/// The stream rule: example hosts and account anywhere in the object, and the placeholder
/// image in its pod templates (judged here, after kustomize `images:` has run).
pub fn check_object(obj: &Value, at: &At, out: &mut Vec<Diagnostic>) {
    if let Some((pod, p)) = pod_spec(obj) {
        for (c, cp) in containers(pod, p) {
            if let Some(image) = c.get("image").and_then(Value::as_str)
                && repository(image) == PLACEHOLDER_IMAGE
            {
                out.push(at.warning(
                    format!("{cp}.image"),
                    format!("`{image}` is the placeholder image: Strata does not publish the orchestrator there"),
                    "push the image from the Maverics Console to your registry and name it with kustomize `images:` (newName) or spec.image.repository in the base",
                ));
            }
        }
    }
    out.extend(in_value(obj, "").into_iter().map(|d| at.locate(d)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(yaml: &str) -> Vec<(String, String)> {
        let v: Value = serde_yaml::from_str(yaml).unwrap();
        in_value(&v, "spec")
            .into_iter()
            .map(|d| (d.field.unwrap_or_default(), d.message))
            .collect()
    }

    #[test]
    fn finds_example_hosts_subdomains_and_the_account_by_field() {
        let got = fields(
            "hosts: [sso.example.com, EXAMPLE.COM, sso.example.community, notexample.com]\narn: arn:aws:iam::111122223333:role/r\nurl: https://a.example.com/x and https://b.example.com\nid: '1111222233334'\n",
        );
        let paths: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(paths, ["spec.hosts[0]", "spec.hosts[1]", "spec.arn", "spec.url"]);
        assert!(got[3].1.contains("`a.example.com`, `b.example.com`"), "{}", got[3].1);
        assert!(got[2].1.contains("111122223333"), "{}", got[2].1);
    }

    #[test]
    fn finds_the_aks_example_guids_only() {
        let got = fields(
            "clientId: 00000000-0000-0000-0000-000000000001\ntenantId: 00000000-0000-0000-0000-000000000000\nother: 0a1b2c3d-4e5f-6789-abcd-ef0123456789\nlonger: 00000000-0000-0000-0000-0000000000012\n",
        );
        let paths: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(paths, ["spec.clientId", "spec.tenantId"]);
        assert!(
            got[0].1.contains("example GUID `00000000-0000-0000-0000-000000000001`"),
            "{}",
            got[0].1
        );
    }

    #[test]
    fn the_placeholder_image_is_judged_by_repository() {
        for (image, placeholder) in [
            ("strata/orchestrator:v1", true),
            ("docker.io/strata/orchestrator@sha256:ab", true),
            ("registry.example.net:5000/strata/orchestrator:v1", false),
            ("strata/orchestrator-tools:v1", false),
        ] {
            assert_eq!(repository(image) == PLACEHOLDER_IMAGE, placeholder, "{image}");
        }
    }
}
