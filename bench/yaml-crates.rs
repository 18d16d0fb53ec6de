//! The vendored serde_yaml_ng fork against serde-saphyr, on what maverics-krm needs from a YAML
//! crate. Driven by bench/yaml-crates, which writes this file into a scratch crate.
//!
//! "Same data" is judged by the fork's reader (its Value keeps tags and non-string keys): a
//! crate passes a case when the fork reads the crate's round trip (parse, then emit) of the
//! input as the same documents as the input itself.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::time::{Duration, Instant};

type Fork = serde_yaml_ng::Value;
type Json = serde_json::Value;

/// Budgets sized for a 10,000-item ResourceList: the defaults (250,000 nodes, 1,000,000
/// events, depth 64) refuse it. Depth 128 is the fork's limit. YAML 1.2 booleans only, as the
/// fork and kustomize's kyaml read them (the default reads `y`, `n`, `on`, `yes` as booleans).
/// `<<` kept as a key, as the fork keeps it.
fn saphyr_options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = 128;
    budget.max_nodes = usize::MAX / 2;
    budget.max_events = usize::MAX / 2;
    budget.max_total_scalar_bytes = 256 << 20;
    serde_saphyr::options! {
        budget: Some(budget),
        merge_keys: serde_saphyr::MergeKeyPolicy::AsOrdinary,
        strict_booleans: true,
    }
}

fn fork_docs(text: &str) -> Result<Vec<Fork>, String> {
    serde_yaml_ng::Deserializer::from_str(text)
        .map(|d| Fork::deserialize(d).map_err(|e| e.to_string()))
        .collect()
}

fn fork_emit(docs: &[Fork]) -> Result<String, String> {
    let mut out = String::new();
    for (i, d) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&serde_yaml_ng::to_string(d).map_err(|e| e.to_string())?);
    }
    Ok(out)
}

fn fork_round_trip(text: &str) -> Result<String, String> {
    fork_emit(&fork_docs(text)?)
}

/// serde-saphyr into a value type of its choice `V` and back.
fn saphyr_round_trip<V>(text: &str) -> Result<String, String>
where
    V: serde::Serialize + for<'de> Deserialize<'de>,
{
    let docs: Vec<V> = serde_saphyr::from_multiple_with_options(text, saphyr_options())
        .map_err(|e| first_line(&e.to_string()))?;
    serde_saphyr::to_string_multiple(&docs).map_err(|e| first_line(&e.to_string()))
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(70).collect()
}

/// "same", or what differs.
fn verdict(input: &str, round_trip: Result<String, String>) -> String {
    let want = match fork_docs(input) {
        Ok(d) => d,
        Err(e) => return format!("input unreadable: {e}"),
    };
    // The fork's Value resolves core tags such as `!!binary` (it keeps the base64 text, not
    // the tag), so tags are also checked in the text.
    let tags: Vec<&str> = input.split_whitespace().filter(|t| t.starts_with('!')).collect();
    match round_trip {
        Err(e) => format!("ERROR: {e}"),
        Ok(text) if tags.iter().any(|t| !text.contains(t)) => {
            let lost: Vec<&&str> = tags.iter().filter(|t| !text.contains(**t)).collect();
            let data = if fork_docs(&text).is_ok_and(|got| got == want) { "same data" } else { "data changed" };
            format!("tag {} dropped, {data}", lost.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", "))
        }
        Ok(text) => match fork_docs(&text) {
            Err(e) => format!("output unreadable: {}", first_line(&e)),
            Ok(got) if got == want && fork_emit(&got).ok() == fork_emit(&want).ok() => "same".to_owned(),
            Ok(got) if got == want => "same data, key order changed".to_owned(),
            Ok(got) => {
                let (want, got) = (fork_emit(&want).unwrap_or_default(), fork_emit(&got).unwrap_or_default());
                let (w, g) = want
                    .lines()
                    .zip(got.lines())
                    .find(|(w, g)| w != g)
                    .unwrap_or(("(end)", "(end)"));
                format!("DIFFERENT: `{}` became `{}`", w.trim(), g.trim())
            }
        },
    }
}

const LOOKALIKES: &[&str] = &[
    "on", "off", "yes", "no", "y", "n", "Y", "N", "ON", "Yes", "true", "False", "null", "Null",
    "~", "", "0755", "0o17", "0x1F", "1e3", "1E3", "-1.5", ".inf", "-.Inf", ".nan", "1_000",
    "2001-12-14", "12:30:00", "+1", "0", "=", "<<",
];

fn fidelity(corpus: &str, small_list: &str) {
    let custom_tag = std::fs::read_to_string(format!("{corpus}/316-secret-behind-custom-tag.yaml"))
        .unwrap_or_else(|e| panic!("{corpus}/316-secret-behind-custom-tag.yaml: {e}"));
    let mut lookalikes = String::from("apiVersion: v1\nkind: ConfigMap\ndata:\n");
    for (i, s) in LOOKALIKES.iter().enumerate() {
        lookalikes.push_str(&format!("  k{i}: '{s}'\n"));
    }
    let cases: Vec<(&str, String)> = vec![
        ("YAML 1.1 lookalike strings (tests/it/properties.rs)", lookalikes),
        ("plain y, n, on, yes, off as keys and values", "y: n\non: yes\nx: [off, Y]\n".into()),
        ("!!binary", "data: !!binary aGVsbG8=\n".into()),
        ("custom !Tag (corpus 316)", custom_tag),
        ("custom !Tag on a mapping", "spec: !Ref {name: a}\n".into()),
        ("int/bool/null/float keys", "ports:\n  80: http\n  true: t\n  ~: n\n  1.5: f\n".into()),
        ("sequence as key", "? [a, b]\n: v\n".into()),
        ("anchors and aliases", "a: &x {k: v}\nb: *x\nc: [*x, *x]\n".into()),
        ("<< merge key (kept literal)", "base: &b {x: 1}\nd:\n  <<: *b\n  y: 2\n".into()),
        ("multi-document stream", "a: 1\n---\nb: [2]\n---\nc: {d: e}\n".into()),
        ("u64 max, i64 min, 1.0e+3", "u: 18446744073709551615\ni: -9223372036854775808\nf: 1.0e+3\n".into()),
        ("block scalars, unicode, empty", "l: |\n  one\n  two\nu: \"\\u00e9\\U0001F600\"\ne: ''\nn: null\n".into()),
        ("100-item ResourceList (bench/scale)", small_list.to_owned()),
    ];
    println!("| case | serde_yaml_ng fork | serde-saphyr + serde_json::Value | serde-saphyr + the fork's Value |");
    println!("|---|---|---|---|");
    for (name, input) in &cases {
        println!(
            "| {name} | {} | {} | {} |",
            verdict(input, fork_round_trip(input)),
            verdict(input, saphyr_round_trip::<Json>(input)),
            verdict(input, saphyr_round_trip::<Fork>(input)),
        );
    }
}

fn lookalikes() {
    let fork: Vec<String> = LOOKALIKES
        .iter()
        .map(|s| serde_yaml_ng::to_string(&Fork::String((*s).to_owned())).unwrap_or_default())
        .collect();
    let saphyr: Vec<String> = LOOKALIKES
        .iter()
        .map(|s| serde_saphyr::to_string(&Json::String((*s).to_owned())).unwrap_or_default())
        .collect();
    let plain = |out: &[String]| -> Vec<&str> {
        LOOKALIKES
            .iter()
            .zip(out)
            .filter(|(_, o)| !(o.starts_with('\'') || o.starts_with('"')))
            .map(|(s, _)| *s)
            .collect()
    };
    println!("{} YAML 1.1/1.2 lookalike strings written by each crate:", LOOKALIKES.len());
    println!("  fork:         written plain: {:?}", plain(&fork));
    println!("  serde-saphyr: written plain: {:?}", plain(&saphyr));
}

fn comments() {
    let input = "# head\napiVersion: v1 # trailing\nkind: ConfigMap\ndata:\n  # above a key\n  a: b\n";
    let fork = fork_round_trip(input).unwrap_or_else(|e| e);
    let saphyr = saphyr_round_trip::<Json>(input).unwrap_or_else(|e| e);
    let kept = |s: &str| input.matches('#').filter(|_| true).count() == s.matches('#').count();
    println!("comments in a 4-comment document, round trip through a value type:");
    println!("  fork:         {} comments kept ({})", fork.matches('#').count(), if kept(&fork) { "all" } else { "lost" });
    println!("  serde-saphyr: {} comments kept ({})", saphyr.matches('#').count(), if kept(&saphyr) { "all" } else { "lost" });
    // serde-saphyr keeps a comment only where the target type says so.
    type Typed = std::collections::BTreeMap<String, serde_saphyr::Commented<String>>;
    let typed: Result<Typed, _> = serde_saphyr::from_str("apiVersion: v1 # trailing\n");
    let out = typed.ok().and_then(|t| serde_saphyr::to_string(&t).ok()).unwrap_or_default();
    println!("  serde-saphyr into a map of Commented<String>: {:?}", out);
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

fn limits(corpus: &str) {
    let deep_flow = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let deep_block = |n: usize| {
        let mut s = String::new();
        for i in 0..n {
            s.push_str(&" ".repeat(i));
            s.push_str("a:\n");
        }
        s
    };
    let bomb = std::fs::read_to_string(format!("{corpus}/016-alias-bomb.yaml"))
        .unwrap_or_else(|e| panic!("{corpus}/016-alias-bomb.yaml: {e}"));
    let cases: Vec<(&str, String)> = vec![
        ("128 nested [", deep_flow(128)),
        ("129 nested [", deep_flow(129)),
        ("100,000 nested [", deep_flow(100_000)),
        ("129 nested block mappings", deep_block(129)),
        ("billion laughs (corpus 016, 10^9 nodes)", bomb),
    ];
    let show = |r: Result<(), String>, t: Duration| match r {
        Ok(()) => format!("accepted, {:.1} ms", t.as_secs_f64() * 1e3),
        Err(e) => format!("refused in {:.1} ms: {}", t.as_secs_f64() * 1e3, first_line(&e)),
    };
    println!("| input | fork | serde-saphyr (depth budget 128) | serde-saphyr defaults |");
    println!("|---|---|---|---|");
    for (name, input) in &cases {
        let (f, tf) = time(|| fork_docs(input).map(drop));
        let (s, ts) = time(|| {
            serde_saphyr::from_str_with_options::<Json>(input, saphyr_options())
                .map(drop)
                .map_err(|e| e.to_string())
        });
        let (d, td) = time(|| serde_saphyr::from_str::<Json>(input).map(drop).map_err(|e| e.to_string()));
        println!("| {name} | {} | {} | {} |", show(f, tf), show(s, ts), show(d, td));
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn speed(path: &str, runs: usize) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let want = fork_docs(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let (mut f, mut sj, mut sf) = (Vec::new(), Vec::new(), Vec::new());
    let check = |name: &str, out: &Result<String, String>| match out {
        Ok(o) if fork_docs(o).ok().as_ref() == Some(&want) => {}
        Ok(_) => panic!("{name}: round trip changed the data"),
        Err(e) => panic!("{name}: {e}"),
    };
    // Interleaved, so the machine's load hits all three alike.
    for _ in 0..runs {
        let (o, t) = time(|| fork_round_trip(&text));
        check("fork", &o);
        f.push(t);
        let (o, t) = time(|| saphyr_round_trip::<Json>(&text));
        check("serde-saphyr + serde_json::Value", &o);
        sj.push(t);
        let (o, t) = time(|| saphyr_round_trip::<Fork>(&text));
        check("serde-saphyr + the fork's Value", &o);
        sf.push(t);
    }
    let (f, sj, sf) = (median(f), median(sj), median(sf));
    let mb = text.len() as f64 / (1 << 20) as f64;
    println!("round trip (parse + emit) of {path} ({mb:.2} MB), median of {runs} interleaved runs:");
    println!("| crate | time | MB/s | x the fork |");
    println!("|---|---|---|---|");
    for (name, t) in [("serde_yaml_ng fork", f), ("serde-saphyr + serde_json::Value", sj), ("serde-saphyr + the fork's Value", sf)] {
        println!(
            "| {name} | {:.0} ms | {:.1} | {:.2}x |",
            t.as_secs_f64() * 1e3,
            mb / t.as_secs_f64(),
            t.as_secs_f64() / f.as_secs_f64()
        );
    }
}

/// Reads a ResourceList's `items` one at a time through serde's SeqAccess, keeping none:
/// whatever memory remains is the crate's own buffering.
struct CountItems;

impl<'de> DeserializeSeed<'de> for CountItems {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        struct List;
        impl<'de> Visitor<'de> for List {
            type Value = usize;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a ResourceList")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
                let mut n = 0;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "items" {
                        n = map.next_value_seed(Items)?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(n)
            }
        }
        d.deserialize_map(List)
    }
}

struct Items;

impl<'de> DeserializeSeed<'de> for Items {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        struct Seq;
        impl<'de> Visitor<'de> for Seq {
            type Value = usize;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of items")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
                let mut n = 0;
                // Each item is built as a value and dropped before the next is read.
                while seq.next_element::<Json>()?.is_some() {
                    n += 1;
                }
                Ok(n)
            }
        }
        d.deserialize_seq(Seq)
    }
}

/// One mode per process, so the parent reads each one's peak RSS.
fn rss(mode: &str, path: &str) {
    let file = || std::fs::File::open(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let n = match mode {
        "fork-value" => {
            let v: Fork = serde_yaml_ng::from_reader(file()).unwrap_or_else(|e| panic!("{e}"));
            v.get("items").and_then(Fork::as_sequence).map_or(0, Vec::len)
        }
        "fork-items" => CountItems
            .deserialize(serde_yaml_ng::Deserializer::from_reader(file()))
            .unwrap_or_else(|e| panic!("{e}")),
        "saphyr-value" => {
            let v: Json = serde_saphyr::from_reader_with_options(file(), saphyr_options())
                .unwrap_or_else(|e| panic!("{e}"));
            v.get("items").and_then(Json::as_array).map_or(0, Vec::len)
        }
        "saphyr-items" => {
            serde_saphyr::with_deserializer_from_reader_with_options(file(), saphyr_options(), |d| {
                CountItems.deserialize(d)
            })
            .unwrap_or_else(|e| panic!("{e}"))
        }
        _ => panic!("unknown mode {mode}"),
    };
    println!("{n}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    match arg(1) {
        "fidelity" => fidelity(arg(2), &std::fs::read_to_string(arg(3)).unwrap_or_else(|e| panic!("{}: {e}", arg(3)))),
        "lookalikes" => lookalikes(),
        "comments" => comments(),
        "limits" => limits(arg(2)),
        "speed" => speed(arg(2), arg(3).parse().unwrap_or(5)),
        "rss" => rss(arg(2), arg(3)),
        other => panic!("unknown command {other:?}"),
    }
}
