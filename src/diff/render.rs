//! The output formats: unified text (colored on a terminal), Markdown for a pull-request
//! comment, JSON for tools.

use super::matching::Renamed;
use super::{Change, ChangeKind, Report, Side};
use serde::Serialize;
use std::fmt::Write as _;

/// GitHub refuses comments over 65,536 characters; the rest is headroom for what a CI step
/// wraps around the comment.
pub const MARKDOWN_LIMIT: usize = 65_000;

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// The line of a report with nothing to show: `what`, or, when ignore rules hid differences,
/// that the sides still differ (the exit code is 1 then too).
fn no_changes(r: &Report, what: &str) -> String {
    if r.differs() {
        format!(
            "{what} shown ({} objects compared), but the manifests differ: ignore rules hid {}.",
            r.unchanged,
            plural(r.ignored_count(), "difference")
        )
    } else {
        format!("{what} ({} objects compared).", r.unchanged)
    }
}

fn summary_line(r: &Report) -> String {
    let mut out = format!(
        "{} changed, {} added, {} removed, {} unchanged",
        r.count(ChangeKind::Changed),
        r.count(ChangeKind::Added),
        r.count(ChangeKind::Removed),
        r.unchanged
    );
    if !r.ignored.is_empty() {
        let _ = write!(out, ", {} ignored", plural(r.ignored_count(), "difference"));
    }
    out
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// One line per ignore rule, the rule through `esc`: `RULE: 2 differences in 2 objects`.
fn ignored_lines(r: &Report, esc: &dyn Fn(&str) -> String) -> Vec<String> {
    r.ignored
        .iter()
        .map(|i| {
            format!(
                "{}: {} in {}",
                esc(&i.rule),
                plural(i.differences, "difference"),
                plural(i.objects, "object")
            )
        })
        .collect()
}

fn verb(c: &Change) -> &'static str {
    match c.change {
        ChangeKind::Added => "added",
        ChangeKind::Removed => "removed",
        ChangeKind::Changed => "changed",
    }
}

fn sigil(c: &Change) -> char {
    match c.change {
        ChangeKind::Added => '+',
        ChangeKind::Removed => '-',
        ChangeKind::Changed => '~',
    }
}

fn title(c: &Change) -> String {
    let why = match c.renamed {
        Some(Renamed::HashSuffix) => "content hash changed",
        Some(Renamed::SameContent) => "content unchanged",
        None => "",
    };
    match &c.previous_name {
        Some(prev) => format!("{} (renamed from {prev}: {why})", c.key),
        None => c.key.to_string(),
    }
}

/// `origin/main at 1a2b3c4 (merge base of origin/main and HEAD)`, each part through `esc`.
fn side_line(s: &Side, esc: &dyn Fn(&str) -> String) -> String {
    let mut out = esc(&s.source);
    if let Some(c) = &s.commit {
        let _ = write!(out, " at {}", esc(c));
    }
    if let Some(h) = &s.how {
        let _ = write!(out, " ({})", esc(h));
    }
    out
}

/// The header of the text format: both sides and the overlays, control characters shown
/// escaped so a branch name cannot move the cursor or recolor the terminal.
fn text_header(r: &Report) -> String {
    let plain = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    };
    let mut out = format!(
        "old: {}\nnew: {}\n",
        side_line(&r.sides.old, &plain),
        side_line(&r.sides.new, &plain)
    );
    if !r.sides.overlays.is_empty() {
        let list: Vec<String> = r.sides.overlays.iter().map(|o| plain(o)).collect();
        let _ = writeln!(out, "overlays: {}", list.join(", "));
    }
    out.push('\n');
    out
}

/// The header of the Markdown format, every user-controlled string through [`md_code`].
fn markdown_header(r: &Report) -> String {
    let mut out = format!(
        "- **old:** {}\n- **new:** {}\n",
        side_line(&r.sides.old, &md_code),
        side_line(&r.sides.new, &md_code)
    );
    if !r.sides.overlays.is_empty() {
        let list: Vec<String> = r.sides.overlays.iter().map(|o| md_code(o)).collect();
        let _ = writeln!(out, "- **overlays:** {}", list.join(", "));
    }
    out.push('\n');
    out
}

/// User text (object names, branch names, paths) as inline code that Markdown and HTML cannot
/// interpret: terminal escapes removed, then letters, digits, spaces and `.,:/()-` as they
/// are, any other character as an HTML entity, control characters (newlines included) as
/// U+FFFD. A safe-list, so `<!--`, backticks, `|` (table cells) and `@` (mentions) are all
/// entities.
fn md_code(s: &str) -> String {
    format!(
        "<code>{}</code>",
        crate::graph::mermaid::entities(&terminal_safe(s), " .,:/()-", "&#65533;", "&#")
    )
}

/// The Mermaid picture of reach, old and new side in one chart, with its legend.
fn reach_section(r: &Report) -> String {
    let Some((old, new)) = &r.reach else {
        return String::new();
    };
    if new.edges.is_empty() && old.edges.is_empty() {
        return String::new();
    }
    let chart = crate::graph::mermaid::diff_chart(old, new);
    let changed = if old == new {
        "unchanged by this change"
    } else {
        "changed"
    };
    format!(
        "#### Reach ({changed})\n\n```mermaid\n{chart}```\n\n_{}_\n\n",
        crate::graph::mermaid::LEGEND
    )
}

/// Unified diffs, one per object, after a summary and the flags.
pub fn text(r: &Report, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("{code}{s}{RESET}")
        } else {
            s.to_owned()
        }
    };
    let mut out = text_header(r);
    let ignored = ignored_lines(r, &|s| terminal_safe(s));
    let ignored_section = |out: &mut String| {
        if !ignored.is_empty() {
            let _ = writeln!(out, "\nIgnored by rule:");
            for l in &ignored {
                let _ = writeln!(out, "  {l}");
            }
        }
    };
    if !r.has_changes() {
        let _ = writeln!(out, "{}", no_changes(r, "No changes"));
        if !r.ignored.is_empty() {
            let _ = writeln!(out, "{}", summary_line(r));
        }
        ignored_section(&mut out);
        return out;
    }
    let _ = writeln!(out, "{}", paint(BOLD, &summary_line(r)));
    ignored_section(&mut out);
    if r.flag_count() > 0 {
        let _ = writeln!(out, "\n{}", paint(YELLOW, "Review these:"));
        for c in &r.changes {
            for f in &c.flags {
                let _ = writeln!(
                    out,
                    "  ! [{}] {}: {}",
                    f.rule.as_str(),
                    terminal_safe(&c.key.to_string()),
                    terminal_safe(&f.message)
                );
            }
        }
    }
    for c in &r.changes {
        let _ = writeln!(
            out,
            "\n{}",
            paint(BOLD, &format!("{} {} {}", sigil(c), verb(c), terminal_safe(&title(c))))
        );
        for line in c.diff.lines().map(terminal_safe) {
            let line = line.as_str();
            let code = if line.starts_with("+++") || line.starts_with("---") {
                BOLD
            } else if line.starts_with('+') {
                GREEN
            } else if line.starts_with('-') {
                RED
            } else if line.starts_with("@@") {
                CYAN
            } else {
                ""
            };
            if code.is_empty() {
                let _ = writeln!(out, "{line}");
            } else {
                let _ = writeln!(out, "{}", paint(code, line));
            }
        }
    }
    out
}

/// Input text made safe for a terminal: ANSI CSI sequences (`ESC [ ... m`), OSC sequences
/// (`ESC ] ... BEL` or `ESC ] ... ESC \`: titles, hyperlinks, clipboard), other escapes and
/// every other control character (C0, DEL, C1) are removed. Our own colours are added after.
pub fn terminal_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' | '\u{9b}' | '\u{9d}' => {
                let kind = if c == '\x1b' {
                    chars.next()
                } else {
                    Some(if c == '\u{9b}' { '[' } else { ']' })
                };
                match kind {
                    // CSI: parameters and intermediates, then one final byte in @..~.
                    Some('[') => {
                        for n in chars.by_ref() {
                            if ('@'..='~').contains(&n) {
                                break;
                            }
                        }
                    }
                    // OSC, DCS, SOS, PM, APC: up to BEL or the string terminator ESC \.
                    Some(']' | 'P' | 'X' | '^' | '_') => {
                        while let Some(n) = chars.next() {
                            if n == '\x07' || n == '\u{9c}' {
                                break;
                            }
                            if n == '\x1b' && chars.peek() == Some(&'\\') {
                                chars.next();
                                break;
                            }
                        }
                    }
                    _ => {}
                }
            }
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// A fence longer than any backtick run in `body`, so a manifest can never close it early.
fn fence(body: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// Inline Markdown text from the input (flag messages), never at the start of a line:
/// control characters dropped (no new line, so no heading or list), `&` and `<` escaped (no
/// entity, comment or tag), and the inline syntax characters backslash-escaped (no emphasis, link,
/// code span or end of a table cell).
fn md_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in terminal_safe(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            // A mention in a PR comment notifies people: `@` never reaches Markdown as one.
            '@' => out.push_str("&#64;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A PR comment: summary, flags, a table of objects, then one collapsible section per
/// object, cut to [`MARKDOWN_LIMIT`] characters with a note that says what was left out.
pub fn markdown(r: &Report) -> String {
    let mut head = String::from("### maverics-krm diff\n\n");
    head.push_str(&markdown_header(r));
    let ignored_section = |head: &mut String| {
        if !r.ignored.is_empty() {
            head.push_str("Ignored by rule:\n\n");
            for l in ignored_lines(r, &md_code) {
                let _ = writeln!(head, "- {l}");
            }
            head.push('\n');
        }
    };
    if !r.has_changes() {
        let _ = writeln!(head, "{}", no_changes(r, "No changes in the rendered manifests"));
        if !r.ignored.is_empty() {
            let _ = writeln!(head, "\n**{}**\n", summary_line(r));
        }
        ignored_section(&mut head);
        return head;
    }
    let _ = writeln!(head, "**{}**\n", summary_line(r));
    ignored_section(&mut head);
    if r.flag_count() > 0 {
        head.push_str("#### :warning: Review these\n\n");
        for c in &r.changes {
            for f in &c.flags {
                let _ = writeln!(
                    head,
                    "- **{}** {}: {}",
                    f.rule.as_str(),
                    md_code(&c.key.to_string()),
                    md_text(&f.message)
                );
            }
        }
        head.push('\n');
    }
    head.push_str("| | object | change | flags |\n|---|---|---|---|\n");
    for c in &r.changes {
        let flags: Vec<&str> = c.flags.iter().map(|f| f.rule.as_str()).collect();
        let _ = writeln!(
            head,
            "| {} | {} | {} | {} |",
            sigil(c),
            md_code(&title(c)),
            verb(c),
            md_text(&flags.join(", "))
        );
    }
    head.push('\n');
    head.push_str(&reach_section(r));

    let note = |left_out: &[String]| {
        format!(
            "\n_Truncated to fit a GitHub comment: the diff of {} left out ({}). Run `maverics-krm diff` locally for all of it._\n",
            if left_out.len() == 1 {
                "one object is".to_owned()
            } else {
                format!("{} objects are", left_out.len())
            },
            left_out.join(", ")
        )
    };
    // Room for the truncation note, should one be needed; every object named in it.
    let all_names: Vec<String> = r.changes.iter().map(|c| md_code(&c.key.to_string())).collect();
    let reserve = note(&all_names).chars().count();
    let mut out = head;
    let mut left_out = Vec::new();
    for c in &r.changes {
        let section = details(c, None);
        let used = out.chars().count();
        if used + section.chars().count() + reserve <= MARKDOWN_LIMIT {
            out.push_str(&section);
            continue;
        }
        // Too big for what is left: show as many lines as fit, if that is a useful amount.
        let room = MARKDOWN_LIMIT.saturating_sub(used + reserve);
        match room.checked_sub(details(c, Some(0)).chars().count()) {
            Some(lines_room) if lines_room > 500 => {
                out.push_str(&details(c, Some(lines_room)));
                left_out.push(format!("{} (partly)", md_code(&c.key.to_string())));
            }
            _ => left_out.push(md_code(&c.key.to_string())),
        }
    }
    if !left_out.is_empty() {
        out.push_str(&note(&left_out));
    }
    out
}

/// One `<details>` section; with `budget`, the diff is cut to that many characters at a line
/// boundary and says so.
fn details(c: &Change, budget: Option<usize>) -> String {
    let flags = if c.flags.is_empty() {
        String::new()
    } else {
        format!(" :warning: {}", c.flags.len())
    };
    let mut body = String::new();
    match budget {
        None => body.push_str(&c.diff),
        Some(max) => {
            let total = c.diff.lines().count();
            let mut shown = 0;
            for line in c.diff.lines() {
                if body.chars().count() + line.chars().count() + 1 > max {
                    break;
                }
                body.push_str(line);
                body.push('\n');
                shown += 1;
            }
            let _ = writeln!(body, "... {} more lines not shown", total - shown);
        }
    }
    // Inside the fence nothing is Markdown; only control characters need to go.
    let body: String = body.lines().map(|l| terminal_safe(l) + "\n").collect();
    let f = fence(&body);
    format!(
        "<details><summary>{} {} {}{flags}</summary>\n\n{f}diff\n{body}{f}\n\n</details>\n",
        sigil(c),
        verb(c),
        md_code(&title(c)),
    )
}

#[derive(Serialize)]
struct JsonReport<'a> {
    changed: bool,
    sides: &'a super::Sides,
    summary: JsonSummary,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    ignored: &'a [super::ignore::Ignored],
    resources: &'a [Change],
}

#[derive(Serialize)]
struct JsonSummary {
    added: usize,
    removed: usize,
    changed: usize,
    unchanged: usize,
    flags: usize,
    /// Differences hidden by ignore rules.
    ignored: usize,
}

/// `{changed, summary, resources: [{change, group, kind, namespace, name, flags, diff}]}`.
pub fn json(r: &Report) -> String {
    let report = JsonReport {
        changed: r.differs(),
        sides: &r.sides,
        summary: JsonSummary {
            added: r.count(ChangeKind::Added),
            removed: r.count(ChangeKind::Removed),
            changed: r.count(ChangeKind::Changed),
            unchanged: r.unchanged,
            flags: r.flag_count(),
            ignored: r.ignored_count(),
        },
        ignored: &r.ignored,
        resources: &r.changes,
    };
    // Plain data with string keys: serialization cannot fail.
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::super::{Key, flags};
    use super::*;

    fn change(name: &str, lines: usize) -> Change {
        let body: String = (0..lines).map(|i| format!("+line {i} {}\n", "x".repeat(60))).collect();
        Change {
            change: ChangeKind::Added,
            key: Key {
                overlay: String::new(),
                group: String::new(),
                kind: "ConfigMap".into(),
                namespace: "ns".into(),
                name: name.into(),
            },
            previous_name: None,
            renamed: None,
            flags: vec![flags::Flag {
                rule: flags::Rule::Image,
                message: "m".into(),
            }],
            diff: format!("--- /dev/null\n+++ b\n@@ -0,0 +1,{lines} @@\n{body}"),
        }
    }

    #[test]
    fn markdown_fits_a_github_comment_and_says_what_was_cut() {
        let r = Report {
            changes: (0..40).map(|i| change(&format!("cm{i:02}"), 60)).collect(),
            unchanged: 0,
            ..Report::default()
        };
        let md = markdown(&r);
        assert!(md.chars().count() <= MARKDOWN_LIMIT, "{}", md.chars().count());
        assert!(md.contains("_Truncated to fit a GitHub comment"));
        assert!(
            md.contains("<code>ConfigMap ns/cm39</code>"),
            "the last object is named in the note"
        );
        // Every object is still in the summary table.
        assert_eq!(md.matches("| + | <code>ConfigMap").count(), 40);
        // Every opened fence and details section is closed.
        assert_eq!(md.matches("<details>").count(), md.matches("</details>").count());
        assert_eq!(md.matches("```diff").count() * 2, md.matches("```").count());
    }

    #[test]
    fn one_huge_object_is_cut_at_a_line_boundary() {
        let r = Report {
            changes: vec![change("big", 3000)],
            unchanged: 0,
            ..Report::default()
        };
        let md = markdown(&r);
        assert!(md.chars().count() <= MARKDOWN_LIMIT);
        assert!(md.contains("more lines not shown") && md.contains("(partly)"));
    }

    #[test]
    fn a_fence_is_longer_than_any_backticks_inside() {
        assert_eq!(fence("a ``` b"), "````");
        assert_eq!(fence("plain"), "```");
    }

    #[test]
    fn text_is_plain_unless_colored() {
        let r = Report {
            changes: vec![change("a", 1)],
            unchanged: 1,
            ..Report::default()
        };
        assert!(!text(&r, false).contains('\x1b'));
        assert!(text(&r, true).contains(GREEN));
    }

    /// A change whose object name and flag message come from a hostile input.
    fn hostile() -> Report {
        let mut c = change("x", 1);
        c.key.name = "evil\n<!-- hide\n# Approved\n| x | `y`@team \x1b]0;title\x07\x1b[31m".into();
        c.flags[0].message = "image <!-- x\n## Merged **now** [link](http://e) @org/team \x1b[2J".into();
        c.diff
            .push_str("+note: \x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\ \x1b[31mred\x07\u{9b}0m\n");
        Report {
            changes: vec![c],
            unchanged: 0,
            ..Report::default()
        }
    }

    #[test]
    fn markdown_escapes_every_input_string() {
        let md = markdown(&hostile());
        assert!(!md.contains("<!--"), "{md}");
        assert!(!md.contains('\x1b'), "{md}");
        for line in md.lines() {
            assert!(
                !line.starts_with("# ") && !line.starts_with("## ") || line.starts_with("### maverics-krm diff"),
                "an injected heading: {line}"
            );
            assert!(!line.contains("@team") && !line.contains("@org"), "a mention: {line}");
        }
        assert!(
            md.contains(
                "<code>ConfigMap ns/evil&#60;&#33;-- hide&#35; Approved&#124; x &#124; &#96;y&#96;&#64;team </code>"
            ),
            "{md}"
        );
        assert!(
            md.contains("image &lt;!-- x## Merged \\*\\*now\\*\\* \\[link\\](http://e) &#64;org/team "),
            "{md}"
        );
        // Every table row still has its four cells.
        let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| + |")).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].matches(" | ").count(), 3, "{}", rows[0]);
        assert_eq!(md.matches("<details>").count(), md.matches("</details>").count());
    }

    #[test]
    fn text_strips_control_characters_and_terminal_escapes_from_input() {
        for color in [false, true] {
            let out = text(&hostile(), color);
            let ours: String = [RED, GREEN, CYAN, YELLOW, BOLD, RESET]
                .iter()
                .fold(out.clone(), |acc, code| acc.replace(code, ""));
            assert!(
                !ours.chars().any(|c| c.is_control() && c != '\n'),
                "color {color}: {ours:?}"
            );
            assert!(ours.contains("+note: click red\n"), "{ours:?}");
            assert!(
                ours.contains("ConfigMap ns/evil<!-- hide# Approved| x | `y`@team "),
                "{ours:?}"
            );
        }
        assert_eq!(terminal_safe("a\x1b[1;31mb\x1b]52;c;ZXZpbA==\x07c\td\u{7f}"), "abc\td");
    }

    #[test]
    fn ignore_rules_are_counted_and_escaped_in_every_format() {
        let mut r = hostile();
        r.ignored = vec![super::super::ignore::Ignored {
            rule: "*/x:metadata.annotations.a\n# injected <!-- @team\x1b[2J".into(),
            objects: 1,
            differences: 2,
        }];
        let md = markdown(&r);
        assert!(md.contains("2 differences ignored"), "{md}");
        assert!(
            !md.contains("<!--") && !md.contains("\n# injected") && !md.contains("@team"),
            "{md}"
        );
        let text = text(&r, false);
        assert!(
            text.contains(": 2 differences in 1 object") && !text.contains('\x1b'),
            "{text}"
        );
        let json: serde_json::Value = serde_json::from_str(&json(&r)).unwrap();
        assert_eq!(json["summary"]["ignored"], 2);
        assert_eq!(json["ignored"][0]["objects"], 1);
        // Nothing changed but something was ignored: still said.
        let quiet = Report {
            ignored: r.ignored.clone(),
            ..Report::default()
        };
        assert!(markdown(&quiet).contains("2 differences in 1 object"));
        assert!(super::text(&quiet, false).contains("2 differences in 1 object"));
    }

    #[test]
    fn hostile_side_names_cannot_break_the_header() {
        let hostile = super::super::Side {
            source: "main\n# injected <!-- `x` | *y*\x1b[31m".into(),
            commit: Some("1a2b3c4".into()),
            how: Some("merge base of main\n# injected and HEAD".into()),
        };
        let r = Report {
            sides: super::super::Sides {
                old: hostile.clone(),
                new: hostile,
                overlays: vec!["overlays/<!--".into()],
            },
            ..Report::default()
        };
        let md = markdown(&r);
        assert!(
            !md.contains("\n# injected") && !md.contains("<!--") && !md.contains('`'),
            "{md}"
        );
        // Only the header's own bold markers: `*y*` is escaped.
        assert_eq!(md.matches('*').count(), 12, "{md}");
        assert_eq!(md.lines().filter(|l| l.starts_with("- **")).count(), 3, "{md}");
        let text = text(&r, false);
        assert!(!text.contains('\x1b') && text.contains("main\\n# injected"), "{text}");
        let json = json(&r);
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            back["sides"]["old"]["source"],
            "main\n# injected <!-- `x` | *y*\x1b[31m"
        );
    }
}
