# ---- Settings: the scenario's values, never read from the environment (to change one, change
# the scenario and run `amlpe generate` again) ----
{% for v in head.settings -%}
{{ v.name }}={{ v.value | sh }}{% if v.note %} # {{ v.note | comment }}{% endif %}
{% endfor -%}
{% if head.tags or head.tags_shorthand -%}
# Tags of every resource this script creates: the scenario's tags.
{% endif -%}
{% if head.tags -%}
{% if literal_dollars %}# shellcheck disable=SC2016 # literal text, not expansions
{% endif -%}
TAGS=({% for k, x in head.tags %}{{ (k ~ "=" ~ x) | sh }}{% if not loop.last %} {% endif %}{% endfor %})
{% endif -%}
{% if head.tags_shorthand -%}
# The same tags in the shorthand syntax of the network, private DNS and Log Analytics commands.
{% if literal_dollars %}# shellcheck disable=SC2016 # literal text, not expansions
{% endif -%}
TAGS_SHORTHAND=({% for k, x in head.tags_shorthand %}{{ (k | shorthand_key ~ "=" ~ x | shorthand_value) | sh }}{% if not loop.last %} {% endif %}{% endfor %})
{% endif -%}
