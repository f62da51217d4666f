if missing az network private-endpoint show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --name "${{ v.name }}"; then
  run az network private-endpoint create \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --name "${{ v.name }}" \
    --subnet "${{ v.subnet }}" \
    --private-connection-resource-id "${{ v.target }}" \
    --group-id {{ v.connection_properties.groupIds[0] | sh }} \
    --connection-name "${{ v.connection }}" \
    --nic-name "${{ v.nic }}" \
{% if r.properties.manualPrivateLinkServiceConnections %}    --manual-request true \
{% endif %}{% if v.connection_properties.requestMessage %}    --request-message {{ v.connection_properties.requestMessage | sh }} \
{% endif %}    --location "${{ v.location }}"{{<cli.tags array={v.tags} />}}
fi
