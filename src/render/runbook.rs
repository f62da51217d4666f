//! The runbook: the one document an operator follows and a reviewer signs off, rendered from
//! the plan so it names exactly what the Bicep, ARM and scripts deploy.
//!
//! The templates (compiled into the binary by askama) see [`Runbook`], built here from the
//! plan: names, address ranges, zone names per cloud, step numbers and the topology diagram as
//! nodes and edges. Every scenario value reaches Markdown through the `md`/`mdcode` filters,
//! Mermaid labels through `mermaid`, and shell commands through `sh`; Mermaid node ids are
//! derived here from plan symbols and hold only ASCII letters, digits and underscores.
//!
//! Building the view indexes the plan once (symbols, steps, VNets, links), so the work grows
//! with the size of the runbook, not with the square of the estate.

use std::collections::BTreeSet;

use askama::Template;
use serde_json::Value;

use super::stream::{self, Filter as _, Text, Tidy};
use super::{escape, paths, Context, RenderError};
use crate::catalog;
use crate::emit::OutFile;
use crate::fxhash::{FxHashMap, FxHashSet};
use crate::plan::{Endpoint, NetworkInfo, Plan, Resource, Scope, Zone};
use crate::scenario::{Cloud, Legacy, Target};

/// The filters of the runbook templates: the escapers (`md`, `mdcode`, `mermaid`, `sh`,
/// `comment`, ...). `pluralize` is askama's own.
mod filters {
    pub use crate::render::escape::filters::*;
}

/// Beyond this many VNets the diagram draws the first ones and sums up the rest in one node:
/// Mermaid refuses large diagrams, and nobody reads a hundred subgraphs.
const DIAGRAM_VNETS: usize = 4;

/// Lists in running text name this many items, then count the rest.
const FEW: usize = 6;

/// The index of all scenarios, at the top of the output folder.
const INDEX: &str = "README.md";

/// The files of this kind for one scenario: (path inside the scenario folder, contents).
/// The runbook is tidied and written into its file as it is rendered.
pub fn render<'a>(
    plan: &'a Plan,
    ctx: &'a Context,
) -> Result<Vec<(String, Text<'a>)>, RenderError> {
    let runbook = Runbook::build(plan, ctx);
    let text = Text::stream(move |w| {
        let mut tidy = Tidy::new(w);
        runbook.write_into(&mut tidy)?;
        tidy.finish().map(drop)
    });
    Ok(vec![(paths::RUNBOOK.to_string(), text)])
}

/// The view of `runbook/README.md`, the index of all scenarios.
#[derive(Template)]
#[template(path = "runbook/README.md", escape = "none")]
struct IndexPage {
    header: String,
    scenarios: Vec<IndexLine>,
}

struct IndexLine {
    name: String,
    link: String,
    description: String,
    cloud: &'static str,
    location: String,
    workspace: String,
    workspace_existing: bool,
    vnets: usize,
    endpoints: usize,
}

/// `out/README.md`: one line per scenario.
pub fn render_index(plans: &[(Plan, Context)]) -> Result<Vec<OutFile>, RenderError> {
    let mut scenarios: Vec<IndexLine> = plans
        .iter()
        .map(|(p, _)| IndexLine {
            name: p.scenario.clone(),
            link: format!("{}/{}", p.scenario, paths::RUNBOOK),
            description: p.description.clone(),
            cloud: cloud_label(cloud_of(p)),
            location: p.location.clone(),
            workspace: p.workspace.clone(),
            workspace_existing: p.workspace_existing,
            vnets: p.networks.len(),
            endpoints: p.endpoints.len(),
        })
        .collect();
    scenarios.sort_by(|a, b| a.name.cmp(&b.name));
    // The index describes a folder of scenario files: name the folder, not one file.
    let folders: BTreeSet<String> = plans
        .iter()
        .map(|(_, c)| {
            std::path::Path::new(&c.source)
                .parent()
                .map(|p| p.display().to_string())
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| ".".to_string())
        })
        .collect();
    let source = folders.into_iter().collect::<Vec<_>>().join(", ");
    let header = html_comment(&Context::new(&format!("{source}/")).header);
    let text = super::render("runbook/README.md", &IndexPage { header, scenarios })?;
    Ok(vec![OutFile {
        path: INDEX.into(),
        contents: tidy(&text),
    }])
}

/// The text of an HTML comment: no control characters, and no `--` that could end it early.
fn html_comment(s: &str) -> String {
    let mut out = escape::comment(s);
    while out.contains("--") {
        out = out.replace("--", "- -");
    }
    out
}

/// One blank line at most between blocks, no trailing spaces, one final newline: templates
/// stay readable and markdownlint stays quiet.
fn tidy(s: &str) -> String {
    stream::filtered(s, Tidy::new(Vec::with_capacity(s.len())))
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A message as a sentence: a final period unless it ends in punctuation already.
fn sentence(s: &str) -> String {
    let t = s.trim_end();
    if t.ends_with(['.', '!', '?', ':']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

fn cloud_of(p: &Plan) -> Cloud {
    serde_json::from_value(Value::String(p.cloud.clone())).unwrap_or_default()
}

fn cloud_label(c: Cloud) -> &'static str {
    match c {
        Cloud::AzureCloud => "Azure public cloud",
        Cloud::AzureUSGovernment => "Azure Government",
        Cloud::AzureChinaCloud => "Azure operated by 21Vianet (China)",
    }
}

/// Ranges of step numbers, `3–5, 12`; empty when there are none.
fn ranges(mut ns: Vec<usize>) -> String {
    ns.sort_unstable();
    ns.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ns.len() {
        let start = ns[i];
        let mut end = start;
        while i + 1 < ns.len() && ns[i + 1] == end + 1 {
            i += 1;
            end = ns[i];
        }
        parts.push(if end > start {
            format!("{start}–{end}")
        } else {
            start.to_string()
        });
        i += 1;
    }
    parts.join(", ")
}

fn ref_of(v: &Value) -> Option<&str> {
    v.get("$ref").and_then(Value::as_str)
}

/// A resource's location as text: the scenario's region unless the plan pins another.
fn location_of<'a>(r: &'a Resource, plan: &'a Plan) -> &'a str {
    r.location
        .as_ref()
        .and_then(Value::as_str)
        .unwrap_or(&plan.location)
}

fn type_label(ty: &str) -> &'static str {
    catalog::resource_type(ty).map_or("Resource", |t| t.label)
}

/// `Some` with text, `None` without: the runbook leaves out an empty subscription as it does
/// a missing one.
fn nonempty(s: Option<&String>) -> Option<String> {
    s.filter(|s| !s.is_empty()).cloned()
}

/// Zones gathered per (group, subscription), in the order first met.
fn zone_sets<'p>(ix: &Index<'p>, zones: impl Iterator<Item = &'p Zone>) -> Vec<ZoneSetView> {
    let mut sets: Vec<ZoneSetView> = Vec::new();
    let mut at: FxHashMap<(&str, Option<&str>), usize> = FxHashMap::default();
    for z in zones {
        let sub = ix.get(&z.symbol).and_then(|r| r.subscription.as_ref());
        let key = (z.resource_group.as_str(), sub.map(String::as_str));
        match at.get(&key) {
            Some(&i) => sets[i].zones.push(z.name.clone()),
            None => {
                at.insert(key, sets.len());
                sets.push(ZoneSetView {
                    group: z.resource_group.clone(),
                    subscription: nonempty(sub),
                    zones: vec![z.name.clone()],
                });
            }
        }
    }
    sets
}

/// The plan, indexed once so views of large estates stay linear.
struct Index<'p> {
    plan: &'p Plan,
    step_of: FxHashMap<&'p str, usize>,
    /// Resource type -> its resources, in plan order.
    by_type: FxHashMap<&'p str, Vec<&'p Resource>>,
    /// Subnet symbol -> (VNet name, subnet name).
    subnet_place: FxHashMap<&'p str, (&'p str, &'p str)>,
    /// VNet name -> its summary.
    network: FxHashMap<&'p str, &'p NetworkInfo>,
    /// VNet name -> the endpoints in it, in plan order.
    by_vnet: FxHashMap<&'p str, Vec<&'p Endpoint>>,
    /// Zone symbol -> the zone.
    zone: FxHashMap<&'p str, &'p Zone>,
    /// (zone symbol, VNet name) for every link of a zone to a VNet.
    linked: FxHashSet<(&'p str, &'p str)>,
}

impl<'p> Index<'p> {
    fn new(plan: &'p Plan) -> Self {
        let mut step_of = FxHashMap::with_capacity_and_hasher(plan.steps.len(), Default::default());
        for s in plan.steps.iter().filter(|s| s.kind == "resource") {
            step_of.insert(s.target.as_str(), s.n);
        }
        let mut by_type: FxHashMap<&str, Vec<&Resource>> = FxHashMap::default();
        for r in &plan.resources {
            by_type.entry(r.ty.as_str()).or_default().push(r);
        }
        let mut subnet_place = FxHashMap::default();
        let mut network =
            FxHashMap::with_capacity_and_hasher(plan.networks.len(), Default::default());
        for n in &plan.networks {
            network.entry(n.name.as_str()).or_insert(n);
            for s in &n.subnets {
                subnet_place.insert(s.symbol.as_str(), (n.name.as_str(), s.name.as_str()));
            }
        }
        let mut by_vnet: FxHashMap<&str, Vec<&Endpoint>> =
            FxHashMap::with_capacity_and_hasher(plan.networks.len(), Default::default());
        for e in &plan.endpoints {
            by_vnet.entry(e.network.as_str()).or_default().push(e);
        }
        let mut zone = FxHashMap::with_capacity_and_hasher(plan.zones.len(), Default::default());
        let mut linked = FxHashSet::with_capacity_and_hasher(plan.zones.len(), Default::default());
        for z in &plan.zones {
            zone.entry(z.symbol.as_str()).or_insert(z);
            linked.extend(z.links.iter().map(|l| (z.symbol.as_str(), l.as_str())));
        }
        Self {
            plan,
            step_of,
            by_type,
            subnet_place,
            network,
            by_vnet,
            zone,
            linked,
        }
    }

    fn get(&self, symbol: &str) -> Option<&'p Resource> {
        self.plan.resource(symbol)
    }

    /// Children live in their parent's group (a referenced subnet's own record may not say so).
    fn group_of(&self, r: &'p Resource) -> &'p str {
        let mut cur = r;
        for _ in 0..4 {
            match cur.parent.as_deref().and_then(|p| self.get(p)) {
                Some(p) => cur = p,
                None => break,
            }
        }
        &cur.resource_group
    }

    fn display_name(&self, r: &Resource) -> String {
        let owner = r
            .parent
            .as_deref()
            .or(r.scope.as_deref())
            .and_then(|p| self.get(p));
        match owner {
            Some(p) => format!("{}/{}", p.name, r.name),
            None => r.name.clone(),
        }
    }

    fn step(&self, symbol: &str) -> Option<usize> {
        self.step_of.get(symbol).copied()
    }

    fn of_type(&self, ty: catalog::ResourceType) -> impl Iterator<Item = &'p Resource> + '_ {
        self.by_type.get(ty.name).into_iter().flatten().copied()
    }

    fn endpoints_in(&self, vnet: &str) -> &[&'p Endpoint] {
        self.by_vnet.get(vnet).map_or(&[], Vec::as_slice)
    }

    fn is_linked(&self, zone: &str, vnet: &str) -> bool {
        self.linked.contains(&(zone, vnet))
    }
}

// ---------------------------------------------------------------------------------------------
// The view.

/// What `runbook/RUNBOOK.md` (and the `diagram.mmd` and `spec-row.md` it includes) sees.
/// Templates escape every value themselves; `escape = "none"` only keeps askama's HTML
/// escaping out of Markdown.
#[derive(Template)]
#[template(path = "runbook/RUNBOOK.md", escape = "none")]
struct Runbook {
    header: String,
    scenario: String,
    description: String,
    cloud_label: &'static str,
    portal: &'static str,
    location: String,
    resource_group: String,
    workspace: String,
    workspace_group: String,
    workspace_existing: bool,
    public_access: String,
    public_enabled: bool,
    subscription_scope: bool,
    /// `isolated`, `add` or `single`: which part of the spec the deployment follows.
    topology: &'static str,
    dependencies: Vec<Named>,
    parameters: Vec<ParameterView>,
    existing_zones: Vec<ZoneSetView>,
    /// Regions of the VNets that hold endpoints, each once.
    vnet_regions: Vec<String>,
    /// The public zone of the workspace's API in this cloud (`api.azureml.ms` ...).
    api_forward: &'static str,
    groups: Vec<GroupView>,
    vnets: Vec<VnetView>,
    diagram: Diagram,
    deploy: Deploy,
    steps: Vec<StepView>,
    spec: SpecMap,
    ops: Ops,
    limits: Limits,
    warnings: Vec<WarningView>,
    teardown: Teardown,
    files: Files,
}

#[derive(Clone)]
struct Named {
    label: &'static str,
    name: String,
    group: String,
    existing: bool,
}

struct ParameterView {
    name: String,
    value: String,
    description: String,
}

struct GroupView {
    name: String,
    /// Holds resources this deployment creates.
    create: bool,
    /// Holds resources that exist and must outlive a teardown.
    holds_existing: bool,
    subscription: Option<String>,
    resources: Vec<ResourceRow>,
}

struct ResourceRow {
    kind: &'static str,
    name: String,
    purpose: String,
    existing: bool,
}

struct VnetView {
    name: String,
    symbol: String,
    group: String,
    location: String,
    existing: bool,
    address_space: String,
    subnets: Vec<SubnetView>,
    endpoint_subnet: String,
    endpoint_prefix: String,
    endpoints: Vec<EndpointView>,
    has_workspace_endpoint: bool,
    missing_dependencies: Vec<&'static str>,
    computes: Vec<ComputeView>,
    aks: Vec<AksView>,
    /// What the VNet is for: its computes, AKS clusters, clients.
    roles: String,
    /// Clients sit in a subnet of this VNet (or reach it by peering, VPN or ExpressRoute).
    clients: bool,
    clients_subnet: String,
    records: Vec<Record>,
    /// The zones of the VNet's endpoints, gathered per resource group for the record listing.
    zone_sets: Vec<ZoneSetView>,
    unlinked_zones: Vec<String>,
    add_script: String,
    remove_script: String,
}

struct SubnetView {
    name: String,
    symbol: String,
    prefix: String,
    role: String,
}

struct EndpointView {
    name: String,
    target: &'static str,
    target_label: String,
    target_name: String,
    target_group: String,
    target_type: String,
    group_id: String,
    /// The plan symbol of the target, for the diagram's edges.
    target_symbol: String,
    zones: Vec<String>,
    /// Each zone with the group that holds it, for the portal's DNS integration.
    zone_places: Vec<String>,
    manual: bool,
    zone_group: bool,
    step: String,
}

#[derive(Clone)]
struct ComputeView {
    name: String,
    kind: &'static str,
    vnet: String,
    subnet: String,
    location: String,
    same_region: bool,
}

#[derive(Clone)]
struct AksView {
    name: String,
    vnet: String,
    subnet: String,
    location: String,
    same_region: bool,
    compute: String,
    /// `Kubernetes` (the Azure ML extension) or the legacy `AKS` compute type.
    attach_as: String,
    extension: Option<String>,
    cluster_step: Option<usize>,
    /// Steps of the extension and the attach.
    attach_steps: Vec<usize>,
}

struct Record {
    host: String,
    record: String,
    zone: String,
    target_label: String,
    /// The `nslookup` argument, shell-quoted; empty when the name holds a part only Azure
    /// knows (the notebooks record).
    lookup: String,
}

struct ZoneSetView {
    group: String,
    subscription: Option<String>,
    zones: Vec<String>,
}

struct StepView {
    n: usize,
    title: String,
}

struct WarningView {
    rule: String,
    field: String,
    message: String,
    hint: Option<String>,
}

struct Files {
    bicep: &'static str,
    bicep_params: &'static str,
    arm: &'static str,
    arm_params: &'static str,
    workspace_yaml: Option<&'static str>,
    deploy: &'static str,
    enable_public: &'static str,
    disable_public: &'static str,
    legacy_cli: Option<&'static str>,
    legacy_sdk: Option<&'static str>,
    cli_v1_end: &'static str,
    sdk_v1_end: &'static str,
}

struct Deploy {
    name: String,
    cloud_set: Option<String>,
    /// The scenario's group is made with `az group create` before a group-scope deployment.
    create_group: bool,
    /// Groups that receive resources.
    groups: Vec<String>,
    /// Of those, the groups the deployment creates, and the ones that must exist already.
    new_groups: Vec<String>,
    existing_groups: Vec<String>,
    /// Targets whose connections wait for approval, each once, with their endpoints.
    manual: Vec<ManualTarget>,
}

struct ManualTarget {
    endpoints: Vec<String>,
    label: String,
    name: String,
    group: String,
    ty: String,
}

/// A row of the table that maps the spec's steps to the plan's numbered steps. `key` picks
/// the spec's wording in the template.
struct SpecRow {
    key: &'static str,
    vnet: String,
    steps: String,
    names: Vec<String>,
    zones: Vec<String>,
    /// Further names a row needs (the computes an AKS attach creates).
    other: Vec<String>,
    existing: bool,
}

struct SpecMap {
    /// Rows before the isolated VNets (the workspace and the VNet that holds its dependencies).
    base: Vec<SpecRow>,
    primary: String,
    isolated: Vec<IsolatedVnet>,
    after: Vec<SpecRow>,
}

struct IsolatedVnet {
    vnet: String,
    /// `clients` or `aks`: the spec scenario this VNet follows.
    kind: &'static str,
    rows: Vec<SpecRow>,
}

struct Ops {
    vnets: Vec<OpsVnet>,
}

struct OpsVnet {
    vnet: String,
    add_script: String,
    remove_script: String,
    endpoints: Vec<String>,
    computes: Vec<String>,
    holds_dependencies: bool,
    /// Another VNet that keeps a workspace endpoint next to the dependency endpoints when
    /// this one's go, and how many more do.
    other_dependency_vnet: String,
    other_dependency_more: usize,
}

struct Limits {
    /// VNets with a workspace endpoint and endpoints for every dependency (the first few),
    /// how many more there are, and those that lack some.
    complete: Vec<String>,
    complete_more: usize,
    incomplete: Vec<String>,
    computes: Vec<ComputeView>,
    aks: Vec<AksView>,
    multi: bool,
    primary: String,
    forward_zones: Vec<String>,
    image_build: Option<String>,
    synapse: bool,
    manual: Vec<String>,
}

struct Teardown {
    computes: Vec<TdCompute>,
    extensions: Vec<TdNamed>,
    aks: Vec<TdNamed>,
    workspace: Option<TdNamed>,
    resources: Vec<TdResource>,
    groups: Vec<String>,
    kept_groups: Vec<String>,
    vault: Option<TdVault>,
}

struct TdCompute {
    name: String,
    detach: bool,
}

struct TdNamed {
    name: String,
    group: String,
    parent: String,
}

struct TdResource {
    /// `pe`, `link`, `zone`, `vnet`, `nsg`, `storage`, `vault`, `registry`, `appi`, `log`.
    kind: &'static str,
    name: String,
    group: String,
    zone: String,
    subscription: Option<String>,
}

struct TdVault {
    name: String,
    days: u64,
    purge_protection: bool,
}

// ---------------------------------------------------------------------------------------------
// The diagram: subgraphs of nodes, and edges, in the order Mermaid should lay them out.

#[derive(Default)]
struct Diagram {
    blocks: Vec<Block>,
    edges: Vec<Edge>,
    classes: Vec<ClassLine>,
}

struct Block {
    id: String,
    label: String,
    class: &'static str,
    nodes: Vec<Node>,
    subs: Vec<Block>,
}

struct Node {
    id: String,
    lines: Vec<String>,
    open: &'static str,
    close: &'static str,
}

struct Edge {
    from: String,
    to: String,
    dotted: bool,
    label: Option<String>,
}

struct ClassLine {
    class: &'static str,
    ids: String,
}

/// Mermaid node ids: a kind prefix and the plan symbol reduced to ASCII letters, digits and
/// underscores, unique within the diagram (the prefix keeps ids off Mermaid's keywords such as
/// `end`, and off the `o`/`x` edge markers).
#[derive(Default)]
struct Ids {
    used: FxHashSet<String>,
}

impl Ids {
    fn make(&mut self, prefix: &str, symbol: &str) -> String {
        let clean: String = symbol
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let base = format!("{prefix}_{clean}");
        let mut id = base.clone();
        let mut n = 2;
        while !self.used.insert(id.clone()) {
            id = format!("{base}_{n}");
            n += 1;
        }
        id
    }
}

fn rect(id: String, lines: Vec<String>) -> Node {
    Node {
        id,
        lines,
        open: "[",
        close: "]",
    }
}

fn shaped(id: String, lines: Vec<String>, open: &'static str, close: &'static str) -> Node {
    Node {
        id,
        lines,
        open,
        close,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right,
}

// ---------------------------------------------------------------------------------------------

impl Runbook {
    fn build(plan: &Plan, ctx: &Context) -> Self {
        let ix = Index::new(plan);
        let cloud = cloud_of(plan);
        let ws = ix.of_type(catalog::WORKSPACE).next();
        let workspace_group =
            ws.map_or(plan.resource_group.clone(), |w| ix.group_of(w).to_string());

        let dependencies: Vec<Named> = [
            (catalog::STORAGE, "storage account"),
            (catalog::KEY_VAULT, "key vault"),
            (catalog::REGISTRY, "container registry"),
            (catalog::APP_INSIGHTS, "Application Insights"),
            (catalog::LOG_ANALYTICS, "Log Analytics workspace"),
        ]
        .iter()
        .flat_map(|(ty, label)| {
            ix.of_type(*ty).map(|r| Named {
                label,
                name: r.name.clone(),
                group: ix.group_of(r).to_string(),
                existing: r.existing,
            })
        })
        .collect();

        let computes = computes(&ix);
        let aks = aks_clusters(&ix);
        let vnets = vnet_views(&ix, cloud, &computes, &aks);
        let multi = vnets.iter().filter(|v| v.has_workspace_endpoint).count() > 1;
        let topology = if multi {
            "isolated"
        } else if plan.workspace_existing {
            "add"
        } else {
            "single"
        };
        let primary = primary_vnet(&vnets);

        let endpoint_views: Vec<&EndpointView> =
            vnets.iter().flat_map(|v| v.endpoints.iter()).collect();
        // Targets whose endpoints wait for approval, each once, in the order first met.
        let mut manual: Vec<ManualTarget> = Vec::new();
        let mut manual_at: FxHashMap<(&str, &str), usize> = FxHashMap::default();
        for e in endpoint_views.iter().filter(|e| e.manual) {
            let key = (e.target_name.as_str(), e.target_type.as_str());
            match manual_at.get(&key) {
                Some(&i) => manual[i].endpoints.push(e.name.clone()),
                None => {
                    manual_at.insert(key, manual.len());
                    manual.push(ManualTarget {
                        endpoints: vec![e.name.clone()],
                        label: match e.target {
                            "storage-blob" | "storage-file" => "storage account".to_string(),
                            _ => e.target_label.clone(),
                        },
                        name: e.target_name.clone(),
                        group: e.target_group.clone(),
                        ty: e.target_type.clone(),
                    });
                }
            }
        }

        let mut forward_zones: Vec<String> = catalog::forwarded_workspace_zones(cloud)
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut forwarded: FxHashSet<String> = forward_zones.iter().cloned().collect();
        for e in &plan.endpoints {
            for z in &e.zones {
                if forwarded.insert(z.forward.clone()) {
                    forward_zones.push(z.forward.clone());
                }
            }
        }

        let image_build = ws
            .and_then(|w| w.properties.get("imageBuildCompute"))
            .and_then(Value::as_str)
            .map(str::to_string);

        let steps = plan
            .steps
            .iter()
            .map(|s| StepView {
                n: s.n,
                title: s.title.clone(),
            })
            .collect();

        let complete: Vec<&str> = vnets
            .iter()
            .filter(|v| v.has_workspace_endpoint && v.missing_dependencies.is_empty())
            .map(|v| v.name.as_str())
            .collect();
        // Complete VNets per name, to count the others of each VNet without a scan per VNet.
        let mut complete_named: FxHashMap<&str, usize> = FxHashMap::default();
        for c in &complete {
            *complete_named.entry(c).or_default() += 1;
        }
        let ops = Ops {
            vnets: vnets
                .iter()
                .filter(|v| !v.endpoints.is_empty())
                .map(|v| {
                    let others = complete.len() - complete_named.get(v.name.as_str()).unwrap_or(&0);
                    OpsVnet {
                        vnet: v.name.clone(),
                        add_script: v.add_script.clone(),
                        remove_script: v.remove_script.clone(),
                        endpoints: v.endpoints.iter().map(|e| e.name.clone()).collect(),
                        computes: v
                            .computes
                            .iter()
                            .map(|c| c.name.clone())
                            .chain(v.aks.iter().map(|a| a.compute.clone()))
                            .collect(),
                        holds_dependencies: v.has_workspace_endpoint
                            && v.missing_dependencies.is_empty(),
                        other_dependency_vnet: complete
                            .iter()
                            .find(|o| **o != v.name)
                            .map(|o| o.to_string())
                            .unwrap_or_default(),
                        other_dependency_more: others.saturating_sub(1),
                    }
                })
                .collect(),
        };

        // Existing zones per (group, subscription), in the order first met.
        let existing_zones = zone_sets(&ix, plan.zones.iter().filter(|z| z.existing));

        let mut vnet_regions: Vec<String> = Vec::new();
        let mut regions_seen: FxHashSet<&str> = FxHashSet::default();
        for v in vnets.iter().filter(|v| !v.endpoints.is_empty()) {
            if regions_seen.insert(&v.location) {
                vnet_regions.push(v.location.clone());
            }
        }

        let public_access = plan.public_network_access.clone();
        Runbook {
            header: html_comment(&ctx.header),
            scenario: plan.scenario.clone(),
            description: plan.description.clone(),
            cloud_label: cloud_label(cloud),
            portal: catalog::portal(cloud),
            location: plan.location.clone(),
            resource_group: plan.resource_group.clone(),
            workspace: plan.workspace.clone(),
            workspace_group,
            workspace_existing: plan.workspace_existing,
            public_enabled: public_access == "Enabled",
            public_access,
            subscription_scope: plan.scope == Scope::Subscription,
            topology,
            dependencies,
            parameters: plan
                .parameters
                .iter()
                .map(|p| ParameterView {
                    name: p.name.clone(),
                    value: match &p.default {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    },
                    description: p.description.clone(),
                })
                .collect(),
            existing_zones,
            vnet_regions,
            api_forward: catalog::zones(cloud, Target::Workspace)
                .first()
                .map_or("", |z| z.forward),
            groups: group_views(&ix),
            diagram: diagram(&ix, &vnets),
            deploy: Deploy {
                name: plan.scenario.clone(),
                cloud_set: (cloud != Cloud::AzureCloud).then(|| plan.cloud.clone()),
                create_group: plan.resource_groups.iter().any(|g| {
                    g.create && !g.exists && g.name.eq_ignore_ascii_case(&plan.resource_group)
                }),
                groups: plan
                    .resource_groups
                    .iter()
                    .filter(|g| g.create)
                    .map(|g| g.name.clone())
                    .collect(),
                new_groups: plan
                    .resource_groups
                    .iter()
                    .filter(|g| g.create && !g.exists)
                    .map(|g| g.name.clone())
                    .collect(),
                existing_groups: plan
                    .resource_groups
                    .iter()
                    .filter(|g| g.exists)
                    .map(|g| g.name.clone())
                    .collect(),
                manual,
            },
            steps,
            spec: spec_map(&ix, &vnets, &primary),
            ops,
            limits: Limits {
                complete: complete.iter().take(FEW).map(|s| s.to_string()).collect(),
                complete_more: complete.len().saturating_sub(FEW),
                incomplete: vnets
                    .iter()
                    .filter(|v| v.has_workspace_endpoint && !v.missing_dependencies.is_empty())
                    .map(|v| {
                        format!(
                            "{} lacks endpoints for {}",
                            v.name,
                            v.missing_dependencies.join(", ")
                        )
                    })
                    .collect(),
                computes,
                aks,
                multi,
                primary,
                forward_zones,
                image_build,
                synapse: multi || plan.workspace_existing,
                manual: endpoint_views
                    .iter()
                    .filter(|e| e.manual)
                    .map(|e| e.name.clone())
                    .collect(),
            },
            warnings: plan
                .warnings
                .iter()
                .map(|w| WarningView {
                    rule: w.rule.clone(),
                    field: w.field.clone(),
                    message: sentence(&w.message),
                    hint: w.hint.as_deref().map(sentence),
                })
                .collect(),
            teardown: teardown(&ix),
            files: Files {
                bicep: paths::BICEP,
                bicep_params: paths::BICEP_PARAMS,
                arm: paths::ARM,
                arm_params: paths::ARM_PARAMS,
                workspace_yaml: (!plan.workspace_existing).then_some(paths::WORKSPACE_YAML),
                deploy: paths::DEPLOY,
                enable_public: paths::ENABLE_PUBLIC,
                disable_public: paths::DISABLE_PUBLIC,
                legacy_cli: plan
                    .legacy
                    .contains(&Legacy::CliV1)
                    .then_some(paths::LEGACY_CLI),
                legacy_sdk: plan
                    .legacy
                    .contains(&Legacy::SdkV1)
                    .then_some(paths::LEGACY_SDK),
                cli_v1_end: catalog::CLI_V1_END_OF_SUPPORT,
                sdk_v1_end: catalog::SDK_V1_END_OF_SUPPORT,
            },
            vnets,
        }
    }
}

fn group_views(ix: &Index) -> Vec<GroupView> {
    let plan = ix.plan;
    // One table per group, whatever the case of its name: the plan's groups in their order,
    // then any other group a resource lives in. A group without resources gets no table.
    let mut slots: Vec<Option<GroupView>> = Vec::new();
    let mut slot_of: FxHashMap<String, usize> = FxHashMap::default();
    for g in &plan.resource_groups {
        slot_of.entry(g.name.to_lowercase()).or_insert_with(|| {
            slots.push(None);
            slots.len() - 1
        });
    }
    for r in &plan.resources {
        let g = ix.group_of(r);
        let slot = *slot_of.entry(g.to_lowercase()).or_insert_with(|| {
            slots.push(None);
            slots.len() - 1
        });
        let entry = slots[slot].get_or_insert_with(|| GroupView {
            name: g.to_string(),
            create: false,
            holds_existing: false,
            subscription: None,
            resources: Vec::new(),
        });
        entry.create |= !r.existing;
        entry.holds_existing |= r.existing;
        if r.parent.is_none() && r.subscription.is_some() {
            entry.subscription.clone_from(&r.subscription);
        }
        entry.resources.push(ResourceRow {
            kind: type_label(&r.ty),
            name: ix.display_name(r),
            purpose: r.purpose.clone(),
            existing: r.existing,
        });
    }
    slots
        .into_iter()
        .flatten()
        .map(|g| GroupView {
            subscription: nonempty(g.subscription.as_ref()),
            ..g
        })
        .collect()
}

fn computes(ix: &Index) -> Vec<ComputeView> {
    let plan = ix.plan;
    ix.of_type(catalog::COMPUTE)
        .filter_map(|r| {
            let kind = match r.properties.get("computeType").and_then(Value::as_str) {
                Some("AmlCompute") => "compute cluster",
                Some("ComputeInstance") => "compute instance",
                _ => return None,
            };
            let subnet = r
                .properties
                .pointer("/properties/subnet/id")
                .and_then(ref_of)
                .unwrap_or_default();
            let (vnet, snet) = ix.subnet_place.get(subnet).copied().unwrap_or(("", ""));
            let location = location_of(r, plan).to_string();
            Some(ComputeView {
                name: r.name.clone(),
                kind,
                vnet: vnet.to_string(),
                subnet: snet.to_string(),
                same_region: location == plan.location,
                location,
            })
        })
        .collect()
}

fn aks_clusters(ix: &Index) -> Vec<AksView> {
    let plan = ix.plan;
    // Cluster symbol -> the compute that attaches it, and its Azure ML extension (the first
    // of each).
    let mut attach_of: FxHashMap<&str, &Resource> = FxHashMap::default();
    for c in ix.of_type(catalog::COMPUTE) {
        if let Some(cluster) = c.properties.get("resourceId").and_then(ref_of) {
            attach_of.entry(cluster).or_insert(c);
        }
    }
    let mut extension_of: FxHashMap<&str, &Resource> = FxHashMap::default();
    for e in ix.of_type(catalog::K8S_EXTENSION) {
        if let Some(cluster) = e.scope.as_deref() {
            extension_of.entry(cluster).or_insert(e);
        }
    }
    ix.of_type(catalog::AKS)
        .map(|r| {
            let subnet = r
                .properties
                .pointer("/agentPoolProfiles/0/vnetSubnetID")
                .and_then(ref_of)
                .unwrap_or_default();
            let (vnet, snet) = ix.subnet_place.get(subnet).copied().unwrap_or(("", ""));
            let attach = attach_of.get(r.symbol.as_str()).copied();
            let extension = extension_of.get(r.symbol.as_str()).copied();
            let location = location_of(r, plan).to_string();
            let attach_steps: Vec<usize> = [extension, attach]
                .iter()
                .flatten()
                .filter_map(|x| ix.step(&x.symbol))
                .collect();
            let cluster_step = ix.step(&r.symbol);
            AksView {
                name: r.name.clone(),
                vnet: vnet.to_string(),
                subnet: snet.to_string(),
                same_region: location == plan.location,
                location,
                compute: attach.map(|c| c.name.clone()).unwrap_or_default(),
                attach_as: attach
                    .and_then(|c| c.properties.get("computeType"))
                    .and_then(Value::as_str)
                    .unwrap_or("Kubernetes")
                    .to_string(),
                extension: extension.map(|e| e.name.clone()),
                cluster_step,
                attach_steps,
            }
        })
        .collect()
}

fn target_of<'p>(ix: &Index<'p>, e: &Endpoint) -> Option<&'p Resource> {
    ix.get(&e.target_symbol)
}

fn vnet_views(
    ix: &Index,
    cloud: Cloud,
    computes: &[ComputeView],
    aks: &[AksView],
) -> Vec<VnetView> {
    let plan = ix.plan;
    let api_forward = catalog::zones(cloud, Target::Workspace)
        .first()
        .map_or("", |z| z.forward);
    let planned = |ty: catalog::ResourceType| ix.of_type(ty).next().is_some();
    let (has_storage, has_vault, has_registry) = (
        planned(catalog::STORAGE),
        planned(catalog::KEY_VAULT),
        planned(catalog::REGISTRY),
    );
    let mut computes_in: FxHashMap<&str, Vec<&ComputeView>> = FxHashMap::default();
    for c in computes {
        computes_in.entry(c.vnet.as_str()).or_default().push(c);
    }
    let mut aks_in: FxHashMap<&str, Vec<&AksView>> = FxHashMap::default();
    for a in aks {
        aks_in.entry(a.vnet.as_str()).or_default().push(a);
    }

    let mut views: Vec<VnetView> = plan
        .networks
        .iter()
        .map(|n| {
            let eps = ix.endpoints_in(&n.name);
            let prefix_of = |s: &str| {
                n.subnets
                    .iter()
                    .find(|x| x.name == s)
                    .and_then(|x| x.prefix.clone())
                    .unwrap_or_default()
            };
            let endpoint_subnet = n.endpoint_subnet.clone().unwrap_or_default();
            let endpoint_prefix = prefix_of(&endpoint_subnet);
            let vcomputes: Vec<ComputeView> = computes_in
                .get(n.name.as_str())
                .into_iter()
                .flatten()
                .map(|c| (*c).clone())
                .collect();
            let vaks: Vec<AksView> = aks_in
                .get(n.name.as_str())
                .into_iter()
                .flatten()
                .map(|a| (*a).clone())
                .collect();
            let has = |t: Target| eps.iter().any(|e| e.target == t);
            let missing: Vec<&'static str> = [
                (Target::StorageBlob, "storage (blob)"),
                (Target::StorageFile, "storage (file)"),
                (Target::KeyVault, "key vault"),
                (Target::ContainerRegistry, "container registry"),
            ]
            .iter()
            .filter(|(t, _)| {
                !has(*t)
                    && match t {
                        Target::StorageBlob | Target::StorageFile => has_storage,
                        Target::KeyVault => has_vault,
                        Target::ContainerRegistry => has_registry,
                        Target::Workspace => false,
                    }
            })
            .map(|(_, l)| *l)
            .collect();

            let endpoints: Vec<EndpointView> = eps
                .iter()
                .map(|e| {
                    let t = target_of(ix, e);
                    EndpointView {
                        name: e.name.clone(),
                        target: e.target.as_str(),
                        target_label: e.target_label.clone(),
                        target_name: t.map(|t| t.name.clone()).unwrap_or_default(),
                        target_group: t.map(|t| ix.group_of(t).to_string()).unwrap_or_default(),
                        target_type: t.map(|t| t.ty.clone()).unwrap_or_default(),
                        group_id: e.group_id.clone(),
                        target_symbol: e.target_symbol.clone(),
                        zones: e.zones.iter().map(|z| z.zone.clone()).collect(),
                        zone_places: e
                            .zones
                            .iter()
                            .map(|z| {
                                let zone = z.zone_symbol.as_deref().and_then(|s| ix.zone.get(s));
                                match zone {
                                    Some(zr) if ix.is_linked(&zr.symbol, &n.name) => {
                                        format!("{} in {}", z.zone, zr.resource_group)
                                    }
                                    Some(zr) => format!(
                                        "{} in {} (not linked to {})",
                                        z.zone, zr.resource_group, n.name
                                    ),
                                    None => format!("{} (managed outside this deployment)", z.zone),
                                }
                            })
                            .collect(),
                        manual: e.manual_approval,
                        zone_group: e.zone_group.is_some(),
                        step: ranges(
                            [Some(e.symbol.as_str()), e.zone_group.as_deref()]
                                .iter()
                                .flatten()
                                .filter_map(|s| ix.step(s))
                                .collect(),
                        ),
                    }
                })
                .collect();

            let mut records = Vec::new();
            for e in eps {
                let target = target_of(ix, e);
                for z in &e.zones {
                    records.extend(records_for(
                        e,
                        &z.key,
                        &z.zone,
                        &z.forward,
                        target.map_or("", |t| t.name.as_str()),
                        &plan.workspace,
                        &plan.location,
                        target.is_some_and(|t| t.existing),
                        api_forward,
                    ));
                }
            }

            // The zones of the VNet's endpoints, each once, gathered per (group, subscription).
            let mut seen: FxHashSet<&str> = FxHashSet::default();
            let zones: Vec<&Zone> = eps
                .iter()
                .flat_map(|e| &e.zones)
                .filter_map(|z| z.zone_symbol.as_deref())
                .filter(|sym| seen.insert(sym))
                .filter_map(|sym| ix.zone.get(sym).copied())
                .collect();
            let unlinked_zones: Vec<String> = zones
                .iter()
                .filter(|z| !ix.is_linked(&z.symbol, &n.name))
                .map(|z| z.name.clone())
                .collect();
            let zone_sets = zone_sets(ix, zones.into_iter());

            let busy: FxHashSet<&str> = vcomputes
                .iter()
                .map(|c| c.subnet.as_str())
                .chain(vaks.iter().map(|a| a.subnet.as_str()))
                .chain(std::iter::once(endpoint_subnet.as_str()))
                .collect();
            let free = n
                .subnets
                .iter()
                .find(|s| !busy.contains(s.name.as_str()))
                .map(|s| s.name.clone());
            let has_ws = has(Target::Workspace);
            let clients_subnet = if has_ws && vaks.is_empty() {
                free.unwrap_or_default()
            } else {
                String::new()
            };

            // What each subnet holds: endpoints, then computes, AKS clusters and clients.
            let mut roles: FxHashMap<&str, Vec<String>> = FxHashMap::default();
            if !eps.is_empty() {
                roles
                    .entry(endpoint_subnet.as_str())
                    .or_default()
                    .push(format!("{} private endpoints", eps.len()));
            }
            for c in &vcomputes {
                roles
                    .entry(c.subnet.as_str())
                    .or_default()
                    .push(format!("{} {}", c.kind, c.name));
            }
            for a in &vaks {
                roles
                    .entry(a.subnet.as_str())
                    .or_default()
                    .push(format!("AKS cluster {}", a.name));
            }
            if !clients_subnet.is_empty() {
                roles
                    .entry(clients_subnet.as_str())
                    .or_default()
                    .push("clients".to_string());
            }
            let subnets = n
                .subnets
                .iter()
                .map(|s| SubnetView {
                    name: s.name.clone(),
                    symbol: s.symbol.clone(),
                    prefix: s.prefix.clone().unwrap_or_default(),
                    role: roles
                        .get(s.name.as_str())
                        .map_or(String::new(), |r| r.join(", ")),
                })
                .collect();

            VnetView {
                name: n.name.clone(),
                symbol: n.symbol.clone(),
                group: n.resource_group.clone(),
                location: n.location.clone(),
                existing: n.existing,
                address_space: n.address_space.join(", "),
                subnets,
                endpoint_subnet,
                endpoint_prefix,
                has_workspace_endpoint: has_ws,
                missing_dependencies: if has_ws { missing } else { Vec::new() },
                endpoints,
                computes: vcomputes,
                aks: vaks,
                roles: String::new(),
                clients: !clients_subnet.is_empty(),
                clients_subnet,
                records,
                zone_sets,
                unlinked_zones,
                add_script: paths::add_endpoints(&n.name),
                remove_script: paths::remove_endpoints(&n.name),
            }
        })
        .collect();

    // No subnet is left for clients: they reach the VNet of the workspace endpoint that runs
    // no AKS by peering, VPN or ExpressRoute.
    if !views.iter().any(|v| v.clients) {
        let pick = views
            .iter()
            .position(|v| v.has_workspace_endpoint && v.aks.is_empty())
            .or_else(|| views.iter().position(|v| v.has_workspace_endpoint))
            .unwrap_or(0);
        if let Some(v) = views.get_mut(pick) {
            v.clients = true;
        }
    }
    for v in &mut views {
        let mut roles: Vec<String> = v
            .computes
            .iter()
            .map(|c| format!("{} {}", c.kind, c.name))
            .chain(v.aks.iter().map(|a| format!("AKS cluster {}", a.name)))
            .collect();
        if !v.clients_subnet.is_empty() {
            roles.push(format!("clients in {}", v.clients_subnet));
        } else if v.clients {
            roles.push("clients that reach it by peering, VPN or ExpressRoute".to_string());
        }
        if roles.is_empty() {
            roles.push("private endpoints only".to_string());
        }
        v.roles = join_and(&roles);
    }
    views
}

/// The names a VNet's machines must resolve to its endpoints, per endpoint zone. The public
/// names come from the catalog's forwarded zone of each privatelink zone, so they follow the
/// cloud.
#[allow(clippy::too_many_arguments)]
fn records_for(
    e: &Endpoint,
    key: &str,
    zone: &str,
    forward: &str,
    target: &str,
    workspace: &str,
    region: &str,
    target_existing: bool,
    api_forward: &str,
) -> Vec<Record> {
    let label = e.target_label.clone();
    let rec = |host: String, record: String, lookup: String| Record {
        host,
        record,
        zone: zone.to_string(),
        target_label: label.clone(),
        lookup,
    };
    let q = escape::shell;
    match (e.target, key) {
        (Target::Workspace, "api") => vec![
            rec(
                format!("<workspace-id>.workspace.{region}.{forward}"),
                format!("<workspace-id>.workspace.{region}"),
                format!("\"$WS_ID.workspace.$REGION.{api_forward}\""),
            ),
            rec(
                format!("<workspace-id>.workspace.{region}.cert.{forward}"),
                format!("<workspace-id>.workspace.{region}.cert"),
                format!("\"$WS_ID.workspace.$REGION.cert.{api_forward}\""),
            ),
        ],
        (Target::Workspace, _) => vec![rec(
            format!("ml-{workspace}-{region}-<workspace-id>.{region}.{forward}"),
            format!("ml-{workspace}-{region}-<workspace-id>.{region}"),
            String::new(),
        )],
        (Target::ContainerRegistry, _) => {
            let data_region = if target_existing {
                "<registry-region>"
            } else {
                region
            };
            let data = format!("{target}.{data_region}.data.{forward}");
            vec![
                rec(
                    format!("{target}.{forward}"),
                    target.to_string(),
                    q(&format!("{target}.{forward}")),
                ),
                rec(
                    data.clone(),
                    format!("{target}.{data_region}.data"),
                    if target_existing {
                        String::new()
                    } else {
                        q(&data)
                    },
                ),
            ]
        }
        _ => vec![rec(
            format!("{target}.{forward}"),
            target.to_string(),
            q(&format!("{target}.{forward}")),
        )],
    }
}

/// The VNet that holds the endpoints of the workspace and all its dependencies, where the
/// computes run: the spec's "services" VNet.
fn primary_vnet(vnets: &[VnetView]) -> String {
    let complete = |v: &&VnetView| v.has_workspace_endpoint && v.missing_dependencies.is_empty();
    vnets
        .iter()
        .filter(complete)
        .find(|v| !v.computes.is_empty())
        .or_else(|| {
            vnets
                .iter()
                .filter(complete)
                .find(|v| v.aks.is_empty() && v.clients_subnet.is_empty())
        })
        .or_else(|| vnets.iter().find(complete))
        .or_else(|| vnets.iter().find(|v| v.has_workspace_endpoint))
        .map(|v| v.name.clone())
        .unwrap_or_default()
}

fn spec_map(ix: &Index, vnets: &[VnetView], primary: &str) -> SpecMap {
    let plan = ix.plan;
    let steps_of = |pred: &dyn Fn(&Resource) -> bool| -> Vec<usize> {
        plan.resources
            .iter()
            .filter(|r| pred(r))
            .filter_map(|r| ix.step(&r.symbol))
            .collect()
    };
    let net_steps = |vnet: &str| -> Vec<usize> {
        let Some(n) = ix.network.get(vnet) else {
            return Vec::new();
        };
        let mut syms: Vec<&str> = vec![n.symbol.as_str()];
        for sn in &n.subnets {
            syms.push(&sn.symbol);
            if let Some(nsg) = ix.get(&sn.symbol).and_then(|r| {
                r.properties
                    .pointer("/networkSecurityGroup/id")
                    .and_then(ref_of)
            }) {
                syms.push(nsg);
            }
        }
        syms.iter().filter_map(|s| ix.step(s)).collect()
    };
    let endpoints_in = |vnet: &str, ws: bool| -> Vec<&Endpoint> {
        ix.endpoints_in(vnet)
            .iter()
            .filter(|e| (e.target == Target::Workspace) == ws)
            .copied()
            .collect()
    };
    // (zone symbol, VNet symbol) -> the step that links them.
    let link_steps: FxHashMap<(&str, &str), usize> = ix
        .of_type(catalog::DNS_LINK)
        .filter_map(|r| {
            let zone = r.parent.as_deref()?;
            let vnet = r
                .properties
                .pointer("/virtualNetwork/id")
                .and_then(ref_of)?;
            Some(((zone, vnet), ix.step(&r.symbol)?))
        })
        .collect();
    // Endpoints with their zone groups, the zones they register in (when created here) and
    // those zones' links to the VNet: (endpoint steps, DNS steps, names, zones, zones exist).
    let endpoint_rows = |vnet: &str, ws: bool| {
        let eps = endpoints_in(vnet, ws);
        let vsym = ix.network.get(vnet).map_or("", |n| n.symbol.as_str());
        let mut pe = Vec::new();
        let mut dns = Vec::new();
        let mut zones: Vec<String> = Vec::new();
        let mut existing = false;
        for e in &eps {
            pe.extend(ix.step(&e.symbol));
            if let Some(g) = &e.zone_group {
                dns.extend(ix.step(g));
            }
            for z in &e.zones {
                if !zones.contains(&z.zone) {
                    zones.push(z.zone.clone());
                }
                let Some(zs) = z.zone_symbol.as_deref() else {
                    continue;
                };
                existing |= ix.get(zs).is_some_and(|r| r.existing);
                dns.extend(ix.step(zs));
                dns.extend(link_steps.get(&(zs, vsym)).copied());
            }
        }
        let names = eps.iter().map(|e| e.name.clone()).collect::<Vec<_>>();
        (pe, dns, names, zones, existing)
    };
    let row = |key: &'static str, vnet: &str, steps: Vec<usize>| SpecRow {
        key,
        vnet: vnet.to_string(),
        steps: ranges(steps),
        names: Vec::new(),
        zones: Vec::new(),
        other: Vec::new(),
        existing: ix.network.get(vnet).is_some_and(|n| n.existing),
    };
    let storage: Vec<String> = ix
        .of_type(catalog::STORAGE)
        .map(|r| r.name.clone())
        .collect();
    let dep_types = [
        catalog::LOG_ANALYTICS.name,
        catalog::APP_INSIGHTS.name,
        catalog::STORAGE.name,
        catalog::KEY_VAULT.name,
        catalog::REGISTRY.name,
        catalog::WORKSPACE.name,
    ];
    let is_compute = |r: &Resource| {
        r.ty == catalog::COMPUTE.name
            && matches!(
                r.properties.get("computeType").and_then(Value::as_str),
                Some("AmlCompute" | "ComputeInstance")
            )
    };

    let mut base = Vec::new();
    let mut after = Vec::new();
    let mut isolated = Vec::new();
    let multi = vnets.iter().filter(|v| v.has_workspace_endpoint).count() > 1;

    let group_steps: Vec<usize> = plan
        .steps
        .iter()
        .filter(|s| s.kind == "resource-group")
        .map(|s| s.n)
        .collect();
    if !group_steps.is_empty() {
        base.push(SpecRow {
            names: plan
                .resource_groups
                .iter()
                .filter(|g| g.create)
                .map(|g| g.name.clone())
                .collect(),
            ..row("groups", "", group_steps)
        });
    }
    let first: Vec<&VnetView> = vnets
        .iter()
        .filter(|v| !multi || v.name == primary)
        .collect();
    for v in &first {
        base.push(row("vnet", &v.name, net_steps(&v.name)));
    }
    if !plan.workspace_existing {
        base.push(SpecRow {
            names: vec![plan.workspace.clone()],
            ..row(
                "workspace",
                "",
                steps_of(&|r| dep_types.contains(&r.ty.as_str())),
            )
        });
    }
    for v in &first {
        let (pe, dns, names, zones, existing) = endpoint_rows(&v.name, true);
        if !pe.is_empty() {
            base.push(SpecRow {
                names,
                ..row("ws-endpoint", &v.name, pe)
            });
            base.push(SpecRow {
                zones,
                existing,
                ..row("ws-dns", &v.name, dns)
            });
        }
        let (pe, dns, names, zones, _) = endpoint_rows(&v.name, false);
        if !pe.is_empty() {
            base.push(SpecRow {
                names,
                zones,
                ..row("dep-endpoints", &v.name, [pe, dns].concat())
            });
        }
    }
    if multi {
        for v in vnets
            .iter()
            .filter(|v| v.name != primary && !v.endpoints.is_empty())
        {
            let aks = !v.aks.is_empty();
            let aks_steps: Vec<usize> = v.aks.iter().filter_map(|a| a.cluster_step).collect();
            let mut rows = vec![SpecRow {
                names: v.aks.iter().map(|a| a.name.clone()).collect(),
                ..row(
                    if aks { "iso-aks-1" } else { "iso-clients-1" },
                    &v.name,
                    [net_steps(&v.name), aks_steps].concat(),
                )
            }];
            let (pe, dns, names, zones, _) = endpoint_rows(&v.name, false);
            rows.push(SpecRow {
                names,
                zones,
                ..row(
                    if aks { "iso-aks-2" } else { "iso-clients-2" },
                    &v.name,
                    [pe, dns].concat(),
                )
            });
            rows.push(SpecRow {
                names: storage.clone(),
                ..row("iso-3", &v.name, Vec::new())
            });
            let (pe, dns, names, zones, _) = endpoint_rows(&v.name, true);
            rows.push(SpecRow {
                names,
                zones,
                ..row("iso-4", &v.name, [pe, dns].concat())
            });
            if aks {
                let attach_steps: Vec<usize> = v
                    .aks
                    .iter()
                    .flat_map(|a| a.attach_steps.iter().copied())
                    .collect();
                let mut names: Vec<String> = Vec::new();
                let mut other: Vec<String> = Vec::new();
                for a in &v.aks {
                    if let Some(x) = &a.extension {
                        names.push(format!("{}/{x}", a.name));
                    }
                    if !a.compute.is_empty() {
                        other.push(format!("{} ({})", a.compute, a.attach_as));
                    }
                }
                rows.push(SpecRow {
                    names,
                    other,
                    ..row("iso-aks-5", &v.name, attach_steps)
                });
            } else {
                rows.push(SpecRow {
                    names: storage.clone(),
                    ..row("iso-clients-5", &v.name, Vec::new())
                });
            }
            isolated.push(IsolatedVnet {
                vnet: v.name.clone(),
                kind: if aks { "aks" } else { "clients" },
                rows,
            });
        }
    }
    let compute_steps = steps_of(&is_compute);
    if !compute_steps.is_empty() {
        after.push(SpecRow {
            names: plan
                .resources
                .iter()
                .filter(|r| is_compute(r))
                .map(|r| r.name.clone())
                .collect(),
            ..row("computes", "", compute_steps)
        });
    }
    if !multi {
        let is_attach = |r: &Resource| {
            r.ty == catalog::AKS.name
                || r.ty == catalog::K8S_EXTENSION.name
                || (r.ty == catalog::COMPUTE.name && !is_compute(r))
        };
        let attach = steps_of(&is_attach);
        if !attach.is_empty() {
            after.push(SpecRow {
                names: plan
                    .resources
                    .iter()
                    .filter(|r| is_attach(r))
                    .map(|r| ix.display_name(r))
                    .collect(),
                ..row("aks", "", attach)
            });
        }
    }
    SpecMap {
        base,
        primary: primary.to_string(),
        isolated,
        after,
    }
}

fn diagram(ix: &Index, vnets: &[VnetView]) -> Diagram {
    let plan = ix.plan;
    let mut ids = Ids::default();
    let mut d = Diagram::default();
    let mut class_members: Vec<(&'static str, Vec<String>)> =
        ["pe", "target", "zone", "compute", "client", "more"]
            .iter()
            .map(|c| (*c, Vec::new()))
            .collect();
    let mut classed = |class: &'static str, id: &str| {
        if let Some((_, v)) = class_members.iter_mut().find(|(c, _)| *c == class) {
            v.push(id.to_string());
        }
    };

    // The shared targets, in the middle.
    let mut target_ids: FxHashMap<&str, String> = FxHashMap::default();
    let mut shared_nodes = Vec::new();
    let mut targets: Vec<&str> = Vec::new();
    if let Some(w) = plan
        .resources
        .iter()
        .find(|r| r.ty == catalog::WORKSPACE.name)
    {
        targets.push(&w.symbol);
    }
    for e in &plan.endpoints {
        if !targets.contains(&e.target_symbol.as_str()) {
            targets.push(&e.target_symbol);
        }
    }
    for sym in targets {
        let Some(r) = ix.get(sym) else { continue };
        let id = ids.make("t", sym);
        let title = match type_label(&r.ty) {
            "Azure Machine Learning workspace" => "Azure ML workspace",
            t => t,
        }
        .to_string();
        let name = if r.existing {
            format!("{} (existing)", r.name)
        } else {
            r.name.clone()
        };
        let (open, close) = if r.ty == catalog::STORAGE.name {
            ("[(", ")]")
        } else {
            ("[", "]")
        };
        classed("target", &id);
        shared_nodes.push(shaped(id.clone(), vec![title, name], open, close));
        target_ids.insert(sym, id);
    }
    let shared_groups: BTreeSet<&str> = plan
        .endpoints
        .iter()
        .filter_map(|e| ix.get(&e.target_symbol))
        .map(|r| ix.group_of(r))
        .collect();
    let shared_id = ids.make("g", "shared");
    let shared = Block {
        id: shared_id.clone(),
        label: format!(
            "Workspace and dependencies · {}",
            shared_groups.into_iter().collect::<Vec<_>>().join(", ")
        ),
        class: "shared",
        nodes: shared_nodes,
        subs: Vec::new(),
    };

    // Sides: VNets with clients on the left, the others on the right.
    let side = |v: &VnetView| if v.clients { Side::Left } else { Side::Right };
    let right_total = vnets.iter().filter(|v| side(v) == Side::Right).count();
    let right_quota = right_total.min(DIAGRAM_VNETS / 2).max(
        DIAGRAM_VNETS
            .saturating_sub(vnets.len() - right_total)
            .min(right_total),
    );
    let left_quota = DIAGRAM_VNETS - right_quota;
    let mut shown: Vec<(&VnetView, Side)> = Vec::new();
    let mut hidden: Vec<(&VnetView, Side)> = Vec::new();
    let (mut nl, mut nr) = (0, 0);
    for v in vnets {
        let s = side(v);
        let count = if s == Side::Left { &mut nl } else { &mut nr };
        let quota = if s == Side::Left {
            left_quota
        } else {
            right_quota
        };
        if *count < quota {
            shown.push((v, s));
        } else {
            hidden.push((v, s));
        }
        *count += 1;
    }

    let mut left_blocks = Vec::new();
    let mut right_blocks = Vec::new();
    let mut left_loose = Vec::new();
    let mut right_loose = Vec::new();
    let mut edges_pe = Vec::new();
    let mut edges_use = Vec::new();
    let mut vnet_ids: FxHashMap<&str, String> = FxHashMap::default();
    let mut ep_subnet_ids: FxHashMap<&str, String> = FxHashMap::default();
    for (v, s) in &shown {
        let vid = ids.make("v", &v.symbol);
        vnet_ids.insert(&v.name, vid.clone());
        let mut subs = Vec::new();
        for sn in &v.subnets {
            let sid = ids.make("s", &sn.symbol);
            let mut nodes = Vec::new();
            if sn.name == v.endpoint_subnet && !v.endpoints.is_empty() {
                ep_subnet_ids.insert(&v.name, sid.clone());
                for e in &v.endpoints {
                    let eid = ids.make("pe", &e.name);
                    classed("pe", &eid);
                    nodes.push(rect(eid.clone(), vec![e.name.clone(), e.group_id.clone()]));
                    if let Some(tid) = target_ids.get(e.target_symbol.as_str()) {
                        edges_pe.push(match s {
                            Side::Left => (eid.clone(), tid.clone()),
                            Side::Right => (tid.clone(), eid.clone()),
                        });
                    }
                }
            }
            for c in v.computes.iter().filter(|c| c.subnet == sn.name) {
                let cid = ids.make("c", &format!("{}_{}", c.kind, c.name));
                classed("compute", &cid);
                let title = if c.kind == "compute cluster" {
                    "Compute cluster"
                } else {
                    "Compute instance"
                };
                nodes.push(rect(cid.clone(), vec![title.to_string(), c.name.clone()]));
                edges_use.push((v.name.clone(), cid, *s));
            }
            for a in v.aks.iter().filter(|a| a.subnet == sn.name) {
                let aid = ids.make("k", &a.name);
                classed("compute", &aid);
                let mut lines = vec!["AKS cluster".to_string(), a.name.clone()];
                if !a.compute.is_empty() {
                    lines.push(format!("attached as {} compute {}", a.attach_as, a.compute));
                }
                nodes.push(rect(aid.clone(), lines));
                edges_use.push((v.name.clone(), aid, *s));
            }
            if sn.name == v.clients_subnet {
                let cid = ids.make("u", &format!("clients_{}", v.name));
                classed("client", &cid);
                nodes.push(shaped(
                    cid.clone(),
                    vec![
                        "Clients".to_string(),
                        "VMs, or a VPN / ExpressRoute gateway".to_string(),
                    ],
                    "([",
                    "])",
                ));
                edges_use.push((v.name.clone(), cid, *s));
            }
            if nodes.is_empty() {
                nodes.push(rect(
                    ids.make("x", &sn.symbol),
                    vec!["not used by this deployment".to_string()],
                ));
            }
            let label = if sn.prefix.is_empty() {
                sn.name.clone()
            } else {
                format!("{} · {}", sn.name, sn.prefix)
            };
            // The subnet of the endpoints sits next to the shared targets.
            let block = Block {
                id: sid,
                label,
                class: "subnet",
                nodes,
                subs: Vec::new(),
            };
            let is_ep = sn.name == v.endpoint_subnet;
            match (s, is_ep) {
                (Side::Left, true) | (Side::Right, false) => subs.push(block),
                (Side::Left, false) | (Side::Right, true) => subs.insert(0, block),
            }
        }
        // Clients without a subnet of their own enter the VNet by peering, VPN or ExpressRoute.
        let mut vnet_nodes = Vec::new();
        if v.clients && v.clients_subnet.is_empty() {
            let cid = ids.make("u", &format!("clients_{}", v.name));
            classed("client", &cid);
            vnet_nodes.push(shaped(
                cid.clone(),
                vec![
                    "Clients".to_string(),
                    "via peering, VPN or ExpressRoute".to_string(),
                ],
                "([",
                "])",
            ));
            edges_use.push((v.name.clone(), cid, *s));
        }
        let mut label = v.name.clone();
        if !v.address_space.is_empty() {
            label = format!("{label} · {}", v.address_space);
        }
        if v.existing {
            label.push_str(" (existing)");
        }
        let block = Block {
            id: vid,
            label,
            class: "vnet",
            nodes: vnet_nodes,
            subs,
        };
        match s {
            Side::Left => left_blocks.push(block),
            Side::Right => right_blocks.push(block),
        }
    }

    // Zone sets: the zones of one group that are linked to the same VNets.
    let shown_names: FxHashSet<&str> = shown.iter().map(|(v, _)| v.name.as_str()).collect();
    let side_of: FxHashMap<&str, Side> = shown.iter().map(|(v, s)| (v.name.as_str(), *s)).collect();
    // Zone symbol -> the VNets whose endpoints register in it, each once.
    let mut users: FxHashMap<&str, Vec<&str>> = FxHashMap::default();
    let mut user_seen: FxHashSet<(&str, &str)> = FxHashSet::default();
    for e in &plan.endpoints {
        for z in &e.zones {
            if let Some(zs) = z.zone_symbol.as_deref() {
                if user_seen.insert((zs, &e.network)) {
                    users.entry(zs).or_default().push(&e.network);
                }
            }
        }
    }
    struct ZoneSet<'a> {
        group: &'a str,
        existing: bool,
        links: Vec<&'a str>,
        users: Vec<&'a str>,
        zones: Vec<&'a str>,
        symbol: &'a str,
    }
    let mut sets: Vec<ZoneSet> = Vec::new();
    // (group in lower case, existing, the VNets that key the set) -> its index in `sets`.
    let mut set_at: FxHashMap<(String, bool, Vec<&str>), usize> = FxHashMap::default();
    for z in &plan.zones {
        let u = users.get(z.symbol.as_str()).cloned().unwrap_or_default();
        let links: Vec<&str> = z.links.iter().map(String::as_str).collect();
        let relevant = links
            .iter()
            .chain(u.iter())
            .any(|n| shown_names.contains(n));
        if !relevant {
            continue;
        }
        let key_links = if links.is_empty() {
            u.clone()
        } else {
            links.clone()
        };
        let key = (z.resource_group.to_ascii_lowercase(), z.existing, key_links);
        if let Some(&i) = set_at.get(&key) {
            sets[i].zones.push(&z.name);
            continue;
        }
        set_at.insert(key, sets.len());
        sets.push(ZoneSet {
            group: &z.resource_group,
            existing: z.existing,
            links,
            users: u,
            zones: vec![&z.name],
            symbol: &z.symbol,
        });
    }
    let mut left_zone_blocks = Vec::new();
    let mut right_zone_blocks = Vec::new();
    let mut edges_dns = Vec::new();
    for set in &sets {
        let anchor = set
            .links
            .iter()
            .chain(set.users.iter())
            .find_map(|n| side_of.get(n).copied())
            .unwrap_or(Side::Left);
        let gid = ids.make("dns", set.symbol);
        let zid = ids.make("z", set.symbol);
        classed("zone", &zid);
        let title = format!(
            "{} · {}",
            if set.existing {
                "Existing private DNS zones"
            } else {
                "Private DNS zones"
            },
            set.group
        );
        let block = Block {
            id: gid.clone(),
            label: title,
            class: "dns",
            nodes: vec![rect(zid, set.zones.iter().map(|z| z.to_string()).collect())],
            subs: Vec::new(),
        };
        let (targets, label): (Vec<&str>, &str) = if set.links.is_empty() {
            (set.users.clone(), "records only, not linked")
        } else {
            (set.links.clone(), "linked")
        };
        for n in targets {
            let Some(to) = vnet_ids.get(n) else { continue };
            edges_dns.push(match side_of.get(n).copied().unwrap_or(anchor) {
                Side::Left => Edge {
                    from: gid.clone(),
                    to: to.clone(),
                    dotted: true,
                    label: Some(label.to_string()),
                },
                Side::Right => Edge {
                    from: to.clone(),
                    to: gid.clone(),
                    dotted: true,
                    label: Some(label.to_string()),
                },
            });
        }
        match anchor {
            Side::Left => left_zone_blocks.push(block),
            Side::Right => right_zone_blocks.push(block),
        }
    }

    // VNets beyond the diagram's budget, summed up per side.
    for side in [Side::Left, Side::Right] {
        let rest: Vec<&VnetView> = hidden
            .iter()
            .filter(|(_, s)| *s == side)
            .map(|(v, _)| *v)
            .collect();
        let (Some(first), Some(last)) = (rest.first(), rest.last()) else {
            continue;
        };
        let id = ids.make(
            "m",
            if side == Side::Left {
                "moreLeft"
            } else {
                "moreRight"
            },
        );
        classed("more", &id);
        let node = rect(
            id.clone(),
            vec![
                format!("{} more VNets: {} … {}", rest.len(), first.name, last.name),
                "each with its own private endpoints and DNS zones".to_string(),
                "(listed in the tables of this runbook)".to_string(),
            ],
        );
        match side {
            Side::Left => {
                left_loose.push(node);
                edges_pe.push((id, shared_id.clone()));
            }
            Side::Right => {
                right_loose.push(node);
                edges_pe.push((shared_id.clone(), id));
            }
        }
    }

    let loose_block = |nodes: Vec<Node>| -> Option<Block> {
        (!nodes.is_empty()).then(|| Block {
            id: String::new(),
            label: String::new(),
            class: "",
            nodes,
            subs: Vec::new(),
        })
    };
    d.blocks.extend(left_zone_blocks);
    d.blocks.extend(loose_block(left_loose));
    d.blocks.extend(left_blocks);
    d.blocks.push(shared);
    d.blocks.extend(right_blocks);
    d.blocks.extend(loose_block(right_loose));
    d.blocks.extend(right_zone_blocks);

    for (vnet, node, s) in edges_use {
        let Some(to) = ep_subnet_ids.get(vnet.as_str()) else {
            continue;
        };
        d.edges.push(match s {
            Side::Left => Edge {
                from: node,
                to: to.clone(),
                dotted: false,
                label: None,
            },
            Side::Right => Edge {
                from: to.clone(),
                to: node,
                dotted: false,
                label: None,
            },
        });
    }
    d.edges.extend(edges_pe.into_iter().map(|(from, to)| Edge {
        from,
        to,
        dotted: false,
        label: None,
    }));
    d.edges.extend(edges_dns);
    d.classes = class_members
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(class, v)| ClassLine {
            class,
            ids: v.join(","),
        })
        .collect();
    d
}

fn teardown(ix: &Index) -> Teardown {
    let plan = ix.plan;
    // A group can go as a whole when it holds nothing that existed before this deployment.
    let mut holds_existing: FxHashSet<String> = FxHashSet::default();
    for r in plan.resources.iter().filter(|r| r.existing) {
        holds_existing.insert(ix.group_of(r).to_lowercase());
    }
    let whole: Vec<String> = plan
        .resource_groups
        .iter()
        .rev()
        .filter(|g| g.create && !g.exists && !holds_existing.contains(&g.name.to_lowercase()))
        .map(|g| g.name.clone())
        .collect();
    let kept_groups: Vec<String> = plan
        .resource_groups
        .iter()
        .filter(|g| g.create && (g.exists || holds_existing.contains(&g.name.to_lowercase())))
        .map(|g| g.name.clone())
        .collect();
    let whole_set: FxHashSet<String> = whole.iter().map(|g| g.to_lowercase()).collect();
    let in_whole = |r: &Resource| whole_set.contains(&ix.group_of(r).to_lowercase());
    // What this deployment creates, by type, last created first.
    let mut created: FxHashMap<&str, Vec<&Resource>> = FxHashMap::default();
    for s in plan.steps.iter().rev().filter(|s| s.kind == "resource") {
        if let Some(r) = ix.get(&s.target) {
            created.entry(r.ty.as_str()).or_default().push(r);
        }
    }
    let created_of =
        |ty: catalog::ResourceType| created.get(ty.name).into_iter().flatten().copied();

    let computes = created_of(catalog::COMPUTE)
        .map(|r| TdCompute {
            name: r.name.clone(),
            detach: matches!(
                r.properties.get("computeType").and_then(Value::as_str),
                Some("Kubernetes" | "AKS")
            ),
        })
        .collect();
    let named = |r: &Resource| TdNamed {
        name: r.name.clone(),
        group: ix.group_of(r).to_string(),
        parent: r
            .scope
            .as_deref()
            .or(r.parent.as_deref())
            .and_then(|p| ix.get(p))
            .map(|p| p.name.clone())
            .unwrap_or_default(),
    };
    let extensions = created_of(catalog::K8S_EXTENSION).map(named).collect();
    let aks = created_of(catalog::AKS).map(named).collect();
    let workspace = created_of(catalog::WORKSPACE).next().map(named);

    let order: [(catalog::ResourceType, &'static str); 10] = [
        (catalog::PRIVATE_ENDPOINT, "pe"),
        (catalog::DNS_LINK, "link"),
        (catalog::DNS_ZONE, "zone"),
        (catalog::VNET, "vnet"),
        (catalog::NSG, "nsg"),
        (catalog::REGISTRY, "registry"),
        (catalog::KEY_VAULT, "vault"),
        (catalog::STORAGE, "storage"),
        (catalog::APP_INSIGHTS, "appi"),
        (catalog::LOG_ANALYTICS, "log"),
    ];
    let mut resources = Vec::new();
    for (ty, kind) in order {
        for r in created_of(ty).filter(|r| !in_whole(r)) {
            let parent = r.parent.as_deref().and_then(|p| ix.get(p));
            resources.push(TdResource {
                kind,
                name: r.name.clone(),
                group: ix.group_of(r).to_string(),
                zone: parent.map(|p| p.name.clone()).unwrap_or_default(),
                subscription: nonempty(parent.and_then(|p| p.subscription.as_ref())),
            });
        }
    }
    let vault = created_of(catalog::KEY_VAULT).next().map(|r| TdVault {
        name: r.name.clone(),
        days: r
            .properties
            .get("softDeleteRetentionInDays")
            .and_then(Value::as_u64)
            .unwrap_or(90),
        purge_protection: r
            .properties
            .get("enablePurgeProtection")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    });
    Teardown {
        computes,
        extensions,
        aks,
        workspace,
        resources,
        groups: whole,
        kept_groups,
        vault,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hostile_plan() -> Plan {
        let scenario: crate::scenario::Scenario = serde_json::from_value(serde_json::json!({
            "name": "hostile",
            "description": "<script>alert(1)</script> `rm -rf /` a | b [x](http://evil) # h",
            "location": "eastus2",
            "resource_group": "rg-x",
            "workspace": {
                "name": "mlw-x",
                "storage_account": { "name": "stx" },
                "key_vault": { "name": "kv-x" },
                "container_registry": { "name": "crx12" },
                "application_insights": { "name": "appi-x" }
            },
            "networks": [{
                "name": "vnet-x",
                "address_space": ["10.9.0.0/16"],
                "subnets": [{ "name": "snet-pe", "prefix": "10.9.1.0/24" }],
                "endpoints": {
                    "subnet": "snet-pe",
                    "targets": ["workspace", "storage-blob", "storage-file", "key-vault", "container-registry"]
                }
            }]
        }))
        .expect("scenario");
        let mut plan = crate::plan::build(&scenario, &[]);
        // Names that passed no naming rule: the runbook must still hold them as text.
        let evil = "pe<img src=x onerror=alert(1)>|`x`\"q\"";
        plan.endpoints[0].name = evil.to_string();
        if let Some(r) = plan
            .resources
            .iter_mut()
            .find(|r| r.ty == catalog::STORAGE.name)
        {
            r.purpose = "purpose | with `ticks` and <b>tags</b>".to_string();
        }
        plan.warnings.push(crate::plan::Finding {
            rule: "W999 test".into(),
            field: "x".into(),
            message: "warn <script>x</script> | `y`".into(),
            hint: Some("hint ] ( [".into()),
        });
        plan
    }

    fn runbook_text(plan: &Plan, ctx: &Context) -> String {
        let (path, text) = render(plan, ctx).expect("renders").remove(0);
        text.into_string(&path).expect("renders")
    }

    #[test]
    fn hostile_text_is_escaped_everywhere() {
        let plan = hostile_plan();
        let ctx = Context::new("scenarios/hostile-->x.yaml");
        let text = &runbook_text(&plan, &ctx);
        assert!(text.starts_with("<!-- Generated by amlpe"), "{text}");
        assert_eq!(
            text.lines().next().map(|l| l.matches("-->").count()),
            Some(1)
        );
        // Outside code spans and code blocks nothing hostile survives raw.
        // Shell blocks show values verbatim, single-quoted; the diagram holds no raw markup.
        let mut fence: Option<&str> = None;
        for line in text.lines() {
            if let Some(lang) = line.strip_prefix("```") {
                fence = if fence.is_some() { None } else { Some(lang) };
                continue;
            }
            match fence {
                Some("mermaid") => {
                    assert!(!raw(&line.replace("<br/>", ""), '<'), "raw markup: {line}");
                    continue;
                }
                Some(_) => {
                    if line.contains("pe<img") {
                        assert!(line.contains("'pe<img"), "unquoted in a command: {line}");
                    }
                    continue;
                }
                None => {}
            }
            let prose: String = strip_code_spans(line);
            if !line.starts_with("<!--") {
                assert!(!raw(&prose, '<'), "unescaped markup: {line}");
            }
            assert!(!prose.contains("](http://evil"), "{line}");
        }
        // Every row of a table has as many cells as its header.
        let mut header: Option<usize> = None;
        for line in text.lines() {
            if line.starts_with('|') {
                let cells = split_cells(line);
                match header {
                    None => header = Some(cells),
                    Some(h) => assert_eq!(cells, h, "a value split a table row: {line}"),
                }
            } else {
                header = None;
            }
        }
        assert!(text.contains(r"\<script\>alert\(1\)\</script\>"), "{text}");
        assert!(text.contains(r"a \| b"), "{text}");
        assert!(text.contains(r"\`rm -rf /\`"), "{text}");
        assert!(
            text.contains(r"warn \<script\>x\</script\> \| \`y\`"),
            "{text}"
        );
    }

    /// Whether `c` occurs without a backslash before it.
    fn raw(s: &str, c: char) -> bool {
        let mut prev = ' ';
        for x in s.chars() {
            if x == c && prev != '\\' {
                return true;
            }
            prev = x;
        }
        false
    }

    /// Cell count of a table row, honouring `\|` escapes.
    fn split_cells(line: &str) -> usize {
        let mut n = 0;
        let mut prev = ' ';
        for c in line.chars() {
            if c == '|' && prev != '\\' {
                n += 1;
            }
            prev = c;
        }
        n
    }

    fn strip_code_spans(line: &str) -> String {
        let mut out = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '`' {
                let mut fence = 1;
                while chars.peek() == Some(&'`') {
                    chars.next();
                    fence += 1;
                }
                let mut run = 0;
                for d in chars.by_ref() {
                    if d == '`' {
                        run += 1;
                        if run == fence {
                            break;
                        }
                    } else {
                        run = 0;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn mermaid_labels_and_ids_are_safe() {
        let plan = hostile_plan();
        let text = runbook_text(&plan, &Context::new("x.yaml"));
        let block: Vec<&str> = text
            .lines()
            .skip_while(|l| *l != "```mermaid")
            .skip(1)
            .take_while(|l| *l != "```")
            .collect();
        assert!(!block.is_empty());
        for line in &block {
            assert!(!line.contains("<img"), "{line}");
            assert!(!line.contains('`'), "{line}");
            // Quotes only delimit labels: an even number per line.
            assert_eq!(line.matches('"').count() % 2, 0, "{line}");
        }
        assert!(block.iter().any(|l| l.contains("pe#lt;img")), "{block:?}");
    }

    /// Shapes the shipped scenarios do not cover: the China cloud, no DNS zones at all, a
    /// compute instance, AKS attached as the legacy type, public access enabled.
    #[test]
    fn other_shapes_render_for_their_cloud() {
        let scenario: crate::scenario::Scenario = serde_json::from_value(serde_json::json!({
            "name": "variant",
            "cloud": "AzureChinaCloud",
            "location": "chinaeast2",
            "resource_group": "rg-v",
            "workspace": {
                "name": "mlw-v",
                "public_network_access": "Enabled",
                "storage_account": { "name": "stv" },
                "key_vault": { "name": "kv-v" },
                "container_registry": { "name": "crv12" },
                "application_insights": { "name": "appi-v" }
            },
            "networks": [{
                "name": "vnet-a",
                "address_space": ["10.5.0.0/16"],
                "subnets": [
                    { "name": "snet-pe", "prefix": "10.5.1.0/24" },
                    { "name": "snet-ci", "prefix": "10.5.2.0/24" },
                    { "name": "snet-aks", "prefix": "10.5.16.0/20" }
                ],
                "endpoints": {
                    "subnet": "snet-pe",
                    "targets": ["workspace", "storage-blob", "storage-file", "key-vault", "container-registry"]
                },
                "dns": { "zones": "none" }
            }],
            "computes": [{ "name": "ci-v", "kind": "instance", "vm_size": "Standard_DS3_v2", "network": "vnet-a", "subnet": "snet-ci" }],
            "kubernetes": [{ "name": "aks-v", "network": "vnet-a", "subnet": "snet-aks", "vm_size": "Standard_D4s_v5", "attach_as": "aks" }]
        }))
        .expect("scenario");
        let plan = crate::plan::build(&scenario, &[]);
        let text = runbook_text(&plan, &Context::new("v.yaml"));
        for want in [
            "privatelink.api.ml.azure.cn",
            "`kv-v.vault.azure.cn`",
            "https://portal.azure.cn",
            "az cloud set --name AzureChinaCloud",
            "az deployment group create",
            "Public access is **Enabled** here",
            "compute instance `ci-v`",
            "AKS cluster `aks-v`",
            "managed outside this deployment",
        ] {
            assert!(text.contains(want), "missing {want}:\n{text}");
        }
        for unwanted in [
            "azureml.ms",
            "windows.net",
            "azurecr.io",
            "az deployment sub create",
        ] {
            assert!(!text.contains(unwanted), "{unwanted} in a China runbook");
        }
        let diagram: Vec<&str> = text
            .lines()
            .skip_while(|l| *l != "```mermaid")
            .take_while(|l| *l != "```")
            .collect();
        let opened = diagram
            .iter()
            .filter(|l| l.trim_start().starts_with("subgraph "))
            .count();
        let closed = diagram.iter().filter(|l| l.trim() == "end").count();
        assert_eq!(opened, closed);
        assert!(diagram.iter().any(|l| l.contains("aks-v")));
        assert!(diagram.iter().any(|l| l.contains("ci-v")));
    }

    #[test]
    fn node_ids_are_plain_and_unique() {
        let mut ids = Ids::default();
        assert_eq!(ids.make("pe", "end"), "pe_end");
        assert_eq!(ids.make("pe", "end"), "pe_end_2");
        assert_eq!(ids.make("s", "a-b.c<d>"), "s_a_b_c_d_");
    }

    #[test]
    fn step_ranges_read_like_prose() {
        assert_eq!(ranges(vec![5, 3, 4, 12, 9, 10]), "3–5, 9–10, 12");
        assert_eq!(ranges(vec![]), "");
    }

    #[test]
    fn comments_cannot_be_closed_early() {
        assert_eq!(html_comment("a-->b\nc"), "a- ->b c");
    }
}
