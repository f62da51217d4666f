{%- set summary = [
  "Removes the private endpoints in " ~ extra.network ~ " from workspace " ~ about.workspace ~ " and its dependencies.",
  "Spec: Remove a private endpoint. DNS zones and links stay: other endpoints may use them.",
] -%}
{%- set warnings = catalog.warnings.remove -%}
{%- set done = "private endpoints removed" -%}
{%- set confirm = "delete the private endpoints in " ~ extra.network ~ " of workspace " ~ about.workspace ~ " and its dependencies; clients that reach them there lose access" -%}
{% include "cli/script.sh" -%}
