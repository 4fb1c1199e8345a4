//! `graph-contract schema`: the JSON Schema (draft 2020-12) of a type
//! declared in a CSDL `$metadata` document, or one file per type.

use super::ConfigError;
use clap::Args;
use graph_contract::csdl::Metadata;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct SchemaArgs {
    /// The CSDL document (`$metadata`).
    #[arg(long, value_name = "FILE")]
    metadata: PathBuf,
    /// The type: `microsoft.graph.user`, `graph.user`, `#microsoft.graph.User`, `Collection(...)`.
    #[arg(long = "type", value_name = "NAME", required_unless_present = "all")]
    type_name: Option<String>,
    /// Every entity and complex type, one file each, into --out.
    #[arg(long, requires = "out")]
    all: bool,
    /// Folder for --all.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// `schema --type NAME`: one standalone schema on stdout. `schema --all
/// --out DIR`: the whole metadata as one document, `DIR/$metadata.json`,
/// and per entity or complex type a `DIR/<qualified name>.json` that refers
/// to its definition there. Written so, the output is linear in the
/// document: a standalone schema per type holds every type it reaches (the
/// types derived from it, their properties' types...), and those add up to
/// gigabytes for a long inheritance chain.
pub fn run(a: SchemaArgs) -> Result<ExitCode, ConfigError> {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let meta = Metadata::load(&a.metadata)?;
    if a.all {
        let out = a.out.clone().unwrap_or_default();
        std::fs::create_dir_all(&out)
            .map_err(|e| ConfigError::config(format!("cannot create {}: {e}", out.display())))?;
        let write = |file: &std::path::Path, schema: &serde_json::Value| {
            std::fs::write(
                file,
                serde_json::to_string_pretty(schema).unwrap_or_default(),
            )
            .map_err(|e| ConfigError::config(format!("cannot write {}: {e}", file.display())))
        };
        // `$` starts no CSDL identifier: no type's file has this name.
        const DOCUMENT: &str = "$metadata.json";
        write(&out.join(DOCUMENT), &meta.document_schema())?;
        let names = meta.structured_type_names();
        // A pointer in a URI fragment: anything but letters, digits, `.`
        // and `_` percent-encoded.
        const FRAGMENT: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC.remove(b'.').remove(b'_');
        for name in &names {
            // Names are CSDL identifiers (the reader checks): never a path.
            if name.contains(['/', '\\']) || name.starts_with('.') {
                return Err(ConfigError::config(format!(
                    "{name:?} cannot be a file name"
                )));
            }
            let schema = serde_json::json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "title": name,
                "$ref": format!("{DOCUMENT}#/$defs/{}", utf8_percent_encode(name, FRAGMENT)),
            });
            write(&out.join(format!("{name}.json")), &schema)?;
        }
        eprintln!(
            "graph-contract: wrote {DOCUMENT} and {} schemas referring to it to {}",
            names.len(),
            out.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let name = a.type_name.unwrap_or_default();
    let schema = meta.schema_for(&name).ok_or_else(|| {
        ConfigError::config(format!(
            "{name:?} is not a type declared in {}",
            a.metadata.display()
        ))
    })?;
    super::emit(
        &Default::default(),
        &(serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"),
    );
    Ok(ExitCode::SUCCESS)
}
