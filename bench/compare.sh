#!/usr/bin/env bash
# Fovea against PyTorch on the same workloads, in one run: builds fovea-bench/target/benchmarks.jar
# if it is missing or older than the sources, times every workload in Fovea (dev.fovea.bench.Compare)
# and in PyTorch (bench/torch_bench.py) at each thread count, and prints one table (bench/report.py).
#
# Usage: bench/compare.sh [--threads "1 2"] [--budget SECONDS] [--runs N] [--only REGEX] [--out DIR]
#        bench/compare.sh --profile WORKLOAD [--threads N] [--seconds S] [--out DIR]
#   --threads  thread counts to run (default "1 2")
#   --budget   seconds per workload and side (default 3; 40% warm-up, then best-of-N)
#   --runs     repeat the whole comparison N times (default 1, about 6 minutes each on 2 cores);
#              the table shows the best of the runs and how much Fovea's time varied
#   --only     regex over workload names, e.g. 'sgemm|lenet' (default: all)
#   --out      directory for the raw results (default: a new directory under ${TMPDIR:-/tmp})
#   --profile  instead of the table: run WORKLOAD in Fovea (first of --threads) for --seconds
#              (default 20) under Java Flight Recorder and print the hottest methods, with their
#              callers (bench/jfr_top.py)
# Needs: a JDK 25 (found as ./run-tests finds it), Maven when the jar must be built,
# /usr/bin/python3 with torch (Debian: python3-torch) and OpenBLAS (Debian: libopenblas0-pthread);
# for the ResNet-18 rows torchvision (Debian: python3-torchvision). ONNX Runtime comes in the jar;
# its model, torchvision's ResNet-18, is exported once by bench/export_resnet18_onnx.py into
# fovea-bench/target/onnx/resnet18.onnx (or $FOVEA_ONNX_MODEL), about 45 MB, never committed.
# Installs nothing. Extra JVM options: FOVEA_JAVA_OPTS="-Xmx8g" bench/compare.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
JAR="$ROOT/fovea-bench/target/benchmarks.jar"
PYTHON=/usr/bin/python3
ONNX_MODEL="${FOVEA_ONNX_MODEL:-$ROOT/fovea-bench/target/onnx/resnet18.onnx}"
# The ONNX Runtime rows of dev.fovea.bench.Workload (names ending in OrtResNet.SUFFIX)
ORT_WORKLOADS=(resnet18_infer_b1_ort resnet18_infer_b16_ort)

die() {
  printf 'compare: %s\n' "$*" >&2
  exit 1
}

THREADS="1 2"
BUDGET=3
ONLY=""
OUT=""
PROFILE=""
SECONDS_PROFILE=20
RUNS=1
while (($#)); do
  case "$1" in
    --threads) THREADS="${2:?--threads expects a list such as \"1 2\"}"; shift 2 ;;
    --budget) BUDGET="${2:?--budget expects seconds}"; shift 2 ;;
    --runs) RUNS="${2:?--runs expects a count}"; shift 2 ;;
    --only) ONLY="${2:?--only expects a regex}"; shift 2 ;;
    --out) OUT="${2:?--out expects a directory}"; shift 2 ;;
    --profile) PROFILE="${2:?--profile expects a workload name}"; shift 2 ;;
    --seconds) SECONDS_PROFILE="${2:?--seconds expects a number}"; shift 2 ;;
    -h|--help) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1'; expected --threads, --budget, --runs, --only, --out, --profile, --seconds (see --help)" ;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs expects a positive integer; received '$RUNS'"
for t in $THREADS; do
  [[ "$t" =~ ^[1-9][0-9]*$ ]] || die "--threads expects positive integers; received '$THREADS'"
done

# ---------------------------------------------------------------- prerequisites (checked, never installed)
# shellcheck source=tools/jdk.sh
source "$ROOT/tools/jdk.sh"
JAVA="$(find_java)" || die "$(no_java_message)"
JDK_HOME="$(jdk_home_of "$JAVA")"

if [[ -z "$PROFILE" ]]; then
  [[ -x "$PYTHON" ]] || die "$PYTHON not found; install Python 3 and PyTorch: sudo apt-get install python3-torch"
  "$PYTHON" -c 'import torch' 2>/dev/null \
    || die "PyTorch is not importable by $PYTHON; install it: sudo apt-get install python3-torch"
  if ! dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null | grep -q 'ok installed' \
      && ! compgen -G '/usr/lib/*/openblas-pthread/libblas.so.3' >/dev/null; then
    die "OpenBLAS (pthread build) not found; PyTorch's SGEMM would use the slow reference BLAS. Install it: sudo apt-get install libopenblas0-pthread"
  fi
fi

selects() { # REGEX NAME...: true when the regex (Python's re.search, as torch_bench.py and Compare use it) finds a name
  "$PYTHON" -c 'import re, sys; sys.exit(0 if any(re.search(sys.argv[1], n) for n in sys.argv[2:]) else 1)' "$@"
}
ort_selected() {
  if [[ -n "$PROFILE" ]]; then [[ "$PROFILE" == *_ort ]]; return; fi
  [[ -z "$ONLY" ]] || selects "$ONLY" "${ORT_WORKLOADS[@]}"
}
if [[ -z "$PROFILE" ]] && { [[ -z "$ONLY" ]] || selects "$ONLY" resnet18_infer_b1 resnet18_infer_b16 resnet18_train_b16; }; then
  "$PYTHON" -c 'import torchvision' 2>/dev/null \
    || die "torchvision is not importable by $PYTHON; the ResNet-18 rows need it: sudo apt-get install python3-torchvision (or leave them out: --only 'sgemm|conv|lenet')"
fi

# ---------------------------------------------------------------- the benchmarks jar
needs_build() {
  [[ -f "$JAR" ]] || return 0
  local newer
  newer="$(find "$ROOT/pom.xml" "$ROOT/fovea-core/pom.xml" "$ROOT/fovea-bench/pom.xml" \
                "$ROOT/fovea-core/src/main" "$ROOT/fovea-bench/src/main" \
                -newer "$JAR" -print -quit 2>/dev/null || true)"
  [[ -n "$newer" ]]
}
if needs_build; then
  command -v mvn >/dev/null 2>&1 || die "Maven (mvn) is needed to build ${JAR#"$ROOT"/}; install Maven 3.9+"
  printf 'compare: building %s ...\n' "${JAR#"$ROOT"/}" >&2
  (cd "$ROOT" && JAVA_HOME="$JDK_HOME" MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" \
      mvn -q -B -Dstyle.color=never -DskipTests -pl fovea-bench -am package) >&2 \
    || die "build failed (rerun: cd $ROOT && mvn -B -DskipTests -pl fovea-bench -am package)"
  touch "$JAR"
fi

if [[ -z "$OUT" ]]; then OUT="$(mktemp -d "${TMPDIR:-/tmp}/fovea-compare.XXXXXX")"; fi
mkdir -p "$OUT"

# ---------------------------------------------------------------- the ONNX model of the ONNX Runtime rows
# Exported once and kept (fovea-bench/target is a build directory, never committed); without it the
# ONNX Runtime rows are skipped, with the reason, and everything else runs.
if ort_selected && [[ ! -s "$ONNX_MODEL" ]]; then
  printf 'compare: exporting torchvision ResNet-18 to %s ...\n' "$ONNX_MODEL" >&2
  "$PYTHON" "$ROOT/bench/export_resnet18_onnx.py" "$ONNX_MODEL" \
    || printf 'compare: the ONNX export failed (see above); the ONNX Runtime rows will be skipped\n' >&2
fi

# --enable-native-access: ONNX Runtime loads its JNI library (System.load), which JDK 25 reports
# as a restricted method on every start otherwise.
# -XX:+AlwaysPreTouch: the heap's pages are touched once at start-up (and as it grows), not by the
# first allocations that land on them; on a 2-vCPU EPYC guest a first touch cost about 5 us per
# 4 KiB page, and a workload measured while eden was still being filled for the first time ran
# 13x slower for its whole budget (conv_a forward 3.2 against 0.25 ms, in about half of the JVMs;
# a steady-state loop never pays it again).
# shellcheck disable=SC2206 # word splitting of the user's extra options is intended
JAVA_OPTS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xmx4g -XX:+AlwaysPreTouch
           -Dfovea.bench.onnx="$ONNX_MODEL" ${FOVEA_JAVA_OPTS:-})
fovea_java() { # THREADS ARGS...: the Compare main, without the JVM's incubator-module notice
  local threads="$1"; shift
  "$JAVA" "${JAVA_OPTS[@]}" -Dfovea.threads="$threads" -cp "$JAR" dev.fovea.bench.Compare "$@" \
    2> >(grep -v '^WARNING: Using incubator modules' >&2)
}

# ---------------------------------------------------------------- profile mode
if [[ -n "$PROFILE" ]]; then
  t="${THREADS%% *}"
  rec="$OUT/$PROFILE-${t}t.jfr"
  printf 'compare: profiling %s on %s thread(s): 5 s warm-up, then %s s recorded by JFR -> %s\n' \
    "$PROFILE" "$t" "$SECONDS_PROFILE" "$rec" >&2
  fovea_java "$t" --loop "$PROFILE" --seconds "$SECONDS_PROFILE" --jfr "$rec"
  if [[ -x "$PYTHON" ]]; then
    "$PYTHON" "$ROOT/bench/jfr_top.py" --jfr "$JDK_HOME/bin/jfr" "$rec"
  else
    "$JDK_HOME/bin/jfr" view --width 160 hot-methods "$rec"
  fi
  exit 0
fi

# ---------------------------------------------------------------- the comparison
extra=()
[[ -n "$ONLY" ]] && extra+=(--only "$ONLY")
dirs=()
for ((run = 1; run <= RUNS; run++)); do
  dir="$OUT"
  ((RUNS > 1)) && dir="$OUT/run$run"
  mkdir -p "$dir"
  dirs+=("$dir")
  {
    printf '# machine: %s; %s CPU(s) (%s core(s) per socket x %s socket(s), %s thread(s) per core); %s; torch %s\n' \
      "$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)" "$(nproc)" \
      "$(lscpu | sed -n 's/^Core(s) per socket: *//p')" "$(lscpu | sed -n 's/^Socket(s): *//p')" \
      "$(lscpu | sed -n 's/^Thread(s) per core: *//p')" \
      "$("$JAVA" -version 2>&1 | head -n 1)" "$("$PYTHON" -c 'import torch; print(torch.__version__)')"
    printf '# command: bench/compare.sh --threads "%s" --budget %s --runs %s%s (run %s)\n' \
      "$THREADS" "$BUDGET" "$RUNS" "${ONLY:+ --only '$ONLY'}" "$run"
    printf '# load average at start: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
  } > "$dir/machine.txt"
  cat "$dir/machine.txt" >&2
  read -r -a CPU_START < <(grep '^cpu ' /proc/stat)
  for t in $THREADS; do
    printf 'compare: Fovea, %s thread(s)\n' "$t" >&2
    fovea_java "$t" --budget "$BUDGET" "${extra[@]}" > "$dir/fovea-$t.tsv"
    printf 'compare: PyTorch, %s thread(s)\n' "$t" >&2
    # SKYLAKEX whatever the environment says: the issue's setting for PyTorch's real speed here, and
    # a machine image may set its own (this one: OPENBLAS_CORETYPE=Haswell, AVX2 kernels, which
    # took 21.4 against 17.6 ms for a 1024 SGEMM on one thread); FOVEA_OPENBLAS_CORETYPE overrides
    OPENBLAS_CORETYPE="${FOVEA_OPENBLAS_CORETYPE:-SKYLAKEX}" \
      "$PYTHON" "$ROOT/bench/torch_bench.py" --threads "$t" --budget "$BUDGET" "${extra[@]}" > "$dir/torch-$t.tsv"
  done
  read -r -a CPU_END < <(grep '^cpu ' /proc/stat)
  # /proc/stat "cpu" line: user nice system idle iowait irq softirq steal ... (jiffies); steal is the
  # time the hypervisor ran something else while this VM wanted the CPU: noise the load average misses
  steal=$(( CPU_END[8] - CPU_START[8] ))
  total=0
  for i in 1 2 3 4 5 6 7 8; do total=$(( total + CPU_END[i] - CPU_START[i] )); done
  {
    printf '# load average at end: %s (this run itself keeps it near the thread count)\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf '# CPU steal time during the run: %s%%\n' \
      "$(awk -v s="$steal" -v t="$total" 'BEGIN{printf "%.1f", (t > 0) ? 100 * s / t : 0}')"
  } >> "$dir/machine.txt"
done

"$PYTHON" "$ROOT/bench/report.py" "${dirs[@]}"
printf 'compare: raw results in %s\n' "$OUT" >&2
