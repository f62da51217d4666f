{%- set p = r.properties -%}
{%- set pool = p.agentPoolProfiles[0] -%}
{%- set net = p.networkProfile -%}
{%- set addons = [] -%}
{%- if p.addonProfiles?.azurepolicy?.enabled %}{% set addons = [...addons, "azure-policy"] %}{% endif -%}
{%- if p.addonProfiles?.azureKeyvaultSecretsProvider?.enabled %}{% set addons = [...addons, "azure-keyvault-secrets-provider"] %}{% endif -%}
if missing az aks show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --name "${{ v.name }}"; then
  run az aks create \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --name "${{ v.name }}" \
    --dns-name-prefix "${{ v.dns_prefix }}" \
    --tier {{ (r.sku.tier | default(value="Free")) | lower | sh }} \
{% if r.identity?.type == "SystemAssigned" %}    --enable-managed-identity \
{% endif %}{% if not p.enableRBAC %}    --disable-rbac \
{% endif %}{% if p.aadProfile?.managed %}    --enable-aad \
{% endif %}{% if p.aadProfile?.enableAzureRBAC %}    --enable-azure-rbac \
{% endif %}{% if p.apiServerAccessProfile?.enablePrivateCluster %}    --enable-private-cluster \
{% endif %}{% if p.apiServerAccessProfile?.enablePrivateClusterPublicFQDN == false %}    --disable-public-fqdn \
{% endif %}{% if p.autoUpgradeProfile?.upgradeChannel %}    --auto-upgrade-channel {{ p.autoUpgradeProfile?.upgradeChannel | sh }} \
{% endif %}    --network-plugin {{ net.networkPlugin | default(value="azure") | sh }} \
{% if net.networkPolicy %}    --network-policy {{ net.networkPolicy | sh }} \
{% endif %}    --load-balancer-sku {{ net.loadBalancerSku | default(value="standard") | sh }} \
{% if net.outboundType %}    --outbound-type {{ net.outboundType | sh }} \
{% endif %}{% if v.service_cidr %}    --service-cidr "${{ v.service_cidr }}" \
{% endif %}{% if v.dns_service_ip %}    --dns-service-ip "${{ v.dns_service_ip }}" \
{% endif %}    --nodepool-name {{ pool.name | sh }} \
    --node-count "${{ v.node_count }}" \
    --node-vm-size "${{ v.vm_size }}" \
{% if pool.osDiskType %}    --node-osdisk-type {{ pool.osDiskType | sh }} \
{% endif %}    --vm-set-type {{ pool.type | sh }} \
    --vnet-subnet-id "${{ v.subnet }}" \
    --max-pods {{ pool.maxPods | sh }} \
{% if pool.enableEncryptionAtHost %}    --enable-encryption-at-host \
{% endif %}{% if addons %}    --enable-addons {{ addons | join(sep=",") | sh }} \
{% endif %}{% if p.addonProfiles?.azureKeyvaultSecretsProvider?.config?.enableSecretRotation == "true" %}    --enable-secret-rotation \
{% endif %}    --no-ssh-key \
    --location "${{ v.location }}"{{<cli.tags array={v.tags} />}}
fi
