//! The command line. With no subcommand the binary is a KRM function (what kustomize and kpt
//! run); the subcommands render, and build with the guard rails a host forgets.

use crate::config::{FunctionConfig, Orchestrator};
use crate::diag::{Diagnostic, FileRef};
use crate::function::{self, Outcome};
use crate::krm::ResourceList;
use crate::resources;
use clap::{CommandFactory, Parser, Subcommand};
use serde_yaml::Value;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The default base config, so `render` works with nothing but the binary.
pub const DEFAULT_CONFIG: &str = include_str!("../bases/orchestrator/orchestrator.yaml");
const DEFAULT_CONFIG_NAME: &str = "bases/orchestrator/orchestrator.yaml (embedded)";

#[derive(Parser)]
#[command(
    name = "maverics-krm",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("MAVERICS_KRM_GIT_REV"), ")"),
    about = "KRM function and kustomize exec plugin for the Strata Maverics Orchestrator",
    long_about = "KRM function and kustomize exec plugin for the Strata Maverics Orchestrator.\n\n\
With no subcommand it reads a ResourceList on stdin and writes one on stdout: this is how \
kustomize (`kustomize build --enable-alpha-plugins --enable-exec DIR`) and kpt \
(`kpt fn eval --exec`, `kpt fn render --allow-exec`) run it.",
    after_help = "Examples:\n  maverics-krm render                              # the default base, no kustomize needed\n  maverics-krm render bases/orchestrator/orchestrator.yaml\n  maverics-krm build overlays/dev                  # kustomize build with the right flags, checked\n  maverics-krm diff --base origin/main             # what a PR changes in the rendered overlays\n  maverics-krm import-helm-values values.yaml      # from Strata's Helm chart\n  kustomize build --enable-alpha-plugins --enable-exec overlays/dev"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Print the manifests an Orchestrator config generates, without kustomize.
    #[command(after_help = "Example:\n  maverics-krm render bases/orchestrator/orchestrator.yaml > base.yaml")]
    Render {
        /// The Orchestrator config file; `-` reads stdin. Default: the embedded base config.
        config: Option<PathBuf>,
    },
    /// Run `kustomize build` with the flags exec functions need, and fail if the function did
    /// not run (kustomize skips exec functions silently without `--enable-exec`).
    #[command(after_help = "Example:\n  maverics-krm build overlays/eks > eks.yaml")]
    Build {
        /// The kustomization directory.
        dir: PathBuf,
        /// The kustomize binary. Default: $KUSTOMIZE, then `.tools/bin/kustomize` of the
        /// checkout this binary was built in, then `kustomize` on PATH.
        #[arg(long)]
        kustomize: Option<PathBuf>,
    },
    /// Print a shell completion script.
    #[command(after_help = "Example:\n  maverics-krm completions bash > /etc/bash_completion.d/maverics-krm")]
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff), generated from the same definitions as --help.
    #[command(after_help = "Example:\n  maverics-krm man > /usr/local/share/man/man1/maverics-krm.1")]
    Man,
    /// Semantic diff of rendered manifests: two renders, or the overlays at a git revision
    /// against the working tree. Exit 0: no change, 1: changes, 2: error.
    #[command(
        after_help = "Examples:\n  maverics-krm diff old.yaml overlays/dev            # a render against a kustomization\n  maverics-krm diff --base origin/main               # every overlay, PR base vs working tree\n  maverics-krm diff --base origin/main --format markdown overlays/dev > comment.md"
    )]
    Diff(crate::diff::DiffArgs),
    /// A Mermaid flowchart of reach: the internet or VPC through load balancers, routers and
    /// gateways to the orchestrator, and the orchestrator to DNS, IdPs, Redis and upstreams.
    #[command(after_help = "Example:\n  maverics-krm graph overlays/eks > reach.mmd")]
    Graph(crate::graph::GraphArgs),
    /// Write an overlay's platform layer as a plain kustomize overlay (patch files, resource
    /// files, `$patch: delete`) that needs no exec function for that layer.
    #[command(
        after_help = "Example:\n  maverics-krm eject eks --config overlays/eks/platform.yaml --out deploy/eks\n  kustomize build --enable-alpha-plugins --enable-exec deploy/eks"
    )]
    Eject {
        /// The platform: `eks` or `rosa`; must match the config's `spec.platform`.
        platform: String,
        /// The OrchestratorPlatform config, inside the overlay that lists it under `transformers:`.
        #[arg(long)]
        config: PathBuf,
        /// The directory to write; it must not exist or be empty.
        #[arg(long)]
        out: PathBuf,
        /// The kustomize binary that builds the overlay's resources (as for `build`).
        #[arg(long)]
        kustomize: Option<PathBuf>,
    },
    /// Check rendered manifests (from this tool or any other): Pod Security Standards
    /// restricted, inline secrets, sticky sessions for a scaled orchestrator, shared cache for
    /// an OIDC provider, replica bounds, budgets, quantities, images, namespaces.
    /// Exit 0: no errors (warnings may be printed); 1: errors found; 2: usage or input error.
    #[command(
        after_help = "Examples:\n  maverics-krm build overlays/dev | maverics-krm check -\n  maverics-krm check build/            # every .yaml/.yml/.json below\n  maverics-krm check --format krm build/dev.yaml"
    )]
    Check {
        /// A file, a directory, or `-` for stdin (the default).
        path: Option<PathBuf>,
        /// `text`: readable lines on stderr; `krm`: a ResourceList with the results on stdout.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Convert a values file of Strata's Helm chart (orchestrator 1.0.5) into an Orchestrator
    /// config. The report (stderr) lists what was mapped, changed on purpose, refused and not
    /// mapped. Exit 0: everything has a home, 1: something was refused or not mapped, 2: error.
    #[command(
        name = "import-helm-values",
        after_help = "Examples:\n  maverics-krm import-helm-values values.yaml --release sso --namespace maverics > orchestrator.yaml\n  maverics-krm import-helm-values values.yaml --namespace maverics --out deploy   # bases/orchestrator + overlays/<platform>"
    )]
    ImportHelmValues {
        /// The chart values file; `-` reads stdin.
        values: PathBuf,
        /// The Helm release name; with the chart's naming rules it gives metadata.name.
        #[arg(long, default_value = "orchestrator")]
        release: String,
        /// The release's namespace, written to spec.namespace.
        #[arg(long)]
        namespace: Option<String>,
        /// Write bases/orchestrator (and overlays/<platform> when the values point at one)
        /// under this directory instead of printing the config.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the report as JSON on stderr.
        #[arg(long)]
        json: bool,
    },
    /// Print the JSON Schema of a function config kind, generated from the types that read
    /// it. Without KIND, an object of all three keyed by kind; with --out, one file each.
    #[command(
        after_help = "Examples:\n  maverics-krm schema Orchestrator > orchestrator.json\n  maverics-krm schema --out schemas     # schemas/orchestrator.json, ..."
    )]
    Schema {
        /// `Orchestrator`, `OrchestratorPlatform` or `OrchestratorCheck` (any case).
        kind: Option<String>,
        /// Write `<kind>.json` for every kind into this directory instead.
        #[arg(long, conflicts_with = "kind")]
        out: Option<PathBuf>,
    },
    /// Describe a config field: its type, default, description and child fields, from the
    /// schema (like `kubectl explain`). The kind defaults to Orchestrator.
    #[command(
        after_help = "Examples:\n  maverics-krm explain spec.autoscaling\n  maverics-krm explain orchestrator.spec.autoscaling.minReplicas\n  maverics-krm explain orchestratorplatform.spec.eks.ingress"
    )]
    Explain {
        /// `[KIND.]field.path`, e.g. `spec.ingress.stickySessions`.
        path: String,
    },
    /// Scaffold a repository of your own: the base, one platform overlay, the plugin shim,
    /// the schemas, a README with next steps and a CI workflow.
    #[command(after_help = "Example:\n  maverics-krm init my-orchestrator --platform eks")]
    Init {
        /// The directory to create or fill (default: the current one); it must be empty.
        dir: Option<PathBuf>,
        /// The platform overlay to create.
        #[arg(long, value_parser = ["eks", "rosa"])]
        platform: String,
        /// Write into a non-empty directory, overwriting the scaffold's files there.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Krm,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => function_mode(),
        Some(Cmd::Render { config }) => report(render(config.as_deref())),
        Some(Cmd::Build { dir, kustomize }) => report(build(&dir, kustomize.as_deref())),
        Some(Cmd::Completions { shell }) => {
            clap_complete::generate(shell, &mut Cli::command(), "maverics-krm", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Some(Cmd::Man) => match clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => report(Err(CliError::Usage(format!("writing the man page: {e}")))),
        },
        Some(Cmd::Diff(args)) => crate::diff::main(args),
        Some(Cmd::Graph(args)) => crate::graph::main(args),
        Some(Cmd::Eject {
            platform,
            config,
            out,
            kustomize,
        }) => report(eject(&platform, &config, &out, kustomize.as_deref())),
        Some(Cmd::Check { path, format }) => check(path.as_deref(), format),
        Some(Cmd::ImportHelmValues {
            values,
            release,
            namespace,
            out,
            json,
        }) => match import_helm_values(&values, release, namespace, out.as_deref(), json) {
            Ok(code) => code,
            Err(e) => report(Err(e)),
        },
        Some(Cmd::Schema { kind, out }) => report(schema(kind.as_deref(), out.as_deref())),
        Some(Cmd::Explain { path }) => explain(&path),
        Some(Cmd::Init { dir, platform, force }) => {
            let dir = dir.unwrap_or_else(|| PathBuf::from("."));
            match crate::init::init(&dir, &platform, force) {
                Ok(files) => {
                    eprintln!(
                        "wrote {} files into {}; next: {}",
                        files.len(),
                        dir.display(),
                        dir.join("README.md").display()
                    );
                    ExitCode::SUCCESS
                }
                // A refused target is a usage error, like every other bad argument.
                Err(d) => {
                    eprintln!("{d}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

fn schema(kind: Option<&str>, out: Option<&Path>) -> Result<Vec<Diagnostic>, CliError> {
    use crate::schema::{KINDS, kind as find};
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).map_err(|e| CliError::Usage(format!("{}: {e}", dir.display())))?;
        for k in &KINDS {
            let path = dir.join(format!("{}.json", k.file));
            std::fs::write(&path, k.text()).map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
        }
        return Ok(Vec::new());
    }
    let value = match kind {
        Some(name) => match find(name) {
            Some(k) => k.schema(),
            None => {
                let (message, fix) = crate::schema::unknown_kind(name);
                return Err(CliError::Usage(format!("{message}\n  fix: {fix}")));
            }
        },
        None => serde_json::Value::Object(KINDS.iter().map(|k| (k.name.to_owned(), k.schema())).collect()),
    };
    let text = serde_json::to_string_pretty(&value).map_err(|e| CliError::Usage(format!("writing JSON: {e}")))?;
    println!("{text}");
    Ok(Vec::new())
}

/// `explain`: 0 found, 2 not a field (with the nearest one as the fix).
fn explain(path: &str) -> ExitCode {
    match crate::schema::explain(path) {
        crate::schema::Explained::Found(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        crate::schema::Explained::Unknown(message, fix) => {
            eprintln!("error: {message}\n  fix: {fix}");
            ExitCode::from(2)
        }
    }
}

fn read_input(p: &Path) -> Result<String, CliError> {
    if p == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| CliError::Usage(format!("reading stdin: {e}")))?;
        Ok(s)
    } else {
        std::fs::read_to_string(p).map_err(|e| CliError::Usage(format!("{}: {e}", p.display())))
    }
}

fn to_yaml(v: &Value) -> Result<String, CliError> {
    serde_yaml::to_string(v).map_err(|e| CliError::Usage(format!("serialising the config: {e}")))
}

fn write_file(path: &Path, text: &str) -> Result<(), CliError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| CliError::Usage(format!("{}: {e}", dir.display())))?;
    }
    std::fs::write(path, text).map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))
}

/// A kustomization as a YAML value: `key` lists `items`.
fn kustomization(entries: &[(&str, &str)]) -> Value {
    let mut m = serde_yaml::Mapping::new();
    m.insert("apiVersion".into(), "kustomize.config.k8s.io/v1beta1".into());
    m.insert("kind".into(), "Kustomization".into());
    for (key, item) in entries {
        m.insert((*key).into(), Value::Sequence(vec![(*item).into()]));
    }
    Value::Mapping(m)
}

fn import_helm_values(
    values: &Path,
    release: String,
    namespace: Option<String>,
    out: Option<&Path>,
    json: bool,
) -> Result<ExitCode, CliError> {
    let text = read_input(values)?;
    let parsed: Value = serde_yaml::from_str(&text).map_err(|e| {
        CliError::Findings(vec![
            Diagnostic::error(format!("not a valid YAML document: {e}"))
                .file(Some(FileRef {
                    path: values.display().to_string(),
                    index: 0,
                }))
                .fix("fix the YAML syntax at that line and column"),
        ])
    })?;
    let parsed = if parsed.is_null() {
        Value::Mapping(serde_yaml::Mapping::new())
    } else {
        parsed
    };
    if !parsed.is_mapping() {
        return Err(CliError::Usage(format!(
            "{}: a values file is a YAML mapping",
            values.display()
        )));
    }
    let import = crate::helm::import(parsed, &crate::helm::Options { release, namespace });
    let config = to_yaml(&import.config)?;
    match out {
        None => print!("{config}"),
        Some(dir) => {
            let base = dir.join("bases/orchestrator");
            write_file(&base.join("orchestrator.yaml"), &config)?;
            write_file(
                &base.join("kustomization.yaml"),
                &to_yaml(&kustomization(&[("generators", "orchestrator.yaml")]))?,
            )?;
            if let (Some(p), Some(platform)) = (&import.report.platform, &import.platform) {
                let overlay = dir.join("overlays").join(p);
                write_file(&overlay.join("platform.yaml"), &to_yaml(platform)?)?;
                write_file(
                    &overlay.join("kustomization.yaml"),
                    &to_yaml(&kustomization(&[
                        ("resources", "../../bases/orchestrator"),
                        ("transformers", "platform.yaml"),
                    ]))?,
                )?;
            }
            eprintln!(
                "wrote {} (the function configs run {}/plugins/maverics-krm: copy or link the binary there)",
                dir.display(),
                dir.display()
            );
        }
    }
    if json {
        let text = serde_json::to_string_pretty(&import.report)
            .map_err(|e| CliError::Usage(format!("serialising the report: {e}")))?;
        eprintln!("{text}");
    } else {
        eprint!("{}", import.report);
    }
    Ok(ExitCode::from(u8::from(!import.report.complete())))
}

/// KRM function mode. A panic (a bug) still yields a valid ResourceList and exit 1, never
/// empty output, which kustomize and kpt would take as "delete everything".
fn function_mode() -> ExitCode {
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!(
            "maverics-krm: expected a ResourceList on stdin (this is how kustomize and kpt run it).\n\
             To see the manifests, run `maverics-krm render`; for help, `maverics-krm --help`."
        );
        return ExitCode::from(2);
    }
    let mut input = Vec::new();
    let outcome = match stdin
        .by_ref()
        .take(crate::krm::resource_list::MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut input)
    {
        Err(e) => Outcome {
            list: ResourceList::empty(),
            diagnostics: vec![Diagnostic::error(format!("could not read stdin: {e}"))],
        },
        Ok(_) => std::panic::catch_unwind(|| function::run(&input)).unwrap_or_else(|_| Outcome {
            list: ResourceList::empty(),
            diagnostics: vec![
                Diagnostic::error("internal error: maverics-krm panicked; this is a bug")
                    .fix("report it with the input that caused it"),
            ],
        }),
    };
    for d in &outcome.diagnostics {
        eprintln!("{d}");
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(outcome.to_yaml().as_bytes())
        .and_then(|()| stdout.flush())
    {
        eprintln!("error: could not write stdout: {e}");
        return ExitCode::from(1);
    }
    ExitCode::from(outcome.exit_code())
}

/// Prints diagnostics and turns them into the exit code: 1 for findings in the input, 2 for
/// usage or environment errors.
fn report(result: Result<Vec<Diagnostic>, CliError>) -> ExitCode {
    match result {
        Ok(diags) => {
            for d in &diags {
                eprintln!("{d}");
            }
            ExitCode::from(u8::from(crate::diag::has_errors(&diags)))
        }
        Err(CliError::Findings(diags)) => {
            for d in &diags {
                eprintln!("{d}");
            }
            ExitCode::from(1)
        }
        Err(CliError::Usage(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

enum CliError {
    Findings(Vec<Diagnostic>),
    Usage(String),
}

/// Reads an Orchestrator config file and renders its base as a multi-document stream.
fn render(config: Option<&Path>) -> Result<Vec<Diagnostic>, CliError> {
    let (name, text) = match config {
        None => (DEFAULT_CONFIG_NAME.to_owned(), DEFAULT_CONFIG.to_owned()),
        Some(p) if p == Path::new("-") => ("<stdin>".to_owned(), read_input(p)?),
        Some(p) => (p.display().to_string(), read_input(p)?),
    };
    let (text, diags) = render_text(&name, &text).map_err(CliError::Findings)?;
    print!("{text}");
    Ok(diags)
}

/// The manifests for one config file's text: `---`-separated documents, no host annotations.
pub fn render_text(name: &str, text: &str) -> Result<(String, Vec<Diagnostic>), Vec<Diagnostic>> {
    let file = Some(FileRef {
        path: name.to_owned(),
        index: 0,
    });
    let value: Value = serde_yaml::from_str(text).map_err(|e| vec![crate::diag::yaml_syntax(name, &e)])?;
    let o: Orchestrator = match FunctionConfig::from_value(&value, file.clone())? {
        FunctionConfig::Orchestrator(o) => *o,
        FunctionConfig::Platform(_) => {
            return Err(vec![
                Diagnostic::error("`render` takes an Orchestrator config; an OrchestratorPlatform is a transformer")
                    .file(file)
                    .fix("build the overlay that lists it under `transformers:` (`maverics-krm build overlays/eks`), or eject it (`maverics-krm eject eks --config FILE --out DIR`)"),
            ]);
        }
        FunctionConfig::Check(_) => {
            return Err(vec![
                Diagnostic::error("an OrchestratorCheck config generates nothing")
                    .file(file)
                    .fix("render an `Orchestrator` config; run checks with `maverics-krm check FILE`"),
            ]);
        }
    };
    let diags = crate::config::checks::check(&o);
    if crate::diag::has_errors(&diags) {
        return Err(diags);
    }
    let docs: Vec<String> = resources::generate(&o)
        .iter()
        .map(|g| serde_yaml::to_string(&g.object).unwrap_or_default())
        .collect();
    let out = docs.join("---\n");
    Ok((out, diags))
}

fn eject(platform: &str, config: &Path, out: &Path, kustomize: Option<&Path>) -> Result<Vec<Diagnostic>, CliError> {
    let me = std::env::current_exe().map_err(|e| CliError::Usage(format!("cannot locate this binary: {e}")))?;
    let diags = crate::platform::eject::eject(platform, config, out, &crate::kustomize::find(kustomize), &me)
        .map_err(CliError::Findings)?;
    eprintln!("wrote {}", out.display());
    Ok(diags)
}

/// `kustomize build --enable-alpha-plugins --enable-exec DIR`, with this binary as the
/// plugin, and a check that the output holds the orchestrator: the guard against a build
/// that skipped the function and would ship an empty deployment.
fn build(dir: &Path, kustomize: Option<&Path>) -> Result<Vec<Diagnostic>, CliError> {
    let bin = crate::kustomize::find(kustomize);
    let me = std::env::current_exe().map_err(|e| CliError::Usage(format!("cannot locate this binary: {e}")))?;
    let built = crate::kustomize::build(&bin, dir, &me).map_err(|d| CliError::Findings(vec![d]))?;
    std::io::stderr().write_all(&built.stderr).ok();
    let text = built.stdout;
    if !text.lines().any(|l| l == "kind: StatefulSet") {
        return Err(CliError::Findings(vec![
            Diagnostic::error(format!(
                "the build of {} holds no orchestrator StatefulSet: the function did not run",
                dir.display()
            ))
            .fix(
                "declare the Orchestrator config under `generators:` with the exec annotation (see bases/orchestrator)",
            ),
        ]));
    }
    print!("{text}");
    Ok(Vec::new())
}

/// Reads rendered output from a file, a directory or stdin; input errors exit 2.
fn read_stream(path: Option<&Path>) -> Result<Vec<Value>, String> {
    let read_limited = |r: &mut dyn Read, name: &str| -> Result<String, String> {
        let mut buf = Vec::new();
        r.take(crate::check::input::MAX_BYTES as u64 + 1)
            .read_to_end(&mut buf)
            .map_err(|e| format!("{name}: {e}"))?;
        if buf.len() > crate::check::input::MAX_BYTES {
            return Err(format!(
                "{name}: input is above the limit of {} bytes; check the files one by one",
                crate::check::input::MAX_BYTES
            ));
        }
        String::from_utf8(buf).map_err(|e| {
            format!(
                "{name}: not UTF-8 (invalid byte at offset {}); re-encode it as UTF-8",
                e.utf8_error().valid_up_to()
            )
        })
    };
    match path {
        None => {
            read_limited(&mut std::io::stdin(), "<stdin>").and_then(|t| crate::check::input::read_text("<stdin>", &t))
        }
        Some(p) if p == Path::new("-") => {
            read_limited(&mut std::io::stdin(), "<stdin>").and_then(|t| crate::check::input::read_text("<stdin>", &t))
        }
        Some(p) => {
            let mut items = Vec::new();
            for f in crate::check::input::files(p)? {
                let name = f.display().to_string();
                let mut file = std::fs::File::open(&f).map_err(|e| format!("{name}: {e}"))?;
                let text = read_limited(&mut file, &name)?;
                items.extend(crate::check::input::read_text(&name, &text)?);
            }
            Ok(items)
        }
    }
}

/// `maverics-krm check`: 0 no errors, 1 errors, 2 usage or input error.
fn check(path: Option<&Path>, format: Format) -> ExitCode {
    let items = match read_stream(path) {
        Ok(items) => items,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(2);
        }
    };
    let diags = crate::check::check_stream(&items, &crate::check::Settings::default());
    match format {
        Format::Text => {
            for d in &diags {
                eprintln!("{d}");
            }
            let errors = diags.iter().filter(|d| d.is_error()).count();
            eprintln!(
                "{} objects checked: {errors} errors, {} warnings",
                items.len(),
                diags.len() - errors
            );
        }
        Format::Krm => {
            let results: Vec<_> = diags.iter().map(Diagnostic::to_result).collect();
            print!("{}", ResourceList::empty().to_yaml(&results));
        }
    }
    ExitCode::from(u8::from(crate::diag::has_errors(&diags)))
}
