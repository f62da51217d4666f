//! The plan of each shipped scenario holds what the spec and the Azure facts require.

use std::path::Path;

use amlpe::plan::{Plan, Scope};
use amlpe::scenario::Target;

fn plan(name: &str) -> Plan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.yaml"));
    let checked = amlpe::check(&path, false);
    assert_eq!(checked.errors(), 0, "{}", checked.render_diagnostics());
    checked.plan.expect("a valid scenario has a plan")
}

fn of_type<'a>(p: &'a Plan, ty: &str) -> Vec<&'a amlpe::plan::Resource> {
    p.resources.iter().filter(|r| r.ty.ends_with(ty)).collect()
}

#[test]
fn workspace_endpoints_register_in_api_and_notebooks_zones_in_one_group() {
    for name in [
        "single-endpoint",
        "isolated-clients",
        "usgov-single-endpoint",
    ] {
        let p = plan(name);
        for e in p.endpoints.iter().filter(|e| e.target == Target::Workspace) {
            assert_eq!(e.group_id, "amlworkspace");
            let keys: Vec<_> = e.zones.iter().map(|z| z.key.as_str()).collect();
            assert_eq!(keys, ["api", "notebooks"], "{name}");
            let group = p
                .resource(e.zone_group.as_deref().expect("zone group"))
                .expect("planned");
            let configs = group.properties["privateDnsZoneConfigs"]
                .as_array()
                .expect("configs");
            assert_eq!(configs.len(), 2, "{name}: one zone group, both zones");
        }
    }
}

#[test]
fn isolated_vnets_get_their_own_zone_sets_in_their_own_groups() {
    let p = plan("isolated-clients");
    assert_eq!(p.scope, Scope::Subscription);
    let zones = of_type(&p, "/privateDnsZones");
    assert_eq!(zones.len(), 12, "six zones for each of the two VNets");
    for z in &p.zones {
        assert_eq!(z.links.len(), 1, "{} is linked to one VNet only", z.symbol);
    }
    let clients: Vec<_> = p
        .zones
        .iter()
        .filter(|z| z.links == ["vnet-clients"])
        .collect();
    assert!(clients
        .iter()
        .all(|z| z.resource_group == "rg-mlw-prod-clients-dns"));
    assert_eq!(p.endpoints.len(), 10);
}

#[test]
fn computes_wait_for_the_workspace_endpoints_of_their_own_vnet() {
    let p = plan("isolated-aks");
    // (VNet, zone group) of each workspace endpoint.
    let ws_groups: Vec<(String, String)> = p
        .endpoints
        .iter()
        .filter(|e| e.target == Target::Workspace)
        .filter_map(|e| Some((e.network.clone(), e.zone_group.clone()?)))
        .collect();
    assert_eq!(ws_groups.len(), 2);
    let computes = of_type(&p, "/computes");
    assert_eq!(computes.len(), 2, "the cluster and the AKS attach");
    let pos = |s: &str| {
        p.resources
            .iter()
            .position(|r| r.symbol == s)
            .expect("planned")
    };
    for (symbol, vnet) in [
        ("computeCpuCluster", "vnet-workload"),
        ("computeAksInference", "vnet-aks"),
    ] {
        let c = p.resource(symbol).expect("planned");
        for (net, g) in &ws_groups {
            // Its own VNet's endpoint first; another VNet's endpoint is no reason to wait.
            assert_eq!(
                c.depends_on.contains(g),
                net == vnet,
                "{symbol} in {vnet} and the endpoint group {g} in {net}"
            );
            if net == vnet {
                assert!(pos(g) < pos(symbol), "{symbol} is planned after {g}");
            }
        }
    }
    let ext = of_type(&p, "KubernetesConfiguration/extensions");
    assert_eq!(ext.len(), 1);
    let settings = &ext[0].properties["configurationSettings"];
    assert_eq!(settings["internalLoadBalancerProvider"], "azure");
    let attach = p.resource("computeAksInference").expect("attach");
    assert_eq!(attach.properties["computeType"], "Kubernetes");
    assert!(attach.depends_on.contains(&ext[0].symbol));
}

#[test]
fn existing_resources_are_referenced_not_created() {
    let p = plan("existing-workspace-add-endpoint");
    assert_eq!(
        p.scope,
        Scope::Subscription,
        "everything new lives in the VNet's group, in the VNet's subscription, which a nested deployment names"
    );
    let vnet_sub = "11111111-2222-3333-4444-555555555555";
    assert!((p.resources.iter().filter(|r| !r.existing))
        .all(|r| r.subscription.as_deref() == Some(vnet_sub)));
    for ty in [
        "/workspaces",
        "/storageAccounts",
        "/vaults",
        "/registries",
        "/virtualNetworks",
    ] {
        assert!(
            of_type(&p, ty).iter().all(|r| r.existing),
            "{ty} must be existing"
        );
    }
    assert!(p.endpoints.iter().all(|e| e.manual_approval));
    assert!(p
        .endpoints
        .iter()
        .all(|e| e.resource_group == "rg-network-analytics"));
    assert!(!p.steps.iter().any(|s| s.title.starts_with("workspace ")));

    let hub = plan("hub-dns-existing-zones");
    let zones = of_type(&hub, "/privateDnsZones");
    assert_eq!(zones.len(), 6);
    assert!(zones
        .iter()
        .all(|z| z.existing && z.resource_group == "rg-hub-dns"));
    assert!(
        of_type(&hub, "/virtualNetworkLinks").is_empty(),
        "link: false"
    );
    assert_eq!(of_type(&hub, "/privateDnsZoneGroups").len(), 5);
}

#[test]
fn sovereign_clouds_use_their_own_zone_names() {
    let p = plan("usgov-single-endpoint");
    let names: Vec<_> = p.zones.iter().map(|z| z.name.as_str()).collect();
    assert!(names.contains(&"privatelink.api.ml.azure.us"));
    assert!(names.contains(&"privatelink.notebooks.usgovcloudapi.net"));
    assert!(names.contains(&"privatelink.vaultcore.usgovcloudapi.net"));
    assert!(!names
        .iter()
        .any(|n| n.ends_with("azureml.ms") || n.ends_with("windows.net")));
    // The scenario has no `dns:` key: the default creates the zones and links them.
    assert!(
        p.zones.iter().all(|z| z.links == ["vnet-mlw-gov"]),
        "{:?}",
        p.zones
    );
}

#[test]
fn endpoint_subnets_disable_network_policies_and_every_subnet_has_an_nsg() {
    let p = plan("single-endpoint");
    for s in of_type(&p, "/subnets") {
        let policies = &s.properties["privateEndpointNetworkPolicies"];
        let holds = p.endpoints.iter().any(|e| e.subnet_symbol == s.symbol);
        assert_eq!(
            policies,
            if holds { "Disabled" } else { "Enabled" },
            "{}",
            s.symbol
        );
        assert!(s.properties["networkSecurityGroup"]["id"]["$ref"].is_string());
    }
}

#[test]
fn every_resource_uses_the_catalog_api_version_and_every_reference_resolves() {
    for name in [
        "single-endpoint",
        "isolated-clients",
        "isolated-aks",
        "existing-workspace-add-endpoint",
        "hub-dns-existing-zones",
        "usgov-single-endpoint",
    ] {
        let p = plan(name);
        for r in &p.resources {
            let facts = amlpe::catalog::ALL_TYPES
                .iter()
                .find(|t| t.name == r.ty)
                .unwrap_or_else(|| panic!("{} is not in the catalog", r.ty));
            assert_eq!(r.api_version, facts.api_version, "{name} {}", r.symbol);
            let mut refs = Vec::new();
            collect_refs(&r.properties, &mut refs);
            refs.extend(r.parent.iter().cloned());
            refs.extend(r.depends_on.iter().cloned());
            for s in refs {
                assert!(
                    p.resource(&s).is_some(),
                    "{name}: {} refers to unknown {s}",
                    r.symbol
                );
            }
        }
        let steps: Vec<_> = p.steps.iter().map(|s| s.n).collect();
        assert_eq!(steps, (1..=p.steps.len()).collect::<Vec<_>>());
    }
}

fn collect_refs(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(s) = m.get("$ref").and_then(|s| s.as_str()) {
                out.push(s.to_string());
            }
            m.values().for_each(|x| collect_refs(x, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

#[test]
fn a_compute_in_a_vnet_without_a_workspace_endpoint_waits_for_every_one() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/warn/compute-outside-endpoint-vnet.yaml");
    let checked = amlpe::check(&path, false);
    assert_eq!(checked.errors(), 0, "{}", checked.render_diagnostics());
    let p = checked.plan.expect("a warning still plans");
    let ws: Vec<String> = p
        .endpoints
        .iter()
        .filter(|e| e.target == Target::Workspace)
        .map(|e| e.zone_group.clone().unwrap_or_else(|| e.symbol.clone()))
        .collect();
    assert!(!ws.is_empty());
    let c = of_type(&p, "/computes");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].depends_on, ws);
}
