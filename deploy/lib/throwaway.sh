# shellcheck shell=bash
# Sourced by deploy/bench-runtime-config.sh and deploy/build-fast-start.sh: a throw-away Keyhouse on this machine.
#   throwaway_env PORT MANAGEMENT EMAIL  makes $work (searchable by the embedded PostgreSQL's user, nobody, when run as
#       root), stops $pid and removes $work on exit, exports fresh keys, a bootstrap admin EMAIL with a random
#       password, a runtime token, the ports, a database in $work/pg, LOG_LEVEL=WARN and no provider checks (the keys
#       these scripts save are made up: traffic stays on this machine).
#   await_ready MANAGEMENT LOG           waits for /q/health/ready = 200; if $pid ends first, prints LOG's tail (without
#       the JVM's CDS and AOT warnings) and exits 1.
#   sign_in BASE                         prints an access token of the bootstrap admin (exits 1 if sign-in fails).
#   save_setting BASE TOKEN KIND JSON    saves a provider setting over REST at its current version (If-Match).
#   ports_free PORT...                   exits 1, naming it, when a port already answers on 127.0.0.1 (a measurement
#       would reach that process instead).
throwaway_env() {
  work=$(mktemp -d); chmod 755 "$work"; pid=
  # errexit would end the trap at the last command of an && list that fails: wait's 143 for the TERM it sent is expected
  cleanup() { if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null || true; fi; rm -rf "$work"; }
  trap 'status=$?; cleanup; exit $status' EXIT
  CREDENTIAL_ENCRYPTION_KEY=$(openssl rand -base64 32) JWT_SECRET_KEY=$(openssl rand -base64 32)
  SYSTEM_ADMIN_PASSWORD=$(openssl rand -hex 16) PROVISIONER_INTERNAL_TOKEN=$(openssl rand -hex 24)
  export CREDENTIAL_ENCRYPTION_KEY JWT_SECRET_KEY SYSTEM_ADMIN_PASSWORD PROVISIONER_INTERNAL_TOKEN
  export SYSTEM_ADMIN_EMAIL=$3 HTTP_PORT=$1 MANAGEMENT_PORT=$2 EMBEDDED_DATABASE_DIR="$work/pg" LOG_LEVEL=WARN
  export PROVIDER_CHECK_MODE=off PROVIDER_CHECK_INTERVAL_SECONDS=0
}
await_ready() {
  until curl -fs "http://127.0.0.1:$1/q/health/ready" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "Keyhouse exited early:" >&2; grep -v '\]\[\(cds\|aot\)' "$2" | tail -20 >&2; exit 1; }
    sleep 0.2
  done
}
sign_in() {
  local token
  token=$(curl -fs -H 'Content-Type: application/json' \
    -d "{\"email\":\"$SYSTEM_ADMIN_EMAIL\",\"password\":\"$SYSTEM_ADMIN_PASSWORD\"}" "$1/api/v1/auth/token" |
    sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
  [ -n "$token" ] || { echo "could not sign in as the bootstrap admin" >&2; exit 1; }
  printf '%s' "$token"
}
save_setting() {
  local etag
  etag=$(curl -fs -D - -o /dev/null -H "Authorization: Bearer $2" "$1/api/v1/settings/$3" | tr -d '\r' |
    sed -n 's/^[Ee][Tt]ag: //p')
  curl -fs -o /dev/null -X PUT -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    -H "If-Match: $etag" -d "$4" "$1/api/v1/settings/$3"
}
ports_free() {
  local p
  for p in "$@"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "port $p is already in use on 127.0.0.1; set PORT and MANAGEMENT to free ports" >&2; exit 1
    fi
  done
}
