//! Every generated runbook holds what an operator and a reviewer need, filled from its plan:
//! every section, every VNet, endpoint, zone and subnet prefix, the warnings, the deploy
//! command of its scope, links that resolve, and Mermaid that is structurally sound.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use amlpe::render::{escape, paths};
use serde_json::Value;

use super::support;

const SECTIONS: &[&str] = &[
    "## What this deploys and why",
    "### Resources by resource group",
    "## Topology",
    "## Deploy",
    "### Before you start",
    "### Option 1: one command with Bicep or ARM",
    "### Option 2: deploy.sh, step by step",
    "### Option 3: the Azure portal",
    "## Verify",
    "### Public access is off",
    "## Day-2 operations",
    "### Add a private endpoint",
    "### Remove a private endpoint",
    "### Enable or disable public access",
    "## Limitations that apply here",
    "### Validation warnings",
    "## Teardown",
];

/// Host names that exist only in the public cloud: a sovereign runbook must not hold them.
const PUBLIC_CLOUD_ONLY: &[&str] = &[
    "azureml.ms",
    "core.windows.net",
    "notebooks.azure.net",
    "vault.azure.net",
    "vaultcore.azure.net",
    "azurecr.io",
    "inference.ml.azure.com",
    "portal.azure.com",
];
const SOVEREIGN_ONLY: &[&str] = &[
    ".azure.us",
    "usgovcloudapi.net",
    ".azure.cn",
    "chinacloudapi.cn",
];

struct Scenario {
    dir: PathBuf,
    plan: Value,
    runbook: String,
}

fn out_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("out")
}

fn scenarios() -> Vec<Scenario> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(out_dir())
        .expect("out/ exists; run `amlpe generate`")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join(paths::PLAN).is_file())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "out/ holds no scenario");
    dirs.into_iter()
        .map(|dir| {
            let plan: Value = serde_json::from_str(
                &std::fs::read_to_string(dir.join(paths::PLAN)).expect("plan.json reads"),
            )
            .expect("plan.json parses");
            let runbook = std::fs::read_to_string(dir.join(paths::RUNBOOK))
                .unwrap_or_else(|e| panic!("{}: no {}: {e}", dir.display(), paths::RUNBOOK));
            Scenario { dir, plan, runbook }
        })
        .collect()
}

fn strs<'a>(v: &'a Value, pointer: &str) -> Vec<&'a str> {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn each<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

fn field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The plan's VNet names, from its network summary and its VNet resources.
fn vnets(plan: &Value) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = each(plan, "networks")
        .map(|n| field(n, "name").to_string())
        .collect();
    out.extend(
        each(plan, "resources")
            .filter(|r| field(r, "type") == "Microsoft.Network/virtualNetworks")
            .map(|r| field(r, "name").to_string()),
    );
    out
}

fn prefixes(plan: &Value) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = each(plan, "networks")
        .flat_map(|n| each(n, "subnets"))
        .filter_map(|s| s.get("prefix").and_then(Value::as_str))
        .map(str::to_string)
        .collect();
    out.extend(
        each(plan, "resources")
            .filter_map(|r| {
                r.pointer("/properties/addressPrefix")
                    .and_then(Value::as_str)
            })
            .map(str::to_string),
    );
    out
}

/// The runbook's lines outside fenced code blocks, with inline code spans kept.
fn prose(text: &str) -> Vec<(usize, &str)> {
    let mut fence: Option<&str> = None;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if let Some(f) = fence {
            if t.starts_with(f) && t.trim_start_matches('`').trim().is_empty() {
                fence = None;
            }
            continue;
        }
        if t.starts_with("```") {
            fence = Some("```");
            continue;
        }
        out.push((i + 1, line));
    }
    out
}

/// Targets of inline links `[text](target)` outside code.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in prose(text) {
        let line = support::without_code_spans(line);
        let mut rest = line.as_str();
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let Some(end) = after.find(')') else { break };
            out.push((n, after[..end].to_string()));
            rest = &after[end..];
        }
    }
    out
}

/// Files of a scenario folder that the runbook may link to, by the names of `render::paths`.
fn linkable(plan: &Value) -> HashSet<String> {
    let mut out: HashSet<String> = [
        paths::BICEP,
        paths::BICEP_PARAMS,
        paths::ARM,
        paths::ARM_PARAMS,
        paths::DEPLOY,
        paths::ENABLE_PUBLIC,
        paths::DISABLE_PUBLIC,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if plan.get("workspace_existing") != Some(&Value::Bool(true)) {
        out.insert(paths::WORKSPACE_YAML.to_string());
    }
    for e in each(plan, "endpoints") {
        out.insert(paths::add_endpoints(field(e, "network")));
        out.insert(paths::remove_endpoints(field(e, "network")));
    }
    let legacy = strs(plan, "/legacy");
    if legacy.contains(&"cli-v1") {
        out.insert(paths::LEGACY_CLI.to_string());
    }
    if legacy.contains(&"sdk-v1") {
        out.insert(paths::LEGACY_SDK.to_string());
    }
    out
}

fn mermaid_blocks(text: &str) -> Vec<Vec<&str>> {
    let mut blocks = Vec::new();
    let mut cur: Option<Vec<&str>> = None;
    for line in text.lines() {
        match (&mut cur, line.trim()) {
            (None, "```mermaid") => cur = Some(Vec::new()),
            (Some(_), "```") => blocks.push(cur.take().unwrap_or_default()),
            (Some(b), _) => b.push(line),
            (None, _) => {}
        }
    }
    assert!(cur.is_none(), "an unclosed mermaid fence");
    blocks
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A structural check of one flowchart: declarations, edges between declared ids, classes
/// that exist, subgraphs that close, quotes that pair. Returns the declared node labels.
fn check_flowchart(block: &[&str], what: &str) -> Vec<String> {
    assert_eq!(
        block.first().map(|l| l.trim()),
        Some("flowchart LR"),
        "{what}"
    );
    let mut declared: HashSet<String> = HashSet::new();
    let mut class_defs: HashSet<String> = HashSet::new();
    let mut edges: Vec<(String, String)> = Vec::new();
    let mut classes: Vec<(Vec<String>, String)> = Vec::new();
    let mut labels = Vec::new();
    let mut depth = 0usize;
    for (i, raw) in block.iter().enumerate().skip(1) {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let at = format!("{what}, diagram line {}: {line}", i + 1);
        assert_eq!(line.matches('"').count() % 2, 0, "unpaired quote: {at}");
        if line == "end" {
            assert!(depth > 0, "`end` without a subgraph: {at}");
            depth -= 1;
        } else if let Some(rest) = line.strip_prefix("subgraph ") {
            let id = rest.split('[').next().unwrap_or_default();
            assert!(is_id(id), "subgraph id: {at}");
            assert!(rest[id.len()..].starts_with("[\""), "subgraph label: {at}");
            assert!(declared.insert(id.to_string()), "declared twice: {at}");
            depth += 1;
        } else if let Some(rest) = line.strip_prefix("classDef ") {
            class_defs.insert(rest.split(' ').next().unwrap_or_default().to_string());
        } else if let Some(rest) = line.strip_prefix("class ") {
            let mut parts = rest.split(' ');
            let ids = parts.next().unwrap_or_default();
            let class = parts.next().unwrap_or_default();
            classes.push((
                ids.split(',').map(str::to_string).collect(),
                class.to_string(),
            ));
        } else if let Some(open) = line
            .split(' ')
            .next()
            .and_then(|first| first.find(['[', '(', '{']))
        {
            let id = &line[..open];
            assert!(is_id(id), "node id: {at}");
            let shape = &line[open..];
            let (o, c) = [("[(", ")]"), ("([", "])"), ("[", "]")]
                .into_iter()
                .find(|(o, _)| shape.starts_with(o))
                .unwrap_or_else(|| panic!("node shape: {at}"));
            assert!(shape.ends_with(c), "node shape closes: {at}");
            let label = &shape[o.len()..shape.len() - c.len()];
            assert!(
                label.starts_with('"') && label.ends_with('"') && label.len() >= 2,
                "quoted label: {at}"
            );
            assert!(
                !label[1..label.len() - 1].contains('"'),
                "quote inside a label: {at}"
            );
            assert!(declared.insert(id.to_string()), "declared twice: {at}");
            labels.push(label[1..label.len() - 1].replace("<br/>", " "));
        } else {
            // An edge: `a --- b`, `a -.- b` or `a -. "label" .- b`.
            let words: Vec<&str> = line.split(' ').collect();
            let (from, to) = (words[0], words[words.len() - 1]);
            let link = words[1..words.len() - 1].join(" ");
            let ok = link == "---"
                || link == "-.-"
                || (link.starts_with("-. \"") && link.ends_with("\" .-"));
            assert!(ok && is_id(from) && is_id(to), "edge: {at}");
            edges.push((from.to_string(), to.to_string()));
        }
    }
    assert_eq!(depth, 0, "{what}: a subgraph is not closed");
    assert!(!edges.is_empty(), "{what}: no edges");
    for (a, b) in &edges {
        assert!(declared.contains(a), "{what}: edge from undeclared {a}");
        assert!(declared.contains(b), "{what}: edge to undeclared {b}");
    }
    for (ids, class) in &classes {
        assert!(
            class_defs.contains(class),
            "{what}: class {class} is not defined"
        );
        for id in ids {
            assert!(declared.contains(id), "{what}: class on undeclared {id}");
        }
    }
    labels
}

#[test]
fn every_runbook_has_every_section_filled_from_its_plan() {
    for s in scenarios() {
        let what = s.dir.display().to_string();
        let text = &s.runbook;
        let first = text.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("<!-- Generated by amlpe") && first.ends_with("-->"),
            "{what}: header {first}"
        );
        let mut at = 0;
        for h in SECTIONS {
            let pos = text
                .lines()
                .position(|l| l == *h)
                .unwrap_or_else(|| panic!("{what}: no section `{h}`"));
            assert!(pos >= at, "{what}: `{h}` is out of order");
            at = pos;
        }
        for v in vnets(&s.plan) {
            assert!(text.contains(&v), "{what}: VNet {v} is not named");
        }
        for e in each(&s.plan, "endpoints") {
            let name = field(e, "name");
            assert!(text.contains(name), "{what}: endpoint {name} is not named");
            for z in strs(e, "/zones")
                .into_iter()
                .chain(each(e, "zones").map(|z| field(z, "zone")))
            {
                assert!(text.contains(z), "{what}: zone {z} is not named");
            }
        }
        for z in each(&s.plan, "zones") {
            let name = field(z, "name");
            assert!(text.contains(name), "{what}: zone {name} is not named");
            assert!(
                text.contains(field(z, "resource_group")),
                "{what}: the group of zone {name} is not named"
            );
        }
        for p in prefixes(&s.plan) {
            assert!(text.contains(&p), "{what}: subnet prefix {p} is not named");
        }
        for w in each(&s.plan, "warnings") {
            let msg = escape::markdown(field(w, "message"));
            assert!(text.contains(&msg), "{what}: warning `{msg}` is missing");
            let rule = escape::markdown(field(w, "rule"));
            assert!(
                text.contains(&rule),
                "{what}: warning rule {rule} is missing"
            );
        }
        if each(&s.plan, "warnings").next().is_none() {
            assert!(text.contains("no validation warnings"), "{what}");
        }
    }
}

#[test]
fn zone_names_follow_the_cloud() {
    let mut seen = BTreeSet::new();
    for s in scenarios() {
        let what = s.dir.display().to_string();
        let cloud = field(&s.plan, "cloud");
        seen.insert(cloud.to_string());
        let (forbidden, expected): (&[&str], &str) = match cloud {
            "AzureCloud" => (SOVEREIGN_ONLY, "privatelink.api.azureml.ms"),
            "AzureUSGovernment" => (PUBLIC_CLOUD_ONLY, "privatelink.api.ml.azure.us"),
            "AzureChinaCloud" => (PUBLIC_CLOUD_ONLY, "privatelink.api.ml.azure.cn"),
            other => panic!("{what}: unknown cloud {other}"),
        };
        for f in forbidden {
            assert!(!s.runbook.contains(f), "{what} ({cloud}) names {f}");
        }
        assert!(s.runbook.contains(expected), "{what}: no {expected}");
    }
    assert!(
        seen.contains("AzureUSGovernment"),
        "a sovereign scenario is shipped"
    );
}

#[test]
fn the_deploy_command_matches_the_scope() {
    for s in scenarios() {
        let what = s.dir.display().to_string();
        let (yes, no) = match field(&s.plan, "scope") {
            "subscription" => ("az deployment sub create", "az deployment group create"),
            "resourceGroup" => ("az deployment group create", "az deployment sub create"),
            other => panic!("{what}: scope {other}"),
        };
        assert!(s.runbook.contains(yes), "{what}: no `{yes}`");
        assert!(
            !s.runbook.contains(no),
            "{what}: `{no}` does not fit the scope"
        );
        for f in [paths::BICEP_PARAMS, paths::ARM_PARAMS] {
            assert!(s.runbook.contains(f), "{what}: {f} is not used");
        }
        for step in each(&s.plan, "steps") {
            let line = format!("{}. {}", step["n"], escape::markdown(field(step, "title")));
            assert!(
                s.runbook.lines().any(|l| l == line),
                "{what}: step `{line}` is not listed"
            );
        }
    }
}

#[test]
fn relative_links_name_generated_files_that_exist() {
    for s in scenarios() {
        let what = s.dir.display().to_string();
        let allowed = linkable(&s.plan);
        let found = links(&s.runbook);
        assert!(!found.is_empty(), "{what}: links nothing");
        for (line, target) in found {
            if target.starts_with("https://") {
                continue;
            }
            assert!(
                allowed.contains(&target),
                "{what}:{line}: `{target}` is not a file the renderers write"
            );
            assert!(
                s.dir.join(&target).is_file(),
                "{what}:{line}: `{target}` does not exist"
            );
        }
    }
    let index = std::fs::read_to_string(out_dir().join("README.md")).expect("out/README.md");
    assert!(index.starts_with("<!-- Generated by amlpe"));
    let found = links(&index);
    let dirs: Vec<String> = scenarios()
        .iter()
        .map(|s| format!("{}/{}", field(&s.plan, "scenario"), paths::RUNBOOK))
        .collect();
    for d in &dirs {
        let lines = index
            .lines()
            .filter(|l| l.contains(&format!("]({d})")))
            .count();
        assert_eq!(lines, 1, "out/README.md: one line links {d}");
    }
    for (line, target) in found {
        assert!(
            dirs.contains(&target),
            "out/README.md:{line}: stray link {target}"
        );
        assert!(out_dir().join(&target).is_file(), "{target} does not exist");
    }
}

#[test]
fn diagrams_are_sound_and_show_the_topology() {
    for s in scenarios() {
        let what = s.dir.display().to_string();
        let blocks = mermaid_blocks(&s.runbook);
        assert_eq!(blocks.len(), 1, "{what}: one topology diagram");
        let labels = check_flowchart(&blocks[0], &what);
        let all = labels.join("\n");
        let diagram = blocks[0].join("\n");
        for e in each(&s.plan, "endpoints") {
            let name = field(e, "name");
            assert!(all.contains(name), "{what}: endpoint {name} is not drawn");
        }
        for z in each(&s.plan, "zones") {
            assert!(all.contains(field(z, "name")), "{what}: zone not drawn");
        }
        for n in each(&s.plan, "networks") {
            assert!(diagram.contains(field(n, "name")), "{what}: VNet not drawn");
            for sn in each(n, "subnets") {
                assert!(
                    diagram.contains(field(sn, "name")),
                    "{what}: subnet not drawn"
                );
            }
        }
        for r in each(&s.plan, "resources").filter(|r| {
            matches!(
                field(r, "type"),
                "Microsoft.ContainerService/managedClusters"
            ) || r.pointer("/properties/properties/subnet").is_some()
        }) {
            let name = field(r, "name");
            assert!(all.contains(name), "{what}: compute {name} is not drawn");
        }
        assert!(all.contains("Clients"), "{what}: the clients are not drawn");
    }
}
