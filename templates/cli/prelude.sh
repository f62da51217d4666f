# ---- Prelude (shared by amlpe's scripts): arguments, --dry-run, progress, failure report ----
SCRIPT={{ head.path | sh }}
DRY_RUN=0
STEP=setup
{%- if head.operations %}
OPERATION={{ head.operations[0] | sh }}
{%- endif %}
{%- if head.subscription %}
SUBSCRIPTION_ARG=
{%- endif %}
{%- if confirm %}
YES=0
{%- endif %}

log() { printf '%s\n' "$*" >&2; }
die() {
  log "$SCRIPT: $*"
  exit 2
}
{% if literal_dollars %}# shellcheck disable=SC2016 # literal text, not expansions
{% endif -%}
usage() {
  log "usage: $SCRIPT [--dry-run]{% if head.subscription %} [--subscription ID]{% endif %}{% if confirm %} [--yes]{% endif %}{% if head.operations %} [{% for o in head.operations %}{{ o }}{% if not loop.last %}|{% endif %}{% endfor %}]{% endif %}"
{%- for line in summary %}
  log {{ line | sh }}
{%- endfor %}
  log '  --dry-run          print every Azure CLI command instead of running it; call no az at all'
{%- if head.subscription %}
  log '  --subscription ID  the subscription to work in (default: that of az account show)'
{%- endif %}
{%- if confirm %}
  log '  --yes              do it without asking (else it asks on a terminal, and refuses without one)'
{%- endif %}
  log {{ ("Settings are the scenario's values, never read from the environment: to change one, change the scenario and run amlpe generate again. First checks that the Azure CLI is signed in to " ~ about.cloud ~ ".") | sh }}
}
on_error() {
  log "$SCRIPT: FAILED at $STEP (exit $1)"
  exit "$1"
}
trap 'on_error $?' ERR
set -o errtrace
{%- if head.subscription %}

is_subscription_id() { [[ $1 =~ ^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$ ]]; }
# The value of --subscription, refused before anything runs unless it is a subscription id.
subscription_arg() {
  is_subscription_id "$1" ||
    die "--subscription takes a subscription id (a GUID, xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), not '$1'"
  SUBSCRIPTION_ARG=$1
}
{%- endif %}

while (($#)); do
  case $1 in
    --dry-run) DRY_RUN=1 ;;
{%- if confirm %}
    --yes) YES=1 ;;
{%- endif %}
{%- if head.subscription %}
    --subscription=*) subscription_arg "${1#*=}" ;;
    --subscription)
      (($# > 1)) || die "--subscription needs a subscription id"
      subscription_arg "$2"
      shift
      ;;
{%- endif %}
{%- if head.operations %}
    {% for o in head.operations %}{{ o }}{% if not loop.last %} | {% endif %}{% endfor %}) OPERATION=$1 ;;
{%- endif %}
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage
      die "unknown argument: $1"
      ;;
  esac
  shift
done

{%- if confirm %}
# Asks before a change that cuts clients off: on a terminal, unless --yes; never without one.
confirm() {
  ((DRY_RUN || YES)) && return 0
  log "$SCRIPT will $1."
  [[ -t 0 ]] || die "no terminal to confirm on: pass --yes to go ahead"
  local answer
  read -r -p 'Go ahead? [y/N] ' answer
  [[ $answer == [yY] || $answer == [yY][eE][sS] ]] || die "stopped: nothing changed"
}
{%- endif %}

# Progress on stderr: "[n/$STEPS] what". A failure names the step it happened in.
step() {
  STEP="[$1/$STEPS] $2"
  log "$STEP"
}

# Runs an Azure CLI command; with --dry-run prints it instead, on one line, shell-quoted.
run() {
  if ((DRY_RUN)); then
    local line
    printf -v line '%q ' "$@"
    printf '%s\n' "${line% }"
  else
    "$@" >/dev/null
  fi
}

# Guards that make a rerun change nothing. With --dry-run they call nothing and let every
# command through.
missing() { ((DRY_RUN)) || ! "$@" >/dev/null 2>&1; }
present() { ((DRY_RUN)) || "$@" >/dev/null 2>&1; }
# True when the output of the command (a show with --query) is not $1.
differs() {
  local want=$1 got
  shift
  ((DRY_RUN)) && return 0
  got=$("$@" 2>/dev/null) || return 0
  [[ $got != "$want" ]]
}
{%- if head.zone_configs %}
# True when zone group $4 of private endpoint $3 already holds the zone config named $5.
zone_config_present() {
  local names
  names=$(az network private-endpoint dns-zone-group show --subscription "$1" --resource-group "$2" \
    --endpoint-name "$3" --name "$4" --query 'privateDnsZoneConfigs[].name' --output tsv) || return 1
  grep -qxF -- "$5" <<<"$names"
}
{%- endif %}
# Field $2 of resource id $1 (2: subscription, 4: resource group).
id_part() {
  local -a parts
  IFS=/ read -r -a parts <<<"$1"
  printf '%s\n' "${parts[$2]}"
}
{%- if head.workspace_yaml %}

# workspace.yml with top-level keys set (key=value) or removed (-key), written to a temporary
# file in $WORKSPACE_FILE: the committed file holds the placeholder subscription and the
# scenario's names, the copy holds this run's.
WORKSPACE_YAML="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/{{ head.root }}workspace.yml"
WORKSPACE_FILE=
TMP_DIR=
trap '[[ -z $TMP_DIR ]] || rm -rf "$TMP_DIR"' EXIT
yaml_quote() {
  local v=${1//\\/\\\\}
  printf '"%s"' "${v//\"/\\\"}"
}
write_workspace_yaml() {
  local arg line key
  local -A assign=() drop=() seen=()
  for arg in "$@"; do
    case $arg in
      -*) drop[${arg#-}]=1 ;;
      *) assign[${arg%%=*}]=${arg#*=} ;;
    esac
  done
  [[ -n $TMP_DIR ]] || TMP_DIR=$(mktemp -d)
  WORKSPACE_FILE=$TMP_DIR/workspace.yml
  while IFS= read -r line || [[ -n $line ]]; do
    key=${line%%:*}
    if [[ $line =~ ^[a-z_]+: && -n ${assign[$key]+x}${drop[$key]+x} ]]; then
      seen[$key]=1
      [[ -n ${drop[$key]+x} ]] || printf '%s: %s\n' "$key" "$(yaml_quote "${assign[$key]}")"
    else
      printf '%s\n' "$line"
    fi
  done <"$WORKSPACE_YAML" >"$WORKSPACE_FILE"
  for key in "${!assign[@]}" "${!drop[@]}"; do
    [[ -n ${seen[$key]+x} ]] || die "$WORKSPACE_YAML has no top-level key $key"
  done
}
{%- endif %}

# ---- Before any change: the signed-in cloud must be the scenario's; then the subscription ----
STEP='checking the signed-in cloud'
if ! ((DRY_RUN)); then
  SIGNED_IN_CLOUD=$(az cloud show --query name --output tsv)
  [[ $SIGNED_IN_CLOUD == {{ about.cloud | sh }} ]] ||
    die "the Azure CLI is signed in to cloud $SIGNED_IN_CLOUD," {{ ("but scenario " ~ about.scenario ~ " deploys to " ~ about.cloud ~ ": run az cloud set --name " ~ about.cloud ~ ", then az login, and run the script again") | sh }}
  log "cloud: $SIGNED_IN_CLOUD"
fi
{%- if head.subscription %}

STEP='resolving the subscription'
if [[ -n $SUBSCRIPTION_ARG ]]; then
  SUBSCRIPTION_ID=$SUBSCRIPTION_ARG
  SUBSCRIPTION_FROM='--subscription'
elif ((DRY_RUN)); then
  SUBSCRIPTION_ID={{ catalog.placeholder_subscription | sh }}
  SUBSCRIPTION_FROM='the placeholder of --dry-run without --subscription'
else
  SUBSCRIPTION_ID=$(az account show --query id --output tsv)
  SUBSCRIPTION_FROM='the signed-in account, az account show'
  is_subscription_id "$SUBSCRIPTION_ID" || die "az account show gave no subscription id: $SUBSCRIPTION_ID"
fi
log "subscription: $SUBSCRIPTION_ID (from $SUBSCRIPTION_FROM)"
{%- if head.compute_subscription %}
{%- set want = head.compute_subscription | lower %}
# Azure ML needs a compute's VNet in the workspace's subscription, and the computes' VNet is here.
((DRY_RUN)) || [[ ${SUBSCRIPTION_ID,,} == {{ want | sh }} ]] ||
  die {{ ("the computes' VNet is in subscription " ~ want ~ ", and Azure ML needs the workspace in the same one: pass --subscription " ~ want) | sh }}
{%- endif %}
if [[ -n ${AZURE_SUBSCRIPTION_ID:-} && ${AZURE_SUBSCRIPTION_ID,,} != "${SUBSCRIPTION_ID,,}" ]]; then
  log "note: AZURE_SUBSCRIPTION_ID ($AZURE_SUBSCRIPTION_ID) is not read; pass --subscription to deploy there"
fi
{%- endif %}
{%- if head.derived %}

# Resource ids, and the parts of the ids of existing resources.
{%- for d in head.derived %}
{% if d.kind == "id" -%}
{{ d.var }}="/subscriptions/${{ d.sub }}/resourceGroups/${{ d.rg }}/providers/{{ d.provider }}/${{ d.name }}"
{%- elif d.kind == "child_id" -%}
{{ d.var }}="${{ d.parent }}/{{ d.segment }}/${{ d.name }}"
{%- elif d.kind == "name_of" -%}
{{ d.var }}=${{ "{" }}{{ d.id }}##*/{{ "}" }}
{%- else -%}
{{ d.var }}=$(id_part "${{ d.id }}" {{ d.index }})
{%- endif %}
{%- endfor %}
{%- endif %}
