{#- The workspace.yml passed to `az ml workspace update`: its name and public access, without
    the dependencies and the high business impact flag of a workspace created here (an update
    cannot change them). -#}
{%- set keys = {"storageAccount": "storage_account", "keyVault": "key_vault", "applicationInsights": "application_insights", "containerRegistry": "container_registry", "hbiWorkspace": "hbi_workspace"} -%}
{%- set value = "Enabled" if v.enable else "Disabled" -%}
if differs {{ value | sh }} az ml workspace show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --name "${{ v.name }}" --query public_network_access --output tsv; then
  write_workspace_yaml name="${{ v.name }}" {{ ("public_network_access=" ~ value) | sh }}{% if not r.existing %}{% for prop, key in keys %}{% if r.properties[prop] is defined %} -{{ key }}{% endif %}{% endfor %}{% endif %}
  run az ml workspace update \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --name "${{ v.name }}" \
    --file "$WORKSPACE_FILE"
fi
