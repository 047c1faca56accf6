#!/usr/bin/env bash
# Installs what Parley needs that is missing on this machine: Node packages (npm ci when
# node_modules is absent or older than the lockfile) and, with --test, the Debian tools and
# services the test suite talks to. Safe to run again; does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_updated=0
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if [ $apt_updated -eq 0 ]; then $sudo apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

need_node_major=20
if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt "$need_node_major" ]; then
  echo "Parley needs Node.js >= $need_node_major: installing Debian's nodejs" >&2
  apt_install nodejs npm 2>/dev/null || { echo "install Node.js $need_node_major or newer first" >&2; exit 1; }
fi


if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # better-sqlite3 builds from source: no prebuilt binary is downloaded.
  npm_config_build_from_source=true npm ci --no-audit --no-fund
fi

if [ "${1:-}" = "--test" ]; then
  apt_install sip-tester tshark sox espeak-ng postgresql redis-server openssl baresip-core pocketsphinx pocketsphinx-en-us chromium
  # PostgreSQL and Redis: use the running ones, or start the Debian-installed ones.
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    ver=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
    if [ -n "$ver" ]; then pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true; fi
    for _ in $(seq 1 50); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.2; done
  fi
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
  fi
  # Trust auth for the test user on loopback, as the suite connects as postgres without a password.
  if ! psql "postgres://postgres@127.0.0.1:5432/postgres" -Atc 'select 1' >/dev/null 2>&1; then
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf 2>/dev/null | tail -1)
    if [ -n "$hba" ]; then
      sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
      ver=$(ls /etc/postgresql | sort -n | tail -1); pg_ctlcluster --skip-systemctl-redirect "$ver" main reload || true
    fi
  fi
fi
