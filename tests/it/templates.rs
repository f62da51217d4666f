//! The generated deployment templates held against the plan beside them (`plan.json`) and
//! against each other, for every scenario folder under `out/` (or `AMLPE_VALIDATE_DIR`).
//!
//! - Every `.bicep` file parses with tree-sitter-bicep (no ERROR or MISSING node), and so does
//!   `main.bicepparam` once its `param` lines are read as `var` lines (the grammar has no
//!   parameter-file mode); `azuredeploy*.json` are JSON.
//! - Both templates are decompiled into the plan's own value language and compared with the
//!   plan, resource by resource (type, API version, name, parent, extended resource, location,
//!   tags, sku, kind, identity, properties), then with each other (drift), deployment by
//!   deployment.
//!
//! Decompiling (the normalisation the comparison rests on):
//! - Bicep: `x.id` of a declared resource → `{"$ref": "x"}`; a parameter → `{"$param": ..}`;
//!   `'p${environment().suffixes.s}'` → `{"$env": "s", "$prefix": "p"}`;
//!   `subscription().tenantId` → `{"$tenant": true}`; string escapes undone. A name is the
//!   path of names along the `parent:` chain. Bicep symbols are the plan's symbols.
//! - ARM: `[[..` → the literal `[..`; `[parameters('x')]` → `{"$param": "x"}`;
//!   `[format('p{0}', environment().suffixes.s)]` → `{"$env": "s", "$prefix": "p"}`;
//!   `[subscription().tenantId]` → `{"$tenant": true}`; `[resourceId(..)]` and
//!   `[extensionResourceId(..)]` → `{"$ref": <the plan resource with that type and name
//!   path>}`, after checking that the subscription and group they name are where the plan
//!   puts it, seen from the template's own group. A name `a/b` or `format('{0}/{1}', ..)` is a
//!   name path.
//! - Any other construct is a failure: templates may spell nothing the plan does not hold.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::{json, Map, Value};
use tree_sitter::{Node, Parser, Tree};

// ---------------------------------------------------------------------------------------
// Discovery
// ---------------------------------------------------------------------------------------

struct Scenario {
    dir: PathBuf,
    plan: PlanIndex,
}

fn out_dir() -> (PathBuf, bool) {
    match std::env::var_os("AMLPE_VALIDATE_DIR") {
        Some(d) => (PathBuf::from(d), true),
        None => (Path::new(env!("CARGO_MANIFEST_DIR")).join("out"), false),
    }
}

/// Scenario folders that hold a plan and both templates.
fn scenarios() -> Vec<Scenario> {
    let (dir, explicit) = out_dir();
    let mut found = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    for d in entries {
        if d.join("plan.json").is_file() && d.join("azuredeploy.json").is_file() {
            let text = read(&d.join("plan.json"));
            let plan: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", d.join("plan.json").display()));
            found.push(Scenario {
                dir: d,
                plan: PlanIndex::new(plan),
            });
        }
    }
    assert!(
        !explicit || !found.is_empty(),
        "AMLPE_VALIDATE_DIR={} holds no scenario with templates",
        dir.display()
    );
    if found.is_empty() {
        println!("no templates under {} yet: nothing to check", dir.display());
    }
    found
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

fn files_with(dir: &Path, suffix: &str, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_with(&p, suffix, out);
        } else if p.to_string_lossy().ends_with(suffix) {
            out.push(p);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The plan
// ---------------------------------------------------------------------------------------

/// Where a resource lives: (named subscription, or `None` for the deploying one; group).
type Home = (Option<String>, String);

struct PlanIndex {
    plan: Value,
    by_symbol: HashMap<String, Value>,
}

impl PlanIndex {
    fn new(plan: Value) -> Self {
        let by_symbol = plan["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    r["symbol"].as_str().unwrap_or_default().to_string(),
                    r.clone(),
                )
            })
            .collect();
        Self { plan, by_symbol }
    }

    fn resources(&self) -> impl Iterator<Item = &Value> {
        self.plan["resources"].as_array().into_iter().flatten()
    }

    fn created(&self) -> impl Iterator<Item = &Value> {
        self.resources().filter(|r| r["existing"] != json!(true))
    }

    fn get(&self, symbol: &str) -> &Value {
        self.by_symbol
            .get(symbol)
            .unwrap_or_else(|| panic!("plan has no resource {symbol}"))
    }

    fn parent(&self, symbol: &str) -> Option<String> {
        self.get(symbol)["parent"].as_str().map(str::to_string)
    }

    /// The name path, root first: each name as the plan spells it (`name_expr` if any).
    fn path(&self, symbol: &str) -> Vec<Value> {
        let mut chain = vec![symbol.to_string()];
        while let Some(p) = chain.last().and_then(|s| self.parent(s)) {
            chain.push(p);
        }
        chain
            .iter()
            .rev()
            .map(|s| {
                let r = self.get(s);
                match r.get("name_expr") {
                    Some(e) => e.clone(),
                    None => r["name"].clone(),
                }
            })
            .collect()
    }

    /// A child lives where its parent does.
    fn home(&self, symbol: &str) -> Home {
        let mut top = symbol.to_string();
        while let Some(p) = self.parent(&top) {
            top = p;
        }
        let own = self.get(symbol)["subscription"].as_str();
        let sub = own.or(self.get(&top)["subscription"].as_str());
        (
            sub.map(str::to_string),
            self.get(&top)["resource_group"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    }

    /// The resource with this type and name path, living in `home` (or extending `scope`:
    /// two clusters can each have an `azureml` extension). Isolated VNets have zones of the
    /// same name in different groups, so the group is part of the key.
    fn lookup(
        &self,
        ty: &str,
        path: &[Value],
        home: Option<&Home>,
        scope: Option<&str>,
    ) -> Result<String, String> {
        let candidates: Vec<String> = self
            .resources()
            .filter(|r| {
                r["type"]
                    .as_str()
                    .is_some_and(|t| t.eq_ignore_ascii_case(ty))
                    && self.path(r["symbol"].as_str().unwrap_or_default()) == path
                    && (scope.is_none() || r["scope"].as_str() == scope)
            })
            .filter_map(|r| r["symbol"].as_str().map(str::to_string))
            .collect();
        let found = candidates
            .iter()
            .find(|c| home.is_none_or(|h| same_home(h, &self.home(c))));
        match (found, candidates.first()) {
            (Some(c), _) => Ok(c.clone()),
            (None, Some(c)) => Err(format!(
                "{c} named in {home:?}; the plan puts it in {:?}",
                self.home(c)
            )),
            (None, None) => Err(format!("no plan resource {ty} {path:?}")),
        }
    }

    /// What must exist before the resource deploys: parent, extended resource, references,
    /// explicit ordering.
    fn needs(&self, symbol: &str) -> Vec<String> {
        let r = self.get(symbol);
        let mut out: Vec<String> = ["parent", "scope"]
            .iter()
            .filter_map(|k| r[*k].as_str().map(str::to_string))
            .collect();
        for k in ["name_expr", "location", "sku", "identity", "properties"] {
            refs(&r[k], &mut out);
        }
        out.extend(
            r["depends_on"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| d.as_str().map(str::to_string)),
        );
        let mut seen = HashSet::new();
        out.retain(|s| seen.insert(s.clone()));
        out
    }

    /// The plan's resource in the form both decompilers produce.
    fn expected(&self, symbol: &str) -> Decl {
        let r = self.get(symbol);
        let opt = |k: &str| r.get(k).filter(|v| !v.is_null()).cloned();
        Decl {
            ty: r["type"].as_str().unwrap_or_default().to_string(),
            api: r["api_version"].as_str().unwrap_or_default().to_string(),
            path: self.path(symbol),
            scope: r["scope"].as_str().map(str::to_string),
            location: opt("location"),
            tags: r["tags"] == json!(true),
            sku: opt("sku"),
            kind: r["kind"].as_str().map(str::to_string),
            identity: opt("identity"),
            properties: opt("properties").unwrap_or_else(|| json!({})),
        }
    }

    fn parameter_defaults(&self) -> BTreeMap<String, Value> {
        self.by_name("parameters", "default")
    }

    fn outputs(&self) -> BTreeMap<String, Value> {
        self.by_name("outputs", "value")
    }

    /// The plan's list `list` as a map from each entry's `name` to its `field`.
    fn by_name(&self, list: &str, field: &str) -> BTreeMap<String, Value> {
        self.plan[list]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e["name"].as_str().unwrap_or_default().to_string(),
                    e[field].clone(),
                )
            })
            .collect()
    }

    fn subscription_scope(&self) -> bool {
        self.plan["scope"] == json!("subscription")
    }

    /// Groups a subscription-scope template creates: (name, location).
    fn created_groups(&self) -> Vec<(String, String)> {
        if !self.subscription_scope() {
            return Vec::new();
        }
        self.plan["resource_groups"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|g| g["create"] == json!(true) && g["exists"] != json!(true))
            .map(|g| {
                (
                    g["name"].as_str().unwrap_or_default().to_string(),
                    g["location"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    fn main_group(&self) -> String {
        self.plan["resource_group"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => match m
            .get("$ref")
            .or_else(|| m.get("$principal"))
            .and_then(Value::as_str)
        {
            Some(s) => out.push(s.to_string()),
            None => m.values().for_each(|x| refs(x, out)),
        },
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

fn same_home(a: &Home, b: &Home) -> bool {
    a.1.eq_ignore_ascii_case(&b.1)
        && a.0.as_deref().map(str::to_lowercase) == b.0.as_deref().map(str::to_lowercase)
}

/// One resource as a template deploys it, in plan terms.
#[derive(Debug, Clone, PartialEq)]
struct Decl {
    ty: String,
    api: String,
    path: Vec<Value>,
    scope: Option<String>,
    location: Option<Value>,
    tags: bool,
    sku: Option<Value>,
    kind: Option<String>,
    identity: Option<Value>,
    properties: Value,
}

/// One deployment (a Bicep file, an ARM template): where it deploys, what it creates (plan
/// symbols, in order), which earlier deployments it waits for.
#[derive(Debug, Clone, PartialEq)]
struct Stage {
    name: String,
    home: Home,
    created: Vec<String>,
    after: Vec<usize>,
}

/// A whole template set, decompiled.
#[derive(Debug, Default)]
struct Decompiled {
    /// Created resources by plan symbol.
    created: BTreeMap<String, Decl>,
    /// Explicit `dependsOn` of each created resource (symbols).
    depends_on: BTreeMap<String, Vec<String>>,
    /// Deployments in order (one for a resource-group template).
    stages: Vec<Stage>,
    /// Resource groups created: (name, location).
    groups: Vec<(String, String)>,
    /// Top-level parameters: name → default.
    parameters: BTreeMap<String, Value>,
    /// Top-level outputs: name → value (a `$ref`).
    outputs: BTreeMap<String, Value>,
    problems: Vec<String>,
}

// ---------------------------------------------------------------------------------------
// Bicep
// ---------------------------------------------------------------------------------------

fn bicep_parser() -> Parser {
    let mut p = Parser::new();
    p.set_language(&tree_sitter_bicep::LANGUAGE.into())
        .expect("tree-sitter-bicep loads");
    p
}

/// The first ERROR or MISSING node, as `line:col: ...`.
fn first_error(node: Node, src: &str) -> Option<String> {
    if node.is_error() || node.is_missing() {
        let p = node.start_position();
        let text: String = node
            .utf8_text(src.as_bytes())
            .unwrap_or_default()
            .chars()
            .take(60)
            .collect();
        let what = if node.is_missing() {
            "MISSING"
        } else {
            "ERROR"
        };
        return Some(format!(
            "{}:{}: {what} {} near {text:?}",
            p.row + 1,
            p.column + 1,
            node.kind()
        ));
    }
    if !node.has_error() {
        return None;
    }
    let mut cursor = node.walk();
    let children: Vec<Node> = node.children(&mut cursor).collect();
    children.into_iter().find_map(|c| first_error(c, src))
}

fn parse_bicep(path: &Path, src: &str) -> Tree {
    let tree = bicep_parser()
        .parse(src, None)
        .unwrap_or_else(|| panic!("{}: tree-sitter returned no tree", path.display()));
    if let Some(e) = first_error(tree.root_node(), src) {
        panic!("{}:{e}", path.display());
    }
    tree
}

fn named(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|c| !matches!(c.kind(), "comment" | "diagnostic_comment"))
        .collect()
}

fn text<'s>(node: Node, src: &'s str) -> &'s str {
    node.utf8_text(src.as_bytes()).unwrap_or_default()
}

struct BicepParam {
    name: String,
    described: bool,
    default: Option<Value>,
}

struct BicepResource {
    symbol: String,
    ty: String,
    api: String,
    existing: bool,
    body: Map<String, Value>,
}

struct BicepModule {
    symbol: String,
    path: String,
    body: Map<String, Value>,
}

struct BicepOutput {
    name: String,
    described: bool,
    value: Value,
}

struct BicepFile {
    path: PathBuf,
    target_scope: Option<String>,
    params: Vec<BicepParam>,
    resources: Vec<BicepResource>,
    modules: Vec<BicepModule>,
    outputs: Vec<BicepOutput>,
    /// `var` declarations (a parameter file read as Bicep).
    vars: Vec<(String, Value)>,
}

/// Reads a Bicep string literal: escapes undone; one trailing
/// `${environment().suffixes.<s>}` interpolation becomes the plan's `$env` form.
fn bicep_string(node: Node, src: &str) -> Result<Value, String> {
    let mut out = String::new();
    let mut env: Option<String> = None;
    for c in named(node) {
        if env.is_some() {
            return Err(format!("text after an interpolation: {}", text(node, src)));
        }
        match c.kind() {
            "string_content" => out.push_str(text(c, src)),
            "escape_sequence" => {
                let e = text(c, src);
                let ch = match e {
                    "\\'" => '\'',
                    "\\\\" => '\\',
                    "\\n" => '\n',
                    "\\r" => '\r',
                    "\\t" => '\t',
                    "\\$" => '$',
                    _ => {
                        let hex = e.trim_start_matches("\\u{").trim_end_matches('}');
                        u32::from_str_radix(hex, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .ok_or_else(|| format!("unknown escape {e}"))?
                    }
                };
                out.push(ch);
            }
            "interpolation" => {
                let inner = text(c, src);
                let suffix = inner
                    .strip_prefix("${environment().suffixes.")
                    .and_then(|s| s.strip_suffix('}'))
                    .filter(|s| s.chars().all(|c| c.is_ascii_alphanumeric()))
                    .ok_or_else(|| format!("unexpected interpolation {inner}"))?;
                env = Some(suffix.to_string());
            }
            other => return Err(format!("unexpected {other} in a string")),
        }
    }
    Ok(match env {
        Some(s) => json!({ "$env": s, "$prefix": out }),
        None => Value::String(out),
    })
}

/// Names a Bicep file declares, so identifiers can be told apart.
struct Names {
    params: HashSet<String>,
    resources: HashSet<String>,
    modules: HashSet<String>,
}

fn bicep_value(node: Node, src: &str, names: &Names) -> Result<Value, String> {
    let t = text(node, src);
    match node.kind() {
        "string" => bicep_string(node, src),
        "number" => t
            .parse::<i64>()
            .map(Value::from)
            .map_err(|e| format!("{t}: {e}")),
        "boolean" => Ok(Value::Bool(t == "true")),
        "null" => Ok(Value::Null),
        "array" => named(node)
            .into_iter()
            .map(|c| bicep_value(c, src, names))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        "object" => {
            let mut m = Map::new();
            for p in named(node) {
                let parts = named(p);
                let (Some(k), Some(v)) = (parts.first(), parts.last()) else {
                    return Err(format!("odd object property {}", text(p, src)));
                };
                let key = match k.kind() {
                    "string" => bicep_string(*k, src)?
                        .as_str()
                        .ok_or("interpolated key")?
                        .to_string(),
                    _ => text(*k, src).to_string(),
                };
                m.insert(key, bicep_value(*v, src, names)?);
            }
            Ok(Value::Object(m))
        }
        "identifier" if names.params.contains(t) => Ok(json!({ "$param": t })),
        "identifier" if names.resources.contains(t) || names.modules.contains(t) => {
            Ok(json!({ "$symbol": t }))
        }
        "member_expression" => match t {
            "subscription().tenantId" => Ok(json!({ "$tenant": true })),
            "subscription().subscriptionId" => Ok(json!({ "$subscription": true })),
            _ => {
                let object = node.child_by_field_name("object").ok_or("no object")?;
                let property = node.child_by_field_name("property").ok_or("no property")?;
                let (o, p) = (text(object, src), text(property, src));
                if object.kind() == "identifier" && names.resources.contains(o) && p == "id" {
                    return Ok(json!({ "$ref": o }));
                }
                // `<resource>.identity.principalId`: the principal of its identity.
                if object.kind() == "member_expression" && p == "principalId" {
                    let inner = object.child_by_field_name("object").ok_or("no object")?;
                    let via = object
                        .child_by_field_name("property")
                        .ok_or("no property")?;
                    if names.resources.contains(text(inner, src)) && text(via, src) == "identity" {
                        return Ok(json!({ "$principal": text(inner, src) }));
                    }
                }
                if object.kind() == "member_expression" {
                    let inner = object.child_by_field_name("object").ok_or("no object")?;
                    let via = object
                        .child_by_field_name("property")
                        .ok_or("no property")?;
                    if names.modules.contains(text(inner, src)) && text(via, src) == "outputs" {
                        return Ok(json!({ "$output": [text(inner, src), p] }));
                    }
                }
                Err(format!("unexpected member expression {t}"))
            }
        },
        "call_expression" if t.starts_with("guid(") => {
            Ok(json!({ "$guid": call_args(node, src, names)? }))
        }
        "call_expression" if t.starts_with("subscriptionResourceId(") => {
            match call_args(node, src, names)?.as_slice() {
                [Value::String(ty), Value::String(id)]
                    if ty == "Microsoft.Authorization/roleDefinitions" =>
                {
                    Ok(json!({ "$role": id }))
                }
                _ => Err(format!("unexpected subscriptionResourceId: {t}")),
            }
        }
        "call_expression" if t.starts_with("resourceGroup(") => {
            Ok(json!({ "$group": call_args(node, src, names)? }))
        }
        other => Err(format!("unexpected {other}: {t}")),
    }
}

/// The arguments of a call expression, as values.
fn call_args(node: Node, src: &str, names: &Names) -> Result<Vec<Value>, String> {
    let args = node
        .child_by_field_name("arguments")
        .ok_or("no arguments")?;
    named(args)
        .into_iter()
        .map(|a| bicep_value(a, src, names))
        .collect()
}

fn described(decl: Node, src: &str) -> bool {
    let mut prev = decl.prev_named_sibling();
    while let Some(p) = prev.filter(|p| p.kind() == "comment") {
        prev = p.prev_named_sibling();
    }
    prev.filter(|p| p.kind() == "decorators").is_some_and(|d| {
        named(d).into_iter().any(|dec| {
            let call = named(dec).into_iter().next();
            call.is_some_and(|c| {
                let f = c.child_by_field_name("function").map(|f| text(f, src));
                let arg = c
                    .child_by_field_name("arguments")
                    .and_then(|a| named(a).into_iter().next());
                f == Some("description")
                    && arg.is_some_and(|a| {
                        bicep_string(a, src)
                            .ok()
                            .and_then(|v| v.as_str().map(|s| !s.trim().is_empty()))
                            .unwrap_or(false)
                    })
            })
        })
    })
}

fn read_bicep(path: &Path, src: &str) -> BicepFile {
    let tree = parse_bicep(path, src);
    let root = tree.root_node();
    let decls = named(root);
    let mut names = Names {
        params: HashSet::new(),
        resources: HashSet::new(),
        modules: HashSet::new(),
    };
    for d in &decls {
        let id = named(*d)
            .into_iter()
            .next()
            .map(|n| text(n, src).to_string());
        match (d.kind(), id) {
            ("parameter_declaration", Some(id)) => {
                names.params.insert(id);
            }
            ("resource_declaration", Some(id)) => {
                names.resources.insert(id);
            }
            ("module_declaration", Some(id)) => {
                names.modules.insert(id);
            }
            _ => {}
        }
    }
    let fail = |d: Node, e: String| -> ! {
        panic!("{}:{}: {e}", path.display(), d.start_position().row + 1)
    };
    let mut file = BicepFile {
        path: path.to_path_buf(),
        target_scope: None,
        params: Vec::new(),
        resources: Vec::new(),
        modules: Vec::new(),
        outputs: Vec::new(),
        vars: Vec::new(),
    };
    for d in decls {
        let parts = named(d);
        let value = |n: Node| bicep_value(n, src, &names).unwrap_or_else(|e| fail(n, e));
        let object = |n: Node| match value(n) {
            Value::Object(m) => m,
            other => fail(n, format!("expected an object, found {other}")),
        };
        match d.kind() {
            "target_scope_assignment" => {
                file.target_scope = parts
                    .first()
                    .map(|s| value(*s).as_str().unwrap_or_default().to_string());
            }
            "parameter_declaration" => file.params.push(BicepParam {
                name: text(parts[0], src).to_string(),
                described: described(d, src),
                default: parts.get(2).map(|n| value(*n)),
            }),
            "resource_declaration" => {
                let type_ref = value(parts[1]);
                let (ty, api) = type_ref
                    .as_str()
                    .and_then(|s| s.split_once('@'))
                    .unwrap_or_else(|| fail(d, format!("bad type {type_ref}")));
                let mut cursor = d.walk();
                let existing = d.children(&mut cursor).any(|c| c.kind() == "existing");
                file.resources.push(BicepResource {
                    symbol: text(parts[0], src).to_string(),
                    ty: ty.to_string(),
                    api: api.to_string(),
                    existing,
                    body: object(parts[2]),
                });
            }
            "module_declaration" => file.modules.push(BicepModule {
                symbol: text(parts[0], src).to_string(),
                path: value(parts[1]).as_str().unwrap_or_default().to_string(),
                body: object(parts[2]),
            }),
            "output_declaration" => file.outputs.push(BicepOutput {
                name: text(parts[0], src).to_string(),
                described: described(d, src),
                value: value(parts[2]),
            }),
            "variable_declaration" => file
                .vars
                .push((text(parts[0], src).to_string(), value(parts[1]))),
            "decorators" | "using_statement" => {}
            other => fail(d, format!("unexpected declaration {other}")),
        }
    }
    file
}

fn symbol_of(v: Option<&Value>) -> Option<String> {
    v.and_then(|v| v["$symbol"].as_str()).map(str::to_string)
}

/// A `scope: resourceGroup(..)` as a home, seen from a file deployed to `from`.
fn group_home(v: &Value, from: &Home, deploying: Option<&str>) -> Result<Home, String> {
    let args = v["$group"]
        .as_array()
        .ok_or_else(|| format!("expected resourceGroup(..), found {v}"))?;
    let s = |v: &Value| -> Result<Option<String>, String> {
        match v {
            Value::String(s) => Ok(Some(s.clone())),
            Value::Object(m) if m.get("$param").and_then(Value::as_str) == deploying => Ok(None),
            Value::Object(m) if m.contains_key("$subscription") => Ok(from.0.clone()),
            other => Err(format!("unexpected subscription {other}")),
        }
    };
    match args.as_slice() {
        [rg] => Ok((from.0.clone(), rg.as_str().unwrap_or_default().to_string())),
        [sub, rg] => Ok((s(sub)?, rg.as_str().unwrap_or_default().to_string())),
        _ => Err(format!("unexpected resourceGroup arguments {v}")),
    }
}

const DEPLOYING_SUBSCRIPTION: &str = "deployingSubscriptionId";

/// Decompiles `main.bicep` and its modules.
fn decompile_bicep(s: &Scenario) -> (Decompiled, Vec<BicepFile>) {
    let plan = &s.plan;
    let main = read_bicep(&s.dir.join("main.bicep"), &read(&s.dir.join("main.bicep")));
    let mut d = Decompiled::default();
    let mut files = Vec::new();
    d.parameters = main
        .params
        .iter()
        .map(|p| (p.name.clone(), p.default.clone().unwrap_or(Value::Null)))
        .collect();
    if plan.subscription_scope() {
        assert_eq!(
            main.target_scope.as_deref(),
            Some("subscription"),
            "{}",
            s.dir.display()
        );
        let groups: BTreeMap<String, (String, String)> = main
            .resources
            .iter()
            .filter(|r| !r.existing && r.ty == "Microsoft.Resources/resourceGroups")
            .map(|r| {
                let name = r
                    .body
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                // A group's location: a region, or a parameter (its default).
                let loc = match r.body.get("location") {
                    Some(Value::Object(m)) => m
                        .get("$param")
                        .and_then(Value::as_str)
                        .and_then(|p| main.params.iter().find(|q| q.name == p))
                        .and_then(|p| p.default.clone()),
                    other => other.cloned(),
                };
                let loc = loc
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                (r.symbol.clone(), (name, loc))
            })
            .collect();
        d.groups = groups.values().cloned().collect();
        let module_index: HashMap<String, usize> = main
            .modules
            .iter()
            .enumerate()
            .map(|(i, m)| (m.symbol.clone(), i))
            .collect();
        let deploying: Home = (None, String::new());
        for m in &main.modules {
            let scope = m.body.get("scope").unwrap_or(&Value::Null);
            let home = match symbol_of(Some(scope)) {
                Some(g) => (
                    None,
                    groups
                        .get(&g)
                        .map(|x| x.0.clone())
                        .unwrap_or_else(|| panic!("module {} scoped to unknown {g}", m.symbol)),
                ),
                None => group_home(scope, &deploying, None)
                    .unwrap_or_else(|e| panic!("module {}: {e}", m.symbol)),
            };
            let path = s.dir.join(&m.path);
            let file = read_bicep(&path, &read(&path));
            // Parameters passed are the module's parameters, by the same name (the deploying
            // subscription excepted).
            let declared: Vec<&str> = file.params.iter().map(|p| p.name.as_str()).collect();
            let passed: Map<String, Value> = m
                .body
                .get("params")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let passed_names: Vec<&str> = passed.keys().map(String::as_str).collect();
            assert_eq!(
                declared,
                passed_names,
                "{}: parameters passed to {}",
                s.dir.display(),
                m.path
            );
            for (k, v) in &passed {
                let want = if k == DEPLOYING_SUBSCRIPTION {
                    json!({ "$subscription": true })
                } else {
                    json!({ "$param": k })
                };
                assert_eq!(v, &want, "{}: {} passes {k}", s.dir.display(), m.symbol);
            }
            let after: Vec<usize> = m
                .body
                .get("dependsOn")
                .unwrap_or(&Value::Null)
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| {
                    let sym = symbol_of(Some(v)).unwrap_or_else(|| panic!("dependsOn {v}"));
                    module_index[&sym]
                })
                .collect();
            collect_bicep_file(
                plan,
                &file,
                &home,
                m.body
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
                after,
                &mut d,
            );
            files.push(file);
        }
        // Outputs: from a module's outputs, or an `existing` declaration in main.
        for o in &main.outputs {
            let v = match o.value.get("$output") {
                Some(Value::Array(pair)) => {
                    let (m, name) = (
                        pair[0].as_str().unwrap_or_default(),
                        pair[1].as_str().unwrap_or_default(),
                    );
                    let file = &files[module_index[m]];
                    file.outputs
                        .iter()
                        .find(|x| x.name == name)
                        .map(|x| x.value.clone())
                        .unwrap_or_else(|| panic!("{} has no output {name}", file.path.display()))
                }
                _ => o.value.clone(),
            };
            d.outputs.insert(o.name.clone(), v);
        }
        check_existing(plan, &main, &deploying, true, &mut d.problems);
        if main
            .resources
            .iter()
            .any(|r| !r.existing && r.ty != "Microsoft.Resources/resourceGroups")
        {
            d.problems
                .push("subscription-scope main.bicep deploys a resource itself".into());
        }
    } else {
        assert!(
            main.target_scope.is_none(),
            "{}: targetScope at resource-group scope",
            s.dir.display()
        );
        let home = (None, plan.main_group());
        collect_bicep_file(plan, &main, &home, "", Vec::new(), &mut d);
        d.outputs = main
            .outputs
            .iter()
            .map(|o| (o.name.clone(), o.value.clone()))
            .collect();
    }
    files.push(main);
    (d, files)
}

/// The `existing` declarations of a file: plan symbols, declared where the plan puts them.
fn check_existing(
    plan: &PlanIndex,
    file: &BicepFile,
    home: &Home,
    sub_scope: bool,
    problems: &mut Vec<String>,
) {
    for r in file.resources.iter().filter(|r| r.existing) {
        let at = format!("{}: existing {}", file.path.display(), r.symbol);
        if !plan.by_symbol.contains_key(&r.symbol) {
            problems.push(format!("{at}: not a plan symbol"));
            continue;
        }
        let e = plan.expected(&r.symbol);
        if (r.ty.as_str(), r.api.as_str()) != (e.ty.as_str(), e.api.as_str()) {
            problems.push(format!(
                "{at}: {}@{} instead of {}@{}",
                r.ty, r.api, e.ty, e.api
            ));
        }
        if r.body.get("name") != e.path.last() {
            problems.push(format!(
                "{at}: name {:?} instead of {:?}",
                r.body.get("name"),
                e.path.last()
            ));
        }
        let parent = symbol_of(r.body.get("parent"));
        if parent != plan.parent(&r.symbol) {
            problems.push(format!(
                "{at}: parent {parent:?} instead of {:?}",
                plan.parent(&r.symbol)
            ));
        }
        if parent.is_some() || e.scope.is_some() {
            continue;
        }
        let want = plan.home(&r.symbol);
        let got = match r.body.get("scope") {
            None if !sub_scope => Ok(home.clone()),
            None => Err("no scope at subscription scope".to_string()),
            Some(v) => group_home(v, home, Some(DEPLOYING_SUBSCRIPTION)),
        };
        match got {
            Ok(h) if same_home(&h, &want) => {}
            Ok(h) => problems.push(format!(
                "{at}: declared in {h:?}, the plan puts it in {want:?}"
            )),
            Err(e) => problems.push(format!("{at}: {e}")),
        }
    }
}

/// Adds one Bicep file deployed to `home` to `d`.
fn collect_bicep_file(
    plan: &PlanIndex,
    file: &BicepFile,
    home: &Home,
    name: &str,
    after: Vec<usize>,
    d: &mut Decompiled,
) {
    check_existing(plan, file, home, false, &mut d.problems);
    let mut created = Vec::new();
    for r in file.resources.iter().filter(|r| !r.existing) {
        let at = format!("{}: {}", file.path.display(), r.symbol);
        if !plan.by_symbol.contains_key(&r.symbol) {
            d.problems.push(format!("{at}: not a plan symbol"));
            continue;
        }
        let mut path = match plan.parent(&r.symbol) {
            Some(p) => plan.path(&p),
            None => Vec::new(),
        };
        path.push(r.body.get("name").cloned().unwrap_or(Value::Null));
        let parent = symbol_of(r.body.get("parent"));
        if parent != plan.parent(&r.symbol) {
            d.problems.push(format!(
                "{at}: parent {parent:?} instead of {:?}",
                plan.parent(&r.symbol)
            ));
        }
        if !same_home(home, &plan.home(&r.symbol)) {
            d.problems.push(format!(
                "{at}: deployed to {home:?}, the plan puts it in {:?}",
                plan.home(&r.symbol)
            ));
        }
        let decl = Decl {
            ty: r.ty.clone(),
            api: r.api.clone(),
            path,
            scope: symbol_of(r.body.get("scope")),
            location: r.body.get("location").cloned(),
            tags: match r.body.get("tags") {
                None => false,
                Some(v) if *v == json!({ "$param": "tags" }) => true,
                Some(v) => {
                    d.problems.push(format!("{at}: tags {v}"));
                    false
                }
            },
            sku: r.body.get("sku").cloned(),
            kind: r
                .body
                .get("kind")
                .and_then(Value::as_str)
                .map(str::to_string),
            identity: r.body.get("identity").cloned(),
            properties: r.body.get("properties").cloned().unwrap_or(Value::Null),
        };
        let known = [
            "parent",
            "scope",
            "name",
            "location",
            "tags",
            "sku",
            "kind",
            "identity",
            "properties",
            "dependsOn",
        ];
        for k in r.body.keys().filter(|k| !known.contains(&k.as_str())) {
            d.problems.push(format!("{at}: unexpected {k}"));
        }
        let deps: Vec<String> = r
            .body
            .get("dependsOn")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|v| symbol_of(Some(v)).unwrap_or_else(|| v.to_string()))
            .collect();
        if d.created.insert(r.symbol.clone(), decl).is_some() {
            d.problems.push(format!("{at}: deployed twice"));
        }
        d.depends_on.insert(r.symbol.clone(), deps);
        created.push(r.symbol.clone());
    }
    d.stages.push(Stage {
        name: name.to_string(),
        home: home.clone(),
        created,
        after,
    });
}

// ---------------------------------------------------------------------------------------
// ARM
// ---------------------------------------------------------------------------------------

/// An ARM template expression.
#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Str(String),
    Int(i64),
    Call(String, Vec<Expr>),
    Member(Box<Expr>, String),
}

fn parse_expr(s: &str) -> Result<Expr, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut pos = 0;
    let e = expr(&chars, &mut pos)?;
    skip_ws(&chars, &mut pos);
    if pos != chars.len() {
        return Err(format!("trailing text in {s}"));
    }
    Ok(e)
}

fn skip_ws(c: &[char], pos: &mut usize) {
    while *pos < c.len() && c[*pos].is_whitespace() {
        *pos += 1;
    }
}

fn ident(c: &[char], pos: &mut usize) -> String {
    let start = *pos;
    while *pos < c.len() && (c[*pos].is_ascii_alphanumeric() || c[*pos] == '_') {
        *pos += 1;
    }
    c[start..*pos].iter().collect()
}

fn expr(c: &[char], pos: &mut usize) -> Result<Expr, String> {
    skip_ws(c, pos);
    let mut e = match c.get(*pos) {
        Some('\'') => {
            *pos += 1;
            let mut s = String::new();
            loop {
                match c.get(*pos) {
                    None => return Err("unterminated string".into()),
                    Some('\'') if c.get(*pos + 1) == Some(&'\'') => {
                        s.push('\'');
                        *pos += 2;
                    }
                    Some('\'') => {
                        *pos += 1;
                        break;
                    }
                    Some(&ch) => {
                        s.push(ch);
                        *pos += 1;
                    }
                }
            }
            Expr::Str(s)
        }
        Some(ch) if ch.is_ascii_digit() || *ch == '-' => {
            let start = *pos;
            *pos += 1;
            while *pos < c.len() && c[*pos].is_ascii_digit() {
                *pos += 1;
            }
            let t: String = c[start..*pos].iter().collect();
            Expr::Int(t.parse().map_err(|e| format!("{t}: {e}"))?)
        }
        Some(ch) if ch.is_ascii_alphabetic() => {
            let name = ident(c, pos);
            skip_ws(c, pos);
            if c.get(*pos) != Some(&'(') {
                return Err(format!("expected ( after {name}"));
            }
            *pos += 1;
            let mut args = Vec::new();
            skip_ws(c, pos);
            if c.get(*pos) == Some(&')') {
                *pos += 1;
            } else {
                loop {
                    args.push(expr(c, pos)?);
                    skip_ws(c, pos);
                    match c.get(*pos) {
                        Some(',') => *pos += 1,
                        Some(')') => {
                            *pos += 1;
                            break;
                        }
                        other => return Err(format!("expected , or ) found {other:?}")),
                    }
                }
            }
            Expr::Call(name, args)
        }
        other => return Err(format!("unexpected {other:?}")),
    };
    loop {
        skip_ws(c, pos);
        if c.get(*pos) == Some(&'.') {
            *pos += 1;
            let p = ident(c, pos);
            e = Expr::Member(Box::new(e), p);
        } else {
            return Ok(e);
        }
    }
}

fn call<'e>(e: &'e Expr, name: &str) -> Option<&'e [Expr]> {
    match e {
        Expr::Call(n, args) if n.eq_ignore_ascii_case(name) => Some(args),
        _ => None,
    }
}

fn env_suffix(e: &Expr) -> Option<String> {
    if let Expr::Member(inner, suffix) = e {
        if let Expr::Member(env, s) = inner.as_ref() {
            if s == "suffixes" && call(env, "environment").is_some_and(<[Expr]>::is_empty) {
                return Some(suffix.clone());
            }
        }
    }
    None
}

/// How a template names a subscription.
#[derive(Debug, Clone, PartialEq)]
enum SubRef {
    /// The template's own subscription.
    Current,
    /// The deployment's caller's (a parameter).
    Deploying,
    Named(String),
}

struct ArmCtx<'a> {
    plan: &'a PlanIndex,
    /// The template's group; `None` at subscription scope.
    home: Option<Home>,
}

impl ArmCtx<'_> {
    fn sub_of(&self, sub: &SubRef) -> Option<String> {
        match sub {
            SubRef::Named(s) => Some(s.clone()),
            SubRef::Deploying => None,
            SubRef::Current => self.home.as_ref().and_then(|h| h.0.clone()),
        }
    }

    fn sub_ref(&self, e: &Expr) -> Result<SubRef, String> {
        match e {
            Expr::Str(s) => Ok(SubRef::Named(s.clone())),
            Expr::Member(inner, p)
                if p == "subscriptionId" && call(inner, "subscription").is_some() =>
            {
                Ok(SubRef::Current)
            }
            Expr::Call(n, a)
                if n == "parameters" && a == &[Expr::Str(DEPLOYING_SUBSCRIPTION.into())] =>
            {
                Ok(SubRef::Deploying)
            }
            other => Err(format!("unexpected subscription {other:?}")),
        }
    }

    /// A name segment in plan terms.
    fn segment(&self, e: &Expr) -> Result<Value, String> {
        match e {
            Expr::Str(s) => Ok(Value::String(s.clone())),
            _ => match self.value(e)? {
                v @ Value::Object(_) if v.get("$env").is_some() || v.get("$guid").is_some() => {
                    Ok(v)
                }
                other => Err(format!("unexpected name segment {other}")),
            },
        }
    }

    /// The plan symbol a `resourceId`/`extensionResourceId` names, after checking where.
    fn resolve(&self, e: &Expr) -> Result<String, String> {
        let (args, extension) = match e {
            Expr::Call(n, a) if n == "resourceId" => (a.as_slice(), false),
            Expr::Call(n, a) if n == "extensionResourceId" => (a.as_slice(), true),
            other => return Err(format!("not a resource id: {other:?}")),
        };
        let (scope_args, rest) = if extension {
            (&args[..1], &args[1..])
        } else {
            let t = args
                .iter()
                .position(|a| matches!(a, Expr::Str(s) if s.contains('/')))
                .ok_or("no type")?;
            (&args[..t], &args[t..])
        };
        let Some((Expr::Str(ty), names)) = rest.split_first() else {
            return Err("no type".into());
        };
        let path = names
            .iter()
            .map(|n| self.segment(n))
            .collect::<Result<Vec<_>, _>>()?;
        let mut extended: Option<String> = None;
        let got: Option<Home> = if extension {
            let scope = &scope_args[0];
            if let Some(a) = call(scope, "format") {
                match a {
                    [Expr::Str(f), sub, Expr::Str(rg)]
                        if f == "/subscriptions/{0}/resourceGroups/{1}" =>
                    {
                        Some((self.sub_of(&self.sub_ref(sub)?), rg.clone()))
                    }
                    _ => return Err(format!("unexpected scope {scope:?}")),
                }
            } else {
                extended = Some(self.resolve(scope)?);
                None
            }
        } else {
            let home = self
                .home
                .clone()
                .ok_or("resourceId() at subscription scope")?;
            match scope_args {
                [] => Some(home),
                [Expr::Str(rg)] => Some((home.0.clone(), rg.clone())),
                [sub, Expr::Str(rg)] => Some((self.sub_of(&self.sub_ref(sub)?), rg.clone())),
                other => return Err(format!("unexpected resourceId arguments {other:?}")),
            }
        };
        let symbol = self
            .plan
            .lookup(ty, &path, got.as_ref(), extended.as_deref())?;
        Ok(symbol)
    }

    fn value(&self, e: &Expr) -> Result<Value, String> {
        if let Some([Expr::Str(p)]) = call(e, "parameters") {
            return Ok(json!({ "$param": p }));
        }
        if let Expr::Member(inner, p) = e {
            if p == "tenantId" && call(inner, "subscription").is_some() {
                return Ok(json!({ "$tenant": true }));
            }
            // `reference(<id>, '<api>', 'full').identity.principalId`
            if let Expr::Member(of, via) = inner.as_ref() {
                if p == "principalId" && via == "identity" {
                    if let Some([id, Expr::Str(_), Expr::Str(full)]) = call(of, "reference") {
                        if full == "full" {
                            return Ok(json!({ "$principal": self.resolve(id)? }));
                        }
                    }
                }
            }
        }
        if let Some(args) = call(e, "guid") {
            let values = args
                .iter()
                .map(|a| match a {
                    Expr::Str(s) => Ok(Value::String(s.clone())),
                    other => self.value(other),
                })
                .collect::<Result<Vec<_>, String>>()?;
            return Ok(json!({ "$guid": values }));
        }
        if let Some([Expr::Str(ty), Expr::Str(id)]) = call(e, "subscriptionResourceId") {
            if ty == "Microsoft.Authorization/roleDefinitions" {
                return Ok(json!({ "$role": id }));
            }
        }
        if let Some([Expr::Str(f), arg]) = call(e, "format") {
            if let (Some(prefix), Some(s)) = (f.strip_suffix("{0}"), env_suffix(arg)) {
                if !prefix.contains('{') || prefix.contains("{{") {
                    let prefix = prefix.replace("{{", "{").replace("}}", "}");
                    return Ok(json!({ "$env": s, "$prefix": prefix }));
                }
            }
        }
        if call(e, "resourceId").is_some() || call(e, "extensionResourceId").is_some() {
            return Ok(json!({ "$ref": self.resolve(e)? }));
        }
        Err(format!("unexpected expression {e:?}"))
    }

    /// A JSON value of the template in plan terms.
    fn json(&self, v: &Value) -> Result<Value, String> {
        Ok(match v {
            Value::String(s) if s.starts_with("[[") => Value::String(s[1..].to_string()),
            Value::String(s) if s.starts_with('[') && s.ends_with(']') => {
                self.value(&parse_expr(&s[1..s.len() - 1])?)?
            }
            Value::Array(a) => {
                Value::Array(a.iter().map(|x| self.json(x)).collect::<Result<_, _>>()?)
            }
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| Ok((k.clone(), self.json(x)?)))
                    .collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }

    /// The name path of a resource written at the top level.
    fn name_path(&self, name: &str) -> Result<Vec<Value>, String> {
        if name.starts_with("[[") || !name.starts_with('[') {
            let literal = name
                .strip_prefix('[')
                .filter(|_| name.starts_with("[["))
                .unwrap_or(name);
            return Ok(literal
                .split('/')
                .map(|s| Value::String(s.to_string()))
                .collect());
        }
        let e = parse_expr(&name[1..name.len() - 1])?;
        if let Some([Expr::Str(f), args @ ..]) = call(&e, "format") {
            let holes: Vec<String> = (0..args.len()).map(|i| format!("{{{i}}}")).collect();
            if args.len() > 1 && *f == holes.join("/") {
                return args.iter().map(|a| self.segment(a)).collect();
            }
        }
        Ok(vec![self.segment(&e)?])
    }

    /// An extension resource's `scope`: `format('<type>/{0}', <name>)` or a resource id.
    fn extended(&self, scope: &str) -> Result<String, String> {
        let e = parse_expr(scope.trim_start_matches('[').trim_end_matches(']'))?;
        if let Some([Expr::Str(f), names @ ..]) = call(&e, "format") {
            let ty = f.strip_suffix("/{0}").ok_or("unexpected scope format")?;
            let path = names
                .iter()
                .map(|n| self.segment(n))
                .collect::<Result<Vec<_>, _>>()?;
            return self.plan.lookup(ty, &path, self.home.as_ref(), None);
        }
        self.resolve(&e)
    }
}

fn decompile_arm(s: &Scenario) -> Decompiled {
    let path = s.dir.join("azuredeploy.json");
    let t: Value = serde_json::from_str(&read(&path))
        .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
    let plan = &s.plan;
    let mut d = Decompiled::default();
    let top = ArmCtx {
        plan,
        home: (!plan.subscription_scope()).then(|| (None, plan.main_group())),
    };
    d.parameters = t["parameters"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v["defaultValue"].clone()))
        .collect();
    let wanted_schema = if plan.subscription_scope() {
        "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
    } else {
        "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
    };
    if t["$schema"] != json!(wanted_schema) {
        d.problems.push(format!("$schema {}", t["$schema"]));
    }
    if plan.subscription_scope() {
        let resources = t["resources"].as_array().cloned().unwrap_or_default();
        let deployments: Vec<&Value> = resources
            .iter()
            .filter(|r| r["type"] == json!("Microsoft.Resources/deployments"))
            .collect();
        for r in &resources {
            match r["type"].as_str() {
                Some("Microsoft.Resources/resourceGroups") => {
                    // A group's location: a region, or a parameter (its default).
                    let loc = match top.json(&r["location"]) {
                        Ok(Value::Object(m)) => m
                            .get("$param")
                            .and_then(Value::as_str)
                            .map(|p| t["parameters"][p]["defaultValue"].clone())
                            .unwrap_or_default(),
                        Ok(v) => v,
                        Err(e) => {
                            d.problems.push(format!("group location: {e}"));
                            Value::Null
                        }
                    };
                    d.groups.push((
                        r["name"].as_str().unwrap_or_default().to_string(),
                        loc.as_str().unwrap_or_default().to_string(),
                    ));
                }
                Some("Microsoft.Resources/deployments") => {}
                other => d
                    .problems
                    .push(format!("subscription scope deploys {other:?} itself")),
            }
        }
        let deployment_of = |e: &Expr| -> Option<usize> {
            let args = call(e, "extensionResourceId")?;
            let Some(Expr::Str(name)) = args.last() else {
                return None;
            };
            deployments.iter().position(|x| x["name"] == json!(name))
        };
        for dep in &deployments {
            let name = dep["name"].as_str().unwrap_or_default().to_string();
            let home: Home = (
                dep["subscriptionId"].as_str().map(str::to_string),
                dep["resourceGroup"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
            let p = &dep["properties"];
            if p["expressionEvaluationOptions"]["scope"] != json!("inner") {
                d.problems
                    .push(format!("{name}: not evaluated in inner scope"));
            }
            let inner = &p["template"];
            let declared: Vec<&String> = inner["parameters"]
                .as_object()
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            let passed: Vec<&String> = p["parameters"]
                .as_object()
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            if declared != passed {
                d.problems
                    .push(format!("{name}: passes {passed:?}, declares {declared:?}"));
            }
            let mut after = Vec::new();
            for x in dep["dependsOn"].as_array().into_iter().flatten() {
                let e = parse_expr(
                    x.as_str()
                        .unwrap_or_default()
                        .trim_start_matches('[')
                        .trim_end_matches(']'),
                )
                .unwrap_or_else(|e| panic!("{name}: dependsOn {x}: {e}"));
                if let Some(i) = deployment_of(&e) {
                    after.push(i);
                } else if call(&e, "subscriptionResourceId").is_none() {
                    d.problems.push(format!("{name}: dependsOn {x}"));
                }
            }
            let ctx = ArmCtx {
                plan,
                home: Some(home.clone()),
            };
            collect_arm_template(&ctx, inner, &name, after, &mut d);
        }
        for (k, o) in t["outputs"].as_object().into_iter().flatten() {
            let text = o["value"].as_str().unwrap_or_default();
            let e = parse_expr(text.trim_start_matches('[').trim_end_matches(']'))
                .unwrap_or_else(|e| panic!("output {k}: {e}"));
            // reference(<deployment>, <api>).outputs.<name>.value, or an id.
            let via = match &e {
                Expr::Member(a, v) if v == "value" => match a.as_ref() {
                    Expr::Member(b, out) => match b.as_ref() {
                        Expr::Member(c, outs) if outs == "outputs" => call(c, "reference")
                            .and_then(|args| deployment_of(&args[0]))
                            .map(|i| (i, out.clone())),
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            };
            let v = match via {
                Some((i, out)) => {
                    let dep = deployments[i];
                    let home: Home = (
                        dep["subscriptionId"].as_str().map(str::to_string),
                        dep["resourceGroup"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                    );
                    let ctx = ArmCtx {
                        plan,
                        home: Some(home),
                    };
                    ctx.json(&dep["properties"]["template"]["outputs"][&out]["value"])
                }
                None => top.value(&e),
            };
            match v {
                Ok(v) => {
                    d.outputs.insert(k.clone(), v);
                }
                Err(e) => d.problems.push(format!("output {k}: {e}")),
            }
        }
    } else {
        collect_arm_template(&top, &t, "", Vec::new(), &mut d);
        for (k, o) in t["outputs"].as_object().into_iter().flatten() {
            match top.json(&o["value"]) {
                Ok(v) => {
                    d.outputs.insert(k.clone(), v);
                }
                Err(e) => d.problems.push(format!("output {k}: {e}")),
            }
        }
    }
    d
}

fn collect_arm_template(
    ctx: &ArmCtx,
    t: &Value,
    name: &str,
    after: Vec<usize>,
    d: &mut Decompiled,
) {
    let home = ctx.home.clone().unwrap_or_default();
    let mut created = Vec::new();
    let mut deps: Vec<(String, Vec<String>)> = Vec::new();
    for r in t["resources"].as_array().into_iter().flatten() {
        let ty = r["type"].as_str().unwrap_or_default().to_string();
        let raw_name = r["name"].as_str().unwrap_or_default();
        let at = format!("azuredeploy.json {name} {ty} {raw_name}");
        let mut problem = |m: String| d.problems.push(format!("{at}: {m}"));
        let path = match ctx.name_path(raw_name) {
            Ok(p) => p,
            Err(e) => {
                problem(e);
                continue;
            }
        };
        let scope = r["scope"].as_str().map(|s| {
            ctx.extended(s).unwrap_or_else(|e| {
                problem(format!("scope: {e}"));
                String::new()
            })
        });
        let symbol = match ctx.plan.lookup(&ty, &path, Some(&home), scope.as_deref()) {
            Ok(s) => s,
            Err(e) => {
                problem(e);
                continue;
            }
        };
        let mut conv = |key: &str| -> Option<Value> {
            r.get(key).map(|v| {
                ctx.json(v).unwrap_or_else(|e| {
                    d.problems.push(format!("{at}: {key}: {e}"));
                    Value::Null
                })
            })
        };
        let location = conv("location");
        let sku = conv("sku");
        let identity = conv("identity");
        let properties = conv("properties").unwrap_or(Value::Null);
        let tags = match &r["tags"] {
            Value::Null => false,
            v if *v == json!("[parameters('tags')]") => true,
            v => {
                d.problems.push(format!("{at}: tags {v}"));
                false
            }
        };
        let known = [
            "type",
            "apiVersion",
            "name",
            "scope",
            "location",
            "tags",
            "sku",
            "kind",
            "identity",
            "properties",
            "dependsOn",
        ];
        for k in r
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
            .filter(|k| !known.contains(&k.as_str()))
        {
            d.problems.push(format!("{at}: unexpected {k}"));
        }
        let decl = Decl {
            ty,
            api: r["apiVersion"].as_str().unwrap_or_default().to_string(),
            path,
            scope,
            location,
            tags,
            sku,
            kind: r["kind"].as_str().map(str::to_string),
            identity,
            properties,
        };
        let mut depends = Vec::new();
        for x in r["dependsOn"].as_array().into_iter().flatten() {
            let text = x.as_str().unwrap_or_default();
            match parse_expr(text.trim_start_matches('[').trim_end_matches(']'))
                .and_then(|e| ctx.resolve(&e))
            {
                Ok(s) => depends.push(s),
                Err(e) => d.problems.push(format!("{at}: dependsOn {text}: {e}")),
            }
        }
        if d.created.insert(symbol.clone(), decl).is_some() {
            d.problems.push(format!("{at}: deployed twice"));
        }
        deps.push((symbol.clone(), depends));
        created.push(symbol);
    }
    d.depends_on.extend(deps);
    d.stages.push(Stage {
        name: name.to_string(),
        home,
        created,
        after,
    });
}

// ---------------------------------------------------------------------------------------
// Checks shared by both languages
// ---------------------------------------------------------------------------------------

/// Every created plan resource, once, exactly as planned; nothing else. Each deployment
/// waits for every earlier one it needs, and for no other.
fn compare_with_plan(lang: &str, s: &Scenario, d: &Decompiled) -> Vec<String> {
    let plan = &s.plan;
    let mut problems: Vec<String> = d.problems.iter().map(|p| format!("{lang}: {p}")).collect();
    let planned: Vec<String> = plan
        .created()
        .map(|r| r["symbol"].as_str().unwrap_or_default().to_string())
        .collect();
    for sym in &planned {
        match d.created.get(sym) {
            None => problems.push(format!("{lang}: {sym} is planned but not deployed")),
            Some(got) => {
                let want = plan.expected(sym);
                if *got != want {
                    problems.push(format!("{lang}: {sym} differs from the plan:\n  template: {got:?}\n  plan:     {want:?}"));
                }
            }
        }
    }
    for sym in d.created.keys().filter(|k| !planned.contains(k)) {
        problems.push(format!(
            "{lang}: {sym} is deployed but not planned (or planned as existing)"
        ));
    }
    let mut groups = d.groups.clone();
    groups.sort();
    let mut want_groups = plan.created_groups();
    want_groups.sort();
    if groups != want_groups {
        problems.push(format!(
            "{lang}: creates groups {groups:?}, the plan {want_groups:?}"
        ));
    }
    let outputs = plan.outputs();
    if d.outputs != outputs {
        problems.push(format!(
            "{lang}: outputs {:?}, the plan {:?}",
            d.outputs, outputs
        ));
    }
    let stage_of: HashMap<&str, usize> = d
        .stages
        .iter()
        .enumerate()
        .flat_map(|(i, st)| st.created.iter().map(move |c| (c.as_str(), i)))
        .collect();
    for (i, st) in d.stages.iter().enumerate() {
        let mut needed: HashSet<usize> = HashSet::new();
        for c in &st.created {
            for n in plan.needs(c) {
                if let Some(&j) = stage_of.get(n.as_str()) {
                    if j > i {
                        problems.push(format!(
                            "{lang}: {c} (deployment {}) needs {n}, deployed later",
                            i + 1
                        ));
                    } else if j < i {
                        needed.insert(j);
                    }
                }
            }
        }
        // Every deployment needed runs before (directly or through another); every one
        // waited for is needed.
        let mut reach: HashSet<usize> = HashSet::new();
        let mut stack = st.after.clone();
        while let Some(j) = stack.pop() {
            if reach.insert(j) {
                stack.extend(d.stages[j].after.iter().copied());
            }
        }
        for j in &needed {
            if !reach.contains(j) {
                problems.push(format!(
                    "{lang}: deployment {} does not wait for deployment {}",
                    i + 1,
                    j + 1
                ));
            }
        }
        for j in &st.after {
            if !needed.contains(j) {
                problems.push(format!(
                    "{lang}: deployment {} waits for deployment {} without needing it",
                    i + 1,
                    j + 1
                ));
            }
        }
    }
    problems
}

fn report(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[test]
fn templates_parse() {
    let started = Instant::now();
    let mut count = 0;
    for s in scenarios() {
        let mut bicep = Vec::new();
        files_with(&s.dir, ".bicep", &mut bicep);
        assert!(
            bicep.iter().any(|p| p.ends_with("main.bicep")),
            "{}: no main.bicep",
            s.dir.display()
        );
        for p in &bicep {
            parse_bicep(p, &read(p));
            count += 1;
        }
        // A parameter file read as Bicep: `param x = v` lines become `var x = v`.
        let params = s.dir.join("main.bicepparam");
        let text = read(&params);
        let as_bicep = text.replace("\nparam ", "\nvar ");
        let file = read_bicep(&params, &as_bicep);
        let first = text.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("// ") && first.contains("Generated by amlpe"),
            "{}: header",
            params.display()
        );
        assert!(
            text.contains("\nusing 'main.bicep'\n"),
            "{}: no using 'main.bicep'",
            params.display()
        );
        let main = read_bicep(&s.dir.join("main.bicep"), &read(&s.dir.join("main.bicep")));
        let defaults = s.plan.parameter_defaults();
        let declared: Vec<&str> = main.params.iter().map(|p| p.name.as_str()).collect();
        let set: Vec<&str> = file.vars.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            declared,
            set,
            "{}: sets other parameters than main.bicep declares",
            params.display()
        );
        for (n, v) in &file.vars {
            assert_eq!(Some(v), defaults.get(n), "{}: {n}", params.display());
        }
        for p in ["azuredeploy.json", "azuredeploy.parameters.json"] {
            let path = s.dir.join(p);
            let text = read(&path);
            serde_json::from_str::<Value>(&text)
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
            assert!(
                !text.contains('\t'),
                "{}: a tab (checkov reads JSON as YAML)",
                path.display()
            );
            count += 1;
        }
        let t: Value =
            serde_json::from_str(&read(&s.dir.join("azuredeploy.json"))).unwrap_or_default();
        let pf: Value = serde_json::from_str(&read(&s.dir.join("azuredeploy.parameters.json")))
            .unwrap_or_default();
        let declared: Vec<&String> = t["parameters"]
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        let given: Vec<&String> = pf["parameters"]
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        assert_eq!(
            declared,
            given,
            "{}: parameter file and template disagree",
            s.dir.display()
        );
        for (k, v) in pf["parameters"].as_object().into_iter().flatten() {
            assert_eq!(
                Some(&v["value"]),
                defaults.get(k),
                "{}: azuredeploy.parameters.json {k}",
                s.dir.display()
            );
        }
    }
    println!("parsed {count} files in {:.2?}", started.elapsed());
}

#[test]
fn bicep_matches_the_plan() {
    for s in scenarios() {
        let (d, _) = decompile_bicep(&s);
        report(compare_with_plan(
            &format!("{} bicep", s.dir.display()),
            &s,
            &d,
        ));
    }
}

#[test]
fn arm_matches_the_plan() {
    for s in scenarios() {
        let d = decompile_arm(&s);
        report(compare_with_plan(
            &format!("{} arm", s.dir.display()),
            &s,
            &d,
        ));
    }
}

/// Bicep and ARM deploy the same resources with the same values, cut into the same
/// deployments in the same order, with the same parameters and outputs.
#[test]
fn bicep_and_arm_do_not_drift() {
    for s in scenarios() {
        let (b, _) = decompile_bicep(&s);
        let a = decompile_arm(&s);
        let at = s.dir.display();
        let mut problems = Vec::new();
        let symbols: HashSet<&String> = b.created.keys().chain(a.created.keys()).collect();
        for sym in symbols {
            if b.created.get(sym) != a.created.get(sym) {
                problems.push(format!(
                    "{at}: {sym}:\n  bicep: {:?}\n  arm:   {:?}",
                    b.created.get(sym),
                    a.created.get(sym)
                ));
            }
        }
        if b.stages != a.stages {
            problems.push(format!(
                "{at}: deployments differ:\n  bicep: {:?}\n  arm:   {:?}",
                b.stages, a.stages
            ));
        }
        if b.parameters != a.parameters {
            problems.push(format!(
                "{at}: parameters differ:\n  bicep: {:?}\n  arm:   {:?}",
                b.parameters, a.parameters
            ));
        }
        if b.outputs != a.outputs {
            problems.push(format!("{at}: outputs differ"));
        }
        if b.groups != a.groups {
            problems.push(format!(
                "{at}: groups differ: {:?} / {:?}",
                b.groups, a.groups
            ));
        }
        report(problems);
    }
}

/// Bicep orders only what no reference implies: a resource's `dependsOn` is the plan's
/// `depends_on` (the part deployed by the same file). ARM infers nothing from `resourceId()`,
/// so there a resource waits for everything it needs in its template.
#[test]
fn depends_on_is_what_the_plan_orders() {
    for s in scenarios() {
        let (b, _) = decompile_bicep(&s);
        let a = decompile_arm(&s);
        let mut problems = Vec::new();
        for (deps, lang) in [(&b, "bicep"), (&a, "arm")] {
            for st in &deps.stages {
                for c in &st.created {
                    let got: HashSet<&String> = deps.depends_on[c].iter().collect();
                    let planned = if lang == "bicep" {
                        s.plan.get(c)["depends_on"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    } else {
                        s.plan.needs(c)
                    };
                    let want: HashSet<&String> =
                        planned.iter().filter(|n| st.created.contains(n)).collect();
                    if got != want {
                        problems.push(format!(
                            "{} {lang}: {c} depends on {got:?}, expected {want:?}",
                            s.dir.display()
                        ));
                    }
                }
            }
        }
        report(problems);
    }
}

#[test]
fn no_cloud_host_is_spelled_out() {
    const HOSTS: &[&str] = &[
        "core.windows.net",
        "core.usgovcloudapi.net",
        "core.chinacloudapi.cn",
        "azurecr.io",
        "azurecr.us",
        "azurecr.cn",
    ];
    for s in scenarios() {
        let mut files = Vec::new();
        for suffix in [
            ".bicep",
            ".bicepparam",
            "azuredeploy.json",
            "azuredeploy.parameters.json",
        ] {
            files_with(&s.dir, suffix, &mut files);
        }
        for f in files {
            let text = read(&f).to_lowercase();
            for h in HOSTS {
                // At a label boundary: `privatelink.vaultcore.usgovcloudapi.net` (the Key
                // Vault zone, literal by design) is no storage host.
                let spelled = text.match_indices(h).any(|(i, _)| {
                    !text[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
                });
                assert!(
                    !spelled,
                    "{}: spells {h} (use environment().suffixes)",
                    f.display()
                );
            }
        }
    }
}

#[test]
fn every_bicep_parameter_and_output_is_described() {
    for s in scenarios() {
        let (_, files) = decompile_bicep(&s);
        for f in &files {
            for p in &f.params {
                assert!(
                    p.described,
                    "{}: param {} has no @description",
                    f.path.display(),
                    p.name
                );
            }
            for o in &f.outputs {
                assert!(
                    o.described,
                    "{}: output {} has no @description",
                    f.path.display(),
                    o.name
                );
            }
            let text = read(&f.path);
            let first = text.lines().next().unwrap_or_default();
            assert!(
                first.starts_with("// ") && first.contains("Generated by amlpe"),
                "{}: header",
                f.path.display()
            );
            let deploy = if s.plan.subscription_scope() {
                "az deployment sub create -l "
            } else {
                "az deployment group create -g "
            };
            assert!(
                text.lines()
                    .take(4)
                    .any(|l| l.starts_with("// ") && l.contains(deploy)),
                "{}: no deploy command",
                f.path.display()
            );
        }
        let t: Value =
            serde_json::from_str(&read(&s.dir.join("azuredeploy.json"))).unwrap_or_default();
        let deploy = t["metadata"]["deploy"].as_str().unwrap_or_default();
        assert!(
            deploy.contains(
                "--template-file azuredeploy.json --parameters @azuredeploy.parameters.json"
            ),
            "{}: deploy {deploy:?}",
            s.dir.display()
        );
        assert!(
            t["metadata"]["_generator"]["name"] == json!("amlpe"),
            "{}: metadata._generator",
            s.dir.display()
        );
        for (k, p) in t["parameters"].as_object().into_iter().flatten() {
            assert!(
                p["metadata"]["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{}: ARM parameter {k} undescribed",
                s.dir.display()
            );
        }
    }
}

/// The decompilers themselves: a template that drifts from the plan is caught.
mod decompiler_tests {
    use super::*;

    fn plan() -> PlanIndex {
        PlanIndex::new(json!({
            "scope": "resourceGroup",
            "resource_group": "rg",
            "resource_groups": [],
            "parameters": [{ "name": "location", "default": "westeurope" }],
            "outputs": [],
            "resources": [
                { "symbol": "vnet", "type": "Microsoft.Network/virtualNetworks", "api_version": "2025-07-01",
                  "name": "vnet", "resource_group": "rg", "existing": false, "tags": false,
                  "location": { "$param": "location" }, "properties": {} },
                { "symbol": "snet", "type": "Microsoft.Network/virtualNetworks/subnets", "api_version": "2025-07-01",
                  "name": "a", "resource_group": "rg", "existing": false, "parent": "vnet", "tags": false,
                  "properties": { "addressPrefix": "10.0.0.0/24" } },
                { "symbol": "zone", "type": "Microsoft.Network/privateDnsZones", "api_version": "2024-06-01",
                  "name": "privatelink.blob.core.windows.net", "name_expr": { "$env": "storage", "$prefix": "privatelink.blob." },
                  "resource_group": "hub", "subscription": "s1", "existing": true, "tags": false }
            ]
        }))
    }

    #[test]
    fn arm_names_and_ids_resolve_to_plan_symbols() {
        let p = plan();
        let ctx = ArmCtx {
            plan: &p,
            home: Some((None, "rg".into())),
        };
        assert_eq!(
            ctx.name_path("vnet/a").ok(),
            Some(vec![json!("vnet"), json!("a")])
        );
        let id = |s: &str| ctx.json(&json!(s));
        assert_eq!(
            id("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'a')]").ok(),
            Some(json!({ "$ref": "snet" }))
        );
        assert_eq!(
            id("[resourceId('s1', 'hub', 'Microsoft.Network/privateDnsZones', format('privatelink.blob.{0}', environment().suffixes.storage))]").ok(),
            Some(json!({ "$ref": "zone" }))
        );
        // The right name in the wrong group is a failure.
        assert!(id("[resourceId('Microsoft.Network/privateDnsZones', format('privatelink.blob.{0}', environment().suffixes.storage))]").is_err());
        assert!(id("[resourceId('Microsoft.Network/virtualNetworks', 'other')]").is_err());
        assert_eq!(id("[[literal]").ok(), Some(json!("[literal]")));
        assert!(id("[concat('a', 'b')]").is_err());
    }

    #[test]
    fn bicep_values_decompile_to_plan_forms() {
        let src = "param location string\n\nresource vnet 'Microsoft.Network/virtualNetworks@2025-07-01' = {\n  name: 'vnet'\n  location: location\n  properties: {\n    a: 'it\\'s'\n    b: vnet.id\n    c: 'privatelink.blob.${environment().suffixes.storage}'\n    d: subscription().tenantId\n  }\n}\n";
        let f = read_bicep(Path::new("t.bicep"), src);
        assert_eq!(
            f.resources[0].body["properties"],
            json!({ "a": "it's", "b": { "$ref": "vnet" }, "c": { "$env": "storage", "$prefix": "privatelink.blob." }, "d": { "$tenant": true } })
        );
        assert_eq!(
            f.resources[0].body["location"],
            json!({ "$param": "location" })
        );
    }

    #[test]
    #[should_panic(expected = "ERROR")]
    fn bicep_syntax_errors_fail() {
        parse_bicep(
            Path::new("bad.bicep"),
            "resource x 'a@b' = {\n  name: 'x'\n",
        );
    }
}
