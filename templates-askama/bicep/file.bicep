// {{ header|comment }}
{%- for n in notes %}
// {{ n|comment }}
{%- endfor %}
{%- if let Some(scope) = target_scope %}

targetScope = '{{ scope }}'
{%- endif %}
{%- for p in params %}

@description({{ p.description|bicep }})
{%- if !p.allowed.is_empty() %}
@allowed([
{%- for a in p.allowed %}
  {{ a|bicep }}
{%- endfor %}
])
{%- endif %}
param {{ p.name }} {{ p.ty }}{% if let Some(default) = p.default %} = {{ default }}{% endif %}
{%- endfor %}
{%- for g in groups %}

// resource group {{ g.name|comment }}
resource {{ g.symbol }} {{ g.type_ref|bicep }} = {
  name: {{ g.name|bicep }}
  location: {{ g.location }}
  tags: tags
}
{%- endfor %}
{%- for r in resources %}

// {{ r.comment|comment }}
resource {{ r.symbol }} {{ r.type_ref|bicep }}{% if r.existing %} existing{% endif %} = {
{%- if let Some(parent) = r.parent %}
  parent: {{ parent }}
{%- endif %}
{%- if let Some(scope) = r.scope %}
  scope: {{ scope }}
{%- endif %}
  name: {{ r.name }}
{%- if let Some(location) = r.location %}
  location: {{ location }}
{%- endif %}
{%- if r.tags %}
  tags: tags
{%- endif %}
{%- if let Some(sku) = r.sku %}
  sku: {{ sku }}
{%- endif %}
{%- if let Some(kind) = r.kind %}
  kind: {{ kind|bicep }}
{%- endif %}
{%- if let Some(identity) = r.identity %}
  identity: {{ identity }}
{%- endif %}
{%- if let Some(properties) = r.properties %}
  properties: {{ properties }}
{%- endif %}
{%- if !r.depends_on.is_empty() %}
  dependsOn: [
{%- for d in r.depends_on %}
    {{ d }}
{%- endfor %}
  ]
{%- endif %}
}
{%- endfor %}
{%- for m in modules %}

// {{ m.comment|comment }}
module {{ m.symbol }} {{ m.path|bicep }} = {
  name: {{ m.name|bicep }}
  scope: {{ m.scope }}
{%- if !m.params.is_empty() %}
  params: {
{%- for (name, value) in m.params %}
    {{ name }}: {{ value }}
{%- endfor %}
  }
{%- endif %}
{%- if !m.depends_on.is_empty() %}
  dependsOn: [
{%- for d in m.depends_on %}
    {{ d }}
{%- endfor %}
  ]
{%- endif %}
}
{%- endfor %}
{%- for o in outputs %}

@description({{ o.description|bicep }})
output {{ o.name }} string = {{ o.value }}
{%- endfor %}
{# The line break above ends the file: askama drops the one that ends a template. #}
