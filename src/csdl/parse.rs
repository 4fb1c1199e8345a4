//! Reading a CSDL XML document (`$metadata`) into the in-memory model of
//! [`Metadata`](super::Metadata). Kept: what a payload's shape depends on
//! (schemas with namespace and alias, entity and complex types, enum types,
//! type definitions) and what a URL path resolves against (the entity
//! container's entity sets, singletons and operation imports; actions and
//! functions with their parameters and return types; `ContainsTarget` of
//! navigation properties). Vocabulary annotations, navigation property
//! bindings and keys are skipped. Every failure names a line and a column.
//!
//! The reader keeps its own stack of open elements (no recursion, whatever
//! the nesting), and type names, namespaces and aliases must be CSDL
//! identifiers ([`is_identifier`]): they end up as file names and in
//! regular expressions.

use std::collections::HashMap;

use crate::error::{Error, Location};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// Why a CSDL document could not be read: an [`Error`] of kind
/// [`ErrorKind::Csdl`](crate::error::ErrorKind::Csdl), located (1-based
/// line, column in characters) in the file when the document was loaded
/// from one ([`Error::file`]), else in the text (`line L, column C: ...`).
/// A `$metadata` document holds no secret: its line may be shown.
pub type CsdlError = Error;

pub(crate) use crate::error::line_col;

fn error_at(src: &str, offset: usize, message: impl Into<String>) -> CsdlError {
    Error::csdl(message).at(Location::of_offset("", src, offset))
}

/// An entity type or a complex type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StructuredKind {
    Entity,
    Complex,
}

/// A structural property as declared (not inherited).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub name: String,
    /// The element type as written, without `Collection(...)`:
    /// `Edm.String`, `graph.operationStatus`.
    pub type_name: String,
    /// `Type="Collection(...)"`.
    pub collection: bool,
    /// `Nullable` (default true). For a collection it speaks of its items.
    pub nullable: bool,
}

/// A navigation property as declared: allowed in a payload (expanded), never
/// required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavigationProperty {
    pub name: String,
    pub type_name: String,
    pub collection: bool,
    pub nullable: bool,
    /// `ContainsTarget="true"`: the related entities are contained (only
    /// addressable through this property).
    pub contains_target: bool,
}

/// A child of the `<EntityContainer>`, as declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerElement {
    /// `<EntitySet Name EntityType>`.
    EntitySet { name: String, entity_type: String },
    /// `<Singleton Name Type>`.
    Singleton { name: String, type_name: String },
    /// `<ActionImport Name Action>`: an unbound action, by qualified name.
    ActionImport { name: String, action: String },
    /// `<FunctionImport Name Function>`: an unbound function.
    FunctionImport { name: String, function: String },
}

impl ContainerElement {
    pub fn name(&self) -> &str {
        match self {
            ContainerElement::EntitySet { name, .. }
            | ContainerElement::Singleton { name, .. }
            | ContainerElement::ActionImport { name, .. }
            | ContainerElement::FunctionImport { name, .. } => name,
        }
    }
}

/// `<Action>` or `<Function>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperationKind {
    Action,
    Function,
}

/// A parameter of an action or function, as declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    pub name: String,
    /// The element type as written, without `Collection(...)`.
    pub type_name: String,
    pub collection: bool,
}

/// An action or a function, as declared (one overload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub kind: OperationKind,
    pub namespace: String,
    pub name: String,
    /// `IsBound="true"`: the first parameter is the binding parameter.
    pub is_bound: bool,
    /// `IsComposable="true"` (functions): further segments may follow.
    pub is_composable: bool,
    /// Every parameter, the binding parameter first when bound.
    pub parameters: Vec<Parameter>,
    /// `<ReturnType Type>`: (element type as written, collection).
    pub return_type: Option<(String, bool)>,
}

impl Operation {
    /// The binding parameter of a bound operation.
    pub fn binding(&self) -> Option<&Parameter> {
        if self.is_bound {
            self.parameters.first()
        } else {
            None
        }
    }
    /// The parameters a caller passes (the binding parameter excluded).
    pub fn arguments(&self) -> &[Parameter] {
        let skip = usize::from(self.is_bound).min(self.parameters.len());
        &self.parameters[skip..]
    }
}

/// An entity or complex type as declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructuredType {
    pub kind: StructuredKind,
    pub namespace: String,
    pub name: String,
    /// `BaseType` as written.
    pub base_type: Option<String>,
    pub is_abstract: bool,
    /// `OpenType` as declared on this type (see
    /// [`Metadata::is_open`](super::Metadata::is_open) for the inherited
    /// answer).
    pub open_type: bool,
    pub properties: Vec<Property>,
    pub navigation_properties: Vec<NavigationProperty>,
}

/// An enum type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumType {
    pub namespace: String,
    pub name: String,
    pub members: Vec<String>,
    pub is_flags: bool,
}

/// A type definition: a named primitive type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeDefinition {
    pub namespace: String,
    pub name: String,
    /// `UnderlyingType` as written (`Edm.String`).
    pub underlying: String,
}

/// One `<Schema>` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaInfo {
    pub namespace: String,
    pub alias: Option<String>,
}

/// A named type of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declared {
    Structured(StructuredType),
    Enum(EnumType),
    TypeDefinition(TypeDefinition),
}

impl Declared {
    pub fn namespace(&self) -> &str {
        match self {
            Declared::Structured(t) => &t.namespace,
            Declared::Enum(t) => &t.namespace,
            Declared::TypeDefinition(t) => &t.namespace,
        }
    }
    pub fn name(&self) -> &str {
        match self {
            Declared::Structured(t) => &t.name,
            Declared::Enum(t) => &t.name,
            Declared::TypeDefinition(t) => &t.name,
        }
    }
}

/// What the reader hands to `Metadata`: the declarations, with the byte
/// offset of each so that later checks can point at them.
pub(crate) struct Parsed {
    pub schemas: Vec<SchemaInfo>,
    pub types: Vec<(Declared, usize)>,
    /// Offsets of the properties (same order as declared) of each structured
    /// type, keyed by index into `types`.
    pub property_offsets: HashMap<usize, Vec<usize>>,
    /// The document declares `edmx:Reference`s: types of other namespaces may
    /// be declared elsewhere.
    pub has_references: bool,
    /// The children of every `<EntityContainer>`, in order, with offsets.
    pub container: Vec<(ContainerElement, usize)>,
    /// Every action and function, in order, with offsets.
    pub operations: Vec<(Operation, usize)>,
}

fn local(name: &str) -> &str {
    match name.rfind(':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

struct Attrs {
    pairs: Vec<(String, String)>,
}

impl Attrs {
    fn read(e: &BytesStart<'_>, src: &str, offset: usize) -> Result<Attrs, CsdlError> {
        let mut pairs = Vec::new();
        for a in e.attributes() {
            let a = a.map_err(|err| error_at(src, offset, format!("bad attribute: {err}")))?;
            let key = local(a.key.as_ref()).to_string();
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| error_at(src, offset, format!("bad attribute value: {err}")))?;
            pairs.push((key, value.into_owned()));
        }
        Ok(Attrs { pairs })
    }
    fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    fn flag(&self, key: &str, default: bool) -> bool {
        match self.get(key) {
            Some(v) => v.trim().eq_ignore_ascii_case("true"),
            None => default,
        }
    }
}

/// Split `Collection(X)` into (`X`, true). Reads the text by `get`, never
/// by slicing: a multi-byte character where `Collection(` would end is just
/// not a collection.
pub(crate) fn split_collection(t: &str) -> (&str, bool) {
    let t = t.trim();
    const OPEN: &str = "Collection(";
    let inner = t
        .get(..OPEN.len())
        .filter(|head| head.eq_ignore_ascii_case(OPEN))
        .and_then(|_| t.get(OPEN.len()..)?.strip_suffix(')'))
        .filter(|inner| !inner.is_empty());
    match inner {
        Some(inner) => (inner.trim(), true),
        None => (t, false),
    }
}

/// A CSDL simple identifier: a letter or `_`, then letters, digits and `_`
/// (Unicode letters and digits), at most 128 characters. Type names,
/// namespaces and aliases must be ones: they become file names (`schema
/// --all`), `$defs` keys and regular expressions.
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
        && s.chars().count() <= 128
}

/// A namespace: simple identifiers joined by dots.
fn is_namespace(s: &str) -> bool {
    s.split('.').all(is_identifier)
}

/// `required`, and a simple identifier (a namespace when `dotted`).
fn identifier<'a>(
    attrs: &'a Attrs,
    key: &str,
    element: &str,
    dotted: bool,
    src: &str,
    offset: usize,
) -> Result<&'a str, CsdlError> {
    let v = required(attrs, key, element, src, offset)?;
    let ok = if dotted {
        is_namespace(v)
    } else {
        is_identifier(v)
    };
    if ok {
        Ok(v)
    } else {
        Err(error_at(
            src,
            offset,
            format!(
                "<{element}> {key} {:?} is not a CSDL identifier (letters, digits and _{})",
                short(v),
                if dotted { ", joined by dots" } else { "" }
            ),
        ))
    }
}

/// At most 80 characters of a value, for a message.
fn short(v: &str) -> String {
    if v.chars().count() > 80 {
        let mut s: String = v.chars().take(77).collect();
        s.push_str("...");
        s
    } else {
        v.to_string()
    }
}

/// What element we are in, as far as the model cares.
enum Frame {
    /// An element we do not model (its children are skipped too when it is
    /// not a container of types).
    Other,
    Edmx,
    DataServices,
    Schema(usize),
    Structured(usize),
    Enum(usize),
    Member,
    PropertyLike,
    Container,
    Operation(usize),
}

pub(crate) fn parse(src: &str) -> Result<Parsed, CsdlError> {
    let mut reader = Reader::from_str(src);
    {
        let cfg = reader.config_mut();
        cfg.trim_text(true);
        cfg.check_end_names = true;
    }
    let mut out = Parsed {
        schemas: Vec::new(),
        types: Vec::new(),
        property_offsets: HashMap::new(),
        has_references: false,
        container: Vec::new(),
        operations: Vec::new(),
    };
    // (frame, element name, offset)
    let mut stack: Vec<(Frame, String, usize)> = Vec::new();
    let mut saw_root = false;
    loop {
        let before = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(err) => {
                let at = reader.error_position() as usize;
                return Err(error_at(src, at, format!("malformed XML: {err}")));
            }
        };
        // Skip the whitespace that trimming swallowed to point at the `<`
        // (by `get`: an offset inside a character points at no `<`).
        let offset = src
            .get(before..)
            .and_then(|rest| rest.find(|c: char| !c.is_whitespace()))
            .map_or(before, |i| before + i);
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let self_closing = matches!(event, Event::Empty(_));
                let name = e.name().as_ref().to_string();
                let lname = local(e.name().as_ref()).to_string();
                let frame = open_element(src, e, &lname, offset, &stack, &mut out, saw_root)?;
                saw_root = true;
                if !self_closing {
                    stack.push((frame, name, offset));
                }
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Eof => {
                if let Some((_, name, at)) = stack.last() {
                    return Err(error_at(
                        src,
                        src.len(),
                        format!(
                            "unexpected end of document: <{name}> opened at line {} is not closed",
                            line_col(src, *at).0
                        ),
                    ));
                }
                break;
            }
            // Text inside CSDL elements only appears in annotations
            // (<String>...</String>); outside the root it is an error.
            Event::Text(t) if stack.is_empty() && !t.as_ref().trim().is_empty() => {
                return Err(error_at(src, offset, "text outside of the root element"));
            }
            _ => {}
        }
    }
    if !saw_root {
        return Err(error_at(src, src.len(), "empty document: no root element"));
    }
    if out.schemas.is_empty() {
        return Err(error_at(
            src,
            0,
            "not a CSDL document: no <Schema> element (expected edmx:Edmx/edmx:DataServices/Schema)",
        ));
    }
    Ok(out)
}

fn required<'a>(
    attrs: &'a Attrs,
    key: &str,
    element: &str,
    src: &str,
    offset: usize,
) -> Result<&'a str, CsdlError> {
    match attrs.get(key) {
        Some(v) if !v.trim().is_empty() => Ok(v.trim()),
        _ => Err(error_at(
            src,
            offset,
            format!("<{element}> without a {key} attribute"),
        )),
    }
}

fn open_element(
    src: &str,
    e: &BytesStart<'_>,
    lname: &str,
    offset: usize,
    stack: &[(Frame, String, usize)],
    out: &mut Parsed,
    saw_root: bool,
) -> Result<Frame, CsdlError> {
    if saw_root && stack.is_empty() {
        return Err(error_at(src, offset, "a second root element"));
    }
    let parent = stack.last().map(|(f, _, _)| f);
    let frame = match (parent, lname) {
        (None, "Edmx") => Frame::Edmx,
        (None, "Schema") | (Some(Frame::DataServices), "Schema") => {
            let attrs = Attrs::read(e, src, offset)?;
            let namespace =
                identifier(&attrs, "Namespace", "Schema", true, src, offset)?.to_string();
            let alias = match attrs.get("Alias").map(str::trim) {
                Some(a) if !a.is_empty() => {
                    Some(identifier(&attrs, "Alias", "Schema", false, src, offset)?.to_string())
                }
                _ => None,
            };
            out.schemas.push(SchemaInfo { namespace, alias });
            Frame::Schema(out.schemas.len() - 1)
        }
        (Some(Frame::Edmx), "DataServices") => Frame::DataServices,
        (Some(Frame::Edmx), "Reference") => {
            out.has_references = true;
            Frame::Other
        }
        (Some(Frame::Schema(s)), "EntityType" | "ComplexType") => {
            let attrs = Attrs::read(e, src, offset)?;
            let name = identifier(&attrs, "Name", lname, false, src, offset)?.to_string();
            let t = StructuredType {
                kind: if lname == "EntityType" {
                    StructuredKind::Entity
                } else {
                    StructuredKind::Complex
                },
                namespace: out.schemas[*s].namespace.clone(),
                name,
                base_type: attrs
                    .get("BaseType")
                    .map(|b| b.trim().to_string())
                    .filter(|b| !b.is_empty()),
                is_abstract: attrs.flag("Abstract", false),
                open_type: attrs.flag("OpenType", false),
                properties: Vec::new(),
                navigation_properties: Vec::new(),
            };
            out.types.push((Declared::Structured(t), offset));
            Frame::Structured(out.types.len() - 1)
        }
        (Some(Frame::Schema(s)), "EnumType") => {
            let attrs = Attrs::read(e, src, offset)?;
            let name = identifier(&attrs, "Name", lname, false, src, offset)?.to_string();
            out.types.push((
                Declared::Enum(EnumType {
                    namespace: out.schemas[*s].namespace.clone(),
                    name,
                    members: Vec::new(),
                    is_flags: attrs.flag("IsFlags", false),
                }),
                offset,
            ));
            Frame::Enum(out.types.len() - 1)
        }
        (Some(Frame::Schema(s)), "TypeDefinition") => {
            let attrs = Attrs::read(e, src, offset)?;
            let name = identifier(&attrs, "Name", lname, false, src, offset)?.to_string();
            let underlying = required(&attrs, "UnderlyingType", lname, src, offset)?.to_string();
            out.types.push((
                Declared::TypeDefinition(TypeDefinition {
                    namespace: out.schemas[*s].namespace.clone(),
                    name,
                    underlying,
                }),
                offset,
            ));
            Frame::Other
        }
        (Some(Frame::Structured(t)), "Property" | "NavigationProperty") => {
            let attrs = Attrs::read(e, src, offset)?;
            let name = required(&attrs, "Name", lname, src, offset)?.to_string();
            let raw = required(&attrs, "Type", lname, src, offset)?;
            let (type_name, collection) = split_collection(raw);
            if type_name.is_empty() {
                return Err(error_at(
                    src,
                    offset,
                    format!("<{lname}> with an empty Type"),
                ));
            }
            let nullable = attrs.flag("Nullable", true);
            let Declared::Structured(st) = &mut out.types[*t].0 else {
                unreachable!("a Structured frame indexes a structured type")
            };
            if lname == "Property" {
                st.properties.push(Property {
                    name,
                    type_name: type_name.to_string(),
                    collection,
                    nullable,
                });
                out.property_offsets.entry(*t).or_default().push(offset);
            } else {
                st.navigation_properties.push(NavigationProperty {
                    name,
                    type_name: type_name.to_string(),
                    collection,
                    nullable,
                    contains_target: attrs.flag("ContainsTarget", false),
                });
            }
            Frame::PropertyLike
        }
        (Some(Frame::Schema(_)), "EntityContainer") => Frame::Container,
        (Some(Frame::Container), "EntitySet" | "Singleton" | "ActionImport" | "FunctionImport") => {
            let attrs = Attrs::read(e, src, offset)?;
            let name = identifier(&attrs, "Name", lname, false, src, offset)?.to_string();
            let element = match lname {
                "EntitySet" => ContainerElement::EntitySet {
                    name,
                    entity_type: required(&attrs, "EntityType", lname, src, offset)?.to_string(),
                },
                "Singleton" => ContainerElement::Singleton {
                    name,
                    type_name: required(&attrs, "Type", lname, src, offset)?.to_string(),
                },
                "ActionImport" => ContainerElement::ActionImport {
                    name,
                    action: required(&attrs, "Action", lname, src, offset)?.to_string(),
                },
                _ => ContainerElement::FunctionImport {
                    name,
                    function: required(&attrs, "Function", lname, src, offset)?.to_string(),
                },
            };
            out.container.push((element, offset));
            Frame::Other
        }
        (Some(Frame::Schema(s)), "Action" | "Function") => {
            let attrs = Attrs::read(e, src, offset)?;
            let name = identifier(&attrs, "Name", lname, false, src, offset)?.to_string();
            out.operations.push((
                Operation {
                    kind: if lname == "Action" {
                        OperationKind::Action
                    } else {
                        OperationKind::Function
                    },
                    namespace: out.schemas[*s].namespace.clone(),
                    name,
                    is_bound: attrs.flag("IsBound", false),
                    is_composable: attrs.flag("IsComposable", false),
                    parameters: Vec::new(),
                    return_type: None,
                },
                offset,
            ));
            Frame::Operation(out.operations.len() - 1)
        }
        (Some(Frame::Operation(o)), "Parameter" | "ReturnType") => {
            let attrs = Attrs::read(e, src, offset)?;
            let raw = required(&attrs, "Type", lname, src, offset)?;
            let (type_name, collection) = split_collection(raw);
            if type_name.is_empty() {
                return Err(error_at(
                    src,
                    offset,
                    format!("<{lname}> with an empty Type"),
                ));
            }
            let op = &mut out.operations[*o].0;
            if lname == "Parameter" {
                let name = required(&attrs, "Name", lname, src, offset)?.to_string();
                op.parameters.push(Parameter {
                    name,
                    type_name: type_name.to_string(),
                    collection,
                });
            } else {
                op.return_type = Some((type_name.to_string(), collection));
            }
            Frame::PropertyLike
        }
        (Some(Frame::Enum(t)), "Member") => {
            let attrs = Attrs::read(e, src, offset)?;
            let name = required(&attrs, "Name", lname, src, offset)?.to_string();
            let Declared::Enum(en) = &mut out.types[*t].0 else {
                unreachable!("an Enum frame indexes an enum type")
            };
            en.members.push(name);
            Frame::Member
        }
        _ => Frame::Other,
    };
    Ok(frame)
}
