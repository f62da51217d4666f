{%- set p = r.properties.properties -%}
{%- set cluster = r.properties.computeType == "AmlCompute" -%}
if missing az ml compute show --subscription "${{ v.sub }}" --resource-group "${{ v.rg }}" --workspace-name "${{ v.workspace }}" --name "${{ v.name }}"; then
  run az ml compute create \
    --subscription "${{ v.sub }}" \
    --resource-group "${{ v.rg }}" \
    --workspace-name "${{ v.workspace }}" \
    --name "${{ v.name }}" \
    --type {{ r.properties.computeType | sh }} \
    --size "${{ v.size }}" \
{% if v.min %}    --min-instances "${{ v.min }}" \
{% endif %}{% if v.max %}    --max-instances "${{ v.max }}" \
{% endif %}{% if v.idle_seconds is defined %}    --idle-time-before-scale-down {{ v.idle_seconds | sh }} \
{% endif %}{% if p.vmPriority %}    --tier {{ ("low_priority" if p.vmPriority == "LowPriority" else p.vmPriority | lower) | sh }} \
{% endif %}    --subnet "${{ v.subnet }}" \
    --enable-node-public-ip {{ p.enableNodePublicIp | sh }} \
    --ssh-public-access-enabled {{ ((p.remoteLoginPortPublicAccess if cluster else p.sshSettings?.sshPublicAccess) == "Enabled") | sh }} \
{% if r.identity?.type %}    --identity-type {{ r.identity?.type | sh }} \
{% endif %}    --location "${{ v.location }}"{{<cli.tags array={v.tags} />}}
fi
