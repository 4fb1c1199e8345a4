//! Compiling the metadata's schema document into the one validator
//! [`SchemaJudge`](super::SchemaJudge) caches, with the two keywords JSON
//! Schema lacks: "this string names a type that is (or derives from) T".
//!
//! Decisions, and why:
//! - **One document, one compile.** Every type is an entry of one schema
//!   document compiled once (see [`SchemaJudge`](super::SchemaJudge)): the
//!   types share most of their subschemas, and compiling them one by one
//!   took ten times longer on the Graph metadata.
//! - **Keywords that ask the metadata.** `@odata.type` is checked by a
//!   custom keyword asking [`Metadata::is_a`] rather than by an enum of the
//!   derived types' names: constant size per use, where the enum grows with
//!   the hierarchy at every level.
//! - **Formats through patterns only.** The validator's own `format`
//!   checks are off: each format the schema needs is a `pattern`
//!   (`schema::PATTERNS`), so a bad value fails one keyword, which
//!   `issues.rs` tells back as the format it stands for.

use std::sync::Arc;

use jsonschema::{Keyword, ValidationError, Validator};
use serde_json::Value;

use crate::csdl::Metadata;
use crate::csdl::schema::{self, Flavor};

/// The `x-odata-type-is-a` and `x-odata-type-derived-from` keywords: a
/// string naming a type (as [`Metadata::lookup`] reads it) that is `ty` or
/// derived from it. Asks the metadata: constant size whatever the hierarchy
/// (a list of the derived types at every level is quadratic in its depth).
struct OdataIsA {
    meta: Arc<Metadata>,
    ty: usize,
    /// `ty` itself does not match.
    strictly: bool,
}

impl OdataIsA {
    fn matches(&self, s: &str) -> bool {
        self.meta
            .lookup(s)
            .is_some_and(|j| (j != self.ty || !self.strictly) && self.meta.is_a(j, self.ty))
    }
}

impl<'i> Keyword<'i> for OdataIsA {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        if self.is_valid(instance) {
            Ok(())
        } else {
            Err(ValidationError::custom("@odata.type names another type"))
        }
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        instance.as_str().is_none_or(|s| self.matches(s))
    }
}

/// What a keyword factory gives.
type KeywordResult<'a> = Result<Box<dyn for<'i> Keyword<'i>>, ValidationError<'a>>;

/// The factory of an [`OdataIsA`] keyword: its value is a qualified name.
fn odata_is_a(
    meta: Arc<Metadata>,
    strictly: bool,
) -> impl for<'a> Fn(
    &'a serde_json::Map<String, Value>,
    &'a Value,
    jsonschema::paths::Location,
) -> KeywordResult<'a>
+ Send
+ Sync
+ 'static {
    move |_, value, _| {
        let Some(ty) = value.as_str().and_then(|name| meta.lookup(name)) else {
            return Err(ValidationError::custom(format!("no type {value}")));
        };
        Ok(Box::new(OdataIsA {
            meta: meta.clone(),
            ty,
            strictly,
        }))
    }
}

pub(super) fn compile(meta: &Arc<Metadata>) -> Result<Validator, String> {
    let document = schema::document(meta, Flavor::Compiled);
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(false)
        .with_keyword(schema::IS_A_KEYWORD, odata_is_a(meta.clone(), false))
        .with_keyword(schema::DERIVED_FROM_KEYWORD, odata_is_a(meta.clone(), true))
        .build(&document)
        .map_err(|e| e.to_string())
}
