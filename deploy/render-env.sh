#!/usr/bin/env bash
# Renders Keyhouse's environment file for a host install (read by systemd: EnvironmentFile=/opt/keyhouse/.env) from
# variables the CI system's credential store binds into this script's environment. Never prints a value.
#
#   KEYHOUSE_RENDER_<NAME>=value ... deploy/render-env.sh [TARGET]
#
# Input: for every NAME in .env.example, the variable KEYHOUSE_RENDER_<NAME> (e.g. KEYHOUSE_RENDER_JWT_SECRET_KEY).
# The prefix keeps the CI agent's own environment (HTTP_PORT, LOG_LEVEL, ... of something else) out of the file and
# makes a misspelt binding an error instead of a silently missing setting:
#   - a required NAME (its comment in .env.example starts with "# REQUIRED") without a non-empty
#     KEYHOUSE_RENDER_<NAME> is refused, every one named;
#   - a KEYHOUSE_RENDER_<X> whose X is not in .env.example is refused, named;
#   - an empty KEYHOUSE_RENDER_<NAME> is left out (Keyhouse uses the default);
#   - a value with a line break is refused, named (no env-file syntax carries it safely).
# Output: TARGET (default $KEYHOUSE_ENV_FILE, else /opt/keyhouse/.env) is replaced whole, atomically: written with
# umask 077 to a temporary file in the same folder, checked against .env.example (only known names, every required
# one present), chmod 600, chown'd to $KEYHOUSE_SERVICE_USER (default keyhouse) when run as root, then renamed over
# TARGET. On any failure TARGET is left as it was and the temporary file is removed.
# Values are written in Keyhouse's env-file dialect (README, "The .env dialect"): bare when they hold only
# [A-Za-z0-9_./:@%+,=^!?*{}[]-] (keys, URLs), else single- or double-quoted, so systemd's EnvironmentFile=, a POSIX
# shell (set -a; . TARGET), python-dotenv, Compose and Keyhouse read the same value; a value no form holds is refused.
# Other settings: KEYHOUSE_ENV_EXAMPLE (default: the .env.example next to this script's folder).
# Exit status: 0 rendered, 78 (EX_CONFIG) refused input, 1 anything else.
{ set +x; } 2>/dev/null   # tracing would print values; it stays off whatever the caller set
set -euo pipefail
umask 077

prog=render-env.sh
fail() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
example=${KEYHOUSE_ENV_EXAMPLE:-$here/../.env.example}
target=${1:-${KEYHOUSE_ENV_FILE:-/opt/keyhouse/.env}}
service_user=${KEYHOUSE_SERVICE_USER:-keyhouse}
prefix=KEYHOUSE_RENDER_

[ -r "$example" ] || fail "cannot read $example (set KEYHOUSE_ENV_EXAMPLE)"

# Names in .env.example, in its order, and the required ones: a NAME= line whose comment block (the comment lines
# directly above it) has a line starting with "# REQUIRED".
names=()
required=()
block_required=0
while IFS= read -r line || [ -n "$line" ]; do
  if [[ $line =~ ^([A-Z][A-Z0-9_]*)= ]]; then
    names+=("${BASH_REMATCH[1]}")
    [ "$block_required" = 1 ] && required+=("${BASH_REMATCH[1]}")
    block_required=0
  elif [[ $line == '# REQUIRED'* ]]; then
    block_required=1
  elif [[ $line != '#'* ]]; then
    block_required=0
  fi
done < "$example"
[ ${#names[@]} -gt 0 ] || fail "$example lists no NAME= line"

known() { local n; for n in "${names[@]}"; do [ "$n" = "$1" ] && return 0; done; return 1; }

if [ "${1:-}" = "--list-required" ]; then
  printf '%s\n' "${required[@]}"
  exit 0
fi

# A value in the env-file dialect Keyhouse reads and writes (dev.keyhouse.config.EnvFileDialect), the lines a shell,
# systemd, python-dotenv and Compose read alike: bare; else '...' (no ', no \\, no ${, not ending in \); else "..."
# with \\ and \" as the only escapes (no $ or backtick). Status 1 when no form holds the value.
bare='^[]A-Za-z0-9_./:@%+,=^!?*{}[-]*$'
quote() {
  local v=$1
  [[ ${v//$'\t'/} =~ [[:cntrl:]] ]] && return 1
  if [[ $v =~ $bare ]]; then
    printf '%s' "$v"
  elif [[ $v != *"'"* && $v != *'\\'* && $v != *'\' && $v != *'${'* ]]; then
    printf "'%s'" "$v"
  elif [[ $v != *'$'* && $v != *'`'* && $v != *'\' ]]; then
    v=${v//\\/\\\\}; v=${v//\"/\\\"}
    printf '"%s"' "$v"
  else
    return 1
  fi
}

# Refuse unknown inputs and missing required ones, naming every one (names only, never values).
problems=()
while IFS= read -r input; do
  name=${input#"$prefix"}
  known "$name" || problems+=("unknown variable $input: $name is not in .env.example")
done < <(compgen -e | grep "^$prefix" || true)
for name in "${required[@]}"; do
  input=$prefix$name
  if [ -z "${!input:-}" ]; then
    hint=""
    [ -n "${!name:-}" ] && hint=" ($name is set, but only ${prefix}* variables are read)"
    problems+=("missing required variable $input$hint")
  fi
done
for name in "${names[@]}"; do
  input=$prefix$name
  case "${!input:-}" in
    *$'\n'*|*$'\r'*) problems+=("$input holds a line break, which an environment file cannot carry") ;;
    *) quote "${!input:-}" >/dev/null || problems+=("$input holds ' or \\\\ together with \$ or a backtick, or \${, a trailing backslash or a control character: no env-file quoting reads it back the same in a shell, systemd and python-dotenv") ;;
  esac
done
if [ ${#problems[@]} -gt 0 ]; then
  printf '%s: refused, nothing written:\n' "$prog" >&2
  printf '  %s\n' "${problems[@]}" >&2
  exit 78
fi

dir=$(dirname "$target")
[ -d "$dir" ] || fail "folder $dir does not exist"
tmp=$(mktemp "$dir/.env.render.XXXXXX") || fail "cannot create a temporary file in $dir"
trap 'rm -f "$tmp"' EXIT

{
  printf '# Rendered by deploy/render-env.sh on %s. Do not edit: the next deploy replaces it.\n' "$(date -u +%FT%TZ)"
  for name in "${names[@]}"; do
    input=$prefix$name
    value=${!input:-}
    [ -n "$value" ] || continue
    printf '%s=%s\n' "$name" "$(quote "$value")"
  done
} > "$tmp"

# The output against the contract: only names of .env.example, every required one present.
written=$(sed -n 's/^\([A-Z][A-Z0-9_]*\)=.*/\1/p' "$tmp")
while IFS= read -r name; do
  [ -z "$name" ] || known "$name" || fail "internal error: rendered $name, which is not in .env.example"
done <<< "$written"
for name in "${required[@]}"; do
  grep -qx "$name" <<< "$written" || fail "internal error: rendered file lacks $name"
done

chmod 600 "$tmp"
if [ "$(id -u)" = 0 ]; then
  id -u "$service_user" >/dev/null 2>&1 || fail "service user $service_user does not exist (set KEYHOUSE_SERVICE_USER)"
  chown "$service_user:" "$tmp" || fail "cannot chown to $service_user"
fi
sync "$tmp" 2>/dev/null || true
mv -f "$tmp" "$target" || fail "cannot move the rendered file to $target"
trap - EXIT
printf '%s: wrote %s (%d variables, mode 600)\n' "$prog" "$target" "$(grep -c '^[A-Z]' "$target")"
