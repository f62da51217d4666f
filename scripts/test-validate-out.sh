#!/usr/bin/env bash
# Self-test of scripts/validate-out.sh: a small valid sample of every generated file type must
# pass, and each planted defect must fail exactly the checkers that own it.
#
# Usage: scripts/test-validate-out.sh              run the self-test
#        scripts/test-validate-out.sh --sample DIR  only write the valid sample into DIR
#
# The arm-schema checker builds and runs the Rust test suite, so it is skipped here unless
# AMLPE_TEST_ARM_SCHEMA=1; then it runs on the valid sample and on the misspelled ARM property
# (plant_arm_unknown_property) only.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VALIDATE="$ROOT/scripts/validate-out.sh"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

ARM_SCHEMA=${AMLPE_TEST_ARM_SCHEMA:-0}

# --- the valid sample -------------------------------------------------------------------------

write_sample() {
  local dir=$1 s=$1/demo
  mkdir -p "$s/legacy"

  cat >"$dir/README.md" <<'EOF'
# Scenarios

- [demo](demo/RUNBOOK.md): one private DNS zone
EOF

  cat >"$s/plan.json" <<'EOF'
{
  "scenario": "demo",
  "tags": {"environment": "demo", "owner": "it's ours"},
  "resources": ["privateDnsZone"]
}
EOF

  cat >"$s/main.bicep" <<'EOF'
@description('Name of the private DNS zone')
param zoneName string = 'privatelink.api.azureml.ms'

resource zone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: zoneName
  location: 'global'
}

@description('Resource id of the zone')
output zoneId string = zone.id
EOF

  cat >"$s/main.bicepparam" <<'EOF'
using './main.bicep'

param zoneName = 'privatelink.api.azureml.ms'
EOF

  cat >"$s/azuredeploy.json" <<'EOF'
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "zoneName": {
      "type": "string",
      "defaultValue": "privatelink.api.azureml.ms"
    }
  },
  "resources": [
    {
      "type": "Microsoft.Network/privateDnsZones",
      "apiVersion": "2024-06-01",
      "name": "[parameters('zoneName')]",
      "location": "global",
      "properties": {}
    }
  ],
  "outputs": {
    "zoneId": {
      "type": "string",
      "value": "[resourceId('Microsoft.Network/privateDnsZones', parameters('zoneName'))]"
    }
  }
}
EOF

  cat >"$s/azuredeploy.parameters.json" <<'EOF'
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "zoneName": {
      "value": "privatelink.api.azureml.ms"
    }
  }
}
EOF

  cat >"$s/workspace.yml" <<'EOF'
$schema: https://azuremlschemas.azureedge.net/latest/workspace.schema.json
name: mlw-privatelink-prod
location: eastus
display_name: Private Link endpoint workspace-example
description: When using private link, you must set the image_build_compute property to a cluster name to use for Docker image environment building. You can also specify whether the workspace should be accessible over the internet.
image_build_compute: cpu-compute
public_network_access: Enabled
tags:
  purpose: demonstration
EOF

  cat >"$s/deploy.sh" <<'EOF'
#!/usr/bin/env bash
# Creates the demo resource group and zone. --dry-run prints the az commands instead.
set -euo pipefail

resource_group='rg-x'
location=${AZURE_LOCATION:-eastus2}
zone='privatelink.api.azureml.ms'
# The scenario's tags: key=value words, and the shorthand syntax of the private DNS commands.
TAGS=('environment=demo' "owner=it's ours")
TAGS_SHORTHAND=('environment=demo' "owner='it'/s ours'")

dry_run=0
if [[ "${1:-}" == "--dry-run" ]]; then
  dry_run=1
  echo "dry run: nothing is changed" >&2
fi

run() {
  if [[ $dry_run == 1 ]]; then
    printf '%q ' "$@"
    printf '\n'
  else
    "$@"
  fi
}

run az group create --name "$resource_group" --location "$location" --tags "${TAGS[@]}"
run az network private-dns zone create --resource-group "$resource_group" --name "$zone" \
  --tags "${TAGS_SHORTHAND[@]}"
EOF

  cat >"$s/legacy/enable_public_access.py" <<'EOF'
from azureml.core import Workspace

ws = Workspace.from_config()
ws.update(allow_public_access_when_behind_vnet=True)
EOF

  cat >"$s/RUNBOOK.md" <<'EOF'
# Demo runbook

Run [deploy.sh](deploy.sh) after reading the [plan](plan.json#L1).

```mermaid
flowchart LR
  rg[Resource group] --> zone[(Private DNS zone)]
  zone -->|linked to| vnet[Virtual network]
```
EOF
}

if [[ "${1:-}" == --sample ]]; then
  write_sample "${2:?usage: scripts/test-validate-out.sh --sample DIR}"
  exit 0
fi

# --- the planted defects: each edits a copy of the sample ---------------------------------------

plant_bicep_syntax() { sed -i 's/^}$//' "$1/demo/main.bicep"; }
plant_az_flag() { sed -i "s/zone create --resource-group/zone create --resource-grup/" "$1/demo/deploy.sh"; }
plant_invalid_json() { sed -i 's/"demo",/"demo"/' "$1/demo/plan.json"; }
plant_json_tab() { sed -i 's/^    "zoneName"/\t"zoneName"/' "$1/demo/azuredeploy.parameters.json"; }
plant_arm_tab() { sed -i 's/^  "resources"/\t"resources"/' "$1/demo/azuredeploy.json"; }
plant_mermaid() { sed -i 's/zone -->|linked to| vnet\[Virtual network\]/zone -->|linked to vnet[Virtual network/' "$1/demo/RUNBOOK.md"; }
plant_md_link() { sed -i 's/(deploy.sh)/(deploy-all.sh)/' "$1/demo/RUNBOOK.md"; }
plant_markdownlint() { sed -i 's/^# Demo runbook$/# Demo runbook  \n/' "$1/demo/RUNBOOK.md"; }
# shellcheck disable=SC2016 # the $ belongs to the planted script, not to this shell
plant_shellcheck() { sed -i 's/^\(run az group create .*\) --location "\$location"/\1 --location $location/' "$1/demo/deploy.sh"; }
plant_az_tag_value() { sed -i "s/^TAGS=('environment=demo'/TAGS=('environment=dev'/" "$1/demo/deploy.sh"; }
# shellcheck disable=SC2016 # the $ belongs to the planted script, not to this shell
plant_az_tags_syntax() { sed -i 's/"\${TAGS\[@\]}"$/"${TAGS_SWAP[@]}"/; s/"\${TAGS_SHORTHAND\[@\]}"$/"${TAGS[@]}"/; s/TAGS_SWAP/TAGS_SHORTHAND/' "$1/demo/deploy.sh"; }
# shellcheck disable=SC2016 # the $ belongs to the planted script, not to this shell
plant_az_tags_missing() { sed -i '/TAGS_SHORTHAND/d; s/--name "\$zone" \\$/--name "$zone"/' "$1/demo/deploy.sh"; }
plant_workspace_yaml() { sed -i 's/^public_network_access:/public_network_acess:/' "$1/demo/workspace.yml"; }
plant_python_legacy() { sed -i 's/^ws.update(allow_public_access_when_behind_vnet=True)$/ws.update(allow_public_access_when_behind_vnet=True/' "$1/demo/legacy/enable_public_access.py"; }
plant_bicepparam_empty() { : >"$1/demo/main.bicepparam"; }
plant_checkov_finding() {
  cat >"$1/demo/modules/storage.bicep" <<'EOF'
@description('Storage account name')
param name string

resource storage 'Microsoft.Storage/storageAccounts@2026-04-01' = {
  name: name
  location: resourceGroup().location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowBlobPublicAccess: true
  }
}

@description('Resource id of the account')
output id string = storage.id
EOF
}
# Hook for the lead: arm-schema must reject an unknown (misspelled) property.
plant_arm_unknown_property() { sed -i 's/"location": "global"/"locaton": "global"/' "$1/demo/azuredeploy.json"; }

# The checkers that read each kind of file. A defect run starts only the readers of the file it
# changed (the others cannot see it), which keeps the self-test fast; the valid sample runs all.
declare -A READERS=(
  [bicep]="bicep-tree-sitter bicep-pycep checkov-bicep"
  [bicepparam]="bicepparam"
  [json]="json checkov-arm"
  [arm]="json checkov-arm arm-schema"
  [shell]="shellcheck az-cli-parser"
  [yaml]="workspace-yaml"
  [python]="python-legacy"
  [markdown]="markdownlint md-links mermaid"
)

# defect | planting function | kind of file it changes | the readers that must fail (the others must pass)
DEFECTS=(
  "bicep syntax error (unclosed brace)|plant_bicep_syntax|bicep|bicep-tree-sitter bicep-pycep checkov-bicep"
  "checkov finding (public blob access)|plant_checkov_finding|bicep|checkov-bicep"
  "empty .bicepparam|plant_bicepparam_empty|bicepparam|bicepparam"
  "invalid JSON|plant_invalid_json|json|json"
  "tab in JSON|plant_json_tab|json|json"
  "tab in the ARM template (checkov cannot parse it)|plant_arm_tab|json|json checkov-arm"
  "misspelled az flag --resource-grup|plant_az_flag|shell|az-cli-parser"
  "altered tag value in TAGS|plant_az_tag_value|shell|az-cli-parser"
  "the two tag arrays swapped|plant_az_tags_syntax|shell|az-cli-parser"
  "zone created without its tags|plant_az_tags_missing|shell|az-cli-parser"
  "shellcheck finding (unquoted variable)|plant_shellcheck|shell|shellcheck"
  "misspelled workspace YAML key|plant_workspace_yaml|yaml|workspace-yaml"
  "legacy Python syntax error|plant_python_legacy|python|python-legacy"
  "broken mermaid block|plant_mermaid|markdown|mermaid"
  "broken relative link|plant_md_link|markdown|md-links"
  "markdownlint finding (trailing spaces)|plant_markdownlint|markdown|markdownlint"
)
if [[ "$ARM_SCHEMA" == 1 ]]; then
  DEFECTS+=("misspelled ARM property|plant_arm_unknown_property|arm|arm-schema")
fi

# --- running ----------------------------------------------------------------------------------

FAILURES=0
fail() {
  echo "FAIL: $*"
  FAILURES=$((FAILURES + 1))
}

# Runs the validator on DIR with the given checkers (empty: all; arm-schema only when named or
# when ARM_SCHEMA is 1); sets OUTPUT, STATUS and FAILED (the checkers it reported failing).
validate() {
  local dir=$1 only=${2:-} skip_arm=1
  if [[ " $only " == *" arm-schema "* || (-z "$only" && "$ARM_SCHEMA" == 1) ]]; then
    skip_arm=0
  fi
  STATUS=0
  OUTPUT=$(AMLPE_SKIP_ARM_SCHEMA=$skip_arm AMLPE_VALIDATE_ONLY=${only// /,} "$VALIDATE" "$dir" 2>&1) || STATUS=$?
  FAILED=$(sed -n 's/^validate-out: FAILED: \(.*\) ([0-9]* passed.*/\1/p' <<<"$OUTPUT")
}

write_sample "$WORK/good"
echo "== valid sample"
validate "$WORK/good"
if [[ $STATUS -ne 0 ]]; then
  printf '%s\n' "$OUTPUT"
  fail "validate-out.sh rejected the valid sample (exit $STATUS)"
  exit 1
fi
grep -E '^[a-z-]+: ' <<<"$OUTPUT" | grep -v '^validate-out: '

for entry in "${DEFECTS[@]}"; do
  IFS='|' read -r title plant kind expected <<<"$entry"
  dir="$WORK/$plant"
  cp -r "$WORK/good" "$dir"
  mkdir -p "$dir/demo/modules"
  "$plant" "$dir"
  validate "$dir" "${READERS[$kind]}"
  if [[ $STATUS -eq 0 ]]; then
    fail "$title: validate-out.sh passed"
    continue
  fi
  if [[ "$FAILED" != "$expected" ]]; then
    printf '%s\n' "$OUTPUT"
    fail "$title: failing checkers were '$FAILED', expected '$expected'"
    continue
  fi
  echo "ok: $title -> $expected"
  grep -E -m 2 -v '^([a-z-]+: |== |$|validate-out)' <<<"$OUTPUT" | sed 's/^/      /' || true
done

echo
if [[ $FAILURES -gt 0 ]]; then
  echo "test-validate-out: $FAILURES failures"
  exit 1
fi
echo "test-validate-out: all ${#DEFECTS[@]} planted defects caught by the right checkers"
