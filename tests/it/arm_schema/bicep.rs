//! Validation against a Bicep type index (`bicep-types/generated/**/types.json`, format 2 of
//! Azure/bicep-types-az), used for the types that azure-resource-manager-schemas does not
//! publish (`Microsoft.KubernetesConfiguration/extensions` has no ARM JSON schema at all).
//!
//! Same rules as the JSON-schema path: unknown properties are errors (objects are closed unless
//! they declare `additionalProperties`), string literals compare case-insensitively, an ARM
//! expression string is accepted for any value, and writing a read-only property is an error
//! (the ARM JSON schemas leave read-only properties out, so there it is "unknown").

use serde_json::Value;

use super::schema::{
    arm_equal, is_expression, join_key, type_name, violation, Doc, Kind, Violation,
};

const FLAG_REQUIRED: u64 = 1;
const FLAG_READ_ONLY: u64 = 2;

/// Resolves `{"$ref": "#/N"}` inside a types.json document.
fn resolve<'a>(doc: &'a Doc, r: &Value) -> Result<&'a Value, String> {
    let s = r
        .get("$ref")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("bad type reference {r}"))?;
    let idx: usize = s
        .strip_prefix("#/")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("unsupported type reference {s} in {}", doc.rel))?;
    let types = doc
        .value
        .as_array()
        .ok_or_else(|| format!("{} is not a type array", doc.rel))?;
    types
        .get(idx)
        .ok_or_else(|| format!("type reference {s} out of range in {}", doc.rel))
}

/// Validates a whole resource (`value`) against the `ResourceType` at index `type_index`.
/// `template_keys` are the ARM template keys (dependsOn, condition, ...) validated elsewhere.
pub fn validate_resource(
    doc: &'static Doc,
    type_index: usize,
    value: &Value,
    path: &str,
    template_keys: &[String],
) -> Vec<Violation> {
    let mut errors = Vec::new();
    let resource = match doc.value.as_array().and_then(|a| a.get(type_index)) {
        Some(r) if r.get("$type").and_then(Value::as_str) == Some("ResourceType") => r,
        _ => {
            errors.push(violation(
                path,
                Kind::Other,
                format!("no ResourceType at #/{type_index} of {}", doc.rel),
            ));
            return errors;
        }
    };
    let body = match resource.get("body").map(|b| resolve(doc, b)) {
        Some(Ok(b)) => b,
        Some(Err(e)) => {
            errors.push(violation(path, Kind::Other, e));
            return errors;
        }
        None => {
            errors.push(violation(
                path,
                Kind::Other,
                format!("ResourceType without body in {}", doc.rel),
            ));
            return errors;
        }
    };
    let ctx = Ctx {
        doc,
        template_keys,
        root: true,
    };
    ctx.check(body, value, path, &mut errors);
    errors
}

struct Ctx<'a> {
    doc: &'static Doc,
    template_keys: &'a [String],
    root: bool,
}

impl Ctx<'_> {
    fn nested(&self) -> Ctx<'_> {
        Ctx {
            doc: self.doc,
            template_keys: self.template_keys,
            root: false,
        }
    }

    fn check_ref(&self, r: &Value, value: &Value, path: &str, errors: &mut Vec<Violation>) {
        match resolve(self.doc, r) {
            Ok(t) => self.nested().check(t, value, path, errors),
            Err(e) => errors.push(violation(path, Kind::Other, e)),
        }
    }

    fn check(&self, ty: &Value, value: &Value, path: &str, errors: &mut Vec<Violation>) {
        let kind = ty.get("$type").and_then(Value::as_str).unwrap_or("");
        if let Value::String(s) = value {
            if is_expression(s) && kind != "StringLiteralType" {
                return;
            }
        }
        let mismatch = |expected: &str, errors: &mut Vec<Violation>| {
            errors.push(violation(
                path,
                Kind::Mismatch,
                format!("expected {expected}, found {} {}", type_name(value), value),
            ))
        };
        match kind {
            "AnyType" => {}
            "NullType" => {
                if !value.is_null() {
                    mismatch("null", errors);
                }
            }
            "BooleanType" => {
                if !value.is_boolean() {
                    mismatch("boolean", errors);
                }
            }
            "IntegerType" => match value.as_i64() {
                None => mismatch("integer", errors),
                Some(n) => {
                    if let Some(min) = ty.get("minValue").and_then(Value::as_i64) {
                        if n < min {
                            errors.push(violation(
                                path,
                                Kind::Other,
                                format!("{n} is below the minimum {min}"),
                            ));
                        }
                    }
                    if let Some(max) = ty.get("maxValue").and_then(Value::as_i64) {
                        if n > max {
                            errors.push(violation(
                                path,
                                Kind::Other,
                                format!("{n} is above the maximum {max}"),
                            ));
                        }
                    }
                }
            },
            "StringType" => match value.as_str() {
                None => mismatch("string", errors),
                Some(s) => {
                    let len = s.chars().count() as u64;
                    if ty
                        .get("minLength")
                        .and_then(Value::as_u64)
                        .is_some_and(|m| len < m)
                        || ty
                            .get("maxLength")
                            .and_then(Value::as_u64)
                            .is_some_and(|m| len > m)
                    {
                        errors.push(violation(
                            path,
                            Kind::Other,
                            format!("length of {s:?} out of bounds"),
                        ));
                    }
                    if let Some(p) = ty.get("pattern").and_then(Value::as_str) {
                        match super::regex::Regex::new(p) {
                            Ok(re) if re.is_match(s) => {}
                            Ok(_) => errors.push(violation(
                                path,
                                Kind::Other,
                                format!("{s:?} does not match {p:?}"),
                            )),
                            Err(e) => errors.push(violation(path, Kind::Other, e.to_string())),
                        }
                    }
                }
            },
            "StringLiteralType" => {
                let lit = ty.get("value").cloned().unwrap_or(Value::Null);
                if !arm_equal(&lit, value) {
                    errors.push(violation(
                        path,
                        Kind::Mismatch,
                        format!("expected {lit}, found {value}"),
                    ));
                }
            }
            "ArrayType" => match value.as_array() {
                None => mismatch("array", errors),
                Some(items) => {
                    let n = items.len() as u64;
                    if ty
                        .get("minLength")
                        .and_then(Value::as_u64)
                        .is_some_and(|m| n < m)
                        || ty
                            .get("maxLength")
                            .and_then(Value::as_u64)
                            .is_some_and(|m| n > m)
                    {
                        errors.push(violation(
                            path,
                            Kind::Other,
                            format!("array length {n} out of bounds"),
                        ));
                    }
                    if let Some(item_ty) = ty.get("itemType") {
                        for (i, v) in items.iter().enumerate() {
                            self.check_ref(item_ty, v, &format!("{path}[{i}]"), errors);
                        }
                    }
                }
            },
            "UnionType" => {
                let elements = ty
                    .get("elements")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let mut best: Option<(usize, Vec<Violation>)> = None;
                for el in &elements {
                    let mut errs = Vec::new();
                    self.check_ref(el, value, path, &mut errs);
                    if errs.is_empty() {
                        return;
                    }
                    let score = errs
                        .iter()
                        .map(|e| if e.kind == Kind::Mismatch { 1000 } else { 1 })
                        .sum();
                    if best.as_ref().is_none_or(|(s, _)| score < *s) {
                        best = Some((score, errs));
                    }
                }
                if let Some((_, errs)) = best {
                    if errs
                        .iter()
                        .all(|e| e.kind == Kind::Mismatch && e.path == path)
                    {
                        let options: Vec<String> = elements
                            .iter()
                            .filter_map(|el| resolve(self.doc, el).ok())
                            .map(|t| match t.get("value") {
                                Some(v) => v.to_string(),
                                None => t
                                    .get("$type")
                                    .and_then(Value::as_str)
                                    .unwrap_or("?")
                                    .to_string(),
                            })
                            .collect();
                        errors.push(violation(
                            path,
                            Kind::Mismatch,
                            format!("value {value} is not one of [{}]", options.join(", ")),
                        ));
                    } else {
                        errors.extend(errs);
                    }
                }
            }
            "ObjectType" => self.check_object(ty, None, value, path, errors),
            "DiscriminatedObjectType" => self.check_discriminated(ty, value, path, errors),
            other => errors.push(violation(
                path,
                Kind::Other,
                format!("unsupported bicep type kind {other:?}"),
            )),
        }
    }

    fn check_discriminated(
        &self,
        ty: &Value,
        value: &Value,
        path: &str,
        errors: &mut Vec<Violation>,
    ) {
        let Some(map) = value.as_object() else {
            errors.push(violation(
                path,
                Kind::Mismatch,
                format!("expected object, found {}", type_name(value)),
            ));
            return;
        };
        let disc = ty
            .get("discriminator")
            .and_then(Value::as_str)
            .unwrap_or("");
        let elements = ty.get("elements").and_then(Value::as_object);
        let chosen = map.get(disc).and_then(Value::as_str).and_then(|d| {
            elements.and_then(|els| {
                els.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(d))
                    .map(|(_, v)| v)
            })
        });
        let Some(chosen) = chosen else {
            let options: Vec<&String> = elements.map(|e| e.keys().collect()).unwrap_or_default();
            errors.push(violation(
                &join_key(path, disc),
                Kind::Mismatch,
                format!(
                    "discriminator must be one of {options:?}, found {}",
                    map.get(disc).unwrap_or(&Value::Null)
                ),
            ));
            return;
        };
        match resolve(self.doc, chosen) {
            Ok(element) => {
                self.check_object(element, ty.get("baseProperties"), value, path, errors)
            }
            Err(e) => errors.push(violation(path, Kind::Other, e)),
        }
    }

    fn check_object(
        &self,
        ty: &Value,
        base: Option<&Value>,
        value: &Value,
        path: &str,
        errors: &mut Vec<Violation>,
    ) {
        let Some(map) = value.as_object() else {
            errors.push(violation(
                path,
                Kind::Mismatch,
                format!("expected object, found {}", type_name(value)),
            ));
            return;
        };
        let empty = serde_json::Map::new();
        let props = ty
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let base_props = base.and_then(Value::as_object).unwrap_or(&empty);
        let all = || props.iter().chain(base_props.iter());
        for (name, prop) in all() {
            let flags = prop.get("flags").and_then(Value::as_u64).unwrap_or(0);
            let prop_path = join_key(path, name);
            match map.get(name) {
                None => {
                    if flags & FLAG_REQUIRED != 0 {
                        errors.push(violation(
                            path,
                            Kind::Other,
                            format!("missing required property '{name}'"),
                        ));
                    }
                }
                Some(v) => {
                    let identity_key =
                        self.root && matches!(name.as_str(), "name" | "type" | "apiVersion");
                    if flags & FLAG_READ_ONLY != 0 && flags & FLAG_REQUIRED == 0 && !identity_key {
                        errors.push(violation(
                            &prop_path,
                            Kind::Other,
                            format!("read-only property '{name}'"),
                        ));
                        continue;
                    }
                    if let Some(t) = prop.get("type") {
                        self.check_ref(t, v, &prop_path, errors);
                    }
                }
            }
        }
        let extra = ty.get("additionalProperties");
        for (k, v) in map {
            if props.contains_key(k) || base_props.contains_key(k) {
                continue;
            }
            if self.root && self.template_keys.iter().any(|t| t == k) {
                continue;
            }
            match extra {
                Some(t) => self.check_ref(t, v, &join_key(path, k), errors),
                None => errors.push(violation(
                    &join_key(path, k),
                    Kind::Other,
                    format!("unknown property '{k}'"),
                )),
            }
        }
    }
}
