//! The CI files `init` writes, for GitHub Actions and GitLab CI: valid against the published
//! schemas (schemas/ci/), and their shell run as each runner would run it, taken from the
//! files the scaffold wrote, against a real git repository whose pull request changes the
//! output. `gh` and GitLab's API (`curl`) are stand-ins (tests/fixtures/ci-stubs/) that keep
//! the comments in a file: the first run creates one comment, a later push updates that one,
//! a foreign comment with the same marker is never touched, and an error fails the job
//! without posting.

use crate::common;

use common::{bin, command, root, stderr, tool};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const MARKER: &str = "<!-- maverics-krm diff -->";

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn yaml(path: &Path) -> Value {
    let v: serde_yaml::Value = serde_yaml::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::to_value(v).expect("YAML as JSON")
}

fn git(dir: &Path, args: &[&str]) -> String {
    let o = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=ci test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("run git");
    assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

/// A scaffold written by `init` (the CI files under test come from here).
fn scaffold(dir: &Path) {
    let o = command(bin())
        .arg("init")
        .arg(dir)
        .args(["--platform", "eks"])
        .output()
        .expect("run init");
    assert!(o.status.success(), "{}", stderr(&o));
}

fn validator(file: &str) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&read(&root().join("schemas/ci").join(file))).expect("schema is JSON");
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{file} is not a valid schema: {e}"))
}

fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn the_ci_files_are_valid_against_the_published_schemas() {
    let tmp = tempfile::tempdir().expect("tempdir");
    scaffold(tmp.path());
    for (file, schema) in [
        (".github/workflows/render.yaml", "github-workflows.json"),
        (".gitlab-ci.yml", "gitlab-ci.json"),
    ] {
        let v = validator(schema);
        let mut ci = yaml(&tmp.path().join(file));
        assert_eq!(errors(&v, &ci), Vec::<String>::new(), "{file} against {schema}");
        // The schemas catch a mistake of the kind a template edit makes.
        let job = if schema == "gitlab-ci.json" {
            &mut ci["diff"]
        } else {
            &mut ci["jobs"]["render"]
        };
        job["runs_on"] = json!("ubuntu-latest");
        assert!(!errors(&v, &ci).is_empty(), "{schema} accepts an unknown job key");
    }
}

/// The repositories of one test: `upstream` (a branch `main` with the scaffold, a branch `pr`
/// one commit ahead that raises the autoscaling maximum) and `checkout`, a full clone at `pr`'s head as
/// the CI checkout makes it, with the tools where the CI cache puts them.
struct Repos {
    tmp: tempfile::TempDir,
    upstream: PathBuf,
    checkout: PathBuf,
}

impl Repos {
    fn new() -> Repos {
        let tmp = tempfile::tempdir().expect("tempdir");
        let upstream = tmp.path().join("upstream");
        scaffold(&upstream);
        git(&upstream, &["init", "--quiet"]);
        git(&upstream, &["add", "."]);
        git(&upstream, &["commit", "--quiet", "-m", "scaffold"]);
        git(&upstream, &["checkout", "--quiet", "-b", "pr"]);
        let checkout = tmp.path().join("checkout");
        let repos = Repos {
            tmp,
            upstream,
            checkout,
        };
        repos.push_max_replicas(6);
        git(
            repos.tmp.path(),
            &["clone", "--quiet", &repos.upstream.to_string_lossy(), "checkout"],
        );
        repos.check_out_head();
        repos
    }

    /// A commit on `pr` that sets the base's autoscaling maximum.
    fn push_max_replicas(&self, n: u32) {
        let base = self.upstream.join("bases/orchestrator/orchestrator.yaml");
        let text = read(&base);
        let (head, tail) = text
            .split_once("\n    maxReplicas: ")
            .expect("the base sets maxReplicas");
        let rest = tail.split_once('\n').map_or("", |(_, r)| r);
        std::fs::write(&base, format!("{head}\n    maxReplicas: {n}\n{rest}")).expect("write the base");
        git(
            &self.upstream,
            &["commit", "--quiet", "-am", &format!("maxReplicas: {n}")],
        );
    }

    /// The checkout at `pr`'s head, detached, with every branch fetched (`fetch-depth: 0`).
    fn check_out_head(&self) -> String {
        git(&self.checkout, &["fetch", "--quiet", "origin"]);
        let head = git(&self.checkout, &["rev-parse", "origin/pr"]);
        git(&self.checkout, &["checkout", "--quiet", "--detach", &head]);
        head
    }

    /// A directory of stand-ins (`gh`, `curl`) and a comment store, empty but for `seed`.
    fn stubs(&self, seed: Value) -> Stubs {
        // The stand-ins are Python; `gh --jq` and the GitLab job's filter run the real jq.
        for (program, install) in [("python3", "apt-get install python3"), ("jq", "apt-get install jq")] {
            let found = std::process::Command::new(program)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success());
            assert!(found, "{program} is missing: {install}");
        }
        let dir = self.tmp.path().join("stubs");
        std::fs::create_dir_all(&dir).expect("stubs dir");
        for s in ["gh", "curl"] {
            let to = dir.join(s);
            std::fs::copy(root().join("tests/fixtures/ci-stubs").join(s), &to).expect("copy stub");
        }
        let stubs = Stubs {
            store: self.tmp.path().join("store.json"),
            log: self.tmp.path().join("calls.log"),
            dir,
        };
        std::fs::write(&stubs.store, seed.to_string()).expect("seed the store");
        stubs
    }

    /// The tools where the CI file's cache keeps them, so its install step finds them there.
    /// `maverics-krm` is a wrapper that logs its arguments (see [`Repos::diff_runs`]).
    fn cached_tools(&self, tools: &Path) {
        std::fs::create_dir_all(tools).expect("tools dir");
        let wrapper = tools.join("maverics-krm");
        if !wrapper.exists() {
            let script = format!(
                "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
                self.calls().display(),
                bin().display()
            );
            std::fs::write(&wrapper, script).expect("write the maverics-krm wrapper");
            std::fs::set_permissions(&wrapper, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .expect("make the wrapper executable");
        }
        let link = tools.join("kustomize");
        if !link.exists() {
            std::os::unix::fs::symlink(tool("kustomize-5.8.1"), link).expect("link a tool");
        }
    }

    fn calls(&self) -> PathBuf {
        self.tmp.path().join("maverics-krm.calls")
    }

    /// How many times the CI file ran `maverics-krm diff` so far: a pull request's renders
    /// are its slowest part, so one run must write both the Markdown and the JSON.
    fn diff_runs(&self) -> usize {
        std::fs::read_to_string(self.calls())
            .unwrap_or_default()
            .lines()
            .filter(|l| l.starts_with("diff "))
            .count()
    }
}

struct Stubs {
    dir: PathBuf,
    store: PathBuf,
    log: PathBuf,
}

impl Stubs {
    fn store(&self) -> Value {
        serde_json::from_str(&read(&self.store)).expect("the store is JSON")
    }

    /// `METHOD TARGET` of every call that writes: the call's field `target`, without `prefix`.
    fn writes(&self, target: &str, prefix: &str) -> Vec<String> {
        self.calls()
            .iter()
            .filter(|c| c["method"] != "GET")
            .map(|c| {
                let t = c[target].as_str().unwrap_or_default();
                format!(
                    "{} {}",
                    c["method"].as_str().unwrap_or_default(),
                    t.trim_start_matches(prefix)
                )
            })
            .collect()
    }

    fn calls(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a call is JSON"))
            .collect()
    }
}

/// `${{ EXPR }}` replaced from `ctx`; an expression the test does not know fails it.
fn expand(text: &str, ctx: &BTreeMap<&str, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("${{") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find("}}").expect("an unclosed ${{") + i;
        let expr = rest[i + 3..end].trim();
        out.push_str(ctx.get(expr).unwrap_or_else(|| panic!("unknown expression `{expr}`")));
        rest = &rest[end + 2..];
    }
    out + rest
}

/// A step's `if`: `&&` of `==` and `!=` between `${{ }}` expressions from `ctx` and quoted
/// literals, the only form the workflow uses; anything else fails the test.
fn condition(cond: &str, ctx: &BTreeMap<&str, String>) -> bool {
    let operand = |o: &str| -> String {
        let o = o.trim();
        match o.strip_prefix('\'').and_then(|o| o.strip_suffix('\'')) {
            Some(lit) => lit.to_owned(),
            None => ctx
                .get(o)
                .unwrap_or_else(|| panic!("unknown expression `{o}` in `{cond}`"))
                .clone(),
        }
    };
    cond.split("&&").all(|part| {
        if let Some((a, b)) = part.split_once("!=") {
            operand(a) != operand(b)
        } else if let Some((a, b)) = part.split_once("==") {
            operand(a) == operand(b)
        } else {
            panic!("a condition the test does not know: `{cond}`")
        }
    })
}

/// PATH with `first` in front of the caller's.
fn path_with(first: &[PathBuf]) -> std::ffi::OsString {
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(first.iter().cloned().chain(std::env::split_paths(&inherited))).expect("PATH")
}

/// What a run of the CI file did: the exit code of the step that failed (None if all passed),
/// its output, and (GitHub) what the steps wrote to the job summary.
struct Run {
    failed: Option<i32>,
    output: String,
    summary: String,
}

/// Runs the steps of the GitHub workflow's job `render` on `pull_request`, as the runner
/// does: each `run` with `bash --noprofile --norc -eo pipefail`, the workflow's and the
/// step's `env`, `$GITHUB_PATH` added to PATH for later steps; `actions/upload-artifact`'s
/// file must exist when its turn comes. Checkout and cache are the test's (see [`Repos`]).
fn run_github(repos: &Repos, stubs: &Stubs, ctx: &BTreeMap<&str, String>) -> Run {
    let wf = yaml(&repos.checkout.join(".github/workflows/render.yaml"));
    let home = repos.tmp.path().join("home");
    repos.cached_tools(&home.join(".maverics-krm-ci/bin"));
    let github_path = repos.tmp.path().join("github_path");
    std::fs::write(&github_path, "").expect("GITHUB_PATH");
    let summary = repos.tmp.path().join("step_summary");
    std::fs::write(&summary, "").expect("GITHUB_STEP_SUMMARY");
    let mut output = String::new();
    for step in wf["jobs"]["render"]["steps"].as_array().expect("steps") {
        if let Some(cond) = step["if"].as_str()
            && !condition(cond, ctx)
        {
            continue;
        }
        if let Some(uses) = step["uses"].as_str() {
            if uses.starts_with("actions/upload-artifact@") {
                let file = repos
                    .checkout
                    .join(step["with"]["path"].as_str().expect("artifact path"));
                assert!(file.is_file(), "the artifact {} is missing", file.display());
            }
            continue;
        }
        let script = expand(step["run"].as_str().expect("a run step"), ctx);
        let mut added: Vec<PathBuf> = read(&github_path).lines().rev().map(PathBuf::from).collect();
        added.push(stubs.dir.clone());
        let mut cmd = std::process::Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &script])
            .current_dir(&repos.checkout)
            .env("HOME", &home)
            .env("GITHUB_PATH", &github_path)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("PATH", path_with(&added))
            .env("STUB_STORE", &stubs.store)
            .env("STUB_LOG", &stubs.log)
            .env_remove("KUSTOMIZE")
            .env_remove("MAVERICS_KRM_BIN");
        for env in [&wf["env"], &step["env"]] {
            for (k, v) in env.as_object().into_iter().flatten() {
                let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                cmd.env(k, expand(&v, ctx));
            }
        }
        let o = cmd.output().expect("run bash");
        output.push_str(&String::from_utf8_lossy(&o.stdout));
        output.push_str(&String::from_utf8_lossy(&o.stderr));
        if !o.status.success() {
            return Run {
                failed: Some(o.status.code().unwrap_or(-1)),
                output,
                summary: read(&summary),
            };
        }
    }
    Run {
        failed: None,
        output,
        summary: read(&summary),
    }
}

/// Runs the GitLab job `diff` in a merge request pipeline from a fork, as the runner does: the
/// default `before_script` and the job's `script` in one `bash -eo pipefail`, with the file's
/// and the predefined variables; the artifact's paths must exist after a successful run. The
/// pipeline runs in the fork (project 99) for a merge request of project 42, and `origin`, the
/// fork, cannot be fetched: the job must use GitLab's merge base and the target project.
fn run_gitlab(repos: &Repos, stubs: &Stubs, base_sha: &str, token: &str) -> Run {
    run_gitlab_with(repos, stubs, base_sha, token, &[])
}

/// [`run_gitlab`] with more predefined variables, e.g. a merged-results pipeline's.
fn run_gitlab_with(repos: &Repos, stubs: &Stubs, base_sha: &str, token: &str, vars: &[(&str, &str)]) -> Run {
    let ci = yaml(&repos.checkout.join(".gitlab-ci.yml"));
    let job = &ci["diff"];
    assert_eq!(
        job["rules"][0]["if"].as_str(),
        Some("$CI_PIPELINE_SOURCE == \"merge_request_event\""),
        "the job runs in merge request pipelines"
    );
    repos.cached_tools(&repos.checkout.join(".maverics-krm-ci/bin"));
    let lines = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("a script list")
            .iter()
            .map(|l| l.as_str().expect("a script line").to_owned())
            .collect()
    };
    let mut script = lines(&ci["default"]["before_script"]);
    script.extend(lines(&job["script"]));
    let mut cmd = std::process::Command::new("bash");
    cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &script.join("\n")])
        .current_dir(&repos.checkout)
        .env("PATH", path_with(std::slice::from_ref(&stubs.dir)))
        .env("STUB_STORE", &stubs.store)
        .env("STUB_LOG", &stubs.log)
        .env("CI_PROJECT_DIR", &repos.checkout)
        .env("CI_PIPELINE_SOURCE", "merge_request_event")
        .env("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main")
        .env("CI_MERGE_REQUEST_DIFF_BASE_SHA", base_sha)
        .env("CI_API_V4_URL", "https://gitlab.example.com/api/v4")
        .env("CI_PROJECT_ID", "99")
        .env("CI_MERGE_REQUEST_PROJECT_ID", "42")
        .env("CI_MERGE_REQUEST_IID", "7")
        .env("MAVERICS_KRM_DIFF_TOKEN", token)
        // Any fetch from `origin` fails, as a fetch of the target branch from the fork would.
        .env("GIT_CONFIG_COUNT", "1")
        .env(
            "GIT_CONFIG_KEY_0",
            format!("url.{}.insteadOf", repos.tmp.path().join("no-such-fork").display()),
        )
        .env("GIT_CONFIG_VALUE_0", &repos.upstream)
        .env_remove("KUSTOMIZE")
        .env_remove("MAVERICS_KRM_BIN")
        .env_remove("CI_MERGE_REQUEST_TARGET_BRANCH_SHA")
        .envs(vars.iter().copied());
    for (k, v) in ci["variables"].as_object().into_iter().flatten() {
        cmd.env(k, v.as_str().expect("a string variable"));
    }
    let o = cmd.output().expect("run bash");
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    if !o.status.success() {
        return Run {
            failed: Some(o.status.code().unwrap_or(-1)),
            output,
            summary: String::new(),
        };
    }
    for p in job["artifacts"]["paths"].as_array().expect("artifact paths") {
        let file = repos.checkout.join(p.as_str().expect("a path"));
        assert!(file.is_file(), "the artifact {} is missing", file.display());
    }
    Run {
        failed: None,
        output,
        summary: String::new(),
    }
}

/// The JSON report the run left for the artifact: changes, the autoscaling maximum among them.
fn assert_report(checkout: &Path, max: u32) {
    let report: Value = serde_json::from_str(&read(&checkout.join("maverics-krm-diff.json"))).expect("the JSON report");
    assert_eq!(report["changed"], true, "{report}");
    let diffs: String = report["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["diff"].as_str().unwrap_or_default())
        .collect();
    assert!(diffs.contains(&format!("+  maxReplicas: {max}")), "{diffs}");
}

#[cfg(feature = "e2e")]
#[test]
fn the_github_workflow_posts_one_comment_and_updates_it() {
    let repos = Repos::new();
    // Someone quoted the marker in a comment of their own: it must never be rewritten.
    let foreign = format!("{MARKER}\nquoted by a reviewer");
    let stubs = repos.stubs(json!({
        "next_id": 2,
        "comments": [{"id": 1, "issue": 7, "user": {"login": "reviewer"}, "body": foreign}],
    }));
    let head = repos.check_out_head();
    let mut ctx = BTreeMap::from([
        ("github.base_ref", "main".to_owned()),
        ("github.event.pull_request.head.sha", head.clone()),
        ("github.sha", head),
        ("github.token", "ghs_test".to_owned()),
        ("github.repository", "acme/orchestrator".to_owned()),
        ("github.event_name", "pull_request".to_owned()),
        (
            "github.event.pull_request.head.repo.full_name",
            "acme/orchestrator".to_owned(),
        ),
        ("github.actor", "a-maintainer".to_owned()),
        ("github.event.pull_request.number", "7".to_owned()),
        ("vars.MAVERICS_KRM_GIT", String::new()),
    ]);

    // First push: diff exits 1 (changes), the job passes, one comment is created; one run
    // of diff wrote both reports.
    let run = run_github(&repos, &stubs, &ctx);
    assert_eq!(run.failed, None, "{}", run.output);
    assert_report(&repos.checkout, 6);
    assert_eq!(repos.diff_runs(), 1, "{}", read(&repos.calls()));
    let store = stubs.store();
    let comments = store["comments"].as_array().expect("comments");
    assert_eq!(comments.len(), 2, "{store}");
    let ours = &comments[1];
    assert_eq!(ours["id"], 2);
    let body = ours["body"].as_str().expect("body");
    assert!(body.starts_with(&format!("{MARKER}\n")), "{body}");
    assert!(
        body.contains("+  maxReplicas: 6") && body.contains("merge base of"),
        "{body}"
    );
    assert!(run.summary.contains("+  maxReplicas: 6"), "{}", run.summary);

    // A later push: the same comment is rewritten, nothing new is posted.
    repos.push_max_replicas(7);
    let head = repos.check_out_head();
    ctx.insert("github.event.pull_request.head.sha", head);
    let run = run_github(&repos, &stubs, &ctx);
    assert_eq!(run.failed, None, "{}", run.output);
    assert_report(&repos.checkout, 7);
    let store = stubs.store();
    let comments = store["comments"].as_array().expect("comments");
    assert_eq!(comments.len(), 2, "one comment per pull request: {store}");
    assert_eq!(comments[0]["body"], foreign.as_str(), "a foreign comment was rewritten");
    let body = comments[1]["body"].as_str().expect("body");
    assert!(body.contains("+  maxReplicas: 7"), "{body}");
    let writes = stubs.writes("endpoint", "");
    assert_eq!(
        writes,
        [
            "POST repos/acme/orchestrator/issues/7/comments",
            "PATCH repos/acme/orchestrator/issues/comments/2"
        ]
    );

    // A pull request from a fork, and one by Dependabot: their token is read-only, so nothing
    // is posted, the job passes, and the report is in the job summary.
    for (key, value) in [
        (
            "github.event.pull_request.head.repo.full_name",
            "contributor/orchestrator",
        ),
        ("github.actor", "dependabot[bot]"),
    ] {
        let mut ctx = ctx.clone();
        ctx.insert(key, value.to_owned());
        let before = stubs.calls().len();
        let run = run_github(&repos, &stubs, &ctx);
        assert_eq!(run.failed, None, "{key}: {}", run.output);
        assert_eq!(stubs.calls().len(), before, "{key}: {:?}", stubs.calls());
        assert!(run.summary.contains("+  maxReplicas: 7"), "{key}: {}", run.summary);
    }

    // An error (diff exits 2: the base branch is not there) fails the job and posts nothing.
    ctx.insert("github.base_ref", "no-such-branch".to_owned());
    let before = stubs.calls().len();
    let run = run_github(&repos, &stubs, &ctx);
    assert_eq!(run.failed, Some(2), "{}", run.output);
    assert!(run.output.contains("no-such-branch"), "{}", run.output);
    assert_eq!(stubs.calls().len(), before, "an error posted: {:?}", stubs.calls());
}

#[cfg(feature = "e2e")]
#[test]
fn the_gitlab_job_posts_one_note_and_updates_it() {
    let repos = Repos::new();
    // A long discussion (more than a page of 100 notes), then a note of another user with
    // the marker: never rewritten. The job's own note lands on the second page.
    let foreign = format!("{MARKER}\nquoted by a reviewer");
    let mut seeded: Vec<Value> = (1..=120)
        .map(|id| json!({"id": id, "mr": 7, "author": {"id": 5}, "body": "looks good"}))
        .collect();
    seeded.push(json!({"id": 121, "mr": 7, "author": {"id": 5}, "body": foreign}));
    let stubs = repos.stubs(json!({"next_id": 122, "notes": seeded}));

    // GitLab's CI_MERGE_REQUEST_DIFF_BASE_SHA.
    let base = git(&repos.checkout, &["merge-base", "origin/main", "HEAD"]);
    let run = run_gitlab(&repos, &stubs, &base, "glpat-test");
    assert_eq!(run.failed, None, "{}", run.output);
    assert_report(&repos.checkout, 6);
    assert_eq!(
        repos.diff_runs(),
        1,
        "one run of diff writes both reports: {}",
        read(&repos.calls())
    );

    repos.push_max_replicas(7);
    repos.check_out_head();
    let run = run_gitlab(&repos, &stubs, &base, "glpat-test");
    assert_eq!(run.failed, None, "{}", run.output);
    assert_report(&repos.checkout, 7);
    let store = stubs.store();
    let notes = store["notes"].as_array().expect("notes");
    assert_eq!(notes.len(), 122, "one note per merge request: {store}");
    assert_eq!(notes[120]["body"], foreign.as_str(), "a foreign note was rewritten");
    let body = notes[121]["body"].as_str().expect("body");
    assert!(
        body.starts_with(&format!("{MARKER}\n")) && body.contains("+  maxReplicas: 7"),
        "{body}"
    );
    let writes = stubs.writes("url", "https://gitlab.example.com/api/v4/");
    assert_eq!(
        writes,
        [
            "POST projects/42/merge_requests/7/notes",
            "PUT projects/42/merge_requests/7/notes/122"
        ]
    );
    assert!(
        stubs
            .calls()
            .iter()
            .any(|c| c["url"].as_str().unwrap_or_default().ends_with("per_page=100&page=2")),
        "the second page of notes was read: {:?}",
        stubs.calls()
    );

    // A merged-results pipeline: HEAD is the merge into the target branch's commit, which is
    // the base (GitLab's diff base would be an older commit there); here the diff base is
    // not even a commit, so using it would fail the job.
    let target = git(&repos.checkout, &["rev-parse", "origin/main"]);
    let run = run_gitlab_with(
        &repos,
        &stubs,
        "not-a-commit",
        "glpat-test",
        &[("CI_MERGE_REQUEST_TARGET_BRANCH_SHA", target.as_str())],
    );
    assert_eq!(run.failed, None, "{}", run.output);
    assert!(
        read(&repos.calls()).contains(&format!("diff --base {target} ")),
        "{}",
        read(&repos.calls())
    );
    assert_eq!(
        stubs.store()["notes"].as_array().map(Vec::len),
        Some(122),
        "still one note"
    );

    // Without the token (a fork's own pipeline, or a protected variable): no note, the job
    // passes, the report is kept.
    let before = stubs.calls().len();
    let run = run_gitlab(&repos, &stubs, &base, "");
    assert_eq!(run.failed, None, "{}", run.output);
    assert!(
        run.output.contains("MAVERICS_KRM_DIFF_TOKEN is not available"),
        "{}",
        run.output
    );
    assert_eq!(
        stubs.calls().len(),
        before,
        "posted without a token: {:?}",
        stubs.calls()
    );
    assert_report(&repos.checkout, 7);

    // An error (diff exits 2: the overlay does not build) fails the job and posts nothing.
    std::fs::write(repos.checkout.join("overlays/eks/platform.yaml"), "kind: [").expect("break the overlay");
    let before = stubs.calls().len();
    let run = run_gitlab(&repos, &stubs, &base, "glpat-test");
    assert_eq!(run.failed, Some(2), "{}", run.output);
    assert_eq!(stubs.calls().len(), before, "an error posted: {:?}", stubs.calls());
}
