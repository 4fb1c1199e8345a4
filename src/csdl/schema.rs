//! CSDL types → JSON Schema (draft 2020-12). One `$defs` entry per type a
//! schema needs, and a dispatch on `@odata.type` for types that have derived
//! types. The patterns used for primitive types are listed in [`PATTERNS`]
//! so that a failed `pattern` can be told back to a human as the format it
//! stands for.
//!
//! Decisions, each so that the schemas of any document stay linear in its
//! size (a 1,000-level `BaseType` chain once made 4 GB of schemas):
//! - **Inherited properties are listed by segments of [`SEGMENT`] levels.**
//!   The schema of a type lists the properties of itself and of its bases up
//!   to the nearest depth that is a multiple of 8, and refers (`$ref`) to
//!   the `@inherited` schema of the next base for the rest, closed by
//!   `unevaluatedProperties`. A type less than 8 levels deep (every Graph
//!   type: the deepest chain is 5) lists every property it has and is closed
//!   by `additionalProperties`, as a reader expects. Flattening whole chains
//!   is quadratic in their length; refering level by level nests one `$ref`
//!   per level; segments cost at most 8 copies of a property and one `$ref`
//!   per 8 levels. A property redeclared 8 levels or more below its first
//!   declaration must satisfy both.
//! - **The dispatch on `@odata.type` walks the derived types level by
//!   level**: a type's dispatcher tries its direct derived types, each of
//!   which dispatches further. Listing every descendant at every level is
//!   quadratic in the depth. For our compiled validators the match is a
//!   custom keyword that asks the metadata ([`IS_A_KEYWORD`],
//!   [`DERIVED_FROM_KEYWORD`]): constant size; for any other validator
//!   ([`Flavor::Portable`]) it is a regular expression listing the types.
//! - Chains are at most [`MAX_DEPTH`](super::MAX_DEPTH) long, so the nesting
//!   of any schema (which the validator recurses on) is bounded.

use serde_json::{Map, Value, json};

use super::{Declared, Metadata, PRIMITIVES, Target};

/// Draft 2020-12.
pub(crate) const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Who reads the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// Any 2020-12 validator: `@odata.type` is matched by regular
    /// expressions.
    Portable,
    /// Our compiled validators: `@odata.type` is matched by the
    /// [`IS_A_KEYWORD`] and [`DERIVED_FROM_KEYWORD`] keywords, which ask the
    /// metadata: much cheaper to compile than thousands of regular
    /// expressions, and of constant size whatever the hierarchy.
    Compiled,
}

/// Custom keyword of the [`Flavor::Compiled`] schemas: the instance is a
/// string naming (as [`Metadata::lookup`] reads it) the type whose qualified
/// name is the keyword's value, or a type derived from it.
pub(crate) const IS_A_KEYWORD: &str = "x-odata-type-is-a";

/// Like [`IS_A_KEYWORD`], but the type itself does not match: only the
/// types derived from it, directly or not.
pub(crate) const DERIVED_FROM_KEYWORD: &str = "x-odata-type-derived-from";

/// How many levels of an inheritance chain one schema lists the properties
/// of (see the module documentation).
pub(crate) const SEGMENT: usize = 8;

/// What a `pattern` of ours stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatternMeaning {
    /// A date/time/guid/... format.
    Format(&'static str),
    /// A number or an integer written as a string (IEEE754Compatible).
    NumberString(&'static str),
}

pub(crate) const DATE_TIME: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?$";
pub(crate) const DATE: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
pub(crate) const TIME_OF_DAY: &str = r"^[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$";
pub(crate) const DURATION: &str =
    r"^-?P([0-9]+Y)?([0-9]+M)?([0-9]+W)?([0-9]+D)?(T([0-9]+H)?([0-9]+M)?([0-9]+(\.[0-9]+)?S)?)?$";
pub(crate) const GUID: &str =
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
pub(crate) const BASE64: &str = r"^[A-Za-z0-9+/_\-\s]*={0,2}$";
pub(crate) const INT_STRING: &str = r"^-?[0-9]+$";
pub(crate) const FLOAT_STRING: &str = r"^(-?INF|NaN)$";
pub(crate) const DECIMAL_STRING: &str = r"^(-?INF|NaN|[-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?)$";

pub(crate) const PATTERNS: &[(&str, PatternMeaning)] = &[
    (DATE_TIME, PatternMeaning::Format("date-time")),
    (DATE, PatternMeaning::Format("date")),
    (TIME_OF_DAY, PatternMeaning::Format("time of day")),
    (DURATION, PatternMeaning::Format("duration")),
    (GUID, PatternMeaning::Format("guid")),
    (BASE64, PatternMeaning::Format("base64")),
    (INT_STRING, PatternMeaning::NumberString("integer")),
    (FLOAT_STRING, PatternMeaning::NumberString("number")),
    (DECIMAL_STRING, PatternMeaning::NumberString("number")),
];

pub(crate) fn pattern_meaning(pattern: &str) -> Option<PatternMeaning> {
    PATTERNS
        .iter()
        .find(|(p, _)| *p == pattern)
        .map(|(_, m)| *m)
}

/// The schema of a primitive value; `null` allowed when `nullable`.
pub(crate) fn primitive(p: usize, nullable: bool) -> Value {
    let name = PRIMITIVES[p];
    let mut s = match name {
        "Edm.String" => json!({"type": "string"}),
        "Edm.Boolean" => json!({"type": "boolean"}),
        "Edm.Byte" => json!({"type": "integer", "minimum": 0, "maximum": 255}),
        "Edm.SByte" => json!({"type": "integer", "minimum": -128, "maximum": 127}),
        "Edm.Int16" => json!({"type": "integer", "minimum": -32768, "maximum": 32767}),
        "Edm.Int32" => json!({"type": "integer", "minimum": i32::MIN, "maximum": i32::MAX}),
        "Edm.Int64" => json!({"type": ["integer", "string"], "pattern": INT_STRING}),
        "Edm.Single" | "Edm.Double" => {
            json!({"type": ["number", "string"], "pattern": FLOAT_STRING})
        }
        "Edm.Decimal" => json!({"type": ["number", "string"], "pattern": DECIMAL_STRING}),
        "Edm.DateTimeOffset" => {
            json!({"type": "string", "format": "date-time", "pattern": DATE_TIME})
        }
        "Edm.Date" => json!({"type": "string", "format": "date", "pattern": DATE}),
        "Edm.TimeOfDay" => json!({"type": "string", "pattern": TIME_OF_DAY}),
        "Edm.Duration" => json!({"type": "string", "format": "duration", "pattern": DURATION}),
        "Edm.Guid" => json!({"type": "string", "format": "uuid", "pattern": GUID}),
        "Edm.Binary" => {
            json!({"type": "string", "contentEncoding": "base64", "pattern": BASE64})
        }
        // Stream, Untyped, geography, ...: anything.
        _ => return json!({}),
    };
    if nullable {
        add_null(&mut s);
    }
    s
}

fn add_null(s: &mut Value) {
    if let Some(t) = s.get_mut("type") {
        match t {
            Value::String(one) => *t = json!([one.clone(), "null"]),
            Value::Array(many) => many.push(json!("null")),
            _ => {}
        }
    }
}

/// The `$defs` key of the entry schema of a named type: for a structured
/// type with derived types, the dispatcher on `@odata.type`.
pub(crate) fn def_key(meta: &Metadata, i: usize) -> String {
    meta.qualified[i].clone()
}

/// The `$defs` key of the schema of exactly this structured type.
pub(crate) fn exact_key(meta: &Metadata, i: usize) -> String {
    if meta.derived[i].is_empty() {
        meta.qualified[i].clone()
    } else {
        format!("{}@exact", meta.qualified[i])
    }
}

/// The `$defs` key of the schema of an `@odata.type` naming the type or a
/// type derived from it ([`Flavor::Portable`]).
pub(crate) fn is_a_key(meta: &Metadata, i: usize) -> String {
    format!("{}@is-a", meta.qualified[i])
}

/// The `$defs` key of the properties a type passes on to the types derived
/// from it 8 levels below or more (see the module documentation).
pub(crate) fn inherited_key(meta: &Metadata, i: usize) -> String {
    format!("{}@inherited", meta.qualified[i])
}

/// The `$ref` value of a `$defs` key.
fn ref_to(key: &str) -> Value {
    Value::String(format!("#/$defs/{key}"))
}

fn reference(key: &str) -> Value {
    json!({ "$ref": ref_to(key) })
}

/// `$ref` to a named type, `null` allowed when `nullable`.
fn named_ref(meta: &Metadata, i: usize, nullable: bool) -> Value {
    let r = reference(&def_key(meta, i));
    if nullable {
        json!({"if": {"type": "null"}, "else": r})
    } else {
        r
    }
}

/// The schema of one value of a type; named types are referenced.
fn value_schema(meta: &Metadata, target: Target, nullable: bool) -> Value {
    match target {
        Target::Primitive(p) => primitive(p, nullable),
        Target::Named(i) => match &meta.types[i] {
            Declared::TypeDefinition(t) => primitive(
                super::primitive_index(&t.underlying).expect("checked when built"),
                nullable,
            ),
            _ => named_ref(meta, i, nullable),
        },
    }
}

fn collection_schema(items: Value, nullable: bool) -> Value {
    json!({
        "type": if nullable { json!(["array", "null"]) } else { json!("array") },
        "items": items,
    })
}

/// The schema of an `@odata.type` value naming `i` or a type derived from
/// it (only a type derived from it when `strictly`).
fn odata_type_match(
    meta: &Metadata,
    i: usize,
    strictly: bool,
    need: &mut Vec<Need>,
    flavor: Flavor,
) -> Value {
    match flavor {
        Flavor::Portable if strictly => {
            let mut any = Vec::with_capacity(meta.derived[i].len());
            for &c in &meta.derived[i] {
                need.push(Need::IsA(c));
                any.push(reference(&is_a_key(meta, c)));
            }
            json!({"type": "string", "anyOf": any})
        }
        Flavor::Portable => {
            need.push(Need::IsA(i));
            reference(&is_a_key(meta, i))
        }
        Flavor::Compiled => {
            let keyword = if strictly {
                DERIVED_FROM_KEYWORD
            } else {
                IS_A_KEYWORD
            };
            json!({"type": "string", keyword: meta.qualified[i]})
        }
    }
}

/// ([`Flavor::Portable`]) The `@is-a` schema of a type: a string naming it
/// (its own pattern) or naming a type derived from it (the `@is-a` of its
/// direct derived types). One pattern per type, not a list of the types
/// derived from each: that is quadratic in the depth.
fn is_a_schema(meta: &Metadata, i: usize, need: &mut Vec<Need>) -> Value {
    let pattern = odata_type_pattern(meta, &[i]);
    if meta.derived[i].is_empty() {
        return json!({"type": "string", "pattern": pattern});
    }
    let own = json!({ "pattern": pattern });
    let mut any = vec![own];
    for &c in &meta.derived[i] {
        need.push(Need::IsA(c));
        any.push(reference(&is_a_key(meta, c)));
    }
    json!({"type": "string", "anyOf": any})
}

/// Regex (case-insensitive) matching the `@odata.type` spellings of a set
/// of types: with or without `#`, by namespace or alias.
fn odata_type_pattern(meta: &Metadata, types: &[usize]) -> String {
    let mut by_ns: Vec<(&str, Vec<&str>)> = Vec::new();
    for &i in types {
        let t = &meta.types[i];
        match by_ns.iter_mut().find(|(ns, _)| *ns == t.namespace()) {
            Some((_, names)) => names.push(t.name()),
            None => by_ns.push((t.namespace(), vec![t.name()])),
        }
    }
    let mut alts = Vec::new();
    for (ns, names) in by_ns {
        let mut prefixes = vec![regex_escape(ns)];
        if let Some(alias) = meta.alias_of(ns) {
            prefixes.push(regex_escape(alias));
        }
        let names: Vec<String> = names.iter().map(|n| regex_escape(n)).collect();
        alts.push(format!(
            "(?:{})\\.(?:{})",
            prefixes.join("|"),
            names.join("|")
        ));
    }
    format!("(?i)^#?(?:{})$", alts.join("|"))
}

/// Escapes the characters a regular expression reads as syntax (the set of
/// `regex_syntax::escape`, which ECMA-262 reads the same way); any other
/// character stands for itself. (Escaping every other character breaks:
/// `\é` is no escape, `\<` is a word boundary.)
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// What a schema refers to, so that its `$defs` are added too.
#[derive(Debug, Clone, Copy)]
enum Need {
    /// The entry (and exact) schema of a named type.
    Type(usize),
    /// The `@inherited` schema of a structured type.
    Inherited(usize),
    /// The `@is-a` schema of a structured type.
    IsA(usize),
}

/// The types of the chain of `i` whose properties its schema lists (`i`
/// first), and the base whose `@inherited` schema holds the others.
fn segment(meta: &Metadata, i: usize) -> (Vec<usize>, Option<usize>) {
    let levels = meta.depth[i] % SEGMENT + 1;
    let mut chain = meta.chain(i);
    let listed: Vec<usize> = chain.by_ref().take(levels).collect();
    (listed, chain.next())
}

/// The `properties` of the types of a segment.
fn segment_properties(meta: &Metadata, listed: &[usize], need: &mut Vec<Need>) -> Value {
    let mut props = Map::new();
    for (p, target) in meta.properties_of(listed) {
        if let Target::Named(j) = target {
            need.push(Need::Type(j));
        }
        let s = if p.collection {
            collection_schema(value_schema(meta, target, p.nullable), p.nullable)
        } else {
            value_schema(meta, target, p.nullable)
        };
        props.insert(p.name.clone(), s);
    }
    for nav in meta.navigation_of(listed) {
        // Expanded navigation properties are allowed; their content is the
        // business of the type they point at and is not checked here.
        let s = if nav.collection {
            json!({"type": ["array", "null"], "items": {"type": ["object", "null"]}})
        } else {
            json!({"type": ["object", "null"]})
        };
        props.entry(nav.name.clone()).or_insert(s);
    }
    Value::Object(props)
}

/// The object schema of exactly one structured type, properties inherited.
fn exact_schema(meta: &Metadata, i: usize, need: &mut Vec<Need>) -> Value {
    // Graph declares `Json` (workbook values, chart points) as a complex type
    // with no properties, and serves any JSON there: arrays, strings,
    // numbers. CSDL cannot say "any JSON"; this is how Graph spells it.
    if meta.types[i].name().eq_ignore_ascii_case("Json")
        && meta.all_properties(i).is_empty()
        && meta.all_navigation(i).is_empty()
    {
        return json!({"title": meta.qualified[i], "description": "any JSON value"});
    }
    let (listed, rest) = segment(meta, i);
    let mut s = Map::new();
    s.insert("type".into(), json!("object"));
    s.insert("title".into(), json!(meta.qualified[i]));
    s.insert("properties".into(), segment_properties(meta, &listed, need));
    // `@odata.*` control information and `prop@...` instance annotations.
    s.insert("patternProperties".into(), json!({"@": true}));
    let closed = !meta.open_at(i);
    match rest {
        Some(r) => {
            need.push(Need::Inherited(r));
            s.insert("$ref".into(), ref_to(&inherited_key(meta, r)));
            if closed {
                // Sees the properties of the `$ref` too.
                s.insert("unevaluatedProperties".into(), json!(false));
            }
        }
        None if closed => {
            s.insert("additionalProperties".into(), json!(false));
        }
        None => {}
    }
    Value::Object(s)
}

/// The properties `r` passes on: those of its segment, and by `$ref` those
/// of the segments above it.
fn inherited_schema(meta: &Metadata, r: usize, need: &mut Vec<Need>) -> Value {
    let (listed, rest) = segment(meta, r);
    let mut s = Map::new();
    s.insert(
        "title".into(),
        json!(format!("{} (properties passed on)", meta.qualified[r])),
    );
    s.insert("properties".into(), segment_properties(meta, &listed, need));
    if let Some(up) = rest {
        need.push(Need::Inherited(up));
        s.insert("$ref".into(), ref_to(&inherited_key(meta, up)));
    }
    Value::Object(s)
}

/// The dispatcher of a structured type with derived types: a value whose
/// `@odata.type` names a type derived from it is judged by the dispatcher
/// (or the schema) of the direct derived type it descends from; any other
/// value by the exact schema of the type.
fn dispatch_schema(meta: &Metadata, i: usize, need: &mut Vec<Need>, flavor: Flavor) -> Value {
    let children = &meta.derived[i];
    let mut branches = Vec::with_capacity(children.len());
    for &c in children {
        need.push(Need::Type(c));
        branches.push(json!({
            "if": {"properties": {"@odata.type": odata_type_match(meta, c, false, need, flavor)}},
            "then": reference(&def_key(meta, c)),
        }));
    }
    json!({
        "if": {
            "required": ["@odata.type"],
            "properties": {"@odata.type": odata_type_match(meta, i, true, need, flavor)},
        },
        "then": {"allOf": branches},
        "else": reference(&exact_key(meta, i)),
    })
}

fn enum_schema(meta: &Metadata, i: usize) -> Value {
    let Declared::Enum(e) = &meta.types[i] else {
        return json!({});
    };
    if e.is_flags {
        let names: Vec<String> = e.members.iter().map(|m| regex_escape(m)).collect();
        let one = format!("(?:{})", names.join("|"));
        json!({
            "type": "string",
            "title": meta.qualified[i],
            "pattern": format!(r"^{one}(?:\s*,\s*{one})*$"),
        })
    } else {
        json!({"type": "string", "title": meta.qualified[i], "enum": e.members})
    }
}

/// Add to `defs` the schemas of `roots` and of every type they need.
pub(crate) fn collect_defs(
    meta: &Metadata,
    roots: &[usize],
    defs: &mut Map<String, Value>,
    flavor: Flavor,
) {
    let mut stack: Vec<Need> = roots.iter().map(|&i| Need::Type(i)).collect();
    let mut seen = vec![false; meta.types.len()];
    let mut seen_inherited = vec![false; meta.types.len()];
    let mut seen_is_a = vec![false; meta.types.len()];
    let mut need = Vec::new();
    while let Some(n) = stack.pop() {
        match n {
            Need::Type(i) if !std::mem::replace(&mut seen[i], true) => match &meta.types[i] {
                Declared::Enum(_) => {
                    defs.insert(def_key(meta, i), enum_schema(meta, i));
                }
                Declared::TypeDefinition(_) => {}
                Declared::Structured(_) => {
                    defs.insert(exact_key(meta, i), exact_schema(meta, i, &mut need));
                    if !meta.derived[i].is_empty() {
                        defs.insert(
                            def_key(meta, i),
                            dispatch_schema(meta, i, &mut need, flavor),
                        );
                    }
                }
            },
            Need::Inherited(r) if !std::mem::replace(&mut seen_inherited[r], true) => {
                defs.insert(inherited_key(meta, r), inherited_schema(meta, r, &mut need));
            }
            Need::IsA(i) if !std::mem::replace(&mut seen_is_a[i], true) => {
                defs.insert(is_a_key(meta, i), is_a_schema(meta, i, &mut need));
            }
            _ => continue,
        }
        stack.extend(need.drain(..).filter(|n| match *n {
            Need::Type(j) => !seen[j],
            Need::Inherited(j) => !seen_inherited[j],
            Need::IsA(j) => !seen_is_a[j],
        }));
    }
}

/// A standalone schema for a value of `target` (a collection of them when
/// `collection`).
pub(crate) fn standalone(meta: &Metadata, target: Target, collection: bool) -> Value {
    let mut defs = Map::new();
    if let Target::Named(i) = target {
        collect_defs(meta, &[i], &mut defs, Flavor::Portable);
    }
    let body = value_schema(meta, target, false);
    let body = if collection {
        collection_schema(body, false)
    } else {
        body
    };
    let mut s = Map::new();
    s.insert("$schema".into(), json!(DIALECT));
    if let Value::Object(b) = body {
        s.extend(b);
    }
    if !defs.is_empty() {
        s.insert("$defs".into(), Value::Object(defs));
    }
    Value::Object(s)
}

/// One document for the whole metadata: `$defs` for every named type, and
/// under `properties` one entry per entity, complex and enum type (key: its
/// qualified name) and per primitive type (`Edm.String`) that validates a
/// value of it. Validating `{"<name>": value}` against the document
/// validates the value.
pub(crate) fn document(meta: &Metadata, flavor: Flavor) -> Value {
    let mut defs = Map::new();
    let all: Vec<usize> = (0..meta.types.len()).collect();
    collect_defs(meta, &all, &mut defs, flavor);
    let mut entries = Map::new();
    for (i, t) in meta.types.iter().enumerate() {
        if !matches!(t, Declared::TypeDefinition(_)) {
            entries.insert(meta.qualified[i].clone(), reference(&def_key(meta, i)));
        }
    }
    for (p, name) in PRIMITIVES.iter().enumerate() {
        entries.insert((*name).to_string(), primitive(p, false));
    }
    json!({
        "$schema": DIALECT,
        "type": "object",
        "properties": entries,
        "$defs": defs,
    })
}
