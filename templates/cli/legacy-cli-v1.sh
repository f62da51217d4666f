{%- set summaries = {
  "create": "create the workspace with its first private endpoint, then add the others (spec: Create a workspace that uses a private endpoint)",
  "add-endpoints": "add the workspace's private endpoints to a workspace that exists (spec: Add a private endpoint to a workspace)",
  "remove-endpoints": "delete the workspace's private endpoint connections (spec: Remove a private endpoint)",
  "enable-public-access": "let clients reach the workspace over its public endpoint too (spec: Enable public access)",
} -%}
{%- set op_warnings = {
  "create": [],
  "add-endpoints": catalog.warnings.add,
  "remove-endpoints": catalog.warnings.remove,
  "enable-public-access": catalog.warnings.enable_public,
} -%}
{%- set summary = [
  "The spec's Azure ML CLI v1 commands for workspace " ~ about.workspace ~ ", one operation per argument (default: " ~ head.operations[0] ~ ").",
  "Deploy with deploy.sh (Azure CLI v2) instead; this file is a reference for teams migrating off v1. The workspace's dependencies and their private endpoints are created by deploy.sh.",
] -%}
{% set literal_dollars = [l for l in [...summary, ...[k ~ x for k, x in head.tags], ...[k ~ x for k, x in head.tags_shorthand]] if "$" in l or "`" in l] | length > 0 -%}
{% set literal_backslashes = [l for l in [...summary, ...[k ~ x for k, x in head.tags], ...[k ~ x for k, x in head.tags_shorthand], ...[v.value for v in head.settings]] if "\\" in l] | length > 0 -%}
#!/usr/bin/env bash
{% if literal_backslashes %}# shellcheck disable=SC1003 # a value holds a backslash before a quote: literal text, quoted whole
{% endif -%}
# {{ about.header | comment }}
set -euo pipefail
#
# LEGACY: Azure Machine Learning CLI v1 (the azure-cli-ml extension) reached end of support on
# {{ catalog.cli_v1_end_of_support }}. Its commands stop working as the service moves on; use deploy.sh and ops/.
#
{% for line in summary %}# {{ line | comment }}
{% endfor -%}
#
# Usage: {{ head.path | comment }} [--dry-run]{% if head.subscription %} [--subscription ID]{% endif %} [{{ head.operations | join(sep="|") }}]
{%- for o in extra.operations %}
#   {{ o.name }}: {{ summaries[o.name] | comment }}
{%- endfor %}
{% include "cli/options.sh" %}
{% include "cli/settings.sh" %}
{% include "cli/prelude.sh" %}
log {{ ("LEGACY: Azure ML CLI v1 reached end of support on " ~ catalog.cli_v1_end_of_support ~ "; prefer deploy.sh and ops/.") | sh }}

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
{% for o in extra.operations %}
op_{{ o.name | replace(from="-", to="_") }}() {
  STEPS={{ o.steps | length }}
{%- for w in op_warnings[o.name] %}
  log {{ ("WARNING: " ~ w) | sh }}
{%- endfor %}
{%- for s in o.steps %}
  step {{ s.n }} {{ s.title | sh }}
{{ s.body | trim_end | indent(width=2, first=true) }}
{%- endfor %}
}
{% endfor %}
case $OPERATION in
{%- for o in extra.operations %}
  {{ o.name }}) op_{{ o.name | replace(from="-", to="_") }} ;;
{%- endfor %}
esac
log "$SCRIPT: $OPERATION done"
