//! `maverics-krm diff` end to end: real kustomize renders of the dev overlay, every output
//! format against goldens under tests/golden/diff/, stdin and file inputs, and `--base`
//! against a throwaway clone of this repository.

use crate::common;

use common::{assert_golden, bin, root, run_with_stdin, stderr, stdout, tool};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary with the pinned kustomize.
fn diff_cmd() -> Command {
    let mut c = Command::new(bin());
    c.arg("diff")
        .env("KUSTOMIZE", tool("kustomize-5.8.1"))
        .env_remove("NO_COLOR");
    c
}

fn diff(args: &[&std::ffi::OsStr]) -> Output {
    diff_cmd().args(args).output().expect("run maverics-krm diff")
}

/// `diff` run from the repository root, so the header names sides as the relative paths
/// given and goldens do not depend on where the checkout is.
fn diff_in_root(args: &[&std::ffi::OsStr]) -> Output {
    diff_cmd()
        .args(args)
        .current_dir(root())
        .output()
        .expect("run maverics-krm diff")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

/// A copy of overlays/dev with: a new image tag, HPA max 3 -> 6, an egress rule to any
/// address on port 5432 (a widened NetworkPolicy), and the PodDisruptionBudget deleted.
fn changed_dev() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    for d in ["overlays", "bases", "plugins"] {
        common::copy_dir(&root().join(d), &tmp.path().join(d));
    }
    let dev = tmp.path().join("overlays/dev");
    let k = dev.join("kustomization.yaml");
    let text = std::fs::read_to_string(&k).unwrap();
    assert!(text.contains("newTag: v2026.01.2"));
    assert!(text.contains("\npatches:\n"));
    let text = text.replace("newTag: v2026.01.2", "newTag: v2026.02.0").replace(
        "\npatches:\n",
        "\npatches:\n  - path: egress-postgres.yaml\n    target:\n      kind: NetworkPolicy\n  - path: no-pdb.yaml\n",
    );
    std::fs::write(&k, text).unwrap();
    let hpa = dev.join("hpa-replicas.yaml");
    let text = std::fs::read_to_string(&hpa).unwrap();
    assert!(text.contains("value: 3"));
    std::fs::write(&hpa, text.replace("value: 3", "value: 6")).unwrap();
    std::fs::write(
        dev.join("egress-postgres.yaml"),
        "- op: add\n  path: /spec/egress/-\n  value:\n    to: [{ipBlock: {cidr: 0.0.0.0/0}}]\n    ports: [{port: 5432, protocol: TCP}]\n",
    )
    .unwrap();
    std::fs::write(
        dev.join("no-pdb.yaml"),
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: maverics\n  namespace: maverics\n$patch: delete\n",
    )
    .unwrap();
    (tmp, dev)
}

#[test]
fn dev_against_itself_is_no_change_in_every_format() {
    let dev = Path::new("overlays/dev");
    for (format, golden) in [
        ("text", "diff/dev-same.txt"),
        ("markdown", "diff/dev-same.md"),
        ("json", "diff/dev-same.json"),
    ] {
        let o = diff_in_root(&["--format".as_ref(), format.as_ref(), dev.as_os_str(), dev.as_os_str()]);
        assert_eq!(code(&o), 0, "{format}: {}", stderr(&o));
        assert_golden(golden, &stdout(&o));
    }
}

#[test]
fn dev_against_a_changed_copy_in_every_format() {
    let (tmp, changed) = changed_dev();
    let dev = Path::new("overlays/dev");
    for (format, golden) in [
        ("text", "diff/dev-changed.txt"),
        ("markdown", "diff/dev-changed.md"),
        ("json", "diff/dev-changed.json"),
    ] {
        let o = diff_in_root(&[
            "--format".as_ref(),
            format.as_ref(),
            "--color".as_ref(),
            "never".as_ref(),
            dev.as_os_str(),
            changed.as_os_str(),
        ]);
        assert_eq!(code(&o), 1, "{format}: {}", stderr(&o));
        // The header names the changed copy by its temporary path.
        let out = stdout(&o).replace(&tmp.path().display().to_string(), "$TMP");
        assert!(out.contains("$TMP/overlays/dev"), "{out}");
        assert_golden(golden, &out);
    }
    let o = diff(&[
        "--format".as_ref(),
        "json".as_ref(),
        dev.as_os_str(),
        changed.as_os_str(),
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["summary"]["changed"], 3, "{json:#}");
    assert_eq!(json["summary"]["removed"], 1);
    let rules = flag_rules(&json);
    for expected in [
        ("StatefulSet", "image"),
        ("HorizontalPodAutoscaler", "scaling"),
        ("NetworkPolicy", "network-policy"),
    ] {
        assert!(
            rules.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} not in {rules:?}"
        );
    }
    let removed = &json["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["change"] == "removed")
        .unwrap();
    assert_eq!(removed["kind"], "PodDisruptionBudget");
}

/// (kind, rule) of every flag of a JSON report.
fn flag_rules(json: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for r in json["resources"].as_array().expect("resources") {
        for f in r["flags"].as_array().expect("flags") {
            out.push((
                r["kind"].as_str().unwrap_or_default().to_owned(),
                f["rule"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    out
}

#[test]
fn color_always_colors_and_piped_auto_does_not() {
    let (_tmp, changed) = changed_dev();
    let dev = root().join("overlays/dev");
    let auto = diff(&[dev.as_os_str(), changed.as_os_str()]);
    assert!(!stdout(&auto).contains('\x1b'), "piped output must be plain");
    let always = diff(&[
        "--color".as_ref(),
        "always".as_ref(),
        dev.as_os_str(),
        changed.as_os_str(),
    ]);
    assert!(stdout(&always).contains("\x1b[32m+"), "{}", stdout(&always));
}

#[test]
fn stdin_and_rendered_files_are_inputs_too() {
    let goldens = tempfile::tempdir().unwrap();
    let golden = common::golden_file("kustomize/dev.yaml", goldens.path());
    let rendered = std::fs::read(&golden).unwrap();
    let o = run_with_stdin(
        diff_cmd().args(["-".as_ref(), root().join("overlays/dev").as_os_str()]),
        &rendered,
    );
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    // A directory of YAML: the same objects split over files, in another key order.
    let tmp = tempfile::tempdir().unwrap();
    for (i, doc) in String::from_utf8(rendered).unwrap().split("\n---\n").enumerate() {
        std::fs::write(tmp.path().join(format!("{i:02}.yaml")), doc).unwrap();
    }
    let o = diff(&[tmp.path().as_os_str(), golden.as_os_str()]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn errors_exit_2_and_name_the_problem() {
    let o = diff(&["/nonexistent/old.yaml".as_ref(), "/nonexistent/new.yaml".as_ref()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("/nonexistent/old.yaml"), "{}", stderr(&o));
    let o = diff(&["only-one.yaml".as_ref()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("OLD and NEW"), "{}", stderr(&o));
}

// ---- --base ------------------------------------------------------------------------------

fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=diff test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("run git");
    assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
    stdout(&o).trim().to_owned()
}

/// A clone of this repository's committed state, with its own target directory.
fn clone() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let o = Command::new("git")
        .args(["clone", "--quiet", "--no-hardlinks"])
        .arg(root())
        .arg(&repo)
        .output()
        .unwrap();
    assert!(o.status.success(), "git clone: {}", stderr(&o));
    (tmp, repo)
}

fn diff_base(repo: &Path, args: &[&str]) -> Output {
    diff_cmd()
        .arg("--base")
        .args(args)
        .current_dir(repo)
        .env("CARGO_TARGET_DIR", repo.join("target"))
        .output()
        .expect("run diff --base")
}

#[test]
fn base_shows_a_committed_overlay_change_with_the_current_binary_for_both_sides() {
    let (_tmp, repo) = clone();
    let o = diff_base(&repo, &["HEAD"]);
    assert_eq!(code(&o), 0, "HEAD against itself: {}{}", stdout(&o), stderr(&o));

    let k = repo.join("overlays/dev/kustomization.yaml");
    let text = std::fs::read_to_string(&k)
        .unwrap()
        .replace("newTag: v2026.01.2", "newTag: v2026.03.1");
    std::fs::write(&k, text).unwrap();
    git(&repo, &["commit", "--quiet", "-am", "dev: new image"]);
    let o = diff_base(&repo, &["HEAD~1", "overlays/dev"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("[image] [overlays/dev] StatefulSet maverics-dev/maverics")
            && out.contains("+        image: registry.dev.example.com/strata/orchestrator:v2026.03.1"),
        "{out}"
    );
    // Progress lines go to a terminal only; here stderr is a pipe.
    assert!(!stderr(&o).contains("rendering "), "progress on a pipe: {}", stderr(&o));
    // On a terminal (util-linux `script` gives the command one) they say where it is.
    let on_tty = Command::new("script")
        .args(["--quiet", "--return", "--command"])
        .arg(format!("'{}' diff --base HEAD~1 overlays/dev", bin().display()))
        .arg("/dev/null")
        .current_dir(&repo)
        .env("KUSTOMIZE", tool("kustomize-5.8.1"))
        .env("CARGO_TARGET_DIR", repo.join("target"))
        .output()
        .expect("run diff --base under script(1)");
    assert!(
        stdout(&on_tty).contains("rendering overlays/dev (1/1)..."),
        "no progress on a terminal: {}{}",
        stdout(&on_tty),
        stderr(&on_tty)
    );
    // The generator did not change between the revisions: nothing was built or cached.
    assert!(!repo.join("target/diff-cache").exists());
    // The temporary worktree is gone again.
    assert_eq!(git(&repo, &["worktree", "list"]).lines().count(), 1);
}

#[test]
fn base_renders_the_old_side_with_the_cached_generator_of_its_commit() {
    let (_tmp, repo) = clone();
    let old = git(&repo, &["rev-parse", "HEAD"]);
    let lib = repo.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap() + "// a generator change\n";
    std::fs::write(&lib, text).unwrap();
    git(&repo, &["commit", "--quiet", "-am", "generator: change"]);
    // A cached "old generator" that records that it ran, then behaves as the current one.
    let cached = repo.join("target/diff-cache").join(&old).join("maverics-krm");
    std::fs::create_dir_all(cached.parent().unwrap()).unwrap();
    let marker = repo.join("old-generator-ran");
    std::fs::write(
        &cached,
        format!(
            "#!/bin/sh\ntouch '{}'\nexec '{}' \"$@\"\n",
            marker.display(),
            bin().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&cached, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let o = diff_base(&repo, &["HEAD~1"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        marker.exists(),
        "the old side was not rendered with the cached generator of {old}"
    );
    assert!(
        !repo.join("target/diff-cache/build").exists(),
        "nothing may be built on a cache hit"
    );
}

/// A user's repository made by `init`, where a pull request adds a `vendor/` directory, a
/// `src/` and a Cargo.toml of its own (nothing to do with the generator: the running binary
/// renders both sides, nothing is built), and its own `.maverics-krm-diff.yaml` that would
/// hide its change (the rules come from the base side: the change shows).
#[test]
fn base_in_an_init_scaffold_builds_nothing_and_reads_the_ignore_file_of_the_base() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let o = Command::new(bin())
        .arg("init")
        .arg(&repo)
        .args(["--platform", "eks"])
        .output()
        .expect("run init");
    assert!(o.status.success(), "{}", stderr(&o));
    git(&repo, &["init", "--quiet"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "--quiet", "-m", "scaffold"]);
    std::fs::create_dir_all(repo.join("vendor/x")).unwrap();
    std::fs::write(repo.join("vendor/x/lib.rs"), "// vendored\n").unwrap();
    std::fs::create_dir_all(repo.join("src")).unwrap();
    std::fs::write(repo.join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(
        repo.join("Cargo.toml"),
        "[package]\nname = \"my-app\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(
        repo.join(".maverics-krm-diff.yaml"),
        "ignore:\n  - path: metadata\n  - path: spec\n",
    )
    .unwrap();
    let k = repo.join("overlays/eks/kustomization.yaml");
    let text = std::fs::read_to_string(&k).unwrap() + "commonAnnotations:\n  review/stamp: pr\n";
    std::fs::write(&k, text).unwrap();
    git(&repo, &["add", "-A"]);
    git(
        &repo,
        &["commit", "--quiet", "-m", "pr: vendor, crate, ignore file, annotation"],
    );
    let o = diff_base(&repo, &["HEAD~1", "--format", "json"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(!repo.join("target/diff-cache").exists(), "nothing may be built");
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        json["summary"]["ignored"], 0,
        "the head's ignore file applied: {json:#}"
    );
    assert!(
        stdout(&o).contains("+    review/stamp: pr"),
        "the change is hidden: {}",
        stdout(&o)
    );
    // The same file at the base applies: what it hides is counted, and still exits 1.
    git(&repo, &["tag", "with-rules"]);
    let o = diff_base(&repo, &["with-rules", "--color", "never"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    std::fs::write(
        &k,
        std::fs::read_to_string(&k).unwrap().replace("stamp: pr", "stamp: pr2"),
    )
    .unwrap();
    let o = diff_base(&repo, &["with-rules", "--color", "never"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("but the manifests differ: ignore rules hid"),
        "{}",
        stdout(&o)
    );
}

/// Moving from EKS to ROSA, in every format: the ALB Ingress goes, a Route arrives, the pods
/// lose their fixed UIDs (OpenShift assigns them), and the image registry change and the
/// NetworkPolicy's new router and DNS openings are flagged for review.
#[test]
fn eks_against_rosa_in_every_format() {
    let (eks, rosa) = (Path::new("overlays/eks"), Path::new("overlays/rosa"));
    for (format, golden) in [
        ("text", "diff/eks-rosa.txt"),
        ("markdown", "diff/eks-rosa.md"),
        ("json", "diff/eks-rosa.json"),
    ] {
        let o = diff_in_root(&[
            "--format".as_ref(),
            format.as_ref(),
            "--color".as_ref(),
            "never".as_ref(),
            eks.as_os_str(),
            rosa.as_os_str(),
        ]);
        assert_eq!(code(&o), 1, "{format}: {}", stderr(&o));
        assert_golden(golden, &stdout(&o));
    }
    let o = diff_in_root(&["--format".as_ref(), "json".as_ref(), eks.as_os_str(), rosa.as_os_str()]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON report");
    let text = report.to_string();
    for want in [
        "\"Route\"",
        "\"Ingress\"",
        "registry.connect.redhat.com",
        "openshift-dns",
        "runAsUser",
    ] {
        assert!(text.contains(want), "the report mentions {want}: {text}");
    }
}

/// `--json-out`: one run writes the report of `--format` on stdout and the JSON report to a
/// file, each the same as a run of its own format (and as the goldens), with the same exit
/// code. A file that cannot be written, or a comparison that fails, is exit 2 with nothing on
/// stdout and no file.
#[test]
fn json_out_writes_both_reports_in_one_run_as_two_runs_would() {
    let (eks, rosa) = (Path::new("overlays/eks"), Path::new("overlays/rosa"));
    let tmp = tempfile::tempdir().unwrap();
    let json_file = tmp.path().join("report.json");
    let separate = |format: &str| {
        let o = diff_in_root(&["--format".as_ref(), format.as_ref(), eks.as_os_str(), rosa.as_os_str()]);
        assert_eq!(code(&o), 1, "{format}: {}", stderr(&o));
        stdout(&o)
    };
    let (markdown, json) = (separate("markdown"), separate("json"));
    let o = diff_in_root(&[
        "--format".as_ref(),
        "markdown".as_ref(),
        "--json-out".as_ref(),
        json_file.as_os_str(),
        eks.as_os_str(),
        rosa.as_os_str(),
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(stdout(&o), markdown);
    let written = std::fs::read_to_string(&json_file).expect("--json-out wrote its file");
    assert_eq!(written, json);
    assert_golden("diff/eks-rosa.md", &stdout(&o));
    assert_golden("diff/eks-rosa.json", &written);

    let unwritable = tmp.path().join("no-such-dir/report.json");
    let o = diff_in_root(&[
        "--json-out".as_ref(),
        unwritable.as_os_str(),
        eks.as_os_str(),
        rosa.as_os_str(),
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("--json-out {}", unwritable.display())) && err.contains("fix:"),
        "{err}"
    );

    let failed = tmp.path().join("failed.json");
    let o = diff(&[
        "--json-out".as_ref(),
        failed.as_os_str(),
        "/nonexistent/old.yaml".as_ref(),
        "/nonexistent/new.yaml".as_ref(),
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(!failed.exists(), "a failed comparison wrote {}", failed.display());
}

/// Moving from EKS to GKE: the ALB annotations give way to the GKE class annotation, GKE's
/// objects arrive, the secrets move to another store, and the NetworkPolicy's new sources
/// (Google's load balancer ranges) are flagged for review.
#[test]
fn eks_against_gke() {
    let (eks, gke) = (Path::new("overlays/eks"), Path::new("overlays/gke"));
    let o = diff_in_root(&["--format".as_ref(), "json".as_ref(), eks.as_os_str(), gke.as_os_str()]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let text = serde_json::from_str::<serde_json::Value>(&stdout(&o))
        .expect("JSON report")
        .to_string();
    for want in [
        "\"BackendConfig\"",
        "\"FrontendConfig\"",
        "\"ManagedCertificate\"",
        "kubernetes.io/ingress.class",
        "35.191.0.0/16",
        "maverics-gcp-secret-manager",
    ] {
        assert!(text.contains(want), "the report mentions {want}: {text}");
    }
}

// ---- safe to post --------------------------------------------------------------------------

/// Two rendered files whose difference is secrets only, in every place the issue lists, and
/// an object whose name tries to hide the rest of a PR comment and inject a heading.
fn secret_sides() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let side = |v: &str| {
        format!(
            r#"apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: ns
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{{"apiVersion":"v1","kind":"Secret","data":{{"tls.key":"S{v}"}},"metadata":{{"name":"creds","namespace":"ns"}}}}'
data:
  tls.key: S{v}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: app, namespace: ns}}
spec:
  template:
    spec:
      containers:
      - name: app
        image: app:1
        env:
        - {{name: DB_PASSWORD, value: PW{v}}}
        - {{name: DB_URL, value: 'postgres://app:URL{v}@db:5432/app'}}
        - {{name: HOOK, value: 'Authorization: Bearer TOK{v}'}}
        - {{name: SETTINGS, value: '{{"user":"app","apiKey":"KEY{v}","mode":"fast"}}'}}
        - {{name: MODE, value: mode{v}}}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: "evil\n<!-- hide the rest\n# Approved by security\n`x` \e]0;title\a\e[2J"
  namespace: ns
data: {{a: "{v}\e[31m"}}
"#
        )
    };
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = (tmp.path().join("old.yaml"), tmp.path().join("new.yaml"));
    std::fs::write(&old, side("1111")).unwrap();
    std::fs::write(&new, side("2222")).unwrap();
    (tmp, old, new)
}

#[test]
fn every_format_redacts_secrets_and_keeps_the_rest() {
    let (_tmp, old, new) = secret_sides();
    for format in ["text", "markdown", "json"] {
        let o = diff(&["--format".as_ref(), format.as_ref(), old.as_os_str(), new.as_os_str()]);
        let out = stdout(&o);
        assert_eq!(code(&o), 1, "{format}: {}", stderr(&o));
        for secret in ["S1111", "S2222", "PW2222", "URL2222", "TOK2222", "KEY2222"] {
            assert!(!out.contains(secret), "{format}: `{secret}` leaked:\n{out}");
        }
        for kept in ["mode2222", "\\\"user\\\":\\\"app\\\"", "\\\"mode\\\":\\\"fast\\\""] {
            let kept = if format == "json" {
                kept.to_owned()
            } else {
                kept.replace("\\\\", "")
            };
            let kept = if format == "json" { kept } else { kept.replace('\\', "") };
            assert!(out.contains(&kept), "{format}: `{kept}` must stay:\n{out}");
        }
    }
}

#[test]
fn markdown_cannot_be_hidden_or_given_a_heading_and_text_has_no_terminal_escapes() {
    let (_tmp, old, new) = secret_sides();
    let o = diff(&[
        "--format".as_ref(),
        "markdown".as_ref(),
        old.as_os_str(),
        new.as_os_str(),
    ]);
    let md = stdout(&o);
    // Inside a fence nothing is Markdown; outside, nothing from the input may be syntax.
    let mut fenced = false;
    // Diff bodies are checked line by line; the reach chart's fence holds Mermaid, whose
    // labels tests/graph.rs renders with the real mermaid.
    let mut diff_fence = false;
    for line in md.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            diff_fence = fenced && line.ends_with("diff");
            continue;
        }
        assert!(
            fenced || !line.contains("<!--"),
            "a comment outside a fence: {line}\n{md}"
        );
        assert!(
            // Our own headings only: the title and the reach picture's.
            fenced || !line.starts_with('#') || line == "### maverics-krm diff" || line.starts_with("#### Reach ("),
            "a heading: {line}"
        );
        assert!(
            !diff_fence || line.starts_with([' ', '+', '-', '@']),
            "a forged diff line: {line}"
        );
    }
    assert!(
        md.contains("<code>ConfigMap ns/evil&#60;&#33;-- hide the rest&#35; Approved by security&#96;x&#96; </code>"),
        "{md}"
    );
    assert_eq!(md.matches("<details>").count(), 3);
    assert_eq!(md.matches("</details>").count(), 3);
    for color in ["never", "always"] {
        let o = diff(&["--color".as_ref(), color.as_ref(), old.as_os_str(), new.as_os_str()]);
        let text = stdout(&o)
            .replace("\x1b[31m", "")
            .replace("\x1b[32m", "")
            .replace("\x1b[36m", "")
            .replace("\x1b[33m", "")
            .replace("\x1b[1m", "")
            .replace("\x1b[0m", "");
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "--color {color}: {text:?}"
        );
        assert!(
            text.contains("ConfigMap ns/evil<!-- hide the rest# Approved by security`x` "),
            "{text}"
        );
    }
}

/// A branch cut from `base`, then `base` moves on (a new dev image) while the branch raises
/// the HPA maximum. The default compares with the merge base: only the branch's change. With
/// --tip: main's new image shows up reversed. The base branch's name is hostile, and every
/// format names it safely in its header with the commit used.
#[test]
fn base_compares_with_the_merge_base_unless_tip_is_asked_for() {
    let (_tmp, repo) = clone();
    let base = "main<!--`#x`";
    git(&repo, &["branch", base]);
    let fork = git(&repo, &["rev-parse", "--short", "HEAD"]);
    git(&repo, &["checkout", "--quiet", base]);
    let k = repo.join("overlays/dev/kustomization.yaml");
    let text = std::fs::read_to_string(&k).unwrap();
    assert!(text.contains("newTag: v2026.01.2"));
    std::fs::write(&k, text.replace("newTag: v2026.01.2", "newTag: v2026.03.1")).unwrap();
    git(&repo, &["commit", "--quiet", "-am", "main: new dev image"]);
    let tip = git(&repo, &["rev-parse", "--short", "HEAD"]);
    git(&repo, &["checkout", "--quiet", "-"]);
    let hpa = repo.join("overlays/dev/hpa-replicas.yaml");
    let text = std::fs::read_to_string(&hpa).unwrap();
    assert!(text.contains("value: 3"));
    std::fs::write(&hpa, text.replace("value: 3", "value: 5")).unwrap();
    git(&repo, &["commit", "--quiet", "-am", "branch: more replicas"]);
    let head = git(&repo, &["rev-parse", "--short", "HEAD"]);
    // Untracked files outside the compared overlay (a CI job's report) leave HEAD clean.
    std::fs::write(repo.join("report.md"), "not an input").unwrap();

    let o = diff_base(&repo, &[base, "--color", "never", "overlays/dev"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("+  maxReplicas: 5"), "the branch's change: {out}");
    assert!(!out.contains("v2026.03.1"), "main's later change must not show: {out}");
    assert!(
        out.starts_with(&format!(
            "old: {base} at {fork} (merge base of {base} and HEAD)\nnew: working tree at {head} (HEAD)\n"
        )),
        "{out}"
    );
    assert!(out.contains("overlays: overlays/dev\n"), "{out}");

    let o = diff_base(&repo, &[base, "--tip", "--color", "never", "overlays/dev"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("+  maxReplicas: 5"), "{out}");
    assert!(
        out.contains("-        image: registry.dev.example.com/strata/orchestrator:v2026.03.1")
            && out.contains("+        image: registry.dev.example.com/strata/orchestrator:v2026.01.2"),
        "main's new image, reversed: {out}"
    );
    assert!(
        out.starts_with(&format!("old: {base} at {tip} (tip of {base}, --tip)\n")),
        "{out}"
    );

    // Markdown: the hostile name is entity-escaped, never raw.
    let o = diff_base(&repo, &[base, "--format", "markdown", "overlays/dev"]);
    let md = stdout(&o);
    assert!(!md.contains("<!--") && !md.contains("`#x`"), "{md}");
    assert!(
        md.contains(&format!(
            "- **old:** <code>main&#60;&#33;--&#96;&#35;x&#96;</code> at <code>{fork}</code> (<code>merge base of main&#60;&#33;--&#96;&#35;x&#96; and HEAD</code>)\n"
        )),
        "{md}"
    );
    // JSON: the sides as data.
    let o = diff_base(&repo, &[base, "--format", "json", "overlays/dev"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON report");
    assert_eq!(json["sides"]["old"]["source"], base);
    let full = |rev: &str| git(&repo, &["rev-parse", rev]);
    assert_eq!(json["sides"]["old"]["commit"], full(&fork).as_str());
    assert_eq!(json["sides"]["new"]["commit"], full("HEAD").as_str());
    assert_eq!(full("HEAD").len(), 40);
    assert_eq!(json["sides"]["new"]["how"], "HEAD");
    assert_eq!(json["sides"]["overlays"][0], "overlays/dev");

    // An uncommitted edit the render reads is named in the header.
    std::fs::write(&hpa, text.replace("value: 3", "value: 6")).unwrap();
    let o = diff_base(&repo, &[base, "--color", "never", "overlays/dev"]);
    assert!(
        stdout(&o).contains(&format!(
            "\nnew: working tree at {head} (HEAD and uncommitted changes)\n"
        )),
        "{}",
        stdout(&o)
    );
    git(&repo, &["checkout", "--quiet", "--", "overlays/dev/hpa-replicas.yaml"]);

    // No common history: a clear error that points at --tip.
    git(&repo, &["checkout", "--quiet", "--orphan", "lonely"]);
    git(&repo, &["commit", "--quiet", "-m", "unrelated"]);
    git(&repo, &["checkout", "--quiet", "-"]);
    let o = diff_base(&repo, &["lonely", "overlays/dev"]);
    assert_eq!(code(&o), 2);
    assert!(stdout(&o).is_empty());
    assert!(
        stderr(&o).contains("no common ancestor") && stderr(&o).contains("--tip"),
        "{}",
        stderr(&o)
    );
}

// ---- reviewer flags and noise control -------------------------------------------------------

/// `text` with `from` replaced by `to`, which must be there exactly once.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?}");
    text.replacen(from, to, 1)
}

/// The EKS render with what a reviewer of an identity proxy must see: a new host on the
/// Ingress, ALB stickiness cut short and keyed on another cookie, the image from another
/// registry, another IAM role behind the SecretStore's ServiceAccount, a budget that lets
/// every pod go at once, a privileged container, an env reorder; and noise: a new config
/// checksum, a ConfigMap label, the orchestrator's ServiceAccount renamed with nothing else
/// changed.
fn reviewed_eks() -> (tempfile::TempDir, PathBuf) {
    let mut t = common::golden("kustomize/eks.yaml");
    for (from, to) in [
        (
            "  rules:\n  - host: sso.example.com\n",
            "  rules:\n  - host: admin.example.com\n    http: {paths: [{backend: {service: {name: maverics, port: {name: http}}}, path: /, pathType: Prefix}]}\n  - host: sso.example.com\n",
        ),
        (
            "stickiness.app_cookie.cookie_name=maverics_session,stickiness.app_cookie.duration_seconds=86400,",
            "stickiness.app_cookie.cookie_name=other,",
        ),
        (
            "image: strata/orchestrator:v2026.01.2",
            "image: ghcr.io/someone/orchestrator:v2026.01.2",
        ),
        ("role/maverics-secrets-reader", "role/maverics-admin"),
        ("  maxUnavailable: 1\n", "  maxUnavailable: 2\n"),
        ("          privileged: false\n", "          privileged: true\n"),
        (
            "        - name: MAVERICS_HTTP_ADDRESS\n          value: 0.0.0.0:8080\n        - name: MAVERICS_CONFIG\n          value: /etc/maverics/config/maverics.yaml\n",
            "        - name: MAVERICS_CONFIG\n          value: /etc/maverics/config/maverics.yaml\n        - name: MAVERICS_HTTP_ADDRESS\n          value: 0.0.0.0:8080\n",
        ),
        ("checksum/config: 60eb3f8b", "checksum/config: 11111111"),
        (
            "    app.kubernetes.io/part-of: maverics\n  name: maverics-config\n",
            "    app.kubernetes.io/part-of: maverics-next\n  name: maverics-config\n",
        ),
        (
            "    app.kubernetes.io/part-of: maverics\n  name: maverics\n  namespace: maverics\n---\napiVersion: v1\nautomountServiceAccountToken: false\n",
            "    app.kubernetes.io/part-of: maverics\n  name: maverics-orchestrator\n  namespace: maverics\n---\napiVersion: v1\nautomountServiceAccountToken: false\n",
        ),
    ] {
        t = edit(&t, from, to);
    }
    let tmp = tempfile::tempdir().unwrap();
    let new = tmp.path().join("eks-reviewed.yaml");
    std::fs::write(&new, t).unwrap();
    std::fs::write(
        tmp.path().join(".maverics-krm-diff.yaml"),
        "ignore:\n  - objects: ConfigMap/*\n    path: metadata.labels\n",
    )
    .unwrap();
    (tmp, new)
}

/// Every new flag and the ignore rules, in every format: the kustomize render of
/// overlays/eks against the reviewed copy, with one rule from `--ignore` and one from a file.
#[test]
fn review_flags_and_ignore_rules_in_every_format() {
    let (tmp, new) = reviewed_eks();
    let eks = Path::new("overlays/eks");
    let file = tmp.path().join(".maverics-krm-diff.yaml");
    for (format, golden) in [
        ("text", "diff/review-flags.txt"),
        ("markdown", "diff/review-flags.md"),
        ("json", "diff/review-flags.json"),
    ] {
        let o = diff_in_root(&[
            "--format".as_ref(),
            format.as_ref(),
            "--color".as_ref(),
            "never".as_ref(),
            "--ignore".as_ref(),
            "StatefulSet/*:spec.template.metadata.annotations.checksum/config".as_ref(),
            "--ignore-file".as_ref(),
            file.as_os_str(),
            eks.as_os_str(),
            new.as_os_str(),
        ]);
        assert_eq!(code(&o), 1, "{format}: {}", stderr(&o));
        let out = stdout(&o).replace(&tmp.path().display().to_string(), "$TMP");
        assert_golden(golden, &out);
        if format == "json" {
            let json: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(json["summary"]["ignored"], 2, "{json:#}");
            let flags: Vec<String> = flag_rules(&json).into_iter().map(|(_, rule)| rule).collect();
            for rule in [
                "exposure",
                "sticky-sessions",
                "image",
                "secret-store",
                "disruption-budget",
                "security-context",
            ] {
                assert!(flags.iter().any(|f| f == rule), "{rule} not in {flags:?}");
            }
            let renamed = json["resources"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["renamed"] == "same-content")
                .expect("the ServiceAccount rename");
            assert_eq!(renamed["previousName"], "maverics");
            // The ConfigMap differed only in an ignored label: unchanged, and counted.
            assert!(!out.contains("\"name\": \"maverics-config\""), "{out}");
        }
    }
    // Without the rules, the checksum and the label show, and nothing is said about ignoring.
    let o = diff_in_root(&["--format".as_ref(), "json".as_ref(), eks.as_os_str(), new.as_os_str()]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["summary"]["ignored"], 0);
    assert!(json.get("ignored").is_none());
    assert!(stdout(&o).contains("checksum/config") && stdout(&o).contains("maverics-next"));
}

/// `.maverics-krm-diff.yaml` at the root of the repository around the current directory is
/// read without being named; a bad one fails with its name and the field, and no report.
#[test]
fn the_ignore_file_at_the_repository_root_is_read_and_checked() {
    let (tmp, new) = reviewed_eks();
    let repo = tmp.path();
    std::fs::create_dir(repo.join(".git")).unwrap();
    let sub = repo.join("deploy");
    std::fs::create_dir(&sub).unwrap();
    let goldens = tempfile::tempdir().unwrap();
    let old = common::golden_file("kustomize/eks.yaml", goldens.path());
    let run = || {
        diff_cmd()
            .args(["--format".as_ref(), "text".as_ref(), old.as_os_str(), new.as_os_str()])
            .current_dir(&sub)
            .output()
            .unwrap()
    };
    let o = run();
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("ConfigMap/*:metadata.labels: 1 difference in 1 object"),
        "{}",
        stdout(&o)
    );
    std::fs::write(
        repo.join(".maverics-krm-diff.yaml"),
        "ignore:\n  - objects: ConfigMap\n    pth: x\n",
    )
    .unwrap();
    let o = run();
    assert_eq!(code(&o), 2);
    assert!(stdout(&o).is_empty(), "no partial report: {}", stdout(&o));
    let e = stderr(&o);
    assert!(
        e.contains(".maverics-krm-diff.yaml") && e.contains("ignore[0]") && e.contains("pth"),
        "{e}"
    );
    let o = diff_cmd()
        .args([
            "--ignore".as_ref(),
            "StatefulSet:spec".as_ref(),
            old.as_os_str(),
            new.as_os_str(),
        ])
        .output()
        .unwrap();
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("--ignore `StatefulSet:spec`") && stderr(&o).contains("Kind/*"),
        "{}",
        stderr(&o)
    );
}

/// Four overlays, eight builds, with a kustomize stand-in that logs when each build starts
/// and ends: the old sides are quick, the new sides slow. The builds run concurrently across
/// overlays (the next overlay starts while the first one still renders), never more at once
/// than the machine's cores, and the report keeps overlay order.
#[test]
fn base_renders_overlays_concurrently_within_the_core_count() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let names = ["a", "b", "c", "d"];
    for n in names {
        let dir = repo.join("overlays").join(n);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("kustomization.yaml"), "resources: []\n").unwrap();
    }
    git(tmp.path(), &["init", "--quiet", "repo"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "--quiet", "-m", "four overlays"]);
    let log = tmp.path().join("builds.log");
    let kustomize = tmp.path().join("kustomize");
    common::script(
        &kustomize,
        &format!(
            r#"dir=$4; name=$(basename "$dir")
case "$dir" in *maverics-krm-diff-*) side=old; t=0.1 ;; *) side=new; t=0.6 ;; esac
echo "start $side $name" >> '{log}'
sleep $t
echo "end $side $name" >> '{log}'
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  side: %s\n' "$name" "$side"
"#,
            log = log.display()
        ),
    );
    let o = diff_cmd()
        .args(["--base", "HEAD", "--format", "json", "--kustomize"])
        .arg(&kustomize)
        .current_dir(&repo)
        .output()
        .expect("run diff --base");
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON report");
    let order: Vec<&str> = json["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["overlay"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(order, ["overlays/a", "overlays/b", "overlays/c", "overlays/d"]);

    let log = std::fs::read_to_string(&log).unwrap();
    let (mut running, mut most) = (0, 0);
    for line in log.lines() {
        running += if line.starts_with("start") { 1 } else { -1 };
        most = most.max(running);
    }
    assert_eq!(log.lines().count(), 16, "eight builds: {log}");
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    assert!(most <= cores as i32, "{most} builds at once on {cores} cores: {log}");
    if cores >= 2 {
        let pos = |l: &str| log.lines().position(|x| x == l).unwrap_or(usize::MAX);
        assert!(
            pos("start new b") < pos("end new a"),
            "overlay b waited for overlay a: {log}"
        );
    }

    // A directory that is a kustomization on neither side: exit 2, no output, named.
    let o = diff_cmd()
        .args(["--base", "HEAD", "--kustomize"])
        .arg(&kustomize)
        .arg("overlays/nope")
        .current_dir(&repo)
        .output()
        .expect("run diff --base");
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    assert!(
        stderr(&o).contains("overlays/nope is a kustomization neither at HEAD nor in the working tree"),
        "{}",
        stderr(&o)
    );
}

/// Moving from EKS to AKS: the secret store and the load balancer's sources change, and both
/// are flagged for review; AGC's policies arrive as added objects.
#[test]
fn eks_against_aks_flags_the_store_and_the_new_load_balancer_sources() {
    let (eks, aks) = (Path::new("overlays/eks"), Path::new("overlays/aks"));
    let o = diff_in_root(&["--format".as_ref(), "json".as_ref(), eks.as_os_str(), aks.as_os_str()]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let text = stdout(&o);
    for needle in [
        "maverics-azure-key-vault",
        "10.225.0.0/24",
        "IngressExtension",
        "HealthCheckPolicy",
        "azure.workload.identity/client-id",
    ] {
        assert!(text.contains(needle), "`{needle}` missing from:\n{text}");
    }
}

/// AKS serves TLS through `spec.tls`, GKE through a ManagedCertificate annotation: moving
/// either way keeps the host on TLS, so neither direction flags TLS or plain HTTP.
#[test]
fn aks_against_gke_in_both_directions_keeps_tls() {
    let (aks, gke) = (Path::new("overlays/aks"), Path::new("overlays/gke"));
    for (a, b, golden) in [(aks, gke, "diff/aks-gke.md"), (gke, aks, "diff/gke-aks.md")] {
        let o = diff_in_root(&["--format".as_ref(), "markdown".as_ref(), a.as_os_str(), b.as_os_str()]);
        assert_eq!(code(&o), 1, "{}", stderr(&o));
        assert_golden(golden, &stdout(&o));
        let o = diff_in_root(&["--format".as_ref(), "json".as_ref(), a.as_os_str(), b.as_os_str()]);
        let report: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON report");
        let exposure: Vec<&str> = report["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .flat_map(|r| r["flags"].as_array().expect("flags"))
            .filter(|f| f["rule"] == "exposure")
            .filter_map(|f| f["message"].as_str())
            .collect();
        assert!(
            exposure.iter().all(|m| !m.contains("TLS") && !m.contains("HTTP")),
            "{} -> {}: {exposure:?}",
            a.display(),
            b.display()
        );
    }
}

/// A pull request that fixes a broken overlay still gets its report: the base side's build
/// error is in every format, the working tree's objects show as added, and the exit code
/// is 1 (changes). A working tree that does not build stays an error (exit 2).
#[test]
fn base_that_does_not_build_is_reported_and_the_working_tree_shown_whole() {
    let (_tmp, repo) = clone();
    let k = repo.join("overlays/dev/kustomization.yaml");
    let good = std::fs::read_to_string(&k).unwrap();
    std::fs::write(&k, edit(&good, "newTag: v2026.01.2", "newTag: [broken")).unwrap();
    git(&repo, &["commit", "--quiet", "-am", "dev: broken"]);
    std::fs::write(&k, &good).unwrap();
    git(&repo, &["commit", "--quiet", "-am", "dev: fixed"]);

    let o = diff_base(&repo, &["HEAD~1", "--color", "never", "overlays/dev"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("failed: old side of overlays/dev did not build, shown as all added: error: at HEAD~1:"),
        "{out}"
    );
    assert!(
        out.contains("+        image: registry.dev.example.com/strata/orchestrator:v2026.01.2"),
        "the working tree's objects, added: {out}"
    );
    assert!(stderr(&o).contains("at HEAD~1:"), "{}", stderr(&o));
    let o = diff_base(&repo, &["HEAD~1", "--format", "markdown", "overlays/dev"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stdout(&o).contains(
            "- :x: **old side of <code>overlays/dev</code> did not build**, shown as all added: <code>error: at HEAD"
        ),
        "{}",
        stdout(&o)
    );
    let o = diff_base(&repo, &["HEAD~1", "--format", "json", "overlays/dev"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON report");
    assert_eq!(json["changed"], true);
    assert_eq!(json["sides"]["failed"][0]["side"], "old");
    assert_eq!(json["sides"]["failed"][0]["overlay"], "overlays/dev");
    assert!(
        json["sides"]["failed"][0]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("at HEAD~1")
    );
    assert!(json["summary"]["added"].as_u64().unwrap_or_default() > 5, "{json}");

    // The working tree broken instead: exit 2, nothing on stdout.
    std::fs::write(&k, edit(&good, "newTag: v2026.01.2", "newTag: [broken")).unwrap();
    let o = diff_base(&repo, &["HEAD", "overlays/dev"]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
}

/// The old side's generator cannot be built (here a `cargo` on PATH that fails, as a
/// revision that does not compile would): that is no overlay's build error but the
/// command's, exit 2 with cargo's failure named and nothing on stdout, never every overlay
/// reported as all added.
#[test]
fn base_whose_generator_cannot_be_built_is_an_error_not_an_all_added_report() {
    let (tmp, repo) = clone();
    let lib = repo.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap() + "// a generator change\n";
    std::fs::write(&lib, text).unwrap();
    git(&repo, &["commit", "--quiet", "-am", "generator: change"]);
    let fake = tmp.path().join("fake-bin");
    std::fs::create_dir_all(&fake).unwrap();
    let cargo = fake.join("cargo");
    std::fs::write(&cargo, "#!/bin/sh\necho 'error: could not compile' >&2\nexit 101\n").unwrap();
    std::fs::set_permissions(&cargo, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(
        std::iter::once(fake).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    for format in ["text", "markdown", "json"] {
        let o = diff_cmd()
            .args(["--base", "HEAD~1", "--format", format])
            .current_dir(&repo)
            .env("CARGO_TARGET_DIR", repo.join("target"))
            .env("PATH", &path)
            .output()
            .expect("run diff --base");
        assert_eq!(code(&o), 2, "{format}: {}{}", stdout(&o), stderr(&o));
        assert!(stdout(&o).is_empty(), "{format}: {}", stdout(&o));
        assert!(
            stderr(&o).contains("building the generator of") && !stderr(&o).contains("warning:"),
            "{format}: {}",
            stderr(&o)
        );
    }
    assert_eq!(git(&repo, &["worktree", "list"]).lines().count(), 1);
}

/// A new file in a compared overlay makes the working tree "HEAD and uncommitted changes"
/// even when the user's git hides untracked files from `git status`.
#[test]
fn base_header_sees_an_untracked_overlay_file_whatever_status_show_untracked_files_says() {
    let (_tmp, repo) = clone();
    git(&repo, &["config", "status.showUntrackedFiles", "no"]);
    let how = |repo: &Path| {
        let o = diff_base(repo, &["HEAD", "--format", "json", "overlays/dev"]);
        assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
        let json: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON report");
        json["sides"]["new"]["how"].as_str().unwrap_or_default().to_owned()
    };
    assert_eq!(how(&repo), "HEAD");
    std::fs::write(repo.join("overlays/dev/notes.txt"), "not yet committed\n").unwrap();
    assert_eq!(how(&repo), "HEAD and uncommitted changes");
}
