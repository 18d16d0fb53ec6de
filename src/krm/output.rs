//! The `ResourceList` as written: the head, each item as a sequence element, the tail. A run
//! of passed items is written from the list's pass-through buffer where it lies, not copied
//! into one output string first (at 10,000 items that string was another copy of them all).

use crate::diag::{Diagnostic, KrmResult};
use crate::krm::item::Item;
use crate::krm::resource_list::{KIND, ResourceList, element};
use serde::Serialize;
use serde_yaml::{Mapping, Value};
use std::borrow::Cow;

/// The output in the order it is written, every part serialised before any is written, so a
/// failure to serialise leaves nothing half-written.
#[derive(Debug)]
pub struct Output<'a> {
    parts: Vec<Cow<'a, str>>,
    /// Why the items could not be written, when the parts are the error list written instead.
    failure: Option<Diagnostic>,
}

impl Output<'_> {
    /// The parts, in order: write them one after the other.
    pub fn parts(&self) -> impl Iterator<Item = &[u8]> {
        self.parts.iter().map(|p| p.as_bytes())
    }

    /// The error written in place of the items, when they could not be serialised: the run
    /// must then fail, since the host would take the empty list as the package's new content.
    pub fn failure(&self) -> Option<&Diagnostic> {
        self.failure.as_ref()
    }

    /// The whole output as one string.
    pub fn into_string(self) -> String {
        self.parts.concat()
    }
}

impl ResourceList {
    /// Serialises the list in block-style YAML: the input's results, then those of `results`
    /// the input does not already hold.
    /// Results are written only when there are some.
    pub fn to_yaml(&self, results: &[KrmResult]) -> String {
        self.output(results).into_string()
    }

    /// [`ResourceList::to_yaml`] in the parts it is written in: passed items are borrowed from
    /// [`ResourceList::passed`].
    pub fn output(&self, results: &[KrmResult]) -> Output<'_> {
        let serialised = results
            .iter()
            .map(serde_yaml::to_value)
            .collect::<Result<Vec<Value>, _>>()
            // A result of ours that the input already holds (this function's own output fed
            // back) is written once: running on its own output must change nothing.
            .map(|ours| {
                let fresh: Vec<Value> = ours.into_iter().filter(|r| !self.results.contains(r)).collect();
                self.results.iter().cloned().chain(fresh).collect::<Vec<_>>()
            })
            .and_then(|results| {
                write(
                    &self.api_version,
                    &self.items,
                    &self.passed,
                    self.function_config.as_ref(),
                    &self.extra,
                    &results,
                )
            });
        // Serialising a tree of Values and plain structs has no failure mode left once
        // parsing succeeded; should the emitter still refuse, say so instead of writing half.
        serialised.unwrap_or_else(|e| {
            let diag = Diagnostic::internal(format!("could not serialise the output (no item was written): {e}"));
            let result = serde_yaml::to_value(diag.to_result()).unwrap_or_default();
            let mut output =
                write(&self.api_version, &[], "", None, &Mapping::new(), &[result]).unwrap_or_else(|_| Output {
                    parts: Vec::new(),
                    failure: None,
                });
            output.failure = Some(diag);
            output
        })
    }
}

/// The whole output: the head, each item as a sequence element (a passed item's text as it
/// is, a run of them as one slice), then the tail. The same bytes as the emitter writes for
/// the list as one tree (`tests/it/properties.rs` compares them).
fn write<'a>(
    api_version: &str,
    items: &[Item],
    passed: &'a str,
    function_config: Option<&Value>,
    extra: &Mapping,
    results: &[Value],
) -> Result<Output<'a>, serde_yaml::Error> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Head<'a> {
        api_version: &'a str,
        kind: &'static str,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Tail<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        function_config: Option<&'a Value>,
        #[serde(flatten)]
        extra: &'a Mapping,
        #[serde(skip_serializing_if = "<[Value]>::is_empty")]
        results: &'a [Value],
    }
    let mut parts: Vec<Cow<'a, str>> = vec![Cow::Owned(serde_yaml::to_string(&Head {
        api_version,
        kind: KIND,
    })?)];
    add(&mut parts, if items.is_empty() { "items: []\n" } else { "items:\n" });
    // A run of passed items is one slice of `passed`.
    let mut run: Option<std::ops::Range<usize>> = None;
    for item in items {
        match item {
            Item::Passed(p) => match &mut run {
                Some(r) if r.end == p.text.start => r.end = p.text.end,
                _ => {
                    if let Some(r) = run.replace(p.text.clone()) {
                        parts.push(Cow::Borrowed(&passed[r]));
                    }
                }
            },
            Item::Tree(v) => {
                if let Some(r) = run.take() {
                    parts.push(Cow::Borrowed(&passed[r]));
                }
                add(&mut parts, &element(v)?);
            }
        }
    }
    if let Some(r) = run {
        parts.push(Cow::Borrowed(&passed[r]));
    }
    if function_config.is_some() || !extra.is_empty() || !results.is_empty() {
        let tail = serde_yaml::to_string(&Tail {
            function_config,
            extra,
            results,
        })?;
        add(&mut parts, &tail);
    }
    Ok(Output { parts, failure: None })
}

/// Appends `text` to the last part when that is our own, so the parts are as few as the runs
/// of passed items (each part is one write).
fn add(parts: &mut Vec<Cow<'_, str>>, text: &str) {
    match parts.last_mut() {
        Some(Cow::Owned(last)) => last.push_str(text),
        _ => parts.push(Cow::Owned(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passed_items_are_written_from_the_buffer_they_lie_in() {
        let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {apiVersion: v1, kind: A}\n- {apiVersion: v1, kind: B}\n- {apiVersion: v1, kind: C}\nfunctionConfig: {kind: X}\n";
        let list = ResourceList::parse_passing(input.as_bytes(), &mut |i: usize, _: &Value| i == 1).unwrap();
        let output = list.output(&[]);
        let inside = |part: &[u8]| {
            let buffer = list.passed.as_bytes().as_ptr_range();
            buffer.contains(&part.as_ptr())
        };
        // Item 0 and item 2 are borrowed; item 1 (kept) is written from its tree, with the
        // list's head before it and its tail after item 2.
        assert_eq!(
            output.parts().map(inside).collect::<Vec<_>>(),
            [false, true, false, true, false]
        );
        let whole = ResourceList::parse(input.as_bytes()).unwrap().to_yaml(&[]);
        assert_eq!(output.into_string(), whole);
    }

    /// No parsed input reaches this any more (a tag on a tag cannot be written in YAML, only
    /// built), but should the emitter refuse an item, nothing of the items is written and the
    /// output says why, so the caller fails the run instead of emptying the package.
    #[test]
    fn an_item_the_emitter_refuses_writes_no_item_and_a_failure() {
        use serde_yaml::value::{Tag, TaggedValue};
        let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {apiVersion: v1, kind: A}\n";
        let mut list = ResourceList::parse(input.as_bytes()).unwrap();
        let inner = Value::Tagged(Box::new(TaggedValue {
            tag: Tag::new("u"),
            value: Value::Null,
        }));
        let outer = Value::Tagged(Box::new(TaggedValue {
            tag: Tag::new("t"),
            value: inner,
        }));
        list.items.push(Item::Tree(outer));
        let output = list.output(&[]);
        let failure = output.failure().map(|d| d.message.clone()).unwrap_or_default();
        assert!(failure.contains("could not serialise the output"), "{failure}");
        let text = output.into_string();
        assert!(text.contains("items: []") && !text.contains("kind: A"), "{text}");
        assert!(text.contains("could not serialise the output"), "{text}");
    }
}
