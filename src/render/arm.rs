//! ARM JSON: `azuredeploy.json` and `azuredeploy.parameters.json`. The same resources, types,
//! API versions, names and properties as the Bicep, cut into the same deployments
//! ([`super::layout`]): at subscription scope, one nested `Microsoft.Resources/deployments` per
//! resource group and stage, each with an inline template evaluated in its own (`inner`) scope
//! and given the parameters it uses, ordered by `dependsOn` between the deployments.
//!
//! ARM infers no dependency from `resourceId()`, so a resource's `dependsOn` lists everything
//! it needs that its template deploys: parent, extended resource, references, the plan's own
//! ordering.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::layout::{self, Deployment, Form};
use super::{escape, paths, render_template, Context, RenderError};
use crate::catalog;
use crate::plan::{Output, Parameter, Plan, Resource, Scope};

const TEMPLATE: &str = "arm/azuredeploy.json";
const PARAMS: &str = "arm/azuredeploy.parameters.json";

/// Embedded templates: (name, source).
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        TEMPLATE,
        include_str!("../../templates/arm/azuredeploy.json"),
    ),
    (
        PARAMS,
        include_str!("../../templates/arm/azuredeploy.parameters.json"),
    ),
];

const SCHEMA_GROUP: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
const SCHEMA_SUBSCRIPTION: &str =
    "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#";
const SCHEMA_PARAMETERS: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#";

/// Pretty JSON, two spaces per level, for a place `depth` levels deep.
pub fn print(v: &Value, depth: usize) -> String {
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    // JSON strings hold no raw line breaks, so every line break is the printer's.
    text.replace('\n', &format!("\n{}", "  ".repeat(depth)))
}

/// Where a template deploys to: a resource group (subscription when named) or, `None`, the
/// subscription itself.
type Home<'a> = Option<(Option<&'a str>, &'a str)>;

#[derive(Serialize)]
struct TemplateView {
    /// Top-level templates only: the generated-file header.
    header: Option<String>,
    version: &'static str,
    description: Option<String>,
    deploy: Option<String>,
    schema: &'static str,
    /// (name, definition spelled at depth 2).
    parameters: Vec<(String, String)>,
    /// Resources spelled at depth 2.
    resources: Vec<String>,
    /// (name, definition spelled at depth 2).
    outputs: Vec<(String, String)>,
}

#[derive(Serialize)]
struct ParamsView {
    schema: &'static str,
    /// (name, value spelled at depth 3).
    parameters: Vec<(String, String)>,
}

/// The files of this kind for one scenario: (path inside the scenario folder, contents).
pub fn render(plan: &Plan, ctx: &Context) -> Result<Vec<(String, String)>, RenderError> {
    let arm = Arm::new(plan);
    let deployments = layout::deployments(plan);
    let (view, used) = match plan.scope {
        Scope::ResourceGroup => {
            let created: Vec<&Resource> = deployments
                .iter()
                .flat_map(|d| d.resources.iter().copied())
                .collect();
            let outputs: Vec<&Output> = plan.outputs.iter().collect();
            let used = layout::used_parameters(plan, &created, false);
            let deploy = format!(
                "az deployment group create -g {} --template-file {} --parameters @{}",
                escape::shell(&plan.resource_group),
                paths::ARM,
                paths::ARM_PARAMS
            );
            let mut foreign = false;
            let home = Some((None, plan.resource_group.as_str()));
            let mut view = arm.group_template(home, &created, &outputs, &used, &mut foreign);
            view.header = Some(ctx.header.clone());
            view.description = Some(plan.description.clone());
            view.deploy = Some(deploy);
            (view, used)
        }
        Scope::Subscription => arm.subscription_template(ctx, &deployments)?,
    };
    let params = ParamsView {
        schema: SCHEMA_PARAMETERS,
        parameters: used
            .iter()
            .map(|p| {
                // A parameter file is data: its values are never evaluated as expressions.
                (p.name.clone(), print(&json!({ "value": p.default }), 2))
            })
            .collect(),
    };
    Ok(vec![
        (paths::ARM.to_string(), render_template(TEMPLATE, &view)?),
        (
            paths::ARM_PARAMS.to_string(),
            render_template(PARAMS, &params)?,
        ),
    ])
}

/// The `format()` string `'<prefix>{0}'`: the prefix's quotes and braces doubled.
fn format_with_hole(prefix: &str) -> String {
    let quoted = escape::arm_expr_string(&prefix.replace('{', "{{").replace('}', "}}"));
    format!("{}{{0}}'", &quoted[..quoted.len() - 1])
}

fn lit(s: &str) -> String {
    escape::arm_expr_string(s)
}

struct Arm<'p> {
    plan: &'p Plan,
}

impl<'p> Arm<'p> {
    fn new(plan: &'p Plan) -> Self {
        Self { plan }
    }

    fn resource(&self, symbol: &str) -> Option<&'p Resource> {
        self.plan.resource(symbol)
    }

    /// The name segments of a resource, root first, as expression arguments.
    fn segments(&self, r: &Resource) -> Vec<String> {
        let mut chain = vec![r];
        while let Some(p) = chain
            .last()
            .and_then(|c| c.parent.as_deref())
            .and_then(|p| self.resource(p))
        {
            if chain.len() > self.plan.resources.len() {
                break;
            }
            chain.push(p);
        }
        chain
            .iter()
            .rev()
            .map(|c| match &c.name_expr {
                Some(e) => expression(e).unwrap_or_else(|| lit(&c.name)),
                None => lit(&c.name),
            })
            .collect()
    }

    /// The `name` of a resource written at the top level: `parent/child` for children.
    fn name(&self, r: &Resource) -> Value {
        if self.chain_is_literal(r) {
            let mut names = Vec::new();
            let mut at = Some(r);
            while let Some(c) = at {
                names.push(c.name.as_str());
                at = c.parent.as_deref().and_then(|p| self.resource(p));
                if names.len() > self.plan.resources.len() {
                    break;
                }
            }
            names.reverse();
            return Value::String(escape::arm(&names.join("/")));
        }
        let segments = self.segments(r);
        if segments.len() == 1 {
            return Value::String(format!("[{}]", segments[0]));
        }
        let holes: Vec<String> = (0..segments.len()).map(|i| format!("{{{i}}}")).collect();
        Value::String(format!(
            "[format('{}', {})]",
            holes.join("/"),
            segments.join(", ")
        ))
    }

    fn chain_is_literal(&self, r: &Resource) -> bool {
        let mut at = Some(r);
        let mut hops = 0;
        while let Some(c) = at {
            if c.name_expr.is_some() {
                return false;
            }
            at = c.parent.as_deref().and_then(|p| self.resource(p));
            hops += 1;
            if hops > self.plan.resources.len() {
                break;
            }
        }
        true
    }

    /// The resource id of `symbol` as an expression (no brackets), seen from `home`; `foreign`
    /// is set when it needs the deploying subscription from a template that runs elsewhere.
    fn id(&self, symbol: &str, home: Home, foreign: &mut bool) -> String {
        let Some(r) = self.resource(symbol) else {
            return lit(symbol);
        };
        let ty = lit(&r.ty);
        let segments = self.segments(r).join(", ");
        if let Some(extended) = &r.scope {
            let scope = self.id(extended, home, foreign);
            return format!("extensionResourceId({scope}, {ty}, {segments})");
        }
        let (sub, rg) = layout::home(self.plan, r);
        let rg_lit = lit(rg);
        match home {
            Some((hsub, hrg))
                if rg.eq_ignore_ascii_case(hrg)
                    && sub.map(str::to_lowercase) == hsub.map(str::to_lowercase) =>
            {
                format!("resourceId({ty}, {segments})")
            }
            Some((hsub, _)) => match sub {
                Some(s) => format!("resourceId({}, {rg_lit}, {ty}, {segments})", lit(s)),
                None if hsub.is_some() => {
                    *foreign = true;
                    format!(
                        "resourceId(parameters('{}'), {rg_lit}, {ty}, {segments})",
                        layout::DEPLOYING_SUBSCRIPTION
                    )
                }
                None => format!("resourceId({rg_lit}, {ty}, {segments})"),
            },
            None => {
                let sub = sub.map_or_else(|| "subscription().subscriptionId".to_string(), lit);
                format!(
                    "extensionResourceId(format('/subscriptions/{{0}}/resourceGroups/{{1}}', {sub}, {rg_lit}), {ty}, {segments})"
                )
            }
        }
    }

    /// A plan value as ARM JSON: strings escaped, special forms as expressions.
    fn value(&self, v: &Value, home: Home, foreign: &mut bool) -> Value {
        match v {
            Value::String(s) => Value::String(escape::arm(s)),
            Value::Array(a) => {
                Value::Array(a.iter().map(|x| self.value(x, home, foreign)).collect())
            }
            Value::Object(m) => match layout::form(m) {
                Some(Form::Ref(symbol)) => {
                    Value::String(format!("[{}]", self.id(symbol, home, foreign)))
                }
                Some(_) => Value::String(format!("[{}]", expression(v).unwrap_or_default())),
                None => Value::Object(
                    m.iter()
                        .map(|(k, x)| (k.clone(), self.value(x, home, foreign)))
                        .collect(),
                ),
            },
            other => other.clone(),
        }
    }

    /// One resource of a template deploying `here` into `home`.
    fn resource_json(
        &self,
        r: &Resource,
        here: &HashSet<&str>,
        home: Home,
        foreign: &mut bool,
    ) -> Value {
        let mut o = Map::new();
        o.insert("type".into(), json!(r.ty));
        o.insert("apiVersion".into(), json!(r.api_version));
        o.insert("name".into(), self.name(r));
        if let Some(extended) = r.scope.as_deref().and_then(|s| self.resource(s)) {
            o.insert("scope".into(), self.scope_of(extended, here, home, foreign));
        }
        let mut put = |key: &str, v: &Option<Value>, o: &mut Map<String, Value>| {
            if let Some(v) = v {
                o.insert(key.into(), self.value(v, home, foreign));
            }
        };
        put("location", &r.location, &mut o);
        if r.tags {
            o.insert("tags".into(), json!("[parameters('tags')]"));
        }
        put("sku", &r.sku, &mut o);
        if let Some(kind) = &r.kind {
            o.insert("kind".into(), json!(escape::arm(kind)));
        }
        put("identity", &r.identity, &mut o);
        let properties = if r.properties.is_null() {
            json!({})
        } else {
            self.value(&r.properties, home, foreign)
        };
        o.insert("properties".into(), properties);
        let depends: Vec<Value> = layout::needs(r)
            .into_iter()
            .filter(|s| here.contains(s))
            .map(|s| json!(format!("[{}]", self.id(s, home, foreign))))
            .collect();
        if !depends.is_empty() {
            o.insert("dependsOn".into(), Value::Array(depends));
        }
        Value::Object(o)
    }

    /// The `scope` of an extension resource: the extended resource's type and name, relative
    /// to the template's group when it is there (as Bicep writes it), else its full id.
    fn scope_of(
        &self,
        extended: &Resource,
        here: &HashSet<&str>,
        home: Home,
        foreign: &mut bool,
    ) -> Value {
        if here.contains(extended.symbol.as_str()) && extended.parent.is_none() {
            let segments = self.segments(extended);
            return json!(format!(
                "[format({}, {})]",
                format_with_hole(&format!("{}/", extended.ty)),
                segments.join(", ")
            ));
        }
        json!(format!("[{}]", self.id(&extended.symbol, home, foreign)))
    }

    fn parameter_definitions(&self, used: &[&Parameter], defaults: bool) -> Vec<(String, String)> {
        used.iter()
            .map(|p| {
                let mut d = Map::new();
                d.insert("type".into(), json!(p.ty));
                if defaults {
                    d.insert(
                        "defaultValue".into(),
                        self.value(&p.default, None, &mut false),
                    );
                }
                if !p.allowed.is_empty() {
                    d.insert(
                        "allowedValues".into(),
                        Value::Array(p.allowed.iter().map(|a| json!(escape::arm(a))).collect()),
                    );
                }
                d.insert(
                    "metadata".into(),
                    json!({ "description": escape::arm(&p.description) }),
                );
                (p.name.clone(), print(&Value::Object(d), 2))
            })
            .collect()
    }

    /// A template deploying `created` into one resource group.
    fn group_template(
        &self,
        home: Home,
        created: &[&Resource],
        outputs: &[&Output],
        used: &[&Parameter],
        foreign: &mut bool,
    ) -> TemplateView {
        let here: HashSet<&str> = created.iter().map(|r| r.symbol.as_str()).collect();
        let resources = created
            .iter()
            .map(|r| print(&self.resource_json(r, &here, home, foreign), 2))
            .collect();
        let outputs = outputs
            .iter()
            .map(|o| {
                let v = self.value(&o.value, home, foreign);
                (
                    o.name.clone(),
                    print(&json!({ "type": "string", "value": v }), 2),
                )
            })
            .collect();
        let mut parameters = self.parameter_definitions(used, true);
        if *foreign {
            let d = json!({
                "type": "string",
                "metadata": { "description": layout::DEPLOYING_SUBSCRIPTION_DESCRIPTION },
            });
            parameters.push((layout::DEPLOYING_SUBSCRIPTION.to_string(), print(&d, 2)));
        }
        TemplateView {
            header: None,
            version: env!("CARGO_PKG_VERSION"),
            description: None,
            deploy: None,
            schema: SCHEMA_GROUP,
            parameters,
            resources,
            outputs,
        }
    }

    /// The subscription-scope template: the groups to create, one nested deployment per
    /// layout deployment, and the outputs.
    fn subscription_template(
        &self,
        ctx: &Context,
        deployments: &[Deployment],
    ) -> Result<(TemplateView, Vec<&'p Parameter>), RenderError> {
        let deployment_id = |d: &Deployment| {
            let sub = d
                .subscription
                .map_or_else(|| "subscription().subscriptionId".to_string(), lit);
            format!(
                "extensionResourceId(format('/subscriptions/{{0}}/resourceGroups/{{1}}', {sub}, {}), {}, {})",
                lit(d.resource_group),
                lit(catalog::DEPLOYMENT.name),
                lit(&d.name)
            )
        };
        let created_groups: Vec<_> = layout::created_groups(self.plan).collect();
        let mut resources = Vec::new();
        for g in &created_groups {
            let group = json!({
                "type": catalog::RESOURCE_GROUP.name,
                "apiVersion": catalog::RESOURCE_GROUP.api_version,
                "name": escape::arm(&g.name),
                "location": self.value(&layout::group_location(self.plan, g), None, &mut false),
                "tags": "[parameters('tags')]",
                "properties": {},
            });
            resources.push(print(&group, 2));
        }
        let mut all_used: Vec<&Parameter> = Vec::new();
        for d in deployments {
            let outputs: Vec<&Output> = self
                .plan
                .outputs
                .iter()
                .filter(|o| layout::output_symbol(o).is_some_and(|s| d.holds(s)))
                .collect();
            let used = layout::used_parameters(self.plan, &d.resources, false);
            let mut foreign = false;
            let mut inner = self.group_template(
                Some((d.subscription, d.resource_group)),
                &d.resources,
                &outputs,
                &used,
                &mut foreign,
            );
            // Inner templates get every value from the outer one: no defaults.
            inner.parameters = self.parameter_definitions(&used, false);
            if foreign {
                let def = json!({
                    "type": "string",
                    "metadata": { "description": layout::DEPLOYING_SUBSCRIPTION_DESCRIPTION },
                });
                inner
                    .parameters
                    .push((layout::DEPLOYING_SUBSCRIPTION.to_string(), print(&def, 2)));
            }
            inner.description = Some(format!(
                "Deployment {} of {}: resource group {}",
                d.index,
                deployments.len(),
                d.resource_group
            ));
            let text = render_template(TEMPLATE, &inner)?;
            let template: Value = serde_json::from_str(&text)
                .map_err(|e| RenderError::Json(format!("inner template {}", d.name), e))?;

            let mut passed = Map::new();
            for p in &used {
                passed.insert(
                    p.name.clone(),
                    json!({ "value": format!("[parameters('{}')]", p.name) }),
                );
                if !all_used.iter().any(|q| q.name == p.name) {
                    all_used.push(p);
                }
            }
            if foreign {
                passed.insert(
                    layout::DEPLOYING_SUBSCRIPTION.to_string(),
                    json!({ "value": "[subscription().subscriptionId]" }),
                );
            }
            let mut depends: Vec<Value> = Vec::new();
            if d.subscription.is_none()
                && created_groups
                    .iter()
                    .any(|g| g.name.eq_ignore_ascii_case(d.resource_group))
            {
                depends.push(json!(format!(
                    "[subscriptionResourceId({}, {})]",
                    lit(catalog::RESOURCE_GROUP.name),
                    lit(d.resource_group)
                )));
            }
            for &i in &d.needs {
                depends.push(json!(format!("[{}]", deployment_id(&deployments[i - 1]))));
            }
            let mut o = Map::new();
            o.insert("type".into(), json!(catalog::DEPLOYMENT.name));
            o.insert("apiVersion".into(), json!(catalog::DEPLOYMENT.api_version));
            o.insert("name".into(), json!(escape::arm(&d.name)));
            if let Some(sub) = d.subscription {
                o.insert("subscriptionId".into(), json!(escape::arm(sub)));
            }
            o.insert("resourceGroup".into(), json!(escape::arm(d.resource_group)));
            o.insert(
                "properties".into(),
                json!({
                    "expressionEvaluationOptions": { "scope": "inner" },
                    "mode": "Incremental",
                    "parameters": passed,
                    "template": template,
                }),
            );
            if !depends.is_empty() {
                o.insert("dependsOn".into(), Value::Array(depends));
            }
            resources.push(print(&Value::Object(o), 2));
        }
        for p in &self.plan.parameters {
            let by_groups = created_groups.iter().any(|g| {
                p.name == "tags"
                    || layout::group_location(self.plan, g) == json!({ "$param": p.name })
            });
            if by_groups && !all_used.iter().any(|q| q.name == p.name) {
                all_used.push(p);
            }
        }
        let used: Vec<&Parameter> = self
            .plan
            .parameters
            .iter()
            .filter(|p| all_used.iter().any(|q| q.name == p.name))
            .collect();

        let mut outputs = Vec::new();
        for o in &self.plan.outputs {
            let Some(sym) = layout::output_symbol(o) else {
                continue;
            };
            let value = match deployments.iter().find(|d| d.holds(sym)) {
                Some(d) => format!(
                    "[reference({}, {}).outputs.{}.value]",
                    deployment_id(d),
                    lit(catalog::DEPLOYMENT.api_version),
                    o.name
                ),
                None => format!("[{}]", self.id(sym, None, &mut false)),
            };
            outputs.push((
                o.name.clone(),
                print(&json!({ "type": "string", "value": value }), 2),
            ));
        }
        let deploy = format!(
            "az deployment sub create -l {} --template-file {} --parameters @{}",
            escape::shell(&self.plan.location),
            paths::ARM,
            paths::ARM_PARAMS
        );
        let view = TemplateView {
            header: Some(ctx.header.clone()),
            version: env!("CARGO_PKG_VERSION"),
            description: Some(self.plan.description.clone()),
            deploy: Some(deploy),
            schema: SCHEMA_SUBSCRIPTION,
            parameters: self.parameter_definitions(&used, true),
            resources,
            outputs,
        };
        Ok((view, used))
    }
}

/// A special form other than `$ref` as an expression (no brackets).
fn expression(v: &Value) -> Option<String> {
    let Value::Object(m) = v else { return None };
    match layout::form(m)? {
        Form::Param(p) => Some(format!("parameters({})", lit(p))),
        Form::Env { prefix, suffix } => Some(format!(
            "format({}, environment().suffixes.{suffix})",
            format_with_hole(prefix)
        )),
        Form::Tenant => Some("subscription().tenantId".to_string()),
        Form::Ref(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_become_format_expressions() {
        let v = json!({ "$env": "storage", "$prefix": "privatelink.blob." });
        assert_eq!(
            expression(&v).as_deref(),
            Some("format('privatelink.blob.{0}', environment().suffixes.storage)")
        );
        let v = json!({ "$env": "acrLoginServer", "$prefix": "it's{x}" });
        assert_eq!(
            expression(&v).as_deref(),
            Some("format('it''s{{x}}{0}', environment().suffixes.acrLoginServer)")
        );
    }

    #[test]
    fn printing_indents_nested_lines() {
        assert_eq!(
            print(&json!({ "a": [1] }), 1),
            "{\n    \"a\": [\n      1\n    ]\n  }"
        );
    }
}
