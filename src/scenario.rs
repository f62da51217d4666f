//! The scenario file: what a private-link Azure ML deployment should look like.
//!
//! The same model reads YAML and JSON. Unknown fields are errors, so a misspelt key never
//! silently drops a setting. Doc comments here become the descriptions of the JSON Schema
//! that editors use for completion.

use std::path::Path;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Rule};
use crate::source;
use crate::span::{FieldPath, Seg, SourceFile, SpanIndex};

/// A private-link Azure Machine Learning deployment.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Editors' schema hint; ignored by amlpe.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Output folder name: lowercase letters, digits and hyphens.
    pub name: String,
    /// One or two sentences on what this topology is for.
    #[serde(default)]
    pub description: String,
    /// The Azure cloud; it decides the private DNS zone names.
    #[serde(default)]
    pub cloud: Cloud,
    /// Region of the workspace. Computes and AKS clusters must be in this region.
    pub location: String,
    /// Resource group of the workspace and its dependencies.
    pub resource_group: String,
    /// Tags applied to every resource amlpe creates.
    #[serde(default)]
    pub tags: IndexMap<String, String>,
    pub workspace: Workspace,
    /// Virtual networks, with the private endpoints and DNS zones of each.
    pub networks: Vec<Network>,
    /// Compute clusters and instances, each in a subnet, without public IPs.
    #[serde(default)]
    pub computes: Vec<Compute>,
    /// AKS clusters attached to the workspace for inference.
    #[serde(default)]
    pub kubernetes: Vec<Kubernetes>,
    /// Past-end-of-support dialects to generate as well (opt-in).
    #[serde(default)]
    pub legacy: Vec<Legacy>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
pub enum Cloud {
    #[default]
    AzureCloud,
    AzureUSGovernment,
    AzureChinaCloud,
}

/// The workspace: new (by `name`) or existing (by `existing` resource id).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Workspace {
    /// Name of a workspace to create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Resource id of a workspace that exists: amlpe adds endpoints to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing: Option<String>,
    /// Whether the workspace also answers on its public endpoint.
    #[serde(default)]
    pub public_network_access: PublicNetworkAccess,
    /// Compute cluster that builds Docker images (a private registry cannot use ACR tasks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_build_compute: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_account: Option<Dependency>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_vault: Option<Dependency>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_registry: Option<Registry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_insights: Option<Dependency>,
    /// Log Analytics workspace behind Application Insights (default: derived from its name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_analytics: Option<Dependency>,
    /// The people and groups who use a new workspace. The storage account takes no shared
    /// keys, so they reach data with their own identity: each gets AzureML Data Scientist on the
    /// workspace, and Storage Blob Data Contributor and Storage File Data Privileged Contributor
    /// on a storage account amlpe creates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<WorkspaceUser>,
}

/// A Microsoft Entra user or group, by object id.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceUser {
    /// Object id of the user or group in Microsoft Entra ID (a GUID).
    pub object_id: String,
    /// `user` (default) or `group`.
    #[serde(rename = "type", default)]
    pub kind: PrincipalKind,
    /// Who it is, for the runbook and comments (for example `data-science-team`).
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PrincipalKind {
    #[default]
    User,
    Group,
}

impl PrincipalKind {
    /// The `principalType` of a role assignment.
    pub fn principal_type(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Group => "Group",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum PublicNetworkAccess {
    Enabled,
    #[default]
    Disabled,
}

impl PublicNetworkAccess {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "Enabled",
            Self::Disabled => "Disabled",
        }
    }
}

/// A dependency of the workspace: new by `name`, or existing by resource id.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing: Option<String>,
}

/// The container registry: like any dependency, plus its SKU (Premium for private endpoints).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing: Option<String>,
    #[serde(default)]
    pub sku: RegistrySku,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum RegistrySku {
    Basic,
    Standard,
    #[default]
    Premium,
}

/// A virtual network: new (address space and subnets) or existing (resource id).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Network {
    pub name: String,
    /// Resource id of a VNet that exists; its subnets are listed by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing: Option<String>,
    /// Resource group of the VNet and its endpoints (default: the scenario's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    /// Region of the VNet (default: the scenario's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default)]
    pub address_space: Vec<String>,
    #[serde(default)]
    pub subnets: Vec<Subnet>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Endpoints>,
    /// Private DNS for this VNet's endpoints (default: create zones in the VNet's group).
    #[serde(default)]
    pub dns: Dns,
    /// How the computes and AKS nodes of this VNet reach the internet (default: a NAT gateway
    /// for a new VNet, `provided` for an existing one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Egress>,
}

/// The outbound path of a VNet's compute subnets: subnets of new VNets have no default outbound
/// access, and computes without public IPs need one to reach Azure ML, Batch, Entra ID and MCR.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum Egress {
    /// A NAT gateway with its own static public IP, attached to the compute subnets.
    NatGateway,
    /// A route table that sends 0.0.0.0/0 to a firewall (or other appliance) at this private
    /// IPv4 address, attached to the compute subnets.
    Firewall(String),
    /// The network team provides it (an existing VNet's own NAT gateway or routes).
    Provided,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    pub name: String,
    /// IPv4 prefix in CIDR form; required for subnets of a new VNet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

/// The private endpoints to place in a VNet.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Endpoints {
    /// Subnet that holds the endpoints.
    pub subnet: String,
    pub targets: Vec<Target>,
    #[serde(default)]
    pub approval: Approval,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    Workspace,
    StorageBlob,
    StorageFile,
    KeyVault,
    ContainerRegistry,
}

impl Target {
    pub const ALL: [Target; 5] = [
        Target::Workspace,
        Target::StorageBlob,
        Target::StorageFile,
        Target::KeyVault,
        Target::ContainerRegistry,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Workspace => "workspace",
            Target::StorageBlob => "storage-blob",
            Target::StorageFile => "storage-file",
            Target::KeyVault => "key-vault",
            Target::ContainerRegistry => "container-registry",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Approval {
    #[default]
    Auto,
    Manual,
}

/// How the endpoints of a VNet get their DNS records.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dns {
    #[serde(default)]
    pub zones: ZoneMode,
    /// Resource group of the created zones (default: the VNet's). With several isolated VNets
    /// give each its own: zone names are unique per resource group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    /// With `zones: existing`: the resource ids of the zones to use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zone_ids: Vec<String>,
    /// Link the zones to this VNet (default true). Turn off when a hub resolver serves the VNet.
    #[serde(default = "yes")]
    pub link: bool,
}

fn yes() -> bool {
    true
}

/// The default when a network has no `dns` key: create zones in its group and link them.
impl Default for Dns {
    fn default() -> Self {
        Self {
            zones: ZoneMode::default(),
            resource_group: None,
            zone_ids: Vec::new(),
            link: yes(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ZoneMode {
    /// amlpe creates the zones, links them and adds a zone group to every endpoint.
    #[default]
    Create,
    /// Zones exist (`zone_ids`); amlpe links them and adds zone groups.
    Existing,
    /// No zone groups: DNS records are managed elsewhere (for example by Azure Policy).
    None,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Compute {
    pub name: String,
    pub kind: ComputeKind,
    pub vm_size: String,
    pub network: String,
    pub subnet: String,
    /// Region (default: the VNet's). Must be the workspace's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Clusters only: the fewest nodes kept running (default 0). An instance takes none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32")]
    pub min_nodes: Option<u32>,
    /// Clusters only: the most nodes the cluster scales to (default 4), each with an address
    /// in the subnet. An instance takes none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32")]
    pub max_nodes: Option<u32>,
}

impl Compute {
    /// The cluster's lower node bound, written or the default.
    pub fn min_nodes(&self) -> u32 {
        self.min_nodes
            .unwrap_or(crate::catalog::CLUSTER_DEFAULT_MIN_NODES)
    }
    /// The cluster's upper node bound, written or the default.
    pub fn max_nodes(&self) -> u32 {
        self.max_nodes
            .unwrap_or(crate::catalog::CLUSTER_DEFAULT_MAX_NODES)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ComputeKind {
    Cluster,
    Instance,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Kubernetes {
    pub name: String,
    pub network: String,
    pub subnet: String,
    /// Region (default: the VNet's). Must be the workspace's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default = "default_node_count")]
    pub node_count: u32,
    pub vm_size: String,
    /// Name of the compute target in the workspace (default: the cluster's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_name: Option<String>,
    /// `kubernetes` (the Azure ML extension) or the legacy `aks` compute type.
    #[serde(default)]
    pub attach_as: AttachKind,
    /// HTTPS for the inference router (the Azure ML extension's `sslSecret` and `sslCname`).
    /// Without it the router serves plain HTTP (`allowInsecureConnections`), which Azure ML
    /// recommends only for development and testing (warning W055).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<KubernetesTls>,
}

/// The certificate of the inference router: a Kubernetes secret in the `azureml` namespace
/// that holds `cert.pem` and `key.pem` (PEM, without a passphrase), and the host name clients
/// call, which the certificate is for.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KubernetesTls {
    /// Host name of the scoring endpoints (`sslCname`), like `ml.contoso.com`.
    pub cname: String,
    /// Name of the Kubernetes secret in the `azureml` namespace (`sslSecret`).
    pub secret: String,
}

fn default_node_count() -> u32 {
    3
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AttachKind {
    #[default]
    Kubernetes,
    Aks,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Legacy {
    CliV1,
    SdkV1,
}

/// A scenario with the file it came from.
#[derive(Debug)]
pub struct Loaded {
    pub scenario: Scenario,
    pub source: SourceFile,
    pub spans: SpanIndex,
}

/// Reads a scenario file: syntax, types and unknown fields, all reported with locations. A
/// syntax error is one diagnostic; schema errors are all of them, in file order.
pub fn load(path: &Path) -> Result<Loaded, Box<(SourceFile, Vec<Diagnostic>)>> {
    let doc = source::read(path).map_err(|e| {
        let (source, d) = *e;
        Box::new((source, vec![d]))
    })?;
    match serde_path_to_error::deserialize::<_, Scenario>(&doc.value) {
        Ok(scenario) => Ok(Loaded {
            scenario,
            source: doc.source,
            spans: doc.spans,
        }),
        Err(e) => {
            let first = serde_diagnostic(&e, &doc.spans);
            let mut all = crate::schema_check::check(&doc.value, schema());
            // serde is the judge: its error is reported even when the walk words it otherwise.
            let near = |a: &FieldPath, b: &FieldPath| {
                a == b
                    || (!a.0.is_empty()
                        && !b.0.is_empty()
                        && (a.0.starts_with(&b.0) || b.0.starts_with(&a.0)))
            };
            if !all.iter().any(|d| near(&d.path, &first.path)) {
                all.push(first);
            }
            let mut all: Vec<Diagnostic> = all.into_iter().map(|d| d.locate(&doc.spans)).collect();
            all.sort_by_key(|d| d.span.map(|s| (s.line, s.col)).unwrap_or_default());
            Err(Box::new((doc.source, all)))
        }
    }
}

/// The JSON Schema of scenario files, made once.
fn schema() -> &'static serde_json::Value {
    static SCHEMA: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(json_schema)
}

/// serde's first error as a diagnostic.
fn serde_diagnostic(
    e: &serde_path_to_error::Error<serde_json::Error>,
    spans: &SpanIndex,
) -> Diagnostic {
    let mut path = FieldPath(
        e.path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Seq { index } => Some(Seg::Index(*index)),
                serde_path_to_error::Segment::Map { key } => Some(Seg::Key(key.clone())),
                serde_path_to_error::Segment::Enum { variant } => Some(Seg::Key(variant.clone())),
                serde_path_to_error::Segment::Unknown => None,
            })
            .collect(),
    );
    let raw = e.inner().to_string();
    let (message, hint, on_key) = explain_serde_error(&raw, &mut path, spans);
    let mut d = Diagnostic::error(Rule::Schema, path, message);
    if on_key {
        d = d.on_key();
    }
    if let Some(h) = hint {
        d = d.hint(h);
    }
    d
}

/// Turns serde's messages into ours: unknown fields point at the key, missing fields name
/// the mapping that lacks them, and every message says how to fix it.
fn explain_serde_error(
    raw: &str,
    path: &mut FieldPath,
    spans: &SpanIndex,
) -> (String, Option<String>, bool) {
    if let Some(rest) = raw.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or_default().to_string();
        let expected = rest
            .split_once("expected ")
            .map(|(_, e)| e.to_string())
            .unwrap_or_default();
        let full = path.key(&field);
        if spans.contains(&full) {
            *path = full;
        }
        return (
            format!("unknown field `{field}`"),
            Some(format!("expected {expected}")),
            true,
        );
    }
    if let Some(rest) = raw.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or_default();
        let place = if path.0.is_empty() {
            "the scenario".to_string()
        } else {
            format!("`{path}`")
        };
        return (
            format!("missing field `{field}` in {place}"),
            Some(format!(
                "add `{field}:`; see the scenario format in the README"
            )),
            false,
        );
    }
    if let Some(rest) = raw.strip_prefix("unknown variant `") {
        let got = rest.split('`').next().unwrap_or_default();
        let expected = rest
            .split_once("expected ")
            .map(|(_, e)| e.to_string())
            .unwrap_or_default();
        return (
            format!("`{got}` is not allowed here"),
            Some(format!("expected {expected}")),
            false,
        );
    }
    if raw.starts_with("invalid type") {
        let friendly = raw
            .replace("expected u32", "expected a whole number of 0 or more")
            .replace("expected a sequence", "expected a list");
        return (
            friendly,
            Some("check the value's type against the scenario format in the README".into()),
            false,
        );
    }
    (raw.to_string(), None, false)
}

impl Scenario {
    pub fn network(&self, name: &str) -> Option<(usize, &Network)> {
        self.networks
            .iter()
            .enumerate()
            .find(|(_, n)| n.name == name)
    }
    pub fn compute(&self, name: &str) -> Option<(usize, &Compute)> {
        self.computes
            .iter()
            .enumerate()
            .find(|(_, c)| c.name == name)
    }
}

impl Network {
    pub fn subnet(&self, name: &str) -> Option<(usize, &Subnet)> {
        self.subnets
            .iter()
            .enumerate()
            .find(|(_, s)| s.name == name)
    }
    pub fn targets(&self) -> &[Target] {
        self.endpoints
            .as_ref()
            .map_or(&[], |e| e.targets.as_slice())
    }
    pub fn has(&self, t: Target) -> bool {
        self.targets().contains(&t)
    }

    /// The VNet's outbound path: as given, else a NAT gateway for a new VNet and the network
    /// team's for an existing one.
    pub fn egress(&self) -> Egress {
        match (&self.egress, &self.existing) {
            (Some(e), _) => e.clone(),
            (None, None) => Egress::NatGateway,
            (None, Some(_)) => Egress::Provided,
        }
    }
}

impl Scenario {
    /// The subnets of network `net` that hold computes or AKS nodes, in scenario order.
    pub fn compute_subnets(&self, net: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let used = self.computes.iter().map(|c| (&c.network, &c.subnet));
        let used = used.chain(self.kubernetes.iter().map(|k| (&k.network, &k.subnet)));
        for (n, sn) in used {
            if n == net && !out.contains(&sn.as_str()) {
                out.push(sn);
            }
        }
        out
    }
}

/// The JSON Schema (draft-07) of scenario files, for editors' completion.
pub fn json_schema() -> serde_json::Value {
    let settings = schemars::generate::SchemaSettings::draft07();
    let gen = settings.into_generator();
    let schema = gen.into_root_schema_for::<Scenario>();
    serde_json::to_value(schema).unwrap_or_default()
}
