{% if r.type is ending_with(pat="/workspaces/computes") -%}
# `az ml compute create` and `attach` cannot set every property of a compute (disableLocalAuth
# among them): the compute as ARM takes it, as the templates deploy it.
{% else -%}
# {{ r.type | comment }} has no core create command with every setting: the
# resource as ARM takes it.
{% endif -%}
{% if v.literal_dollars %}# shellcheck disable=SC2016 # literal text, not expansions
{% endif -%}
if missing az resource show --ids "${{ v.id }}" --api-version {{ r.api_version | sh }}; then
  run az resource create \
    --id "${{ v.id }}" \
    --api-version {{ r.api_version | sh }} \
    --is-full-object \
    --properties {% for p in v.body %}{% if p.var %}"${{ p.var }}"{% else %}{{ p.lit | sh }}{% endif %}{% endfor %}
fi
