{%- set p = r.properties -%}
{% if v.cluster -%}
# `az aks create` grants this itself when the caller may; explicit, so that every path grants
# it alike (templates must).
if ((DRY_RUN)); then
  {{ v.principal }}={{ ("<principal id of the identity of " ~ v.cluster_label ~ ">") | sh }}
else
  {{ v.principal }}=$(az aks show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --name "${{ v.cluster }}" --query identity.principalId --output tsv)
fi
{% endif -%}
if differs 1 az role assignment list --scope "${{ v.scope }}" --role {{ v.role | sh }} --query "length([?principalId=='${{ v.principal }}'])" --output tsv; then
  run az role assignment create \
    --assignee-object-id "${{ v.principal }}" \
    --assignee-principal-type {{ p.principalType | sh }} \
    --role {{ v.role | sh }} \
    --scope "${{ v.scope }}"
fi
