{%- set p = r.properties -%}
if missing az keyvault show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --name "${{ v.name }}"; then
  run az keyvault create \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --name "${{ v.name }}" \
    --sku {{ p.sku.name | sh }} \
    --enable-rbac-authorization {{ p.enableRbacAuthorization | sh }} \
{% if p.enablePurgeProtection %}    --enable-purge-protection true \
{% endif %}    --retention-days {{ p.softDeleteRetentionInDays | sh }} \
    --public-network-access {{ p.publicNetworkAccess | sh }} \
    --default-action {{ p.networkAcls.defaultAction | sh }} \
    --bypass {{ p.networkAcls.bypass | sh }} \
    --location "${{ v.location }}"{{<cli.tags array={v.tags} />}}
fi
