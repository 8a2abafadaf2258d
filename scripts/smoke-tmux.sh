#!/usr/bin/env bash
# Smoke test as a user would see it: start `opsconsole --demo` in tmux at
# 80x24 (and 200x60 without colour), open every pane through command mode,
# check each one drew, then quit with :q and check the process ended cleanly.
set -euo pipefail
bin="${1:-bin/opsconsole}"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
state="$(mktemp -d)"
sock="opsconsole-smoke-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$state"' EXIT

fail() { echo "smoke: FAIL: $*"; echo "----- screen -----"; tmux -L "$sock" capture-pane -p -t smoke || true; exit 1; }

# wait_for TEXT: poll the screen until TEXT shows (10 s).
wait_for() {
  for _ in $(seq 1 100); do
    if tmux -L "$sock" capture-pane -p -t smoke | grep -qF -- "$1"; then return 0; fi
    sleep 0.1
  done
  fail "did not see \"$1\""
}

run() {
  local cols=$1 rows=$2 envs=$3
  tmux -L "$sock" kill-server 2>/dev/null || true
  tmux -L "$sock" new-session -d -s smoke -x "$cols" -y "$rows" \
    "env $envs XDG_STATE_HOME=$state XDG_CONFIG_HOME=$state $bin --demo; echo \"exit=\$?\"; sleep 30"
  wait_for "demo-staging"
  # command : text that proves the pane drew
  for p in "streams:app-logs" "shards app-logs:shardId-000000000001" "records app-logs:payment-gateway" "nodes:default-0" "indices:functionbeat" \
           "es-shards:functionbeat" "ilm:functionbeat" "coredns:coredns" "runbooks:kinesis-consumer-lag" \
           "audit:audit" "ctx:demo-prod"; do
    cmd="${p%%:*}"; text="${p#*:}"
    tmux -L "$sock" send-keys -t smoke Escape
    tmux -L "$sock" send-keys -t smoke -l ":$cmd"
    tmux -L "$sock" send-keys -t smoke Enter
    wait_for "$text"
  done
  tmux -L "$sock" send-keys -t smoke Escape
  tmux -L "$sock" send-keys -t smoke -l ":q"
  tmux -L "$sock" send-keys -t smoke Enter
  wait_for "exit=0"
  echo "smoke: ${cols}x${rows} ${envs:-colour} ok"
}

run 80 24 ""
run 200 60 "NO_COLOR=1"
