if missing az network vnet subnet show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --vnet-name "${{ v.vnet }}" --name "${{ v.name }}"; then
  run az network vnet subnet create \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --vnet-name "${{ v.vnet }}" \
    --name "${{ v.name }}" \
    --address-prefixes "${{ v.prefix }}" \
{% if v.nsg %}    --network-security-group "${{ v.nsg }}" \
{% endif %}    --private-endpoint-network-policies {{ r.properties.privateEndpointNetworkPolicies | sh }}
fi
