{%- set flags = {"storageAccount": "--storage-account", "keyVault": "--keyvault", "applicationInsights": "--application-insights", "containerRegistry": "--container-registry"} -%}
if missing az ml workspace show --subscription-id "${{ v.ws_sub }}" --resource-group "${{ v.ws_rg }}" --workspace-name "${{ v.ws_name }}"; then
  run az ml workspace create \
    --subscription-id "${{ v.ws_sub }}" \
    --resource-group "${{ v.ws_rg }}" \
    --workspace-name "${{ v.ws_name }}" \
    --location "${{ v.location }}" \
{%- for prop, var in v.dependencies %}
    {{ flags[prop] }} "${{ var }}" \
{%- endfor %}
    --pe-name "${{ v.pe.name }}" \
{%- if v.pe.auto_approval %}
    --pe-auto-approval \
{%- endif %}
    --pe-resource-group "${{ v.pe.rg }}" \
    --pe-vnet-name "${{ v.pe.vnet }}" \
    --pe-subnet-name "${{ v.pe.subnet }}"
fi
