#!/usr/bin/env bash
# {{ header | comment }}
set -euo pipefail
#
# LEGACY: Azure Machine Learning CLI v1 (the azure-cli-ml extension) reached end of support on
# {{ end_of_support }}. Its commands stop working as the service moves on; use deploy.sh and ops/.
#
{% for line in summary %}# {{ line | comment }}
{% endfor -%}
#
# Usage: {{ path | comment }} [--dry-run] [{% for o in operations %}{{ o.name }}{% if not loop.last %}|{% endif %}{% endfor %}]
{%- for o in operations %}
#   {{ o.name }}: {{ o.summary | comment }}
{%- endfor %}
#   --dry-run  print every Azure CLI command instead of running it and call no az at all.
# Environment: AZURE_SUBSCRIPTION_ID (default: the subscription of `az account show`), and
# every setting below.

{% include "cli/settings.sh" %}
{% include "cli/prelude.sh" %}

{% set line = "LEGACY: Azure ML CLI v1 reached end of support on " ~ end_of_support ~ "; prefer deploy.sh and ops/." -%}
log {{ line | sh }}

# The workspace's private endpoint connection that belongs to private endpoint $1, in
# $CONNECTION (empty when there is none).
find_connection() {
  local query="properties.privateEndpointConnections[?ends_with(properties.privateEndpoint.id, '/$1')].name | [0]"
  if ((DRY_RUN)); then
    run az resource show --ids "$2" --query "$query" --output tsv
    CONNECTION="<connection of $1>"
  else
    CONNECTION=$(az resource show --ids "$2" --query "$query" --output tsv)
  fi
}
{% for o in operations %}
op_{{ o.name | replace(from="-", to="_") }}() {
  STEPS={{ o.steps | length }}
{%- for w in o.warnings %}{% set line = "WARNING: " ~ w %}
  log {{ line | sh }}
{%- endfor %}
{%- for s in o.steps %}
  step {{ s.n }} {{ s.title | sh }}
{%- if s.kind == "create" %}
  if missing az ml workspace show --subscription-id "${{ s.ws_sub }}" --resource-group "${{ s.ws_rg }}" --workspace-name "${{ s.ws_name }}"; then
    run az ml workspace create \
      --subscription-id "${{ s.ws_sub }}" \
      --resource-group "${{ s.ws_rg }}" \
      --workspace-name "${{ s.ws_name }}" \
      --location "${{ s.location }}" \
{%- for d in s.dependencies %}
      {{ d.0 }} "${{ d.1 }}" \
{%- endfor %}
      --pe-name "${{ s.pe.name }}" \
{%- if s.pe.auto_approval %}
      --pe-auto-approval \
{%- endif %}
      --pe-resource-group "${{ s.pe.rg }}" \
      --pe-vnet-name "${{ s.pe.vnet }}" \
      --pe-subnet-name "${{ s.pe.subnet }}"
  fi
{%- elif s.kind == "add" %}
  if missing az network private-endpoint show --subscription "${{ s.pe.show_sub }}" --resource-group "${{ s.pe.rg }}" --name "${{ s.pe.name }}"; then
    run az ml workspace private-endpoint add \
      --subscription-id "${{ s.ws_sub }}" \
      --resource-group "${{ s.ws_rg }}" \
      --workspace-name "${{ s.ws_name }}" \
      --pe-name "${{ s.pe.name }}" \
{%- if s.pe.auto_approval %}
      --pe-auto-approval \
{%- endif %}
{%- if s.pe.sub %}
      --pe-subscription-id "${{ s.pe.sub }}" \
{%- endif %}
      --pe-resource-group "${{ s.pe.rg }}" \
      --pe-vnet-name "${{ s.pe.vnet }}" \
      --pe-subnet-name "${{ s.pe.subnet }}"
  fi
{%- elif s.kind == "remove" %}
  find_connection "${{ s.pe.name }}" "${{ s.ws_id }}"
  if [[ -n $CONNECTION ]]; then
    run az ml workspace private-endpoint delete \
      --subscription-id "${{ s.ws_sub }}" \
      --resource-group "${{ s.ws_rg }}" \
      --workspace-name "${{ s.ws_name }}" \
      --connection-name "$CONNECTION"
  fi
{%- elif s.kind == "public" %}
  run az ml workspace update \
    --subscription-id "${{ s.ws_sub }}" \
    --resource-group "${{ s.ws_rg }}" \
    --workspace-name "${{ s.ws_name }}" \
    --allow-public-access true
{%- endif %}
{%- endfor %}
}
{% endfor %}
case $OPERATION in
{%- for o in operations %}
  {{ o.name }}) op_{{ o.name | replace(from="-", to="_") }} ;;
{%- endfor %}
esac
log "$SCRIPT: $OPERATION done"
