//! The scripts deploy what the templates deploy. Bicep and ARM are held to the plan elsewhere;
//! here every property the plan gives a resource is looked for in the commands deploy.sh
//! prints with `--dry-run` (and in the workspace.yml it passes), through a table from property
//! path to its counterpart: an `az` flag, a `--set` or `--configuration-settings` word, a
//! workspace.yml key, the JSON body of `az resource create`, or a value the command gives
//! without a flag, with the reason. A property the table does not know fails, and so does a
//! flag that no property accounts for: whatever the templates set, the scripts set too, and
//! nothing more.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use serde_json::{json, Value};

use super::hostile::shorthand_tag;
use super::scripts::{classify_raw, rendered, Sandbox, HOSTILE};

const STORAGE: &str = "Microsoft.Storage/storageAccounts";
const KEY_VAULT: &str = "Microsoft.KeyVault/vaults";
const REGISTRY: &str = "Microsoft.ContainerRegistry/registries";
const WORKSPACE: &str = "Microsoft.MachineLearningServices/workspaces";
const COMPUTE: &str = "Microsoft.MachineLearningServices/workspaces/computes";
const LOG_ANALYTICS: &str = "Microsoft.OperationalInsights/workspaces";
const NSG: &str = "Microsoft.Network/networkSecurityGroups";
const VNET: &str = "Microsoft.Network/virtualNetworks";
const SUBNET: &str = "Microsoft.Network/virtualNetworks/subnets";
const PRIVATE_ENDPOINT: &str = "Microsoft.Network/privateEndpoints";
const DNS_ZONE: &str = "Microsoft.Network/privateDnsZones";
const DNS_LINK: &str = "Microsoft.Network/privateDnsZones/virtualNetworkLinks";
const ZONE_GROUP: &str = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups";
const AKS: &str = "Microsoft.ContainerService/managedClusters";
const EXTENSION: &str = "Microsoft.KubernetesConfiguration/extensions";
const ROLE_ASSIGNMENT: &str = "Microsoft.Authorization/roleAssignments";
const GROUP: &str = "Microsoft.Resources/resourceGroups";

/// Created with `az resource create --is-full-object`: the plan's resource is the body.
const AS_ARM: &[&str] = &[
    "Microsoft.Insights/components",
    "Microsoft.Network/publicIPAddresses",
    "Microsoft.Network/natGateways",
    "Microsoft.Network/routeTables",
    COMPUTE,
];

/// Options that say which resource a command addresses, not what it sets.
const ADDRESSING: &[&str] = &[
    "--subscription",
    "--resource-group",
    "--name",
    "--vnet-name",
    "--zone-name",
    "--endpoint-name",
    "--cluster-name",
    "--cluster-type",
    "--workspace-name",
    "--id",
    "--ids",
    "--api-version",
    "--is-full-object",
    "--scope",
];

/// Options the scripts pass that no template property matches, and why that is parity.
const SCRIPT_ONLY: &[(&str, &str)] = &[(
    "--no-ssh-key",
    "the templates give AKS nodes no linuxProfile: no SSH key either way",
)];

/// How the scripts spell one property.
enum Counterpart {
    /// `--flag value`: the plan's value as text, or the id of the resource it references.
    Flag(&'static str),
    /// `--flag value`, the value spelled from the plan's.
    Mapped(&'static str, fn(&str) -> String),
    /// `--flag` alone exactly when the plan's value is this one.
    Switch(&'static str, Value),
    /// This word among the values of `--flag` exactly when the plan's value is true.
    Word(&'static str, String),
    /// `key=value` among the values of `--flag`.
    Assignment(&'static str, String),
    /// Every scenario tag in `--tags`.
    Tags,
    /// A top-level key of workspace.yml (`tags`: its tag map).
    Yaml(&'static str),
    /// The same path of the `--properties` JSON of `az resource create`.
    Body,
    /// The command gives the resource this value with no flag; the reason.
    Implied(&'static str, Value),
    /// `--flag` is passed; its value is known at run time only.
    RunTime(&'static str),
    All(Vec<Counterpart>),
}

/// The table: the counterpart of property `path` (indexes as `[]`) of a resource of type `ty`.
fn counterpart(ty: &str, path: &str) -> Option<Counterpart> {
    use Counterpart::*;
    if AS_ARM.contains(&ty) {
        return Some(Body);
    }
    if ty == WORKSPACE {
        return workspace(path);
    }
    let tail = path.strip_prefix("properties.").unwrap_or(path);
    let c = match (ty, path) {
        (DNS_ZONE | DNS_LINK, "location") => Implied(
            "private DNS zones and their links are global; az network private-dns creates them so",
            json!("global"),
        ),
        (_, "location") => Flag("--location"),
        (_, "tags") => Tags,
        (NSG, "properties.securityRules") => Implied(
            "az network nsg create adds no rule of its own, like the templates",
            json!([]),
        ),
        (VNET, "properties.addressSpace.addressPrefixes[]") => Flag("--address-prefixes"),
        (SUBNET, "properties.addressPrefix") => Flag("--address-prefixes"),
        (SUBNET, "properties.defaultOutboundAccess") => Flag("--default-outbound-access"),
        (SUBNET, "properties.natGateway.id") => Flag("--nat-gateway"),
        (SUBNET, "properties.routeTable.id") => Flag("--route-table"),
        (SUBNET, "properties.networkSecurityGroup.id") => Flag("--network-security-group"),
        (SUBNET, "properties.privateEndpointNetworkPolicies") => {
            Flag("--private-endpoint-network-policies")
        }
        (LOG_ANALYTICS, "properties.sku.name") => Flag("--sku"),
        (LOG_ANALYTICS, "properties.retentionInDays") => Flag("--retention-time"),
        (LOG_ANALYTICS, "properties.publicNetworkAccessForIngestion") => {
            Flag("--ingestion-access")
        }
        (LOG_ANALYTICS, "properties.publicNetworkAccessForQuery") => Flag("--query-access"),
        (STORAGE, "sku.name") => Flag("--sku"),
        (STORAGE, "kind") => Flag("--kind"),
        (STORAGE, "properties.accessTier") => Flag("--access-tier"),
        (STORAGE, "properties.allowBlobPublicAccess") => Flag("--allow-blob-public-access"),
        (STORAGE, "properties.allowSharedKeyAccess") => Flag("--allow-shared-key-access"),
        (STORAGE, "properties.allowCrossTenantReplication") => {
            Flag("--allow-cross-tenant-replication")
        }
        (STORAGE, "properties.minimumTlsVersion") => Flag("--min-tls-version"),
        (STORAGE, "properties.supportsHttpsTrafficOnly") => Flag("--https-only"),
        (STORAGE, "properties.publicNetworkAccess") => Flag("--public-network-access"),
        (STORAGE | KEY_VAULT, "properties.networkAcls.defaultAction") => Flag("--default-action"),
        (STORAGE | KEY_VAULT, "properties.networkAcls.bypass") => Flag("--bypass"),
        (STORAGE, "properties.encryption.requireInfrastructureEncryption") => {
            Flag("--require-infrastructure-encryption")
        }
        (STORAGE, "properties.encryption.keySource") => Flag("--encryption-key-source"),
        (STORAGE, "properties.defaultToOAuthAuthentication") => {
            Assignment("--set", tail.to_string())
        }
        (STORAGE, p) if p.starts_with("properties.encryption.services.") => {
            let (service, field) = tail
                .strip_prefix("encryption.services.")?
                .split_once('.')?;
            match field {
                "enabled" => Word("--encryption-services", service.to_string()),
                "keyType" => Implied(
                    "az storage account create has no key type for blob and file: both use \
                     account-scoped keys",
                    json!("Account"),
                ),
                _ => return None,
            }
        }
        (KEY_VAULT, "properties.sku.name") => Flag("--sku"),
        (KEY_VAULT, "properties.sku.family") => Implied(
            "A is the only family; az keyvault create sets it",
            json!("A"),
        ),
        (KEY_VAULT, "properties.tenantId") => Implied(
            "az keyvault create takes the signed-in tenant, the deployment's (subscription().tenantId)",
            json!({ "$tenant": true }),
        ),
        (KEY_VAULT, "properties.enableRbacAuthorization") => Flag("--enable-rbac-authorization"),
        (KEY_VAULT, "properties.enablePurgeProtection") => Flag("--enable-purge-protection"),
        (KEY_VAULT, "properties.enableSoftDelete") => Implied(
            "soft delete is always on for new vaults; az keyvault create cannot turn it off",
            json!(true),
        ),
        (KEY_VAULT, "properties.softDeleteRetentionInDays") => Flag("--retention-days"),
        (KEY_VAULT, "properties.publicNetworkAccess") => Flag("--public-network-access"),
        (REGISTRY, "sku.name") => Flag("--sku"),
        (REGISTRY, "properties.adminUserEnabled") => Flag("--admin-enabled"),
        (REGISTRY, "properties.anonymousPullEnabled") => Flag("--anonymous-pull-enabled"),
        (REGISTRY, "properties.dataEndpointEnabled") => Flag("--data-endpoint-enabled"),
        (REGISTRY, "properties.zoneRedundancy") => Flag("--zone-redundancy"),
        (REGISTRY, "properties.publicNetworkAccess") => {
            Mapped("--public-network-enabled", |v| (v == "Enabled").to_string())
        }
        (REGISTRY, "properties.networkRuleBypassOptions") => {
            Mapped("--allow-trusted-services", |v| (v == "AzureServices").to_string())
        }
        (REGISTRY, "properties.policies.exportPolicy.status") => {
            Mapped("--allow-exports", |v| (v == "enabled").to_string())
        }
        (REGISTRY, p) if p.starts_with("properties.policies.") => {
            Assignment("--set", tail.to_string())
        }
        (PRIVATE_ENDPOINT, "properties.customNetworkInterfaceName") => Flag("--nic-name"),
        (PRIVATE_ENDPOINT, "properties.subnet.id") => Flag("--subnet"),
        (PRIVATE_ENDPOINT, "properties.privateLinkServiceConnections[].name") => {
            Flag("--connection-name")
        }
        (PRIVATE_ENDPOINT, "properties.manualPrivateLinkServiceConnections[].name") => All(vec![
            Flag("--connection-name"),
            Mapped("--manual-request", |_| "true".to_string()),
        ]),
        (PRIVATE_ENDPOINT, p) => {
            let field = p
                .strip_prefix("properties.privateLinkServiceConnections[].properties.")
                .or_else(|| {
                    p.strip_prefix("properties.manualPrivateLinkServiceConnections[].properties.")
                })?;
            match field {
                "groupIds[]" => Flag("--group-id"),
                "privateLinkServiceId" => Flag("--private-connection-resource-id"),
                "requestMessage" => Flag("--request-message"),
                _ => return None,
            }
        }
        (DNS_LINK, "properties.registrationEnabled") => Flag("--registration-enabled"),
        (DNS_LINK, "properties.virtualNetwork.id") => Flag("--virtual-network"),
        (ZONE_GROUP, "properties.privateDnsZoneConfigs[].name") => Flag("--zone-name"),
        (ZONE_GROUP, "properties.privateDnsZoneConfigs[].properties.privateDnsZoneId") => {
            Flag("--private-dns-zone")
        }
        (AKS, _) => return aks(path),
        (EXTENSION, "identity.type") => Implied(
            "az k8s-extension create gives the Azure ML extension a system-assigned identity",
            json!("SystemAssigned"),
        ),
        (EXTENSION, "properties.extensionType") => Flag("--extension-type"),
        (EXTENSION, "properties.releaseTrain") => Flag("--release-train"),
        (EXTENSION, "properties.autoUpgradeMinorVersion") => Flag("--auto-upgrade-minor-version"),
        (EXTENSION, "properties.scope.cluster.releaseNamespace") => All(vec![
            Flag("--release-namespace"),
            Mapped("--scope", |_| "cluster".to_string()),
        ]),
        (EXTENSION, p) if p.starts_with("properties.configurationSettings.") => Assignment(
            "--configuration-settings",
            tail.strip_prefix("configurationSettings.")?.to_string(),
        ),
        (ROLE_ASSIGNMENT, "properties.principalId") => RunTime("--assignee-object-id"),
        (ROLE_ASSIGNMENT, "properties.principalType") => Flag("--assignee-principal-type"),
        (ROLE_ASSIGNMENT, "properties.roleDefinitionId") => Flag("--role"),
        _ => return None,
    };
    Some(c)
}

/// The workspace's properties, in the workspace.yml that `az ml workspace create --file` reads.
fn workspace(path: &str) -> Option<Counterpart> {
    use Counterpart::*;
    Some(match path {
        "location" => Yaml("location"),
        "tags" => Yaml("tags"),
        "sku.name" | "sku.tier" => Implied(
            "az ml workspace create deploys a Basic workspace; its YAML has no SKU",
            json!("Basic"),
        ),
        "identity.type" => Implied(
            "az ml workspace create gives a system-assigned identity when the YAML names none",
            json!("SystemAssigned"),
        ),
        "properties.v1LegacyMode" => Implied(
            "az ml workspace create makes workspaces without v1 legacy mode; its YAML has no key",
            json!(false),
        ),
        "properties.friendlyName" => Yaml("display_name"),
        "properties.description" => Yaml("description"),
        "properties.hbiWorkspace" => Yaml("hbi_workspace"),
        "properties.imageBuildCompute" => Yaml("image_build_compute"),
        "properties.systemDatastoresAuthMode" => Yaml("system_datastores_auth_mode"),
        "properties.publicNetworkAccess" => Yaml("public_network_access"),
        "properties.storageAccount" => Yaml("storage_account"),
        "properties.keyVault" => Yaml("key_vault"),
        "properties.applicationInsights" => Yaml("application_insights"),
        "properties.containerRegistry" => Yaml("container_registry"),
        _ => return None,
    })
}

fn aks(path: &str) -> Option<Counterpart> {
    use Counterpart::*;
    let pool = path.strip_prefix("properties.agentPoolProfiles[].");
    if let Some(field) = pool {
        return Some(match field {
            "name" => Flag("--nodepool-name"),
            "count" => Flag("--node-count"),
            "vmSize" => Flag("--node-vm-size"),
            "vnetSubnetID" => Flag("--vnet-subnet-id"),
            "maxPods" => Flag("--max-pods"),
            "type" => Flag("--vm-set-type"),
            "osDiskType" => Flag("--node-osdisk-type"),
            "enableEncryptionAtHost" => Switch("--enable-encryption-at-host", json!(true)),
            "mode" => Implied(
                "the one pool az aks create makes is the System pool",
                json!("System"),
            ),
            "osType" => Implied("the pool az aks create makes is Linux", json!("Linux")),
            _ => return None,
        });
    }
    Some(match path {
        "location" => Flag("--location"),
        "tags" => Tags,
        "sku.name" => Implied(
            "Base is the only SKU name; az aks create sets it",
            json!("Base"),
        ),
        "sku.tier" => Mapped("--tier", str::to_lowercase),
        "identity.type" => Switch("--enable-managed-identity", json!("SystemAssigned")),
        "properties.dnsPrefix" => Flag("--dns-name-prefix"),
        "properties.enableRBAC" => Switch("--disable-rbac", json!(false)),
        "properties.aadProfile.managed" => Switch("--enable-aad", json!(true)),
        "properties.aadProfile.enableAzureRBAC" => Switch("--enable-azure-rbac", json!(true)),
        "properties.apiServerAccessProfile.enablePrivateCluster" => {
            Switch("--enable-private-cluster", json!(true))
        }
        "properties.apiServerAccessProfile.enablePrivateClusterPublicFQDN" => {
            Switch("--disable-public-fqdn", json!(false))
        }
        "properties.autoUpgradeProfile.upgradeChannel" => Flag("--auto-upgrade-channel"),
        "properties.networkProfile.networkPlugin" => Flag("--network-plugin"),
        "properties.networkProfile.networkPolicy" => Flag("--network-policy"),
        "properties.networkProfile.loadBalancerSku" => Flag("--load-balancer-sku"),
        "properties.networkProfile.outboundType" => Flag("--outbound-type"),
        "properties.networkProfile.serviceCidr" => Flag("--service-cidr"),
        "properties.networkProfile.dnsServiceIP" => Flag("--dns-service-ip"),
        "properties.addonProfiles.azurepolicy.enabled" => {
            Word("--enable-addons", "azure-policy".to_string())
        }
        "properties.addonProfiles.azureKeyvaultSecretsProvider.enabled" => Word(
            "--enable-addons",
            "azure-keyvault-secrets-provider".to_string(),
        ),
        "properties.addonProfiles.azureKeyvaultSecretsProvider.config.enableSecretRotation" => {
            Switch("--enable-secret-rotation", json!("true"))
        }
        _ => return None,
    })
}

/// One command of the dry-run: what it addresses and its options.
struct Command {
    /// The id it addresses, from `/resourcegroups/` on, in lower case.
    at: String,
    verb: String,
    noun: String,
    options: Vec<(String, Vec<String>)>,
}

impl Command {
    fn from_classified(v: &Value) -> Self {
        let argv: Vec<String> = v["argv"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| a.as_str().unwrap_or_default().to_string())
            .collect();
        let words = argv.iter().take_while(|a| !a.starts_with("--")).count();
        let mut options: Vec<(String, Vec<String>)> = Vec::new();
        for a in &argv[words..] {
            if a.starts_with("--") {
                options.push((a.clone(), Vec::new()));
            } else if let Some((_, values)) = options.last_mut() {
                values.push(a.clone());
            }
        }
        Self {
            at: at(v["id"].as_str().unwrap_or_default()),
            verb: v["verb"].as_str().unwrap_or_default().to_string(),
            noun: argv[..words.saturating_sub(1)].join(" "),
            options,
        }
    }
}

/// An id from `/resourcegroups/` on, in lower case: where it is, whatever the subscription.
fn at(id: &str) -> String {
    let id = id.to_lowercase();
    id.find("/resourcegroups/")
        .map_or(id.clone(), |i| id[i..].to_string())
}

/// What a plan value must read as in a command.
enum Expect {
    Text(String),
    /// The id of a planned or existing resource, as [`at`] spells it.
    Id(String),
    /// Known at run time only.
    Later,
}

impl Expect {
    fn matches(&self, text: &str) -> bool {
        match self {
            Expect::Text(t) => t == text,
            Expect::Id(place) => at(text) == *place,
            Expect::Later => true,
        }
    }
    fn describe(&self) -> String {
        match self {
            Expect::Text(t) => format!("{t:?}"),
            Expect::Id(place) => format!("the id of …{place}"),
            Expect::Later => "a run-time value".to_string(),
        }
    }
}

/// One scenario's plan, with the lookups the checks need.
struct Plan<'a> {
    plan: &'a Value,
    by_symbol: BTreeMap<&'a str, &'a Value>,
}

impl<'a> Plan<'a> {
    fn new(plan: &'a Value) -> Self {
        let by_symbol = plan["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| Some((r["symbol"].as_str()?, r)))
            .collect();
        Self { plan, by_symbol }
    }

    fn resource(&self, symbol: &str) -> &'a Value {
        self.by_symbol
            .get(symbol)
            .unwrap_or_else(|| panic!("no resource {symbol} in the plan"))
    }

    /// Where a plan resource is, as [`at`] spells the id of the commands that address it (a
    /// role assignment by its role, as the fake az names it).
    fn place(&self, r: &Value) -> String {
        let text = |k: &str| r[k].as_str().unwrap_or_default();
        let ty = text("type");
        let place = if let Some(scope) = r["scope"].as_str() {
            let name = r["properties"]["roleDefinitionId"]["$role"]
                .as_str()
                .unwrap_or(text("name"));
            format!("{}/providers/{ty}/{name}", self.place(self.resource(scope)))
        } else if let Some(parent) = r["parent"].as_str() {
            let last = ty.rsplit('/').next().unwrap_or_default();
            format!(
                "{}/{last}/{}",
                self.place(self.resource(parent)),
                text("name")
            )
        } else {
            format!(
                "/resourcegroups/{}/providers/{ty}/{}",
                text("resource_group"),
                text("name")
            )
        };
        place.to_lowercase()
    }

    fn parameter(&self, name: &str) -> Option<&'a Value> {
        self.plan["parameters"]
            .as_array()?
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| &p["default"])
    }

    fn expect(&self, v: &Value) -> Result<Expect, String> {
        Ok(match v {
            Value::String(s) => Expect::Text(s.clone()),
            Value::Bool(_) | Value::Number(_) => Expect::Text(v.to_string()),
            Value::Object(m) if m.contains_key("$ref") => {
                Expect::Id(self.place(self.resource(m["$ref"].as_str().unwrap_or_default())))
            }
            Value::Object(m) if m.contains_key("$param") => {
                let name = m["$param"].as_str().unwrap_or_default();
                let default = self
                    .parameter(name)
                    .ok_or_else(|| format!("no parameter {name}"))?;
                self.expect(default)?
            }
            Value::Object(m) if m.contains_key("$role") => {
                Expect::Text(m["$role"].as_str().unwrap_or_default().to_string())
            }
            Value::Object(m) if m.contains_key("$principal") => Expect::Later,
            other => return Err(format!("cannot say how {other} reads in a command")),
        })
    }

    fn tags(&self) -> BTreeMap<String, String> {
        self.plan["tags"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect()
    }
}

/// A resource's settings as (path with indexes, path with `[]`, value): its location, SKU,
/// kind, identity, tags (when it is tagged) and every leaf of its properties. References,
/// parameters and other `$` forms are leaves; an empty list is a value, an empty object none.
fn settings(r: &Value, tagged: bool) -> Vec<(String, String, Value)> {
    fn walk(v: &Value, raw: String, norm: String, out: &mut Vec<(String, String, Value)>) {
        match v {
            Value::Object(m) if m.keys().any(|k| k.starts_with('$')) => {
                out.push((raw, norm, v.clone()))
            }
            Value::Object(m) => {
                for (k, x) in m {
                    walk(x, format!("{raw}.{k}"), format!("{norm}.{k}"), out);
                }
            }
            Value::Array(a) if a.is_empty() => out.push((raw, norm, v.clone())),
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, format!("{raw}[{i}]"), format!("{norm}[]"), out);
                }
            }
            Value::Null => {}
            _ => out.push((raw, norm, v.clone())),
        }
    }
    let mut out = Vec::new();
    for key in ["location", "kind", "sku", "identity", "properties"] {
        if !r[key].is_null() {
            walk(&r[key], key.to_string(), key.to_string(), &mut out);
        }
    }
    if tagged {
        out.push(("tags".into(), "tags".into(), json!(true)));
    }
    out
}

/// The value at `path` (`a.b[0].c`) of a JSON document.
fn at_path<'v>(doc: &'v Value, path: &str) -> &'v Value {
    let mut v = doc;
    for part in path.split('.') {
        let (key, indexes) = part.split_once('[').map_or((part, ""), |(k, i)| (k, i));
        v = &v[key];
        for i in indexes.split('[').filter(|i| !i.is_empty()) {
            v = &v[i
                .trim_end_matches(']')
                .parse::<usize>()
                .unwrap_or(usize::MAX)];
        }
    }
    v
}

/// workspace.yml's top-level values (JSON-quoted or plain) and its tag map.
fn workspace_yaml(text: &str) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut top = BTreeMap::new();
    let mut tags = BTreeMap::new();
    let mut in_tags = false;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if let Some(entry) = line.strip_prefix("  ") {
            if in_tags {
                let (k, v) = yaml_entry(entry);
                tags.insert(k, v);
            }
            continue;
        }
        let (k, v) = yaml_entry(line);
        in_tags = k == "tags";
        if !in_tags {
            top.insert(k, v);
        }
    }
    (top, tags)
}

/// `key: value` of workspace.yml, key and value plain or JSON-quoted.
fn yaml_entry(line: &str) -> (String, String) {
    let unquote = |s: &str| -> String {
        let s = s.trim();
        if s.starts_with('"') {
            serde_json::from_str(s).expect("a JSON-quoted YAML value")
        } else {
            s.to_string()
        }
    };
    if line.starts_with('"') {
        let mut words = serde_json::Deserializer::from_str(line).into_iter::<String>();
        let key = words
            .next()
            .and_then(Result::ok)
            .expect("a JSON-quoted key");
        let rest = &line[words.byte_offset()..];
        (key, unquote(rest.trim_start().trim_start_matches(':')))
    } else {
        let (k, v) = line.split_once(':').unwrap_or((line, ""));
        (k.to_string(), unquote(v))
    }
}

/// The checks of one scenario: its plan, the dry-run commands of its deploy.sh and its
/// workspace.yml. Returns the problems.
fn check(name: &str, sb: &Sandbox) -> Vec<String> {
    let plan = Plan::new(&sb.plan);
    let commands: Vec<Command> =
        classify_raw(&sb.bin.join("az"), &sb.dry_run_lines("deploy.sh", &[]))
            .iter()
            .map(Command::from_classified)
            .collect();
    let (yaml, yaml_tags) =
        workspace_yaml(&fs::read_to_string(sb.dir.join("workspace.yml")).expect("workspace.yml"));
    let scenario_tags = plan.tags();
    let mut problems = Vec::new();
    let writes = ["create", "update", "add", "attach"];

    let mut resources: Vec<(String, &Value, bool)> = plan.plan["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["existing"] != json!(true))
        .map(|r| {
            (
                plan.place(r),
                r,
                r["tags"] == json!(true) && !scenario_tags.is_empty(),
            )
        })
        .collect();
    // The resource groups the deployment creates, with their region and the scenario's tags.
    let groups: Vec<Value> = plan.plan["resource_groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|g| g["create"] == json!(true) && g["exists"] != json!(true))
        .map(|g| json!({ "type": GROUP, "name": g["name"], "location": g["location"] }))
        .collect();
    for g in &groups {
        let place =
            format!("/resourcegroups/{}", g["name"].as_str().unwrap_or_default()).to_lowercase();
        resources.push((place, g, !scenario_tags.is_empty()));
    }

    for (place, r, tagged) in resources {
        let ty = r["type"].as_str().unwrap_or_default();
        let label = format!("{name}: {ty} {}", r["name"].as_str().unwrap_or_default());
        let cmds: Vec<&Command> = commands
            .iter()
            .filter(|c| c.at == place && writes.contains(&c.verb.as_str()))
            .collect();
        if cmds.is_empty() {
            problems.push(format!("{label}: deploy.sh never creates it"));
            continue;
        }
        let values = |flag: &str| -> Option<Vec<&str>> {
            let mut found = None::<Vec<&str>>;
            for c in &cmds {
                for (o, vs) in &c.options {
                    if o == flag {
                        found
                            .get_or_insert_with(Vec::new)
                            .extend(vs.iter().map(String::as_str));
                    }
                }
            }
            found
        };
        let body: Option<Value> = values("--properties").and_then(|v| {
            v.first()
                .map(|b| serde_json::from_str(b).expect("JSON body"))
        });
        let mut claimed: BTreeSet<&str> = BTreeSet::new();
        for (raw, norm, value) in settings(r, tagged) {
            let what = format!("{label}: {norm} = {value}");
            let Some(c) = counterpart(ty, &norm) else {
                problems.push(format!("{what}: no script counterpart in the table"));
                continue;
            };
            let ctx = Ctx {
                plan: &plan,
                values: &values,
                body: body.as_ref(),
                yaml: &yaml,
                yaml_tags: &yaml_tags,
                tags: &scenario_tags,
                multi: norm.contains("[]"),
            };
            if let Err(e) = ctx.check(&c, &raw, &value, &mut claimed) {
                problems.push(format!("{what}: {e}"));
            }
        }
        for c in &cmds {
            for (o, _) in &c.options {
                let accounted = claimed.contains(o.as_str())
                    || ADDRESSING.contains(&o.as_str())
                    || SCRIPT_ONLY.iter().any(|(f, _)| f == o)
                    || (ty == WORKSPACE && o == "--file");
                if !accounted {
                    problems.push(format!(
                        "{label}: `az {} {}` passes {o}, which no property of the plan says",
                        c.noun, c.verb
                    ));
                }
            }
        }
    }
    problems
}

/// What checking one property reads.
struct Ctx<'c, 'a> {
    plan: &'c Plan<'a>,
    values: &'c dyn Fn(&str) -> Option<Vec<&'c str>>,
    body: Option<&'c Value>,
    yaml: &'c BTreeMap<String, String>,
    yaml_tags: &'c BTreeMap<String, String>,
    tags: &'c BTreeMap<String, String>,
    /// The property is one of a list: its value is among the flag's, not all of them.
    multi: bool,
}

impl<'c> Ctx<'c, '_> {
    fn check(
        &self,
        c: &Counterpart,
        raw: &str,
        value: &Value,
        claimed: &mut BTreeSet<&'c str>,
    ) -> Result<(), String> {
        use Counterpart::*;
        let flag_values = |flag: &'c str, claimed: &mut BTreeSet<&'c str>| {
            claimed.insert(flag);
            (self.values)(flag).ok_or_else(|| format!("no {flag}"))
        };
        match c {
            Flag(flag) | RunTime(flag) => {
                let got = flag_values(flag, claimed)?;
                let want = if matches!(c, RunTime(_)) {
                    Expect::Later
                } else {
                    self.plan.expect(value)?
                };
                let ok = if self.multi {
                    got.iter().any(|g| want.matches(g))
                } else {
                    !got.is_empty() && got.iter().all(|g| want.matches(g))
                };
                if !ok {
                    return Err(format!("{flag} {got:?}, not {}", want.describe()));
                }
            }
            Mapped(flag, spell) => {
                let got = flag_values(flag, claimed)?;
                let Expect::Text(text) = self.plan.expect(value)? else {
                    return Err("not a plain value".into());
                };
                let want = spell(&text);
                if got != [want.as_str()] {
                    return Err(format!("{flag} {got:?}, not {want:?}"));
                }
            }
            Switch(flag, when) => {
                claimed.insert(flag);
                let present = (self.values)(flag);
                if present.as_ref().is_some_and(|v| !v.is_empty()) {
                    return Err(format!("{flag} takes no value here: {present:?}"));
                }
                if present.is_some() != (value == when) {
                    return Err(format!(
                        "{flag} is {}; it belongs exactly with the value {when}",
                        if present.is_some() {
                            "passed"
                        } else {
                            "missing"
                        }
                    ));
                }
            }
            Word(flag, word) => {
                claimed.insert(flag);
                let got = (self.values)(flag).unwrap_or_default();
                let words: Vec<&str> = got.iter().flat_map(|v| v.split(',')).collect();
                if words.contains(&word.as_str()) != (value == &json!(true)) {
                    return Err(format!("{flag} {got:?} and {word}"));
                }
            }
            Assignment(flag, key) => {
                let got = flag_values(flag, claimed)?;
                let Expect::Text(text) = self.plan.expect(value)? else {
                    return Err("not a plain value".into());
                };
                let want = format!("{key}={text}");
                if !got.contains(&want.as_str()) {
                    return Err(format!("{flag} {got:?} has no {want}"));
                }
            }
            Tags => {
                let got = flag_values("--tags", claimed)?;
                let plain: BTreeMap<String, String> = got
                    .iter()
                    .filter_map(|t| t.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                let short: BTreeMap<String, String> =
                    got.iter().filter_map(|t| shorthand_tag(t)).collect();
                if plain != *self.tags && short != *self.tags {
                    return Err(format!(
                        "--tags {got:?}, not the scenario's {:?}",
                        self.tags
                    ));
                }
            }
            Yaml(key) => {
                if *key == "tags" {
                    if self.yaml_tags != self.tags {
                        return Err(format!("workspace.yml tags {:?}", self.yaml_tags));
                    }
                    return Ok(());
                }
                let want = self.plan.expect(value)?;
                match self.yaml.get(*key) {
                    Some(got) if want.matches(got) => {}
                    got => {
                        return Err(format!(
                            "workspace.yml {key}: {got:?}, not {}",
                            want.describe()
                        ))
                    }
                }
            }
            Body => {
                claimed.insert("--properties");
                let body = self.body.ok_or("no --properties body")?;
                if raw == "tags" {
                    let got: BTreeMap<String, String> =
                        serde_json::from_value(body["tags"].clone())
                            .map_err(|e| format!("body tags: {e}"))?;
                    if got != *self.tags {
                        return Err(format!("body tags {got:?}"));
                    }
                    return Ok(());
                }
                let got = at_path(body, raw);
                let want = self.plan.expect(value);
                let ok = match (&want, got) {
                    (Ok(w), Value::String(s)) => w.matches(s),
                    (Ok(w), Value::Bool(_) | Value::Number(_)) => w.matches(&got.to_string()),
                    (_, other) => other == value,
                };
                if !ok {
                    return Err(format!("the body holds {got} at {raw}"));
                }
            }
            Implied(why, only) => {
                if value != only {
                    return Err(format!("the scripts cannot follow: {why}, so it is {only}"));
                }
            }
            All(all) => {
                for c in all {
                    self.check(c, raw, value, claimed)?;
                }
            }
        }
        Ok(())
    }
}

/// A scenario beyond the committed ones: a compute instance next to the cluster, manual
/// approval, a firewall route, two address prefixes and an AKS cluster serving TLS.
const MORE: &str = r#"
name: parity-more
location: westeurope
resource_group: rg-parity
tags: { team: "ml platform" }
workspace:
  name: mlw-parity
  public_network_access: Enabled
  image_build_compute: cpu-build
  storage_account: { name: stparity }
  key_vault: { name: kv-parity }
  container_registry: { name: crparity }
  application_insights: { name: appi-parity }
networks:
  - name: vnet-p
    address_space: [10.50.0.0/16, 10.51.0.0/16]
    egress: { firewall: 10.100.0.4 }
    subnets:
      - { name: snet-pe, prefix: 10.50.1.0/24 }
      - { name: snet-ci, prefix: 10.50.2.0/24 }
      - { name: snet-aks, prefix: 10.51.0.0/20 }
    endpoints:
      subnet: snet-pe
      targets: [workspace, storage-blob, storage-file, key-vault, container-registry]
      approval: manual
computes:
  - { name: cpu-build, kind: cluster, vm_size: Standard_DS3_v2, network: vnet-p, subnet: snet-ci }
  - { name: ci-parity, kind: instance, vm_size: Standard_DS3_v2, network: vnet-p, subnet: snet-ci }
kubernetes:
  - { name: aks-p, network: vnet-p, subnet: snet-aks, vm_size: Standard_D4s_v5, tls: { cname: ml.contoso.com, secret: azureml-fe-tls } }
"#;

#[test]
fn every_property_the_templates_set_the_scripts_set_and_nothing_more() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut sandboxes: Vec<(String, Sandbox)> = super::scripts::scenarios()
        .into_iter()
        .map(|s| (s.clone(), Sandbox::new(&s)))
        .collect();
    sandboxes.push((
        "hostile-values".into(),
        rendered(tmp.path(), "hostile-values", HOSTILE),
    ));
    sandboxes.push((
        "parity-more".into(),
        rendered(tmp.path(), "parity-more", MORE),
    ));
    let mut types = BTreeSet::new();
    let mut problems = Vec::new();
    for (name, sb) in &sandboxes {
        for r in sb.plan["resources"].as_array().into_iter().flatten() {
            if r["existing"] != json!(true) {
                types.insert(r["type"].as_str().unwrap_or_default().to_string());
            }
        }
        problems.extend(check(name, sb));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Every kind of resource amlpe creates was held to its table.
    for ty in [
        STORAGE,
        KEY_VAULT,
        REGISTRY,
        WORKSPACE,
        COMPUTE,
        LOG_ANALYTICS,
        NSG,
        VNET,
        SUBNET,
        PRIVATE_ENDPOINT,
        DNS_ZONE,
        DNS_LINK,
        ZONE_GROUP,
        AKS,
        EXTENSION,
        ROLE_ASSIGNMENT,
    ]
    .iter()
    .chain(AS_ARM)
    {
        assert!(types.contains(*ty), "no scenario creates a {ty}");
    }
}

/// The table catches what it is there for: a property without a counterpart, a value the
/// script spells differently, and a flag that no property says.
#[test]
fn the_parity_check_fails_on_a_gap() {
    let sb = Sandbox::new("single-endpoint");
    assert!(check("single-endpoint", &sb).is_empty());
    let edit = |from: &str, to: &str| {
        let path = sb.dir.join("deploy.sh");
        let text = fs::read_to_string(&path).expect("read");
        assert!(text.contains(from), "{from}");
        fs::write(&path, text.replacen(from, to, 1)).expect("write");
    };
    let problems = |sb: &Sandbox| check("single-endpoint", sb).join("\n");

    edit("    --min-tls-version 'TLS1_2' \\\n", "");
    assert!(
        problems(&sb).contains("minimumTlsVersion"),
        "{}",
        problems(&sb)
    );
    edit(
        "    --https-only 'true' \\\n",
        "    --https-only 'false' \\\n",
    );
    assert!(
        problems(&sb).contains("--https-only [\"false\"]"),
        "{}",
        problems(&sb)
    );
    edit(
        "    --bypass 'AzureServices' \\\n",
        "    --bypass 'AzureServices' \\\n    --sas-expiration-period '1.00:00:00' \\\n",
    );
    assert!(
        problems(&sb).contains("passes --sas-expiration-period"),
        "{}",
        problems(&sb)
    );
    edit(r#""disableLocalAuth":true,"#, "");
    assert!(
        problems(&sb).contains("disableLocalAuth"),
        "{}",
        problems(&sb)
    );

    // A plan property the table does not know.
    let mut plan = sb.plan.clone();
    let storage = plan["resources"]
        .as_array_mut()
        .expect("resources")
        .iter_mut()
        .find(|r| r["type"] == STORAGE)
        .expect("storage");
    storage["properties"]["isHnsEnabled"] = json!(true);
    let mut other = Sandbox::new("single-endpoint");
    other.plan = plan;
    assert!(
        problems(&other).contains("isHnsEnabled = true: no script counterpart"),
        "{}",
        problems(&other)
    );
}
