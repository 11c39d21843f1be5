#!/usr/bin/env bash
# Every figure of issue 17 in one run, side by side with its target (README, "Running the packaged application"):
#   runtime-config ÷ health   deploy/bench-runtime-config.sh (wrk on the packaged jar)     target >= 0.5 (>= 0.4 named)
#   start-up                  deploy/measure-startup.sh (restarts on an existing database)  target <= 2000 ms, <= 200 MiB
#                             for target/quarkus-app, then target/fast-start (deploy/build-fast-start.sh)
#   rotation ÷ floor          RotationBenchmark (-Pbenchmark), 10k and 100k values           target >= 0.8 at both sizes
#   fan-out 20 ÷ 1            DockerRunBenchmark (-Pbenchmark, a Docker engine)              target <= 3.0
# Each benchmark's own output is relayed as it runs (prefixed with its name); the summary at the end repeats the
# figures it printed. Builds the jar (with its AppCDS archive) when target/quarkus-app is missing or older than the
# sources. The Maven benchmarks run in the test phase, so they do not repackage the jar. A benchmark that fails or
# cannot run says so in the summary (with what it printed, if anything) and the others still run; the exit status is
# 1 if any failed.
# Knobs: STARTUP_RUNS (4: one first start and three restarts), SKIP (space-separated: runtime-config startup rotation
# fanout).
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp -d); trap 'rm -rf "$log"' EXIT
skip=" ${SKIP:-} "
summary=(); failed=0
note() { summary+=("$(printf '%-26s %s' "$1" "$2")"); }
relay() { # name command...: runs it, prefixing each line with the name, keeps the output in $log/name
  local name=$1; shift
  echo "== $name: $*"
  "$@" 2>&1 | tee "$log/$name" | sed -u "s/^/[$name] /"
  return "${PIPESTATUS[0]}"
}
printed() { # label pattern name: after a benchmark (exit status in $rc), says when it printed no figure or failed
  if ! grep -qiE "$2" "$log/$3"; then failed=1; note "$1" "no figure: exit status $rc (see [$3] above)"
  elif [ "$rc" != 0 ]; then failed=1; note "" "(the figure above is printed, but $3 ended with exit status $rc)"; fi
}
mvn() { ./mvnw -B -ntp "$@"; }  # not -q: the benchmarks print their figures on the test output

echo "Keyhouse benchmarks: $(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1)"
# The Maven benchmarks first: they compile but never package, so the jar built below is the one measured.
if [[ $skip != *" rotation "* ]]; then
  relay rotation mvn -Pbenchmark test -Dtest=RotationBenchmark -Dsurefire.failIfNoSpecifiedTests=false; rc=$?
  # RotationBenchmark prints a line per size ("<n> values, <k> rounds: floor …"), then one per write path
  # ("job now (one statement) … | job/floor <r> (JDBC-batch floor), <r> (one-statement floor)", "job before …")
  while IFS='|' read -r size path ratio; do
    note "rotation ÷ floor ($size, $path)" "$ratio   (target >= 0.8 against the JDBC-batch floor)"
  done < <(awk '/^ *[0-9,]+ values,/ { sub(/^ */, ""); size = $1 }
    /job (now|before).*job\/floor/ { path = ($2 == "now") ? "now" : "before"; r = $0; sub(/.*job\/floor /, "", r)
      print size "|" path "|" r }' "$log/rotation")
  printed "rotation ÷ floor" 'job/floor' rotation
fi
if [[ $skip != *" fanout "* ]]; then
  if [ -z "${KEYHOUSE_TEST_DOCKER_HOST:-}" ] && ! { [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null; }; then
    note "fan-out 20 ÷ 1" "not measured: no Docker engine (run as root with docker.io installed, or set KEYHOUSE_TEST_DOCKER_HOST)"
  else
    relay fanout mvn -Pbenchmark test -Dtest=DockerRunBenchmark -Dsurefire.failIfNoSpecifiedTests=false; rc=$?
    # DockerRunBenchmark prints, per figure, a title line "<title>: <n> CPUs, …" and "ratio 20/1 : <r>"
    awk '/CPUs, load average/ {sub(/ \(.*/, ""); sub(/:.*/, ""); title=$0} /ratio 20\/1/ {print title "|" $NF}' \
      "$log/fanout" > "$log/fanout.ratios"
    while IFS='|' read -r title r; do note "fan-out 20 ÷ 1" "$r   (target <= 3.0)   $title"; done < "$log/fanout.ratios"
    printed "fan-out 20 ÷ 1" 'ratio 20/1' fanout
  fi
fi
jar=target/quarkus-app/quarkus-run.jar
if [[ $skip != *" runtime-config "* || $skip != *" startup "* ]]; then
  if [ ! -f "$jar" ] || [ -n "$(find src migrations pom.xml -newer "$jar" -type f -print -quit)" ]; then
    relay build mvn package -DskipTests -Dquarkus.package.jar.appcds.enabled=true || { echo "build failed" >&2; exit 1; }
  fi
fi
if [[ $skip != *" runtime-config "* ]]; then
  relay runtime-config deploy/bench-runtime-config.sh; rc=$?
  # every "ratio …" line it prints (with and without X-Keyhouse-Runtime, when it measures both), and the p99s
  while read -r line; do note "runtime-config ÷ health" "$line   (target >= 0.5; >= 0.4 with X-Keyhouse-Runtime)"; done \
    < <(grep -iE '^ratio' "$log/runtime-config")
  while read -r line; do note "runtime-config p99" "$line   (target <= 10 ms)"; done \
    < <(grep -E '^GET /api/v1/internal/runtime-config' "$log/runtime-config")
  printed "runtime-config ÷ health" '^ratio' runtime-config
fi
if [[ $skip != *" startup "* ]]; then
  relay startup deploy/measure-startup.sh "${STARTUP_RUNS:-4}"; rc=$?
  line=$(grep -E '^startup median' "$log/startup" | sed 's/^startup median of [0-9]* restarts: //')
  [ -z "$line" ] || note "start-up (restart)" "$line"
  printed "start-up (restart)" '^startup median' startup
  # the same on the flat class path with a training-run archive (deploy/build-fast-start.sh), rebuilt when older
  fast=target/fast-start/quarkus-run.jar
  if [ ! -f "$fast" ] || [ -n "$(find src migrations pom.xml -newer "$fast" -type f -print -quit)" ]; then
    relay build-fast-start deploy/build-fast-start.sh || { failed=1; note "start-up (fast-start)" "build failed"; }
  fi
  if [ -f "$fast" ]; then
    relay startup-fast env APP_DIR=target/fast-start deploy/measure-startup.sh "${STARTUP_RUNS:-4}"; rc=$?
    line=$(grep -E '^startup median' "$log/startup-fast" | sed 's/^startup median of [0-9]* restarts: //')
    [ -z "$line" ] || note "start-up (fast-start)" "$line"
    printed "start-up (fast-start)" '^startup median' startup-fast
  fi
fi
echo
echo "== Issue 17 figures, this run ($(nproc) CPU(s), load average now $(cut -d' ' -f1 /proc/loadavg))"
printf '%s\n' "${summary[@]}"
exit "$failed"
