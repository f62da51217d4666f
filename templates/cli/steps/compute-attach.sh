# Attaching twice fails: the show guard keeps a rerun from trying.
if missing az ml compute show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --workspace-name "${{ v.workspace }}" --name "${{ v.name }}"; then
  run az ml compute attach \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --workspace-name "${{ v.workspace }}" \
    --name "${{ v.name }}" \
    --type Kubernetes \
{% if r.identity?.type %}    --identity-type {{ r.identity?.type | sh }} \
{% endif %}    --resource-id "${{ v.aks }}" \
    --namespace {{ r.properties.properties.namespace | sh }}
fi
