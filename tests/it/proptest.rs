//! Random valid scenarios: 1-6 VNets (new or existing) with disjoint address spaces, random
//! endpoint targets in the combinations the rules require, every DNS mode, approval, public
//! access, clouds and regions, computes, AKS clusters, legacy dialects, and free text from
//! any script. Each is built to be valid, and `validate` must agree (an error means the
//! generator or a rule is wrong). Then planning and rendering must not panic, must give the
//! same bytes twice, and every output must parse: JSON with serde_json, Bicep with
//! tree-sitter-bicep, shell with `bash -n`, YAML with amlpe's reader.
//!
//! 64 cases by default; `PROPTEST_CASES=1000 cargo test --test it proptest` for more.

use std::io::Write as _;
use std::process::{Command, Stdio};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};
use serde_json::{json, Value};

use amlpe::diag::Severity;
use amlpe::scenario::{Cloud, Scenario, Target};

use super::support;

const GUID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

#[derive(Debug, Clone)]
struct VnetGen {
    existing: bool,
    prefix_len: u8,
    subnets: usize,
    workspace_endpoint: bool,
    dep_mask: u8,
    dns: u8,
    link: bool,
    manual: bool,
    own_group: bool,
    with_location: bool,
}

#[derive(Debug, Clone)]
struct Gen {
    cloud: usize,
    region: usize,
    suffix: String,
    description: String,
    tags: Vec<(String, String)>,
    existing_workspace: bool,
    public: bool,
    registry: bool,
    log_analytics: bool,
    dep_mask: u8,
    vnets: Vec<VnetGen>,
    computes: Vec<(bool, usize, usize)>,
    aks: Vec<(usize, usize, u32, bool, bool)>,
    legacy: (bool, bool),
}

/// Text of any script, without what free text refuses: control, format and private-use
/// characters, line and paragraph separators, and the invisible fillers.
const TEXT: &str =
    "[^\\p{C}\\p{Zl}\\p{Zp}\u{115F}\u{1160}\u{17B4}\u{17B5}\u{3164}\u{FFA0}\u{034F}]";

fn vnet() -> impl Strategy<Value = VnetGen> {
    (
        any::<bool>(),
        16u8..=22,
        1usize..=4,
        any::<bool>(),
        any::<u8>(),
        0u8..3,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(
                existing,
                prefix_len,
                subnets,
                workspace_endpoint,
                dep_mask,
                dns,
                link,
                manual,
                own_group,
                with_location,
            )| VnetGen {
                existing,
                prefix_len,
                subnets,
                workspace_endpoint,
                dep_mask,
                dns,
                link,
                manual,
                own_group,
                with_location,
            },
        )
}

fn gen() -> impl Strategy<Value = Gen> {
    let regex = |r: &str| proptest::string::string_regex(r).expect("a valid regex");
    // A description may span lines; a tag name may start with `$` or `[` (E018 refuses `=`
    // anywhere and a leading `-`).
    let text = regex(&format!("({TEXT}|\n){{0,120}}"));
    let tag_key = regex("[A-Za-z$\\[][A-Za-z0-9 _.:+@$'\"`;|#\\[\\](){}-]{0,15}");
    let tag_value = regex(&format!("{TEXT}{{0,60}}"));
    (
        (0usize..3, any::<usize>(), "[a-z0-9]{1,8}", text),
        proptest::collection::vec((tag_key, tag_value), 0..4),
        (
            proptest::bool::weighted(0.25),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<u8>(),
        ),
        proptest::collection::vec(vnet(), 1..=6),
        proptest::collection::vec((any::<bool>(), any::<usize>(), any::<usize>()), 0..=3),
        proptest::collection::vec(
            (
                any::<usize>(),
                any::<usize>(),
                1u32..=5,
                any::<bool>(),
                any::<bool>(),
            ),
            0..=2,
        ),
        (any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |(
                (cloud, region, suffix, description),
                tags,
                (existing_workspace, public, registry, log_analytics, dep_mask),
                vnets,
                computes,
                aks,
                legacy,
            )| Gen {
                cloud,
                region,
                suffix,
                description,
                tags,
                existing_workspace,
                public,
                registry,
                log_analytics,
                dep_mask,
                vnets,
                computes,
                aks,
                legacy,
            },
        )
}

fn id(group: &str, ty: &str, name: &str) -> String {
    format!("/subscriptions/{GUID}/resourceGroups/{group}/providers/{ty}/{name}")
}

/// The scenario a generator value describes, valid by construction.
fn build(g: &Gen) -> Value {
    let cloud = [
        Cloud::AzureCloud,
        Cloud::AzureUSGovernment,
        Cloud::AzureChinaCloud,
    ][g.cloud];
    let cloud_name = amlpe::catalog::cloud_name(cloud);
    let regions = amlpe::catalog::regions(cloud);
    let location = regions[g.region % regions.len()];
    let s = &g.suffix;
    // Dependencies: a new workspace needs storage, Key Vault and Application Insights; an
    // existing one declares what it has (by id).
    let mut ws = serde_json::Map::new();
    let mut deps: Vec<Target> = Vec::new();
    if g.existing_workspace {
        ws.insert(
            "existing".into(),
            json!(id(
                "rg-ml",
                "Microsoft.MachineLearningServices/workspaces",
                &format!("mlw-{s}")
            )),
        );
        let kinds = [
            ("storage_account", "Microsoft.Storage/storageAccounts", "st"),
            ("key_vault", "Microsoft.KeyVault/vaults", "kv-"),
            (
                "container_registry",
                "Microsoft.ContainerRegistry/registries",
                "crmlw",
            ),
            (
                "application_insights",
                "Microsoft.Insights/components",
                "appi-",
            ),
        ];
        for (bit, (field, ty, prefix)) in kinds.iter().enumerate() {
            if g.dep_mask & (1 << bit) != 0 {
                ws.insert(
                    (*field).into(),
                    json!({ "existing": id("rg-ml", ty, &format!("{prefix}{s}")) }),
                );
            }
        }
    } else {
        ws.insert("name".into(), json!(format!("mlw-{s}")));
        ws.insert(
            "storage_account".into(),
            json!({ "name": format!("st{s}") }),
        );
        ws.insert("key_vault".into(), json!({ "name": format!("kv-{s}") }));
        ws.insert(
            "application_insights".into(),
            json!({ "name": format!("appi-{s}") }),
        );
        if g.registry {
            ws.insert(
                "container_registry".into(),
                json!({ "name": format!("crmlw{s}"), "sku": "Premium" }),
            );
        }
        if g.log_analytics {
            ws.insert(
                "log_analytics".into(),
                json!({ "name": format!("log-{s}") }),
            );
        }
    }
    if ws.contains_key("storage_account") {
        deps.extend([Target::StorageBlob, Target::StorageFile]);
    }
    if ws.contains_key("key_vault") {
        deps.push(Target::KeyVault);
    }
    if ws.contains_key("container_registry") {
        deps.push(Target::ContainerRegistry);
    }
    ws.insert(
        "public_network_access".into(),
        json!(if g.public { "Enabled" } else { "Disabled" }),
    );

    let mut networks = Vec::new();
    let mut subnet_names: Vec<Vec<String>> = Vec::new();
    for (i, v) in g.vnets.iter().enumerate() {
        let name = format!("vnet{i}");
        let subnets: Vec<String> = (0..v.subnets).map(|j| format!("snet{j}")).collect();
        let mut n = serde_json::Map::new();
        n.insert("name".into(), json!(name));
        if v.existing {
            n.insert(
                "existing".into(),
                json!(id(
                    &format!("rg-net-{i}"),
                    "Microsoft.Network/virtualNetworks",
                    &name
                )),
            );
            n.insert(
                "subnets".into(),
                json!(subnets
                    .iter()
                    .map(|x| json!({ "name": x }))
                    .collect::<Vec<_>>()),
            );
        } else {
            let octet = i + 1;
            n.insert(
                "address_space".into(),
                json!([format!("10.{octet}.0.0/{}", v.prefix_len)]),
            );
            n.insert(
                "subnets".into(),
                json!(subnets
                    .iter()
                    .enumerate()
                    .map(|(j, x)| json!({ "name": x, "prefix": format!("10.{octet}.{j}.0/24") }))
                    .collect::<Vec<_>>()),
            );
            if v.own_group {
                n.insert("resource_group".into(), json!(format!("rg-vnet-{i}")));
            }
        }
        if v.with_location {
            n.insert("location".into(), json!(location));
        }
        // The first VNet always has the workspace endpoint; every VNet with one reaches
        // every dependency.
        let targets: Vec<Target> = if i == 0 || v.workspace_endpoint {
            std::iter::once(Target::Workspace)
                .chain(deps.iter().copied())
                .collect()
        } else {
            deps.iter()
                .enumerate()
                .filter(|(b, _)| v.dep_mask & (1 << b) != 0)
                .map(|(_, t)| *t)
                .collect()
        };
        if !targets.is_empty() {
            n.insert(
                "endpoints".into(),
                json!({
                    "subnet": subnets[0],
                    "targets": targets.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                    "approval": if v.manual { "manual" } else { "auto" },
                }),
            );
        }
        // Each VNet registers in its own zones, so no two overwrite each other's records.
        let dns = match (v.dns, targets.is_empty()) {
            (1, false) => {
                let ids: Vec<String> = targets
                    .iter()
                    .flat_map(|t| amlpe::catalog::zones(cloud, *t))
                    .map(|z| {
                        id(
                            &format!("rg-zones-{i}"),
                            "Microsoft.Network/privateDnsZones",
                            z.name,
                        )
                    })
                    .collect();
                json!({ "zones": "existing", "zone_ids": ids, "link": v.link })
            }
            (2, _) => json!({ "zones": "none", "link": v.link }),
            _ => {
                json!({ "zones": "create", "resource_group": format!("rg-dns-{i}"), "link": v.link })
            }
        };
        n.insert("dns".into(), dns);
        networks.push(Value::Object(n));
        subnet_names.push(subnets);
    }
    let place = |a: usize, b: usize| {
        let k = a % networks.len();
        (
            format!("vnet{k}"),
            subnet_names[k][b % subnet_names[k].len()].clone(),
        )
    };
    let mut computes = Vec::new();
    for (i, (cluster, a, b)) in g.computes.iter().enumerate() {
        let (net, sub) = place(*a, *b);
        let (name, kind) = if *cluster {
            (format!("cpu{i}"), "cluster")
        } else {
            (format!("ci{i}x"), "instance")
        };
        computes.push(json!({ "name": name, "kind": kind, "vm_size": "Standard_DS3_v2", "network": net, "subnet": sub }));
    }
    if !g.existing_workspace && g.registry {
        // A private registry cannot build images: a cluster must.
        let cluster = match computes.iter().find(|c| c["kind"] == "cluster") {
            Some(c) => c["name"].as_str().unwrap_or_default().to_string(),
            None => {
                computes.push(json!({ "name": "cpu-build", "kind": "cluster", "vm_size": "Standard_DS3_v2", "network": "vnet0", "subnet": subnet_names[0][0] }));
                "cpu-build".to_string()
            }
        };
        ws.insert("image_build_compute".into(), json!(cluster));
    }
    let kubernetes: Vec<Value> = g
        .aks
        .iter()
        .enumerate()
        .map(|(i, (a, b, nodes, attach_aks, compute_name))| {
            let (net, sub) = place(*a, *b);
            // A /24 of a new VNet has 251 usable addresses; a one-node cluster takes
            // (1 + 1 surge) x (1 + 50 pods) + 1 = 103 (E047), so two of them fit beside the
            // endpoints (8) and three clusters (12). Existing VNets' subnets have no prefix.
            let nodes = if g.vnets[*a % g.vnets.len()].existing {
                *nodes
            } else {
                1
            };
            let mut k = json!({
                "name": format!("aks{i}"), "network": net, "subnet": sub, "node_count": nodes,
                "vm_size": "Standard_D4s_v5", "attach_as": if *attach_aks { "aks" } else { "kubernetes" },
            });
            if *compute_name {
                k["compute_name"] = json!(format!("aksc{i}"));
            }
            k
        })
        .collect();
    let mut legacy = Vec::new();
    if g.legacy.0 {
        legacy.push("cli-v1");
    }
    if g.legacy.1 {
        legacy.push("sdk-v1");
    }
    // Tag names are one tag whatever their case (E017): the first of a name is kept.
    let mut tags = serde_json::Map::new();
    for (k, v) in &g.tags {
        if !tags.keys().any(|t| t.eq_ignore_ascii_case(k)) {
            tags.insert(k.clone(), json!(v));
        }
    }
    json!({
        "name": format!("prop-{s}"),
        "description": g.description,
        "cloud": cloud_name,
        "location": location,
        "resource_group": format!("rg-{s}"),
        "tags": tags,
        "workspace": ws,
        "networks": networks,
        "computes": computes,
        "kubernetes": kubernetes,
        "legacy": legacy,
    })
}

fn bash_n(text: &str) -> Result<(), String> {
    let mut child = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(text.as_bytes())
        .map_err(|e| e.to_string())?;
    let o = child.wait_with_output().map_err(|e| e.to_string())?;
    if o.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&o.stderr).to_string())
    }
}

fn fail(msg: String) -> TestCaseError {
    TestCaseError::fail(msg)
}

fn check(g: &Gen, bash: bool) -> Result<(), TestCaseError> {
    let v = build(g);
    let text = serde_json::to_string_pretty(&v).map_err(|e| fail(e.to_string()))?;
    // Through the real reader, as a JSON scenario file would be.
    let (value, _) = amlpe::source::parse_text(&text, true)
        .map_err(|d| fail(format!("{}\n{text}", d.message)))?;
    let scenario: Scenario =
        serde_json::from_value(value).map_err(|e| fail(format!("{e}\n{text}")))?;
    let diagnostics = amlpe::validate::validate(&scenario);
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{} {}: {}", d.rule.id(), d.path, d.message))
        .collect();
    prop_assert!(
        errors.is_empty(),
        "a valid scenario was refused:\n{}\n{text}",
        errors.join("\n")
    );
    let ctx = amlpe::render::Context::new("prop.json");
    let render = || {
        let plan = amlpe::plan::build(&scenario, &diagnostics);
        amlpe::render::render_scenario(
            &amlpe::render::Templates::builtin().expect("templates load"),
            &plan,
            &ctx,
        )
        .map_err(|e| fail(format!("render: {e}\n{text}")))
    };
    let files = render()?;
    prop_assert!(files == render()?, "two renders differ\n{text}");
    for f in &files {
        let at = f.path.display();
        match support::kind(&f.path).as_str() {
            "json" => {
                serde_json::from_str::<Value>(&f.contents)
                    .map_err(|e| fail(format!("{at}: {e}\n{text}")))?;
            }
            "bicep" => {
                support::parse_bicep(&f.contents)
                    .map_err(|e| fail(format!("{at}: {e}\n{text}")))?;
            }
            "bicepparam" => {
                support::parse_bicep(&support::bicepparam_as_bicep(&f.contents))
                    .map_err(|e| fail(format!("{at}: {e}\n{text}")))?;
            }
            "sh" if bash => bash_n(&f.contents).map_err(|e| fail(format!("{at}: {e}\n{text}")))?,
            "yml" | "yaml" => {
                amlpe::source::parse_text(&f.contents, false)
                    .map_err(|d| fail(format!("{at}: {}\n{text}", d.message)))?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(64);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_valid_scenarios_validate_render_deterministically_and_parse(g in gen()) {
        check(&g, support::has_tool("bash"))?;
    }
}

/// Text of any kind, and text that starts with what the outputs read specially.
fn any_text(max: usize) -> impl Strategy<Value = String> {
    let regex = |r: &str| proptest::string::string_regex(r).expect("a valid regex");
    prop_oneof![
        regex(&format!("(?s).{{0,{max}}}")),
        regex(&format!("[-$\\[=' ]({TEXT}|[=\n\t\r]){{0,{max}}}")),
        regex(&format!("\\[{TEXT}{{0,{max}}}\\]")),
        Just(String::new()),
    ]
}

/// Every scenario that validates renders, whatever its free text: the description and tags
/// are drawn from every character (controls, line breaks, invisible ones, `=`, a leading `-`,
/// `$`, `[`...). A refused one is refused by a free-text rule at the field; a validated one
/// renders, and the parameter file and workspace.yml give the tags and description back.
fn check_free_text(description: &str, tags: &[(String, String)]) -> Result<(), TestCaseError> {
    let base = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/single-endpoint.yaml"),
    )
    .expect("the scenario");
    let (mut v, _) = amlpe::source::parse_text(&base, false).map_err(|d| fail(d.message))?;
    v["description"] = json!(description);
    v["tags"] = Value::Object(
        tags.iter()
            .map(|(k, x)| (k.clone(), json!(x)))
            .collect::<serde_json::Map<String, Value>>(),
    );
    let text = serde_json::to_string_pretty(&v).map_err(|e| fail(e.to_string()))?;
    let scenario: Scenario =
        serde_json::from_value(v.clone()).map_err(|e| fail(format!("{e}\n{text}")))?;
    let diagnostics = amlpe::validate::validate(&scenario);
    let errors: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    for d in &errors {
        let at = d.path.to_string();
        prop_assert!(
            at == "description" || at.starts_with("tags"),
            "an error outside the free text: {} {at}: {}\n{text}",
            d.rule.id(),
            d.message
        );
        prop_assert!(
            matches!(d.rule.id(), "E015" | "E017" | "E018"),
            "{} {at}: {}",
            d.rule.id(),
            d.message
        );
    }
    if !errors.is_empty() {
        return Ok(());
    }
    let plan = amlpe::plan::build(&scenario, &diagnostics);
    let files = amlpe::render::render_scenario(
        &amlpe::render::Templates::builtin().expect("templates load"),
        &plan,
        &amlpe::render::Context::new("prop.json"),
    )
    .map_err(|e| {
        fail(format!(
            "a validated scenario failed to render: {e}\n{text}"
        ))
    })?;
    for f in &files {
        let name = f
            .path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if name == "azuredeploy.parameters.json" {
            let p: Value = serde_json::from_str(&f.contents).map_err(|e| fail(e.to_string()))?;
            prop_assert_eq!(&p["parameters"]["tags"]["value"], &v["tags"], "{}", text);
        } else if name == "workspace.yml" {
            let (y, _) = amlpe::source::parse_text(&f.contents, false)
                .map_err(|d| fail(format!("workspace.yml: {}\n{text}", d.message)))?;
            let want = if description.is_empty() {
                Value::Null
            } else {
                json!(description)
            };
            prop_assert_eq!(
                y.get("description").cloned().unwrap_or(Value::Null),
                want,
                "{}",
                text
            );
        } else if name == "azuredeploy.json" {
            serde_json::from_str::<Value>(&f.contents).map_err(|e| fail(e.to_string()))?;
        } else if name.ends_with(".bicep") {
            support::parse_bicep(&f.contents).map_err(|e| fail(format!("{name}: {e}\n{text}")))?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn no_validated_free_text_fails_to_render(
        description in any_text(80),
        tags in proptest::collection::vec((any_text(12), any_text(24)), 0..5),
    ) {
        check_free_text(&description, &tags)?;
    }
}
