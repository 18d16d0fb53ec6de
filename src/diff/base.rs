//! `diff --base REV`: the overlays rendered at a git revision (in a temporary worktree) and
//! in the working tree, each with the generator of its own revision, so a change to the
//! generator shows up in the diff like a change to an overlay.

use super::load::{Ctx, render_kustomization};
use super::{Resource, Side, Sides};
use crate::diag::Diagnostic;
use crate::io::walk::is_kustomization;
use std::io::IsTerminal;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What the generator binary is built from. When all of them are the same at REV and in
/// the working tree, the running binary renders both sides and nothing is built.
const GENERATOR_INPUTS: [&str; 4] = ["src", "Cargo.toml", "Cargo.lock", "vendor"];

/// Both sides of `diff --base`: old and new objects of every overlay asked for (default:
/// all under `overlays/`), and what was compared.
pub struct Loaded {
    pub old: Vec<Resource>,
    pub new: Vec<Resource>,
    pub sides: Sides,
}

/// Renders the old side at the merge base of `rev` and HEAD (what `git diff REV...` compares
/// with), or at `rev`'s tip with `tip`, and the new side from the working tree.
pub fn load_both(rev: &str, tip: bool, paths: &[PathBuf], kustomize: &Path) -> Result<Loaded, Diagnostic> {
    let cwd =
        std::env::current_dir().map_err(|e| Diagnostic::error(format!("cannot read the current directory: {e}")))?;
    let root = PathBuf::from(git(&cwd, &["rev-parse", "--show-toplevel"])?);
    let (commit, old_side) = old_revision(&root, rev, tip)?;
    let tree = Worktree::add(&root, &commit)?;
    let overlays = if paths.is_empty() {
        all_overlays(&root, &commit)?
    } else {
        paths
            .iter()
            .map(|p| relative_to(&root, &cwd, p))
            .collect::<Result<Vec<_>, _>>()?
    };
    let current = std::env::current_exe().map_err(|e| Diagnostic::error(format!("cannot locate this binary: {e}")))?;
    let old_bin = if generator_unchanged(&root, &commit)? {
        current.clone()
    } else {
        old_generator(&root, &commit, &tree.path)?
    };
    let (old_ctx, new_ctx) = (
        Ctx {
            kustomize,
            plugin: &old_bin,
        },
        Ctx {
            kustomize,
            plugin: &current,
        },
    );
    let labels: Vec<String> = overlays
        .iter()
        .map(|rel| rel.to_string_lossy().replace('\\', "/"))
        .collect();
    let mut jobs = Vec::with_capacity(2 * overlays.len());
    for (rel, label) in overlays.iter().zip(&labels) {
        let (old_dir, new_dir) = (tree.path.join(rel), root.join(rel));
        let (at_rev, here) = (is_kustomization(&old_dir), is_kustomization(&new_dir));
        if !at_rev && !here {
            return Err(Diagnostic::error(format!(
                "{label} is a kustomization neither at {rev} nor in the working tree"
            ))
            .fix("give overlay directories relative to the current directory, e.g. overlays/dev"));
        }
        // An overlay missing on one side renders as nothing there: all added or all removed.
        jobs.push(Render {
            dir: at_rev.then_some(old_dir),
            ctx: &old_ctx,
            label,
        });
        jobs.push(Render {
            dir: here.then_some(new_dir),
            ctx: &new_ctx,
            label,
        });
    }
    // Rendering takes seconds per overlay: say where it is on a terminal, and nothing when
    // stderr is a file or a CI log, where the lines would only be noise.
    let progress = std::io::stderr().is_terminal();
    let total = labels.len();
    let mut results = render_all(&jobs, |i| {
        if progress && i % 2 == 0 {
            eprintln!("rendering {} ({}/{total})...", labels[i / 2], i / 2 + 1);
        }
    })
    .into_iter();
    let (mut old, mut new) = (Vec::new(), Vec::new());
    // Collected in overlay order, old side first: the output and the first error reported
    // do not depend on which render finished first.
    while let (Some(o), Some(n)) = (results.next(), results.next()) {
        old.extend(o.map_err(|d| Diagnostic {
            message: format!("at {rev}: {}", d.message),
            ..d
        })?);
        new.extend(n?);
    }
    let head = git(&root, &["rev-parse", "--short", "HEAD"])?;
    let sides = Sides {
        old: old_side,
        new: Side {
            source: "working tree".to_owned(),
            commit: Some(head),
            how: Some("HEAD and uncommitted changes".to_owned()),
        },
        overlays: labels,
    };
    Ok(Loaded { old, new, sides })
}

/// One kustomize build of `diff --base`: one side of one overlay (none when the overlay
/// does not exist on that side).
struct Render<'a> {
    dir: Option<PathBuf>,
    ctx: &'a Ctx<'a>,
    label: &'a str,
}

/// Runs the builds concurrently, at most `available_parallelism` kustomize processes at a
/// time (each build is a process tree busy on one core), and returns the results in the
/// order of `jobs`. `started(i)` is called as job `i` begins; jobs begin in order.
fn render_all(jobs: &[Render], started: impl Fn(usize) + Sync) -> Vec<Result<Vec<Resource>, Diagnostic>> {
    let workers = std::thread::available_parallelism()
        .map_or(2, std::num::NonZeroUsize::get)
        .min(jobs.len());
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(job) = jobs.get(i) else { break done };
            started(i);
            let result = match &job.dir {
                Some(dir) => render_kustomization(dir, job.ctx, job.label),
                None => Ok(Vec::new()),
            };
            done.push((i, result));
        }
    };
    let mut results: Vec<Option<Result<Vec<Resource>, Diagnostic>>> = jobs.iter().map(|_| None).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers).map(|_| s.spawn(worker)).collect();
        for h in handles {
            // A worker that panicked leaves its jobs empty; they are reported below.
            for (i, r) in h.join().unwrap_or_default() {
                results[i] = Some(r);
            }
        }
    });
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Diagnostic::error("internal error: a render thread panicked"))))
        .collect()
}

/// The commit the old side is rendered at, and how it was chosen.
fn old_revision(root: &Path, rev: &str, tip: bool) -> Result<(String, Side), Diagnostic> {
    let not_a_commit = |_| {
        Diagnostic::error(format!("`{rev}` is not a commit of this repository"))
            .fix("give a branch, tag or commit; in CI fetch the base first (`git fetch origin main`)")
    };
    let tip_commit = git(
        root,
        &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")],
    )
    .map_err(not_a_commit)?;
    let (commit, how) = if tip {
        (tip_commit, format!("tip of {rev}, --tip"))
    } else {
        let base = git(root, &["merge-base", &tip_commit, "HEAD"]).map_err(|_| {
            Diagnostic::error(format!("`{rev}` and HEAD have no common ancestor"))
                .fix("fetch the full history (`git fetch --unshallow`, or `fetch-depth: 0` in CI), or pass --tip to compare with the tip of REV")
        })?;
        (base, format!("merge base of {rev} and HEAD"))
    };
    let short = git(root, &["rev-parse", "--short", &commit])?;
    let side = Side {
        source: rev.to_owned(),
        commit: Some(short),
        how: Some(how),
    };
    Ok((commit, side))
}

/// Runs git and returns its trimmed stdout, or an error with its stderr.
fn git(dir: &Path, args: &[&str]) -> Result<String, Diagnostic> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| Diagnostic::error(format!("cannot run git: {e}")).fix("install git; diff --base needs it"))?;
    if !out.status.success() {
        return Err(Diagnostic::error(format!(
            "`git {}` failed in {}: {}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
        .fix("run diff --base inside the repository's checkout"));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A detached worktree at the commit in a temporary directory, removed again on drop and
/// on SIGINT or SIGTERM.
struct Worktree {
    path: PathBuf,
    // Field order is drop order: git unregisters the worktree before its folder goes.
    _cleanup: crate::io::interrupt::Guard,
    _dir: tempfile::TempDir,
}

impl Worktree {
    fn add(repo: &Path, commit: &str) -> Result<Worktree, Diagnostic> {
        let dir = tempfile::Builder::new()
            .prefix("maverics-krm-diff-")
            .tempdir()
            .map_err(|e| Diagnostic::error(format!("cannot create a temporary directory: {e}")))?;
        let path = dir.path().join("tree");
        let path_arg = path.to_string_lossy().into_owned();
        // Registered before git runs, so a signal during `worktree add` cleans up too.
        let (repo_owned, tmp) = (repo.to_owned(), dir.path().to_owned());
        let cleanup = crate::io::interrupt::on_interrupt(move || {
            // Best effort: a leftover entry is only metadata, and `git worktree prune` clears it.
            let _ = git(
                &repo_owned,
                &["worktree", "remove", "--force", &tmp.join("tree").to_string_lossy()],
            );
            let _ = std::fs::remove_dir_all(&tmp);
        });
        git(repo, &["worktree", "add", "--detach", "--quiet", &path_arg, commit])?;
        Ok(Worktree {
            path,
            _cleanup: cleanup,
            _dir: dir,
        })
    }
}

/// Every overlay directory under `overlays/`, at the commit and in the working tree.
fn all_overlays(root: &Path, commit: &str) -> Result<Vec<PathBuf>, Diagnostic> {
    let mut out: Vec<PathBuf> = git(root, &["ls-tree", "-d", "--name-only", commit, "overlays/"])?
        .lines()
        .map(PathBuf::from)
        .collect();
    if let Ok(entries) = std::fs::read_dir(root.join("overlays")) {
        for e in entries.flatten() {
            if e.path().is_dir() {
                out.push(PathBuf::from("overlays").join(e.file_name()));
            }
        }
    }
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err(Diagnostic::error(format!(
            "no overlays under {}/overlays at {commit} or in the working tree",
            root.display()
        ))
        .fix("name the kustomization directories to compare: diff --base REV DIR..."));
    }
    Ok(out)
}

/// `p` (relative to `cwd`, or absolute) as a path relative to the repository root, without
/// requiring it to exist: an overlay may exist on one side only.
fn relative_to(root: &Path, cwd: &Path, p: &Path) -> Result<PathBuf, Diagnostic> {
    let mut abs = PathBuf::new();
    for c in cwd.join(p).components() {
        match c {
            Component::ParentDir => {
                abs.pop();
            }
            Component::CurDir => {}
            other => abs.push(other),
        }
    }
    abs.strip_prefix(root).map(Path::to_owned).map_err(|_| {
        Diagnostic::error(format!(
            "{} is outside the repository at {}",
            p.display(),
            root.display()
        ))
        .fix("diff --base compares directories of this repository")
    })
}

/// True when the generator's inputs have the same tree hashes at `commit` and at HEAD, and
/// the working tree has no uncommitted change to them.
fn generator_unchanged(root: &Path, commit: &str) -> Result<bool, Diagnostic> {
    let hashes = |rev: &str| {
        let mut args = vec!["ls-tree", rev, "--"];
        args.extend(GENERATOR_INPUTS);
        git(root, &args)
    };
    if hashes(commit)? != hashes("HEAD")? {
        return Ok(false);
    }
    let mut args = vec!["status", "--porcelain", "--"];
    args.extend(GENERATOR_INPUTS);
    Ok(git(root, &args)?.is_empty())
}

/// The generator binary of `commit`: from `target/diff-cache/<commit>/`, or built there
/// from the worktree with cargo (a debug build: it renders a few overlays, and builds in a
/// fraction of the release profile's time).
fn old_generator(root: &Path, commit: &str, tree: &Path) -> Result<PathBuf, Diagnostic> {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) => root.join(t),
        None => root.join("target"),
    };
    let cache = target.join("diff-cache");
    let bin = cache.join(commit).join("maverics-krm");
    if bin.is_file() {
        return Ok(bin);
    }
    eprintln!(
        "maverics-krm diff: the generator changed since {commit}: building it (cached in {})",
        bin.display()
    );
    // One shared target directory for every old revision: dependencies are built once.
    let build_dir = cache.join("build");
    let status = Command::new("cargo")
        .args(["build", "--quiet", "--bin", "maverics-krm"])
        .current_dir(tree)
        .env("CARGO_TARGET_DIR", &build_dir)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| {
            Diagnostic::error(format!("cannot run cargo: {e}"))
                .fix("install Rust (rustup) to diff against a revision with another generator")
        })?;
    if !status.success() {
        return Err(
            Diagnostic::error(format!("building the generator of {commit} failed ({status})"))
                .fix("see cargo's errors above; the revision must build with this toolchain"),
        );
    }
    let built = build_dir.join("debug/maverics-krm");
    let io = |e: std::io::Error| Diagnostic::error(format!("caching {}: {e}", bin.display()));
    let dir = cache.join(commit);
    std::fs::create_dir_all(&dir).map_err(io)?;
    // Copy then rename, so a concurrent or interrupted run never sees half a binary.
    let partial = dir.join("maverics-krm.partial");
    std::fs::copy(&built, &partial).map_err(io)?;
    std::fs::rename(&partial, &bin).map_err(io)?;
    Ok(bin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_made_relative_to_the_root_without_existing() {
        let root = Path::new("/repo");
        assert_eq!(
            relative_to(root, Path::new("/repo/overlays"), Path::new("../overlays/./gone")).unwrap(),
            PathBuf::from("overlays/gone")
        );
        assert!(relative_to(root, Path::new("/repo"), Path::new("../elsewhere")).is_err());
    }
}
