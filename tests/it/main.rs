//! Integration tests: one binary, one module per concern.

mod arm_schema;
mod cli;
mod diagnostics;
mod plan;
