{%- import "cli/actions.sh" as a -%}
#!/usr/bin/env bash
# {{ header | comment }}
set -euo pipefail
#
{% for line in summary %}# {{ line | comment }}
{% endfor -%}
#
# Usage: {{ path | comment }} [--dry-run]
#   --dry-run  print every Azure CLI command instead of running it (stdout, one shell-quoted
#              command per line; progress on stderr) and call no az at all.
# Environment: AZURE_SUBSCRIPTION_ID (default: the subscription of `az account show`), and
# every setting below.

{% include "cli/settings.sh" %}
{% include "cli/prelude.sh" %}
{%- for w in warnings %}{% set line = "WARNING: " ~ w %}
log {{ line | sh }}
{%- endfor %}

STEPS={{ steps | length }}
{%- for s in steps %}

{{ a::action(s=s) }}
{%- endfor %}

{% set line = path ~ ": " ~ done -%}
log {{ line | sh }}
