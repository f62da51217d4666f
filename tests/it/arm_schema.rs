//! Every generated ARM template (`azuredeploy.json`) validated against the public Azure
//! resource schemas in `../shared/armschemas` (azure-resource-manager-schemas, plus the
//! bicep-types-az index for types that have no ARM JSON schema), with unknown property names
//! treated as errors.
//!
//! The schema data is read at test time, never copied into the project. Without
//! `../shared/armschemas` every test here prints a note and passes.
//!
//! - `AMLPE_VALIDATE_DIR=<dir>`: validate every `azuredeploy.json` under `<dir>` (it must hold
//!   at least one); default `<repo>/out/` (none yet is fine).

mod bicep;
mod regex;
mod schema;
mod template;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use serde_json::Value;

use schema::{Store, Violation};
use template::Stats;

const TEMPLATE_FILE: &str = "azuredeploy.json";

fn armschemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/armschemas")
}

/// The shared, lazily filled schema store; `None` when `../shared/armschemas` is absent.
fn store() -> Option<&'static Store> {
    static STORE: OnceLock<Option<Store>> = OnceLock::new();
    STORE
        .get_or_init(|| {
            let root = armschemas_dir();
            root.is_dir().then(|| Store::new(&root))
        })
        .as_ref()
}

fn store_or_skip() -> Option<&'static Store> {
    let s = store();
    if s.is_none() {
        println!("skipped: ../shared/armschemas not found");
    }
    s
}

fn find_templates(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let ft = entry.file_type()?;
        if ft.is_dir() {
            find_templates(&path, out)?;
        } else if ft.is_file() && entry.file_name() == TEMPLATE_FILE {
            out.push(path);
        }
    }
    Ok(())
}

/// Validates a template and returns its violations, rendered `path: message`.
fn check_template(store: &Store, template: &Value) -> (Vec<Violation>, Stats) {
    let mut stats = Stats::default();
    let errors = schema::dedup(template::validate_template(store, template, "", &mut stats));
    (errors, stats)
}

#[test]
fn generated_arm_templates_match_resource_schemas() {
    let Some(store) = store_or_skip() else { return };
    let explicit = std::env::var_os("AMLPE_VALIDATE_DIR").map(PathBuf::from);
    let dir = explicit
        .clone()
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("out"));
    let mut files = Vec::new();
    if dir.is_dir() {
        find_templates(&dir, &mut files)
            .unwrap_or_else(|e| panic!("cannot walk {}: {e}", dir.display()));
    }
    if files.is_empty() {
        assert!(
            explicit.is_none(),
            "AMLPE_VALIDATE_DIR={} holds no {TEMPLATE_FILE}",
            dir.display()
        );
        println!(
            "no {TEMPLATE_FILE} under {} yet: nothing to validate",
            dir.display()
        );
        return;
    }
    let started = Instant::now();
    let mut failures = Vec::new();
    for file in &files {
        let shown = file
            .strip_prefix(&dir)
            .unwrap_or(file)
            .display()
            .to_string();
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                failures.push(format!("{shown}: cannot read: {e}"));
                continue;
            }
        };
        let template: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{shown}: not JSON: {e}"));
                continue;
            }
        };
        let (errors, stats) = check_template(store, &template);
        println!(
            "checked {shown}: {} resources, {} nested templates, {} errors",
            stats.resources,
            stats.nested_templates,
            errors.len()
        );
        failures.extend(errors.iter().map(|e| format!("{shown}: {e}")));
    }
    println!(
        "validated {} templates in {:.2?}",
        files.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} schema violations in {}:\n{}",
        failures.len(),
        dir.display(),
        failures.join("\n")
    );
}

mod validator_tests {
    use super::*;
    use serde_json::json;

    fn template(resources: Value) -> Value {
        json!({
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "parameters": {
                "location": { "type": "string", "defaultValue": "[resourceGroup().location]" }
            },
            "resources": resources
        })
    }

    /// Violations of a one-resource-list template, rendered; `None` when armschemas is absent.
    fn violations(resources: Value) -> Option<Vec<String>> {
        let store = store_or_skip()?;
        let (errors, _) = check_template(store, &template(resources));
        Some(errors.iter().map(ToString::to_string).collect())
    }

    fn assert_valid(resources: Value) {
        if let Some(errors) = violations(resources) {
            assert!(
                errors.is_empty(),
                "expected no violations, got:\n{}",
                errors.join("\n")
            );
        }
    }

    fn assert_invalid(resources: Value, expected: &[&str]) {
        if let Some(errors) = violations(resources) {
            for e in &errors {
                println!("  (expected) {e}");
            }
            for want in expected {
                assert!(
                    errors.iter().any(|e| e.contains(want)),
                    "expected a violation containing {want:?}, got:\n{}",
                    errors.join("\n")
                );
            }
        }
    }

    fn private_endpoint(subnet_key: &str) -> Value {
        json!({
            "type": "Microsoft.Network/privateEndpoints",
            "apiVersion": "2025-07-01",
            "name": "pe-x",
            "location": "[parameters('location')]",
            "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks', 'vnet')]"],
            "properties": {
                subnet_key: { "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'pe')]" },
                "privateLinkServiceConnections": [{
                    "name": "pe-x-conn",
                    "properties": {
                        "privateLinkServiceId": "[resourceId('Microsoft.MachineLearningServices/workspaces', 'mlw')]",
                        "groupIds": ["amlworkspace"]
                    }
                }]
            }
        })
    }

    fn storage(tls: &str) -> Value {
        json!({
            "type": "Microsoft.Storage/storageAccounts",
            "apiVersion": "2026-04-01",
            "name": "stmlw001",
            "location": "[parameters('location')]",
            "sku": { "name": "Standard_LRS" },
            "kind": "StorageV2",
            "properties": {
                "minimumTlsVersion": tls,
                "allowBlobPublicAccess": false,
                "supportsHttpsTrafficOnly": true,
                "publicNetworkAccess": "Disabled",
                "networkAcls": { "defaultAction": "Deny", "bypass": "AzureServices" }
            }
        })
    }

    #[test]
    fn private_endpoint_valid() {
        assert_valid(json!([private_endpoint("subnet")]));
    }

    #[test]
    fn private_endpoint_unknown_property_names_its_path() {
        assert_invalid(
            json!([private_endpoint("subnett")]),
            &["resources[0](Microsoft.Network/privateEndpoints 'pe-x').properties.subnett: unknown property 'subnett'"],
        );
    }

    #[test]
    fn storage_account_valid_and_bad_enum() {
        assert_valid(json!([storage("TLS1_2")]));
        assert_valid(json!([storage("tls1_2")])); // ARM enums are case-insensitive
        assert_invalid(
            json!([storage("TLS9")]),
            &["resources[0](Microsoft.Storage/storageAccounts 'stmlw001').properties.minimumTlsVersion: value \"TLS9\" is not one of"],
        );
    }

    #[test]
    fn machine_learning_workspace_valid() {
        assert_valid(json!([{
            "type": "Microsoft.MachineLearningServices/workspaces",
            "apiVersion": "2026-05-01",
            "name": "mlw-prod",
            "location": "[parameters('location')]",
            "identity": { "type": "SystemAssigned" },
            "sku": { "name": "Basic", "tier": "Basic" },
            "properties": {
                "friendlyName": "mlw-prod",
                "storageAccount": "[resourceId('Microsoft.Storage/storageAccounts', 'stmlw001')]",
                "keyVault": "[resourceId('Microsoft.KeyVault/vaults', 'kv-mlw')]",
                "applicationInsights": "[resourceId('Microsoft.Insights/components', 'appi-mlw')]",
                "containerRegistry": "[resourceId('Microsoft.ContainerRegistry/registries', 'crmlw')]",
                "publicNetworkAccess": "Disabled",
                "imageBuildCompute": "cpu-cluster"
            }
        }]));
    }

    #[test]
    fn machine_learning_workspace_bad_identity_and_unknown_key() {
        assert_invalid(
            json!([{
                "type": "Microsoft.MachineLearningServices/workspaces",
                "apiVersion": "2026-05-01",
                "name": "mlw-prod",
                "location": "westeurope",
                "identity": { "type": "SystemAssigned", "principal": "x" },
                "properties": { "publicNetworkAccess": "Disabled", "image_build_compute": "cpu" }
            }]),
            &[
                ".identity.principal: unknown property 'principal'",
                ".properties.image_build_compute: unknown property 'image_build_compute'",
            ],
        );
    }

    #[test]
    fn compute_cluster_discriminated_union() {
        let compute = |extra: Value| {
            let mut props = json!({
                "vmSize": "STANDARD_DS3_V2",
                "scaleSettings": { "minNodeCount": 0, "maxNodeCount": 4 },
                "subnet": { "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'training')]" },
                "enableNodePublicIp": false
            });
            if let (Some(p), Value::Object(e)) = (props.as_object_mut(), extra) {
                p.extend(e);
            }
            json!([{
                "type": "Microsoft.MachineLearningServices/workspaces/computes",
                "apiVersion": "2026-05-01",
                "name": "mlw-prod/cpu-cluster",
                "location": "[parameters('location')]",
                "properties": { "computeType": "AmlCompute", "description": "image builds", "properties": props }
            }])
        };
        assert_valid(compute(json!({})));
        assert_invalid(
            compute(json!({ "nodePublicIp": false })),
            &[".properties.properties.nodePublicIp: unknown property 'nodePublicIp'"],
        );
    }

    #[test]
    fn private_dns_zone_and_vnet_link_valid() {
        assert_valid(json!([
            {
                "type": "Microsoft.Network/privateDnsZones",
                "apiVersion": "2024-06-01",
                "name": "privatelink.api.azureml.ms",
                "location": "global",
                "properties": {}
            },
            {
                "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
                "apiVersion": "2024-06-01",
                "name": "privatelink.api.azureml.ms/link-vnet",
                "location": "global",
                "dependsOn": ["[resourceId('Microsoft.Network/privateDnsZones', 'privatelink.api.azureml.ms')]"],
                "properties": {
                    "registrationEnabled": false,
                    "virtualNetwork": { "id": "[resourceId('Microsoft.Network/virtualNetworks', 'vnet')]" }
                }
            }
        ]));
    }

    #[test]
    fn private_dns_zone_group_valid_top_level_and_nested() {
        let configs = json!([
            { "name": "api", "properties": { "privateDnsZoneId": "[resourceId('Microsoft.Network/privateDnsZones', 'privatelink.api.azureml.ms')]" } },
            { "name": "notebooks", "properties": { "privateDnsZoneId": "[resourceId('Microsoft.Network/privateDnsZones', 'privatelink.notebooks.azure.net')]" } }
        ]);
        assert_valid(json!([{
            "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
            "apiVersion": "2025-07-01",
            "name": "pe-x/default",
            "dependsOn": ["[resourceId('Microsoft.Network/privateEndpoints', 'pe-x')]"],
            "properties": { "privateDnsZoneConfigs": configs.clone() }
        }]));
        let mut pe = private_endpoint("subnet");
        pe["resources"] = json!([{
            "type": "privateDnsZoneGroups",
            "apiVersion": "2025-07-01",
            "name": "default",
            "dependsOn": ["pe-x"],
            "properties": { "privateDnsZoneConfigs": configs }
        }]);
        assert_valid(json!([pe]));
    }

    #[test]
    fn kubernetes_extension_valid_via_bicep_types() {
        let extension = |props: Value| {
            json!([{
                "type": "Microsoft.KubernetesConfiguration/extensions",
                "apiVersion": "2025-03-01",
                "name": "azureml",
                "scope": "[format('Microsoft.ContainerService/managedClusters/{0}', 'aks-ml')]",
                "dependsOn": ["[resourceId('Microsoft.ContainerService/managedClusters', 'aks-ml')]"],
                "identity": { "type": "SystemAssigned" },
                "properties": props
            }])
        };
        assert_valid(extension(json!({
            "extensionType": "microsoft.azureml.kubernetes",
            "autoUpgradeMinorVersion": true,
            "releaseTrain": "stable",
            "scope": { "cluster": { "releaseNamespace": "azureml" } },
            "configurationSettings": {
                "enableTraining": "true",
                "enableInference": "true",
                "inferenceRouterServiceType": "loadBalancer",
                "internalLoadBalancerProvider": "azure",
                "allowInsecureConnections": "false"
            }
        })));
        assert_invalid(
            extension(
                json!({ "extensionType": "microsoft.azureml.kubernetes", "releaseTrains": "stable", "provisioningState": "Succeeded" }),
            ),
            &[
                ".properties.releaseTrains: unknown property 'releaseTrains'",
                ".properties.provisioningState: read-only property 'provisioningState'",
            ],
        );
    }

    #[test]
    fn managed_cluster_minimal_valid() {
        assert_valid(json!([{
            "type": "Microsoft.ContainerService/managedClusters",
            "apiVersion": "2026-05-01",
            "name": "aks-ml",
            "location": "[parameters('location')]",
            "identity": { "type": "SystemAssigned" },
            "sku": { "name": "Base", "tier": "Standard" },
            "properties": {
                "dnsPrefix": "aks-ml",
                "enableRBAC": true,
                "agentPoolProfiles": [{
                    "name": "system",
                    "mode": "System",
                    "count": 3,
                    "vmSize": "Standard_D4s_v5",
                    "osType": "Linux",
                    "vnetSubnetID": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'aks')]"
                }],
                "networkProfile": {
                    "networkPlugin": "azure",
                    "serviceCidr": "10.250.0.0/16",
                    "dnsServiceIP": "10.250.0.10"
                },
                "apiServerAccessProfile": { "enablePrivateCluster": true }
            }
        }]));
    }

    /// One minimal, secure-default instance of every type in AZURE_FACTS.md's API table, at
    /// the newest version, as a generator would write it.
    #[test]
    fn every_catalog_type_minimal_valid() {
        let rid = |args: &str| format!("[resourceId({args})]");
        assert_valid(json!([
            {
                "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2025-07-01",
                "name": "nsg-pe", "location": "[parameters('location')]",
                "properties": { "securityRules": [{
                    "name": "deny-internet-out",
                    "properties": {
                        "priority": 4000, "direction": "Outbound", "access": "Deny", "protocol": "*",
                        "sourceAddressPrefix": "VirtualNetwork", "sourcePortRange": "*",
                        "destinationAddressPrefix": "Internet", "destinationPortRange": "*"
                    }
                }] }
            },
            {
                "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2025-07-01",
                "name": "vnet", "location": "[parameters('location')]",
                "properties": {
                    "addressSpace": { "addressPrefixes": ["10.0.0.0/16"] },
                    "subnets": [{
                        "name": "pe",
                        "properties": {
                            "addressPrefix": "10.0.1.0/24",
                            "privateEndpointNetworkPolicies": "Disabled",
                            "networkSecurityGroup": { "id": rid("'Microsoft.Network/networkSecurityGroups', 'nsg-pe'") }
                        }
                    }]
                }
            },
            {
                "type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "2025-07-01",
                "name": "vnet/training",
                "properties": { "addressPrefix": "10.0.2.0/24", "defaultOutboundAccess": false }
            },
            {
                "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "apiVersion": "2025-07-01",
                "name": "vnet/to-hub",
                "properties": {
                    "allowVirtualNetworkAccess": true, "allowForwardedTraffic": false,
                    "remoteVirtualNetwork": { "id": rid("'rg-hub', 'Microsoft.Network/virtualNetworks', 'vnet-hub'") }
                }
            },
            {
                "type": "Microsoft.KeyVault/vaults", "apiVersion": "2026-02-01",
                "name": "kv-mlw", "location": "[parameters('location')]",
                "properties": {
                    "tenantId": "[subscription().tenantId]",
                    "sku": { "family": "A", "name": "standard" },
                    "enableRbacAuthorization": true, "enableSoftDelete": true, "enablePurgeProtection": true,
                    "publicNetworkAccess": "Disabled",
                    "networkAcls": { "defaultAction": "Deny", "bypass": "AzureServices" }
                }
            },
            {
                "type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2025-11-01",
                "name": "crmlw", "location": "[parameters('location')]",
                "sku": { "name": "Premium" },
                "properties": { "adminUserEnabled": false, "anonymousPullEnabled": false, "publicNetworkAccess": "Disabled" }
            },
            {
                "type": "Microsoft.OperationalInsights/workspaces", "apiVersion": "2025-07-01",
                "name": "log-mlw", "location": "[parameters('location')]",
                "properties": { "sku": { "name": "PerGB2018" }, "retentionInDays": 30 }
            },
            {
                "type": "Microsoft.Insights/components", "apiVersion": "2020-02-02",
                "name": "appi-mlw", "location": "[parameters('location')]", "kind": "web",
                "properties": {
                    "Application_Type": "web",
                    "WorkspaceResourceId": rid("'Microsoft.OperationalInsights/workspaces', 'log-mlw'")
                }
            },
            {
                "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2024-11-30",
                "name": "id-mlw", "location": "[parameters('location')]", "properties": {}
            },
            {
                "type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
                "name": "[guid(resourceGroup().id, 'id-mlw', 'acrpull')]",
                "scope": "[format('Microsoft.ContainerRegistry/registries/{0}', 'crmlw')]",
                "properties": {
                    "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')]",
                    "principalId": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id-mlw'), '2024-11-30').principalId]",
                    "principalType": "ServicePrincipal"
                }
            }
        ]));
    }

    #[test]
    fn subscription_scope_resource_group_and_cross_rg_deployment() {
        assert_valid(json!([
            {
                "type": "Microsoft.Resources/resourceGroups", "apiVersion": "2025-04-01",
                "name": "rg-dns-iso1", "location": "westeurope", "properties": {}
            },
            {
                "type": "Microsoft.Resources/deployments", "apiVersion": "2025-04-01",
                "name": "dns-iso1", "resourceGroup": "rg-dns-iso1", "location": "westeurope",
                "dependsOn": ["[subscriptionResourceId('Microsoft.Resources/resourceGroups', 'rg-dns-iso1')]"],
                "properties": {
                    "mode": "Incremental",
                    "expressionEvaluationOptions": { "scope": "inner" },
                    "template": template(json!([{
                        "type": "Microsoft.Network/privateDnsZones", "apiVersion": "2024-06-01",
                        "name": "privatelink.api.azureml.ms", "location": "global", "properties": {}
                    }]))
                }
            }
        ]));
    }

    #[test]
    fn tags_parameter_expression_valid() {
        let mut st = storage("TLS1_2");
        st["tags"] = json!("[parameters('tags')]");
        assert_valid(json!([st.clone()]));
        st["tags"] = json!("not an object");
        assert_invalid(json!([st]), &[".tags: expected object"]);
    }

    #[test]
    fn unknown_api_version_fails() {
        let mut pe = private_endpoint("subnet");
        pe["apiVersion"] = json!("2019-13-01");
        assert_invalid(
            json!([pe]),
            &["resources[0](Microsoft.Network/privateEndpoints 'pe-x'): no schema for Microsoft.Network/privateEndpoints@2019-13-01"],
        );
    }

    #[test]
    fn type_without_any_schema_fails() {
        assert_invalid(
            json!([{ "type": "Microsoft.Contoso/widgets", "apiVersion": "2025-01-01", "name": "w" }]),
            &["no schema for Microsoft.Contoso/widgets@2025-01-01"],
        );
    }

    #[test]
    fn nested_deployment_inner_template_is_validated() {
        let mut pe = private_endpoint("subnet");
        pe["properties"]["customNetworkInterfaceName"] = json!("nic-pe-x");
        pe["properties"]["privateLinkServiceConnections"][0]["properties"]["groupId"] =
            json!("blob");
        let deployment = json!({
            "type": "Microsoft.Resources/deployments",
            "apiVersion": "2025-04-01",
            "name": "dns-hub",
            "resourceGroup": "rg-dns",
            "properties": {
                "mode": "Incremental",
                "expressionEvaluationOptions": { "scope": "inner" },
                "parameters": { "location": { "value": "[parameters('location')]" } },
                "template": template(json!([pe]))
            }
        });
        assert_invalid(
            json!([deployment]),
            &["resources[0](Microsoft.Resources/deployments 'dns-hub').properties.template.resources[0](Microsoft.Network/privateEndpoints 'pe-x').properties.privateLinkServiceConnections[0].properties.groupId: unknown property 'groupId'"],
        );
    }

    #[test]
    fn template_level_keys_are_checked() {
        let Some(store) = store_or_skip() else { return };
        let mut t = template(json!([]));
        t["output"] = json!({});
        t["parameters"]["location"]["description"] = json!("where");
        let (errors, _) = check_template(store, &t);
        let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
        for want in [
            "output: unknown property 'output'",
            "parameters.location.description: unknown property 'description'",
        ] {
            assert!(
                errors.iter().any(|e| e == want),
                "missing {want:?} in:\n{}",
                errors.join("\n")
            );
        }
    }

    #[test]
    fn expression_values_and_type_errors() {
        let mut st = storage("TLS1_2");
        st["properties"]["allowBlobPublicAccess"] = json!("[parameters('allowPublic')]");
        assert_valid(json!([st.clone()]));
        st["properties"]["allowBlobPublicAccess"] = json!("false");
        assert_invalid(
            json!([st]),
            &[".properties.allowBlobPublicAccess: expected boolean, found string \"false\""],
        );
    }
}
