//! Bicep: `main.bicep`, `main.bicepparam` and, when the deployment spans resource groups, one
//! module per resource group and stage ([`super::layout`]). Written the way Azure Verified
//! Modules are: the plan's lowerCamelCase symbols, `@description` on every parameter and
//! output, `parent:` for children, symbolic references instead of `resourceId()`, and no
//! `dependsOn` but the plan's own (references imply the rest).
//!
//! Across groups, a module declares what it uses from elsewhere as `existing` (scoped to that
//! group); `main.bicep` orders the modules with `dependsOn`, since no value passes between them.
//! The templates (`templates/bicep/`) spell the files; this module picks what goes in them and
//! spells the plan's values ([`value`]).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use heck::ToLowerCamelCase;
use serde::Serialize;
use serde_json::Value;

use super::layout::{self, Deploy, Deployment, Form, Layout, Param};
use super::{escape, paths, Context, RenderError, Templates};
use crate::catalog;
use crate::plan::{Output, Parameter, Plan, Resource, Scope};

const FILE: &str = "bicep/file.bicep";
const PARAMS: &str = "bicep/main.bicepparam";

/// Spells a plan value in Bicep for a place `depth` levels deep: two spaces per level, the
/// first line where the template puts it. `$ref`s become `<symbol>.id`: a file declares every
/// resource it refers to.
pub fn value(v: &Value, depth: usize) -> String {
    let mut out = String::new();
    spell(&mut out, v, depth, true);
    out
}

/// [`value`] of data that holds no plan forms (the parameters' defaults: the tags, whose
/// names may be `$ref` or anything else): every object is an object of literals.
pub fn literal(v: &Value, depth: usize) -> String {
    let mut out = String::new();
    spell(&mut out, v, depth, false);
    out
}

fn spell(out: &mut String, v: &Value, depth: usize, forms: bool) {
    let pad = |out: &mut String, depth| out.extend(std::iter::repeat_n("  ", depth));
    match v {
        Value::Number(n) if n.is_f64() => {
            out.push_str(&format!("json({})", escape::bicep(&n.to_string())));
        }
        Value::String(s) => out.push_str(&escape::bicep(s)),
        Value::Array(a) if !a.is_empty() => {
            out.push_str("[\n");
            for x in a {
                pad(out, depth + 1);
                spell(out, x, depth + 1, forms);
                out.push('\n');
            }
            pad(out, depth);
            out.push(']');
        }
        Value::Object(m) => match layout::form(m).filter(|_| forms) {
            Some(Form::Ref(symbol)) => out.push_str(&format!("{symbol}.id")),
            Some(Form::Param(name)) => out.push_str(name),
            Some(Form::Env { prefix, suffix }) => {
                let prefix = escape::bicep(prefix);
                let open = &prefix[..prefix.len() - 1];
                out.push_str(&format!("{open}${{environment().suffixes.{suffix}}}'"));
            }
            Some(Form::Tenant) => out.push_str("subscription().tenantId"),
            Some(Form::Principal(symbol)) => {
                out.push_str(&format!("{symbol}.identity.principalId"));
            }
            Some(Form::Role(id)) => out.push_str(&format!(
                "subscriptionResourceId({}, {})",
                escape::bicep(catalog::ROLE_DEFINITIONS),
                escape::bicep(id)
            )),
            Some(Form::Guid(items)) => {
                out.push_str("guid(");
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    spell(out, x, depth, forms);
                }
                out.push(')');
            }
            None if m.is_empty() => out.push_str("{}"),
            None => {
                out.push_str("{\n");
                for (k, x) in m {
                    pad(out, depth + 1);
                    // A key is bare when it is an identifier, else a string literal.
                    let mut chars = k.chars();
                    let start = chars
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
                    if start && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        out.push_str(k);
                    } else {
                        out.push_str(&escape::bicep(k));
                    }
                    out.push_str(": ");
                    spell(out, x, depth + 1, forms);
                    out.push('\n');
                }
                pad(out, depth);
                out.push('}');
            }
        },
        // Null, booleans, integers and the empty array as JSON spells them.
        other => out.push_str(&other.to_string()),
    }
}

/// A `.bicep` file: `main.bicep` or a module.
#[derive(Serialize)]
struct File<'a> {
    header: &'a str,
    deploy: &'a Deploy<'a>,
    /// A module's deployment (of `count`); none for `main.bicep`.
    module: Option<&'a Deployment<'a>>,
    count: usize,
    params: Vec<Param<'a>>,
    /// The parameter that passes the deploying subscription, when the file needs it.
    deploying: Option<&'static str>,
    /// The groups `main.bicep` creates at subscription scope.
    groups: Vec<Group<'a>>,
    resources: Vec<Res<'a>>,
    modules: Vec<Module<'a>>,
    outputs: Vec<Out<'a>>,
}

#[derive(Serialize)]
struct Group<'a> {
    symbol: &'a str,
    #[serde(rename = "type")]
    ty: &'a str,
    api_version: &'a str,
    name: &'a str,
    location: String,
}

/// A resource the file deploys, or (without a `body`) declares `existing`. Values are spelled
/// one level deep, as a resource's keys are.
#[derive(Serialize)]
struct Res<'a> {
    comment: Cow<'a, str>,
    /// Declared here, deployed by another module.
    elsewhere: bool,
    symbol: &'a str,
    #[serde(rename = "type")]
    ty: &'a str,
    api_version: &'a str,
    name: &'a str,
    parent: Option<&'a str>,
    /// The symbol of the resource it extends.
    scope: Option<&'a str>,
    /// Or the group it lives in, outside the file's: `resourceGroup(...)`.
    group: Option<GroupRef<'a>>,
    name_expr: Option<String>,
    body: Option<Body<'a>>,
}

/// What a deployed resource sets.
#[derive(Serialize)]
struct Body<'a> {
    location: Option<String>,
    tags: bool,
    sku: Option<String>,
    kind: Option<&'a str>,
    identity: Option<String>,
    properties: String,
    depends_on: Vec<&'a str>,
}

/// A group outside the file's: in a subscription the scenario names, or in the deploying one
/// (`deploying`) seen from a file that runs in another.
#[derive(Serialize)]
struct GroupRef<'a> {
    subscription: Option<&'a str>,
    deploying: bool,
    name: &'a str,
}

#[derive(Serialize)]
struct Module<'a> {
    deployment: &'a Deployment<'a>,
    symbol: &'a str,
    path: String,
    /// The symbol of the created group it deploys into, if it is one.
    group: Option<&'a str>,
    params: Vec<&'a str>,
    deploying: Option<&'static str>,
    depends_on: Vec<&'a str>,
}

#[derive(Serialize)]
struct Out<'a> {
    name: &'a str,
    description: Cow<'a, str>,
    value: String,
    /// The module whose output it passes on.
    module: Option<&'a str>,
}

/// `main.bicepparam`: the parameters of `main.bicep`, with their values.
#[derive(Serialize)]
struct ParamsFile<'a> {
    header: &'a str,
    using: &'static str,
    params: &'a [Param<'a>],
}

/// The files of this kind for one scenario: (path inside the scenario folder, contents).
pub fn render(
    t: &Templates,
    plan: &Plan,
    ctx: &Context,
) -> Result<Vec<(String, String)>, RenderError> {
    let b = Bicep::new(plan);
    let deploy = Deploy::new(plan, paths::BICEP, paths::BICEP_PARAMS);
    let mut files = Vec::new();
    let symbols;
    let main = match plan.scope {
        Scope::ResourceGroup => {
            let all: Vec<&Output> = plan.outputs.iter().collect();
            let home = (None, plan.resource_group.as_str());
            b.group_file(ctx, &deploy, None, home, &b.layout.created(), &all)
        }
        Scope::Subscription => {
            let mut passed = Vec::new();
            let deployments = &b.layout.deployments;
            for (d, outputs) in deployments.iter().zip(b.layout.outputs_of()) {
                let home = (d.subscription, d.resource_group);
                let file = b.group_file(ctx, &deploy, Some(d), home, &d.positions, &outputs);
                let path = paths::bicep_module_stage(d.resource_group, d.stage);
                passed.push((file.params.iter().map(|p| p.name).collect(), file.deploying));
                files.push((path, t.render(FILE, file)?));
            }
            symbols = b.symbols();
            b.subscription_main(ctx, &deploy, &symbols, passed)
        }
    };
    let params = ParamsFile {
        header: &ctx.header,
        using: paths::BICEP,
        params: &main.params,
    };
    files.push((paths::BICEP_PARAMS.to_string(), t.render(PARAMS, &params)?));
    files.push((paths::BICEP.to_string(), t.render(FILE, main)?));
    Ok(files)
}

/// Where a file deploys to: (subscription when named, resource group).
type Home<'a> = (Option<&'a str>, &'a str);

struct Bicep<'p> {
    plan: &'p Plan,
    layout: Layout<'p>,
    /// The zone names that the files spell from the cloud's suffixes (resources whose
    /// `name_expr` is an `$env` form), each once, in plan order, with their spelling: comments
    /// and descriptions spell them so too, and name no cloud host.
    zones: Vec<(&'p str, String)>,
    /// What every zone name starts with: a text without it holds none (most texts).
    common: &'p str,
}

impl<'p> Bicep<'p> {
    fn new(plan: &'p Plan) -> Self {
        let mut zones: Vec<(&str, String)> = Vec::new();
        for r in &plan.resources {
            let expr = r
                .name_expr
                .as_ref()
                .and_then(Value::as_object)
                .and_then(layout::form);
            // Only the first spelling of a name applies: the name no longer occurs after it.
            if let Some(Form::Env { prefix, suffix }) = expr {
                if zones.iter().all(|(n, _)| *n != r.name) {
                    let spelled = format!("{prefix}${{environment().suffixes.{suffix}}}");
                    zones.push((&r.name, spelled));
                }
            }
        }
        let mut common = zones.first().map_or("", |(n, _)| *n);
        for (name, _) in &zones {
            let same = common.chars().zip(name.chars()).take_while(|(a, b)| a == b);
            common = &common[..same.map(|(c, _)| c.len_utf8()).sum()];
        }
        let layout = Layout::new(plan);
        Self {
            plan,
            layout,
            zones,
            common,
        }
    }

    /// `text` with every zone name replaced by its spelling, in plan order.
    fn neutral<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        if !self.zones.is_empty() && text.contains(self.common) {
            for (name, spelled) in &self.zones {
                if out.contains(name) {
                    out = Cow::Owned(out.replace(name, spelled));
                }
            }
        }
        out
    }

    /// A file deployed into one resource group (`home`): `main.bicep` at resource-group scope,
    /// or the module of a deployment. It declares the resources at `positions` in the plan,
    /// and everything they (and `outputs`) refer to as `existing`.
    fn group_file<'r>(
        &'r self,
        ctx: &'r Context,
        deploy: &'r Deploy<'r>,
        module: Option<&'r Deployment<'p>>,
        home: Home<'r>,
        positions: &[usize],
        outputs: &[&'p Output],
    ) -> File<'r> {
        let created: Vec<&Resource> = positions.iter().map(|&p| &self.plan.resources[p]).collect();
        let here: HashSet<&str> = created.iter().map(|r| r.symbol.as_str()).collect();
        let mut wanted: Vec<&str> = Vec::new();
        for (r, &p) in created.iter().zip(positions) {
            wanted.extend(r.parent.iter().chain(&r.scope).map(String::as_str));
            wanted.extend(&self.layout.references[p]);
        }
        wanted.extend(outputs.iter().filter_map(|o| layout::output_symbol(o)));
        let mut foreign = false;
        let mut resources = self.existing(&wanted, &here, Some(home), &mut foreign);
        resources.extend(created.iter().map(|r| self.resource(r, &here)));
        let default = |p: &Parameter| module.is_none().then(|| literal(&p.default, 0));
        let params = self.layout.used_parameters(positions).into_iter();
        File {
            header: &ctx.header,
            deploy,
            module,
            count: self.layout.deployments.len(),
            params: params.map(|p| Param::new(p, default(p))).collect(),
            deploying: foreign.then_some(layout::DEPLOYING_SUBSCRIPTION),
            groups: Vec::new(),
            resources,
            modules: Vec::new(),
            outputs: outputs.iter().map(|o| self.output(o, None)).collect(),
        }
    }

    /// An output: its value, or that of `module`'s output of the same name.
    fn output(&self, o: &'p Output, module: Option<&'p str>) -> Out<'p> {
        let (name, value) = (&o.name, value(&o.value, 0));
        let description = self.neutral(&o.description);
        Out {
            name,
            description,
            value,
            module,
        }
    }

    /// `existing` declarations of the symbols in `wanted` that the file does not create, with
    /// their parents, in plan order. `home` is the file's group (`None`: subscription scope);
    /// `foreign` is set when one lives in the deploying subscription while the file does not.
    fn existing(
        &self,
        wanted: &[&str],
        here: &HashSet<&str>,
        home: Option<Home>,
        foreign: &mut bool,
    ) -> Vec<Res<'p>> {
        let mut seen = HashSet::new();
        let mut stack: Vec<&str> = wanted
            .iter()
            .filter(|s| !here.contains(*s))
            .copied()
            .collect();
        let mut found = Vec::new();
        while let Some(s) = stack.pop() {
            if let Some(i) = self.layout.position(s).filter(|_| seen.insert(s)) {
                let r = &self.plan.resources[i];
                found.push(i);
                stack.extend(r.parent.iter().chain(&r.scope).map(String::as_str));
            }
        }
        found.sort_unstable();
        let declare = |i: usize| {
            let r = &self.plan.resources[i];
            let head = self.head(r, !r.existing);
            match (&r.parent, &r.scope) {
                (Some(_), _) => Res {
                    scope: None,
                    ..head
                },
                (None, Some(_)) => head,
                (None, None) => Res {
                    group: self.group(i, home, foreign),
                    ..head
                },
            }
        };
        found.into_iter().map(declare).collect()
    }

    /// The group of the resource at `position` when it is outside the file's group.
    fn group(
        &self,
        position: usize,
        home: Option<Home>,
        foreign: &mut bool,
    ) -> Option<GroupRef<'p>> {
        let (subscription, name) = self.layout.homes[position];
        let deploying = match home {
            Some((s, rg))
                if name.eq_ignore_ascii_case(rg) && layout::same_subscription(subscription, s) =>
            {
                return None;
            }
            Some((Some(_), _)) => subscription.is_none(),
            _ => false,
        };
        *foreign |= deploying;
        Some(GroupRef {
            subscription,
            deploying,
            name,
        })
    }

    /// The declaration of a resource (`elsewhere`: deployed by another module).
    fn head(&self, r: &'p Resource, elsewhere: bool) -> Res<'p> {
        let present = |s: &'p Option<String>| s.as_deref().filter(|s| !s.is_empty());
        Res {
            comment: self.neutral(&r.purpose),
            elsewhere,
            symbol: &r.symbol,
            ty: &r.ty,
            api_version: &r.api_version,
            name: &r.name,
            parent: present(&r.parent),
            scope: present(&r.scope),
            group: None,
            name_expr: r.name_expr.as_ref().map(|e| value(e, 1)),
            body: None,
        }
    }

    /// A resource the file deploys (`here`: the symbols of those it deploys).
    fn resource(&self, r: &'p Resource, here: &HashSet<&str>) -> Res<'p> {
        let spelled = |v: &Option<Value>| v.as_ref().map(|v| value(v, 1));
        let properties = if r.properties.is_null() {
            "{}".into()
        } else {
            value(&r.properties, 1)
        };
        // Only the plan's explicit ordering; on a resource that another module deploys, the
        // order of the modules keeps it.
        let depends_on = r
            .depends_on
            .iter()
            .map(String::as_str)
            .filter(|d| here.contains(d));
        let body = Body {
            location: spelled(&r.location),
            tags: r.tags,
            sku: spelled(&r.sku),
            kind: r.kind.as_deref().filter(|s| !s.is_empty()),
            identity: spelled(&r.identity),
            properties,
            depends_on: depends_on.collect(),
        };
        Res {
            body: Some(body),
            ..self.head(r, false)
        }
    }

    /// The symbols `main.bicep` makes, unlike the plan's and its parameters' names: one per
    /// created group, one per module.
    fn symbols(&self) -> (Vec<String>, Vec<String>) {
        let plan = self.plan;
        let mut taken: HashSet<String> = plan.resources.iter().map(|r| r.symbol.clone()).collect();
        taken.extend(plan.parameters.iter().map(|p| p.name.clone()));
        let mut unique = |base: String| {
            let mut s = base.clone();
            for n in 2.. {
                if taken.insert(s.clone()) {
                    break;
                }
                s = format!("{base}{n}");
            }
            s
        };
        let groups = layout::created_groups(plan);
        let groups = groups
            .iter()
            .map(|g| unique(group_symbol(&g.name)))
            .collect();
        let modules = self.layout.deployments.iter().map(|d| {
            let base = format!("deploy {}", group_symbol(d.resource_group)).to_lower_camel_case();
            unique(if d.stage > 1 {
                format!("{base}Stage{}", d.stage)
            } else {
                base
            })
        });
        (groups, modules.collect())
    }

    /// `main.bicep` at subscription scope: the groups to create (`symbols`: theirs, and the
    /// modules'), one module per deployment (`passed`: the parameters each declares, and the
    /// deploying subscription's when it needs it), and the outputs, from the modules or from
    /// `existing` declarations.
    fn subscription_main<'r>(
        &'r self,
        ctx: &'r Context,
        deploy: &'r Deploy<'r>,
        (group_symbols, module_symbols): &'r (Vec<String>, Vec<String>),
        passed: Vec<(Vec<&'r str>, Option<&'static str>)>,
    ) -> File<'r> {
        let created_groups = layout::created_groups(self.plan);
        let groups = created_groups
            .iter()
            .zip(group_symbols)
            .map(|(g, symbol)| Group {
                symbol,
                ty: catalog::RESOURCE_GROUP.name,
                api_version: catalog::RESOURCE_GROUP.api_version,
                name: &g.name,
                location: value(&layout::group_location(self.plan, g), 1),
            });
        // The first created group of each name, compared as Azure does.
        let mut group_by_name: HashMap<String, &str> = HashMap::new();
        for (g, symbol) in created_groups.iter().zip(group_symbols).rev() {
            group_by_name.insert(g.name.to_ascii_lowercase(), symbol);
        }
        let deployments = &self.layout.deployments;
        let modules = deployments
            .iter()
            .zip(passed)
            .map(|(d, (params, deploying))| {
                let group = group_by_name.get(&d.resource_group.to_ascii_lowercase());
                Module {
                    deployment: d,
                    symbol: &module_symbols[d.index - 1],
                    path: paths::bicep_module_stage(d.resource_group, d.stage),
                    group: group.filter(|_| d.subscription.is_none()).copied(),
                    params,
                    deploying,
                    depends_on: d
                        .needs
                        .iter()
                        .map(|&i| module_symbols[i - 1].as_str())
                        .collect(),
                }
            });
        let mut outside: Vec<&str> = Vec::new();
        let mut outputs = Vec::new();
        for o in &self.plan.outputs {
            if let Some(symbol) = layout::output_symbol(o) {
                let module = self
                    .layout
                    .holder(symbol)
                    .map(|i| module_symbols[i].as_str());
                outside.extend(module.is_none().then_some(symbol));
                outputs.push(self.output(o, module));
            }
        }
        let params = self.layout.subscription_parameters().into_iter();
        File {
            header: &ctx.header,
            deploy,
            module: None,
            count: deployments.len(),
            params: params
                .map(|p| Param::new(p, Some(literal(&p.default, 0))))
                .collect(),
            deploying: None,
            groups: groups.collect(),
            resources: self.existing(&outside, &HashSet::new(), None, &mut false),
            modules: modules.collect(),
            outputs,
        }
    }
}

/// A Bicep identifier for a resource group: `rg-mlw-prod` → `rgMlwProd`.
fn group_symbol(name: &str) -> String {
    let camel = name.to_lower_camel_case();
    let camel: String = camel.chars().filter(char::is_ascii_alphanumeric).collect();
    if camel.starts_with("rg") {
        camel
    } else {
        format!("rg {camel}").to_lower_camel_case()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_spelled_with_two_space_indentation() {
        let v = json!({
            "a": [1, "x'y", 2.5, null],
            "b-c": {},
            "id": { "$ref": "vnet" },
            "zone": { "$env": "storage", "$prefix": "privatelink.blob.$" },
            "tenant": { "$tenant": true },
            "loc": { "$param": "location" },
            "empty": [],
            "who": { "$principal": "aks" },
            "role": { "$role": "4d97b98b-1d4f-4787-a291-c67834d212e7" },
            "name": { "$guid": [{ "$ref": "snet" }, { "$ref": "aks" }, "r"] }
        });
        assert_eq!(
            value(&v, 1),
            "{\n    a: [\n      1\n      'x\\'y'\n      json('2.5')\n      null\n    ]\n    \
             'b-c': {}\n    id: vnet.id\n    \
             zone: 'privatelink.blob.$${environment().suffixes.storage}'\n    \
             tenant: subscription().tenantId\n    loc: location\n    empty: []\n    \
             who: aks.identity.principalId\n    \
             role: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', \
             '4d97b98b-1d4f-4787-a291-c67834d212e7')\n    \
             name: guid(snet.id, aks.id, 'r')\n  }"
        );
    }

    #[test]
    fn group_symbols_are_identifiers() {
        assert_eq!(group_symbol("rg-mlw-prod"), "rgMlwProd");
        assert_eq!(group_symbol("networking"), "rgNetworking");
        assert_eq!(group_symbol("1-net(a)"), "rg1netA");
    }
}
