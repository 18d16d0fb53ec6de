//! Diagnostics: one type for every problem the tool reports, rendered both as KRM `results`
//! (kpt shows them) and as readable lines on stderr (kustomize shows only stderr).

use serde::Serialize;
use std::fmt;

/// How bad a diagnostic is; any [`Severity::Error`] makes the run fail (see [`has_errors`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input is refused: no output is written and the process exits non-zero.
    Error,
    /// The output is written, but something is likely wrong; the diagnostic says how to fix it.
    Warning,
    /// A note the user may act on; never changes the outcome.
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// The object a diagnostic is about (the spec's `resourceRef`): its identity.
pub type ResourceRef = crate::k8s::object::ObjectKey;

/// The file a diagnostic is about (the spec's `file`), when the host told us.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRef {
    /// The path the host gave (`internal.config.kubernetes.io/path`), relative to its root.
    pub path: String,
    /// Which YAML document of that file, from 0; 0 is left out of the result and of the stderr line.
    #[serde(skip_serializing_if = "is_zero")]
    pub index: u32,
}

fn is_zero(i: &u32) -> bool {
    *i == 0
}

/// One problem found in the input or the output, with where it is and how to fix it; shown on
/// stderr through `Display` and given to kpt through [`Diagnostic::to_result`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Whether the problem fails the run.
    pub severity: Severity,
    /// What is wrong, as a sentence; the fix goes in [`Diagnostic::fix`], not here.
    pub message: String,
    /// Field path inside the object, e.g. `spec.autoscaling.minReplicas`.
    pub field: Option<String>,
    /// The file the object came from, when the host said (first one set wins).
    pub file: Option<FileRef>,
    /// The object the problem is in (first one set wins); boxed to keep `Diagnostic` small.
    pub resource: Option<Box<ResourceRef>>,
    /// How to fix it, in one sentence.
    pub fix: Option<String>,
}

impl Diagnostic {
    /// A diagnostic that fails the run.
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Severity::Error, message)
    }

    /// A diagnostic that lets the run succeed but shows the user a problem.
    pub fn warning(message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, message)
    }

    /// A note that changes nothing.
    pub fn info(message: impl Into<String>) -> Self {
        Self::new(Severity::Info, message)
    }

    /// An error of this tool, not of the input: `what` went wrong, said as a bug to report.
    pub fn internal(what: impl std::fmt::Display) -> Self {
        Self::error(format!("internal error: {what}")).fix("report it with the input that caused it")
    }

    fn new(severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            message: message.into(),
            field: None,
            file: None,
            resource: None,
            fix: None,
        }
    }

    /// Sets the field path inside the object, e.g. `spec.autoscaling.minReplicas`.
    pub fn field(mut self, path: impl Into<String>) -> Self {
        self.field = Some(path.into());
        self
    }

    /// Sets how to fix it, in one sentence: shown as `fix:` on stderr and after `Fix:` in the result.
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// Sets the file, unless one is set already: the innermost caller's file is the more precise.
    pub fn file(mut self, file: Option<FileRef>) -> Self {
        if self.file.is_none() {
            self.file = file;
        }
        self
    }

    /// Sets the object, unless one is set already: the innermost caller's object is the more precise.
    pub fn resource(mut self, resource: Option<ResourceRef>) -> Self {
        if self.resource.is_none() {
            self.resource = resource.map(Box::new);
        }
        self
    }

    /// True for [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The KRM function spec's `Result` object.
    pub fn to_result(&self) -> KrmResult {
        let message = match &self.fix {
            Some(fix) => format!("{} Fix: {}", self.message, fix),
            None => self.message.clone(),
        };
        // The spec requires `resourceRef` whenever `field` is set; the hosts drop a bare field.
        let field = match (&self.field, &self.resource) {
            (Some(path), Some(_)) => Some(FieldRef { path: path.clone() }),
            _ => None,
        };
        KrmResult {
            message,
            severity: self.severity,
            resource_ref: self.resource.as_deref().cloned(),
            field,
            file: self.file.clone(),
        }
    }
}

impl fmt::Display for Diagnostic {
    /// `error: orchestrator.yaml: spec.replica: unknown field ...` then an indented fix line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.severity)?;
        if let Some(file) = &self.file {
            if file.index > 0 {
                write!(f, "{} (document {}): ", file.path, file.index)?;
            } else {
                write!(f, "{}: ", file.path)?;
            }
        } else if let Some(r) = &self.resource {
            if r.name.is_empty() {
                write!(f, "{}: ", r.kind)?;
            } else {
                write!(f, "{} {}: ", r.kind, r.name)?;
            }
        }
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(fix) = &self.fix {
            write!(f, "\n  fix: {fix}")?;
        }
        Ok(())
    }
}

/// The KRM function spec's `field` of a result: the path inside the object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldRef {
    /// Field path inside the object, e.g. `spec.autoscaling.minReplicas`.
    pub path: String,
}

/// The KRM function spec's `Result`, one entry of a ResourceList's `results`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KrmResult {
    /// The diagnostic's message, followed by `Fix: ...` when it has one.
    pub message: String,
    /// The result's severity, `error`, `warning` or `info`.
    pub severity: Severity,
    /// The object the result is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_ref: Option<ResourceRef>,
    /// The path inside [`KrmResult::resource_ref`]; set only together with it (the spec requires it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<FieldRef>,
    /// The file the object came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<FileRef>,
}

/// True when any diagnostic is an error: the process must then exit non-zero, because both
/// hosts treat an error result with exit code 0 as success.
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}

/// A YAML syntax error of a config file, as `FILE:LINE:COL: message`: the form terminals and
/// editors turn into a link to the spot. The location moves from serde_yaml's message into
/// the file part, so it is not said twice.
pub fn yaml_syntax(path: &str, e: &serde_yaml::Error) -> Diagnostic {
    let mut message = e.to_string();
    let place = match e.location() {
        Some(loc) => {
            let said = format!(" at line {} column {}", loc.line(), loc.column());
            if let Some(at) = message.find(&said) {
                message.replace_range(at..at + said.len(), "");
            }
            format!("{path}:{}:{}", loc.line(), loc.column())
        }
        None => path.to_owned(),
    };
    Diagnostic::error(format!("YAML syntax error: {message}"))
        .file(Some(FileRef { path: place, index: 0 }))
        .fix("correct the YAML at that line and column (indentation, a missing `:` or an unclosed quote are the usual causes)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_field_and_fix() {
        let d = Diagnostic::error("unknown field `replica`")
            .field("spec.replica")
            .file(Some(FileRef {
                path: "bases/orchestrator/orchestrator.yaml".into(),
                index: 0,
            }))
            .fix("did you mean `replicas`?");
        assert_eq!(
            d.to_string(),
            "error: bases/orchestrator/orchestrator.yaml: spec.replica: unknown field `replica`\n  fix: did you mean `replicas`?"
        );
    }

    #[test]
    fn result_drops_field_without_resource_ref() {
        let d = Diagnostic::error("x").field("spec.a");
        assert!(d.to_result().field.is_none());
        let r = ResourceRef {
            api_version: "v1".into(),
            kind: "K".into(),
            name: "n".into(),
            namespace: None,
        };
        let d = d.resource(Some(r));
        assert_eq!(d.to_result().field.unwrap().path, "spec.a");
    }
}
