//! The command line: parses the arguments and calls the command's body in
//! [`crate::commands`]. With no subcommand the binary is a KRM function (what kustomize and
//! kpt run); the subcommands render, and build with the guard rails a host forgets.

use crate::commands::{self, CliError, check::Format};
use crate::exit::Exit;
use crate::io::stdout;
use clap::builder::PossibleValuesParser;
use clap::{CommandFactory, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// The embedded base config `render` uses without an argument (tests and benchmarks read it
/// here).
pub use crate::commands::render::DEFAULT_CONFIG;

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
        after_help = "Examples:\n  maverics-krm diff old.yaml overlays/dev            # a render against a kustomization\n  maverics-krm diff --base origin/main               # every overlay, PR base vs working tree\n  maverics-krm diff --base origin/main --format markdown overlays/dev > comment.md\n  maverics-krm diff --base origin/main --format markdown --json-out report.json > comment.md   # both, one run"
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
        /// The platform: `eks`, `rosa`, `aks` or `gke`; must match the config's `spec.platform`.
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

/// The binary's entry: parse the arguments, run the command, exit with its code.
pub fn main() -> ExitCode {
    // kustomize and kpt run the function with no arguments, on every render. Clap would build
    // the whole command tree, help text included, only to find no subcommand: skip it.
    if std::env::args_os().len() <= 1 {
        return commands::finish(commands::function::run());
    }
    let result = match Cli::try_parse() {
        Ok(cli) => dispatch(cli),
        Err(e) => clap_exit(&e),
    };
    commands::finish(result)
}

fn dispatch(cli: Cli) -> Result<Exit, CliError> {
    match cli.command {
        None => commands::function::run(),
        Some(Cmd::Render { config }) => commands::render::render(config.as_deref()),
        Some(Cmd::Build { dir, kustomize }) => commands::build::build(&dir, kustomize.as_deref()),
        Some(Cmd::Completions { shell }) => commands::man::completions(Cli::command(), shell),
        Some(Cmd::Man { out }) => commands::man::man(Cli::command(), out.as_deref()),
        Some(Cmd::Diff(args)) => commands::diff::diff(&args),
        Some(Cmd::Graph(args)) => commands::graph::graph(&args),
        Some(Cmd::Eject {
            platform,
            config,
            out,
            kustomize,
        }) => commands::eject::eject(&platform, &config, &out, kustomize.as_deref()),
        Some(Cmd::Check { path, format }) => commands::check::check(path.as_deref(), format),
        Some(Cmd::ImportHelmValues {
            values,
            release,
            namespace,
            out,
            json,
            force,
        }) => commands::import::import_helm_values(
            &values,
            commands::import::Args {
                release,
                namespace,
                out,
                json,
                force,
            },
        ),
        Some(Cmd::Schema { kind, out, markdown }) => {
            commands::schema::schema(kind.as_deref(), out.as_deref(), markdown)
        }
        Some(Cmd::Explain { path }) => commands::schema::explain(&path),
        Some(Cmd::Init {
            dir,
            platform,
            add_platform,
            force,
        }) => commands::init::init(dir, platform, add_platform, force),
    }
}

/// `--help`, `--version` and usage errors, with their output checked like every other.
fn clap_exit(e: &clap::Error) -> Result<Exit, CliError> {
    // clap exits 0 for --help and --version, 2 for a usage error.
    let code = if e.exit_code() == 0 { Exit::Success } else { Exit::Error };
    if e.use_stderr() {
        let _ = e.print();
        return Ok(code);
    }
    let text = if std::io::stdout().is_terminal() {
        e.render().ansi().to_string()
    } else {
        e.render().to_string()
    };
    stdout::write(text)?;
    Ok(code)
}
