#!/usr/bin/env bash
# Whole-process benchmarks of amlpe, against their floors; see BENCHMARKS.md.
#
#   scripts/bench.sh            build release, time every case, then the per-stage criterion run
#   BENCH_STAGES=0 scripts/bench.sh    skip the criterion run (whole-process figures only)
#   BENCH_RUNS=20 scripts/bench.sh     more hyperfine runs per case (default 10, 3 warm-ups)
#   BENCH_SIZES="1 10" scripts/bench.sh   fewer synthetic estates (default "1 10 100 1000")
#
# Needs hyperfine and GNU time (Debian: apt-get install -y hyperfine time) and python3.
# Run it from anywhere; it works in the repository root. Nothing in the repository changes:
# every output goes to a temporary folder that is removed at the end.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${BENCH_RUNS:-10}
STAGES=${BENCH_STAGES:-1}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release/amlpe
SYNTH=$TARGET/release/examples/synth
SIZES=${BENCH_SIZES:-1 10 100 1000}

for tool in hyperfine /usr/bin/time python3; do
    command -v "$tool" >/dev/null || { echo "bench.sh: $tool is missing" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/amlpe-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

echo "== machine"
echo "date:   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "host:   $(uname -srm), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo)"
echo "cpu:    $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
echo "fs:     $(df -T "$WORK" | awk 'NR==2 {print $2}') under $WORK"
echo "rustc:  $(rustc --version)"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
echo "load before: $(uptime | sed 's/.*load average: //')"

echo
echo "== build (release)"
cargo build --release --quiet --bin amlpe --example synth

for n in $SIZES; do
    "$SYNTH" "$n" >"$WORK/synth-$n.yaml"
done

# One reference tree per case, for the cp -r floor and for --check. A case whose generate
# fails (a renderer mid-change) is reported and its rows are left out.
reference() {
    local tree=$1
    shift
    if ! "$BIN" generate "$@" --out "$WORK/ref-$tree" 2>"$WORK/ref-$tree.err"; then
        echo "generate fails for $tree: $(tail -1 "$WORK/ref-$tree.err")" >&2
        rm -rf "$WORK/ref-$tree"
    fi
}
reference shipped
for n in $SIZES; do
    reference "$n" "$WORK/synth-$n.yaml"
done

# name | command (run in the repository root) | output folder it writes (removed before each run)
CASES=()
add() { CASES+=("$1|$2|$3"); }
add "startup (amlpe --version)" "$BIN --version" ""
add "shipped: amlpe generate" "$BIN generate --out $WORK/o-shipped" "$WORK/o-shipped"
add "shipped: cp -r of the same output" "cp -r $WORK/ref-shipped $WORK/c-shipped" "$WORK/c-shipped"
add "shipped: amlpe generate --check (current)" "$BIN generate --check --out $WORK/ref-shipped" ""
for n in $SIZES; do
    add "N=$n: amlpe generate" "$BIN generate $WORK/synth-$n.yaml --out $WORK/o-$n" "$WORK/o-$n"
    add "N=$n: cp -r of the same output" "cp -r $WORK/ref-$n $WORK/c-$n" "$WORK/c-$n"
done
MAX=${SIZES##* }
add "N=$MAX: amlpe validate (load+validate+plan)" "$BIN validate $WORK/synth-$MAX.yaml" ""
add "N=$MAX: amlpe generate --check (current)" "$BIN generate --check $WORK/synth-$MAX.yaml --out $WORK/ref-$MAX" ""

echo
echo "== output trees"
printf '%-10s %8s %12s\n' tree files bytes
for t in shipped $SIZES; do
    d=$WORK/ref-$t
    [ -d "$d" ] || { printf '%-10s %8s %12s\n' "$t" - -; continue; }
    printf '%-10s %8s %12s\n' "$t" "$(find "$d" -type f | wc -l)" "$(find "$d" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')"
done

echo
echo "== hyperfine ($RUNS runs, 3 warm-ups; output folders removed before each run)"
RESULTS=$WORK/results.tsv
: >"$RESULTS"
for c in "${CASES[@]}"; do
    IFS='|' read -r name cmd out <<<"$c"
    prep="true"
    [ -n "$out" ] && prep="rm -rf $out"
    hyperfine --style none --warmup 3 --runs "$RUNS" --prepare "$prep" \
        --export-json "$WORK/h.json" "$cmd" >/dev/null 2>"$WORK/h.err" || {
        echo "failed: $name: $(grep -v '^$' "$WORK/h.err" | tail -2 | tr '\n' ' ')" >&2
        continue
    }
    # Peak memory of one run (GNU time's max RSS, in KB).
    [ -n "$out" ] && rm -rf "$out"
    rss=$( { /usr/bin/time -f '%M' sh -c "$cmd >/dev/null 2>&1"; } 2>&1 | tail -1)
    python3 - "$WORK/h.json" "$name" "$rss" >>"$RESULTS" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("\t".join([sys.argv[2], "%.6f" % r["mean"], "%.6f" % r["stddev"], "%.6f" % r["min"],
                 "%.6f" % r["user"], "%.6f" % r["system"], sys.argv[3]]))
EOF
done
echo "load after:  $(uptime | sed 's/.*load average: //')"

echo
python3 - "$RESULTS" <<'EOF'
import sys
rows = {}
for line in open(sys.argv[1]):
    name, mean, sd, mn, user, sys_, rss = line.rstrip("\n").split("\t")
    rows[name] = dict(mean=float(mean), sd=float(sd), min=float(mn), user=float(user),
                      sys=float(sys_), rss=int(rss) if rss.isdigit() else 0)

def ms(s): return "%.1f" % (s * 1e3)

print("| case | mean ms | ± ms | min ms | user ms | sys ms | max RSS MB |")
print("|---|---:|---:|---:|---:|---:|---:|")
for name, r in rows.items():
    print("| %s | %s | %s | %s | %s | %s | %.1f |" % (name, ms(r["mean"]), ms(r["sd"]), ms(r["min"]),
          ms(r["user"]), ms(r["sys"]), r["rss"] / 1024))

def get(n): return rows.get(n)
print()
print("| target | measured | limit | holds |")
print("|---|---:|---:|:-:|")
def check(label, value, limit, fmt):
    ok = value is not None and value < limit
    print("| %s | %s | %s | %s |" % (label, fmt(value) if value is not None else "n/a", fmt(limit), "yes" if ok else "NO"))
g, c, s = get("shipped: amlpe generate"), get("shipped: cp -r of the same output"), get("startup (amlpe --version)")
if g and c:
    check("shipped generate / cp -r of its output", g["mean"] / c["mean"], 8.0, lambda x: "%.2fx" % x)
if g and s:
    print("| shipped generate / startup (information) | %.2fx | | |" % (g["mean"] / s["mean"]))
big, mid = get("N=1000: amlpe generate"), get("N=100: amlpe generate")
if big:
    check("N=1000 generate, time", big["mean"], 2.0, lambda x: "%.3f s" % x)
    check("N=1000 generate, peak memory", big["rss"] / 1024, 300, lambda x: "%.0f MB" % x)
    cb = get("N=1000: cp -r of the same output")
    if cb:
        print("| N=1000 generate / cp -r of its output (information) | %.2fx | | |" % (big["mean"] / cb["mean"]))
if big and mid:
    check("linear growth t(1000)/t(100)", big["mean"] / mid["mean"], 12.0, lambda x: "%.1f" % x)
EOF

if [ "$STAGES" != 0 ]; then
    echo
    echo "== stages in process (criterion; cargo bench --bench generate)"
    echo "load before: $(uptime | sed 's/.*load average: //')"
    cargo bench --quiet --bench generate -- --noplot 2>&1 | grep -E '^(skipping|[a-z]+/[0-9a-z]+ +time:)|^ +time:|^[a-z]+/[0-9a-z]+$' || true
    echo "load after:  $(uptime | sed 's/.*load average: //')"
    python3 - "$TARGET/criterion" <<'EOF'
import json, os, sys
base = sys.argv[1]
stages = ["load", "validate", "plan", "render", "write", "check"]
sizes = ["1", "10", "100", "1000"]
def mean(group, id_):
    p = os.path.join(base, group, id_, "new", "estimates.json")
    try:
        return json.load(open(p))["mean"]["point_estimate"] / 1e6
    except OSError:
        return None
print()
print("| stage | " + " | ".join("N=%s ms" % n for n in sizes) + " | t(1000)/t(100) |")
print("|---|" + "---:|" * (len(sizes) + 1))
for s in stages:
    v = [mean(s, n) for n in sizes]
    ratio = "%.1f" % (v[3] / v[2]) if v[2] and v[3] else "n/a"
    print("| %s | %s | %s |" % (s, " | ".join("%.3f" % x if x is not None else "n/a" for x in v), ratio))
g = mean("generate", "shipped")
print("| generate (shipped, in process) | %s | | | | |" % ("%.3f" % g if g is not None else "n/a"))
EOF
fi
