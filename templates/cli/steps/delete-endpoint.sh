if present az network private-endpoint show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --name "${{ v.name }}"; then
  run az network private-endpoint delete \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --name "${{ v.name }}"
fi
