//! OData CSDL `$metadata`: read it, turn its types into JSON Schema, validate
//! payloads against them.
