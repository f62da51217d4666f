//! Template walker: finds the schema of every resource (type + apiVersion) and validates the
//! whole resource object, recursing into nested child `resources` and into inline templates of
//! `Microsoft.Resources/deployments`.

use serde_json::Value;

use super::bicep;
use super::schema::{
    self, join_key, violation, Doc, Kind, Node, Store, Violation, COMMON_DEFINITIONS,
    DEPLOYMENT_TEMPLATE,
};

const API_INDEX: &str = "index/api_index.json";
const BICEP_INDEX: &str = "bicep-types/index/bt_index.json";

/// Sections of a provider schema file that hold top-level resource definitions, in the order
/// they are preferred (resource-group scope first).
const SECTIONS: [&str; 5] = [
    "resourceDefinitions",
    "extension_resourceDefinitions",
    "subscription_resourceDefinitions",
    "managementGroup_resourceDefinitions",
    "tenant_resourceDefinitions",
];

const DEPLOYMENTS: &str = "Microsoft.Resources/deployments";

pub enum Found {
    /// A definition of an azure-resource-manager-schemas provider file.
    Json(Node),
    /// A `ResourceType` of a bicep-types-az `types.json` (types without an ARM JSON schema).
    Bicep(&'static Doc, usize),
}

fn type_enum_contains(def: &Value, full_type: &str) -> bool {
    def.pointer("/properties/type/enum")
        .and_then(Value::as_array)
        .is_some_and(|e| {
            e.iter()
                .filter_map(Value::as_str)
                .any(|t| t.eq_ignore_ascii_case(full_type))
        })
}

/// The schema of `full_type` at `api_version`: the ARM schema index first, then a scan of the
/// local `schemas/<apiVersion>/` files, then the Bicep type index.
pub fn lookup(store: &Store, full_type: &str, api_version: &str) -> Result<Found, String> {
    let lower = full_type.to_ascii_lowercase();
    let mut notes = Vec::new();
    if let Some(index) = store.doc(API_INDEX) {
        let files = index.value.get("files").and_then(Value::as_array);
        let entries = index
            .value
            .pointer(&format!(
                "/types/{}/versions/{}",
                lower.replace('~', "~0").replace('/', "~1"),
                api_version
            ))
            .and_then(Value::as_array);
        if let (Some(files), Some(entries)) = (files, entries) {
            let mut entries: Vec<(&str, &str, &str)> = entries
                .iter()
                .filter_map(|e| {
                    let idx = e.get(0)?.as_u64()? as usize;
                    Some((
                        files.get(idx)?.as_str()?,
                        e.get(1)?.as_str()?,
                        e.get(2)?.as_str()?,
                    ))
                })
                .collect();
            entries.sort_by_key(|(_, section, _)| {
                SECTIONS
                    .iter()
                    .position(|s| s == section)
                    .unwrap_or(SECTIONS.len())
            });
            for (rel, section, key) in entries {
                match store.doc(rel) {
                    Some(doc) => {
                        let ptr =
                            format!("/{section}/{}", key.replace('~', "~0").replace('/', "~1"));
                        match store.pointer(doc, &ptr) {
                            Some(node) => return Ok(Found::Json(node)),
                            None => notes
                                .push(format!("index points at {rel}#{ptr}, which does not exist")),
                        }
                    }
                    None => notes.push(format!("index lists {rel}, which is not in armschemas")),
                }
            }
        }
    }
    // Scan: resource definitions whose `type` enum holds the full type (also catches child
    // types written with their full name at top level if the index missed them).
    let dir = store.root.join("schemas").join(api_version);
    if let Ok(read) = std::fs::read_dir(&dir) {
        let mut names: Vec<String> = read
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        for name in names {
            let Some(doc) = store.doc(&format!("schemas/{api_version}/{name}")) else {
                continue;
            };
            for section in SECTIONS.iter().chain(["definitions"].iter()) {
                if let Some(Value::Object(defs)) = doc.value.get(*section) {
                    for (key, def) in defs {
                        if type_enum_contains(def, full_type) {
                            let ptr =
                                format!("/{section}/{}", key.replace('~', "~0").replace('/', "~1"));
                            if let Some(node) = store.pointer(doc, &ptr) {
                                return Ok(Found::Json(node));
                            }
                        }
                    }
                }
            }
        }
    }
    if let Some(index) = store.doc(BICEP_INDEX) {
        let files = index.value.get("files").and_then(Value::as_array);
        let entry = index
            .value
            .pointer(&format!(
                "/types/{}/v/{}",
                lower.replace('~', "~0").replace('/', "~1"),
                api_version
            ))
            .and_then(Value::as_array);
        if let (Some(files), Some(entry)) = (files, entry) {
            let file = entry
                .first()
                .and_then(Value::as_u64)
                .and_then(|i| files.get(i as usize))
                .and_then(Value::as_str);
            let type_idx = entry.get(1).and_then(Value::as_u64);
            if let (Some(file), Some(type_idx)) = (file, type_idx) {
                let rel = format!("bicep-types/{file}");
                match store.doc(&rel) {
                    Some(doc) => return Ok(Found::Bicep(doc, type_idx as usize)),
                    None => notes.push(format!(
                        "bicep index lists {rel}, which is not in armschemas"
                    )),
                }
            }
        }
    }
    let mut msg = format!("no schema for {full_type}@{api_version} in armschemas");
    let local = local_versions(store, &lower);
    if !local.is_empty() {
        msg.push_str(&format!(
            " (versions with a local schema: {})",
            local.join(", ")
        ));
    }
    if !notes.is_empty() {
        msg.push_str(&format!("; {}", notes.join("; ")));
    }
    Err(msg)
}

/// The api versions of a type whose schema file is present locally (for error messages).
fn local_versions(store: &Store, lower_type: &str) -> Vec<String> {
    let mut out = Vec::new();
    let ptr_type = lower_type.replace('~', "~0").replace('/', "~1");
    if let Some(index) = store.doc(API_INDEX) {
        let files = index.value.get("files").and_then(Value::as_array);
        if let (Some(files), Some(Value::Object(versions))) = (
            files,
            index.value.pointer(&format!("/types/{ptr_type}/versions")),
        ) {
            for (v, entries) in versions {
                let local = entries.as_array().into_iter().flatten().any(|e| {
                    e.get(0)
                        .and_then(Value::as_u64)
                        .and_then(|i| files.get(i as usize))
                        .and_then(Value::as_str)
                        .is_some_and(|rel| store.root.join(rel).is_file())
                });
                if local {
                    out.push(v.clone());
                }
            }
        }
    }
    if let Some(index) = store.doc(BICEP_INDEX) {
        let files = index.value.get("files").and_then(Value::as_array);
        if let (Some(files), Some(Value::Object(versions))) =
            (files, index.value.pointer(&format!("/types/{ptr_type}/v")))
        {
            for (v, entry) in versions {
                let local = entry
                    .get(0)
                    .and_then(Value::as_u64)
                    .and_then(|i| files.get(i as usize))
                    .and_then(Value::as_str)
                    .is_some_and(|rel| store.root.join("bicep-types").join(rel).is_file());
                if local && !out.contains(v) {
                    out.push(format!("{v} (bicep-types)"));
                }
            }
        }
    }
    out
}

/// `#/definitions/resourceBase` of deploymentTemplate.json (it has `scope`, which the copy in
/// common/definitions.json lacks); the latter if the former is absent.
fn resource_base(store: &Store) -> Result<Node, String> {
    for rel in [DEPLOYMENT_TEMPLATE, COMMON_DEFINITIONS] {
        if let Some(node) = store
            .doc(rel)
            .and_then(|d| store.pointer(d, "/definitions/resourceBase"))
        {
            return Ok(node);
        }
    }
    Err(format!(
        "neither {DEPLOYMENT_TEMPLATE} nor {COMMON_DEFINITIONS} has #/definitions/resourceBase"
    ))
}

fn label(resource: &Value) -> String {
    let ty = resource.get("type").and_then(Value::as_str).unwrap_or("?");
    let name = resource.get("name").map(|n| {
        n.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| n.to_string())
    });
    format!("({ty} '{}')", name.unwrap_or_else(|| "?".to_string()))
}

/// Statistics of one walk, for the per-file report line.
#[derive(Default, Debug)]
pub struct Stats {
    pub resources: usize,
    pub nested_templates: usize,
}

/// Validates an ARM template (top-level keys against deploymentTemplate.json, then every
/// resource). `path` is the JSON path of the template itself ("" for a file's root).
pub fn validate_template(
    store: &Store,
    template: &Value,
    path: &str,
    stats: &mut Stats,
) -> Vec<Violation> {
    let mut errors = Vec::new();
    if !template.is_object() {
        errors.push(violation(
            path,
            Kind::Mismatch,
            "a template must be a JSON object",
        ));
        return errors;
    }
    match store.doc(DEPLOYMENT_TEMPLATE) {
        Some(doc) => errors.extend(store.validate(
            Node {
                doc,
                value: &doc.value,
            },
            template,
            path,
        )),
        None => errors.push(violation(
            path,
            Kind::Other,
            format!("{DEPLOYMENT_TEMPLATE} missing from armschemas"),
        )),
    }
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("{path}.")
    };
    match template.get("resources") {
        Some(Value::Array(resources)) => {
            for (i, r) in resources.iter().enumerate() {
                let p = format!("{prefix}resources[{i}]{}", label(r));
                errors.extend(validate_resource(store, r, &p, None, stats));
            }
        }
        Some(Value::Object(resources)) => {
            for (k, r) in resources {
                let p = format!("{prefix}resources.{k}{}", label(r));
                errors.extend(validate_resource(store, r, &p, None, stats));
            }
        }
        _ => {}
    }
    errors
}

/// Validates one resource object at `path`; `parent_type` is the full type of the enclosing
/// resource for resources nested in a `resources` array.
pub fn validate_resource(
    store: &Store,
    resource: &Value,
    path: &str,
    parent_type: Option<&str>,
    stats: &mut Stats,
) -> Vec<Violation> {
    stats.resources += 1;
    let mut errors = Vec::new();
    let Some(map) = resource.as_object() else {
        errors.push(violation(
            path,
            Kind::Mismatch,
            "a resource must be a JSON object",
        ));
        return errors;
    };
    let Some(ty) = map.get("type").and_then(Value::as_str) else {
        errors.push(violation(path, Kind::Other, "missing or non-string 'type'"));
        return errors;
    };
    let Some(api_version) = map.get("apiVersion").and_then(Value::as_str) else {
        errors.push(violation(
            path,
            Kind::Other,
            "missing or non-string 'apiVersion'",
        ));
        return errors;
    };
    let full_type = match parent_type {
        Some(parent) if ty.matches('/').count() == 0 => format!("{parent}/{ty}"),
        _ => ty.to_string(),
    };
    let is_deployment = full_type.eq_ignore_ascii_case(DEPLOYMENTS);

    // Keys this walker handles itself.
    let mut extra_known = vec!["resources"];
    if is_deployment {
        // Cross-scope nested deployments (documented ARM template syntax that the generated
        // Microsoft.Resources schema omits).
        extra_known.extend(["resourceGroup", "subscriptionId"]);
        for key in ["resourceGroup", "subscriptionId"] {
            if let Some(v) = map.get(key) {
                if !v.is_string() {
                    errors.push(violation(
                        &join_key(path, key),
                        Kind::Mismatch,
                        "expected string",
                    ));
                }
            }
        }
    }
    // The object checked against the schema: without the child `resources` (walked below, each
    // against its own schema), with the full type for a nested child written with its short
    // type (the schemas' resourceDefinitions carry full types), and for a top-level child
    // written `parent/child` with only its last name segment (the schemas describe the
    // segment: ML computes have a name pattern that rejects '/').
    let mut own = map.clone();
    own.remove("resources");
    if full_type != ty {
        own.insert("type".to_string(), Value::String(full_type.clone()));
    }
    let type_depth = full_type.matches('/').count();
    if let Some(Value::String(name)) = map.get("name") {
        if parent_type.is_none()
            && type_depth > 1
            && !schema::is_expression(name)
            && name.matches('/').count() + 1 == type_depth
        {
            let last = name.rsplit('/').next().unwrap_or(name);
            own.insert("name".to_string(), Value::String(last.to_string()));
        }
    }
    // resourceBase says `tags: {type: object}` with no expression alternative, yet
    // `"tags": "[parameters('tags')]"` is how ARM passes a tags parameter (every Bicep build
    // writes it so) and the provider schemas accept it: check an expression as an empty object.
    if let Some(Value::String(t)) = own.get("tags") {
        if schema::is_expression(t) {
            own.insert("tags".to_string(), Value::Object(Default::default()));
        }
    }
    let own = Value::Object(own);

    let base = match resource_base(store) {
        Ok(b) => b,
        Err(e) => {
            errors.push(violation(path, Kind::Other, e));
            return errors;
        }
    };
    match lookup(store, &full_type, api_version) {
        Ok(Found::Json(def)) => {
            errors.extend(store.validate_all(&[base, def], &own, path, &extra_known))
        }
        Ok(Found::Bicep(doc, idx)) => {
            // Template keys (dependsOn, condition, ...) against resourceBase; the rest against
            // the Bicep type, which reports unknown names.
            let all_keys: Vec<&str> = map.keys().map(String::as_str).collect();
            errors.extend(store.validate_all(&[base], &own, path, &all_keys));
            let mut template_keys = store.known_names(base);
            template_keys.extend(extra_known.iter().map(|s| s.to_string()));
            errors.extend(bicep::validate_resource(
                doc,
                idx,
                &own,
                path,
                &template_keys,
            ));
        }
        Err(e) => errors.push(violation(path, Kind::Other, e)),
    }

    if let Some(children) = map.get("resources") {
        match children {
            Value::Array(children) => {
                for (i, child) in children.iter().enumerate() {
                    let p = format!("{path}.resources[{i}]{}", label(child));
                    errors.extend(validate_resource(store, child, &p, Some(&full_type), stats));
                }
            }
            _ => errors.push(violation(
                &join_key(path, "resources"),
                Kind::Mismatch,
                "expected array of child resources",
            )),
        }
    }
    if is_deployment {
        if let Some(inner @ Value::Object(_)) = resource.pointer("/properties/template") {
            stats.nested_templates += 1;
            errors.extend(validate_template(
                store,
                inner,
                &format!("{path}.properties.template"),
                stats,
            ));
        }
    }
    errors
}
