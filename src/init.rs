//! `maverics-krm init`: scaffolds a repository of the user's own from this repository's base
//! and platform overlays, and adds another platform's overlay to it later. The files are
//! embedded, so the scaffold is exactly what this binary's tests build, and needs no checkout
//! of this repository.

use crate::diag::Diagnostic;
use crate::io::stage::{NonEmpty, Staged};
use crate::schema::KINDS;
use std::path::{Path, PathBuf};

/// A file of the scaffold: its path in the new repository and its text.
struct File {
    path: String,
    text: String,
    executable: bool,
}

const BASE_KUSTOMIZATION: &str = include_str!("../bases/orchestrator/kustomization.yaml");
const BASE_CONFIG: &str = include_str!("../bases/orchestrator/orchestrator.yaml");
const SHIM: &str = include_str!("../plugins/maverics-krm");

/// One platform overlay of the scaffold: its files, and where its settings go.
struct Overlay {
    name: &'static str,
    title: &'static str,
    /// kustomization, platform config, kustomize config.
    files: [&'static str; 3],
    /// Where the image is set on this platform.
    image: &'static str,
    /// Where the secret store is set on this platform.
    store: &'static str,
    /// The cloud-side trust this platform needs, and where it is reported.
    trust: &'static str,
}

const OVERLAYS: [Overlay; 4] = [
    Overlay {
        name: "eks",
        title: "Amazon EKS",
        files: [
            include_str!("../overlays/eks/kustomization.yaml"),
            include_str!("../overlays/eks/platform.yaml"),
            include_str!("../overlays/eks/kustomizeconfig.yaml"),
        ],
        image: "`spec.image` in `bases/orchestrator/orchestrator.yaml` (repository, tag or digest), or kustomize \
                `images:` in `overlays/eks/kustomization.yaml` to pin it for EKS only (it runs after the generator, and \
                `maverics-krm check` judges the final image)",
        store: "`spec.eks.secretStore` in `overlays/eks/platform.yaml` (region and `roleArn`): the layer adds a \
                namespaced SecretStore for AWS Secrets Manager with a ServiceAccount of its own, and points the \
                ExternalSecret at it, in place of the base's `spec.secrets.storeRef`",
        trust: "the IAM roles named in `spec.eks.secretStore.roleArn` (External Secrets) and, when the orchestrator \
                calls AWS itself, `spec.eks.orchestratorRoleArn` must trust the cluster's OIDC provider for their \
                ServiceAccounts (IRSA). The subject depends on the namespace and names of the build, so the build \
                reports it: `maverics-krm build overlays/eks` prints an `info:` line per role with the exact \
                `system:serviceaccount:NAMESPACE:SERVICEACCOUNT` condition, and `maverics-krm eject` writes the same \
                lines into the ejected kustomization.yaml. The role's permissions: `secretsmanager:GetSecretValue` \
                and `secretsmanager:DescribeSecret` on the secrets the base names",
    },
    Overlay {
        name: "rosa",
        title: "Red Hat OpenShift Service on AWS",
        files: [
            include_str!("../overlays/rosa/kustomization.yaml"),
            include_str!("../overlays/rosa/platform.yaml"),
            include_str!("../overlays/rosa/kustomizeconfig.yaml"),
        ],
        image: "the tag or digest in `spec.image` of `bases/orchestrator/orchestrator.yaml`; the repository in \
                `spec.rosa.image.repository` of `overlays/rosa/platform.yaml` (the Red Hat certified image by \
                default), which replaces the base's and keeps its tag or digest",
        store: "`spec.rosa.secretStore` in `overlays/rosa/platform.yaml` (region and `roleArn`): a namespaced \
                SecretStore for AWS Secrets Manager through AWS STS, with a ServiceAccount of its own, in place of \
                the base's `spec.secrets.storeRef`",
        trust: "the IAM role named in `spec.rosa.secretStore.roleArn` must trust the cluster's OIDC provider for \
                the secrets reader's ServiceAccount (ROSA with STS, through the pod identity webhook). \
                `maverics-krm build overlays/rosa` prints the exact `system:serviceaccount:NAMESPACE:SERVICEACCOUNT` \
                condition as an `info:` line, and `maverics-krm eject` writes it into the ejected kustomization.yaml",
    },
    Overlay {
        name: "aks",
        title: "Azure Kubernetes Service",
        files: [
            include_str!("../overlays/aks/kustomization.yaml"),
            include_str!("../overlays/aks/platform.yaml"),
            include_str!("../overlays/aks/kustomizeconfig.yaml"),
        ],
        image: "`spec.image` in `bases/orchestrator/orchestrator.yaml` (repository, tag or digest), or kustomize \
                `images:` in `overlays/aks/kustomization.yaml` to pin it for AKS only",
        store: "`spec.aks.secretStore` in `overlays/aks/platform.yaml` (`vaultUrl` and the managed identity's \
                `clientId` and `tenantId`): the layer adds a namespaced SecretStore for Azure Key Vault (Workload ID) with a \
                ServiceAccount of its own, and points the ExternalSecret at it, in place of the base's \
                `spec.secrets.storeRef`",
        trust: "the managed identity named in `spec.aks.secretStore.identity.clientId` (and \
                `spec.aks.orchestratorIdentity.clientId` when the orchestrator reads Key Vault itself) needs a \
                federated credential for the cluster's OIDC issuer and its ServiceAccount. \
                `maverics-krm build overlays/aks` prints the exact `system:serviceaccount:NAMESPACE:SERVICEACCOUNT` \
                subject and the `az identity federated-credential create` command as an `info:` line, and \
                `maverics-krm eject` writes it into the ejected kustomization.yaml. The identity needs the \
                *Key Vault Secrets User* role on the vault",
    },
    Overlay {
        name: "gke",
        title: "Google Kubernetes Engine (supported by this tool, not tested by Strata)",
        files: [
            include_str!("../overlays/gke/kustomization.yaml"),
            include_str!("../overlays/gke/platform.yaml"),
            include_str!("../overlays/gke/kustomizeconfig.yaml"),
        ],
        image: "`spec.image` in `bases/orchestrator/orchestrator.yaml` (repository, tag or digest), or kustomize \
                `images:` in `overlays/gke/kustomization.yaml` to pin it for GKE only (e.g. your Artifact Registry)",
        store: "`spec.gke.secretStore` in `overlays/gke/platform.yaml` (`gcpServiceAccount`, or none for the direct \
                form with `spec.gke.projectNumber`): a namespaced SecretStore for Google Secret Manager through \
                Workload Identity Federation for GKE, with a ServiceAccount of its own, in place of the base's \
                `spec.secrets.storeRef`",
        trust: "the Google service account named in `spec.gke.secretStore.gcpServiceAccount` must grant \
                `roles/iam.workloadIdentityUser` to `serviceAccount:PROJECT_ID.svc.id.goog[NAMESPACE/SERVICEACCOUNT]` \
                of the secrets reader (or, in the direct form, the secrets grant `roles/secretmanager.secretAccessor` \
                to its `principal://` member). `maverics-krm build overlays/gke` prints the exact member as an \
                `info:` line, and `maverics-krm eject` writes it into the ejected kustomization.yaml",
    },
];

/// The platforms `init` can scaffold, for the command line.
pub fn platform_names() -> Vec<&'static str> {
    OVERLAYS.iter().map(|o| o.name).collect()
}

fn file(path: String, text: &str) -> File {
    File {
        path,
        text: text.to_owned(),
        executable: false,
    }
}

/// Everything but the overlays: the same for every platform, so adding a platform later
/// needs none of it rewritten.
fn common_files() -> Vec<File> {
    let mut out = vec![
        file("bases/orchestrator/kustomization.yaml".into(), BASE_KUSTOMIZATION),
        file("bases/orchestrator/orchestrator.yaml".into(), BASE_CONFIG),
        File {
            path: "plugins/maverics-krm".into(),
            text: SHIM.to_owned(),
            executable: true,
        },
        file("README.md".into(), &readme()),
        ci_file(".github/workflows/render.yaml", WORKFLOW),
        ci_file(".gitlab-ci.yml", GITLAB_CI),
    ];
    // The configs' `yaml-language-server` modelines point at these.
    out.extend(
        KINDS
            .iter()
            .map(|k| file(format!("schemas/{}.json", k.file), &k.text())),
    );
    out
}

fn overlay_files(o: &Overlay) -> Vec<File> {
    let dir = format!("overlays/{}", o.name);
    vec![
        file(format!("{dir}/kustomization.yaml"), o.files[0]),
        file(format!("{dir}/platform.yaml"), o.files[1]),
        file(format!("{dir}/kustomizeconfig.yaml"), o.files[2]),
        file(format!("{dir}/README.md"), &overlay_readme(o)),
    ]
}

fn readme() -> String {
    let platforms = OVERLAYS
        .iter()
        .map(|o| format!("`{}`", o.name))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "# Strata Maverics Orchestrator

Scaffolded by `maverics-krm init`. Every overlay under `overlays/` is one platform; each has a
README.md that says where that platform's settings go.

- `bases/orchestrator/orchestrator.yaml`: the `Orchestrator` config, every default written out.
- `overlays/PLATFORM/platform.yaml`: the `OrchestratorPlatform` layer; its values are examples.
- `plugins/maverics-krm`: the exec shim kustomize runs; it finds `maverics-krm` on PATH.
- `schemas/`: JSON Schemas of the configs, for editors (the `yaml-language-server` modeline).
- `.github/workflows/render.yaml` (GitHub Actions) and `.gitlab-ci.yml` (GitLab CI): render and
  check every overlay on every push; on a pull or merge request, post what the change does to the
  rendered manifests as one comment, updated on later pushes, and keep the JSON report as an
  artifact. Both install maverics-krm from the git URL in the CI variable `MAVERICS_KRM_GIT`;
  GitLab also needs a token in `MAVERICS_KRM_DIFF_TOKEN` (see the comments in the file). Delete
  the one you do not use.

## Where things go

- **Namespace:** `spec.namespace` in `bases/orchestrator/orchestrator.yaml` (`maverics` as
  shipped). An overlay can move everything with kustomize `namespace:` in its
  kustomization.yaml; the platform layer runs after it and uses the namespace it sees.
- **Image:** `spec.image` in the base (the shipped `strata/orchestrator` is a placeholder: the
  image is not public; push it from the Maverics Console to your registry). Per platform: see
  the overlay's README.md.
- **Secret values:** `spec.secrets.values` in the base: each `name` (`group.key`) is what
  `spec.config` references as `<group.key>`, and `remoteRef` says where it lives in the store.
- **Licence:** `spec.secrets.license.key` (and `property`) in the base.
- **Secret store:** `spec.secrets.storeRef` in the base, unless the platform layer brings a
  store of its own (see the overlay's README.md).
- **Cloud-side IAM trust:** reported by the build. `maverics-krm build overlays/PLATFORM` prints
  `info:` lines that give the exact subject each cloud role must trust, from the namespace and
  names of that build; see the overlay's README.md.

`maverics-krm explain FIELD` explains any field, e.g. `maverics-krm explain spec.secrets`.

## Next steps

1. Set the namespace, the image and the secrets above.
2. Replace the example values in `overlays/PLATFORM/platform.yaml` (hosts under example.com,
   the AWS account 111122223333): `maverics-krm check` warns about any left in.
3. Render and check: `maverics-krm build overlays/PLATFORM > rendered.yaml && maverics-krm check rendered.yaml`
4. Configure the cloud-side trust the build reports.
5. Commit, and let CI render every change.

Another platform ({platforms}) is added with `maverics-krm init --add-platform PLATFORM .`: it
writes only the new overlay and any file that is missing, and changes nothing you edited. The CI
workflow already renders every overlay.
"
    )
}

fn overlay_readme(o: &Overlay) -> String {
    let name = o.name;
    format!(
        "# {title}: `overlays/{name}`

Build: `maverics-krm build overlays/{name}`
(or `kustomize build --enable-alpha-plugins --enable-exec overlays/{name}`).

The values in `platform.yaml` are examples; replace them
(`maverics-krm explain orchestratorplatform.spec.{name}`).

## Where things go on {title}

- **Namespace:** `spec.namespace` in `bases/orchestrator/orchestrator.yaml`, or kustomize
  `namespace:` in `overlays/{name}/kustomization.yaml` (it runs before the platform layer, which
  uses the namespace it sees).
- **Image:** {image}.
- **Secret values and licence:** `spec.secrets.values` and `spec.secrets.license` in the base.
- **Secret store:** {store}.
- **Cloud-side IAM trust:** {trust}.
",
        title = o.title,
        image = o.image,
        store = o.store,
        trust = o.trust,
    )
}

/// The CI files, for GitHub Actions and GitLab CI. Written as text, not emitted: they are
/// templates for people to edit, and their comments are part of them. They render every
/// overlay, so adding a platform needs no edit; the version of this binary is the version
/// they install (and the key of their tool cache).
const WORKFLOW: &str = include_str!("init/github-render.yaml");
const GITLAB_CI: &str = include_str!("init/gitlab-ci.yml");

fn ci_file(path: &str, template: &str) -> File {
    file(
        path.to_owned(),
        &template.replace("@MAVERICS_KRM_VERSION@", env!("CARGO_PKG_VERSION")),
    )
}

/// How `init` treats a directory that already has files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The directory must be empty or missing.
    New,
    /// Overwrite the scaffold's files in a non-empty directory.
    Force,
    /// Add a platform's overlay to an existing scaffold: write only missing files.
    AddPlatform,
}

/// Writes the scaffold into `dir` and returns the paths written.
pub fn init(dir: &Path, platform: &str, mode: Mode) -> Result<Vec<PathBuf>, Diagnostic> {
    let Some(overlay) = OVERLAYS.iter().find(|o| o.name == platform) else {
        return Err(Diagnostic::error(format!("unknown platform `{platform}`"))
            .fix(format!("use one of: {}", platform_names().join(", "))));
    };
    let shown = dir.display();
    let overlay_dir = dir.join("overlays").join(platform);
    match mode {
        Mode::AddPlatform if !dir.join("bases/orchestrator").is_dir() => {
            return Err(
                Diagnostic::error(format!("{shown} holds no scaffold (no bases/orchestrator)")).fix(format!(
                    "create one first: `maverics-krm init {shown} --platform {platform}`"
                )),
            );
        }
        Mode::AddPlatform if overlay_dir.exists() => {
            return Err(
                Diagnostic::error(format!("{} already exists", overlay_dir.display())).fix(
                    "--add-platform never touches existing files: choose a platform not yet there, or remove that \
                 directory first (--force --platform rewrites every scaffold file, edits included)",
                ),
            );
        }
        _ => {}
    }
    let staged = Staged::new(
        dir,
        match mode {
            Mode::New => NonEmpty::Refuse(
                "init into a new or empty directory; to add a platform to a scaffold, pass --add-platform; \
                 --force overwrites the scaffold's files there",
            ),
            // --add-platform skips every file that exists, below.
            Mode::Force | Mode::AddPlatform => NonEmpty::Overwrite,
        },
    )?;
    let mut written = Vec::new();
    for f in common_files().into_iter().chain(overlay_files(overlay)) {
        if mode == Mode::AddPlatform && dir.join(&f.path).exists() {
            continue;
        }
        written.push(if f.executable {
            staged.write_executable(&f.path, &f.text)?
        } else {
            staged.write(&f.path, &f.text)?
        });
    }
    staged.commit()?;
    Ok(written)
}
