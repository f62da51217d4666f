//! Bicep: `main.bicep`, `main.bicepparam` and, when the deployment spans resource groups, one
//! module per resource group and stage ([`super::layout`]). Written the way Azure Verified
//! Modules are: the plan's lowerCamelCase symbols, `@description` on every parameter and
//! output, `parent:` for children, symbolic references instead of `resourceId()`, and no
//! `dependsOn` but the plan's own (references imply the rest).
//!
//! Across groups, a module declares what it uses from elsewhere as `existing` (scoped to that
//! group); `main.bicep` orders the modules with `dependsOn`, since no value passes between them.

use std::collections::HashSet;

use heck::ToLowerCamelCase;
use serde::Serialize;
use serde_json::{json, Value};

use super::layout::{self, Deployment, Form};
use super::{escape, paths, render_template, Context, RenderError};
use crate::catalog;
use crate::plan::{Output, Parameter, Plan, Resource, Scope};

const FILE: &str = "bicep/file.bicep";
const PARAMS: &str = "bicep/main.bicepparam";

/// Embedded templates: (name, source).
pub const TEMPLATES: &[(&str, &str)] = &[
    (FILE, include_str!("../../templates/bicep/file.bicep")),
    (
        PARAMS,
        include_str!("../../templates/bicep/main.bicepparam"),
    ),
];

/// Spells a plan value in Bicep, two spaces per level, for a place `depth` levels deep.
/// `$ref`s become `<symbol>.id`: the file declares every resource it refers to.
pub fn value(v: &Value, depth: usize) -> String {
    let pad = "  ".repeat(depth + 1);
    let close = "  ".repeat(depth);
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) if n.is_f64() => format!("json({})", escape::bicep(&n.to_string())),
        Value::Number(n) => n.to_string(),
        Value::String(s) => escape::bicep(s),
        Value::Array(a) if a.is_empty() => "[]".to_string(),
        Value::Array(a) => {
            let items: String = a
                .iter()
                .map(|x| format!("{pad}{}\n", value(x, depth + 1)))
                .collect();
            format!("[\n{items}{close}]")
        }
        Value::Object(m) => match layout::form(m) {
            Some(Form::Ref(symbol)) => format!("{symbol}.id"),
            Some(Form::Param(name)) => name.to_string(),
            Some(Form::Env { prefix, suffix }) => {
                let literal = escape::bicep(prefix);
                let open = &literal[..literal.len() - 1];
                format!("{open}${{environment().suffixes.{suffix}}}'")
            }
            Some(Form::Tenant) => "subscription().tenantId".to_string(),
            None if m.is_empty() => "{}".to_string(),
            None => {
                let props: String = m
                    .iter()
                    .map(|(k, x)| format!("{pad}{}: {}\n", key(k), value(x, depth + 1)))
                    .collect();
                format!("{{\n{props}{close}}}")
            }
        },
    }
}

/// An object key: bare when it is an identifier, else a string literal.
fn key(k: &str) -> String {
    let mut chars = k.chars();
    let ident = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ident {
        k.to_string()
    } else {
        escape::bicep(k)
    }
}

#[derive(Serialize)]
struct FileView {
    header: String,
    /// Comment lines under the header: how to deploy.
    notes: Vec<String>,
    target_scope: Option<&'static str>,
    params: Vec<ParamView>,
    groups: Vec<GroupView>,
    resources: Vec<ResourceView>,
    modules: Vec<ModuleView>,
    outputs: Vec<OutputView>,
}

#[derive(Serialize)]
struct ParamView {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    description: String,
    allowed: Vec<String>,
    /// The default, spelled (main.bicep only; modules get every value from main.bicep).
    default: Option<String>,
}

#[derive(Serialize)]
struct GroupView {
    symbol: String,
    type_ref: String,
    name: String,
    location: String,
}

#[derive(Serialize)]
struct ResourceView {
    comment: String,
    symbol: String,
    type_ref: String,
    existing: bool,
    parent: Option<String>,
    scope: Option<String>,
    name: String,
    location: Option<String>,
    tags: bool,
    sku: Option<String>,
    kind: Option<String>,
    identity: Option<String>,
    properties: Option<String>,
    depends_on: Vec<String>,
}

#[derive(Serialize)]
struct ModuleView {
    comment: String,
    symbol: String,
    path: String,
    name: String,
    scope: String,
    /// (module parameter, value).
    params: Vec<(String, String)>,
    depends_on: Vec<String>,
}

#[derive(Serialize)]
struct OutputView {
    name: String,
    description: String,
    value: String,
}

#[derive(Serialize)]
struct ParamsView {
    header: String,
    using: &'static str,
    params: Vec<(String, String)>,
}

/// The files of this kind for one scenario: (path inside the scenario folder, contents).
pub fn render(plan: &Plan, ctx: &Context) -> Result<Vec<(String, String)>, RenderError> {
    let r = Renderer::new(plan);
    let deployments = layout::deployments(plan);
    let mut files = Vec::new();
    let main = match plan.scope {
        Scope::ResourceGroup => {
            let created: Vec<&Resource> = deployments
                .iter()
                .flat_map(|d| d.resources.iter().copied())
                .collect();
            let outputs: Vec<&Output> = plan.outputs.iter().collect();
            let deploy = format!(
                "az deployment group create -g {} -f {} -p {}",
                escape::shell(&plan.resource_group),
                paths::BICEP,
                paths::BICEP_PARAMS
            );
            let home = (None, plan.resource_group.as_str());
            r.group_file(
                ctx,
                home,
                &created,
                &outputs,
                vec![format!("Deploy: {deploy}")],
                true,
            )
        }
        Scope::Subscription => {
            let deploy = format!(
                "az deployment sub create -l {} -f {} -p {}",
                escape::shell(&plan.location),
                paths::BICEP,
                paths::BICEP_PARAMS
            );
            let mut modules = Vec::new();
            for d in &deployments {
                let outputs: Vec<&Output> = plan
                    .outputs
                    .iter()
                    .filter(|o| layout::output_symbol(o).is_some_and(|s| d.holds(s)))
                    .collect();
                let notes = vec![
                    format!(
                        "Deployment {} of {} (resource group {}), run by {}.",
                        d.index,
                        deployments.len(),
                        d.resource_group,
                        paths::BICEP
                    ),
                    format!("Deploy: {deploy}"),
                ];
                let home = (d.subscription, d.resource_group);
                let view = r.group_file(ctx, home, &d.resources, &outputs, notes, false);
                modules.push(view.params.iter().map(|p| p.name.clone()).collect());
                files.push((
                    paths::bicep_module_stage(d.resource_group, d.stage),
                    render_template(FILE, &view)?,
                ));
            }
            r.subscription_main(ctx, &deployments, &modules, &deploy)
        }
    };
    let view = ParamsView {
        header: ctx.header.clone(),
        using: paths::BICEP,
        params: plan
            .parameters
            .iter()
            .filter(|p| main.params.iter().any(|q| q.name == p.name))
            .map(|p| (p.name.clone(), value(&p.default, 0)))
            .collect(),
    };
    files.push((paths::BICEP.to_string(), render_template(FILE, &main)?));
    files.push((
        paths::BICEP_PARAMS.to_string(),
        render_template(PARAMS, &view)?,
    ));
    Ok(files)
}

/// Where a file deploys to: (subscription when named, resource group).
type Home<'a> = (Option<&'a str>, &'a str);

struct Renderer<'p> {
    plan: &'p Plan,
}

impl<'p> Renderer<'p> {
    fn new(plan: &'p Plan) -> Self {
        Self { plan }
    }

    /// Comments and descriptions spell env-dependent zone names the way the template does.
    fn neutral(&self, text: &str) -> String {
        layout::cloud_neutral(self.plan, text, |prefix, suffix| {
            format!("{prefix}${{environment().suffixes.{suffix}}}")
        })
    }

    fn params(&self, used: &[&Parameter], defaults: bool) -> Vec<ParamView> {
        used.iter()
            .map(|p| ParamView {
                name: p.name.clone(),
                ty: p.ty.clone(),
                description: p.description.clone(),
                allowed: p.allowed.clone(),
                default: defaults.then(|| value(&p.default, 0)),
            })
            .collect()
    }

    /// A file deployed into one resource group: `main.bicep` at resource-group scope, or a
    /// module. It declares `created`, and everything they (and `outputs`) refer to as
    /// `existing`.
    fn group_file(
        &self,
        ctx: &Context,
        home: Home,
        created: &[&Resource],
        outputs: &[&Output],
        notes: Vec<String>,
        defaults: bool,
    ) -> FileView {
        let here: HashSet<&str> = created.iter().map(|r| r.symbol.as_str()).collect();
        let mut wanted: Vec<&str> = Vec::new();
        for r in created {
            wanted.extend(r.parent.iter().chain(&r.scope).map(String::as_str));
            wanted.extend(layout::references(r));
        }
        wanted.extend(outputs.iter().filter_map(|o| layout::output_symbol(o)));
        let mut foreign = false;
        let mut resources = self.existing(&wanted, &here, Some(home), &mut foreign);
        resources.extend(created.iter().map(|r| self.resource(r, &here)));
        let mut params = self.params(
            &layout::used_parameters(self.plan, created, false),
            defaults,
        );
        if foreign {
            params.push(ParamView {
                name: layout::DEPLOYING_SUBSCRIPTION.to_string(),
                ty: "string".to_string(),
                description: layout::DEPLOYING_SUBSCRIPTION_DESCRIPTION.to_string(),
                allowed: Vec::new(),
                default: None,
            });
        }
        FileView {
            header: ctx.header.clone(),
            notes,
            target_scope: None,
            params,
            groups: Vec::new(),
            resources,
            modules: Vec::new(),
            outputs: outputs
                .iter()
                .map(|o| OutputView {
                    name: o.name.clone(),
                    description: self.neutral(&o.description),
                    value: value(&o.value, 0),
                })
                .collect(),
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
    ) -> Vec<ResourceView> {
        let mut need: HashSet<&str> = HashSet::new();
        let mut stack: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|s| !here.contains(s))
            .collect();
        while let Some(s) = stack.pop() {
            if need.insert(s) {
                if let Some(r) = self.plan.resource(s) {
                    stack.extend(r.parent.iter().chain(&r.scope).map(String::as_str));
                }
            }
        }
        self.plan
            .resources
            .iter()
            .filter(|r| need.contains(r.symbol.as_str()))
            .map(|r| {
                let scope = match (&r.parent, &r.scope) {
                    (Some(_), _) => None,
                    (None, Some(extended)) => Some(extended.clone()),
                    (None, None) => self.group_scope(r, home, foreign),
                };
                let comment = if r.existing {
                    r.purpose.clone()
                } else {
                    format!("{} (deployed by another module)", r.purpose)
                };
                ResourceView {
                    comment: self.neutral(&comment),
                    symbol: r.symbol.clone(),
                    type_ref: format!("{}@{}", r.ty, r.api_version),
                    existing: true,
                    parent: r.parent.clone(),
                    scope,
                    name: name(r),
                    location: None,
                    tags: false,
                    sku: None,
                    kind: None,
                    identity: None,
                    properties: None,
                    depends_on: Vec::new(),
                }
            })
            .collect()
    }

    /// `resourceGroup(...)` for a resource outside the file's group; `None` inside it.
    fn group_scope(&self, r: &Resource, home: Option<Home>, foreign: &mut bool) -> Option<String> {
        let (sub, rg) = layout::home(self.plan, r);
        let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        let rg_lit = escape::bicep(rg);
        match (sub, home) {
            (s, Some((hs, hrg)))
                if same(rg, hrg) && s.map(str::to_lowercase) == hs.map(str::to_lowercase) =>
            {
                None
            }
            (Some(s), _) => Some(format!("resourceGroup({}, {rg_lit})", escape::bicep(s))),
            (None, Some((Some(_), _))) => {
                *foreign = true;
                Some(format!(
                    "resourceGroup({}, {rg_lit})",
                    layout::DEPLOYING_SUBSCRIPTION
                ))
            }
            (None, _) => Some(format!("resourceGroup({rg_lit})")),
        }
    }

    fn resource(&self, r: &Resource, here: &HashSet<&str>) -> ResourceView {
        let spelled = |v: &Option<Value>| v.as_ref().map(|v| value(v, 1));
        ResourceView {
            comment: self.neutral(&r.purpose),
            symbol: r.symbol.clone(),
            type_ref: format!("{}@{}", r.ty, r.api_version),
            existing: false,
            parent: r.parent.clone(),
            scope: r.scope.clone(),
            name: name(r),
            location: spelled(&r.location),
            tags: r.tags,
            sku: spelled(&r.sku),
            kind: r.kind.clone(),
            identity: spelled(&r.identity),
            properties: Some(if r.properties.is_null() {
                "{}".to_string()
            } else {
                value(&r.properties, 1)
            }),
            // Only the plan's explicit ordering; on a resource that another module deploys,
            // the order of the modules keeps it.
            depends_on: r
                .depends_on
                .iter()
                .filter(|d| here.contains(d.as_str()))
                .cloned()
                .collect(),
        }
    }

    /// `main.bicep` at subscription scope: the groups to create, one module per deployment
    /// (`module_params`: the parameters each declares), and the outputs, from the modules or
    /// from `existing` declarations.
    fn subscription_main(
        &self,
        ctx: &Context,
        deployments: &[Deployment],
        module_params: &[Vec<String>],
        deploy: &str,
    ) -> FileView {
        let mut taken: HashSet<String> = self
            .plan
            .resources
            .iter()
            .map(|r| r.symbol.clone())
            .chain(self.plan.parameters.iter().map(|p| p.name.clone()))
            .collect();
        let mut unique = |base: String| {
            let mut s = base.clone();
            let mut n = 2;
            while !taken.insert(s.clone()) {
                s = format!("{base}{n}");
                n += 1;
            }
            s
        };
        let created_groups: Vec<_> = layout::created_groups(self.plan).collect();
        let groups: Vec<GroupView> = created_groups
            .iter()
            .map(|g| GroupView {
                symbol: unique(group_symbol(&g.name)),
                type_ref: format!(
                    "{}@{}",
                    catalog::RESOURCE_GROUP.name,
                    catalog::RESOURCE_GROUP.api_version
                ),
                name: g.name.clone(),
                location: value(&layout::group_location(self.plan, g), 1),
            })
            .collect();
        let module_symbols: Vec<String> = deployments
            .iter()
            .map(|d| {
                let base =
                    format!("deploy {}", group_symbol(d.resource_group)).to_lower_camel_case();
                unique(if d.stage > 1 {
                    format!("{base}Stage{}", d.stage)
                } else {
                    base
                })
            })
            .collect();
        let modules: Vec<ModuleView> = deployments
            .iter()
            .zip(&module_symbols)
            .zip(module_params)
            .map(|((d, symbol), params)| {
                let created = d
                    .subscription
                    .is_none()
                    .then(|| {
                        created_groups
                            .iter()
                            .zip(&groups)
                            .find(|(g, _)| g.name.eq_ignore_ascii_case(d.resource_group))
                    })
                    .flatten();
                let rg = escape::bicep(d.resource_group);
                let scope = match (created, d.subscription) {
                    (Some((_, g)), _) => g.symbol.clone(),
                    (None, Some(sub)) => format!("resourceGroup({}, {rg})", escape::bicep(sub)),
                    (None, None) => format!("resourceGroup({rg})"),
                };
                ModuleView {
                    comment: format!(
                        "Deployment {} of {}: resource group {}",
                        d.index,
                        deployments.len(),
                        d.resource_group
                    ),
                    symbol: symbol.clone(),
                    path: paths::bicep_module_stage(d.resource_group, d.stage),
                    name: d.name.clone(),
                    scope,
                    params: params
                        .iter()
                        .map(|p| {
                            let v = if p == layout::DEPLOYING_SUBSCRIPTION {
                                "subscription().subscriptionId".to_string()
                            } else {
                                p.clone()
                            };
                            (p.clone(), v)
                        })
                        .collect(),
                    depends_on: d
                        .needs
                        .iter()
                        .map(|&i| module_symbols[i - 1].clone())
                        .collect(),
                }
            })
            .collect();
        let used: Vec<&Parameter> = self
            .plan
            .parameters
            .iter()
            .filter(|p| {
                let by_groups = created_groups.iter().any(|g| {
                    p.name == "tags"
                        || layout::group_location(self.plan, g) == json!({ "$param": p.name })
                });
                by_groups || module_params.iter().flatten().any(|q| *q == p.name)
            })
            .collect();

        let mut outside: Vec<&str> = Vec::new();
        let mut outputs = Vec::new();
        for o in &self.plan.outputs {
            let Some(sym) = layout::output_symbol(o) else {
                continue;
            };
            let value = match deployments.iter().position(|d| d.holds(sym)) {
                Some(i) => format!("{}.outputs.{}", module_symbols[i], o.name),
                None => {
                    outside.push(sym);
                    format!("{sym}.id")
                }
            };
            outputs.push(OutputView {
                name: o.name.clone(),
                description: self.neutral(&o.description),
                value,
            });
        }
        let mut foreign = false;
        FileView {
            header: ctx.header.clone(),
            notes: vec![format!("Deploy: {deploy}")],
            target_scope: Some("subscription"),
            params: self.params(&used, true),
            groups,
            resources: self.existing(&outside, &HashSet::new(), None, &mut foreign),
            modules,
            outputs,
        }
    }
}

fn name(r: &Resource) -> String {
    match &r.name_expr {
        Some(e) => value(e, 1),
        None => escape::bicep(&r.name),
    }
}

/// A Bicep identifier for a resource group: `rg-mlw-prod` → `rgMlwProd`.
fn group_symbol(name: &str) -> String {
    let camel: String = name
        .to_lower_camel_case()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
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
            "a": [1, "x'y"],
            "b-c": {},
            "id": { "$ref": "vnet" },
            "zone": { "$env": "storage", "$prefix": "privatelink.blob." },
            "tenant": { "$tenant": true },
            "loc": { "$param": "location" },
            "empty": []
        });
        assert_eq!(
            value(&v, 0),
            "{\n  a: [\n    1\n    'x\\'y'\n  ]\n  'b-c': {}\n  id: vnet.id\n  \
             zone: 'privatelink.blob.${environment().suffixes.storage}'\n  \
             tenant: subscription().tenantId\n  loc: location\n  empty: []\n}"
        );
    }

    #[test]
    fn group_symbols_are_identifiers() {
        assert_eq!(group_symbol("rg-mlw-prod"), "rgMlwProd");
        assert_eq!(group_symbol("networking"), "rgNetworking");
        assert_eq!(group_symbol("1-net(a)"), "rg1netA");
    }
}
