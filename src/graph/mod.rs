//! `maverics-krm graph`: a picture of reach. Who can reach the orchestrator (the internet or
//! the VPC, through a load balancer, router or gateway), and whom it can reach (DNS, identity
//! providers, Redis, upstreams), with ports.
//!
//! - [`reach`]: the model, built from a render's exposures, Services and NetworkPolicies
//!   (Kubernetes and Calico).
//! - [`mermaid`]: the model as a Mermaid flowchart, alone or as the change between two renders.

pub mod mermaid;
pub mod reach;

pub use reach::Reach;

use crate::diag::Diagnostic;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// A kustomization directory (built with kustomize, like `build`), a rendered YAML file,
    /// a directory of YAML, or `-` for stdin.
    #[arg(value_name = "OVERLAY_OR_FILE")]
    pub input: PathBuf,
    /// The kustomize binary. Default: $KUSTOMIZE, then `.tools/bin/kustomize` of this
    /// checkout, then `kustomize` on PATH.
    #[arg(long)]
    pub kustomize: Option<PathBuf>,
}

/// The subcommand: the Mermaid flowchart on stdout. Exit 0, or 2 on an error.
pub fn main(args: GraphArgs) -> ExitCode {
    match run(&args) {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                eprintln!("error: could not write stdout: {e}");
                return ExitCode::from(2);
            }
            ExitCode::SUCCESS
        }
        Err(d) => {
            eprintln!("{d}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &GraphArgs) -> Result<String, Diagnostic> {
    let kustomize = crate::io::kustomize::find(args.kustomize.as_deref());
    let me = std::env::current_exe().map_err(|e| Diagnostic::error(format!("cannot locate this binary: {e}")))?;
    let ctx = crate::diff::load::Ctx {
        kustomize: &kustomize,
        plugin: &me,
    };
    let objects = crate::diff::load::load(&args.input, &ctx)?;
    Ok(mermaid::chart(&Reach::of(&objects)))
}
