//! The Azure CLI renderer: `deploy.sh` (the whole deployment, in the plan's step order), the
//! day-2 scripts under `ops/`, the `az ml workspace` YAML, and the legacy CLI v1 / SDK v1
//! references when the scenario asks for them.
//!
//! The templates under `templates/cli/` spell every command: one template per kind of step
//! (`templates/cli/steps/<kind>.sh`) reads the planned resource (`r`, as in plan.json) and the
//! shell variables of the step (`v`). This module decides those variables, because a script is
//! one namespace: the scenario's values (names, groups, regions, prefixes, sizes, ids of existing
//! resources) become settings at the top of the script, plain assignments that nothing in the
//! environment changes (the only choice left to the caller is `--subscription`), and resource
//! ids are derived from them once the subscription is known. Each script gets its
//! own [`Vars`], which registers exactly the variables its steps use, in the order they first
//! ask for them.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Range;

use heck::ToShoutySnakeCase;
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{escape, paths, Context, RenderError, Templates};
use crate::catalog;
use crate::plan::{Endpoint, Plan, Resource, ResourceGroupPlan};
use crate::scenario::{Legacy, Target};

fn error(what: impl Into<String>) -> RenderError {
    RenderError::Plan(what.into())
}

/// The files of this kind for one scenario: (path inside the scenario folder, contents).
pub fn render(
    t: &Templates,
    plan: &Plan,
    ctx: &Context,
) -> Result<Vec<(String, String)>, RenderError> {
    let scripts = Scripts::new(plan);
    let mut files = scripts.main(t, ctx)?;
    files.extend(scripts.ops(t, ctx, 0..scripts.networks())?);
    Ok(files)
}

/// The scripts of one plan, in pieces that can be rendered apart (and at once): the main
/// files, and the add and remove scripts of any run of VNets.
pub struct Scripts<'p> {
    index: Index<'p>,
}

impl<'p> Scripts<'p> {
    pub fn new(plan: &'p Plan) -> Self {
        Self {
            index: Index::new(plan),
        }
    }

    /// How many VNets have endpoints: each has an add and a remove script.
    pub fn networks(&self) -> usize {
        self.index.endpoints_by_network.len()
    }

    /// workspace.yml, deploy.sh, the public-access scripts and the legacy files.
    pub fn main(&self, t: &Templates, ctx: &Context) -> Result<Vec<(String, String)>, RenderError> {
        let index = &self.index;
        let plan = index.plan;
        let mut files = vec![
            (
                paths::WORKSPACE_YAML.to_string(),
                t.render("cli/workspace.yml", &workspace_view(plan, ctx)?)?,
            ),
            deploy(t, index, ctx)?,
        ];
        for enable in [true, false] {
            files.push(public_access(t, index, ctx, enable)?);
        }
        if plan.legacy.contains(&Legacy::CliV1) {
            files.push(legacy_cli(t, index, ctx)?);
        }
        if plan.legacy.contains(&Legacy::SdkV1) {
            files.push((
                paths::LEGACY_SDK.to_string(),
                t.render("cli/legacy-sdk-v1.py", &workspace_view(plan, ctx)?)?,
            ));
        }
        Ok(files)
    }

    /// The add and remove scripts of the VNets at `networks` (positions among those with
    /// endpoints, in plan order).
    pub fn ops(
        &self,
        t: &Templates,
        ctx: &Context,
        networks: Range<usize>,
    ) -> Result<Vec<(String, String)>, RenderError> {
        let index = &self.index;
        let mut files = Vec::new();
        for (net, eps) in index
            .endpoints_by_network
            .get_range(networks)
            .into_iter()
            .flatten()
        {
            files.push(add_endpoints(t, index, ctx, net, eps)?);
            files.push(remove_endpoints(t, index, ctx, net, eps)?);
        }
        Ok(files)
    }
}

/// The plan's lookups that the scripts need, built once.
struct Index<'p> {
    plan: &'p Plan,
    /// Private endpoints by VNet name, VNets in plan order: one add and one remove script each.
    endpoints_by_network: IndexMap<&'p str, Vec<&'p Endpoint>>,
    /// The VNet of each private endpoint, by its symbol (step titles name it).
    network_of: HashMap<&'p str, &'p str>,
    /// Private DNS zone links by the symbol of their zone.
    links_by_zone: HashMap<&'p str, Vec<&'p Resource>>,
    /// Resource groups by name (the target of the steps that create them).
    groups: HashMap<&'p str, &'p ResourceGroupPlan>,
    /// Positions in `plan.steps` of the steps that create a resource, by its symbol, and of
    /// those that create a resource group, by its name in lower case.
    resource_steps: HashMap<&'p str, Vec<usize>>,
    group_steps: HashMap<String, Vec<usize>>,
}

impl<'p> Index<'p> {
    fn new(plan: &'p Plan) -> Self {
        let mut endpoints_by_network: IndexMap<&str, Vec<&Endpoint>> = IndexMap::new();
        let mut network_of = HashMap::new();
        for e in &plan.endpoints {
            endpoints_by_network
                .entry(e.network.as_str())
                .or_default()
                .push(e);
            network_of
                .entry(e.symbol.as_str())
                .or_insert(e.network.as_str());
        }
        let mut links_by_zone: HashMap<&str, Vec<&Resource>> = HashMap::new();
        for r in &plan.resources {
            if let (true, Some(zone)) = (r.ty == catalog::DNS_LINK.name, &r.parent) {
                links_by_zone.entry(zone).or_default().push(r);
            }
        }
        let mut groups = HashMap::new();
        for g in &plan.resource_groups {
            groups.entry(g.name.as_str()).or_insert(g);
        }
        let mut resource_steps: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut group_steps: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, step) in plan.steps.iter().enumerate() {
            if step.kind == "resource-group" {
                group_steps
                    .entry(step.target.to_lowercase())
                    .or_default()
                    .push(i);
            } else {
                resource_steps.entry(&step.target).or_default().push(i);
            }
        }
        Self {
            plan,
            endpoints_by_network,
            network_of,
            links_by_zone,
            groups,
            resource_steps,
            group_steps,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shell variables

/// A setting: `NAME='value'`, the scenario's value.
#[derive(Debug, Serialize)]
struct Setting {
    name: String,
    value: String,
    note: String,
}

/// A variable computed after the subscription is known (spelled by `templates/cli/prelude.sh`).
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Derived {
    /// `/subscriptions/$sub/resourceGroups/$rg/providers/<provider>/$name`
    Id {
        var: String,
        sub: String,
        rg: String,
        provider: String,
        name: String,
    },
    /// `$parent/<segment>/$name`
    ChildId {
        var: String,
        parent: String,
        segment: String,
        name: String,
    },
    /// The last segment of the id in `id`.
    NameOf { var: String, id: String },
    /// Segment `index` of the id in `id` (2 = subscription, 4 = resource group).
    PartOf {
        var: String,
        id: String,
        index: usize,
    },
}

/// What a variable holds: the key under which [`Vars`] registers it, so that every step that
/// asks for the same thing gets the same variable.
#[derive(Debug, PartialEq, Eq, Hash)]
enum Key<'p> {
    /// A subscription the plan names for resources it creates.
    NamedSubscription(String),
    /// A Microsoft Entra principal the scenario names.
    PrincipalId(String),
    /// The plan's `location` parameter.
    Location,
    /// Whether the workspace answers on its public endpoint.
    PublicNetworkAccess,
    /// A resource group by its name in lower case: spellings that differ in case name one group.
    Group(String),
    /// The region of a resource group (by its name in lower case) that is not the plan's.
    GroupLocation(String),
    /// Of the resource with this symbol: its id, its own name, its region when that is not
    /// the plan's, the resource group and subscription parts of its id (existing resources),
    /// the name of its private link connection.
    Id(&'p str),
    Name(&'p str),
    LocationOf(&'p str),
    GroupOf(&'p str),
    SubscriptionOf(&'p str),
    Connection(&'p str),
    /// A scenario value that the resource's command passes, and what it is (`vm size`).
    Value(&'p str, String),
}

/// Where a resource lives, as [`Vars::home`] spells it.
#[derive(Debug, Clone, Copy)]
enum Home {
    Group,
    Subscription,
}

const SUBSCRIPTION: &str = "SUBSCRIPTION_ID";
/// Variables the templates define themselves.
const RESERVED: &[&str] = &[
    SUBSCRIPTION,
    "SUBSCRIPTION_ARG",
    "SUBSCRIPTION_FROM",
    "AZURE_SUBSCRIPTION_ID",
    "SIGNED_IN_CLOUD",
    "TAGS",
    "TAGS_SHORTHAND",
    "SCRIPT",
    "DRY_RUN",
    "STEP",
    "STEPS",
    "OPERATION",
    "WORKSPACE_YAML",
    "WORKSPACE_FILE",
    "TMP_DIR",
    "CONNECTION",
];

/// The variables of one script, registered as its steps ask for them.
struct Vars<'p> {
    plan: &'p Plan,
    settings: Vec<Setting>,
    derived: Vec<Derived>,
    /// The names of `settings` and `derived`.
    names: HashSet<String>,
    /// Variable name by what it holds.
    by_key: HashMap<Key<'p>, String>,
    subscription: bool,
    /// Which tag arrays the script's commands use.
    tags: bool,
    tags_shorthand: bool,
}

impl<'p> Vars<'p> {
    fn new(plan: &'p Plan) -> Self {
        Self {
            plan,
            settings: Vec::new(),
            derived: Vec::new(),
            names: HashSet::new(),
            by_key: HashMap::new(),
            subscription: false,
            tags: false,
            tags_shorthand: false,
        }
    }

    /// A free variable name based on `base`, now taken (names from different keys never
    /// collide, nor with the names the templates use).
    fn fresh(&mut self, base: String) -> String {
        let mut take = |n: &String| !RESERVED.contains(&n.as_str()) && self.names.insert(n.clone());
        if take(&base) {
            return base;
        }
        (2..)
            .map(|i| format!("{base}_{i}"))
            .find(take)
            .unwrap_or_default()
    }

    fn setting(&mut self, key: Key<'p>, base: String, value: &str, note: &str) -> String {
        if let Some(v) = self.by_key.get(&key) {
            return v.clone();
        }
        let name = self.fresh(base);
        self.settings.push(Setting {
            name: name.clone(),
            value: value.to_string(),
            note: note.to_string(),
        });
        self.by_key.insert(key, name.clone());
        name
    }

    fn derive(
        &mut self,
        key: Key<'p>,
        base: String,
        make: impl FnOnce(String) -> Derived,
    ) -> String {
        if let Some(v) = self.by_key.get(&key) {
            return v.clone();
        }
        let name = self.fresh(base);
        self.derived.push(make(name.clone()));
        self.by_key.insert(key, name.clone());
        name
    }

    fn subscription(&mut self) -> String {
        self.subscription = true;
        SUBSCRIPTION.to_string()
    }

    /// The subscription a new resource is created in: the one the plan names (an existing
    /// VNet's), else the deploying one.
    fn subscription_of(&mut self, r: &'p Resource) -> String {
        match &r.subscription {
            Some(sub) => self.setting(
                Key::NamedSubscription(sub.to_lowercase()),
                "VNET_SUBSCRIPTION_ID".to_string(),
                sub,
                "subscription of an existing virtual network",
            ),
            None => self.subscription(),
        }
    }

    fn location(&mut self) -> String {
        let plan = self.plan;
        self.setting(
            Key::Location,
            "LOCATION".into(),
            &plan.location,
            "region of the workspace, its dependencies and computes",
        )
    }

    /// A plan location value: the `location` parameter or a region of its own.
    fn location_of(&mut self, r: &'p Resource) -> Result<String, RenderError> {
        match &r.location {
            Some(v) if v.get("$param").and_then(Value::as_str) == Some("location") => {
                Ok(self.location())
            }
            Some(Value::String(region)) => Ok(self.setting(
                Key::LocationOf(&r.symbol),
                var_name(&r.symbol, "_LOCATION"),
                region,
                &format!("region of {}", r.name),
            )),
            _ => Err(error(format!("{} has no location", r.symbol))),
        }
    }

    fn group(&mut self, name: &str) -> String {
        let main = name.eq_ignore_ascii_case(&self.plan.resource_group);
        let base = if main {
            "RESOURCE_GROUP".to_string()
        } else {
            let short = name
                .strip_prefix("rg-")
                .or_else(|| name.strip_prefix("rg_"))
                .unwrap_or(name);
            format!("RG_{}", var_base(short))
        };
        let note = if main {
            "the scenario's resource group"
        } else {
            "resource group"
        };
        self.setting(Key::Group(name.to_lowercase()), base, name, note)
    }

    fn resource(&self, symbol: &str) -> Result<&'p Resource, RenderError> {
        self.plan
            .resource(symbol)
            .ok_or_else(|| error(format!("the plan has no resource {symbol}")))
    }

    /// Variable holding the resource id.
    fn id(&mut self, symbol: &str) -> Result<String, RenderError> {
        let r = self.resource(symbol)?;
        let symbol = r.symbol.as_str();
        if let Some(v) = self.by_key.get(&Key::Id(symbol)) {
            return Ok(v.clone());
        }
        let base = var_name(symbol, "_ID");
        if let Some(parent) = &r.parent {
            let parent = self.id(parent)?;
            let name = self.name(symbol)?;
            let segment = r.ty.rsplit('/').next().unwrap_or_default().to_string();
            return Ok(self.derive(Key::Id(symbol), base, |var| Derived::ChildId {
                var,
                parent,
                segment,
                name,
            }));
        }
        if r.scope.is_some() {
            return Err(error(format!(
                "{symbol} is an extension resource; scripts never need its id"
            )));
        }
        if r.existing {
            return Ok(self.setting(Key::Id(symbol), base, &static_id(r), &r.purpose));
        }
        let sub = self.subscription_of(r);
        let rg = self.group(&r.resource_group);
        let name = self.name(symbol)?;
        let provider = r.ty.clone();
        Ok(self.derive(Key::Id(symbol), base, |var| Derived::Id {
            var,
            sub,
            rg,
            provider,
            name,
        }))
    }

    /// Variable holding the resource's own name.
    fn name(&mut self, symbol: &str) -> Result<String, RenderError> {
        let r = self.resource(symbol)?;
        let symbol = r.symbol.as_str();
        if let Some(v) = self.by_key.get(&Key::Name(symbol)) {
            return Ok(v.clone());
        }
        let base = var_name(symbol, "_NAME");
        if r.existing && r.parent.is_none() {
            let id = self.id(symbol)?;
            return Ok(self.derive(Key::Name(symbol), base, |var| Derived::NameOf { var, id }));
        }
        Ok(self.setting(Key::Name(symbol), base, &r.name, &r.purpose))
    }

    /// Variable holding the resource group or subscription a resource lives in: its parent's
    /// (or the resource it extends); for an existing resource, that segment of its id;
    /// otherwise the scenario's.
    fn home(&mut self, symbol: &str, home: Home) -> Result<String, RenderError> {
        let r = self.resource(symbol)?;
        if let Some(p) = r.parent.as_ref().or(r.scope.as_ref()) {
            return self.home(p, home);
        }
        if !r.existing {
            return Ok(match home {
                Home::Group => self.group(&r.resource_group),
                Home::Subscription => self.subscription_of(r),
            });
        }
        let symbol = r.symbol.as_str();
        let (key, suffix, index) = match home {
            Home::Group => (Key::GroupOf(symbol), "_RESOURCE_GROUP", 4),
            Home::Subscription => (Key::SubscriptionOf(symbol), "_SUBSCRIPTION", 2),
        };
        if let Some(v) = self.by_key.get(&key) {
            return Ok(v.clone());
        }
        let id = self.id(symbol)?;
        Ok(
            self.derive(key, var_name(symbol, suffix), |var| Derived::PartOf {
                var,
                id,
                index,
            }),
        )
    }

    fn rg(&mut self, symbol: &str) -> Result<String, RenderError> {
        self.home(symbol, Home::Group)
    }

    fn sub(&mut self, symbol: &str) -> Result<String, RenderError> {
        self.home(symbol, Home::Subscription)
    }

    /// A value of the scenario that the command creating `r` passes (sizes, counts, prefixes).
    fn value(&mut self, r: &'p Resource, what: &str, v: &Value, note: &str) -> String {
        let base = format!("{}_{}", var_base(&r.symbol), what.to_shouty_snake_case());
        self.setting(
            Key::Value(&r.symbol, what.to_string()),
            base,
            &text(v),
            note,
        )
    }

    /// The tag array a created resource's command passes: `TAGS` (`key=value` words), or
    /// with `shorthand`, for commands whose `--tags` takes the CLI's shorthand syntax (network,
    /// private DNS, Log Analytics), `TAGS_SHORTHAND` when some tag reads differently there.
    fn tags(&mut self, r: &Resource, shorthand: bool) -> Value {
        if !r.tags || self.plan.tags.is_empty() {
            return Value::Null;
        }
        let differs = self
            .plan
            .tags
            .iter()
            .any(|(k, x)| escape::shorthand_key(k) != *k || escape::shorthand_value(x) != *x);
        if shorthand && differs {
            self.tags_shorthand = true;
            json!("TAGS_SHORTHAND")
        } else {
            self.tags = true;
            json!("TAGS")
        }
    }

    /// `$ref` ids and the location parameter resolved to variables; the JSON cut into pieces
    /// of literal text and variables (`--properties` of `az resource create`).
    fn json(&mut self, v: &Value) -> Result<Vec<Value>, RenderError> {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        self.pieces(v, &mut lit, &mut pieces)?;
        if !lit.is_empty() {
            pieces.push(json!({ "lit": lit }));
        }
        Ok(pieces)
    }

    fn pieces(
        &mut self,
        v: &Value,
        lit: &mut String,
        out: &mut Vec<Value>,
    ) -> Result<(), RenderError> {
        let var = |name: String, lit: &mut String, out: &mut Vec<Value>| {
            lit.push('"');
            out.push(json!({ "lit": std::mem::take(lit) }));
            out.push(json!({ "var": name }));
            lit.push('"');
        };
        match v {
            Value::Object(m) if m.contains_key("$ref") => {
                let id = self.id(m["$ref"].as_str().unwrap_or_default())?;
                var(id, lit, out);
            }
            Value::Object(m) if m.get("$param").and_then(Value::as_str) == Some("location") => {
                let loc = self.location();
                var(loc, lit, out);
            }
            Value::Object(m) if m.keys().any(|k| k.starts_with('$')) => {
                return Err(error(format!("cannot spell {v} in a script")));
            }
            Value::Object(m) => {
                lit.push('{');
                for (i, (k, x)) in m.iter().enumerate() {
                    if i > 0 {
                        lit.push(',');
                    }
                    lit.push_str(&json!(k).to_string());
                    lit.push(':');
                    self.pieces(x, lit, out)?;
                }
                lit.push('}');
            }
            Value::Array(a) => {
                lit.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        lit.push(',');
                    }
                    self.pieces(x, lit, out)?;
                }
                lit.push(']');
            }
            other => lit.push_str(&other.to_string()),
        }
        Ok(())
    }
}

/// `storageAccount` → `STORAGE_ACCOUNT`; anything but ASCII letters and digits separates words;
/// a name that would start with a digit (or be empty) gets a `V_` in front.
fn var_base(s: &str) -> String {
    var_name(s, "")
}

/// [`var_base`] of `symbol`, then `suffix`: `STORAGE_NAME`.
fn var_name(symbol: &str, suffix: &str) -> String {
    let words: String = symbol
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let mut v = words.to_shouty_snake_case();
    if v.is_empty() || v.starts_with(|c: char| c.is_ascii_digit()) {
        v.insert_str(0, "V_");
    }
    v + suffix
}

/// Text that shellcheck would suspect of meaning an expansion inside single quotes (SC2016);
/// scenario values are literal on purpose, so scripts then say so.
fn has_dollars(s: &str) -> bool {
    s.contains('$') || s.contains('`')
}

/// A plan value as command-line text.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The id of a resource with the placeholder subscription when the plan names none (how
/// workspace.yml and the settings of existing resources spell it).
fn static_id(r: &Resource) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/{}/providers/{}/{}",
        r.subscription
            .as_deref()
            .unwrap_or(catalog::PLACEHOLDER_SUBSCRIPTION),
        r.resource_group,
        r.ty,
        r.name
    )
}

// ---------------------------------------------------------------------------------------------
// Steps: each rendered by `templates/cli/steps/<kind>.sh` from the resource and its variables

/// One step of a script, rendered.
#[derive(Serialize)]
struct Step {
    n: usize,
    title: String,
    body: tera::Value,
}

/// What a script's prelude provides because some step needs it.
#[derive(Default)]
struct Needs {
    /// A copy of workspace.yml for `az ml workspace`.
    workspace_yaml: bool,
    /// Zones added to an existing zone group.
    zone_configs: bool,
}

/// The variables (and a few values the template cannot compute) a step template reads as `v`.
type StepVars = Map<String, Value>;

/// The template and variables of the step that creates `r`. Variables are registered in the
/// order given here, which is the order of the settings at the top of the script.
fn create<'p>(
    v: &mut Vars<'p>,
    needs: &mut Needs,
    r: &'p Resource,
) -> Result<(&'static str, StepVars), RenderError> {
    let s = r.symbol.as_str();
    let mut m = StepVars::new();
    macro_rules! set {
        ($($k:literal => $e:expr),* $(,)?) => {{ $( m.insert($k.into(), json!($e)); )* }};
    }
    let p = &r.properties;
    let kind = match r.ty.as_str() {
        t if t == catalog::NSG.name => {
            set!("sub" => v.sub(s)?, "rg" => v.rg(s)?, "name" => v.name(s)?,
                "location" => v.location_of(r)?, "tags" => v.tags(r, true));
            "nsg"
        }
        t if t == catalog::VNET.name => {
            let prefixes = p["addressSpace"]["addressPrefixes"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let vars: Vec<String> = prefixes
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    let what = if prefixes.len() > 1 {
                        format!("address prefix {}", i + 1)
                    } else {
                        "address prefix".to_string()
                    };
                    v.value(r, &what, x, &format!("address space of {}", r.name))
                })
                .collect();
            set!("prefixes" => vars, "sub" => v.sub(s)?, "rg" => v.rg(s)?, "name" => v.name(s)?,
                "location" => v.location_of(r)?, "tags" => v.tags(r, true));
            "vnet"
        }
        t if t == catalog::SUBNET.name => {
            if let Some(nsg) = p["networkSecurityGroup"]["id"]["$ref"].as_str() {
                set!("nsg" => v.id(nsg)?);
            }
            if let Some(nat) = p["natGateway"]["id"]["$ref"].as_str() {
                set!("nat" => v.id(nat)?);
            }
            if let Some(rt) = p["routeTable"]["id"]["$ref"].as_str() {
                set!("route_table" => v.id(rt)?);
            }
            let parent = r.parent.as_deref().unwrap_or_default();
            set!("sub" => v.sub(s)?, "rg" => v.rg(s)?, "vnet" => v.name(parent)?,
                "name" => v.name(s)?,
                "prefix" => v.value(r, "address prefix", &p["addressPrefix"],
                    &format!("prefix of subnet {}", r.name)));
            "subnet"
        }
        t if t == catalog::LOG_ANALYTICS.name => {
            set!("sub" => v.sub(s)?, "rg" => v.rg(s)?, "name" => v.name(s)?,
                "location" => v.location_of(r)?, "tags" => v.tags(r, true));
            "log-analytics"
        }
        t if t == catalog::STORAGE.name => {
            set!("sub" => v.sub(s)?, "rg" => v.rg(s)?, "name" => v.name(s)?,
                "location" => v.location_of(r)?, "tags" => v.tags(r, false));
            "storage-account"
        }
        t if t == catalog::KEY_VAULT.name => {
            set!("sub" => v.sub(s)?, "rg" => v.rg(s)?, "name" => v.name(s)?,
                "location" => v.location_of(r)?, "tags" => v.tags(r, false));
            "key-vault"
        }
        t if t == catalog::REGISTRY.name => {
            set!("sub" => v.sub(s)?, "rg" => v.rg(s)?, "name" => v.name(s)?,
                "location" => v.location_of(r)?, "tags" => v.tags(r, false));
            "registry"
        }
        t if t == catalog::WORKSPACE.name => {
            needs.workspace_yaml = true;
            set!("sub" => v.sub(s)?, "rg" => v.rg(s)?, "name" => v.name(s)?);
            if r.location.is_some() {
                set!("location" => v.location_of(r)?);
            }
            let build = p["imageBuildCompute"].as_str();
            if let Some(c) = v.plan.resources.iter().find(|c| {
                c.ty == catalog::COMPUTE.name
                    && c.parent.as_deref() == Some(s)
                    && Some(c.name.as_str()) == build
            }) {
                set!("image_build_compute" => v.name(&c.symbol)?);
            }
            set!("public_network_access" => public_access_var(v), "dependencies" => dependencies(v, r)?);
            "workspace"
        }
        t if t == catalog::PRIVATE_ENDPOINT.name => {
            let name = v.name(s)?;
            let conn = p["privateLinkServiceConnections"]
                .get(0)
                .or_else(|| p["manualPrivateLinkServiceConnections"].get(0))
                .ok_or_else(|| error(format!("{s} has no connection")))?;
            let connection = match conn["name"].as_str() {
                Some(c) if c != r.name => v.setting(
                    Key::Connection(s),
                    var_name(s, "_CONNECTION"),
                    c,
                    "private link connection name",
                ),
                _ => name.clone(),
            };
            set!("name" => name, "connection" => connection,
                "nic" => v.value(r, "nic name", &p["customNetworkInterfaceName"],
                    &format!("network interface of {}", r.name)),
                "sub" => v.sub(s)?, "rg" => v.rg(s)?, "location" => v.location_of(r)?,
                "tags" => v.tags(r, true), "subnet" => v.id(reference(r, &p["subnet"]["id"])?)?,
                "target" => v.id(reference(r, &conn["properties"]["privateLinkServiceId"])?)?,
                "connection_properties" => conn["properties"]);
            "private-endpoint"
        }
        t if t == catalog::DNS_ZONE.name => {
            set!("sub" => v.sub(s)?, "rg" => v.rg(s)?, "name" => v.name(s)?,
                "tags" => v.tags(r, true));
            "dns-zone"
        }
        t if t == catalog::DNS_LINK.name => {
            let vnet = reference(r, &p["virtualNetwork"]["id"])?;
            let zone = r.parent.as_deref().unwrap_or_default();
            set!("sub" => v.sub(s)?, "rg" => v.rg(s)?, "zone" => v.name(zone)?,
                "name" => v.name(s)?, "vnet" => v.id(vnet)?, "tags" => v.tags(r, true));
            "dns-link"
        }
        t if t == catalog::ZONE_GROUP.name => {
            let mut zones = Vec::new();
            for c in p["privateDnsZoneConfigs"].as_array().into_iter().flatten() {
                let zone = reference(r, &c["properties"]["privateDnsZoneId"])?;
                zones.push(json!({ "key": c["name"], "zone": v.id(zone)? }));
            }
            if zones.is_empty() {
                return Err(error(format!("{s}: a zone group without zones")));
            }
            needs.zone_configs |= zones.len() > 1;
            let endpoint = r.parent.as_deref().unwrap_or_default();
            set!("zones" => zones, "sub" => v.sub(s)?, "rg" => v.rg(s)?,
                "endpoint" => v.name(endpoint)?, "name" => v.name(s)?);
            "zone-group"
        }
        // `az ml compute create` and `attach` leave properties the templates set (disableLocalAuth
        // among them) unset: a compute is created as ARM takes it.
        t if t == catalog::COMPUTE.name => return generic(v, r),
        t if t == catalog::AKS.name => {
            let net = &p["networkProfile"];
            if !net["serviceCidr"].is_null() {
                set!("service_cidr" => v.value(r, "service cidr", &net["serviceCidr"],
                    "Kubernetes service range (overlaps no VNet)"));
            }
            if !net["dnsServiceIP"].is_null() {
                set!("dns_service_ip" => v.value(r, "dns service ip", &net["dnsServiceIP"],
                    "cluster DNS address"));
            }
            let pool = &p["agentPoolProfiles"][0];
            set!("sub" => v.sub(s)?, "rg" => v.rg(s)?, "name" => v.name(s)?,
                "location" => v.location_of(r)?, "tags" => v.tags(r, false),
                "dns_prefix" => v.value(r, "dns prefix", &p["dnsPrefix"], "DNS prefix of the API server"),
                "node_count" => v.value(r, "node count", &pool["count"], "nodes of the system pool"),
                "vm_size" => v.value(r, "vm size", &pool["vmSize"], "VM size of the system pool"),
                "subnet" => v.id(reference(r, &pool["vnetSubnetID"])?)?);
            "aks"
        }
        t if t == catalog::K8S_EXTENSION.name => {
            let cluster = r.scope.as_deref().unwrap_or_default();
            set!("sub" => v.sub(s)?, "rg" => v.rg(s)?, "cluster" => v.name(cluster)?,
                "name" => v.name(s)?);
            "extension"
        }
        // No core command sets every property of these; the generic call sends the plan's
        // resource as it is, so the script deploys what the templates do.
        t if t == catalog::APP_INSIGHTS.name
            || t == catalog::PUBLIC_IP.name
            || t == catalog::NAT_GATEWAY.name
            || t == catalog::ROUTE_TABLE.name =>
        {
            return generic(v, r)
        }
        t if t == catalog::ROLE_ASSIGNMENT.name => {
            let scope = r.scope.as_deref().unwrap_or_default();
            let role = p["roleDefinitionId"]["$role"]
                .as_str()
                .ok_or_else(|| error(format!("{s}: no built-in role")))?;
            set!("scope" => v.id(scope)?, "role" => role);
            match &p["principalId"] {
                // A principal the scenario names by object id.
                Value::String(id) => {
                    let kind = p["principalType"].as_str().unwrap_or_default();
                    set!("principal" => v.setting(
                        Key::PrincipalId(id.to_lowercase()),
                        "PRINCIPAL_OBJECT_ID".into(),
                        id,
                        &format!("Microsoft Entra object id ({kind}) given roles on the workspace"),
                    ));
                }
                // The identity of a cluster this deployment creates, known once it exists.
                other => {
                    let principal = other["$principal"]
                        .as_str()
                        .ok_or_else(|| error(format!("{s}: no principal to assign the role to")))?;
                    let cluster = v.resource(principal)?;
                    if cluster.ty != catalog::AKS.name {
                        return Err(error(format!(
                            "{s}: scripts read the principal of AKS clusters only"
                        )));
                    }
                    set!("sub" => v.sub(principal)?, "rg" => v.rg(principal)?,
                        "cluster" => v.name(principal)?, "cluster_label" => cluster.name,
                        "principal" => var_name(s, "_PRINCIPAL_ID"));
                }
            }
            "role-assignment"
        }
        other => return Err(error(format!("no Azure CLI command creates {other}"))),
    };
    Ok((kind, m))
}

/// The symbol a `{"$ref": ...}` property of `r` names.
fn reference<'a>(r: &Resource, v: &'a Value) -> Result<&'a str, RenderError> {
    v["$ref"]
        .as_str()
        .ok_or_else(|| error(format!("{}: {v} is not a reference", r.symbol)))
}

/// The id variables of the workspace's dependencies, by the plan property that names each.
fn dependencies<'p>(v: &mut Vars<'p>, ws: &'p Resource) -> Result<Map<String, Value>, RenderError> {
    let mut deps = Map::new();
    for prop in DEPENDENCIES {
        if let Some(dep) = ws.properties[prop]["$ref"].as_str() {
            deps.insert(prop.into(), json!(v.id(dep)?));
        }
    }
    Ok(deps)
}

/// The workspace properties that name its dependencies, in the order the scripts pass them.
const DEPENDENCIES: [&str; 4] = [
    "storageAccount",
    "keyVault",
    "applicationInsights",
    "containerRegistry",
];

fn public_access_var(v: &mut Vars) -> String {
    let plan = v.plan;
    v.setting(
        Key::PublicNetworkAccess,
        "WORKSPACE_PUBLIC_NETWORK_ACCESS".into(),
        &plan.public_network_access,
        "whether the workspace also answers on its public endpoint",
    )
}

/// `az resource create --is-full-object`: the plan's resource as ARM sees it.
fn generic<'p>(v: &mut Vars<'p>, r: &'p Resource) -> Result<(&'static str, StepVars), RenderError> {
    let mut body = Map::new();
    if let Some(l) = &r.location {
        body.insert("location".into(), l.clone());
    }
    if let Some(k) = &r.kind {
        body.insert("kind".into(), json!(k));
    }
    if let Some(sku) = &r.sku {
        body.insert("sku".into(), sku.clone());
    }
    if let Some(i) = &r.identity {
        body.insert("identity".into(), i.clone());
    }
    let tagged = !v.tags(r, false).is_null();
    body.insert("properties".into(), r.properties.clone());
    let mut body = v.json(&Value::Object(body))?;
    // The tags are data: spelled as JSON text as they are, never read for `$ref` and the
    // other plan forms (a tag may be named `$ref`, or `$(...)`).
    if tagged {
        let tags = serde_json::to_string(&v.plan.tags)
            .map_err(|e| error(format!("the tags as JSON: {e}")))?;
        match body.first_mut().and_then(|p| p.get_mut("lit")) {
            Some(Value::String(lit)) if lit.starts_with('{') => {
                lit.insert_str(1, &format!("\"tags\":{tags},"));
            }
            _ => return Err(error("a resource body that is not a JSON object")),
        }
    }
    let literal_dollars = body
        .iter()
        .filter_map(|p| p["lit"].as_str())
        .any(has_dollars);
    let mut m = StepVars::new();
    m.insert("body".into(), json!(body));
    m.insert("literal_dollars".into(), json!(literal_dollars));
    m.insert("id".into(), json!(v.id(&r.symbol)?));
    Ok(("generic", m))
}

/// Renders one step: its progress line's number and title, and the body that
/// `templates/cli/steps/<kind>.sh` spells from the resource `r` and the variables `v`.
fn render_step(
    t: &Templates,
    n: usize,
    title: String,
    kind: &str,
    r: &impl Serialize,
    v: StepVars,
) -> Result<Step, RenderError> {
    #[derive(Serialize)]
    struct View<'a, R> {
        r: &'a R,
        v: StepVars,
    }
    let body = t.render_piece(&format!("cli/steps/{kind}.sh"), View { r, v })?;
    Ok(Step { n, title, body })
}

/// The steps of the given planned steps, numbered from 1.
fn steps_of<'p>(
    t: &Templates,
    index: &Index<'p>,
    v: &mut Vars<'p>,
    needs: &mut Needs,
    steps: impl Iterator<Item = &'p crate::plan::Step>,
) -> Result<Vec<Step>, RenderError> {
    let plan = index.plan;
    let mut out = Vec::new();
    for step in steps {
        let n = out.len() + 1;
        let title = match index.network_of.get(step.target.as_str()) {
            Some(network) => format!("{} in {network}", step.title),
            None => step.title.clone(),
        };
        out.push(if step.kind == "resource-group" {
            let g = index
                .groups
                .get(step.target.as_str())
                .ok_or_else(|| error(format!("no resource group {}", step.target)))?;
            let mut m = StepVars::new();
            m.insert("tags".into(), v.scenario_tags());
            let location = if g.location == plan.location {
                v.location()
            } else {
                v.setting(
                    Key::GroupLocation(g.name.to_lowercase()),
                    format!("RG_{}_LOCATION", var_base(&g.name)),
                    &g.location,
                    &format!("region of resource group {}", g.name),
                )
            };
            m.insert("location".into(), json!(location));
            m.insert("sub".into(), json!(v.subscription()));
            m.insert("name".into(), json!(v.group(&g.name)));
            render_step(t, n, title, "resource-group", g, m)?
        } else {
            let r = v.resource(&step.target)?;
            let (kind, m) = create(v, needs, r)?;
            render_step(t, n, title, kind, r, m)?
        });
    }
    Ok(out)
}

impl Vars<'_> {
    /// The tag array of a command that tags with the scenario's tags whatever it creates.
    fn scenario_tags(&mut self) -> Value {
        if self.plan.tags.is_empty() {
            return Value::Null;
        }
        self.tags = true;
        json!("TAGS")
    }
}

// ---------------------------------------------------------------------------------------------
// Scripts

/// The top of every script, which `templates/cli/settings.sh` and `prelude.sh` spell: the
/// settings, the tag arrays, the shared functions and the derived variables.
#[derive(Serialize)]
struct Head {
    /// Path inside the scenario folder (also the name in messages).
    path: String,
    /// From the script to the scenario folder: `` or `../`.
    root: String,
    settings: Vec<Setting>,
    /// The scenario's tags when the script's commands use the `TAGS` array, and when they use
    /// `TAGS_SHORTHAND`.
    tags: IndexMap<String, String>,
    tags_shorthand: IndexMap<String, String>,
    derived: Vec<Derived>,
    subscription: bool,
    /// The subscription the workspace must be in because its computes' VNet is (the script
    /// refuses any other).
    compute_subscription: Option<String>,
    /// The script passes a copy of workspace.yml to `az ml workspace`.
    workspace_yaml: bool,
    /// The script adds zones to an existing zone group.
    zone_configs: bool,
    /// The operations the script takes as an argument, the first by default (none for most).
    operations: Vec<&'static str>,
}

impl Head {
    fn new(v: Vars, path: &str, needs: Needs) -> Self {
        let tags = |used: bool| {
            if used {
                v.plan.tags.clone()
            } else {
                IndexMap::new()
            }
        };
        Self {
            root: "../".repeat(path.matches('/').count()),
            path: path.to_string(),
            tags: tags(v.tags),
            tags_shorthand: tags(v.tags_shorthand),
            settings: v.settings,
            derived: v.derived,
            compute_subscription: (v.plan.compute_subscription.clone()).filter(|_| v.subscription),
            subscription: v.subscription,
            workspace_yaml: needs.workspace_yaml,
            zone_configs: needs.zone_configs,
            operations: Vec::new(),
        }
    }
}

/// What a script template reads besides its head and steps.
#[derive(Serialize)]
struct About<'a> {
    header: &'a str,
    scenario: &'a str,
    /// The cloud the scripts check the Azure CLI is signed in to.
    cloud: &'a str,
    description: &'a str,
    workspace: &'a str,
}

impl<'a> About<'a> {
    fn new(plan: &'a Plan, ctx: &'a Context) -> Self {
        Self {
            header: &ctx.header,
            scenario: &plan.scenario,
            cloud: &plan.cloud,
            description: &plan.description,
            workspace: &plan.workspace,
        }
    }
}

/// A script: `templates/cli/<template>` with the head, the steps and `extra`.
fn script(
    t: &Templates,
    template: &str,
    about: About,
    head: Head,
    steps: Vec<Step>,
    extra: Value,
) -> Result<(String, String), RenderError> {
    #[derive(Serialize)]
    struct View<'a> {
        about: About<'a>,
        head: &'a Head,
        steps: Vec<Step>,
        extra: Value,
    }
    let text = t.render(
        &format!("cli/{template}"),
        View {
            about,
            head: &head,
            steps,
            extra,
        },
    )?;
    Ok((head.path, text))
}

/// deploy.sh: every step of the plan.
fn deploy(t: &Templates, index: &Index, ctx: &Context) -> Result<(String, String), RenderError> {
    let plan = index.plan;
    let mut v = Vars::new(plan);
    let mut needs = Needs::default();
    let steps = steps_of(t, index, &mut v, &mut needs, plan.steps.iter())?;
    let head = Head::new(v, paths::DEPLOY, needs);
    script(
        t,
        "deploy.sh",
        About::new(plan, ctx),
        head,
        steps,
        Value::Null,
    )
}

/// The symbols that belong to the private endpoints `eps` of one VNet: the endpoints, their
/// zone groups, the zones they register in and those zones' links to this VNet.
fn endpoint_resources<'p>(index: &Index<'p>, eps: &[&'p Endpoint]) -> HashSet<&'p str> {
    let mut syms = HashSet::new();
    for e in eps {
        syms.insert(e.symbol.as_str());
        syms.extend(e.zone_group.as_deref());
        syms.extend(e.zones.iter().filter_map(|z| z.zone_symbol.as_deref()));
    }
    let vnet = eps.first().map(|e| e.network_symbol.as_str());
    let links: Vec<&str> = syms
        .iter()
        .filter_map(|z| index.links_by_zone.get(z))
        .flatten()
        .filter(|r| r.properties["virtualNetwork"]["id"]["$ref"].as_str() == vnet)
        .map(|r| r.symbol.as_str())
        .collect();
    syms.extend(links);
    syms
}

fn add_endpoints(
    t: &Templates,
    index: &Index,
    ctx: &Context,
    net: &str,
    eps: &[&Endpoint],
) -> Result<(String, String), RenderError> {
    let plan = index.plan;
    let syms = endpoint_resources(index, eps);
    let groups: HashSet<String> = syms
        .iter()
        .filter_map(|s| plan.resource(s))
        .filter(|r| !r.existing)
        .map(|r| r.resource_group.to_lowercase())
        .collect();
    // The steps that create them and their resource groups, in the plan's order.
    let positions: BTreeSet<usize> = syms
        .iter()
        .filter_map(|s| index.resource_steps.get(s))
        .chain(groups.iter().filter_map(|g| index.group_steps.get(g)))
        .flatten()
        .copied()
        .collect();
    let mut v = Vars::new(plan);
    let mut needs = Needs::default();
    let steps = steps_of(
        t,
        index,
        &mut v,
        &mut needs,
        positions.into_iter().map(|i| &plan.steps[i]),
    )?;
    let targets: Vec<&str> = eps.iter().map(|e| e.target_label.as_str()).collect();
    let head = Head::new(v, &paths::add_endpoints(net), needs);
    let extra = json!({ "network": net, "targets": targets });
    script(
        t,
        "add-endpoints.sh",
        About::new(plan, ctx),
        head,
        steps,
        extra,
    )
}

fn remove_endpoints(
    t: &Templates,
    index: &Index,
    ctx: &Context,
    net: &str,
    eps: &[&Endpoint],
) -> Result<(String, String), RenderError> {
    let plan = index.plan;
    let mut v = Vars::new(plan);
    let mut steps = Vec::new();
    for e in eps.iter().rev() {
        let s = e.symbol.as_str();
        let mut m = StepVars::new();
        m.insert("sub".into(), json!(v.sub(s)?));
        m.insert("rg".into(), json!(v.rg(s)?));
        m.insert("name".into(), json!(v.name(s)?));
        let title = format!("remove private endpoint {} from {}", e.name, e.network);
        steps.push(render_step(
            t,
            steps.len() + 1,
            title,
            "delete-endpoint",
            e,
            m,
        )?);
    }
    let head = Head::new(v, &paths::remove_endpoints(net), Needs::default());
    let extra = json!({ "network": net });
    script(
        t,
        "remove-endpoints.sh",
        About::new(plan, ctx),
        head,
        steps,
        extra,
    )
}

fn public_access(
    t: &Templates,
    index: &Index,
    ctx: &Context,
    enable: bool,
) -> Result<(String, String), RenderError> {
    let plan = index.plan;
    let mut v = Vars::new(plan);
    let ws = plan_workspace(plan)?;
    let s = ws.symbol.as_str();
    let mut m = StepVars::new();
    m.insert("name".into(), json!(v.name(s)?));
    m.insert("sub".into(), json!(v.sub(s)?));
    m.insert("rg".into(), json!(v.rg(s)?));
    m.insert("enable".into(), json!(enable));
    let value = if enable { "Enabled" } else { "Disabled" };
    let title = format!("public network access of workspace {}: {value}", ws.name);
    let steps = vec![render_step(t, 1, title, "public-access", ws, m)?];
    let needs = Needs {
        workspace_yaml: true,
        zone_configs: false,
    };
    let path = if enable {
        paths::ENABLE_PUBLIC
    } else {
        paths::DISABLE_PUBLIC
    };
    let head = Head::new(v, path, needs);
    let extra = json!({ "enable": enable });
    script(
        t,
        "public-access.sh",
        About::new(plan, ctx),
        head,
        steps,
        extra,
    )
}

fn plan_workspace(plan: &Plan) -> Result<&Resource, RenderError> {
    plan.resources
        .iter()
        .find(|r| r.ty == catalog::WORKSPACE.name)
        .ok_or_else(|| error("the plan has no workspace"))
}

// ---------------------------------------------------------------------------------------------
// workspace.yml and the legacy dialects

/// The workspace and the ids of its dependencies (with the placeholder subscription for those
/// this deployment creates), by the plan property that names each: what workspace.yml and the
/// SDK v1 reference spell.
#[derive(Serialize)]
struct WorkspaceView<'a> {
    header: &'a str,
    location: &'a str,
    public_network_access: &'a str,
    tags: &'a IndexMap<String, String>,
    ws: &'a Resource,
    dependencies: Map<String, Value>,
    /// The workspace's private endpoints, in the order the deployment creates them, with the
    /// VNet as the v1 dialects name it (the spec: "Must be the same group that contains the
    /// virtual network").
    endpoints: Vec<Value>,
}

fn workspace_view<'a>(plan: &'a Plan, ctx: &'a Context) -> Result<WorkspaceView<'a>, RenderError> {
    let ws = plan_workspace(plan)?;
    let mut dependencies = Map::new();
    for prop in DEPENDENCIES {
        if let Some(dep) = ws.properties[prop]["$ref"].as_str() {
            let r = plan
                .resource(dep)
                .ok_or_else(|| error(format!("the plan has no resource {dep}")))?;
            dependencies.insert(prop.into(), json!(static_id(r)));
        }
    }
    let endpoints = plan
        .endpoints
        .iter()
        .filter(|e| e.target == Target::Workspace)
        .map(|e| {
            let vnet = plan.resource(&e.network_symbol);
            json!({
                "name": e.name,
                "vnet": vnet.map_or(&e.network, |v| &v.name),
                "subnet": e.subnet,
                "resource_group": vnet.map_or(&e.resource_group, |v| &v.resource_group),
                "subscription": vnet.and_then(|v| v.subscription.as_deref()).filter(|s| !s.is_empty()),
                "manual_approval": e.manual_approval,
            })
        })
        .collect();
    Ok(WorkspaceView {
        header: &ctx.header,
        location: &plan.location,
        public_network_access: &plan.public_network_access,
        tags: &plan.tags,
        ws,
        dependencies,
        endpoints,
    })
}

/// `legacy/cli-v1.sh`: one shell function per operation, chosen by the script's argument; each
/// step renders `templates/cli/steps/legacy-<kind>.sh`.
fn legacy_cli(
    t: &Templates,
    index: &Index,
    ctx: &Context,
) -> Result<(String, String), RenderError> {
    let plan = index.plan;
    let mut v = Vars::new(plan);
    let ws = plan_workspace(plan)?;
    let s = ws.symbol.as_str();
    let eps: Vec<&Endpoint> = plan
        .endpoints
        .iter()
        .filter(|e| e.target == Target::Workspace)
        .collect();
    let mut operations: Vec<(&'static str, Vec<Step>)> = Vec::new();
    let step = |v: &mut Vars,
                steps: &[Step],
                kind: &str,
                title: String,
                e: Option<&Endpoint>,
                mut m: StepVars| {
        m.insert("ws_sub".into(), json!(v.sub(s)?));
        m.insert("ws_rg".into(), json!(v.rg(s)?));
        m.insert("ws_name".into(), json!(v.name(s)?));
        if let Some(e) = e {
            m.insert("pe".into(), legacy_pe(v, e)?);
        }
        render_step(t, steps.len() + 1, title, kind, &e, m)
    };
    let add = |v: &mut Vars, steps: &mut Vec<Step>, e: &Endpoint| -> Result<(), RenderError> {
        let title = format!("private endpoint {} in {}", e.name, e.network);
        let st = step(v, steps, "legacy-add", title, Some(e), StepVars::new())?;
        steps.push(st);
        Ok(())
    };
    if !ws.existing {
        let mut steps = Vec::new();
        if let Some((first, rest)) = eps.split_first() {
            let mut m = StepVars::new();
            m.insert("dependencies".into(), json!(dependencies(&mut v, ws)?));
            let title = format!(
                "workspace {} with private endpoint {} in {}",
                ws.name, first.name, first.network
            );
            // The workspace's variables come first, then its region, then the endpoint's.
            let mut m2 = StepVars::new();
            m2.insert("ws_sub".into(), json!(v.sub(s)?));
            m2.insert("ws_rg".into(), json!(v.rg(s)?));
            m2.insert("ws_name".into(), json!(v.name(s)?));
            m2.insert("location".into(), json!(v.location_of(ws)?));
            m2.extend(m);
            m2.insert("pe".into(), legacy_pe(&mut v, first)?);
            steps.push(render_step(t, 1, title, "legacy-create", first, m2)?);
            for e in rest {
                add(&mut v, &mut steps, e)?;
            }
        }
        operations.push(("create", steps));
    }
    let mut adds = Vec::new();
    let mut removes = Vec::new();
    for e in &eps {
        add(&mut v, &mut adds, e)?;
        let mut m = StepVars::new();
        m.insert("ws_sub".into(), json!(v.sub(s)?));
        m.insert("ws_rg".into(), json!(v.rg(s)?));
        m.insert("ws_name".into(), json!(v.name(s)?));
        m.insert("ws_id".into(), json!(v.id(s)?));
        m.insert("pe".into(), legacy_pe(&mut v, e)?);
        let title = format!("remove private endpoint {} from {}", e.name, e.network);
        removes.push(render_step(
            t,
            removes.len() + 1,
            title,
            "legacy-remove",
            e,
            m,
        )?);
    }
    operations.push(("add-endpoints", adds));
    operations.push(("remove-endpoints", removes));
    let title = format!("public access of workspace {}", ws.name);
    let public = step(&mut v, &[], "legacy-public", title, None, StepVars::new())?;
    operations.push(("enable-public-access", vec![public]));
    let mut head = Head::new(v, paths::LEGACY_CLI, Needs::default());
    head.operations = operations.iter().map(|(name, _)| *name).collect();
    let ops: Vec<Value> = operations
        .into_iter()
        .map(|(name, steps)| json!({ "name": name, "steps": steps }))
        .collect();
    script(
        t,
        "legacy-cli-v1.sh",
        About::new(plan, ctx),
        head,
        Vec::new(),
        json!({ "operations": ops }),
    )
}

/// A workspace endpoint's settings as the v1 dialects pass them, as variables: the VNet's
/// subscription when the VNet exists (it may be in another one), and where the endpoint is
/// looked up (that subscription, else the workspace's).
fn legacy_pe(v: &mut Vars, e: &Endpoint) -> Result<Value, RenderError> {
    let vnet = v.resource(&e.network_symbol)?;
    let subnet = v.resource(&e.subnet_symbol)?;
    let sub = if vnet.existing {
        Some(v.sub(&vnet.symbol)?)
    } else {
        None
    };
    let show_sub = match &sub {
        Some(s) => s.clone(),
        None => v.sub(&e.symbol)?,
    };
    Ok(json!({
        "name": v.name(&e.symbol)?,
        "rg": v.rg(&e.network_symbol)?,
        "vnet": v.name(&vnet.symbol)?,
        "subnet": v.name(&subnet.symbol)?,
        "sub": sub,
        "show_sub": show_sub,
        "auto_approval": !e.manual_approval,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_names_are_shell_identifiers() {
        assert_eq!(
            var_base("peVnetMlwMlwZoneGroup"),
            "PE_VNET_MLW_MLW_ZONE_GROUP"
        );
        assert_eq!(var_base("mlw.prod(1)"), "MLW_PROD_1");
        assert_eq!(var_base("HTTPServer"), "HTTP_SERVER");
        assert_eq!(var_base("2nd"), "V_2ND");
        assert_eq!(var_base("ünïcode"), "N_CODE");
        assert_eq!(var_name("storage", "_NAME"), "STORAGE_NAME");
    }

    #[test]
    fn properties_with_references_become_literal_text_and_variables() {
        let plan = crate::plan::build(&crate::synth::scenario(1), &[]);
        let mut v = Vars::new(&plan);
        let ws = plan_workspace(&plan).expect("workspace");
        let body = json!({ "location": { "$param": "location" }, "x": [1, { "$ref": ws.symbol }] });
        let pieces = v.json(&body).expect("spells");
        let text: String = pieces
            .iter()
            .map(|p| match (p["lit"].as_str(), p["var"].as_str()) {
                (Some(l), _) => l.to_string(),
                (_, Some(var)) => format!("${var}"),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(text, r#"{"location":"$LOCATION","x":[1,"$WORKSPACE_ID"]}"#);
        assert!(v.json(&json!({ "$env": "storage" })).is_err());
    }
}
