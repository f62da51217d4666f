{#- One step of a script: the progress line, the guard that makes a rerun a no-op, and the
    Azure CLI commands. Fields that name variables are written "$NAME"; plan values go through
    `sh`. Optional flags sit on lines of their own; the last flag of a command never is. -#}
{% macro action(s) -%}
step {{ s.n }} {{ s.title | sh }}
{% match s.action %}
{% when Action::ResourceGroup { sub, name, location, tags } -%}
if missing az group show --subscription "${{ sub }}" --name "${{ name }}"; then
  run az group create \
    --subscription "${{ sub }}" \
    --name "${{ name }}" \
    --location "${{ location }}"{% call tags(tags) %}{% endcall %}
fi
{%- when Action::Nsg { sub, rg, name, location, tags } -%}
if missing az network nsg show --subscription "${{ sub }}" --resource-group "${{ rg }}" --name "${{ name }}"; then
  run az network nsg create \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --name "${{ name }}" \
    --location "${{ location }}"{% call tags(tags) %}{% endcall %}
fi
{%- when Action::Vnet { sub, rg, name, prefixes, location, tags } -%}
if missing az network vnet show --subscription "${{ sub }}" --resource-group "${{ rg }}" --name "${{ name }}"; then
  run az network vnet create \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --name "${{ name }}" \
    --address-prefixes{% for p in prefixes %} "${{ p }}"{% endfor %} \
    --location "${{ location }}"{% call tags(tags) %}{% endcall %}
fi
{%- when Action::Subnet { sub, rg, vnet, name, prefix, nsg, endpoint_policies } -%}
if missing az network vnet subnet show --subscription "${{ sub }}" --resource-group "${{ rg }}" --vnet-name "${{ vnet }}" --name "${{ name }}"; then
  run az network vnet subnet create \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --vnet-name "${{ vnet }}" \
    --name "${{ name }}" \
    --address-prefixes "${{ prefix }}" \
{% if let Some(nsg) = nsg %}    --network-security-group "${{ nsg }}" \
{% endif %}    --private-endpoint-network-policies {{ endpoint_policies | sh }}
fi
{%- when Action::LogAnalytics { sub, rg, name, sku, retention, ingestion, query, location, tags } -%}
if missing az monitor log-analytics workspace show --subscription "${{ sub }}" --resource-group "${{ rg }}" --name "${{ name }}"; then
  run az monitor log-analytics workspace create \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --name "${{ name }}" \
    --sku {{ sku | sh }} \
    --retention-time {{ retention | sh }} \
    --ingestion-access {{ ingestion | sh }} \
    --query-access {{ query | sh }} \
    --location "${{ location }}"{% call tags(tags) %}{% endcall %}
fi
{%- when Action::Generic { resource_type, literal_dollars, id, api_version, body } -%}
# {{ resource_type | comment }} has no core create command with every setting: the
# resource as ARM takes it.
{% if literal_dollars %}# shellcheck disable=SC2016 # literal text, not expansions
{% endif -%}
if missing az resource show --ids "${{ id }}" --api-version {{ api_version | sh }}; then
  run az resource create \
    --id "${{ id }}" \
    --api-version {{ api_version | sh }} \
    --is-full-object \
    --properties {% for p in body %}{% match p %}{% when Piece::Var(var) %}"${{ var }}"{% when Piece::Lit(text) %}{{ text | sh }}{% endmatch %}{% endfor %}
fi
{%- when Action::Storage {
    sub, rg, name, sku, account_kind, access_tier, blob_public_access, shared_key_access,
    cross_tenant_replication, min_tls, https_only, public_network_access, default_action,
    bypass, infrastructure_encryption, key_source, services, location, tags, set
} -%}
if missing az storage account show --subscription "${{ sub }}" --resource-group "${{ rg }}" --name "${{ name }}"; then
  run az storage account create \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --name "${{ name }}" \
    --sku {{ sku | sh }} \
    --kind {{ account_kind | sh }} \
    --access-tier {{ access_tier | sh }} \
    --allow-blob-public-access {{ blob_public_access | sh }} \
    --allow-shared-key-access {{ shared_key_access | sh }} \
    --allow-cross-tenant-replication {{ cross_tenant_replication | sh }} \
    --min-tls-version {{ min_tls | sh }} \
    --https-only {{ https_only | sh }} \
    --public-network-access {{ public_network_access | sh }} \
    --default-action {{ default_action | sh }} \
    --bypass {{ bypass | sh }} \
    --require-infrastructure-encryption {{ infrastructure_encryption | sh }} \
    --encryption-key-source {{ key_source | sh }} \
    --encryption-services{% for x in services %} {{ x | sh }}{% endfor %} \
    --location "${{ location }}"{% call tags(tags) %}{% endcall %}
{%- if !set.is_empty() %}
  # No create flag for these.
  run az storage account update \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --name "${{ name }}" \
    --set{% for x in set %} {{ x | sh }}{% endfor %}
{%- endif %}
fi
{%- when Action::KeyVault {
    sub, rg, name, sku, rbac, purge_protection, retention_days, public_network_access,
    default_action, bypass, location, tags
} -%}
if missing az keyvault show --subscription "${{ sub }}" --resource-group "${{ rg }}" --name "${{ name }}"; then
  run az keyvault create \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --name "${{ name }}" \
    --sku {{ sku | sh }} \
    --enable-rbac-authorization {{ rbac | sh }} \
{% if purge_protection %}    --enable-purge-protection true \
{% endif %}    --retention-days {{ retention_days | sh }} \
    --public-network-access {{ public_network_access | sh }} \
    --default-action {{ default_action | sh }} \
    --bypass {{ bypass | sh }} \
    --location "${{ location }}"{% call tags(tags) %}{% endcall %}
fi
{%- when Action::Registry {
    sub, rg, name, sku, admin, public_network, trusted_services, zone_redundancy, data_endpoint,
    exports, location, tags, anonymous_pull, set
} -%}
if missing az acr show --subscription "${{ sub }}" --resource-group "${{ rg }}" --name "${{ name }}"; then
  run az acr create \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --name "${{ name }}" \
    --sku {{ sku | sh }} \
    --admin-enabled {{ admin | sh }} \
    --public-network-enabled {{ public_network | sh }} \
    --allow-trusted-services {{ trusted_services | sh }} \
    --zone-redundancy {{ zone_redundancy | sh }} \
    --data-endpoint-enabled {{ data_endpoint | sh }} \
    --allow-exports {{ exports | sh }} \
    --location "${{ location }}"{% call tags(tags) %}{% endcall %}
  # Anonymous pull and the policies have no create flag.
  run az acr update \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --name "${{ name }}" \
    --anonymous-pull-enabled {{ anonymous_pull | sh }}{% if !set.is_empty() %} \
    --set{% for x in set %} {{ x | sh }}{% endfor %}{% endif %}
fi
{%- when Action::Workspace { sub, rg, name, yaml } -%}
if missing az ml workspace show --subscription "${{ sub }}" --resource-group "${{ rg }}" --name "${{ name }}"; then
  write_workspace_yaml{% call yaml_args(yaml) %}{% endcall %}
  run az ml workspace create \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --name "${{ name }}" \
    --file "$WORKSPACE_FILE"
fi
{%- when Action::PrivateEndpoint {
    sub, rg, name, subnet, target, group_id, connection, nic, manual, message, location, tags
} -%}
if missing az network private-endpoint show --subscription "${{ sub }}" --resource-group "${{ rg }}" --name "${{ name }}"; then
  run az network private-endpoint create \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --name "${{ name }}" \
    --subnet "${{ subnet }}" \
    --private-connection-resource-id "${{ target }}" \
    --group-id {{ group_id | sh }} \
    --connection-name "${{ connection }}" \
    --nic-name "${{ nic }}" \
{% if manual %}    --manual-request true \
{% endif %}{% if let Some(message) = message %}    --request-message {{ message | sh }} \
{% endif %}    --location "${{ location }}"{% call tags(tags) %}{% endcall %}
fi
{%- when Action::DnsZone { sub, rg, name, tags } -%}
if missing az network private-dns zone show --subscription "${{ sub }}" --resource-group "${{ rg }}" --name "${{ name }}"; then
  run az network private-dns zone create \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --name "${{ name }}"{% call tags(tags) %}{% endcall %}
fi
{%- when Action::DnsLink { sub, rg, zone, name, vnet, registration, tags } -%}
if missing az network private-dns link vnet show --subscription "${{ sub }}" --resource-group "${{ rg }}" --zone-name "${{ zone }}" --name "${{ name }}"; then
  run az network private-dns link vnet create \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --zone-name "${{ zone }}" \
    --name "${{ name }}" \
    --virtual-network "${{ vnet }}" \
    --registration-enabled {{ registration | sh }}{% call tags(tags) %}{% endcall %}
fi
{%- when Action::ZoneGroup { sub, rg, endpoint, name, first, rest } -%}
if missing az network private-endpoint dns-zone-group show --subscription "${{ sub }}" --resource-group "${{ rg }}" --endpoint-name "${{ endpoint }}" --name "${{ name }}"; then
  run az network private-endpoint dns-zone-group create \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --endpoint-name "${{ endpoint }}" \
    --name "${{ name }}" \
    --private-dns-zone "${{ first.zone }}" \
    --zone-name {{ first.key | sh }}
fi
{%- for z in rest %}
if missing zone_config_present "${{ sub }}" "${{ rg }}" "${{ endpoint }}" "${{ name }}" {{ z.key | sh }}; then
  run az network private-endpoint dns-zone-group add \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --endpoint-name "${{ endpoint }}" \
    --name "${{ name }}" \
    --private-dns-zone "${{ z.zone }}" \
    --zone-name {{ z.key | sh }}
fi
{%- endfor %}
{%- when Action::Compute {
    sub, rg, workspace, name, compute_type, size, min, max, idle_seconds, tier, subnet,
    public_ip, ssh_public, identity, location, tags
} -%}
if missing az ml compute show --subscription "${{ sub }}" --resource-group "${{ rg }}" --workspace-name "${{ workspace }}" --name "${{ name }}"; then
  run az ml compute create \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --workspace-name "${{ workspace }}" \
    --name "${{ name }}" \
    --type {{ compute_type | sh }} \
    --size "${{ size }}" \
{% if let Some(min) = min %}    --min-instances "${{ min }}" \
{% endif %}{% if let Some(max) = max %}    --max-instances "${{ max }}" \
{% endif %}{% if let Some(idle_seconds) = idle_seconds %}    --idle-time-before-scale-down {{ idle_seconds | sh }} \
{% endif %}{% if let Some(tier) = tier %}    --tier {{ tier | sh }} \
{% endif %}    --subnet "${{ subnet }}" \
    --enable-node-public-ip {{ public_ip | sh }} \
    --ssh-public-access-enabled {{ ssh_public | sh }} \
{% if let Some(identity) = identity %}    --identity-type {{ identity | sh }} \
{% endif %}    --location "${{ location }}"{% call tags(tags) %}{% endcall %}
fi
{%- when Action::Aks {
    sub, rg, name, dns_prefix, tier, managed_identity, rbac, local_accounts, aad, azure_rbac,
    private_cluster, upgrade_channel, network_plugin, network_policy, load_balancer_sku,
    service_cidr, dns_service_ip, pool, node_count, vm_size, os_disk, vm_set, subnet, max_pods,
    host_encryption, addons, secret_rotation, location, tags
} -%}
if missing az aks show --subscription "${{ sub }}" --resource-group "${{ rg }}" --name "${{ name }}"; then
  run az aks create \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --name "${{ name }}" \
    --dns-name-prefix "${{ dns_prefix }}" \
    --tier {{ tier | sh }} \
{% if managed_identity %}    --enable-managed-identity \
{% endif %}{% if !rbac %}    --disable-rbac \
{% endif %}{% if !local_accounts %}    --disable-local-accounts \
{% endif %}{% if aad %}    --enable-aad \
{% endif %}{% if azure_rbac %}    --enable-azure-rbac \
{% endif %}{% if private_cluster %}    --enable-private-cluster \
{% endif %}{% if let Some(upgrade_channel) = upgrade_channel %}    --auto-upgrade-channel {{ upgrade_channel | sh }} \
{% endif %}    --network-plugin {{ network_plugin | sh }} \
{% if let Some(network_policy) = network_policy %}    --network-policy {{ network_policy | sh }} \
{% endif %}    --load-balancer-sku {{ load_balancer_sku | sh }} \
{% if let Some(service_cidr) = service_cidr %}    --service-cidr "${{ service_cidr }}" \
{% endif %}{% if let Some(dns_service_ip) = dns_service_ip %}    --dns-service-ip "${{ dns_service_ip }}" \
{% endif %}    --nodepool-name {{ pool | sh }} \
    --node-count "${{ node_count }}" \
    --node-vm-size "${{ vm_size }}" \
    --node-osdisk-type {{ os_disk | sh }} \
    --vm-set-type {{ vm_set | sh }} \
    --vnet-subnet-id "${{ subnet }}" \
    --max-pods {{ max_pods | sh }} \
{% if host_encryption %}    --enable-encryption-at-host \
{% endif %}{% if let Some(addons) = addons %}    --enable-addons {{ addons | sh }} \
{% endif %}{% if secret_rotation %}    --enable-secret-rotation \
{% endif %}    --no-ssh-key \
    --location "${{ location }}"{% call tags(tags) %}{% endcall %}
fi
{%- when Action::Extension {
    sub, rg, cluster, name, extension_type, scope, namespace, train, auto_upgrade, config
} -%}
if missing az k8s-extension show --subscription "${{ sub }}" --resource-group "${{ rg }}" --cluster-type managedClusters --cluster-name "${{ cluster }}" --name "${{ name }}"; then
  run az k8s-extension create \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --cluster-type managedClusters \
    --cluster-name "${{ cluster }}" \
    --name "${{ name }}" \
    --extension-type {{ extension_type | sh }} \
    --scope {{ scope | sh }} \
    --release-namespace {{ namespace | sh }} \
    --release-train {{ train | sh }} \
    --auto-upgrade-minor-version {{ auto_upgrade | sh }} \
    --configuration-settings{% for c in config %} {{ c | sh }}{% endfor %}
fi
{%- when Action::Attach { sub, rg, workspace, name, identity, aks, namespace } -%}
# Attaching twice fails: the show guard keeps a rerun from trying.
if missing az ml compute show --subscription "${{ sub }}" --resource-group "${{ rg }}" --workspace-name "${{ workspace }}" --name "${{ name }}"; then
  run az ml compute attach \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --workspace-name "${{ workspace }}" \
    --name "${{ name }}" \
    --type Kubernetes \
{% if let Some(identity) = identity %}    --identity-type {{ identity | sh }} \
{% endif %}    --resource-id "${{ aks }}" \
    --namespace {{ namespace | sh }}
fi
{%- when Action::DeleteEndpoint { sub, rg, name } -%}
if present az network private-endpoint show --subscription "${{ sub }}" --resource-group "${{ rg }}" --name "${{ name }}"; then
  run az network private-endpoint delete \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --name "${{ name }}"
fi
{%- when Action::PublicAccess { value, sub, rg, name, yaml } -%}
if differs {{ value | sh }} az ml workspace show --subscription "${{ sub }}" --resource-group "${{ rg }}" --name "${{ name }}" --query public_network_access --output tsv; then
  write_workspace_yaml{% call yaml_args(yaml) %}{% endcall %}
  run az ml workspace update \
    --subscription "${{ sub }}" \
    --resource-group "${{ rg }}" \
    --name "${{ name }}" \
    --file "$WORKSPACE_FILE"
fi
{%- endmatch %}
{%- endmacro action %}

{#- Arguments of write_workspace_yaml: key="$VAR", 'key=literal' or -key (removed). -#}
{% macro yaml_args(list) -%}
{% for o in list %} {% match o %}
{%- when YamlOverride::Drop { key } %}-{{ key }}
{%- when YamlOverride::Var { key, var } %}{{ key }}="${{ var }}"
{%- when YamlOverride::Lit { key, value } %}{% let kv = key ~ "=" ~ value %}{{ kv | sh }}
{%- endmatch %}{% endfor %}
{%- endmacro yaml_args %}

{#- The last flag of a create, when it is tagged: ` \`, a new line, `--tags "${ARRAY[@]}"`. -#}
{% macro tags(array) %}{% if let Some(array) = array %} \
    --tags "${{ "{" }}{{ array }}[@]{{ "}" }}"{% endif %}{% endmacro tags %}
