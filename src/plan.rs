//! The deployment plan: one value that every renderer reads, so Bicep, ARM, the scripts and
//! the runbook describe the same deployment.
//!
//! Property values are JSON with three special forms that each renderer spells its own way:
//! `{"$ref": "<symbol>"}` is the resource id of a planned resource, `{"$param": "<name>"}` a
//! template parameter, and `{"$env": "<suffix>", "$prefix": "<text>"}` a name built from the
//! cloud's `environment().suffixes` (so templates never hard-code a cloud host), and
//! `{"$tenant": true}` the tenant of the deploying subscription.

use std::collections::HashMap;

use heck::ToLowerCamelCase;
use indexmap::IndexMap;
use ipnet::Ipv4Net;
use serde::Serialize;
use serde_json::{json, Value};

use crate::catalog::{self, ResourceType, ZoneSpelling};
use crate::diag::{Diagnostic, Severity};

use crate::names;
use crate::scenario::{
    Approval, AttachKind, ComputeKind, Egress, Network, Scenario, Target, ZoneMode,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Scope {
    /// Everything new lives in the scenario's resource group: `az deployment group create`.
    ResourceGroup,
    /// Resources span groups that must be created, or live in a subscription the scenario
    /// names: `az deployment sub create`.
    Subscription,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResourceGroupPlan {
    pub name: String,
    /// The subscription the scenario names for it (an existing VNet's); none: the deploying one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription: Option<String>,
    pub location: String,
    /// Holds resources amlpe creates (so scripts and subscription templates create it).
    pub create: bool,
    /// Holds a resource the scenario names by id, so it is there already: templates deploy
    /// into it without declaring it (a template that re-creates a group resets its tags, and
    /// fails when the location differs).
    pub exists: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Parameter {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub description: String,
    pub default: Value,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
}

/// One resource, created or referenced.
#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    /// Unique lowerCamelCase identifier: the Bicep symbol and the key of references.
    pub symbol: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub api_version: String,
    /// The resource's own name (for a child, the last segment).
    pub name: String,
    /// A name spelled from the cloud's suffixes, when templates must not hard-code it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_expr: Option<Value>,
    pub resource_group: String,
    /// The subscription the scenario names for it (existing resources, and links created
    /// under an existing zone); none: the deploying subscription.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription: Option<String>,
    /// Referenced, not deployed.
    pub existing: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Extension resources (the Azure ML extension) name the resource they attach to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Value>,
    pub tags: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<Value>,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub properties: Value,
    /// Ordering that no reference implies (subnets of one VNet; computes after endpoints).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// What it is for, in a few words, for the runbook's resource table.
    pub purpose: String,
}

/// A private endpoint as the scripts and runbook see it.
#[derive(Debug, Clone, Serialize)]
pub struct Endpoint {
    pub symbol: String,
    pub name: String,
    pub network: String,
    pub network_symbol: String,
    pub subnet: String,
    pub subnet_symbol: String,
    pub resource_group: String,
    pub location: String,
    pub target: Target,
    pub target_label: String,
    pub target_symbol: String,
    pub group_id: String,
    pub manual_approval: bool,
    /// Symbol of the zone group, when amlpe manages DNS for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone_group: Option<String>,
    /// Zones the endpoint's records land in, in zone-group order.
    pub zones: Vec<EndpointZone>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EndpointZone {
    pub key: String,
    pub zone: String,
    pub zone_symbol: Option<String>,
    pub forward: String,
}

/// A private DNS zone, created or existing, and the VNets linked to it.
#[derive(Debug, Clone, Serialize)]
pub struct Zone {
    pub symbol: String,
    pub name: String,
    pub resource_group: String,
    pub existing: bool,
    pub links: Vec<String>,
}

/// A VNet as the scenario describes it. Existing VNets are only referenced by resources, so
/// this is the one place their address ranges survive; the runbook quotes them in its checks.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkInfo {
    pub name: String,
    pub symbol: String,
    pub resource_group: String,
    pub location: String,
    pub existing: bool,
    pub address_space: Vec<String>,
    pub subnets: Vec<SubnetInfo>,
    /// The subnet that holds the VNet's private endpoints.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_subnet: Option<String>,
    /// How the VNet's computes reach the internet, when it has computes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub egress: Option<EgressInfo>,
    /// Its endpoints' DNS: `create`, `existing`, or `none` (records managed elsewhere).
    pub dns: ZoneMode,
}

/// The outbound path of a VNet's compute subnets.
#[derive(Debug, Clone, Serialize)]
pub struct EgressInfo {
    /// `nat-gateway`, `firewall` or `provided`.
    pub kind: &'static str,
    /// The compute subnets it serves.
    pub subnets: Vec<String>,
    /// The NAT gateway and its public IP, or the route table (names), when amlpe creates them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// The firewall's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_hop: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubnetInfo {
    pub name: String,
    pub symbol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

/// One numbered step of the deployment, in the order a script runs it.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub n: usize,
    pub title: String,
    /// `resource-group` (target is a group name) or `resource` (target is a symbol).
    pub kind: &'static str,
    pub target: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Output {
    pub name: String,
    pub description: String,
    pub value: Value,
}

/// A warning the scenario produced, kept for the runbook.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: String,
    pub field: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub scenario: String,
    pub description: String,
    pub cloud: String,
    pub location: String,
    pub resource_group: String,
    pub scope: Scope,
    pub workspace: String,
    pub workspace_existing: bool,
    pub public_network_access: String,
    pub resource_groups: Vec<ResourceGroupPlan>,
    pub parameters: Vec<Parameter>,
    pub tags: IndexMap<String, String>,
    pub resources: Vec<Resource>,
    pub endpoints: Vec<Endpoint>,
    pub zones: Vec<Zone>,
    pub steps: Vec<Step>,
    pub outputs: Vec<Output>,
    pub warnings: Vec<Finding>,
    pub legacy: Vec<crate::scenario::Legacy>,
    /// The people and groups the deployment grants the workspace's roles to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<crate::scenario::WorkspaceUser>,
    /// The subscription of the existing VNet the computes sit in: Azure ML needs the new
    /// workspace there, so the deployment must run in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compute_subscription: Option<String>,
    pub networks: Vec<NetworkInfo>,
    /// Symbol → index into `resources`, so that references resolve in O(1) (renderers look
    /// up every reference of every resource). Not serialized: plan.json stays as it was.
    #[serde(skip)]
    by_symbol: HashMap<String, usize>,
}

impl Plan {
    /// Every resource by symbol, for renderers that resolve many references.
    pub fn index(&self) -> HashMap<&str, &Resource> {
        self.resources
            .iter()
            .map(|r| (r.symbol.as_str(), r))
            .collect()
    }

    /// The resource with this symbol. Symbols are unique (the builder numbers repeats).
    pub fn resource(&self, symbol: &str) -> Option<&Resource> {
        match self
            .by_symbol
            .get(symbol)
            .and_then(|&i| self.resources.get(i))
        {
            Some(r) if r.symbol == symbol => Some(r),
            // Resources changed after planning (only tests do): the index may be stale.
            _ => self.resources.iter().find(|r| r.symbol == symbol),
        }
    }
}

/// `heck`'s lowerCamelCase, with a fast path for the labels the builder makes (ASCII without
/// capitals), where heck's rules come down to: words are the runs of letters and digits, the
/// first as is, each other with its first letter capitalized. One symbol per resource makes
/// this a fifth of planning when done through heck's general Unicode algorithm.
fn lower_camel(label: &str) -> String {
    if !label.is_ascii() || label.bytes().any(|b| b.is_ascii_uppercase()) {
        return label.to_lower_camel_case();
    }
    let mut out = String::with_capacity(label.len());
    for word in label
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if out.is_empty() {
            out.push_str(word);
        } else {
            out.push(char::from(word.as_bytes()[0].to_ascii_uppercase()));
            out.push_str(&word[1..]);
        }
    }
    out
}

fn r#ref(symbol: &str) -> Value {
    json!({ "$ref": symbol })
}
fn param(name: &str) -> Value {
    json!({ "$param": name })
}

struct Builder<'a> {
    s: &'a Scenario,
    resources: Vec<Resource>,
    symbols: IndexMap<String, usize>,
    /// Per base symbol, the number its next repeat tries first: symbols are only ever added,
    /// so the numbers below it are taken, and many repeats of one base stay linear.
    next_suffix: HashMap<String, usize>,
    /// Per resource group (ASCII-lowercased), how many VNets create their zones there.
    zone_sharers: HashMap<String, usize>,
    /// Subnet symbols by (VNet name, subnet name), VNet symbols by VNet name.
    subnet_syms: IndexMap<(String, String), String>,
    vnet_syms: IndexMap<String, String>,
    /// The outbound path of each VNet with computes, by VNet name.
    egress: HashMap<String, EgressInfo>,
}

impl Builder<'_> {
    fn add(&mut self, mut r: Resource) -> String {
        if self.symbols.contains_key(&r.symbol) {
            let base = r.symbol.clone();
            let mut n = self.next_suffix.get(&base).copied().unwrap_or(2);
            loop {
                r.symbol = format!("{base}{n}");
                n += 1;
                if !self.symbols.contains_key(&r.symbol) {
                    break;
                }
            }
            self.next_suffix.insert(base, n);
        }
        let sym = r.symbol.clone();
        self.symbols.insert(sym.clone(), self.resources.len());
        self.resources.push(r);
        sym
    }

    /// The subscription the plan names for a resource already added (a child lives there too).
    fn subscription_of(&self, symbol: &str) -> Option<String> {
        let i = *self.symbols.get(symbol)?;
        self.resources[i].subscription.clone()
    }

    fn new_resource(&self, symbol: &str, ty: ResourceType, name: &str, rg: &str) -> Resource {
        Resource {
            symbol: lower_camel(symbol),
            ty: ty.name.to_string(),
            api_version: ty.api_version.to_string(),
            name: name.to_string(),
            name_expr: None,
            resource_group: rg.to_string(),
            subscription: None,
            existing: false,
            parent: None,
            scope: None,
            location: Some(param("location")),
            tags: true,
            sku: None,
            kind: None,
            identity: None,
            properties: Value::Null,
            depends_on: Vec::new(),
            purpose: String::new(),
        }
    }

    fn existing(&self, symbol: &str, ty: ResourceType, id: &str, purpose: &str) -> Resource {
        let rid = catalog::parse_resource_id(id, ty).ok();
        let (sub, rg, name) = rid.map_or_else(
            || (None, self.s.resource_group.clone(), id.to_string()),
            |r| (Some(r.subscription), r.resource_group, r.name),
        );
        Resource {
            existing: true,
            subscription: sub,
            location: None,
            tags: false,
            purpose: purpose.to_string(),
            ..self.new_resource(symbol, ty, &name, &rg)
        }
    }
}

/// Builds the plan of a scenario that passed validation.
pub fn build(s: &Scenario, diagnostics: &[Diagnostic]) -> Plan {
    let mut b = Builder::new(s);
    b.networks();
    let deps = b.dependencies();
    let ws_sym = b.workspace(&deps);
    b.users(&ws_sym, &deps);
    let mut endpoints = b.endpoints(&ws_sym, &deps);
    let zones = b.dns(&mut endpoints);
    b.computes(&ws_sym, &endpoints);
    b.kubernetes(&ws_sym, &endpoints);
    b.finish(&ws_sym, endpoints, zones, diagnostics)
}

/// The symbols of the workspace's dependencies, when the plan has them.
struct Deps {
    app_insights: Option<String>,
    storage: Option<String>,
    vault: Option<String>,
    registry: Option<String>,
}

impl<'a> Builder<'a> {
    fn new(s: &'a Scenario) -> Self {
        let mut zone_sharers: HashMap<String, usize> = HashMap::new();
        for m in &s.networks {
            if m.dns.zones == ZoneMode::Create {
                *zone_sharers.entry(names::zone_home(s, m)).or_default() += 1;
            }
        }
        Self {
            s,
            resources: Vec::new(),
            symbols: IndexMap::new(),
            next_suffix: HashMap::new(),
            zone_sharers,
            subnet_syms: IndexMap::new(),
            vnet_syms: IndexMap::new(),
            egress: HashMap::new(),
        }
    }

    /// The VNets, with one NSG each and the subnets as child resources.
    fn networks(&mut self) {
        let s = self.s;
        // Networks, with one NSG each and the subnets as child resources.
        for n in &s.networks {
            let rg = names::network_resource_group(s, n);
            let loc = n
                .location
                .as_deref()
                .map_or(param("location"), |l| json!(l));
            if let Some(id) = &n.existing {
                let v = self.existing(
                    &format!("vnet {}", n.name),
                    catalog::VNET,
                    id,
                    "existing virtual network",
                );
                // A subnet lives where its VNet does (the id names the VNet, not the subnet).
                let home = (v.subscription.clone(), v.resource_group.clone());
                let vsym = self.add(v);
                for sn in &n.subnets {
                    let mut r = self.existing(
                        &format!("snet {} {}", n.name, sn.name),
                        catalog::SUBNET,
                        id,
                        "existing subnet",
                    );
                    r.ty = catalog::SUBNET.name.to_string();
                    r.name = sn.name.clone();
                    (r.subscription, r.resource_group) = home.clone();
                    r.parent = Some(vsym.clone());
                    let ssym = self.add(r);
                    self.subnet_syms
                        .insert((n.name.clone(), sn.name.clone()), ssym);
                }
                self.vnet_syms.insert(n.name.clone(), vsym);
                self.egress(n, rg, &loc);
                continue;
            }
            let mut nsg = self.new_resource(
                &format!("nsg {}", n.name),
                catalog::NSG,
                &names::nsg(&n.name),
                rg,
            );
            nsg.location = Some(loc.clone());
            nsg.properties = json!({ "securityRules": [] });
            nsg.purpose = format!("network security group of the subnets of {}", n.name);
            let nsg_sym = self.add(nsg);
            let compute_subnets = s.compute_subnets(&n.name);
            let egress = self.egress(n, rg, &loc);
            let mut v = self.new_resource(&format!("vnet {}", n.name), catalog::VNET, &n.name, rg);
            v.location = Some(loc.clone());
            v.properties = json!({ "addressSpace": { "addressPrefixes": n.address_space } });
            v.purpose = if n.has(Target::Workspace) {
                "virtual network with private endpoints of the workspace".to_string()
            } else {
                "virtual network".to_string()
            };
            let vsym = self.add(v);
            let mut prev: Option<String> = None;
            let endpoint_subnet = n.endpoints.as_ref().map(|e| e.subnet.as_str());
            for sn in &n.subnets {
                let mut r = self.new_resource(
                    &format!("snet {} {}", n.name, sn.name),
                    catalog::SUBNET,
                    &sn.name,
                    rg,
                );
                r.location = None;
                r.tags = false;
                r.parent = Some(vsym.clone());
                let holds_endpoints = endpoint_subnet == Some(sn.name.as_str());
                let mut props = serde_json::Map::new();
                props.insert("addressPrefix".into(), json!(sn.prefix));
                props.insert(
                    "defaultOutboundAccess".into(),
                    json!(catalog::DEFAULT_OUTBOUND_ACCESS),
                );
                let special = catalog::special_subnet(&sn.name).is_some();
                if !special {
                    props.insert(
                        "networkSecurityGroup".into(),
                        json!({ "id": r#ref(&nsg_sym) }),
                    );
                }
                if let Some((key, sym)) = &egress {
                    if compute_subnets.contains(&sn.name.as_str()) {
                        props.insert((*key).into(), json!({ "id": r#ref(sym) }));
                    }
                }
                props.insert(
                    "privateEndpointNetworkPolicies".into(),
                    json!(if holds_endpoints {
                        "Disabled"
                    } else {
                        "Enabled"
                    }),
                );
                r.properties = Value::Object(props);
                r.purpose = if holds_endpoints {
                    "subnet of the private endpoints".to_string()
                } else if special {
                    "subnet reserved for its Azure service (left without amlpe's NSG)".to_string()
                } else if compute_subnets.contains(&sn.name.as_str()) {
                    "subnet of computes".to_string()
                } else {
                    "subnet".to_string()
                };
                // Subnets of one VNet are written one at a time: parallel writes conflict.
                if let Some(p) = prev.take() {
                    r.depends_on.push(p);
                }
                let ssym = self.add(r);
                prev = Some(ssym.clone());
                self.subnet_syms
                    .insert((n.name.clone(), sn.name.clone()), ssym);
            }
            self.vnet_syms.insert(n.name.clone(), vsym);
        }
    }

    /// The outbound path of a VNet's compute subnets (see `catalog::DEFAULT_OUTBOUND_ACCESS`),
    /// recorded for the runbook; for a new VNet, the subnet property that attaches it and the
    /// resource's symbol. `provided` creates nothing (validation refuses it for a new VNet with
    /// computes); nor does a VNet without computes.
    fn egress(&mut self, n: &Network, rg: &str, loc: &Value) -> Option<(&'static str, String)> {
        let subnets: Vec<String> = self
            .s
            .compute_subnets(&n.name)
            .into_iter()
            .map(str::to_string)
            .collect();
        if subnets.is_empty() {
            return None;
        }
        let mut info = EgressInfo {
            kind: "provided",
            subnets,
            resources: Vec::new(),
            next_hop: None,
        };
        let attach = match n.egress() {
            Egress::Provided => None,
            Egress::NatGateway => {
                let (ip_name, nat_name) =
                    (names::nat_public_ip(&n.name), names::nat_gateway(&n.name));
                let mut ip = self.new_resource(
                    &format!("pip nat {}", n.name),
                    catalog::PUBLIC_IP,
                    &ip_name,
                    rg,
                );
                ip.location = Some(loc.clone());
                ip.sku = Some(json!({ "name": "Standard", "tier": "Regional" }));
                ip.properties = json!({
                    "publicIPAllocationMethod": "Static",
                    "publicIPAddressVersion": "IPv4",
                });
                ip.purpose = format!("public IP address of the NAT gateway of {}", n.name);
                let ip_sym = self.add(ip);
                let mut nat = self.new_resource(
                    &format!("nat {}", n.name),
                    catalog::NAT_GATEWAY,
                    &nat_name,
                    rg,
                );
                nat.location = Some(loc.clone());
                nat.sku = Some(json!({ "name": "Standard" }));
                nat.properties = json!({
                    "idleTimeoutInMinutes": catalog::NAT_IDLE_TIMEOUT_MINUTES,
                    "publicIpAddresses": [{ "id": r#ref(&ip_sym) }],
                });
                nat.purpose = format!("outbound path of the computes of {}", n.name);
                info.kind = "nat-gateway";
                info.resources = vec![nat_name, ip_name];
                Some(("natGateway", self.add(nat)))
            }
            Egress::Firewall(next_hop) => {
                let rt_name = names::route_table(&n.name);
                let mut rt = self.new_resource(
                    &format!("rt {}", n.name),
                    catalog::ROUTE_TABLE,
                    &rt_name,
                    rg,
                );
                rt.location = Some(loc.clone());
                rt.properties = json!({
                    "routes": [{
                        "name": "default-to-firewall",
                        "properties": {
                            "addressPrefix": "0.0.0.0/0",
                            "nextHopType": "VirtualAppliance",
                            "nextHopIpAddress": next_hop,
                        },
                    }],
                });
                rt.purpose = format!(
                    "outbound path of the computes of {} through the firewall at {next_hop}",
                    n.name
                );
                info.kind = "firewall";
                info.resources = vec![rt_name];
                info.next_hop = Some(next_hop);
                Some(("routeTable", self.add(rt)))
            }
        };
        self.egress.insert(n.name.clone(), info);
        attach
    }

    /// The workspace's dependencies.
    fn dependencies(&mut self) -> Deps {
        let s = self.s;
        let main_rg = s.resource_group.as_str();
        let ws = &s.workspace;
        let dep = |b: &mut Builder<'a>,
                   key: &str,
                   ty: ResourceType,
                   name: Option<&String>,
                   existing: Option<&String>,
                   purpose: &str,
                   props: Value,
                   sku: Option<Value>,
                   kind: Option<&str>|
         -> Option<String> {
            if let Some(id) = existing {
                let r = b.existing(key, ty, id, purpose);
                return Some(b.add(r));
            }
            let name = name?;
            let mut r = b.new_resource(key, ty, name, main_rg);
            r.properties = props;
            r.sku = sku;
            r.kind = kind.map(str::to_string);
            r.purpose = purpose.to_string();
            Some(b.add(r))
        };
        let log_sym = if ws.existing.is_none()
            && ws
                .application_insights
                .as_ref()
                .is_some_and(|a| a.name.is_some())
        {
            let ln = ws
                .log_analytics
                .as_ref()
                .and_then(|l| l.name.clone())
                .unwrap_or_else(|| names::log_analytics(ws.name.as_deref().unwrap_or_default()));
            dep(
                self,
                "log analytics",
                catalog::LOG_ANALYTICS,
                Some(&ln),
                ws.log_analytics.as_ref().and_then(|l| l.existing.as_ref()),
                "Log Analytics workspace behind Application Insights",
                json!({
                    "sku": { "name": "PerGB2018" },
                    "retentionInDays": 90,
                    "publicNetworkAccessForIngestion": "Enabled",
                    "publicNetworkAccessForQuery": "Enabled",
                }),
                None,
                None,
            )
        } else {
            None
        };
        let appi = ws.application_insights.as_ref();
        let appi_sym = appi.and_then(|a| {
            dep(
                self,
                "application insights",
                catalog::APP_INSIGHTS,
                a.name.as_ref(),
                a.existing.as_ref(),
                "Application Insights of the workspace",
                json!({
                    "Application_Type": "web",
                    "WorkspaceResourceId": log_sym.as_deref().map_or(Value::Null, r#ref),
                    "DisableLocalAuth": true,
                }),
                None,
                Some("web"),
            )
        });
        // Zone redundancy where the region has availability zones (`catalog::zone_regions`).
        let zones = catalog::has_zones(s.cloud, &s.location);
        let st = ws.storage_account.as_ref();
        let storage_sym = st.and_then(|d| {
            dep(
                self,
                "storage",
                catalog::STORAGE,
                d.name.as_ref(),
                d.existing.as_ref(),
                "default storage account of the workspace",
                json!({
                    "accessTier": "Hot",
                    "allowBlobPublicAccess": false,
                    "allowSharedKeyAccess": false,
                    "allowCrossTenantReplication": false,
                    "defaultToOAuthAuthentication": true,
                    "minimumTlsVersion": "TLS1_2",
                    "supportsHttpsTrafficOnly": true,
                    "publicNetworkAccess": "Disabled",
                    "networkAcls": { "defaultAction": "Deny", "bypass": "AzureServices" },
                    "encryption": {
                        "keySource": "Microsoft.Storage",
                        "requireInfrastructureEncryption": true,
                        "services": {
                            "blob": { "enabled": true, "keyType": "Account" },
                            "file": { "enabled": true, "keyType": "Account" },
                        },
                    },
                }),
                Some(json!({ "name": catalog::storage_sku(zones) })),
                Some("StorageV2"),
            )
        });
        let kv = ws.key_vault.as_ref();
        let vault_sym = kv.and_then(|d| {
            dep(
                self,
                "key vault",
                catalog::KEY_VAULT,
                d.name.as_ref(),
                d.existing.as_ref(),
                "Key Vault of the workspace",
                json!({
                    "tenantId": { "$tenant": true },
                    "sku": { "family": "A", "name": "standard" },
                    "enableRbacAuthorization": true,
                    "enableSoftDelete": true,
                    "softDeleteRetentionInDays": 90,
                    "enablePurgeProtection": true,
                    "publicNetworkAccess": "Disabled",
                    "networkAcls": { "defaultAction": "Deny", "bypass": "AzureServices" },
                }),
                None,
                None,
            )
        });
        let cr = ws.container_registry.as_ref();
        let registry_sym = cr.and_then(|d| {
            dep(
                self,
                "registry",
                catalog::REGISTRY,
                d.name.as_ref(),
                d.existing.as_ref(),
                "container registry of the workspace (Premium, for private endpoints)",
                json!({
                    "adminUserEnabled": false,
                    "anonymousPullEnabled": false,
                    "publicNetworkAccess": "Disabled",
                    "networkRuleBypassOptions": "AzureServices",
                    "dataEndpointEnabled": false,
                    // Like the storage account's ZRS: both need a region with availability zones.
                    "zoneRedundancy": catalog::registry_zone_redundancy(zones),
                    // No quarantine (pulls wait for a scanner that is not there; batch endpoints
                    // do not support it) and no trust policy (Docker Content Trust cannot be
                    // enabled on new registries): see `catalog::REGISTRY_POLICIES_OFF`.
                    "policies": {
                        "retentionPolicy": { "days": 7, "status": "enabled" },
                        "exportPolicy": { "status": "disabled" },
                    },
                }),
                Some(json!({ "name": format!("{:?}", d.sku) })),
                None,
            )
        });

        Deps {
            app_insights: appi_sym,
            storage: storage_sym,
            vault: vault_sym,
            registry: registry_sym,
        }
    }

    /// The workspace, created or referenced; its symbol.
    fn workspace(&mut self, deps: &Deps) -> String {
        let s = self.s;
        let main_rg = s.resource_group.as_str();
        let ws = &s.workspace;
        // The workspace.
        let ws_sym = match (&ws.existing, &ws.name) {
            (Some(id), _) => {
                let r = self.existing(
                    "workspace",
                    catalog::WORKSPACE,
                    id,
                    "existing Azure Machine Learning workspace",
                );
                self.add(r)
            }
            (None, name) => {
                let name = name.clone().unwrap_or_default();
                let mut r = self.new_resource("workspace", catalog::WORKSPACE, &name, main_rg);
                r.identity = Some(json!({ "type": "SystemAssigned" }));
                r.sku = Some(json!({ "name": "Basic", "tier": "Basic" }));
                let mut props = serde_json::Map::new();
                props.insert("friendlyName".into(), json!(name));
                if !s.description.is_empty() {
                    props.insert("description".into(), json!(s.description));
                }
                let id_of = |sym: &Option<String>| sym.as_deref().map_or(Value::Null, r#ref);
                props.insert("storageAccount".into(), id_of(&deps.storage));
                props.insert("keyVault".into(), id_of(&deps.vault));
                props.insert("applicationInsights".into(), id_of(&deps.app_insights));
                if deps.registry.is_some() {
                    props.insert("containerRegistry".into(), id_of(&deps.registry));
                }
                props.insert("publicNetworkAccess".into(), param("publicNetworkAccess"));
                if let Some(c) = &ws.image_build_compute {
                    props.insert("imageBuildCompute".into(), json!(c));
                }
                // The storage account amlpe creates takes no shared key.
                if ws
                    .storage_account
                    .as_ref()
                    .is_some_and(|d| d.existing.is_none())
                {
                    props.insert(
                        "systemDatastoresAuthMode".into(),
                        json!(catalog::SYSTEM_DATASTORES_AUTH_MODE),
                    );
                }
                props.insert("v1LegacyMode".into(), json!(false));
                props.insert("hbiWorkspace".into(), json!(false));
                props.retain(|_, v| !v.is_null());
                r.properties = Value::Object(props);
                r.purpose = "Azure Machine Learning workspace".to_string();
                self.add(r)
            }
        };

        ws_sym
    }

    /// The roles of the people who use a new workspace (`catalog::USER_ROLES`): on the
    /// workspace, and on the storage account when amlpe creates it.
    fn users(&mut self, ws_sym: &str, deps: &Deps) {
        let s = self.s;
        let storage = (deps.storage.as_deref()).filter(|sym| {
            self.symbols
                .get(*sym)
                .is_some_and(|&i| !self.resources[i].existing)
        });
        for (i, u) in s.workspace.users.iter().enumerate() {
            let who = if u.name.is_empty() {
                &u.object_id
            } else {
                &u.name
            };
            for role in catalog::USER_ROLES {
                let (scope, label) = match role.on {
                    catalog::RoleScope::Workspace => (ws_sym, "the workspace"),
                    catalog::RoleScope::Storage => match storage {
                        Some(sym) => (sym, "the storage account"),
                        None => continue,
                    },
                };
                let rg = self.resources[self.symbols[scope]].resource_group.clone();
                let mut ra = self.new_resource(
                    &format!("user {} {}", i + 1, role.name),
                    catalog::ROLE_ASSIGNMENT,
                    &format!("{} for {who}", role.name),
                    &rg,
                );
                ra.location = None;
                ra.tags = false;
                ra.scope = Some(scope.to_string());
                ra.name_expr = Some(json!({ "$guid": [r#ref(scope), u.object_id, role.id] }));
                ra.properties = json!({
                    "roleDefinitionId": { "$role": role.id },
                    "principalId": u.object_id,
                    "principalType": u.kind.principal_type(),
                });
                ra.purpose = format!("{} for {who} on {label}", role.name);
                self.add(ra);
            }
        }
    }

    /// The private endpoints of every VNet.
    fn endpoints(&mut self, ws_sym: &str, deps: &Deps) -> Vec<Endpoint> {
        let s = self.s;
        // Private endpoints.
        let target_sym = |t: Target| -> Option<String> {
            match t {
                Target::Workspace => Some(ws_sym.to_string()),
                Target::StorageBlob | Target::StorageFile => deps.storage.clone(),
                Target::KeyVault => deps.vault.clone(),
                Target::ContainerRegistry => deps.registry.clone(),
            }
        };
        // Children of the workspace live in its group, which for an existing one is in its id.
        let mut endpoints: Vec<Endpoint> = Vec::new();
        for n in &s.networks {
            let Some(e) = &n.endpoints else { continue };
            let rg = names::network_resource_group(s, n);
            let loc_text = n.location.clone().unwrap_or_else(|| s.location.clone());
            let loc = n
                .location
                .as_deref()
                .map_or(param("location"), |l| json!(l));
            let subnet_sym = self
                .subnet_syms
                .get(&(n.name.clone(), e.subnet.clone()))
                .cloned()
                .unwrap_or_default();
            for t in &e.targets {
                let facts = catalog::target(*t);
                let Some(tsym) = target_sym(*t) else { continue };
                let name = names::private_endpoint(&n.name, *t);
                let mut r = self.new_resource(
                    &format!("pe {} {}", n.name, facts.short),
                    catalog::PRIVATE_ENDPOINT,
                    &name,
                    rg,
                );
                // An existing VNet may be in another subscription: its endpoints go there.
                r.subscription = names::network_subscription(n).map(str::to_string);
                r.location = Some(loc.clone());
                let connection = json!({
                    "name": name,
                    "properties": {
                        "privateLinkServiceId": r#ref(&tsym),
                        "groupIds": [facts.group_id],
                    },
                });
                let mut conn = connection;
                let key = if e.approval == Approval::Manual {
                    conn["properties"]["requestMessage"] = json!(format!(
                        "Private endpoint {name} in {} for {} (requested by the {} deployment)",
                        n.name, facts.label, s.name
                    ));
                    "manualPrivateLinkServiceConnections"
                } else {
                    "privateLinkServiceConnections"
                };
                r.properties = json!({
                    "subnet": { "id": r#ref(&subnet_sym) },
                    "customNetworkInterfaceName": format!("{name}-nic"),
                    key: [conn],
                });
                r.purpose = format!("private endpoint of the {} in {}", facts.label, n.name);
                let sym = self.add(r);
                endpoints.push(Endpoint {
                    symbol: sym,
                    name,
                    network: n.name.clone(),
                    network_symbol: self.vnet_syms.get(&n.name).cloned().unwrap_or_default(),
                    subnet: e.subnet.clone(),
                    subnet_symbol: subnet_sym.clone(),
                    resource_group: rg.to_string(),
                    location: loc_text.clone(),
                    target: *t,
                    target_label: facts.label.to_string(),
                    target_symbol: tsym,
                    group_id: facts.group_id.to_string(),
                    manual_approval: e.approval == Approval::Manual,
                    zone_group: None,
                    zones: catalog::zones(s.cloud, *t)
                        .into_iter()
                        .map(|z| EndpointZone {
                            key: z.key.to_string(),
                            zone: z.name.to_string(),
                            zone_symbol: None,
                            forward: z.forward.to_string(),
                        })
                        .collect(),
                });
            }
        }

        endpoints
    }

    /// Private DNS zones, their VNet links, and one zone group per endpoint.
    fn dns(&mut self, endpoints: &mut [Endpoint]) -> IndexMap<String, Zone> {
        let s = self.s;
        // Private DNS zones, their VNet links, and one zone group per endpoint.
        let mut zones: IndexMap<String, Zone> = IndexMap::new();
        let mut zone_keys: HashMap<String, String> = HashMap::new();
        // Each network's endpoints, in plan order.
        let mut endpoints_of: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in endpoints.iter().enumerate() {
            endpoints_of.entry(e.network.clone()).or_default().push(i);
        }
        for n in &s.networks {
            if n.dns.zones == ZoneMode::None || n.endpoints.is_none() {
                continue;
            }
            let mut seen_here = Vec::new();
            let here = endpoints_of
                .get(n.name.as_str())
                .map_or(&[][..], Vec::as_slice);
            for &ei in here {
                let ep = &mut endpoints[ei];
                for z in ep.zones.iter_mut() {
                    let zsym = zone_symbol(self, &mut zones, &mut zone_keys, s, n, &z.zone);
                    z.zone_symbol = Some(zsym.clone());
                    if n.dns.link && !seen_here.contains(&zsym) {
                        seen_here.push(zsym.clone());
                        let zone = zones.get_mut(&zsym).map(|z| {
                            z.links.push(n.name.clone());
                            z.resource_group.clone()
                        });
                        let zrg = zone.unwrap_or_default();
                        let mut link = self.new_resource(
                            &format!("link {} {}", z.key, n.name),
                            catalog::DNS_LINK,
                            &names::vnet_link(&n.name),
                            &zrg,
                        );
                        link.location = Some(json!("global"));
                        // A child lives where its parent does: an existing hub zone's links are
                        // created in the hub's subscription.
                        link.subscription = self.subscription_of(&zsym);
                        link.parent = Some(zsym.clone());
                        link.properties = json!({
                            "registrationEnabled": false,
                            "virtualNetwork": { "id": r#ref(self.vnet_syms.get(&n.name).map_or("", String::as_str)) },
                        });
                        link.purpose = format!("links {} to {}", z.zone, n.name);
                        self.add(link);
                    }
                }
                let configs: Vec<Value> = ep
                    .zones
                    .iter()
                    .map(|z| {
                        json!({
                            "name": z.key,
                            "properties": { "privateDnsZoneId": r#ref(z.zone_symbol.as_deref().unwrap_or_default()) },
                        })
                    })
                    .collect();
                let mut g = self.new_resource(
                    &format!("{} zone group", ep.symbol),
                    catalog::ZONE_GROUP,
                    names::ZONE_GROUP,
                    &ep.resource_group,
                );
                g.location = None;
                g.tags = false;
                g.subscription = self.subscription_of(&ep.symbol);
                g.parent = Some(ep.symbol.clone());
                g.properties = json!({ "privateDnsZoneConfigs": configs });
                g.purpose = format!("registers {} in its private DNS zones", ep.name);
                ep.zone_group = Some(self.add(g));
            }
        }

        zones
    }

    /// Compute clusters and instances.
    fn computes(&mut self, ws_sym: &str, endpoints: &[Endpoint]) {
        let ws_rg = self.resources[self.symbols[ws_sym]].resource_group.clone();
        let s = self.s;
        let ws = &s.workspace;
        for c in &s.computes {
            let subnet = self
                .subnet_syms
                .get(&(c.network.clone(), c.subnet.clone()))
                .cloned()
                .unwrap_or_default();
            let mut r = self.new_resource(
                &format!("compute {}", c.name),
                catalog::COMPUTE,
                &c.name,
                &ws_rg,
            );
            r.parent = Some(ws_sym.to_string());
            r.location = Some(
                c.location
                    .as_deref()
                    .map_or(param("location"), |l| json!(l)),
            );
            r.identity = Some(json!({ "type": "SystemAssigned" }));
            r.properties = match c.kind {
                ComputeKind::Cluster => json!({
                    "computeType": "AmlCompute",
                    "disableLocalAuth": true,
                    "properties": {
                        "vmSize": c.vm_size,
                        "vmPriority": "Dedicated",
                        "osType": "Linux",
                        "enableNodePublicIp": false,
                        "remoteLoginPortPublicAccess": "Disabled",
                        "isolatedNetwork": false,
                        "subnet": { "id": r#ref(&subnet) },
                        "scaleSettings": {
                            "minNodeCount": c.min_nodes(),
                            "maxNodeCount": c.max_nodes(),
                            "nodeIdleTimeBeforeScaleDown": "PT120S",
                        },
                    },
                }),
                ComputeKind::Instance => json!({
                    "computeType": "ComputeInstance",
                    "disableLocalAuth": true,
                    "properties": {
                        "vmSize": c.vm_size,
                        "enableNodePublicIp": false,
                        "subnet": { "id": r#ref(&subnet) },
                        "applicationSharingPolicy": "Personal",
                        "sshSettings": { "sshPublicAccess": "Disabled" },
                    },
                }),
            };
            r.depends_on = workspace_endpoints_in(endpoints, &c.network);
            r.purpose = match c.kind {
                ComputeKind::Cluster
                    if ws.image_build_compute.as_deref() == Some(c.name.as_str()) =>
                {
                    "compute cluster without public IPs; builds the workspace's images".to_string()
                }
                ComputeKind::Cluster => "compute cluster without public IPs".to_string(),
                ComputeKind::Instance => "compute instance without a public IP".to_string(),
            };
            self.add(r);
        }
    }

    /// AKS clusters, the Azure ML extension, and the attach.
    fn kubernetes(&mut self, ws_sym: &str, endpoints: &[Endpoint]) {
        let ws_rg = self.resources[self.symbols[ws_sym]].resource_group.clone();
        let s = self.s;
        let main_rg = s.resource_group.as_str();
        // AKS clusters, the Azure ML extension, and the attach.
        let service_cidr = service_cidr(s);
        for k in &s.kubernetes {
            let subnet = self
                .subnet_syms
                .get(&(k.network.clone(), k.subnet.clone()))
                .cloned()
                .unwrap_or_default();
            let net_rg = s
                .network(&k.network)
                .map_or(main_rg, |(_, n)| names::network_resource_group(s, n));
            let mut aks =
                self.new_resource(&format!("aks {}", k.name), catalog::AKS, &k.name, net_rg);
            aks.location = Some(
                k.location
                    .as_deref()
                    .map_or(param("location"), |l| json!(l)),
            );
            aks.identity = Some(json!({ "type": "SystemAssigned" }));
            aks.sku = Some(json!({ "name": "Base", "tier": "Standard" }));
            // Not set, see `catalog::AKS_SETTINGS_OFF`: `disableLocalAccounts` (unsupported by
            // Azure ML), `osDiskType` (AKS picks Ephemeral when the size allows it) and the
            // `omsagent` add-on (needs a data collection rule amlpe does not make).
            aks.properties = json!({
                "dnsPrefix": names::aks_dns_prefix(&k.name),
                "enableRBAC": true,
                "aadProfile": { "managed": true, "enableAzureRBAC": true },
                // No public FQDN: unsupported by Azure ML on a private cluster
                // (`catalog::AKS_PRIVATE_PUBLIC_FQDN`).
                "apiServerAccessProfile": {
                    "enablePrivateCluster": true,
                    "enablePrivateClusterPublicFQDN": catalog::AKS_PRIVATE_PUBLIC_FQDN,
                },
                "autoUpgradeProfile": { "upgradeChannel": "stable" },
                "networkProfile": {
                    "networkPlugin": "azure",
                    "networkPolicy": "azure",
                    "loadBalancerSku": "standard",
                    "serviceCidr": service_cidr.map(|c| c.to_string()),
                    "dnsServiceIP": service_cidr.map(dns_service_ip),
                },
                "agentPoolProfiles": [{
                    "name": "system",
                    "mode": "System",
                    "count": k.node_count,
                    "vmSize": k.vm_size,
                    "osType": "Linux",
                    "type": "VirtualMachineScaleSets",
                    "vnetSubnetID": r#ref(&subnet),
                    // The addresses E047 counts per node (`catalog::AKS_MAX_PODS`).
                    "maxPods": catalog::AKS_MAX_PODS,
                    "enableEncryptionAtHost": true,
                }],
                "addonProfiles": {
                    "azurepolicy": { "enabled": true },
                    "azureKeyvaultSecretsProvider": {
                        "enabled": true,
                        "config": { "enableSecretRotation": "true" },
                    },
                },
            });
            // The egress its subnet has (`catalog::aks_outbound_type`).
            let egress = s.network(&k.network).map(|(_, n)| n.egress());
            if let Some(t) = egress.as_ref().and_then(catalog::aks_outbound_type) {
                aks.properties["networkProfile"]["outboundType"] = json!(t);
            }
            aks.purpose = "AKS cluster for inference, in its own VNet".to_string();
            let aks_sym = self.add(aks);
            // Network Contributor for the cluster's identity on its subnet, which it does not
            // own: the inference router's internal load balancer goes there. `az aks create`
            // assigns it with the caller's rights, templates do not (`catalog::NETWORK_CONTRIBUTOR_ROLE`),
            // so every output assigns it explicitly, before the extension.
            let role = catalog::NETWORK_CONTRIBUTOR_ROLE;
            let mut ra = self.new_resource(
                &format!("aks {} network contributor", k.name),
                catalog::ROLE_ASSIGNMENT,
                &format!("Network Contributor for {}", k.name),
                net_rg,
            );
            ra.location = None;
            ra.tags = false;
            ra.scope = Some(subnet.clone());
            // A role assignment's name is a GUID: derived from what it grants, so a rerun
            // finds the same one.
            ra.name_expr = Some(json!({ "$guid": [r#ref(&subnet), r#ref(&aks_sym), role] }));
            ra.properties = json!({
                "roleDefinitionId": { "$role": role },
                "principalId": { "$principal": aks_sym },
                "principalType": "ServicePrincipal",
            });
            ra.purpose = format!(
                "Network Contributor for the identity of {} on its subnet (its load balancers)",
                k.name
            );
            let ra_sym = self.add(ra);
            let attach_deps = match k.attach_as {
                AttachKind::Kubernetes => {
                    let mut ext = self.new_resource(
                        &format!("aks {} azureml", k.name),
                        catalog::K8S_EXTENSION,
                        "azureml",
                        net_rg,
                    );
                    ext.location = None;
                    ext.tags = false;
                    ext.scope = Some(aks_sym.clone());
                    ext.identity = Some(json!({ "type": "SystemAssigned" }));
                    ext.depends_on.push(ra_sym.clone());
                    ext.properties = json!({
                        "extensionType": catalog::AML_EXTENSION_TYPE,
                        "releaseTrain": catalog::AML_EXTENSION_TRAIN,
                        "autoUpgradeMinorVersion": true,
                        "scope": { "cluster": { "releaseNamespace": "azureml" } },
                        "configurationSettings": {
                            "enableTraining": "False",
                            "enableInference": "True",
                            "inferenceRouterServiceType": "loadBalancer",
                            "internalLoadBalancerProvider": "azure",
                            "inferenceRouterHA": "True",
                        },
                    });
                    // HTTPS when the scenario names a certificate, else plain HTTP (W055):
                    // `catalog::AML_EXTENSION_TLS_SETTINGS`.
                    let (insecure, secret, cname) = catalog::AML_EXTENSION_TLS_SETTINGS;
                    let settings = &mut ext.properties["configurationSettings"];
                    match &k.tls {
                        Some(t) => {
                            settings[insecure] = json!("False");
                            settings[secret] = json!(t.secret);
                            settings[cname] = json!(t.cname);
                        }
                        None => settings[insecure] = json!("True"),
                    }
                    ext.purpose = "Azure ML extension: inference behind an internal load balancer"
                        .to_string();
                    vec![self.add(ext)]
                }
                AttachKind::Aks => Vec::new(),
            };
            let cname = names::attached_compute(k).to_string();
            let mut attach = self.new_resource(
                &format!("compute {cname}"),
                catalog::COMPUTE,
                &cname,
                &ws_rg,
            );
            attach.parent = Some(ws_sym.to_string());
            attach.location = Some(
                k.location
                    .as_deref()
                    .map_or(param("location"), |l| json!(l)),
            );
            attach.properties = match k.attach_as {
                AttachKind::Kubernetes => json!({
                    "computeType": "Kubernetes",
                    "resourceId": r#ref(&aks_sym),
                    "disableLocalAuth": true,
                    "properties": { "namespace": "azureml", "defaultInstanceType": "defaultinstancetype" },
                }),
                AttachKind::Aks => json!({
                    "computeType": "AKS",
                    "resourceId": r#ref(&aks_sym),
                    "disableLocalAuth": true,
                    "properties": {
                        "clusterPurpose": "FastProd",
                        "loadBalancerType": "InternalLoadBalancer",
                        "loadBalancerSubnet": k.subnet,
                    },
                }),
            };
            attach.depends_on = attach_deps;
            attach
                .depends_on
                .extend(workspace_endpoints_in(endpoints, &k.network));
            attach.purpose = match k.attach_as {
                AttachKind::Kubernetes => {
                    format!("attaches {} to the workspace as Kubernetes compute", k.name)
                }
                AttachKind::Aks => format!("attaches {} as the legacy AKS compute type", k.name),
            };
            self.add(attach);
        }
    }

    /// The groups, steps, parameters and outputs of what was planned: the plan.
    fn finish(
        mut self,
        ws_sym: &str,
        endpoints: Vec<Endpoint>,
        zones: IndexMap<String, Zone>,
        diagnostics: &[Diagnostic],
    ) -> Plan {
        let s = self.s;
        let ws = &s.workspace;
        let mut resources = self.resources;
        // The plan lives as long as the run: no room kept for resources that never come.
        resources.shrink_to_fit();
        let by_symbol: HashMap<String, usize> = self.symbols.into_iter().collect();
        let zones: Vec<Zone> = zones.into_values().collect();

        let (groups, scope) = resource_groups(s, &resources);
        let steps = steps(&groups, &resources, &by_symbol);
        let outputs = outputs(ws_sym, &endpoints, &zones);
        let parameters = parameters(s);

        let networks = s
            .networks
            .iter()
            .map(|n| NetworkInfo {
                name: n.name.clone(),
                symbol: self.vnet_syms.get(&n.name).cloned().unwrap_or_default(),
                resource_group: names::network_resource_group(s, n).to_string(),
                location: n.location.clone().unwrap_or_else(|| s.location.clone()),
                existing: n.existing.is_some(),
                dns: n.dns.zones,
                address_space: n.address_space.clone(),
                subnets: n
                    .subnets
                    .iter()
                    .map(|sn| SubnetInfo {
                        name: sn.name.clone(),
                        symbol: self
                            .subnet_syms
                            .get(&(n.name.clone(), sn.name.clone()))
                            .cloned()
                            .unwrap_or_default(),
                        prefix: sn.prefix.clone(),
                    })
                    .collect(),
                endpoint_subnet: n.endpoints.as_ref().map(|e| e.subnet.clone()),
                egress: self.egress.remove(&n.name),
            })
            .collect();

        let warnings = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .map(|d| Finding {
                rule: format!("{} {}", d.rule.id(), d.rule.slug()),
                field: d.path.to_string(),
                message: d.message.clone(),
                hint: d.hint.clone(),
            })
            .collect();

        Plan {
            scenario: s.name.clone(),
            description: s.description.clone(),
            cloud: catalog::cloud_name(s.cloud).to_string(),
            location: s.location.clone(),
            resource_group: s.resource_group.clone(),
            scope,
            workspace: by_symbol
                .get(ws_sym)
                .map(|&i| resources[i].name.clone())
                .unwrap_or_default(),
            workspace_existing: ws.existing.is_some(),
            public_network_access: ws.public_network_access.as_str().to_string(),
            resource_groups: groups,
            parameters,
            tags: s.tags.clone(),
            resources,
            endpoints,
            zones,
            steps,
            outputs,
            warnings,
            legacy: s.legacy.clone(),
            users: s.workspace.users.clone(),
            compute_subscription: compute_subscription(s),
            networks,
            by_symbol,
        }
    }
}

/// The subscription a new workspace must be deployed in because its computes' existing VNet
/// is there (`catalog::COMPUTE_VNET_SUBSCRIPTION`; validation refuses two of them).
fn compute_subscription(s: &Scenario) -> Option<String> {
    if s.workspace.existing.is_some() {
        return None;
    }
    let nets =
        (s.computes.iter().map(|c| &c.network)).chain(s.kubernetes.iter().map(|k| &k.network));
    nets.filter_map(|net| s.networks.iter().find(|n| &n.name == net))
        .find_map(names::network_subscription)
        .map(str::to_string)
}

/// Every group that holds a resource amlpe creates (the scenario's first), and the scope of the
/// deployment: a subscription when it creates groups besides the scenario's.
fn resource_groups(s: &Scenario, resources: &[Resource]) -> (Vec<ResourceGroupPlan>, Scope) {
    let main_rg = s.resource_group.as_str();
    let ws = &s.workspace;
    // Groups are told apart by subscription and name (`None`: the deploying subscription).
    let key = |sub: &Option<String>, name: &str| {
        format!("{}/{name}", sub.as_deref().unwrap_or_default()).to_lowercase()
    };
    let mut groups: IndexMap<String, ResourceGroupPlan> = IndexMap::new();
    groups.insert(
        key(&None, main_rg),
        ResourceGroupPlan {
            name: main_rg.to_string(),
            subscription: None,
            location: s.location.clone(),
            create: ws.existing.is_none(),
            exists: false,
        },
    );
    for r in resources.iter().filter(|r| !r.existing) {
        let g = groups
            .entry(key(&r.subscription, &r.resource_group))
            .or_insert_with(|| ResourceGroupPlan {
                name: r.resource_group.clone(),
                subscription: r.subscription.clone(),
                location: s.location.clone(),
                create: true,
                exists: false,
            });
        g.create = true;
    }
    // An existing resource's group exists, in its subscription and, as far as amlpe can tell,
    // in the deploying one when that is the same.
    for r in resources.iter().filter(|r| r.existing) {
        for k in [
            key(&r.subscription, &r.resource_group),
            key(&None, &r.resource_group),
        ] {
            if let Some(g) = groups.get_mut(&k) {
                g.exists = true;
            }
        }
    }
    // Nested deployments name their group and subscription; a group-scope deployment cannot
    // create groups, nor say which subscription its own group is in.
    let scope = if groups
        .values()
        .any(|g| g.create && (g.subscription.is_some() || !g.name.eq_ignore_ascii_case(main_rg)))
    {
        Scope::Subscription
    } else {
        Scope::ResourceGroup
    };

    (groups.into_values().collect(), scope)
}

/// The numbered steps: the groups to create, then every created resource in plan order.
fn steps(
    groups: &[ResourceGroupPlan],
    resources: &[Resource],
    by_symbol: &HashMap<String, usize>,
) -> Vec<Step> {
    let mut steps = Vec::new();
    // A group that holds an existing resource exists: no step creates it again (that fails
    // when its region differs from ours).
    for g in groups.iter().filter(|g| g.create && !g.exists) {
        steps.push(Step {
            n: steps.len() + 1,
            title: format!("resource group {}", g.name),
            kind: "resource-group",
            target: g.name.clone(),
        });
    }
    for r in resources.iter().filter(|r| !r.existing) {
        steps.push(Step {
            n: steps.len() + 1,
            title: step_title(r, resources, by_symbol),
            kind: "resource",
            target: r.symbol.clone(),
        });
    }

    steps
}

/// The template outputs: the ids of the workspace, of every endpoint and of every zone.
fn outputs(ws_sym: &str, endpoints: &[Endpoint], zones: &[Zone]) -> Vec<Output> {
    let mut outputs = vec![Output {
        name: "workspaceId".into(),
        description: "Resource id of the workspace".into(),
        value: r#ref(ws_sym),
    }];
    for e in endpoints {
        outputs.push(Output {
            name: format!("{}Id", e.symbol),
            description: format!("Resource id of private endpoint {}", e.name),
            value: r#ref(&e.symbol),
        });
    }
    for z in zones {
        outputs.push(Output {
            name: format!("{}Id", z.symbol),
            description: format!("Resource id of private DNS zone {}", z.name),
            value: r#ref(&z.symbol),
        });
    }

    outputs
}

/// The template parameters: the region, public access and the tags.
fn parameters(s: &Scenario) -> Vec<Parameter> {
    let ws = &s.workspace;
    vec![
        Parameter {
            name: "location".into(),
            ty: "string".into(),
            description: "Region of the workspace, its dependencies and computes".into(),
            default: json!(s.location),
            allowed: Vec::new(),
        },
        Parameter {
            name: "publicNetworkAccess".into(),
            ty: "string".into(),
            description: "Whether the workspace also accepts traffic on its public endpoint".into(),
            default: json!(ws.public_network_access.as_str()),
            allowed: vec!["Enabled".into(), "Disabled".into()],
        },
        Parameter {
            name: "tags".into(),
            ty: "object".into(),
            description: "Tags applied to every resource this deployment creates".into(),
            default: serde_json::to_value(&s.tags).unwrap_or_default(),
            allowed: Vec::new(),
        },
    ]
}

/// What a compute in `network` is created after: the workspace endpoints (their zone groups,
/// when planned) of its own VNet, since nodes without public IPs reach the workspace only
/// through them; in a VNet without a workspace endpoint (W052), all of them. Depending on the
/// endpoints of every VNet would serialise nothing more and make each compute's list as long
/// as the estate.
fn workspace_endpoints_in(endpoints: &[Endpoint], network: &str) -> Vec<String> {
    let dep = |e: &&Endpoint| e.zone_group.clone().unwrap_or_else(|| e.symbol.clone());
    let ws: Vec<&Endpoint> = endpoints
        .iter()
        .filter(|e| e.target == Target::Workspace)
        .collect();
    let own: Vec<String> = ws
        .iter()
        .filter(|e| e.network == network)
        .map(dep)
        .collect();
    if own.is_empty() {
        ws.iter().map(dep).collect()
    } else {
        own
    }
}

/// The zone resource for `zone` as seen from VNet `n`: created in its DNS group, or the
/// existing one named by id. Zones shared by several VNets are planned once.
fn zone_symbol(
    b: &mut Builder,
    zones: &mut IndexMap<String, Zone>,
    by_key: &mut HashMap<String, String>,
    s: &Scenario,
    n: &Network,
    zone: &str,
) -> String {
    let facts = Target::ALL
        .iter()
        .flat_map(|t| catalog::zones(s.cloud, *t))
        .find(|z| z.name == zone);
    let short = facts.map_or("zone", |z| z.key);
    let existing_id = (n.dns.zones == ZoneMode::Existing).then(|| {
        n.dns
            .zone_ids
            .iter()
            .find(|id| {
                id.rsplit('/')
                    .next()
                    .is_some_and(|x| x.eq_ignore_ascii_case(zone))
            })
            .cloned()
            .unwrap_or_default()
    });
    let rg = names::dns_resource_group(s, n).to_string();
    let key = match &existing_id {
        Some(id) => format!("id:{}", id.to_lowercase()),
        None => format!("rg:{}/{zone}", names::zone_home(s, n)),
    };
    if let Some(sym) = by_key.get(&key) {
        return sym.clone();
    }
    let mut r = match &existing_id {
        Some(id) => b.existing(
            &format!("zone {short} {}", n.name),
            catalog::DNS_ZONE,
            id,
            "existing private DNS zone",
        ),
        None => {
            let shared = b
                .zone_sharers
                .get(&names::zone_home(s, n))
                .is_some_and(|&c| c > 1);
            let label = if shared || s.networks.len() == 1 {
                format!("zone {short}")
            } else {
                format!("zone {short} {}", n.name)
            };
            let mut r = b.new_resource(&label, catalog::DNS_ZONE, zone, &rg);
            r.subscription = names::dns_subscription(n).map(str::to_string);
            r.location = Some(json!("global"));
            r.properties = json!({});
            r.purpose = format!("private DNS zone for {}", n.name);
            r
        }
    };
    // Existing zones too: templates refer to them by name, and spell no cloud host.
    if let Some(ZoneSpelling::EnvSuffix { prefix, suffix }) = facts.map(|f| f.spelling) {
        r.name_expr = Some(json!({ "$env": suffix, "$prefix": prefix }));
    }
    let zone_rg = r.resource_group.clone();
    let existing = r.existing;
    let sym = b.add(r);
    by_key.insert(key, sym.clone());
    zones.insert(
        sym.clone(),
        Zone {
            symbol: sym.clone(),
            name: zone.to_string(),
            resource_group: zone_rg,
            existing,
            links: Vec::new(),
        },
    );
    sym
}

fn step_title(r: &Resource, all: &[Resource], by_symbol: &HashMap<String, usize>) -> String {
    let parent = r
        .parent
        .as_ref()
        .and_then(|p| by_symbol.get(p).map(|&i| &all[i]))
        .map(|p| p.name.as_str());
    let what = catalog::resource_type(&r.ty).map_or("resource", |t| t.noun);
    match parent {
        Some(p) => format!("{what} {} of {p}", r.name),
        None => format!("{what} {}", r.name),
    }
}

/// A Kubernetes service range that overlaps no VNet of the scenario (AKS's default,
/// 10.0.0.0/16, collides with the most common VNet range).
fn service_cidr(s: &Scenario) -> Option<Ipv4Net> {
    let used: Vec<Ipv4Net> = s
        .networks
        .iter()
        .flat_map(|n| n.address_space.iter().filter_map(|a| a.parse().ok()))
        .collect();
    [
        "10.240.0.0/16",
        "172.20.0.0/16",
        "192.168.128.0/20",
        "100.64.0.0/16",
    ]
    .iter()
    .filter_map(|c| c.parse::<Ipv4Net>().ok())
    .find(|c| {
        !used
            .iter()
            .any(|u| u.contains(&c.network()) || c.contains(&u.network()))
    })
}

fn dns_service_ip(c: Ipv4Net) -> String {
    let base = u32::from(c.network());
    std::net::Ipv4Addr::from(base + 10).to_string()
}

#[cfg(test)]
mod tests {
    use heck::ToLowerCamelCase;
    use proptest::prelude::*;

    use super::lower_camel;

    #[test]
    fn lower_camel_is_hecks() {
        for label in [
            "",
            "vnet vnet-spoke-00001",
            "pe vnet-a blob",
            "zone api",
            "link api vnet_b.c",
            " -leading and trailing- ",
            "a--b  c",
            "9lives 2x",
            "Already Capital",
            "mixedUP CamelCase",
            "ünïcode vnet",
            "ΣΑΣ",
        ] {
            assert_eq!(lower_camel(label), label.to_lower_camel_case(), "{label:?}");
        }
    }

    proptest! {
        #[test]
        fn lower_camel_matches_heck_on_any_text(label in "[a-z0-9 ._/-]{0,40}|[ -~]{0,40}|\\PC{0,12}") {
            prop_assert_eq!(lower_camel(&label), label.to_lower_camel_case());
        }
    }
}
