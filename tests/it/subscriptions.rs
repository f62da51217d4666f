//! Resources follow the subscription the scenario names for them: the endpoints of an existing
//! VNet are deployed in the VNet's subscription by every output, and the runbook's approval
//! commands approve this deployment's endpoints only.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::support;

const SPOKE_SUB: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

fn out(scenario: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("out")
        .join(scenario)
}

#[test]
fn endpoints_of_an_existing_vnet_deploy_into_its_subscription_in_every_output() {
    let dir = out("hub-dns-existing-zones");
    let plan: Value = serde_json::from_str(&fs::read_to_string(dir.join("plan.json")).unwrap())
        .expect("plan.json");
    let endpoints: Vec<&Value> = (plan["resources"].as_array().unwrap().iter())
        .filter(|r| r["type"] == "Microsoft.Network/privateEndpoints")
        .collect();
    assert!(!endpoints.is_empty());
    for e in &endpoints {
        assert_eq!(e["subscription"], SPOKE_SUB, "plan: {}", e["name"]);
    }

    // ARM: the nested deployment into the spoke's group names the spoke's subscription.
    let arm: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("azuredeploy.json")).unwrap()).unwrap();
    let nested: Vec<&Value> = (arm["resources"].as_array().unwrap().iter())
        .filter(|r| r["resourceGroup"] == "rg-spoke-network")
        .collect();
    assert_eq!(nested.len(), 1, "one deployment into rg-spoke-network");
    assert_eq!(nested[0]["subscriptionId"], SPOKE_SUB);
    let inner = support::arm_resources(&nested[0]["properties"]["template"]);
    assert!(inner
        .iter()
        .any(|r| r["type"] == "Microsoft.Network/privateEndpoints"));

    // Bicep: the module of that group is scoped to the spoke's subscription.
    let main = fs::read_to_string(dir.join("main.bicep")).unwrap();
    assert!(
        main.contains(&format!(
            "scope: resourceGroup('{SPOKE_SUB}', 'rg-spoke-network')"
        )),
        "main.bicep does not scope the spoke module to its subscription"
    );

    // Scripts: every endpoint command runs in the spoke's subscription.
    for script in ["deploy.sh", "ops/add-private-endpoints-vnet-spoke-ml.sh"] {
        let stdout = support::dry_run(&dir.join(script));
        let creates: Vec<&str> = (stdout.lines())
            .filter(|l| l.starts_with("az network private-endpoint create"))
            .collect();
        assert_eq!(creates.len(), endpoints.len(), "{script}");
        for line in creates {
            assert!(
                line.contains(&format!("--subscription {SPOKE_SUB}")),
                "{script}: {line}"
            );
        }
    }
}

/// The runbook's `sh` block that approves the manual endpoint connections.
fn approval_block(runbook: &str) -> String {
    let start = runbook
        .find("The endpoints below ask for approval")
        .expect("an approval section");
    let rest = &runbook[start..];
    let open = rest.find("```sh\n").unwrap() + "```sh\n".len();
    let close = rest[open..].find("```").unwrap();
    rest[open..open + close].to_string()
}

#[test]
fn the_approval_commands_approve_only_this_deployments_endpoints() {
    let runbook =
        fs::read_to_string(out("existing-workspace-add-endpoint").join("RUNBOOK.md")).unwrap();
    let block = approval_block(&runbook);
    let stub = tempfile::tempdir().unwrap();
    let log = stub.path().join("approved");
    // Every target lists the same pending connections: two of this deployment's endpoints,
    // spelt in another case as Azure may return them, and one of somebody else's.
    let sub = "11111111-2222-3333-4444-555555555555";
    let ours = |name: &str| {
        format!("/SUBSCRIPTIONS/{sub}/resourceGroups/RG-Network-Analytics/providers/Microsoft.Network/privateEndpoints/{name}")
    };
    let listing = format!(
        "conn-mlw\t{}\nconn-blob\t{}\nconn-foreign\t/subscriptions/ffffffff-ffff-ffff-ffff-ffffffffffff/resourceGroups/rg-network-analytics/providers/Microsoft.Network/privateEndpoints/pe-vnet-analytics-mlw\n",
        ours("pe-vnet-analytics-mlw"),
        ours("pe-vnet-analytics-blob"),
    );
    fs::write(stub.path().join("listing"), listing).unwrap();
    let (_az, path) = support::stub_az(&format!(
            "#!/bin/bash\ncase \"$1 $2 $3\" in\n  'resource show '*) echo /target ;;\n  'network private-endpoint-connection list') cat '{}' ;;\n  'network private-endpoint-connection approve') echo \"$5\" >>'{}' ;;\n  'account show '*) echo {sub} ;;\n  *) echo \"unexpected: $*\" >&2; exit 1 ;;\nesac\n",
            stub.path().join("listing").display(),
            log.display()
        ));
    let run = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &block])
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let approved = fs::read_to_string(&log).unwrap_or_default();
    // The workspace's connection on the workspace, the blob endpoint's on the storage account;
    // never the foreign request, nor ours on a target they are not for.
    assert_eq!(approved, "conn-mlw\nconn-blob\n");
}
