//! Synthetic estates for benchmarks and scaling tests: one workspace reached from `spokes`
//! spoke VNets, the shape platform teams run amlpe over in CI.
//!
//! Every spoke has endpoints for all five targets (workspace, storage blob and file, Key
//! Vault, registry), its own `/24` address space (`10.<hi>.<lo>.0/24`, so up to 65 534
//! spokes never overlap) and its own DNS resource group, so no two VNets register in one
//! zone. A services VNet (`10.0.0.0/24`) holds the same five endpoints and the compute
//! cluster that builds the workspace's images. The result passes [`crate::validate`] with no
//! diagnostic at all; `tests/it/synth.rs` holds it to that.
//!
//! The scenario is written as YAML text in the style of the shipped scenarios, so a benchmark
//! of loading it exercises the same parser a real file does.

use std::fmt::Write as _;

use serde::Deserialize as _;

use crate::scenario::Scenario;

/// The most spokes [`yaml`] can address without overlap (`10.0.0.0/24` is the services VNet).
pub const MAX_SPOKES: usize = 65_534;

/// The scenario's name, which is also its output folder.
pub fn name(spokes: usize) -> String {
    format!("synth-{spokes}")
}

/// The name of spoke `i` (0-based).
pub fn spoke(i: usize) -> String {
    format!("vnet-spoke-{i:05}")
}

/// The scenario file's text for an estate of `spokes` spoke VNets.
///
/// # Panics
/// When `spokes` exceeds [`MAX_SPOKES`].
pub fn yaml(spokes: usize) -> String {
    assert!(
        spokes <= MAX_SPOKES,
        "at most {MAX_SPOKES} spokes fit in 10.0.0.0/8"
    );
    const TARGETS: &str = "[workspace, storage-blob, storage-file, key-vault, container-registry]";
    let mut y = String::with_capacity(1024 + spokes * 420);
    let _ = write!(
        y,
        "# A synthetic estate: one workspace reached from {spokes} spoke VNet(s).
name: {name}
description: One workspace reached from {spokes} spoke VNets, each with its own private DNS zones.
cloud: AzureCloud
location: eastus2
resource_group: rg-mlw-synth
tags:
  environment: benchmark
workspace:
  name: mlw-synth
  public_network_access: Disabled
  image_build_compute: cpu-build
  storage_account: {{ name: stmlwsynth }}
  key_vault: {{ name: kv-mlw-synth }}
  container_registry: {{ name: crmlwsynth }}
  application_insights: {{ name: appi-mlw-synth }}
networks:
  - name: vnet-services
    address_space: [10.0.0.0/24]
    subnets:
      - {{ name: snet-endpoints, prefix: 10.0.0.0/26 }}
      - {{ name: snet-build, prefix: 10.0.0.64/26 }}
    endpoints:
      subnet: snet-endpoints
      targets: {TARGETS}
    dns: {{ zones: create, resource_group: rg-mlw-synth-dns }}
",
        name = name(spokes),
    );
    for i in 0..spokes {
        let (hi, lo) = ((i + 1) / 256, (i + 1) % 256);
        let _ = write!(
            y,
            "  - name: {vnet}
    resource_group: rg-spoke-{i:05}
    address_space: [10.{hi}.{lo}.0/24]
    subnets:
      - {{ name: snet-endpoints, prefix: 10.{hi}.{lo}.0/26 }}
      - {{ name: snet-clients, prefix: 10.{hi}.{lo}.64/26 }}
    endpoints:
      subnet: snet-endpoints
      targets: {TARGETS}
    dns: {{ zones: create, resource_group: rg-spoke-{i:05}-dns }}
",
            vnet = spoke(i),
        );
    }
    y.push_str(
        "computes:
  - { name: cpu-build, kind: cluster, vm_size: Standard_DS3_v2, network: vnet-services, subnet: snet-build }
",
    );
    y
}

/// The scenario of [`yaml`], read through the same parser and model as a scenario file.
///
/// # Panics
/// When the text does not parse, which would be a bug in this module.
pub fn scenario(spokes: usize) -> Scenario {
    let text = yaml(spokes);
    let (value, _) = crate::source::parse_text(&text, false)
        .unwrap_or_else(|d| panic!("synthetic scenario does not parse: {}", d.message));
    Scenario::deserialize(&value)
        .unwrap_or_else(|e| panic!("synthetic scenario does not match the model: {e}"))
}
