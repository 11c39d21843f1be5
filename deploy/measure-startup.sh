#!/usr/bin/env bash
# Measures cold start of the packaged jar on the embedded PostgreSQL: time to /q/health/ready = 200 (on MANAGEMENT_PORT) and the
# resident memory of the JVM (and, separately, of its PostgreSQL) once ready. Usage: deploy/measure-startup.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
jar=target/quarkus-app/quarkus-run.jar
[ -f "$jar" ] || { echo "build first: ./mvnw package -DskipTests" >&2; exit 1; }
runs=${1:-3}
work=$(mktemp -d); chmod 755 "$work"; trap 'rm -rf "$work"' EXIT
export CREDENTIAL_ENCRYPTION_KEY=$(openssl rand -base64 32) JWT_SECRET_KEY=$(openssl rand -base64 32) SYSTEM_ADMIN_PASSWORD=$(openssl rand -base64 18)
port=18080; mport=19000; export HTTP_PORT=$port MANAGEMENT_PORT=$mport EMBEDDED_DATABASE_DIR="$work/pg"
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
for i in $(seq 1 "$runs"); do
  label=$([ "$i" = 1 ] && echo "first start (initdb)" || echo "restart (existing data)")
  start=$(date +%s%N)
  (cd "$work" && exec java -jar "$OLDPWD/$jar" >"$work/run-$i.log" 2>&1) & pid=$!
  until curl -fs "http://127.0.0.1:$mport/q/health/ready" >/dev/null 2>&1; do
    kill -0 $pid 2>/dev/null || { echo "exited early:"; tail -20 "$work/run-$i.log"; exit 1; }
    sleep 0.05
  done
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  sleep 2
  jvm=$(rss_kb $pid)
  pg=0; pgpid=$(head -1 "$work/pg/postmaster.pid")
  for p in $pgpid $(pgrep -P "$pgpid" || true); do pg=$(( pg + $(rss_kb "$p" 2>/dev/null || echo 0) )); done
  printf '%-26s ready in %5d ms   JVM RSS %4d MiB   PostgreSQL RSS %3d MiB\n' "$label" "$ms" $((jvm/1024)) $((pg/1024))
  kill -TERM $pid; wait $pid || true
done
