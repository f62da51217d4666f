{#- workspace.yml maps the plan's dependency properties to these keys. -#}
{%- set keys = {"storageAccount": "storage_account", "keyVault": "key_vault", "applicationInsights": "application_insights", "containerRegistry": "container_registry"} -%}
if missing az ml workspace show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --name "${{ v.name }}"; then
  write_workspace_yaml name="${{ v.name }}"{% if v.location %} location="${{ v.location }}"{% endif %}{% if v.image_build_compute %} image_build_compute="${{ v.image_build_compute }}"{% endif %} public_network_access="${{ v.public_network_access }}"{% for prop, var in v.dependencies %} {{ keys[prop] }}="${{ var }}"{% endfor %}
  run az ml workspace create \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --name "${{ v.name }}" \
    --file "$WORKSPACE_FILE"
fi
