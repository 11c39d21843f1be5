#!/usr/bin/env bash
# Measures start-up of the packaged jar on the embedded PostgreSQL: time to /q/health/ready = 200 (on MANAGEMENT_PORT),
# the JVM's CPU time until then (user + system: what the start-up costs, less sensitive to a busy machine than the
# wall clock) and the resident memory of the JVM (and, separately, of its PostgreSQL) 2 s after ready. The first run
# creates the database (initdb, migrations); the others restart on it, which is the figure issue 17 targets (ready in
# 2.0 s or less, JVM RSS 200 MiB or less). Prints one line per run, then the median of the restarts.
# The JVM runs with deploy/jvm-flags and MALLOC_ARENA_MAX=2 (as the systemd unit and the Dockerfile do) and, when the
# build made one (./mvnw package -DskipTests -Dquarkus.package.jar.appcds.enabled=true), the AppCDS archive
# target/quarkus-app/app-cds.jsa, from the application's folder as the archive requires; likewise an AOT cache app.aot
# (JDK 24+), as deploy/build-fast-start.sh makes for target/fast-start.
# Usage: deploy/measure-startup.sh [runs, default 4]. JVM_FLAGS overrides deploy/jvm-flags (e.g. JVM_FLAGS= for the
# JVM's defaults); APPCDS=no leaves the archive out; APP_DIR measures another copy of quarkus-app (copied with cp -a),
# e.g. an earlier build, for a before/after on the same machine. PORT (18080) and MANAGEMENT (19000): the ports it
# listens on; both must be free (checked first). JAVA: the java to run (default the one on PATH; an archive needs the
# Java build that made it).
set -euo pipefail
cd "$(dirname "$0")/.."
app=${APP_DIR:-$PWD/target/quarkus-app}
[ -f "$app/quarkus-run.jar" ] || { echo "build first: ./mvnw package -DskipTests" >&2; exit 1; }
app=$(cd "$app" && pwd)
runs=${1:-4}
flags=${JVM_FLAGS-$(cat deploy/jvm-flags)}
java=${JAVA:-java}
cds= archive=none
if [ "${APPCDS:-yes}" != no ] && [ -f "$app/app.aot" ]; then cds="-XX:AOTCache=app.aot" archive=app.aot
elif [ "${APPCDS:-yes}" != no ] && [ -f "$app/app-cds.jsa" ]; then cds="-XX:SharedArchiveFile=app-cds.jsa -Xshare:auto" archive=app-cds.jsa; fi
work=$(mktemp -d); chmod 755 "$work"; pid=
cleanup() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export CREDENTIAL_ENCRYPTION_KEY=$(openssl rand -base64 32) JWT_SECRET_KEY=$(openssl rand -base64 32) SYSTEM_ADMIN_PASSWORD=$(openssl rand -base64 18)
port=${PORT:-18080}; mport=${MANAGEMENT:-19000}
# a port another process answers on would be measured instead of this jar: refuse to start
. deploy/lib/throwaway.sh
ports_free "$port" "$mport"
export HTTP_PORT=$port MANAGEMENT_PORT=$mport EMBEDDED_DATABASE_DIR="$work/pg" MALLOC_ARENA_MAX=2
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$1/stat"; }
echo "start-up: $(nproc) CPU(s), load average $(cut -d' ' -f1 /proc/loadavg), Java $("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p'), JVM flags: ${flags:-(JVM defaults)}, AppCDS: $archive"
restarts=()
for i in $(seq 1 "$runs"); do
  label=$([ "$i" = 1 ] && echo "first start (initdb)" || echo "restart (existing data)")
  start=$(date +%s%N)
  # shellcheck disable=SC2086 # the flags are words
  (cd "$app" && exec "$java" $flags $cds -jar quarkus-run.jar >"$work/run-$i.log" 2>&1) & pid=$!
  until curl -fs "http://127.0.0.1:$mport/q/health/ready" >/dev/null 2>&1; do
    kill -0 $pid 2>/dev/null || { echo "exited early:"; tail -20 "$work/run-$i.log"; exit 1; }
    sleep 0.02
  done
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  cpu=$(cpu_ms $pid)
  sleep 2
  jvm=$(( $(rss_kb $pid) / 1024 ))
  pg=0; pgpid=$(head -1 "$work/pg/postmaster.pid")
  for p in $pgpid $(pgrep -P "$pgpid" || true); do pg=$(( pg + $(rss_kb "$p" 2>/dev/null || echo 0) )); done
  printf '%-26s ready in %5d ms   JVM CPU %5d ms   JVM RSS %4d MiB   PostgreSQL RSS %3d MiB\n' "$label" "$ms" "$cpu" "$jvm" $((pg/1024))
  [ "$i" = 1 ] || restarts+=("$ms $cpu $jvm")
  kill -TERM $pid; wait $pid || true; pid=
done
median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print int((a[NR/2] + a[NR/2+1]) / 2)}'; }
if [ ${#restarts[@]} -gt 0 ]; then
  printf '%s\n' "${restarts[@]}" > "$work/restarts"
  printf 'startup median of %d restarts: ready %d ms (target <= 2000), JVM CPU %d ms, JVM RSS %d MiB (target <= 200)\n' \
    ${#restarts[@]} "$(cut -d' ' -f1 "$work/restarts" | median)" "$(cut -d' ' -f2 "$work/restarts" | median)" \
    "$(cut -d' ' -f3 "$work/restarts" | median)"
else
  echo "no restart measured: the first run creates the database; ask for 2 runs or more for the figure issue 17 targets"
fi
