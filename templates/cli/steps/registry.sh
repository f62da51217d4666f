{%- set p = r.properties -%}
if missing az acr show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --name "${{ v.name }}"; then
  run az acr create \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --name "${{ v.name }}" \
    --sku {{ r.sku.name | sh }} \
    --admin-enabled {{ p.adminUserEnabled | sh }} \
    --public-network-enabled {{ (p.publicNetworkAccess == "Enabled") | sh }} \
    --allow-trusted-services {{ (p.networkRuleBypassOptions == "AzureServices") | sh }} \
    --zone-redundancy {{ p.zoneRedundancy | sh }} \
    --data-endpoint-enabled {{ p.dataEndpointEnabled | sh }} \
    --allow-exports {{ (p.policies.exportPolicy.status == "enabled") | sh }} \
    --location "${{ v.location }}"{{<cli.tags array={v.tags} />}}
  # Anonymous pull and the policies have no create flag.
  run az acr update \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --name "${{ v.name }}" \
    --anonymous-pull-enabled {{ p.anonymousPullEnabled | sh }}
{#- Exports have a create flag of their own; the other policies are set one field at a time. -#}
{%- set policies = [k for k, fields in p.policies if k != "exportPolicy" and fields | length > 0] -%}
{%- if policies %} \
    --set{% for policy in policies %}{% for field, x in p.policies[policy] %} {{ ("policies." ~ policy ~ "." ~ field ~ "=" ~ x) | sh }}{% endfor %}{% endfor %}{% endif %}
fi
