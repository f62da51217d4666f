//! The runbook tells the truth about what the outputs do: its parameter tables are the
//! templates' parameters, it claims no DNS zone, link or zone group that nothing creates, and
//! it says who applies public access to a workspace that exists.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::support::amlpe;

fn out() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("out")
}

/// The names in the first column of the table that follows `heading` in `text`.
fn table_after<'t>(text: &'t str, heading: &str) -> Vec<&'t str> {
    let start = text.find(heading).expect(heading);
    (text[start..].lines())
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .filter_map(|l| l.split('|').nth(1))
        .map(|c| c.trim().trim_matches('`'))
        .collect()
}

#[test]
fn the_runbooks_parameter_table_is_the_templates_parameters() {
    for entry in fs::read_dir(out()).unwrap().flatten() {
        let dir = entry.path();
        let Ok(runbook) = fs::read_to_string(dir.join("RUNBOOK.md")) else {
            continue;
        };
        let params: Value = serde_json::from_str(
            &fs::read_to_string(dir.join("azuredeploy.parameters.json")).unwrap(),
        )
        .unwrap();
        let mut want: Vec<&str> = (params["parameters"].as_object().unwrap().keys())
            .map(String::as_str)
            .collect();
        let template: Value =
            serde_json::from_str(&fs::read_to_string(dir.join("azuredeploy.json")).unwrap())
                .unwrap();
        let mut declared: Vec<&str> = (template["parameters"].as_object().unwrap().keys())
            .map(String::as_str)
            .collect();
        let mut shown = table_after(&runbook, "The parameter files set:");
        want.sort_unstable();
        declared.sort_unstable();
        shown.sort_unstable();
        assert_eq!(shown, want, "{}: runbook vs parameter file", dir.display());
        assert_eq!(shown, declared, "{}: runbook vs template", dir.display());
    }
}

#[test]
fn an_existing_workspaces_runbook_says_only_the_ops_script_applies_public_access() {
    let runbook =
        fs::read_to_string(out().join("existing-workspace-add-endpoint/RUNBOOK.md")).unwrap();
    assert!(!runbook.contains("the next deployment sets it back"));
    assert!(!runbook.contains("`publicNetworkAccess` parameter"));
    assert!(runbook
        .contains("Only [ops/disable-public-access.sh](ops/disable-public-access.sh) applies it"));
}

#[test]
fn with_zones_none_the_runbook_claims_no_zone_link_or_zone_group() {
    let tmp = tempfile::tempdir().unwrap();
    let source = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/isolated-clients.yaml"),
    )
    .unwrap();
    let scenario = (source.lines())
        .map(|l| match l.trim_start() {
            t if t.starts_with("dns:") => "    dns: { zones: none }".to_string(),
            t if t.starts_with("name: isolated-clients") => "name: zones-none".to_string(),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let file = tmp.path().join("zones-none.yaml");
    fs::write(&file, scenario).unwrap();
    let dest = tmp.path().join("out");
    let run = amlpe()
        .arg("generate")
        .arg(&file)
        .arg("--out")
        .arg(&dest)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let dir = dest.join("zones-none");
    let plan: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("plan.json")).unwrap()).unwrap();
    let types: Vec<&str> = (plan["resources"].as_array().unwrap().iter())
        .filter_map(|r| r["type"].as_str())
        .collect();
    assert!(!types
        .iter()
        .any(|t| t.starts_with("Microsoft.Network/privateDnsZones")
            || t.ends_with("privateDnsZoneGroups")));
    let runbook = fs::read_to_string(dir.join("RUNBOOK.md")).unwrap();
    for claim in [
        "in one zone group",
        "registered in `privatelink",
        "**Integrate with private DNS zone** on",
        "each VNet has its own private DNS zones",
        "dotted lines join private DNS zones",
        "pick the zone in the resource group of the row",
    ] {
        assert!(!runbook.contains(claim), "the runbook claims {claim:?}");
    }
    assert!(runbook.contains("managed outside this deployment"));
}
