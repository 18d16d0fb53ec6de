//! maverics-krm patch: a streaming reader of one document whose root is a mapping.
//!
//! [`crate::from_str`] holds every parse event of the whole document before it builds the
//! first value; for a Kubernetes `ResourceList` of 10,000 objects those events are most of the
//! memory. [`MappingReader`] yields the root mapping's keys in order and, for a sequence value,
//! each element as one [`Value`] built from that element's events alone, which are then
//! dropped. The limits of the whole-document reader still hold: nesting deeper than 128 levels
//! is refused while parsing, an alias may name an anchor of an earlier element (the anchored
//! node's events are kept for that), and the events copied for such aliases are counted
//! against the same repetition limit as the aliases themselves. Errors keep their line and
//! column.

use crate::copy::Element;
use crate::de::{self, Event};
use crate::error::{self, ErrorImpl, Result};
use crate::libyaml::error::Mark;
use crate::libyaml::parser::{Anchor, Event as YamlEvent, Parser};
use crate::loader::{Document, MAX_DEPTH};
use crate::path::Path;
use crate::Value;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// How many events a document may deserialise per event parsed, as the whole-document
/// reader's alias limit counts them.
const REPETITION: usize = 100;

/// The most events a node's buffer is given before it is read (`MappingReader::last_len`).
const LAST_LEN_CAP: usize = 4096;

/// Reads one YAML document whose root is a mapping, one top-level entry (or one element of a
/// top-level sequence) at a time.
///
/// ```
/// use serde_yaml_ng::{MappingReader, Value};
///
/// let mut reader = MappingReader::from_str("kind: List\nitems:\n- a: 1\n- b: 2\n")?.unwrap();
/// assert_eq!(reader.next_key()?, Some(Value::from("kind")));
/// assert_eq!(reader.next_value()?, Value::from("List"));
/// assert_eq!(reader.next_key()?, Some(Value::from("items")));
/// assert!(reader.enter_sequence()?);
/// assert!(reader.next_element()?.is_some());
/// assert!(reader.next_element()?.is_some());
/// assert_eq!(reader.next_element()?, None);
/// assert_eq!(reader.next_key()?, None);
/// # Ok::<(), serde_yaml_ng::Error>(())
/// ```
pub struct MappingReader<'input> {
    parser: Parser<'input>,
    peeked: Option<(YamlEvent<'input>, Mark)>,
    /// Each anchor name to the id of its latest definition.
    anchors: BTreeMap<Anchor, usize>,
    /// The events of every anchored node read so far, by id, for aliases in later nodes.
    kept: BTreeMap<usize, Vec<(Event<'input>, Mark)>>,
    /// Anchors defined so far: the next one's id.
    defined: usize,
    depth: usize,
    /// Events parsed, and events copied into later nodes for their aliases.
    parsed: usize,
    copied: usize,
    keys: Vec<Value>,
    /// The events of the last node read: the room the next one's are given at once, so the
    /// elements of a list of like objects do not each grow their buffer from nothing.
    last_len: usize,
    /// The buffer of a node done with ([`Self::recycle`]), emptied: the next node's events
    /// go there, with no allocation (a large one costs most, as the allocator first sorts
    /// the small blocks the last node's scalars freed).
    spare: Vec<(Event<'input>, Mark)>,
    /// The place of the value being read, for errors: its key, and the index of the next
    /// element when it is a sequence read element by element.
    at: String,
    index: usize,
}

impl<'input> MappingReader<'input> {
    /// Starts reading `input`. `None` when the document's root is not a plain mapping (a
    /// scalar, a sequence, an anchored or tagged mapping, or no document at all): read such
    /// input with [`crate::from_str`], which says what it is.
    pub fn from_str(input: &'input str) -> Result<Option<Self>> {
        let mut reader = MappingReader {
            parser: Parser::new(Cow::Borrowed(input.as_bytes())),
            peeked: None,
            anchors: BTreeMap::new(),
            kept: BTreeMap::new(),
            defined: 0,
            depth: 0,
            parsed: 0,
            copied: 0,
            keys: Vec::new(),
            last_len: 0,
            spare: Vec::new(),
            at: String::new(),
            index: 0,
        };
        while matches!(
            reader.peek()?,
            YamlEvent::StreamStart | YamlEvent::DocumentStart
        ) {
            reader.next_raw()?;
        }
        match reader.peek()? {
            YamlEvent::MappingStart(start) if start.anchor.is_none() && start.tag.is_none() => {
                reader.next_raw()?;
                reader.depth = 1;
                Ok(Some(reader))
            }
            _ => Ok(None),
        }
    }

    /// The next top-level key, or `None` after the last, once the end of the input is
    /// reached (a second document is an error, as for [`crate::from_str`]). A key seen
    /// before is an error.
    pub fn next_key(&mut self) -> Result<Option<Value>> {
        if let YamlEvent::MappingEnd = self.peek()? {
            self.next_raw()?;
            self.depth = 0;
            while let YamlEvent::DocumentEnd = self.peek()? {
                self.next_raw()?;
            }
            return match self.next_raw()? {
                (YamlEvent::StreamEnd, _) => Ok(None),
                _ => Err(error::new(ErrorImpl::MoreThanOneDocument)),
            };
        }
        let mark = self.peek_mark()?;
        let key = self.node()?;
        self.at = match &key {
            Value::String(s) => s.clone(),
            _ => "?".to_owned(),
        };
        if self.keys.contains(&key) {
            let message = match &key {
                Value::String(s) => format!("duplicate entry with key {s:?}"),
                _ => "duplicate entry in YAML map".to_owned(),
            };
            return Err(error::fix_mark(
                error::new(ErrorImpl::Message(message, None)),
                mark,
                Path::Root,
            ));
        }
        self.keys.push(key.clone());
        Ok(Some(key))
    }

    /// The whole value of the key just read.
    pub fn next_value(&mut self) -> Result<Value> {
        let at = std::mem::take(&mut self.at);
        self.node().map_err(|e| error::prefix_path(e, &at))
    }

    /// When the value of the key just read is a plain sequence (no anchor, no tag), starts
    /// it and returns `true`: read its elements with [`Self::next_element`]. Otherwise
    /// returns `false` and reads nothing: read the value with [`Self::next_value`].
    pub fn enter_sequence(&mut self) -> Result<bool> {
        match self.peek()? {
            YamlEvent::SequenceStart(start) if start.anchor.is_none() && start.tag.is_none() => {
                let (_, mark) = self.next_raw()?;
                self.enter(mark)?;
                self.index = 0;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// The next element of the sequence entered, or `None` after its last.
    pub fn next_element(&mut self) -> Result<Option<Value>> {
        match self.next_element_events()? {
            Some(element) => element.value().map(Some),
            None => Ok(None),
        }
    }

    /// The next element of the sequence entered as its parse events, or `None` after its
    /// last: build its value, read a few of its fields, or copy it to the serializer without
    /// building it ([`Element`]). The depth and repetition limits of parsing are checked here;
    /// those of building (duplicate keys, the repetition of aliases within the element) when
    /// it is built or copied.
    pub fn next_element_events(&mut self) -> Result<Option<Element<'input>>> {
        if let YamlEvent::SequenceEnd = self.peek()? {
            self.next_raw()?;
            self.depth -= 1;
            return Ok(None);
        }
        let at = format!("{}[{}]", self.at, self.index);
        self.index += 1;
        let remaining = self.remaining();
        let document = self
            .events()
            .map_err(|e| error::prefix_path(e, &at))?;
        Ok(Some(Element::new(document, remaining, at)))
    }

    fn peek(&mut self) -> Result<&YamlEvent<'input>> {
        if self.peeked.is_none() {
            let next = self.parser.next()?;
            self.parsed += 1;
            self.peeked = Some(next);
        }
        match &self.peeked {
            Some((event, _)) => Ok(event),
            None => Err(error::new(ErrorImpl::EndOfStream)),
        }
    }

    fn peek_mark(&mut self) -> Result<Mark> {
        self.peek()?;
        match &self.peeked {
            Some((_, mark)) => Ok(*mark),
            None => Err(error::new(ErrorImpl::EndOfStream)),
        }
    }

    fn next_raw(&mut self) -> Result<(YamlEvent<'input>, Mark)> {
        self.peek()?;
        self.peeked
            .take()
            .ok_or_else(|| error::new(ErrorImpl::EndOfStream))
    }

    fn enter(&mut self, mark: Mark) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(error::new(ErrorImpl::RecursionLimitExceeded(mark)));
        }
        Ok(())
    }

    fn define(&mut self, anchor: Anchor) -> usize {
        let id = self.defined;
        self.defined += 1;
        self.anchors.insert(anchor, id);
        id
    }

    /// The levels left above the next node: the deserialiser's own limit counts from the
    /// document's root, and an alias to a deep anchor must not reset it.
    fn remaining(&self) -> u8 {
        u8::try_from(MAX_DEPTH.saturating_sub(self.depth)).unwrap_or(0)
    }

    /// Takes back an element of [`Self::next_element_events`] once done with it: its buffer
    /// holds the next element's events.
    pub fn recycle(&mut self, element: Element<'input>) {
        self.reuse(element.into_events());
    }

    fn reuse(&mut self, mut events: Vec<(Event<'input>, Mark)>) {
        if events.capacity() <= LAST_LEN_CAP {
            events.clear();
            self.spare = events;
        }
    }

    /// Reads one node's events and builds its value.
    fn node(&mut self) -> Result<Value> {
        let remaining = self.remaining();
        let document = self.events()?;
        let value = de::node_value(&document, remaining);
        self.reuse(document.events);
        value
    }

    /// Reads one node's events, with those of the earlier anchors its aliases name after
    /// them; the events of anchored nodes are kept for later nodes.
    fn events(&mut self) -> Result<Document<'input>> {
        let mut events = match std::mem::take(&mut self.spare) {
            spare if spare.capacity() > 0 => spare,
            _ => Vec::with_capacity(self.last_len),
        };
        let mut aliases: BTreeMap<usize, usize> = BTreeMap::new();
        // Open collections: the anchor id each defines, if any, and where it starts.
        let mut open: Vec<(Option<usize>, usize)> = Vec::new();
        let mut outside: Vec<usize> = Vec::new();
        loop {
            let (event, mark) = self.next_raw()?;
            let event = match event {
                YamlEvent::Alias(anchor) => match self.anchors.get(&anchor) {
                    Some(&id) => {
                        if !aliases.contains_key(&id) {
                            outside.push(id);
                        }
                        Event::Alias(id)
                    }
                    None => return Err(error::new(ErrorImpl::UnknownAnchor(mark))),
                },
                YamlEvent::Scalar(mut scalar) => {
                    let anchor = scalar.anchor.take();
                    let event = Event::Scalar(scalar);
                    if let Some(anchor) = anchor {
                        let id = self.define(anchor);
                        aliases.insert(id, events.len());
                        self.kept.insert(id, vec![(event.clone(), mark)]);
                    }
                    event
                }
                YamlEvent::SequenceStart(mut start) => {
                    self.enter(mark)?;
                    let id = start.anchor.take().map(|a| self.define(a));
                    if let Some(id) = id {
                        aliases.insert(id, events.len());
                    }
                    open.push((id, events.len()));
                    Event::SequenceStart(start)
                }
                YamlEvent::MappingStart(mut start) => {
                    self.enter(mark)?;
                    let id = start.anchor.take().map(|a| self.define(a));
                    if let Some(id) = id {
                        aliases.insert(id, events.len());
                    }
                    open.push((id, events.len()));
                    Event::MappingStart(start)
                }
                YamlEvent::SequenceEnd => Event::SequenceEnd,
                YamlEvent::MappingEnd => Event::MappingEnd,
                YamlEvent::StreamStart
                | YamlEvent::StreamEnd
                | YamlEvent::DocumentStart
                | YamlEvent::DocumentEnd => return Err(error::new(ErrorImpl::EndOfStream)),
            };
            let closes = matches!(event, Event::SequenceEnd | Event::MappingEnd);
            events.push((event, mark));
            if closes {
                self.depth -= 1;
                if let Some((Some(id), start)) = open.pop() {
                    self.kept.insert(id, events[start..].to_vec());
                }
            }
            if open.is_empty() {
                break;
            }
        }
        // A huge node does not make every later one reserve its size.
        self.last_len = events.len().min(LAST_LEN_CAP);
        // Aliases to anchors of earlier nodes: their events go after this node's, where only
        // a jump reaches them, and count against the repetition limit.
        while let Some(id) = outside.pop() {
            if aliases.contains_key(&id) {
                continue;
            }
            let Some(copy) = self.kept.get(&id) else {
                return Err(error::new(ErrorImpl::EndOfStream));
            };
            self.copied += copy.len();
            if self.copied > self.parsed.saturating_mul(REPETITION) {
                return Err(error::new(ErrorImpl::RepetitionLimitExceeded));
            }
            aliases.insert(id, events.len());
            outside.extend(copy.iter().filter_map(|(event, _)| match event {
                Event::Alias(other) => Some(*other),
                _ => None,
            }));
            events.extend(copy.iter().cloned());
        }
        Ok(Document {
            events,
            error: None,
            aliases,
        })
    }
}
