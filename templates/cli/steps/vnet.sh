if missing az network vnet show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --name "${{ v.name }}"; then
  run az network vnet create \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --name "${{ v.name }}" \
    --address-prefixes{% for p in v.prefixes %} "${{ p }}"{% endfor %} \
    --location "${{ v.location }}"{{<cli.tags array={v.tags} />}}
fi
