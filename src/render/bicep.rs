//! Bicep: `main.bicep`, `main.bicepparam` and, when the deployment spans resource groups, one
//! module per resource group and stage ([`super::layout`]). Written the way Azure Verified
//! Modules are: the plan's lowerCamelCase symbols, `@description` on every parameter and
//! output, `parent:` for children, symbolic references instead of `resourceId()`, and no
//! `dependsOn` but the plan's own (references imply the rest).
//!
//! Across groups, a module declares what it uses from elsewhere as `existing` (scoped to that
//! group); `main.bicep` orders the modules with `dependsOn`, since no value passes between them.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt::{self, Write as _};
use std::rc::Rc;

use askama::{FastWritable, Template};
use heck::ToLowerCamelCase;
use serde_json::Value;

use super::escape::{self, writable, write_writable};
use super::layout::{self, CloudNeutral, Deployment, Form, Layout};
use super::stream::Text;
use super::{paths, Context, RenderError};
use crate::catalog;
use crate::fxhash::{FxHashMap, FxHashSet};
use crate::plan::{Output, Parameter, Plan, Resource, Scope};

const FILE: &str = "bicep/file.bicep";
const PARAMS: &str = "bicep/main.bicepparam";

/// Filters of the Bicep templates: `bicep`, the shared escaper (see `escape::filters`) but
/// writing its output straight into the file instead of building a string per value, and the
/// shared `comment`. It escapes exactly as `escape::bicep` does; a test holds it to it.
mod filters {
    use askama::FastWritable;

    pub use crate::render::escape::filters::comment;

    use super::BicepString;

    #[askama::filter_fn]
    pub fn bicep<T: FastWritable>(
        value: T,
        _: &dyn askama::Values,
    ) -> askama::Result<BicepString<T>> {
        Ok(BicepString(value))
    }
}

/// A Bicep string literal of the text, as [`escape::bicep`] writes it.
pub struct BicepString<T>(pub T);

writable! {
    impl[T: FastWritable] for BicepString<T> => |this, w| {
        w.write_char('\'')
            .and_then(|()| escaped(w, |e| write_writable(e, &this.0)))
            .and_then(|()| w.write_char('\''))
    };
    impl['a] for Code<'a> => |this, w| match this {
        Code::Value(v, depth) => {
            // Put together with plain string pushes, then written at once.
            let mut text = String::with_capacity(256);
            write_value(&mut text, v, *depth)?;
            w.write_str(&text)
        }
        Code::Literal(s) => literal(w, s),
        Code::Text(s) => w.write_str(s),
        Code::Group(sub, rg) => {
            w.write_str("resourceGroup(")?;
            match sub {
                Some(Subscription::Named(s)) => {
                    literal(w, s)?;
                    w.write_str(", ")?;
                }
                Some(Subscription::Deploying) => {
                    w.write_str(layout::DEPLOYING_SUBSCRIPTION)?;
                    w.write_str(", ")?;
                }
                None => {}
            }
            literal(w, rg)?;
            w.write_char(')')
        }
    };
    impl['a] for TypeRef<'a> => |this, w| {
        w.write_str(this.0)
            .and_then(|()| w.write_char('@'))
            .and_then(|()| w.write_str(this.1))
    };
}

/// A Bicep string literal of `s`, as [`escape::bicep`] writes it.
fn literal<W: fmt::Write + ?Sized>(w: &mut W, s: &str) -> fmt::Result {
    w.write_char('\'')?;
    escaped(w, |e| e.write_str(s))?;
    w.write_char('\'')
}

/// Writes what `text` writes, escaped as the inside of [`escape::bicep`]'s literal.
fn escaped<W: fmt::Write + ?Sized>(
    w: &mut W,
    text: impl FnOnce(&mut Escaper<'_, W>) -> fmt::Result,
) -> fmt::Result {
    let mut e = Escaper { w, dollar: false };
    text(&mut e)?;
    if e.dollar {
        e.w.write_char('$')?;
    }
    Ok(())
}

/// Escapes what is written through it as [`escape::bicep`] does. A `$` at the end of one
/// piece waits for the next: it is escaped only before `{`.
struct Escaper<'a, W: ?Sized> {
    w: &'a mut W,
    /// A `$` is pending.
    dollar: bool,
}

impl<W: fmt::Write + ?Sized> fmt::Write for Escaper<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let bytes = s.as_bytes();
        if bytes.is_empty() {
            return Ok(());
        }
        if self.dollar {
            self.dollar = false;
            self.w
                .write_str(if bytes[0] == b'{' { "\\$" } else { "$" })?;
        }
        // Most text has nothing to escape: one look at every byte (no early exit, which
        // vectorizes), then one write.
        let special = bytes.iter().fold(false, |any, &b| {
            any | matches!(b, b'\\' | b'\'' | b'$' | 0x00..=0x1F | 0x7F | 0xC2)
        });
        if !special {
            return self.w.write_str(s);
        }
        let mut run = 0;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let special = match b {
                b'\\' | b'\'' | b'$' | 0x00..=0x1F | 0x7F => true,
                // U+0080 to U+009F, control characters too.
                0xC2 => bytes.get(i + 1).is_some_and(|n| (0x80..=0x9F).contains(n)),
                _ => false,
            };
            if !special {
                i += 1;
                continue;
            }
            self.w.write_str(&s[run..i])?;
            let width = if b == 0xC2 { 2 } else { 1 };
            match b {
                b'\\' => self.w.write_str("\\\\")?,
                b'\'' => self.w.write_str("\\'")?,
                b'\n' => self.w.write_str("\\n")?,
                b'\r' => self.w.write_str("\\r")?,
                b'\t' => self.w.write_str("\\t")?,
                b'$' => match bytes.get(i + 1) {
                    Some(b'{') => self.w.write_str("\\$")?,
                    Some(_) => self.w.write_char('$')?,
                    None => self.dollar = true,
                },
                _ => {
                    let c = s[i..].chars().next().map_or(0, u32::from);
                    write!(self.w, "\\u{{{c:X}}}")?;
                }
            }
            i += width;
            run = i;
        }
        self.w.write_str(&s[run..])
    }
}

/// Spells a plan value in Bicep, two spaces per level, for a place `depth` levels deep.
/// `$ref`s become `<symbol>.id`: the file declares every resource it refers to.
pub fn value(v: &Value, depth: usize) -> String {
    Code::Value(v, depth).to_string()
}

fn write_value<W: fmt::Write + ?Sized>(w: &mut W, v: &Value, depth: usize) -> fmt::Result {
    match v {
        Value::Null => w.write_str("null"),
        Value::Bool(b) => w.write_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_f64() => {
            w.write_str("json(")?;
            literal(w, &n.to_string())?;
            w.write_char(')')
        }
        Value::Number(n) => write!(w, "{n}"),
        Value::String(s) => literal(w, s),
        Value::Array(a) if a.is_empty() => w.write_str("[]"),
        Value::Array(a) => {
            w.write_str("[\n")?;
            for x in a {
                pad(w, depth + 1)?;
                write_value(w, x, depth + 1)?;
                w.write_char('\n')?;
            }
            pad(w, depth)?;
            w.write_char(']')
        }
        Value::Object(m) => match layout::form(m) {
            Some(Form::Ref(symbol)) => {
                w.write_str(symbol)?;
                w.write_str(".id")
            }
            Some(Form::Param(name)) => w.write_str(name),
            Some(Form::Env { prefix, suffix }) => {
                w.write_char('\'')?;
                escaped(w, |e| e.write_str(prefix))?;
                w.write_str("${environment().suffixes.")?;
                w.write_str(suffix)?;
                w.write_str("}'")
            }
            Some(Form::Tenant) => w.write_str("subscription().tenantId"),
            None if m.is_empty() => w.write_str("{}"),
            None => {
                w.write_str("{\n")?;
                for (k, x) in m {
                    pad(w, depth + 1)?;
                    write_key(w, k)?;
                    w.write_str(": ")?;
                    write_value(w, x, depth + 1)?;
                    w.write_char('\n')?;
                }
                pad(w, depth)?;
                w.write_char('}')
            }
        },
    }
}

/// Two spaces per level.
fn pad<W: fmt::Write + ?Sized>(w: &mut W, depth: usize) -> fmt::Result {
    const SPACES: &str = "                                                                ";
    let mut n = 2 * depth;
    while n > 0 {
        let k = n.min(SPACES.len());
        w.write_str(&SPACES[..k])?;
        n -= k;
    }
    Ok(())
}

/// An object key: bare when it is an identifier, else a string literal.
fn write_key<W: fmt::Write + ?Sized>(w: &mut W, k: &str) -> fmt::Result {
    let mut chars = k.chars();
    let ident = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ident {
        w.write_str(k)
    } else {
        literal(w, k)
    }
}

/// Bicep code for a template to write as is.
enum Code<'a> {
    /// A plan value, spelled for a place `depth` levels deep.
    Value(&'a Value, usize),
    /// A string literal of this text.
    Literal(&'a str),
    /// Code already spelled.
    Text(Cow<'a, str>),
    /// `resourceGroup([<subscription>, ]<name>)`.
    Group(Option<Subscription<'a>>, &'a str),
}

/// The subscription of a resource group outside the file's.
#[derive(Clone, Copy)]
enum Subscription<'a> {
    /// Named by the scenario.
    Named(&'a str),
    /// The deploying one, passed to a file that runs in another
    /// ([`layout::DEPLOYING_SUBSCRIPTION`]).
    Deploying,
}

/// `<type>@<api version>`.
struct TypeRef<'a>(&'a str, &'a str);

/// A `.bicep` file: `main.bicep` or a module.
#[derive(Template)]
#[template(path = "bicep/file.bicep", escape = "none")]
struct FileView<'a> {
    header: &'a str,
    /// Comment lines under the header: how to deploy.
    notes: Vec<String>,
    target_scope: Option<&'static str>,
    params: Vec<ParamView<'a>>,
    groups: Vec<GroupView<'a>>,
    resources: Vec<ResourceView<'a>>,
    modules: Vec<ModuleView<'a>>,
    outputs: Vec<OutputView<'a>>,
}

struct ParamView<'a> {
    name: &'a str,
    ty: &'a str,
    description: &'a str,
    allowed: &'a [String],
    /// The default, spelled (main.bicep only; modules get every value from main.bicep).
    default: Option<Code<'a>>,
}

struct GroupView<'a> {
    symbol: String,
    type_ref: TypeRef<'a>,
    name: &'a str,
    location: Code<'a>,
}

struct ResourceView<'a> {
    comment: Cow<'a, str>,
    symbol: &'a str,
    type_ref: TypeRef<'a>,
    existing: bool,
    parent: Option<&'a str>,
    scope: Option<Code<'a>>,
    name: Code<'a>,
    location: Option<Code<'a>>,
    tags: bool,
    sku: Option<Code<'a>>,
    kind: Option<&'a str>,
    identity: Option<Code<'a>>,
    properties: Option<Code<'a>>,
    depends_on: Vec<&'a str>,
}

struct ModuleView<'a> {
    comment: String,
    symbol: String,
    path: String,
    name: String,
    scope: String,
    /// (module parameter, value).
    params: Vec<(&'a str, &'a str)>,
    depends_on: Vec<String>,
}

struct OutputView<'a> {
    name: &'a str,
    description: Cow<'a, str>,
    value: Code<'a>,
}

/// `main.bicepparam`.
#[derive(Template)]
#[template(path = "bicep/main.bicepparam", escape = "none")]
struct ParamsView<'a> {
    header: &'a str,
    using: &'static str,
    params: Vec<(&'a str, Code<'a>)>,
}

/// Text the templates test for truth: like an absent one, an empty one is left out.
fn present(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// The files of this kind for one scenario: (path inside the scenario folder, contents).
pub fn render<'a>(
    plan: &'a Plan,
    ctx: &'a Context,
) -> Result<Vec<(String, Text<'a>)>, RenderError> {
    let r = Rc::new(Renderer::new(plan));
    let deployments = &r.layout.deployments;
    let mut files = Vec::new();
    let main = match plan.scope {
        Scope::ResourceGroup => {
            let (created, positions) = r.layout.created();
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
                (&created, &positions),
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
            let mut outputs_of: Vec<Vec<&Output>> = vec![Vec::new(); deployments.len()];
            for o in &plan.outputs {
                if let Some(i) = layout::output_symbol(o).and_then(|s| r.layout.holder(s)) {
                    outputs_of[i].push(o);
                }
            }
            let outputs_of = Rc::new(outputs_of);
            let deploy: Rc<str> = deploy.into();
            // Each module is built here for the parameters main.bicep passes it, and again as
            // its file is written: the modules of a large estate are never all in memory.
            let mut modules = Vec::with_capacity(deployments.len());
            for (i, d) in deployments.iter().enumerate() {
                let view = r.module_file(ctx, i, &outputs_of[i], &deploy);
                modules.push(view.params.iter().map(|p| p.name).collect());
                let (r, outputs_of, deploy) =
                    (Rc::clone(&r), Rc::clone(&outputs_of), Rc::clone(&deploy));
                files.push((
                    paths::bicep_module_stage(d.resource_group, d.stage),
                    Text::stream(move |w| {
                        let view = r.module_file(ctx, i, &outputs_of[i], &deploy);
                        Template::write_into(&view, w)
                    }),
                ));
            }
            r.subscription_main(ctx, &modules, &deploy)
        }
    };
    let view = ParamsView {
        header: &ctx.header,
        using: paths::BICEP,
        params: plan
            .parameters
            .iter()
            .filter(|p| main.params.iter().any(|q| q.name == p.name))
            .map(|p| (p.name.as_str(), Code::Value(&p.default, 0)))
            .collect(),
    };
    files.push((paths::BICEP.to_string(), super::render(FILE, &main)?.into()));
    files.push((
        paths::BICEP_PARAMS.to_string(),
        super::render(PARAMS, &view)?.into(),
    ));
    Ok(files)
}

/// Where a file deploys to: (subscription when named, resource group).
type Home<'a> = (Option<&'a str>, &'a str);

struct Renderer<'p> {
    plan: &'p Plan,
    layout: Layout<'p>,
    neutral: CloudNeutral<'p>,
    /// Per resource (by place in the plan), its comment where another file declares it: many
    /// modules declare the same few resources.
    elsewhere: Vec<OnceCell<String>>,
}

impl<'p> Renderer<'p> {
    fn new(plan: &'p Plan) -> Self {
        Self {
            plan,
            layout: Layout::new(plan),
            elsewhere: vec![OnceCell::new(); plan.resources.len()],
            // Comments and descriptions spell env-dependent zone names the way the template does.
            neutral: CloudNeutral::new(plan, |prefix, suffix| {
                format!("{prefix}${{environment().suffixes.{suffix}}}")
            }),
        }
    }

    fn params(&self, used: &[&'p Parameter], defaults: bool) -> Vec<ParamView<'p>> {
        used.iter()
            .map(|p| ParamView {
                name: &p.name,
                ty: &p.ty,
                description: &p.description,
                allowed: &p.allowed,
                default: defaults.then_some(Code::Value(&p.default, 0)),
            })
            .collect()
    }

    /// The module of deployment `i` (subscription scope), which `deploy` deploys.
    fn module_file<'r>(
        &'r self,
        ctx: &'r Context,
        i: usize,
        outputs: &[&'r Output],
        deploy: &str,
    ) -> FileView<'r> {
        let deployments = &self.layout.deployments;
        let d = &deployments[i];
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
        let created = (&d.resources[..], &d.positions[..]);
        self.group_file(ctx, home, created, outputs, notes, false)
    }

    /// A file deployed into one resource group: `main.bicep` at resource-group scope, or a
    /// module. It declares `created` (the resources, and their places in the plan), and
    /// everything they (and `outputs`) refer to as `existing`.
    fn group_file<'r>(
        &'r self,
        ctx: &'r Context,
        home: Home,
        (created, positions): (&[&'r Resource], &[usize]),
        outputs: &[&'r Output],
        notes: Vec<String>,
        defaults: bool,
    ) -> FileView<'r> {
        let here: FxHashSet<&str> = created.iter().map(|r| r.symbol.as_str()).collect();
        let mut wanted: Vec<&str> = Vec::new();
        for (r, &p) in created.iter().zip(positions) {
            wanted.extend(r.parent.iter().chain(&r.scope).map(String::as_str));
            wanted.extend(self.layout.references(p));
        }
        wanted.extend(outputs.iter().filter_map(|o| layout::output_symbol(o)));
        let mut foreign = false;
        let mut resources = self.existing(&wanted, &here, Some(home), &mut foreign);
        resources.extend(created.iter().map(|r| self.resource(r, &here)));
        let mut params = self.params(&self.layout.used_parameters(positions, false), defaults);
        if foreign {
            params.push(ParamView {
                name: layout::DEPLOYING_SUBSCRIPTION,
                ty: "string",
                description: layout::DEPLOYING_SUBSCRIPTION_DESCRIPTION,
                allowed: &[],
                default: None,
            });
        }
        FileView {
            header: &ctx.header,
            notes,
            target_scope: None,
            params,
            groups: Vec::new(),
            resources,
            modules: Vec::new(),
            outputs: outputs
                .iter()
                .map(|o| OutputView {
                    name: &o.name,
                    description: self.neutral.apply(&o.description),
                    value: Code::Value(&o.value, 0),
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
        here: &FxHashSet<&str>,
        home: Option<Home>,
        foreign: &mut bool,
    ) -> Vec<ResourceView<'_>> {
        let mut need: FxHashSet<&str> = FxHashSet::default();
        let mut stack: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|s| !here.contains(s))
            .collect();
        let mut found: Vec<usize> = Vec::new();
        while let Some(s) = stack.pop() {
            if need.insert(s) {
                if let Some(i) = self.layout.position(s) {
                    let r = &self.plan.resources[i];
                    found.push(i);
                    stack.extend(r.parent.iter().chain(&r.scope).map(String::as_str));
                }
            }
        }
        found.sort_unstable();
        let plan: &'p Plan = self.plan;
        found
            .into_iter()
            .map(|i| {
                let r = &plan.resources[i];
                let scope = match (&r.parent, &r.scope) {
                    (Some(_), _) => None,
                    (None, Some(extended)) => Some(extended.as_str())
                        .filter(|s| !s.is_empty())
                        .map(|s| Code::Text(Cow::Borrowed(s))),
                    (None, None) => self.group_scope(r, home, foreign),
                };
                let comment = if r.existing {
                    self.neutral.apply(&r.purpose)
                } else {
                    Cow::Borrowed(
                        self.elsewhere[i]
                            .get_or_init(|| {
                                let text = format!("{} (deployed by another module)", r.purpose);
                                self.neutral.apply(&text).into_owned()
                            })
                            .as_str(),
                    )
                };
                ResourceView {
                    comment,
                    symbol: &r.symbol,
                    type_ref: TypeRef(&r.ty, &r.api_version),
                    existing: true,
                    parent: present(&r.parent),
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
    fn group_scope(
        &self,
        r: &'p Resource,
        home: Option<Home>,
        foreign: &mut bool,
    ) -> Option<Code<'p>> {
        let (sub, rg) = layout::home(self.plan, r);
        match (sub, home) {
            (s, Some((hs, hrg)))
                if rg.eq_ignore_ascii_case(hrg) && layout::same_subscription(s, hs) =>
            {
                None
            }
            (Some(s), _) => Some(Code::Group(Some(Subscription::Named(s)), rg)),
            (None, Some((Some(_), _))) => {
                *foreign = true;
                Some(Code::Group(Some(Subscription::Deploying), rg))
            }
            (None, _) => Some(Code::Group(None, rg)),
        }
    }

    fn resource(&self, r: &'p Resource, here: &FxHashSet<&str>) -> ResourceView<'p> {
        let spelled = |v: &'p Option<Value>| v.as_ref().map(|v| Code::Value(v, 1));
        ResourceView {
            comment: self.neutral.apply(&r.purpose),
            symbol: &r.symbol,
            type_ref: TypeRef(&r.ty, &r.api_version),
            existing: false,
            parent: present(&r.parent),
            scope: present(&r.scope).map(|s| Code::Text(Cow::Borrowed(s))),
            name: name(r),
            location: spelled(&r.location),
            tags: r.tags,
            sku: spelled(&r.sku),
            kind: present(&r.kind),
            identity: spelled(&r.identity),
            properties: Some(if r.properties.is_null() {
                Code::Text(Cow::Borrowed("{}"))
            } else {
                Code::Value(&r.properties, 1)
            }),
            // Only the plan's explicit ordering; on a resource that another module deploys,
            // the order of the modules keeps it.
            depends_on: r
                .depends_on
                .iter()
                .map(String::as_str)
                .filter(|d| here.contains(d))
                .collect(),
        }
    }

    /// `main.bicep` at subscription scope: the groups to create, one module per deployment
    /// (`module_params`: the parameters each declares), and the outputs, from the modules or
    /// from `existing` declarations.
    fn subscription_main<'r>(
        &'r self,
        ctx: &'r Context,
        module_params: &[Vec<&'r str>],
        deploy: &str,
    ) -> FileView<'r> {
        let deployments: &[Deployment] = &self.layout.deployments;
        // Symbols are the plan's, its parameters' names, and those made here.
        let mut made: FxHashSet<String> = FxHashSet::default();
        let mut unique = |base: String| {
            let taken = |s: &str| {
                self.layout.is_symbol(s)
                    || self.plan.parameters.iter().any(|p| p.name == s)
                    || made.contains(s)
            };
            let mut s = base.clone();
            let mut n = 2;
            while taken(&s) {
                s = format!("{base}{n}");
                n += 1;
            }
            made.insert(s.clone());
            s
        };
        let created_groups: Vec<_> = layout::created_groups(self.plan).collect();
        let groups: Vec<GroupView> = created_groups
            .iter()
            .map(|g| GroupView {
                symbol: unique(group_symbol(&g.name)),
                type_ref: TypeRef(
                    catalog::RESOURCE_GROUP.name,
                    catalog::RESOURCE_GROUP.api_version,
                ),
                name: &g.name,
                location: Code::Text(Cow::Owned(value(&layout::group_location(self.plan, g), 1))),
            })
            .collect();
        // The first created group of each name, compared as Azure does.
        let mut group_by_name: FxHashMap<String, usize> = FxHashMap::default();
        for (i, g) in created_groups.iter().enumerate() {
            group_by_name
                .entry(g.name.to_ascii_lowercase())
                .or_insert(i);
        }
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
                    .then(|| group_by_name.get(&d.resource_group.to_ascii_lowercase()))
                    .flatten()
                    .map(|&i| &groups[i]);
                let rg = escape::bicep(d.resource_group);
                let scope = match (created, d.subscription) {
                    (Some(g), _) => g.symbol.clone(),
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
                        .map(|&p| {
                            let v = if p == layout::DEPLOYING_SUBSCRIPTION {
                                "subscription().subscriptionId"
                            } else {
                                p
                            };
                            (p, v)
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
        // Created groups use `tags`, and `location` when one is in the plan's region.
        let at_plan_location = created_groups
            .iter()
            .any(|g| g.location.eq_ignore_ascii_case(&self.plan.location));
        let by_modules: FxHashSet<&str> = module_params.iter().flatten().copied().collect();
        let used: Vec<&Parameter> = self
            .plan
            .parameters
            .iter()
            .filter(|p| {
                let by_groups = !created_groups.is_empty()
                    && (p.name == "tags" || (at_plan_location && p.name == "location"));
                by_groups || by_modules.contains(p.name.as_str())
            })
            .collect();

        let mut outside: Vec<&str> = Vec::new();
        let mut outputs = Vec::new();
        for o in &self.plan.outputs {
            let Some(sym) = layout::output_symbol(o) else {
                continue;
            };
            let value = match self.layout.holder(sym) {
                Some(i) => [module_symbols[i].as_str(), ".outputs.", &o.name].concat(),
                None => {
                    outside.push(sym);
                    format!("{sym}.id")
                }
            };
            outputs.push(OutputView {
                name: &o.name,
                description: self.neutral.apply(&o.description),
                value: Code::Text(Cow::Owned(value)),
            });
        }
        let mut foreign = false;
        let resources = self.existing(&outside, &FxHashSet::default(), None, &mut foreign);
        FileView {
            header: &ctx.header,
            notes: vec![format!("Deploy: {deploy}")],
            target_scope: Some("subscription"),
            params: self.params(&used, true),
            groups,
            resources,
            modules,
            outputs,
        }
    }
}

fn name(r: &Resource) -> Code<'_> {
    match &r.name_expr {
        Some(e) => Code::Value(e, 1),
        None => Code::Literal(&r.name),
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
    fn streaming_escapers_match_the_shared_ones() {
        for t in escape::tricky_texts() {
            assert_eq!(BicepString(&t).to_string(), escape::bicep(&t), "{t:?}");
        }
        // A `$` that ends one piece of a displayed value still looks at the next piece.
        struct Pieces(&'static [&'static str]);
        impl FastWritable for Pieces {
            fn write_into(
                &self,
                dest: &mut dyn fmt::Write,
                _: &dyn askama::Values,
            ) -> askama::Result<()> {
                Ok(self.0.iter().try_for_each(|p| dest.write_str(p))?)
            }
        }
        for pieces in [
            &["a$", "{b}"][..],
            &["$", "", "{"],
            &["$", "x"],
            &["x$"],
            &["$", "$", "{"],
        ] {
            let whole: String = pieces.concat();
            assert_eq!(
                BicepString(Pieces(pieces)).to_string(),
                escape::bicep(&whole)
            );
        }
    }

    #[test]
    fn group_symbols_are_identifiers() {
        assert_eq!(group_symbol("rg-mlw-prod"), "rgMlwProd");
        assert_eq!(group_symbol("networking"), "rgNetworking");
        assert_eq!(group_symbol("1-net(a)"), "rg1netA");
    }
}
