//! `diff --base REV`: the overlays rendered at a git revision (in a temporary worktree) and
//! in the working tree, each with the generator of its own revision, so a change to the
//! generator shows up in the diff like a change to an overlay.

use super::report::{Failed, Side, Sides};
use crate::diag::Diagnostic;
use crate::io::walk::is_kustomization;
use crate::rendered::Resource;
use crate::rendered::load::{Ctx, render_kustomization};
use std::io::IsTerminal;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What the generator binary is built from. When all of them are the same at REV and in
/// the working tree, the running binary renders both sides and nothing is built.
const GENERATOR_INPUTS: [&str; 4] = ["src", "Cargo.toml", "Cargo.lock", "vendor"];

/// Both sides of `diff --base`: old and new objects of every overlay asked for (default:
/// all under `overlays/`), and what was compared.
pub struct Loaded {
    /// Every object of the old side (the base revision), with its overlay in its key.
    pub old: Vec<Resource>,
    /// Every object of the new side (the working tree), with its overlay in its key.
    pub new: Vec<Resource>,
    /// The revision, its commit and the overlays, for the header.
    pub sides: Sides,
    /// The ignore file at the old side's commit: `REV:.maverics-krm-diff.yaml` and its text,
    /// `None` when the commit has none.
    pub ignore_file: (String, Option<String>),
}

/// Renders the old side at the merge base of `rev` and HEAD (what `git diff REV...` compares
/// with), or at `rev`'s tip with `tip`, and the new side from the working tree.
pub fn load_both(rev: &str, tip: bool, paths: &[PathBuf], kustomize: &Path) -> Result<Loaded, Diagnostic> {
    let cwd =
        std::env::current_dir().map_err(|e| Diagnostic::error(format!("cannot read the current directory: {e}")))?;
    let root = PathBuf::from(git(&cwd, &["rev-parse", "--show-toplevel"])?);
    let (commit, old_side) = old_revision(&root, rev, tip)?;
    let ignore_file = ignore_file_at(&root, rev, &commit)?;
    let overlays = if paths.is_empty() {
        all_overlays(&root, &commit)?
    } else {
        paths
            .iter()
            .map(|p| relative_to(&root, &cwd, p))
            .collect::<Result<Vec<_>, _>>()?
    };
    let current = std::env::current_exe().map_err(|e| Diagnostic::error(format!("cannot locate this binary: {e}")))?;
    let unchanged = generator_unchanged(&root, &commit)?;
    let labels: Vec<String> = overlays
        .iter()
        .map(|rel| rel.to_string_lossy().replace('\\', "/"))
        .collect();
    // The old side needs the worktree (seconds for a large repository) and its generator:
    // made once, by whichever thread asks first, while the working tree's side renders.
    let old_side_ready: OnceLock<Result<(Worktree, PathBuf), Diagnostic>> = OnceLock::new();
    let prepare = || {
        old_side_ready.get_or_init(|| {
            let tree = Worktree::add(&root, &commit)?;
            let bin = if unchanged {
                current.clone()
            } else {
                old_generator(&root, &commit, &tree.path)?
            };
            Ok((tree, bin))
        })
    };
    // Rendering takes seconds per overlay: say where it is on a terminal, and nothing when
    // stderr is a file or a CI log, where the lines would only be noise.
    let progress = std::io::stderr().is_terminal();
    let total = overlays.len();
    // Jobs 0..total are the working tree's side of each overlay, total..2*total the old side.
    // Each job's outer error stops the command (no worktree, no old generator); its inner
    // one is that overlay's build error, which only on the old side becomes a `Failed`.
    let results = std::thread::scope(|s| {
        let early = s.spawn(prepare);
        let results = in_parallel(2 * total, |i| {
            let n = i % total;
            let (rel, label) = (&overlays[n], labels[n].as_str());
            if i < total {
                if progress {
                    eprintln!("rendering {label} ({}/{total})...", n + 1);
                }
                let ctx = Ctx {
                    kustomize,
                    plugin: &current,
                };
                return Ok(render_side(&root.join(rel), &ctx, label));
            }
            let (tree, bin) = prepare().as_ref().map_err(Clone::clone)?;
            Ok(render_side(
                &tree.path.join(rel),
                &Ctx { kustomize, plugin: bin },
                label,
            ))
        });
        // Its result is in `old_side_ready`; a panic there left it empty, and the old side
        // made it again.
        let _ = early.join();
        results
    });
    let internal = || Diagnostic::internal("a render thread panicked");
    let (mut old, mut new) = (Vec::new(), Vec::new());
    // Collected in overlay order, old side first: the output and the first error reported
    // do not depend on which render finished first.
    let mut results = results.into_iter();
    let new_results: Vec<_> = results.by_ref().take(total).collect();
    let mut failed = Vec::new();
    for ((o, n), label) in results.zip(new_results).zip(&labels) {
        // The working tree must build: it is what the change proposes. A base that does not
        // build (the change may fix it) is reported, and its overlay shown whole as added.
        let n = n.ok_or_else(internal)???;
        let o = match o.ok_or_else(internal)?? {
            Ok(o) => o,
            Err(d) => {
                let d = Diagnostic {
                    message: format!("at {rev}: {}", d.message),
                    ..d
                };
                eprintln!(
                    "{}",
                    Diagnostic {
                        severity: crate::diag::Severity::Warning,
                        ..d.clone()
                    }
                );
                failed.push(Failed {
                    side: "old".to_owned(),
                    overlay: label.clone(),
                    error: d.to_string(),
                });
                None
            }
        };
        let old_failed = failed.last().is_some_and(|f: &Failed| &f.overlay == label);
        if o.is_none() && n.is_none() && !old_failed {
            return Err(Diagnostic::error(format!(
                "{label} is a kustomization neither at {rev} nor in the working tree"
            ))
            .fix("give overlay directories relative to the current directory, e.g. overlays/dev"));
        }
        // An overlay missing on one side renders as nothing there: all added or all removed.
        old.extend(o.unwrap_or_default());
        new.extend(n.unwrap_or_default());
    }
    let sides = Sides {
        old: old_side,
        new: working_tree_side(&root, &labels)?,
        overlays: labels,
        failed,
    };
    Ok(Loaded {
        old,
        new,
        sides,
        ignore_file,
    })
}

/// The working tree's side: HEAD, and whether it has uncommitted changes that the render
/// can read: a tracked file modified anywhere (an overlay may use any file of the
/// repository), or an untracked file in a compared overlay. Untracked files elsewhere (a
/// CI job's report files) are not read by the render and do not count.
fn working_tree_side(root: &Path, overlays: &[String]) -> Result<Side, Diagnostic> {
    let tracked = git(root, &["status", "--porcelain", "--untracked-files=no"])?;
    // Explicit: the user's `status.showUntrackedFiles=no` would hide a new overlay file.
    let mut in_overlays = vec!["status", "--porcelain", "--untracked-files=all", "--"];
    in_overlays.extend(overlays.iter().map(String::as_str));
    let dirty = !tracked.is_empty() || !git(root, &in_overlays)?.is_empty();
    Ok(Side {
        source: "working tree".to_owned(),
        commit: Some(git(root, &["rev-parse", "HEAD"])?),
        short_commit: Some(git(root, &["rev-parse", "--short", "HEAD"])?),
        how: Some(if dirty { "HEAD and uncommitted changes" } else { "HEAD" }.to_owned()),
    })
}

/// `.maverics-krm-diff.yaml` at the root of `commit`, named `REV:.maverics-krm-diff.yaml`.
fn ignore_file_at(root: &Path, rev: &str, commit: &str) -> Result<(String, Option<String>), Diagnostic> {
    let name = super::ignore::FILE_NAME;
    let shown = format!("{rev}:{name}");
    if git(root, &["ls-tree", "--name-only", commit, "--", name])?.is_empty() {
        return Ok((shown, None));
    }
    let text = git(root, &["show", &format!("{commit}:{name}")])?;
    Ok((shown, Some(text)))
}

/// One side of one overlay, or `None` when the overlay is not a kustomization on that side.
fn render_side(dir: &Path, ctx: &Ctx, label: &str) -> Result<Option<Vec<Resource>>, Diagnostic> {
    if !is_kustomization(dir) {
        return Ok(None);
    }
    render_kustomization(dir, ctx, label).map(Some)
}

/// Runs `job(0)`..`job(count - 1)` on at most `available_parallelism` threads (each job is a
/// kustomize process tree busy on one core), starting them in order, and returns their
/// results in that order; `None` for a job whose thread panicked.
fn in_parallel<T: Send>(count: usize, job: impl Fn(usize) -> T + Sync) -> Vec<Option<T>> {
    let workers = std::thread::available_parallelism()
        .map_or(2, std::num::NonZeroUsize::get)
        .min(count);
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= count {
                break done;
            }
            done.push((i, job(i)));
        }
    };
    let mut results: Vec<Option<T>> = (0..count).map(|_| None).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers).map(|_| s.spawn(worker)).collect();
        for h in handles {
            for (i, r) in h.join().unwrap_or_default() {
                results[i] = Some(r);
            }
        }
    });
    results
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
    let side = Side {
        source: rev.to_owned(),
        short_commit: Some(git(root, &["rev-parse", "--short", &commit])?),
        commit: Some(commit.clone()),
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
            // Twice `--force`: while `worktree add` runs, git holds the new worktree locked.
            let _ = git(
                &repo_owned,
                &[
                    "worktree",
                    "remove",
                    "--force",
                    "--force",
                    &tmp.join("tree").to_string_lossy(),
                ],
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
/// the working tree has no uncommitted change to them; always true outside maverics-krm's
/// own repository, where `src/` or `vendor/` are the user's and the running binary renders
/// both sides.
fn generator_unchanged(root: &Path, commit: &str) -> Result<bool, Diagnostic> {
    if !is_generator_repository(root) {
        return Ok(true);
    }
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

/// True when the root's Cargo.toml declares the package `maverics-krm`: a `name = "maverics-krm"`
/// line in its `[package]` table. Anything else (no Cargo.toml, another package, a workspace)
/// is a user's repository.
fn is_generator_repository(root: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(root.join("Cargo.toml")) else {
        return false;
    };
    let mut in_package = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package
            && let Some((key, value)) = line.split_once('=')
            && key.trim() == "name"
        {
            return matches!(value.trim(), "\"maverics-krm\"" | "'maverics-krm'");
        }
    }
    false
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

    #[test]
    fn only_maverics_krm_itself_is_the_generator_repository() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!is_generator_repository(dir.path()), "no Cargo.toml");
        let toml = dir.path().join("Cargo.toml");
        std::fs::write(
            &toml,
            "[package]\nname = \"my-app\"\n[dependencies]\nmaverics-krm = \"1\"\n",
        )
        .unwrap();
        assert!(!is_generator_repository(dir.path()));
        std::fs::write(&toml, "[workspace]\nname = \"maverics-krm\"\n").unwrap();
        assert!(!is_generator_repository(dir.path()));
        std::fs::write(&toml, "[package]\nname=\"maverics-krm\"\nversion = \"0.1.0\"\n").unwrap();
        assert!(is_generator_repository(dir.path()));
        assert!(
            is_generator_repository(Path::new(env!("CARGO_MANIFEST_DIR"))),
            "this repository"
        );
    }
}
