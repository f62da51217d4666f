run az ml workspace update \
  --subscription-id "${{ v.ws_sub }}" \
  --resource-group "${{ v.ws_rg }}" \
  --workspace-name "${{ v.ws_name }}" \
  --allow-public-access true
