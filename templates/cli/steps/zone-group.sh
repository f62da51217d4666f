{#- A zone group is created with its first zone; each other zone is added (a rerun adds only
    those missing). -#}
{%- set first = v.zones[0] -%}
if missing az network private-endpoint dns-zone-group show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --endpoint-name "${{ v.endpoint }}" --name "${{ v.name }}"; then
  run az network private-endpoint dns-zone-group create \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --endpoint-name "${{ v.endpoint }}" \
    --name "${{ v.name }}" \
    --private-dns-zone "${{ first.zone }}" \
    --zone-name {{ first.key | sh }}
fi
{%- for z in v.zones[1:] %}
if missing zone_config_present "${{ v.sub }}" "${{ v.rg }}" "${{ v.endpoint }}" "${{ v.name }}" {{ z.key | sh }}; then
  run az network private-endpoint dns-zone-group add \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --endpoint-name "${{ v.endpoint }}" \
    --name "${{ v.name }}" \
    --private-dns-zone "${{ z.zone }}" \
    --zone-name {{ z.key | sh }}
fi
{%- endfor %}
