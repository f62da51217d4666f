# ---- Settings: the scenario's values; each can be overridden from the environment ----
{% for v in head.settings -%}
{{ v.name }}=${{ "{" }}{{ v.name }}:-{{ v.value | sh }}{{ "}" }}{% if !v.note.is_empty() %} # {{ v.note | comment }}{% endif %}
{% endfor -%}
{% if !head.tags.is_empty() || !head.tags_shorthand.is_empty() -%}
# Tags of every resource this script creates (arrays: edit them here).
{% endif -%}
{% if !head.tags.is_empty() -%}
{% if head.literal_dollars %}# shellcheck disable=SC2016 # literal text, not expansions
{% endif -%}
TAGS=({% for t in head.tags %}{{ t | sh }}{% if !loop.last %} {% endif %}{% endfor %})
{% endif -%}
{% if !head.tags_shorthand.is_empty() -%}
# The same tags in the shorthand syntax of the network, private DNS and Log Analytics commands.
{% if head.literal_dollars %}# shellcheck disable=SC2016 # literal text, not expansions
{% endif -%}
TAGS_SHORTHAND=({% for t in head.tags_shorthand %}{{ t | sh }}{% if !loop.last %} {% endif %}{% endfor %})
{% endif -%}
