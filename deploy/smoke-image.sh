#!/usr/bin/env bash
# Proves the Docker image: builds it from the repository's Dockerfile and runs it against a real PostgreSQL on the
# private Docker engine (.ci/start-dockerd) until /q/health/ready answers 200 on the management port, then checks
# what the image must be: health and metrics on the management port only, non-root, no .env inside, no secret in its configuration or history, no secret in any log.
#
#   deploy/smoke-image.sh              # as root (it may install debootstrap, start the engine and build base images)
#   deploy/smoke-image.sh --bases-only # only make (or find cached) the base images; CI runs this during the tests
#
# No registry is reachable here, so the base images are made locally and cached (a second run reuses them):
#   keyhouse-base/debian:bookworm  debootstrap --variant=minbase, imported with `docker import` (the rootfs tarball
#                                  is cached under $KEYHOUSE_SMOKE_CACHE)
#   keyhouse-base/debian-jre:17    + Debian's openjdk-17-jre-headless, passed to the Dockerfile as BASE_IMAGE
#   keyhouse-base/postgres:15      + Debian's postgresql-15, entrypoint deploy/smoke/postgres-entrypoint.sh
# Each is one flattened layer (the engine stores layers with vfs, which copies every layer whole).
#
# The application must be packaged first (target/quarkus-app, from ./mvnw package or verify); when it is missing the
# script packages it with -DskipTests. Keys and passwords are generated at random per run, handed to the containers
# through --env-file (a mode-600 file in a private temp dir) and never printed; logs shown on failure are redacted.
# Containers and temp files are removed on any exit; the images stay, so the next run is faster.
#
# Environment: KEYHOUSE_SMOKE_CACHE (default /var/cache/keyhouse-smoke), KEYHOUSE_SMOKE_READY_TIMEOUT (seconds,
# default 180), KEYHOUSE_SMOKE_IMAGE (default keyhouse-smoke/keyhouse:latest), KEYHOUSE_SMOKE_REBUILD_BASES=1 (make
# the base images again), DEBIAN_MIRROR and DEBIAN_SECURITY_MIRROR (default: the archives this machine's apt uses, so
# debootstrap reaches the same package registry apt does; http://deb.debian.org/... when apt names none).
set -euo pipefail
cd "$(dirname "$0")/.."

bases_only=false
case "${1:-}" in
  '') ;;
  --bases-only) bases_only=true ;;
  *) echo "usage: $0 [--bases-only]" >&2; exit 64 ;;
esac

cache=${KEYHOUSE_SMOKE_CACHE:-/var/cache/keyhouse-smoke}
ready_timeout=${KEYHOUSE_SMOKE_READY_TIMEOUT:-180}
image=${KEYHOUSE_SMOKE_IMAGE:-keyhouse-smoke/keyhouse:latest}
# A fixed release, not the host's: the image's JRE is Debian's openjdk-17, which bookworm packages and trixie does not.
suite=bookworm
# The Debian archive this machine's apt fetches suite $1 from: enabled "deb" entries (deb822 .sources stanzas or
# one-line .list entries) for that suite whose URI is a Debian archive path (.../debian, .../debian-security), so a
# third-party repository that names the same suite (a JDK vendor's, PGDG) is never taken for Debian's; empty if none.
apt_archive() {
  { awk -v want="$1" '
      function flush() { if (types ~ /(^| )deb( |$)/ && enabled != "no") { n = split(suites, s, " ");
          for (i = 1; i <= n; i++) if (s[i] == want) { split(uris, u, " "); print u[1] } }
        types = ""; uris = ""; suites = ""; enabled = "" }
      FNR == 1 { flush() }
      /^[ \t]*$/ { flush(); next }
      $1 == "Types:" { $1 = ""; types = $0 } $1 == "URIs:" { $1 = ""; uris = $0 }
      $1 == "Suites:" { $1 = ""; suites = $0 } $1 == "Enabled:" { enabled = $2 }
      END { flush() }' /etc/apt/sources.list.d/*.sources
    awk -v want="$1" '$1 == "deb" { i = ($2 ~ /^\[/) ? 3 : 2; if ($(i + 1) == want) print $i }' \
      /etc/apt/sources.list /etc/apt/sources.list.d/*.list
  } 2>/dev/null | grep -E -m1 '/debian(-security)?/?$' || true
}
mirror=${DEBIAN_MIRROR:-$(apt_archive "$suite")}
mirror=${mirror:-http://deb.debian.org/debian}
security_mirror=${DEBIAN_SECURITY_MIRROR:-$(apt_archive "$suite-security")}
security_mirror=${security_mirror:-http://deb.debian.org/debian-security}
debian_image=keyhouse-base/debian:$suite
jre_image=keyhouse-base/debian-jre:17
pg_image=keyhouse-base/postgres:15

run_start=$(date +%s)
say() { printf '[smoke] %s\n' "$*"; }
fail() { printf '[smoke] FAIL: %s\n' "$*" >&2; exit 1; }
since() { echo $(( $(date +%s) - $1 )); }

# --- cleanup: containers, temp files and the canary .env go whatever happens ----------------------------------------
tmp=$(mktemp -d)
chmod 700 "$tmp"
containers=()
canary_env=
partial_rootfs=
cleanup() {
  local c t live=()
  t=$(date +%s)
  for c in "${containers[@]}"; do docker inspect "$c" >/dev/null 2>&1 && live+=("$c"); done
  if [ ${#live[@]} -gt 0 ]; then
    for c in "${live[@]}"; do docker rm -f -v "$c" >/dev/null 2>&1 & done
    wait
    say "cleanup: ${#live[@]} containers removed in $(since "$t") s"
  fi
  [ -n "$canary_env" ] && rm -f "$canary_env"
  [ -n "$partial_rootfs" ] && rm -rf "$partial_rootfs"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Every generated secret goes into this file, one per line, for the leak checks (grep -F -f) and redaction.
secrets=$tmp/secrets
: >"$secrets"
chmod 600 "$secrets"
random_b64() { head -c "$1" /dev/urandom | base64 -w0; }
random_word() { head -c 48 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | head -c "$1"; }
remember() { printf '%s\n' "$1" >>"$secrets"; }
# Prints the last lines of a log with every generated secret replaced (they should not be there in the first place).
show_log() {
  local name=$1 file=$2 text s
  text=$(tail -n "${3:-150}" "$file")
  while IFS= read -r s; do [ -n "$s" ] && text=${text//"$s"/<redacted>}; done <"$secrets"
  printf '%s\n' "$text" | sed "s/^/    $name| /" >&2
}
# Sets $port to a random TCP port nothing listens on (host networking: the containers share the host's ports).
used_ports=
free_port() {
  local _
  for _ in $(seq 1 100); do
    port=$(( 20000 + RANDOM % 40000 ))
    case " $used_ports " in *" $port "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then used_ports="$used_ports $port"; return; fi
  done
  fail "no free TCP port found"
}

# --- 1. engine ----------------------------------------------------------------------------------------------------
t=$(date +%s)
DOCKER_HOST=$(bash .ci/start-dockerd | tail -1)
export DOCKER_HOST
say "engine: $DOCKER_HOST (server $(docker version -f '{{.Server.Version}}'), ready in $(since "$t") s)"

# --- 2. base images -----------------------------------------------------------------------------------------------
# files only: maintainer scripts expect the directories (update-alternatives links man pages into man1)
common_cleanup='apt-get clean
find /var/lib/apt/lists -mindepth 1 -maxdepth 1 ! -name partial ! -name lock -exec rm -rf {} +
rm -rf /var/cache/apt/*.bin /var/cache/debconf/*-old /var/lib/dpkg/*-old /var/log/apt /var/log/dpkg.log \
  /var/log/alternatives.log /var/log/bootstrap.log /tmp/*
find /usr/share/doc /usr/share/man /usr/share/info /usr/share/locale /usr/share/lintian -mindepth 1 ! -type d \
  -delete 2>/dev/null || true'
jre_recipe='export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null
java -version'
pg_recipe='export DEBIAN_FRONTEND=noninteractive
mkdir -p /etc/postgresql-common
echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null
# the JIT (llvmjit + libLLVM, ~100 MB) is optional: without it PostgreSQL runs with jit unavailable
rm -rf /usr/lib/postgresql/15/lib/llvmjit* /usr/lib/postgresql/15/lib/bitcode
dpkg -L libllvm14 | while read -r f; do if [ -f "$f" ]; then rm -f "$f"; fi; done
/usr/lib/postgresql/15/bin/postgres --version'
recipe_hash() { printf '%s\n' "$@" | sha256sum | cut -c1-16; }
image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }
# removes the image a tag pointed to before it was made again (best effort: a container may still use it)
drop_replaced() { [ -z "$1" ] || [ "$1" = "$(image_id "$2")" ] || docker rmi "$1" >/dev/null 2>&1 || true; }
# true when the tag exists and was made from this recipe
have_image() {
  [ "${KEYHOUSE_SMOKE_REBUILD_BASES:-0}" != 1 ] || return 1
  [ "$(docker image inspect -f '{{index .Config.Labels "keyhouse.smoke.recipe"}}' "$1" 2>/dev/null)" = "$2" ]
}

# The debootstrap root filesystem, made once and cached as a tarball: minbase plus updates/security sources, no
# recommends, no docs.
make_rootfs_tarball() {
  local tarball=$1 dir
  if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  dir=$(mktemp -d "$cache/rootfs.XXXXXX")
  partial_rootfs=$dir
  if ! debootstrap --variant=minbase "$suite" "$dir" "$mirror" >"$cache/debootstrap.log" 2>&1; then
    tail -n 30 "$cache/debootstrap.log" >&2
    fail "debootstrap failed (log: $cache/debootstrap.log)"
  fi
  cat >"$dir/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security_mirror $suite-security main
EOF
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$dir/etc/apt/apt.conf.d/90keyhouse-lean"
  printf 'path-exclude=/usr/share/%s/*\n' doc man info locale lintian >"$dir/etc/dpkg/dpkg.cfg.d/90keyhouse-nodoc"
  chroot "$dir" sh -c "$common_cleanup"
  tar -C "$dir" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
  find "$cache" -maxdepth 1 -name "debian-$suite-minbase-*.tar" ! -path "$tarball" -delete
  rm -rf "$dir"
  partial_rootfs=
}

# Runs a recipe in container $c of the Debian image (host network, for apt), then flattens the result into one layer.
derive_image() {
  local c=$1 tag=$2 hash=$3 recipe=$4 log old t
  shift 4
  t=$(date +%s)
  log="$cache/$(echo "$tag" | tr '/:' '__').log"
  if ! docker run --name "$c" --network host "$debian_image" sh -ec "$recipe
$common_cleanup" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    fail "building $tag failed (log: $log)"
  fi
  while [ $# -gt 0 ] && [ "$1" = --cp ]; do docker cp "$2" "$c:$3"; shift 3; done
  old=$(image_id "$tag")
  docker export "$c" | docker import -c "LABEL keyhouse.smoke.recipe=$hash" -c 'ENV LANG=C.UTF-8' "$@" - "$tag" >/dev/null
  drop_replaced "$old" "$tag"
  docker rm -f "$c" >/dev/null
  say "base image $tag: built in $(since "$t") s"
}

# Each image is labelled with a hash of how it is made (and of what it is made from): a changed recipe rebuilds it.
debian_hash=$(recipe_hash "$suite" "$mirror" "$security_mirror" "$common_cleanup" "$(declare -f make_rootfs_tarball)")
tarball=$cache/debian-$suite-minbase-$debian_hash.tar
jre_hash=$(recipe_hash "$debian_hash" "$jre_recipe")
pg_hash=$(recipe_hash "$debian_hash" "$pg_recipe" "$(cat deploy/smoke/postgres-entrypoint.sh)")

t=$(date +%s)
if have_image "$jre_image" "$jre_hash" && have_image "$pg_image" "$pg_hash"; then
  say "base images: cached ($jre_image, $pg_image)"
else
  mkdir -p "$cache"
  exec 9>"$cache/lock"
  flock 9   # one builder at a time on this host
  if [ -s "$tarball" ] && [ "${KEYHOUSE_SMOKE_REBUILD_BASES:-0}" != 1 ]; then
    say "root filesystem: cached ($tarball)"
  else
    t1=$(date +%s)
    make_rootfs_tarball "$tarball"
    say "root filesystem: debootstrap $suite minbase in $(since "$t1") s ($(du -m "$tarball" | cut -f1) MB, $tarball)"
  fi
  if ! have_image "$debian_image" "$debian_hash"; then
    old=$(image_id "$debian_image")
    docker import -c "LABEL keyhouse.smoke.recipe=$debian_hash" -c 'ENV LANG=C.UTF-8' \
      -c 'CMD ["/bin/bash"]' "$tarball" "$debian_image" >/dev/null
    drop_replaced "$old" "$debian_image"
  fi
  # the two are independent: build them side by side (their containers are named here, so cleanup finds them)
  pids=()
  if ! have_image "$jre_image" "$jre_hash"; then
    containers+=("keyhouse-smoke-base-$$-jre")
    derive_image "keyhouse-smoke-base-$$-jre" "$jre_image" "$jre_hash" "$jre_recipe" \
      -c "ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-$(dpkg --print-architecture)" -c 'CMD ["/bin/bash"]' &
    pids+=($!)
  fi
  if ! have_image "$pg_image" "$pg_hash"; then
    containers+=("keyhouse-smoke-base-$$-pg")
    derive_image "keyhouse-smoke-base-$$-pg" "$pg_image" "$pg_hash" "$pg_recipe" \
      --cp deploy/smoke/postgres-entrypoint.sh /usr/local/bin/keyhouse-postgres-entrypoint \
      -c 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      -c 'ENTRYPOINT ["/usr/local/bin/keyhouse-postgres-entrypoint"]' -c 'EXPOSE 5432' &
    pids+=($!)
  fi
  for pid in "${pids[@]}"; do wait "$pid" || fail "a base image could not be built (see above)"; done
  flock -u 9
  say "base images: built in $(since "$t") s"
fi
for i in "$jre_image" "$pg_image"; do
  say "  $i: $(( $(docker image inspect -f '{{.Size}}' "$i") / 1000000 )) MB"
done

if $bases_only; then
  say "base images ready in $(since "$run_start") s"
  exit 0
fi

# --- 3. the application and the Keyhouse image ----------------------------------------------------------------------
if [ ! -f target/quarkus-app/quarkus-run.jar ]; then
  t=$(date +%s)
  say "packaging the application (target/quarkus-app missing): ./mvnw package -DskipTests"
  ./mvnw -B -ntp -q package -DskipTests
  say "packaged in $(since "$t") s"
fi
# A .env in the build context must stay out of the image (.dockerignore): when there is none, put a canary there.
if [ ! -e .env ]; then
  canary_env=$PWD/.env
  (umask 077; printf 'KEYHOUSE_SMOKE_CANARY=%s\n' "$(random_word 24)" >"$canary_env")
fi

t=$(date +%s)
old_id=$(image_id "$image")
if ! DOCKER_BUILDKIT=0 docker build --network host --force-rm --build-arg "BASE_IMAGE=$jre_image" \
    --iidfile "$tmp/iid" -t "$image" . >"$tmp/build.log" 2>&1; then
  tail -n 40 "$tmp/build.log" >&2
  fail "docker build failed"
fi
iid=$(cat "$tmp/iid")
drop_replaced "$old_id" "$image"
context=$(sed -n 's/^Sending build context to Docker daemon *//p' "$tmp/build.log" | tail -1)
cached=$(grep -c 'Using cache' "$tmp/build.log" || true)
say "image built in $(since "$t") s: $image ${iid:7:12}, $(( $(docker image inspect -f '{{.Size}}' "$iid") / 1000000 )) MB, context $context, $cached steps from cache"

# --- 4. PostgreSQL and Keyhouse on host networking, random ports and keys ---------------------------------------------
free_port; pg_port=$port
free_port; http_port=$port
free_port; management_port=$port
db_password=$(random_word 32)
encryption_key=$(random_b64 32)
jwt_key=$(random_b64 32)
admin_password=$(random_word 24)
internal_token=$(random_b64 32)
for s in "$db_password" "$encryption_key" "$jwt_key" "$admin_password" "$internal_token"; do remember "$s"; done
(
  umask 077
  printf 'POSTGRES_USER=keyhouse\nPOSTGRES_DB=keyhouse\nPOSTGRES_PASSWORD=%s\nPOSTGRES_PORT=%s\nPOSTGRES_LISTEN=127.0.0.1\n' \
    "$db_password" "$pg_port" >"$tmp/postgres.env"
  printf '%s\n' \
    "CREDENTIAL_ENCRYPTION_KEY=$encryption_key" \
    "JWT_SECRET_KEY=$jwt_key" \
    "SYSTEM_ADMIN_EMAIL=admin@keyhouse.local" \
    "SYSTEM_ADMIN_PASSWORD=$admin_password" \
    "PROVISIONER_INTERNAL_TOKEN=$internal_token" \
    "POSTGRES_HOST=127.0.0.1" "POSTGRES_PORT=$pg_port" "POSTGRES_DB=keyhouse" "POSTGRES_USER=keyhouse" \
    "POSTGRES_PASSWORD=$db_password" \
    "HTTP_PORT=$http_port" "MANAGEMENT_PORT=$management_port" >"$tmp/keyhouse.env"
  printf '{"email": "admin@keyhouse.local", "password": "%s"}' "$admin_password" >"$tmp/signin.json"
)

pg=keyhouse-smoke-pg-$$
app=keyhouse-smoke-app-$$
refused=keyhouse-smoke-refused-$$
containers+=("$pg" "$app" "$refused")
dump_logs() {
  docker logs "$pg" >"$tmp/pg.log" 2>&1 || true
  docker logs "$app" >"$tmp/app.log" 2>&1 || true
}
fail_with_logs() {
  dump_logs
  printf '[smoke] PostgreSQL log (last lines, secrets redacted):\n' >&2; show_log postgres "$tmp/pg.log" 40
  printf '[smoke] Keyhouse log (last lines, secrets redacted):\n' >&2; show_log keyhouse "$tmp/app.log"
  fail "$*"
}
running() { [ "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }

# Meanwhile, the image must refuse a bad configuration: exit 78, every problem named, no value printed.
bad_key=$(random_word 20)   # base64 of 15 bytes, not 32
remember "$bad_key"
(umask 077; printf 'CREDENTIAL_ENCRYPTION_KEY=%s\n' "$bad_key" >"$tmp/refused.env")
docker run -d --name "$refused" --network none --label keyhouse.smoke=1 --env-file "$tmp/refused.env" "$iid" >/dev/null

t=$(date +%s)
docker run -d --name "$pg" --network host --label keyhouse.smoke=1 --env-file "$tmp/postgres.env" "$pg_image" >/dev/null
until docker exec "$pg" pg_isready -q -h 127.0.0.1 -p "$pg_port" 2>/dev/null; do
  running "$pg" || fail_with_logs "PostgreSQL exited with status $(docker inspect -f '{{.State.ExitCode}}' "$pg")"
  [ "$(since "$t")" -lt 60 ] || fail_with_logs "PostgreSQL not ready after 60 s"
  sleep 0.5
done
say "postgres ready in $(since "$t") s on 127.0.0.1:$pg_port"

t=$(date +%s)
docker run -d --name "$app" --network host --label keyhouse.smoke=1 --env-file "$tmp/keyhouse.env" "$iid" >/dev/null
created=$(since "$t")
url=http://127.0.0.1:$http_port
management_url=http://127.0.0.1:$management_port
while :; do
  code=$(curl -s -o "$tmp/ready.json" -w '%{http_code}' --max-time 3 "$management_url/q/health/ready" || true)
  [ "$code" = 200 ] && break
  running "$app" || fail_with_logs "Keyhouse exited with status $(docker inspect -f '{{.State.ExitCode}}' "$app") before it was ready"
  [ "$(since "$t")" -lt "$ready_timeout" ] || fail_with_logs "/q/health/ready not 200 after $ready_timeout s (last: ${code:-no answer})"
  sleep 1
done
ready=$(since "$t")
started=$(docker logs "$app" 2>&1 | grep -o 'started in [0-9.]*s' | head -1 || true)
say "ready in $ready s (container started in $created s, Quarkus ${started:-start time not logged}): GET /q/health/ready 200"
say "  $(tr -s ' \n' ' ' <"$tmp/ready.json" | cut -c1-200)"
# Health and metrics answer only on the management port: the application port has neither.
for path in /q/health/ready /q/metrics; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url$path" || true)
  [ "$code" = 404 ] || fail_with_logs "GET $path on HTTP_PORT answered ${code:-nothing}, not 404 (it belongs on MANAGEMENT_PORT)"
done
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$management_url/q/metrics" || true)
[ "$code" = 200 ] || fail_with_logs "GET /q/metrics on MANAGEMENT_PORT answered ${code:-nothing}, not 200"
say "health and metrics on MANAGEMENT_PORT only: 404 on HTTP_PORT"

# The bootstrap admin signs in: the configuration reached the application and the schema is in the real database.
code=$(curl -s -o "$tmp/token.json" -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
  --data-binary "@$tmp/signin.json" "$url/api/v1/auth/token" || true)
[ "$code" = 200 ] || fail_with_logs "POST /api/v1/auth/token as the bootstrap admin answered ${code:-nothing}, not 200"
say "sign-in as the bootstrap admin: POST /api/v1/auth/token 200"

# --- 5. properties of the image -------------------------------------------------------------------------------------
status=$(timeout 120 docker wait "$refused" || echo "no exit within 120 s")
docker logs "$refused" >"$tmp/refused.log" 2>&1
for name in CREDENTIAL_ENCRYPTION_KEY JWT_SECRET_KEY SYSTEM_ADMIN_PASSWORD; do
  grep -q "$name" "$tmp/refused.log" || { show_log refused "$tmp/refused.log" 30; fail "the refusal does not name $name"; }
done
[ "$status" = 78 ] || { show_log refused "$tmp/refused.log" 30; fail "a bad configuration exited with $status, not 78"; }
if grep -qF -f "$secrets" "$tmp/refused.log"; then fail "the refusal printed the bad key's value"; fi
say "check: a bad configuration is refused with exit 78, naming CREDENTIAL_ENCRYPTION_KEY, JWT_SECRET_KEY and SYSTEM_ADMIN_PASSWORD, no value printed"

image_user=$(docker image inspect -f '{{.Config.User}}' "$iid")
uid=$(docker exec "$app" id -u)
user_name=$(docker exec "$app" id -un)
java_uid=$(docker exec "$app" awk '/^Uid:/ { print $2 }' /proc/1/status)   # PID 1 is java (exec from the entrypoint)
case "$image_user" in ''|root|0|0:*|root:*) fail "the image runs as root (USER '${image_user}')" ;; esac
[ "$uid" != 0 ] && [ "${java_uid:-0}" != 0 ] || fail "the container runs as root (uid $uid, java uid ${java_uid:-?})"
say "check: runs as $user_name (uid $uid, image USER $image_user), java uid $java_uid: not root"

envs=$(docker exec -u 0 "$app" find / -xdev -name .env -print 2>/dev/null || true)
[ -z "$envs" ] || fail "the image holds a .env: $envs"
say "check: no .env anywhere in the image$([ -n "$canary_env" ] && echo ' (a canary .env was in the build context)')"

docker image inspect "$iid" >"$tmp/inspect.json"
docker history --no-trunc "$iid" >>"$tmp/inspect.json"
if grep -qF -f "$secrets" "$tmp/inspect.json"; then fail "a generated secret appears in docker inspect/history of the image"; fi
secret_names=$(grep -oE '^[A-Z_]*(KEY|PASSWORD|SECRET|TOKEN|DATABASE_URL)[A-Z_]*=' .env.example | tr -d = | sort -u)
baked=$(docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$iid" | cut -d= -f1 | grep -xF "$secret_names" || true)
[ -z "$baked" ] || fail "the image sets secret variables: $(echo "$baked" | tr '\n' ' ')"
say "check: no secret in the image (config, env, history): $(echo "$secret_names" | wc -l) secret names, $(wc -l <"$secrets") generated values"

dump_logs
for f in app pg; do
  if grep -qF -f "$secrets" "$tmp/$f.log"; then fail "a generated secret appears in the $f container log"; fi
done
say "check: no secret in the logs ($(wc -l <"$tmp/app.log") Keyhouse lines, $(wc -l <"$tmp/pg.log") PostgreSQL lines)"

say "PASS in $(since "$run_start") s"
