//! `maverics-krm check`: the stream checks on rendered manifests from any tool.

use super::{CliError, print};
use crate::diag::Diagnostic;
use crate::exit::Exit;
use crate::io::{read, stdout};
use crate::krm::ResourceList;
use serde_yaml::Value;
use std::path::Path;

/// Where `check` writes its findings: readable lines on stderr, or a ResourceList with the
/// results on stdout. (The variants carry no doc comments, hence the `allow`: clap would add
/// them to `--help`.)
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[allow(missing_docs)]
pub enum Format {
    Text,
    Krm,
}

/// Reads rendered output from a file, a directory or stdin.
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

/// Exit 0 without errors (warnings may be printed), 1 with errors; input that cannot be read
/// is an input error.
pub fn check(path: Option<&Path>, format: Format) -> Result<Exit, CliError> {
    let items = read_stream(path).map_err(CliError::Input)?;
    let diags = crate::check::check_stream(&items, &crate::check::Settings::default());
    let code = Exit::of(&diags);
    match format {
        Format::Text => {
            print(&diags);
            let errors = diags.iter().filter(|d| d.is_error()).count();
            eprintln!(
                "{} objects checked: {errors} errors, {} warnings",
                items.len(),
                diags.len() - errors
            );
        }
        Format::Krm => {
            let results: Vec<_> = diags.iter().map(Diagnostic::to_result).collect();
            stdout::write(ResourceList::empty().to_yaml(&results))?;
        }
    }
    Ok(code)
}
