//! What the import did with each value: mapped as is, changed on purpose (and why), refused
//! (unsafe), or not mapped (no home here).

use serde::Serialize;
use std::fmt;

/// What the import did with one chart value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Copied to its home in the config as it was.
    Mapped,
    /// Given a home, but with a different value on purpose; `why` says what and why.
    Changed,
    /// Not carried over because it is unsafe here (a weaker security context, a second secret path); `why` says what to do.
    Refused,
    /// No home in the config; `why` says what to do instead.
    NotMapped,
}

/// One chart value and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Mapped, changed, refused or not mapped.
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

/// The import's account of every value the file set, in the order the mapping met them.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Report {
    /// One entry per value the file set.
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

    /// Records `key` as copied to `home` unchanged.
    pub fn mapped(&mut self, key: &str, home: &str) {
        self.push(Outcome::Mapped, key, Some(home), "");
    }

    /// Records `key` as given a home at `home` with a different value, and why.
    pub fn changed(&mut self, key: &str, home: &str, why: impl Into<String>) {
        self.push(Outcome::Changed, key, Some(home), why);
    }

    /// Records `key` as refused, and why.
    pub fn refused(&mut self, key: &str, why: impl Into<String>) {
        self.push(Outcome::Refused, key, None, why);
    }

    /// Records `key` as having no home, and what to do instead.
    pub fn not_mapped(&mut self, key: &str, why: impl Into<String>) {
        self.push(Outcome::NotMapped, key, None, why);
    }

    /// How many entries have this outcome.
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
