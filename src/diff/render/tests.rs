//! Unit tests of `diff::render`.

use super::super::{Key, flags};
use super::*;

fn change(name: &str, lines: usize) -> Change {
    let body: String = (0..lines).map(|i| format!("+line {i} {}\n", "x".repeat(60))).collect();
    Change {
        change: ChangeKind::Added,
        key: Key::new(
            "",
            crate::k8s::object::ObjectKey {
                api_version: "v1".into(),
                kind: "ConfigMap".into(),
                name: name.into(),
                namespace: Some("ns".into()),
            },
        ),
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

/// A large unflagged change listed before a flagged one cannot push the flagged one's diff
/// out; the sections stay in key order, and the note's grammar holds.
#[test]
fn flagged_diffs_are_kept_before_unflagged_ones() {
    let mut big = change("a-big", 900);
    big.flags.clear();
    let mut others: Vec<Change> = (0..3)
        .map(|i| {
            let mut c = change(&format!("b-plain{i}"), 300);
            c.flags.clear();
            c
        })
        .collect();
    let mut flagged = change("z-flagged", 100);
    flagged.diff = flagged.diff.replace("+line ", "+flagged ");
    let mut changes = vec![big];
    changes.append(&mut others);
    changes.push(flagged);
    let r = Report {
        changes,
        ..Report::default()
    };
    let md = markdown(&r);
    assert!(md.chars().count() <= MARKDOWN_LIMIT, "{}", md.chars().count());
    assert!(
        md.contains("+flagged 99 ") && !md.contains("ns/z-flagged</code> (partly)"),
        "the flagged object's whole diff is kept"
    );
    let sections: Vec<usize> = ["ns/a-big", "ns/z-flagged"]
        .iter()
        .filter_map(|n| md.find(&format!("<summary>+ added <code>ConfigMap {n}")))
        .collect();
    assert!(sections.len() < 2 || sections[0] < sections[1], "key order");
    assert!(
        md.contains("objects is left out") || md.contains("one object is left out"),
        "{}",
        &md[md.len() - 400..]
    );
    assert!(!md.contains(" are left out"));
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
    c.key.object.name = "evil\n<!-- hide\n# Approved\n| x | `y`@team \x1b]0;title\x07\x1b[31m".into();
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
        commit: Some("1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d".into()),
        short_commit: Some("1a2b3c4".into()),
        how: Some("merge base of main\n# injected and HEAD".into()),
    };
    let r = Report {
        sides: super::super::Sides {
            old: hostile.clone(),
            new: hostile,
            overlays: vec!["overlays/<!--".into()],
            failed: vec![super::super::report::Failed {
                side: "old".into(),
                overlay: "overlays/<!--".into(),
                error: "error: bad\n# injected <!--".into(),
            }],
        },
        ..Report::default()
    };
    let md = markdown(&r);
    assert!(
        !md.contains("\n# injected") && !md.contains("<!--") && !md.contains('`'),
        "{md}"
    );
    // Only the header's own bold markers: `*y*` is escaped.
    assert_eq!(md.matches('*').count(), 16, "{md}");
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

#[test]
fn a_failed_overlays_error_is_one_capped_line_in_the_headers_and_whole_in_the_json() {
    let error = format!(
        "error: at main: kustomize build failed: {}\n{}",
        "x".repeat(5_000),
        "more\n".repeat(2_000)
    );
    let r = Report {
        sides: super::super::Sides {
            failed: vec![super::super::report::Failed {
                side: "old".into(),
                overlay: "overlays/dev".into(),
                error: error.clone(),
            }],
            ..super::super::Sides::default()
        },
        ..Report::default()
    };
    for (format, out) in [("markdown", markdown(&r)), ("text", text(&r, false))] {
        let line = out
            .lines()
            .find(|l| l.contains("did not build"))
            .unwrap_or_else(|| panic!("{format}: no failed line in {out}"));
        assert!(
            line.contains("kustomize build failed: xxx") && (line.contains('…') || line.contains("&#8230;")),
            "{format}: {line}"
        );
        assert!(
            line.chars().count() < 500,
            "{format}: {} characters",
            line.chars().count()
        );
        assert!(!out.contains("more"), "{format}: the error's later lines are shown");
    }
    let back: serde_json::Value = serde_json::from_str(&json(&r)).unwrap();
    assert_eq!(back["sides"]["failed"][0]["error"], error.as_str());
}
