//! Schema store (files of `../shared/armschemas`, loaded lazily, once) and a JSON-Schema
//! (draft-04 subset) validator tuned for the azure-resource-manager-schemas files.
//!
//! Semantics that differ from plain draft-04, on purpose:
//! - Unknown property names are errors: an object schema that lists `properties` and says
//!   nothing about `additionalProperties` is closed. Closedness is judged over the whole
//!   in-place composition (`$ref`, `allOf`, the chosen `oneOf`/`anyOf` branch), like
//!   draft-2019 `unevaluatedProperties: false`; so is an explicit `additionalProperties: false`
//!   (the ML `Compute` schema says `false` in one `allOf` branch while the discriminated
//!   branch next to it adds `properties`).
//! - `oneOf` is treated as `anyOf`: ARM leaves are `oneOf: [{concrete}, {expression}]` and an
//!   expression string of a `type: string` leaf matches both.
//! - String `enum`/`const` compare case-insensitively, as ARM does.
//! - An ARM expression string (`[...]`, not `[[`) is a string whose value is unknown until
//!   deployment: `pattern`, `minLength`, `maxLength` are not applied to it. It still has to be
//!   allowed by `type`/`enum` (the schemas offer the `expression` alternative where ARM accepts
//!   one).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::regex::Regex;

/// One JSON document of the store; leaked so that nodes are `&'static` (test process only).
pub struct Doc {
    /// Path relative to the armschemas root, e.g. `schemas/2025-07-01/Microsoft.Network.NRP.json`.
    pub rel: String,
    pub value: Value,
}

/// A schema node together with the document its local `$ref`s resolve against.
#[derive(Clone, Copy)]
pub struct Node {
    pub doc: &'static Doc,
    pub value: &'static Value,
}

impl Node {
    fn get(&self, key: &str) -> Option<&'static Value> {
        self.value.get(key)
    }

    fn child(&self, value: &'static Value) -> Node {
        Node {
            doc: self.doc,
            value,
        }
    }

    fn id(&self) -> usize {
        self.value as *const Value as usize
    }
}

pub const SCHEMA_HOST: &str = "https://schema.management.azure.com/";
pub const DEPLOYMENT_TEMPLATE: &str = "schemas/2019-04-01/deploymentTemplate.json";
pub const COMMON_DEFINITIONS: &str = "schemas/common/definitions.json";

pub struct Store {
    pub root: PathBuf,
    docs: Mutex<HashMap<String, Option<&'static Doc>>>,
    patterns: Mutex<HashMap<String, Result<Arc<Regex>, String>>>,
    known_cache: Mutex<HashMap<usize, Arc<Known>>>,
    /// `(document, $ref)` pairs accepted without looking inside (the template walker validates
    /// resources itself).
    opaque_refs: Vec<(&'static str, &'static str)>,
}

/// Property names declared by a schema through `properties`, `$ref` and `allOf` (not through
/// `oneOf`/`anyOf`, whose branch is only known once validated), and whether the composition
/// accepts extra properties.
#[derive(Default, Debug)]
struct Known {
    names: HashSet<String>,
    open: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The value is not of the shape the (sub)schema describes: wrong JSON type, a `const`
    /// discriminator or a non-expression string where only an expression is accepted. A
    /// `oneOf` branch failing this way "does not apply" and is the least interesting to report.
    Mismatch,
    Other,
}

#[derive(Debug, Clone)]
pub struct Violation {
    pub path: String,
    pub message: String,
    pub kind: Kind,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

pub fn violation(path: &str, kind: Kind, message: impl Into<String>) -> Violation {
    Violation {
        path: path.to_string(),
        message: message.into(),
        kind,
    }
}

#[derive(Default)]
struct Outcome {
    errors: Vec<Violation>,
    evaluated: HashSet<String>,
    closed: bool,
    open: bool,
}

impl Outcome {
    fn merge(&mut self, other: Outcome) {
        self.errors.extend(other.errors);
        self.evaluated.extend(other.evaluated);
        self.closed |= other.closed;
        self.open |= other.open;
    }
}

/// `[...]` but not `[[...` (an escaped literal): ARM evaluates it at deployment time.
pub fn is_expression(s: &str) -> bool {
    s.starts_with('[') && s.ends_with(']') && !s.starts_with("[[") && !s.contains('\n')
}

pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn is_type(v: &Value, ty: &str) -> bool {
    match ty {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => match v {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    }
}

/// Equality for `enum`/`const`: strings case-insensitively, everything else exactly.
pub fn arm_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.eq_ignore_ascii_case(y),
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}...", s.chars().take(77).collect::<String>())
    } else {
        s
    }
}

fn unescape_pointer(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

pub fn join_key(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Sorts nothing, removes repeated `(path, message)` pairs, keeps the first occurrence.
pub fn dedup(errors: Vec<Violation>) -> Vec<Violation> {
    let mut seen = HashSet::new();
    errors
        .into_iter()
        .filter(|e| seen.insert((e.path.clone(), e.message.clone())))
        .collect()
}

impl Store {
    pub fn new(root: &Path) -> Store {
        Store {
            root: root.to_path_buf(),
            docs: Mutex::new(HashMap::new()),
            patterns: Mutex::new(HashMap::new()),
            known_cache: Mutex::new(HashMap::new()),
            opaque_refs: vec![(DEPLOYMENT_TEMPLATE, "#/definitions/resource")],
        }
    }

    /// Loads (once) a JSON file of the store; `None` when absent. A file that exists but does
    /// not parse is a broken store: panic with the reason.
    pub fn doc(&self, rel: &str) -> Option<&'static Doc> {
        let mut docs = self.docs.lock().expect("schema store lock poisoned");
        if let Some(d) = docs.get(rel) {
            return *d;
        }
        let path = self.root.join(rel);
        let loaded = match std::fs::read(&path) {
            Ok(bytes) => {
                let value: Value = serde_json::from_slice(&bytes)
                    .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()));
                let doc: &'static Doc = Box::leak(Box::new(Doc {
                    rel: rel.to_string(),
                    value,
                }));
                Some(doc)
            }
            Err(_) => None,
        };
        docs.insert(rel.to_string(), loaded);
        loaded
    }

    /// The node at a JSON pointer (`/definitions/X`) of a document.
    pub fn pointer(&self, doc: &'static Doc, pointer: &str) -> Option<Node> {
        if pointer.is_empty() || pointer == "/" {
            return Some(Node {
                doc,
                value: &doc.value,
            });
        }
        let mut cur: &'static Value = &doc.value;
        for token in pointer.trim_start_matches('/').split('/') {
            let token = unescape_pointer(token);
            cur = match cur {
                Value::Object(m) => m.get(&token)?,
                Value::Array(a) => a.get(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(Node { doc, value: cur })
    }

    /// Resolves `#/definitions/X` (same document) or
    /// `https://schema.management.azure.com/schemas/...json#/...` (another file of the store).
    fn resolve(&self, from: Node, reference: &str) -> Result<Node, String> {
        let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let doc = if file.is_empty() {
            from.doc
        } else {
            let rel = file
                .strip_prefix(SCHEMA_HOST)
                .or_else(|| file.strip_prefix("http://schema.management.azure.com/"))
                .ok_or_else(|| {
                    format!("$ref to a document outside the schema host: {reference}")
                })?;
            self.doc(rel).ok_or_else(|| {
                format!("$ref to a schema file missing from armschemas: {reference}")
            })?
        };
        self.pointer(doc, fragment)
            .ok_or_else(|| format!("unresolvable $ref {reference} (in {})", from.doc.rel))
    }

    fn regex(&self, pattern: &str) -> Result<Arc<Regex>, String> {
        let mut cache = self.patterns.lock().expect("pattern cache lock poisoned");
        cache
            .entry(pattern.to_string())
            .or_insert_with(|| Regex::new(pattern).map(Arc::new).map_err(|e| e.to_string()))
            .clone()
    }

    fn known(&self, node: Node) -> Arc<Known> {
        if let Some(k) = self
            .known_cache
            .lock()
            .expect("known cache lock poisoned")
            .get(&node.id())
        {
            return k.clone();
        }
        let mut known = Known::default();
        self.collect_known(node, &mut known, 0);
        let known = Arc::new(known);
        self.known_cache
            .lock()
            .expect("known cache lock poisoned")
            .insert(node.id(), known.clone());
        known
    }

    fn collect_known(&self, node: Node, known: &mut Known, depth: usize) {
        if depth > 32 {
            return;
        }
        if let Some(Value::Object(props)) = node.get("properties") {
            known.names.extend(props.keys().cloned());
        }
        match node.get("additionalProperties") {
            Some(Value::Bool(false)) | None => {}
            Some(_) => known.open = true,
        }
        if let Some(Value::String(r)) = node.get("$ref") {
            if let Ok(target) = self.resolve(node, r) {
                self.collect_known(target, known, depth + 1);
            }
        }
        if let Some(Value::Array(parts)) = node.get("allOf") {
            for p in parts {
                self.collect_known(node.child(p), known, depth + 1);
            }
        }
    }

    /// Property names a schema declares through `properties`, `$ref` and `allOf`.
    pub fn known_names(&self, node: Node) -> Vec<String> {
        let mut names: Vec<String> = self.known(node).names.iter().cloned().collect();
        names.sort();
        names
    }

    /// Validates `value` against `node` at `path`, including the unknown-property check.
    pub fn validate(&self, node: Node, value: &Value, path: &str) -> Vec<Violation> {
        self.validate_all(&[node], value, path, &[])
    }

    /// Validates `value` against the conjunction (`allOf`) of `nodes`; `extra_known` names are
    /// properties the caller handles itself (accepted, not validated here).
    pub fn validate_all(
        &self,
        nodes: &[Node],
        value: &Value,
        path: &str,
        extra_known: &[&str],
    ) -> Vec<Violation> {
        let mut known: HashSet<String> = extra_known.iter().map(|s| s.to_string()).collect();
        for n in nodes {
            known.extend(self.known(*n).names.iter().cloned());
        }
        let mut out = Outcome::default();
        for n in nodes {
            let o = self.apply(*n, value, path, &known, 0);
            out.merge(o);
        }
        out.evaluated.extend(known);
        if let Value::Object(map) = value {
            if out.closed && !out.open {
                for key in map.keys() {
                    if !out.evaluated.contains(key) {
                        out.errors.push(violation(
                            &join_key(path, key),
                            Kind::Other,
                            format!("unknown property '{key}'"),
                        ));
                    }
                }
            }
        }
        dedup(out.errors)
    }

    /// In-place application: everything but the final unknown-property check, which the
    /// caller does over the union of the composition.
    fn apply(
        &self,
        node: Node,
        value: &Value,
        path: &str,
        outer: &HashSet<String>,
        depth: usize,
    ) -> Outcome {
        let mut out = Outcome::default();
        if depth > 64 {
            out.errors.push(violation(
                path,
                Kind::Other,
                "schema nesting too deep (cyclic $ref?)",
            ));
            return out;
        }
        let schema = match node.value {
            Value::Bool(true) => {
                out.open = true;
                return out;
            }
            Value::Bool(false) => {
                out.errors
                    .push(violation(path, Kind::Mismatch, "no value is allowed here"));
                return out;
            }
            Value::Object(m) => m,
            _ => return out,
        };
        // Names known to this composition level: the caller's plus ours (static).
        let own_known = self.known(node);
        let here_known: HashSet<String> = if own_known.names.iter().all(|n| outer.contains(n)) {
            outer.clone()
        } else {
            outer
                .iter()
                .chain(own_known.names.iter())
                .cloned()
                .collect()
        };

        if let Some(Value::String(r)) = schema.get("$ref") {
            if self
                .opaque_refs
                .iter()
                .any(|(d, rr)| *d == node.doc.rel && rr == r)
            {
                out.open = true;
            } else if r.ends_with("common/definitions.json#/definitions/expression") {
                match value {
                    Value::String(s) if is_expression(s) => {}
                    _ => out.errors.push(violation(
                        path,
                        Kind::Mismatch,
                        format!("expected an ARM expression '[...]', found {}", short(value)),
                    )),
                }
            } else {
                match self.resolve(node, r) {
                    Ok(target) => {
                        out.merge(self.apply(target, value, path, &here_known, depth + 1))
                    }
                    Err(e) => out.errors.push(violation(path, Kind::Other, e)),
                }
            }
        }

        self.check_type(schema, value, path, &mut out);
        self.check_values(schema, value, path, &mut out);

        match value {
            Value::Object(map) => self.check_object(node, schema, map, path, &mut out),
            Value::Array(items) => self.check_array(node, schema, items, path, &mut out),
            _ => {}
        }

        if let Some(Value::Array(parts)) = schema.get("allOf") {
            for p in parts {
                out.merge(self.apply(node.child(p), value, path, &here_known, depth + 1));
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = schema.get(key) {
                self.apply_alternatives(node, branches, value, path, &here_known, depth, &mut out);
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_alternatives(
        &self,
        node: Node,
        branches: &'static [Value],
        value: &Value,
        path: &str,
        known: &HashSet<String>,
        depth: usize,
        out: &mut Outcome,
    ) {
        let mut best: Option<(usize, Outcome)> = None;
        for b in branches {
            let mut o = self.apply(node.child(b), value, path, known, depth + 1);
            if let Value::Object(map) = value {
                if o.closed && !o.open {
                    for k in map.keys() {
                        if !o.evaluated.contains(k) && !known.contains(k) {
                            o.errors.push(violation(
                                &join_key(path, k),
                                Kind::Other,
                                format!("unknown property '{k}'"),
                            ));
                        }
                    }
                }
            }
            if o.errors.is_empty() {
                out.merge(o);
                return;
            }
            let score = score(&o.errors, path);
            if best.as_ref().is_none_or(|(s, _)| score < *s) {
                best = Some((score, o));
            }
        }
        if let Some((_, o)) = best {
            out.merge(o);
        }
    }

    fn check_type(
        &self,
        schema: &serde_json::Map<String, Value>,
        value: &Value,
        path: &str,
        out: &mut Outcome,
    ) {
        let ok = match schema.get("type") {
            Some(Value::String(t)) => is_type(value, t),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .any(|t| is_type(value, t)),
            _ => true,
        };
        if !ok {
            let expected = match schema.get("type") {
                Some(Value::String(t)) => t.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            out.errors.push(violation(
                path,
                Kind::Mismatch,
                format!(
                    "expected {expected}, found {} {}",
                    type_name(value),
                    short(value)
                ),
            ));
        }
    }

    fn check_values(
        &self,
        schema: &serde_json::Map<String, Value>,
        value: &Value,
        path: &str,
        out: &mut Outcome,
    ) {
        if let Some(Value::Array(allowed)) = schema.get("enum") {
            if !allowed.iter().any(|a| arm_equal(a, value)) {
                let list: Vec<String> = allowed.iter().map(|a| a.to_string()).collect();
                out.errors.push(violation(
                    path,
                    Kind::Other,
                    format!("value {} is not one of [{}]", short(value), list.join(", ")),
                ));
            }
        }
        if let Some(c) = schema.get("const") {
            if !arm_equal(c, value) {
                out.errors.push(violation(
                    path,
                    Kind::Mismatch,
                    format!("expected {c}, found {}", short(value)),
                ));
            }
        }
        match value {
            Value::String(s) if !is_expression(s) => {
                let len = s.chars().count() as u64;
                if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
                    if len < min {
                        out.errors.push(violation(
                            path,
                            Kind::Other,
                            format!("string shorter than {min}: {s:?}"),
                        ));
                    }
                }
                if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
                    if len > max {
                        out.errors.push(violation(
                            path,
                            Kind::Other,
                            format!("string longer than {max}: {s:?}"),
                        ));
                    }
                }
                if let Some(Value::String(p)) = schema.get("pattern") {
                    match self.regex(p) {
                        Ok(re) if re.is_match(s) => {}
                        Ok(_) => out.errors.push(violation(
                            path,
                            Kind::Other,
                            format!("{s:?} does not match {p:?}"),
                        )),
                        Err(e) => out.errors.push(violation(path, Kind::Other, e)),
                    }
                }
            }
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
                    let excl = schema.get("exclusiveMinimum") == Some(&Value::Bool(true));
                    if x < min || (excl && x == min) {
                        out.errors.push(violation(
                            path,
                            Kind::Other,
                            format!("{n} is below the minimum {min}"),
                        ));
                    }
                }
                if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
                    let excl = schema.get("exclusiveMaximum") == Some(&Value::Bool(true));
                    if x > max || (excl && x == max) {
                        out.errors.push(violation(
                            path,
                            Kind::Other,
                            format!("{n} is above the maximum {max}"),
                        ));
                    }
                }
            }
            _ => {}
        }
    }

    fn check_object(
        &self,
        node: Node,
        schema: &'static serde_json::Map<String, Value>,
        map: &serde_json::Map<String, Value>,
        path: &str,
        out: &mut Outcome,
    ) {
        let props = match schema.get("properties") {
            Some(Value::Object(p)) => Some(p),
            _ => None,
        };
        if let Some(props) = props {
            for (k, sub) in props {
                out.evaluated.insert(k.clone());
                if let Some(v) = map.get(k) {
                    out.errors
                        .extend(self.validate(node.child(sub), v, &join_key(path, k)));
                }
            }
        }
        match schema.get("additionalProperties") {
            Some(Value::Bool(false)) => out.closed = true,
            Some(Value::Bool(true)) => out.open = true,
            Some(extra @ Value::Object(_)) => {
                out.open = true;
                for (k, v) in map {
                    if props.is_some_and(|p| p.contains_key(k)) {
                        continue;
                    }
                    out.errors
                        .extend(self.validate(node.child(extra), v, &join_key(path, k)));
                }
            }
            _ => {
                if props.is_some() {
                    out.closed = true;
                }
            }
        }
        if let Some(Value::Array(req)) = schema.get("required") {
            for r in req.iter().filter_map(Value::as_str) {
                if !map.contains_key(r) {
                    out.errors.push(violation(
                        path,
                        Kind::Other,
                        format!("missing required property '{r}'"),
                    ));
                }
            }
        }
    }

    fn check_array(
        &self,
        node: Node,
        schema: &'static serde_json::Map<String, Value>,
        items: &[Value],
        path: &str,
        out: &mut Outcome,
    ) {
        match schema.get("items") {
            Some(item @ (Value::Object(_) | Value::Bool(_))) => {
                for (i, v) in items.iter().enumerate() {
                    out.errors
                        .extend(self.validate(node.child(item), v, &format!("{path}[{i}]")));
                }
            }
            Some(Value::Array(tuple)) => {
                for (i, (v, s)) in items.iter().zip(tuple).enumerate() {
                    out.errors
                        .extend(self.validate(node.child(s), v, &format!("{path}[{i}]")));
                }
            }
            _ => {}
        }
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64) {
            if (items.len() as u64) < min {
                out.errors.push(violation(
                    path,
                    Kind::Other,
                    format!("fewer than {min} items"),
                ));
            }
        }
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64) {
            if (items.len() as u64) > max {
                out.errors.push(violation(
                    path,
                    Kind::Other,
                    format!("more than {max} items"),
                ));
            }
        }
    }
}

/// Lower is a better candidate to report when no alternative matched: a branch that failed
/// only on a "does not apply" mismatch (wrong type, discriminator, not an expression) at or
/// right below this level is the least informative.
fn score(errors: &[Violation], path: &str) -> usize {
    errors
        .iter()
        .map(|e| {
            let shallow = e.path == path
                || e.path
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.matches('.').count() <= 1);
            if e.kind == Kind::Mismatch && shallow {
                1000
            } else {
                1
            }
        })
        .sum()
}
