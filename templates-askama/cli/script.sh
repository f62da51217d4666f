{%- import "cli/actions.sh" as a -%}
#!/usr/bin/env bash
# {{ header | comment }}
set -euo pipefail
#
{% for line in head.summary %}# {{ line | comment }}
{% endfor -%}
#
# Usage: {{ head.path | comment }} [--dry-run]
#   --dry-run  print every Azure CLI command instead of running it (stdout, one shell-quoted
#              command per line; progress on stderr) and call no az at all.
# Environment: AZURE_SUBSCRIPTION_ID (default: the subscription of `az account show`), and
# every setting below.

{% include "cli/settings.sh" %}
{% include "cli/prelude.sh" %}
{% for w in warnings %}{% let line = "WARNING: " ~ w %}
log {{ line | sh }}
{%- endfor %}

STEPS={{ steps.len() }}
{%- for s in steps.positions() %}

{% call a::action(s) %}{% endcall %}
{%- endfor %}

{% let line = head.path ~ ": " ~ done -%}
log {{ line | sh }}
{# askama drops the last line break of a template file: this comment keeps the one above. #}
