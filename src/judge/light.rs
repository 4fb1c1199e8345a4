//! An answer parsed for the compiled judge without owning copies: strings
//! and member names are borrowed from the body (copied only when they hold
//! escapes), numbers are not kept, objects are one sorted vector. The walk
//! of [`super::plan`] reads it, or a `serde_json::Value`, through
//! [`Answer`], so both give the same findings by construction.
//!
//! Decisions, and why:
//! - **The `Value`'s semantics, not the wire's.** A `Value` object (no
//!   `preserve_order`) is sorted by name and keeps the last of duplicate
//!   names; a [`Light`] object is sorted the same way (stable, the last
//!   duplicate kept), so pointers and finding order do not move.
//! - **The same parser.** It is serde_json's own deserializer with a
//!   visitor of its own: what the `Value` parse rejects (syntax, depth,
//!   invalid UTF-8, numbers out of range) this rejects with the same error.
//! - **Not a SIMD parser.** sonic-rs or simd-json would add a dependency
//!   every library user pays for, and their own trees would still need the
//!   `Value`'s ordering rules rebuilt on top; the allocation a `Value`
//!   makes per string and per map node is what this removes.

use super::plan::{ARRAY, BOOL, NULL, NUMBER, OBJECT, STRING};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// One parsed answer (see the module doc).
#[derive(Debug, Clone, PartialEq)]
pub enum Light<'a> {
    Null,
    Bool,
    Number,
    Str(Cow<'a, str>),
    Array(Vec<Light<'a>>),
    /// Sorted by name, names unique (the last duplicate kept).
    Object(Vec<(Cow<'a, str>, Light<'a>)>),
}

impl<'a> Light<'a> {
    /// Parse a JSON text; the error is the one `serde_json::from_slice`
    /// into a `Value` gives.
    pub fn parse(bytes: &'a [u8]) -> Result<Light<'a>, serde_json::Error> {
        // UTF-8 checked once for the whole body (word at a time) rather
        // than string by string; invalid UTF-8 goes the byte way, for the
        // very error a `Value` parse gives.
        match std::str::from_utf8(bytes) {
            Ok(text) => {
                let mut de = serde_json::Deserializer::from_str(text);
                let v = LightSeed.deserialize(&mut de)?;
                de.end()?;
                Ok(v)
            }
            Err(_) => {
                let mut de = serde_json::Deserializer::from_slice(bytes);
                let v = LightSeed.deserialize(&mut de)?;
                de.end()?;
                Ok(v)
            }
        }
    }

    /// The top-level object with only its paging links, as a `Value`: what
    /// the OData rules read of a page when the query asks nothing of its
    /// elements. Not an object: `null`.
    pub fn paging_links(&self) -> Value {
        let Light::Object(entries) = self else {
            return Value::Null;
        };
        let mut m = serde_json::Map::new();
        for name in ["@odata.nextLink", "@odata.deltaLink"] {
            if let Ok(i) = entries.binary_search_by(|(n, _)| n.as_ref().cmp(name)) {
                let v = match &entries[i].1 {
                    Light::Str(s) => Value::String(s.as_ref().to_owned()),
                    // Only a string is read; any other value says "not a URL".
                    _ => Value::Bool(false),
                };
                m.insert(name.to_owned(), v);
            }
        }
        Value::Object(m)
    }
}

struct LightSeed;

impl<'de> DeserializeSeed<'de> for LightSeed {
    type Value = Light<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Light<'de>, D::Error> {
        d.deserialize_any(LightVisitor)
    }
}

struct LightVisitor;

impl<'de> Visitor<'de> for LightVisitor {
    type Value = Light<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Light<'de>, E> {
        Ok(Light::Bool)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Light<'de>, E> {
        Ok(Light::Number)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Light<'de>, E> {
        Ok(Light::Number)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Light<'de>, E> {
        Ok(Light::Number)
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Light<'de>, E> {
        Ok(Light::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Light<'de>, E> {
        Ok(Light::Str(Cow::Owned(s.to_owned())))
    }
    fn visit_string<E>(self, s: String) -> Result<Light<'de>, E> {
        Ok(Light::Str(Cow::Owned(s)))
    }
    fn visit_unit<E>(self) -> Result<Light<'de>, E> {
        Ok(Light::Null)
    }
    fn visit_none<E>(self) -> Result<Light<'de>, E> {
        Ok(Light::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Light<'de>, A::Error> {
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(e) = seq.next_element_seed(LightSeed)? {
            v.push(e);
        }
        Ok(Light::Array(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Light<'de>, A::Error> {
        let mut v: Vec<(Cow<'de, str>, Light<'de>)> = Vec::new();
        let mut sorted = true;
        while let Some(k) = map.next_key_seed(KeySeed)? {
            let e = map.next_value_seed(LightSeed)?;
            if let Some((last, _)) = v.last()
                && *last >= k
            {
                sorted = false;
            }
            v.push((k, e));
        }
        if !sorted {
            v.sort_by(|a, b| a.0.cmp(&b.0)); // stable: duplicates in wire order
            v.dedup_by(|later, earlier| {
                if later.0 == earlier.0 {
                    std::mem::swap(later, earlier); // the last one wins
                    true
                } else {
                    false
                }
            });
        }
        Ok(Light::Object(v))
    }
}

/// A member name, borrowed when it has no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(s))
    }
    fn visit_str<E>(self, s: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s))
    }
}

/// What the compiled walk reads of an answer: a `Value` or a [`Light`].
pub(crate) trait Answer: Sized {
    /// The members of an object, sorted by name, names unique.
    type Members<'s>: Iterator<Item = (&'s str, &'s Self)>
    where
        Self: 's;

    /// The JSON type, as one of the plan's type bits.
    fn bit(&self) -> u8;
    fn text(&self) -> Option<&str>;
    fn elements(&self) -> Option<&[Self]>;
    fn members(&self) -> Option<Self::Members<'_>>;
    /// One member of an object.
    fn member(&self, name: &str) -> Option<&Self>;

    /// The `@odata.type` an element carries, when it is an object that has one.
    fn odata_type(&self) -> Option<&str> {
        self.member("@odata.type")?.text()
    }

    fn type_name(&self) -> &'static str {
        match self.bit() {
            NULL => "null",
            BOOL => "boolean",
            NUMBER => "number",
            STRING => "string",
            ARRAY => "array",
            _ => "object",
        }
    }
}

fn value_member<'s>(kv: (&'s String, &'s Value)) -> (&'s str, &'s Value) {
    (kv.0.as_str(), kv.1)
}

type ValueMember<'s> = fn((&'s String, &'s Value)) -> (&'s str, &'s Value);

impl Answer for Value {
    type Members<'s> = std::iter::Map<serde_json::map::Iter<'s>, ValueMember<'s>>;

    fn bit(&self) -> u8 {
        match self {
            Value::Null => NULL,
            Value::Bool(_) => BOOL,
            Value::Number(_) => NUMBER,
            Value::String(_) => STRING,
            Value::Array(_) => ARRAY,
            Value::Object(_) => OBJECT,
        }
    }
    fn text(&self) -> Option<&str> {
        self.as_str()
    }
    fn elements(&self) -> Option<&[Value]> {
        self.as_array().map(Vec::as_slice)
    }
    fn members(&self) -> Option<Self::Members<'_>> {
        self.as_object()
            .map(|m| m.iter().map(value_member as ValueMember<'_>))
    }
    fn member(&self, name: &str) -> Option<&Value> {
        self.as_object()?.get(name)
    }
}

type LightEntry<'a> = (Cow<'a, str>, Light<'a>);
type LightMember<'s, 'a> = fn(&'s LightEntry<'a>) -> (&'s str, &'s Light<'a>);

fn light_member<'s, 'a>(e: &'s LightEntry<'a>) -> (&'s str, &'s Light<'a>) {
    (e.0.as_ref(), &e.1)
}

impl<'a> Answer for Light<'a> {
    type Members<'s>
        = std::iter::Map<std::slice::Iter<'s, LightEntry<'a>>, LightMember<'s, 'a>>
    where
        Self: 's;

    fn bit(&self) -> u8 {
        match self {
            Light::Null => NULL,
            Light::Bool => BOOL,
            Light::Number => NUMBER,
            Light::Str(_) => STRING,
            Light::Array(_) => ARRAY,
            Light::Object(_) => OBJECT,
        }
    }
    fn text(&self) -> Option<&str> {
        match self {
            Light::Str(s) => Some(s),
            _ => None,
        }
    }
    fn elements(&self) -> Option<&[Light<'a>]> {
        match self {
            Light::Array(v) => Some(v),
            _ => None,
        }
    }
    fn members(&self) -> Option<Self::Members<'_>> {
        match self {
            Light::Object(v) => Some(v.iter().map(light_member as LightMember<'_, 'a>)),
            _ => None,
        }
    }
    fn member(&self, name: &str) -> Option<&Light<'a>> {
        match self {
            Light::Object(v) => v
                .binary_search_by(|(n, _)| n.as_ref().cmp(name))
                .ok()
                .map(|i| &v[i].1),
            _ => None,
        }
    }
}
