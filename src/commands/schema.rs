//! `maverics-krm schema` and `maverics-krm explain`: the config kinds' JSON Schemas and the
//! field reference drawn from them.

use super::CliError;
use crate::exit::Exit;
use crate::io::stdout;
use crate::schema::{KINDS, kind as find};
use std::path::Path;

/// One kind's schema, all of them keyed by kind, one file each (`out`), or the Markdown
/// reference.
pub fn schema(kind: Option<&str>, out: Option<&Path>, markdown: bool) -> Result<Exit, CliError> {
    if markdown {
        stdout::write(crate::schema::markdown::markdown())?;
        return Ok(Exit::Success);
    }
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).map_err(|e| CliError::Usage(format!("{}: {e}", dir.display())))?;
        for k in &KINDS {
            let path = dir.join(format!("{}.json", k.file));
            std::fs::write(&path, k.text()).map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
        }
        return Ok(Exit::Success);
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
    Ok(Exit::Success)
}

/// A field's description; a path that is no field is a usage error with the nearest one as
/// the fix.
pub fn explain(path: &str) -> Result<Exit, CliError> {
    match crate::schema::explain(path) {
        crate::schema::Explained::Found(text) => {
            stdout::write(text)?;
            Ok(Exit::Success)
        }
        crate::schema::Explained::Unknown(message, fix) => Err(CliError::Usage(format!("{message}\n  fix: {fix}"))),
    }
}
