//! The Azure CLI renderer: `deploy.sh` (the whole deployment, in the plan's step order), the
//! day-2 scripts under `ops/`, the `az ml workspace` YAML, and the legacy CLI v1 / SDK v1
//! references when the scenario asks for them.
//!
//! Scripts are spelled by the templates under `templates/cli/` (compiled in with askama); this
//! module only builds their views. The scenario's values (names, groups, regions, prefixes,
//! sizes, ids of existing resources) become settings at the top of a script, each overridable
//! from the environment; resource ids are derived from them once the subscription is known;
//! commands reference both as `"$NAME"`. Every other plan value (flags, tags, titles) is quoted
//! where it is used. Either way, text from the plan reaches a script only through the `sh`
//! filter. Each script gets its own [`Vars`], which registers exactly the variables its views
//! reference: nothing unused is emitted.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;
use std::ops::Range;

use askama::{FastWritable, Template};
use indexmap::IndexMap;
use serde_json::{json, Value};

use super::escape::{writable, write_writable};
use super::stream::{BlankLines, ByPosition, Filter as _, Text};
use super::{paths, Context, RenderError};
use crate::catalog;
use crate::fxhash::{FxHashMap, FxHashSet};
use crate::plan::{Endpoint, Plan, Resource, ResourceGroupPlan};
use crate::scenario::{Legacy, Target};

/// The template filters: the shared escapers (see `escape::filters`), of which `sh`, which
/// scripts use for nearly every value, writes straight into the script instead of building a
/// string per value. It escapes exactly as `escape::shell` does; a test holds it to it.
mod filters {
    use askama::FastWritable;

    pub use crate::render::escape::filters::*;

    use super::ShellWord;

    #[askama::filter_fn]
    pub fn sh<T: FastWritable>(value: T, _: &dyn askama::Values) -> askama::Result<ShellWord<T>> {
        Ok(ShellWord(value))
    }
}

/// A single-quoted shell word of the text, as `escape::shell` writes it.
pub struct ShellWord<T>(pub T);

writable! {
    impl[T: FastWritable] for ShellWord<T> => |this, w| {
        w.write_char('\'')?;
        write_writable(&mut Quoted(w), &this.0)?;
        w.write_char('\'')
    };
}

/// Writes what is written through it as the inside of a single-quoted shell word, as
/// `escape::shell` does: a quote ends the quoted text, is escaped, and quoting resumes.
struct Quoted<'a>(&'a mut dyn fmt::Write);

impl fmt::Write for Quoted<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut parts = s.split('\'');
        self.0.write_str(parts.next().unwrap_or_default())?;
        for part in parts {
            self.0.write_str(r"'\''")?;
            self.0.write_str(part)?;
        }
        Ok(())
    }
}

/// The subscription written where the real one is only known at run time: in the committed
/// `workspace.yml` and in `--dry-run` when `AZURE_SUBSCRIPTION_ID` is unset.
pub const PLACEHOLDER_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";

/// The spec's warnings, printed by the day-2 scripts before they act.
mod warnings {
    pub const ADD: &[&str] = &[
        "Existing compute targets of this workspace that are not behind the same virtual network as the new private endpoint will not work (spec: Add a private endpoint to a workspace).",
    ];
    pub const REMOVE: &[&str] = &[
        "Removing a private endpoint removes the workspace from the virtual network it was in: the workspace may no longer reach resources in that VNet, and resources in that VNet may no longer reach the workspace (spec: Remove a private endpoint).",
        "Removing the private endpoints of a workspace does not make it publicly accessible; run ops/enable-public-access.sh for that.",
    ];
    pub const ENABLE_PUBLIC: &[&str] = &[
        "Enabling public access does not remove any private endpoint: traffic between the components behind the VNet stays private; public access is added to the workspace only.",
        "Over the public endpoint, some studio features (such as the designer) fail to access data stored on services secured behind the VNet, such as the storage account.",
        "Over the public endpoint, Jupyter, JupyterLab and RStudio on a compute instance, including running notebooks, are not supported.",
    ];
    pub const DISABLE_PUBLIC: &[&str] = &[
        "After this, clients reach the workspace only through its private endpoints: make sure every client resolves the workspace's private DNS zones.",
    ];
}

/// The files of this kind for one scenario: (path inside the scenario folder, contents).
pub fn render(plan: &Plan, ctx: &Context) -> Result<Vec<(String, String)>, RenderError> {
    let scripts = Scripts::new(plan);
    let mut files = Vec::new();
    for (path, text) in scripts.main(ctx)? {
        let text = text.into_string(&path)?;
        files.push((path, text));
    }
    files.extend(scripts.ops(ctx, 0..scripts.networks())?);
    Ok(files)
}

/// The scripts of one plan, in pieces that can be rendered apart (and at once): the main
/// files, and the add and remove scripts of any run of VNets. The plan's lookups are built
/// once for all of them.
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

    /// workspace.yml, deploy.sh, the public-access scripts and the legacy files. deploy.sh,
    /// which holds every step, is written into its file as it is rendered.
    pub fn main<'c>(&'c self, ctx: &'c Context) -> Result<Vec<(String, Text<'c>)>, RenderError> {
        let index = &self.index;
        let plan = index.plan;
        let deploy = deploy(index, ctx)?;
        let mut files: Vec<(String, Text)> = vec![
            (
                paths::WORKSPACE_YAML.to_string(),
                super::render("cli/workspace.yml", &workspace_yaml(plan, ctx)?)?.into(),
            ),
            (
                deploy.head.path.clone(),
                Text::stream(move |w| {
                    let mut lines = BlankLines::new(w);
                    Template::write_into(&deploy, &mut lines)?;
                    lines.finish().map(drop)
                }),
            ),
        ];
        for public in [true, false] {
            let (path, text) = script_file(public_access(plan, ctx, public)?)?;
            files.push((path, text.into()));
        }
        if plan.legacy.contains(&Legacy::CliV1) {
            files.push((
                paths::LEGACY_CLI.to_string(),
                single_blank_lines(&super::render(
                    "cli/legacy-cli-v1.sh",
                    &legacy_cli(plan, ctx)?,
                )?)
                .into(),
            ));
        }
        if plan.legacy.contains(&Legacy::SdkV1) {
            files.push((
                paths::LEGACY_SDK.to_string(),
                super::render("cli/legacy-sdk-v1.py", &legacy_sdk(plan, ctx)?)?.into(),
            ));
        }
        Ok(files)
    }

    /// The add and remove scripts of the VNets at `networks` (positions among those with
    /// endpoints, in plan order).
    pub fn ops(
        &self,
        ctx: &Context,
        networks: Range<usize>,
    ) -> Result<Vec<(String, String)>, RenderError> {
        let index = &self.index;
        let mut files = Vec::with_capacity(2 * networks.len());
        for (net, eps) in index
            .endpoints_by_network
            .get_range(networks)
            .into_iter()
            .flatten()
        {
            // Each script is rendered as soon as its view is built: an estate of many VNets
            // holds one view at a time, not two per VNet.
            files.push(script_file(add_endpoints(index, ctx, net, eps)?)?);
            files.push(script_file(remove_endpoints(index, ctx, net, eps)?)?);
        }
        Ok(files)
    }
}

/// One script's file: its path and text.
fn script_file(s: Script) -> Result<(String, String), RenderError> {
    let text = single_blank_lines(&super::render("cli/script.sh", &s)?);
    Ok((s.head.path, text))
}

/// Optional template blocks leave runs of blank lines; scripts keep one at most.
fn single_blank_lines(text: &str) -> String {
    super::stream::filtered(text, BlankLines::new(Vec::with_capacity(text.len())))
}

fn error(what: impl Into<String>) -> RenderError {
    RenderError::Askama {
        name: "cli",
        source: askama::Error::custom(what.into()),
    }
}

/// The plan's lookups that the scripts need, built once, so that rendering takes time in
/// proportion to the output: a script of one VNet looks at that VNet's part of the plan only.
struct Index<'p> {
    plan: &'p Plan,
    /// Private endpoints by VNet name, VNets in plan order: one add and one remove script each.
    endpoints_by_network: IndexMap<&'p str, Vec<&'p Endpoint>>,
    /// The VNet of each private endpoint, by its symbol (step titles name it).
    network_of: FxHashMap<&'p str, &'p str>,
    /// Private DNS zone links by the symbol of their zone.
    links_by_zone: FxHashMap<&'p str, Vec<&'p Resource>>,
    /// Resource groups by name (the target of the steps that create them).
    groups: FxHashMap<&'p str, &'p ResourceGroupPlan>,
    /// Positions in `plan.steps` of the steps that create a resource, by its symbol...
    resource_steps: FxHashMap<&'p str, Vec<usize>>,
    /// ... and of those that create a resource group, by its name in lower case.
    group_steps: FxHashMap<String, Vec<usize>>,
}

impl<'p> Index<'p> {
    fn new(plan: &'p Plan) -> Self {
        let mut endpoints_by_network: IndexMap<&str, Vec<&Endpoint>> = IndexMap::new();
        let mut network_of = FxHashMap::default();
        for e in &plan.endpoints {
            endpoints_by_network
                .entry(e.network.as_str())
                .or_default()
                .push(e);
            network_of
                .entry(e.symbol.as_str())
                .or_insert(e.network.as_str());
        }
        let mut links_by_zone: FxHashMap<&str, Vec<&Resource>> = FxHashMap::default();
        for r in plan
            .resources
            .iter()
            .filter(|r| r.ty == catalog::DNS_LINK.name)
        {
            if let Some(zone) = &r.parent {
                links_by_zone.entry(zone.as_str()).or_default().push(r);
            }
        }
        let mut groups = FxHashMap::default();
        for g in &plan.resource_groups {
            groups.entry(g.name.as_str()).or_insert(g);
        }
        let mut resource_steps: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        let mut group_steps: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        for (i, step) in plan.steps.iter().enumerate() {
            if step.kind == "resource-group" {
                group_steps
                    .entry(step.target.to_lowercase())
                    .or_default()
                    .push(i);
            } else {
                resource_steps
                    .entry(step.target.as_str())
                    .or_default()
                    .push(i);
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

/// An overridable setting: `NAME=${NAME:-'value'}`.
#[derive(Debug)]
struct Setting {
    name: String,
    value: String,
    note: String,
}

/// A variable computed after the subscription is known.
#[derive(Debug)]
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

/// What a variable holds: the key under which [`Vars`] registers it, so that every view that
/// asks for the same thing gets the same variable. Symbols and names are borrowed from the
/// plan: looking a variable up allocates nothing.
#[derive(Debug, PartialEq, Eq, Hash)]
enum Key<'p> {
    /// The plan's `location` parameter.
    Location,
    /// Whether the workspace answers on its public endpoint.
    PublicNetworkAccess,
    /// A resource group by its name as the plan spells it, and by its name in lower case:
    /// spellings that differ in case only name one group. The first is a shortcut to the
    /// second, which decides.
    Group(&'p str),
    GroupLower(String),
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
    Value(&'p str, Cow<'static, str>),
}

/// Where a resource lives, as [`Vars::home`] spells it.
#[derive(Debug, Clone, Copy)]
enum Home {
    Group,
    Subscription,
}

/// The variables of one script, registered as its views ask for them.
struct Vars<'p> {
    plan: &'p Plan,
    settings: Vec<Setting>,
    derived: Vec<Derived>,
    /// The names of `settings` and `derived`.
    names: FxHashSet<String>,
    /// Variable name by what it holds.
    by_key: FxHashMap<Key<'p>, String>,
    subscription: bool,
    /// Which tag arrays the script's commands use.
    tags: bool,
    tags_shorthand: bool,
    /// Some tag of the plan reads differently in the CLI's shorthand syntax.
    shorthand_quotes: bool,
}

const SUBSCRIPTION: &str = "SUBSCRIPTION_ID";
const LOCATION: &str = "LOCATION";
/// Variables the templates define themselves.
const RESERVED: &[&str] = &[
    SUBSCRIPTION,
    "AZURE_SUBSCRIPTION_ID",
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

impl<'p> Vars<'p> {
    fn new(plan: &'p Plan) -> Self {
        Self {
            plan,
            settings: Vec::new(),
            derived: Vec::new(),
            names: FxHashSet::default(),
            by_key: FxHashMap::default(),
            subscription: false,
            tags: false,
            tags_shorthand: false,
            shorthand_quotes: plan
                .tags
                .iter()
                .any(|(k, x)| shorthand_tag(k, x) != format!("{k}={x}")),
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

    fn reserve(&mut self, variables: usize) {
        self.settings.reserve(variables);
        self.names.reserve(variables);
        self.by_key.reserve(variables);
    }

    /// The variable already registered for `key`. Callers that compose a new variable's name
    /// look here first: composing it costs more than the lookup.
    fn known(&self, key: &Key<'p>) -> Option<String> {
        self.by_key.get(key).cloned()
    }

    fn setting(
        &mut self,
        key: Key<'p>,
        base: impl Into<String>,
        value: &str,
        note: &str,
    ) -> String {
        if let Some(v) = self.known(&key) {
            return v;
        }
        let name = self.fresh(base.into());
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
        if let Some(v) = self.known(&key) {
            return v;
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

    fn location(&mut self) -> String {
        let plan = self.plan;
        self.setting(
            Key::Location,
            LOCATION,
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
            Some(Value::String(region)) => {
                let key = Key::LocationOf(&r.symbol);
                if let Some(v) = self.known(&key) {
                    return Ok(v);
                }
                Ok(self.setting(
                    key,
                    var_name(&r.symbol, "_LOCATION"),
                    region,
                    &format!("region of {}", r.name),
                ))
            }
            _ => Err(error(format!("{} has no location", r.symbol))),
        }
    }

    fn group(&mut self, name: &'p str) -> String {
        if let Some(v) = self.known(&Key::Group(name)) {
            return v;
        }
        let lower = Key::GroupLower(name.to_lowercase());
        let var = match self.known(&lower) {
            Some(v) => v,
            None => {
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
                self.setting(lower, base, name, note)
            }
        };
        self.by_key.insert(Key::Group(name), var.clone());
        var
    }

    fn resource(&self, symbol: &str) -> Result<&'p Resource, RenderError> {
        self.plan
            .resource(symbol)
            .ok_or_else(|| error(format!("the plan has no resource {symbol}")))
    }

    /// Variable holding the resource id.
    fn id(&mut self, symbol: &'p str) -> Result<String, RenderError> {
        let key = Key::Id(symbol);
        if let Some(v) = self.known(&key) {
            return Ok(v);
        }
        let r = self.resource(symbol)?;
        let base = var_name(symbol, "_ID");
        if let Some(parent) = &r.parent {
            let parent_id = self.id(parent)?;
            let name = self.name(symbol)?;
            let segment = r.ty.rsplit('/').next().unwrap_or_default().to_string();
            return Ok(self.derive(key, base, |var| Derived::ChildId {
                var,
                parent: parent_id,
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
            let id = format!(
                "/subscriptions/{}/resourceGroups/{}/providers/{}/{}",
                r.subscription
                    .as_deref()
                    .unwrap_or(PLACEHOLDER_SUBSCRIPTION),
                r.resource_group,
                r.ty,
                r.name
            );
            return Ok(self.setting(key, base, &id, &r.purpose));
        }
        let sub = self.subscription();
        let rg = self.group(&r.resource_group);
        let name = self.name(symbol)?;
        let provider = r.ty.clone();
        Ok(self.derive(key, base, |var| Derived::Id {
            var,
            sub,
            rg,
            provider,
            name,
        }))
    }

    /// Variable holding the resource's own name.
    fn name(&mut self, symbol: &'p str) -> Result<String, RenderError> {
        let key = Key::Name(symbol);
        if let Some(v) = self.known(&key) {
            return Ok(v);
        }
        let r = self.resource(symbol)?;
        let base = var_name(symbol, "_NAME");
        if r.existing && r.parent.is_none() {
            let id = self.id(symbol)?;
            return Ok(self.derive(key, base, |var| Derived::NameOf { var, id }));
        }
        Ok(self.setting(key, base, &r.name, &r.purpose))
    }

    /// Variable holding the resource group the resource lives in.
    fn rg(&mut self, symbol: &'p str) -> Result<String, RenderError> {
        self.home(symbol, Home::Group)
    }

    /// Variable holding the subscription the resource lives in.
    fn sub(&mut self, symbol: &'p str) -> Result<String, RenderError> {
        self.home(symbol, Home::Subscription)
    }

    /// Variable holding the group or subscription a resource lives in: its parent's (or the
    /// resource it extends); for an existing resource, that segment of its id; otherwise the
    /// scenario's.
    fn home(&mut self, symbol: &'p str, home: Home) -> Result<String, RenderError> {
        let r = self.resource(symbol)?;
        if let Some(p) = r.parent.as_ref().or(r.scope.as_ref()) {
            return self.home(p, home);
        }
        if !r.existing {
            return Ok(match home {
                Home::Group => self.group(&r.resource_group),
                Home::Subscription => self.subscription(),
            });
        }
        let (key, suffix, index) = match home {
            Home::Group => (Key::GroupOf(symbol), "_RESOURCE_GROUP", 4),
            Home::Subscription => (Key::SubscriptionOf(symbol), "_SUBSCRIPTION", 2),
        };
        if let Some(v) = self.known(&key) {
            return Ok(v);
        }
        let id = self.id(symbol)?;
        let base = var_name(symbol, suffix);
        Ok(self.derive(key, base, |var| Derived::PartOf { var, id, index }))
    }

    /// A value of the scenario that the command creating `r` passes (sizes, counts, prefixes).
    fn value(
        &mut self,
        r: &'p Resource,
        what: impl Into<Cow<'static, str>>,
        v: &Value,
        note: impl fmt::Display,
    ) -> String {
        let what = what.into();
        let key = Key::Value(&r.symbol, what.clone());
        if let Some(var) = self.known(&key) {
            return var;
        }
        let mut base = var_base(&r.symbol);
        base.push('_');
        push_shouty_snake(&mut base, &what);
        self.setting(key, base, &text(v), &note.to_string())
    }

    /// The tag array a created resource's command passes, when it carries the scenario's tags:
    /// `TAGS` (`key=value` words).
    fn tags(&mut self, r: &Resource) -> Option<String> {
        if !r.tags {
            return None;
        }
        self.scenario_tags()
    }

    fn scenario_tags(&mut self) -> Option<String> {
        if self.plan.tags.is_empty() {
            return None;
        }
        self.tags = true;
        Some("TAGS".to_string())
    }

    /// Like [`Vars::tags`], for commands whose `--tags` takes the CLI's shorthand syntax
    /// (network, private DNS, Log Analytics): `TAGS_SHORTHAND` when some tag needs quoting there.
    fn tags_shorthand(&mut self, r: &Resource) -> Option<String> {
        if !r.tags || self.plan.tags.is_empty() {
            return None;
        }
        if !self.shorthand_quotes {
            return self.tags(r);
        }
        self.tags_shorthand = true;
        Some("TAGS_SHORTHAND".to_string())
    }

    /// `$ref` ids and the location parameter resolved; the JSON cut into literal text and
    /// variables (`--properties` of `az resource create`).
    fn json(&mut self, v: &Value) -> Result<Vec<Piece>, RenderError> {
        const MARK: &str = "@@amlpe:";
        let mut vars = Vec::new();
        let marked = self.mark(v, &mut vars, MARK)?;
        let text = serde_json::to_string(&marked)
            .map_err(|e| RenderError::Json("properties".into(), e))?;
        let mut pieces = Vec::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(MARK) {
            let (lit, tail) = rest.split_at(at);
            let tail = &tail[MARK.len()..];
            let end = tail.find('@').unwrap_or(tail.len());
            let index: usize = tail[..end].parse().unwrap_or_default();
            if !lit.is_empty() {
                pieces.push(Piece::Lit(lit.to_string()));
            }
            pieces.push(Piece::Var(vars[index].clone()));
            rest = &tail[end..];
            rest = rest.strip_prefix('@').unwrap_or(rest);
        }
        if !rest.is_empty() {
            pieces.push(Piece::Lit(rest.to_string()));
        }
        Ok(pieces)
    }

    fn mark(
        &mut self,
        v: &Value,
        vars: &mut Vec<String>,
        mark: &str,
    ) -> Result<Value, RenderError> {
        let slot = |name: String, vars: &mut Vec<String>| {
            vars.push(name);
            Value::String(format!("{mark}{}@", vars.len() - 1))
        };
        Ok(match v {
            Value::Object(m) if m.contains_key("$ref") => {
                // `v` is a copy of plan values: the symbol to keep is the plan's own.
                let r = self.resource(m["$ref"].as_str().unwrap_or_default())?;
                let id = self.id(&r.symbol)?;
                slot(id, vars)
            }
            Value::Object(m) if m.get("$param").and_then(Value::as_str) == Some("location") => {
                let loc = self.location();
                slot(loc, vars)
            }
            Value::Object(m) if m.keys().any(|k| k.starts_with('$')) => {
                return Err(error(format!("cannot spell {v} in a script")));
            }
            Value::Object(m) => {
                let mut out = serde_json::Map::new();
                for (k, x) in m {
                    out.insert(k.clone(), self.mark(x, vars, mark)?);
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(
                a.iter()
                    .map(|x| self.mark(x, vars, mark))
                    .collect::<Result<_, _>>()?,
            ),
            other => other.clone(),
        })
    }
}

/// `storageAccount` → `STORAGE_ACCOUNT`; anything but letters and digits separates words.
fn var_base(s: &str) -> String {
    var_name(s, "")
}

/// [`var_base`] of `symbol`, then `suffix`: `STORAGE_NAME`.
fn var_name(symbol: &str, suffix: &str) -> String {
    // Room for an underscore before every letter, the most the words can need.
    let mut v = String::with_capacity(2 * symbol.len() + suffix.len() + 2);
    push_shouty_snake(&mut v, symbol);
    if v.is_empty() || v.starts_with(|c: char| c.is_ascii_digit()) {
        v.insert_str(0, "V_");
    }
    v.push_str(suffix);
    v
}

/// Appends `s` in shouty snake case, where every character but ASCII letters and digits
/// separates words: what heck's `to_shouty_snake_case` makes of `s` with those characters
/// replaced by spaces (the test `shouty_snake_case_is_hecks` holds the two together). Scripts
/// name tens of thousands of variables; heck's walk, for any Unicode text and through `fmt`,
/// cost more than the rest of naming them.
fn push_shouty_snake(out: &mut String, s: &str) {
    /// The case of the last cased letter since the last word boundary, as heck tracks it.
    #[derive(Clone, Copy, PartialEq)]
    enum Mode {
        Boundary,
        Lower,
        Upper,
    }
    let start = out.len();
    let push_word = |out: &mut String, word: &str| {
        if out.len() > start {
            out.push('_');
        }
        let at = out.len();
        out.push_str(word);
        out[at..].make_ascii_uppercase();
    };
    let bytes = s.as_bytes();
    // Where the current word starts.
    let mut init = 0;
    let mut mode = Mode::Boundary;
    for (i, &c) in bytes.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            // A separator (every byte of a non-ASCII character is one): the next word starts
            // after it. Words hold ASCII letters and digits only, so they are slices of `s`.
            init = i + 1;
            mode = Mode::Boundary;
            continue;
        }
        let Some(next) = bytes.get(i + 1).copied().filter(u8::is_ascii_alphanumeric) else {
            push_word(out, &s[init..=i]);
            continue;
        };
        let next_mode = if c.is_ascii_lowercase() {
            Mode::Lower
        } else if c.is_ascii_uppercase() {
            Mode::Upper
        } else {
            mode
        };
        if next_mode == Mode::Lower && next.is_ascii_uppercase() {
            // `storageAccount`: a word ends before an upper-case letter that follows a
            // lower-case one...
            push_word(out, &s[init..=i]);
            init = i + 1;
            mode = Mode::Boundary;
        } else if mode == Mode::Upper && c.is_ascii_uppercase() && next.is_ascii_lowercase() {
            // ... and `HTTPServer` before the last of upper-case letters that a lower-case
            // one follows.
            push_word(out, &s[init..i]);
            init = i;
            mode = Mode::Boundary;
        } else {
            mode = next_mode;
        }
    }
}

/// A tag as `--tags` takes it in the CLI's shorthand syntax: a key of other characters than
/// letters, digits, `-` and `_` is single-quoted (a `.` would nest it), and so is a value that
/// the syntax would read as something else (a quote, `null`, `??`); `'` is written `'/`.
fn shorthand_tag(key: &str, value: &str) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'/"));
    let plain_key = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let plain_value = !value.starts_with('\'') && value != "null" && value != "??";
    format!(
        "{}={}",
        if plain_key {
            key.to_string()
        } else {
            quote(key)
        },
        if plain_value {
            value.to_string()
        } else {
            quote(value)
        }
    )
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

/// An optional plan value where an empty one counts as none: the optional flag (or Python
/// literal) it would fill is left out.
fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

/// A piece of a shell word: literal text (quoted by the template) or a variable.
#[derive(Debug)]
enum Piece {
    Lit(String),
    Var(String),
}

/// `Value::pointer` for the pointers of this module, which are plain paths (no `~` escapes):
/// the same lookup without serde_json's unescaped copy of every token, which cost a tenth of
/// the renderer's time at a thousand VNets. A key among a few is found by comparing them:
/// serde_json's map would first hash it with SipHash, which takes longer.
trait Pointer {
    fn at(&self, pointer: &str) -> Option<&Value>;
}

impl Pointer for Value {
    fn at(&self, pointer: &str) -> Option<&Value> {
        debug_assert!(!pointer.contains('~'), "{pointer} holds an escape");
        if pointer.is_empty() {
            return Some(self);
        }
        pointer
            .strip_prefix('/')?
            .split('/')
            .try_fold(self, |v, token| match v {
                Value::Object(m) if m.len() <= 8 => {
                    m.iter().find_map(|(k, x)| (k == token).then_some(x))
                }
                Value::Object(m) => m.get(token),
                Value::Array(a) => array_index(token).and_then(|i| a.get(i)),
                _ => None,
            })
    }
}

/// An array index token as serde_json reads one: digits without a sign or a leading zero.
fn array_index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
        return None;
    }
    token.parse().ok()
}

/// A property of a planned resource, by JSON pointer; missing ones are a renderer bug.
fn prop<'a>(r: &'a Resource, pointer: &str) -> Result<&'a Value, RenderError> {
    r.properties
        .at(pointer)
        .ok_or_else(|| error(format!("{} has no property {pointer}", r.symbol)))
}

fn prop_text(r: &Resource, pointer: &str) -> Result<String, RenderError> {
    prop(r, pointer).map(text)
}

fn prop_bool(r: &Resource, pointer: &str) -> bool {
    r.properties.at(pointer).and_then(Value::as_bool) == Some(true)
}

fn prop_ref<'a>(r: &'a Resource, pointer: &str) -> Result<&'a str, RenderError> {
    prop(r, pointer)?
        .get("$ref")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            error(format!(
                "{} property {pointer} is not a reference",
                r.symbol
            ))
        })
}

/// `"true"` / `"false"` as the CLI's boolean flags take them.
fn flag(b: bool) -> String {
    b.to_string()
}

// ---------------------------------------------------------------------------------------------
// Actions: one per planned step, spelled by `templates/cli/actions.sh`

#[derive(Debug)]
struct Step {
    n: usize,
    title: String,
    action: Action,
}

#[derive(Debug)]
struct ZoneConfig {
    key: String,
    zone: String,
}

/// What one step does. Fields named after variables hold variable names; the template
/// writes them as `"$NAME"`. Other strings are plan values the template quotes with `sh`.
#[derive(Debug)]
enum Action {
    ResourceGroup {
        sub: String,
        name: String,
        location: String,
        tags: Option<String>,
    },
    Nsg {
        sub: String,
        rg: String,
        name: String,
        location: String,
        tags: Option<String>,
    },
    Vnet {
        sub: String,
        rg: String,
        name: String,
        location: String,
        prefixes: Vec<String>,
        tags: Option<String>,
    },
    Subnet {
        sub: String,
        rg: String,
        vnet: String,
        name: String,
        prefix: String,
        nsg: Option<String>,
        endpoint_policies: String,
    },
    LogAnalytics {
        sub: String,
        rg: String,
        name: String,
        location: String,
        tags: Option<String>,
        sku: String,
        retention: String,
        ingestion: String,
        query: String,
    },
    /// `az resource create` with the plan's full object: types without a core command.
    Generic {
        id: String,
        resource_type: String,
        api_version: String,
        body: Vec<Piece>,
        /// The body's literal text holds `$` or a backtick (shellcheck SC2016 is then noise).
        literal_dollars: bool,
    },
    Storage {
        sub: String,
        rg: String,
        name: String,
        location: String,
        tags: Option<String>,
        sku: String,
        account_kind: String,
        access_tier: String,
        blob_public_access: String,
        shared_key_access: String,
        cross_tenant_replication: String,
        min_tls: String,
        https_only: String,
        public_network_access: String,
        default_action: String,
        bypass: String,
        infrastructure_encryption: String,
        key_source: String,
        services: Vec<String>,
        /// `--set` assignments for properties without a create flag.
        set: Vec<String>,
    },
    KeyVault {
        sub: String,
        rg: String,
        name: String,
        location: String,
        tags: Option<String>,
        sku: String,
        rbac: String,
        purge_protection: bool,
        retention_days: String,
        public_network_access: String,
        default_action: String,
        bypass: String,
    },
    Registry {
        sub: String,
        rg: String,
        name: String,
        location: String,
        tags: Option<String>,
        sku: String,
        admin: String,
        public_network: String,
        trusted_services: String,
        zone_redundancy: String,
        data_endpoint: String,
        exports: String,
        anonymous_pull: String,
        /// `--set` assignments for the registry's policies.
        set: Vec<String>,
    },
    Workspace {
        sub: String,
        rg: String,
        name: String,
        yaml: Vec<YamlOverride>,
    },
    PrivateEndpoint {
        sub: String,
        rg: String,
        name: String,
        location: String,
        tags: Option<String>,
        subnet: String,
        target: String,
        group_id: String,
        connection: String,
        nic: String,
        manual: bool,
        message: Option<String>,
    },
    DnsZone {
        sub: String,
        rg: String,
        name: String,
        tags: Option<String>,
    },
    DnsLink {
        sub: String,
        rg: String,
        zone: String,
        name: String,
        vnet: String,
        registration: String,
        tags: Option<String>,
    },
    ZoneGroup {
        sub: String,
        rg: String,
        endpoint: String,
        name: String,
        first: ZoneConfig,
        rest: Vec<ZoneConfig>,
    },
    Compute {
        sub: String,
        rg: String,
        workspace: String,
        name: String,
        location: String,
        tags: Option<String>,
        compute_type: String,
        size: String,
        min: Option<String>,
        max: Option<String>,
        idle_seconds: Option<String>,
        tier: Option<String>,
        subnet: String,
        public_ip: String,
        ssh_public: String,
        identity: Option<String>,
    },
    Aks {
        sub: String,
        rg: String,
        name: String,
        location: String,
        tags: Option<String>,
        dns_prefix: String,
        tier: String,
        managed_identity: bool,
        rbac: bool,
        local_accounts: bool,
        aad: bool,
        azure_rbac: bool,
        private_cluster: bool,
        upgrade_channel: Option<String>,
        network_plugin: String,
        network_policy: Option<String>,
        load_balancer_sku: String,
        service_cidr: Option<String>,
        dns_service_ip: Option<String>,
        pool: String,
        node_count: String,
        vm_size: String,
        os_disk: String,
        vm_set: String,
        subnet: String,
        max_pods: String,
        host_encryption: bool,
        addons: Option<String>,
        secret_rotation: bool,
    },
    Extension {
        sub: String,
        rg: String,
        cluster: String,
        name: String,
        extension_type: String,
        scope: String,
        namespace: String,
        train: String,
        auto_upgrade: String,
        config: Vec<String>,
    },
    Attach {
        sub: String,
        rg: String,
        workspace: String,
        name: String,
        aks: String,
        namespace: String,
        identity: Option<String>,
    },
    DeleteEndpoint {
        sub: String,
        rg: String,
        name: String,
    },
    PublicAccess {
        sub: String,
        rg: String,
        name: String,
        value: String,
        yaml: Vec<YamlOverride>,
    },
}

/// A top-level key of workspace.yml that a script sets or drops before passing the file to
/// `az ml workspace`.
#[derive(Debug)]
enum YamlOverride {
    /// Set from a variable.
    Var {
        key: &'static str,
        var: String,
    },
    /// Set to a literal.
    Lit {
        key: &'static str,
        value: &'static str,
    },
    Drop {
        key: &'static str,
    },
}

fn title(index: &Index, step: &crate::plan::Step) -> String {
    match index.network_of.get(step.target.as_str()) {
        Some(network) => format!("{} in {network}", step.title),
        None => step.title.clone(),
    }
}

/// The action that creates one planned resource.
fn create<'p>(v: &mut Vars<'p>, r: &'p Resource) -> Result<Action, RenderError> {
    let s = r.symbol.as_str();
    let ty = r.ty.as_str();
    Ok(match ty {
        t if t == catalog::NSG.name => Action::Nsg {
            sub: v.sub(s)?,
            rg: v.rg(s)?,
            name: v.name(s)?,
            location: v.location_of(r)?,
            tags: v.tags_shorthand(r),
        },
        t if t == catalog::VNET.name => {
            let prefixes = prop(r, "/addressSpace/addressPrefixes")?
                .as_array()
                .cloned()
                .unwrap_or_default();
            let many = prefixes.len() > 1;
            let prefixes = prefixes
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let what: Cow<str> = if many {
                        format!("address prefix {}", i + 1).into()
                    } else {
                        "address prefix".into()
                    };
                    v.value(r, what, p, format_args!("address space of {}", r.name))
                })
                .collect();
            Action::Vnet {
                sub: v.sub(s)?,
                rg: v.rg(s)?,
                name: v.name(s)?,
                location: v.location_of(r)?,
                prefixes,
                tags: v.tags_shorthand(r),
            }
        }
        t if t == catalog::SUBNET.name => {
            let parent = r.parent.as_deref().unwrap_or_default();
            let nsg = match r.properties.at("/networkSecurityGroup/id/$ref") {
                Some(Value::String(n)) => Some(v.id(n)?),
                _ => None,
            };
            Action::Subnet {
                sub: v.sub(s)?,
                rg: v.rg(s)?,
                vnet: v.name(parent)?,
                name: v.name(s)?,
                prefix: v.value(
                    r,
                    "address prefix",
                    prop(r, "/addressPrefix")?,
                    format_args!("prefix of subnet {}", r.name),
                ),
                nsg,
                endpoint_policies: prop_text(r, "/privateEndpointNetworkPolicies")?,
            }
        }
        t if t == catalog::LOG_ANALYTICS.name => Action::LogAnalytics {
            sub: v.sub(s)?,
            rg: v.rg(s)?,
            name: v.name(s)?,
            location: v.location_of(r)?,
            tags: v.tags_shorthand(r),
            sku: prop_text(r, "/sku/name")?,
            retention: prop_text(r, "/retentionInDays")?,
            ingestion: prop_text(r, "/publicNetworkAccessForIngestion")?,
            query: prop_text(r, "/publicNetworkAccessForQuery")?,
        },
        t if t == catalog::STORAGE.name => {
            let services = prop(r, "/encryption/services")?
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter(|(_, x)| x.get("enabled").and_then(Value::as_bool) == Some(true))
                        .map(|(k, _)| k.clone())
                        .collect()
                })
                .unwrap_or_default();
            let mut set = Vec::new();
            if let Some(b) = r.properties.get("defaultToOAuthAuthentication") {
                set.push(format!("defaultToOAuthAuthentication={}", text(b)));
            }
            Action::Storage {
                sub: v.sub(s)?,
                rg: v.rg(s)?,
                name: v.name(s)?,
                location: v.location_of(r)?,
                tags: v.tags(r),
                sku: sku_name(r)?,
                account_kind: r.kind.clone().unwrap_or_else(|| "StorageV2".into()),
                access_tier: prop_text(r, "/accessTier")?,
                blob_public_access: prop_text(r, "/allowBlobPublicAccess")?,
                shared_key_access: prop_text(r, "/allowSharedKeyAccess")?,
                cross_tenant_replication: prop_text(r, "/allowCrossTenantReplication")?,
                min_tls: prop_text(r, "/minimumTlsVersion")?,
                https_only: prop_text(r, "/supportsHttpsTrafficOnly")?,
                public_network_access: prop_text(r, "/publicNetworkAccess")?,
                default_action: prop_text(r, "/networkAcls/defaultAction")?,
                bypass: prop_text(r, "/networkAcls/bypass")?,
                infrastructure_encryption: prop_text(
                    r,
                    "/encryption/requireInfrastructureEncryption",
                )?,
                key_source: prop_text(r, "/encryption/keySource")?,
                services,
                set,
            }
        }
        t if t == catalog::KEY_VAULT.name => Action::KeyVault {
            sub: v.sub(s)?,
            rg: v.rg(s)?,
            name: v.name(s)?,
            location: v.location_of(r)?,
            tags: v.tags(r),
            sku: prop_text(r, "/sku/name")?,
            rbac: prop_text(r, "/enableRbacAuthorization")?,
            purge_protection: prop_bool(r, "/enablePurgeProtection"),
            retention_days: prop_text(r, "/softDeleteRetentionInDays")?,
            public_network_access: prop_text(r, "/publicNetworkAccess")?,
            default_action: prop_text(r, "/networkAcls/defaultAction")?,
            bypass: prop_text(r, "/networkAcls/bypass")?,
        },
        t if t == catalog::REGISTRY.name => {
            let mut set = Vec::new();
            if let Some(Value::Object(policies)) = r.properties.get("policies") {
                for (policy, fields) in policies {
                    // Exports have a create flag of their own.
                    if policy == "exportPolicy" {
                        continue;
                    }
                    for (field, x) in fields.as_object().into_iter().flatten() {
                        set.push(format!("policies.{policy}.{field}={}", text(x)));
                    }
                }
            }
            Action::Registry {
                sub: v.sub(s)?,
                rg: v.rg(s)?,
                name: v.name(s)?,
                location: v.location_of(r)?,
                tags: v.tags(r),
                sku: sku_name(r)?,
                admin: prop_text(r, "/adminUserEnabled")?,
                public_network: flag(prop_text(r, "/publicNetworkAccess")? == "Enabled"),
                trusted_services: flag(
                    prop_text(r, "/networkRuleBypassOptions")? == "AzureServices",
                ),
                zone_redundancy: prop_text(r, "/zoneRedundancy")?,
                data_endpoint: prop_text(r, "/dataEndpointEnabled")?,
                exports: flag(prop_text(r, "/policies/exportPolicy/status")? == "enabled"),
                anonymous_pull: prop_text(r, "/anonymousPullEnabled")?,
                set,
            }
        }
        t if t == catalog::APP_INSIGHTS.name => generic(v, r)?,
        t if t == catalog::WORKSPACE.name => Action::Workspace {
            sub: v.sub(s)?,
            rg: v.rg(s)?,
            name: v.name(s)?,
            yaml: deploy_yaml_overrides(v, r)?,
        },
        t if t == catalog::PRIVATE_ENDPOINT.name => endpoint(v, r)?,
        t if t == catalog::DNS_ZONE.name => Action::DnsZone {
            sub: v.sub(s)?,
            rg: v.rg(s)?,
            name: v.name(s)?,
            tags: v.tags_shorthand(r),
        },
        t if t == catalog::DNS_LINK.name => {
            let parent = r.parent.as_deref().unwrap_or_default();
            let vnet = prop_ref(r, "/virtualNetwork/id")?;
            Action::DnsLink {
                sub: v.sub(s)?,
                rg: v.rg(s)?,
                zone: v.name(parent)?,
                name: v.name(s)?,
                vnet: v.id(vnet)?,
                registration: prop_text(r, "/registrationEnabled")?,
                tags: v.tags_shorthand(r),
            }
        }
        t if t == catalog::ZONE_GROUP.name => {
            let parent = r.parent.as_deref().unwrap_or_default();
            let mut configs = Vec::new();
            for c in prop(r, "/privateDnsZoneConfigs")?
                .as_array()
                .into_iter()
                .flatten()
            {
                let zone = c
                    .at("/properties/privateDnsZoneId/$ref")
                    .and_then(Value::as_str)
                    .ok_or_else(|| error(format!("{s}: zone config without a zone")))?;
                configs.push(ZoneConfig {
                    key: c.get("name").map(text).unwrap_or_default(),
                    zone: v.id(zone)?,
                });
            }
            if configs.is_empty() {
                return Err(error(format!("{s}: a zone group without zones")));
            }
            let first = configs.remove(0);
            Action::ZoneGroup {
                sub: v.sub(s)?,
                rg: v.rg(s)?,
                endpoint: v.name(parent)?,
                name: v.name(s)?,
                first,
                rest: configs,
            }
        }
        t if t == catalog::COMPUTE.name => compute(v, r)?,
        t if t == catalog::AKS.name => aks(v, r)?,
        t if t == catalog::K8S_EXTENSION.name => {
            let cluster = r.scope.as_deref().unwrap_or_default();
            let config = prop(r, "/configurationSettings")?
                .as_object()
                .map(|m| m.iter().map(|(k, x)| format!("{k}={}", text(x))).collect())
                .unwrap_or_default();
            Action::Extension {
                sub: v.sub(s)?,
                rg: v.rg(s)?,
                cluster: v.name(cluster)?,
                name: v.name(s)?,
                extension_type: prop_text(r, "/extensionType")?,
                scope: "cluster".to_string(),
                namespace: prop_text(r, "/scope/cluster/releaseNamespace")?,
                train: prop_text(r, "/releaseTrain")?,
                auto_upgrade: prop_text(r, "/autoUpgradeMinorVersion")?,
                config,
            }
        }
        other => return Err(error(format!("no Azure CLI command creates {other}"))),
    })
}

fn sku_name(r: &Resource) -> Result<String, RenderError> {
    r.sku
        .as_ref()
        .and_then(|s| s.get("name"))
        .map(text)
        .ok_or_else(|| error(format!("{} has no SKU", r.symbol)))
}

/// `az resource create --is-full-object`: the plan's resource as ARM sees it.
fn generic<'p>(v: &mut Vars<'p>, r: &'p Resource) -> Result<Action, RenderError> {
    let mut body = serde_json::Map::new();
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
    if v.tags(r).is_some() {
        body.insert("tags".into(), json!(v.plan.tags));
    }
    body.insert("properties".into(), r.properties.clone());
    let body = v.json(&Value::Object(body))?;
    Ok(Action::Generic {
        id: v.id(&r.symbol)?,
        resource_type: r.ty.clone(),
        api_version: r.api_version.clone(),
        literal_dollars: body
            .iter()
            .any(|p| matches!(p, Piece::Lit(t) if has_dollars(t))),
        body,
    })
}

fn endpoint<'p>(v: &mut Vars<'p>, r: &'p Resource) -> Result<Action, RenderError> {
    let s = r.symbol.as_str();
    let (manual, conn) = match (
        r.properties.at("/privateLinkServiceConnections/0"),
        r.properties.at("/manualPrivateLinkServiceConnections/0"),
    ) {
        (Some(c), _) => (false, c),
        (None, Some(c)) => (true, c),
        (None, None) => return Err(error(format!("{s} has no connection"))),
    };
    let target = conn
        .at("/properties/privateLinkServiceId/$ref")
        .and_then(Value::as_str)
        .ok_or_else(|| error(format!("{s}: connection without a target")))?;
    let group_id = conn
        .at("/properties/groupIds/0")
        .map(text)
        .ok_or_else(|| error(format!("{s}: connection without a group id")))?;
    let name = v.name(s)?;
    let connection_name = conn.get("name").map(text).unwrap_or_default();
    let connection = if connection_name == r.name {
        name.clone()
    } else {
        v.setting(
            Key::Connection(s),
            var_name(s, "_CONNECTION"),
            &connection_name,
            "private link connection name",
        )
    };
    let nic = v.value(
        r,
        "nic name",
        prop(r, "/customNetworkInterfaceName")?,
        format_args!("network interface of {}", r.name),
    );
    Ok(Action::PrivateEndpoint {
        sub: v.sub(s)?,
        rg: v.rg(s)?,
        name,
        location: v.location_of(r)?,
        tags: v.tags_shorthand(r),
        subnet: v.id(prop_ref(r, "/subnet/id")?)?,
        target: v.id(target)?,
        group_id,
        connection,
        nic,
        manual,
        message: non_empty(conn.at("/properties/requestMessage").map(text)),
    })
}

fn compute<'p>(v: &mut Vars<'p>, r: &'p Resource) -> Result<Action, RenderError> {
    let s = r.symbol.as_str();
    let ws = r.parent.as_deref().unwrap_or_default();
    let kind = prop_text(r, "/computeType")?;
    if kind == "AKS" {
        // The v2 CLI attaches only Kubernetes computes: the legacy AKS type goes through ARM.
        return generic(v, r);
    }
    let location = v.location_of(r)?;
    let tags = v.tags(r);
    if kind == "Kubernetes" {
        let aks = prop_ref(r, "/resourceId")?;
        return Ok(Action::Attach {
            sub: v.sub(s)?,
            rg: v.rg(s)?,
            workspace: v.name(ws)?,
            name: v.name(s)?,
            aks: v.id(aks)?,
            namespace: prop_text(r, "/properties/namespace")?,
            identity: non_empty(r.identity.as_ref().and_then(|i| i.get("type")).map(text)),
        });
    }
    let cluster = kind == "AmlCompute";
    let scale = |p: &str| r.properties.at(&format!("/properties/scaleSettings/{p}"));
    let min = match scale("minNodeCount") {
        Some(x) if cluster => Some(v.value(r, "min nodes", x, "smallest node count")),
        _ => None,
    };
    let max = match scale("maxNodeCount") {
        Some(x) if cluster => Some(v.value(r, "max nodes", x, "largest node count")),
        _ => None,
    };
    let idle_seconds = scale("nodeIdleTimeBeforeScaleDown")
        .filter(|_| cluster)
        .and_then(Value::as_str)
        .map(iso_seconds)
        .transpose()?;
    let ssh_public = if cluster {
        flag(prop_text(r, "/properties/remoteLoginPortPublicAccess")? == "Enabled")
    } else {
        flag(prop_text(r, "/properties/sshSettings/sshPublicAccess")? == "Enabled")
    };
    Ok(Action::Compute {
        sub: v.sub(s)?,
        rg: v.rg(s)?,
        workspace: v.name(ws)?,
        name: v.name(s)?,
        location,
        tags,
        compute_type: kind,
        size: v.value(
            r,
            "vm size",
            prop(r, "/properties/vmSize")?,
            format_args!("VM size of {}", r.name),
        ),
        min,
        max,
        idle_seconds,
        tier: non_empty(r.properties.at("/properties/vmPriority").map(
            |p| match text(p).as_str() {
                "LowPriority" => "low_priority".to_string(),
                other => other.to_lowercase(),
            },
        )),
        subnet: v.id(prop_ref(r, "/properties/subnet/id")?)?,
        public_ip: prop_text(r, "/properties/enableNodePublicIp")?,
        ssh_public,
        identity: non_empty(r.identity.as_ref().and_then(|i| i.get("type")).map(text)),
    })
}

/// `PT120S` → `120` (the CLI takes the idle time in seconds).
fn iso_seconds(d: &str) -> Result<String, RenderError> {
    let bad = || error(format!("cannot read the duration {d}"));
    let rest = d.strip_prefix("PT").ok_or_else(bad)?;
    let mut total: u64 = 0;
    let mut num = String::new();
    for c in rest.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().map_err(|_| bad())?;
        num.clear();
        total += n * match c {
            'H' => 3600,
            'M' => 60,
            'S' => 1,
            _ => return Err(bad()),
        };
    }
    if !num.is_empty() {
        return Err(bad());
    }
    Ok(total.to_string())
}

fn aks<'p>(v: &mut Vars<'p>, r: &'p Resource) -> Result<Action, RenderError> {
    let s = r.symbol.as_str();
    let pool = prop(r, "/agentPoolProfiles/0")?;
    let pool_text = |p: &str| {
        pool.at(p)
            .map(text)
            .ok_or_else(|| error(format!("{s}: agent pool has no {p}")))
    };
    let addon = |name: &str| {
        r.properties
            .at(&format!("/addonProfiles/{name}/enabled"))
            .and_then(Value::as_bool)
            == Some(true)
    };
    let mut addons = Vec::new();
    if addon("azurepolicy") {
        addons.push("azure-policy");
    }
    if addon("azureKeyvaultSecretsProvider") {
        addons.push("azure-keyvault-secrets-provider");
    }
    let net = |p: &str| {
        r.properties
            .at(&format!("/networkProfile/{p}"))
            .filter(|x| !x.is_null())
    };
    let subnet = pool
        .at("/vnetSubnetID/$ref")
        .and_then(Value::as_str)
        .ok_or_else(|| error(format!("{s}: agent pool without a subnet")))?;
    let service_cidr = net("serviceCidr").map(|x| {
        v.value(
            r,
            "service cidr",
            x,
            "Kubernetes service range (overlaps no VNet)",
        )
    });
    let dns_service_ip =
        net("dnsServiceIP").map(|x| v.value(r, "dns service ip", x, "cluster DNS address"));
    Ok(Action::Aks {
        sub: v.sub(s)?,
        rg: v.rg(s)?,
        name: v.name(s)?,
        location: v.location_of(r)?,
        tags: v.tags(r),
        dns_prefix: v.value(
            r,
            "dns prefix",
            prop(r, "/dnsPrefix")?,
            "DNS prefix of the API server",
        ),
        tier: r
            .sku
            .as_ref()
            .and_then(|k| k.get("tier"))
            .map(text)
            .unwrap_or_else(|| "Free".into())
            .to_lowercase(),
        managed_identity: r
            .identity
            .as_ref()
            .and_then(|i| i.get("type"))
            .and_then(Value::as_str)
            == Some("SystemAssigned"),
        rbac: prop_bool(r, "/enableRBAC"),
        local_accounts: !prop_bool(r, "/disableLocalAccounts"),
        aad: prop_bool(r, "/aadProfile/managed"),
        azure_rbac: prop_bool(r, "/aadProfile/enableAzureRBAC"),
        private_cluster: prop_bool(r, "/apiServerAccessProfile/enablePrivateCluster"),
        upgrade_channel: non_empty(
            r.properties
                .at("/autoUpgradeProfile/upgradeChannel")
                .map(text),
        ),
        network_plugin: net("networkPlugin")
            .map(text)
            .unwrap_or_else(|| "azure".into()),
        network_policy: non_empty(net("networkPolicy").map(text)),
        load_balancer_sku: net("loadBalancerSku")
            .map(text)
            .unwrap_or_else(|| "standard".into()),
        service_cidr,
        dns_service_ip,
        pool: pool_text("/name")?,
        node_count: v.value(
            r,
            "node count",
            prop(r, "/agentPoolProfiles/0/count")?,
            "nodes of the system pool",
        ),
        vm_size: v.value(
            r,
            "vm size",
            prop(r, "/agentPoolProfiles/0/vmSize")?,
            "VM size of the system pool",
        ),
        os_disk: pool_text("/osDiskType")?,
        vm_set: pool_text("/type")?,
        subnet: v.id(subnet)?,
        max_pods: pool_text("/maxPods")?,
        host_encryption: pool.get("enableEncryptionAtHost").and_then(Value::as_bool) == Some(true),
        addons: (!addons.is_empty()).then(|| addons.join(",")),
        secret_rotation: r
            .properties
            .at("/addonProfiles/azureKeyvaultSecretsProvider/config/enableSecretRotation")
            .map(text)
            .as_deref()
            == Some("true"),
    })
}

/// The keys deploy.sh sets in its copy of workspace.yml: every value an environment variable
/// can override, so the file passed matches the resources this run created.
fn deploy_yaml_overrides<'p>(
    v: &mut Vars<'p>,
    ws: &'p Resource,
) -> Result<Vec<YamlOverride>, RenderError> {
    let s = ws.symbol.as_str();
    let mut out = vec![YamlOverride::Var {
        key: "name",
        var: v.name(s)?,
    }];
    if ws.location.is_some() {
        out.push(YamlOverride::Var {
            key: "location",
            var: v.location_of(ws)?,
        });
    }
    if let Some(c) = ws
        .properties
        .get("imageBuildCompute")
        .and_then(Value::as_str)
    {
        if let Some(compute) = v.plan.resources.iter().find(|r| {
            r.ty == catalog::COMPUTE.name && r.parent.as_deref() == Some(s) && r.name == c
        }) {
            out.push(YamlOverride::Var {
                key: "image_build_compute",
                var: v.name(&compute.symbol)?,
            });
        }
    }
    out.push(YamlOverride::Var {
        key: "public_network_access",
        var: public_access_var(v),
    });
    for (key, prop) in DEPENDENCY_KEYS {
        if let Some(Value::String(dep)) = ws.properties.at(&format!("/{prop}/$ref")) {
            out.push(YamlOverride::Var {
                key,
                var: v.id(dep)?,
            });
        }
    }
    Ok(out)
}

fn public_access_var(v: &mut Vars) -> String {
    let plan = v.plan;
    v.setting(
        Key::PublicNetworkAccess,
        "WORKSPACE_PUBLIC_NETWORK_ACCESS",
        &plan.public_network_access,
        "whether the workspace also answers on its public endpoint",
    )
}

/// Workspace YAML keys of the dependencies, with the plan property that names each.
const DEPENDENCY_KEYS: [(&str, &str); 4] = [
    ("storage_account", "storageAccount"),
    ("key_vault", "keyVault"),
    ("application_insights", "applicationInsights"),
    ("container_registry", "containerRegistry"),
];

// ---------------------------------------------------------------------------------------------
// Scripts

/// A script under the scenario folder: `deploy.sh` or one under `ops/`, spelled by
/// `templates/cli/script.sh` through [`ScriptText`].
struct Script<'a> {
    header: &'a str,
    head: Head,
    warnings: &'static [&'static str],
    steps: Steps<'a>,
    done: String,
}

/// The steps of a script: built with its head, or built again one at a time as the script is
/// written. deploy.sh holds every step of the plan, whose views together took tens of MB for
/// a large estate; its variables are known from the first build, so the second only looks
/// them up and gives the same names.
enum Steps<'a> {
    Built(Vec<Step>),
    Later {
        index: &'a Index<'a>,
        /// Every variable of the steps registered already.
        vars: RefCell<Vars<'a>>,
        /// The first error of the second build (which the first build would have met).
        failed: RefCell<Option<RenderError>>,
    },
}

impl Steps<'_> {
    fn len(&self) -> usize {
        match self {
            Steps::Built(steps) => steps.len(),
            Steps::Later { index, .. } => index.plan.steps.len(),
        }
    }

    /// Moves the error met while the steps were built for writing, if any, out.
    fn failure(&self) -> Option<RenderError> {
        match self {
            Steps::Built(_) => None,
            Steps::Later { failed, .. } => failed.borrow_mut().take(),
        }
    }
}

/// One step for the template: built already, or built for this line of the script.
enum StepItem<'s> {
    Built(&'s Step),
    Now(Box<Step>),
}

impl std::ops::Deref for StepItem<'_> {
    type Target = Step;

    fn deref(&self) -> &Step {
        match self {
            StepItem::Built(s) => s,
            StepItem::Now(s) => s,
        }
    }
}

impl<'s, 'a> ByPosition<'s> for Steps<'a> {
    type Item = StepItem<'s>;

    fn at(&'s self, i: usize) -> Option<StepItem<'s>> {
        match self {
            Steps::Built(steps) => steps.get(i).map(StepItem::Built),
            Steps::Later {
                index,
                vars,
                failed,
            } => {
                let step = index.plan.steps.get(i)?;
                if failed.borrow().is_some() {
                    return None;
                }
                match step_of(index, &mut vars.borrow_mut(), i + 1, step) {
                    Ok(s) => Some(StepItem::Now(Box::new(s))),
                    Err(e) => {
                        *failed.borrow_mut() = Some(e);
                        None
                    }
                }
            }
        }
    }
}

/// The view of `templates/cli/script.sh`: a [`Script`], borrowed.
#[derive(Template)]
#[template(path = "cli/script.sh", escape = "none")]
struct ScriptText<'s, 'a> {
    header: &'s str,
    head: &'s Head,
    warnings: &'static [&'static str],
    steps: &'s Steps<'a>,
    done: &'s str,
}

impl<'a> Script<'a> {
    fn text(&self) -> ScriptText<'_, 'a> {
        ScriptText {
            header: self.header,
            head: &self.head,
            warnings: self.warnings,
            steps: &self.steps,
            done: &self.done,
        }
    }

    /// About the length of the script, rather more than less: the template's own text, a
    /// line per variable, the commands of each step.
    fn size_estimate(&self) -> usize {
        ScriptText::SIZE_HINT
            + 160 * self.head.settings.len()
            + 120 * self.head.derived.len()
            + 700 * self.steps.len()
    }
}

/// A script renders as [`ScriptText`] does, into a buffer of its estimated size: askama's
/// own `render` starts from the size of the template's text and doubles it as needed, which
/// for the deploy.sh of a large estate (tens of MB) copied the script over and over.
impl Template for Script<'_> {
    const SIZE_HINT: usize = ScriptText::SIZE_HINT;

    fn render_into_with_values(
        &self,
        writer: &mut dyn fmt::Write,
        values: &dyn askama::Values,
    ) -> askama::Result<()> {
        self.text().render_into_with_values(writer, values)?;
        // Steps built as they are written stop at an error, which must not pass for an end.
        self.steps
            .failure()
            .map_or(Ok(()), |e| Err(askama::Error::custom(e)))
    }

    fn render_with_values(&self, values: &dyn askama::Values) -> askama::Result<String> {
        let mut text = String::with_capacity(self.size_estimate());
        self.render_into_with_values(&mut text, values)?;
        Ok(text)
    }
}

impl fmt::Display for Script<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.text().fmt(f)
    }
}

impl FastWritable for Script<'_> {
    fn write_into(
        &self,
        dest: &mut dyn fmt::Write,
        values: &dyn askama::Values,
    ) -> askama::Result<()> {
        self.render_into_with_values(dest, values)
    }
}

/// The top of every script, which `templates/cli/settings.sh` and `prelude.sh` spell (both
/// script templates include them): the settings, the tag arrays, the shared functions and the
/// derived variables.
#[derive(Debug)]
struct Head {
    /// Path inside the scenario folder (also the name in messages).
    path: String,
    /// From the script to the scenario folder: `` or `../`.
    root: String,
    /// What the script does, for its comment and `--help`.
    summary: Vec<String>,
    settings: Vec<Setting>,
    tags: Vec<String>,
    tags_shorthand: Vec<String>,
    /// The tags or the summary hold `$` or a backtick: see [`has_dollars`].
    literal_dollars: bool,
    derived: Vec<Derived>,
    subscription: bool,
    /// The script passes a copy of workspace.yml to `az ml workspace`.
    workspace_yaml: bool,
    /// The script adds zones to an existing zone group.
    zone_configs: bool,
    /// The operations the script takes as an argument, the first by default (none for most).
    operations: Vec<&'static str>,
}

impl Head {
    /// The head of the script at `path`, with the variables registered in `v`, which are
    /// moved here; `v` still knows their names.
    fn new(v: &mut Vars, path: String, summary: Vec<String>) -> Self {
        let plan = v.plan;
        let tags: Vec<String> = if v.tags {
            plan.tags.iter().map(|(k, x)| format!("{k}={x}")).collect()
        } else {
            Vec::new()
        };
        let tags_shorthand: Vec<String> = if v.tags_shorthand {
            plan.tags.iter().map(|(k, x)| shorthand_tag(k, x)).collect()
        } else {
            Vec::new()
        };
        let literal_dollars = tags
            .iter()
            .chain(&tags_shorthand)
            .chain(&summary)
            .any(|t| has_dollars(t));
        Self {
            root: "../".repeat(path.matches('/').count()),
            path,
            summary,
            settings: std::mem::take(&mut v.settings),
            tags,
            tags_shorthand,
            literal_dollars,
            derived: std::mem::take(&mut v.derived),
            subscription: v.subscription,
            workspace_yaml: false,
            zone_configs: false,
            operations: Vec::new(),
        }
    }
}

/// What a script is, besides its variables and steps.
struct Meta {
    path: String,
    summary: Vec<String>,
    warnings: &'static [&'static str],
    done: String,
}

fn script<'a>(ctx: &'a Context, meta: Meta, mut v: Vars, steps: Vec<Step>) -> Script<'a> {
    let mut needs = Needs::default();
    steps.iter().for_each(|s| needs.add(s));
    Script {
        header: &ctx.header,
        head: needs.head(Head::new(&mut v, meta.path, meta.summary)),
        warnings: meta.warnings,
        steps: Steps::Built(steps),
        done: meta.done,
    }
}

/// What a script's head provides because some step needs it.
#[derive(Default)]
struct Needs {
    /// A copy of workspace.yml for `az ml workspace`.
    workspace_yaml: bool,
    /// Zones added to an existing zone group.
    zone_configs: bool,
}

impl Needs {
    fn add(&mut self, s: &Step) {
        self.workspace_yaml |= matches!(
            s.action,
            Action::Workspace { .. } | Action::PublicAccess { .. }
        );
        self.zone_configs |=
            matches!(&s.action, Action::ZoneGroup { rest, .. } if !rest.is_empty());
    }

    fn head(self, head: Head) -> Head {
        Head {
            workspace_yaml: self.workspace_yaml,
            zone_configs: self.zone_configs,
            ..head
        }
    }
}

/// The actions of the given planned steps, numbered from 1.
fn steps_of<'p>(
    index: &Index<'p>,
    v: &mut Vars<'p>,
    steps: impl ExactSizeIterator<Item = &'p crate::plan::Step>,
) -> Result<Vec<Step>, RenderError> {
    // A step is large (its action's fields): growing the list step by step moved them all.
    let mut out = Vec::with_capacity(steps.len());
    for step in steps {
        out.push(step_of(index, v, out.len() + 1, step)?);
    }
    Ok(out)
}

/// The action of one planned step, numbered `n`.
fn step_of<'p>(
    index: &Index<'p>,
    v: &mut Vars<'p>,
    n: usize,
    step: &'p crate::plan::Step,
) -> Result<Step, RenderError> {
    let plan = index.plan;
    let action = if step.kind == "resource-group" {
        let g = index
            .groups
            .get(step.target.as_str())
            .ok_or_else(|| error(format!("no resource group {}", step.target)))?;
        let tags = v.scenario_tags();
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
        Action::ResourceGroup {
            sub: v.subscription(),
            name: v.group(&g.name),
            location,
            tags,
        }
    } else {
        let r = v.resource(&step.target)?;
        create(v, r)?
    };
    Ok(Step {
        n,
        title: title(index, step),
        action,
    })
}

/// Up to this many steps (a few MB of views), deploy.sh keeps the steps its head was built
/// from; a larger plan's are built again one at a time as the script is written.
const KEEP_STEPS: usize = 4096;

/// deploy.sh: every step of the plan.
fn deploy<'a>(index: &'a Index<'a>, ctx: &'a Context) -> Result<Script<'a>, RenderError> {
    deploy_keeping(index, ctx, KEEP_STEPS)
}

/// deploy.sh, its steps built here for the variables and needs of its head, and kept when
/// there are at most `keep`.
fn deploy_keeping<'a>(
    index: &'a Index<'a>,
    ctx: &'a Context,
    keep: usize,
) -> Result<Script<'a>, RenderError> {
    let plan = index.plan;
    let mut v = Vars::new(plan);
    // Every resource has a variable or two here: room for them at once, not by doubling.
    v.reserve(2 * plan.resources.len());
    let meta = Meta {
        path: paths::DEPLOY.to_string(),
        summary: vec![
            format!("Deploys scenario {}: {}", plan.scenario, plan.description),
            format!(
                "{} steps in the plan's order, each skipped when its resource exists.",
                plan.steps.len()
            ),
        ],
        warnings: &[],
        done: "deployment complete".to_string(),
    };
    if plan.steps.len() <= keep {
        let steps = steps_of(index, &mut v, plan.steps.iter())?;
        return Ok(script(ctx, meta, v, steps));
    }
    let mut needs = Needs::default();
    for (i, step) in plan.steps.iter().enumerate() {
        needs.add(&step_of(index, &mut v, i + 1, step)?);
    }
    Ok(Script {
        header: &ctx.header,
        head: needs.head(Head::new(&mut v, meta.path, meta.summary)),
        warnings: meta.warnings,
        steps: Steps::Later {
            index,
            vars: RefCell::new(v),
            failed: RefCell::new(None),
        },
        done: meta.done,
    })
}

/// The symbols that belong to the private endpoints `eps` of one VNet: the endpoints, their
/// zone groups, the zones they register in and those zones' links to this VNet.
fn endpoint_resources<'p>(index: &Index<'p>, eps: &[&'p Endpoint]) -> FxHashSet<&'p str> {
    let mut syms = FxHashSet::default();
    for e in eps {
        syms.insert(e.symbol.as_str());
        syms.extend(e.zone_group.as_deref());
        syms.extend(e.zones.iter().filter_map(|z| z.zone_symbol.as_deref()));
    }
    let vnet = eps
        .first()
        .map(|e| e.network_symbol.as_str())
        .unwrap_or_default();
    let links: Vec<&str> = syms
        .iter()
        .filter_map(|s| index.links_by_zone.get(s))
        .flatten()
        .filter(|r| {
            r.properties
                .at("/virtualNetwork/id/$ref")
                .and_then(Value::as_str)
                == Some(vnet)
        })
        .map(|r| r.symbol.as_str())
        .collect();
    syms.extend(links);
    syms
}

fn add_endpoints<'a>(
    index: &Index,
    ctx: &'a Context,
    net: &str,
    eps: &[&Endpoint],
) -> Result<Script<'a>, RenderError> {
    let plan = index.plan;
    let syms = endpoint_resources(index, eps);
    let groups: FxHashSet<String> = syms
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
    let steps = steps_of(index, &mut v, positions.into_iter().map(|i| &plan.steps[i]))?;
    let targets: Vec<&str> = eps.iter().map(|e| e.target_label.as_str()).collect();
    let summary = vec![
        format!(
            "Adds the private endpoints in {net} ({}) to workspace {}, which exists, with their private DNS.",
            targets.join(", "),
            plan.workspace
        ),
        "Spec: Add a private endpoint to a workspace. Safe to rerun: existing resources are skipped.".to_string(),
    ];
    let meta = Meta {
        path: paths::add_endpoints(net),
        summary,
        warnings: warnings::ADD,
        done: "private endpoints in place".to_string(),
    };
    Ok(script(ctx, meta, v, steps))
}

fn remove_endpoints<'a>(
    index: &Index,
    ctx: &'a Context,
    net: &str,
    eps: &[&Endpoint],
) -> Result<Script<'a>, RenderError> {
    let plan = index.plan;
    let mut v = Vars::new(plan);
    let mut steps = Vec::new();
    for e in eps.iter().rev() {
        steps.push(Step {
            n: steps.len() + 1,
            title: format!("remove private endpoint {} from {}", e.name, e.network),
            action: Action::DeleteEndpoint {
                sub: v.sub(&e.symbol)?,
                rg: v.rg(&e.symbol)?,
                name: v.name(&e.symbol)?,
            },
        });
    }
    let summary = vec![
        format!(
            "Removes the private endpoints in {net} from workspace {} and its dependencies.",
            plan.workspace
        ),
        "Spec: Remove a private endpoint. DNS zones and links stay: other endpoints may use them."
            .to_string(),
    ];
    let meta = Meta {
        path: paths::remove_endpoints(net),
        summary,
        warnings: warnings::REMOVE,
        done: "private endpoints removed".to_string(),
    };
    Ok(script(ctx, meta, v, steps))
}

fn public_access<'a>(
    plan: &Plan,
    ctx: &'a Context,
    enable: bool,
) -> Result<Script<'a>, RenderError> {
    let mut v = Vars::new(plan);
    let ws = plan_workspace(plan)?;
    let value = if enable { "Enabled" } else { "Disabled" };
    let s = ws.symbol.as_str();
    let mut yaml = vec![
        YamlOverride::Var {
            key: "name",
            var: v.name(s)?,
        },
        YamlOverride::Lit {
            key: "public_network_access",
            value,
        },
    ];
    if !ws.existing {
        for (key, prop) in DEPENDENCY_KEYS {
            if ws.properties.get(prop).is_some() {
                yaml.push(YamlOverride::Drop { key });
            }
        }
    }
    let steps = vec![Step {
        n: 1,
        title: format!("public network access of workspace {}: {value}", ws.name),
        action: Action::PublicAccess {
            sub: v.sub(s)?,
            rg: v.rg(s)?,
            name: v.name(s)?,
            value: value.to_string(),
            yaml,
        },
    }];
    let (path, warn, summary) = if enable {
        (
            paths::ENABLE_PUBLIC,
            warnings::ENABLE_PUBLIC,
            format!(
                "Lets clients reach workspace {} over its public endpoint as well as its private endpoints.",
                plan.workspace
            ),
        )
    } else {
        (
            paths::DISABLE_PUBLIC,
            warnings::DISABLE_PUBLIC,
            format!(
                "Turns the public endpoint of workspace {} off again: private endpoints only.",
                plan.workspace
            ),
        )
    };
    let summary = vec![
        summary,
        "Spec: Enable public access (az ml workspace update --file workspace.yml).".to_string(),
    ];
    let meta = Meta {
        path: path.to_string(),
        summary,
        warnings: warn,
        done: format!("public network access {value}"),
    };
    Ok(script(ctx, meta, v, steps))
}

// ---------------------------------------------------------------------------------------------
// workspace.yml

/// `workspace.yml`: top-level keys with plain values; the template writes them as YAML strings.
#[derive(Template)]
#[template(path = "cli/workspace.yml", escape = "none")]
struct WorkspaceYaml<'a> {
    header: &'a str,
    existing: bool,
    entries: Vec<(&'static str, String)>,
    tags: Vec<(&'a str, &'a str)>,
}

/// The id of a planned resource as workspace.yml spells it: with the placeholder subscription
/// when the resource is created by this deployment.
fn static_id(plan: &Plan, symbol: &str) -> Result<String, RenderError> {
    let r = plan
        .resource(symbol)
        .ok_or_else(|| error(format!("the plan has no resource {symbol}")))?;
    Ok(format!(
        "/subscriptions/{}/resourceGroups/{}/providers/{}/{}",
        r.subscription
            .as_deref()
            .unwrap_or(PLACEHOLDER_SUBSCRIPTION),
        r.resource_group,
        r.ty,
        r.name
    ))
}

fn workspace_yaml<'a>(plan: &'a Plan, ctx: &'a Context) -> Result<WorkspaceYaml<'a>, RenderError> {
    let ws = plan_workspace(plan)?;
    let p = |k: &str| ws.properties.get(k).and_then(Value::as_str);
    let mut entries = vec![("name", ws.name.clone())];
    if !ws.existing {
        entries.push(("location", plan.location.clone()));
        if let Some(f) = p("friendlyName") {
            entries.push(("display_name", f.to_string()));
        }
        if let Some(d) = p("description") {
            entries.push(("description", d.to_string()));
        }
    }
    if let Some(c) = p("imageBuildCompute") {
        entries.push(("image_build_compute", c.to_string()));
    }
    entries.push(("public_network_access", plan.public_network_access.clone()));
    for (key, prop) in DEPENDENCY_KEYS {
        if let Some(Value::String(dep)) = ws.properties.at(&format!("/{prop}/$ref")) {
            entries.push((key, static_id(plan, dep)?));
        }
    }
    let tags = if ws.existing {
        Vec::new()
    } else {
        plan.tags
            .iter()
            .map(|(k, x)| (k.as_str(), x.as_str()))
            .collect()
    };
    Ok(WorkspaceYaml {
        header: &ctx.header,
        existing: ws.existing,
        entries,
        tags,
    })
}

// ---------------------------------------------------------------------------------------------
// Legacy dialects

/// A workspace private endpoint as the v1 dialects create it: by VNet and subnet name, in the
/// VNet's resource group (the spec: "Must be the same group that contains the virtual network").
#[derive(Debug)]
struct LegacyEndpoint {
    name: String,
    vnet: String,
    subnet: String,
    resource_group: String,
    /// The VNet's subscription when it is not the deployment's.
    subscription: Option<String>,
    auto_approval: bool,
}

fn legacy_endpoints(plan: &Plan) -> Vec<LegacyEndpoint> {
    plan.endpoints
        .iter()
        .filter(|e| e.target == Target::Workspace)
        .map(|e| {
            let vnet = plan.resource(&e.network_symbol);
            LegacyEndpoint {
                name: e.name.clone(),
                vnet: vnet.map_or(e.network.clone(), |v| v.name.clone()),
                subnet: e.subnet.clone(),
                resource_group: vnet.map_or(e.resource_group.clone(), |v| v.resource_group.clone()),
                subscription: non_empty(vnet.and_then(|v| v.subscription.clone())),
                auto_approval: !e.manual_approval,
            }
        })
        .collect()
}

fn plan_workspace(plan: &Plan) -> Result<&Resource, RenderError> {
    plan.resources
        .iter()
        .find(|r| r.ty == catalog::WORKSPACE.name)
        .ok_or_else(|| error("the plan has no workspace"))
}

/// `legacy/sdk-v1.py`: plain values; the template writes them as Python literals.
#[derive(Template)]
#[template(path = "cli/legacy-sdk-v1.py", escape = "none")]
struct SdkView<'a> {
    header: &'a str,
    existing: bool,
    workspace: &'a str,
    resource_group: &'a str,
    subscription: Option<String>,
    location: &'a str,
    /// Workspace.create keyword → resource id (placeholder subscription for created ones).
    dependencies: Vec<(&'static str, String)>,
    image_build_compute: Option<String>,
    endpoints: Vec<LegacyEndpoint>,
    remove_warnings: &'static [&'static str],
    public_warnings: &'static [&'static str],
}

fn legacy_sdk<'a>(plan: &'a Plan, ctx: &'a Context) -> Result<SdkView<'a>, RenderError> {
    let ws = plan_workspace(plan)?;
    let mut dependencies = Vec::new();
    for (key, prop) in DEPENDENCY_KEYS {
        if let Some(Value::String(dep)) = ws.properties.at(&format!("/{prop}/$ref")) {
            let keyword = if key == "application_insights" {
                "app_insights"
            } else {
                key
            };
            dependencies.push((keyword, static_id(plan, dep)?));
        }
    }
    Ok(SdkView {
        header: &ctx.header,
        existing: ws.existing,
        workspace: &ws.name,
        resource_group: &ws.resource_group,
        subscription: non_empty(ws.subscription.clone()),
        location: &plan.location,
        dependencies,
        image_build_compute: non_empty(
            ws.properties
                .get("imageBuildCompute")
                .and_then(Value::as_str)
                .map(str::to_string),
        ),
        endpoints: legacy_endpoints(plan),
        remove_warnings: warnings::REMOVE,
        public_warnings: warnings::ENABLE_PUBLIC,
    })
}

/// `legacy/cli-v1.sh`: one shell function per operation, chosen by the script's argument.
#[derive(Template)]
#[template(path = "cli/legacy-cli-v1.sh", escape = "none")]
struct LegacyScript<'a> {
    header: &'a str,
    head: Head,
    operations: Vec<Operation>,
}

/// One operation of `legacy/cli-v1.sh`.
#[derive(Debug)]
struct Operation {
    name: &'static str,
    summary: &'static str,
    warnings: &'static [&'static str],
    steps: Vec<LegacyStep>,
}

impl Operation {
    /// The shell function that performs it: `op_add_endpoints`.
    fn function(&self) -> String {
        format!("op_{}", self.name.replace('-', "_"))
    }
}

#[derive(Debug)]
struct LegacyStep {
    n: usize,
    title: String,
    action: LegacyAction,
}

/// Variables as in [`Action`]; `ws_*` name the workspace.
#[derive(Debug)]
enum LegacyAction {
    Create {
        ws_sub: String,
        ws_rg: String,
        ws_name: String,
        location: String,
        /// (v1 flag, variable holding the id)
        dependencies: Vec<(&'static str, String)>,
        pe: LegacyPe,
    },
    Add {
        ws_sub: String,
        ws_rg: String,
        ws_name: String,
        pe: LegacyPe,
    },
    Remove {
        ws_sub: String,
        ws_rg: String,
        ws_name: String,
        ws_id: String,
        pe: LegacyPe,
    },
    Public {
        ws_sub: String,
        ws_rg: String,
        ws_name: String,
    },
}

/// A workspace endpoint's settings, as variables.
#[derive(Debug)]
struct LegacyPe {
    name: String,
    rg: String,
    vnet: String,
    subnet: String,
    /// The VNet's subscription, when the VNet exists (it may be in another one).
    sub: Option<String>,
    /// Where the endpoint is looked up: the VNet's subscription, else the workspace's.
    show_sub: String,
    auto_approval: bool,
}

fn legacy_pe<'p>(v: &mut Vars<'p>, e: &'p Endpoint) -> Result<LegacyPe, RenderError> {
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
    Ok(LegacyPe {
        name: v.name(&e.symbol)?,
        rg: v.rg(&e.network_symbol)?,
        vnet: v.name(&vnet.symbol)?,
        subnet: v.name(&subnet.symbol)?,
        sub,
        show_sub,
        auto_approval: !e.manual_approval,
    })
}

/// The CLI v1 step that adds endpoint `e` to the workspace `ws` (a symbol), with its title.
fn legacy_add<'p>(
    v: &mut Vars<'p>,
    ws: &'p str,
    e: &'p Endpoint,
) -> Result<(String, LegacyAction), RenderError> {
    Ok((
        format!("private endpoint {} in {}", e.name, e.network),
        LegacyAction::Add {
            ws_sub: v.sub(ws)?,
            ws_rg: v.rg(ws)?,
            ws_name: v.name(ws)?,
            pe: legacy_pe(v, e)?,
        },
    ))
}

fn legacy_cli<'a>(plan: &Plan, ctx: &'a Context) -> Result<LegacyScript<'a>, RenderError> {
    let mut v = Vars::new(plan);
    let ws = plan_workspace(plan)?;
    let s = ws.symbol.as_str();
    let eps: Vec<&Endpoint> = plan
        .endpoints
        .iter()
        .filter(|e| e.target == Target::Workspace)
        .collect();
    let numbered = |actions: Vec<(String, LegacyAction)>| -> Vec<LegacyStep> {
        actions
            .into_iter()
            .enumerate()
            .map(|(i, (title, action))| LegacyStep {
                n: i + 1,
                title,
                action,
            })
            .collect()
    };
    let mut operations = Vec::new();
    if !ws.existing {
        let mut actions = Vec::new();
        if let Some((first, rest)) = eps.split_first() {
            let mut dependencies = Vec::new();
            for (flag, prop) in [
                ("--storage-account", "storageAccount"),
                ("--keyvault", "keyVault"),
                ("--application-insights", "applicationInsights"),
                ("--container-registry", "containerRegistry"),
            ] {
                if let Some(Value::String(dep)) = ws.properties.at(&format!("/{prop}/$ref")) {
                    dependencies.push((flag, v.id(dep)?));
                }
            }
            actions.push((
                format!(
                    "workspace {} with private endpoint {} in {}",
                    ws.name, first.name, first.network
                ),
                LegacyAction::Create {
                    ws_sub: v.sub(s)?,
                    ws_rg: v.rg(s)?,
                    ws_name: v.name(s)?,
                    location: v.location_of(ws)?,
                    dependencies,
                    pe: legacy_pe(&mut v, first)?,
                },
            ));
            for e in rest {
                actions.push(legacy_add(&mut v, s, e)?);
            }
        }
        operations.push(Operation {
            name: "create",
            summary: "create the workspace with its first private endpoint, then add the others (spec: Create a workspace that uses a private endpoint)",
            warnings: &[],
            steps: numbered(actions),
        });
    }
    let mut add = Vec::new();
    let mut remove = Vec::new();
    for e in &eps {
        add.push(legacy_add(&mut v, s, e)?);
        remove.push((
            format!("remove private endpoint {} from {}", e.name, e.network),
            LegacyAction::Remove {
                ws_sub: v.sub(s)?,
                ws_rg: v.rg(s)?,
                ws_name: v.name(s)?,
                ws_id: v.id(s)?,
                pe: legacy_pe(&mut v, e)?,
            },
        ));
    }
    operations.push(Operation {
        name: "add-endpoints",
        summary: "add the workspace's private endpoints to a workspace that exists (spec: Add a private endpoint to a workspace)",
        warnings: warnings::ADD,
        steps: numbered(add),
    });
    operations.push(Operation {
        name: "remove-endpoints",
        summary:
            "delete the workspace's private endpoint connections (spec: Remove a private endpoint)",
        warnings: warnings::REMOVE,
        steps: numbered(remove),
    });
    operations.push(Operation {
        name: "enable-public-access",
        summary: "let clients reach the workspace over its public endpoint too (spec: Enable public access)",
        warnings: warnings::ENABLE_PUBLIC,
        steps: numbered(vec![(
            format!("public access of workspace {}", ws.name),
            LegacyAction::Public {
                ws_sub: v.sub(s)?,
                ws_rg: v.rg(s)?,
                ws_name: v.name(s)?,
            },
        )]),
    });
    let summary = vec![
        format!(
            "The spec's Azure ML CLI v1 commands for workspace {}, one operation per argument (default: {}).",
            plan.workspace, operations[0].name
        ),
        "Deploy with deploy.sh (Azure CLI v2) instead; this file is a reference for teams migrating off v1. The workspace's dependencies and their private endpoints are created by deploy.sh.".to_string(),
    ];
    Ok(LegacyScript {
        header: &ctx.header,
        head: Head {
            operations: operations.iter().map(|o| o.name).collect(),
            ..Head::new(&mut v, paths::LEGACY_CLI.to_string(), summary)
        },
        operations,
    })
}

#[cfg(test)]
mod tests {
    use heck::ToShoutySnakeCase;
    use proptest::prelude::*;

    use super::*;
    use crate::render::escape;

    /// `push_shouty_snake` as its comment defines it, by heck.
    fn hecks(s: &str) -> String {
        let cleaned: String = s
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
            .collect();
        cleaned.to_shouty_snake_case()
    }

    fn shouty(s: &str) -> String {
        let mut out = String::new();
        push_shouty_snake(&mut out, s);
        out
    }

    #[test]
    fn shouty_snake_case_is_hecks() {
        for s in [
            "",
            "storageAccount",
            "peVnetSpoke00001MlwZoneGroup",
            "HTTPServer",
            "aHTTPServerB",
            "ABC",
            "AbC",
            "a1B2c3",
            "1a",
            "A1b",
            "x9Y",
            "mlw.prod(1)",
            "--a--b--",
            "address prefix 2",
            "ünïcodeVnet",
            "ΣΑΣ",
        ] {
            assert_eq!(shouty(s), hecks(s), "{s:?}");
        }
        // Appending to a name keeps the separator between its words and the new ones.
        let mut out = "PE_NIC".to_string();
        out.push('_');
        push_shouty_snake(&mut out, "vm size");
        assert_eq!(out, "PE_NIC_VM_SIZE");
    }

    proptest! {
        #[test]
        fn shouty_snake_case_matches_heck_on_any_text(s in "[a-zA-Z0-9 ._()-]{0,40}|[ -~]{0,40}|\\PC{0,12}") {
            prop_assert_eq!(shouty(&s), hecks(&s));
        }
    }

    /// deploy.sh, whose steps are built again one at a time as it is written, reads as the
    /// script of the same steps built once: the second build finds every variable under the
    /// name the first gave it.
    #[test]
    fn steps_built_as_the_script_is_written_read_as_steps_built_once() {
        let plan = crate::plan::build(&crate::synth::scenario(3), &[]);
        let index = Index::new(&plan);
        let ctx = Context::new("synth-3.yaml");
        let later = deploy_keeping(&index, &ctx, 0).expect("deploy.sh");
        assert!(matches!(later.steps, Steps::Later { .. }));
        let mut v = Vars::new(&plan);
        let steps = steps_of(&index, &mut v, plan.steps.iter()).expect("steps");
        let meta = Meta {
            path: paths::DEPLOY.to_string(),
            summary: later.head.summary.clone(),
            warnings: &[],
            done: later.done.clone(),
        };
        let once = script(&ctx, meta, v, steps);
        let text = super::super::render("cli/script.sh", &later).expect("streamed steps");
        assert_eq!(
            text,
            super::super::render("cli/script.sh", &once).expect("built steps")
        );
        // A plan this small keeps the steps of the first build.
        let kept = deploy(&index, &ctx).expect("deploy.sh");
        assert!(matches!(kept.steps, Steps::Built(_)));
        assert_eq!(
            text,
            super::super::render("cli/script.sh", &kept).expect("kept steps")
        );
        assert!(text.contains(&format!("\nSTEPS={}\n", plan.steps.len())));
        let last = format!("step {} ", plan.steps.len());
        assert!(text.contains(&last), "{last:?} missing");
    }

    /// A step that cannot be built while the script is written fails the script: it never
    /// passes for a script that ends there.
    #[test]
    fn a_step_that_fails_as_the_script_is_written_fails_the_script() {
        let mut plan = crate::plan::build(&crate::synth::scenario(1), &[]);
        plan.steps.insert(
            2,
            crate::plan::Step {
                n: 3,
                title: "a step of nothing".to_string(),
                kind: "resource",
                target: "noSuchSymbol".to_string(),
            },
        );
        let index = Index::new(&plan);
        let ctx = Context::new("synth-1.yaml");
        assert!(
            deploy_keeping(&index, &ctx, 0).is_err(),
            "the first build meets it"
        );
        let mut v = Vars::new(&plan);
        let later = Script {
            header: &ctx.header,
            head: Head::new(&mut v, paths::DEPLOY.to_string(), Vec::new()),
            warnings: &[],
            steps: Steps::Later {
                index: &index,
                vars: RefCell::new(v),
                failed: RefCell::new(None),
            },
            done: "deployment complete".to_string(),
        };
        let e = super::super::render("cli/script.sh", &later).expect_err("fails");
        assert!(e.to_string().contains("noSuchSymbol"), "{e}");
        let mut bytes = Vec::new();
        assert!(Template::write_into(&later, &mut bytes).is_err());
    }

    #[test]
    fn variable_names_are_shell_identifiers() {
        assert_eq!(
            var_base("peVnetMlwMlwZoneGroup"),
            "PE_VNET_MLW_MLW_ZONE_GROUP"
        );
        assert_eq!(var_base("mlw.prod(1)"), "MLW_PROD_1");
        assert_eq!(var_base("2nd"), "V_2ND");
    }

    #[test]
    fn shorthand_tags_quote_what_the_syntax_would_misread() {
        assert_eq!(
            shorthand_tag("environment", "production"),
            "environment=production"
        );
        assert_eq!(shorthand_tag("cost center", "a b"), "'cost center'=a b");
        assert_eq!(shorthand_tag("team.name", "x"), "'team.name'=x");
        assert_eq!(shorthand_tag("k", "'q'"), "k=''/q'/'");
        assert_eq!(shorthand_tag("k", "null"), "k='null'");
    }

    #[test]
    fn pointers_find_what_serde_json_finds() {
        let many: serde_json::Map<String, Value> =
            (0..20).map(|i| (format!("k{i}"), json!(i))).collect();
        let v = json!({
            "a": {"b": [10, {"c": "x"}], "": 1},
            "n": null,
            "many": many,
        });
        for p in [
            "",
            "/",
            "/a",
            "/a/b",
            "/a/b/0",
            "/a/b/1/c",
            "/a/b/2",
            "/a/b/01",
            "/a/b/+1",
            "/a/b/-1",
            "/a/b/x",
            "/a/",
            "/n",
            "/n/x",
            "/z",
            "a",
            "/a/b/1/c/d",
            "/many/k0",
            "/many/k19",
            "/many/k20",
        ] {
            assert_eq!(v.at(p), v.pointer(p), "{p}");
        }
    }

    #[test]
    fn streaming_escapers_match_the_shared_ones() {
        for t in &escape::tricky_texts() {
            assert_eq!(ShellWord(t).to_string(), escape::shell(t), "{t:?}");
        }
        // A value that writes itself in pieces is quoted as a whole.
        let line = askama::helpers::Concat("it's", " a 'test'");
        assert_eq!(ShellWord(&line).to_string(), escape::shell("it's a 'test'"));
    }

    #[test]
    fn runs_of_blank_lines_collapse() {
        assert_eq!(single_blank_lines("a\n\n\n\nb\n\nc\n"), "a\n\nb\n\nc\n");
    }

    #[test]
    fn durations_become_seconds() {
        assert_eq!(iso_seconds("PT120S").ok().as_deref(), Some("120"));
        assert_eq!(iso_seconds("PT1H2M3S").ok().as_deref(), Some("3723"));
        assert!(iso_seconds("P1D").is_err());
        assert!(iso_seconds("PT5").is_err());
    }
}
