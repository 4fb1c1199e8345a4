//! Placeholder values an SDK can parse, in the mock's answers (issue #16).
//!
//! The documented bodies the mock serves hold placeholders where values go:
//! `"createdDateTime": "datetime-value"`, `"String (timestamp)"`,
//! `"appId": "appId-value"`, `"status": "String"`. A typed client (Kiota,
//! msgraph-sdk-python) parsing `"datetime-value"` as a date-time or
//! `"appId-value"` as a GUID raises, and a strict one rejects an enum value
//! that is not a member. [`typed`] replaces such values, in place, by valid
//! values of the kind the position is declared with.
//!
//! What the v1.0 corpus holds (1,704 JSON response bodies, 1,064 with an
//! annotated type, read with the v1.0 `$metadata`;
//! `tests/mock_values_corpus.rs` prints these counts), invalid values by
//! declared type:
//! - `Edm.DateTimeOffset`: 71 (51 `"datetime-value"`, 16
//!   `"String (timestamp)"`, 2 `"timestamp"`, 2 dates `"1974-07-22"`),
//!   against 1,458 valid;
//! - `Edm.Date`: 8 (6 `"Date"`, 2 date-times); `Edm.Guid`: 8, all
//!   `"<name>-value"`; `Edm.TimeOfDay`: 1 `"String"`; `Edm.Duration` and
//!   the integer types: none;
//! - enums: 121 in 48 shapes (28 `"String"`/`"string"`, 16
//!   `"@odata.type: microsoft.graph.<enum>"`, 13 `"<name>-value"`, 11 `""`,
//!   39 members in another case such as `"Completed"` for `completed` and
//!   `"TextBox"` for `textBox`, 10 other words, 2 `{}`), against 1,959 valid;
//! - `Edm.Boolean`: 12 `"Boolean"`; `Edm.Double`: 1 `"double-value"`.
//!
//! Decisions, and why:
//! - **The declared type decides, not the value.** With metadata, each
//!   position's type comes from the response's annotated type
//!   (`microsoft.graph.user`, `Collection(...)`), or else the body's own
//!   `@odata.type`, walked down through structural and navigation
//!   properties (inherited ones too) and collections. An object's own
//!   `@odata.type` names its type when it derives from the declared one (an
//!   unrelated name is read as the declared type, as SDKs read it), and
//!   gives a type to an object at an untyped position. Where the values of
//!   the type are follows the schema judge: an annotated collection is an
//!   array or a `value` array; an entity type answered as `{"value": [...]}`
//!   is a list of it unless it declares `value`; a primitive or enum
//!   answer is `{"value": ...}` or the bare value.
//! - **A valid value is never changed**: a date-time (RFC 3339, the offset
//!   optional, as Graph writes local date-times), a date, a time of day, an
//!   ISO 8601 duration, a GUID, an enum member (each member of a flags
//!   list), a number, a boolean; nor is `null` (nullability is not this
//!   module's business).
//! - **One fixed value per kind, or one derived from what is there**, so a
//!   body is the same on every run: date-times [`DATE_TIME`] (a date where
//!   a date-time goes keeps its day at midnight UTC, a date-time written
//!   with a space keeps its instant), dates [`DATE`], times
//!   [`TIME_OF_DAY`], durations [`DURATION`]; a GUID derived from the
//!   position and the placeholder (FNV-1a, with version 4 bits), so two
//!   placeholders of one body (the `id`s of two app roles) stay distinct;
//!   an enum member spelled in another case gets the declared spelling,
//!   anything else the first declared member, for a flags enum too.
//! - **Nothing the shape judge would fail.** The mock's own `check` judges
//!   the typed body against the documented one (design.md §3), so: (1) JSON
//!   types are kept unless [`Options::json_types`] asks otherwise: the
//!   judge compares them, and would fail the 13 `"Boolean"`/`"double-value"`
//!   and 2 `{}` of the corpus turned into `false`, `0` and a member, while
//!   SDKs read a value of another JSON type as absent rather than raise
//!   (Kiota's `get_bool_value`, `get_int_value` and `get_enum_value` give
//!   `None`); (2) a documented value in a format the judge holds the answer
//!   to (a date-time, a GUID) is replaced only by one in that format: the
//!   2 date-times where a date goes stay (Kiota reads them as dates).
//! - **Only what is sure, without metadata** (or when the response's type
//!   is unknown): a string whose property name ends in `DateTime`
//!   (`createdDateTime`; not Graph's `dateTime`, a local date-time string)
//!   and is not a date-time, and the strings that say they stand for a
//!   date-time wherever they are (`"datetime-value"`,
//!   `"datetimeoffset-value"`, `"String (timestamp)"`). On the corpus that
//!   is 73 replacements, 67 at declared date-times and 6 where the metadata
//!   declares nothing or a string. An enum's members or a GUID position
//!   cannot be guessed.
//! - **Unknown properties are untouched**: a name the type does not
//!   declare (an open type's dynamic property, a docs typo) or an
//!   annotation is read by SDKs as additional data, untyped.
//! - **Never panic, bounded work**: one pass over the body, nesting walked
//!   to [`MAX_DEPTH`] levels (deeper values are left as they are), the
//!   members of each type looked up once per call.

use crate::csdl::{Declared, EnumType, Metadata, PRIMITIVES, Target, primitive_index};
use crate::judge::formats;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The kinds of value [`typed`] gives a placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    DateTimeOffset,
    Date,
    TimeOfDay,
    Duration,
    Guid,
    /// `Edm.Byte`, `SByte`, `Int16`, `Int32`, `Int64`.
    Integer,
    /// `Edm.Single`, `Double`, `Decimal`.
    Number,
    Boolean,
    Enum,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DateTimeOffset => "Edm.DateTimeOffset",
            Kind::Date => "Edm.Date",
            Kind::TimeOfDay => "Edm.TimeOfDay",
            Kind::Duration => "Edm.Duration",
            Kind::Guid => "Edm.Guid",
            Kind::Integer => "integer",
            Kind::Number => "number",
            Kind::Boolean => "Edm.Boolean",
            Kind::Enum => "enum",
        }
    }
}

/// What [`typed_with`] may do beyond the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Also replace placeholders whose valid value has another JSON type
    /// (`"Boolean"` → `false`, `"Int32"` → `0`, `"5"` → `5`): what a typed
    /// client wants, at the price of the shape judge's type rule against
    /// the documented example.
    pub json_types: bool,
}

/// A position of a body whose type says what its value must be.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    /// JSON pointer (RFC 6901) into the body.
    pub pointer: String,
    pub kind: Kind,
    /// The declared type (`Edm.Int32`, `microsoft.graph.status`); the
    /// kind's name for a position known by its name or value only.
    pub declared: String,
    /// The value found there.
    pub was: Value,
    /// Whether `was` is a valid value of the kind.
    pub valid: bool,
    /// The value that replaces it (for [`positions`]: would replace it).
    pub now: Option<Value>,
}

/// The instant every placeholder date-time becomes.
pub const DATE_TIME: &str = "2024-01-01T00:00:00Z";
/// The day every placeholder date becomes.
pub const DATE: &str = "2024-01-01";
pub const TIME_OF_DAY: &str = "00:00:00";
pub const DURATION: &str = "PT0S";

/// Deepest nesting walked; deeper values are left as they are.
pub const MAX_DEPTH: usize = 128;

/// Replace placeholder values in a documented body by valid values of their
/// kind, in place; returns how many were replaced. `odata_type` is the
/// response's annotated type (`microsoft.graph.user`, or a collection of
/// it); `metadata` (the v1.0 CSDL) gives each property's declared type.
/// Without metadata: only what the value or the property name says for
/// sure. JSON types are kept (see [`Options`]).
pub fn typed(body: &mut Value, odata_type: Option<&str>, metadata: Option<&Metadata>) -> usize {
    typed_with(body, odata_type, metadata, Options::default()).len()
}

/// [`typed`] with options, telling each replacement.
pub fn typed_with(
    body: &mut Value,
    odata_type: Option<&str>,
    metadata: Option<&Metadata>,
    options: Options,
) -> Vec<Position> {
    let mut w = Walker::new(metadata, options, true);
    w.root(body, odata_type);
    w.out
}

/// Every position of a body whose type (without metadata: whose name or
/// value) says what kind of value it holds, valid or not, with what
/// [`typed_with`] would put there; the body is not changed.
pub fn positions(
    body: &Value,
    odata_type: Option<&str>,
    metadata: Option<&Metadata>,
    options: Options,
) -> Vec<Position> {
    let mut copy = body.clone();
    let mut w = Walker::new(metadata, options, false);
    w.root(&mut copy, odata_type);
    w.out
}

/// Give the entities of a documented body their key where the example
/// leaves it out, in place; returns how many were given. Graph always
/// answers an entity with its `id` (every v1.0 entity type derives from
/// `microsoft.graph.entity`, whose key it is), and SDK code takes the id of
/// a listed entity to address it (`users.by_user_id(users[0].id)`); a page
/// that shows a list of users without ids (user-list's first example) leaves
/// such a client nothing to send.
///
/// Only where it is sure and the judge has nothing to say: with metadata;
/// the response's annotated type (else the body's own `@odata.type`) an
/// entity type that declares an `id` property (inherited counts); the
/// example marked `truncated` (it shows part of the real body, so a member
/// it does not show is no departure from it; an untruncated example is
/// taken as the whole answer and keeps its shape); at the top level only
/// (the entity, or each element of the collection: expanded or nested
/// entities are left as documented). The id is a GUID derived from `seed`
/// (the example's URL) and the element's index, so it is the same on every
/// run and distinct within a list.
pub fn keyed(
    body: &mut Value,
    odata_type: Option<&str>,
    metadata: Option<&Metadata>,
    truncated: bool,
    seed: &str,
) -> usize {
    let Some(meta) = metadata else { return 0 };
    if !truncated {
        return 0;
    }
    let own = body
        .get("@odata.type")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let Some((Target::Named(i), collection)) = odata_type
        .and_then(|t| meta.resolve(t))
        .or_else(|| own.as_deref().and_then(|t| meta.resolve(t)))
        .and_then(|t| meta.target_of(&t))
    else {
        return 0;
    };
    let is_entity = matches!(
        meta.types.get(i),
        Some(Declared::Structured(s)) if s.kind == crate::csdl::StructuredKind::Entity
    );
    if !is_entity || !meta.all_properties(i).iter().any(|(p, _)| p.name == "id") {
        return 0;
    }
    let declares_value = meta
        .all_properties(i)
        .iter()
        .any(|(p, _)| p.name == "value");
    let elements: Vec<&mut Value> = match body {
        Value::Array(a) if collection => a.iter_mut().collect(),
        Value::Object(o) if collection || !declares_value => match o.get_mut("value") {
            Some(Value::Array(a)) => a.iter_mut().collect(),
            _ if collection => Vec::new(),
            _ => return key_one(o, seed, 0),
        },
        Value::Object(o) => return key_one(o, seed, 0),
        _ => Vec::new(),
    };
    elements
        .into_iter()
        .enumerate()
        .map(|(n, e)| match e {
            Value::Object(o) => key_one(o, seed, n),
            _ => 0,
        })
        .sum()
}

/// `id` for one entity that lacks it (1), or nothing (0).
fn key_one(o: &mut Map<String, Value>, seed: &str, n: usize) -> usize {
    if o.contains_key("id") {
        return 0;
    }
    o.insert(
        "id".to_owned(),
        Value::String(stable_guid(&format!("{seed}#{n}"), "id")),
    );
    1
}

/// What the metadata declares at a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// An index into [`PRIMITIVES`].
    Primitive(usize),
    /// An index into the metadata's types, as the two below.
    Enum(usize),
    Structured(usize),
    /// Nothing known (`Edm.Untyped`, a type of a referenced document).
    Untyped,
}

struct Walker<'m> {
    meta: Option<&'m Metadata>,
    options: Options,
    /// Replace (and record replacements only), or record every position.
    apply: bool,
    out: Vec<Position>,
    ptr: String,
    /// The properties of each structured type met: name → (slot, collection).
    members: HashMap<usize, HashMap<String, (Slot, bool)>>,
}

impl<'m> Walker<'m> {
    fn new(meta: Option<&'m Metadata>, options: Options, apply: bool) -> Self {
        Walker {
            meta,
            options,
            apply,
            out: Vec::new(),
            ptr: String::new(),
            members: HashMap::new(),
        }
    }

    fn root(&mut self, body: &mut Value, odata_type: Option<&str>) {
        let Some(meta) = self.meta else {
            return self.guess(body, None, 0);
        };
        // The annotated type, else the body's own `@odata.type`.
        let own = body
            .get("@odata.type")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let target = odata_type
            .and_then(|t| meta.resolve(t))
            .or_else(|| own.as_deref().and_then(|t| meta.resolve(t)))
            .and_then(|t| meta.target_of(&t));
        let Some((target, collection)) = target else {
            return self.guess(body, None, 0);
        };
        let slot = self.slot(target);
        if let Slot::Primitive(p) = slot
            && PRIMITIVES[p] == "Edm.Stream"
        {
            return;
        }
        if collection {
            match body {
                Value::Array(_) => self.walk(body, slot, true, 0),
                Value::Object(o) => {
                    if let Some(v) = o.get_mut("value") {
                        self.at("value", v, slot, true, 0);
                    }
                }
                _ => {}
            }
            return;
        }
        match slot {
            Slot::Structured(i) => {
                let declares_value = self.member(i, "value").is_some();
                match body.get_mut("value") {
                    Some(v @ Value::Array(_)) if !declares_value => {
                        self.at("value", v, slot, true, 0)
                    }
                    _ => self.walk(body, slot, false, 0),
                }
            }
            Slot::Untyped => self.guess(body, None, 0),
            Slot::Primitive(_) | Slot::Enum(_) => match body {
                Value::Object(o) => {
                    if let Some(v) = o.get_mut("value") {
                        self.at("value", v, slot, false, 0);
                    }
                }
                v => self.walk(v, slot, false, 0),
            },
        }
    }

    fn slot(&self, target: Target) -> Slot {
        let Some(meta) = self.meta else {
            return Slot::Untyped;
        };
        match target {
            Target::Primitive(p) if PRIMITIVES[p] == "Edm.Untyped" => Slot::Untyped,
            Target::Primitive(p) => Slot::Primitive(p),
            Target::Named(i) => match meta.types.get(i) {
                Some(Declared::Structured(_)) => Slot::Structured(i),
                Some(Declared::Enum(_)) => Slot::Enum(i),
                Some(Declared::TypeDefinition(t)) => match primitive_index(&t.underlying) {
                    Some(p) if PRIMITIVES[p] != "Edm.Untyped" => Slot::Primitive(p),
                    _ => Slot::Untyped,
                },
                None => Slot::Untyped,
            },
        }
    }

    /// A property of a structured type (inherited and navigation ones
    /// included): its slot, and whether it is a collection.
    fn member(&mut self, i: usize, name: &str) -> Option<(Slot, bool)> {
        let meta = self.meta?;
        if !self.members.contains_key(&i) {
            let mut map = HashMap::new();
            for (p, target) in meta.all_properties(i) {
                map.insert(p.name.clone(), (self.slot(target), p.collection));
            }
            for n in meta.all_navigation(i) {
                let slot = meta
                    .lookup(&n.type_name)
                    .map_or(Slot::Untyped, |j| self.slot(Target::Named(j)));
                map.entry(n.name.clone()).or_insert((slot, n.collection));
            }
            self.members.insert(i, map);
        }
        self.members.get(&i)?.get(name).copied()
    }

    /// Walk the member `name` of the current object.
    fn at(&mut self, name: &str, v: &mut Value, slot: Slot, collection: bool, depth: usize) {
        let mark = self.ptr.len();
        self.ptr.push('/');
        for c in name.chars() {
            match c {
                '~' => self.ptr.push_str("~0"),
                '/' => self.ptr.push_str("~1"),
                c => self.ptr.push(c),
            }
        }
        self.walk(v, slot, collection, depth + 1);
        self.ptr.truncate(mark);
    }

    /// Walk a value declared as `slot` (a collection of it when `collection`).
    fn walk(&mut self, v: &mut Value, slot: Slot, collection: bool, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        if collection {
            if let Value::Array(items) = v {
                for (k, item) in items.iter_mut().enumerate() {
                    let mark = self.ptr.len();
                    self.ptr.push('/');
                    self.ptr.push_str(&k.to_string());
                    self.walk(item, slot, false, depth + 1);
                    self.ptr.truncate(mark);
                }
            }
            return;
        }
        match slot {
            Slot::Structured(i) => {
                if let Value::Object(o) = v {
                    let i = self.effective(i, o);
                    self.object(o, i, depth);
                }
            }
            // An object may say its own type.
            Slot::Untyped => {
                if let Value::Object(o) = v
                    && let Some(i) = self.own_type(o)
                {
                    self.object(o, i, depth);
                }
            }
            Slot::Primitive(p) => {
                if let Some(kind) = primitive_kind(PRIMITIVES[p]) {
                    self.value(v, kind, PRIMITIVES[p], None);
                }
            }
            Slot::Enum(e) => {
                let Some(meta) = self.meta else { return };
                if let Some(Declared::Enum(t)) = meta.types.get(e) {
                    self.value(v, Kind::Enum, &meta.qualified[e], Some(t));
                }
            }
        }
    }

    fn object(&mut self, o: &mut Map<String, Value>, i: usize, depth: usize) {
        for (name, v) in o.iter_mut() {
            if name.contains('@') {
                continue; // an annotation
            }
            if let Some((slot, collection)) = self.member(i, name) {
                self.at(name, v, slot, collection, depth);
            }
        }
    }

    /// The structured type an object names by its `@odata.type`.
    fn own_type(&self, o: &Map<String, Value>) -> Option<usize> {
        let meta = self.meta?;
        let j = meta.lookup_loose(o.get("@odata.type")?.as_str()?)?;
        meta.structured_at(j).map(|_| j)
    }

    /// The object's own `@odata.type` when it names a type derived from `i`;
    /// `i` otherwise.
    fn effective(&self, i: usize, o: &Map<String, Value>) -> usize {
        match (self.meta, self.own_type(o)) {
            (Some(meta), Some(j)) if meta.is_a(j, i) => j,
            _ => i,
        }
    }

    /// One value of a kind: replaced unless valid, and recorded.
    fn value(&mut self, v: &mut Value, kind: Kind, declared: &str, e: Option<&EnumType>) {
        if v.is_null() {
            return;
        }
        let valid = valid(v, kind, declared, e);
        let now = if valid {
            None
        } else {
            replacement(v, kind, e, &self.ptr)
                .filter(|n| self.options.json_types || same_json_type(n, v))
                .filter(|n| keeps_format(v, n))
        };
        if self.apply {
            let Some(n) = now else { return };
            let was = std::mem::replace(v, n.clone());
            self.record(kind, declared, was, valid, Some(n));
        } else {
            self.record(kind, declared, v.clone(), valid, now);
        }
    }

    fn record(&mut self, kind: Kind, declared: &str, was: Value, valid: bool, now: Option<Value>) {
        self.out.push(Position {
            pointer: self.ptr.clone(),
            kind,
            declared: declared.to_owned(),
            was,
            valid,
            now,
        });
    }

    /// Without a type: what names and values say for sure. An object that
    /// names its own type (with metadata) is walked as that type.
    fn guess(&mut self, v: &mut Value, name: Option<&str>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match v {
            Value::Object(o) => {
                if let Some(i) = self.own_type(o) {
                    return self.object(o, i, depth);
                }
                for (k, x) in o.iter_mut() {
                    if k.contains('@') {
                        continue;
                    }
                    let mark = self.ptr.len();
                    self.ptr.push('/');
                    self.ptr.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    self.guess(x, Some(k), depth + 1);
                    self.ptr.truncate(mark);
                }
            }
            Value::Array(items) => {
                for (k, x) in items.iter_mut().enumerate() {
                    let mark = self.ptr.len();
                    self.ptr.push('/');
                    self.ptr.push_str(&k.to_string());
                    self.guess(x, name, depth + 1);
                    self.ptr.truncate(mark);
                }
            }
            Value::String(s)
                if name.is_some_and(|n| n.ends_with("DateTime")) || says_date_time(s) =>
            {
                let kind = Kind::DateTimeOffset;
                self.value(v, kind, kind.as_str(), None);
            }
            _ => {}
        }
    }
}

/// Whether a string says it stands for a date-time, wherever it is.
fn says_date_time(s: &str) -> bool {
    let t = s.trim();
    [
        "datetime-value",
        "datetimeoffset-value",
        "String (timestamp)",
    ]
    .iter()
    .any(|w| t.eq_ignore_ascii_case(w))
}

fn primitive_kind(name: &str) -> Option<Kind> {
    Some(match name {
        "Edm.DateTimeOffset" => Kind::DateTimeOffset,
        "Edm.Date" => Kind::Date,
        "Edm.TimeOfDay" => Kind::TimeOfDay,
        "Edm.Duration" => Kind::Duration,
        "Edm.Guid" => Kind::Guid,
        "Edm.Byte" | "Edm.SByte" | "Edm.Int16" | "Edm.Int32" | "Edm.Int64" => Kind::Integer,
        "Edm.Single" | "Edm.Double" | "Edm.Decimal" => Kind::Number,
        "Edm.Boolean" => Kind::Boolean,
        _ => return None,
    })
}

/// A documented value in a format the shape judge holds answers to (a
/// date-time, a GUID) is replaced only by a value in that format.
fn keeps_format(was: &Value, now: &Value) -> bool {
    match (was.as_str().and_then(formats::Format::detect), now.as_str()) {
        (Some(f), Some(n)) => f.accepts(n),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

fn same_json_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// Whether a value is one of its kind (`null` is). `declared` tells the
/// primitive type apart within a kind (an `Edm.Int64` may be written as a
/// string of digits, an `Edm.Decimal` as a decimal string); `e` is the enum
/// type of [`Kind::Enum`].
fn valid(v: &Value, kind: Kind, declared: &str, e: Option<&EnumType>) -> bool {
    match (kind, v) {
        (_, Value::Null) => true,
        (Kind::DateTimeOffset, Value::String(s)) => formats::date_time(s).is_some(),
        (Kind::Date, Value::String(s)) => is_date(s),
        (Kind::TimeOfDay, Value::String(s)) => is_time_of_day(s),
        (Kind::Duration, Value::String(s)) => is_duration(s),
        (Kind::Guid, Value::String(s)) => formats::is_guid(s),
        (Kind::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (Kind::Integer, Value::String(s)) => declared == "Edm.Int64" && is_int(s),
        (Kind::Number, Value::Number(_)) => true,
        (Kind::Number, Value::String(s)) => {
            matches!(s.as_str(), "INF" | "-INF" | "NaN")
                || (declared == "Edm.Decimal" && is_decimal(s))
        }
        (Kind::Boolean, Value::Bool(_)) => true,
        (Kind::Enum, Value::String(s)) => e.is_some_and(|e| is_member(s, e)),
        _ => false,
    }
}

/// A member of the enum type, or for a flags type a comma-separated list of
/// members.
fn is_member(s: &str, e: &EnumType) -> bool {
    let member = |m: &str| e.members.iter().any(|x| x == m);
    if e.is_flags {
        s.split(',').all(|m| member(m.trim()))
    } else {
        member(s)
    }
}

/// The value that replaces an invalid one, of the kind's JSON type (which
/// [`Walker::value`] keeps only when it is the value's, or when asked).
fn replacement(v: &Value, kind: Kind, e: Option<&EnumType>, ptr: &str) -> Option<Value> {
    let s = v.as_str().map(str::trim);
    let text = |t: &str| Some(Value::String(t.to_owned()));
    match kind {
        Kind::DateTimeOffset => match s {
            // a date keeps its day; a date-time written with a space keeps
            // its instant
            Some(d) if is_date(d) => Some(Value::String(format!("{d}T00:00:00Z"))),
            Some(d) if d.get(10..11) == Some(" ") => {
                let t = format!("{}T{}", &d[..10], &d[11..]);
                match formats::date_time(&t) {
                    Some(true) => Some(Value::String(t)),
                    Some(false) => Some(Value::String(format!("{t}Z"))),
                    None => text(DATE_TIME),
                }
            }
            _ => text(DATE_TIME),
        },
        Kind::Date => text(DATE),
        Kind::TimeOfDay => text(TIME_OF_DAY),
        Kind::Duration => text(DURATION),
        Kind::Guid => {
            let was = s.map_or_else(|| v.to_string(), str::to_owned);
            Some(Value::String(stable_guid(ptr, &was)))
        }
        Kind::Integer => Some(Value::from(
            s.and_then(|s| s.parse::<i64>().ok()).unwrap_or(0),
        )),
        Kind::Number => {
            let n = s
                .and_then(|s| s.parse::<f64>().ok())
                .and_then(serde_json::Number::from_f64);
            Some(n.map_or(Value::from(0), Value::Number))
        }
        Kind::Boolean => Some(Value::Bool(
            s.is_some_and(|s| s.eq_ignore_ascii_case("true")),
        )),
        Kind::Enum => {
            let e = e?;
            let fold = |m: &str| {
                e.members
                    .iter()
                    .find(|x| x.eq_ignore_ascii_case(m.trim()))
                    .cloned()
            };
            let mended = s.and_then(|s| {
                if e.is_flags {
                    s.split(',')
                        .map(fold)
                        .collect::<Option<Vec<String>>>()
                        .map(|v| v.join(","))
                } else {
                    fold(s)
                }
            });
            mended
                .or_else(|| e.members.first().cloned())
                .map(Value::String)
        }
    }
}

fn is_int(s: &str) -> bool {
    let d = s.strip_prefix('-').unwrap_or(s);
    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
}

fn is_decimal(s: &str) -> bool {
    let d = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = d.split_once('.').unwrap_or((d, "0"));
    is_int(int) && is_int(frac) && !frac.starts_with('-')
}

/// `YYYY-MM-DD`, a real day.
fn is_date(s: &str) -> bool {
    s.len() == 10 && formats::date_time(&format!("{s}T00:00:00Z")).is_some()
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff...`, in range.
fn is_time_of_day(s: &str) -> bool {
    let b = s.as_bytes();
    let two = |i: usize, max: u8| {
        b.get(i..i + 2).is_some_and(|d| {
            d.iter().all(u8::is_ascii_digit) && (d[0] - b'0') * 10 + (d[1] - b'0') <= max
        })
    };
    if !(two(0, 23) && b.get(2) == Some(&b':') && two(3, 59)) {
        return false;
    }
    if b.len() == 5 {
        return true;
    }
    if !(b.get(5) == Some(&b':') && two(6, 59)) {
        return false;
    }
    match b.get(8..) {
        Some([]) => true,
        Some([b'.', frac @ ..]) => !frac.is_empty() && frac.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// An ISO 8601 duration as OData writes it, `-?PnDTnHnMn.nS` (years,
/// months and weeks read too): each unit at most once and in order, a
/// fraction on seconds only, at least one unit, none after a bare `T`.
fn is_duration(s: &str) -> bool {
    let b = s.strip_prefix('-').unwrap_or(s).as_bytes();
    let Some(rest) = b.strip_prefix(b"P") else {
        return false;
    };
    let (mut in_time, mut any, mut digits, mut dot, mut last) = (false, false, 0usize, false, 0);
    for &c in rest {
        match c {
            b'0'..=b'9' => digits += 1,
            b'.' if digits > 0 && !dot => {
                dot = true;
                digits = 0;
            }
            b'T' if digits == 0 && !in_time && !dot => {
                in_time = true;
                last = 0;
            }
            unit => {
                let order: &[u8] = if in_time { b"HMS" } else { b"YMWD" };
                let Some(pos) = order.iter().position(|&u| u == unit) else {
                    return false;
                };
                if digits == 0 || pos < last || (dot && unit != b'S') {
                    return false;
                }
                (last, digits, dot, any) = (pos + 1, 0, false, true);
            }
        }
    }
    any && digits == 0 && !dot && (!in_time || last > 0)
}

/// A GUID derived from where it is and what it replaces: the same body gets
/// the same GUIDs on every run, two places of it different ones.
fn stable_guid(ptr: &str, was: &str) -> String {
    let fnv = |seed: u64| {
        let mut x = seed;
        for b in ptr.bytes().chain([0]).chain(was.bytes()) {
            x ^= u64::from(b);
            x = x.wrapping_mul(0x0100_0000_01b3);
        }
        x
    };
    let a = fnv(0xcbf2_9ce4_8422_2325);
    let b = fnv(0x6c62_272e_07bb_0142);
    // version 4 (xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx)
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        (a & 0x0fff) | 0x4000,
        ((b >> 48) & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A small model: inheritance, an enum and a flags enum, collections,
    /// a complex type, a navigation property, a type definition, an
    /// untyped property.
    const CSDL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EnumType Name="status">
        <Member Name="notStarted" Value="0" />
        <Member Name="completed" Value="1" />
      </EnumType>
      <EnumType Name="perms" IsFlags="true">
        <Member Name="read" Value="1" />
        <Member Name="write" Value="2" />
      </EnumType>
      <TypeDefinition Name="stamp" UnderlyingType="Edm.DateTimeOffset" />
      <ComplexType Name="range">
        <Property Name="start" Type="Edm.Date" />
        <Property Name="at" Type="Edm.TimeOfDay" />
        <Property Name="span" Type="Edm.Duration" />
      </ComplexType>
      <EntityType Name="entity" Abstract="true">
        <Key><PropertyRef Name="id" /></Key>
        <Property Name="id" Type="Edm.String" Nullable="false" />
      </EntityType>
      <EntityType Name="item" BaseType="graph.entity">
        <Property Name="createdDateTime" Type="Edm.DateTimeOffset" />
        <Property Name="status" Type="graph.status" />
        <Property Name="perms" Type="graph.perms" />
        <Property Name="appId" Type="Edm.Guid" />
        <Property Name="roleIds" Type="Collection(Edm.Guid)" />
        <Property Name="count" Type="Edm.Int32" />
        <Property Name="big" Type="Edm.Int64" />
        <Property Name="ratio" Type="Edm.Double" />
        <Property Name="flag" Type="Edm.Boolean" />
        <Property Name="stamp" Type="graph.stamp" />
        <Property Name="range" Type="graph.range" />
        <Property Name="ranges" Type="Collection(graph.range)" />
        <Property Name="note" Type="Edm.String" />
        <Property Name="extra" Type="Edm.Untyped" />
        <NavigationProperty Name="children" Type="Collection(graph.item)" />
      </EntityType>
      <EntityType Name="special" BaseType="graph.item">
        <Property Name="doneDateTime" Type="Edm.DateTimeOffset" />
      </EntityType>
      <EntityType Name="other" BaseType="graph.entity">
        <Property Name="appId" Type="Edm.String" />
      </EntityType>
      <EntityType Name="holder" BaseType="graph.entity">
        <Property Name="value" Type="Collection(graph.range)" />
      </EntityType>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>"#;

    fn meta() -> Metadata {
        Metadata::parse(CSDL).expect("the test model parses")
    }

    const T: &str = "2024-01-01T00:00:00Z";

    /// Keys given where a truncated example leaves them out: (body,
    /// annotated type, truncated, expected body).
    #[test]
    fn keys_given_to_truncated_entities() {
        let m = meta();
        let id = |n: usize| Value::String(stable_guid(&format!("/v1.0/items#{n}"), "id"));
        let rows: Vec<(Value, Option<&str>, bool, Value)> = vec![
            // a listed entity without id gets one, a listed one with its id keeps it
            (
                json!({"value": [{"note": "a"}, {"id": "x", "note": "b"}, {"note": "c"}]}),
                Some("Collection(microsoft.graph.item)"),
                true,
                json!({"value": [{"note": "a", "id": id(0)}, {"id": "x", "note": "b"}, {"note": "c", "id": id(2)}]}),
            ),
            // an entity type answered as {"value": [...]} is a list of it
            (
                json!({"value": [{"note": "a"}]}),
                Some("microsoft.graph.special"),
                true,
                json!({"value": [{"note": "a", "id": id(0)}]}),
            ),
            // a bare array of entities
            (
                json!([{"note": "a"}]),
                Some("Collection(microsoft.graph.item)"),
                true,
                json!([{"note": "a", "id": id(0)}]),
            ),
            // one entity
            (
                json!({"note": "a", "children": [{"note": "nested"}]}),
                Some("microsoft.graph.item"),
                true,
                json!({"note": "a", "id": id(0), "children": [{"note": "nested"}]}),
            ),
            // the body's own @odata.type names the type when none is annotated
            (
                json!({"@odata.type": "#microsoft.graph.other", "appId": "a"}),
                None,
                true,
                json!({"@odata.type": "#microsoft.graph.other", "appId": "a", "id": id(0)}),
            ),
            // an entity declaring `value` is one entity, not a list
            (
                json!({"value": [{"start": "2020-01-01"}]}),
                Some("microsoft.graph.holder"),
                true,
                json!({"value": [{"start": "2020-01-01"}], "id": id(0)}),
            ),
            // untouched: not truncated, a complex type, an unknown type,
            // elements that are not objects, an error envelope's type unknown
            (
                json!({"value": [{"note": "a"}]}),
                Some("Collection(microsoft.graph.item)"),
                false,
                json!({"value": [{"note": "a"}]}),
            ),
            (
                json!({"start": "2020-01-01"}),
                Some("microsoft.graph.range"),
                true,
                json!({"start": "2020-01-01"}),
            ),
            (
                json!({"note": "a"}),
                Some("microsoft.graph.nosuch"),
                true,
                json!({"note": "a"}),
            ),
            (
                json!({"value": ["a", 1, null]}),
                Some("Collection(microsoft.graph.item)"),
                true,
                json!({"value": ["a", 1, null]}),
            ),
            (
                json!("text"),
                Some("microsoft.graph.item"),
                true,
                json!("text"),
            ),
        ];
        let mut bad = Vec::new();
        for (body, ty, truncated, want) in rows {
            let mut got = body.clone();
            let n = keyed(&mut got, ty, Some(&m), truncated, "/v1.0/items");
            if got != want || (n == 0) != (got == body) {
                bad.push(format!(
                    "{body} as {ty:?}: want {want}, got {got} ({n} given)"
                ));
            }
        }
        // without metadata nothing is sure
        let mut v = json!({"value": [{"note": "a"}]});
        assert_eq!(
            keyed(&mut v, Some("microsoft.graph.item"), None, true, "s"),
            0
        );
        // distinct within a list, the same on every call, another seed another id
        let mut a = json!({"value": [{}, {}]});
        let mut b = a.clone();
        keyed(
            &mut a,
            Some("Collection(microsoft.graph.item)"),
            Some(&m),
            true,
            "s",
        );
        keyed(
            &mut b,
            Some("Collection(microsoft.graph.item)"),
            Some(&m),
            true,
            "t",
        );
        assert_ne!(a["value"][0]["id"], a["value"][1]["id"]);
        assert_ne!(a["value"][0]["id"], b["value"][0]["id"]);
        assert!(formats::is_guid(a["value"][0]["id"].as_str().unwrap()));
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    #[test]
    fn with_metadata() {
        let m = meta();
        let g = |ptr: &str, was: &str| Value::String(stable_guid(ptr, was));
        // (body, annotated type, expected body)
        let rows: Vec<(Value, Option<&str>, Value)> = vec![
            // date-times: placeholders replaced, real ones kept, a date
            // keeps its day, null kept
            (
                json!({"createdDateTime": "datetime-value"}),
                Some("microsoft.graph.item"),
                json!({"createdDateTime": T}),
            ),
            (
                json!({"createdDateTime": "2016-10-19T10:37:00Z", "stamp": "String (timestamp)"}),
                Some("microsoft.graph.item"),
                json!({"createdDateTime": "2016-10-19T10:37:00Z", "stamp": T}),
            ),
            (
                json!({"createdDateTime": "1974-07-22", "stamp": null}),
                Some("#microsoft.graph.item"),
                json!({"createdDateTime": "1974-07-22T00:00:00Z", "stamp": null}),
            ),
            (
                json!({"createdDateTime": "2017-04-15T12:00:00.0000000"}),
                Some("graph.item"),
                json!({"createdDateTime": "2017-04-15T12:00:00.0000000"}),
            ),
            // a date-time written with a space keeps its instant
            (
                json!({"createdDateTime": "2020-02-10 22:48:33.841", "stamp": "2020-02-10 22:48:33+01:00"}),
                Some("microsoft.graph.item"),
                json!({"createdDateTime": "2020-02-10T22:48:33.841Z", "stamp": "2020-02-10T22:48:33+01:00"}),
            ),
            // another JSON type where a string kind goes: kept (by default)
            (
                json!({"createdDateTime": 5, "status": {}, "appId": 1}),
                Some("microsoft.graph.item"),
                json!({"createdDateTime": 5, "status": {}, "appId": 1}),
            ),
            // enums: a member kept, another case mended, else the first
            (
                json!({"status": "completed"}),
                Some("microsoft.graph.item"),
                json!({"status": "completed"}),
            ),
            (
                json!({"status": "Completed"}),
                Some("microsoft.graph.item"),
                json!({"status": "completed"}),
            ),
            (
                json!({"status": "status-value"}),
                Some("microsoft.graph.item"),
                json!({"status": "notStarted"}),
            ),
            (
                json!({"status": ""}),
                Some("microsoft.graph.item"),
                json!({"status": "notStarted"}),
            ),
            // flags: a list of members kept or mended, else the first
            (
                json!({"perms": "read,write"}),
                Some("microsoft.graph.item"),
                json!({"perms": "read,write"}),
            ),
            (
                json!({"perms": "Read, Write"}),
                Some("microsoft.graph.item"),
                json!({"perms": "read,write"}),
            ),
            (
                json!({"perms": "String"}),
                Some("microsoft.graph.item"),
                json!({"perms": "read"}),
            ),
            // GUIDs: a real one kept, a placeholder gets a stable one of its
            // place; a collection of them
            (
                json!({"appId": "00000003-0000-0000-c000-000000000000"}),
                Some("microsoft.graph.item"),
                json!({"appId": "00000003-0000-0000-c000-000000000000"}),
            ),
            (
                json!({"appId": "appId-value", "roleIds": ["Guid", "Guid"]}),
                Some("microsoft.graph.item"),
                json!({"appId": g("/appId", "appId-value"),
                       "roleIds": [g("/roleIds/0", "Guid"), g("/roleIds/1", "Guid")]}),
            ),
            // numbers and booleans: JSON types kept by default
            (
                json!({"count": "Int32", "flag": "Boolean", "ratio": 0.5, "big": "123"}),
                Some("microsoft.graph.item"),
                json!({"count": "Int32", "flag": "Boolean", "ratio": 0.5, "big": "123"}),
            ),
            // nested complex types, collections of them, date, time, duration
            (
                json!({"range": {"start": "Date", "at": "String", "span": "P1D"},
                       "ranges": [{"start": "2001-02-03", "span": "PT"}]}),
                Some("microsoft.graph.item"),
                json!({"range": {"start": DATE, "at": TIME_OF_DAY, "span": "P1D"},
                       "ranges": [{"start": "2001-02-03", "span": DURATION}]}),
            ),
            // a value in a format the judge holds the answer to (a
            // date-time, a GUID) keeps it
            (
                json!({"range": {"start": "2001-01-01T00:00:00Z", "at": "2001-01-01T10:00:00"},
                       "createdDateTime": "00000000-0000-0000-0000-000000000000",
                       "appId": "2001-01-01T00:00:00Z"}),
                Some("microsoft.graph.item"),
                json!({"range": {"start": "2001-01-01T00:00:00Z", "at": "2001-01-01T10:00:00"},
                       "createdDateTime": "00000000-0000-0000-0000-000000000000",
                       "appId": "2001-01-01T00:00:00Z"}),
            ),
            // strings, unknown properties, annotations, untyped: untouched
            (
                json!({"note": "datetime-value", "unknownDateTime": "x", "extra": "datetime-value",
                       "status@odata.type": "#x", "id": "String (identifier)"}),
                Some("microsoft.graph.item"),
                json!({"note": "datetime-value", "unknownDateTime": "x", "extra": "datetime-value",
                       "status@odata.type": "#x", "id": "String (identifier)"}),
            ),
            // a collection: a `value` array or a bare array
            (
                json!({"@odata.context": "x", "value": [{"status": "x"}, {"createdDateTime": "y"}]}),
                Some("Collection(microsoft.graph.item)"),
                json!({"@odata.context": "x", "value": [{"status": "notStarted"}, {"createdDateTime": T}]}),
            ),
            (
                json!([{"status": "x"}]),
                Some("Collection(microsoft.graph.item)"),
                json!([{"status": "notStarted"}]),
            ),
            // an entity type answered as a list
            (
                json!({"value": [{"status": "x"}]}),
                Some("microsoft.graph.item"),
                json!({"value": [{"status": "notStarted"}]}),
            ),
            // ... unless it declares `value`
            (
                json!({"value": [{"start": "x"}]}),
                Some("microsoft.graph.holder"),
                json!({"value": [{"start": DATE}]}),
            ),
            // a derived type by the element's own @odata.type; an unrelated
            // one is read as the declared type
            (
                json!({"value": [{"@odata.type": "#microsoft.graph.special", "doneDateTime": "x"},
                                 {"@odata.type": "#microsoft.graph.other", "appId": "a", "doneDateTime": "x"}]}),
                Some("Collection(microsoft.graph.item)"),
                json!({"value": [{"@odata.type": "#microsoft.graph.special", "doneDateTime": T},
                                 {"@odata.type": "#microsoft.graph.other", "appId": g("/value/1/appId", "a"),
                                  "doneDateTime": "x"}]}),
            ),
            // navigation properties (expanded), recursively
            (
                json!({"children": [{"children": [{"status": "Completed"}]}]}),
                Some("microsoft.graph.item"),
                json!({"children": [{"children": [{"status": "completed"}]}]}),
            ),
            // no annotated type: the body's own, else what names say
            (
                json!({"@odata.type": "#microsoft.graph.item", "status": "x"}),
                None,
                json!({"@odata.type": "#microsoft.graph.item", "status": "notStarted"}),
            ),
            (
                json!({"value": [{"@odata.type": "#microsoft.graph.item", "status": "x"}],
                       "lastDateTime": "y"}),
                Some("microsoft.graph.nowhere"),
                json!({"value": [{"@odata.type": "#microsoft.graph.item", "status": "notStarted"}],
                       "lastDateTime": T}),
            ),
            // a primitive or enum answer: `{"value": ...}` or the bare value
            (
                json!({"value": "String"}),
                Some("microsoft.graph.status"),
                json!({"value": "notStarted"}),
            ),
            (json!("x"), Some("Edm.DateTimeOffset"), json!(T)),
            (json!("x"), Some("Edm.String"), json!("x")),
            (
                json!({"value": ["x", "2020-01-01T00:00:00Z"]}),
                Some("Collection(Edm.DateTimeOffset)"),
                json!({"value": [T, "2020-01-01T00:00:00Z"]}),
            ),
            // shapes that are not the type's: nothing
            (
                json!({"createdDateTime": {"a": "x"}, "range": "x", "ranges": {"start": "x"}}),
                Some("microsoft.graph.item"),
                json!({"createdDateTime": {"a": "x"}, "range": "x", "ranges": {"start": "x"}}),
            ),
            (json!(5), Some("Collection(microsoft.graph.item)"), json!(5)),
            (json!("x"), Some("stream"), json!("x")),
        ];
        for (body, t, want) in rows {
            let mut got = body.clone();
            let n = typed(&mut got, t, Some(&m));
            assert_eq!(got, want, "{body} as {t:?}");
            let changed = positions(&body, t, Some(&m), Options::default())
                .into_iter()
                .filter(|p| p.now.is_some())
                .count();
            assert_eq!(n, changed, "{body}: typed and positions agree");
            // idempotent: a typed body has nothing left to replace
            assert_eq!(typed(&mut got, t, Some(&m)), 0, "{body} typed twice");
        }
    }

    #[test]
    fn json_types_when_asked() {
        let m = meta();
        let o = Options { json_types: true };
        // (body, expected body)
        let rows = [
            (json!({"count": "Int32"}), json!({"count": 0})),
            (json!({"count": "42"}), json!({"count": 42})),
            (json!({"count": 7}), json!({"count": 7})),
            (json!({"big": "123"}), json!({"big": "123"})),
            (json!({"big": "Int64"}), json!({"big": 0})),
            (json!({"ratio": "double-value"}), json!({"ratio": 0})),
            (json!({"ratio": "0.5"}), json!({"ratio": 0.5})),
            (json!({"ratio": "NaN"}), json!({"ratio": "NaN"})),
            (json!({"flag": "Boolean"}), json!({"flag": false})),
            (json!({"flag": "True"}), json!({"flag": true})),
            (json!({"flag": true}), json!({"flag": true})),
            // a non-string where a string kind goes
            (json!({"status": {}}), json!({"status": "notStarted"})),
            (json!({"createdDateTime": 5}), json!({"createdDateTime": T})),
            (json!({"count": true}), json!({"count": 0})),
            (
                json!({"createdDateTime": null}),
                json!({"createdDateTime": null}),
            ),
        ];
        for (body, want) in rows {
            let mut got = body.clone();
            typed_with(&mut got, Some("microsoft.graph.item"), Some(&m), o);
            assert_eq!(got, want, "{body}");
        }
    }

    #[test]
    fn without_metadata() {
        // (body, expected body)
        let rows = [
            (
                json!({"createdDateTime": "String"}),
                json!({"createdDateTime": T}),
            ),
            (
                json!({"createdDateTime": ""}),
                json!({"createdDateTime": T}),
            ),
            (
                json!({"createdDateTime": "2016-10-19T10:37:00Z"}),
                json!({"createdDateTime": "2016-10-19T10:37:00Z"}),
            ),
            (json!({"createdDateTime": 5}), json!({"createdDateTime": 5})),
            // Graph's dateTimeTimeZone.dateTime is a string
            (json!({"dateTime": "String"}), json!({"dateTime": "String"})),
            (
                json!({"a": {"b": ["datetime-value"]}, "c": "String (timestamp)"}),
                json!({"a": {"b": [T]}, "c": T}),
            ),
            (
                json!({"status": "String", "appId": "appId-value", "count": "Int32"}),
                json!({"status": "String", "appId": "appId-value", "count": "Int32"}),
            ),
            (
                json!({"x@odata.type": "datetime-value"}),
                json!({"x@odata.type": "datetime-value"}),
            ),
            (json!("datetime-value"), json!(T)),
        ];
        for (body, want) in rows {
            for t in [None, Some("microsoft.graph.item")] {
                let mut got = body.clone();
                typed(&mut got, t, None);
                assert_eq!(got, want, "{body}");
            }
        }
    }

    #[test]
    fn positions_tell_valid_and_invalid() {
        let m = meta();
        let body = json!({"createdDateTime": "x", "status": "completed", "count": "Int32"});
        let got: Vec<(String, Kind, bool, Option<Value>)> = positions(
            &body,
            Some("microsoft.graph.item"),
            Some(&m),
            Options::default(),
        )
        .into_iter()
        .map(|p| (p.pointer, p.kind, p.valid, p.now))
        .collect();
        assert_eq!(
            got,
            [
                ("/count".into(), Kind::Integer, false, None),
                (
                    "/createdDateTime".into(),
                    Kind::DateTimeOffset,
                    false,
                    Some(json!(T))
                ),
                ("/status".into(), Kind::Enum, true, None),
            ]
        );
    }

    #[test]
    fn formats() {
        // (text, date, time of day, duration)
        let rows = [
            ("2024-02-29", true, false, false),
            ("2023-02-29", false, false, false),
            ("2024-1-01", false, false, false),
            ("12:30", false, true, false),
            ("23:59:59", false, true, false),
            ("23:59:59.1234567", false, true, false),
            ("24:00:00", false, false, false),
            ("12:30:", false, false, false),
            ("12:30:00.", false, false, false),
            ("P1D", false, false, true),
            ("PT1H30M", false, false, true),
            ("-P1DT0.5S", false, false, true),
            ("P1Y2M3W4DT5H6M7.8S", false, false, true),
            ("PT", false, false, false),
            ("P", false, false, false),
            ("P1H", false, false, false),
            ("PT1D", false, false, false),
            ("PT1M1H", false, false, false),
            ("PT1.5M", false, false, false),
            ("P1DT", false, false, false),
            ("1D", false, false, false),
            ("é", false, false, false),
        ];
        for (s, date, time, duration) in rows {
            assert_eq!(
                (is_date(s), is_time_of_day(s), is_duration(s)),
                (date, time, duration),
                "{s}"
            );
        }
    }

    #[test]
    fn guids_are_stable_distinct_and_well_formed() {
        let a = stable_guid("/appId", "appId-value");
        assert_eq!(a, stable_guid("/appId", "appId-value"));
        assert_ne!(a, stable_guid("/value/1/appId", "appId-value"));
        assert_ne!(a, stable_guid("/appId", "Guid"));
        assert!(formats::is_guid(&a), "{a}");
        assert_eq!(&a[14..15], "4", "{a}");
        assert!("89ab".contains(&a[19..20]), "{a}");
    }

    #[test]
    fn deep_bodies_are_walked_to_a_bound() {
        let m = meta();
        // {"children": [{"children": [ ... ]}]} far deeper than MAX_DEPTH
        let mut body = json!({"createdDateTime": "x"});
        for _ in 0..MAX_DEPTH {
            body = json!({"children": [body]});
        }
        let mut got = body.clone();
        assert_eq!(typed(&mut got, Some("microsoft.graph.item"), Some(&m)), 0);
        assert_eq!(got, body);
        let mut shallow = json!({"children": [{"createdDateTime": "x"}]});
        assert_eq!(
            typed(&mut shallow, Some("microsoft.graph.item"), Some(&m)),
            1
        );
    }
}
