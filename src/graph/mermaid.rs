//! The reach model as a Mermaid flowchart (GitHub renders ```` ```mermaid ```` blocks in
//! place). Every label is user-controlled (object names, hosts, annotations), so every
//! character outside a small safe set is written as a Mermaid entity code (`#35;`): no label
//! can close its quotes, start a comment, inject HTML or end the Markdown fence around it.

use super::reach::{Edge, Reach, Shape};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// How the diff chart marks edges, for the legend printed under it.
pub const LEGEND: &str =
    "Legend: `==>` thick arrow: reach this change adds; `-.->` dotted arrow: reach it removes; `-->` unchanged.";

/// The picture of one render.
pub fn chart(reach: &Reach) -> String {
    draw(reach, reach)
}

/// The picture of both renders: edges only in `new` are drawn thick (added), edges only in
/// `old` dotted (removed).
pub fn diff_chart(old: &Reach, new: &Reach) -> String {
    draw(old, new)
}

fn draw(old: &Reach, new: &Reach) -> String {
    // Node ids by the sorted union of keys: the same for the same inputs, and free of any
    // user text.
    let mut nodes = old.nodes.clone();
    nodes.extend(new.nodes.clone());
    let ids: BTreeMap<&String, String> = nodes.keys().enumerate().map(|(i, k)| (k, format!("n{i}"))).collect();
    let mut out = String::from("flowchart LR\n");
    for (key, node) in &nodes {
        let (open, close) = match node.shape {
            Shape::Source => ("([", "])"),
            Shape::Entry => ("[", "]"),
            Shape::Workload => ("[[", "]]"),
            Shape::Destination => ("[(", ")]"),
        };
        let _ = writeln!(out, "  {}{open}\"{}\"{close}", ids[key], escape(&node.label));
    }
    let all: BTreeSet<&Edge> = old.edges.iter().chain(&new.edges).collect();
    for e in all {
        let arrow = match (old.edges.contains(e), new.edges.contains(e)) {
            (true, false) => "-.->",
            (false, true) => "==>",
            _ => "-->",
        };
        let (Some(from), Some(to)) = (ids.get(&e.from), ids.get(&e.to)) else {
            continue;
        };
        if e.label.is_empty() {
            let _ = writeln!(out, "  {from} {arrow} {to}");
        } else {
            let _ = writeln!(out, "  {from} {arrow}|\"{}\"| {to}", escape(&e.label));
        }
    }
    out
}

/// Text for inside a quoted Mermaid label: letters, digits, spaces and `.,:/()=+-_@*`
/// as they are; any other character as `#<decimal code>;`; control characters (newlines
/// included) as a space.
fn escape(s: &str) -> String {
    entities(s, " .,:/()=+-_@*", " ", "#")
}

/// `s` with ASCII letters and digits and the characters of `safe` as they are, control
/// characters as `control`, and every other character as `{prefix}<decimal code>;` (`#` for
/// Mermaid, `&#` for HTML). An allow-list, so no syntax the reader interprets gets through.
pub fn entities(s: &str, safe: &str, control: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || safe.contains(c) {
            out.push(c);
        } else if c.is_control() {
            out.push_str(control);
        } else {
            let _ = write!(out, "{prefix}{};", u32::from(c));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::reach::Node;
    use super::*;

    fn reach(edges: &[(&str, &str, &str)]) -> Reach {
        let mut r = Reach::default();
        for (from, to, label) in edges {
            for k in [from, to] {
                r.nodes.insert(
                    (*k).to_owned(),
                    Node {
                        label: (*k).to_owned(),
                        shape: Shape::Entry,
                    },
                );
            }
            r.edges.insert(Edge {
                from: (*from).to_owned(),
                to: (*to).to_owned(),
                label: (*label).to_owned(),
            });
        }
        r
    }

    #[test]
    fn added_and_removed_edges_are_marked() {
        let old = reach(&[("a", "b", "443/TCP"), ("a", "c", "")]);
        let new = reach(&[("a", "b", "443/TCP"), ("b", "c", "80/TCP")]);
        let text = diff_chart(&old, &new);
        assert!(text.contains("n0 -->|\"443/TCP\"| n1"), "{text}");
        assert!(text.contains("n0 -.-> n2"), "{text}");
        assert!(text.contains("n1 ==>|\"80/TCP\"| n2"), "{text}");
    }

    #[test]
    fn hostile_labels_cannot_break_out() {
        let e = escape("a\"b#c<!--d\n```e|f;g]h");
        assert_eq!(e, "a#34;b#35;c#60;#33;--d #96;#96;#96;e#124;f#59;g#93;h");
        for bad in ['"', '#', '<', '>', '\n', '`', '|', '[', ']', '{', '}', ';', '%'] {
            let escaped = escape(&bad.to_string());
            assert!(
                !escaped.contains(bad) || bad == '#' || bad == ';',
                "{bad:?} -> {escaped}"
            );
        }
    }
}
