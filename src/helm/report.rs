//! What the import did with each value: mapped as is, changed on purpose (and why), refused
//! (unsafe), or not mapped (no home here).

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    Mapped,
    Changed,
    Refused,
    NotMapped,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub outcome: Outcome,
    /// The chart value's key, e.g. `orchestrator.customConfig`.
    pub key: String,
    /// Its home in the `Orchestrator` config, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home: Option<String>,
    /// Why it changed, was refused or has no home; what to do.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub why: String,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Report {
    pub entries: Vec<Entry>,
    /// The platform the values point at (`rosa`, `eks`), when evident.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
}

impl Report {
    fn push(&mut self, outcome: Outcome, key: &str, home: Option<&str>, why: impl Into<String>) {
        self.entries.push(Entry {
            outcome,
            key: key.to_owned(),
            home: home.map(str::to_owned),
            why: why.into(),
        });
    }

    pub fn mapped(&mut self, key: &str, home: &str) {
        self.push(Outcome::Mapped, key, Some(home), "");
    }

    pub fn changed(&mut self, key: &str, home: &str, why: impl Into<String>) {
        self.push(Outcome::Changed, key, Some(home), why);
    }

    pub fn refused(&mut self, key: &str, why: impl Into<String>) {
        self.push(Outcome::Refused, key, None, why);
    }

    pub fn not_mapped(&mut self, key: &str, why: impl Into<String>) {
        self.push(Outcome::NotMapped, key, None, why);
    }

    pub fn count(&self, outcome: Outcome) -> usize {
        self.entries.iter().filter(|e| e.outcome == outcome).count()
    }

    /// Refused or unmapped values mean the config does not do what the values did.
    pub fn complete(&self) -> bool {
        self.count(Outcome::Refused) == 0 && self.count(Outcome::NotMapped) == 0
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (outcome, title) in [
            (Outcome::Mapped, "mapped"),
            (Outcome::Changed, "changed on purpose"),
            (Outcome::Refused, "refused"),
            (Outcome::NotMapped, "not mapped"),
        ] {
            let entries: Vec<&Entry> = self.entries.iter().filter(|e| e.outcome == outcome).collect();
            writeln!(f, "{title} ({}):", entries.len())?;
            for e in entries {
                write!(f, "  {}", e.key)?;
                if let Some(home) = &e.home {
                    write!(f, " -> {home}")?;
                }
                if !e.why.is_empty() {
                    write!(f, ": {}", e.why)?;
                }
                writeln!(f)?;
            }
        }
        if let Some(p) = &self.platform {
            writeln!(
                f,
                "platform: the values point at {p}; use overlays/{p} (written with --out) for its platform layer"
            )?;
        }
        Ok(())
    }
}
