//! The Azure limits behind the compute naming (E010), tag (E017), compute bound (E032) and
//! subnet capacity (E047) rules, at their edges: a scenario exactly at a limit validates with
//! no diagnostic at all, and one step past it is refused by that rule. Every case runs the
//! binary on a scenario file.

use std::time::Duration;

use serde_json::{json, Value};

use super::support;

/// A valid scenario: one new VNet with every endpoint in a /24, and the image-build cluster.
fn base() -> Value {
    json!({
        "name": "limits",
        "location": "eastus2",
        "resource_group": "rg-limits",
        "workspace": {
            "name": "mlw-limits",
            "image_build_compute": "cpu-cluster",
            "storage_account": { "name": "stlimits" },
            "key_vault": { "name": "kv-limits" },
            "container_registry": { "name": "crlimits" },
            "application_insights": { "name": "appi-limits" }
        },
        "networks": [{
            "name": "vnet-a",
            "address_space": ["10.0.0.0/8"],
            "subnets": [
                { "name": "snet-pe", "prefix": "10.0.1.0/24" },
                { "name": "snet-compute", "prefix": "10.0.2.0/24" },
                { "name": "snet-aks", "prefix": "10.1.0.0/16" }
            ],
            "endpoints": {
                "subnet": "snet-pe",
                "targets": ["workspace", "storage-blob", "storage-file", "key-vault", "container-registry"]
            }
        }],
        "computes": [
            { "name": "cpu-cluster", "kind": "cluster", "vm_size": "Standard_DS3_v2", "network": "vnet-a", "subnet": "snet-compute" }
        ]
    })
}

/// The stderr of `amlpe validate` on `s`, after checking its exit code.
fn validate(s: &Value, want_code: i32, what: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.json");
    std::fs::write(&path, serde_json::to_string_pretty(s).expect("json")).expect("write");
    let run = support::run_guarded(
        support::amlpe().arg("validate").arg(&path),
        Duration::from_secs(20),
    );
    assert_eq!(run.code, Some(want_code), "{what}: {}", run.describe());
    run.stderr
}

fn assert_valid(s: &Value, what: &str) {
    let stderr = validate(s, 0, what);
    assert!(
        !stderr.contains("error[") && !stderr.contains("warning["),
        "{what} should pass cleanly:\n{stderr}"
    );
}

fn assert_refused(s: &Value, rule: &str, what: &str) {
    let stderr = validate(s, 1, what);
    assert!(
        stderr.contains(&format!("error[{rule}")),
        "{what} should be refused by {rule}:\n{stderr}"
    );
}

fn instance(name: &str, subnet: &str) -> Value {
    json!({ "name": name, "kind": "instance", "vm_size": "Standard_DS3_v2", "network": "vnet-a", "subnet": subnet })
}

fn aks(nodes: u32, subnet: &str) -> Value {
    json!({
        "name": "aks-inference", "network": "vnet-a", "subnet": subnet, "node_count": nodes,
        "vm_size": "Standard_D4s_v5", "tls": { "cname": "ml.contoso.com", "secret": "inference-tls" }
    })
}

#[test]
fn a_subnet_holds_exactly_its_usable_addresses() {
    // A /28 has 11 usable addresses: the five endpoints take 8, three instances the rest.
    let mut s = base();
    s["networks"][0]["subnets"][0]["prefix"] = json!("10.0.1.0/28");
    let computes = s["computes"].as_array_mut().expect("computes");
    for i in 0..3 {
        computes.push(instance(&format!("ci-{}", ["a", "b", "c"][i]), "snet-pe"));
    }
    assert_valid(&s, "8 endpoint addresses and 3 instances in a /28");
    s["computes"]
        .as_array_mut()
        .expect("computes")
        .push(instance("ci-d", "snet-pe"));
    assert_refused(&s, "E047", "a 12th address in a /28");
}

#[test]
fn an_aks_subnet_counts_pods_the_surge_node_and_the_load_balancer() {
    // A /23 has 507 usable addresses: 8 nodes take (8 + 1) x 51 + 1 = 460, 9 take 511.
    let mut s = base();
    s["networks"][0]["subnets"][2]["prefix"] = json!("10.1.0.0/23");
    s["kubernetes"] = json!([aks(8, "snet-aks")]);
    assert_valid(&s, "8 AKS nodes in a /23");
    s["kubernetes"] = json!([aks(9, "snet-aks")]);
    assert_refused(&s, "E047", "9 AKS nodes in a /23");
}

#[test]
fn subnets_without_a_prefix_are_not_counted() {
    let mut s = base();
    s["networks"].as_array_mut().expect("networks").push(json!({
        "name": "vnet-hub",
        "existing": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub",
        "subnets": [{ "name": "snet-ml" }],
        "endpoints": {
            "subnet": "snet-ml",
            "targets": ["workspace", "storage-blob", "storage-file", "key-vault", "container-registry"]
        },
        "dns": { "zones": "create", "resource_group": "rg-hub-dns" }
    }));
    s["computes"][0]["network"] = json!("vnet-hub");
    s["computes"][0]["subnet"] = json!("snet-ml");
    s["computes"][0]["max_nodes"] = json!(5000);
    assert_valid(&s, "a 5000-node cluster in a subnet of unknown size");
}

#[test]
fn compute_names_of_24_characters_with_a_letter_after_the_hyphen_pass() {
    let mut s = base();
    let name = "cpu-cluster-for-training";
    assert_eq!(name.len(), 24);
    s["workspace"]["image_build_compute"] = json!(name);
    s["computes"][0]["name"] = json!(name);
    s["computes"]
        .as_array_mut()
        .expect("computes")
        .push(instance("ci-a1b", "snet-compute"));
    assert_valid(&s, "24-character cluster name and `ci-a1b`");
    s["computes"][1]["name"] = json!("ci-a-12");
    assert_refused(&s, "E010", "`ci-a-12`, digits only after the last hyphen");
}

#[test]
fn vm_sizes_pass_in_any_case_and_with_constrained_vcpus() {
    let mut s = base();
    s["computes"][0]["vm_size"] = json!("STANDARD_D4S_V3");
    s["computes"]
        .as_array_mut()
        .expect("computes")
        .push(json!({ "name": "ci-alice", "kind": "instance", "vm_size": "Standard_M8-2ms_v2", "network": "vnet-a", "subnet": "snet-compute" }));
    let mut k = aks(3, "snet-aks");
    k["vm_size"] = json!("standard_nc4as_t4_v3");
    s["kubernetes"] = json!([k]);
    assert_valid(&s, "upper-, mixed- and lower-case sizes");
    s["kubernetes"][0]["vm_size"] = json!("NC4as_T4_v3");
    assert_refused(&s, "E032", "a size without its Standard_ tier");
}

#[test]
fn node_counts_at_their_bounds_pass() {
    let mut s = base();
    s["computes"][0]["min_nodes"] = json!(1);
    s["computes"][0]["max_nodes"] = json!(1);
    s["computes"]
        .as_array_mut()
        .expect("computes")
        .push(instance("ci-alice", "snet-compute"));
    s["kubernetes"] = json!([aks(1000, "snet-aks")]);
    s["networks"][0]["subnets"][2]["prefix"] = json!("10.0.0.0/9");
    s["networks"][0]["subnets"][0]["prefix"] = json!("10.128.1.0/24");
    s["networks"][0]["subnets"][1]["prefix"] = json!("10.128.2.0/24");
    assert_valid(&s, "min_nodes = max_nodes = 1 and 1000 AKS nodes");
    s["kubernetes"][0]["node_count"] = json!(1001);
    assert_refused(&s, "E032", "1001 AKS nodes");
    s["kubernetes"][0]["node_count"] = json!(1000);
    s["computes"][0]["max_nodes"] = json!(0);
    s["computes"][0]["min_nodes"] = json!(0);
    assert_refused(&s, "E032", "an image-build cluster of 0 nodes");
}

fn tags(n: usize) -> Value {
    Value::Object(
        (0..n)
            .map(|i| (format!("tag{i:02}"), json!(format!("v{i}"))))
            .collect(),
    )
}

#[test]
fn fifteen_tags_fit_private_dns_zones_and_fifty_fit_other_resources() {
    let mut s = base();
    s["tags"] = tags(15);
    assert_valid(&s, "15 tags with zones amlpe creates");
    s["tags"] = tags(16);
    assert_refused(&s, "E017", "16 tags with zones amlpe creates");
    s["networks"][0]["dns"] = json!({ "zones": "none" });
    assert_valid(&s, "16 tags without zones");
    s["tags"] = tags(50);
    assert_valid(&s, "50 tags without zones");
    s["tags"] = tags(51);
    assert_refused(&s, "E017", "51 tags");
}

#[test]
fn tag_names_and_values_at_their_lengths_pass() {
    let mut s = base();
    s["tags"] = json!({ "n".repeat(128): "v".repeat(256), "cost center (team)": "a/b<c>%&?\\" });
    assert_valid(
        &s,
        "128-character name on a new storage account, 256-character value",
    );
    s["tags"] = json!({ "n".repeat(129): "v" });
    assert_refused(&s, "E017", "129-character name on a new storage account");
    // Without a storage account of amlpe's, names may have 512 characters.
    let mut e = base();
    let sub = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers";
    e["workspace"] = json!({
        "existing": format!("{sub}/Microsoft.MachineLearningServices/workspaces/mlw-shared"),
        "storage_account": { "existing": format!("{sub}/Microsoft.Storage/storageAccounts/stshared") },
        "key_vault": { "existing": format!("{sub}/Microsoft.KeyVault/vaults/kv-shared") },
        "container_registry": { "existing": format!("{sub}/Microsoft.ContainerRegistry/registries/crshared") }
    });
    e["tags"] = json!({ "n".repeat(512): "v" });
    assert_valid(&e, "512-character name without a new storage account");
    e["tags"] = json!({ "n".repeat(513): "v" });
    assert_refused(&e, "E017", "513-character name");
}
