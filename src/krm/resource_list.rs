//! Reading and writing the `ResourceList` document exchanged with the host.

use crate::diag::{Diagnostic, KrmResult};
use crate::krm::object;
use serde::Serialize;
use serde_yaml::{Mapping, Value};

/// The ResourceList `apiVersion` of the KRM functions spec v1.
pub const API_VERSION_V1: &str = "config.kubernetes.io/v1";
/// The older ResourceList `apiVersion`, still accepted and echoed back.
pub const API_VERSION_V1BETA1: &str = "config.kubernetes.io/v1beta1";
const KIND: &str = "ResourceList";

/// Largest input accepted on stdin: the limit of every reader.
pub const MAX_INPUT_BYTES: usize = crate::io::read::MAX_BYTES;

/// The KRM function wire format: the items, the function config and results, as a host sends
/// and expects them.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceList {
    /// Echoed on output, so a host that speaks v1beta1 gets v1beta1 back.
    pub api_version: String,
    /// The objects the function works on, in order.
    pub items: Vec<Value>,
    /// The function config the host passed; `None` when it sent none.
    pub function_config: Option<Value>,
    /// `results` of earlier functions in a pipeline: written back first, ours after them.
    pub results: Vec<Value>,
    /// Top-level keys this function does not know, written back after `functionConfig` in
    /// their input order: a later function or a newer host may need them.
    pub extra: Mapping,
}

impl ResourceList {
    /// Parses what a host sent. Every failure names the place and the fix.
    pub fn parse(input: &[u8]) -> Result<Self, Diagnostic> {
        let text = crate::io::read::text("input", input)?;
        if text.trim().is_empty() {
            return Err(Diagnostic::error("input is empty: expected a ResourceList on stdin").fix(
                "run this binary from kustomize (`kustomize build --enable-alpha-plugins --enable-exec DIR`) or kpt, \
                 or use `maverics-krm render CONFIG` to render without a host",
            ));
        }
        let doc: Value = serde_yaml::from_str(text).map_err(|e| {
            let msg = e.to_string();
            let fix = if msg.contains("recursion limit") {
                "no Kubernetes object nests that deep: flatten the structure or check for unbalanced brackets"
            } else if msg.contains("repetition limit") {
                "the document expands `*alias` references too often (an alias bomb?): write the values out"
            } else if msg.contains("duplicate entry") {
                "remove one of the two keys: YAML allows a key once per mapping"
            } else if msg.contains("more than one document") {
                "send exactly one ResourceList document (no `---` between documents)"
            } else {
                "fix the YAML syntax at that line and column; send one ResourceList document in YAML or JSON"
            };
            Diagnostic::error(format!("input is not a valid YAML document: {msg}")).fix(fix)
        })?;
        let Value::Mapping(mut map) = doc else {
            return Err(
                Diagnostic::error("input is not a ResourceList: the document is not a mapping").fix(format!(
                    "send a mapping with `apiVersion: {API_VERSION_V1}` and `kind: {KIND}`"
                )),
            );
        };
        let api_version = match map.get("apiVersion").and_then(Value::as_str) {
            Some(v @ (API_VERSION_V1 | API_VERSION_V1BETA1)) => v.to_owned(),
            other => {
                return Err(Diagnostic::error(format!(
                    "input has apiVersion {}, not a ResourceList version",
                    quoted(other)
                ))
                .field("apiVersion")
                .fix(format!("use `{API_VERSION_V1}` (or `{API_VERSION_V1BETA1}`)")));
            }
        };
        match map.get("kind").and_then(Value::as_str) {
            Some(KIND) => {}
            other => {
                return Err(
                    Diagnostic::error(format!("input has kind {}, expected `{KIND}`", quoted(other)))
                        .field("kind")
                        .fix(format!("send `kind: {KIND}`")),
                );
            }
        }
        let items = match map.shift_remove("items") {
            Some(Value::Sequence(items)) => items,
            Some(Value::Null) | None => {
                return Err(Diagnostic::error("the ResourceList has no `items`")
                    .field("items")
                    .fix("send `items:` as a list (it may be empty: `items: []`)"));
            }
            Some(_) => {
                return Err(Diagnostic::error("`items` is not a list")
                    .field("items")
                    .fix("send `items:` as a list of Kubernetes objects"));
            }
        };
        for (i, item) in items.iter().enumerate() {
            check_item(i, item)?;
        }
        let function_config = match map.shift_remove("functionConfig") {
            None | Some(Value::Null) => None,
            Some(v @ Value::Mapping(_)) => Some(v),
            Some(_) => {
                return Err(Diagnostic::error("`functionConfig` is not an object")
                    .field("functionConfig")
                    .fix("send the function config as a Kubernetes-style object"));
            }
        };
        let results = match map.shift_remove("results") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Sequence(r)) => {
                // Passed back to the host as they came: each must be a Result object, or kpt
                // and kustomize fail on our output instead of on the bad input.
                if let Some(i) = r.iter().position(|x| !x.is_mapping()) {
                    return Err(Diagnostic::error(format!("`results[{i}]` is not a Result object"))
                        .field(format!("results[{i}]"))
                        .fix("send each result as a mapping with at least `message` and `severity` (KRM Functions Specification v1)"));
                }
                r
            }
            Some(_) => {
                return Err(Diagnostic::error("`results` is not a list").field("results").fix(
                    "send `results:` as a list of Result objects (KRM Functions Specification v1), or leave it out",
                ));
            }
        };
        map.shift_remove("apiVersion");
        map.shift_remove("kind");
        Ok(ResourceList {
            api_version,
            items,
            function_config,
            results,
            extra: map,
        })
    }

    /// Serialises the list in block-style YAML: the input's results, then those of `results`
    /// the input does not already hold.
    /// Results are written only when there are some.
    pub fn to_yaml(&self, results: &[KrmResult]) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Out<'a> {
            api_version: &'a str,
            kind: &'static str,
            items: &'a [Value],
            #[serde(skip_serializing_if = "Option::is_none")]
            function_config: Option<&'a Value>,
            #[serde(flatten)]
            extra: &'a Mapping,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            results: Vec<Value>,
        }
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
                serde_yaml::to_string(&Out {
                    api_version: &self.api_version,
                    kind: KIND,
                    items: &self.items,
                    function_config: self.function_config.as_ref(),
                    extra: &self.extra,
                    results,
                })
            });
        // Serialising a tree of Values and plain structs has no failure mode left once
        // parsing succeeded; should the emitter still refuse, say so instead of writing half.
        serialised.unwrap_or_else(|e| {
            let diag = Diagnostic::error(format!("internal error: could not serialise the output: {e}"));
            let result = serde_yaml::to_value(diag.to_result()).unwrap_or_default();
            serde_yaml::to_string(&Out {
                api_version: &self.api_version,
                kind: KIND,
                items: &[],
                function_config: None,
                extra: &Mapping::new(),
                results: vec![result],
            })
            .unwrap_or_default()
        })
    }

    /// The list the function writes when the input could not be read at all: no items
    /// (there are none it could trust) and the error as a result. The caller exits 1, so no
    /// host applies it.
    pub fn empty() -> Self {
        ResourceList {
            api_version: API_VERSION_V1.to_owned(),
            items: Vec::new(),
            function_config: None,
            results: Vec::new(),
            extra: Mapping::new(),
        }
    }
}

fn quoted(v: Option<&str>) -> String {
    v.map_or_else(|| "(missing)".to_owned(), |s| format!("`{s}`"))
}

fn check_item(i: usize, item: &Value) -> Result<(), Diagnostic> {
    let field = format!("items[{i}]");
    if !item.is_mapping() {
        return Err(Diagnostic::error(format!("item {i} is not an object"))
            .field(field)
            .fix("every item must be a Kubernetes object with `apiVersion`, `kind` and `metadata`"));
    }
    for key in ["apiVersion", "kind"] {
        if item.get(key).and_then(Value::as_str).is_none_or(str::is_empty) {
            return Err(Diagnostic::error(format!("item {i} has no `{key}`"))
                .field(format!("{field}.{key}"))
                .file(object::file_ref(item))
                .fix(format!("add `{key}` to that object")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<ResourceList, Diagnostic> {
        ResourceList::parse(s.as_bytes())
    }

    #[test]
    fn accepts_v1_and_v1beta1_and_echoes_the_version() {
        for v in [API_VERSION_V1, API_VERSION_V1BETA1] {
            let rl = parse(&format!("apiVersion: {v}\nkind: ResourceList\nitems: []\n")).unwrap();
            assert_eq!(rl.api_version, v);
            assert!(rl.to_yaml(&[]).starts_with(&format!("apiVersion: {v}\n")));
        }
    }

    #[test]
    fn refuses_what_is_not_a_resource_list() {
        let cases = [
            ("", "input is empty"),
            ("   \n", "input is empty"),
            ("a: [", "not a valid YAML"),
            ("- 1\n", "not a mapping"),
            ("apiVersion: v1\nkind: ResourceList\nitems: []\n", "apiVersion `v1`"),
            (
                "apiVersion: config.kubernetes.io/v1\nkind: List\nitems: []\n",
                "kind `List`",
            ),
            (
                "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n",
                "no `items`",
            ),
            (
                "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: 3\n",
                "not a list",
            ),
            (
                "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [3]\n",
                "item 0 is not an object",
            ),
            (
                "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [{kind: A}]\n",
                "no `apiVersion`",
            ),
            ("a: 1\na: 2\n", "duplicate entry"),
        ];
        for (input, want) in cases {
            let err = parse(input).unwrap_err();
            assert!(err.message.contains(want), "{input:?}: {}", err.message);
            assert!(err.fix.is_some(), "{input:?} has no fix");
        }
    }

    #[test]
    fn refuses_deep_nesting_at_once_and_keeps_brackets_in_strings() {
        // The fuzzer's find: a byte scan for brackets refused this valid output of our own.
        let brackets = format!(
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  data:\n    a: '{}'\n    b: x{}\n",
            "[".repeat(500),
            "{".repeat(500)
        );
        let rl = parse(&brackets).unwrap();
        assert_eq!(parse(&rl.to_yaml(&[])).unwrap(), rl);
        // A million levels: refused by the patched loader at level 129, not after parsing all.
        let n = 1_000_000;
        let deep = format!(
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {}{}\n",
            "[".repeat(n),
            "]".repeat(n)
        );
        let start = std::time::Instant::now();
        let err = parse(&deep).unwrap_err();
        assert!(err.message.contains("recursion limit exceeded"), "{}", err.message);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn refuses_non_utf8() {
        let err = ResourceList::parse(b"apiVersion: \xff\n").unwrap_err();
        assert!(err.message.contains("offset 12"), "{}", err.message);
    }

    #[test]
    fn yaml_1_1_lookalike_strings_stay_quoted() {
        let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n  data:\n    a: 'on'\n    b: 'yes'\n    c: '0755'\n    d: '1e3'\n    e: 'null'\n    f: 'N'\n    g: '1_000'\n    h: '2001-12-14'\n";
        let out = parse(input).unwrap().to_yaml(&[]);
        for want in [
            "a: 'on'",
            "b: 'yes'",
            "c: '0755'",
            "d: '1e3'",
            "e: 'null'",
            "f: 'N'",
            "g: '1_000'",
            "h: '2001-12-14'",
        ] {
            assert!(out.contains(want), "missing {want} in\n{out}");
        }
        assert_eq!(parse(&out).unwrap().to_yaml(&[]), out);
    }
}
