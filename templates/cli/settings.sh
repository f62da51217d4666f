# ---- Settings: the scenario's values; each can be overridden from the environment ----
{% for v in settings -%}
{{ v.name }}=${{ "{" }}{{ v.name }}:-{{ v.value | sh }}{{ "}" }}{% if v.note %} # {{ v.note | comment }}{% endif %}
{% endfor -%}
{% if tags or tags_shorthand -%}
# Tags of every resource this script creates (arrays: edit them here).
{% endif -%}
{% if tags -%}
{% if literal_dollars %}# shellcheck disable=SC2016 # literal text, not expansions
{% endif -%}
TAGS=({% for t in tags %}{{ t | sh }}{% if not loop.last %} {% endif %}{% endfor %})
{% endif -%}
{% if tags_shorthand -%}
# The same tags in the shorthand syntax of the network, private DNS and Log Analytics commands.
{% if literal_dollars %}# shellcheck disable=SC2016 # literal text, not expansions
{% endif -%}
TAGS_SHORTHAND=({% for t in tags_shorthand %}{{ t | sh }}{% if not loop.last %} {% endif %}{% endfor %})
{% endif -%}
