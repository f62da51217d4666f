//! What each rule means, for `amlpe explain RULE` and the rule descriptions of SARIF: the
//! rule, why it holds (the words of the spec, "Configure a private endpoint for an Azure
//! Machine Learning workspace", or the Azure fact in `catalog`), a scenario excerpt that breaks
//! it and the fix. One match over every rule, so a new rule does not compile without its text.

use crate::diag::Rule;

/// The explanation of one rule.
#[derive(Debug, Clone, Copy)]
pub struct Explanation {
    /// What the rule checks, in one line.
    pub summary: &'static str,
    /// Why: the spec's words or the Azure fact.
    pub why: &'static str,
    /// A scenario excerpt that breaks the rule.
    pub example: &'static str,
    /// The same excerpt fixed, or what to do.
    pub fix: &'static str,
}

const fn e(
    summary: &'static str,
    why: &'static str,
    example: &'static str,
    fix: &'static str,
) -> Explanation {
    Explanation {
        summary,
        why,
        example,
        fix,
    }
}

/// The explanation of `rule`.
pub fn of(rule: Rule) -> Explanation {
    match rule {
        Rule::Io => e(
            "the scenario file cannot be read",
            "amlpe reads each scenario file whole before checking it; a file that cannot be opened (missing, a folder, no permission) stops the run.",
            "amlpe validate scenarios/missing.yaml",
            "name an existing, readable file, or a folder of them (`amlpe init` writes a first scenario)",
        ),
        Rule::Syntax => e(
            "the file is not valid YAML or JSON, or breaks a size limit",
            "A scenario is one YAML (or JSON) document of plain UTF-8 text. A duplicate key would silently replace the first value, so it is refused; files over 4 MiB, nesting over 64 levels and alias expansion over 200 000 values are refused before they cost memory.",
            "location: eastus2\nlocation: westus2",
            "location: eastus2",
        ),
        Rule::Schema => e(
            "an unknown or missing field, or a value of the wrong type",
            "Unknown fields are errors, so that a misspelt key never silently drops a setting; every field has one type (see the scenario format in the README, or `amlpe schema`).",
            "networks:\n  - name: vnet-a\n    adress_space: [10.0.0.0/16]",
            "networks:\n  - name: vnet-a\n    address_space: [10.0.0.0/16]",
        ),
        Rule::Naming => e(
            "a name Azure refuses for its resource type",
            "Each resource type has its own naming rules (length, characters, first and last character); names amlpe derives (endpoints, Log Analytics) follow them too. Compute names are 3-24 letters, digits and hyphens, starting with a letter, with a letter after the last hyphen.",
            "workspace:\n  storage_account: { name: st-ml-prod }",
            "workspace:\n  storage_account: { name: stmlprod }   # 3-24 lowercase letters and digits",
        ),
        Rule::DuplicateName => e(
            "two networks, subnets, computes or clusters with one name",
            "Names identify resources: two VNets or two computes of one name would be one resource in Azure, the second replacing the first. Compute names are unique per workspace, attached Kubernetes computes included.",
            "computes:\n  - { name: cpu, kind: cluster, ... }\n  - { name: cpu, kind: instance, ... }",
            "computes:\n  - { name: cpu, kind: cluster, ... }\n  - { name: ci-alice, kind: instance, ... }",
        ),
        Rule::DanglingReference => e(
            "a reference to a network, subnet or compute the scenario does not declare",
            "Computes, AKS clusters and endpoints are placed by the names of a declared network and subnet; a name that matches none cannot be placed.",
            "computes:\n  - { name: cpu, kind: cluster, network: vnet-x, subnet: snet-training, ... }",
            "computes:\n  - { name: cpu, kind: cluster, network: vnet-a, subnet: snet-training, ... }",
        ),
        Rule::ResourceId => e(
            "a malformed resource id, or the id of another resource type",
            "Add a private endpoint to a workspace: existing resources are named by their Azure resource id, `/subscriptions/<GUID>/resourceGroups/<group>/providers/<type>/<name>`, of the type the field expects.",
            "workspace:\n  existing: mlw-prod",
            "workspace:\n  existing: /subscriptions/<id>/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod",
        ),
        Rule::MissingDependency => e(
            "a new workspace without its storage, Key Vault or Application Insights, or a target without its resource",
            "Create a workspace that uses a private endpoint: a workspace needs an Azure Storage Account, an Azure Key Vault and Application Insights; an endpoint for the registry needs a registry.",
            "workspace:\n  name: mlw-prod\n  storage_account: { name: stmlprod }",
            "workspace:\n  name: mlw-prod\n  storage_account: { name: stmlprod }\n  key_vault: { name: kv-mlw-prod }\n  application_insights: { name: appi-mlw-prod }",
        ),
        Rule::Conflict => e(
            "fields that exclude each other",
            "A resource is either created (`name`) or reused (`existing`), never both; `zone_ids` go with `zones: existing` only; free text is one line of printable characters.",
            "workspace:\n  name: mlw-prod\n  existing: /subscriptions/.../workspaces/mlw-prod",
            "workspace:\n  existing: /subscriptions/.../workspaces/mlw-prod",
        ),
        Rule::PrincipalId => e(
            "a workspace user that is not a Microsoft Entra object id",
            "Role assignments name their principal by object id (a GUID); a sign-in name is not one.",
            "workspace:\n  users: [ { object_id: alice@contoso.com } ]",
            "workspace:\n  users: [ { object_id: 3f2b8c1e-7d4a-4e9b-a6c5-2d8f1e0b9a73, name: alice } ]   # az ad user show --id alice@contoso.com --query id",
        ),
        Rule::Tags => e(
            "tags Azure would refuse on a resource amlpe creates",
            "amlpe puts the scenario's tags on every resource it creates, so they meet the strictest limit among them: 50 tags (15 on a private DNS zone), names of at most 512 characters (128 on a storage account) without < > % & \\ ? /, values of at most 256, and no two names that differ only in case.",
            "tags: { team/owner: ml }",
            "tags: { team-owner: ml }",
        ),
        Rule::ComputeRegion => e(
            "a compute instance or cluster outside the workspace's region",
            "Limitations: \"When creating a compute instance or compute cluster in a workspace with a private endpoint, the compute instance and compute cluster must be in the same Azure region as the workspace.\"",
            "location: eastus2\ncomputes:\n  - { name: cpu, kind: cluster, location: westus, ... }",
            "location: eastus2\ncomputes:\n  - { name: cpu, kind: cluster, ... }   # in eastus2, with its VNet",
        ),
        Rule::AksRegion => e(
            "an AKS cluster outside the workspace's region",
            "Limitations: \"When creating or attaching an Azure Kubernetes Service cluster to a workspace with a private endpoint, the cluster must be in the same region as the workspace.\"",
            "location: eastus2\nkubernetes:\n  - { name: aks-inference, location: westus2, ... }",
            "location: eastus2\nkubernetes:\n  - { name: aks-inference, ... }   # in eastus2",
        ),
        Rule::DependencyVnet => e(
            "several workspace endpoints, and none in the VNet of the dependencies' endpoints",
            "Limitations: \"When using a workspace with multiple private endpoints, one of the private endpoints must be in the same VNet as the following dependency services: Azure Storage Account ..., Azure Key Vault ..., Azure Container Registry.\"",
            "networks:\n  - { name: vnet-a, endpoints: { subnet: snet-pe, targets: [workspace] } }\n  - { name: vnet-b, endpoints: { subnet: snet-pe, targets: [workspace] } }",
            "networks:\n  - { name: vnet-a, endpoints: { subnet: snet-pe, targets: [workspace, storage-blob, storage-file, key-vault, container-registry] } }\n  - { name: vnet-b, endpoints: { subnet: snet-pe, targets: [workspace, storage-blob, storage-file, key-vault, container-registry] } }",
        ),
        Rule::WorkspaceVnetReach => e(
            "a VNet with a workspace endpoint that cannot reach storage, Key Vault or the registry",
            "Multiple private endpoints: \"Each VNet that contains a private endpoint for the workspace must also be able to access the Azure Storage Account, Azure Key Vault, and Azure Container Registry used by the workspace. For example, you might create a private endpoint for the services in each VNet.\"",
            "- name: vnet-clients\n  endpoints: { subnet: snet-pe, targets: [workspace] }",
            "- name: vnet-clients\n  endpoints: { subnet: snet-pe, targets: [workspace, storage-blob, storage-file, key-vault, container-registry] }",
        ),
        Rule::DnsZoneCollision => e(
            "two endpoints of one target registering in one private DNS zone",
            "A private DNS zone holds one A record per name: the endpoints of one target in two VNets would register the same name in the same zone, and each overwrites the other's record, so one VNet resolves the other's private address. Zone names are unique per resource group, so each isolated VNet needs its own zone set.",
            "- name: vnet-b\n  dns: { zones: create, resource_group: rg-ml }   # the group of vnet-a's zones",
            "- name: vnet-b\n  dns: { zones: create, resource_group: rg-ml-clients-dns }",
        ),
        Rule::ImageBuildCompute => e(
            "a private registry without `image_build_compute`, or one that names no cluster",
            "Create a workspace that uses a private endpoint (Tip): \"When using private link, your workspace cannot use Azure Container Registry tasks compute for image building. The image_build_compute property in this configuration specifies a CPU compute cluster name to use for Docker image environment building.\"",
            "workspace:\n  container_registry: { name: crmlprod }\n  # no image_build_compute",
            "workspace:\n  container_registry: { name: crmlprod }\n  image_build_compute: cpu-cluster   # a compute with kind: cluster",
        ),
        Rule::RegistrySku => e(
            "a registry SKU without private endpoints",
            "Azure Container Registry supports private endpoints in the Premium SKU only.",
            "container_registry: { name: crmlprod, sku: Standard }",
            "container_registry: { name: crmlprod, sku: Premium }",
        ),
        Rule::NoWorkspaceEndpoint => e(
            "no private endpoint for the workspace",
            "Create a workspace that uses a private endpoint: the workspace is reached through at least one private endpoint in a VNet; amlpe plans nothing else.",
            "endpoints: { subnet: snet-pe, targets: [storage-blob, key-vault] }",
            "endpoints: { subnet: snet-pe, targets: [workspace, storage-blob, storage-file, key-vault, container-registry] }",
        ),
        Rule::ExistingZones => e(
            "existing zones that miss a zone the endpoints need, or are of another cloud",
            "With `zones: existing`, every endpoint registers in a zone of `zone_ids`: the workspace needs both privatelink.api.azureml.ms and privatelink.notebooks.azure.net (or their names in its cloud), each other target its own zone.",
            "dns:\n  zones: existing\n  zone_ids: [/subscriptions/.../privateDnsZones/privatelink.api.azureml.ms]",
            "dns:\n  zones: existing\n  zone_ids:\n    - /subscriptions/.../privateDnsZones/privatelink.api.azureml.ms\n    - /subscriptions/.../privateDnsZones/privatelink.notebooks.azure.net",
        ),
        Rule::DuplicateTarget => e(
            "one target listed twice for a VNet",
            "Multiple private endpoints: one endpoint per target and VNet reaches the target; a second would register the same names again.",
            "targets: [workspace, workspace, storage-blob]",
            "targets: [workspace, storage-blob]",
        ),
        Rule::ComputeVnetRegion => e(
            "a compute in another region than its VNet",
            "A compute's network interface is in its VNet, and a VNet is in one region: the compute is in the VNet's region.",
            "- name: vnet-a\n  location: westus\ncomputes:\n  - { name: cpu, network: vnet-a, location: eastus2, ... }",
            "- name: vnet-a          # in the workspace's region\ncomputes:\n  - { name: cpu, network: vnet-a, ... }",
        ),
        Rule::ComputeVnetSubscription => e(
            "a compute or AKS cluster in a VNet of another subscription than the workspace",
            "Azure ML computes and attached AKS clusters need their VNet in the workspace's subscription (catalog: COMPUTE_VNET_SUBSCRIPTION).",
            "- name: vnet-other\n  existing: /subscriptions/<another subscription>/.../virtualNetworks/vnet-other",
            "place the compute in a VNet of the workspace's subscription",
        ),
        Rule::ComputeBounds => e(
            "node counts or a VM size Azure refuses",
            "A cluster scales between min_nodes and max_nodes, so min_nodes is at most max_nodes, and the image-build cluster needs a node to build on; a compute instance is one VM, with no node counts; an AKS system node pool has 1-1000 nodes; VM sizes are named `Standard_<family><vCPUs>...`.",
            "- { name: cpu, kind: cluster, min_nodes: 3, max_nodes: 2, vm_size: DS3_v2, ... }",
            "- { name: cpu, kind: cluster, min_nodes: 0, max_nodes: 4, vm_size: Standard_DS3_v2, ... }",
        ),
        Rule::Cidr => e(
            "an address space or subnet prefix that is not a usable IPv4 CIDR prefix",
            "Virtual network address spaces are IPv4 prefixes in canonical form, without host bits; Azure's smallest subnet is a /29.",
            "address_space: [10.0.1.5/16]",
            "address_space: [10.0.0.0/16]",
        ),
        Rule::SubnetOutsideVnet => e(
            "a subnet prefix outside its VNet's address space",
            "A subnet is a part of its VNet's address space.",
            "address_space: [10.0.0.0/16]\nsubnets: [ { name: snet-pe, prefix: 10.9.1.0/24 } ]",
            "address_space: [10.0.0.0/16]\nsubnets: [ { name: snet-pe, prefix: 10.0.1.0/24 } ]",
        ),
        Rule::SubnetOverlap => e(
            "overlapping subnets in one VNet",
            "The subnets of a VNet do not overlap: Azure refuses the second.",
            "subnets:\n  - { name: snet-pe, prefix: 10.0.1.0/24 }\n  - { name: snet-training, prefix: 10.0.1.128/25 }",
            "subnets:\n  - { name: snet-pe, prefix: 10.0.1.0/24 }\n  - { name: snet-training, prefix: 10.0.2.0/24 }",
        ),
        Rule::VnetOverlap => e(
            "overlapping VNets",
            "VNets that reach the same workspace are peered or routed to each other, which needs address spaces that do not overlap.",
            "- { name: vnet-a, address_space: [10.0.0.0/16] }\n- { name: vnet-b, address_space: [10.0.128.0/17] }",
            "- { name: vnet-a, address_space: [10.0.0.0/16] }\n- { name: vnet-b, address_space: [10.1.0.0/16] }",
        ),
        Rule::Egress => e(
            "a new VNet with computes and no outbound path, or an outbound path amlpe cannot attach",
            "New subnets have no default outbound access (catalog: DEFAULT_OUTBOUND_ACCESS), and computes without public IPs need an outbound path to reach Azure ML, Batch, Microsoft Entra ID and the container registry. amlpe does not change the subnets of an existing VNet.",
            "- name: vnet-a          # new, with computes\n  egress: provided",
            "- name: vnet-a\n  egress: nat-gateway     # or { firewall: 10.0.0.4 }",
        ),
        Rule::SpecialSubnet => e(
            "endpoints or computes in a subnet Azure reserves for one service",
            "GatewaySubnet, AzureFirewallSubnet, AzureBastionSubnet and the like belong to their service: they take no network security group and hold nothing else.",
            "endpoints: { subnet: GatewaySubnet, ... }",
            "endpoints: { subnet: snet-pe, ... }   # a subnet of its own",
        ),
        Rule::SubnetCapacity => e(
            "more than a subnet's addresses",
            "Azure keeps 5 addresses of every subnet; a workspace endpoint takes 3, a registry endpoint 2, storage blob, storage file and Key Vault endpoints 1 each; a cluster one per node up to max_nodes, an instance 1; an AKS cluster (node_count + 1 surge) x (1 + 50 pods) + 1 internal load balancer.",
            "subnets: [ { name: snet-pe, prefix: 10.0.1.0/29 } ]   # 3 usable, the endpoints need 8",
            "subnets: [ { name: snet-pe, prefix: 10.0.1.0/28 } ]   # 11 usable",
        ),
        Rule::DockerBridge => e(
            "a VNet overlapping 172.17.0.0/16, Docker's default bridge",
            "Computes run jobs in Docker containers whose default bridge network is 172.17.0.0/16: addresses of the VNet in that range are unreachable from inside the containers.",
            "address_space: [172.17.0.0/16]",
            "address_space: [10.0.0.0/16]",
        ),
        Rule::PublicAccess => e(
            "a workspace with private endpoints that also answers on its public endpoint",
            "Enable public access: \"Enabling public access doesn't remove any private endpoints that exist.\" When connecting over the public endpoint \"Some features of studio will fail to access your data ... stored on a service that is secured behind the VNet.\"",
            "workspace:\n  public_network_access: Enabled",
            "workspace:\n  public_network_access: Disabled   # the default",
        ),
        Rule::Legacy => e(
            "CLI v1 or SDK v1 outputs requested",
            "Azure ML CLI v1 and Python SDK v1 are past their end of support (catalog: CLI_V1_END_OF_SUPPORT, SDK_V1_END_OF_SUPPORT); their files are generated under legacy/ for reference only.",
            "legacy: [cli-v1]",
            "legacy: []   # deploy with the Bicep, ARM or CLI v2 outputs",
        ),
        Rule::ComputeOutsideEndpointVnet => e(
            "a compute in a VNet without a workspace endpoint",
            "Add a private endpoint to a workspace (Warning): \"If you have any existing compute targets associated with this workspace, and they are not behind the same virtual network tha the private endpoint is created in, they will not work.\"",
            "- name: vnet-b\n  endpoints: { subnet: snet-pe, targets: [storage-blob] }\ncomputes:\n  - { name: cpu, network: vnet-b, ... }",
            "- name: vnet-b\n  endpoints: { subnet: snet-pe, targets: [workspace, storage-blob, storage-file, key-vault, container-registry] }",
        ),
        Rule::UnknownRegion => e(
            "a region amlpe does not know for Azure ML in the scenario's cloud",
            "Limitations: computes and AKS must be in the workspace's region, which must offer Azure ML; amlpe knows the regions of each cloud (catalog: regions) and warns about others, which may be new or misspelt.",
            "location: eastus9",
            "location: eastus2",
        ),
        Rule::ManualApproval => e(
            "endpoints that wait for manual approval",
            "Create a workspace that uses a private endpoint: a manually approved endpoint stays Pending, and carries no traffic, until the owner of its target approves the connection.",
            "endpoints: { subnet: snet-pe, targets: [workspace], approval: manual }",
            "endpoints: { subnet: snet-pe, targets: [workspace] }   # approval: auto, when the deployer owns the targets",
        ),
        Rule::InferenceWithoutTls => e(
            "an AKS inference router that serves plain HTTP",
            "Configure a secure online endpoint with TLS/SSL: without a certificate the Azure ML extension's router needs allowInsecureConnections, which Azure ML recommends only for development and testing (catalog: AML_EXTENSION_TLS_SETTINGS).",
            "kubernetes:\n  - { name: aks-inference, ... }",
            "kubernetes:\n  - { name: aks-inference, ..., tls: { cname: ml.contoso.com, secret: azureml-tls } }",
        ),
        Rule::CliTags => e(
            "a tag name the Azure CLI's `--tags key=value` cannot carry",
            "The Azure CLI splits each `--tags` word at its first `=` and reads a word starting with `-` as an option, so a tag name with `=` or a leading `-` would reach Azure changed, or not at all, from deploy.sh and the ops scripts.",
            "tags: { \"cost=center\": \"42\", \"-team\": ml }",
            "tags: { cost-center: \"42\", team: ml }",
        ),
        Rule::NoAvailabilityZones => e(
            "a region without availability zones: no zone-redundant storage or registry",
            "Zone-redundant storage (Standard_ZRS) and a zone-redundant registry need a region with availability zones (catalog: zone_regions, from \"Azure regions list\"); elsewhere amlpe plans Standard_LRS and a registry without zone redundancy.",
            "location: westus",
            "location: westus2   # a region with availability zones, if zone redundancy matters",
        ),
        Rule::UnusedExistingZones => e(
            "existing zone ids that this VNet's endpoints do not use",
            "A hub lists zones for other services (SQL, Cosmos DB, ...): amlpe takes the zones its endpoints need from the list and names the others, which nothing here links or registers in.",
            "zone_ids: [ .../privatelink.api.azureml.ms, .../privatelink.database.windows.net, ... ]",
            "leave them (the warning only lists them), or list only the zones amlpe uses",
        ),
    }
}

/// The rule named by its id (`E024`, any case) or its slug (`dns-zone-collision`).
pub fn find(name: &str) -> Option<Rule> {
    Rule::ALL
        .iter()
        .copied()
        .find(|r| r.id().eq_ignore_ascii_case(name) || r.slug() == name.to_lowercase())
}

/// `amlpe explain`'s text of a rule.
pub fn render(rule: Rule) -> String {
    let x = of(rule);
    let indent = |t: &str| t.lines().map(|l| format!("    {l}\n")).collect::<String>();
    let severity = match rule.severity() {
        crate::diag::Severity::Error => "error",
        crate::diag::Severity::Warning => "warning",
    };
    let spec = match rule.spec() {
        "-" => String::new(),
        s => format!("spec: {s}\n"),
    };
    format!(
        "{} {} ({severity}): {}\n{spec}\nWhy:\n{}\nBreaks it:\n{}\nFix:\n{}",
        rule.id(),
        rule.slug(),
        x.summary,
        indent(&wrap(x.why, 88)),
        indent(x.example),
        indent(x.fix),
    )
}

/// `text` with its words on lines of at most `width` characters.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        let n = word.chars().count();
        if line > 0 && line + 1 + n > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_explained_and_found_by_id_and_slug() {
        for r in Rule::ALL {
            let x = of(*r);
            for (what, text) in [
                ("summary", x.summary),
                ("why", x.why),
                ("example", x.example),
                ("fix", x.fix),
            ] {
                assert!(!text.trim().is_empty(), "{} has no {what}", r.id());
            }
            assert_ne!(x.example, x.fix, "{}: the fix is the example", r.id());
            assert_eq!(find(r.id()), Some(*r));
            assert_eq!(find(&r.id().to_lowercase()), Some(*r));
            assert_eq!(find(r.slug()), Some(*r));
        }
        assert_eq!(find("E999"), None);
    }
}
