//! Files and processes (issue 11 §7): a leading BOM on every reader, a broken pipe, a full
//! disk and a closed stdout for every command that writes stdout, symlink loops under
//! `check` and `diff`, staged output folders, the size cap of `render`, and `diff --base`
//! cleaning up its worktree on SIGINT and SIGTERM. Each case asserts the exit code and the
//! exact message.

use crate::common;

use common::{bin, root, run_with_stdin, stderr, stdout, tool};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BOM: &str = "\u{feff}";
const FULL: &str = "error: cannot write stdout: No space left on device (os error 28)\n";
const CLOSED: &str = "error: cannot write stdout: it is closed (redirect it to a file or to /dev/null)\n";
const CAP: usize = 256 * 1024 * 1024;

fn cmd(args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.args(args).env("KUSTOMIZE", tool("kustomize-5.8.1"));
    c
}

/// Runs with `stdin` and stdout connected to `out`; stderr captured.
fn run_to(mut c: Command, stdin: &[u8], out: Stdio) -> Output {
    use std::io::Write;
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(out)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the binary under test");
    let mut input = child.stdin.take().expect("stdin");
    // The child may stop reading early (a refused size); that is not the test's failure.
    let _ = input.write_all(stdin);
    drop(input);
    child.wait_with_output().expect("wait")
}

/// A pipe whose reader is already gone: the first write gets EPIPE.
fn broken_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    Stdio::from(writer)
}

fn dev_full() -> Stdio {
    Stdio::from(
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full"),
    )
}

/// A stream `check` and `diff` read: a golden render.
fn rendered() -> PathBuf {
    root().join("tests/golden/render/alb-sticky.yaml")
}

fn default_list() -> String {
    let mut list = String::from(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: mine, namespace: apps}\n  data: {k: v}\nfunctionConfig:\n",
    );
    for l in maverics_krm::cli::DEFAULT_CONFIG.lines() {
        list.push_str(&format!("  {l}\n"));
    }
    list
}

/// Every command that writes stdout, with what it needs on stdin.
fn writers(tmp: &Path) -> Vec<(&'static str, Command, Vec<u8>)> {
    let changed = tmp.join("changed.yaml");
    std::fs::write(
        &changed,
        std::fs::read_to_string(rendered())
            .unwrap()
            .replace("replicas: 2", "replicas: 3"),
    )
    .unwrap();
    let (r, c) = (rendered(), changed);
    let cm = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: default}\n".to_vec();
    let mut diff = cmd(&["diff"]);
    diff.arg(&r).arg(&c);
    let mut build = cmd(&["build"]);
    build.arg(root().join("overlays/dev"));
    let mut graph = cmd(&["graph"]);
    graph.arg(&r);
    vec![
        ("function mode", cmd(&[]), default_list().into_bytes()),
        ("schema", cmd(&["schema"]), Vec::new()),
        ("completions", cmd(&["completions", "bash"]), Vec::new()),
        ("man", cmd(&["man"]), Vec::new()),
        ("explain", cmd(&["explain", "spec.autoscaling"]), Vec::new()),
        ("--help", cmd(&["--help"]), Vec::new()),
        ("check --format krm", cmd(&["check", "--format", "krm", "-"]), cm),
        ("render", cmd(&["render"]), Vec::new()),
        (
            "import-helm-values",
            cmd(&["import-helm-values", "-"]),
            b"replicaCount: 2\n".to_vec(),
        ),
        ("diff", diff, Vec::new()),
        ("graph", graph, Vec::new()),
        ("build", build, Vec::new()),
    ]
}

#[cfg(feature = "e2e")]
#[test]
fn a_broken_pipe_ends_every_writer_quietly_with_141() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, c, input) in writers(tmp.path()) {
        let out = run_to(c, &input, broken_pipe());
        assert_eq!(out.status.code(), Some(141), "{name}: {}", stderr(&out));
        // `build` relays kustomize's own warnings; nothing of ours follows them.
        if name != "build" {
            assert_eq!(stderr(&out), "", "{name}: a broken pipe says nothing");
        }
        assert!(!stderr(&out).contains("error"), "{name}: {}", stderr(&out));
    }
}

#[cfg(feature = "e2e")]
#[test]
fn a_full_disk_is_one_line_and_exit_2_for_every_writer() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, c, input) in writers(tmp.path()) {
        let out = run_to(c, &input, dev_full());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.ends_with(FULL), "{name}: {err}");
        let errors = err.lines().filter(|l| l.starts_with("error:")).count();
        assert_eq!(errors, 1, "{name}: one line: {err}");
    }
}

#[cfg(feature = "e2e")]
#[test]
fn a_closed_stdout_is_an_error_not_a_silent_success() {
    for args in [&["schema"][..], &["render"], &["explain", "spec.image"], &["--version"]] {
        let out = Command::new("sh")
            .arg("-c")
            .arg("exec \"$0\" \"$@\" >&-")
            .arg(bin())
            .args(args)
            .output()
            .expect("sh");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), CLOSED, "{args:?}");
    }
    // /dev/null opened by the caller is a real destination, write-only as a shell opens it
    // and read-write as Python's subprocess.DEVNULL and Go's nil Stdout open it.
    for redirect in [">/dev/null", "1<>/dev/null"] {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("exec \"$0\" schema {redirect}"))
            .arg(bin())
            .output()
            .expect("sh");
        assert_eq!(out.status.code(), Some(0), "{redirect}: {}", stderr(&out));
    }
    let out = cmd(&["schema"])
        .stdout(std::process::Stdio::null())
        .output()
        .expect("spawn");
    assert_eq!(out.status.code(), Some(0), "Stdio::null: {}", stderr(&out));
}

// ---- BOM: every reader accepts one leading byte order mark.

fn with_bom(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("{BOM}{text}")).unwrap();
    p
}

#[cfg(feature = "e2e")]
#[test]
fn function_mode_reads_a_bom_like_kustomize() {
    let plain = run_with_stdin(&mut cmd(&[]), default_list().as_bytes());
    let bom = run_with_stdin(&mut cmd(&[]), format!("{BOM}{}", default_list()).as_bytes());
    assert_eq!(bom.status.code(), Some(0), "{}", stderr(&bom));
    assert_eq!(stdout(&bom), stdout(&plain));
    let list = maverics_krm::krm::ResourceList::parse(&bom.stdout).expect("a ResourceList");
    assert!(
        list.items
            .iter()
            .filter_map(maverics_krm::krm::Item::tree)
            .any(|i| i["metadata"]["name"].as_str() == Some("mine"))
    );
}

#[cfg(feature = "e2e")]
#[test]
fn render_reads_a_bom_from_a_file_and_from_stdin() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = cmd(&["render"]).output().unwrap();
    let file = with_bom(tmp.path(), "o.yaml", maverics_krm::cli::DEFAULT_CONFIG);
    let out = cmd(&["render"]).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), stdout(&plain));
    let out = run_with_stdin(
        &mut cmd(&["render", "-"]),
        format!("{BOM}{}", maverics_krm::cli::DEFAULT_CONFIG).as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), stdout(&plain));
}

#[cfg(feature = "e2e")]
#[test]
fn check_reads_a_bom_from_a_file_a_folder_and_stdin() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(rendered()).unwrap();
    let file = with_bom(tmp.path(), "r.yaml", &text);
    for arg in [file.as_path(), tmp.path()] {
        let out = cmd(&["check"]).arg(arg).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        // The base render carries the example values on purpose: three warnings, no error.
        assert!(
            stderr(&out).ends_with("\n10 objects checked: 0 errors, 3 warnings\n"),
            "{}",
            stderr(&out)
        );
    }
    let out = run_with_stdin(&mut cmd(&["check", "-"]), format!("{BOM}{text}").as_bytes());
    // The base render carries the example values on purpose: three warnings, no error.
    assert!(
        stderr(&out).ends_with("\n10 objects checked: 0 errors, 3 warnings\n"),
        "{}",
        stderr(&out)
    );
}

#[cfg(feature = "e2e")]
#[test]
fn diff_reads_a_bom_on_either_side() {
    let tmp = tempfile::tempdir().unwrap();
    let file = with_bom(tmp.path(), "r.yaml", &std::fs::read_to_string(rendered()).unwrap());
    let out = cmd(&["diff"]).arg(rendered()).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The header names both sides (issue 17); the verdict is the last line.
    assert!(
        stdout(&out).ends_with("\n\nNo changes (10 objects compared).\n"),
        "{}",
        stdout(&out)
    );
    let out = run_with_stdin(cmd(&["diff", "-"]).arg(rendered()), &std::fs::read(&file).unwrap());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[cfg(feature = "e2e")]
#[test]
fn import_helm_values_reads_a_bom() {
    let tmp = tempfile::tempdir().unwrap();
    let values = root().join("tests/fixtures/helm-values/standalone.yaml");
    let text = std::fs::read_to_string(&values).unwrap();
    let plain = cmd(&["import-helm-values"]).arg(&values).output().unwrap();
    let file = with_bom(tmp.path(), "values.yaml", &text);
    let out = cmd(&["import-helm-values"]).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), plain.status.code(), "{}", stderr(&out));
    assert_eq!(stdout(&out), stdout(&plain));
    assert!(stdout(&out).contains("kind: Orchestrator"));
}

#[cfg(feature = "e2e")]
#[test]
fn eject_reads_a_bom_in_the_config_and_the_kustomization() {
    let tmp = tempfile::tempdir().unwrap();
    let overlay = tmp.path().join("overlays/eks");
    std::fs::create_dir_all(&overlay).unwrap();
    for f in ["kustomization.yaml", "platform.yaml", "kustomizeconfig.yaml"] {
        let text = std::fs::read_to_string(root().join("overlays/eks").join(f)).unwrap();
        with_bom(&overlay, f, &text);
    }
    copy(&root().join("bases"), &tmp.path().join("bases"));
    copy(&root().join("plugins"), &tmp.path().join("plugins"));
    let out = cmd(&["eject", "eks", "--config"])
        .arg(overlay.join("platform.yaml"))
        .arg("--out")
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(tmp.path().join("out/kustomization.yaml").is_file());
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            copy(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

// ---- Symlink loops: the walk ends, and reads every file once.

/// Waits at most a minute: a walk that loops forever fails the test instead of hanging it.
fn bounded(mut c: Command) -> Output {
    let mut child = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("still running after a minute: the walk follows the symlink loop");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn looped_folder() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("sub")).unwrap();
    std::fs::copy(rendered(), tmp.path().join("sub/r.yaml")).unwrap();
    std::os::unix::fs::symlink(".", tmp.path().join("l1")).unwrap();
    std::os::unix::fs::symlink(".", tmp.path().join("l2")).unwrap();
    std::os::unix::fs::symlink("..", tmp.path().join("sub/up")).unwrap();
    tmp
}

#[cfg(feature = "e2e")]
#[test]
fn check_ends_on_a_folder_with_symlink_loops() {
    let tmp = looped_folder();
    let mut c = cmd(&["check"]);
    c.arg(tmp.path());
    let out = bounded(c);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The base render carries the example values on purpose: three warnings, no error.
    assert!(
        stderr(&out).ends_with("\n10 objects checked: 0 errors, 3 warnings\n"),
        "{}",
        stderr(&out)
    );
}

#[cfg(feature = "e2e")]
#[test]
fn diff_ends_on_folders_with_symlink_loops() {
    let tmp = looped_folder();
    let mut c = cmd(&["diff"]);
    c.arg(tmp.path()).arg(tmp.path());
    let out = bounded(c);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).ends_with("\n\nNo changes (10 objects compared).\n"),
        "{}",
        stdout(&out)
    );
}

// ---- Staged output: all of it or nothing.

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[cfg(feature = "e2e")]
#[test]
fn import_helm_values_out_refuses_a_non_empty_folder_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let values = root().join("tests/fixtures/helm-values/standalone.yaml");
    let out_dir = tmp.path().join("deploy");
    let config = out_dir.join("bases/orchestrator/orchestrator.yaml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "# edited by hand\n").unwrap();
    let run = |force: bool| {
        let mut c = cmd(&["import-helm-values"]);
        c.arg(&values).arg("--out").arg(&out_dir);
        if force {
            c.arg("--force");
        }
        c.output().unwrap()
    };
    let out = run(false);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "error: {} exists and is not empty\n  fix: choose a new or empty directory for --out, or pass --force to overwrite\n",
            out_dir.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "# edited by hand\n");
    assert_eq!(entries(&out_dir), ["bases"], "no staging folder is left");

    std::fs::write(out_dir.join("keep.txt"), "mine").unwrap();
    let out = run(true);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::read_to_string(&config).unwrap().contains("kind: Orchestrator"));
    assert_eq!(std::fs::read_to_string(out_dir.join("keep.txt")).unwrap(), "mine");
    assert_eq!(entries(&out_dir), ["bases", "keep.txt"], "no staging folder is left");
}

/// A target under a path whose parent is a file: everything is staged, and the move fails.
fn blocked(tmp: &Path) -> PathBuf {
    std::fs::write(tmp.join("file"), "x").unwrap();
    tmp.join("file/target")
}

#[cfg(feature = "e2e")]
#[test]
fn a_failing_write_leaves_no_target_and_no_staging_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let target = blocked(tmp.path());
    let values = root().join("tests/fixtures/helm-values/standalone.yaml");
    let shown = target.display();
    let parent = target.parent().unwrap().display().to_string();
    let runs: [(&str, Command, i32); 3] = [
        (
            "init",
            {
                let mut c = cmd(&["init", "--platform", "eks"]);
                c.arg(&target);
                c
            },
            2,
        ),
        (
            "import-helm-values",
            {
                let mut c = cmd(&["import-helm-values"]);
                c.arg(&values).arg("--out").arg(&target);
                c
            },
            2,
        ),
        (
            "eject",
            {
                let mut c = cmd(&["eject", "eks", "--config"]);
                c.arg(root().join("overlays/eks/platform.yaml"))
                    .arg("--out")
                    .arg(&target);
                c
            },
            1,
        ),
    ];
    for (name, mut c, code) in runs {
        let out = c.current_dir(tmp.path()).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{name}: {err}");
        assert!(
            err.contains(&format!("error: cannot move the output into {parent}: ")),
            "{name}: {err}"
        );
        assert!(!err.contains(&format!("wrote {shown}")), "{name}: {err}");
        assert_eq!(entries(tmp.path()), ["file"], "{name}: something was left behind");
    }
}

// ---- Size cap: render refuses input above 256 MiB before parsing it.

#[cfg(feature = "e2e")]
#[test]
fn render_refuses_a_file_above_the_cap_before_reading_it() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big.yaml");
    // Sparse: the size is known from the file system, no byte is read.
    std::fs::File::create(&big).unwrap().set_len(CAP as u64 + 1).unwrap();
    for args in [&["render"][..], &["check"]] {
        let out = cmd(args).arg(&big).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&out),
            format!(
                "error: {} is above the limit of 268435456 bytes\n  fix: split the input; no real orchestrator deployment comes near this size\n",
                big.display()
            ),
            "{args:?}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[cfg(feature = "e2e")]
#[test]
fn render_refuses_stdin_above_the_cap() {
    let mut input = vec![b'#'; CAP + 1];
    input[CAP] = b'\n';
    let out = run_to(cmd(&["render", "-"]), &input, Stdio::piped());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: <stdin> is above the limit of 268435456 bytes\n  fix: split the input; no real orchestrator deployment comes near this size\n"
    );
    assert!(out.stdout.is_empty());
}

// ---- Signals: diff --base removes its worktree and temporary folder.

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().expect("git");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn diff_base_cleans_up_on_sigint_and_sigterm() {
    for signal in ["INT", "TERM"] {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        let temp = tmp.path().join("tmp");
        std::fs::create_dir_all(repo.join("overlays/dev")).unwrap();
        std::fs::create_dir_all(&temp).unwrap();
        std::fs::write(repo.join("overlays/dev/kustomization.yaml"), "resources: []\n").unwrap();
        git(&repo, &["init", "--quiet"]);
        git(&repo, &["add", "."]);
        git(
            &repo,
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "commit",
                "--quiet",
                "-m",
                "init",
            ],
        );
        // A kustomize that says it started, then takes its time: the signal comes meanwhile.
        let started = tmp.path().join("started");
        let slow = tmp.path().join("slow-kustomize");
        // One line per kustomize started: the base's starts only once its worktree is checked
        // out (while `git worktree add` runs, git holds the new worktree locked).
        common::script(
            &slow,
            &format!("echo started >> '{}'\nexec sleep 20\n", started.display()),
        );
        let child = Command::new(bin())
            .args(["diff", "--base", "HEAD"])
            .current_dir(&repo)
            .env("KUSTOMIZE", &slow)
            .env("TMPDIR", &temp)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The two sides render at the same time: the working tree's kustomize may start
        // before the base's worktree is ready, so wait for both sides' kustomize.
        let both = || std::fs::read_to_string(&started).is_ok_and(|t| t.lines().count() >= 2);
        let start = Instant::now();
        while !(both() && git(&repo, &["worktree", "list"]).lines().count() == 2) {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "kustomize never started with the base's worktree in place"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let kill = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(kill.success());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(130), "{signal}: {}", stderr(&out));
        assert_eq!(
            git(&repo, &["worktree", "list"]).lines().count(),
            1,
            "{signal}: worktree left"
        );
        assert_eq!(entries(&temp), Vec::<String>::new(), "{signal}: temporary folder left");
    }
}

// ---- Finding kustomize: --kustomize, then $KUSTOMIZE, then PATH; nothing from the build.

#[cfg(feature = "e2e")]
#[test]
fn kustomize_is_found_on_path_and_a_missing_one_names_no_script() {
    let tmp = tempfile::tempdir().unwrap();
    let bin_dir = tmp.path().join("bin");
    std::fs::create_dir(&bin_dir).unwrap();
    std::os::unix::fs::symlink(tool("kustomize-5.8.1"), bin_dir.join("kustomize")).unwrap();
    let path = format!("{}:/usr/bin:/bin", bin_dir.display());
    let out = Command::new(bin())
        .arg("build")
        .arg(root().join("overlays/dev"))
        .env_remove("KUSTOMIZE")
        .env("PATH", &path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("kind: StatefulSet"));

    // Not on PATH, not in $KUSTOMIZE: the hint works in a scaffolded repository too.
    let out = Command::new(bin())
        .arg("build")
        .arg(root().join("overlays/dev"))
        .env_remove("KUSTOMIZE")
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: cannot run `kustomize`: No such file or directory (os error 2)\n  fix: install kustomize 5.x on PATH, set $KUSTOMIZE or pass --kustomize\n"
    );
    // The flag comes before the variable.
    let out = Command::new(bin())
        .arg("build")
        .arg(root().join("overlays/dev"))
        .arg("--kustomize")
        .arg(tool("kustomize-5.8.1"))
        .env("KUSTOMIZE", "/nonexistent/kustomize")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
