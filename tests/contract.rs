//! `cargo test` entry: one test per documented example in `specs/` (or
//! `GRAPH_CONTRACT_SPECS`), against `TARGET_URL` or the built-in mock.
fn main() {
    graph_contract::harness::main()
}
