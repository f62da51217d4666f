//! ARM JSON: `azuredeploy.json` and `azuredeploy.parameters.json`. The same resources, types,
//! API versions, names and properties as the Bicep, cut into the same deployments
//! ([`super::layout`]): at subscription scope, one nested `Microsoft.Resources/deployments` per
//! resource group and stage, each with an inline template evaluated in its own (`inner`) scope
//! and given the parameters it uses, ordered by `dependsOn` between the deployments.
//!
//! ARM infers no dependency from `resourceId()`, so a resource's `dependsOn` lists everything
//! it needs that its template deploys: parent, extended resource, references, the plan's own
//! ordering.

use std::cell::RefCell;
use std::fmt;
use std::ops::Range;

use askama::Template;
use serde_json::Value;

use super::layout::{self, Deployment, Form, Layout};
use super::stream::{ByPosition, Text};
use super::{escape, paths, Context, RenderError};
use crate::catalog;
use crate::fxhash::FxHashSet;
use crate::plan::{Output, Parameter, Plan, Resource, Scope};

const TEMPLATE: &str = "arm/azuredeploy.json";
const PARAMS: &str = "arm/azuredeploy.parameters.json";

const SCHEMA_GROUP: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
const SCHEMA_SUBSCRIPTION: &str =
    "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#";
const SCHEMA_PARAMETERS: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#";

/// Filters of the ARM templates: the shared escapers, and `json_encode`.
mod filters {
    pub use crate::render::escape::filters::*;

    use std::fmt::Display;

    /// A JSON string literal of the text, quotes included.
    #[askama::filter_fn]
    pub fn json_encode<T: Display>(value: T, _: &dyn askama::Values) -> askama::Result<String> {
        let text = value.to_string();
        let mut out = String::with_capacity(text.len() + 2);
        super::json_string(&mut out, &text);
        Ok(out)
    }
}

/// Appends `s` as a JSON string literal, quotes included.
fn json_string(out: &mut String, s: &str) {
    out.push('"');
    json_escape(out, s);
    out.push('"');
}

/// Appends the inside of a JSON string literal of `s`, escaped exactly as `serde_json` escapes
/// it: quote, backslash and control characters below U+0020, nothing else.
fn json_escape(out: &mut String, s: &str) {
    let plain = !s.bytes().fold(false, |any, b| {
        any | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if plain {
        out.push_str(s);
        return;
    }
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x09 => "\\t",
            0x0A => "\\n",
            0x0C => "\\f",
            0x0D => "\\r",
            0x00..=0x1F => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        run = i + 1;
        if short.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xF)]));
        } else {
            out.push_str(short);
        }
    }
    out.push_str(&s[run..]);
}

/// Two spaces per level, for the levels most text sits at.
const SPACES: &str = "                                                                ";

/// Appends two spaces per level.
fn indent(out: &mut String, depth: usize) {
    let mut n = 2 * depth;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

/// Pretty JSON written as `serde_json`'s pretty printer writes it (two spaces per level), for
/// a place `depth` levels deep: the first line is not indented, the others are. One writer
/// holds the text of many values; each is a range of it.
struct Json {
    out: String,
    depth: usize,
    /// Per open object or array: whether it has no entry yet.
    empty: Vec<bool>,
}

impl Json {
    fn new(depth: usize) -> Self {
        Self {
            out: String::new(),
            depth,
            empty: Vec::new(),
        }
    }

    fn newline(&mut self) {
        self.out.push('\n');
        indent(&mut self.out, self.depth);
    }

    fn open(&mut self, bracket: char) {
        self.out.push(bracket);
        self.empty.push(true);
        self.depth += 1;
    }

    fn close(&mut self, bracket: char) {
        self.depth -= 1;
        if !self.empty.pop().unwrap_or(true) {
            self.newline();
        }
        self.out.push(bracket);
    }

    /// Starts an array item (or, after it, an object's key).
    fn item(&mut self) {
        if let Some(empty) = self.empty.last_mut() {
            if !*empty {
                self.out.push(',');
            }
            *empty = false;
        }
        self.newline();
    }

    fn key(&mut self, k: &str) {
        self.item();
        json_string(&mut self.out, k);
        self.out.push_str(": ");
    }

    fn string(&mut self, s: &str) {
        json_string(&mut self.out, s);
    }

    /// `[<expression>]`: a template expression as a string value.
    fn expression(&mut self, e: &str) {
        self.expression_of(&[e]);
    }

    /// `[<expression>]` of an expression in pieces.
    fn expression_of(&mut self, pieces: &[&str]) {
        self.out.push_str("\"[");
        for piece in pieces {
            json_escape(&mut self.out, piece);
        }
        self.out.push_str("]\"");
    }

    /// A JSON value as it is: no escaping, no special forms.
    fn plain(&mut self, v: &Value) {
        match v {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => match serde_json::to_string(n) {
                Ok(text) => self.out.push_str(&text),
                Err(_) => self.out.push_str("null"),
            },
            Value::String(s) => self.string(s),
            Value::Array(a) => {
                self.open('[');
                for x in a {
                    self.item();
                    self.plain(x);
                }
                self.close(']');
            }
            Value::Object(m) => {
                self.open('{');
                for (k, x) in m {
                    self.key(k);
                    self.plain(x);
                }
                self.close('}');
            }
        }
    }

    /// Writes one value with `write`, and returns where its text is.
    fn part(&mut self, write: impl FnOnce(&mut Self)) -> Range<usize> {
        let start = self.out.len();
        write(self);
        start..self.out.len()
    }
}

/// Marks a piece of text already indented for where it goes (see [`Indented`]). JSON text
/// never holds it: the writer escapes control characters.
const VERBATIM: char = '\0';

/// Writes text printed at depth 0 (a template's) where the writer stands: every line after
/// the first indented to `pad`; the final line break (the file's) is left out. A piece that
/// starts with [`VERBATIM`] is already indented (parts of a nested template, written at
/// their final depth): it is written as it is, without the mark.
struct Indented<'a> {
    out: &'a mut String,
    pad: usize,
    /// A line break is pending: written before the next text.
    newline: bool,
}

impl fmt::Write for Indented<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if let Some(text) = s.strip_prefix(VERBATIM) {
            self.text(text);
            return Ok(());
        }
        let mut lines = s.split('\n');
        if let Some(first) = lines.next() {
            self.text(first);
        }
        for line in lines {
            if self.newline {
                self.out.push('\n');
                indent(self.out, self.pad);
            }
            self.newline = true;
            self.text(line);
        }
        Ok(())
    }
}

impl Indented<'_> {
    fn text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if self.newline {
            self.newline = false;
            self.out.push('\n');
            indent(self.out, self.pad);
        }
        self.out.push_str(s);
    }
}

/// Pretty JSON, two spaces per level, for a place `depth` levels deep.
pub fn print(v: &Value, depth: usize) -> String {
    let mut j = Json::new(depth);
    j.plain(v);
    j.out
}

/// Where a template deploys to: a resource group (subscription when named) or, `None`, the
/// subscription itself.
type Home<'a> = Option<(Option<&'a str>, &'a str)>;

/// An ARM template: a whole `azuredeploy.json`, or the inline template of a nested deployment.
#[derive(Template)]
#[template(path = "arm/azuredeploy.json", escape = "none")]
struct TemplateView<'a> {
    /// Top-level templates only: the generated-file header.
    header: Option<&'a str>,
    version: &'static str,
    description: Option<&'a str>,
    deploy: Option<&'a str>,
    schema: &'static str,
    /// (name, definition spelled at depth 2).
    parameters: Vec<(&'a str, &'a str)>,
    resources: Resources<'a>,
    /// (name, definition spelled at depth 2).
    outputs: Vec<(&'a str, &'a str)>,
}

/// A template's resources: those spelled already, then those spelled one at a time as the
/// template is written (the nested deployments of a subscription-scope template), all at
/// depth 2.
struct Resources<'a> {
    spelled: Vec<&'a str>,
    later: Option<&'a dyn SpellLater>,
}

/// Resources spelled only when the template is written, each straight into it.
trait SpellLater {
    fn count(&self) -> usize;
    fn spell(&self, i: usize, out: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl Resources<'_> {
    fn is_empty(&self) -> bool {
        self.spelled.is_empty() && self.later.is_none_or(|l| l.count() == 0)
    }
}

/// One resource of [`Resources`], written by the template.
enum Spelling<'a> {
    Done(&'a str),
    Later(&'a dyn SpellLater, usize),
}

impl fmt::Display for Spelling<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Spelling::Done(text) => f.write_str(text),
            Spelling::Later(later, i) => later.spell(i, f),
        }
    }
}

impl<'r, 'a> ByPosition<'r> for Resources<'a> {
    type Item = Spelling<'a>;

    /// The spelled resources, then the later ones.
    fn at(&'r self, i: usize) -> Option<Spelling<'a>> {
        if let Some(&text) = self.spelled.get(i) {
            return Some(Spelling::Done(text));
        }
        let later = self.later?;
        let i = i - self.spelled.len();
        (i < later.count()).then_some(Spelling::Later(later, i))
    }
}

/// `azuredeploy.parameters.json`.
#[derive(Template)]
#[template(path = "arm/azuredeploy.parameters.json", escape = "none")]
struct ParamsView<'a> {
    schema: &'static str,
    /// (name, value spelled at depth 2).
    parameters: Vec<(&'a str, &'a str)>,
}

/// The parts of a template, spelled: parameter definitions, resources and outputs, each a
/// range of one text.
struct Parts<'p> {
    json: Json,
    /// For a nested template, how many levels deeper than its own file it goes: parts are
    /// written at their final depth and marked [`VERBATIM`].
    nested: Option<usize>,
    parameters: Vec<(&'p str, Range<usize>)>,
    resources: Vec<Range<usize>>,
    outputs: Vec<(&'p str, Range<usize>)>,
}

/// About how many bytes of template text a resource takes (a little more than the largest
/// estates measure), so that the template's text is allocated once: growing a text of tens of
/// megabytes copies it and holds both copies for a moment. Capacity that is never written
/// costs address space only.
const BYTES_PER_RESOURCE: usize = 1536;

impl<'p> Parts<'p> {
    /// The parts of a template of the whole plan.
    fn for_plan(plan: &Plan) -> Self {
        let mut parts = Self::at(None);
        parts
            .json
            .out
            .reserve(plan.resources.len() * BYTES_PER_RESOURCE);
        parts
    }

    fn at(nested: Option<usize>) -> Self {
        Self {
            json: Json::new(2 + nested.unwrap_or(0)),
            nested,
            parameters: Vec::new(),
            resources: Vec::new(),
            outputs: Vec::new(),
        }
    }

    fn clear(&mut self) {
        self.json.out.clear();
        self.parameters.clear();
        self.resources.clear();
        self.outputs.clear();
    }

    /// Writes one part with `write`, and returns where its text is.
    fn part(&mut self, write: impl FnOnce(&mut Json)) -> Range<usize> {
        let start = self.json.out.len();
        if self.nested.is_some() {
            self.json.out.push(VERBATIM);
        }
        write(&mut self.json);
        start..self.json.out.len()
    }

    /// The template of these parts; the texts that templates test for truth are left out
    /// when empty, as when absent.
    fn view<'v>(
        &'v self,
        schema: &'static str,
        header: Option<&'v str>,
        description: Option<&'v str>,
        deploy: Option<&'v str>,
    ) -> TemplateView<'v> {
        let text = |r: &Range<usize>| &self.json.out[r.clone()];
        TemplateView {
            header: header.filter(|s| !s.is_empty()),
            version: env!("CARGO_PKG_VERSION"),
            description: description.filter(|s| !s.is_empty()),
            deploy: deploy.filter(|s| !s.is_empty()),
            schema,
            parameters: self.parameters.iter().map(|(n, r)| (*n, text(r))).collect(),
            resources: Resources {
                spelled: self.resources.iter().map(text).collect(),
                later: None,
            },
            outputs: self.outputs.iter().map(|(n, r)| (*n, text(r))).collect(),
        }
    }
}

/// The files of this kind for one scenario: (path inside the scenario folder, contents). The
/// template is written into its file as it is spelled.
pub fn render<'a>(
    plan: &'a Plan,
    ctx: &'a Context,
) -> Result<Vec<(String, Text<'a>)>, RenderError> {
    let arm = Arm::new(plan);
    let (parts, schema, deploy, used, nested) = match plan.scope {
        Scope::ResourceGroup => {
            let mut parts = Parts::for_plan(plan);
            let (created, positions) = arm.layout.created();
            let outputs: Vec<&Output> = plan.outputs.iter().collect();
            let used = arm.layout.used_parameters(&positions, false);
            let deploy = format!(
                "az deployment group create -g {} --template-file {} --parameters @{}",
                escape::shell(&plan.resource_group),
                paths::ARM,
                paths::ARM_PARAMS
            );
            let home = Some((None, plan.resource_group.as_str()));
            let created = (&created[..], &positions[..]);
            arm.group_template(&mut parts, home, created, &outputs, &used, true);
            (parts, SCHEMA_GROUP, deploy, used, None)
        }
        Scope::Subscription => {
            let (parts, deploy, used, nested) = arm.subscription_template();
            (parts, SCHEMA_SUBSCRIPTION, deploy, used, Some(nested))
        }
    };
    // A parameter file is data: its values are never evaluated as expressions.
    let mut j = Json::new(2);
    let values: Vec<(&str, Range<usize>)> = used
        .iter()
        .map(|p| {
            let range = j.part(|j| {
                j.open('{');
                j.key("value");
                j.plain(&p.default);
                j.close('}');
            });
            (p.name.as_str(), range)
        })
        .collect();
    let params = ParamsView {
        schema: SCHEMA_PARAMETERS,
        parameters: values
            .iter()
            .map(|(n, r)| (*n, &j.out[r.clone()]))
            .collect(),
    };
    let params = super::render(PARAMS, &params)?;
    let template = Text::stream(move |w| {
        let mut view = parts.view(
            schema,
            Some(&ctx.header),
            Some(&plan.description),
            Some(&deploy),
        );
        let later = nested
            .as_ref()
            .map(|nested| Deployments { arm: &arm, nested });
        view.resources.later = later.as_ref().map(|l| l as &dyn SpellLater);
        view.write_into(w)
    });
    Ok(vec![
        (paths::ARM.to_string(), template),
        (paths::ARM_PARAMS.to_string(), params.into()),
    ])
}

/// The `format()` string `'<prefix>{0}'`: the prefix's quotes and braces doubled.
fn format_with_hole(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 8);
    push_format_with_hole(&mut out, prefix);
    out
}

/// Appends [`format_with_hole`] of `prefix`.
fn push_format_with_hole(out: &mut String, prefix: &str) {
    out.push('\'');
    for c in prefix.chars() {
        match c {
            '\'' => out.push_str("''"),
            '{' => out.push_str("{{"),
            '}' => out.push_str("}}"),
            c => out.push(c),
        }
    }
    out.push_str("{0}'");
}

fn lit(s: &str) -> String {
    escape::arm_expr_string(s)
}

/// Appends [`lit`] of `s`.
fn push_lit(out: &mut String, s: &str) {
    out.push('\'');
    let mut pieces = s.split('\'');
    if let Some(first) = pieces.next() {
        out.push_str(first);
    }
    for piece in pieces {
        out.push_str("''");
        out.push_str(piece);
    }
    out.push('\'');
}

/// `escape::arm` as a JSON string value.
fn arm_string(j: &mut Json, s: &str) {
    if s.starts_with('[') {
        j.string(&escape::arm(s));
    } else {
        j.string(s);
    }
}

/// The `type`, `apiVersion` and `name` of a resource that amlpe adds around the plan's (a
/// created resource group, a nested deployment): type and version from the catalog.
fn catalog_head(j: &mut Json, ty: &catalog::ResourceType, name: &str) {
    j.key("type");
    j.string(ty.name);
    j.key("apiVersion");
    j.string(ty.api_version);
    j.key("name");
    arm_string(j, name);
}

struct Arm<'p> {
    plan: &'p Plan,
    layout: Layout<'p>,
    /// Where an expression is put together before it is written as a JSON string.
    scratch: RefCell<String>,
}

impl<'p> Arm<'p> {
    fn new(plan: &'p Plan) -> Self {
        Self {
            plan,
            layout: Layout::new(plan),
            scratch: RefCell::new(String::new()),
        }
    }

    fn resource(&self, symbol: &str) -> Option<&'p Resource> {
        self.plan.resource(symbol)
    }

    /// A resource and its ancestors, root first.
    fn chain<'r>(&'r self, r: &'r Resource) -> Vec<&'r Resource> {
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
        chain.reverse();
        chain
    }

    /// The name segment of one resource, as an expression argument.
    fn push_segment(out: &mut String, c: &Resource) {
        if !c
            .name_expr
            .as_ref()
            .is_some_and(|e| push_expression(out, e))
        {
            push_lit(out, &c.name);
        }
    }

    /// The name segments of a resource, root first, as expression arguments.
    fn segments(&self, r: &Resource) -> Vec<String> {
        self.chain(r)
            .into_iter()
            .map(|c| {
                let mut s = String::new();
                Self::push_segment(&mut s, c);
                s
            })
            .collect()
    }

    /// Appends the name segments of a resource, root first, separated by `, `.
    fn push_segments(&self, out: &mut String, r: &Resource) {
        for (i, c) in self.chain(r).into_iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            Self::push_segment(out, c);
        }
    }

    /// The names of a resource and its ancestors, outermost first.
    fn literal_names<'r>(&'r self, r: &'r Resource) -> Vec<&'r str> {
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
        names
    }

    /// Writes the `name` of a resource written at the top level: `parent/child` for children.
    fn write_name(&self, j: &mut Json, r: &Resource) {
        if self.chain_is_literal(r) {
            let names = self.literal_names(r);
            // `escape::arm` of the names joined with `/`.
            j.out.push('"');
            if names.first().is_some_and(|n| n.starts_with('[')) {
                j.out.push('[');
            }
            for (i, n) in names.iter().enumerate() {
                if i > 0 {
                    j.out.push('/');
                }
                json_escape(&mut j.out, n);
            }
            j.out.push('"');
            return;
        }
        j.string(&self.name(r));
    }

    /// The `name` of a resource written at the top level: `parent/child` for children.
    fn name(&self, r: &Resource) -> String {
        if self.chain_is_literal(r) {
            let names = self.literal_names(r);
            return escape::arm(&names.join("/"));
        }
        let segments = self.segments(r);
        if segments.len() == 1 {
            return format!("[{}]", segments[0]);
        }
        let holes: Vec<String> = (0..segments.len()).map(|i| format!("{{{i}}}")).collect();
        format!("[format('{}', {})]", holes.join("/"), segments.join(", "))
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
        let mut out = String::with_capacity(128);
        self.push_id(&mut out, symbol, home, foreign);
        out
    }

    /// Writes `[<id of symbol>]` as a JSON string (see [`Self::id`]).
    fn write_id(&self, j: &mut Json, symbol: &str, home: Home, foreign: &mut bool) {
        let mut scratch = self.scratch.borrow_mut();
        scratch.clear();
        self.push_id(&mut scratch, symbol, home, foreign);
        j.expression(&scratch);
    }

    fn push_id(&self, out: &mut String, symbol: &str, home: Home, foreign: &mut bool) {
        let Some(r) = self.resource(symbol) else {
            push_lit(out, symbol);
            return;
        };
        // The arguments after the scope: type and name segments.
        let tail = |out: &mut String| {
            push_lit(out, &r.ty);
            out.push_str(", ");
            self.push_segments(out, r);
            out.push(')');
        };
        if let Some(extended) = &r.scope {
            out.push_str("extensionResourceId(");
            self.push_id(out, extended, home, foreign);
            out.push_str(", ");
            tail(out);
            return;
        }
        let (sub, rg) = layout::home(self.plan, r);
        match home {
            Some((hsub, hrg))
                if rg.eq_ignore_ascii_case(hrg) && layout::same_subscription(sub, hsub) =>
            {
                out.push_str("resourceId(");
            }
            Some((hsub, _)) => {
                out.push_str("resourceId(");
                match sub {
                    Some(s) => {
                        push_lit(out, s);
                        out.push_str(", ");
                    }
                    None if hsub.is_some() => {
                        *foreign = true;
                        out.push_str("parameters('");
                        out.push_str(layout::DEPLOYING_SUBSCRIPTION);
                        out.push_str("'), ");
                    }
                    None => {}
                }
                push_lit(out, rg);
                out.push_str(", ");
            }
            None => {
                out.push_str(
                    "extensionResourceId(format('/subscriptions/{0}/resourceGroups/{1}', ",
                );
                match sub {
                    Some(s) => push_lit(out, s),
                    None => out.push_str("subscription().subscriptionId"),
                }
                out.push_str(", ");
                push_lit(out, rg);
                out.push_str("), ");
            }
        }
        tail(out);
    }

    /// Writes a plan value as ARM JSON: strings escaped, special forms as expressions.
    fn value(&self, j: &mut Json, v: &Value, home: Home, foreign: &mut bool) {
        match v {
            Value::String(s) => arm_string(j, s),
            Value::Array(a) => {
                j.open('[');
                for x in a {
                    j.item();
                    self.value(j, x, home, foreign);
                }
                j.close(']');
            }
            Value::Object(m) => match layout::form(m) {
                Some(Form::Ref(symbol)) => self.write_id(j, symbol, home, foreign),
                Some(_) => {
                    let mut scratch = self.scratch.borrow_mut();
                    scratch.clear();
                    push_expression(&mut scratch, v);
                    j.expression(&scratch);
                }
                None => {
                    j.open('{');
                    for (k, x) in m {
                        j.key(k);
                        self.value(j, x, home, foreign);
                    }
                    j.close('}');
                }
            },
            other => j.plain(other),
        }
    }

    /// One resource (at `position` in the plan) of a template deploying `here` into `home`.
    fn resource_json(
        &self,
        j: &mut Json,
        (r, position): (&Resource, usize),
        here: &FxHashSet<&str>,
        home: Home,
        foreign: &mut bool,
    ) {
        j.open('{');
        j.key("type");
        j.string(&r.ty);
        j.key("apiVersion");
        j.string(&r.api_version);
        j.key("name");
        self.write_name(j, r);
        if let Some(extended) = r.scope.as_deref().and_then(|s| self.resource(s)) {
            j.key("scope");
            j.string(&self.scope_of(extended, here, home, foreign));
        }
        let mut put = |key: &str, v: &Option<Value>, j: &mut Json| {
            if let Some(v) = v {
                j.key(key);
                self.value(j, v, home, foreign);
            }
        };
        put("location", &r.location, j);
        if r.tags {
            j.key("tags");
            j.string("[parameters('tags')]");
        }
        put("sku", &r.sku, j);
        if let Some(kind) = &r.kind {
            j.key("kind");
            arm_string(j, kind);
        }
        put("identity", &r.identity, j);
        j.key("properties");
        if r.properties.is_null() {
            j.open('{');
            j.close('}');
        } else {
            self.value(j, &r.properties, home, foreign);
        }
        let mut depends = self
            .layout
            .needs(position)
            .iter()
            .filter(|s| here.contains(*s))
            .peekable();
        if depends.peek().is_some() {
            j.key("dependsOn");
            j.open('[');
            for s in depends {
                j.item();
                self.write_id(j, s, home, foreign);
            }
            j.close(']');
        }
        j.close('}');
    }

    /// The `scope` of an extension resource: the extended resource's type and name, relative
    /// to the template's group when it is there (as Bicep writes it), else its full id.
    fn scope_of(
        &self,
        extended: &Resource,
        here: &FxHashSet<&str>,
        home: Home,
        foreign: &mut bool,
    ) -> String {
        if here.contains(extended.symbol.as_str()) && extended.parent.is_none() {
            let segments = self.segments(extended);
            return format!(
                "[format({}, {})]",
                format_with_hole(&format!("{}/", extended.ty)),
                segments.join(", ")
            );
        }
        format!("[{}]", self.id(&extended.symbol, home, foreign))
    }

    fn parameter_definitions(&self, parts: &mut Parts<'p>, used: &[&'p Parameter], defaults: bool) {
        for p in used {
            let range = parts.part(|j| {
                j.open('{');
                j.key("type");
                j.string(&p.ty);
                if defaults {
                    j.key("defaultValue");
                    self.value(j, &p.default, None, &mut false);
                }
                if !p.allowed.is_empty() {
                    j.key("allowedValues");
                    j.open('[');
                    for a in &p.allowed {
                        j.item();
                        arm_string(j, a);
                    }
                    j.close(']');
                }
                j.key("metadata");
                j.open('{');
                j.key("description");
                arm_string(j, &p.description);
                j.close('}');
                j.close('}');
            });
            parts.parameters.push((&p.name, range));
        }
    }

    /// The definition of the parameter that passes the deploying subscription.
    fn deploying_subscription(parts: &mut Parts<'p>) {
        let range = parts.part(|j| {
            j.open('{');
            j.key("type");
            j.string("string");
            j.key("metadata");
            j.open('{');
            j.key("description");
            j.string(layout::DEPLOYING_SUBSCRIPTION_DESCRIPTION);
            j.close('}');
            j.close('}');
        });
        parts
            .parameters
            .push((layout::DEPLOYING_SUBSCRIPTION, range));
    }

    /// The parts of a template deploying `created` into one resource group (`defaults`:
    /// parameters have their default values; nested templates get every value from the outer
    /// one). Returns whether it needs the deploying subscription as a parameter.
    fn group_template(
        &self,
        parts: &mut Parts<'p>,
        home: Home,
        (created, positions): (&[&Resource], &[usize]),
        outputs: &[&'p Output],
        used: &[&'p Parameter],
        defaults: bool,
    ) -> bool {
        let mut foreign = false;
        let here: FxHashSet<&str> = created.iter().map(|r| r.symbol.as_str()).collect();
        for (r, &p) in created.iter().zip(positions) {
            let range = parts.part(|j| self.resource_json(j, (r, p), &here, home, &mut foreign));
            parts.resources.push(range);
        }
        for o in outputs {
            let range = parts.part(|j| {
                j.open('{');
                j.key("type");
                j.string("string");
                j.key("value");
                self.value(j, &o.value, home, &mut foreign);
                j.close('}');
            });
            parts.outputs.push((&o.name, range));
        }
        self.parameter_definitions(parts, used, defaults);
        if foreign {
            Self::deploying_subscription(parts);
        }
        foreign
    }

    /// The subscription-scope template: the groups to create, one nested deployment per
    /// layout deployment, and the outputs. The deployments are spelled later, one at a time,
    /// as the template is written ([`Deployments`]); everything else is spelled here.
    fn subscription_template(&self) -> (Parts<'p>, String, Vec<&'p Parameter>, Nested<'p>) {
        let deployments: &[Deployment] = &self.layout.deployments;
        // Each deployment's id, for those that wait for it.
        let ids: Vec<String> = deployments
            .iter()
            .map(|d| {
                let sub = d
                    .subscription
                    .map_or_else(|| "subscription().subscriptionId".to_string(), lit);
                format!(
                    "extensionResourceId(format('/subscriptions/{{0}}/resourceGroups/{{1}}', {sub}, {}), {}, {})",
                    lit(d.resource_group),
                    lit(catalog::DEPLOYMENT.name),
                    lit(&d.name)
                )
            })
            .collect();
        let mut parts = Parts::at(None);
        let created_groups: Vec<_> = layout::created_groups(self.plan).collect();
        for g in &created_groups {
            let range = parts.part(|j| {
                j.open('{');
                catalog_head(j, &catalog::RESOURCE_GROUP, &g.name);
                j.key("location");
                self.value(j, &layout::group_location(self.plan, g), None, &mut false);
                j.key("tags");
                j.string("[parameters('tags')]");
                j.key("properties");
                j.open('{');
                j.close('}');
                j.close('}');
            });
            parts.resources.push(range);
        }
        let mut outputs_of: Vec<Vec<&Output>> = vec![Vec::new(); deployments.len()];
        for o in &self.plan.outputs {
            if let Some(i) = layout::output_symbol(o).and_then(|s| self.layout.holder(s)) {
                outputs_of[i].push(o);
            }
        }
        // The parameters each deployment passes on; the template defines those any uses.
        let used_of: Vec<Vec<&Parameter>> = deployments
            .iter()
            .map(|d| self.layout.used_parameters(&d.positions, false))
            .collect();
        let mut all_used: FxHashSet<&str> =
            used_of.iter().flatten().map(|p| p.name.as_str()).collect();
        // Created groups use `tags`, and `location` when one is in the plan's region.
        let at_plan_location = created_groups
            .iter()
            .any(|g| g.location.eq_ignore_ascii_case(&self.plan.location));
        if !created_groups.is_empty() {
            all_used.insert("tags");
            if at_plan_location {
                all_used.insert("location");
            }
        }
        let used: Vec<&Parameter> = self
            .plan
            .parameters
            .iter()
            .filter(|p| all_used.contains(p.name.as_str()))
            .collect();

        let api_version = lit(catalog::DEPLOYMENT.api_version);
        for o in &self.plan.outputs {
            let Some(sym) = layout::output_symbol(o) else {
                continue;
            };
            let range = parts.part(|j| {
                j.open('{');
                j.key("type");
                j.string("string");
                j.key("value");
                match self.layout.holder(sym) {
                    Some(i) => j.expression_of(&[
                        "reference(",
                        &ids[i],
                        ", ",
                        &api_version,
                        ").outputs.",
                        &o.name,
                        ".value",
                    ]),
                    None => self.write_id(j, sym, None, &mut false),
                }
                j.close('}');
            });
            parts.outputs.push((&o.name, range));
        }
        self.parameter_definitions(&mut parts, &used, true);
        let deploy = format!(
            "az deployment sub create -l {} --template-file {} --parameters @{}",
            escape::shell(&self.plan.location),
            paths::ARM,
            paths::ARM_PARAMS
        );
        let nested = Nested {
            ids,
            created_names: created_groups
                .iter()
                .map(|g| g.name.to_ascii_lowercase())
                .collect(),
            outputs_of,
            used_of,
            scratch: RefCell::new((Json::new(2), Parts::at(Some(NESTED)))),
        };
        (parts, deploy, used, nested)
    }

    /// Spells deployment `i` of the subscription-scope template into `j` (at depth 2), its
    /// inner template built in `inner`.
    fn nested_deployment(
        &self,
        j: &mut Json,
        inner: &mut Parts<'p>,
        i: usize,
        nested: &Nested<'p>,
    ) -> Result<(), RenderError> {
        let deployments: &[Deployment] = &self.layout.deployments;
        let d = &deployments[i];
        let used = &nested.used_of[i];
        // Inner templates get every value from the outer one: no defaults.
        inner.clear();
        let foreign = self.group_template(
            inner,
            Some((d.subscription, d.resource_group)),
            (&d.resources, &d.positions),
            &nested.outputs_of[i],
            used,
            false,
        );
        let description = format!(
            "Deployment {} of {}: resource group {}",
            d.index,
            deployments.len(),
            d.resource_group
        );
        let view = inner.view(SCHEMA_GROUP, None, Some(&description), None);

        j.open('{');
        catalog_head(j, &catalog::DEPLOYMENT, &d.name);
        if let Some(sub) = d.subscription {
            j.key("subscriptionId");
            arm_string(j, sub);
        }
        j.key("resourceGroup");
        arm_string(j, d.resource_group);
        j.key("properties");
        j.open('{');
        j.key("expressionEvaluationOptions");
        j.open('{');
        j.key("scope");
        j.string("inner");
        j.close('}');
        j.key("mode");
        j.string("Incremental");
        j.key("parameters");
        j.open('{');
        for p in used {
            j.key(&p.name);
            j.open('{');
            j.key("value");
            j.expression_of(&["parameters('", &p.name, "')"]);
            j.close('}');
        }
        if foreign {
            j.key(layout::DEPLOYING_SUBSCRIPTION);
            j.open('{');
            j.key("value");
            j.string("[subscription().subscriptionId]");
            j.close('}');
        }
        j.close('}');
        j.key("template");
        // The nested template as its own file would be, moved to where it stands.
        debug_assert_eq!(j.depth, NESTED);
        view.render_into(&mut Indented {
            out: &mut j.out,
            pad: NESTED,
            newline: false,
        })
        .map_err(|source| RenderError::Askama {
            name: TEMPLATE,
            source,
        })?;
        j.close('}');
        let in_created_group = d.subscription.is_none()
            && nested
                .created_names
                .contains(&d.resource_group.to_ascii_lowercase());
        if in_created_group || !d.needs.is_empty() {
            j.key("dependsOn");
            j.open('[');
            if in_created_group {
                j.item();
                j.expression_of(&[
                    "subscriptionResourceId(",
                    &lit(catalog::RESOURCE_GROUP.name),
                    ", ",
                    &lit(d.resource_group),
                    ")",
                ]);
            }
            for &n in &d.needs {
                j.item();
                j.expression(&nested.ids[n - 1]);
            }
            j.close(']');
        }
        j.close('}');
        Ok(())
    }
}

/// A nested template stands in `resources[i].properties.template`: its file's lines go four
/// levels deeper (the outer template's resources are at depth 2).
const NESTED: usize = 4;

/// What the nested deployments of a subscription-scope template need besides the layout.
struct Nested<'p> {
    /// Each deployment's id, for those that wait for it.
    ids: Vec<String>,
    /// Created groups by name, compared as Azure does.
    created_names: FxHashSet<String>,
    /// The plan's outputs each deployment holds.
    outputs_of: Vec<Vec<&'p Output>>,
    /// The parameters each deployment passes on.
    used_of: Vec<Vec<&'p Parameter>>,
    /// The text of one deployment and the parts of its inner template, used again for each.
    scratch: RefCell<(Json, Parts<'p>)>,
}

/// The nested deployments, spelled as the template is written: the template of a large
/// estate is never whole in memory.
struct Deployments<'v, 'p> {
    arm: &'v Arm<'p>,
    nested: &'v Nested<'p>,
}

impl SpellLater for Deployments<'_, '_> {
    fn count(&self) -> usize {
        self.arm.layout.deployments.len()
    }

    fn spell(&self, i: usize, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut scratch = self.nested.scratch.borrow_mut();
        let (j, inner) = &mut *scratch;
        j.out.clear();
        // A template error has no place in a formatter's error; the shipped templates have none.
        self.arm
            .nested_deployment(j, inner, i, self.nested)
            .map_err(|_| fmt::Error)?;
        out.write_str(&j.out)
    }
}

/// A special form other than `$ref` as an expression (no brackets).
#[cfg(test)]
fn expression(v: &Value) -> Option<String> {
    let mut out = String::new();
    push_expression(&mut out, v).then_some(out)
}

/// Appends [`expression`] of `v`; false (and nothing appended) when `v` is not such a form.
fn push_expression(out: &mut String, v: &Value) -> bool {
    let Value::Object(m) = v else { return false };
    match layout::form(m) {
        Some(Form::Param(p)) => {
            out.push_str("parameters(");
            push_lit(out, p);
            out.push(')');
        }
        Some(Form::Env { prefix, suffix }) => {
            out.push_str("format(");
            push_format_with_hole(out, prefix);
            out.push_str(", environment().suffixes.");
            out.push_str(suffix);
            out.push(')');
        }
        Some(Form::Tenant) => out.push_str("subscription().tenantId"),
        Some(Form::Ref(_)) | None => return false,
    }
    true
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
    fn json_strings_are_escaped_as_serde_json_escapes_them() {
        let mut texts: Vec<String> = ["", "plain", "a\"b\\c", "[x]", "\u{202E}é"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        texts.push((0u32..0x200).filter_map(char::from_u32).collect());
        for t in texts {
            let mut out = String::new();
            json_string(&mut out, &t);
            assert_eq!(out, serde_json::to_string(&t).unwrap(), "{t:?}");
        }
    }

    #[test]
    fn printing_matches_serde_json() {
        let v = json!({
            "a": [1, -2, 2.5, 1e300, true, null, "x\ny", [], {}],
            "b": { "c": { "d": [[]] } },
            "": ""
        });
        for depth in 0..3 {
            let pad = "  ".repeat(depth);
            let expected = serde_json::to_string_pretty(&v)
                .unwrap()
                .replace('\n', &format!("\n{pad}"));
            assert_eq!(print(&v, depth), expected);
        }
    }

    #[test]
    fn printing_indents_nested_lines() {
        assert_eq!(
            print(&json!({ "a": [1] }), 1),
            "{\n    \"a\": [\n      1\n    ]\n  }"
        );
    }
}
