if missing az network private-endpoint show --subscription "${{ v.pe.show_sub }}" --resource-group "${{ v.pe.rg }}" --name "${{ v.pe.name }}"; then
  run az ml workspace private-endpoint add \
    --subscription-id "${{ v.ws_sub }}" \
    --resource-group "${{ v.ws_rg }}" \
    --workspace-name "${{ v.ws_name }}" \
    --pe-name "${{ v.pe.name }}" \
{%- if v.pe.auto_approval %}
    --pe-auto-approval \
{%- endif %}
{%- if v.pe.sub %}
    --pe-subscription-id "${{ v.pe.sub }}" \
{%- endif %}
    --pe-resource-group "${{ v.pe.rg }}" \
    --pe-vnet-name "${{ v.pe.vnet }}" \
    --pe-subnet-name "${{ v.pe.subnet }}"
fi
