//! `init` as a newcomer uses it, through the real kustomize: a scaffold, edits, a second
//! platform added without losing them; the cloud-side trust the platform layer reports from
//! the names it sees; the example values the shipped overlays carry on purpose.

use crate::common;

use common::{bin, command, kustomize_build_reporting as build, kustomize_versions, root, stderr, stdout};
use std::path::Path;
use std::process::{Command, Output};

fn init(args: &[&str], dir: &Path) -> Output {
    Command::new(bin())
        .arg("init")
        .arg(dir)
        .args(args)
        .output()
        .expect("run init")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = read(path);
    assert!(text.contains(from), "{} has no `{from}`", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write edit");
}

/// The `field` of every line of `severity` a function or `check` printed, in order.
fn fields(stderr: &str, severity: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("{severity}: ")))
        .map(|l| {
            // `WHERE: FIELD: message`; WHERE has no `: ` of its own.
            let mut parts = l.splitn(3, ": ");
            let (_, field) = (parts.next(), parts.next());
            field.unwrap_or_default().to_owned()
        })
        .collect()
}

/// `maverics-krm check` of a rendered stream: asserts exit 0 (warnings do not fail it) and
/// returns the fields it warned about.
fn check_warnings(stream: &str) -> Vec<String> {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), stream).expect("write render");
    let out = Command::new(bin())
        .arg("check")
        .arg(file.path())
        .output()
        .expect("check");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    fields(&stderr(&out), "warning")
}

fn subject(namespace: &str, sa: &str) -> String {
    format!("`<provider>:sub` = `system:serviceaccount:{namespace}:{sa}`")
}

#[cfg(feature = "e2e")]
#[test]
fn a_second_platform_is_added_without_losing_edits_and_both_build() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    let out = init(&["--platform", "eks"], &repo);
    assert!(out.status.success(), "{}", stderr(&out));

    // Edits a user makes first: the namespace in the base, the host and a prefix in EKS.
    let base = repo.join("bases/orchestrator/orchestrator.yaml");
    edit(&base, "  namespace: maverics\n", "  namespace: identity\n");
    let eks = repo.join("overlays/eks/platform.yaml");
    edit(&eks, "- sso.example.com", "- login.corp.test");
    let eks_k = repo.join("overlays/eks/kustomization.yaml");
    edit(
        &eks_k,
        "resources:\n",
        "namePrefix: blue-\nimages:\n  - name: strata/orchestrator\n    newName: registry.corp.test/sso/orchestrator\nresources:\n",
    );
    let readme = repo.join("README.md");
    edit(&readme, "# Strata Maverics Orchestrator", "# Our SSO");
    let before: Vec<(std::path::PathBuf, String)> = [&base, &eks, &eks_k, &readme]
        .into_iter()
        .map(|p| (p.clone(), read(p)))
        .collect();

    let out = init(&["--add-platform", "rosa"], &repo);
    assert!(out.status.success(), "{}", stderr(&out));
    for (path, text) in &before {
        assert_eq!(&read(path), text, "--add-platform changed {}", path.display());
    }
    for f in [
        "kustomization.yaml",
        "platform.yaml",
        "kustomizeconfig.yaml",
        "README.md",
    ] {
        assert!(repo.join("overlays/rosa").join(f).is_file(), "no overlays/rosa/{f}");
    }
    // A platform already there is refused, and nothing is written.
    let out = init(&["--add-platform", "rosa"], &repo);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("overlays/rosa already exists"),
        "{}",
        stderr(&out)
    );
    // --add-platform needs a scaffold.
    let out = init(&["--add-platform", "rosa"], &tmp.path().join("empty"));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("holds no scaffold"), "{}", stderr(&out));

    // Each overlay: a line its output must have, and its secrets reader as the stream names it.
    let overlays = [
        ("eks", "host: login.corp.test", "blue-maverics-secrets-reader"),
        ("rosa", "kind: Route", "maverics-secrets-reader"),
    ];
    for (version, kustomize) in kustomize_versions() {
        for (platform, line, reader) in overlays {
            let (out, err) = build(&kustomize, &repo.join("overlays").join(platform));
            for want in [line, "namespace: identity"] {
                assert!(out.contains(want), "{version} {platform}: an edit is lost: no `{want}`");
            }
            assert!(
                err.contains(&subject("identity", reader)),
                "{version} {platform}: trust subject:\n{err}"
            );
            assert_eq!(
                fields(&err, "info"),
                [format!("spec.{platform}.secretStore.roleArn")],
                "{version} {platform}"
            );
            // The image is judged on the stream: kustomize `images:` (EKS) and the ROSA layer
            // replace the placeholder after the generator wrote it.
            let warned = check_warnings(&out);
            assert!(
                !warned.iter().any(|f| f.ends_with(".image")),
                "{version} {platform}: {warned:?}"
            );
        }
    }
}

/// The workflow's build step, run as CI would run it: it renders and checks every overlay,
/// so adding a platform needs no change to it.
#[cfg(feature = "e2e")]
#[test]
fn the_scaffold_workflow_renders_every_overlay() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    assert!(init(&["--platform", "rosa"], &repo).status.success());
    assert!(init(&["--add-platform", "eks"], &repo).status.success());
    assert!(init(&["--add-platform", "aks"], &repo).status.success());
    let ci: serde_yaml::Value =
        serde_yaml::from_str(&read(&repo.join(".github/workflows/render.yaml"))).expect("the workflow is YAML");
    let steps = ci["jobs"]["render"]["steps"].as_sequence().expect("steps");
    let script = steps
        .iter()
        .find(|s| s["name"].as_str() == Some("Build and check every overlay"))
        .and_then(|s| s["run"].as_str())
        .expect("a build step");
    let bin_dir = bin().parent().expect("bin dir").to_owned();
    let tools = root().join(".tools/bin");
    let path = std::env::join_paths(
        [bin_dir, tools]
            .into_iter()
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("PATH");
    let out = command("bash")
        .args(["-c", script])
        .current_dir(&repo)
        .env("PATH", path)
        .output()
        .expect("run bash");
    assert!(out.status.success(), "{}", stderr(&out));
    for p in ["eks", "rosa", "aks"] {
        let rendered = read(&repo.join("rendered").join(format!("{p}.yaml")));
        assert!(rendered.contains("kind: StatefulSet"), "{p}: not rendered");
    }
}

#[test]
fn force_keeps_its_meaning_and_rewrites_the_scaffold() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    assert!(init(&["--platform", "eks"], &repo).status.success());
    let base = repo.join("bases/orchestrator/orchestrator.yaml");
    let shipped = read(&base);
    edit(&base, "  namespace: maverics\n", "  namespace: identity\n");
    let out = init(&["--platform", "rosa", "--force"], &repo);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(&base), shipped, "--force rewrites the scaffold's files");
    assert!(repo.join("overlays/rosa/platform.yaml").is_file());
    let out = init(&["--add-platform", "rosa", "--force"], &repo);
    assert_eq!(out.status.code(), Some(2), "--force and --add-platform together");
}

/// The READMEs say where each setting goes, per platform, naming fields that exist.
#[test]
fn the_scaffold_readmes_say_where_each_setting_goes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    assert!(init(&["--platform", "eks"], &repo).status.success());
    assert!(init(&["--add-platform", "rosa"], &repo).status.success());
    let top = read(&repo.join("README.md"));
    for want in [
        "**Namespace:** `spec.namespace`",
        "**Image:** `spec.image`",
        "**Secret values:** `spec.secrets.values`",
        "**Licence:** `spec.secrets.license.key`",
        "**Secret store:** `spec.secrets.storeRef`",
        "**Cloud-side IAM trust:**",
        "--add-platform",
    ] {
        assert!(top.contains(want), "README.md lacks `{want}`");
    }
    for (p, fields) in [
        (
            "eks",
            &[
                "spec.eks.secretStore",
                "spec.eks.secretStore.roleArn",
                "spec.eks.orchestratorRoleArn",
            ][..],
        ),
        (
            "rosa",
            &["spec.rosa.image.repository", "spec.rosa.secretStore.roleArn"][..],
        ),
    ] {
        let text = read(&repo.join("overlays").join(p).join("README.md"));
        for want in [
            "**Namespace:**",
            "**Image:**",
            "**Secret store:**",
            "**Cloud-side IAM trust:**",
        ] {
            assert!(text.contains(want), "{p}: README.md lacks `{want}`");
        }
        assert!(text.contains("system:serviceaccount:NAMESPACE:SERVICEACCOUNT"), "{p}");
        for f in fields {
            assert!(text.contains(&format!("`{f}`")), "{p}: README.md does not name `{f}`");
            let out = Command::new(bin())
                .args(["explain", &format!("orchestratorplatform.{f}")])
                .output()
                .expect("explain");
            assert!(out.status.success(), "{p}: README.md names `{f}`, which is not a field");
        }
    }
    // No trust subject is written down with a fixed namespace.
    for f in ["overlays/eks/platform.yaml", "overlays/rosa/platform.yaml"] {
        assert!(!read(&repo.join(f)).contains("system:serviceaccount:maverics"), "{f}");
    }
}

/// The AKS overlay's example client and tenant IDs are example values too: the layer names
/// its fields, and `check` finds them where they land in the stream.
#[cfg(feature = "e2e")]
#[test]
fn the_aks_overlay_warns_on_its_example_guids() {
    let (_, kustomize) = &kustomize_versions()[0];
    let (out, err) = build(kustomize, &root().join("overlays/aks"));
    let layer = fields(&err, "warning");
    for f in [
        "spec.aks.secretStore.identity.clientId",
        "spec.aks.secretStore.identity.tenantId",
    ] {
        assert!(layer.iter().any(|l| l == f), "{f}: {err}");
    }
    let stream = check_warnings(&out);
    for f in [
        "metadata.annotations.azure.workload.identity/client-id",
        "spec.provider.azurekv.tenantId",
    ] {
        assert!(stream.iter().any(|l| l == f), "{f}: {stream:?}");
    }
}

/// The shipped overlays keep example values so they build; the platform layer names its own
/// fields that hold them, and `check` finds them in the stream, exiting 0.
#[cfg(feature = "e2e")]
#[test]
fn the_shipped_overlays_warn_on_exactly_their_example_values() {
    let cases: [(&str, &[&str], &[&str]); 2] = [
        (
            "eks",
            &[
                "spec.eks.ingress.hosts[0]",
                "spec.eks.ingress.certificateArns[0]",
                "spec.eks.secretStore.roleArn",
            ],
            &[
                "metadata.annotations.eks.amazonaws.com/role-arn",
                "data.maverics.yaml",
                "spec.template.spec.containers[0].image",
                "metadata.annotations.alb.ingress.kubernetes.io/certificate-arn",
                "spec.rules[0].host",
            ],
        ),
        (
            "rosa",
            &["spec.rosa.route.host", "spec.rosa.secretStore.roleArn"],
            &[
                "metadata.annotations.eks.amazonaws.com/role-arn",
                "data.maverics.yaml",
                "spec.host",
            ],
        ),
    ];
    for (version, kustomize) in kustomize_versions() {
        for (platform, layer, stream) in cases {
            let (out, err) = build(&kustomize, &root().join("overlays").join(platform));
            assert_eq!(
                fields(&err, "warning"),
                layer,
                "{version} {platform}: the layer's warnings"
            );
            assert!(
                err.contains(&subject("maverics", "maverics-secrets-reader")),
                "{version} {platform}: {err}"
            );
            assert_eq!(check_warnings(&out), stream, "{version} {platform}");
        }
    }
}

/// `maverics-krm build` shows the layer's info and warnings, and still exits 0.
#[cfg(feature = "e2e")]
#[test]
fn build_shows_the_trust_subject_and_exits_0() {
    let out = command(bin())
        .arg("build")
        .arg(root().join("overlays/eks"))
        .arg("--kustomize")
        .arg(common::tool("kustomize-5.8.1"))
        .output()
        .expect("build");
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("info: OrchestratorPlatform eks: spec.eks.secretStore.roleArn: cloud-side trust: IAM role `arn:aws:iam::111122223333:role/maverics-secrets-reader`"),
        "{err}"
    );
    assert!(stdout(&out).contains("kind: StatefulSet"));
}

/// eject writes down what the transformer reports, for the names of the ejected build.
#[cfg(feature = "e2e")]
#[test]
fn eject_writes_the_trust_subject_into_the_overlay() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out_dir = tmp.path().join("ejected");
    let o = command(bin())
        .args(["eject", "rosa", "--config"])
        .arg(root().join("overlays/rosa/platform.yaml"))
        .arg("--out")
        .arg(&out_dir)
        .arg("--kustomize")
        .arg(common::tool("kustomize-5.8.1"))
        .output()
        .expect("eject");
    assert!(o.status.success(), "{}", stderr(&o));
    let k = read(&out_dir.join("kustomization.yaml"));
    assert!(
        k.contains("# spec.rosa.secretStore.roleArn: cloud-side trust: IAM role "),
        "{k}"
    );
    assert!(k.contains(&subject("maverics", "maverics-secrets-reader")), "{k}");
    let parsed: serde_yaml::Value = serde_yaml::from_str(&k).expect("still YAML");
    assert!(parsed.get("resources").is_some());
}

/// `init --platform gke`: the scaffold builds under both kustomize versions, reports the
/// Workload Identity member of its secrets reader, and passes `check`.
#[cfg(feature = "e2e")]
#[test]
fn init_platform_gke_builds_and_reports_its_workload_identity_member() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    let out = init(&["--platform", "gke"], &repo);
    assert!(out.status.success(), "{}", stderr(&out));
    for f in [
        "kustomization.yaml",
        "platform.yaml",
        "kustomizeconfig.yaml",
        "README.md",
    ] {
        assert!(repo.join("overlays/gke").join(f).is_file(), "no overlays/gke/{f}");
    }
    for (version, kustomize) in kustomize_versions() {
        let (out, err) = build(&kustomize, &repo.join("overlays/gke"));
        assert!(out.contains("kind: BackendConfig"), "{version}");
        assert!(
            err.contains("`serviceAccount:acme-sso-prod.svc.id.goog[maverics/maverics-secrets-reader]`"),
            "{version}: {err}"
        );
        assert_eq!(
            fields(&err, "info"),
            ["spec.gke.secretStore.gcpServiceAccount"],
            "{version}"
        );
        check_warnings(&out);
    }
}
