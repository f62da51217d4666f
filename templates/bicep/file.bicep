// {{ header | comment }}
{%- for n in notes %}
// {{ n | comment }}
{%- endfor %}
{%- if target_scope %}

targetScope = '{{ target_scope }}'
{%- endif %}
{%- for p in params %}

@description({{ p.description | bicep }})
{%- if p.allowed %}
@allowed([
{%- for a in p.allowed %}
  {{ a | bicep }}
{%- endfor %}
])
{%- endif %}
param {{ p.name }} {{ p.type }}{% if p.default %} = {{ p.default }}{% endif %}
{%- endfor %}
{%- for g in groups %}

// resource group {{ g.name | comment }}
resource {{ g.symbol }} {{ g.type_ref | bicep }} = {
  name: {{ g.name | bicep }}
  location: {{ g.location }}
  tags: tags
}
{%- endfor %}
{%- for r in resources %}

// {{ r.comment | comment }}
resource {{ r.symbol }} {{ r.type_ref | bicep }}{% if r.existing %} existing{% endif %} = {
{%- if r.parent %}
  parent: {{ r.parent }}
{%- endif %}
{%- if r.scope %}
  scope: {{ r.scope }}
{%- endif %}
  name: {{ r.name }}
{%- if r.location %}
  location: {{ r.location }}
{%- endif %}
{%- if r.tags %}
  tags: tags
{%- endif %}
{%- if r.sku %}
  sku: {{ r.sku }}
{%- endif %}
{%- if r.kind %}
  kind: {{ r.kind | bicep }}
{%- endif %}
{%- if r.identity %}
  identity: {{ r.identity }}
{%- endif %}
{%- if r.properties %}
  properties: {{ r.properties }}
{%- endif %}
{%- if r.depends_on %}
  dependsOn: [
{%- for d in r.depends_on %}
    {{ d }}
{%- endfor %}
  ]
{%- endif %}
}
{%- endfor %}
{%- for m in modules %}

// {{ m.comment | comment }}
module {{ m.symbol }} {{ m.path | bicep }} = {
  name: {{ m.name | bicep }}
  scope: {{ m.scope }}
{%- if m.params %}
  params: {
{%- for p in m.params %}
    {{ p.0 }}: {{ p.1 }}
{%- endfor %}
  }
{%- endif %}
{%- if m.depends_on %}
  dependsOn: [
{%- for d in m.depends_on %}
    {{ d }}
{%- endfor %}
  ]
{%- endif %}
}
{%- endfor %}
{%- for o in outputs %}

@description({{ o.description | bicep }})
output {{ o.name }} string = {{ o.value }}
{%- endfor %}
