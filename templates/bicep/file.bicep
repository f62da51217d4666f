// {{ header | comment }}
{%- if module %}
// Deployment {{ module.index }} of {{ count }} (resource group {{ module.resource_group | comment }}), run by {{ deploy.file }}.
{%- endif %}
// Deploy: az deployment {% if deploy.subscription %}sub create -l {{ deploy.location | sh | comment }}{% else %}group create -g {{ deploy.resource_group | sh | comment }}{% endif %} -f {{ deploy.file }} -p {{ deploy.params }}
{%- if deploy.subscription and not module %}

targetScope = 'subscription'
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
{%- if deploying %}

@description('Subscription of the deployment that runs this one, where the resources it refers to live')
param {{ deploying }} string
{%- endif %}
{%- for g in groups %}

// resource group {{ g.name | comment }}
resource {{ g.symbol }} {{ (g.type ~ "@" ~ g.api_version) | bicep }} = {
  name: {{ g.name | bicep }}
  location: {{ g.location }}
  tags: tags
}
{%- endfor %}
{%- for r in resources %}

// {{ r.comment | comment }}{% if r.elsewhere %} (deployed by another module){% endif %}
resource {{ r.symbol }} {{ (r.type ~ "@" ~ r.api_version) | bicep }}{% if not r.body %} existing{% endif %} = {
{%- if r.parent %}
  parent: {{ r.parent }}
{%- endif %}
{%- if r.scope %}
  scope: {{ r.scope }}
{%- elif r.group %}
  scope: resourceGroup({% if r.group.subscription %}{{ r.group.subscription | bicep }}, {% elif r.group.deploying %}{{ deploying }}, {% endif %}{{ r.group.name | bicep }})
{%- endif %}
  name: {% if r.name_expr %}{{ r.name_expr }}{% else %}{{ r.name | bicep }}{% endif %}
{%- if r.body %}
{%- set b = r.body %}
{%- if b.location %}
  location: {{ b.location }}
{%- endif %}
{%- if b.tags %}
  tags: tags
{%- endif %}
{%- if b.sku %}
  sku: {{ b.sku }}
{%- endif %}
{%- if b.kind %}
  kind: {{ b.kind | bicep }}
{%- endif %}
{%- if b.identity %}
  identity: {{ b.identity }}
{%- endif %}
  properties: {{ b.properties }}
{%- if b.depends_on %}
  dependsOn: [
{%- for d in b.depends_on %}
    {{ d }}
{%- endfor %}
  ]
{%- endif %}
{%- endif %}
}
{%- endfor %}
{%- for m in modules %}

// Deployment {{ m.deployment.index }} of {{ count }}: resource group {{ m.deployment.resource_group | comment }}
module {{ m.symbol }} {{ m.path | bicep }} = {
  name: {{ m.deployment.name | bicep }}
{%- if m.group %}
  scope: {{ m.group }}
{%- elif m.deployment.subscription %}
  scope: resourceGroup({{ m.deployment.subscription | bicep }}, {{ m.deployment.resource_group | bicep }})
{%- else %}
  scope: resourceGroup({{ m.deployment.resource_group | bicep }})
{%- endif %}
{%- if m.params or m.deploying %}
  params: {
{%- for p in m.params %}
    {{ p }}: {{ p }}
{%- endfor %}
{%- if m.deploying %}
    {{ m.deploying }}: subscription().subscriptionId
{%- endif %}
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
output {{ o.name }} string = {% if o.module %}{{ o.module }}.outputs.{{ o.name }}{% else %}{{ o.value }}{% endif %}
{%- endfor %}
