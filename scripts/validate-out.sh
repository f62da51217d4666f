#!/usr/bin/env bash
# Validates every generated file under DIR (default: out/ of the repository) with independent,
# real checkers, prints one summary line per checker, then the details of every failure, and
# exits non-zero when a checker failed.
#
# Usage: scripts/validate-out.sh [DIR]
#
# The pinned tools are installed once into .tools/ (Python venvs from PyPI, node packages from
# npm, Debian packages with apt-get) and reused; a tool whose pins change is reinstalled.
#
# Environment:
#   AMLPE_VALIDATE_ONLY=a,b     run only the named checkers (the self-test uses it)
#   AMLPE_SKIP_ARM_SCHEMA=1     report arm-schema as skipped (it runs the Rust test suite)
#   AMLPE_MERMAID_PNG=out.png   screenshot the first rendered diagram to out.png
#   AMLPE_CHECK_TIMEOUT=600     seconds any one tool may run (cargo test: 1200 by default)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE="$ROOT/scripts/validate"
TOOLS="$ROOT/.tools"
CHROMIUM=/usr/bin/chromium
ARM_SCHEMAS="$ROOT/../shared/armschemas"

CHECKERS=(json arm-schema bicep-tree-sitter bicep-pycep bicepparam checkov-bicep checkov-arm
  shellcheck az-cli-parser workspace-yaml python-legacy markdownlint md-links mermaid)

VENVS=(parse az aml checkov)
# The Debian 12 builds of shellcheck and fonts-liberation are pinned. chromium is not: the
# security archive only ever carries its latest build, so an exact pin would stop installing.
APT_PACKAGES=(shellcheck=0.9.0-1 fonts-liberation=1:1.07.4-11 chromium)

log() { printf '%s\n' "$*" >&2; }
die() {
  log "validate-out: $*"
  exit 2
}
limit() { timeout --kill-after=10 "${AMLPE_CHECK_TIMEOUT:-600}" "$@"; }

# --- installation -----------------------------------------------------------------------------

pin_key() { cat "$@" | sha256sum | cut -d' ' -f1; }

install_venv() {
  local name=$1 lock="$HERE/requirements-$1.txt" venv="$TOOLS/venv-$1"
  local key
  key="$(pin_key "$lock")-$(python3 -c 'import sys; print(sys.version.split()[0])')"
  [[ -x "$venv/bin/python" && "$(cat "$TOOLS/stamps/venv-$name" 2>/dev/null)" == "$key" ]] && return 0
  log "installing venv-$name from $(basename "$lock")"
  rm -rf "$venv" "$TOOLS/stamps/venv-$name"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --no-input --disable-pip-version-check -r "$lock"
  printf '%s\n' "$key" >"$TOOLS/stamps/venv-$name"
}

install_node() {
  local dir="$TOOLS/node" key
  key="$(pin_key "$HERE/package.json" "$HERE/package-lock.json")-$(node --version)"
  [[ -d "$dir/node_modules" && "$(cat "$TOOLS/stamps/node" 2>/dev/null)" == "$key" ]] && return 0
  log "installing node tools from package-lock.json"
  rm -rf "$dir" "$TOOLS/stamps/node"
  mkdir -p "$dir"
  cp "$HERE/package.json" "$HERE/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  printf '%s\n' "$key" >"$TOOLS/stamps/node"
}

apt_missing() {
  local spec name version
  for spec in "${APT_PACKAGES[@]}"; do
    name=${spec%%=*}
    version=${spec#*=}
    [[ "$version" == "$spec" ]] && version=""
    if [[ "$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null)" != "install ok installed ${version}"* ]]; then
      printf '%s\n' "$spec"
    fi
  done
}

install_apt() {
  local missing
  mapfile -t missing < <(apt_missing)
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ $(id -u) -eq 0 ]] || die "missing Debian packages (${missing[*]}); run as root once to install them"
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
}

# Installs everything missing, in parallel, under a lock so concurrent runs do not collide.
install_tools() {
  local started=$SECONDS installed=0
  mkdir -p "$TOOLS/stamps" "$TOOLS/logs"
  exec 9>"$TOOLS/install.lock"
  flock 9
  local -A jobs=()
  local name
  for name in "${VENVS[@]}"; do
    install_venv "$name" >"$TOOLS/logs/venv-$name.log" 2>&1 &
    jobs["venv-$name"]=$!
  done
  install_node >"$TOOLS/logs/node.log" 2>&1 &
  jobs[node]=$!
  install_apt >"$TOOLS/logs/apt.log" 2>&1 &
  jobs[apt]=$!
  local failed=0
  for name in "${!jobs[@]}"; do
    if ! wait "${jobs[$name]}"; then
      log "validate-out: installing $name failed; last lines of $TOOLS/logs/$name.log:"
      tail -n 20 "$TOOLS/logs/$name.log" >&2
      failed=1
    elif [[ -s "$TOOLS/logs/$name.log" ]]; then
      log "validate-out: $(head -n 1 "$TOOLS/logs/$name.log")"
      installed=1
    fi
  done
  flock -u 9
  [[ $failed -eq 0 ]] || die "tool installation failed"
  [[ $installed -eq 0 ]] || log "validate-out: tools installed in $((SECONDS - started))s"
}

# --- the checkers: each prints details, then its summary line "<name>: ..." last ------------------

# Prints the summary of a checker that has nothing to check; true when FILES is empty.
nothing_to_check() {
  local name=$1
  shift
  [[ $# -eq 0 ]] || return 1
  echo "$name: 0 files checked, 0 failures"
}

check_json() {
  python3 "$HERE/stdlib_checks.py" json "${JSON_FILES[@]}"
}

check_arm-schema() {
  if [[ "${AMLPE_SKIP_ARM_SCHEMA:-}" == 1 ]]; then
    echo "arm-schema: skipped (AMLPE_SKIP_ARM_SCHEMA=1)"
    return 0
  fi
  if [[ ! -d "$ARM_SCHEMAS" ]]; then
    echo "arm-schema: skipped (../shared/armschemas is absent)"
    return 0
  fi
  nothing_to_check arm-schema "${ARM_FILES[@]}" && return 0
  local output rc=0 validated
  # Reuses the test build of `cargo test`; a first run may compile it: allow twice the limit.
  output=$(cd "$ROOT" && AMLPE_VALIDATE_DIR="$DIR" RUST_BACKTRACE=0 \
    AMLPE_CHECK_TIMEOUT=${AMLPE_CHECK_TIMEOUT:-1200} limit cargo test --test it arm_schema -- --nocapture 2>&1) || rc=$?
  if [[ $rc -eq 124 ]]; then
    echo "arm-schema: ${#ARM_FILES[@]} files checked, failed (cargo test timed out)"
    return 1
  elif [[ $rc -ne 0 ]]; then
    # The test names the violations; drop build progress, passing tests and their expected findings.
    printf '%s\n' "$output" | grep -v -E '^\s+(Compiling|Downloaded|Downloading|Blocking|Finished|Running) |^test .* \.\.\. ok$|^\s+\(expected\)|^running [0-9]+ tests$|^$' | tail -n 80
    echo "arm-schema: ${#ARM_FILES[@]} files checked, failed (cargo test exited $rc)"
    return 1
  fi
  if ! grep -q -E '^test result: ok\. [1-9][0-9]* passed' <<<"$output"; then
    printf '%s\n' "$output" | tail -n 20
    echo "arm-schema: ${#ARM_FILES[@]} files checked, failed (no arm_schema test ran)"
    return 1
  fi
  # The test reports how many templates it read: it must have seen every one of ours.
  validated=$(sed -n 's/^validated \([0-9]*\) templates.*/\1/p' <<<"$output" | tail -n 1)
  if [[ -n "$validated" && "$validated" -ne ${#ARM_FILES[@]} ]]; then
    echo "the Rust test validated $validated templates, but $DIR holds ${#ARM_FILES[@]} azuredeploy.json files"
    echo "arm-schema: ${#ARM_FILES[@]} files checked, failed (template count mismatch)"
    return 1
  fi
  echo "arm-schema: ${#ARM_FILES[@]} files checked, 0 failures"
}

check_bicep-tree-sitter() {
  "$TOOLS/venv-parse/bin/python" "$HERE/bicep_parse.py" tree-sitter "${BICEP_FILES[@]}"
}

check_bicep-pycep() {
  "$TOOLS/venv-parse/bin/python" "$HERE/bicep_parse.py" pycep "${BICEP_FILES[@]}"
}

check_bicepparam() {
  python3 "$HERE/stdlib_checks.py" bicepparam "${BICEPPARAM_FILES[@]}"
}

check_checkov-bicep() {
  limit "$TOOLS/venv-checkov/bin/python" "$HERE/checkov_run.py" bicep "$HERE/checkov-skip.txt" "${BICEP_FILES[@]}"
}

check_checkov-arm() {
  limit "$TOOLS/venv-checkov/bin/python" "$HERE/checkov_run.py" arm "$HERE/checkov-skip.txt" "${ARM_FILES[@]}"
}

check_shellcheck() {
  nothing_to_check shellcheck "${SH_FILES[@]}" && return 0
  local file output
  local -A failed=()
  for file in "${SH_FILES[@]}"; do
    if ! output=$(bash -n "$file" 2>&1); then
      printf '%s\n' "$output"
      failed["$file"]=1
    fi
  done
  output=$(limit shellcheck --external-sources --source-path=SCRIPTDIR --severity=style --format=gcc "${SH_FILES[@]}" 2>&1) || true
  if [[ -n "$output" ]]; then
    printf '%s\n' "$output"
    while IFS= read -r file; do
      failed["$file"]=1
    done < <(printf '%s\n' "$output" | grep -o -E '^[^:]+\.sh' | sort -u)
  fi
  echo "shellcheck: ${#SH_FILES[@]} files checked, ${#failed[@]} failures (shellcheck $(shellcheck --version | sed -n 's/^version: //p') -x -S style, bash -n)"
  [[ ${#failed[@]} -eq 0 ]]
}

check_az-cli-parser() {
  nothing_to_check az-cli-parser "${SH_FILES[@]}" && return 0
  mkdir -p "$TOOLS/azure-config"
  AZURE_CONFIG_DIR="$TOOLS/azure-config" AZURE_CORE_COLLECT_TELEMETRY=no AZURE_CORE_NO_COLOR=true \
    AZURE_CORE_ONLY_SHOW_ERRORS=true AZURE_EXTENSION_USE_DYNAMIC_INSTALL=no AZURE_LOGGING_ENABLE_LOG_FILE=no \
    AZURE_CORE_SURVEY_MESSAGE=no \
    limit "$TOOLS/venv-az/bin/python" "$HERE/az_parse.py" "${SH_FILES[@]}"
}

check_workspace-yaml() {
  nothing_to_check workspace-yaml "${WORKSPACE_FILES[@]}" && return 0
  limit "$TOOLS/venv-aml/bin/python" "$HERE/workspace_yaml.py" "${WORKSPACE_FILES[@]}"
}

check_python-legacy() {
  python3 "$HERE/stdlib_checks.py" python-legacy "${PY_FILES[@]}"
}

check_markdownlint() {
  nothing_to_check markdownlint "${MD_FILES[@]}" && return 0
  local output rc=0 failures
  output=$(limit "$TOOLS/node/node_modules/.bin/markdownlint" --config "$HERE/markdownlint.json" "${MD_FILES[@]}" 2>&1) || rc=$?
  [[ -n "$output" ]] && printf '%s\n' "$output"
  failures=$(printf '%s' "$output" | { grep -o -E '^[^:]+\.md' || true; } | sort -u | wc -l)
  if [[ $rc -ne 0 && $failures -eq 0 ]]; then
    echo "markdownlint: ${#MD_FILES[@]} files checked, failed (markdownlint exited $rc)"
    return 1
  fi
  echo "markdownlint: ${#MD_FILES[@]} files checked, $failures failures"
  [[ $rc -eq 0 ]]
}

check_md-links() {
  python3 "$HERE/stdlib_checks.py" md-links "${MD_FILES[@]}"
}

check_mermaid() {
  nothing_to_check mermaid "${MD_FILES[@]}" && return 0
  AMLPE_NODE_MODULES="$TOOLS/node/node_modules" MERMAID_DIST="$TOOLS/node/node_modules/mermaid/dist/mermaid.min.js" \
    CHROMIUM="$CHROMIUM" limit node "$HERE/mermaid_render.mjs" "${MD_FILES[@]}"
}

# --- driver -----------------------------------------------------------------------------------

# Sorted list of the files under DIR whose name matches any of the given patterns.
files_named() {
  local args=() pattern
  for pattern in "$@"; do
    args+=(-o -name "$pattern")
  done
  find "$DIR" -type f \( "${args[@]:1}" \) -print0 | sort -z
}

selected() {
  [[ -z "${AMLPE_VALIDATE_ONLY:-}" ]] && return 0
  [[ ",${AMLPE_VALIDATE_ONLY}," == *",$1,"* ]]
}

main() {
  local arg=${1:-$ROOT/out}
  [[ $# -le 1 ]] || die "usage: scripts/validate-out.sh [DIR]"
  [[ -d "$arg" ]] || die "no such directory: $arg"
  DIR=$(cd "$arg" && pwd)
  [[ -n "$(find "$DIR" -type f -print -quit)" ]] || die "$DIR holds no files"

  local name
  if [[ -n "${AMLPE_VALIDATE_ONLY:-}" ]]; then
    for name in ${AMLPE_VALIDATE_ONLY//,/ }; do
      [[ " ${CHECKERS[*]} " == *" $name "* ]] || die "unknown checker in AMLPE_VALIDATE_ONLY: $name"
    done
  fi

  install_tools

  mapfile -d '' JSON_FILES < <(files_named '*.json')
  mapfile -d '' ARM_FILES < <(files_named azuredeploy.json)
  mapfile -d '' BICEP_FILES < <(files_named '*.bicep')
  mapfile -d '' BICEPPARAM_FILES < <(files_named '*.bicepparam')
  mapfile -d '' SH_FILES < <(files_named '*.sh')
  mapfile -d '' WORKSPACE_FILES < <(files_named workspace.yml workspace.yaml)
  mapfile -d '' PY_FILES < <(files_named '*.py')
  mapfile -d '' MD_FILES < <(files_named '*.md')

  RESULTS=$(mktemp -d)
  trap 'rm -rf "$RESULTS"' EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  local -A pids=()
  for name in "${CHECKERS[@]}"; do
    selected "$name" || continue
    (
      start=$EPOCHREALTIME
      rc=0
      "check_$name" >"$RESULTS/$name.out" 2>&1 || rc=$?
      echo "$name $(((${EPOCHREALTIME/./} - ${start/./}) / 1000))ms" >"$RESULTS/$name.time"
      exit "$rc"
    ) &
    pids[$name]=$!
  done

  local summary failing=() skipped=0 passed=0 rc
  for name in "${CHECKERS[@]}"; do
    [[ -n "${pids[$name]:-}" ]] || continue
    rc=0
    wait "${pids[$name]}" || rc=$?
    summary=$(grep -E "^$name: " "$RESULTS/$name.out" | tail -n 1 || true)
    if [[ -z "$summary" && $rc -eq 124 ]]; then
      summary="$name: timed out (AMLPE_CHECK_TIMEOUT)"
    elif [[ -z "$summary" ]]; then
      summary="$name: crashed (exit $rc) before its summary"
      [[ $rc -ne 0 ]] || rc=1
    fi
    printf '%s\n' "$summary"
    if [[ $rc -ne 0 ]]; then
      failing+=("$name")
    elif [[ "$summary" == "$name: skipped"* ]]; then
      skipped=$((skipped + 1))
    else
      passed=$((passed + 1))
    fi
  done

  for name in "${failing[@]}"; do
    printf '\n== %s failures\n' "$name"
    grep -v -x -F "$(grep -E "^$name: " "$RESULTS/$name.out" | tail -n 1 || true)" "$RESULTS/$name.out" || true
  done

  log "validate-out: time per checker: $(cat "$RESULTS"/*.time | tr '\n' ' ')"
  echo
  if [[ ${#failing[@]} -gt 0 ]]; then
    echo "validate-out: FAILED: ${failing[*]} ($passed passed, $skipped skipped) in $DIR"
    return 1
  fi
  echo "validate-out: OK ($passed passed, $skipped skipped) in $DIR"
}

main "$@"
