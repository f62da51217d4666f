{#- The skeleton of every script but the legacy one. The including template sets `summary`
    (what the script does: its comment and --help), `warnings` (printed before it acts),
    `done` (its last progress line) and, for a change that cuts clients off, `confirm` (what
    it asks to be confirmed). -#}
{% set literal_dollars = [l for l in [...summary, ...[k ~ x for k, x in head.tags], ...[k ~ x for k, x in head.tags_shorthand]] if "$" in l or "`" in l] | length > 0 -%}
{% set literal_backslashes = [l for l in [...summary, ...[k ~ x for k, x in head.tags], ...[k ~ x for k, x in head.tags_shorthand], ...[v.value for v in head.settings]] if "\\" in l] | length > 0 -%}
#!/usr/bin/env bash
{% if literal_backslashes %}# shellcheck disable=SC1003 # a value holds a backslash before a quote: literal text, quoted whole
{% endif -%}
# {{ about.header | comment }}
set -euo pipefail
#
{% for line in summary %}# {{ line | comment }}
{% endfor -%}
#
# Usage: {{ head.path | comment }} [--dry-run]{% if head.subscription %} [--subscription ID]{% endif %}{% if confirm %} [--yes]{% endif %}
{% include "cli/options.sh" %}
{% include "cli/settings.sh" %}
{% include "cli/prelude.sh" -%}
{% if warnings %}
{% for w in warnings %}log {{ ("WARNING: " ~ w) | sh }}
{% endfor %}{% endif %}{% if confirm %}confirm {{ confirm | sh }}
{% endif %}
STEPS={{ steps | length }}
{%- for s in steps %}

step {{ s.n }} {{ s.title | sh }}
{{ s.body | trim_end }}
{%- endfor %}

log {{ (head.path ~ ": " ~ done) | sh }}
