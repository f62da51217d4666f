// {{ header | comment }}
using {{ using | bicep }}
{% for p in params %}
param {{ p.name }} = {{ p.default }}
{%- endfor %}
