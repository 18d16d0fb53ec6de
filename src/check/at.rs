//! Where a finding is: the object of the stream, and its file when the host or the reader
//! said, put on every diagnostic of the rule families.

use crate::diag::{Diagnostic, FileRef, ResourceRef};
use crate::krm::object;
use serde_yaml::Value;

/// Where a finding is: the object (and its file, when the host or reader said).
#[derive(Debug, Clone)]
pub struct At {
    resource: ResourceRef,
    file: Option<FileRef>,
}

impl At {
    /// The place of `obj`: its resource reference and, from its host annotations, its file.
    pub fn new(obj: &Value) -> Self {
        At {
            resource: object::resource_ref(obj),
            file: object::file_ref(obj),
        }
    }

    /// Points `d` at this object and file, unless it names its own.
    pub fn locate(&self, d: Diagnostic) -> Diagnostic {
        d.resource(Some(self.resource.clone())).file(self.file.clone())
    }

    /// An error at `field` of this object, with its fix.
    pub fn error(&self, field: impl Into<String>, message: impl Into<String>, fix: impl Into<String>) -> Diagnostic {
        self.locate(Diagnostic::error(message).field(field).fix(fix))
    }

    /// A warning at `field` of this object, with its fix.
    pub fn warning(&self, field: impl Into<String>, message: impl Into<String>, fix: impl Into<String>) -> Diagnostic {
        self.locate(Diagnostic::warning(message).field(field).fix(fix))
    }
}
