{%- if extra.enable -%}
{%- set summary = [
  "Lets clients reach workspace " ~ about.workspace ~ " over its public endpoint as well as its private endpoints.",
  "Spec: Enable public access (az ml workspace update --file workspace.yml).",
] -%}
{%- set warnings = catalog.warnings.enable_public -%}
{%- set done = "public network access Enabled" -%}
{%- else -%}
{%- set summary = [
  "Turns the public endpoint of workspace " ~ about.workspace ~ " off again: private endpoints only.",
  "Spec: Enable public access (az ml workspace update --file workspace.yml).",
] -%}
{%- set warnings = catalog.warnings.disable_public -%}
{%- set done = "public network access Disabled" -%}
{%- set confirm = "turn off the public endpoint of workspace " ~ about.workspace ~ "; clients outside its VNets lose access" -%}
{%- endif -%}
{% include "cli/script.sh" -%}
