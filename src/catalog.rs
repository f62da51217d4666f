//! Azure facts as data: resource types and API versions, private-link group ids and DNS zones
//! per cloud, naming rules, regions, support dates. Nothing else in amlpe spells these.
//!
//! Sources: the API versions are the newest stable ones in the resource schemas of August
//! 2026; zones follow Microsoft Learn's "Azure Private Endpoint DNS configuration" (Key Vault
//! uses `privatelink.vaultcore.*`, not the `keyvaultDns` suffix, which names a zone that never
//! receives records).

use crate::scenario::{Cloud, Egress, Target};

/// A resource type amlpe emits, with the API version every output uses for it and its names
/// in prose: `label` heads a runbook row, `noun` starts a deployment step's title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceType {
    pub name: &'static str,
    pub api_version: &'static str,
    pub label: &'static str,
    pub noun: &'static str,
}

macro_rules! types {
    ($( $c:ident = $n:literal @ $v:literal, $label:literal, $noun:literal; )*) => {
        $( pub const $c: ResourceType =
            ResourceType { name: $n, api_version: $v, label: $label, noun: $noun }; )*
        /// Every type amlpe can emit.
        pub const ALL_TYPES: &[ResourceType] = &[ $( $c, )* ];
    };
}

types! {
    RESOURCE_GROUP = "Microsoft.Resources/resourceGroups" @ "2025-04-01", "Resource group", "resource group";
    DEPLOYMENT = "Microsoft.Resources/deployments" @ "2025-04-01", "Deployment", "deployment";
    VNET = "Microsoft.Network/virtualNetworks" @ "2025-07-01", "Virtual network", "virtual network";
    SUBNET = "Microsoft.Network/virtualNetworks/subnets" @ "2025-07-01", "Subnet", "subnet";
    NSG = "Microsoft.Network/networkSecurityGroups" @ "2025-07-01", "Network security group", "network security group";
    NAT_GATEWAY = "Microsoft.Network/natGateways" @ "2025-07-01", "NAT gateway", "NAT gateway";
    PUBLIC_IP = "Microsoft.Network/publicIPAddresses" @ "2025-07-01", "Public IP address", "public IP address";
    ROUTE_TABLE = "Microsoft.Network/routeTables" @ "2025-07-01", "Route table", "route table";
    PRIVATE_ENDPOINT = "Microsoft.Network/privateEndpoints" @ "2025-07-01", "Private endpoint", "private endpoint";
    ZONE_GROUP = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups" @ "2025-07-01", "Private DNS zone group", "DNS zone group";
    DNS_ZONE = "Microsoft.Network/privateDnsZones" @ "2024-06-01", "Private DNS zone", "private DNS zone";
    DNS_LINK = "Microsoft.Network/privateDnsZones/virtualNetworkLinks" @ "2024-06-01", "Private DNS zone VNet link", "DNS zone link";
    STORAGE = "Microsoft.Storage/storageAccounts" @ "2026-04-01", "Storage account", "storage account";
    KEY_VAULT = "Microsoft.KeyVault/vaults" @ "2026-02-01", "Key Vault", "key vault";
    REGISTRY = "Microsoft.ContainerRegistry/registries" @ "2025-11-01", "Container registry", "container registry";
    APP_INSIGHTS = "Microsoft.Insights/components" @ "2020-02-02", "Application Insights", "Application Insights";
    LOG_ANALYTICS = "Microsoft.OperationalInsights/workspaces" @ "2025-07-01", "Log Analytics workspace", "Log Analytics workspace";
    WORKSPACE = "Microsoft.MachineLearningServices/workspaces" @ "2026-05-01", "Azure Machine Learning workspace", "workspace";
    COMPUTE = "Microsoft.MachineLearningServices/workspaces/computes" @ "2026-05-01", "Azure Machine Learning compute", "compute";
    AKS = "Microsoft.ContainerService/managedClusters" @ "2026-05-01", "AKS cluster", "AKS cluster";
    K8S_EXTENSION = "Microsoft.KubernetesConfiguration/extensions" @ "2025-03-01", "Cluster extension", "Azure ML extension";
    ROLE_ASSIGNMENT = "Microsoft.Authorization/roleAssignments" @ "2022-04-01", "Role assignment", "role assignment";
}

/// Outbound access of subnets. From Microsoft.Network API 2025-07-01 the subnets of new VNets
/// are private by default (`defaultOutboundAccess: false`; "Private subnets by default in Azure
/// Virtual Networks", Azure networking blog), while `az network vnet subnet create` still uses an
/// older API that gives default outbound access: every output sets it to `false` explicitly.
/// Computes without public IPs then need an outbound path to reach Azure ML, Batch, Entra ID,
/// ARM and MCR: "We recommend using a Virtual Network NAT gateway or Firewall" ("Secure an Azure
/// Machine Learning training environment with virtual networks", how-to-secure-training-vnet).
pub const DEFAULT_OUTBOUND_ACCESS: bool = false;

/// Idle timeout of the NAT gateway amlpe creates: Azure's default, in minutes ("Azure NAT
/// Gateway resource", idle timeout 4 to 120 minutes, default 4). A NAT gateway takes Standard
/// SKU, static IPv4 public addresses only (same page, "Public IP addresses"), which is what amlpe
/// gives it; a firewall is reached by a route of next hop type `VirtualAppliance` to its
/// private address ("Virtual network traffic routing", user-defined routes).
pub const NAT_IDLE_TIMEOUT_MINUTES: u32 = 4;

/// The AKS `outboundType` that matches a VNet's egress ("Customize cluster egress with outbound
/// types in Azure Kubernetes Service", https://learn.microsoft.com/azure/aks/egress-outboundtype):
/// `userAssignedNATGateway` for a NAT gateway on the cluster's subnet, `userDefinedRouting` for
/// a route table that sends 0.0.0.0/0 to a firewall (with the default `loadBalancer`, AKS adds
/// a public load balancer for egress that the route makes asymmetric). Egress the network team
/// provides is unknown to amlpe: AKS's default stays.
pub fn aks_outbound_type(egress: &Egress) -> Option<&'static str> {
    match egress {
        Egress::NatGateway => Some("userAssignedNATGateway"),
        Egress::Firewall(_) => Some("userDefinedRouting"),
        Egress::Provided => None,
    }
}

/// Azure ML compute clusters and instances (and, through them, the inference computes amlpe
/// attaches): "The virtual network must be in the same subscription as the Azure Machine
/// Learning workspace." Source: "Secure an Azure Machine Learning training environment with
/// virtual networks", Azure Machine Learning compute cluster/instance requirements.
pub const COMPUTE_VNET_SUBSCRIPTION: &str =
    "Azure ML needs a compute's VNet in the workspace's subscription";

/// Subnets that Azure reserves for one service, by name, with why amlpe leaves them alone: no
/// network security group, NAT gateway or route table of amlpe's, and no endpoints or computes.
pub const SPECIAL_SUBNETS: &[(&str, &str)] = &[
    // "About VPN Gateway configuration settings": NSGs on the gateway subnet are not supported.
    (
        "GatewaySubnet",
        "the VPN or ExpressRoute gateway's subnet, where network security groups are not supported",
    ),
    // "Azure Firewall FAQ": the firewall subnet takes no NSG and no other resources.
    (
        "AzureFirewallSubnet",
        "Azure Firewall's subnet, which takes no network security group and no other resources",
    ),
    (
        "AzureFirewallManagementSubnet",
        "Azure Firewall's management subnet, which takes no other resources",
    ),
    // "Working with NSG access and Azure Bastion": an NSG there needs Bastion's own rules.
    (
        "AzureBastionSubnet",
        "Azure Bastion's subnet, whose network security group needs Bastion's own rules",
    ),
    // "Azure Route Server FAQ": the subnet must be named RouteServerSubnet and hold nothing else.
    (
        "RouteServerSubnet",
        "Azure Route Server's subnet, which holds nothing else",
    ),
];

/// Why `subnet` is reserved for one Azure service, when it is (names compare without case).
pub fn special_subnet(subnet: &str) -> Option<&'static str> {
    SPECIAL_SUBNETS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(subnet))
        .map(|(_, why)| *why)
}

/// The type named `name`, when amlpe emits it.
pub fn resource_type(name: &str) -> Option<ResourceType> {
    ALL_TYPES.iter().copied().find(|t| t.name == name)
}

/// How a template spells a zone name so it follows the cloud it is deployed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneSpelling {
    /// A fixed name (the cloud is known when the scenario is planned).
    Literal,
    /// `prefix` + `environment().suffixes.<suffix>`: the linters reject literal cloud hosts.
    EnvSuffix {
        prefix: &'static str,
        suffix: &'static str,
    },
}

/// A private DNS zone that a private-link target registers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone {
    /// Short key used in symbols and file names (`api`, `notebooks`, `blob` ...).
    pub key: &'static str,
    pub name: &'static str,
    pub spelling: ZoneSpelling,
    /// The public zone a custom DNS server forwards (not the privatelink one).
    pub forward: &'static str,
}

/// What a private endpoint of a target connects to, and the zones its records live in.
#[derive(Debug, Clone, Copy)]
pub struct TargetFacts {
    pub target: Target,
    pub group_id: &'static str,
    pub resource: ResourceType,
    pub label: &'static str,
    pub short: &'static str,
}

pub fn target(t: Target) -> TargetFacts {
    let (group_id, resource, label, short) = match t {
        Target::Workspace => ("amlworkspace", WORKSPACE, "workspace", "mlw"),
        Target::StorageBlob => ("blob", STORAGE, "storage account (blob)", "blob"),
        Target::StorageFile => ("file", STORAGE, "storage account (file)", "file"),
        Target::KeyVault => ("vault", KEY_VAULT, "key vault", "kv"),
        Target::ContainerRegistry => ("registry", REGISTRY, "container registry", "cr"),
    };
    TargetFacts {
        target: t,
        group_id,
        resource,
        label,
        short,
    }
}

const fn lit(key: &'static str, name: &'static str, forward: &'static str) -> Zone {
    Zone {
        key,
        name,
        spelling: ZoneSpelling::Literal,
        forward,
    }
}

const fn env(
    key: &'static str,
    name: &'static str,
    prefix: &'static str,
    suffix: &'static str,
    forward: &'static str,
) -> Zone {
    Zone {
        key,
        name,
        spelling: ZoneSpelling::EnvSuffix { prefix, suffix },
        forward,
    }
}

/// The zones a target's endpoint registers in, in zone-group order. The workspace needs two
/// (api and notebooks) in one zone group: forgetting notebooks breaks studio and notebooks.
pub fn zones(cloud: Cloud, t: Target) -> Vec<Zone> {
    use Cloud::*;
    match (t, cloud) {
        (Target::Workspace, AzureCloud) => vec![
            lit("api", "privatelink.api.azureml.ms", "api.azureml.ms"),
            lit(
                "notebooks",
                "privatelink.notebooks.azure.net",
                "notebooks.azure.net",
            ),
        ],
        (Target::Workspace, AzureUSGovernment) => vec![
            lit("api", "privatelink.api.ml.azure.us", "api.ml.azure.us"),
            lit(
                "notebooks",
                "privatelink.notebooks.usgovcloudapi.net",
                "notebooks.usgovcloudapi.net",
            ),
        ],
        (Target::Workspace, AzureChinaCloud) => vec![
            lit("api", "privatelink.api.ml.azure.cn", "api.ml.azure.cn"),
            lit(
                "notebooks",
                "privatelink.notebooks.chinacloudapi.cn",
                "notebooks.chinacloudapi.cn",
            ),
        ],
        (Target::StorageBlob, c) => {
            let (name, forward) = match c {
                AzureCloud => ("privatelink.blob.core.windows.net", "blob.core.windows.net"),
                AzureUSGovernment => (
                    "privatelink.blob.core.usgovcloudapi.net",
                    "blob.core.usgovcloudapi.net",
                ),
                AzureChinaCloud => (
                    "privatelink.blob.core.chinacloudapi.cn",
                    "blob.core.chinacloudapi.cn",
                ),
            };
            vec![env("blob", name, "privatelink.blob.", "storage", forward)]
        }
        (Target::StorageFile, c) => {
            let (name, forward) = match c {
                AzureCloud => ("privatelink.file.core.windows.net", "file.core.windows.net"),
                AzureUSGovernment => (
                    "privatelink.file.core.usgovcloudapi.net",
                    "file.core.usgovcloudapi.net",
                ),
                AzureChinaCloud => (
                    "privatelink.file.core.chinacloudapi.cn",
                    "file.core.chinacloudapi.cn",
                ),
            };
            vec![env("file", name, "privatelink.file.", "storage", forward)]
        }
        (Target::KeyVault, AzureCloud) => vec![lit(
            "vault",
            "privatelink.vaultcore.azure.net",
            "vault.azure.net",
        )],
        (Target::KeyVault, AzureUSGovernment) => vec![lit(
            "vault",
            "privatelink.vaultcore.usgovcloudapi.net",
            "vault.usgovcloudapi.net",
        )],
        (Target::KeyVault, AzureChinaCloud) => vec![lit(
            "vault",
            "privatelink.vaultcore.azure.cn",
            "vault.azure.cn",
        )],
        (Target::ContainerRegistry, c) => {
            let (name, fwd) = match c {
                AzureCloud => ("privatelink.azurecr.io", "azurecr.io"),
                AzureUSGovernment => ("privatelink.azurecr.us", "azurecr.us"),
                AzureChinaCloud => ("privatelink.azurecr.cn", "azurecr.cn"),
            };
            vec![env("registry", name, "privatelink", "acrLoginServer", fwd)]
        }
    }
}

/// Public zones that custom DNS servers must forward to Azure DNS (168.63.129.16) so the
/// privatelink CNAMEs resolve; the workspace's compute instances also use these.
pub fn forwarded_workspace_zones(cloud: Cloud) -> &'static [&'static str] {
    match cloud {
        Cloud::AzureCloud => &[
            "api.azureml.ms",
            "notebooks.azure.net",
            "instances.azureml.ms",
            "aznbcontent.net",
            "inference.ml.azure.com",
        ],
        Cloud::AzureUSGovernment => &[
            "api.ml.azure.us",
            "notebooks.usgovcloudapi.net",
            "instances.azureml.us",
            "aznbcontent.net",
            "inference.ml.azure.us",
        ],
        Cloud::AzureChinaCloud => &[
            "api.ml.azure.cn",
            "notebooks.chinacloudapi.cn",
            "instances.azureml.cn",
            "aznbcontent.net",
            "inference.ml.azure.cn",
        ],
    }
}

pub fn cloud_name(c: Cloud) -> &'static str {
    match c {
        Cloud::AzureCloud => "AzureCloud",
        Cloud::AzureUSGovernment => "AzureUSGovernment",
        Cloud::AzureChinaCloud => "AzureChinaCloud",
    }
}

/// The portal of each cloud, for the runbook's portal steps.
pub fn portal(c: Cloud) -> &'static str {
    match c {
        Cloud::AzureCloud => "https://portal.azure.com",
        Cloud::AzureUSGovernment => "https://portal.azure.us",
        Cloud::AzureChinaCloud => "https://portal.azure.cn",
    }
}

/// Regions known to host Azure Machine Learning, per cloud. An unknown one is a warning,
/// not an error: Azure adds regions faster than tools ship.
pub fn regions(c: Cloud) -> &'static [&'static str] {
    match c {
        Cloud::AzureCloud => &[
            "australiacentral",
            "australiaeast",
            "australiasoutheast",
            "brazilsouth",
            "canadacentral",
            "canadaeast",
            "centralindia",
            "centralus",
            "eastasia",
            "eastus",
            "eastus2",
            "francecentral",
            "germanywestcentral",
            "israelcentral",
            "italynorth",
            "japaneast",
            "japanwest",
            "koreacentral",
            "mexicocentral",
            "northcentralus",
            "northeurope",
            "norwayeast",
            "polandcentral",
            "qatarcentral",
            "southafricanorth",
            "southcentralus",
            "southeastasia",
            "southindia",
            "spaincentral",
            "swedencentral",
            "switzerlandnorth",
            "uaenorth",
            "uksouth",
            "ukwest",
            "westcentralus",
            "westeurope",
            "westus",
            "westus2",
            "westus3",
        ],
        Cloud::AzureUSGovernment => &["usgovarizona", "usgovvirginia", "usgovtexas"],
        Cloud::AzureChinaCloud => &["chinaeast2", "chinanorth2", "chinanorth3"],
    }
}

/// Regions with availability zones, per cloud: zone-redundant storage (`Standard_ZRS`) and a
/// zone-redundant registry (`zoneRedundancy: Enabled`) need one. Sources: "Azure regions list"
/// (https://learn.microsoft.com/azure/reliability/regions-list, availability zone support) and
/// "Availability zone service and regional support" (US Gov Virginia; China North 3). Elsewhere
/// amlpe falls back to `Standard_LRS` and a registry without zone redundancy (warning W056).
pub fn zone_regions(c: Cloud) -> &'static [&'static str] {
    match c {
        Cloud::AzureCloud => &[
            "australiaeast",
            "austriaeast",
            "brazilsouth",
            "canadacentral",
            "centralindia",
            "centralus",
            "eastasia",
            "eastus",
            "eastus2",
            "francecentral",
            "germanywestcentral",
            "indonesiacentral",
            "israelcentral",
            "italynorth",
            "japaneast",
            "japanwest",
            "koreacentral",
            "mexicocentral",
            "newzealandnorth",
            "northeurope",
            "norwayeast",
            "polandcentral",
            "qatarcentral",
            "southafricanorth",
            "southcentralus",
            "southeastasia",
            "spaincentral",
            "swedencentral",
            "switzerlandnorth",
            "uaenorth",
            "uksouth",
            "westeurope",
            "westus2",
            "westus3",
        ],
        Cloud::AzureUSGovernment => &["usgovvirginia"],
        Cloud::AzureChinaCloud => &["chinanorth3"],
    }
}

/// Whether `region` has availability zones (an unknown region is taken to have none).
pub fn has_zones(c: Cloud, region: &str) -> bool {
    zone_regions(c).contains(&region)
}

/// The storage SKU and the registry's zone redundancy in a region, with and without zones.
pub fn storage_sku(zones: bool) -> &'static str {
    if zones {
        "Standard_ZRS"
    } else {
        "Standard_LRS"
    }
}
pub fn registry_zone_redundancy(zones: bool) -> &'static str {
    if zones {
        "Enabled"
    } else {
        "Disabled"
    }
}

/// End-of-support dates of the legacy dialects.
pub const CLI_V1_END_OF_SUPPORT: &str = "2025-09-30";
pub const SDK_V1_END_OF_SUPPORT: &str = "2026-06-30";

/// The `$schema` line of `az ml workspace` YAML files.
pub const WORKSPACE_YAML_SCHEMA: &str =
    "https://azuremlschemas.azureedge.net/latest/workspace.schema.json";

/// The subscription written where the real one is only known at run time: in the committed
/// `workspace.yml` and in `--dry-run` without `--subscription`.
pub const PLACEHOLDER_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";

/// The spec's warnings, which the day-2 scripts print before they act.
pub mod spec_warnings {
    /// "Add a private endpoint to a workspace" (Warning).
    pub const ADD: &[&str] = &[
        "Existing compute targets of this workspace that are not behind the same virtual network as the new private endpoint will not work (spec: Add a private endpoint to a workspace).",
    ];
    /// "Remove a private endpoint".
    pub const REMOVE: &[&str] = &[
        "Removing a private endpoint removes the workspace from the virtual network it was in: the workspace may no longer reach resources in that VNet, and resources in that VNet may no longer reach the workspace (spec: Remove a private endpoint).",
        "Removing the private endpoints of a workspace does not make it publicly accessible; run ops/enable-public-access.sh for that.",
    ];
    /// "Enable public access" (its notes and limitations).
    pub const ENABLE_PUBLIC: &[&str] = &[
        "Enabling public access does not remove any private endpoint: traffic between the components behind the VNet stays private; public access is added to the workspace only.",
        "Over the public endpoint, some studio features (such as the designer) fail to access data stored on services secured behind the VNet, such as the storage account.",
        "Over the public endpoint, Jupyter, JupyterLab and RStudio on a compute instance, including running notebooks, are not supported.",
    ];
    pub const DISABLE_PUBLIC: &[&str] = &[
        "After this, clients reach the workspace only through its private endpoints: make sure every client resolves the workspace's private DNS zones.",
    ];
}

/// The facts every template can read, as `catalog.<name>`.
pub fn template_facts() -> serde_json::Value {
    serde_json::json!({
        "placeholder_subscription": PLACEHOLDER_SUBSCRIPTION,
        "workspace_yaml_schema": WORKSPACE_YAML_SCHEMA,
        "cli_v1_end_of_support": CLI_V1_END_OF_SUPPORT,
        "sdk_v1_end_of_support": SDK_V1_END_OF_SUPPORT,
        "encryption_at_host_feature": {
            "namespace": ENCRYPTION_AT_HOST_FEATURE.0,
            "name": ENCRYPTION_AT_HOST_FEATURE.1,
        },
        "network_contributor_role": NETWORK_CONTRIBUTOR_ROLE,
        "role_assigners": ROLE_ASSIGNERS,
        "warnings": {
            "add": spec_warnings::ADD,
            "remove": spec_warnings::REMOVE,
            "enable_public": spec_warnings::ENABLE_PUBLIC,
            "disable_public": spec_warnings::DISABLE_PUBLIC,
        },
    })
}

/// The resource type of role definitions, whose ids role assignments name.
pub const ROLE_DEFINITIONS: &str = "Microsoft.Authorization/roleDefinitions";

/// Network Contributor, the built-in role an AKS cluster's identity needs on a subnet it does
/// not own (to create the inference router's internal load balancer there): "Use a managed
/// identity in AKS" / "Access and identity options for AKS" (cluster identity permissions,
/// https://learn.microsoft.com/azure/aks/kubernetes-service-principal#delegate-access-to-other-azure-resources);
/// role id from "Azure built-in roles" (Networking). `az aks create` assigns it with the
/// caller's rights; templates must do it themselves, so every output assigns it.
pub const NETWORK_CONTRIBUTOR_ROLE: &str = "4d97b98b-1d4f-4787-a291-c67834d212e7";

/// How the workspace reaches its default datastores. amlpe's storage account takes no shared
/// key (`allowSharedKeyAccess: false`), so the workspace must use identities, not account keys
/// (which fail with KeyBasedAuthenticationNotPermitted): `systemDatastoresAuthMode: identity`,
/// YAML `system_datastores_auth_mode: identity`. Source: "Disable shared key access for the
/// default storage account" (Azure Machine Learning / Foundry hub, disable-local-auth-storage).
pub const SYSTEM_DATASTORES_AUTH_MODE: &str = "identity";

/// The built-in roles a workspace user needs when storage takes no shared key, by role id
/// ("Azure built-in roles": AI + machine learning, Storage), with what each grants. The same
/// source as [`SYSTEM_DATASTORES_AUTH_MODE`]: users "must" get Storage Blob Data Contributor and
/// Storage File Data Privileged Contributor on the storage account; AzureML Data Scientist is
/// the workspace role for everything but managing the workspace and its computes ("Manage
/// access to Azure Machine Learning workspaces", built-in roles).
pub const USER_ROLES: &[UserRole] = &[
    UserRole {
        on: RoleScope::Workspace,
        name: "AzureML Data Scientist",
        id: "f6c7c914-8db3-469d-8ca1-694a8f32e121",
    },
    UserRole {
        on: RoleScope::Storage,
        name: "Storage Blob Data Contributor",
        id: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    },
    UserRole {
        on: RoleScope::Storage,
        name: "Storage File Data Privileged Contributor",
        id: "69566ab7-960f-475b-8e7c-b3118f30c6bd",
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleScope {
    Workspace,
    Storage,
}

#[derive(Debug, Clone, Copy)]
pub struct UserRole {
    pub on: RoleScope,
    pub name: &'static str,
    pub id: &'static str,
}

/// The roles that may create role assignments (`Microsoft.Authorization/roleAssignments/write`),
/// one of which the deployer needs when the plan assigns roles ("Assign Azure roles using the
/// Azure CLI", prerequisites).
pub const ROLE_ASSIGNERS: &[&str] = &[
    "Owner",
    "User Access Administrator",
    "Role Based Access Control Administrator",
];

/// The subscription feature that `enableEncryptionAtHost` needs registered first ("Host-based
/// encryption on Azure Kubernetes Service", https://learn.microsoft.com/azure/aks/enable-host-encryption,
/// Prerequisites): `az feature register --namespace Microsoft.Compute --name EncryptionAtHost`.
pub const ENCRYPTION_AT_HOST_FEATURE: (&str, &str) = ("Microsoft.Compute", "EncryptionAtHost");

/// AKS settings amlpe leaves unset on clusters for Azure ML, each with why:
/// - `disableLocalAccounts`: "Disabling local accounts for AKS is not supported by Azure
///   Machine Learning" (azure-ai-docs how-to-deploy-kubernetes-extension.md, Limitations).
/// - `osDiskType: Ephemeral`: needs a VM size whose cache or temp disk holds the OS disk; the
///   Dsv5 sizes have none ("Dv5 and Dsv5-series", Ephemeral OS Disks: Not Supported). AKS
///   picks Ephemeral itself when the size allows it.
/// - the `omsagent` add-on (Container insights): with Entra ID auth it collects nothing without
///   a data collection rule and association, which amlpe does not create; monitoring is left
///   to the platform's AKS monitoring setup (the runbook says so).
pub const AKS_SETTINGS_OFF: &[&str] = &["disableLocalAccounts", "osDiskType", "omsagent"];

/// A private cluster keeps an extra public FQDN unless told not to ("Create a private AKS
/// cluster", https://learn.microsoft.com/azure/aks/private-clusters); "Using a public FQDN with a
/// private AKS cluster isn't supported" by Azure ML ("Secure an Azure Machine Learning
/// inferencing environment with virtual networks", how-to-secure-kubernetes-inferencing-environment.md).
/// So `enablePrivateClusterPublicFQDN: false` and `az aks create --disable-public-fqdn`.
pub const AKS_PRIVATE_PUBLIC_FQDN: bool = false;

/// TLS of the Azure ML extension's inference router ("Configure a secure online endpoint with
/// TLS/SSL", azure-ai-docs how-to-secure-kubernetes-online-endpoint.md): `allowInsecureConnections`
/// defaults to `False` and then needs `sslSecret` (a Kubernetes secret in the `azureml`
/// namespace holding cert.pem and key.pem) or the protected PEM-file settings; `sslCname` is the
/// name clients use. `allowInsecureConnections=True` serves HTTP, "only for development or
/// testing purposes".
pub const AML_EXTENSION_TLS_SETTINGS: (&str, &str, &str) =
    ("allowInsecureConnections", "sslSecret", "sslCname");

/// Extension type and release train of the Azure ML extension for Kubernetes.
pub const AML_EXTENSION_TYPE: &str = "microsoft.azureml.kubernetes";
pub const AML_EXTENSION_TRAIN: &str = "stable";

/// AKS `dnsPrefix` (`az aks create --dns-name-prefix`): letters, digits and hyphens, 1 to 54
/// characters, starting and ending with a letter or digit (AKS's own check of the prefix;
/// the cluster name allows 63 characters and underscores, so amlpe derives the prefix:
/// `names::aks_dns_prefix`).
pub const AKS_DNS_PREFIX_MAX: usize = 54;

/// Container registry policies amlpe never sets, each with why:
/// - `trustPolicy` (Docker Content Trust): cannot be enabled on new registries, or on ones
///   that never had it, since 2026-05-31, and is removed on 2028-03-31 (ACR docs, "Transition
///   from Docker Content Trust to the Notary Project",
///   https://learn.microsoft.com/azure/container-registry/container-registry-content-trust).
///   Signing today is Notation, outside the registry's properties.
/// - `quarantinePolicy`: pushed images cannot be pulled until a scanner marks them Passed, and
///   none is deployed, so the images Azure ML builds would be unusable; and "Azure Container
///   Registries with Quarantine feature enabled are not supported" for batch endpoints
///   ("Network isolation in batch endpoints",
///   https://learn.microsoft.com/azure/machine-learning/how-to-secure-batch-endpoint).
pub const REGISTRY_POLICIES_OFF: &[&str] = &["trustPolicy", "quarantinePolicy"];

/// The Docker bridge range that collides with compute's container networking.
pub const DOCKER_BRIDGE: &str = "172.17.0.0/16";

/// Addresses Azure keeps in every subnet: the network address, the default gateway, two for
/// Azure DNS and the broadcast address ("Azure Virtual Network FAQ", Are there any restrictions
/// on using IP addresses within these subnets?,
/// https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq).
pub const SUBNET_RESERVED_ADDRESSES: u64 = 5;

/// The longest IPv4 subnet prefix Azure accepts: "The smallest supported IPv4 subnet is /29"
/// (same FAQ, How small and how large can virtual networks and subnets be?).
pub const SUBNET_SMALLEST_PREFIX: u8 = 29;

/// Private IP addresses a private endpoint of `t` takes in its subnet (one network interface
/// holds them all, one IP configuration each):
/// - workspace: three ("How to use your workspace with a custom DNS server", Find the IP
///   addresses, https://learn.microsoft.com/azure/machine-learning/how-to-custom-dns: the
///   `api` and `cert.api` names share one address, the notebooks name has one, and the
///   `*.<region>.inference.ml.azure.com` name of managed online endpoints one);
/// - container registry: two, the registry and its data endpoint, plus one per geo-replica,
///   which amlpe does not create ("Connect privately to an Azure container registry using Azure
///   Private Link", Get endpoint IP configuration,
///   https://learn.microsoft.com/azure/container-registry/container-registry-private-link);
/// - storage blob, storage file and Key Vault: one each, their single member (`blob`, `file`,
///   `vault`); a private endpoint "is a network interface that uses a private IP address from
///   your virtual network" ("What is a private endpoint?",
///   https://learn.microsoft.com/azure/private-link/private-endpoint-overview).
pub fn endpoint_addresses(t: Target) -> u64 {
    match t {
        Target::Workspace => 3,
        Target::ContainerRegistry => 2,
        Target::StorageBlob | Target::StorageFile | Target::KeyVault => 1,
    }
}

/// A compute cluster takes one address per node, up to its maximum; a compute instance one
/// ("Secure an Azure Machine Learning training environment with virtual networks",
/// Prerequisites: "Each compute instance requires one IP address. Each node within a compute
/// cluster ... requires one IP address", https://learn.microsoft.com/azure/machine-learning/how-to-secure-training-vnet).
pub const COMPUTE_INSTANCE_ADDRESSES: u64 = 1;

/// The node bounds of a compute cluster when the scenario gives none: 0 (no node runs while
/// idle) and 4, the defaults of the Python SDK's `AmlCompute` (`min_instances=0`,
/// `max_instances=4`).
pub const CLUSTER_DEFAULT_MIN_NODES: u32 = 0;
pub const CLUSTER_DEFAULT_MAX_NODES: u32 = 4;

/// Pods per node of the AKS clusters amlpe plans (`maxPods`). Their network plugin is Azure CNI
/// without overlay (`networkPlugin: azure`, "Azure CNI Node Subnet"): "The equivalent number of
/// IP addresses per node are then reserved up front for that node" ("AKS Legacy Container
/// Networking Interfaces (CNI)", https://learn.microsoft.com/azure/aks/concepts-network-legacy-cni).
pub const AKS_MAX_PODS: u64 = 50;

/// Extra nodes during an upgrade: amlpe sets no `maxSurge`, and "AKS configures upgrades to
/// surge with one extra node by default" ("Configure rolling upgrades for Azure Kubernetes
/// Service (AKS) node pools", https://learn.microsoft.com/azure/aks/upgrade-aks-node-pools-rolling).
pub const AKS_UPGRADE_SURGE_NODES: u64 = 1;

/// The addresses an AKS cluster of `nodes` nodes takes in its subnet: "(number of nodes + max
/// surge nodes) + ((number of nodes + max surge nodes) * maximum pods per node)", plus the
/// front-end address of the inference router's internal load balancer, which "is allocated
/// from the cluster subnet" ("IP address planning for your Azure Kubernetes Service (AKS)
/// clusters", https://learn.microsoft.com/azure/aks/concepts-network-ip-address-planning).
pub fn aks_addresses(nodes: u32) -> u64 {
    (u64::from(nodes) + AKS_UPGRADE_SURGE_NODES) * (1 + AKS_MAX_PODS)
        + AKS_INTERNAL_LOAD_BALANCER_ADDRESSES
}

/// The inference router's internal load balancer (both attach kinds put one in the cluster's
/// subnet): one front-end address.
pub const AKS_INTERNAL_LOAD_BALANCER_ADDRESSES: u64 = 1;

/// Nodes of the system node pool: "in the range of 1 to 1000 (inclusive) for system pools"
/// (`agentPoolProfiles[].count`, Microsoft.ContainerService/managedClusters API 2026-05-01), and
/// at most 1000 nodes per Virtual Machine Scale Sets node pool ("Quotas, virtual machine size
/// restrictions, and region availability in AKS", https://learn.microsoft.com/azure/aks/quotas-skus-regions).
pub const AKS_NODE_COUNT: std::ops::RangeInclusive<u32> = 1..=1000;

/// Checks that a VM size is spelled the way Azure names sizes: the `Standard_` tier, then
/// "[Family] + [Sub-family]* + [# of vCPUs] + [Constrained vCPUs]* + [Additive Features] +
/// [Accelerator Type]* + [Version]" ("Azure virtual machine sizes naming conventions",
/// https://learn.microsoft.com/azure/virtual-machines/vm-naming-conventions): a family letter
/// first, a vCPU count, `-` before constrained vCPUs (`Standard_M8-2ms_v2`) and `_` before the
/// accelerator and version (`Standard_NC4as_T4_v3`). Case does not matter: Azure ML's own
/// examples write `STANDARD_DS3_v2` ("Create an Azure Machine Learning compute instance").
/// Whether the size exists in a region only Azure knows (`az vm list-skus`).
pub fn check_vm_size(size: &str) -> Result<(), String> {
    const TIER: &str = "Standard_";
    let shown = shorten(size);
    let rest = match size.get(..TIER.len()) {
        Some(t) if t.eq_ignore_ascii_case(TIER) => &size[TIER.len()..],
        _ => return Err(format!("VM size `{shown}` does not start with `Standard_`")),
    };
    if let Some(bad) = rest
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-')))
    {
        return Err(format!(
            "VM size `{shown}` contains {}; a size has only letters, digits, `_` and `-`",
            describe_char(bad)
        ));
    }
    // The part before the first `_`: family and sub-family letters, the vCPU count, maybe
    // `-` and the constrained count, then the additive feature letters.
    let mut parts = rest.split('_');
    let head = parts.next().unwrap_or_default();
    let letters = head.chars().take_while(char::is_ascii_alphabetic).count();
    let after = &head[letters..];
    let digits = after.chars().take_while(char::is_ascii_digit).count();
    let tail = &after[digits..];
    let tail = match tail.strip_prefix('-') {
        Some(t) if t.starts_with(|c: char| c.is_ascii_digit()) => {
            t.trim_start_matches(|c: char| c.is_ascii_digit())
        }
        _ => tail,
    };
    if letters == 0 {
        return Err(format!(
            "VM size `{shown}` has no family letter after `Standard_`"
        ));
    }
    if digits == 0 {
        return Err(format!(
            "VM size `{shown}` has no vCPU count after its family letters"
        ));
    }
    if !tail.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(format!(
            "VM size `{shown}` has `{}` where the feature letters go",
            shorten(tail)
        ));
    }
    // Then `_` and the accelerator, the version (`v3`) or `Promo`.
    if parts.any(|p| p.is_empty() || p.contains('-')) {
        return Err(format!(
            "VM size `{shown}` has an empty or hyphenated part after `_`"
        ));
    }
    Ok(())
}

/// Tag limits ("Use tags to organize your Azure resources and management hierarchy",
/// Limitations, https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources):
/// "Each resource, resource group, and subscription can have a maximum of 50 tag name-value
/// pairs"; "The tag name has a limit of 512 characters and the tag value has a limit of 256
/// characters. For storage accounts, the tag name has a limit of 128 characters"; "Tag names
/// can't contain these characters: `<`, `>`, `%`, `&`, `\`, `?`, `/`"; and "Azure Private DNS
/// (Zone and A records)" support only 15 tags. Tag names are case-insensitive for operations
/// (same page, Tag usage and recommendations), so two names that differ in case are one tag.
pub const TAGS_PER_RESOURCE: usize = 50;
pub const TAGS_PER_PRIVATE_DNS_ZONE: usize = 15;
pub const TAG_NAME_MAX: usize = 512;
pub const TAG_NAME_MAX_STORAGE: usize = 128;
pub const TAG_VALUE_MAX: usize = 256;
pub const TAG_NAME_FORBIDDEN: &[char] = &['<', '>', '%', '&', '\\', '?', '/'];

/// How the Azure CLI reads `--tags`. Most commands take `key=value` words: `validate_tags`
/// and `validate_tag` (Azure/azure-cli, src/azure-cli-core/azure/cli/core/commands/
/// validators.py, "Extracts a single tag in key[=value] format") split each word at its first
/// `=` (`string.split('=', 1)`), so a name holding `=` comes back cut, and argparse reads a
/// word starting with `-` as an option ("unrecognized arguments: -a=b"). A value may hold `=`
/// and may be empty (`key=`). The network, private DNS and Log Analytics commands take the
/// shorthand syntax instead ("How to use shorthand syntax with Azure CLI",
/// https://learn.microsoft.com/cli/azure/use-azure-cli-successfully-shorthand): a single-quoted
/// word is a string, `'/` a quote inside it, and an empty value must be written `''` (the
/// parser refuses `key=`: "argument value cannot be blank", azure/cli/core/aaz/_arg_action.py).
/// Rule E018 refuses the tag names `key=value` words cannot carry.
pub const CLI_TAGS: &str = "key=value words, split at the first `=`";

/// The workspace description: `properties.description` is a plain `string` in the resource
/// schema, with no length or character constraint ("Microsoft.MachineLearningServices
/// workspaces", https://learn.microsoft.com/azure/templates/microsoft.machinelearningservices/workspaces;
/// azure-ai-ml's `Workspace(description=...)` is a `str` too), so it may span lines. amlpe
/// bounds it (`validate::MAX_TEXT`) and refuses control and invisible characters other than
/// line feeds and tabs.
pub const WORKSPACE_DESCRIPTION: &str = "string";

/// ARM template expressions ("Syntax and expressions in ARM templates", Escape characters,
/// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions):
/// a string that starts with `[` and ends with `]` is an expression; to keep it literal it
/// starts with `[[`; a string that does not end with `]` is literal as written, its first `[`
/// not doubled ("[test] value" resolves to "[test] value").
pub const ARM_EXPRESSION: (char, char) = ('[', ']');

/// Azure's naming rules, per resource kind, as amlpe checks them before rendering anything.
#[derive(Debug, Clone, Copy)]
pub struct NameRule {
    pub kind: &'static str,
    pub min: usize,
    pub max: usize,
    /// Allowed characters, as a description and a predicate.
    pub chars: &'static str,
    pub allowed: fn(char) -> bool,
    pub first: fn(char) -> bool,
    pub last: fn(char) -> bool,
    pub first_desc: &'static str,
    pub last_desc: &'static str,
    pub no_double_hyphen: bool,
    /// A hyphen must be followed, somewhere later in the name, by a letter.
    pub letter_after_hyphen: bool,
}

fn alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}
fn lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}
fn letter(c: char) -> bool {
    c.is_ascii_alphabetic()
}
fn lower_letter(c: char) -> bool {
    c.is_ascii_lowercase()
}
fn alnum_hyphen(c: char) -> bool {
    alnum(c) || c == '-'
}
fn lower_alnum_hyphen(c: char) -> bool {
    lower_alnum(c) || c == '-'
}
fn alnum_hyphen_underscore(c: char) -> bool {
    alnum(c) || c == '-' || c == '_'
}
fn net_chars(c: char) -> bool {
    alnum(c) || matches!(c, '-' | '_' | '.')
}
fn lower_alnum_hyphen_period(c: char) -> bool {
    lower_alnum(c) || matches!(c, '-' | '.')
}
fn host_chars(c: char) -> bool {
    alnum(c) || matches!(c, '-' | '.')
}
fn rg_chars(c: char) -> bool {
    alnum(c) || matches!(c, '-' | '_' | '.' | '(' | ')')
}
fn alnum_or_underscore(c: char) -> bool {
    alnum(c) || c == '_'
}
fn not_period(c: char) -> bool {
    c != '.'
}
fn any(_: char) -> bool {
    true
}

macro_rules! name_rule {
    (@dh) => { false };
    (@dh no_double_hyphen $($rest:ident)*) => { true };
    (@dh $other:ident $($rest:ident)*) => { name_rule!(@dh $($rest)*) };
    (@lh) => { false };
    (@lh letter_after_hyphen $($rest:ident)*) => { true };
    (@lh $other:ident $($rest:ident)*) => { name_rule!(@lh $($rest)*) };
    ($kind:literal, $min:literal..=$max:literal, $chars:literal, $allowed:expr, first $first:expr => $fd:literal, last $last:expr => $ld:literal $(, $flag:ident)*) => {
        NameRule {
            kind: $kind,
            min: $min,
            max: $max,
            chars: $chars,
            allowed: $allowed,
            first: $first,
            last: $last,
            first_desc: $fd,
            last_desc: $ld,
            no_double_hyphen: name_rule!(@dh $($flag)*),
            letter_after_hyphen: name_rule!(@lh $($flag)*),
        }
    };
}

pub const NAME_SCENARIO: NameRule = name_rule!("scenario", 1..=63, "lowercase letters, digits and hyphens", lower_alnum_hyphen, first lower_letter => "a lowercase letter", last lower_alnum => "a letter or digit", no_double_hyphen);
pub const NAME_RESOURCE_GROUP: NameRule = name_rule!("resource group", 1..=90, "letters, digits, '-', '_', '.', '(' and ')'", rg_chars, first any => "any allowed character", last not_period => "anything but a period");
pub const NAME_WORKSPACE: NameRule = name_rule!("workspace", 3..=33, "letters, digits, hyphens and underscores", alnum_hyphen_underscore, first alnum => "a letter or digit", last any => "any allowed character");
pub const NAME_STORAGE: NameRule = name_rule!("storage account", 3..=24, "lowercase letters and digits", lower_alnum, first any => "any allowed character", last any => "any allowed character");
pub const NAME_KEY_VAULT: NameRule = name_rule!("key vault", 3..=24, "letters, digits and hyphens", alnum_hyphen, first letter => "a letter", last alnum => "a letter or digit", no_double_hyphen);
pub const NAME_REGISTRY: NameRule = name_rule!("container registry", 5..=50, "letters and digits", alnum, first any => "any allowed character", last any => "any allowed character");
pub const NAME_APP_INSIGHTS: NameRule = name_rule!("Application Insights", 1..=260, "letters, digits, '-', '_', '.', '(' and ')'", rg_chars, first alnum => "a letter or digit", last not_period => "anything but a period");
pub const NAME_LOG_ANALYTICS: NameRule = name_rule!("Log Analytics workspace", 4..=63, "letters, digits and hyphens", alnum_hyphen, first alnum => "a letter or digit", last alnum => "a letter or digit");
pub const NAME_VNET: NameRule = name_rule!("virtual network", 2..=64, "letters, digits, '-', '_' and '.'", net_chars, first alnum => "a letter or digit", last alnum_or_underscore => "a letter, digit or underscore");
pub const NAME_SUBNET: NameRule = name_rule!("subnet", 1..=80, "letters, digits, '-', '_' and '.'", net_chars, first alnum => "a letter or digit", last alnum_or_underscore => "a letter, digit or underscore");
pub const NAME_PRIVATE_ENDPOINT: NameRule = name_rule!("private endpoint", 2..=64, "letters, digits, '-', '_' and '.'", net_chars, first alnum => "a letter or digit", last alnum_or_underscore => "a letter, digit or underscore");
// Compute names, one rule for every compute of a workspace (cluster, instance, attached
// Kubernetes): 3 to 24 characters, letters, digits and `-`, starting with a letter, and "if `-`
// is used, then it needs to be followed by at least one letter later in the name" ("Create an
// Azure Machine Learning compute cluster", https://learn.microsoft.com/azure/machine-learning/how-to-create-attach-compute-cluster,
// and "Create an Azure Machine Learning compute instance", how-to-create-compute-instance,
// Compute name). The resource schema of Microsoft.MachineLearningServices/workspaces/computes
// (API 2026-05-01) has the same bounds: `^[a-zA-Z](?![a-zA-Z0-9-]*-\d+$)[a-zA-Z0-9\-]{2,23}$`.
// Names are also unique across the computes of a region, which only Azure can check.
pub const NAME_CLUSTER: NameRule = name_rule!("compute cluster", 3..=24, "letters, digits and hyphens", alnum_hyphen, first letter => "a letter", last any => "any allowed character", letter_after_hyphen);
pub const NAME_INSTANCE: NameRule = name_rule!("compute instance", 3..=24, "letters, digits and hyphens", alnum_hyphen, first letter => "a letter", last any => "any allowed character", letter_after_hyphen);
pub const NAME_AKS: NameRule = name_rule!("AKS cluster", 1..=63, "letters, digits, hyphens and underscores", alnum_hyphen_underscore, first alnum => "a letter or digit", last alnum => "a letter or digit");
// A Kubernetes secret's name is a DNS subdomain (Kubernetes docs, "Object Names and IDs").
pub const NAME_K8S_SECRET: NameRule = name_rule!("Kubernetes secret", 1..=253, "lowercase letters, digits, '-' and '.'", lower_alnum_hyphen_period, first lower_alnum => "a lowercase letter or digit", last lower_alnum => "a lowercase letter or digit");
pub const NAME_TLS_CNAME: NameRule = name_rule!("TLS host name", 1..=253, "letters, digits, '-' and '.'", host_chars, first alnum => "a letter or digit", last alnum => "a letter or digit");
pub const NAME_ATTACHED_COMPUTE: NameRule = name_rule!("attached compute", 3..=24, "letters, digits and hyphens", alnum_hyphen, first letter => "a letter", last any => "any allowed character", letter_after_hyphen);
pub const NAME_REGION: NameRule = name_rule!("region", 2..=40, "lowercase letters and digits", lower_alnum, first lower_letter => "a lowercase letter", last lower_alnum => "a letter or digit");

/// Checks a name against a rule; the error says exactly what is wrong.
pub fn check_name(rule: &NameRule, name: &str) -> Result<(), String> {
    let n = name.chars().count();
    if n < rule.min || n > rule.max {
        return Err(format!(
            "{} name `{}` has {n} characters; it must have {} to {}",
            rule.kind,
            shorten(name),
            rule.min,
            rule.max
        ));
    }
    if let Some(bad) = name.chars().find(|c| !(rule.allowed)(*c)) {
        return Err(format!(
            "{} name `{}` contains {}; it may contain only {}",
            rule.kind,
            shorten(name),
            describe_char(bad),
            rule.chars
        ));
    }
    if let Some(c) = name.chars().next() {
        if !(rule.first)(c) {
            return Err(format!(
                "{} name `{}` must start with {}",
                rule.kind,
                shorten(name),
                rule.first_desc
            ));
        }
    }
    if let Some(c) = name.chars().last() {
        if !(rule.last)(c) {
            return Err(format!(
                "{} name `{}` must end with {}",
                rule.kind,
                shorten(name),
                rule.last_desc
            ));
        }
    }
    if rule.no_double_hyphen && name.contains("--") {
        return Err(format!(
            "{} name `{}` must not contain two hyphens in a row",
            rule.kind,
            shorten(name)
        ));
    }
    if rule.letter_after_hyphen {
        if let Some((_, after)) = name.rsplit_once('-') {
            if !after.chars().any(|c| c.is_ascii_alphabetic()) {
                return Err(format!(
                    "{} name `{}` has no letter after its last hyphen",
                    rule.kind,
                    shorten(name)
                ));
            }
        }
    }
    Ok(())
}

/// Names quoted in messages are cut and escaped, so hostile input cannot flood the terminal.
pub fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(48).flat_map(char::escape_debug).collect();
    if s.chars().count() > 48 {
        out.push('…');
    }
    out
}

fn describe_char(c: char) -> String {
    if c.is_ascii_graphic() || c == ' ' {
        format!("`{c}`")
    } else {
        format!("U+{:04X} `{}`", c as u32, c.escape_debug())
    }
}

/// The parts of an Azure resource id that amlpe needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceId {
    pub subscription: String,
    pub resource_group: String,
    /// Full type, such as `Microsoft.Network/virtualNetworks`.
    pub r#type: String,
    pub name: String,
}

/// Parses `/subscriptions/<guid>/resourceGroups/<rg>/providers/<ns>/<type>/<name>` and checks
/// that the type is the expected one.
pub fn parse_resource_id(id: &str, expected: ResourceType) -> Result<ResourceId, String> {
    let parts: Vec<&str> = id.split('/').collect();
    let shape = || {
        format!(
            "`{}` is not a resource id of the form /subscriptions/<id>/resourceGroups/<group>/providers/{}/<name>",
            shorten(id),
            expected.name
        )
    };
    if parts.len() != 9
        || !parts[0].is_empty()
        || !parts[1].eq_ignore_ascii_case("subscriptions")
        || !parts[3].eq_ignore_ascii_case("resourceGroups")
        || !parts[5].eq_ignore_ascii_case("providers")
    {
        return Err(shape());
    }
    if !is_guid(parts[2]) {
        return Err(format!(
            "subscription `{}` in `{}` is not a GUID",
            shorten(parts[2]),
            shorten(id)
        ));
    }
    check_name(&NAME_RESOURCE_GROUP, parts[4])?;
    let ty = format!("{}/{}", parts[6], parts[7]);
    if !ty.eq_ignore_ascii_case(expected.name) {
        return Err(format!(
            "`{}` is a {ty}; a {} is expected here",
            shorten(id),
            expected.name
        ));
    }
    if parts[8].is_empty()
        || !parts[8]
            .chars()
            .all(|c| net_chars(c) || c == '(' || c == ')')
    {
        return Err(shape());
    }
    Ok(ResourceId {
        subscription: parts[2].to_string(),
        resource_group: parts[4].to_string(),
        r#type: expected.name.to_string(),
        name: parts[8].to_string(),
    })
}

pub fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_per_cloud_follow_the_facts() {
        let names = |c, t| zones(c, t).iter().map(|z| z.name).collect::<Vec<_>>();
        assert_eq!(
            names(Cloud::AzureCloud, Target::Workspace),
            [
                "privatelink.api.azureml.ms",
                "privatelink.notebooks.azure.net"
            ]
        );
        assert_eq!(
            names(Cloud::AzureUSGovernment, Target::Workspace),
            [
                "privatelink.api.ml.azure.us",
                "privatelink.notebooks.usgovcloudapi.net"
            ]
        );
        assert_eq!(
            names(Cloud::AzureChinaCloud, Target::StorageFile),
            ["privatelink.file.core.chinacloudapi.cn"]
        );
        assert_eq!(
            names(Cloud::AzureCloud, Target::KeyVault),
            ["privatelink.vaultcore.azure.net"]
        );
        assert_eq!(
            names(Cloud::AzureUSGovernment, Target::ContainerRegistry),
            ["privatelink.azurecr.us"]
        );
    }

    #[test]
    fn env_spelled_zones_rebuild_the_literal_name() {
        let suffix = |c, s| match (c, s) {
            (Cloud::AzureCloud, "storage") => "core.windows.net",
            (Cloud::AzureUSGovernment, "storage") => "core.usgovcloudapi.net",
            (Cloud::AzureChinaCloud, "storage") => "core.chinacloudapi.cn",
            (Cloud::AzureCloud, _) => ".azurecr.io",
            (Cloud::AzureUSGovernment, _) => ".azurecr.us",
            (Cloud::AzureChinaCloud, _) => ".azurecr.cn",
        };
        for c in [
            Cloud::AzureCloud,
            Cloud::AzureUSGovernment,
            Cloud::AzureChinaCloud,
        ] {
            for t in Target::ALL {
                for z in zones(c, t) {
                    if let ZoneSpelling::EnvSuffix { prefix, suffix: s } = z.spelling {
                        assert_eq!(format!("{prefix}{}", suffix(c, s)), z.name);
                    }
                }
            }
        }
    }

    #[test]
    fn naming_rules_explain_what_is_wrong() {
        assert!(check_name(&NAME_STORAGE, "stmlwprod").is_ok());
        assert_eq!(
            check_name(&NAME_STORAGE, "St-mlw").unwrap_err(),
            "storage account name `St-mlw` contains `S`; it may contain only lowercase letters and digits"
        );
        assert_eq!(
            check_name(&NAME_KEY_VAULT, "kv--prod").unwrap_err(),
            "key vault name `kv--prod` must not contain two hyphens in a row"
        );
        assert_eq!(
            check_name(&NAME_CLUSTER, "cpu-cluster-for-trainings").unwrap_err(),
            "compute cluster name `cpu-cluster-for-trainings` has 25 characters; it must have 3 to 24"
        );
        assert_eq!(
            check_name(&NAME_VNET, "vnet-").unwrap_err(),
            "virtual network name `vnet-` must end with a letter, digit or underscore"
        );
        assert!(check_name(&NAME_VNET, "vnet$(id)").is_err());
        assert!(check_name(&NAME_SCENARIO, "Single").is_err());
    }

    #[test]
    fn compute_names_follow_the_azure_ml_rule() {
        for ok in [
            "cpu",
            "cpu-cluster-for-training",
            "ci-alice",
            "a-1b",
            "gpu2",
            "A--b",
        ] {
            assert!(check_name(&NAME_CLUSTER, ok).is_ok(), "{ok}");
            assert!(check_name(&NAME_INSTANCE, ok).is_ok(), "{ok}");
            assert!(check_name(&NAME_ATTACHED_COMPUTE, ok).is_ok(), "{ok}");
        }
        for bad in [
            "ab",
            "1cpu",
            "cpu_1",
            "cpu-1",
            "cpu-",
            "a-b-12",
            "cpu-cluster-for-trainings",
        ] {
            assert!(check_name(&NAME_CLUSTER, bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_name(&NAME_INSTANCE, "ci-2024").unwrap_err(),
            "compute instance name `ci-2024` has no letter after its last hyphen"
        );
    }

    #[test]
    fn vm_sizes_have_the_azure_form() {
        for ok in [
            "Standard_DS3_v2",
            "Standard_NC6s_v3",
            "STANDARD_D4S_V3",
            "standard_d4s_v5",
            "Standard_M8-2ms_v2",
            "Standard_NC4as_T4_v3",
            "Standard_NC24ads_A100_v4",
            "Standard_DS3_v2_Promo",
            "Standard_B1ls",
            "Standard_HB176-144rs_v4",
        ] {
            assert!(check_vm_size(ok).is_ok(), "{ok}: {:?}", check_vm_size(ok));
        }
        for bad in [
            "Standard-DS3-v2",
            "DS3_v2",
            "Basic_A1",
            "Standard_",
            "Standard_3DS",
            "Standard_D_v5",
            "Standard_D4s-_v5",
            "Standard_D4s__v5",
            "Standard_D4s_v5_",
            "Standard_D4s_v5'; reboot",
        ] {
            assert!(check_vm_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn subnet_needs_count_what_azure_takes() {
        let all: u64 = Target::ALL.iter().map(|t| endpoint_addresses(*t)).sum();
        assert_eq!(all, 8);
        // (3 + 1 surge) nodes x (1 + 50 pods) + the internal load balancer.
        assert_eq!(aks_addresses(3), 205);
    }

    #[test]
    fn resource_ids_are_parsed_and_typed() {
        let id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub";
        let r = parse_resource_id(id, VNET).expect("valid");
        assert_eq!(r.resource_group, "rg-hub");
        assert_eq!(r.name, "vnet-hub");
        let err = parse_resource_id(id, KEY_VAULT).unwrap_err();
        assert!(
            err.contains("a Microsoft.KeyVault/vaults is expected"),
            "{err}"
        );
        assert!(parse_resource_id("/subscriptions/x/resourceGroups/r", VNET).is_err());
    }
}
