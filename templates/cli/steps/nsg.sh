if missing az network nsg show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --name "${{ v.name }}"; then
  run az network nsg create \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --name "${{ v.name }}" \
    --location "${{ v.location }}"{{<cli.tags array={v.tags} />}}
fi
