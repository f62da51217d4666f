//! Data access by identity: where amlpe creates a storage account without shared keys, every
//! output makes the workspace use identities for its default datastores, and the people the
//! scenario names get the workspace and storage roles they need, in every output alike.

use std::fs;
use std::path::{Path, PathBuf};

use amlpe::catalog;
use serde_json::Value;

use super::support;

fn out(scenario: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("out")
        .join(scenario)
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// Every resource of an ARM template, nested deployments' included.
fn arm(dir: &Path) -> Vec<Value> {
    support::arm_resources(&json(&dir.join("azuredeploy.json")))
}

#[test]
fn a_workspace_whose_storage_takes_no_shared_key_uses_identities_in_every_output() {
    let mut checked = 0;
    for entry in fs::read_dir(out("")).unwrap().flatten() {
        let dir = entry.path();
        if !dir.join("plan.json").is_file() {
            continue;
        }
        let resources = arm(&dir);
        let keyless = resources.iter().any(|r| {
            r["type"] == "Microsoft.Storage/storageAccounts"
                && r["properties"]["allowSharedKeyAccess"] == false
        });
        let Some(ws) = resources
            .iter()
            .find(|r| r["type"] == "Microsoft.MachineLearningServices/workspaces")
        else {
            continue;
        };
        let mode = &ws["properties"]["systemDatastoresAuthMode"];
        if !keyless {
            assert!(
                mode.is_null(),
                "{}: auth mode without a keyless storage",
                dir.display()
            );
            continue;
        }
        checked += 1;
        assert_eq!(
            mode,
            catalog::SYSTEM_DATASTORES_AUTH_MODE,
            "{}",
            dir.display()
        );
        // Bicep, in the file that declares the workspace.
        let bicep: String = (support::files_under(&dir).into_iter())
            .filter(|p| p.to_string_lossy().ends_with(".bicep"))
            .map(|p| fs::read_to_string(dir.join(p)).unwrap())
            .filter(|t| t.contains("'Microsoft.MachineLearningServices/workspaces@"))
            .collect();
        assert!(
            bicep.contains(&format!(
                "systemDatastoresAuthMode: '{}'",
                catalog::SYSTEM_DATASTORES_AUTH_MODE
            )),
            "{}: main.bicep",
            dir.display()
        );
        // The YAML that deploy.sh creates the workspace from.
        let text = fs::read_to_string(dir.join("workspace.yml")).unwrap();
        let yaml = yaml_rust2::YamlLoader::load_from_str(&text).unwrap();
        assert_eq!(
            yaml[0]["system_datastores_auth_mode"].as_str(),
            Some(catalog::SYSTEM_DATASTORES_AUTH_MODE),
            "{}: workspace.yml",
            dir.display()
        );
    }
    assert!(
        checked >= 4,
        "only {checked} scenarios create a keyless storage account"
    );
}

#[test]
fn the_scenarios_users_get_their_roles_in_every_output() {
    let scenario = "isolated-clients";
    let dir = out(scenario);
    let plan = json(&dir.join("plan.json"));
    let users = plan["users"].as_array().expect("the scenario names users");
    let resources = arm(&dir);
    let find = |ty: &str| {
        let r = resources.iter().find(|r| r["type"] == ty).unwrap();
        r["name"].as_str().unwrap().to_string()
    };
    let (workspace, storage) = (
        find("Microsoft.MachineLearningServices/workspaces"),
        find("Microsoft.Storage/storageAccounts"),
    );

    // deploy.sh --dry-run, with an az that fails if called.
    let dry = support::dry_run(&dir.join("deploy.sh"));
    let creates: Vec<&str> = (dry.lines())
        .filter(|l| l.starts_with("az role assignment create"))
        .collect();

    for u in users {
        let id = u["object_id"].as_str().unwrap();
        let kind = match u["type"].as_str() {
            Some("group") => "Group",
            _ => "User",
        };
        for role in catalog::USER_ROLES {
            let target = match role.on {
                catalog::RoleScope::Workspace => &workspace,
                catalog::RoleScope::Storage => &storage,
            };
            // ARM: the assignment, scoped to its target, for this principal and role.
            let granted: Vec<&Value> = (resources.iter())
                .filter(|r| {
                    r["type"] == "Microsoft.Authorization/roleAssignments"
                        && r["properties"]["principalId"] == id
                        && r["properties"]["roleDefinitionId"]
                            .as_str()
                            .is_some_and(|d| d.contains(role.id))
                })
                .collect();
            assert_eq!(granted.len(), 1, "ARM: {} for {id}", role.name);
            assert_eq!(granted[0]["properties"]["principalType"], kind);
            let scope = granted[0]["scope"].as_str().unwrap_or_default();
            assert!(scope.contains(&format!("'{target}'")), "ARM scope {scope}");
            // Scripts: the same grant.
            let line = creates
                .iter()
                .find(|l| l.contains(&format!("--role {}", role.id)) && l.contains(id))
                .unwrap_or_else(|| panic!("deploy.sh grants no {} to {id}", role.name));
            assert!(
                line.contains(&format!("--assignee-principal-type {kind}")),
                "{line}"
            );
            assert!(line.ends_with(&format!("/{target}")), "{line}");
        }
    }
    assert_eq!(creates.len(), users.len() * catalog::USER_ROLES.len());

    // The runbook names the roles a user needs and who was given them.
    let runbook = fs::read_to_string(dir.join("RUNBOOK.md")).unwrap();
    for role in catalog::USER_ROLES {
        assert!(runbook.contains(role.name) && runbook.contains(role.id));
    }
    for u in users {
        assert!(runbook.contains(u["object_id"].as_str().unwrap()));
    }
    for role in catalog::ROLE_ASSIGNERS {
        assert!(runbook.contains(role), "the deployer's rights: {role}");
    }
}
