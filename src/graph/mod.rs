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
use std::path::PathBuf;

/// The arguments of `maverics-krm graph`.
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

/// The Mermaid flowchart of the input `args` name.
pub fn run(args: &GraphArgs) -> Result<String, Diagnostic> {
    let kustomize = crate::io::kustomize::find(args.kustomize.as_deref());
    let me = std::env::current_exe().map_err(|e| Diagnostic::error(format!("cannot locate this binary: {e}")))?;
    let ctx = crate::rendered::load::Ctx {
        kustomize: &kustomize,
        plugin: &me,
    };
    let objects = crate::rendered::load::load(&args.input, &ctx)?;
    Ok(mermaid::chart(&Reach::of(&objects)))
}
