//! Integration tests: one binary, one module per concern.

mod access;
mod arm_schema;
mod azure_facts;
mod cli;
mod corpus;
mod diagnostics;
mod egress;
mod failsafe;
mod fuzz;
mod hostile;
mod init;
mod limits;
mod overrides;
mod parity;
mod plan;
mod plan_cmd;
mod proptest;
mod report;
mod runbook;
mod scripts;
mod secrets;
mod subscriptions;
mod support;
mod synth;
mod templates;
mod truth;
