//! `amlpe plan`: the short view of a plan, the whole plan as JSON, and invalid input handled
//! as `validate` handles it.

use std::path::Path;
use std::process::Output;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn amlpe(args: &[&str]) -> Output {
    super::support::run_in(root(), args)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

const SINGLE: &str = "scenarios/single-endpoint.yaml";

#[test]
fn plan_prints_resources_endpoints_and_steps() {
    let o = amlpe(&["plan", SINGLE]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let want = r#"
single-endpoint: workspace mlw-single in eastus2 (AzureCloud)

resources by resource group:
  rg-mlw-single (created)
    nsg-vnet-mlw                                     Network security group            created
    pip-nat-vnet-mlw                                 Public IP address                 created
    nat-vnet-mlw                                     NAT gateway                       created
    vnet-mlw                                         Virtual network                   created
    vnet-mlw/snet-endpoints                          Subnet                            created
    vnet-mlw/snet-training                           Subnet                            created
    log-mlw-single                                   Log Analytics workspace           created
    appi-mlw-single                                  Application Insights              created
    stmlwsingle                                      Storage account                   created
    kv-mlw-single                                    Key Vault                         created
    crmlwsingle                                      Container registry                created
    mlw-single                                       Azure Machine Learning workspace  created
    pe-vnet-mlw-mlw                                  Private endpoint                  created
    pe-vnet-mlw-blob                                 Private endpoint                  created
    pe-vnet-mlw-file                                 Private endpoint                  created
    pe-vnet-mlw-kv                                   Private endpoint                  created
    pe-vnet-mlw-cr                                   Private endpoint                  created
    privatelink.api.azureml.ms                       Private DNS zone                  created
    privatelink.api.azureml.ms/link-vnet-mlw         Private DNS zone VNet link        created
    privatelink.notebooks.azure.net                  Private DNS zone                  created
    privatelink.notebooks.azure.net/link-vnet-mlw    Private DNS zone VNet link        created
    pe-vnet-mlw-mlw/default                          Private DNS zone group            created
    privatelink.blob.core.windows.net                Private DNS zone                  created
    privatelink.blob.core.windows.net/link-vnet-mlw  Private DNS zone VNet link        created
    pe-vnet-mlw-blob/default                         Private DNS zone group            created
    privatelink.file.core.windows.net                Private DNS zone                  created
    privatelink.file.core.windows.net/link-vnet-mlw  Private DNS zone VNet link        created
    pe-vnet-mlw-file/default                         Private DNS zone group            created
    privatelink.vaultcore.azure.net                  Private DNS zone                  created
    privatelink.vaultcore.azure.net/link-vnet-mlw    Private DNS zone VNet link        created
    pe-vnet-mlw-kv/default                           Private DNS zone group            created
    privatelink.azurecr.io                           Private DNS zone                  created
    privatelink.azurecr.io/link-vnet-mlw             Private DNS zone VNet link        created
    pe-vnet-mlw-cr/default                           Private DNS zone group            created
    mlw-single/cpu-cluster                           Azure Machine Learning compute    created

endpoints by VNet:
  vnet-mlw (subnet snet-endpoints; DNS zones created)
    endpoint          target                  group id      DNS zones
    pe-vnet-mlw-mlw   workspace               amlworkspace  privatelink.api.azureml.ms, privatelink.notebooks.azure.net
    pe-vnet-mlw-blob  storage account (blob)  blob          privatelink.blob.core.windows.net
    pe-vnet-mlw-file  storage account (file)  file          privatelink.file.core.windows.net
    pe-vnet-mlw-kv    key vault               vault         privatelink.vaultcore.azure.net
    pe-vnet-mlw-cr    container registry      registry      privatelink.azurecr.io

steps:
   1. resource group rg-mlw-single
   2. network security group nsg-vnet-mlw
   3. public IP address pip-nat-vnet-mlw
   4. NAT gateway nat-vnet-mlw
   5. virtual network vnet-mlw
   6. subnet snet-endpoints of vnet-mlw
   7. subnet snet-training of vnet-mlw
   8. Log Analytics workspace log-mlw-single
   9. Application Insights appi-mlw-single
  10. storage account stmlwsingle
  11. key vault kv-mlw-single
  12. container registry crmlwsingle
  13. workspace mlw-single
  14. private endpoint pe-vnet-mlw-mlw
  15. private endpoint pe-vnet-mlw-blob
  16. private endpoint pe-vnet-mlw-file
  17. private endpoint pe-vnet-mlw-kv
  18. private endpoint pe-vnet-mlw-cr
  19. private DNS zone privatelink.api.azureml.ms
  20. DNS zone link link-vnet-mlw of privatelink.api.azureml.ms
  21. private DNS zone privatelink.notebooks.azure.net
  22. DNS zone link link-vnet-mlw of privatelink.notebooks.azure.net
  23. DNS zone group default of pe-vnet-mlw-mlw
  24. private DNS zone privatelink.blob.core.windows.net
  25. DNS zone link link-vnet-mlw of privatelink.blob.core.windows.net
  26. DNS zone group default of pe-vnet-mlw-blob
  27. private DNS zone privatelink.file.core.windows.net
  28. DNS zone link link-vnet-mlw of privatelink.file.core.windows.net
  29. DNS zone group default of pe-vnet-mlw-file
  30. private DNS zone privatelink.vaultcore.azure.net
  31. DNS zone link link-vnet-mlw of privatelink.vaultcore.azure.net
  32. DNS zone group default of pe-vnet-mlw-kv
  33. private DNS zone privatelink.azurecr.io
  34. DNS zone link link-vnet-mlw of privatelink.azurecr.io
  35. DNS zone group default of pe-vnet-mlw-cr
  36. compute cpu-cluster of mlw-single
"#;
    assert_eq!(text(&o.stdout), &want[1..]);
    // The scenario's warnings are reported on stderr, as `validate` reports them.
    assert!(
        text(&o.stderr).ends_with("2 warning(s) in 1 scenario file(s)\n"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn plan_json_is_the_plan_json_that_generate_writes() {
    let o = amlpe(&["plan", SINGLE, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let committed = std::fs::read_to_string(root().join("out/single-endpoint/plan.json"))
        .expect("out/single-endpoint/plan.json is committed");
    assert_eq!(text(&o.stdout), committed);
}

#[test]
fn an_invalid_scenario_is_reported_as_validate_reports_it_and_prints_no_plan() {
    let bad = "tests/fixtures/invalid/dangling-network-twice.yaml";
    let validate = amlpe(&["validate", bad]);
    assert_eq!(validate.status.code(), Some(1));
    for format in ["text", "json"] {
        let o = amlpe(&["plan", bad, "--format", format]);
        assert_eq!(o.status.code(), Some(1), "{format}");
        assert_eq!(text(&o.stdout), "", "{format}");
        assert_eq!(text(&o.stderr), text(&validate.stderr), "{format}");
        assert!(text(&o.stderr).contains("error[E012 dangling-reference]"));
    }
    // Warnings made errors stop the plan too.
    let o = amlpe(&["plan", SINGLE, "--deny-warnings"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stdout), "");
    assert!(text(&o.stderr).contains("error[W051 legacy-dialect]"));
}

#[test]
fn plan_takes_one_existing_file() {
    let o = amlpe(&["plan", "no/such.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stdout), "");
    assert_eq!(
        text(&o.stderr),
        text(&amlpe(&["validate", "no/such.yaml"]).stderr)
    );
    let o = amlpe(&["plan", "scenarios"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stdout), "");
    assert_eq!(
        text(&o.stderr),
        "error: scenarios is a folder; `amlpe plan` takes one scenario file\n"
    );
    let o = amlpe(&["plan"]);
    assert_eq!(o.status.code(), Some(2), "FILE is required");
}
