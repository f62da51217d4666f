//! The runbook: the one document an operator follows and a reviewer signs off, rendered from
//! the plan so it names exactly what the Bicep, ARM and scripts deploy.
//!
//! `templates/runbook/` spells it. This module builds what they see: names, address ranges,
//! zone names per cloud, step numbers, which rows apply, and the topology diagram as blocks,
//! nodes, edges and classes. Every scenario value reaches Markdown through the `md`/`mdcode`
//! filters, Mermaid labels through `mermaid`, and shell commands through `sh`; Mermaid node
//! ids are derived here from plan symbols and hold only ASCII letters, digits and underscores.
//!
//! Building the view indexes the plan once (symbols, steps, VNets, links), so the work grows
//! with the size of the runbook, not with the square of the estate.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::Hash;

use serde::Serialize;
use serde_json::Value;

use super::{paths, Context, RenderError, Templates};
use crate::catalog::{self, ResourceType};
use crate::emit::OutFile;
use crate::plan::{Endpoint, Finding, NetworkInfo, Parameter, Plan, Resource};
use crate::plan::{ResourceGroupPlan, Scope, Zone};
use crate::scenario::WorkspaceUser;
use crate::scenario::{Cloud, Legacy, Target};

/// Beyond this many VNets the diagram draws the first ones and sums up the rest in one node:
/// Mermaid refuses large diagrams, and nobody reads a hundred subgraphs.
const DIAGRAM_VNETS: usize = 4;

/// The index of all scenarios, at the top of the output folder.
const INDEX: &str = "README.md";

/// The files of this kind for one scenario: (path inside the scenario folder, contents).
pub fn render(
    t: &Templates,
    plan: &Plan,
    ctx: &Context,
) -> Result<Vec<(String, String)>, RenderError> {
    let text = t.render("runbook/RUNBOOK.md", Runbook::build(plan, ctx))?;
    Ok(vec![(paths::RUNBOOK.to_string(), tidy(&text))])
}

/// A line of `runbook/README.md`, the index of all scenarios.
#[derive(Serialize)]
struct IndexLine<'p> {
    name: &'p str,
    description: &'p str,
    cloud: &'p str,
    location: &'p str,
    workspace: &'p str,
    workspace_existing: bool,
    vnets: usize,
    endpoints: usize,
}

/// `out/README.md`: one line per scenario.
pub fn render_index(t: &Templates, plans: &[(Plan, Context)]) -> Result<Vec<OutFile>, RenderError> {
    let mut scenarios: Vec<IndexLine> = (plans.iter())
        .map(|(p, _)| IndexLine {
            name: &p.scenario,
            description: &p.description,
            cloud: &p.cloud,
            location: &p.location,
            workspace: &p.workspace,
            workspace_existing: p.workspace_existing,
            vnets: p.networks.len(),
            endpoints: p.endpoints.len(),
        })
        .collect();
    scenarios.sort_by(|a, b| a.name.cmp(b.name));
    // The index describes a folder of scenario files: name the folder, not one file.
    let folders: BTreeSet<String> = (plans.iter())
        .map(|(_, c)| match std::path::Path::new(&c.source).parent() {
            Some(p) if !p.as_os_str().is_empty() => p.display().to_string(),
            _ => ".".to_string(),
        })
        .collect();
    let source = folders.into_iter().collect::<Vec<_>>().join(", ");
    let header = Context::new(&format!("{source}/")).header;
    let view =
        serde_json::json!({ "header": header, "runbook": paths::RUNBOOK, "scenarios": scenarios });
    let text = t.render("runbook/README.md", &view)?;
    Ok(vec![OutFile {
        path: INDEX.into(),
        contents: tidy(&text),
    }])
}

/// One blank line at most between blocks, none at the start or the end, no trailing spaces,
/// one final newline: the templates stay readable and markdownlint stays quiet.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = false;
    for line in s.split('\n').map(str::trim_end) {
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if std::mem::take(&mut blank) {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Runs of step numbers as (first, last), in order, each number once.
fn ranges(mut ns: Vec<usize>) -> Vec<(usize, usize)> {
    ns.sort_unstable();
    ns.dedup();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for n in ns {
        match out.last_mut() {
            Some((_, last)) if *last + 1 == n => *last = n,
            _ => out.push((n, n)),
        }
    }
    out
}

/// Items under their key, the keys in the order first met.
fn gather<K: Hash + Eq + Clone, T>(items: impl IntoIterator<Item = (K, T)>) -> Vec<(K, Vec<T>)> {
    let mut out: Vec<(K, Vec<T>)> = Vec::new();
    let mut at: HashMap<K, usize> = HashMap::new();
    for (k, t) in items {
        match at.entry(k.clone()) {
            Entry::Occupied(i) => out[*i.get()].1.push(t),
            Entry::Vacant(slot) => {
                slot.insert(out.len());
                out.push((k, vec![t]));
            }
        }
    }
    out
}

/// Each item once, in the order first met.
fn unique<'a>(items: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = HashSet::new();
    items.into_iter().filter(|s| seen.insert(*s)).collect()
}

/// The symbol a `{"$ref": ...}` reference names, at `pointer` in a resource's properties.
fn ref_at<'p>(r: &'p Resource, pointer: &str) -> Option<&'p str> {
    r.properties.pointer(pointer)?.get("$ref")?.as_str()
}

fn compute_type(r: &Resource) -> Option<&str> {
    r.properties.get("computeType").and_then(Value::as_str)
}

/// The runbook leaves out an empty subscription as it does a missing one.
fn nonempty(s: Option<&String>) -> Option<&str> {
    s.map(String::as_str).filter(|s| !s.is_empty())
}

/// The plan, indexed once so views of large estates stay linear.
struct Index<'p> {
    plan: &'p Plan,
    step_of: HashMap<&'p str, usize>,
    /// Resource type -> its resources, in plan order.
    by_type: HashMap<&'p str, Vec<&'p Resource>>,
    /// Subnet symbol -> (VNet name, subnet name).
    subnet_place: HashMap<&'p str, (&'p str, &'p str)>,
    /// VNet name -> the endpoints in it, in plan order.
    by_vnet: HashMap<&'p str, Vec<&'p Endpoint>>,
    /// Zone symbol -> the zone (the first of that symbol).
    zone: HashMap<&'p str, &'p Zone>,
    /// (zone symbol, VNet name) for every link of a zone to a VNet.
    linked: HashSet<(&'p str, &'p str)>,
}

impl<'p> Index<'p> {
    fn new(plan: &'p Plan) -> Self {
        let mut by_type: HashMap<&str, Vec<&Resource>> = HashMap::new();
        for r in &plan.resources {
            by_type.entry(&r.ty).or_default().push(r);
        }
        let mut by_vnet: HashMap<&str, Vec<&Endpoint>> = HashMap::new();
        for e in &plan.endpoints {
            by_vnet.entry(&e.network).or_default().push(e);
        }
        let subnets =
            |n: &'p NetworkInfo| n.subnets.iter().map(|s| (&*s.symbol, (&*n.name, &*s.name)));
        let links = |z: &'p Zone| z.links.iter().map(|l| (&*z.symbol, &**l));
        Self {
            plan,
            step_of: (plan.steps.iter())
                .filter(|s| s.kind == "resource")
                .map(|s| (s.target.as_str(), s.n))
                .collect(),
            by_type,
            subnet_place: plan.networks.iter().flat_map(subnets).collect(),
            by_vnet,
            // Collected last to first, so the first of a symbol is the one kept.
            zone: plan.zones.iter().rev().map(|z| (&*z.symbol, z)).collect(),
            linked: plan.zones.iter().flat_map(links).collect(),
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

    /// The resource a child belongs to, or the one an extension attaches to.
    fn owner(&self, r: &Resource) -> Option<&'p Resource> {
        self.get(r.parent.as_deref().or(r.scope.as_deref())?)
    }

    /// `owner/name` for a child or an extension, the name otherwise.
    fn display_name(&self, r: &Resource) -> String {
        match self.owner(r) {
            Some(p) => format!("{}/{}", p.name, r.name),
            None => r.name.clone(),
        }
    }

    fn step(&self, symbol: &str) -> Option<usize> {
        self.step_of.get(symbol).copied()
    }

    /// The steps of these symbols, as ranges.
    fn steps<'s>(&self, symbols: impl IntoIterator<Item = &'s str>) -> Vec<(usize, usize)> {
        ranges(symbols.into_iter().filter_map(|s| self.step(s)).collect())
    }

    fn of_type(&self, ty: ResourceType) -> impl Iterator<Item = &'p Resource> + '_ {
        self.by_type.get(ty.name).into_iter().flatten().copied()
    }

    fn is_linked(&self, zone: &str, vnet: &str) -> bool {
        self.linked.contains(&(zone, vnet))
    }

    /// (VNet name, subnet name) of the subnet a reference names; empty when it names none.
    fn place(&self, subnet: Option<&str>) -> (&'p str, &'p str) {
        let at = subnet.and_then(|s| self.subnet_place.get(s));
        at.copied().unwrap_or(("", ""))
    }
}

// ---------------------------------------------------------------------------------------------
// The view.

/// What `runbook/RUNBOOK.md` sees.
#[derive(Serialize)]
struct Runbook<'p> {
    header: &'p str,
    scenario: &'p str,
    description: &'p str,
    cloud: &'p str,
    portal: &'static str,
    location: &'p str,
    resource_group: &'p str,
    workspace: &'p str,
    workspace_group: &'p str,
    workspace_existing: bool,
    /// The workspace resource's properties (null when it has none).
    workspace_properties: Option<&'p Value>,
    public_access: &'p str,
    subscription_scope: bool,
    /// `isolated`, `add` or `single`: which part of the spec the deployment follows.
    topology: &'static str,
    /// More than one VNet holds a workspace endpoint.
    multi: bool,
    /// The VNet of the endpoints of the workspace and all its dependencies.
    primary: &'p str,
    resource_groups: &'p [ResourceGroupPlan],
    /// The groups that hold resources the deployment only references, each name once.
    existing_groups: Vec<&'p str>,
    /// The scenario's group is made with `az group create` before a group-scope deployment.
    create_group: bool,
    /// The parameters the templates declare (those their resources use), as the parameter
    /// files set them.
    parameters: Vec<&'p Parameter>,
    /// No VNet gets zones or zone groups from this deployment (`zones: none` everywhere).
    dns_none: bool,
    /// The templates set the workspace's public access (a new workspace).
    templates_set_public_access: bool,
    steps: Vec<StepView<'p>>,
    warnings: &'p [Finding],
    legacy: &'p [Legacy],
    dependencies: Vec<Named<'p>>,
    groups: Vec<GroupView<'p>>,
    vnets: Vec<VnetView<'p>>,
    computes: Vec<ComputeView<'p>>,
    aks: Vec<AksView<'p>>,
    existing_zones: Vec<ZoneSet<'p>>,
    /// Regions of the VNets that hold endpoints, each once.
    vnet_regions: Vec<&'p str>,
    /// The public zone of the workspace's API in this cloud (`api.azureml.ms` ...).
    api_forward: &'static str,
    /// The public zones custom DNS servers must forward to Azure DNS.
    forward_zones: Vec<&'p str>,
    /// Targets whose connections wait for approval, each once, with their endpoints.
    manual: Vec<ManualTarget<'p>>,
    /// A manual endpoint lives in the deploying subscription (its id is known at deploy time).
    manual_in_deploying_subscription: bool,
    manual_endpoints: Vec<&'p str>,
    /// What the people who use the workspace need, when data access goes by identity.
    access: Option<Access<'p>>,
    /// The deployment writes role assignments (the deployer needs the right to).
    assigns_roles: bool,
    /// A new workspace must be deployed in this subscription (its computes' VNet is there).
    compute_subscription: Option<&'p str>,
    spec: SpecSteps,
    diagram: Diagram<'p>,
    teardown: Teardown<'p>,
    files: Files,
}

/// A numbered step of the plan (the plan's own records carry more than the list shows).
#[derive(Serialize)]
struct StepView<'p> {
    n: usize,
    title: &'p str,
}

#[derive(Serialize)]
struct Named<'p> {
    /// `storage`, `vault`, `registry`, `appi` or `log`.
    kind: &'static str,
    name: &'p str,
    group: &'p str,
    existing: bool,
}

#[derive(Serialize)]
struct GroupView<'p> {
    name: &'p str,
    /// Holds resources this deployment creates, and resources that must outlive a teardown.
    create: bool,
    holds_existing: bool,
    subscription: Option<&'p str>,
    resources: Vec<ResourceRow<'p>>,
}

#[derive(Serialize)]
struct ResourceRow<'p> {
    kind: &'static str,
    name: String,
    purpose: &'p str,
    existing: bool,
}

#[derive(Serialize)]
struct VnetView<'p> {
    #[serde(flatten)]
    network: &'p NetworkInfo,
    endpoint_subnet: &'p str,
    endpoint_prefix: &'p str,
    endpoints: Vec<EndpointView<'p>>,
    has_workspace_endpoint: bool,
    /// Dependencies the VNet lacks endpoints for, when it has one for the workspace.
    missing: Vec<Target>,
    computes: Vec<ComputeView<'p>>,
    aks: Vec<AksView<'p>>,
    /// Clients sit in a subnet of this VNet (or reach it by peering, VPN or ExpressRoute).
    clients: bool,
    clients_subnet: &'p str,
    /// The zones of the VNet's endpoints, gathered per resource group for the record listing.
    zone_sets: Vec<ZoneSet<'p>>,
    unlinked_zones: Vec<&'p str>,
    add_script: String,
    remove_script: String,
    /// A VNet of another name that holds a workspace endpoint and every dependency endpoint,
    /// and how many more do.
    other_complete: &'p str,
    other_complete_more: usize,
    steps: VnetSteps<'p>,
}

#[derive(Serialize)]
struct EndpointView<'p> {
    #[serde(flatten)]
    endpoint: &'p Endpoint,
    target_name: &'p str,
    target_group: &'p str,
    target_type: &'p str,
    target_existing: bool,
    /// Per zone of the endpoint: the group of the zone when the plan has it, and whether it
    /// is linked to the VNet.
    places: Vec<(Option<&'p str>, bool)>,
    steps: Vec<(usize, usize)>,
}

#[derive(Clone, Serialize)]
struct ComputeView<'p> {
    name: &'p str,
    /// `cluster` or `instance`.
    kind: &'static str,
    vnet: &'p str,
    subnet: &'p str,
    location: &'p str,
}

#[derive(Clone, Serialize)]
struct AksView<'p> {
    name: &'p str,
    vnet: &'p str,
    subnet: &'p str,
    location: &'p str,
    /// The compute that attaches it, as `Kubernetes` (the Azure ML extension) or the legacy
    /// `AKS` type.
    compute: &'p str,
    attach_as: &'p str,
    extension: Option<&'p str>,
    /// The inference router's TLS (`sslCname`, `sslSecret`), when the extension has it.
    tls: Option<AksTls<'p>>,
    /// The nodes encrypt at host (a subscription feature must be registered first).
    encryption_at_host: bool,
    /// The role assignment that lets the cluster's identity use its subnet.
    subnet_role: bool,
    #[serde(skip)]
    cluster: &'p str,
    /// The extension and the attaching compute.
    #[serde(skip)]
    attach: Vec<&'p str>,
}

#[derive(Clone, Serialize)]
struct AksTls<'p> {
    cname: &'p str,
    secret: &'p str,
}

#[derive(Serialize)]
struct ZoneSet<'p> {
    group: &'p str,
    subscription: Option<&'p str>,
    zones: Vec<&'p str>,
}

#[derive(Serialize)]
struct ManualTarget<'p> {
    endpoints: Vec<&'p str>,
    /// This deployment's endpoints, whose connections alone are approved.
    ids: Vec<EndpointId<'p>>,
    /// The target's subscription when the scenario names it (an existing target).
    subscription: Option<&'p str>,
    target: Target,
    label: &'p str,
    name: &'p str,
    group: &'p str,
    ty: &'p str,
}

/// The roles the users of a workspace need when its storage takes no shared key, and who gets
/// them from this deployment.
#[derive(Serialize)]
struct Access<'p> {
    users: &'p [WorkspaceUser],
    roles: Vec<RoleView<'p>>,
    /// The steps of deploy.sh that grant them.
    steps: Vec<(usize, usize)>,
}

#[derive(Serialize)]
struct RoleView<'p> {
    name: &'static str,
    id: &'static str,
    /// `workspace` or `storage account`, its name and resource group.
    on: &'static str,
    target: &'p str,
    group: &'p str,
}

/// The parts of a private endpoint's id; no subscription: the deploying one.
#[derive(Serialize)]
struct EndpointId<'p> {
    subscription: Option<&'p str>,
    group: &'p str,
    name: &'p str,
}

#[derive(Serialize)]
struct Files {
    bicep: &'static str,
    bicep_params: &'static str,
    arm: &'static str,
    arm_params: &'static str,
    workspace_yaml: &'static str,
    deploy: &'static str,
    enable_public: &'static str,
    disable_public: &'static str,
    legacy_cli: &'static str,
    legacy_sdk: &'static str,
    cli_v1_end: &'static str,
    sdk_v1_end: &'static str,
    workspace_type: &'static str,
    app_insights_type: &'static str,
}

/// The plan's steps that carry out the spec's steps for the whole deployment.
#[derive(Serialize)]
struct SpecSteps {
    groups: Vec<(usize, usize)>,
    /// The workspace and its dependencies.
    workspace: Vec<(usize, usize)>,
    computes: Vec<(usize, usize)>,
    /// AKS clusters, their extensions and the computes that attach them, by name.
    attach: Vec<(usize, usize)>,
    attach_names: Vec<String>,
}

/// The plan's steps that carry out the spec's steps in one VNet.
#[derive(Serialize)]
struct VnetSteps<'p> {
    /// The VNet, its subnets and their network security groups; with its AKS clusters; the
    /// extensions and computes that attach them.
    network: Vec<(usize, usize)>,
    clusters: Vec<(usize, usize)>,
    attach: Vec<(usize, usize)>,
    /// The endpoints of the workspace, and those of its dependencies.
    ws: EndpointSteps<'p>,
    deps: EndpointSteps<'p>,
}

#[derive(Serialize)]
struct EndpointSteps<'p> {
    names: Vec<&'p str>,
    zones: Vec<&'p str>,
    /// A zone they register in exists already.
    existing: bool,
    /// The endpoints; their zone groups, zones created here and those zones' links to the
    /// VNet; both.
    endpoints: Vec<(usize, usize)>,
    dns: Vec<(usize, usize)>,
    all: Vec<(usize, usize)>,
}

/// What the teardown deletes, in order, and what it keeps.
#[derive(Serialize)]
struct Teardown<'p> {
    resources: Vec<Torn<'p>>,
    computes: bool,
    workspace: Option<&'p str>,
    groups: Vec<&'p str>,
    kept_groups: Vec<&'p str>,
    vault: Option<&'p Resource>,
}

#[derive(Serialize)]
struct Torn<'p> {
    /// `compute`, `attached` (an attached compute), `extension`, `aks`, `workspace`, `pe`,
    /// `link`, `zone`, `vnet`, `nsg`, `registry`, `vault`, `storage`, `appi` or `log`.
    kind: &'static str,
    name: &'p str,
    group: &'p str,
    /// The cluster of an extension, the zone of a link, and the subscription of that zone.
    owner: &'p str,
    subscription: Option<&'p str>,
}

impl<'p> Runbook<'p> {
    fn build(plan: &'p Plan, ctx: &'p Context) -> Self {
        let ix = &Index::new(plan);
        let cloud: Cloud =
            serde_json::from_value(Value::String(plan.cloud.clone())).unwrap_or_default();
        let ws = ix.of_type(catalog::WORKSPACE).next();
        let dependencies = [
            (catalog::STORAGE, "storage"),
            (catalog::KEY_VAULT, "vault"),
            (catalog::REGISTRY, "registry"),
            (catalog::APP_INSIGHTS, "appi"),
            (catalog::LOG_ANALYTICS, "log"),
        ];
        let dependencies = (dependencies.into_iter())
            .flat_map(|(ty, kind)| ix.of_type(ty).map(move |r| (kind, r)))
            .map(|(kind, r)| Named {
                kind,
                name: &r.name,
                group: ix.group_of(r),
                existing: r.existing,
            })
            .collect();
        let computes = computes(ix);
        let aks = aks_clusters(ix);
        let vnets = vnet_views(ix, &computes, &aks);
        let multi = vnets.iter().filter(|v| v.has_workspace_endpoint).count() > 1;
        let endpoints = || vnets.iter().flat_map(|v| &v.endpoints);
        let manual = gather(
            (endpoints().filter(|e| e.endpoint.manual_approval))
                .map(|e| ((e.target_name, e.target_type), e)),
        );
        let manual: Vec<ManualTarget> = (manual.into_iter())
            .map(|(_, es)| ManualTarget {
                endpoints: es.iter().map(|e| e.endpoint.name.as_str()).collect(),
                ids: (es.iter())
                    .map(|e| EndpointId {
                        subscription: nonempty(
                            ix.get(&e.endpoint.symbol)
                                .and_then(|r| r.subscription.as_ref()),
                        ),
                        group: &e.endpoint.resource_group,
                        name: &e.endpoint.name,
                    })
                    .collect(),
                subscription: nonempty(
                    ix.get(&es[0].endpoint.target_symbol)
                        .and_then(|r| r.subscription.as_ref()),
                ),
                target: es[0].endpoint.target,
                label: &es[0].endpoint.target_label,
                name: es[0].target_name,
                group: es[0].target_group,
                ty: es[0].target_type,
            })
            .collect();
        let forwarded = plan.endpoints.iter().flat_map(|e| &e.zones);
        let forward_zones = catalog::forwarded_workspace_zones(cloud).iter().copied();
        let is_attach = |r: &Resource| {
            [catalog::AKS.name, catalog::K8S_EXTENSION.name].contains(&r.ty.as_str())
                || (r.ty == catalog::COMPUTE.name && !is_compute(r))
        };
        let workspace = [
            catalog::LOG_ANALYTICS,
            catalog::APP_INSIGHTS,
            catalog::STORAGE,
            catalog::KEY_VAULT,
            catalog::REGISTRY,
            catalog::WORKSPACE,
        ];
        let is_workspace = |r: &Resource| workspace.iter().any(|t| t.name == r.ty);
        let symbols = |pred: &dyn Fn(&Resource) -> bool| -> Vec<&'p str> {
            let of = plan.resources.iter().filter(|r| pred(r));
            of.map(|r| r.symbol.as_str()).collect()
        };
        let groups = plan.steps.iter().filter(|s| s.kind == "resource-group");
        Runbook {
            header: &ctx.header,
            scenario: &plan.scenario,
            description: &plan.description,
            cloud: &plan.cloud,
            portal: catalog::portal(cloud),
            location: &plan.location,
            resource_group: &plan.resource_group,
            workspace: &plan.workspace,
            workspace_group: ws.map_or(plan.resource_group.as_str(), |w| ix.group_of(w)),
            workspace_existing: plan.workspace_existing,
            workspace_properties: ws.map(|w| &w.properties),
            public_access: &plan.public_network_access,
            subscription_scope: plan.scope == Scope::Subscription,
            topology: match (multi, plan.workspace_existing) {
                (true, _) => "isolated",
                (false, true) => "add",
                (false, false) => "single",
            },
            multi,
            primary: primary_vnet(&vnets),
            resource_groups: &plan.resource_groups,
            existing_groups: {
                let mut seen = HashSet::new();
                (plan.resource_groups.iter())
                    .filter(|g| g.exists && seen.insert(g.name.to_lowercase()))
                    .map(|g| g.name.as_str())
                    .collect()
            },
            create_group: plan.resource_groups.iter().any(|g| {
                g.create && !g.exists && g.name.eq_ignore_ascii_case(&plan.resource_group)
            }),
            parameters: {
                let layout = super::layout::Layout::new(plan);
                match plan.scope {
                    Scope::ResourceGroup => layout.used_parameters(&layout.created()),
                    Scope::Subscription => layout.subscription_parameters(),
                }
            },
            templates_set_public_access: !plan.workspace_existing,
            dns_none: (plan.networks.iter()).all(|n| n.dns == crate::scenario::ZoneMode::None),
            steps: (plan.steps.iter())
                .map(|s| StepView {
                    n: s.n,
                    title: &s.title,
                })
                .collect(),
            warnings: &plan.warnings,
            legacy: &plan.legacy,
            dependencies,
            groups: group_views(ix),
            existing_zones: zone_sets(ix, plan.zones.iter().filter(|z| z.existing)),
            vnet_regions: unique(
                (vnets.iter().filter(|v| !v.endpoints.is_empty())).map(|v| &*v.network.location),
            ),
            api_forward: (catalog::zones(cloud, Target::Workspace).first())
                .map_or("", |z| z.forward),
            forward_zones: unique(forward_zones.chain(forwarded.map(|z| &*z.forward))),
            manual_in_deploying_subscription: (manual.iter())
                .flat_map(|m| &m.ids)
                .any(|i| i.subscription.is_none()),
            manual,
            manual_endpoints: (endpoints().filter(|e| e.endpoint.manual_approval))
                .map(|e| e.endpoint.name.as_str())
                .collect(),
            access: access(ix, ws),
            assigns_roles: (plan.resources.iter()).any(|r| r.ty == catalog::ROLE_ASSIGNMENT.name),
            compute_subscription: plan.compute_subscription.as_deref(),
            spec: SpecSteps {
                groups: ranges(groups.map(|s| s.n).collect()),
                workspace: ix.steps(symbols(&is_workspace)),
                computes: ix.steps(symbols(&is_compute)),
                attach: ix.steps(symbols(&is_attach)),
                attach_names: (plan.resources.iter().filter(|r| is_attach(r)))
                    .map(|r| ix.display_name(r))
                    .collect(),
            },
            diagram: diagram(ix, &vnets),
            teardown: teardown(ix),
            files: Files {
                bicep: paths::BICEP,
                bicep_params: paths::BICEP_PARAMS,
                arm: paths::ARM,
                arm_params: paths::ARM_PARAMS,
                workspace_yaml: paths::WORKSPACE_YAML,
                deploy: paths::DEPLOY,
                enable_public: paths::ENABLE_PUBLIC,
                disable_public: paths::DISABLE_PUBLIC,
                legacy_cli: paths::LEGACY_CLI,
                legacy_sdk: paths::LEGACY_SDK,
                cli_v1_end: catalog::CLI_V1_END_OF_SUPPORT,
                sdk_v1_end: catalog::SDK_V1_END_OF_SUPPORT,
                workspace_type: catalog::WORKSPACE.name,
                app_insights_type: catalog::APP_INSIGHTS.name,
            },
            computes,
            aks,
            vnets,
        }
    }
}

/// A compute cluster or instance (not a compute that attaches a cluster).
fn is_compute(r: &Resource) -> bool {
    r.ty == catalog::COMPUTE.name
        && matches!(compute_type(r), Some("AmlCompute" | "ComputeInstance"))
}

/// One table per group, whatever the case of its name: the plan's groups in their order,
/// then any other group a resource lives in. A group without resources gets no table.
fn group_views<'p>(ix: &Index<'p>) -> Vec<GroupView<'p>> {
    let plan = ix.plan;
    let mut rank: HashMap<String, usize> = HashMap::new();
    for (i, g) in plan.resource_groups.iter().enumerate() {
        rank.entry(g.name.to_lowercase()).or_insert(i);
    }
    let mut groups = gather(
        plan.resources
            .iter()
            .map(|r| (ix.group_of(r).to_lowercase(), r)),
    );
    groups.sort_by_key(|(g, _)| rank.get(g).copied().unwrap_or(usize::MAX));
    let subscription = |rs: &[&'p Resource]| {
        let roots = rs.iter().rev().filter(|r| r.parent.is_none());
        nonempty(roots.filter_map(|r| r.subscription.as_ref()).next())
    };
    (groups.into_iter())
        .map(|(_, rs)| GroupView {
            name: ix.group_of(rs[0]),
            create: rs.iter().any(|r| !r.existing),
            holds_existing: rs.iter().any(|r| r.existing),
            subscription: subscription(&rs),
            resources: (rs.iter())
                .map(|r| ResourceRow {
                    kind: catalog::resource_type(&r.ty).map_or("Resource", |t| t.label),
                    name: ix.display_name(r),
                    purpose: &r.purpose,
                    existing: r.existing,
                })
                .collect(),
        })
        .collect()
}

/// Zones gathered per (group, subscription), in the order first met.
fn zone_sets<'p>(ix: &Index<'p>, zones: impl Iterator<Item = &'p Zone>) -> Vec<ZoneSet<'p>> {
    let keyed = zones.map(|z| {
        let sub = ix.get(&z.symbol).and_then(|r| r.subscription.as_ref());
        ((&*z.resource_group, sub), &*z.name)
    });
    (gather(keyed).into_iter())
        .map(|((group, sub), zones)| ZoneSet {
            group,
            subscription: nonempty(sub),
            zones,
        })
        .collect()
}

/// A resource's location: the scenario's region unless the plan pins another.
fn location_of<'p>(r: &'p Resource, plan: &'p Plan) -> &'p str {
    r.location
        .as_ref()
        .and_then(Value::as_str)
        .unwrap_or(&plan.location)
}

fn computes<'p>(ix: &Index<'p>) -> Vec<ComputeView<'p>> {
    (ix.of_type(catalog::COMPUTE).filter(|r| is_compute(r)))
        .map(|r| {
            let (vnet, subnet) = ix.place(ref_at(r, "/properties/subnet/id"));
            ComputeView {
                name: &r.name,
                kind: match compute_type(r) {
                    Some("AmlCompute") => "cluster",
                    _ => "instance",
                },
                vnet,
                subnet,
                location: location_of(r, ix.plan),
            }
        })
        .collect()
}

fn aks_clusters<'p>(ix: &Index<'p>) -> Vec<AksView<'p>> {
    // Cluster symbol -> the compute that attaches it, and its Azure ML extension (the first
    // of each).
    let mut attach_of: HashMap<&str, &Resource> = HashMap::new();
    for c in ix.of_type(catalog::COMPUTE) {
        if let Some(cluster) = ref_at(c, "/resourceId") {
            attach_of.entry(cluster).or_insert(c);
        }
    }
    let mut extension_of: HashMap<&str, &Resource> = HashMap::new();
    for e in ix.of_type(catalog::K8S_EXTENSION) {
        if let Some(cluster) = e.scope.as_deref() {
            extension_of.entry(cluster).or_insert(e);
        }
    }
    (ix.of_type(catalog::AKS))
        .map(|r| {
            let (vnet, subnet) = ix.place(ref_at(r, "/agentPoolProfiles/0/vnetSubnetID"));
            let attach = attach_of.get(r.symbol.as_str()).copied();
            let extension = extension_of.get(r.symbol.as_str()).copied();
            AksView {
                name: &r.name,
                vnet,
                subnet,
                location: location_of(r, ix.plan),
                compute: attach.map_or("", |c| &c.name),
                attach_as: attach.and_then(compute_type).unwrap_or("Kubernetes"),
                extension: extension.map(|e| e.name.as_str()),
                tls: extension.and_then(|e| {
                    let (_, secret, cname) = catalog::AML_EXTENSION_TLS_SETTINGS;
                    let settings = &e.properties["configurationSettings"];
                    Some(AksTls {
                        cname: settings[cname].as_str()?,
                        secret: settings[secret].as_str()?,
                    })
                }),
                encryption_at_host: r.properties["agentPoolProfiles"]
                    .as_array()
                    .is_some_and(|pools| pools.iter().any(|p| p["enableEncryptionAtHost"] == true)),
                subnet_role: ix.of_type(catalog::ROLE_ASSIGNMENT).any(|a| {
                    a.properties["principalId"]["$principal"].as_str() == Some(r.symbol.as_str())
                }),
                cluster: &r.symbol,
                attach: [extension, attach]
                    .into_iter()
                    .flatten()
                    .map(|x| &*x.symbol)
                    .collect(),
            }
        })
        .collect()
}

fn vnet_views<'p>(
    ix: &Index<'p>,
    computes: &[ComputeView<'p>],
    aks: &[AksView<'p>],
) -> Vec<VnetView<'p>> {
    let plan = ix.plan;
    let planned = |ty: ResourceType| ix.of_type(ty).next().is_some();
    let dependencies = [
        (Target::StorageBlob, planned(catalog::STORAGE)),
        (Target::StorageFile, planned(catalog::STORAGE)),
        (Target::KeyVault, planned(catalog::KEY_VAULT)),
        (Target::ContainerRegistry, planned(catalog::REGISTRY)),
    ];
    let mut computes_in: HashMap<&str, Vec<ComputeView>> = HashMap::new();
    for c in computes {
        computes_in.entry(c.vnet).or_default().push(c.clone());
    }
    let mut aks_in: HashMap<&str, Vec<AksView>> = HashMap::new();
    for a in aks {
        aks_in.entry(a.vnet).or_default().push(a.clone());
    }
    // (zone symbol, VNet symbol) -> the link between them.
    let links: HashMap<(&str, &str), &str> = (ix.of_type(catalog::DNS_LINK))
        .filter_map(|r| {
            Some((
                (r.parent.as_deref()?, ref_at(r, "/virtualNetwork/id")?),
                &*r.symbol,
            ))
        })
        .collect();

    let mut views: Vec<VnetView> = (plan.networks.iter())
        .map(|n| {
            let eps = ix
                .by_vnet
                .get(n.name.as_str())
                .map_or(&[][..], Vec::as_slice);
            let endpoint_subnet = n.endpoint_subnet.as_deref().unwrap_or_default();
            let computes = computes_in
                .get(n.name.as_str())
                .cloned()
                .unwrap_or_default();
            let aks = aks_in.get(n.name.as_str()).cloned().unwrap_or_default();
            let has = |t: Target| eps.iter().any(|e| e.target == t);
            let has_ws = has(Target::Workspace);
            let endpoints = (eps.iter())
                .map(|e| {
                    let t = ix.get(&e.target_symbol);
                    let place = |z: &crate::plan::EndpointZone| {
                        let zone = z.zone_symbol.as_deref().and_then(|s| ix.zone.get(s));
                        let linked = zone.is_some_and(|zr| ix.is_linked(&zr.symbol, &n.name));
                        (zone.map(|zr| zr.resource_group.as_str()), linked)
                    };
                    EndpointView {
                        endpoint: e,
                        target_name: t.map_or("", |t| &t.name),
                        target_group: t.map_or("", |t| ix.group_of(t)),
                        target_type: t.map_or("", |t| &t.ty),
                        target_existing: t.is_some_and(|t| t.existing),
                        places: e.zones.iter().map(place).collect(),
                        steps: ix.steps(
                            [Some(&*e.symbol), e.zone_group.as_deref()]
                                .into_iter()
                                .flatten(),
                        ),
                    }
                })
                .collect();
            // The zones of the VNet's endpoints, each once.
            let zones = unique(
                eps.iter()
                    .flat_map(|e| &e.zones)
                    .filter_map(|z| z.zone_symbol.as_deref()),
            );
            let zones: Vec<&Zone> = zones
                .into_iter()
                .filter_map(|s| ix.zone.get(s).copied())
                .collect();
            // Clients take the first subnet nothing else uses, in a VNet without AKS.
            let busy: HashSet<&str> = (computes.iter().map(|c| c.subnet))
                .chain(aks.iter().map(|a| a.subnet))
                .chain([endpoint_subnet])
                .collect();
            let free = n.subnets.iter().find(|s| !busy.contains(s.name.as_str()));
            let clients_subnet = match has_ws && aks.is_empty() {
                true => free.map_or("", |s| &s.name),
                false => "",
            };
            // The NSGs of the subnets, and each endpoint's zone group, zones and their links.
            let nsgs = (n.subnets.iter()).filter_map(|s| {
                ix.get(&s.symbol)
                    .and_then(|r| ref_at(r, "/networkSecurityGroup/id"))
            });
            let network: Vec<&str> = (std::iter::once(&*n.symbol))
                .chain(n.subnets.iter().map(|s| &*s.symbol))
                .chain(nsgs)
                .collect();
            let clusters = network.iter().copied().chain(aks.iter().map(|a| a.cluster));
            let endpoint_steps = |ws: bool| {
                let eps: Vec<&&Endpoint> = (eps.iter())
                    .filter(|e| (e.target == Target::Workspace) == ws)
                    .collect();
                let mut dns: Vec<&str> = Vec::new();
                let mut existing = false;
                for e in &eps {
                    dns.extend(e.zone_group.as_deref());
                    for zs in e.zones.iter().filter_map(|z| z.zone_symbol.as_deref()) {
                        existing |= ix.get(zs).is_some_and(|r| r.existing);
                        dns.push(zs);
                        dns.extend(links.get(&(zs, &*n.symbol)).copied());
                    }
                }
                let pe = || eps.iter().map(|e| e.symbol.as_str());
                EndpointSteps {
                    names: eps.iter().map(|e| e.name.as_str()).collect(),
                    zones: unique(eps.iter().flat_map(|e| &e.zones).map(|z| &*z.zone)),
                    existing,
                    endpoints: ix.steps(pe()),
                    dns: ix.steps(dns.iter().copied()),
                    all: ix.steps(pe().chain(dns.iter().copied())),
                }
            };
            VnetView {
                network: n,
                endpoint_subnet,
                endpoint_prefix: (n.subnets.iter())
                    .find(|s| s.name == endpoint_subnet)
                    .and_then(|s| s.prefix.as_deref())
                    .unwrap_or_default(),
                endpoints,
                has_workspace_endpoint: has_ws,
                missing: (dependencies.iter())
                    .filter(|(t, planned)| has_ws && *planned && !has(*t))
                    .map(|(t, _)| *t)
                    .collect(),
                clients: !clients_subnet.is_empty(),
                clients_subnet,
                unlinked_zones: (zones.iter())
                    .filter(|z| !ix.is_linked(&z.symbol, &n.name))
                    .map(|z| z.name.as_str())
                    .collect(),
                zone_sets: zone_sets(ix, zones.into_iter()),
                add_script: paths::add_endpoints(&n.name),
                remove_script: paths::remove_endpoints(&n.name),
                other_complete: "",
                other_complete_more: 0,
                steps: VnetSteps {
                    network: ix.steps(network.iter().copied()),
                    clusters: ix.steps(clusters),
                    attach: ix.steps(aks.iter().flat_map(|a| a.attach.iter().copied())),
                    ws: endpoint_steps(true),
                    deps: endpoint_steps(false),
                },
                computes,
                aks,
            }
        })
        .collect();

    // No subnet is left for clients: they reach the VNet of the workspace endpoint that runs
    // no AKS by peering, VPN or ExpressRoute.
    if !views.iter().any(|v| v.clients) {
        let pick = (views.iter())
            .position(|v| v.has_workspace_endpoint && v.aks.is_empty())
            .or_else(|| views.iter().position(|v| v.has_workspace_endpoint));
        if let Some(v) = views.get_mut(pick.unwrap_or(0)) {
            v.clients = true;
        }
    }
    // The VNets that keep a workspace endpoint next to the dependency endpoints when those of
    // one VNet go: complete ones of another name, counted per name to stay linear.
    let complete: Vec<&str> = (views.iter())
        .filter(|v| v.has_workspace_endpoint && v.missing.is_empty())
        .map(|v| &*v.network.name)
        .collect();
    let mut named: HashMap<&str, usize> = HashMap::new();
    for c in &complete {
        *named.entry(c).or_default() += 1;
    }
    for v in &mut views {
        let name = v.network.name.as_str();
        v.other_complete = complete.iter().find(|o| **o != name).copied().unwrap_or("");
        v.other_complete_more = (complete.len() - named.get(name).unwrap_or(&0)).saturating_sub(1);
    }
    views
}

/// The VNet that holds the endpoints of the workspace and all its dependencies, where the
/// computes run: the spec's "services" VNet.
fn primary_vnet<'p>(vnets: &[VnetView<'p>]) -> &'p str {
    let complete = |v: &&VnetView| v.has_workspace_endpoint && v.missing.is_empty();
    (vnets.iter().filter(complete))
        .find(|v| !v.computes.is_empty())
        .or_else(|| {
            (vnets.iter().filter(complete))
                .find(|v| v.aks.is_empty() && v.clients_subnet.is_empty())
        })
        .or_else(|| vnets.iter().find(complete))
        .or_else(|| vnets.iter().find(|v| v.has_workspace_endpoint))
        .map_or("", |v| &v.network.name)
}

// ---------------------------------------------------------------------------------------------
// The diagram: subgraphs of nodes, and edges, in the order Mermaid should lay them out. The
// templates spell each kind of block and node.

#[derive(Serialize)]
struct Diagram<'p> {
    blocks: Vec<Block<'p>>,
    edges: Vec<Edge>,
    /// Node classes with their members, the classes without members left out.
    classes: Vec<ClassLine>,
}

#[derive(Serialize)]
struct Block<'p> {
    /// Empty for the nodes outside every subgraph.
    id: String,
    /// `shared`, `vnet`, `subnet` or `dns`, for the label and the Mermaid class.
    class: &'static str,
    /// The VNet, the subnet, or the group of the DNS zones.
    name: &'p str,
    /// What the label lists after the name: the address space of a VNet, the prefix of a
    /// subnet, the groups of the workspace and its dependencies.
    details: Vec<&'p str>,
    existing: bool,
    nodes: Vec<Node<'p>>,
    subs: Vec<Block<'p>>,
}

/// A node; `kind` picks its shape and label, `names` are what the label shows:
/// `target` and `storage` (type, name), `pe` (name, group id), `cluster` and `instance`
/// (name), `aks` (name, compute, compute type), `clients` and `peered` (nothing), `unused`
/// (nothing), `zones` (the zones), `more` (the first and the last VNet of `count`).
#[derive(Serialize)]
struct Node<'p> {
    id: String,
    kind: &'static str,
    names: Vec<&'p str>,
    existing: bool,
    count: usize,
}

#[derive(Serialize)]
struct Edge {
    from: String,
    to: String,
    /// `solid`, `linked` (a zone linked to a VNet) or `records` (a zone only registered in).
    style: &'static str,
}

#[derive(Serialize)]
struct ClassLine {
    class: &'static str,
    ids: Vec<String>,
}

/// Mermaid node ids: a kind prefix and the plan symbol reduced to ASCII letters, digits and
/// underscores, unique within the diagram (the prefix keeps ids off Mermaid's keywords such as
/// `end`, and off the `o`/`x` edge markers); and the members of each node class.
struct Ids {
    used: HashSet<String>,
    classes: Vec<ClassLine>,
}

impl Default for Ids {
    fn default() -> Self {
        let classes = ["pe", "target", "zone", "compute", "client", "more"];
        Self {
            used: HashSet::new(),
            classes: classes
                .map(|class| ClassLine {
                    class,
                    ids: Vec::new(),
                })
                .into(),
        }
    }
}

impl Ids {
    fn make(&mut self, prefix: &str, symbol: &str) -> String {
        let clean: String = (symbol.chars())
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

    /// A node of `kind`, counted in `class`.
    fn node<'p>(
        &mut self,
        class: &str,
        prefix: &str,
        symbol: &str,
        kind: &'static str,
        names: Vec<&'p str>,
    ) -> Node<'p> {
        let id = self.make(prefix, symbol);
        if let Some(c) = self.classes.iter_mut().find(|c| c.class == class) {
            c.ids.push(id.clone());
        }
        Node {
            id,
            kind,
            names,
            existing: false,
            count: 0,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right,
}

/// An edge drawn from the left to the right of the diagram.
fn edge(side: Side, inner: &str, outer: &str, style: &'static str) -> Edge {
    let (from, to) = match side {
        Side::Left => (outer, inner),
        Side::Right => (inner, outer),
    };
    Edge {
        from: from.to_string(),
        to: to.to_string(),
        style,
    }
}

fn block<'p>(
    id: String,
    class: &'static str,
    name: &'p str,
    details: Vec<&'p str>,
    nodes: Vec<Node<'p>>,
) -> Block<'p> {
    Block {
        id,
        class,
        name,
        details,
        existing: false,
        nodes,
        subs: Vec::new(),
    }
}

fn diagram<'p>(ix: &Index<'p>, vnets: &[VnetView<'p>]) -> Diagram<'p> {
    let plan = ix.plan;
    let mut ids = Ids::default();

    // The shared targets, in the middle.
    let ws = plan
        .resources
        .iter()
        .find(|r| r.ty == catalog::WORKSPACE.name);
    let targets = (ws.map(|w| w.symbol.as_str()).into_iter())
        .chain(plan.endpoints.iter().map(|e| e.target_symbol.as_str()));
    let mut target_ids: HashMap<&str, String> = HashMap::new();
    let mut nodes = Vec::new();
    for (sym, r) in unique(targets)
        .into_iter()
        .filter_map(|s| Some((s, ix.get(s)?)))
    {
        let kind = if r.ty == catalog::STORAGE.name {
            "storage"
        } else {
            "target"
        };
        let title = catalog::resource_type(&r.ty).map_or("Resource", |t| t.label);
        let node = ids.node("target", "t", sym, kind, vec![title, &r.name]);
        target_ids.insert(sym, node.id.clone());
        nodes.push(Node {
            existing: r.existing,
            ..node
        });
    }
    let groups: BTreeSet<&str> = (plan.endpoints.iter())
        .filter_map(|e| ix.get(&e.target_symbol))
        .map(|r| ix.group_of(r))
        .collect();
    let shared_id = ids.make("g", "shared");
    let shared = block(
        shared_id.clone(),
        "shared",
        "",
        groups.into_iter().collect(),
        nodes,
    );

    // Sides: VNets with clients on the left, the others on the right; each side draws its
    // share of the budget.
    let side = |v: &VnetView| if v.clients { Side::Left } else { Side::Right };
    let right_total = vnets.iter().filter(|v| side(v) == Side::Right).count();
    let left_total = vnets.len() - right_total;
    let right_quota = (right_total.min(DIAGRAM_VNETS / 2))
        .max(DIAGRAM_VNETS.saturating_sub(left_total).min(right_total));
    let (mut shown, mut hidden) = (Vec::new(), Vec::new());
    let (mut left, mut right) = (0, 0);
    for v in vnets {
        let s = side(v);
        let (count, quota) = match s {
            Side::Left => (&mut left, DIAGRAM_VNETS - right_quota),
            Side::Right => (&mut right, right_quota),
        };
        (if *count < quota {
            &mut shown
        } else {
            &mut hidden
        })
        .push((v, s));
        *count += 1;
    }

    let (mut left_blocks, mut right_blocks) = (Vec::new(), Vec::new());
    let (mut edges_pe, mut edges_use, mut edges_dns) = (Vec::new(), Vec::new(), Vec::new());
    let mut vnet_ids: HashMap<&str, String> = HashMap::new();
    let mut ep_subnet_ids: HashMap<&str, String> = HashMap::new();
    for &(v, s) in &shown {
        let (n, name) = (v.network, v.network.name.as_str());
        let vid = ids.make("v", &n.symbol);
        vnet_ids.insert(name, vid.clone());
        let mut subs = Vec::new();
        for sn in &n.subnets {
            let sid = ids.make("s", &sn.symbol);
            let mut nodes = Vec::new();
            if sn.name == v.endpoint_subnet && !v.endpoints.is_empty() {
                ep_subnet_ids.insert(name, sid.clone());
                for e in v.endpoints.iter().map(|e| e.endpoint) {
                    let node = ids.node("pe", "pe", &e.name, "pe", vec![&e.name, &e.group_id]);
                    if let Some(t) = target_ids.get(e.target_symbol.as_str()) {
                        edges_pe.push(edge(s, t, &node.id, "solid"));
                    }
                    nodes.push(node);
                }
            }
            let mut users = Vec::new();
            for c in v.computes.iter().filter(|c| c.subnet == sn.name) {
                let symbol = format!("compute_{}_{}", c.kind, c.name);
                users.push(ids.node("compute", "c", &symbol, c.kind, vec![c.name]));
            }
            for a in v.aks.iter().filter(|a| a.subnet == sn.name) {
                let names = vec![a.name, a.compute, a.attach_as];
                users.push(ids.node("compute", "k", a.name, "aks", names));
            }
            if sn.name == v.clients_subnet {
                let symbol = format!("clients_{name}");
                users.push(ids.node("client", "u", &symbol, "clients", Vec::new()));
            }
            edges_use.extend(users.iter().map(|u| (name, u.id.clone(), s)));
            nodes.extend(users);
            if nodes.is_empty() {
                nodes.push(ids.node("", "x", &sn.symbol, "unused", Vec::new()));
            }
            let b = block(
                sid,
                "subnet",
                &sn.name,
                sn.prefix.iter().map(String::as_str).collect(),
                nodes,
            );
            // The subnet of the endpoints sits next to the shared targets.
            match (s, sn.name == v.endpoint_subnet) {
                (Side::Left, true) | (Side::Right, false) => subs.push(b),
                (Side::Left, false) | (Side::Right, true) => subs.insert(0, b),
            }
        }
        let mut nodes = Vec::new();
        if v.clients && v.clients_subnet.is_empty() {
            let node = ids.node(
                "client",
                "u",
                &format!("clients_{name}"),
                "peered",
                Vec::new(),
            );
            edges_use.push((name, node.id.clone(), s));
            nodes.push(node);
        }
        let space = n.address_space.iter().map(String::as_str).collect();
        let b = Block {
            existing: n.existing,
            subs,
            ..block(vid, "vnet", name, space, nodes)
        };
        match s {
            Side::Left => left_blocks.push(b),
            Side::Right => right_blocks.push(b),
        }
    }

    // Zone sets: the zones of one group that are linked to the same VNets (or, unlinked,
    // registered in by the same VNets), drawn next to the first of them that is shown.
    let side_of: HashMap<&str, Side> = shown.iter().map(|(v, s)| (&*v.network.name, *s)).collect();
    // Zone symbol -> the VNets whose endpoints register in it, each once.
    let mut users: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    for e in &plan.endpoints {
        for zs in e.zones.iter().filter_map(|z| z.zone_symbol.as_deref()) {
            if seen.insert((zs, &e.network)) {
                users.entry(zs).or_default().push(&e.network);
            }
        }
    }
    // The VNets a zone is linked to, or else those that register in it.
    let reach = |z: &'p Zone| -> (Vec<&'p str>, bool) {
        match z.links.is_empty() {
            true => (
                users.get(z.symbol.as_str()).cloned().unwrap_or_default(),
                false,
            ),
            false => (z.links.iter().map(String::as_str).collect(), true),
        }
    };
    let sets = gather(plan.zones.iter().filter_map(|z| {
        let users = users.get(z.symbol.as_str()).into_iter().flatten();
        let relevant = z
            .links
            .iter()
            .map(String::as_str)
            .chain(users.copied())
            .any(|n| side_of.contains_key(n));
        relevant.then(|| {
            (
                (
                    z.resource_group.to_ascii_lowercase(),
                    z.existing,
                    reach(z).0,
                ),
                z,
            )
        })
    }));
    let (mut left_zones, mut right_zones) = (Vec::new(), Vec::new());
    for (_, zones) in sets {
        let first = zones[0];
        let (targets, linked) = reach(first);
        let users = users
            .get(first.symbol.as_str())
            .into_iter()
            .flatten()
            .copied();
        let anchor = (first.links.iter().map(String::as_str).chain(users))
            .find_map(|n| side_of.get(n).copied())
            .unwrap_or(Side::Left);
        let gid = ids.make("dns", &first.symbol);
        let names = zones.iter().map(|z| z.name.as_str()).collect();
        let node = ids.node("zone", "z", &first.symbol, "zones", names);
        let style = if linked { "linked" } else { "records" };
        for n in targets {
            if let Some(vid) = vnet_ids.get(n) {
                edges_dns.push(edge(
                    side_of.get(n).copied().unwrap_or(anchor),
                    vid,
                    &gid,
                    style,
                ));
            }
        }
        let b = block(gid, "dns", &first.resource_group, Vec::new(), vec![node]);
        let b = Block {
            existing: first.existing,
            ..b
        };
        match anchor {
            Side::Left => left_zones.push(b),
            Side::Right => right_zones.push(b),
        }
    }

    // VNets beyond the diagram's budget, summed up per side.
    let mut loose = [(Side::Left, "moreLeft"), (Side::Right, "moreRight")].map(|(side, symbol)| {
        let rest: Vec<&str> = (hidden.iter().filter(|(_, s)| *s == side))
            .map(|(v, _)| &*v.network.name)
            .collect();
        let (first, last) = (rest.first()?, rest.last()?);
        let node = ids.node("more", "m", symbol, "more", vec![first, last]);
        edges_pe.push(edge(side, &shared_id, &node.id, "solid"));
        let more = Node {
            count: rest.len(),
            ..node
        };
        Some(block(String::new(), "", "", Vec::new(), vec![more]))
    });

    let mut blocks = left_zones;
    blocks.extend(loose[0].take());
    blocks.extend(left_blocks);
    blocks.push(shared);
    blocks.extend(right_blocks);
    blocks.extend(loose[1].take());
    blocks.extend(right_zones);
    let mut edges: Vec<Edge> = (edges_use.into_iter())
        .filter_map(|(vnet, node, s)| Some(edge(s, ep_subnet_ids.get(vnet)?, &node, "solid")))
        .collect();
    edges.extend(edges_pe);
    edges.extend(edges_dns);
    ids.classes.retain(|c| !c.ids.is_empty());
    Diagram {
        blocks,
        edges,
        classes: ids.classes,
    }
}

/// The roles a workspace's users need, when it reaches its storage by identity.
fn access<'p>(ix: &Index<'p>, ws: Option<&'p Resource>) -> Option<Access<'p>> {
    let ws = ws.filter(|w| !w.properties["systemDatastoresAuthMode"].is_null())?;
    let storage = ix.of_type(catalog::STORAGE).find(|r| !r.existing)?;
    let roles = (catalog::USER_ROLES.iter())
        .map(|r| {
            let (on, target) = match r.on {
                catalog::RoleScope::Workspace => ("workspace", ws),
                catalog::RoleScope::Storage => ("storage account", storage),
            };
            RoleView {
                name: r.name,
                id: r.id,
                on,
                target: &target.name,
                group: ix.group_of(target),
            }
        })
        .collect();
    let granted = (ix.of_type(catalog::ROLE_ASSIGNMENT))
        .filter(|r| r.properties["principalId"].is_string())
        .map(|r| r.symbol.as_str());
    Some(Access {
        users: &ix.plan.users,
        roles,
        steps: ix.steps(granted),
    })
}

/// What the teardown deletes, last created first: computes, extensions, clusters and the
/// workspace, then the rest by type, except what goes with its resource group. A group goes
/// as a whole when it holds nothing that existed before this deployment.
fn teardown<'p>(ix: &Index<'p>) -> Teardown<'p> {
    let plan = ix.plan;
    let holds_existing: HashSet<String> = (plan.resources.iter().filter(|r| r.existing))
        .map(|r| ix.group_of(r).to_lowercase())
        .collect();
    let kept = |g: &ResourceGroupPlan| g.exists || holds_existing.contains(&g.name.to_lowercase());
    let whole: Vec<&str> = (plan.resource_groups.iter().rev())
        .filter(|g| g.create && !kept(g))
        .map(|g| g.name.as_str())
        .collect();
    let whole_set: HashSet<String> = whole.iter().map(|g| g.to_lowercase()).collect();
    let mut created: HashMap<&str, Vec<&Resource>> = HashMap::new();
    for s in plan.steps.iter().rev().filter(|s| s.kind == "resource") {
        if let Some(r) = ix.get(&s.target) {
            created.entry(&r.ty).or_default().push(r);
        }
    }
    let created_of = |ty: ResourceType| created.get(ty.name).into_iter().flatten().copied();
    let order = [
        (catalog::COMPUTE, "compute"),
        (catalog::K8S_EXTENSION, "extension"),
        (catalog::AKS, "aks"),
        (catalog::WORKSPACE, "workspace"),
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
    let resources = (order.into_iter().enumerate())
        .flat_map(|(i, (ty, kind))| created_of(ty).map(move |r| (i, kind, r)))
        .filter(|(i, _, r)| *i < 4 || !whole_set.contains(&ix.group_of(r).to_lowercase()))
        .map(|(_, kind, r)| Torn {
            kind: match compute_type(r) {
                Some("Kubernetes" | "AKS") if kind == "compute" => "attached",
                _ => kind,
            },
            name: &r.name,
            group: ix.group_of(r),
            owner: ix.owner(r).map_or("", |p| &p.name),
            subscription: nonempty(r.subscription.as_ref().or_else(|| {
                r.parent
                    .as_deref()
                    .and_then(|p| ix.get(p)?.subscription.as_ref())
            })),
        })
        .collect();
    Teardown {
        resources,
        computes: created_of(catalog::COMPUTE).next().is_some(),
        workspace: created_of(catalog::WORKSPACE)
            .next()
            .map(|w| w.name.as_str()),
        groups: whole,
        kept_groups: (plan.resource_groups.iter())
            .filter(|g| g.create && kept(g))
            .map(|g| g.name.as_str())
            .collect(),
        vault: created_of(catalog::KEY_VAULT).next(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_are_plain_and_unique() {
        let mut ids = Ids::default();
        assert_eq!(ids.make("pe", "end"), "pe_end");
        assert_eq!(ids.make("pe", "end"), "pe_end_2");
        assert_eq!(ids.make("s", "a-b.c<d>"), "s_a_b_c_d_");
    }

    #[test]
    fn step_ranges_are_runs() {
        assert_eq!(
            ranges(vec![5, 3, 4, 12, 9, 10]),
            [(3, 5), (9, 10), (12, 12)]
        );
        assert_eq!(ranges(vec![]), []);
    }

    #[test]
    fn markdown_is_tidied_line_by_line() {
        assert_eq!(tidy("\n \n# T  \n\n\n\ntext\t\n\n  \n"), "# T\n\ntext\n");
        assert_eq!(tidy("a"), "a\n");
        assert_eq!(tidy("\n\n \n"), "");
        assert_eq!(tidy("a\r\nb"), "a\nb\n");
        assert_eq!(tidy("é\u{a0}\n"), "é\n");
    }
}
