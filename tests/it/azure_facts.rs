//! The outputs hold to the Azure facts of `catalog`: every
//! output (Bicep, ARM, deploy.sh, runbook) alike. Facts and their sources live in
//! `src/catalog.rs`; these tests read the generated files.

use std::path::{Path, PathBuf};

use amlpe::catalog;
use serde_json::Value;

use crate::support::{amlpe, files_under};

const SCENARIOS: [&str; 6] = [
    "single-endpoint",
    "isolated-clients",
    "isolated-aks",
    "existing-workspace-add-endpoint",
    "hub-dns-existing-zones",
    "usgov-single-endpoint",
];

fn out() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("out")
}

/// Every Bicep, ARM and script file of a scenario folder, with its text.
fn deployables(dir: &Path) -> Vec<(PathBuf, String)> {
    files_under(dir)
        .into_iter()
        .filter(|p| {
            let name = p.to_string_lossy();
            (name.ends_with(".bicep") || name.ends_with(".json") || name.ends_with(".sh"))
                && !name.contains("/legacy/")
                && !name.ends_with("plan.json")
        })
        .map(|p| {
            let text = std::fs::read_to_string(dir.join(&p)).unwrap_or_default();
            (p, text)
        })
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Bicep files of a scenario: main.bicep and its modules.
fn bicep(dir: &Path) -> String {
    let mut all = String::new();
    for p in files_under(dir) {
        if p.extension().is_some_and(|e| e == "bicep") {
            all.push_str(&read(&dir.join(p)));
        }
    }
    all
}

fn arm(dir: &Path) -> Vec<Value> {
    let t: Value = serde_json::from_str(&read(&dir.join("azuredeploy.json"))).expect("JSON");
    crate::support::arm_resources(&t)
}

fn of_type<'a>(rs: &'a [Value], ty: &str) -> Vec<&'a Value> {
    rs.iter().filter(|r| r["type"] == ty).collect()
}

#[test]
fn registries_set_neither_trust_nor_quarantine_policies() {
    for name in SCENARIOS {
        for (path, text) in deployables(&out().join(name)) {
            for policy in catalog::REGISTRY_POLICIES_OFF {
                assert!(
                    !text.contains(policy),
                    "{}: sets {policy}, which Azure refuses or which breaks Azure ML",
                    path.display()
                );
            }
        }
        // The policies amlpe keeps are still there.
        for r in of_type(&arm(&out().join(name)), catalog::REGISTRY.name) {
            assert_eq!(
                r["properties"]["policies"]["retentionPolicy"]["status"],
                "enabled"
            );
            assert_eq!(
                r["properties"]["policies"]["exportPolicy"]["status"],
                "disabled"
            );
        }
    }
}

#[test]
fn aks_leaves_out_local_account_disabling_ephemeral_disks_and_omsagent() {
    for name in SCENARIOS {
        for (path, text) in deployables(&out().join(name)) {
            for off in catalog::AKS_SETTINGS_OFF.iter().chain(&[
                "--disable-local-accounts",
                "--node-osdisk-type",
                "monitoring",
            ]) {
                assert!(!text.contains(off), "{}: sets {off}", path.display());
            }
        }
    }
}

#[test]
fn private_aks_has_no_public_fqdn_in_every_output() {
    let dir = out().join("isolated-aks");
    assert!(bicep(&dir).contains("enablePrivateClusterPublicFQDN: false"));
    for r in of_type(&arm(&dir), catalog::AKS.name) {
        assert_eq!(
            r["properties"]["apiServerAccessProfile"]["enablePrivateClusterPublicFQDN"],
            false
        );
    }
    let script = read(&dir.join("deploy.sh"));
    let create = &script[script.find("run az aks create").expect("az aks create")..];
    let create = &create[..create.find("\nfi").unwrap()];
    assert!(create.contains("--enable-private-cluster"));
    assert!(create.contains("--disable-public-fqdn"));
}

#[test]
fn aks_identity_gets_network_contributor_on_its_subnet_before_the_extension() {
    let role = catalog::NETWORK_CONTRIBUTOR_ROLE;
    let dir = out().join("isolated-aks");
    // Bicep: a roleAssignments resource scoped to the subnet, named by guid(), granting the
    // role to the cluster's identity; the extension depends on it.
    let b = bicep(&dir);
    let decl = format!(
        "resource aksAksInferenceNetworkContributor '{}@{}' = {{",
        catalog::ROLE_ASSIGNMENT.name,
        catalog::ROLE_ASSIGNMENT.api_version
    );
    let at = b.find(&decl).expect("the role assignment in Bicep");
    let body = &b[at..at + b[at..].find("\n}\n").unwrap()];
    assert!(body.contains("scope: snetVnetAksSnetAks"), "{body}");
    assert!(body.contains(&format!(
        "name: guid(snetVnetAksSnetAks.id, aksAksInference.id, '{role}')"
    )));
    assert!(body.contains(&format!(
        "roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{role}')"
    )));
    assert!(body.contains("principalId: aksAksInference.identity.principalId"));
    assert!(body.contains("principalType: 'ServicePrincipal'"));
    let ext = &b[b
        .find("resource aksAksInferenceAzureml ")
        .expect("extension")..];
    let ext = &ext[..ext.find("\n}\n").unwrap()];
    assert!(ext.contains("aksAksInferenceNetworkContributor"), "{ext}");
    assert!(at < b.find("resource aksAksInferenceAzureml ").unwrap());

    // ARM: the same, with the name from [guid(...)] and the extension's dependsOn on it.
    let rs = arm(&dir);
    let ras = of_type(&rs, catalog::ROLE_ASSIGNMENT.name);
    assert_eq!(ras.len(), 1);
    let ra = ras[0];
    assert_eq!(ra["apiVersion"], catalog::ROLE_ASSIGNMENT.api_version);
    let name = ra["name"].as_str().unwrap();
    assert!(name.starts_with("[guid(") && name.contains(role), "{name}");
    assert!(ra["scope"].as_str().unwrap().contains("'snet-aks'"));
    assert!(ra["properties"]["roleDefinitionId"]
        .as_str()
        .unwrap()
        .contains(role));
    assert!(ra["properties"]["principalId"]
        .as_str()
        .unwrap()
        .ends_with(".identity.principalId]"));
    assert_eq!(ra["properties"]["principalType"], "ServicePrincipal");
    let ext = of_type(&rs, catalog::K8S_EXTENSION.name)[0];
    assert!(ext["dependsOn"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d.as_str().unwrap().contains("roleAssignments")));

    // deploy.sh: an explicit, rerun-safe grant after the cluster and before the extension.
    let script = read(&dir.join("deploy.sh"));
    let cluster = script.find("run az aks create").unwrap();
    let grant = script
        .find("run az role assignment create")
        .expect("a grant");
    let extension = script.find("run az k8s-extension create").unwrap();
    assert!(cluster < grant && grant < extension);
    let block = &script[grant..grant + script[grant..].find("\nfi").unwrap()];
    for flag in [
        "--assignee-object-id",
        "--assignee-principal-type 'ServicePrincipal'",
        &format!("--role '{role}'"),
        "--scope \"$SNET_VNET_AKS_SNET_AKS_ID\"",
    ] {
        assert!(block.contains(flag), "{flag} missing in {block}");
    }
    let guard = &script[..grant];
    let guard = &guard[guard
        .rfind("if differs 1 az role assignment list")
        .expect("a guard")..];
    assert!(guard.contains(&format!("--role '{role}'")));
}

#[test]
fn runbook_lists_the_aks_prerequisites() {
    let runbook = read(&out().join("isolated-aks/RUNBOOK.md"));
    let (ns, feature) = catalog::ENCRYPTION_AT_HOST_FEATURE;
    assert!(runbook.contains(&format!(
        "az feature register --namespace {ns} --name {feature}"
    )));
    assert!(runbook.contains("Container insights is not enabled"));
    assert!(runbook.contains("W055"));
}

/// A scenario with an AKS cluster whose name is no valid DNS prefix, with TLS, generated into
/// a temporary folder: (folder, the generated scenario's output folder).
fn generate_tls_scenario() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let src = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/isolated-aks.yaml"));
    let long = format!("AKS_{}", "x".repeat(55));
    let text = src
        .replace("name: isolated-aks", "name: aks-tls")
        .replace(
            "{ name: aks-inference, network: vnet-aks, subnet: snet-aks, node_count: 3, vm_size: Standard_D4s_v5, compute_name: aks-inference }",
            &format!("{{ name: {long}, network: vnet-aks, subnet: snet-aks, vm_size: Standard_D4s_v5, compute_name: aks-inference, tls: {{ cname: ml.contoso.com, secret: azureml-fe-tls }} }}"),
        );
    assert!(text.contains("tls:"), "the fixture edit applied");
    let file = tmp.path().join("aks-tls.yaml");
    std::fs::write(&file, text).unwrap();
    let o = amlpe()
        .current_dir(tmp.path())
        .args(["generate", "aks-tls.yaml", "--out", "out"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dir = tmp.path().join("out/aks-tls");
    (tmp, dir)
}

#[test]
fn dns_prefix_is_derived_and_tls_reaches_every_output() {
    let (_tmp, dir) = generate_tls_scenario();
    let valid = |p: &str| {
        let b = p.as_bytes();
        (1..=catalog::AKS_DNS_PREFIX_MAX).contains(&b.len())
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
    };
    let (insecure, secret, cname) = catalog::AML_EXTENSION_TLS_SETTINGS;
    let rs = arm(&dir);
    let prefix = of_type(&rs, catalog::AKS.name)[0]["properties"]["dnsPrefix"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(valid(&prefix), "{prefix}");
    let settings =
        &of_type(&rs, catalog::K8S_EXTENSION.name)[0]["properties"]["configurationSettings"];
    assert_eq!(settings[insecure], "False");
    assert_eq!(settings[secret], "azureml-fe-tls");
    assert_eq!(settings[cname], "ml.contoso.com");
    let b = bicep(&dir);
    assert!(b.contains(&format!("dnsPrefix: '{prefix}'")));
    assert!(b.contains(&format!("{insecure}: 'False'")));
    assert!(b.contains(&format!("{secret}: 'azureml-fe-tls'")));
    assert!(b.contains(&format!("{cname}: 'ml.contoso.com'")));
    let script = read(&dir.join("deploy.sh"));
    assert!(
        script.contains(&format!("_DNS_PREFIX='{prefix}'")),
        "the script's prefix"
    );
    assert!(script.contains(&format!("'{insecure}=False'")));
    assert!(script.contains(&format!("'{secret}=azureml-fe-tls'")));
    assert!(script.contains(&format!("'{cname}=ml.contoso.com'")));
    let runbook = read(&dir.join("RUNBOOK.md"));
    assert!(runbook.contains("serves HTTPS for `ml.contoso.com`"));
    assert!(!runbook.contains("W055"));
}

#[test]
fn without_tls_the_router_allows_insecure_connections_everywhere() {
    let dir = out().join("isolated-aks");
    let (insecure, secret, _) = catalog::AML_EXTENSION_TLS_SETTINGS;
    let rs = arm(&dir);
    let settings =
        &of_type(&rs, catalog::K8S_EXTENSION.name)[0]["properties"]["configurationSettings"];
    assert_eq!(settings[insecure], "True");
    assert!(settings.get(secret).is_none());
    assert!(bicep(&dir).contains(&format!("{insecure}: 'True'")));
    assert!(read(&dir.join("deploy.sh")).contains(&format!("'{insecure}=True'")));
}

/// Zone redundancy where the region has availability zones, locally redundant elsewhere: the
/// storage SKU and the registry's zone redundancy, alike in ARM, Bicep and deploy.sh.
#[test]
fn zone_redundancy_follows_the_regions_availability_zones_in_every_output() {
    let tmp = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/warn/no-availability-zones.yaml");
    let o = amlpe()
        .arg("generate")
        .arg(&fixture)
        .arg("--out")
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cases = [
        (tmp.path().join("no-availability-zones"), false),
        (out().join("single-endpoint"), true),
        (out().join("usgov-single-endpoint"), true),
    ];
    for (dir, zones) in cases {
        let (sku, redundancy) = (
            catalog::storage_sku(zones),
            catalog::registry_zone_redundancy(zones),
        );
        let rs = arm(&dir);
        let storage = of_type(&rs, "Microsoft.Storage/storageAccounts");
        assert_eq!(storage[0]["sku"]["name"], sku, "{}", dir.display());
        let registry = of_type(&rs, "Microsoft.ContainerRegistry/registries");
        assert_eq!(registry[0]["properties"]["zoneRedundancy"], redundancy);
        let b = bicep(&dir);
        assert!(
            b.contains(&format!("name: '{sku}'")),
            "{}: Bicep SKU",
            dir.display()
        );
        assert!(b.contains(&format!("zoneRedundancy: '{redundancy}'")));
        let deploy = read(&dir.join("deploy.sh"));
        assert!(
            deploy.contains(&format!("--sku '{sku}'")),
            "{}: deploy.sh SKU",
            dir.display()
        );
        assert!(deploy.contains(&format!("--zone-redundancy '{redundancy}'")));
        let runbook = read(&dir.join("RUNBOOK.md"));
        assert_eq!(
            runbook.contains("W056"),
            !zones,
            "{}: the runbook's warning",
            dir.display()
        );
    }
}
