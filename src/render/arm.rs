//! ARM JSON: `azuredeploy.json` and `azuredeploy.parameters.json`. The same resources, types,
//! API versions, names and properties as the Bicep, cut into the same deployments
//! ([`super::layout`]): at subscription scope, one nested `Microsoft.Resources/deployments` per
//! resource group and stage, each with an inline template evaluated in its own (`inner`) scope
//! and given the parameters it uses, ordered by `dependsOn` between the deployments. An inline
//! template is `templates/arm/azuredeploy.json` rendered as its own file would be, which the
//! outer template moves to where it stands.
//!
//! ARM infers no dependency from `resourceId()`, so a resource's `dependsOn` lists everything
//! it needs that its template deploys: parent, extended resource, references, the plan's own
//! ordering. This module spells the plan's values: strings as literals, special forms and
//! references as template expressions.

use std::cell::Cell;
use std::collections::HashSet;

use serde::{Serialize, Serializer};
use serde_json::Value;

use super::layout::{self, Deploy, Deployment, Form, Layout, Param};
use super::{escape, paths, Context, RenderError, Templates};
use crate::catalog;
use crate::plan::{Output, Parameter, Plan, Resource, Scope};

const TEMPLATE: &str = "arm/azuredeploy.json";
const PARAMS: &str = "arm/azuredeploy.parameters.json";

/// An ARM template: a whole `azuredeploy.json`, or the inline template of a nested deployment.
/// Every value in it (`default`, `location`, `properties`, ...) is spelled JSON for a place
/// three levels deep, where the keys of a resource, a parameter or an output sit.
#[derive(Serialize)]
struct Template<'a> {
    /// Top-level templates only: the generated-file header, the plan's description, how to
    /// deploy.
    header: Option<&'a str>,
    description: Option<&'a str>,
    deploy: Option<&'a Deploy<'a>>,
    /// Inline templates only: their deployment, of `count`.
    deployment: Option<&'a Deployment<'a>>,
    count: usize,
    version: &'static str,
    parameters: Vec<Param<'a>>,
    /// The parameter that passes the deploying subscription, when the template needs it.
    deploying: Option<&'static str>,
    resources: Vec<Item<'a>>,
    outputs: Vec<Named<'a>>,
}

/// An output, or a value of the parameter file.
#[derive(Serialize)]
struct Named<'a> {
    name: &'a str,
    value: String,
}

/// A template's resource: a plan resource, a created group, or a nested deployment. Its
/// `name`, `scope` and `depends_on` are string values (expressions in brackets).
#[derive(Serialize)]
#[serde(tag = "item", rename_all = "lowercase")]
enum Item<'a> {
    Resource {
        #[serde(rename = "type")]
        ty: &'a str,
        api_version: &'a str,
        name: String,
        scope: Option<String>,
        location: Option<String>,
        tags: bool,
        sku: Option<String>,
        kind: Option<&'a str>,
        identity: Option<String>,
        properties: String,
        depends_on: Vec<String>,
    },
    Group {
        #[serde(rename = "type")]
        ty: &'a str,
        api_version: &'a str,
        name: &'a str,
        location: String,
    },
    Deployment {
        #[serde(rename = "type")]
        ty: &'a str,
        api_version: &'a str,
        deployment: &'a Deployment<'a>,
        /// The parameters it passes on.
        parameters: Vec<&'a str>,
        deploying: Option<&'static str>,
        /// Its inline template, rendered.
        template: tera::Value,
        depends_on: Vec<String>,
    },
}

/// `azuredeploy.parameters.json`.
#[derive(Serialize)]
struct ParamsFile<'a> {
    parameters: Vec<Named<'a>>,
}

/// The files of this kind for one scenario: (path inside the scenario folder, contents).
pub fn render(
    t: &Templates,
    plan: &Plan,
    ctx: &Context,
) -> Result<Vec<(String, String)>, RenderError> {
    let arm = Arm::new(plan);
    let deploy = Deploy::new(plan, paths::ARM, paths::ARM_PARAMS);
    let (mut template, used) = match plan.scope {
        Scope::ResourceGroup => {
            let positions = arm.layout.created();
            let outputs: Vec<&Output> = plan.outputs.iter().collect();
            let used = arm.layout.used_parameters(&positions);
            let home = Some((None, plan.resource_group.as_str()));
            let template = arm.group_template(home, &positions, &outputs, &used, true);
            (template, used)
        }
        Scope::Subscription => arm.subscription_template(t)?,
    };
    template.header = Some(ctx.header.as_str()).filter(|s| !s.is_empty());
    template.description = Some(plan.description.as_str()).filter(|s| !s.is_empty());
    template.deploy = Some(&deploy);
    // A parameter file is data: its values are never evaluated as expressions.
    let parameters = used.iter().map(|p| Named {
        name: &p.name,
        value: json(&p.default),
    });
    let parameters = parameters.collect();
    let params = t.render(PARAMS, ParamsFile { parameters })?;
    // The view goes once it is the template's context: a large plan's is as big as its text.
    let text = t.render(TEMPLATE, template)?;
    Ok(vec![
        (paths::ARM.to_string(), text),
        (paths::ARM_PARAMS.to_string(), params),
    ])
}

/// Pretty JSON, two spaces per level, for a place three levels deep (see [`Template`]).
fn json(v: &impl Serialize) -> String {
    let text = serde_json::to_string_pretty(v).expect("JSON values serialize");
    text.replace('\n', "\n      ")
}

/// A parameter's default value, which is data (the tags, whose names may be `$ref` or
/// anything else): strings escaped so none is an expression. Whether ARM evaluates property
/// names is not documented, so an object with a name that would be an expression
/// (`catalog::ARM_EXPRESSION`) is written `[json('...')]`, where the whole value is one string
/// literal.
fn literal_default(v: &Value) -> String {
    fn expression_key(v: &Value) -> bool {
        let (open, close) = catalog::ARM_EXPRESSION;
        match v {
            Value::Object(m) => m
                .iter()
                .any(|(k, x)| (k.starts_with(open) && k.ends_with(close)) || expression_key(x)),
            Value::Array(a) => a.iter().any(expression_key),
            _ => false,
        }
    }
    fn escaped(v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(escape::arm(s)),
            Value::Array(a) => Value::Array(a.iter().map(escaped).collect()),
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, x)| (k.clone(), escaped(x))).collect())
            }
            other => other.clone(),
        }
    }
    if expression_key(v) {
        let text = serde_json::to_string(v).expect("JSON values serialize");
        json(&format!("[json({})]", lit(&text)))
    } else {
        json(&escaped(v))
    }
}

/// A string literal inside an expression.
fn lit(s: &str) -> String {
    escape::arm_expr_string(s)
}

/// The `format()` string `'<prefix>{0}'`: the prefix's quotes and braces doubled.
fn format_with_hole(prefix: &str) -> String {
    let doubled = prefix
        .replace('\'', "''")
        .replace('{', "{{")
        .replace('}', "}}");
    format!("'{doubled}{{0}}'")
}

/// A special form other than `$ref` as an expression (no brackets).
fn expression(v: &Value) -> Option<String> {
    let Value::Object(m) = v else { return None };
    Some(match layout::form(m)? {
        Form::Param(p) => format!("parameters({})", lit(p)),
        Form::Env { prefix, suffix } => {
            format!(
                "format({}, environment().suffixes.{suffix})",
                format_with_hole(prefix)
            )
        }
        Form::Tenant => "subscription().tenantId".to_string(),
        Form::Role(id) => format!(
            "subscriptionResourceId({}, {})",
            lit(catalog::ROLE_DEFINITIONS),
            lit(id)
        ),
        Form::Ref(_) | Form::Principal(_) | Form::Guid(_) => return None,
    })
}

/// Where a template deploys to: a resource group (subscription when named) or, `None`, the
/// subscription itself.
type Home<'a> = Option<(Option<&'a str>, &'a str)>;

/// A plan value as a template spells it: strings as literals, special forms as expressions,
/// seen from `home`; `foreign` is set when a reference needs the deploying subscription.
#[derive(Clone, Copy)]
struct Spelled<'a> {
    arm: &'a Arm<'a>,
    value: &'a Value,
    home: Home<'a>,
    foreign: &'a Cell<bool>,
}

impl Serialize for Spelled<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let at = |value| Spelled { value, ..*self };
        match self.value {
            Value::String(text) => s.serialize_str(&escape::arm(text)),
            Value::Array(a) => s.collect_seq(a.iter().map(at)),
            Value::Object(m) => match layout::form(m) {
                Some(Form::Ref(symbol)) => s.serialize_str(&format!(
                    "[{}]",
                    self.arm.id(symbol, self.home, self.foreign)
                )),
                Some(_) => s.serialize_str(&format!(
                    "[{}]",
                    self.arm.expr(self.value, self.home, self.foreign)
                )),
                None => s.collect_map(m.iter().map(|(k, v)| (k, at(v)))),
            },
            other => other.serialize(s),
        }
    }
}

struct Arm<'p> {
    plan: &'p Plan,
    layout: Layout<'p>,
    /// Per resource (by place in the plan): its type and name segments (root first), the
    /// arguments of its `resourceId()` after the scope.
    tails: Vec<String>,
}

impl<'p> Arm<'p> {
    fn new(plan: &'p Plan) -> Self {
        let layout = Layout::new(plan);
        let mut arm = Self {
            plan,
            layout,
            tails: Vec::new(),
        };
        // One at a time: a derived name (`$guid`) spells the ids of resources before it.
        for r in &plan.resources {
            let tail = format!("{}, {}", lit(&r.ty), arm.segments(r).join(", "));
            arm.tails.push(tail);
        }
        arm
    }

    /// A value as an expression (no brackets), seen from `home`: literals as string literals,
    /// special forms as ARM spells them.
    fn expr(&self, v: &Value, home: Home, foreign: &Cell<bool>) -> String {
        let Value::Object(m) = v else {
            return match v {
                Value::String(text) => lit(text),
                other => other.to_string(),
            };
        };
        match layout::form(m) {
            Some(Form::Ref(symbol)) => self.id(symbol, home, foreign),
            Some(Form::Principal(symbol)) => {
                let api = self
                    .resource(symbol)
                    .map_or("", |(_, r)| r.api_version.as_str());
                format!(
                    "reference({}, {}, 'full').identity.principalId",
                    self.id(symbol, home, foreign),
                    lit(api)
                )
            }
            Some(Form::Guid(items)) => {
                let args: Vec<String> = items.iter().map(|x| self.expr(x, home, foreign)).collect();
                format!("guid({})", args.join(", "))
            }
            _ => expression(v).unwrap_or_default(),
        }
    }

    fn resource(&self, symbol: &str) -> Option<(usize, &'p Resource)> {
        let p = self.layout.position(symbol)?;
        Some((p, &self.plan.resources[p]))
    }

    /// A resource and its ancestors, root first.
    fn chain<'r>(&'r self, r: &'r Resource) -> Vec<&'r Resource> {
        let mut chain = vec![r];
        while let Some((_, p)) = chain
            .last()
            .and_then(|c| c.parent.as_deref())
            .and_then(|p| self.resource(p))
        {
            if chain.len() > self.plan.resources.len() {
                break;
            }
            chain.push(p);
        }
        chain.reverse();
        chain
    }

    /// The name segments of a resource, root first, as expression arguments.
    fn segments(&self, r: &Resource) -> Vec<String> {
        // A derived name spells ids as its own template sees them.
        let segment = |c: &Resource| match &c.name_expr {
            Some(e) => {
                let home = self
                    .layout
                    .position(&c.symbol)
                    .map(|p| self.layout.homes[p]);
                self.expr(e, home, &Cell::new(false))
            }
            None => lit(&c.name),
        };
        self.chain(r).into_iter().map(segment).collect()
    }

    /// The `name` of a resource written at the top level: `parent/child` for children.
    fn name(&self, r: &Resource) -> String {
        let chain = self.chain(r);
        if chain.iter().all(|c| c.name_expr.is_none()) {
            let names: Vec<&str> = chain.iter().map(|c| c.name.as_str()).collect();
            return escape::arm(&names.join("/"));
        }
        let segments = self.segments(r);
        if segments.len() == 1 {
            return format!("[{}]", segments[0]);
        }
        let holes: Vec<String> = (0..segments.len()).map(|i| format!("{{{i}}}")).collect();
        format!("[format('{}', {})]", holes.join("/"), segments.join(", "))
    }

    /// The resource id of `symbol` as an expression (no brackets), seen from `home`; `foreign`
    /// is set when it needs the deploying subscription from a template that runs elsewhere.
    fn id(&self, symbol: &str, home: Home, foreign: &Cell<bool>) -> String {
        let Some((p, r)) = self.resource(symbol) else {
            return lit(symbol);
        };
        let Some(tail) = self.tails.get(p) else {
            return lit(symbol);
        };
        if let Some(extended) = &r.scope {
            return format!(
                "extensionResourceId({}, {tail})",
                self.id(extended, home, foreign)
            );
        }
        let (sub, rg) = self.layout.homes[p];
        match home {
            Some((hsub, hrg))
                if rg.eq_ignore_ascii_case(hrg) && layout::same_subscription(sub, hsub) =>
            {
                format!("resourceId({tail})")
            }
            Some((hsub, _)) => {
                let sub = match sub {
                    Some(s) => format!("{}, ", lit(s)),
                    None if hsub.is_some() => {
                        foreign.set(true);
                        format!("parameters('{}'), ", layout::DEPLOYING_SUBSCRIPTION)
                    }
                    None => String::new(),
                };
                format!("resourceId({sub}{}, {tail})", lit(rg))
            }
            None => {
                let sub = sub.map_or_else(|| "subscription().subscriptionId".to_string(), lit);
                format!("extensionResourceId({}, {tail})", group_id(&sub, rg))
            }
        }
    }

    /// `v` spelled, seen from `home`.
    fn value(&self, v: &Value, home: Home, foreign: &Cell<bool>) -> String {
        json(&Spelled {
            arm: self,
            value: v,
            home,
            foreign,
        })
    }

    /// The resource at `position` in the plan, in a template deploying `here` into `home`.
    fn item(
        &self,
        position: usize,
        here: &HashSet<&str>,
        home: Home,
        foreign: &Cell<bool>,
    ) -> Item<'p> {
        let r = &self.plan.resources[position];
        let value = |v: &Option<Value>| v.as_ref().map(|v| self.value(v, home, foreign));
        // An extension resource's scope: the extended resource's type and name, relative to
        // the template's group when it is there (as Bicep writes it), else its full id.
        let scope = r
            .scope
            .as_deref()
            .and_then(|s| self.resource(s))
            .map(|(_, e)| {
                if here.contains(e.symbol.as_str()) && e.parent.is_none() {
                    let hole = format_with_hole(&format!("{}/", e.ty));
                    format!("[format({hole}, {})]", self.segments(e).join(", "))
                } else {
                    format!("[{}]", self.id(&e.symbol, home, foreign))
                }
            });
        let needs = self.layout.needs[position]
            .iter()
            .filter(|s| here.contains(*s));
        Item::Resource {
            ty: &r.ty,
            api_version: &r.api_version,
            name: self.name(r),
            scope,
            location: value(&r.location),
            tags: r.tags,
            sku: value(&r.sku),
            kind: r.kind.as_deref(),
            identity: value(&r.identity),
            properties: if r.properties.is_null() {
                "{}".to_string()
            } else {
                self.value(&r.properties, home, foreign)
            },
            depends_on: needs
                .map(|s| format!("[{}]", self.id(s, home, foreign)))
                .collect(),
        }
    }

    /// A template deploying the resources at `positions` in the plan into one resource group,
    /// with `outputs` and the parameters `used` (`defaults`: with their default values).
    fn group_template(
        &self,
        home: Home,
        positions: &[usize],
        outputs: &[&'p Output],
        used: &[&'p Parameter],
        defaults: bool,
    ) -> Template<'p> {
        let foreign = Cell::new(false);
        let here: HashSet<&str> = positions
            .iter()
            .map(|&p| self.plan.resources[p].symbol.as_str())
            .collect();
        let resources = positions
            .iter()
            .map(|&p| self.item(p, &here, home, &foreign))
            .collect();
        let outputs = outputs.iter().map(|o| Named {
            name: &o.name,
            value: self.value(&o.value, home, &foreign),
        });
        Template {
            outputs: outputs.collect(),
            resources,
            deploying: foreign.get().then_some(layout::DEPLOYING_SUBSCRIPTION),
            ..self.template(used, defaults)
        }
    }

    /// A template with nothing in it but the parameters `used`.
    fn template(&self, used: &[&'p Parameter], defaults: bool) -> Template<'p> {
        let default = |p: &Parameter| defaults.then(|| literal_default(&p.default));
        Template {
            header: None,
            description: None,
            deploy: None,
            deployment: None,
            count: self.layout.deployments.len(),
            version: env!("CARGO_PKG_VERSION"),
            parameters: used.iter().map(|p| Param::new(p, default(p))).collect(),
            deploying: None,
            resources: Vec::new(),
            outputs: Vec::new(),
        }
    }

    /// The subscription-scope template (its inline templates rendered with `t`): the groups
    /// to create, one nested deployment per deployment of the layout, and the outputs; and
    /// the parameters it declares.
    fn subscription_template<'r>(
        &'r self,
        t: &Templates,
    ) -> Result<(Template<'r>, Vec<&'p Parameter>), RenderError> {
        let deployments = &self.layout.deployments;
        // Each deployment's id, for those that wait for it.
        let ids: Vec<String> = deployments
            .iter()
            .map(|d| {
                let sub = d
                    .subscription
                    .map_or_else(|| "subscription().subscriptionId".to_string(), lit);
                let group = group_id(&sub, d.resource_group);
                format!(
                    "extensionResourceId({group}, {}, {})",
                    lit(catalog::DEPLOYMENT.name),
                    lit(&d.name)
                )
            })
            .collect();
        let created_groups = layout::created_groups(self.plan);
        let mut resources: Vec<Item> = created_groups
            .iter()
            .map(|g| Item::Group {
                ty: catalog::RESOURCE_GROUP.name,
                api_version: catalog::RESOURCE_GROUP.api_version,
                name: &g.name,
                location: self.value(
                    &layout::group_location(self.plan, g),
                    None,
                    &Cell::new(false),
                ),
            })
            .collect();
        let created_names: HashSet<String> = created_groups
            .iter()
            .map(|g| g.name.to_ascii_lowercase())
            .collect();
        for (d, outputs) in deployments.iter().zip(self.layout.outputs_of()) {
            let used = self.layout.used_parameters(&d.positions);
            let home = Some((d.subscription, d.resource_group));
            let inner = Template {
                deployment: Some(d),
                ..self.group_template(home, &d.positions, &outputs, &used, false)
            };
            let mut depends_on = Vec::new();
            if d.subscription.is_none()
                && created_names.contains(&d.resource_group.to_ascii_lowercase())
            {
                let (ty, rg) = (lit(catalog::RESOURCE_GROUP.name), lit(d.resource_group));
                depends_on.push(format!("[subscriptionResourceId({ty}, {rg})]"));
            }
            depends_on.extend(d.needs.iter().map(|&n| format!("[{}]", ids[n - 1])));
            resources.push(Item::Deployment {
                ty: catalog::DEPLOYMENT.name,
                api_version: catalog::DEPLOYMENT.api_version,
                deployment: d,
                parameters: used.iter().map(|p| p.name.as_str()).collect(),
                deploying: inner.deploying,
                template: t.render_piece(TEMPLATE, inner)?,
                depends_on,
            });
        }
        let api_version = lit(catalog::DEPLOYMENT.api_version);
        let mut outputs = Vec::new();
        for o in &self.plan.outputs {
            let Some(symbol) = layout::output_symbol(o) else {
                continue;
            };
            let value = match self.layout.holder(symbol) {
                Some(i) => format!(
                    "[reference({}, {api_version}).outputs.{}.value]",
                    ids[i], o.name
                ),
                None => format!("[{}]", self.id(symbol, None, &Cell::new(false))),
            };
            outputs.push(Named {
                name: &o.name,
                value: json(&value),
            });
        }
        let used = self.layout.subscription_parameters();
        let template = Template {
            resources,
            outputs,
            ..self.template(&used, true)
        };
        Ok((template, used))
    }
}

/// The id of a resource group, as an expression, from its subscription (an expression) and
/// name.
fn group_id(subscription: &str, name: &str) -> String {
    format!(
        "format('/subscriptions/{{0}}/resourceGroups/{{1}}', {subscription}, {})",
        lit(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
    fn values_are_spelled_three_levels_deep() {
        assert_eq!(
            json(&json!({ "a": [1] })),
            "{\n        \"a\": [\n          1\n        ]\n      }"
        );
    }
}
