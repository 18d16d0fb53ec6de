//! `maverics-krm graph` end to end: what the picture says for the shipped overlays, every
//! input kind, and that every picture we produce (each overlay, each golden, the EKS against
//! ROSA diff, hostile names) parses and renders with the real mermaid library in Debian's
//! headless Chromium.

use crate::common;

use common::{bin, root, run_with_stdin, stderr, stdout, tool};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn graph(input: &Path) -> Output {
    Command::new(bin())
        .arg("graph")
        .arg(input)
        .env("KUSTOMIZE", tool("kustomize-5.8.1"))
        .output()
        .expect("run maverics-krm graph")
}

fn chart(input: &Path) -> String {
    let o = graph(input);
    assert!(o.status.success(), "graph {}: {}", input.display(), stderr(&o));
    stdout(&o)
}

/// The label of a node, by its quoted text: `n3["ALB (Ingress maverics/maverics)"]` -> `n3`.
fn id(chart: &str, label: &str) -> String {
    chart
        .lines()
        .find(|l| l.contains(&format!("\"{label}\"")))
        .and_then(|l| l.trim().split(['[', '(']).next())
        .unwrap_or_else(|| panic!("no node {label:?} in:\n{chart}"))
        .to_owned()
}

fn assert_edge(chart: &str, from: &str, arrow: &str, label: &str, to: &str) {
    let (f, t) = (id(chart, from), id(chart, to));
    let line = if label.is_empty() {
        format!("  {f} {arrow} {t}")
    } else {
        format!("  {f} {arrow}|\"{label}\"| {t}")
    };
    assert!(
        chart.lines().any(|l| l == line),
        "no edge {from} {arrow} {to} ({label}), i.e. {line:?}, in:\n{chart}"
    );
}

#[cfg(feature = "e2e")]
#[test]
fn eks_is_reached_from_the_internet_through_the_alb_and_reaches_dns_idps_and_upstreams() {
    let c = chart(&root().join("overlays/eks"));
    assert!(c.starts_with("flowchart LR\n"), "{c}");
    let sts = "StatefulSet maverics/maverics";
    assert_edge(
        &c,
        "Internet",
        "-->",
        "sso.example.com",
        "ALB (Ingress maverics/maverics)",
    );
    assert_edge(&c, "ALB (Ingress maverics/maverics)", "-->", "Service maverics", sts);
    assert_edge(&c, "from 10.0.0.0/24, 10.0.1.0/24", "-->", "8080/TCP", sts);
    assert_edge(
        &c,
        sts,
        "-->",
        "53/UDP, 53/TCP",
        "DNS: pods k8s-app=kube-dns in namespace kube-system",
    );
    assert_edge(&c, sts, "-->", "443/TCP", "IdPs, upstreams, OTLP: any address");
    assert_edge(&c, sts, "-->", "8080/TCP", "in-cluster upstreams: namespace apps");
    // Its NetworkPolicy restricts both directions: nothing is drawn as open.
    assert!(
        !c.contains("no ingress policy") && !c.contains("no egress policy"),
        "{c}"
    );
}

#[cfg(feature = "e2e")]
#[test]
fn rosa_is_reached_through_the_openshift_router() {
    let c = chart(&root().join("overlays/rosa"));
    assert_edge(
        &c,
        "Internet",
        "-->",
        "sso.apps.example.com, TLS edge",
        "OpenShift router (Route maverics/maverics)",
    );
    assert!(!c.contains("ALB"), "{c}");
}

#[cfg(feature = "e2e")]
#[test]
fn gke_is_reached_from_the_internet_through_the_google_load_balancer_ranges() {
    let c = chart(&root().join("overlays/gke"));
    let sts = "StatefulSet maverics/maverics";
    assert_edge(
        &c,
        "Internet",
        "-->",
        "sso.example.com",
        "GKE external Application Load Balancer (Ingress maverics/maverics)",
    );
    assert_edge(&c, "from 35.191.0.0/16, 130.211.0.0/22", "-->", "8080/TCP", sts);
}

/// AKS's Application Gateway for Containers of class `azure-alb-external` is public: drawn
/// from the Internet like the other external classes, not as clients of a controller.
#[cfg(feature = "e2e")]
#[test]
fn aks_is_reached_from_the_internet_through_application_gateway_for_containers() {
    let c = chart(&root().join("overlays/aks"));
    assert_edge(
        &c,
        "Internet",
        "-->",
        "sso.example.com",
        "Application Gateway for Containers (Ingress maverics/maverics)",
    );
    assert!(!c.contains("reach set by the controller"), "{c}");
}

#[cfg(feature = "e2e")]
#[test]
fn a_rendered_file_and_stdin_are_inputs_too() {
    let tmp = tempfile::tempdir().unwrap();
    let golden = common::golden_file("kustomize/eks.yaml", tmp.path());
    let from_file = chart(&golden);
    assert_eq!(
        from_file,
        chart(&root().join("overlays/eks")),
        "a render and its overlay agree"
    );
    let mut cmd = Command::new(bin());
    cmd.args(["graph", "-"]);
    let o = run_with_stdin(&mut cmd, &std::fs::read(&golden).unwrap());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), from_file);
}

#[cfg(feature = "e2e")]
#[test]
fn bad_input_exits_2_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.yaml");
    std::fs::write(&bad, "kind: [unclosed\n").unwrap();
    let o = graph(&bad);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty(), "no partial output: {}", stdout(&o));
    assert!(stderr(&o).contains("bad.yaml"), "{}", stderr(&o));
    let o = graph(&tmp.path().join("missing"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no such file"), "{}", stderr(&o));
}

/// Objects whose names, hosts and annotations try to break out of a Mermaid label and out of
/// the Markdown around it.
const HOSTILE: &str = r#"apiVersion: apps/v1
kind: StatefulSet
metadata: {name: "x\"]; click n0 call alert(1) %% <!-- `", namespace: "ns#1;<b>"}
spec: {template: {metadata: {labels: {app: m}}}}
---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: "ns#1;<b>"}
spec: {type: LoadBalancer, selector: {app: m}, ports: [{port: 443}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: "i|n\ng]]", namespace: "ns#1;<b>"}
spec:
  ingressClassName: "nginx\"-->x"
  rules: [{host: "a.example.com\n```\n# heading", http: {paths: [{backend: {service: {name: svc}}}]}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: p
  namespace: "ns#1;<b>"
  annotations: {krm.maverics.dev/why-egress-0: "Redis \"}}; end"}
spec:
  podSelector: {matchLabels: {app: m}}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: "10.0.0.0/8\"|"}}], ports: [{port: "re|dis", protocol: "TCP`"}]}]
"#;

#[test]
fn hostile_names_stay_inside_their_labels() {
    let mut cmd = Command::new(bin());
    cmd.args(["graph", "-"]);
    let o = run_with_stdin(&mut cmd, HOSTILE.as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    let c = stdout(&o);
    // One statement per line: a header, 7 nodes, 6 edges; no label spilled onto a line.
    assert_eq!(c.lines().count(), 14, "{c}");
    for bad in ["<", "`", "%%", ";", "click"] {
        let spilled = c.lines().any(|l| {
            let outside: String = l.split('"').step_by(2).collect();
            outside.contains(bad)
        });
        assert!(!spilled, "{bad:?} outside a label:\n{c}");
    }
    assert!(!c.contains('<') && !c.contains('`'), "{c}");
}

// ---- the real mermaid in a real browser ----------------------------------------------------

const INSTALL: &str = "run `scripts/install-tools --browser` (Debian's chromium and mermaid from npm into .tools/)";

fn chromium() -> PathBuf {
    let found = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join("chromium"))
        .find(|p| p.is_file());
    found.unwrap_or_else(|| panic!("chromium is missing: {INSTALL}"))
}

fn mermaid_js() -> PathBuf {
    let p = root().join(".tools/mermaid/node_modules/mermaid/dist/mermaid.min.js");
    assert!(p.is_file(), "mermaid is missing ({}): {INSTALL}", p.display());
    p
}

/// Parses and renders every chart with `mermaid.parse` and `mermaid.render` in headless
/// Chromium; one result per chart: `ok` or the error mermaid gave.
fn render_in_browser(charts: &[String]) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    // `<` is only ever inside JSON strings: as \u003c no chart can end the script element.
    let data = serde_json::to_string(charts).unwrap().replace('<', "\\u003c");
    let page = format!(
        r#"<!doctype html><html><body><pre id="out">pending</pre>
<script src="file://{}"></script>
<script id="charts" type="application/json">{data}</script>
<script>
(async () => {{
  const charts = JSON.parse(document.getElementById('charts').textContent);
  mermaid.initialize({{startOnLoad: false, securityLevel: 'strict'}});
  const results = [];
  for (let i = 0; i < charts.length; i++) {{
    try {{
      await mermaid.parse(charts[i]);
      const {{svg}} = await mermaid.render('chart' + i, charts[i]);
      results.push(svg.includes('<svg') ? 'ok' : 'rendered no svg');
    }} catch (e) {{
      results.push('error: ' + ((e && e.message) || String(e)));
    }}
  }}
  document.getElementById('out').textContent = JSON.stringify(results);
}})();
</script></body></html>
"#,
        mermaid_js().display()
    );
    let html = tmp.path().join("page.html");
    std::fs::write(&html, page).unwrap();
    let o = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=120000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", tmp.path().join("profile").display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium");
    let dom = stdout(&o);
    let json = dom
        .split_once("<pre id=\"out\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(text, _)| text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
        .unwrap_or_else(|| panic!("chromium gave no result ({}):\n{dom}\n{}", o.status, stderr(&o)));
    let results: Vec<String> =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("the page did not finish ({e}): {json}"));
    assert_eq!(results.len(), charts.len(), "{results:?}");
    results
}

/// The Mermaid block of a Markdown diff.
fn mermaid_block(markdown: &str) -> String {
    markdown
        .split_once("```mermaid\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(chart, _)| chart.to_owned())
        .unwrap_or_else(|| panic!("no mermaid block in:\n{markdown}"))
}

fn yaml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[cfg(feature = "e2e")]
#[test]
fn every_picture_parses_and_renders_with_the_real_mermaid() {
    let mut named: Vec<(String, String)> = Vec::new();
    for overlay in [
        "overlays/dev",
        "overlays/eks",
        "overlays/rosa",
        "overlays/aks",
        "overlays/gke",
    ] {
        named.push((overlay.to_owned(), chart(&root().join(overlay))));
    }
    let tmp = tempfile::tempdir().unwrap();
    for file in yaml_files("tests/golden/render")
        .into_iter()
        .chain(common::golden_files("kustomize", tmp.path()))
    {
        named.push((file.display().to_string(), chart(&file)));
    }
    let o = Command::new(bin())
        .args(["diff", "--format", "markdown", "overlays/eks", "overlays/rosa"])
        .current_dir(root())
        .env("KUSTOMIZE", tool("kustomize-5.8.1"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let diff = mermaid_block(&stdout(&o));
    assert!(
        diff.contains("==>") && diff.contains("-.->"),
        "EKS to ROSA adds and removes reach:\n{diff}"
    );
    named.push(("diff EKS against ROSA".to_owned(), diff));
    let mut cmd = Command::new(bin());
    cmd.args(["graph", "-"]);
    named.push((
        "hostile names".to_owned(),
        stdout(&run_with_stdin(&mut cmd, HOSTILE.as_bytes())),
    ));
    // The control: text mermaid rejects must come back as an error, or the check proves nothing.
    named.push(("control".to_owned(), "flowchart LR\n  a[\"x\" --> b\n".to_owned()));

    let charts: Vec<String> = named.iter().map(|(_, c)| c.clone()).collect();
    let results = render_in_browser(&charts);
    let (control, results) = results.split_last().unwrap();
    assert!(
        control.starts_with("error: "),
        "the broken control chart passed: {control}"
    );
    let failed: Vec<String> = named
        .iter()
        .zip(results)
        .filter(|(_, r)| *r != "ok")
        .map(|((name, chart), r)| format!("{name}: {r}\n{chart}"))
        .collect();
    assert!(failed.is_empty(), "mermaid rejected:\n{}", failed.join("\n"));
    assert_eq!(
        results.len(),
        5 + 18 + 2,
        "every overlay, golden, the diff and the hostile case"
    );
}

#[test]
fn graph_help_shows_an_example_and_the_man_page_lists_it() {
    let o = Command::new(bin()).args(["graph", "--help"]).output().unwrap();
    assert!(o.status.success());
    assert!(stdout(&o).contains("maverics-krm graph overlays/eks"), "{}", stdout(&o));
    let o = Command::new(bin()).arg("man").output().unwrap();
    assert!(stdout(&o).contains("graph"), "the man page lists graph");
}
