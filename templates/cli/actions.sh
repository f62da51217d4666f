{#- One step of a script: the progress line, the guard that makes a rerun a no-op, and the
    Azure CLI commands. Fields that name variables are written "$NAME"; plan values go through
    `sh`. Optional flags sit on lines of their own; the last flag of a command never is. -#}
{% macro action(s) -%}
step {{ s.n }} {{ s.title | sh }}
{% if s.kind == "resource-group" -%}
if missing az group show --subscription "${{ s.sub }}" --name "${{ s.name }}"; then
  run az group create \
    --subscription "${{ s.sub }}" \
    --name "${{ s.name }}" \
    --location "${{ s.location }}"{% if s.tags %}{{ self::tags(name=s.tags) }}{% endif %}
fi
{%- elif s.kind == "nsg" -%}
if missing az network nsg show --subscription "${{ s.sub }}" --resource-group "${{ s.rg }}" --name "${{ s.name }}"; then
  run az network nsg create \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --name "${{ s.name }}" \
    --location "${{ s.location }}"{% if s.tags %}{{ self::tags(name=s.tags) }}{% endif %}
fi
{%- elif s.kind == "vnet" -%}
if missing az network vnet show --subscription "${{ s.sub }}" --resource-group "${{ s.rg }}" --name "${{ s.name }}"; then
  run az network vnet create \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --name "${{ s.name }}" \
    --address-prefixes{% for p in s.prefixes %} "${{ p }}"{% endfor %} \
    --location "${{ s.location }}"{% if s.tags %}{{ self::tags(name=s.tags) }}{% endif %}
fi
{%- elif s.kind == "subnet" -%}
if missing az network vnet subnet show --subscription "${{ s.sub }}" --resource-group "${{ s.rg }}" --vnet-name "${{ s.vnet }}" --name "${{ s.name }}"; then
  run az network vnet subnet create \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --vnet-name "${{ s.vnet }}" \
    --name "${{ s.name }}" \
    --address-prefixes "${{ s.prefix }}" \
{% if s.nsg %}    --network-security-group "${{ s.nsg }}" \
{% endif %}    --private-endpoint-network-policies {{ s.endpoint_policies | sh }}
fi
{%- elif s.kind == "log-analytics" -%}
if missing az monitor log-analytics workspace show --subscription "${{ s.sub }}" --resource-group "${{ s.rg }}" --name "${{ s.name }}"; then
  run az monitor log-analytics workspace create \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --name "${{ s.name }}" \
    --sku {{ s.sku | sh }} \
    --retention-time {{ s.retention | sh }} \
    --ingestion-access {{ s.ingestion | sh }} \
    --query-access {{ s.query | sh }} \
    --location "${{ s.location }}"{% if s.tags %}{{ self::tags(name=s.tags) }}{% endif %}
fi
{%- elif s.kind == "generic" -%}
# {{ s.resource_type | comment }} has no core create command with every setting: the
# resource as ARM takes it.
{% if s.literal_dollars %}# shellcheck disable=SC2016 # literal text, not expansions
{% endif -%}
if missing az resource show --ids "${{ s.id }}" --api-version {{ s.api_version | sh }}; then
  run az resource create \
    --id "${{ s.id }}" \
    --api-version {{ s.api_version | sh }} \
    --is-full-object \
    --properties {% for p in s.body %}{% if p.var %}"${{ p.var }}"{% else %}{{ p.lit | sh }}{% endif %}{% endfor %}
fi
{%- elif s.kind == "storage" -%}
if missing az storage account show --subscription "${{ s.sub }}" --resource-group "${{ s.rg }}" --name "${{ s.name }}"; then
  run az storage account create \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --name "${{ s.name }}" \
    --sku {{ s.sku | sh }} \
    --kind {{ s.account_kind | sh }} \
    --access-tier {{ s.access_tier | sh }} \
    --allow-blob-public-access {{ s.blob_public_access | sh }} \
    --allow-shared-key-access {{ s.shared_key_access | sh }} \
    --allow-cross-tenant-replication {{ s.cross_tenant_replication | sh }} \
    --min-tls-version {{ s.min_tls | sh }} \
    --https-only {{ s.https_only | sh }} \
    --public-network-access {{ s.public_network_access | sh }} \
    --default-action {{ s.default_action | sh }} \
    --bypass {{ s.bypass | sh }} \
    --require-infrastructure-encryption {{ s.infrastructure_encryption | sh }} \
    --encryption-key-source {{ s.key_source | sh }} \
    --encryption-services{% for x in s.services %} {{ x | sh }}{% endfor %} \
    --location "${{ s.location }}"{% if s.tags %}{{ self::tags(name=s.tags) }}{% endif %}
{%- if s.set %}
  # No create flag for these.
  run az storage account update \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --name "${{ s.name }}" \
    --set{% for x in s.set %} {{ x | sh }}{% endfor %}
{%- endif %}
fi
{%- elif s.kind == "key-vault" -%}
if missing az keyvault show --subscription "${{ s.sub }}" --resource-group "${{ s.rg }}" --name "${{ s.name }}"; then
  run az keyvault create \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --name "${{ s.name }}" \
    --sku {{ s.sku | sh }} \
    --enable-rbac-authorization {{ s.rbac | sh }} \
{% if s.purge_protection %}    --enable-purge-protection true \
{% endif %}    --retention-days {{ s.retention_days | sh }} \
    --public-network-access {{ s.public_network_access | sh }} \
    --default-action {{ s.default_action | sh }} \
    --bypass {{ s.bypass | sh }} \
    --location "${{ s.location }}"{% if s.tags %}{{ self::tags(name=s.tags) }}{% endif %}
fi
{%- elif s.kind == "registry" -%}
if missing az acr show --subscription "${{ s.sub }}" --resource-group "${{ s.rg }}" --name "${{ s.name }}"; then
  run az acr create \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --name "${{ s.name }}" \
    --sku {{ s.sku | sh }} \
    --admin-enabled {{ s.admin | sh }} \
    --public-network-enabled {{ s.public_network | sh }} \
    --allow-trusted-services {{ s.trusted_services | sh }} \
    --zone-redundancy {{ s.zone_redundancy | sh }} \
    --data-endpoint-enabled {{ s.data_endpoint | sh }} \
    --allow-exports {{ s.exports | sh }} \
    --location "${{ s.location }}"{% if s.tags %}{{ self::tags(name=s.tags) }}{% endif %}
  # Anonymous pull and the policies have no create flag.
  run az acr update \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --name "${{ s.name }}" \
    --anonymous-pull-enabled {{ s.anonymous_pull | sh }}{% if s.set %} \
    --set{% for x in s.set %} {{ x | sh }}{% endfor %}{% endif %}
fi
{%- elif s.kind == "workspace" -%}
if missing az ml workspace show --subscription "${{ s.sub }}" --resource-group "${{ s.rg }}" --name "${{ s.name }}"; then
  write_workspace_yaml{{ self::yaml_args(list=s.yaml) }}
  run az ml workspace create \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --name "${{ s.name }}" \
    --file "$WORKSPACE_FILE"
fi
{%- elif s.kind == "private-endpoint" -%}
if missing az network private-endpoint show --subscription "${{ s.sub }}" --resource-group "${{ s.rg }}" --name "${{ s.name }}"; then
  run az network private-endpoint create \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --name "${{ s.name }}" \
    --subnet "${{ s.subnet }}" \
    --private-connection-resource-id "${{ s.target }}" \
    --group-id {{ s.group_id | sh }} \
    --connection-name "${{ s.connection }}" \
    --nic-name "${{ s.nic }}" \
{% if s.manual %}    --manual-request true \
{% endif %}{% if s.message %}    --request-message {{ s.message | sh }} \
{% endif %}    --location "${{ s.location }}"{% if s.tags %}{{ self::tags(name=s.tags) }}{% endif %}
fi
{%- elif s.kind == "dns-zone" -%}
if missing az network private-dns zone show --subscription "${{ s.sub }}" --resource-group "${{ s.rg }}" --name "${{ s.name }}"; then
  run az network private-dns zone create \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --name "${{ s.name }}"{% if s.tags %}{{ self::tags(name=s.tags) }}{% endif %}
fi
{%- elif s.kind == "dns-link" -%}
if missing az network private-dns link vnet show --subscription "${{ s.sub }}" --resource-group "${{ s.rg }}" --zone-name "${{ s.zone }}" --name "${{ s.name }}"; then
  run az network private-dns link vnet create \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --zone-name "${{ s.zone }}" \
    --name "${{ s.name }}" \
    --virtual-network "${{ s.vnet }}" \
    --registration-enabled {{ s.registration | sh }}{% if s.tags %}{{ self::tags(name=s.tags) }}{% endif %}
fi
{%- elif s.kind == "zone-group" -%}
if missing az network private-endpoint dns-zone-group show --subscription "${{ s.sub }}" --resource-group "${{ s.rg }}" --endpoint-name "${{ s.endpoint }}" --name "${{ s.name }}"; then
  run az network private-endpoint dns-zone-group create \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --endpoint-name "${{ s.endpoint }}" \
    --name "${{ s.name }}" \
    --private-dns-zone "${{ s.first.zone }}" \
    --zone-name {{ s.first.key | sh }}
fi
{%- for z in s.rest %}
if missing zone_config_present "${{ s.sub }}" "${{ s.rg }}" "${{ s.endpoint }}" "${{ s.name }}" {{ z.key | sh }}; then
  run az network private-endpoint dns-zone-group add \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --endpoint-name "${{ s.endpoint }}" \
    --name "${{ s.name }}" \
    --private-dns-zone "${{ z.zone }}" \
    --zone-name {{ z.key | sh }}
fi
{%- endfor %}
{%- elif s.kind == "compute" -%}
if missing az ml compute show --subscription "${{ s.sub }}" --resource-group "${{ s.rg }}" --workspace-name "${{ s.workspace }}" --name "${{ s.name }}"; then
  run az ml compute create \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --workspace-name "${{ s.workspace }}" \
    --name "${{ s.name }}" \
    --type {{ s.compute_type | sh }} \
    --size "${{ s.size }}" \
{% if s.min %}    --min-instances "${{ s.min }}" \
{% endif %}{% if s.max %}    --max-instances "${{ s.max }}" \
{% endif %}{% if s.idle_seconds %}    --idle-time-before-scale-down {{ s.idle_seconds | sh }} \
{% endif %}{% if s.tier %}    --tier {{ s.tier | sh }} \
{% endif %}    --subnet "${{ s.subnet }}" \
    --enable-node-public-ip {{ s.public_ip | sh }} \
    --ssh-public-access-enabled {{ s.ssh_public | sh }} \
{% if s.identity %}    --identity-type {{ s.identity | sh }} \
{% endif %}    --location "${{ s.location }}"{% if s.tags %}{{ self::tags(name=s.tags) }}{% endif %}
fi
{%- elif s.kind == "aks" -%}
if missing az aks show --subscription "${{ s.sub }}" --resource-group "${{ s.rg }}" --name "${{ s.name }}"; then
  run az aks create \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --name "${{ s.name }}" \
    --dns-name-prefix "${{ s.dns_prefix }}" \
    --tier {{ s.tier | sh }} \
{% if s.managed_identity %}    --enable-managed-identity \
{% endif %}{% if not s.rbac %}    --disable-rbac \
{% endif %}{% if not s.local_accounts %}    --disable-local-accounts \
{% endif %}{% if s.aad %}    --enable-aad \
{% endif %}{% if s.azure_rbac %}    --enable-azure-rbac \
{% endif %}{% if s.private_cluster %}    --enable-private-cluster \
{% endif %}{% if s.upgrade_channel %}    --auto-upgrade-channel {{ s.upgrade_channel | sh }} \
{% endif %}    --network-plugin {{ s.network_plugin | sh }} \
{% if s.network_policy %}    --network-policy {{ s.network_policy | sh }} \
{% endif %}    --load-balancer-sku {{ s.load_balancer_sku | sh }} \
{% if s.service_cidr %}    --service-cidr "${{ s.service_cidr }}" \
{% endif %}{% if s.dns_service_ip %}    --dns-service-ip "${{ s.dns_service_ip }}" \
{% endif %}    --nodepool-name {{ s.pool | sh }} \
    --node-count "${{ s.node_count }}" \
    --node-vm-size "${{ s.vm_size }}" \
    --node-osdisk-type {{ s.os_disk | sh }} \
    --vm-set-type {{ s.vm_set | sh }} \
    --vnet-subnet-id "${{ s.subnet }}" \
    --max-pods {{ s.max_pods | sh }} \
{% if s.host_encryption %}    --enable-encryption-at-host \
{% endif %}{% if s.addons %}    --enable-addons {{ s.addons | sh }} \
{% endif %}{% if s.secret_rotation %}    --enable-secret-rotation \
{% endif %}    --no-ssh-key \
    --location "${{ s.location }}"{% if s.tags %}{{ self::tags(name=s.tags) }}{% endif %}
fi
{%- elif s.kind == "extension" -%}
if missing az k8s-extension show --subscription "${{ s.sub }}" --resource-group "${{ s.rg }}" --cluster-type managedClusters --cluster-name "${{ s.cluster }}" --name "${{ s.name }}"; then
  run az k8s-extension create \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --cluster-type managedClusters \
    --cluster-name "${{ s.cluster }}" \
    --name "${{ s.name }}" \
    --extension-type {{ s.extension_type | sh }} \
    --scope {{ s.scope | sh }} \
    --release-namespace {{ s.namespace | sh }} \
    --release-train {{ s.train | sh }} \
    --auto-upgrade-minor-version {{ s.auto_upgrade | sh }} \
    --configuration-settings{% for c in s.config %} {{ c | sh }}{% endfor %}
fi
{%- elif s.kind == "attach" -%}
# Attaching twice fails: the show guard keeps a rerun from trying.
if missing az ml compute show --subscription "${{ s.sub }}" --resource-group "${{ s.rg }}" --workspace-name "${{ s.workspace }}" --name "${{ s.name }}"; then
  run az ml compute attach \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --workspace-name "${{ s.workspace }}" \
    --name "${{ s.name }}" \
    --type Kubernetes \
{% if s.identity %}    --identity-type {{ s.identity | sh }} \
{% endif %}    --resource-id "${{ s.aks }}" \
    --namespace {{ s.namespace | sh }}
fi
{%- elif s.kind == "delete-endpoint" -%}
if present az network private-endpoint show --subscription "${{ s.sub }}" --resource-group "${{ s.rg }}" --name "${{ s.name }}"; then
  run az network private-endpoint delete \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --name "${{ s.name }}"
fi
{%- elif s.kind == "public-access" -%}
if differs {{ s.value | sh }} az ml workspace show --subscription "${{ s.sub }}" --resource-group "${{ s.rg }}" --name "${{ s.name }}" --query public_network_access --output tsv; then
  write_workspace_yaml{{ self::yaml_args(list=s.yaml) }}
  run az ml workspace update \
    --subscription "${{ s.sub }}" \
    --resource-group "${{ s.rg }}" \
    --name "${{ s.name }}" \
    --file "$WORKSPACE_FILE"
fi
{%- endif %}
{%- endmacro action %}

{#- Arguments of write_workspace_yaml: key="$VAR", 'key=literal' or -key (removed). -#}
{% macro yaml_args(list) -%}
{% for o in list %} {% if o.drop %}-{{ o.key }}{% elif o.var %}{{ o.key }}="${{ o.var }}"{% else %}{% set kv = o.key ~ "=" ~ o.lit %}{{ kv | sh }}{% endif %}{% endfor %}
{%- endmacro yaml_args %}

{#- The last flag of a create: ` \`, a new line, `--tags "${ARRAY[@]}"`. -#}
{% macro tags(name) %} \
    --tags "${{ "{" }}{{ name }}[@]{{ "}" }}"{% endmacro tags %}
