#!/usr/bin/env bash
# {{ header | comment }}
set -euo pipefail
#
# LEGACY: Azure Machine Learning CLI v1 (the azure-cli-ml extension) reached end of support on
# {{ crate::catalog::CLI_V1_END_OF_SUPPORT }}. Its commands stop working as the service moves on; use deploy.sh and ops/.
#
{% for line in head.summary %}# {{ line | comment }}
{% endfor -%}
#
# Usage: {{ head.path | comment }} [--dry-run] [{% for o in operations %}{{ o.name }}{% if !loop.last %}|{% endif %}{% endfor %}]
{%- for o in operations %}
#   {{ o.name }}: {{ o.summary | comment }}
{%- endfor %}
#   --dry-run  print every Azure CLI command instead of running it and call no az at all.
# Environment: AZURE_SUBSCRIPTION_ID (default: the subscription of `az account show`), and
# every setting below.

{% include "cli/settings.sh" %}
{% include "cli/prelude.sh" %}

{% let line = "LEGACY: Azure ML CLI v1 reached end of support on " ~ crate::catalog::CLI_V1_END_OF_SUPPORT ~ "; prefer deploy.sh and ops/." -%}
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
{{ o.function() }}() {
  STEPS={{ o.steps.len() }}
{%- for w in o.warnings %}{% let line = "WARNING: " ~ w %}
  log {{ line | sh }}
{%- endfor %}
{%- for s in o.steps %}
  step {{ s.n }} {{ s.title | sh }}
{%- match s.action %}
{%- when LegacyAction::Create { ws_sub, ws_rg, ws_name, location, dependencies, pe } %}
  if missing az ml workspace show --subscription-id "${{ ws_sub }}" --resource-group "${{ ws_rg }}" --workspace-name "${{ ws_name }}"; then
    run az ml workspace create \
      --subscription-id "${{ ws_sub }}" \
      --resource-group "${{ ws_rg }}" \
      --workspace-name "${{ ws_name }}" \
      --location "${{ location }}" \
{%- for (flag, var) in dependencies %}
      {{ flag }} "${{ var }}" \
{%- endfor %}
      --pe-name "${{ pe.name }}" \
{%- if pe.auto_approval %}
      --pe-auto-approval \
{%- endif %}
      --pe-resource-group "${{ pe.rg }}" \
      --pe-vnet-name "${{ pe.vnet }}" \
      --pe-subnet-name "${{ pe.subnet }}"
  fi
{%- when LegacyAction::Add { ws_sub, ws_rg, ws_name, pe } %}
  if missing az network private-endpoint show --subscription "${{ pe.show_sub }}" --resource-group "${{ pe.rg }}" --name "${{ pe.name }}"; then
    run az ml workspace private-endpoint add \
      --subscription-id "${{ ws_sub }}" \
      --resource-group "${{ ws_rg }}" \
      --workspace-name "${{ ws_name }}" \
      --pe-name "${{ pe.name }}" \
{%- if pe.auto_approval %}
      --pe-auto-approval \
{%- endif %}
{%- if let Some(sub) = pe.sub %}
      --pe-subscription-id "${{ sub }}" \
{%- endif %}
      --pe-resource-group "${{ pe.rg }}" \
      --pe-vnet-name "${{ pe.vnet }}" \
      --pe-subnet-name "${{ pe.subnet }}"
  fi
{%- when LegacyAction::Remove { ws_sub, ws_rg, ws_name, ws_id, pe } %}
  find_connection "${{ pe.name }}" "${{ ws_id }}"
  if [[ -n $CONNECTION ]]; then
    run az ml workspace private-endpoint delete \
      --subscription-id "${{ ws_sub }}" \
      --resource-group "${{ ws_rg }}" \
      --workspace-name "${{ ws_name }}" \
      --connection-name "$CONNECTION"
  fi
{%- when LegacyAction::Public { ws_sub, ws_rg, ws_name } %}
  run az ml workspace update \
    --subscription-id "${{ ws_sub }}" \
    --resource-group "${{ ws_rg }}" \
    --workspace-name "${{ ws_name }}" \
    --allow-public-access true
{%- endmatch %}
{%- endfor %}
}
{% endfor %}
case $OPERATION in
{%- for o in operations %}
  {{ o.name }}) {{ o.function() }} ;;
{%- endfor %}
esac
log "$SCRIPT: $OPERATION done"
{# askama drops the last line break of a template file: this comment keeps the one above. #}
