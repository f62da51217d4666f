{%- set summary = [
  "Deploys scenario " ~ about.scenario ~ ": " ~ about.description,
  (steps | length) ~ " steps in the plan's order, each skipped when its resource exists.",
] -%}
{%- set warnings = [] -%}
{%- set done = "deployment complete" -%}
{% include "cli/script.sh" -%}
