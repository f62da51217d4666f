// {{ header|comment }}
using {{ using|bicep }}
{% for (name, value) in params %}
param {{ name }} = {{ value }}
{%- endfor %}
{# The line break above ends the file: askama drops the one that ends a template. #}
