//! The command line. With no subcommand the binary is a KRM function (what kustomize and kpt
//! run); the subcommands render, and build with the guard rails a host forgets.

use crate::config::{FunctionConfig, Orchestrator};
use crate::diag::{Diagnostic, FileRef};
use crate::function::{self, Outcome};
use crate::io::read;
use crate::io::stage::{NonEmpty, Staged};
use crate::io::stdout;
use crate::krm::ResourceList;
use crate::resources;
use clap::builder::PossibleValuesParser;
use clap::{CommandFactory, Parser, Subcommand};
use serde_yaml::Value;
use std::io::{IsTerminal, Write};
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
        /// The kustomize binary. Default: $KUSTOMIZE, then `kustomize` on PATH.
        #[arg(long)]
        kustomize: Option<PathBuf>,
    },
    /// Print a shell completion script.
    #[command(after_help = "Example:\n  maverics-krm completions bash > /etc/bash_completion.d/maverics-krm")]
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff), generated from the same definitions as --help. With --out,
    /// write it and one page per command (the pages its COMMANDS section names).
    #[command(
        after_help = "Examples:\n  maverics-krm man --out /usr/local/share/man/man1   # maverics-krm.1, maverics-krm-render.1, ...\n  maverics-krm man | man -l -"
    )]
    Man {
        /// Write `maverics-krm.1` and `maverics-krm-<command>.1` into this directory.
        #[arg(long)]
        out: Option<PathBuf>,
    },
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
        /// With --out: write into a non-empty directory, overwriting the files of the same
        /// names there.
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// Print the JSON Schema of a function config kind, generated from the types that read
    /// it. Without KIND, an object of all three keyed by kind; with --out, one file each.
    #[command(
        after_help = "Examples:\n  maverics-krm schema Orchestrator > orchestrator.json\n  maverics-krm schema --out schemas     # schemas/orchestrator.json, ...\n  maverics-krm schema --markdown > docs/config.md"
    )]
    Schema {
        /// `Orchestrator`, `OrchestratorPlatform` or `OrchestratorCheck` (any case).
        kind: Option<String>,
        /// Write `<kind>.json` for every kind into this directory instead.
        #[arg(long, conflicts_with = "kind")]
        out: Option<PathBuf>,
        /// Print the field reference of every kind as Markdown instead (`docs/config.md`).
        #[arg(long, conflicts_with_all = ["kind", "out"])]
        markdown: bool,
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
    /// the schemas, READMEs that say where each setting goes, and a CI workflow that renders
    /// every overlay. `--add-platform` adds another platform's overlay to it later.
    #[command(
        after_help = "Examples:\n  maverics-krm init my-orchestrator --platform eks\n  maverics-krm init my-orchestrator --add-platform rosa"
    )]
    Init {
        /// The directory to create or fill (default: the current one); it must be empty, or
        /// hold a scaffold for --add-platform.
        dir: Option<PathBuf>,
        /// The platform overlay to create.
        #[arg(long, value_parser = PossibleValuesParser::new(crate::init::platform_names()), required_unless_present = "add_platform")]
        platform: Option<String>,
        /// Add this platform's overlay to an existing scaffold: writes overlays/PLATFORM and any
        /// missing file, never changes an existing one, refuses a platform already there.
        #[arg(long, value_parser = PossibleValuesParser::new(crate::init::platform_names()), conflicts_with_all = ["platform", "force"])]
        add_platform: Option<String>,
        /// Write into a non-empty directory, overwriting the scaffold's files there (edits
        /// included).
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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_exit(&e),
    };
    match cli.command {
        None => function_mode(),
        Some(Cmd::Render { config }) => report(render(config.as_deref())),
        Some(Cmd::Build { dir, kustomize }) => report(build(&dir, kustomize.as_deref())),
        Some(Cmd::Completions { shell }) => {
            // Generated into memory: clap_complete panics when its writer fails.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "maverics-krm", &mut script);
            stdout::write_then(script, ExitCode::SUCCESS)
        }
        Some(Cmd::Man { out }) => report(man(out.as_deref())),
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
            force,
        }) => match import_helm_values(&values, release, namespace, out.as_deref(), json, force) {
            Ok(code) => code,
            Err(e) => report(Err(e)),
        },
        Some(Cmd::Schema { kind, out, markdown }) => report(schema(kind.as_deref(), out.as_deref(), markdown)),
        Some(Cmd::Explain { path }) => explain(&path),
        Some(Cmd::Init {
            dir,
            platform,
            add_platform,
            force,
        }) => {
            let dir = dir.unwrap_or_else(|| PathBuf::from("."));
            let (platform, mode) = match (add_platform, force) {
                (Some(p), _) => (p, crate::init::Mode::AddPlatform),
                (None, true) => (platform.unwrap_or_default(), crate::init::Mode::Force),
                (None, false) => (platform.unwrap_or_default(), crate::init::Mode::New),
            };
            // What to read next: the overlay's README after --add-platform, else the scaffold's.
            let next = match mode {
                crate::init::Mode::AddPlatform => dir.join("overlays").join(&platform).join("README.md"),
                _ => dir.join("README.md"),
            };
            match crate::init::init(&dir, &platform, mode) {
                Ok(files) => {
                    eprintln!(
                        "wrote {} files into {}; next: {}",
                        files.len(),
                        dir.display(),
                        next.display()
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

/// The man pages. clap's implicit `help` command is left out: it has no page of its own.
fn man(out: Option<&Path>) -> Result<Vec<Diagnostic>, CliError> {
    let cmd = Cli::command().disable_help_subcommand(true);
    match out {
        Some(dir) => std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(cmd, dir))
            .map_err(|e| CliError::Usage(format!("writing the man pages into {}: {e}", dir.display())))?,
        None => {
            // Rendered into memory: a failing writer must reach stdout's one error path.
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut page)
                .map_err(|e| CliError::Usage(format!("writing the man page: {e}")))?;
            stdout::write(page)?;
        }
    }
    Ok(Vec::new())
}

fn schema(kind: Option<&str>, out: Option<&Path>, markdown: bool) -> Result<Vec<Diagnostic>, CliError> {
    use crate::schema::{KINDS, kind as find};
    if markdown {
        stdout::write(crate::schema::markdown::markdown())?;
        return Ok(Vec::new());
    }
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
    stdout::write(text + "\n")?;
    Ok(Vec::new())
}

/// `explain`: 0 found, 2 not a field (with the nearest one as the fix).
fn explain(path: &str) -> ExitCode {
    match crate::schema::explain(path) {
        crate::schema::Explained::Found(text) => stdout::write_then(text, ExitCode::SUCCESS),
        crate::schema::Explained::Unknown(message, fix) => {
            eprintln!("error: {message}\n  fix: {fix}");
            ExitCode::from(2)
        }
    }
}

/// `--help`, `--version` and usage errors, with their output checked like every other.
fn clap_exit(e: &clap::Error) -> ExitCode {
    let code = u8::try_from(e.exit_code()).unwrap_or(2);
    if e.use_stderr() {
        let _ = e.print();
        return ExitCode::from(code);
    }
    let text = if std::io::stdout().is_terminal() {
        e.render().ansi().to_string()
    } else {
        e.render().to_string()
    };
    stdout::write_then(text, ExitCode::from(code))
}

fn read_input(p: &Path) -> Result<read::Input, CliError> {
    read::path(p).map_err(CliError::Input)
}

fn to_yaml(v: &Value) -> Result<String, CliError> {
    serde_yaml::to_string(v).map_err(|e| CliError::Usage(format!("serialising the config: {e}")))
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
    force: bool,
) -> Result<ExitCode, CliError> {
    let input = read_input(values)?;
    let parsed = read::document(&input.name, &input.text).map_err(|d| CliError::Findings(vec![d]))?;
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
        None => stdout::write(&config)?,
        Some(dir) => {
            let staged = Staged::new(
                dir,
                if force {
                    NonEmpty::Overwrite
                } else {
                    NonEmpty::Refuse("choose a new or empty directory for --out, or pass --force to overwrite")
                },
            )
            .map_err(CliError::Input)?;
            let write = |rel: &str, text: &str| staged.write(rel, text).map(drop).map_err(CliError::Input);
            write("bases/orchestrator/orchestrator.yaml", &config)?;
            write(
                "bases/orchestrator/kustomization.yaml",
                &to_yaml(&kustomization(&[("generators", "orchestrator.yaml")]))?,
            )?;
            if let (Some(p), Some(platform)) = (&import.report.platform, &import.platform) {
                write(&format!("overlays/{p}/platform.yaml"), &to_yaml(platform)?)?;
                write(
                    &format!("overlays/{p}/kustomization.yaml"),
                    &to_yaml(&kustomization(&[
                        ("resources", "../../bases/orchestrator"),
                        ("transformers", "platform.yaml"),
                    ]))?,
                )?;
            }
            staged.commit().map_err(CliError::Input)?;
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
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!(
            "maverics-krm: expected a ResourceList on stdin (this is how kustomize and kpt run it).\n\
             To see the manifests, run `maverics-krm render`; for help, `maverics-krm --help`."
        );
        return ExitCode::from(2);
    }
    let outcome = match read::limited(stdin, "input") {
        Err(d) => Outcome {
            list: ResourceList::empty(),
            diagnostics: vec![d],
        },
        Ok(input) => std::panic::catch_unwind(|| function::run(&input)).unwrap_or_else(|_| Outcome {
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
    if let Err(e) = stdout::write(outcome.to_yaml()) {
        return e.exit();
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
        Err(CliError::Input(d)) => {
            eprintln!("{d}");
            ExitCode::from(2)
        }
        Err(CliError::Write(e)) => e.exit(),
    }
}

enum CliError {
    Findings(Vec<Diagnostic>),
    Usage(String),
    /// Input that cannot be read, or output that cannot be written to its folder.
    Input(Diagnostic),
    Write(stdout::WriteError),
}

impl From<stdout::WriteError> for CliError {
    fn from(e: stdout::WriteError) -> Self {
        CliError::Write(e)
    }
}

/// Reads an Orchestrator config file and renders its base as a multi-document stream.
fn render(config: Option<&Path>) -> Result<Vec<Diagnostic>, CliError> {
    let (name, text) = match config {
        None => (DEFAULT_CONFIG_NAME.to_owned(), DEFAULT_CONFIG.to_owned()),
        Some(p) => {
            let input = read_input(p)?;
            (input.name, input.text)
        }
    };
    let (text, diags) = render_text(&name, &text).map_err(CliError::Findings)?;
    stdout::write(text)?;
    Ok(diags)
}

/// The manifests for one config file's text: `---`-separated documents, no host annotations.
pub fn render_text(name: &str, text: &str) -> Result<(String, Vec<Diagnostic>), Vec<Diagnostic>> {
    let file = Some(FileRef {
        path: name.to_owned(),
        index: 0,
    });
    let value = read::document(name, text).map_err(|d| vec![d])?;
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
    let diags = crate::platform::eject::eject(platform, config, out, &crate::io::kustomize::find(kustomize), &me)
        .map_err(CliError::Findings)?;
    eprintln!("wrote {}", out.display());
    Ok(diags)
}

/// `kustomize build --enable-alpha-plugins --enable-exec DIR`, with this binary as the
/// plugin, then the guard rails on what it built: the output must parse and hold the
/// orchestrator (a build that skipped the function would ship an empty deployment), and the
/// stream checks must find no error. Warnings go to stderr, once: a finding a function of the
/// build already printed is not repeated.
fn build(dir: &Path, kustomize: Option<&Path>) -> Result<Vec<Diagnostic>, CliError> {
    let bin = crate::io::kustomize::find(kustomize);
    let me = std::env::current_exe().map_err(|e| CliError::Usage(format!("cannot locate this binary: {e}")))?;
    let built = crate::io::kustomize::build(&bin, dir, &me).map_err(|d| CliError::Findings(vec![d]))?;
    std::io::stderr().write_all(&built.stderr).ok();
    let name = format!("kustomize build {}", dir.display());
    // Not located by file and document: the stream is not saved anywhere, the object names it.
    let items: Vec<Value> = read::documents(&name, &built.stdout)
        .map_err(|d| CliError::Findings(vec![d]))?
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    if crate::check::orchestrator(&items).is_none() {
        return Err(CliError::Findings(vec![
            Diagnostic::error(format!(
                "the build of {} holds no orchestrator StatefulSet (labelled `app.kubernetes.io/name: maverics-orchestrator` \
                 and `app.kubernetes.io/managed-by: maverics-krm`): the function did not run",
                dir.display()
            ))
            .fix(
                "declare the Orchestrator config under `generators:` with the exec annotation (see bases/orchestrator)",
            ),
        ]));
    }
    let printed = String::from_utf8_lossy(&built.stderr);
    let findings: Vec<Diagnostic> = crate::check::check_stream(&items, &crate::check::Settings::default())
        .into_iter()
        .filter(|d| {
            let said = match &d.field {
                Some(field) => format!("{field}: {}", d.message),
                None => d.message.clone(),
            };
            d.is_error() || !printed.contains(&said)
        })
        .collect();
    if crate::diag::has_errors(&findings) {
        return Err(CliError::Findings(findings));
    }
    stdout::write(built.stdout)?;
    Ok(findings)
}

/// Reads rendered output from a file, a directory or stdin; input errors exit 2.
fn read_stream(path: Option<&Path>) -> Result<Vec<Value>, Diagnostic> {
    let Some(path) = path.filter(|p| *p != Path::new("-")) else {
        let input = read::stdin()?;
        return crate::check::input::read_text(&input.name, &input.text);
    };
    let mut items = Vec::new();
    for file in crate::io::walk::input_files(path)? {
        let input = read::path(&file)?;
        items.extend(crate::check::input::read_text(&input.name, &input.text)?);
    }
    Ok(items)
}

/// `maverics-krm check`: 0 no errors, 1 errors, 2 usage or input error.
fn check(path: Option<&Path>, format: Format) -> ExitCode {
    let items = match read_stream(path) {
        Ok(items) => items,
        Err(d) => {
            eprintln!("{d}");
            return ExitCode::from(2);
        }
    };
    let diags = crate::check::check_stream(&items, &crate::check::Settings::default());
    let code = ExitCode::from(u8::from(crate::diag::has_errors(&diags)));
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
            return stdout::write_then(ResourceList::empty().to_yaml(&results), code);
        }
    }
    code
}
