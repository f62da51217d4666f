{%- set p = r.properties -%}
if missing az k8s-extension show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --cluster-type managedClusters --cluster-name "${{ v.cluster }}" --name "${{ v.name }}"; then
  run az k8s-extension create \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --cluster-type managedClusters \
    --cluster-name "${{ v.cluster }}" \
    --name "${{ v.name }}" \
    --extension-type {{ p.extensionType | sh }} \
    --scope 'cluster' \
    --release-namespace {{ p.scope.cluster.releaseNamespace | sh }} \
    --release-train {{ p.releaseTrain | sh }} \
    --auto-upgrade-minor-version {{ p.autoUpgradeMinorVersion | sh }} \
    --configuration-settings{% for k, x in p.configurationSettings %} {{ (k ~ "=" ~ x) | sh }}{% endfor %}
fi
