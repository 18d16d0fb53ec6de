//! House order: the `use crate::…` edges between the files and modules of `src/`, and a check
//! that they form no cycle (issue 16 point 3), at the level of top-level modules (`config`,
//! `check`, …) and of files.
//!
//! An edge goes to the file that defines what is named: a path through a `pub use` re-export
//! is followed to its source, and a `pub use` line alone is no edge (it only forwards a name).
//! Unit-test code (`tests.rs`, `#[cfg(test)]` blocks) may import anything and is left out.
//!
//! `cargo test --test it -- --nocapture house::module_map` prints the module map.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A module path without the leading `crate`: `["config", "orchestrator"]`; the root is `[]`.
type ModPath = Vec<String>;

struct SourceFile {
    /// `src/config/orchestrator.rs`
    rel: String,
    module: ModPath,
    /// The code with comments and unit-test blocks taken out.
    code: String,
}

struct Crate {
    files: Vec<SourceFile>,
    by_module: BTreeMap<ModPath, usize>,
}

fn load() -> Crate {
    let src = common::root().join("src");
    let mut paths = Vec::new();
    collect_rs(&src, &mut paths);
    paths.sort();
    let mut files = Vec::new();
    for path in paths {
        let rel = path
            .strip_prefix(&src)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        if rel == "main.rs" || rel.ends_with("/tests.rs") || rel == "tests.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read source");
        let stem = rel.trim_end_matches(".rs");
        let module: ModPath = stem
            .split('/')
            .filter(|s| *s != "mod" && *s != "lib")
            .map(str::to_owned)
            .collect();
        files.push(SourceFile {
            rel: format!("src/{rel}"),
            module,
            code: strip_tests(&strip_comments(&text)),
        });
    }
    let by_module = files.iter().enumerate().map(|(i, f)| (f.module.clone(), i)).collect();
    Crate { files, by_module }
}

fn collect_rs(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Drops comments (doc links name paths that are no imports) and the text of string and
/// raw string literals, keeping the line structure.
fn strip_comments(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3;
        } else if c == '\'' && next == Some('\\') {
            i += 3;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if c == 'r'
            && (next == Some('#') || next == Some('"'))
            && !chars.get(i.wrapping_sub(1)).is_some_and(|p| is_ident(*p))
        {
            let hashes = chars[i + 1..].iter().take_while(|h| **h == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            i += 2 + hashes;
            while i < chars.len()
                && !(chars[i] == '"' && chars[i + 1..].iter().take(hashes).filter(|h| **h == '#').count() == hashes)
            {
                if chars[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1 + hashes;
            out.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                } else if chars[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Cuts every `#[cfg(test)]` item (a `mod tests { … }` block or a single item) out.
fn strip_tests(code: &str) -> String {
    let mut out = String::new();
    let mut kept = 0;
    for r in test_items(code) {
        out.push_str(&code[kept..r.start]);
        kept = r.end;
    }
    out.push_str(&code[kept..]);
    out
}

/// The byte ranges of the `#[cfg(test)]` items of `code` (comments and strings taken out).
fn test_items(code: &str) -> Vec<std::ops::Range<usize>> {
    let mut items = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find("#[cfg(test)]").map(|a| a + from) {
        let after = &code[at..];
        let semi = after.find(';').unwrap_or(after.len());
        let brace = after.find('{').unwrap_or(after.len());
        let mut end = after.len();
        if semi < brace {
            end = (semi + 1).min(after.len());
        } else {
            let mut depth = 0usize;
            for (i, c) in after.char_indices().skip(brace) {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
        items.push(at..at + end);
        from = at + end;
    }
    items
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The `use` statements of a file, as `(is_pub, tree)`; tree is the text after `use`.
fn use_statements(code: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = find_word(rest, "use") {
        let before = rest[..at].trim_end();
        let is_pub = before.ends_with("pub") || before.ends_with(')') && before.contains("pub(");
        let after = &rest[at + 3..];
        let end = after.find(';').unwrap_or(after.len());
        out.push((is_pub, after[..end].split_whitespace().collect::<String>()));
        rest = &after[end..];
    }
    out
}

fn find_word(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(word) {
        let at = from + i;
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        if !before.is_some_and(is_ident) && after.is_some_and(char::is_whitespace) {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// Expands `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap_or(tree).to_owned()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(p).into_iter().map(move |e| format!("{prefix}{e}")))
        .collect()
}

/// Every path the code names through `crate::`, `super::`, `self::` or a child module.
fn named_paths(file: &SourceFile, krate: &Crate) -> Vec<String> {
    let mut paths = Vec::new();
    let mut body = String::new();
    let mut rest = file.code.as_str();
    // `use` lines are read as trees; the rest of the code is scanned for inline paths.
    while let Some(at) = find_word(rest, "use") {
        body.push_str(&rest[..at]);
        let after = &rest[at..];
        let end = after.find(';').map_or(after.len(), |e| e + 1);
        rest = &after[end..];
    }
    body.push_str(rest);
    for (is_pub, tree) in use_statements(&file.code) {
        if !is_pub {
            paths.extend(expand(&tree));
        }
    }
    let children: Vec<&str> = krate
        .by_module
        .keys()
        .filter(|m| m.len() == file.module.len() + 1 && m.starts_with(&file.module))
        .map(|m| m[m.len() - 1].as_str())
        .collect();
    let chars: Vec<(usize, char)> = body.char_indices().collect();
    for (n, &(i, c)) in chars.iter().enumerate() {
        let prev = if n == 0 { ' ' } else { chars[n - 1].1 };
        if !is_ident(c) || is_ident(prev) || prev == ':' {
            continue;
        }
        let word_end = body[i..].find(|ch: char| !is_ident(ch)).map_or(body.len(), |e| i + e);
        let word = &body[i..word_end];
        let starts_path = matches!(word, "crate" | "super" | "self") || children.contains(&word);
        if !starts_path || !body[word_end..].starts_with("::") {
            continue;
        }
        let path_end = body[i..]
            .find(|ch: char| !(is_ident(ch) || ch == ':'))
            .map_or(body.len(), |e| i + e);
        paths.push(body[i..path_end].trim_end_matches(':').to_owned());
    }
    paths
}

impl Crate {
    /// The absolute segments of a path as written in `from`.
    fn absolute(&self, from: &ModPath, path: &str) -> Option<Vec<String>> {
        let mut segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty() && *s != "*").collect();
        let mut base: Vec<String> = match segs.first().copied() {
            Some("crate") => {
                segs.remove(0);
                Vec::new()
            }
            Some("super") | Some("self") => {
                let mut b = from.clone();
                while segs.first() == Some(&"super") {
                    segs.remove(0);
                    b.pop();
                }
                if segs.first() == Some(&"self") {
                    segs.remove(0);
                }
                b
            }
            Some(child)
                if self
                    .by_module
                    .contains_key(&[from.clone(), vec![child.to_owned()]].concat()) =>
            {
                from.clone()
            }
            _ => return None,
        };
        base.extend(segs.into_iter().map(str::to_owned));
        Some(base)
    }

    /// The file that defines what `segs` names, following `pub use` re-exports.
    fn resolve(&self, mut segs: Vec<String>, depth: usize) -> Option<usize> {
        let mut len = segs.len();
        while len > 0 && !self.by_module.contains_key(&segs[..len]) {
            len -= 1;
        }
        let module = segs[..len].to_vec();
        let file = *self.by_module.get(&module)?;
        let Some(item) = segs.get(len).cloned() else {
            return Some(file);
        };
        if depth < 8 {
            for (is_pub, tree) in use_statements(&self.files[file].code) {
                if !is_pub {
                    continue;
                }
                for target in expand(&tree) {
                    if target.rsplit("::").next() == Some(item.as_str())
                        && let Some(mut abs) = self.absolute(&module, &target)
                    {
                        abs.extend(segs.drain(len + 1..));
                        return self.resolve(abs, depth + 1);
                    }
                }
            }
        }
        Some(file)
    }

    /// File-level edges: importing file → defining file.
    fn file_edges(&self) -> BTreeMap<usize, BTreeSet<usize>> {
        let mut edges: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
        for (i, file) in self.files.iter().enumerate() {
            let entry = edges.entry(i).or_default();
            for path in named_paths(file, self) {
                if let Some(abs) = self.absolute(&file.module, &path)
                    && let Some(to) = self.resolve(abs, 0)
                    && to != i
                {
                    entry.insert(to);
                }
            }
        }
        edges
    }

    fn top(&self, file: usize) -> String {
        self.files[file]
            .module
            .first()
            .cloned()
            .unwrap_or_else(|| "crate".to_owned())
    }

    fn module_edges(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, tos) in self.file_edges() {
            let entry = edges.entry(self.top(from)).or_default();
            for to in tos {
                if self.top(to) != self.top(from) {
                    entry.insert(self.top(to));
                }
            }
        }
        edges
    }
}

/// The strongly connected components with more than one node (Tarjan).
fn cycles<N: Ord + Clone>(edges: &BTreeMap<N, BTreeSet<N>>) -> Vec<Vec<N>> {
    struct State<N> {
        index: BTreeMap<N, usize>,
        low: BTreeMap<N, usize>,
        stack: Vec<N>,
        on_stack: BTreeSet<N>,
        out: Vec<Vec<N>>,
    }
    fn visit<N: Ord + Clone>(n: &N, edges: &BTreeMap<N, BTreeSet<N>>, s: &mut State<N>) {
        let i = s.index.len();
        s.index.insert(n.clone(), i);
        s.low.insert(n.clone(), i);
        s.stack.push(n.clone());
        s.on_stack.insert(n.clone());
        for m in edges.get(n).into_iter().flatten() {
            if !s.index.contains_key(m) {
                visit(m, edges, s);
                let low = s.low[n].min(s.low[m]);
                s.low.insert(n.clone(), low);
            } else if s.on_stack.contains(m) {
                let low = s.low[n].min(s.index[m]);
                s.low.insert(n.clone(), low);
            }
        }
        if s.low[n] == s.index[n] {
            let mut scc = Vec::new();
            while let Some(m) = s.stack.pop() {
                s.on_stack.remove(&m);
                let done = &m == n;
                scc.push(m);
                if done {
                    break;
                }
            }
            if scc.len() > 1 {
                scc.sort();
                s.out.push(scc);
            }
        }
    }
    let mut s = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for n in edges.keys() {
        if !s.index.contains_key(n) {
            visit(n, edges, &mut s);
        }
    }
    s.out.sort();
    s.out
}

/// Cycles left on purpose, each with its reason; a fixed one must leave this list (the tests
/// fail on a stale entry). A file cycle is known when all its files lie under the folders of
/// one entry.
const KNOWN_MODULE_CYCLES: &[&[&str]] = &[];
const KNOWN_FILE_CYCLES: &[&[&str]] = &[];

#[test]
fn no_import_cycle_between_modules() {
    let krate = load();
    let found = cycles(&krate.module_edges());
    let known: Vec<Vec<String>> = KNOWN_MODULE_CYCLES
        .iter()
        .map(|c| c.iter().map(|m| (*m).to_owned()).collect())
        .collect();
    let new: Vec<&Vec<String>> = found.iter().filter(|c| !known.contains(c)).collect();
    assert!(new.is_empty(), "modules of src/ that import each other: {new:?}");
    let stale: Vec<&Vec<String>> = known.iter().filter(|c| !found.contains(c)).collect();
    assert!(
        stale.is_empty(),
        "cycles fixed: remove them from KNOWN_MODULE_CYCLES: {stale:?}"
    );
}

#[test]
fn no_import_cycle_between_files() {
    let krate = load();
    let edges = krate.file_edges();
    let found: Vec<Vec<&str>> = cycles(&edges)
        .into_iter()
        .map(|c| c.into_iter().map(|f| krate.files[f].rel.as_str()).collect())
        .collect();
    let known_by = |cycle: &Vec<&str>| {
        KNOWN_FILE_CYCLES
            .iter()
            .position(|dirs| cycle.iter().all(|f| dirs.iter().any(|d| f.starts_with(d))))
    };
    let mut inside = String::new();
    for cycle in cycles(&edges) {
        let names: Vec<&str> = cycle.iter().map(|f| krate.files[*f].rel.as_str()).collect();
        if known_by(&names).is_some() {
            continue;
        }
        for &from in &cycle {
            for to in edges[&from].iter().filter(|t| cycle.contains(t)) {
                inside.push_str(&format!("  {} -> {}\n", krate.files[from].rel, krate.files[*to].rel));
            }
        }
        inside.push('\n');
    }
    assert!(inside.is_empty(), "files of src/ that import each other:\n{inside}");
    let used: BTreeSet<usize> = found.iter().filter_map(known_by).collect();
    let stale: Vec<&[&str]> = (0..KNOWN_FILE_CYCLES.len())
        .filter(|i| !used.contains(i))
        .map(|i| KNOWN_FILE_CYCLES[i])
        .collect();
    assert!(
        stale.is_empty(),
        "cycles fixed: remove them from KNOWN_FILE_CYCLES: {stale:?}"
    );
}

/// The reader must see the edges it is meant to see, or the two tests above prove nothing.
#[test]
fn the_reader_sees_known_edges() {
    let krate = load();
    let modules = krate.module_edges();
    assert!(
        modules["function"].contains("config"),
        "function uses config: {modules:?}"
    );
    assert!(modules["config"].contains("diag"), "config uses diag: {modules:?}");
    let planted = SourceFile {
        rel: "src/planted.rs".to_owned(),
        module: vec!["config".to_owned(), "planted".to_owned()],
        code: "use super::{workload, Orchestrator};\nfn f() { crate::check::check_stream(&[], &x); }\n".to_owned(),
    };
    let names: BTreeSet<String> = named_paths(&planted, &krate)
        .into_iter()
        .filter_map(|p| krate.absolute(&planted.module, &p))
        .filter_map(|a| krate.resolve(a, 0))
        .map(|f| krate.files[f].rel.clone())
        .collect();
    let want: BTreeSet<String> = [
        "src/config/workload.rs",
        "src/config/orchestrator.rs",
        "src/check/mod.rs",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(names, want);
}

/// The module map for the closing note of issue 16: each top-level module and what it uses.
#[test]
fn module_map() {
    let krate = load();
    let modules = krate.module_edges();
    let mut map = String::new();
    for (from, tos) in &modules {
        let tos: Vec<&str> = tos.iter().map(String::as_str).collect();
        map.push_str(&format!(
            "{from} -> {}\n",
            if tos.is_empty() {
                "(leaf)".to_owned()
            } else {
                tos.join(", ")
            }
        ));
    }
    println!("{map}");
    assert!(modules.contains_key("k8s"), "src/k8s is read:\n{map}");
}

/// `src/k8s` is the Kubernetes vocabulary every layer reads: it imports nothing of the crate.
#[test]
fn k8s_is_a_leaf() {
    let krate = load();
    let modules = krate.module_edges();
    assert!(modules["k8s"].is_empty(), "k8s imports {:?}", modules["k8s"]);
}

/// A file a reader can hold in their head: no source file of `src/` over 600 lines, unit-test
/// files (`tests.rs`, `tests/`) aside. Split by what the parts are, not by line count.
#[test]
fn no_source_file_is_over_600_lines() {
    let mut files = Vec::new();
    collect_rs(&common::root().join("src"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "tests.rs") && !p.components().any(|c| c.as_os_str() == "tests"))
        .filter_map(|p| {
            let lines = std::fs::read_to_string(p).ok()?.lines().count();
            (lines > 600).then(|| format!("{} ({lines} lines)", p.display()))
        })
        .collect();
    assert!(files.len() > 100, "src/ was read: {} files", files.len());
    assert!(long.is_empty(), "split these files: {long:?}");
}

/// Each function config kind keeps its config types with its checks and its work, and what
/// the three share (`src/api`) sits below all of them: the generator's config (`config`)
/// imports no kind's work, and `api` imports no kind at all.
#[test]
fn each_function_kind_owns_its_folder() {
    let krate = load();
    let defined_in = |item: &str| -> Vec<String> {
        krate
            .files
            .iter()
            .filter(|f| f.code.contains(&format!("pub struct {item} ")))
            .map(|f| f.rel.clone())
            .collect()
    };
    assert_eq!(defined_in("Orchestrator"), ["src/config/orchestrator.rs"]);
    assert_eq!(defined_in("OrchestratorPlatform"), ["src/platform/config/mod.rs"]);
    assert_eq!(defined_in("OrchestratorCheck"), ["src/check/config.rs"]);
    assert_eq!(defined_in("Metadata"), ["src/api/metadata.rs"]);
    let modules = krate.module_edges();
    let kinds = ["config", "resources", "platform", "check", "function"];
    for kind in ["api", "config"] {
        let above: Vec<&String> = modules[kind]
            .iter()
            .filter(|m| kinds.contains(&m.as_str()) && (kind == "api" || *m != "config"))
            .collect();
        assert!(above.is_empty(), "{kind} imports a function kind's module: {above:?}");
    }
}

// ---- the end-to-end tests are behind the `e2e` feature -----------------------------------

/// What a function that needs a host tool names: the pinned tools' folder (kustomize, the
/// scanners' venvs, mermaid), the path of kpt, the browser. The helpers that locate them
/// (`common::tool`, `common::kpt`, `graph.rs`'s `chromium`, …) are found by these, and the
/// tests by calling them.
const TOOL_MARKS: [&str; 3] = [".tools", "/usr/bin/kpt", "\"chromium\""];

/// The text of a file with comments blanked, and again with the insides of string and char
/// literals blanked too; both the length of the original in chars, so positions agree.
fn blank_comments_and_literals(text: &str) -> (Vec<char>, Vec<char>) {
    let t: Vec<char> = text.chars().collect();
    let (mut comments, mut literals) = (t.clone(), t.clone());
    let blank = |v: &mut Vec<char>, from: usize, to: usize| {
        for c in v.iter_mut().take(to).skip(from) {
            if *c != '\n' {
                *c = ' ';
            }
        }
    };
    let mut i = 0;
    while i < t.len() {
        let next = t.get(i + 1).copied();
        let raw_at = i + usize::from(t[i] == 'b');
        let hashes = t.iter().skip(raw_at + 1).take_while(|c| **c == '#').count();
        if t[i] == '/' && (next == Some('/') || next == Some('*')) {
            let end = if next == Some('/') {
                t[i..].iter().position(|c| *c == '\n').map_or(t.len(), |p| i + p)
            } else {
                (i + 2..t.len())
                    .find(|&j| t[j - 1] == '*' && t[j] == '/')
                    .map_or(t.len(), |j| j + 1)
            };
            blank(&mut comments, i, end);
            blank(&mut literals, i, end);
            i = end;
        } else if t.get(raw_at) == Some(&'r')
            && t.get(raw_at + 1 + hashes) == Some(&'"')
            && !t.get(i.wrapping_sub(1)).is_some_and(|p| is_ident(*p))
        {
            let from = raw_at + 2 + hashes;
            let end = (from..t.len())
                .find(|&j| t[j] == '"' && t[j + 1..].iter().take(hashes).filter(|h| **h == '#').count() == hashes)
                .unwrap_or(t.len());
            blank(&mut literals, from, end);
            i = end + 1 + hashes;
        } else if t[i] == '"' {
            let mut end = i + 1;
            while end < t.len() && t[end] != '"' {
                end += if t[end] == '\\' { 2 } else { 1 };
            }
            blank(&mut literals, i + 1, end);
            i = end + 1;
        } else if t[i] == '\'' && (next == Some('\\') || t.get(i + 2) == Some(&'\'')) {
            let end = (i + 2..t.len()).find(|&j| t[j] == '\'').unwrap_or(t.len());
            blank(&mut literals, i + 1, end);
            i = end + 1;
        } else {
            i += 1;
        }
    }
    (comments, literals)
}

/// A file of tests/it/.
struct TestFile {
    /// `tests/it/platform.rs`
    rel: String,
    functions: Vec<Function>,
}

/// A function of a test file.
struct Function {
    name: String,
    /// Marked `#[test]`.
    is_test: bool,
    /// Marked `#[cfg(feature = "e2e")]`.
    gated: bool,
    /// The body without comments, with its literals.
    body: String,
    /// The body without comments or literals: the names it calls.
    code: String,
}

/// Every `fn` of a file with its body, and what the attribute lines above it say.
fn functions(text: &str) -> Vec<Function> {
    let (comments, literals) = blank_comments_and_literals(text);
    let mut out = Vec::new();
    for i in (0..literals.len()).filter(|&i| literals[i..].starts_with(&['f', 'n', ' '])) {
        if i > 0 && is_ident(literals[i - 1]) {
            continue;
        }
        let name_at = i + 3 + literals[i + 3..].iter().take_while(|c| c.is_whitespace()).count();
        let name: String = literals[name_at..].iter().take_while(|c| is_ident(**c)).collect();
        // The body opens at the first `{` outside the signature's brackets; a `;` first is a
        // declaration without one.
        let mut depth = 0i32;
        let Some(open) = (name_at..literals.len()).find(|&j| {
            match literals[j] {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                _ => {}
            }
            depth == 0 && (literals[j] == '{' || literals[j] == ';')
        }) else {
            continue;
        };
        if literals[open] == ';' {
            continue;
        }
        let mut depth = 0usize;
        let close = (open..literals.len())
            .find(|&j| {
                match literals[j] {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .unwrap_or(literals.len() - 1);
        // The attribute lines right above the line of `fn` (literals kept: `feature = "e2e"`).
        let before: String = comments[..i].iter().collect();
        let attributes: Vec<&str> = before
            .split('\n')
            .rev()
            .skip(1)
            .map(str::trim)
            .take_while(|l| l.starts_with("#["))
            .collect();
        out.push(Function {
            name,
            is_test: attributes.contains(&"#[test]"),
            gated: attributes.contains(&"#[cfg(feature = \"e2e\")]"),
            body: comments[open..=close].iter().collect(),
            code: literals[open..=close].iter().collect(),
        });
    }
    out
}

/// Whether `code` names `name` as a word (a call, a path segment, a function passed on).
fn names(code: &str, name: &str) -> bool {
    code.match_indices(name).any(|(at, _)| {
        !code[..at].chars().next_back().is_some_and(is_ident)
            && !code[at + name.len()..].chars().next().is_some_and(is_ident)
    })
}

/// The names of the functions that need a host tool: those naming a tool mark, and those
/// calling one of `seed` or of each other.
fn needing_tools(functions: &[Function], seed: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = seed.clone();
    loop {
        let more: Vec<&Function> = functions
            .iter()
            .filter(|f| !found.contains(&f.name))
            .filter(|f| TOOL_MARKS.iter().any(|m| f.body.contains(m)) || found.iter().any(|n| names(&f.code, n)))
            .collect();
        if more.is_empty() {
            return found;
        }
        found.extend(more.into_iter().map(|f| f.name.clone()));
    }
}

fn test_files() -> (Vec<TestFile>, BTreeSet<String>) {
    let dir = common::root().join("tests/it");
    let read = |rel: &str| std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("tests/it/{rel}: {e}"));
    let common_helpers = needing_tools(&functions(&read("common/mod.rs")), &BTreeSet::new());
    let mut paths = Vec::new();
    collect_rs(&dir, &mut paths);
    paths.sort();
    let files = paths
        .iter()
        .filter(|p| p.parent() == Some(dir.as_path()))
        .map(|p| {
            let name = p.file_name().expect("file name").to_string_lossy().into_owned();
            TestFile {
                rel: format!("tests/it/{name}"),
                functions: functions(&read(&name)),
            }
        })
        .collect();
    (files, common_helpers)
}

/// The modules `tests/it/main.rs` declares behind the e2e feature, as `tests/it/NAME.rs`.
fn gated_modules() -> BTreeSet<String> {
    let main = std::fs::read_to_string(common::root().join("tests/it/main.rs")).expect("read tests/it/main.rs");
    let lines: Vec<&str> = main.lines().map(str::trim).collect();
    lines
        .windows(2)
        .filter(|w| w[0] == "#[cfg(feature = \"e2e\")]")
        .filter_map(|w| w[1].strip_prefix("mod ")?.strip_suffix(';'))
        .map(|m| format!("tests/it/{m}.rs"))
        .collect()
}

/// Plain `cargo test` must need no host tool: a test that calls a helper locating kustomize,
/// kpt, a scanner or the browser runs only under `--features e2e`, and a test behind the
/// feature needs one (or it would drop out of the fast run for nothing).
#[test]
fn every_test_that_needs_a_host_tool_is_behind_the_e2e_feature() {
    let (files, helpers) = test_files();
    for want in ["tool", "kpt", "kustomize_versions", "eject"] {
        assert!(
            helpers.contains(want),
            "common::{want} is seen to need a tool: {helpers:?}"
        );
    }
    let gated_modules = gated_modules();
    let (mut ungated, mut needless, mut e2e) = (Vec::new(), Vec::new(), 0);
    for file in &files {
        let needing = needing_tools(&file.functions, &helpers);
        let whole = gated_modules.contains(&file.rel);
        for f in file.functions.iter().filter(|f| f.is_test) {
            let needs = needing.contains(&f.name);
            e2e += usize::from(needs);
            if needs && !whole && !f.gated {
                ungated.push(format!("{}: {}", file.rel, f.name));
            }
            if f.gated && !needs {
                needless.push(format!("{}: {}", file.rel, f.name));
            }
        }
    }
    assert!(
        ungated.is_empty(),
        "these tests need a host tool: put `#[cfg(feature = \"e2e\")]` above their `#[test]` \
         (or above `mod NAME;` in tests/it/main.rs when every test of the file needs one):\n  {}",
        ungated.join("\n  ")
    );
    assert!(
        needless.is_empty(),
        "these tests need no host tool: take `#[cfg(feature = \"e2e\")]` off so plain `cargo test` runs them:\n  {}",
        needless.join("\n  ")
    );
    // The reader sees what it must: the kpt suite, and a platform golden under kustomize.
    assert!(gated_modules.contains("tests/it/e2e_kpt.rs"), "{gated_modules:?}");
    let platform = files
        .iter()
        .find(|f| f.rel == "tests/it/platform.rs")
        .expect("tests/it/platform.rs");
    let golden = platform
        .functions
        .iter()
        .find(|f| f.name == "eks_overlay_builds_to_its_golden_with_both_kustomize_versions")
        .expect("the EKS golden test");
    assert!(golden.gated && needing_tools(&platform.functions, &helpers).contains(&golden.name));
    assert!(e2e >= 100, "only {e2e} tests seen to need a tool");
}

/// The feature only selects tests: the library and binary never depend on it.
#[test]
fn no_code_in_src_depends_on_the_e2e_feature() {
    let src = common::root().join("src");
    let mut paths = Vec::new();
    collect_rs(&src, &mut paths);
    let users: Vec<String> = paths
        .iter()
        .filter(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("\"e2e\"")))
        .map(|p| p.display().to_string())
        .collect();
    assert!(users.is_empty(), "src/ must not depend on the e2e feature: {users:?}");
}

/// Kinds the generator and the platform layers write are spelled once, in `src/k8s/` (the
/// built-ins through k8s-openapi's `Resource` constants): a hand-typed `"StatefulSet"`
/// elsewhere is a second spelling that can drift from the first.
#[test]
fn generated_kinds_are_spelled_only_in_the_vocabulary() {
    use maverics_krm::k8s::kinds::*;
    let mut kinds: BTreeSet<&str> = GENERATED.iter().map(|k| k.kind).collect();
    for k in [
        SECRET_STORE,
        ROUTE,
        GRPC_ROUTE,
        GATEWAY,
        BACKEND_CONFIG,
        GKE_HEALTH_CHECK_POLICY,
        INGRESS_EXTENSION,
        FRONTEND_CONFIG,
        MANAGED_CERTIFICATE,
        GCP_BACKEND_POLICY,
    ] {
        kinds.insert(k.kind);
    }
    kinds.insert("StorageClass");
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut paths = Vec::new();
    collect_rs(Path::new("src"), &mut paths);
    for path in paths {
        let rel = path.to_string_lossy().replace('\\', "/");
        if rel.starts_with("src/k8s/") || rel.ends_with("/tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read source");
        let in_tests = test_lines(&strip_comments(&text));
        for (n, line) in text.lines().enumerate() {
            if in_tests.get(n).copied().unwrap_or(false) || line.trim_start().starts_with("//") {
                continue;
            }
            for k in &kinds {
                if line.contains(&format!("\"{k}\"")) {
                    found
                        .entry(rel.clone())
                        .or_default()
                        .push(format!("{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    let mut problems = Vec::new();
    for (file, lines) in &found {
        let allowed = KIND_LITERALS_LEFT
            .iter()
            .find(|(f, _)| f == file)
            .map_or(0, |(_, n)| *n);
        if lines.len() > allowed {
            problems.push(format!(
                "{file}: {} hand-typed kind literals (at most {allowed}): use k8s-openapi's `<T as Resource>::KIND` or a constant of src/k8s/kinds.rs\n  {}",
                lines.len(),
                lines.join("\n  ")
            ));
        }
    }
    for (file, allowed) in KIND_LITERALS_LEFT {
        let n = found.get(*file).map_or(0, Vec::len);
        if n < *allowed {
            problems.push(format!(
                "{file}: {n} kind literals left, fewer than the {allowed} listed: lower its entry in KIND_LITERALS_LEFT"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Kind literals still allowed, by file: a count that may only go down (none are left).
const KIND_LITERALS_LEFT: &[(&str, usize)] = &[];

/// Which lines (0-based) of `stripped` (comments and string text taken out, lines kept) lie in
/// a `#[cfg(test)]` item.
fn test_lines(stripped: &str) -> Vec<bool> {
    let mut mask = vec![false; stripped.lines().count() + 1];
    let line_of = |pos: usize| stripped[..pos].matches('\n').count();
    for r in test_items(stripped) {
        for l in line_of(r.start)..=line_of(r.end) {
            if let Some(m) = mask.get_mut(l) {
                *m = true;
            }
        }
    }
    mask
}
