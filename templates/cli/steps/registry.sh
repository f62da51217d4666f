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
fi
{#- Exports have a create flag of their own; the other policies are set one field at a time. -#}
{%- set policies = [k for k, fields in p.policies if k != "exportPolicy" and fields | length > 0] %}
# Anonymous pull and the policies have no create flag: set after the create, and each checked
# on its own, so that a rerun applies them when the create succeeded and the update did not.
if differs {{ p.anonymousPullEnabled | sh }} az acr show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --name "${{ v.name }}" --query anonymousPullEnabled --output tsv
{%- for policy in policies %}{% for field, x in p.policies[policy] %} ||
  differs {{ x | sh }} az acr show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --name "${{ v.name }}" --query {{ ("policies." ~ policy ~ "." ~ field) | sh }} --output tsv
{%- endfor %}{% endfor %}; then
  run az acr update \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --name "${{ v.name }}" \
    --anonymous-pull-enabled {{ p.anonymousPullEnabled | sh }}
{%- if policies %} \
    --set{% for policy in policies %}{% for field, x in p.policies[policy] %} {{ ("policies." ~ policy ~ "." ~ field ~ "=" ~ x) | sh }}{% endfor %}{% endfor %}{% endif %}
fi
