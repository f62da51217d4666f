if missing az network vnet subnet show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --vnet-name "${{ v.vnet }}" --name "${{ v.name }}"; then
  run az network vnet subnet create \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --vnet-name "${{ v.vnet }}" \
    --name "${{ v.name }}" \
    --address-prefixes "${{ v.prefix }}" \
    --default-outbound-access {{ r.properties.defaultOutboundAccess | sh }} \
{% if v.nsg %}    --network-security-group "${{ v.nsg }}" \
{% endif %}{% if v.nat %}    --nat-gateway "${{ v.nat }}" \
{% endif %}{% if v.route_table %}    --route-table "${{ v.route_table }}" \
{% endif %}    --private-endpoint-network-policies {{ r.properties.privateEndpointNetworkPolicies | sh }}
fi
