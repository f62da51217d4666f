if missing az monitor log-analytics workspace show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --name "${{ v.name }}"; then
  run az monitor log-analytics workspace create \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --name "${{ v.name }}" \
    --sku {{ r.properties.sku.name | sh }} \
    --retention-time {{ r.properties.retentionInDays | sh }} \
    --ingestion-access {{ r.properties.publicNetworkAccessForIngestion | sh }} \
    --query-access {{ r.properties.publicNetworkAccessForQuery | sh }} \
    --location "${{ v.location }}"{{<cli.tags array={v.tags} />}}
fi
