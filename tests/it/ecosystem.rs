//! The ecosystem around the binary: shipped JSON Schemas, editor modelines, `explain`,
//! `init`, and the `FILE:LINE:COL` form of YAML syntax errors.

use crate::common;

use common::{bin, root, stderr, stdout};
use maverics_krm::schema::{KINDS, kind};
use std::path::{Path, PathBuf};
use std::process::Command;

fn yaml_as_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: serde_yaml::Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::to_value(v).expect("YAML config as JSON")
}

fn validator(file: &str) -> jsonschema::Validator {
    let path = root().join("schemas").join(format!("{file}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{file}.json is not a valid schema: {e}"))
}

fn errors(v: &jsonschema::Validator, instance: &serde_json::Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn shipped_schemas_equal_the_generated_ones() {
    for k in &KINDS {
        let path = root().join("schemas").join(format!("{}.json", k.file));
        let generated = k.text();
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(path.parent().expect("schemas dir")).expect("create schemas/");
            std::fs::write(&path, &generated).expect("write schema");
            continue;
        }
        let shipped = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            shipped == generated,
            "{} differs from `maverics-krm schema {}`: run `UPDATE_GOLDEN=1 cargo test --test it ecosystem::`",
            path.display(),
            k.name
        );
    }
}

#[test]
fn every_field_of_every_kind_has_a_description() {
    // Descriptions come from the doc comments; a field added without one would show
    // "(no description)" in `explain` and nothing in an editor.
    for k in &KINDS {
        let schema = k.schema();
        let mut objects = vec![("(root)".to_owned(), &schema)];
        if let Some(defs) = schema.get("$defs").and_then(|d| d.as_object()) {
            objects.extend(defs.iter().map(|(n, d)| (n.clone(), d)));
        }
        for (name, object) in objects {
            for (field, node) in object
                .get("properties")
                .and_then(|p| p.as_object())
                .into_iter()
                .flatten()
            {
                assert!(
                    node.get("description").is_some(),
                    "{}: {name}.{field} has no description: add a `///` doc comment",
                    k.name
                );
            }
        }
    }
}

/// The example config files and the schema each must validate against.
fn examples() -> Vec<(PathBuf, &'static str)> {
    let mut out = vec![
        (root().join("bases/orchestrator/orchestrator.yaml"), "orchestrator"),
        (root().join("overlays/dev/check.yaml"), "orchestratorcheck"),
    ];
    for e in std::fs::read_dir(root().join("overlays")).expect("overlays/").flatten() {
        let p = e.path().join("platform.yaml");
        if p.is_file() {
            out.push((p, "orchestratorplatform"));
        }
    }
    assert!(out.len() >= 4, "expected the eks and rosa platform configs: {out:?}");
    out
}

#[test]
fn example_configs_validate_against_the_shipped_schemas() {
    for (path, file) in examples() {
        let errs = errors(&validator(file), &yaml_as_json(&path));
        assert!(errs.is_empty(), "{}: {errs:#?}", path.display());
    }
}

#[test]
fn a_misspelled_field_or_wrong_kind_fails_schema_validation() {
    let v = validator("orchestrator");
    let mut config = yaml_as_json(&root().join("bases/orchestrator/orchestrator.yaml"));
    config["spec"]["autoscaling"]["minReplica"] = serde_json::json!(3);
    let errs = errors(&v, &config);
    assert!(
        errs.iter()
            .any(|e| e.contains("/spec/autoscaling") && e.contains("minReplica")),
        "{errs:#?}"
    );
    // An enum value outside the set, and a platform config checked as an Orchestrator.
    let mut bad = yaml_as_json(&root().join("bases/orchestrator/orchestrator.yaml"));
    bad["spec"]["image"]["pullPolicy"] = serde_json::json!("Sometimes");
    assert!(!errors(&v, &bad).is_empty(), "pullPolicy: Sometimes validated");
    let platform = yaml_as_json(&root().join("overlays/eks/platform.yaml"));
    assert!(
        !errors(&v, &platform).is_empty(),
        "an OrchestratorPlatform validated as Orchestrator"
    );
    let mut p = platform.clone();
    p["spec"]["eks"]["ingress"]["scheme"] = serde_json::json!("public");
    assert!(
        !errors(&validator("orchestratorplatform"), &p).is_empty(),
        "scheme: public validated"
    );
}

#[test]
fn every_example_config_names_its_schema_in_a_modeline() {
    for (path, file) in examples() {
        let text = std::fs::read_to_string(&path).expect("read config");
        let first = text.lines().next().unwrap_or_default();
        let target = first
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| {
                panic!(
                    "{}: the first line is not a yaml-language-server modeline: {first}",
                    path.display()
                )
            });
        let schema = path.parent().expect("config dir").join(target);
        assert!(
            schema.is_file(),
            "{}: the modeline points at a missing {}",
            path.display(),
            schema.display()
        );
        assert!(
            target.ends_with(&format!("/{file}.json")),
            "{}: the modeline names {target}, not the {file} schema",
            path.display()
        );
        let kind_of_file = yaml_as_json(&path)["kind"].as_str().unwrap_or_default().to_owned();
        assert_eq!(kind(&kind_of_file).map(|k| k.file), Some(file), "{}", path.display());
    }
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(bin()).args(args).output().expect("run the binary")
}

#[test]
fn schema_command_prints_the_shipped_schema() {
    let out = run(&["schema", "orchestratorplatform"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let printed: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON on stdout");
    assert_eq!(
        printed,
        kind("OrchestratorPlatform").map(|k| k.schema()).unwrap_or_default()
    );
    let out = run(&["schema", "Orchestrater"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `Orchestrator`?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn explain_prints_a_field_and_exits_2_with_a_suggestion_for_an_unknown_one() {
    let out = run(&["explain", "orchestrator.spec.autoscaling.minReplicas"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("<integer>") && text.contains("DEFAULT:  2"), "{text}");
    let out = run(&["explain", "spec.autoscaling"]);
    assert!(
        stdout(&out).contains("FIELDS:\n  enabled\t<boolean>"),
        "{}",
        stdout(&out)
    );
    let out = run(&["explain", "spec.ingres.hosts"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("fix: did you mean `orchestrator.spec.ingress`?"),
        "{}",
        stderr(&out)
    );
}

/// The orchestrator's own config is open: the fields the tool reads are explained, the rest
/// passes through (it is not "not a field").
#[test]
fn explain_of_the_orchestrator_config_fields() {
    let out = run(&["explain", "spec.config.oidcProvider"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("FIELD:    spec.config.oidcProvider <object>"), "{text}");
    assert!(
        text.contains("Read by this tool: Present: the orchestrator is an OIDC provider"),
        "{text}"
    );
    assert!(text.contains("  oidcProvider.cache\t<string>"), "{text}");
    let out = run(&["explain", "spec.config.session.cookie.name"]);
    assert!(stdout(&out).contains("Sticky sessions follow it"), "{}", stdout(&out));
    let out = run(&["explain", "spec.config.connectors[].oauthClientID"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Passed through to the orchestrator unchecked"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn yaml_syntax_errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("orchestrator.yaml");
    std::fs::write(
        &cfg,
        "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata:\n  name: m\n\tspec: {}\n",
    )
    .expect("write config");
    let out = Command::new(bin()).arg("render").arg(&cfg).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!("error: {}:5:1: YAML syntax error: ", cfg.display())),
        "{err}"
    );
    assert!(!err.contains("at line 5 column 1"), "the location is said twice: {err}");
    assert!(err.contains("\n  fix: "), "{err}");

    let out = Command::new(bin())
        .args(["eject", "eks", "--out"])
        .arg(dir.path().join("out"))
        .arg("--config")
        .arg(&cfg)
        .output()
        .expect("run");
    assert!(
        stderr(&out).contains(&format!("error: {}:5:1: ", cfg.display())),
        "{}",
        stderr(&out)
    );
}

#[test]
fn init_refuses_a_non_empty_directory_without_force() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("keep.txt"), "mine").expect("write");
    let out = Command::new(bin())
        .arg("init")
        .arg(dir.path())
        .args(["--platform", "eks"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert!(!dir.path().join("bases").exists(), "wrote into a non-empty directory");
    let out = Command::new(bin())
        .arg("init")
        .arg(dir.path())
        .args(["--platform", "eks", "--force"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("keep.txt")).ok().as_deref(),
        Some("mine")
    );
}

#[cfg(feature = "e2e")]
#[test]
fn init_scaffolds_a_repository_that_kustomize_builds() {
    let kustomize = common::tool("kustomize-5.8.1");
    for (platform, exposure) in [("eks", "kind: Ingress"), ("rosa", "kind: Route")] {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = dir.path().join("repo");
        let out = Command::new(bin())
            .arg("init")
            .arg(&repo)
            .args(["--platform", platform])
            .output()
            .expect("run init");
        assert!(out.status.success(), "{}", stderr(&out));
        for f in [
            "README.md",
            ".github/workflows/render.yaml",
            "schemas/orchestrator.json",
            &format!("overlays/{platform}/kustomizeconfig.yaml"),
        ] {
            assert!(repo.join(f).is_file(), "{platform}: init did not write {f}");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(repo.join("plugins/maverics-krm"))
                .expect("shim")
                .permissions()
                .mode();
            assert!(mode & 0o111 != 0, "the shim is not executable");
        }
        let ci = std::fs::read_to_string(repo.join(".github/workflows/render.yaml")).expect("CI");
        let parsed: serde_yaml::Value = serde_yaml::from_str(&ci).expect("the CI workflow is YAML");
        assert!(parsed.get("jobs").is_some());
        // Every overlay, so a platform added later needs no edit (tests/scaffold.rs runs it).
        for cmd in [
            "for overlay in overlays/*/",
            "maverics-krm build \"overlays/$name\"",
            "maverics-krm check",
            "diff --base",
        ] {
            assert!(ci.contains(cmd), "the workflow does not run `{cmd}`");
        }
        let built = common::kustomize_build(&kustomize, &repo.join("overlays").join(platform));
        assert!(built.contains("kind: StatefulSet"), "{platform}: no StatefulSet");
        assert!(built.contains(exposure), "{platform}: no {exposure}");
        // The scaffold's modelines resolve inside the new repository.
        let base = repo.join("bases/orchestrator");
        assert!(base.join("../../schemas/orchestrator.json").is_file());
    }
}
