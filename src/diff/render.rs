//! The output formats: unified text (colored on a terminal), Markdown for a pull-request
//! comment, JSON for tools.

use super::matching::Renamed;
use super::report::{Change, ChangeKind, Report, Side};
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
/// that the sides still differ (the exit code is 1 then too); a side that failed to build
/// is named in the header.
fn no_changes(r: &Report, what: &str) -> String {
    if r.ignored_count() > 0 {
        format!(
            "{what} shown ({} compared), but the manifests differ: ignore rules hid {}.",
            plural(r.unchanged, "object"),
            plural(r.ignored_count(), "difference")
        )
    } else {
        format!("{what} ({} compared).", plural(r.unchanged, "object"))
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
    if let Some(c) = s.short_commit.as_ref().or(s.commit.as_ref()) {
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
    for f in &r.sides.failed {
        let _ = writeln!(
            out,
            "failed: {} side of {} did not build, shown as {}: {}",
            f.side,
            plain(&f.overlay),
            failed_shown_as(f),
            plain(&failed_headline(&f.error))
        );
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
    for f in &r.sides.failed {
        let _ = writeln!(
            out,
            "- :x: **{} side of {} did not build**, shown as {}: {}",
            f.side,
            md_code(&f.overlay),
            failed_shown_as(f),
            md_code(&failed_headline(&f.error))
        );
    }
    out.push('\n');
    out
}

/// How many characters of a failed overlay's error the text and Markdown headers show.
const FAILED_HEADLINE_CHARS: usize = 300;

/// A failed overlay's error as the headers show it: its first line, cut to
/// [`FAILED_HEADLINE_CHARS`] with an ellipsis. Kustomize's stderr can be pages long, and the
/// header is not counted against [`MARKDOWN_LIMIT`]; the whole error is in the JSON and on
/// stderr.
fn failed_headline(error: &str) -> String {
    let line = error.lines().next().unwrap_or_default();
    if line.chars().count() <= FAILED_HEADLINE_CHARS {
        return line.to_owned();
    }
    let mut cut: String = line.chars().take(FAILED_HEADLINE_CHARS).collect();
    cut.push('…');
    cut
}

/// What the other side of a failed overlay shows as.
fn failed_shown_as(f: &super::report::Failed) -> &'static str {
    if f.side == "old" { "all added" } else { "all removed" }
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
            "\n_Truncated to fit a GitHub comment: the diff of {} is left out ({}). Run `maverics-krm diff` locally for all of it._\n",
            if left_out.len() == 1 {
                "one object".to_owned()
            } else {
                format!("{} objects", left_out.len())
            },
            left_out.join(", ")
        )
    };
    // Room for the truncation note, should one be needed; every object named in it.
    let all_names: Vec<String> = r.changes.iter().map(|c| md_code(&c.key.to_string())).collect();
    let reserve = note(&all_names).chars().count();
    // Room is given to flagged objects first, so an unflagged change cannot push a flagged
    // one out; the sections are then written in key order, like the table.
    let mut used = head.chars().count() + reserve;
    let mut sections: Vec<Option<(String, bool)>> = vec![None; r.changes.len()];
    let by_priority = (0..r.changes.len()).filter(|&i| !r.changes[i].flags.is_empty());
    for i in by_priority.chain((0..r.changes.len()).filter(|&i| r.changes[i].flags.is_empty())) {
        let c = &r.changes[i];
        let section = details(c, None);
        let fits = used + section.chars().count() <= MARKDOWN_LIMIT;
        // Too big for what is left: show as many lines as fit, if that is a useful amount.
        let shown = if fits {
            Some((section, false))
        } else {
            match MARKDOWN_LIMIT
                .saturating_sub(used)
                .checked_sub(details(c, Some(0)).chars().count())
            {
                Some(lines_room) if lines_room > 500 => Some((details(c, Some(lines_room)), true)),
                _ => None,
            }
        };
        used += shown.as_ref().map_or(0, |(s, _)| s.chars().count());
        sections[i] = shown;
    }
    let mut out = head;
    let mut left_out = Vec::new();
    for (c, shown) in r.changes.iter().zip(sections) {
        match shown {
            Some((section, partly)) => {
                out.push_str(&section);
                if partly {
                    left_out.push(format!("{} (partly)", md_code(&c.key.to_string())));
                }
            }
            None => left_out.push(md_code(&c.key.to_string())),
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
    sides: &'a super::report::Sides,
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
mod tests;
