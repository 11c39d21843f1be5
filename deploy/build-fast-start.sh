#!/usr/bin/env bash
# Builds target/fast-start/: Keyhouse as one jar on a flat class path, with a class archive made by a training run,
# for the fastest start this JVM can give it. Measured for issue 17 (README "Start-up and memory").
#
# Why a second packaging: the default fast-jar loads almost every class through Quarkus' own class loader, and the
# JVM archives (CDS, and the AOT cache of JDK 24+) only classes of its built-in loaders: Quarkus' AppCDS option
# therefore archives about 6,500 of the 15,300 classes a start loads. The uber-jar
# (quarkus.package.jar.type=uber-jar) puts every class on the application class path, so a training run archives all
# of them. The archive is tied to the Java build that made it and to this jar (path, size, time): run it with the
# same Java, from target/fast-start, without touching the jar.
#
# What it does: ./mvnw package with the uber-jar type into target/fast-start (target/quarkus-app is left as it is),
# renames the jar quarkus-run.jar, then a training run: starts it on a throw-away embedded database with throw-away
# keys (a temporary folder, deleted after), signs in, saves a setting, calls runtime-config named and not and the
# settings page, and stops it with SIGTERM; the JVM writes the archive as it exits:
#   JDK 24 or later: app.aot, an AOT cache (-XX:AOTCacheOutput; JEP 483 and 514) — run with -XX:AOTCache=app.aot
#   JDK 17 to 23:   app-cds.jsa, a dynamic CDS archive (-XX:ArchiveClassesAtExit) — run with
#                   -XX:SharedArchiveFile=app-cds.jsa -Xshare:auto
# deploy/measure-startup.sh measures it: APP_DIR=target/fast-start deploy/measure-startup.sh (JAVA as below).
# Knobs: JAVA (the java to build the archive with and run it, default the one on PATH), PORT (18180) and MANAGEMENT
# (19100) for the training run (both must be free), SKIP_BUILD=1 reuses target/fast-start's jar.
# Nothing leaves this machine: the training run talks to 127.0.0.1 only and checks no provider.
set -euo pipefail
cd "$(dirname "$0")/.."
java=${JAVA:-java}
flags=$(cat deploy/jvm-flags)
out=$PWD/target/fast-start
feature=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
[ -n "$feature" ] || { echo "cannot run $java" >&2; exit 1; }
if [ -z "${SKIP_BUILD:-}" ]; then
  rm -rf "$out"
  ./mvnw -q -B -ntp package -DskipTests -Dquarkus.package.jar.type=uber-jar -Dquarkus.package.output-directory=fast-start
  mv "$out"/*-runner.jar "$out/quarkus-run.jar"
fi
[ -f "$out/quarkus-run.jar" ] || { echo "no $out/quarkus-run.jar: run without SKIP_BUILD" >&2; exit 1; }
rm -f "$out/app.aot" "$out/app-cds.jsa"
if [ "$feature" -ge 24 ]; then archive=app.aot record=(-XX:AOTCacheOutput=app.aot)
else archive=app-cds.jsa record=(-XX:ArchiveClassesAtExit=app-cds.jsa); fi

port=${PORT:-18180}; mport=${MANAGEMENT:-19100}
. deploy/lib/throwaway.sh
ports_free "$port" "$mport"
throwaway_env "$port" "$mport" training@keyhouse.local
base=http://127.0.0.1:$port
# shellcheck disable=SC2086 # the flags are words
(cd "$out" && MALLOC_ARENA_MAX=2 exec "$java" $flags "${record[@]}" -jar quarkus-run.jar >"$work/training.log" 2>&1) & pid=$!
await_ready "$mport" "$work/training.log"
admin=$(sign_in "$base")
save_setting "$base" "$admin" llm \
  "{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\",\"apiKey\":\"sk-training-$(openssl rand -hex 16)\"}"
for i in 1 2 3; do
  curl -fs -o /dev/null -H "Authorization: Bearer $PROVISIONER_INTERNAL_TOKEN" "$base/api/v1/internal/runtime-config"
  curl -fs -o /dev/null -H "Authorization: Bearer $PROVISIONER_INTERNAL_TOKEN" -H "X-Keyhouse-Runtime: training-$i" \
    "$base/api/v1/internal/runtime-config"
  curl -fs -o /dev/null -H "Authorization: Bearer $admin" "$base/api/v1/settings"
done
kill -TERM "$pid"; wait "$pid" || true; pid=
[ -f "$out/$archive" ] || { echo "the training run wrote no $archive:" >&2; tail -20 "$work/training.log" >&2; exit 1; }
echo "built $out: quarkus-run.jar ($(du -m "$out/quarkus-run.jar" | cut -f1) MB) and $archive ($(du -m "$out/$archive" | cut -f1) MB, Java $feature)"
if [ "$archive" = app.aot ]; then use="-XX:AOTCache=app.aot"; else use="-XX:SharedArchiveFile=app-cds.jsa -Xshare:auto"; fi
echo "run: cd $out && MALLOC_ARENA_MAX=2 $java \$(cat ../../deploy/jvm-flags) $use -jar quarkus-run.jar"
