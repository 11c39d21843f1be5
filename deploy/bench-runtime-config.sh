#!/usr/bin/env bash
# Benchmarks GET /api/v1/internal/runtime-config against /q/health/live (on the management port) in the same run: the packaged jar on the
# embedded PostgreSQL, every provider kind saved over REST so the endpoint returns real pairs, then wrk (Debian's;
# installed with apt when missing) on each URL with the same threads, connections and duration, loopback only.
# Prints requests/s and p99 latency of each and the ratios runtime-config / health: once unnamed, once with
# X-Keyhouse-Runtime naming RUNTIMES (1000) different runtimes round-robin (a wrk Lua script), as a fleet does.
# The JVM runs with deploy/jvm-flags and MALLOC_ARENA_MAX=2, as the systemd unit and the Dockerfile run it.
# Builds nothing: run ./mvnw package -DskipTests first. Knobs: THREADS (2), CONNECTIONS (32), DURATION (20s), WARMUP (5s),
# PORT (18090), MANAGEMENT (19090), APP_DIR (another copy of quarkus-app, e.g. an older build, measured alike),
# JVM_FLAGS (overrides deploy/jvm-flags).
set -euo pipefail
cd "$(dirname "$0")/.."
jar=${APP_DIR:-$PWD/target/quarkus-app}/quarkus-run.jar
flags=${JVM_FLAGS-$(cat deploy/jvm-flags)}
[ -f "$jar" ] || { echo "build first: ./mvnw package -DskipTests" >&2; exit 1; }
threads=${THREADS:-2} connections=${CONNECTIONS:-32} duration=${DURATION:-20s} warmup=${WARMUP:-5s} port=${PORT:-18090} mport=${MANAGEMENT:-19090}
if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

. deploy/lib/throwaway.sh
throwaway_env "$port" "$mport" bench@keyhouse.local
base=http://127.0.0.1:$port management=http://127.0.0.1:$mport

(cd "$work" && MALLOC_ARENA_MAX=2 exec java $flags -jar "$jar" >"$work/keyhouse.log" 2>&1) & pid=$!
await_ready "$mport" "$work/keyhouse.log"
admin=$(sign_in "$base")
save_setting "$base" "$admin" llm "{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\",\"apiKey\":\"sk-bench-$(openssl rand -hex 16)\"}"
save_setting "$base" "$admin" stt "{\"provider\":\"deepgram\",\"model\":\"nova-3\",\"language\":\"en-US\",\"apiKey\":\"dg-bench-$(openssl rand -hex 16)\"}"
save_setting "$base" "$admin" tts "{\"provider\":\"elevenlabs\",\"voice\":\"Rachel\",\"apiKey\":\"el-bench-$(openssl rand -hex 16)\"}"
save_setting "$base" "$admin" telephony "{\"accountSid\":\"AC$(openssl rand -hex 16)\",\"authToken\":\"$(openssl rand -hex 16)\",\"fromNumber\":\"+14155550100\"}"

auth="Authorization: Bearer $PROVISIONER_INTERNAL_TOKEN"
body=$(curl -fs -H "$auth" "$base/api/v1/internal/runtime-config")
pairs=$(printf '%s' "$body" | grep -o '"[A-Z_]*":' | wc -l)
printf '%s' "$body" | grep -q '"LLM_API_KEY":"sk-bench-' || { echo "runtime-config has no LLM_API_KEY: $body" >&2; exit 1; }

# each wrk thread names RUNTIMES runtimes in turn (bench-runtime-1 ...), so acknowledgements and pins are per runtime
cat >"$work/named.lua" <<LUA
local i = 0
request = function()
  i = i % ${RUNTIMES:-1000} + 1
  wrk.headers["X-Keyhouse-Runtime"] = "bench-runtime-" .. i
  return wrk.format(nil)
end
LUA
run() { # name url [header] [lua script]; prints "rps p99"
  local out
  wrk -t"$threads" -c"$connections" -d"$warmup" ${3:+-H "$3"} ${4:+-s "$4"} "$2" >/dev/null
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency ${3:+-H "$3"} ${4:+-s "$4"} "$2")
  if grep -q 'Non-2xx' <<<"$out"; then echo "$1: wrk saw errors:" >&2; echo "$out" >&2; exit 1; fi
  echo "$(awk '/^Requests\/sec:/ {print $2}' <<<"$out") $(awk '$1 == "99%" {print $2}' <<<"$out")"
}
echo "Keyhouse $(basename "$jar") on the embedded PostgreSQL, $(nproc) CPU(s) shared with wrk; runtime-config returns $pairs pairs"
echo "wrk: $threads threads, $connections connections, $warmup warm-up then $duration per URL"
read -r rc_rps rc_p99 <<<"$(run runtime-config "$base/api/v1/internal/runtime-config" "$auth")"
read -r rn_rps rn_p99 <<<"$(run runtime-config-named "$base/api/v1/internal/runtime-config" "$auth" "$work/named.lua")"
read -r hl_rps hl_p99 <<<"$(run health "$management/q/health/live")"
printf '%-52s %12s %10s\n' "endpoint" "requests/s" "p99"
printf '%-52s %12s %10s\n' "GET /api/v1/internal/runtime-config" "$rc_rps" "$rc_p99"
printf '%-52s %12s %10s\n' "GET /api/v1/internal/runtime-config, runtime named" "$rn_rps" "$rn_p99"
printf '%-52s %12s %10s\n' "GET /q/health/live" "$hl_rps" "$hl_p99"
awk -v a="$rc_rps" -v n="$rn_rps" -v b="$hl_rps" 'BEGIN {
  printf "ratio runtime-config / health: %.2f unnamed (target >= 0.5), %.2f named (target >= 0.4)\n", a / b, n / b }'
