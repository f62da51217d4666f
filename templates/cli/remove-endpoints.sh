{%- set summary = [
  "Removes the private endpoints in " ~ extra.network ~ " from workspace " ~ about.workspace ~ " and its dependencies.",
  "Spec: Remove a private endpoint. DNS zones and links stay: other endpoints may use them.",
] -%}
{%- set warnings = catalog.warnings.remove -%}
{%- set done = "private endpoints removed" -%}
{% include "cli/script.sh" -%}
