//! maverics-krm patch: one node of a document as its parse events ([`Element`]), read by
//! [`crate::MappingReader::next_element_events`]. It can be built as the [`Value`] that
//! [`crate::from_str`] would give, asked for a few of its fields, or written by the serializer
//! straight from its events, with no `Value` tree of the whole node.
//!
//! The copy makes exactly the serializer calls that serialising the node's `Value` makes, so
//! its text is the same bytes: a scalar the deserializer reads as a string goes to
//! `serialize_str` as its `Value::String` would (the serializer chooses its style, the YAML
//! 1.1 lookalikes quoted); every other scalar, tagged node and alias is read by the
//! deserializer itself as a small `Value` and serialised as such, so numbers, tags and expanded
//! aliases come out as they do today; the plain mappings and sequences around them are walked
//! instead of built. Duplicate keys, the depth limit and the repetition limit of aliases are
//! enforced as the deserializer enforces them; on any failure the node is built as a `Value`,
//! so the error is the deserializer's own, word for word. Values asked for (`value`, `pick`,
//! `get`, each key of a copy) are built the same way: plain nodes and strings here, the rest by
//! the deserializer, the deserializer's build of the whole node on any failure.

use crate::de::{self, Event};
use crate::error::{self, Error, ErrorImpl, Result};
use crate::loader::Document;
use crate::{Mapping, Value};
use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::cell::{Cell, RefCell};

/// Mappings with up to this many keys look for a duplicate key by comparison; larger ones
/// through a hash map.
const LINEAR_KEYS: usize = 16;

/// Where a value met by [`Element::to_element_string`] stands: what a reader of the values
/// may need to judge one without its tree.
#[derive(Clone, Copy, Debug)]
pub enum Place<'a> {
    /// A mapping key.
    Key,
    /// The value of a mapping key: the key's text, when it is a string.
    Under(Option<&'a str>),
    /// An element of a sequence, or the node itself.
    Element,
}

/// One node (an element of a sequence read by [`crate::MappingReader`]) as its parse events.
///
/// ```
/// use serde_yaml_ng::{MappingReader, Value};
///
/// let mut reader = MappingReader::from_str("items:\n- {kind: A, data: {on: 'on'}}\n")?.unwrap();
/// reader.next_key()?;
/// assert!(reader.enter_sequence()?);
/// let element = reader.next_element_events()?.unwrap();
/// assert_eq!(element.get(&["kind"])?, Some(Value::from("A")));
/// let value = element.value()?;
/// let copied = element.to_element_string(&mut |_, _| {})?;
/// assert_eq!(copied, serde_yaml_ng::to_string(&[value])?);
/// # Ok::<(), serde_yaml_ng::Error>(())
/// ```
pub struct Element<'input> {
    document: Document<'input>,
    /// Levels the deserializer may still nest below the document's root.
    remaining: u8,
    /// Its place from the document's root, put before the path of its errors.
    at: String,
}

impl<'input> Element<'input> {
    pub(crate) fn new(document: Document<'input>, remaining: u8, at: String) -> Self {
        Element {
            document,
            remaining,
            at,
        }
    }

    pub(crate) fn into_events(self) -> Vec<(Event<'input>, crate::libyaml::error::Mark)> {
        self.document.events
    }

    /// Its value, as [`crate::from_str`] builds it.
    pub fn value(&self) -> Result<Value> {
        if self.document.error.is_none() {
            if let Some((value, _)) = build(&self.document, 0, &mut 0, self.remaining) {
                return Ok(value);
            }
        }
        de::node_value(&self.document, self.remaining).map_err(|e| self.locate(e))
    }

    /// Whether the node is a mapping with no tag (an alias to one is not: read it with
    /// [`Self::value`]).
    pub fn is_plain_mapping(&self) -> bool {
        matches!(self.document.events.first(), Some((Event::MappingStart(start), _)) if !de::is_tagged(&start.tag))
    }

    /// The value at `path`, a path of string keys, built from that value's events alone;
    /// `None` when a key is missing or a step is not a mapping. The value is the one
    /// [`Self::value`] holds there, unless the node has a duplicate key (which
    /// [`Self::value`] and [`Self::to_element_string`] refuse).
    pub fn get(&self, path: &[&str]) -> Result<Option<Value>> {
        let mut jumpcount = 0;
        let mut pos = 0;
        let mut depth = self.remaining;
        for (step, key) in path.iter().enumerate() {
            match self.document.events.get(pos) {
                Some((Event::MappingStart(start), _)) if !de::is_tagged(&start.tag) => {
                    depth = depth.saturating_sub(1);
                    let mut at = pos + 1;
                    let mut found = None;
                    while !matches!(self.document.events.get(at), Some((Event::MappingEnd, _)) | None) {
                        let (k, value_pos) = self.built(at, &mut jumpcount, depth)?;
                        if found.is_none() && matches!(&k, Value::String(s) if s == key) {
                            found = Some(value_pos);
                        }
                        at = skip(&self.document.events, value_pos);
                    }
                    match found {
                        Some(value_pos) => pos = value_pos,
                        None => return Ok(None),
                    }
                }
                // An alias, a tagged node or a scalar: its value, then the rest of the path in it.
                Some(_) => {
                    let (value, _) = self.built(pos, &mut jumpcount, depth)?;
                    let rest = path[step..].iter().try_fold(&value, |v, k| v.get(*k));
                    return Ok(rest.cloned());
                }
                None => return Ok(None),
            }
        }
        self.built(pos, &mut jumpcount, depth).map(|(v, _)| Some(v))
    }

    /// The node with only the entries on `paths` (paths of string keys), in its order: where
    /// a path ends, or a step below is no plain mapping (a scalar, a sequence, an alias, a
    /// tagged node), the value is built whole from its events; a plain mapping on the way
    /// keeps only the entries of the paths through it. `None` when the node is not a plain
    /// mapping. Reads each mapping on the way once, however many paths pass through it; a
    /// key is built only when picked (or when it is not a string scalar). Of a duplicate key
    /// (which [`Self::value`] refuses) the first entry is kept. At most 64 paths.
    pub fn pick(&self, paths: &[&[&str]]) -> Result<Option<Value>> {
        if !self.is_plain_mapping() {
            return Ok(None);
        }
        // The paths still followed, one bit each: no allocation per key.
        let live = match paths.len() {
            0 => 0,
            n @ 1..=64 => u64::MAX >> (64 - n),
            _ => return Err(error::new(ErrorImpl::Message("pick: more than 64 paths".to_owned(), None))),
        };
        let mut jumpcount = 0;
        self.pick_in(0, paths, live, 0, self.remaining, &mut jumpcount).map(Some)
    }

    /// [`Self::pick`] of the plain mapping at `pos`, following the paths of `live`, at step
    /// `step`.
    fn pick_in(
        &self,
        pos: usize,
        paths: &[&[&str]],
        live: u64,
        step: usize,
        depth: u8,
        jumpcount: &mut usize,
    ) -> Result<Value> {
        let events = &self.document.events;
        let depth = depth.saturating_sub(1);
        let mut picked = Mapping::new();
        let mut at = pos + 1;
        loop {
            let text = match events.get(at) {
                Some((Event::MappingEnd, _)) | None => return Ok(Value::Mapping(picked)),
                Some((Event::Scalar(scalar), _)) => de::string_scalar(scalar),
                Some(_) => None,
            };
            let (key, value_pos): (Cow<'_, str>, usize) = match text {
                Some(text) => (text.into(), at + 1),
                None => match self.built(at, jumpcount, depth)? {
                    (Value::String(key), value_pos) => (key.into(), value_pos),
                    // A key that is not a string is on no path.
                    (_, value_pos) => {
                        at = skip(events, value_pos);
                        continue;
                    }
                },
            };
            at = skip(events, value_pos);
            let (on, whole) = on_paths(paths, live, step, &key);
            if on == 0 || picked.contains_key(key.as_ref()) {
                continue;
            }
            let plain = matches!(events.get(value_pos), Some((Event::MappingStart(start), _)) if !de::is_tagged(&start.tag));
            let value = if whole {
                self.built(value_pos, jumpcount, depth)?.0
            } else if plain {
                self.pick_in(value_pos, paths, on, step + 1, depth, jumpcount)?
            } else {
                // An alias to a mapping: what the paths reach of its value.
                along(self.built(value_pos, jumpcount, depth)?.0, paths, on, step + 1)
            };
            picked.insert(Value::String(key.into_owned()), value);
        }
    }

    /// The node as the one element of a block sequence at column 0: the same text as
    /// `to_string(&[value])` of its [`Self::value`], written from the events. `on_value` sees
    /// every value the copy builds on the way, with its [`Place`]: each key and each scalar (a
    /// tagged node and an alias whole), in document order.
    pub fn to_element_string(&self, on_value: &mut dyn FnMut(&Value, Place)) -> Result<String> {
        let copier = Copier {
            document: &self.document,
            ends: ends(&self.document.events),
            jumpcount: Cell::new(0),
            failed: RefCell::new(None),
            on_value: RefCell::new(on_value),
            scratch: RefCell::new(Value::String(String::new())),
        };
        let node = Node {
            copier: &copier,
            pos: 0,
            depth: self.remaining,
            place: Place::Element,
        };
        match crate::to_string(std::slice::from_ref(&node)) {
            Ok(text) => Ok(text),
            // The deserializer's own error for what the copy refused; should it accept the
            // node, the copy's.
            Err(e) => Err(match self.value() {
                Err(built) => built,
                Ok(_) => self.locate(copier.failed.take().unwrap_or(e)),
            }),
        }
    }

    fn built(&self, pos: usize, jumpcount: &mut usize, depth: u8) -> Result<(Value, usize)> {
        // A failed build may have counted some of its aliases: the deserializer counts again.
        let before = *jumpcount;
        match build(&self.document, pos, jumpcount, depth) {
            Some(built) => Ok(built),
            None => {
                *jumpcount = before;
                de::value_at(&self.document, pos, jumpcount, depth).map_err(|e| self.locate(e))
            }
        }
    }

    fn locate(&self, e: Error) -> Error {
        error::prefix_path(e, &self.at)
    }
}

/// Of the paths in `live` (one bit each), those whose step `step` is `key`, and whether one
/// of them ends there.
fn on_paths(paths: &[&[&str]], live: u64, step: usize, key: &str) -> (u64, bool) {
    let (mut on, mut whole) = (0u64, false);
    for (i, path) in paths.iter().enumerate().filter(|(i, _)| live & (1 << i) != 0) {
        if path.get(step) == Some(&key) {
            on |= 1 << i;
            whole |= path.len() == step + 1;
        }
    }
    (on, whole)
}

/// Of `value`, built, what [`Element::pick`] of the paths in `live` (at step `step`) keeps:
/// a mapping's entries on the paths, the whole value where a path ends or it is no mapping.
fn along(value: Value, paths: &[&[&str]], live: u64, step: usize) -> Value {
    let Value::Mapping(mapping) = value else { return value };
    let mut kept = Mapping::new();
    for (key, value) in mapping {
        let (on, whole) = match key.as_str() {
            Some(k) => on_paths(paths, live, step, k),
            None => continue,
        };
        if on == 0 {
            continue;
        }
        let value = if whole { value } else { along(value, paths, on, step + 1) };
        kept.insert(key, value);
    }
    Value::Mapping(kept)
}

/// The value of the node at `pos` and the position after it, as `de::value_at` builds them:
/// plain mappings and sequences and the scalars the deserializer reads as strings are built
/// here, with no deserializer for each node and no attempt to parse a word as a number; any
/// other node (a tagged node, an alias, a null, a boolean or a number) by the deserializer.
/// `None` where building fails (a duplicate key, nesting past `depth`, the repetition limit):
/// the caller builds the whole node with the deserializer, whose error it reports, word for
/// word and with its path.
fn build(document: &Document, pos: usize, jumpcount: &mut usize, depth: u8) -> Option<(Value, usize)> {
    let events = &document.events;
    match events.get(pos) {
        Some((Event::Scalar(scalar), _)) => {
            if let Some(text) = de::string_scalar(scalar) {
                return Some((Value::String(text.to_owned()), pos + 1));
            }
        }
        Some((Event::SequenceStart(start), _)) if !de::is_tagged(&start.tag) => {
            let depth = depth.checked_sub(1)?;
            let mut sequence = Vec::new();
            let mut at = pos + 1;
            loop {
                match events.get(at)? {
                    (Event::SequenceEnd, _) => return Some((Value::Sequence(sequence), at + 1)),
                    _ => {
                        let (element, next) = build(document, at, jumpcount, depth)?;
                        sequence.push(element);
                        at = next;
                    }
                }
            }
        }
        Some((Event::MappingStart(start), _)) if !de::is_tagged(&start.tag) => {
            let depth = depth.checked_sub(1)?;
            let mut mapping = Mapping::new();
            let mut at = pos + 1;
            loop {
                match events.get(at)? {
                    (Event::MappingEnd, _) => return Some((Value::Mapping(mapping), at + 1)),
                    _ => {
                        let (key, value_pos) = build(document, at, jumpcount, depth)?;
                        // One hashing of the key for the duplicate test and the insertion; a
                        // duplicate key is the deserializer's to report.
                        let crate::mapping::Entry::Vacant(entry) = mapping.entry(key) else {
                            return None;
                        };
                        let (value, next) = build(document, value_pos, jumpcount, depth)?;
                        entry.insert(value);
                        at = next;
                    }
                }
            }
        }
        _ => {}
    }
    de::value_at(document, pos, jumpcount, depth).ok()
}

/// The position after the node that starts at `pos`.
fn skip(events: &[(Event, crate::libyaml::error::Mark)], pos: usize) -> usize {
    let mut open = 0usize;
    for (i, (event, _)) in events.iter().enumerate().skip(pos) {
        match event {
            Event::MappingStart(_) | Event::SequenceStart(_) => open += 1,
            Event::MappingEnd | Event::SequenceEnd => open = open.saturating_sub(1),
            _ => {}
        }
        if open == 0 {
            return i + 1;
        }
    }
    events.len()
}

/// For each event that opens a collection, the position of the event that closes it.
fn ends(events: &[(Event, crate::libyaml::error::Mark)]) -> Vec<usize> {
    let mut ends = vec![0; events.len()];
    let mut open = Vec::new();
    for (i, (event, _)) in events.iter().enumerate() {
        match event {
            Event::MappingStart(_) | Event::SequenceStart(_) => open.push(i),
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some(start) = open.pop() {
                    ends[start] = i;
                }
            }
            _ => {}
        }
    }
    ends
}

struct Copier<'e, 'input> {
    document: &'e Document<'input>,
    ends: Vec<usize>,
    jumpcount: Cell<usize>,
    /// The copy's own error, kept while the serializer unwinds with a generic one.
    failed: RefCell<Option<Error>>,
    on_value: RefCell<&'e mut dyn FnMut(&Value, Place)>,
    /// The string value `on_value` is shown for each string scalar, refilled each time.
    scratch: RefCell<Value>,
}

impl<'e, 'input> Copier<'e, 'input> {
    fn next(&self, pos: usize) -> usize {
        match self.document.events.get(pos) {
            Some((Event::MappingStart(_) | Event::SequenceStart(_), _)) => self.ends[pos] + 1,
            _ => pos + 1,
        }
    }

    /// The nodes of the collection that starts at `pos`, in order.
    fn children(&self, pos: usize) -> impl Iterator<Item = usize> + use<'_, 'e, 'input> {
        let end = self.ends[pos];
        std::iter::successors(Some(pos + 1), move |&p| Some(self.next(p))).take_while(move |&p| p < end)
    }

    fn fail<E: serde::ser::Error>(&self, e: Error) -> E {
        *self.failed.borrow_mut() = Some(e);
        E::custom("the event copy stopped")
    }

    /// Shows `on_value` a string scalar as its `Value`, with no allocation per scalar.
    fn seen_string(&self, text: &str, place: Place) {
        let mut scratch = self.scratch.borrow_mut();
        match &mut *scratch {
            Value::String(s) => {
                s.clear();
                s.push_str(text);
            }
            other => *other = Value::String(text.to_owned()),
        }
        (self.on_value.borrow_mut())(&scratch, place);
    }

    /// The value of the node at `pos`, built by the deserializer, seen by `on_value`.
    fn value<E: serde::ser::Error>(
        &self,
        pos: usize,
        depth: u8,
        place: Place,
    ) -> std::result::Result<Value, E> {
        let mut jumpcount = self.jumpcount.get();
        let built = match build(self.document, pos, &mut jumpcount, depth) {
            Some(built) => Ok(built),
            None => {
                jumpcount = self.jumpcount.get();
                de::value_at(self.document, pos, &mut jumpcount, depth)
            }
        };
        self.jumpcount.set(jumpcount);
        let (value, _) = built.map_err(|e| self.fail(e))?;
        (self.on_value.borrow_mut())(&value, place);
        Ok(value)
    }
}

/// A mapping key met while copying: a plain string scalar's text, or any other key's value.
enum Key<'t> {
    Text(&'t str),
    Built(Value),
}

impl Serialize for Key<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            // What serialising its `Value::String` does.
            Key::Text(text) => serializer.serialize_str(text),
            Key::Built(value) => value.serialize(serializer),
        }
    }
}

/// The node at `pos`, serialised as its `Value` would be.
struct Node<'c, 'e, 'input, 'k> {
    copier: &'c Copier<'e, 'input>,
    pos: usize,
    depth: u8,
    place: Place<'k>,
}

impl Serialize for Node<'_, '_, '_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let c = self.copier;
        let Some((event, mark)) = c.document.events.get(self.pos) else {
            return Err(c.fail(error::new(ErrorImpl::EndOfStream)));
        };
        let plain = match event {
            Event::MappingStart(start) => !de::is_tagged(&start.tag),
            Event::SequenceStart(start) => !de::is_tagged(&start.tag),
            // What serialising its `Value::String` does, without building that.
            Event::Scalar(scalar) => match de::string_scalar(scalar) {
                Some(text) => {
                    c.seen_string(text, self.place);
                    return serializer.serialize_str(text);
                }
                None => false,
            },
            _ => false,
        };
        if !plain {
            return c
                .value::<S::Error>(self.pos, self.depth, self.place)?
                .serialize(serializer);
        }
        let Some(depth) = self.depth.checked_sub(1) else {
            return Err(c.fail(error::new(ErrorImpl::RecursionLimitExceeded(*mark))));
        };
        if let Event::SequenceStart(_) = event {
            let mut seq = serializer.serialize_seq(Some(c.children(self.pos).count()))?;
            for pos in c.children(self.pos) {
                seq.serialize_element(&Node {
                    copier: c,
                    pos,
                    depth,
                    place: Place::Element,
                })?;
            }
            return seq.end();
        }
        let len = c.children(self.pos).count() / 2;
        let mut map = serializer.serialize_map(Some(len))?;
        // Keys seen, for the duplicate test: a string key by its text (a plain one borrowed
        // from its event, with no `Value` built), any other key as its value. An alias may
        // stand for a string: its text is compared with the others'.
        let mut strings: Vec<Cow<'_, str>> = Vec::new();
        let mut others: Vec<Value> = Vec::new();
        let mut many = Mapping::new();
        let mut children = c.children(self.pos);
        while let (Some(key_pos), Some(value_pos)) = (children.next(), children.next()) {
            let text = match c.document.events.get(key_pos) {
                Some((Event::Scalar(scalar), _)) => de::string_scalar(scalar),
                _ => None,
            };
            let key = match text {
                Some(text) => {
                    c.seen_string(text, Place::Key);
                    Key::Text(text)
                }
                None => Key::Built(c.value::<S::Error>(key_pos, depth, Place::Key)?),
            };
            let seen = match (&key, len <= LINEAR_KEYS) {
                (Key::Text(text), true) => strings.iter().any(|s| s == text),
                (Key::Built(Value::String(text)), true) => strings.iter().any(|s| s == text),
                (Key::Built(other), true) => others.contains(other),
                (Key::Text(text), false) => many.contains_key(*text),
                (Key::Built(value), false) => many.contains_key(value),
            };
            if seen {
                return Err(S::Error::custom("duplicate key"));
            }
            // `serialize_entry`, as `Value` does: this serializer's tag detection differs
            // from that of `serialize_key` and `serialize_value`.
            let value = Node {
                copier: c,
                pos: value_pos,
                depth,
                place: Place::Under(match &key {
                    Key::Text(text) => Some(text),
                    Key::Built(value) => value.as_str(),
                }),
            };
            map.serialize_entry(&key, &value)?;
            match (key, len <= LINEAR_KEYS) {
                (Key::Text(text), true) => strings.push(Cow::Borrowed(text)),
                (Key::Built(Value::String(text)), true) => strings.push(Cow::Owned(text)),
                (Key::Built(other), true) => others.push(other),
                (Key::Text(text), false) => {
                    many.insert(Value::String(text.to_owned()), Value::Null);
                }
                (Key::Built(value), false) => {
                    many.insert(value, Value::Null);
                }
            }
        }
        map.end()
    }
}
