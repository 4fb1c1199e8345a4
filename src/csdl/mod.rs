//! OData CSDL `$metadata`: read it, turn its types into JSON Schema, validate
//! payloads against them.
//!
//! The documented examples say what a response looks like; the `$metadata`
//! document says what it may look like. This module lets the judge and the
//! linter use the second: [`Metadata`] reads a CSDL document (entity, complex
//! and enum types, type definitions, inheritance, aliases), [`Metadata::type_schema`]
//! turns a structured type into a standalone JSON Schema (draft 2020-12),
//! [`SchemaJudge`] validates JSON bodies against those schemas (compiled
//! validators cached per type, shared between threads) and reports
//! [`Finding`](crate::Finding)s of kind `Schema`, and [`lint_example`] sorts
//! the disagreements of a documented example into placeholders written on
//! purpose and real drift. [`Metadata::resolve_path`] (in `resolve.rs`)
//! says whether the service declares a documented URL path, from the entity
//! container, navigation properties and bound operations the document
//! declares, and [`Metadata::inventory`] lists what it declares.
//!
//! Decisions, so that no document (a service chooses it under
//! `--metadata-from-target`) can crash, hang or blow up a run:
//! - reading and compiling are linear in the document: depths and cycles of
//!   the inheritance in one pass, properties and navigation properties
//!   merged by maps, schemas of bounded size per type (see `schema.rs`);
//! - an inheritance chain is at most [`MAX_DEPTH`] types long, and a cycle
//!   or an undeclared base is an error naming the type: the schemas'
//!   nesting, which the validator recurses on, stays bounded;
//! - no recursion on the document's structure: the XML is read with an
//!   explicit stack, and `Collection(Collection(...))` names no type (OData
//!   has none) rather than being resolved level by level;
//! - type names, namespaces and aliases must be CSDL identifiers: they
//!   become file names, `$defs` keys and regular expressions; so must the
//!   names of entity sets, singletons, imports, actions and functions (they
//!   are matched against URL segments and shown in messages);
//! - the container and the operations are indexed once, by lower-cased name
//!   (Graph matches URL segments case-insensitively): a path resolves in a
//!   few hash look-ups per segment, never by a scan of the document; a
//!   type the container or a binding or return type names must be declared
//!   (or live in a namespace of a referenced document), as property types
//!   must;
//! - text is cut with `get` or at positions found in it, never at a
//!   computed byte index.

mod judge;
mod parse;
pub mod resolve;
mod schema;

use std::collections::{HashMap, HashSet};
use std::path::Path;

pub use judge::{LintKind, SchemaJudge, SchemaLint, lint_example};
pub use parse::{
    ContainerElement, CsdlError, Declared, EnumType, NavigationProperty, Operation, OperationKind,
    Parameter, Property, SchemaInfo, StructuredKind, StructuredType, TypeDefinition,
};
pub use resolve::{Declaration, NotDeclared, Resolution, Route, area, path_template};

/// A type name resolved against the metadata. Names are canonical:
/// `Edm.String`, `microsoft.graph.onenoteOperation`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeRef {
    /// An `Edm.*` type (a type definition resolves to its underlying type).
    Primitive(String),
    Entity(String),
    Complex(String),
    Enum(String),
    Collection(Box<TypeRef>),
}

impl TypeRef {
    /// The qualified name of the type, `Collection(...)` included.
    pub fn name(&self) -> String {
        match self {
            TypeRef::Primitive(n) | TypeRef::Entity(n) | TypeRef::Complex(n) | TypeRef::Enum(n) => {
                n.clone()
            }
            TypeRef::Collection(inner) => format!("Collection({})", inner.name()),
        }
    }
    /// The element type of a collection, the type itself otherwise.
    pub fn element(&self) -> &TypeRef {
        match self {
            TypeRef::Collection(inner) => inner.element(),
            t => t,
        }
    }
    pub fn is_collection(&self) -> bool {
        matches!(self, TypeRef::Collection(_))
    }
}

/// What a type name written in the document points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Target {
    /// Index into [`PRIMITIVES`].
    Primitive(usize),
    /// Index into `Metadata::types`.
    Named(usize),
}

/// The primitive types, canonical spelling. Anything else under `Edm.` is
/// accepted as "anything".
pub(crate) const PRIMITIVES: &[&str] = &[
    "Edm.String",
    "Edm.Boolean",
    "Edm.Byte",
    "Edm.SByte",
    "Edm.Int16",
    "Edm.Int32",
    "Edm.Int64",
    "Edm.Single",
    "Edm.Double",
    "Edm.Decimal",
    "Edm.DateTimeOffset",
    "Edm.Date",
    "Edm.TimeOfDay",
    "Edm.Duration",
    "Edm.Guid",
    "Edm.Binary",
    "Edm.Stream",
    "Edm.Untyped",
    "Edm.PrimitiveType",
    "Edm.Geography",
    "Edm.Geometry",
];

/// The index in [`PRIMITIVES`] of a primitive type name written loosely
/// (`string`, `Edm.Int32`, `edm.geographypoint`).
pub(crate) fn primitive_index(name: &str) -> Option<usize> {
    let n = name.trim().trim_start_matches('#');
    let lower = n.to_ascii_lowercase();
    let bare = lower.strip_prefix("edm.").unwrap_or(&lower);
    if let Some(i) = PRIMITIVES
        .iter()
        .position(|p| p[4..].eq_ignore_ascii_case(bare))
    {
        return Some(i);
    }
    let find = |p: &str| PRIMITIVES.iter().position(|x| *x == p);
    if bare.starts_with("geography") {
        return find("Edm.Geography");
    }
    if bare.starts_with("geometry") {
        return find("Edm.Geometry");
    }
    if lower.starts_with("edm.") {
        // An Edm type we do not know: anything goes.
        return find("Edm.Untyped");
    }
    None
}

/// The longest inheritance chain read: a type and at most 63 base types.
/// Graph's deepest chain is 5 types long. Types are judged through a JSON
/// Schema whose nesting grows with the chain (a `$ref` per segment of 8
/// levels for the inherited properties, one per level for the dispatch on
/// `@odata.type`), and the validator recurses on that nesting:
/// the bound keeps every schema shallow whatever the document, and a longer
/// chain is refused by name rather than judged slowly or not at all.
pub const MAX_DEPTH: usize = 64;

/// The depth of every type in its inheritance chain (0 for a root), in one
/// pass over the types, without recursion: a walk up from each type stops at
/// the first type already measured, so each type is walked once. A cycle
/// (a type its own base, or A → B → A) and a chain longer than
/// [`MAX_DEPTH`] are errors naming a type: (index of the type, message).
fn inheritance_depths(
    base: &[Option<usize>],
    qualified: &[String],
) -> Result<Vec<usize>, (usize, String)> {
    const UNKNOWN: usize = usize::MAX;
    const ON_PATH: usize = usize::MAX - 1;
    let mut depth = vec![UNKNOWN; base.len()];
    let mut path = Vec::new();
    for start in 0..base.len() {
        path.clear();
        let mut cur = Some(start);
        // Walk up to a root or to a type already measured.
        let mut below = loop {
            match cur {
                None => break None,
                Some(j) if depth[j] == ON_PATH => {
                    // The types from `j` on the path form the cycle: name
                    // the one declared first.
                    let from = path.iter().position(|&k| k == j).unwrap_or(0);
                    let cycle = &path[from..];
                    let first = cycle.iter().copied().min().unwrap_or(j);
                    let at = cycle.iter().position(|&k| k == first).unwrap_or(0);
                    let mut names: Vec<&str> = cycle[at..]
                        .iter()
                        .chain(&cycle[..at])
                        .take(8)
                        .map(|&k| qualified[k].as_str())
                        .collect();
                    if cycle.len() > 8 {
                        names.push("...");
                    }
                    names.push(qualified[first].as_str());
                    return Err((
                        first,
                        format!(
                            "{}: its base types form a cycle ({})",
                            qualified[first],
                            names.join(" -> ")
                        ),
                    ));
                }
                Some(j) if depth[j] != UNKNOWN => break Some(depth[j]),
                Some(j) => {
                    depth[j] = ON_PATH;
                    path.push(j);
                    cur = base[j];
                }
            }
        };
        for &j in path.iter().rev() {
            let d = below.map_or(0, |b| b + 1);
            if d >= MAX_DEPTH {
                return Err((
                    j,
                    format!(
                        "{}: its inheritance chain is deeper than {MAX_DEPTH} types \
                         (the longest this tool reads; Graph's is 5)",
                        qualified[j]
                    ),
                ));
            }
            depth[j] = d;
            below = Some(d);
        }
    }
    Ok(depth)
}

/// What a child of the entity container addresses, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RootTarget {
    /// An entity set of this entity type (`None`: declared in a referenced
    /// document).
    EntitySet(Option<usize>),
    Singleton(Option<usize>),
    /// An import of these overloads (indexes into `Metadata::operations`).
    ActionImport(Vec<usize>),
    FunctionImport(Vec<usize>),
}

/// A resolved type an operation is bound to or returns: `None` when it is
/// declared in a referenced document; and whether it is a collection.
pub(crate) type OpType = (Option<Target>, bool);

/// A parsed `$metadata` document. Immutable once built; `Send + Sync`.
#[derive(Debug)]
pub struct Metadata {
    schemas: Vec<SchemaInfo>,
    pub(crate) types: Vec<Declared>,
    /// Canonical qualified name of each type.
    pub(crate) qualified: Vec<String>,
    /// Exact `namespace.Name` and `alias.Name` → type.
    exact: HashMap<String, usize>,
    /// Lower-cased `namespace.name` and `alias.name` → type.
    folded: HashMap<String, usize>,
    /// Lower-cased simple name → types.
    simple: HashMap<String, Vec<usize>>,
    /// Base type of each structured type.
    pub(crate) base: Vec<Option<usize>>,
    /// Direct derived types of each structured type.
    pub(crate) derived: Vec<Vec<usize>>,
    /// Resolved types of the declared properties, same order as declared.
    pub(crate) property_targets: Vec<Vec<Target>>,
    /// Resolved types of the navigation properties.
    pub(crate) nav_targets: Vec<Vec<Option<usize>>>,
    /// How many base types each type has (0 for a root, and for enum types
    /// and type definitions); never more than [`MAX_DEPTH`] - 1.
    pub(crate) depth: Vec<usize>,
    /// Namespace → alias, for the schemas that declare one.
    aliases: HashMap<String, String>,
    /// The children of the entity container, in document order.
    pub(crate) container: Vec<ContainerElement>,
    /// What each child of the container addresses, same order.
    pub(crate) roots: Vec<RootTarget>,
    /// Lower-cased container child name → index into `container`.
    pub(crate) root_index: HashMap<String, usize>,
    /// Every action and function overload, in document order.
    pub(crate) operations: Vec<Operation>,
    /// The binding parameter's type of each bound operation.
    pub(crate) op_binding: Vec<Option<OpType>>,
    /// The return type of each operation that returns something.
    pub(crate) op_return: Vec<Option<OpType>>,
    /// Lower-cased simple name → bound operations of that name.
    pub(crate) bound_by_name: HashMap<String, Vec<usize>>,
    /// Lower-cased `namespace.name` and `alias.name` → operations.
    ops_by_qualified: HashMap<String, Vec<usize>>,
    /// Lower-cased navigation property name → (declaring type, index in
    /// its `navigation_properties`).
    pub(crate) nav_by_name: HashMap<String, Vec<(usize, usize)>>,
    /// Lower-cased structural property name → (declaring type, index in
    /// its `properties`).
    pub(crate) prop_by_name: HashMap<String, Vec<(usize, usize)>>,
    /// Lower-cased namespace or alias → the namespace.
    pub(crate) namespace_of: HashMap<String, String>,
}

impl Metadata {
    /// Read a CSDL XML document.
    pub fn parse(xml: &str) -> Result<Metadata, CsdlError> {
        let parsed = parse::parse(xml)?;
        Metadata::build(xml, parsed)
    }

    /// Read a CSDL XML file; errors name the file (an unreadable one is an
    /// [`ErrorKind::Io`](crate::error::ErrorKind::Io) error).
    pub fn load(path: &Path) -> Result<Metadata, CsdlError> {
        let file = path.display().to_string();
        let xml = std::fs::read_to_string(path)
            .map_err(|e| crate::error::Error::io(format!("{file}: cannot read: {e}")))?;
        Metadata::parse(&xml).map_err(|e| e.in_file(file))
    }

    fn build(xml: &str, parsed: parse::Parsed) -> Result<Metadata, CsdlError> {
        let err = |offset: usize, message: String| {
            crate::error::Error::csdl(message)
                .at(crate::error::Location::of_offset("", xml, offset))
        };
        let n = parsed.types.len();
        let mut meta = Metadata {
            schemas: parsed.schemas,
            types: Vec::with_capacity(n),
            qualified: Vec::with_capacity(n),
            exact: HashMap::with_capacity(n * 2),
            folded: HashMap::with_capacity(n * 2),
            simple: HashMap::with_capacity(n),
            base: vec![None; n],
            derived: vec![Vec::new(); n],
            property_targets: vec![Vec::new(); n],
            nav_targets: vec![Vec::new(); n],
            depth: vec![0; n],
            aliases: HashMap::new(),
            container: Vec::new(),
            roots: Vec::new(),
            root_index: HashMap::new(),
            operations: Vec::new(),
            op_binding: Vec::new(),
            op_return: Vec::new(),
            bound_by_name: HashMap::new(),
            ops_by_qualified: HashMap::new(),
            nav_by_name: HashMap::new(),
            prop_by_name: HashMap::new(),
            namespace_of: HashMap::new(),
        };
        // The first schema of a namespace says its alias.
        for s in &meta.schemas {
            if let Some(a) = &s.alias {
                meta.aliases
                    .entry(s.namespace.clone())
                    .or_insert_with(|| a.clone());
            }
        }
        let mut offsets = Vec::with_capacity(n);
        for (i, (decl, offset)) in parsed.types.into_iter().enumerate() {
            let q = format!("{}.{}", decl.namespace(), decl.name());
            if meta.exact.contains_key(&q) {
                return Err(err(offset, format!("type {q} is declared twice")));
            }
            meta.exact.insert(q.clone(), i);
            meta.folded.entry(q.to_ascii_lowercase()).or_insert(i);
            if let Some(alias) = meta.aliases.get(decl.namespace()) {
                let a = format!("{alias}.{}", decl.name());
                meta.folded.entry(a.to_ascii_lowercase()).or_insert(i);
                meta.exact.insert(a, i);
            }
            meta.simple
                .entry(decl.name().to_ascii_lowercase())
                .or_default()
                .push(i);
            meta.qualified.push(q);
            meta.types.push(decl);
            offsets.push(offset);
        }
        let declared_namespaces: HashSet<String> = meta
            .schemas
            .iter()
            .flat_map(|s| {
                std::iter::once(s.namespace.to_ascii_lowercase())
                    .chain(s.alias.iter().map(|a| a.to_ascii_lowercase()))
            })
            .collect();
        // Resolve base types and property types.
        #[allow(clippy::needless_range_loop)] // `meta` is borrowed and mutated
        for i in 0..n {
            let (base, props, navs) = match &meta.types[i] {
                Declared::Structured(t) => (
                    t.base_type.clone(),
                    t.properties
                        .iter()
                        .map(|p| p.type_name.clone())
                        .collect::<Vec<_>>(),
                    t.navigation_properties
                        .iter()
                        .map(|p| p.type_name.clone())
                        .collect::<Vec<_>>(),
                ),
                Declared::TypeDefinition(t) => {
                    if primitive_index(&t.underlying).is_none() {
                        return Err(err(
                            offsets[i],
                            format!(
                                "type definition {}: underlying type {} is not a primitive type",
                                meta.qualified[i], t.underlying
                            ),
                        ));
                    }
                    continue;
                }
                Declared::Enum(_) => continue,
            };
            if let Some(b) = base {
                match meta.lookup(&b) {
                    Some(bi) if matches!(meta.types[bi], Declared::Structured(_)) => {
                        meta.base[i] = Some(bi);
                        meta.derived[bi].push(i);
                    }
                    _ => {
                        return Err(err(
                            offsets[i],
                            format!("{}: base type {b} is not declared", meta.qualified[i]),
                        ));
                    }
                }
            }
            let prop_offsets = parsed.property_offsets.get(&i);
            let mut targets = Vec::with_capacity(props.len());
            for (k, p) in props.iter().enumerate() {
                let target = if let Some(pi) = primitive_index(p) {
                    Some(Target::Primitive(pi))
                } else {
                    meta.lookup(p).map(Target::Named)
                };
                match target {
                    Some(t) => targets.push(t),
                    None => {
                        let ns = p.rsplit_once('.').map_or("", |(ns, _)| ns);
                        let foreign = !declared_namespaces.contains(&ns.to_ascii_lowercase());
                        if foreign && parsed.has_references {
                            // Declared in a referenced document: anything goes.
                            targets.push(Target::Primitive(
                                primitive_index("Edm.Untyped").expect("Edm.Untyped is listed"),
                            ));
                        } else {
                            let at = prop_offsets
                                .and_then(|o| o.get(k).copied())
                                .unwrap_or(offsets[i]);
                            return Err(err(
                                at,
                                format!("{}: property type {p} is not declared", meta.qualified[i]),
                            ));
                        }
                    }
                }
            }
            meta.property_targets[i] = targets;
            meta.nav_targets[i] = navs.iter().map(|t| meta.lookup(t)).collect();
        }
        meta.depth = inheritance_depths(&meta.base, &meta.qualified)
            .map_err(|(at, message)| err(offsets[at], message))?;
        meta.index_members();
        meta.build_paths(parsed.container, parsed.operations, |name| {
            let ns = name.rsplit_once('.').map_or("", |(ns, _)| ns);
            parsed.has_references && !declared_namespaces.contains(&ns.to_ascii_lowercase())
        })
        .map_err(|(offset, message)| err(offset, message))?;
        Ok(meta)
    }

    /// Navigation and structural properties by lower-cased name.
    fn index_members(&mut self) {
        for (i, t) in self.types.iter().enumerate() {
            let Declared::Structured(t) = t else { continue };
            for (k, p) in t.navigation_properties.iter().enumerate() {
                self.nav_by_name
                    .entry(p.name.to_ascii_lowercase())
                    .or_default()
                    .push((i, k));
            }
            for (k, p) in t.properties.iter().enumerate() {
                self.prop_by_name
                    .entry(p.name.to_ascii_lowercase())
                    .or_default()
                    .push((i, k));
            }
        }
    }

    /// The container and the operations: resolve the types they name and
    /// index them. `foreign(name)`: the type name may be declared in a
    /// referenced document. Errors are (offset, message).
    fn build_paths(
        &mut self,
        container: Vec<(ContainerElement, usize)>,
        operations: Vec<(Operation, usize)>,
        foreign: impl Fn(&str) -> bool,
    ) -> Result<(), (usize, String)> {
        for s in &self.schemas {
            self.namespace_of
                .entry(s.namespace.to_ascii_lowercase())
                .or_insert_with(|| s.namespace.clone());
            if let Some(a) = &s.alias {
                self.namespace_of
                    .entry(a.to_ascii_lowercase())
                    .or_insert_with(|| s.namespace.clone());
            }
        }
        // A type an operation is bound to or returns.
        let op_type = |meta: &Metadata,
                       what: &str,
                       (name, collection): (&str, bool),
                       offset: usize|
         -> Result<OpType, (usize, String)> {
            let target = match primitive_index(name) {
                Some(p) => Some(Target::Primitive(p)),
                None => meta.lookup(name).map(Target::Named),
            };
            if target.is_none() && !foreign(name) {
                return Err((offset, format!("{what}: type {name} is not declared")));
            }
            Ok((target, collection))
        };
        for (i, (op, offset)) in operations.iter().enumerate() {
            let kind = match op.kind {
                OperationKind::Action => "action",
                OperationKind::Function => "function",
            };
            let what = format!("{kind} {}.{}", op.namespace, op.name);
            let binding = match (op.is_bound, op.parameters.first()) {
                (false, _) => None,
                (true, None) => {
                    return Err((
                        *offset,
                        format!("{what} is bound (IsBound=\"true\") but has no binding parameter"),
                    ));
                }
                (true, Some(p)) => {
                    Some(op_type(self, &what, (&p.type_name, p.collection), *offset)?)
                }
            };
            let returns = match &op.return_type {
                None => None,
                Some((t, c)) => Some(op_type(self, &what, (t, *c), *offset)?),
            };
            self.op_binding.push(binding);
            self.op_return.push(returns);
            let lower = op.name.to_ascii_lowercase();
            if op.is_bound {
                self.bound_by_name.entry(lower.clone()).or_default().push(i);
            }
            let ns = op.namespace.to_ascii_lowercase();
            self.ops_by_qualified
                .entry(format!("{ns}.{lower}"))
                .or_default()
                .push(i);
            if let Some(a) = self.aliases.get(&op.namespace) {
                let a = a.to_ascii_lowercase();
                if a != ns {
                    self.ops_by_qualified
                        .entry(format!("{a}.{lower}"))
                        .or_default()
                        .push(i);
                }
            }
        }
        self.operations = operations.into_iter().map(|(op, _)| op).collect();
        let mut seen = HashSet::new();
        for (element, offset) in container {
            let name = element.name().to_string();
            if !seen.insert(name.clone()) {
                return Err((
                    offset,
                    format!("entity container: {name} is declared twice"),
                ));
            }
            let entity = |meta: &Metadata, what: &str, t: &str| match meta.lookup(t) {
                Some(i) if matches!(&meta.types[i], Declared::Structured(s) if s.kind == StructuredKind::Entity) => {
                    Ok(Some(i))
                }
                Some(_) => Err((offset, format!("{what} {name}: {t} is not an entity type"))),
                None if foreign(t) => Ok(None),
                None => Err((
                    offset,
                    format!("{what} {name}: entity type {t} is not declared"),
                )),
            };
            let import = |meta: &Metadata, what: &str, op: &str, kind: OperationKind| {
                let key = op.trim().trim_start_matches('#').to_ascii_lowercase();
                let ops: Vec<usize> = meta
                    .ops_by_qualified
                    .get(&key)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|&o| meta.operations[o].kind == kind && !meta.operations[o].is_bound)
                    .collect();
                if ops.is_empty() && !foreign(op) {
                    Err((
                        offset,
                        format!("{what} {name}: no unbound {op} is declared"),
                    ))
                } else {
                    Ok(ops)
                }
            };
            let target = match &element {
                ContainerElement::EntitySet { entity_type, .. } => {
                    RootTarget::EntitySet(entity(self, "entity set", entity_type)?)
                }
                ContainerElement::Singleton { type_name, .. } => {
                    RootTarget::Singleton(entity(self, "singleton", type_name)?)
                }
                ContainerElement::ActionImport { action, .. } => RootTarget::ActionImport(import(
                    self,
                    "action import",
                    action,
                    OperationKind::Action,
                )?),
                ContainerElement::FunctionImport { function, .. } => RootTarget::FunctionImport(
                    import(self, "function import", function, OperationKind::Function)?,
                ),
            };
            self.root_index
                .entry(name.to_ascii_lowercase())
                .or_insert(self.container.len());
            self.container.push(element);
            self.roots.push(target);
        }
        Ok(())
    }

    /// A declared type by a qualified name (namespace or alias), exact case
    /// first, then case-insensitively; with or without a leading `#`.
    pub(crate) fn lookup(&self, name: &str) -> Option<usize> {
        let name = name.trim().trim_start_matches('#');
        if let Some(&i) = self.exact.get(name) {
            return Some(i);
        }
        let lower = name.to_ascii_lowercase();
        if let Some(&i) = self.folded.get(&lower) {
            return Some(i);
        }
        None
    }

    /// Like `lookup`, and an unqualified name that names one type only (or
    /// one in the first schema) resolves too.
    pub(crate) fn lookup_loose(&self, name: &str) -> Option<usize> {
        if let Some(i) = self.lookup(name) {
            return Some(i);
        }
        let name = name.trim().trim_start_matches('#');
        if name.contains('.') {
            return None;
        }
        let candidates = self.simple.get(&name.to_ascii_lowercase())?;
        match candidates.as_slice() {
            [one] => Some(*one),
            many => {
                let first = self.schemas.first()?;
                many.iter()
                    .copied()
                    .find(|&i| self.types[i].namespace() == first.namespace)
            }
        }
    }

    /// Resolve a loosely written type name: case-insensitive, with or without
    /// `#`, by namespace or alias; `Collection(...)` → a collection of it.
    /// Primitive names (`string`, `stream`, `Edm.*`) → [`TypeRef::Primitive`];
    /// a type definition → its underlying primitive type.
    pub fn resolve(&self, name: &str) -> Option<TypeRef> {
        let trimmed = name.trim().trim_start_matches('#').trim();
        let (inner, collection) = parse::split_collection(trimmed);
        let inner = inner.trim_start_matches('#').trim();
        // OData has no collection of collections: `Collection(Collection(x))`
        // names no type (and a service cannot make us recurse on it).
        if inner.is_empty() || (collection && parse::split_collection(inner).1) {
            return None;
        }
        let t = if let Some(i) = self.lookup(inner) {
            self.type_ref(Target::Named(i))
        } else if let Some(p) = primitive_index(inner) {
            TypeRef::Primitive(PRIMITIVES[p].to_string())
        } else {
            self.type_ref(Target::Named(self.lookup_loose(inner)?))
        };
        Some(if collection {
            TypeRef::Collection(Box::new(t))
        } else {
            t
        })
    }

    pub(crate) fn type_ref(&self, target: Target) -> TypeRef {
        match target {
            Target::Primitive(p) => TypeRef::Primitive(PRIMITIVES[p].to_string()),
            Target::Named(i) => match &self.types[i] {
                Declared::Structured(t) => match t.kind {
                    StructuredKind::Entity => TypeRef::Entity(self.qualified[i].clone()),
                    StructuredKind::Complex => TypeRef::Complex(self.qualified[i].clone()),
                },
                Declared::Enum(_) => TypeRef::Enum(self.qualified[i].clone()),
                Declared::TypeDefinition(t) => TypeRef::Primitive(
                    PRIMITIVES[primitive_index(&t.underlying).expect("checked when built")]
                        .to_string(),
                ),
            },
        }
    }

    /// The schemas of the document, in order.
    pub fn schemas(&self) -> &[SchemaInfo] {
        &self.schemas
    }

    /// Every entity and complex type, qualified by namespace.
    pub fn structured_type_names(&self) -> Vec<String> {
        self.types
            .iter()
            .zip(&self.qualified)
            .filter(|(t, _)| matches!(t, Declared::Structured(_)))
            .map(|(_, q)| q.clone())
            .collect()
    }

    /// Every enum type, qualified by namespace.
    pub fn enum_type_names(&self) -> Vec<String> {
        self.types
            .iter()
            .zip(&self.qualified)
            .filter(|(t, _)| matches!(t, Declared::Enum(_)))
            .map(|(_, q)| q.clone())
            .collect()
    }

    /// A declared type by a loosely written name.
    pub fn declared(&self, name: &str) -> Option<&Declared> {
        self.lookup_loose(name).map(|i| &self.types[i])
    }

    /// An entity or complex type by a loosely written name.
    pub fn structured(&self, name: &str) -> Option<&StructuredType> {
        match self.declared(name)? {
            Declared::Structured(t) => Some(t),
            _ => None,
        }
    }

    pub(crate) fn structured_at(&self, i: usize) -> Option<&StructuredType> {
        match &self.types[i] {
            Declared::Structured(t) => Some(t),
            _ => None,
        }
    }

    /// Open, by its own declaration or by one of its base types.
    pub fn is_open(&self, name: &str) -> bool {
        self.lookup_loose(name).is_some_and(|i| self.open_at(i))
    }

    pub(crate) fn open_at(&self, i: usize) -> bool {
        self.chain(i)
            .any(|j| self.structured_at(j).is_some_and(|t| t.open_type))
    }

    /// The type and its base types, most derived first.
    pub(crate) fn chain(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(Some(i), move |&j| self.base[j])
    }

    /// The base types of a type, nearest first, qualified.
    pub fn base_types(&self, name: &str) -> Vec<String> {
        match self.lookup_loose(name) {
            Some(i) => self
                .chain(i)
                .skip(1)
                .map(|j| self.qualified[j].clone())
                .collect(),
            None => Vec::new(),
        }
    }

    /// Every type derived from it, directly or not, qualified.
    pub fn derived_types(&self, name: &str) -> Vec<String> {
        match self.lookup_loose(name) {
            Some(i) => self
                .descendants(i)
                .into_iter()
                .map(|j| self.qualified[j].clone())
                .collect(),
            None => Vec::new(),
        }
    }

    pub(crate) fn descendants(&self, i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = self.derived[i].clone();
        while let Some(j) = stack.pop() {
            out.push(j);
            stack.extend(self.derived[j].iter().copied());
        }
        out.sort_unstable();
        out
    }

    /// Whether `sub` is `sup` or derives from it.
    pub(crate) fn is_a(&self, sub: usize, sup: usize) -> bool {
        self.chain(sub).any(|j| j == sup)
    }

    /// Structural properties, inherited ones included (base first), with
    /// their resolved types. A redeclared name keeps the most derived one.
    pub(crate) fn all_properties(&self, i: usize) -> Vec<(&Property, Target)> {
        self.properties_of(&self.chain(i).collect::<Vec<_>>())
    }

    /// Navigation properties, inherited ones included (base first). A
    /// redeclared name keeps the most derived one.
    pub(crate) fn all_navigation(&self, i: usize) -> Vec<&NavigationProperty> {
        self.navigation_of(&self.chain(i).collect::<Vec<_>>())
    }

    /// Structural properties of some types of one chain (most derived
    /// first), base first, with their resolved types; a name declared twice
    /// keeps the most derived declaration, at the place of the first.
    pub(crate) fn properties_of(&self, chain: &[usize]) -> Vec<(&Property, Target)> {
        let mut out: Vec<(&Property, Target)> = Vec::new();
        let mut at: HashMap<&str, usize> = HashMap::new();
        for &j in chain.iter().rev() {
            if let Some(t) = self.structured_at(j) {
                for (p, target) in t.properties.iter().zip(&self.property_targets[j]) {
                    match at.get(p.name.as_str()) {
                        Some(&k) => out[k] = (p, *target),
                        None => {
                            at.insert(&p.name, out.len());
                            out.push((p, *target));
                        }
                    }
                }
            }
        }
        out
    }

    /// Navigation properties of some types of one chain, like
    /// [`properties_of`](Self::properties_of). (A map, not `retain` per
    /// property: a type with 10⁵ navigation properties stays linear.)
    pub(crate) fn navigation_of(&self, chain: &[usize]) -> Vec<&NavigationProperty> {
        let mut out: Vec<&NavigationProperty> = Vec::new();
        let mut at: HashMap<&str, usize> = HashMap::new();
        for &j in chain.iter().rev() {
            if let Some(t) = self.structured_at(j) {
                for p in &t.navigation_properties {
                    match at.get(p.name.as_str()) {
                        Some(&k) => out[k] = p,
                        None => {
                            at.insert(&p.name, out.len());
                            out.push(p);
                        }
                    }
                }
            }
        }
        out
    }

    /// A standalone JSON Schema (draft 2020-12) for one structured type,
    /// with the `$defs` it needs; `None` when the name does not resolve to
    /// an entity or complex type. A payload whose `@odata.type` names a type
    /// derived from it is validated against that type.
    pub fn type_schema(&self, qualified: &str) -> Option<serde_json::Value> {
        let i = self.lookup_loose(qualified)?;
        self.structured_at(i)?;
        Some(schema::standalone(self, Target::Named(i), false))
    }

    /// A standalone JSON Schema for any resolvable type name (primitive,
    /// enum, structured, `Collection(...)`).
    pub fn schema_for(&self, name: &str) -> Option<serde_json::Value> {
        let t = self.resolve(name)?;
        let (target, collection) = self.target_of(&t)?;
        Some(schema::standalone(self, target, collection))
    }

    /// The whole metadata as one JSON Schema document (draft 2020-12):
    /// `$defs` for every named type, and under `properties` one entry per
    /// entity, complex, enum and primitive type (keyed by qualified name)
    /// that validates a value of it.
    pub fn document_schema(&self) -> serde_json::Value {
        schema::document(self, schema::Flavor::Portable)
    }

    /// The alias of a namespace, if its schema declares one.
    pub(crate) fn alias_of(&self, namespace: &str) -> Option<&str> {
        self.aliases.get(namespace).map(String::as_str)
    }

    pub(crate) fn target_of(&self, t: &TypeRef) -> Option<(Target, bool)> {
        let collection = t.is_collection();
        let target = match t.element() {
            TypeRef::Primitive(p) => Target::Primitive(primitive_index(p)?),
            TypeRef::Entity(n) | TypeRef::Complex(n) | TypeRef::Enum(n) => {
                Target::Named(self.lookup(n)?)
            }
            TypeRef::Collection(_) => return None,
        };
        Some((target, collection))
    }
}

/// Docs against metadata: every documented JSON response example of the
/// cases, validated against its annotated type, as lint diagnostics
/// (`schema-<kind>: <pointer>: <message>`, all warnings). An annotated type
/// the metadata does not declare is `schema-unknown-type`; primitive and
/// stream types are skipped.
pub fn lint_cases(
    judge: &SchemaJudge,
    cases: &[crate::model::Case],
) -> Vec<crate::model::Diagnostic> {
    use crate::model::{Diagnostic, Severity};
    let mut out = Vec::new();
    for case in cases {
        for resp in case.response.iter().chain(&case.alternatives) {
            let (Some(t), Some(body)) = (&resp.odata_type, resp.body.json()) else {
                continue;
            };
            let diag = |kind: &str, message: String| Diagnostic {
                page: case.page.clone(),
                line: resp.line,
                column: None,
                severity: Severity::Warning,
                kind: kind.to_owned(),
                message,
            };
            match judge.metadata().resolve(t) {
                None => out.push(diag(
                    "schema-unknown-type",
                    format!("annotated type {t:?} is not declared in the metadata"),
                )),
                Some(TypeRef::Primitive(_)) => {}
                Some(_) => {
                    for l in lint_example(judge, t, body).unwrap_or_default() {
                        let at = if l.pointer.is_empty() {
                            "(body)"
                        } else {
                            &l.pointer
                        };
                        out.push(diag(
                            &format!("schema-{}", l.kind),
                            format!("{at}: {}", l.message),
                        ));
                    }
                }
            }
        }
    }
    out
}
