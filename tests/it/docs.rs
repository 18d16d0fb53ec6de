//! The documentation: README.md stays short, every relative link of README.md and docs/*.md
//! reaches a file (and heading) of this repository, no page points outside it,
//! docs/config.md is what `maverics-krm schema --markdown` prints, and the man pages the
//! main page names exist.

use crate::common;

use common::{bin, root, stderr, stdout};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// README.md and every page under docs/.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("read docs/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The lines of a Markdown page outside fenced code blocks: what can hold links and headings.
fn prose(text: &str) -> Vec<&str> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            out.push(line);
        }
    }
    out
}

/// The link targets of a page: the `(...)` after every `](` outside inline code.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in prose(text) {
        let line: String = line.split('`').step_by(2).collect();
        let mut rest = line.as_str();
        while let Some(i) = rest.find("](") {
            rest = &rest[i + 2..];
            if let Some(end) = rest.find(')') {
                out.push(rest[..end].to_owned());
                rest = &rest[end..];
            }
        }
    }
    out
}

/// GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces as `-`,
/// and `-1`, `-2`, ... on repeats.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for line in prose(text) {
        let Some(title) = line.strip_prefix('#') else { continue };
        let title = title.trim_start_matches('#').trim();
        let slug: String = title
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let unique = (0..)
            .map(|n| if n == 0 { slug.clone() } else { format!("{slug}-{n}") })
            .find(|s| !seen.contains(s))
            .unwrap_or_default();
        seen.insert(unique);
    }
    seen
}

#[test]
fn readme_is_under_20_kb() {
    let size = read(&root().join("README.md")).len();
    assert!(
        size < 20 * 1024,
        "README.md is {size} bytes: keep it to what it is, the quick start and the first deploy, and move the rest to a page under docs/"
    );
}

#[test]
fn every_relative_link_and_anchor_resolves() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in pages() {
        let text = read(&page);
        let dir = page.parent().expect("a page has a folder");
        for target in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (file, anchor) = target.split_once('#').unwrap_or((target.as_str(), ""));
            let file = if file.is_empty() { page.clone() } else { dir.join(file) };
            let name = page.strip_prefix(root()).unwrap_or(&page).display().to_string();
            if !file.exists() {
                broken.push(format!("{name}: ({target}): no such file"));
            } else if !anchor.is_empty()
                && file.extension().is_some_and(|x| x == "md")
                && !anchors(&read(&file)).contains(anchor)
            {
                broken.push(format!("{name}: ({target}): no heading with that anchor"));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(
        checked > 50,
        "only {checked} relative links found: the link scanner is broken"
    );
}

#[test]
fn the_link_checker_sees_what_github_sees() {
    let page = "# A `code` title\n\n## EKS (`overlays/eks`)\n\n## Twice\n\n## Twice\n\n\
[one](a.md#x) `[not](a link)` [two](#eks-overlayseks)\n\n```\n[no](fenced.md)\n```\n";
    assert_eq!(links(page), ["a.md#x", "#eks-overlayseks"]);
    let a = anchors(page);
    for slug in ["a-code-title", "eks-overlayseks", "twice", "twice-1"] {
        assert!(a.contains(slug), "{slug} not in {a:?}");
    }
}

#[test]
fn no_page_points_outside_the_repository() {
    // Spelt in parts, so that a grep of the repository for the folder beside it finds only
    // real uses.
    let beside = ["..", "shared"].join("/");
    for page in pages() {
        let text = read(&page);
        assert!(
            !text.contains(&beside),
            "{} mentions {beside}: the repository must stand alone (the CRD schemas are in schemas/crds/)",
            page.display()
        );
    }
}

#[test]
fn config_reference_is_generated_from_the_schema() {
    let generated = maverics_krm::schema::markdown::markdown();
    let out = Command::new(bin())
        .args(["schema", "--markdown"])
        .output()
        .expect("run schema --markdown");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        generated,
        "`schema --markdown` prints something else than the generator"
    );
    for kind in ["`Orchestrator`", "`OrchestratorPlatform`", "`OrchestratorCheck`"] {
        assert!(generated.contains(&format!("## {kind}")), "no section for {kind}");
    }
    assert!(
        generated.contains("| `spec.resources.requests.cpu` | string or number | `500m` |"),
        "a field's row lacks its type or its default (inherited from the parent's)"
    );
    let path = root().join("docs/config.md");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &generated).expect("write docs/config.md");
        return;
    }
    let shipped = read(&path);
    if shipped != generated {
        let diff = similar::TextDiff::from_lines(shipped.as_str(), generated.as_str())
            .unified_diff()
            .header("docs/config.md", "generated")
            .to_string();
        panic!(
            "docs/config.md differs from the schema's doc comments; regenerate it with\n  {}\n(or UPDATE_GOLDEN=1 cargo test --test it docs::), then review `git diff`:\n{diff}",
            maverics_krm::schema::markdown::REGENERATE
        );
    }
}

#[test]
fn man_pages_exist_for_every_page_the_main_page_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(bin())
        .args(["man", "--out"])
        .arg(dir.path())
        .output()
        .expect("run man --out");
    assert!(out.status.success(), "{}", stderr(&out));
    let main = read(&dir.path().join("maverics-krm.1"));
    let printed = Command::new(bin()).arg("man").output().expect("run man");
    assert_eq!(
        stdout(&printed),
        main,
        "`man` prints another main page than `man --out` writes"
    );
    // clap_mangen names a command's page `maverics-krm-<command>(1)` in the COMMANDS section.
    let named: Vec<&str> = main
        .split("maverics\\-krm\\-")
        .skip(1)
        .filter_map(|rest| rest.split_once("(1)").map(|(name, _)| name))
        .collect();
    let named: Vec<String> = named.iter().map(|n| n.replace("\\-", "-")).collect();
    let help = stdout(&Command::new(bin()).arg("--help").output().expect("run --help"));
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert_eq!(
        named, commands,
        "the main page's COMMANDS are not the commands of --help"
    );
    for name in &named {
        let page = dir.path().join(format!("maverics-krm-{name}.1"));
        assert!(
            page.is_file(),
            "the main page names {}, which `man --out` did not write",
            page.display()
        );
        assert!(read(&page).starts_with(".ie"), "{} is not a roff page", page.display());
    }
    assert!(
        !main.contains("maverics\\-krm\\-help"),
        "the main page names a help page no one writes"
    );
}

/// The `maverics-krm` commands of the ```sh blocks: what a reader copies.
fn shell_commands(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut in_sh = false;
    for line in text.lines() {
        let fence = line.trim_start();
        if fence.starts_with("```") {
            in_sh = !in_sh && fence == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        let code = line.split(" #").next().unwrap_or_default();
        for part in code.split(['|', '>', ';', '&', '(', ')']) {
            let words: Vec<String> = part.split_whitespace().map(str::to_owned).collect();
            if words.first().is_some_and(|w| w == "maverics-krm") {
                out.push(words[1..].to_vec());
            }
        }
    }
    out
}

#[test]
fn every_command_in_the_docs_names_real_subcommands_and_flags() {
    let mut wrong = Vec::new();
    let mut checked = 0;
    for page in pages() {
        for args in shell_commands(&read(&page)) {
            checked += 1;
            // clap stops at an unknown command, flag or value before it acts on --help.
            let out = Command::new(bin())
                .args(&args)
                .arg("--help")
                .output()
                .expect("run --help");
            if !out.status.success() {
                wrong.push(format!(
                    "{}: maverics-krm {}: {}",
                    page.display(),
                    args.join(" "),
                    stderr(&out).trim()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "commands that do not parse:\n{}", wrong.join("\n"));
    assert!(checked > 20, "only {checked} commands found: the scanner is broken");
}

/// The codes of the `| Code | Meaning |` table under `## Exit codes` in docs/usage.md.
fn documented_exit_codes(text: &str) -> Vec<u8> {
    let section = text
        .split("\n## Exit codes\n")
        .nth(1)
        .expect("docs/usage.md has a `## Exit codes` section");
    let section = section.split("\n## ").next().unwrap_or_default();
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(" |").next())
        .filter_map(|cell| cell.trim().parse().ok())
        .collect()
}

#[test]
fn the_exit_code_table_lists_exactly_the_codes_of_the_code() {
    let documented = documented_exit_codes(&read(&root().join("docs/usage.md")));
    let code: Vec<u8> = maverics_krm::exit::Exit::ALL.iter().map(|e| e.code()).collect();
    assert_eq!(
        documented, code,
        "docs/usage.md#exit-codes and src/exit.rs disagree: change both, the table in the order of `Exit::ALL`"
    );
}

#[test]
fn exit_codes_are_distinct() {
    let codes: BTreeSet<u8> = maverics_krm::exit::Exit::ALL.iter().map(|e| e.code()).collect();
    assert_eq!(
        codes.len(),
        maverics_krm::exit::Exit::ALL.len(),
        "two exits share a code"
    );
}
