//! One item of a `ResourceList`: a tree the function reads or changes, or an item it only
//! passes through, kept as its written text and the few facts the generator asks of every
//! item.

use crate::diag::FileRef;
use crate::krm::{ObjectKey, object};
use serde_yaml::Value;
use std::ops::Range;

/// An item as the function holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// An item the function may read or change.
    Tree(Value),
    /// An item written through as it was read: [`crate::krm::ResourceList::passed`] holds
    /// its text.
    Passed(Passed),
}

/// What stays of a passed item besides its text: where it sits and which file it came from,
/// all that `upsert` and the errors naming an item read of an item that is not the
/// generator's.
#[derive(Debug, Clone, PartialEq)]
pub struct Passed {
    /// Its apiVersion, kind, name and namespace.
    pub key: ObjectKey,
    /// The file the host read it from (its path and index annotations).
    pub file: Option<FileRef>,
    /// Its text in the list's pass-through buffer, a sequence element as the emitter wrote it.
    pub(crate) text: Range<usize>,
}

impl Passed {
    /// The item read back from its text in the list's pass-through buffer `passed`. The text
    /// is the emitter's own output of an item it read: `None` only on a bug.
    pub fn read_back(&self, passed: &str) -> Option<Value> {
        passed
            .get(self.text.clone())
            .and_then(|text| serde_yaml::from_str::<Vec<Value>>(text).ok())
            .filter(|seq| seq.len() == 1)
            .and_then(|seq| seq.into_iter().next())
    }

    /// The facts of `item`, whose text is `text` in the list's buffer.
    pub(crate) fn of(item: &Value, text: Range<usize>) -> Self {
        Passed {
            key: ObjectKey::of(item),
            file: object::file_ref(item),
            text,
        }
    }
}

impl Item {
    /// The tree, unless the item was passed through.
    pub fn tree(&self) -> Option<&Value> {
        match self {
            Item::Tree(v) => Some(v),
            Item::Passed(_) => None,
        }
    }

    /// The item's apiVersion, kind, name and namespace.
    pub fn key(&self) -> ObjectKey {
        match self {
            Item::Tree(v) => ObjectKey::of(v),
            Item::Passed(p) => p.key.clone(),
        }
    }

    /// The item's `kind`; empty when it has none.
    pub fn kind(&self) -> &str {
        match self {
            Item::Tree(v) => object::kind(v),
            Item::Passed(p) => &p.key.kind,
        }
    }

    /// The item's `metadata.name`; empty when unset.
    pub fn name(&self) -> &str {
        match self {
            Item::Tree(v) => object::name(v),
            Item::Passed(p) => &p.key.name,
        }
    }

    /// The item's `metadata.namespace`, when set.
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Item::Tree(v) => object::namespace(v),
            Item::Passed(p) => p.key.namespace.as_deref(),
        }
    }

    /// The file the host read the item from; `None` without a path annotation.
    pub fn file_ref(&self) -> Option<FileRef> {
        match self {
            Item::Tree(v) => object::file_ref(v),
            Item::Passed(p) => p.file.clone(),
        }
    }

    /// Whether the item is the object `key` names, as [`ObjectKey::is`] tells of a tree.
    pub fn is(&self, key: &ObjectKey) -> bool {
        match self {
            Item::Tree(v) => key.is(v),
            Item::Passed(p) => {
                let k = &p.key;
                k.api_version == key.api_version
                    && k.kind == key.kind
                    && k.name == key.name
                    && k.namespace.as_deref().unwrap_or_default() == key.namespace.as_deref().unwrap_or_default()
            }
        }
    }

    /// The item's path annotation, when it has one.
    pub fn path(&self) -> Option<&str> {
        match self {
            Item::Tree(v) => crate::krm::annotations::path(v),
            Item::Passed(p) => p.file.as_ref().map(|f| f.path.as_str()),
        }
    }
}

impl PartialEq<Value> for Item {
    fn eq(&self, other: &Value) -> bool {
        self.tree() == Some(other)
    }
}

/// How [`crate::krm::ResourceList::parse_passing`] treats each item as it is read. Every
/// method but `keep` sees only items that are passed through.
pub trait Sieve {
    /// Whether item `i` is kept as a tree (the function reads or changes it); otherwise it is
    /// written through as text. `head` holds its `apiVersion` and `kind`, and of its
    /// `metadata` the name, the namespace and the annotations of the file and the owner
    /// (`resource_list::HEAD`): a sieve that reads more of a head adds it there.
    fn keep(&mut self, i: usize, head: &Value) -> bool;

    /// Whether every item is kept as a tree, whatever its head: then no head is read first.
    fn keeps_all(&self) -> bool {
        false
    }

    /// Whether every passed item is handed to [`Sieve::read`] whole, whatever its head: then
    /// each is built once and written from its tree, instead of being read in parts.
    fn reads_all(&self) -> bool {
        false
    }

    /// Whether a passed item must be handed to [`Sieve::read`] whole, from its head.
    fn reads_whole(&self, _head: &Value) -> bool {
        false
    }

    /// Whether a value met while copying a passed item (each key and scalar, a tagged node
    /// or an alias whole), standing at `place`, means it must be handed to [`Sieve::read`]
    /// whole.
    fn may_need(&self, _value: &Value, _place: serde_yaml::Place) -> bool {
        false
    }

    /// Reads passed item `i` whole, when [`Sieve::reads_whole`] or [`Sieve::may_need`] asked.
    fn read(&mut self, _i: usize, _item: Value) {}
}

/// A closure that only says which items to keep.
impl<F: FnMut(usize, &Value) -> bool> Sieve for F {
    fn keep(&mut self, i: usize, head: &Value) -> bool {
        self(i, head)
    }
}
