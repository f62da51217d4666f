{%- set summary = [
  "Adds the private endpoints in " ~ extra.network ~ " (" ~ (extra.targets | join(sep=", ")) ~ ") to workspace " ~ about.workspace ~ ", which exists, with their private DNS.",
  "Spec: Add a private endpoint to a workspace. Safe to rerun: existing resources are skipped.",
] -%}
{%- set warnings = catalog.warnings.add -%}
{%- set done = "private endpoints in place" -%}
{% include "cli/script.sh" -%}
