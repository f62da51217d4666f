find_connection "${{ v.pe.name }}" "${{ v.ws_id }}"
if [[ -n $CONNECTION ]]; then
  run az ml workspace private-endpoint delete \
    --subscription-id "${{ v.ws_sub }}" \
    --resource-group "${{ v.ws_rg }}" \
    --workspace-name "${{ v.ws_name }}" \
    --connection-name "$CONNECTION"
fi
