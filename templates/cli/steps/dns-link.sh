if missing az network private-dns link vnet show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --zone-name "${{ v.zone }}" --name "${{ v.name }}"; then
  run az network private-dns link vnet create \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --zone-name "${{ v.zone }}" \
    --name "${{ v.name }}" \
    --virtual-network "${{ v.vnet }}" \
    --registration-enabled {{ r.properties.registrationEnabled | sh }}{{<cli.tags array={v.tags} />}}
fi
