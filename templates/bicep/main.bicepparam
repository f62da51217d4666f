// {{ header | comment }}
using {{ using | bicep }}
{% for p in params %}
param {{ p.0 }} = {{ p.1 }}
{%- endfor %}
