{%- set p = r.properties -%}
if missing az storage account show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --name "${{ v.name }}"; then
  run az storage account create \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --name "${{ v.name }}" \
    --sku {{ r.sku.name | sh }} \
    --kind {{ r.kind | default(value="StorageV2") | sh }} \
    --access-tier {{ p.accessTier | sh }} \
    --allow-blob-public-access {{ p.allowBlobPublicAccess | sh }} \
    --allow-shared-key-access {{ p.allowSharedKeyAccess | sh }} \
    --allow-cross-tenant-replication {{ p.allowCrossTenantReplication | sh }} \
    --min-tls-version {{ p.minimumTlsVersion | sh }} \
    --https-only {{ p.supportsHttpsTrafficOnly | sh }} \
    --public-network-access {{ p.publicNetworkAccess | sh }} \
    --default-action {{ p.networkAcls.defaultAction | sh }} \
    --bypass {{ p.networkAcls.bypass | sh }} \
    --require-infrastructure-encryption {{ p.encryption.requireInfrastructureEncryption | sh }} \
    --encryption-key-source {{ p.encryption.keySource | sh }} \
    --encryption-services{% for service, s in p.encryption.services %}{% if s.enabled %} {{ service | sh }}{% endif %}{% endfor %} \
    --location "${{ v.location }}"{{<cli.tags array={v.tags} />}}
fi
{%- if p.defaultToOAuthAuthentication is defined %}
# No create flag for this: set after the create, and checked on its own, so that a rerun
# applies it when the create succeeded and the update did not.
if differs {{ p.defaultToOAuthAuthentication | sh }} az storage account show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --name "${{ v.name }}" --query defaultToOAuthAuthentication --output tsv; then
  run az storage account update \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --name "${{ v.name }}" \
    --set {{ ("defaultToOAuthAuthentication=" ~ p.defaultToOAuthAuthentication) | sh }}
fi
{%- endif %}
