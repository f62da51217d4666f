if missing az group show --subscription "${{ v.sub }}" --name "${{ v.name }}"; then
  run az group create \
    --subscription "${{ v.sub }}" \
    --name "${{ v.name }}" \
    --location "${{ v.location }}"{{<cli.tags array={v.tags} />}}
fi
