//! Every schema error of a document at once. serde stops at the first error it meets, so a
//! document it refuses is walked here against the JSON Schema of scenario files (the one
//! `amlpe schema` prints), which collects them all: two misspelt keys are two diagnostics of
//! one run. serde stays the judge of what loads; this walk only words what it refused.

use serde_json::{Map, Value};

use crate::catalog::shorten;
use crate::diag::{closest, did_you_mean, Diagnostic, Rule};
use crate::span::FieldPath;

/// The schema errors of `value`, in document order (missing fields after the fields of their
/// mapping). Empty when the walk finds nothing, though serde may still refuse the document.
pub fn check(value: &Value, schema: &Value) -> Vec<Diagnostic> {
    let walk = Walk {
        definitions: schema.get("definitions").and_then(Value::as_object),
    };
    let mut out = Vec::new();
    walk.value(value, schema, &FieldPath::root(), &mut out);
    out
}

struct Walk<'s> {
    definitions: Option<&'s Map<String, Value>>,
}

impl<'s> Walk<'s> {
    /// The schema a `$ref` names, or the schema itself.
    fn resolve(&self, schema: &'s Value) -> &'s Value {
        let target = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/definitions/"))
            .and_then(|name| self.definitions?.get(name));
        target.unwrap_or(schema)
    }

    fn value(&self, v: &Value, schema: &'s Value, path: &FieldPath, out: &mut Vec<Diagnostic>) {
        let schema = self.resolve(schema);
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for s in all {
                self.value(v, s, path, out);
            }
        }
        let branches = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Value::as_array);
        if let Some(branches) = branches {
            self.one_of(v, branches, path, out);
            return;
        }
        if let Some(types) = schema.get("type") {
            if !types_accept(types, v) {
                out.push(invalid_type(v, &expected(schema), path));
                return;
            }
        }
        let allowed = schema
            .get("enum")
            .and_then(Value::as_array)
            .cloned()
            .or_else(|| schema.get("const").map(|c| vec![c.clone()]));
        if let Some(allowed) = allowed {
            if !allowed.contains(v) {
                let names: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
                out.push(not_allowed(v, &names, path));
            }
            return;
        }
        match v {
            Value::Number(n)
                if schema.get("format").and_then(Value::as_str) == Some("uint32")
                    && n.as_u64().is_none_or(|n| n > u64::from(u32::MAX)) =>
            {
                out.push(Diagnostic::error(
                    Rule::Schema,
                    path.clone(),
                    format!(
                        "{} must be a whole number from 0 to {}, not {}",
                        subject(path),
                        u32::MAX,
                        describe(v)
                    ),
                ));
            }
            Value::Array(items) => {
                if let Some(item) = schema.get("items") {
                    for (i, x) in items.iter().enumerate() {
                        self.value(x, item, &path.index(i), out);
                    }
                }
            }
            Value::Object(map) => self.object(map, schema, path, out),
            _ => {}
        }
    }

    fn object(
        &self,
        map: &Map<String, Value>,
        schema: &'s Value,
        path: &FieldPath,
        out: &mut Vec<Diagnostic>,
    ) {
        let empty = Map::new();
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let extra = schema.get("additionalProperties");
        // A misspelt required key is one mistake: its "did you mean" says what is missing.
        let mut suggested = Vec::new();
        for (k, x) in map {
            let child = path.key(k);
            match (props.get(k), extra) {
                (Some(s), _) => self.value(x, s, &child, out),
                (None, Some(Value::Bool(false))) => {
                    let known: Vec<&str> = props.keys().map(String::as_str).collect();
                    let near = closest(k, known.iter().copied().filter(|f| !map.contains_key(*f)));
                    let hint = match near {
                        Some(c) => format!("did you mean `{c}`?"),
                        None => format!("expected {}", one_of(&known)),
                    };
                    suggested.extend(near);
                    out.push(
                        Diagnostic::error(
                            Rule::Schema,
                            child,
                            format!("unknown field `{}`", shorten(k)),
                        )
                        .on_key()
                        .hint(hint),
                    );
                }
                (None, Some(s @ Value::Object(_))) => self.value(x, s, &child, out),
                (None, _) => {}
            }
        }
        for field in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !map.contains_key(field) && !suggested.contains(&field) {
                out.push(missing(field, path));
            }
        }
    }

    /// A value that one of several schemas must accept: the errors of the branch of its type
    /// when there is one, else one error naming what is accepted.
    fn one_of(
        &self,
        v: &Value,
        branches: &'s [Value],
        path: &FieldPath,
        out: &mut Vec<Diagnostic>,
    ) {
        let mut of_its_type = Vec::new();
        for b in branches {
            let mut errors = Vec::new();
            self.value(v, b, path, &mut errors);
            if errors.is_empty() {
                return;
            }
            if self.of_type(b, v) {
                of_its_type.push(errors);
            }
        }
        // Enum variants spelt as texts (`nat-gateway`) and as mappings (`{ firewall: ... }`).
        let names: Vec<&str> = branches
            .iter()
            .map(|b| self.resolve(b))
            .flat_map(|b| {
                let consts = b.get("const").and_then(Value::as_str).into_iter();
                let enums = (b
                    .get("enum")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten())
                .filter_map(Value::as_str);
                let keys = (b.get("properties").and_then(Value::as_object).into_iter())
                    .flat_map(|p| p.keys().map(String::as_str))
                    .filter(move |_| b.get("required").is_some());
                consts.chain(enums).chain(keys)
            })
            .collect();
        match of_its_type.len() {
            1 => out.extend(of_its_type.pop().unwrap_or_default()),
            0 if !v.is_string() || names.is_empty() => {
                let mut wanted: Vec<String> = Vec::new();
                for e in branches.iter().map(|b| expected(self.resolve(b))) {
                    if e != "null" && !wanted.contains(&e) {
                        wanted.push(e);
                    }
                }
                out.push(invalid_type(v, &wanted.join(" or "), path));
            }
            _ => out.push(not_allowed(v, &names, path)),
        }
    }
}

impl Walk<'_> {
    /// Whether a schema takes values of the type of `v`, whatever their content.
    fn of_type(&self, schema: &Value, v: &Value) -> bool {
        let schema = self.resolve(schema);
        let branches = schema.get("anyOf").or_else(|| schema.get("oneOf"));
        match (schema.get("type"), branches.and_then(Value::as_array)) {
            (Some(t), _) => types_accept(t, v),
            (None, Some(bs)) => bs.iter().any(|b| self.of_type(b, v)),
            (None, None) => false,
        }
    }
}

fn types_accept(types: &Value, v: &Value) -> bool {
    let accepts = |t: &str| match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    };
    match types {
        Value::String(t) => accepts(t),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(accepts),
        _ => true,
    }
}

/// What a schema accepts, as the messages say it.
fn expected(schema: &Value) -> String {
    let one = |t: &str| match t {
        "string" => "a string",
        "integer" => "a whole number of 0 or more",
        "number" => "a number",
        "boolean" => "a boolean",
        "array" => "a list",
        "object" => "a mapping",
        _ => "null",
    };
    match schema.get("type") {
        Some(Value::String(t)) => one(t).to_string(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .map(one)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "a value".to_string(),
    }
}

/// A value as the messages name it (`the number `5``, `the text "x"`, `a mapping`).
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "empty (null)".to_string(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) => format!("the text \"{}\"", shorten(s)),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "a mapping".to_string(),
    }
}

/// The field a message is about: the last key of its path.
fn subject(path: &FieldPath) -> String {
    match path.0.iter().rev().find_map(|s| match s {
        crate::span::Seg::Key(k) => Some(k),
        crate::span::Seg::Index(_) => None,
    }) {
        Some(k) => format!("`{}`", shorten(k)),
        None => "the document".to_string(),
    }
}

/// `` `a`, `b` `` as the hints list names: "one of `a`, `b`, `c`", or "`a` or `b`".
pub fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => "nothing".to_string(),
        [a] => a.clone(),
        [a, b] => format!("{a} or {b}"),
        _ => format!("one of {}", quoted.join(", ")),
    }
}

fn invalid_type(v: &Value, expected: &str, path: &FieldPath) -> Diagnostic {
    Diagnostic::error(
        Rule::Schema,
        path.clone(),
        format!("{} must be {expected}, not {}", subject(path), describe(v)),
    )
    .hint("check the value's type against the scenario format in the README")
}

fn not_allowed(v: &Value, names: &[&str], path: &FieldPath) -> Diagnostic {
    let got = match v {
        Value::String(s) => shorten(s),
        other => other.to_string(),
    };
    let hint = v
        .as_str()
        .and_then(|s| did_you_mean(s, names.iter().copied()))
        .unwrap_or_else(|| format!("expected {}", one_of(names)));
    Diagnostic::error(
        Rule::Schema,
        path.clone(),
        format!("`{got}` is not a valid value for {}", subject(path)),
    )
    .hint(hint)
}

fn missing(field: &str, path: &FieldPath) -> Diagnostic {
    let place = if path.0.is_empty() {
        "the scenario".to_string()
    } else {
        format!("`{path}`")
    };
    Diagnostic::error(
        Rule::Schema,
        path.clone(),
        format!("missing field `{field}` in {place}"),
    )
    .hint(format!(
        "add `{field}:`; see the scenario format in the README"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::parse_text;

    fn errors(yaml: &str) -> Vec<String> {
        let (v, _) = parse_text(yaml, false).expect("parses");
        check(&v, &crate::scenario::json_schema())
            .into_iter()
            .map(|d| {
                let hint = d.hint.unwrap_or_default();
                format!("{}: {} ({hint})", d.path, d.message)
            })
            .collect()
    }

    const BASE: &str = "name: x\nlocation: eastus2\nresource_group: rg\nworkspace: { name: w }\n";

    #[test]
    fn finds_every_error_with_a_suggestion() {
        let doc = format!(
            "{BASE}networks:\n  - name: n\n    adress_space: [10.0.0.0/16]\n    egress: nat-gatway\n    dns: {{ zones: creat, link: 3 }}\ncomputes:\n  - {{ name: c, kind: clustr, vm_size: v, network: n, subnet: s, max_nodes: -1 }}\nkubernets: []\n"
        );
        assert_eq!(
            errors(&doc),
            [
                "networks[0].adress_space: unknown field `adress_space` (did you mean `address_space`?)",
                "networks[0].egress: `nat-gatway` is not a valid value for `egress` (did you mean `nat-gateway`?)",
                "networks[0].dns.zones: `creat` is not a valid value for `zones` (did you mean `create`?)",
                "networks[0].dns.link: `link` must be a boolean, not the number `3` (check the value's type against the scenario format in the README)",
                "computes[0].kind: `clustr` is not a valid value for `kind` (did you mean `cluster`?)",
                "computes[0].max_nodes: `max_nodes` must be a whole number from 0 to 4294967295, not the number `-1` ()",
                "kubernets: unknown field `kubernets` (did you mean `kubernetes`?)",
            ]
        );
    }

    #[test]
    fn a_branch_of_the_right_type_is_walked() {
        // The misspelt key of a missing field is one error, not two.
        assert_eq!(
            errors(&format!("{BASE}netwroks: []\n")),
            ["netwroks: unknown field `netwroks` (did you mean `networks`?)"]
        );
        let doc = BASE.replace(
            "{ name: w }",
            "{ name: w, storage_account: { nam: s }, key_vault: kv }",
        ) + "networks: [ { name: n, egress: { firewal: 10.0.0.4 } } ]\n";
        assert_eq!(
            errors(&doc),
            [
                "workspace.storage_account.nam: unknown field `nam` (did you mean `name`?)",
                "workspace.key_vault: `key_vault` must be a mapping, not the text \"kv\" (check the value's type against the scenario format in the README)",
                "networks[0].egress.firewal: unknown field `firewal` (did you mean `firewall`?)",
            ]
        );
    }

    #[test]
    fn shipped_scenarios_have_no_schema_error() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
        for e in std::fs::read_dir(dir).expect("scenarios").flatten() {
            let text = std::fs::read_to_string(e.path()).expect("read");
            let (v, _) = parse_text(&text, false).expect("parses");
            let found = check(&v, &crate::scenario::json_schema());
            assert!(found.is_empty(), "{}: {found:?}", e.path().display());
        }
    }
}
