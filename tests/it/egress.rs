//! Outbound access of subnets: every new subnet says `defaultOutboundAccess: false` in every
//! output, the compute subnets of a new VNet get the NAT gateway or the firewall route the
//! scenario asks for (the same in the ARM template, the Bicep and deploy.sh), and subnets
//! reserved for an Azure service get no NSG.

use std::path::Path;

use serde_json::Value;

use crate::support::{amlpe, arm_resources};

const SCENARIO: &str = r#"
name: egress
location: eastus2
resource_group: rg-egress
workspace:
  name: mlw-egress
  image_build_compute: cpu
  storage_account: { name: stegress }
  key_vault: { name: kv-egress }
  container_registry: { name: cregress }
  application_insights: { name: appi-egress }
networks:
  - name: vnet-nat
    address_space: [10.0.0.0/16]
    subnets:
      - { name: GatewaySubnet, prefix: 10.0.0.0/27 }
      - { name: snet-pe, prefix: 10.0.1.0/24 }
      - { name: snet-compute, prefix: 10.0.2.0/24 }
    endpoints:
      subnet: snet-pe
      targets: [workspace, storage-blob, storage-file, key-vault, container-registry]
  - name: vnet-fw
    address_space: [10.1.0.0/16]
    egress: { firewall: 10.100.0.4 }
    subnets:
      - { name: snet-pe, prefix: 10.1.1.0/24 }
      - { name: snet-compute, prefix: 10.1.2.0/24 }
    endpoints:
      subnet: snet-pe
      targets: [workspace, storage-blob, storage-file, key-vault, container-registry]
    dns: { zones: create, resource_group: rg-egress-fw-dns }
computes:
  - { name: cpu, kind: cluster, vm_size: Standard_DS3_v2, network: vnet-nat, subnet: snet-compute }
  - { name: cpu-fw, kind: cluster, vm_size: Standard_DS3_v2, network: vnet-fw, subnet: snet-compute }
"#;

fn generate(dir: &Path) -> Vec<Value> {
    let file = dir.join("egress.yaml");
    std::fs::write(&file, SCENARIO).expect("scenario written");
    let out = dir.join("out");
    let run = amlpe()
        .arg("generate")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("amlpe runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let arm = std::fs::read_to_string(out.join("egress/azuredeploy.json")).expect("ARM");
    arm_resources(&serde_json::from_str(&arm).expect("ARM parses"))
}

fn subnet<'a>(all: &'a [Value], name: &str) -> &'a Value {
    all.iter()
        .find(|r| {
            r["type"] == "Microsoft.Network/virtualNetworks/subnets"
                && r["name"].as_str().is_some_and(|n| n.contains(name))
        })
        .unwrap_or_else(|| panic!("subnet {name}"))
}

#[test]
fn compute_subnets_get_the_outbound_path_the_scenario_asks_for_in_every_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let all = generate(dir.path());
    let subnets: Vec<&Value> = all
        .iter()
        .filter(|r| r["type"] == "Microsoft.Network/virtualNetworks/subnets")
        .collect();
    assert_eq!(subnets.len(), 5);
    for s in &subnets {
        assert_eq!(s["properties"]["defaultOutboundAccess"], false, "{s}");
    }
    // The NAT gateway, with its static public IP, on the compute subnet of vnet-nat only.
    let nat = all
        .iter()
        .find(|r| r["type"] == "Microsoft.Network/natGateways")
        .expect("a NAT gateway");
    assert_eq!(nat["name"], "nat-vnet-nat");
    assert_eq!(nat["sku"]["name"], "Standard");
    let ip = all
        .iter()
        .find(|r| r["type"] == "Microsoft.Network/publicIPAddresses")
        .expect("its public IP");
    assert_eq!(ip["properties"]["publicIPAllocationMethod"], "Static");
    assert_eq!(ip["sku"]["name"], "Standard");
    let compute = subnet(&all, "vnet-nat/snet-compute");
    let nat_id = compute["properties"]["natGateway"]["id"]
        .as_str()
        .expect("NAT id");
    assert!(
        nat_id.contains("natGateways") && nat_id.contains("nat-vnet-nat"),
        "{nat_id}"
    );
    assert!(subnet(&all, "vnet-nat/snet-pe")["properties"]["natGateway"].is_null());
    // The firewall route on the compute subnet of vnet-fw.
    let rt = all
        .iter()
        .find(|r| r["type"] == "Microsoft.Network/routeTables")
        .expect("a route table");
    let route = &rt["properties"]["routes"][0]["properties"];
    assert_eq!(route["addressPrefix"], "0.0.0.0/0");
    assert_eq!(route["nextHopType"], "VirtualAppliance");
    assert_eq!(route["nextHopIpAddress"], "10.100.0.4");
    let fw = subnet(&all, "vnet-fw/snet-compute");
    assert!(fw["properties"]["routeTable"]["id"]
        .as_str()
        .is_some_and(|id| id.contains("rt-vnet-fw")));
    // GatewaySubnet: no NSG, no NAT.
    let gw = subnet(&all, "GatewaySubnet");
    assert!(gw["properties"]["networkSecurityGroup"].is_null(), "{gw}");
    assert!(subnet(&all, "vnet-nat/snet-pe")["properties"]["networkSecurityGroup"].is_object());

    // deploy.sh sets the same: every subnet without default outbound access, the NAT gateway
    // and the route table on the compute subnets, created (generically) from the plan.
    let deploy = std::fs::read_to_string(dir.path().join("out/egress/deploy.sh")).expect("deploy");
    let creates: Vec<&str> = deploy
        .split("run az network vnet subnet create")
        .skip(1)
        .map(|c| c.split("\nfi\n").next().unwrap_or(""))
        .collect();
    assert_eq!(creates.len(), 5);
    assert!(creates
        .iter()
        .all(|c| c.contains("--default-outbound-access 'false'")));
    assert_eq!(
        creates
            .iter()
            .filter(|c| c.contains("--nat-gateway "))
            .count(),
        1
    );
    assert_eq!(
        creates
            .iter()
            .filter(|c| c.contains("--route-table "))
            .count(),
        1
    );
    // Every subnet but GatewaySubnet has the NSG.
    let with_nsg = creates
        .iter()
        .filter(|c| c.contains("--network-security-group "))
        .count();
    assert_eq!(with_nsg, 4);
    assert!(
        deploy.contains("10.100.0.4"),
        "the firewall's address reaches deploy.sh"
    );
    assert!(deploy.contains("Microsoft.Network/natGateways"));

    // The runbook names the outbound path of each VNet with computes.
    let runbook =
        std::fs::read_to_string(dir.path().join("out/egress/RUNBOOK.md")).expect("runbook");
    assert!(
        runbook.contains("the NAT gateway `nat-vnet-nat`"),
        "{runbook}"
    );
    assert!(runbook.contains("the firewall at `10.100.0.4`"));
}

/// An AKS cluster on a subnet with amlpe's NAT gateway sends its egress through it
/// (`outboundType: userAssignedNATGateway`), in the templates and the script alike.
#[test]
fn aks_egress_goes_through_the_nat_gateway_of_its_subnet() {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("out/isolated-aks");
    let arm = std::fs::read_to_string(out.join("azuredeploy.json")).expect("ARM");
    let all = arm_resources(&serde_json::from_str(&arm).expect("ARM parses"));
    let aks = all
        .iter()
        .find(|r| r["type"] == "Microsoft.ContainerService/managedClusters")
        .expect("an AKS cluster");
    assert_eq!(
        aks["properties"]["networkProfile"]["outboundType"],
        "userAssignedNATGateway"
    );
    let deploy = std::fs::read_to_string(out.join("deploy.sh")).expect("deploy.sh");
    assert!(deploy.contains("--outbound-type 'userAssignedNATGateway'"));
}
