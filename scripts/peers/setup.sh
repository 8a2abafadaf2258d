#!/usr/bin/env bash
# Installs every real peer the tests need. Idempotent and quick when done
# before. Each peer has its own script beside this one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

# Debian packages used by the tests and the smoke script.
need=()
command -v tmux >/dev/null || need+=(tmux)
if [ ${#need[@]} -gt 0 ]; then
  echo "peers: installing ${need[*]} from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

for s in "$here"/*.sh; do
  [ "$(basename "$s")" = setup.sh ] && continue
  echo "peers: $(basename "$s")"
  bash "$s"
done
