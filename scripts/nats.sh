#!/usr/bin/env bash
# A throwaway NATS server with JetStream for development and tests (Debian nats-server 2.9).
#   scripts/nats.sh start [PORT] [STORE_DIR]   start in the background (default 14222, /tmp/p8fs-nats-PORT)
#   scripts/nats.sh stop  [PORT]               stop it (the store stays; `wipe` removes it)
#   scripts/nats.sh wipe  [PORT] [STORE_DIR]   stop and delete the store
#   scripts/nats.sh status [PORT]
# Then: P8FS_QUEUE_PROVIDER=nats P8FS_NATS_URL=nats://127.0.0.1:PORT p8fs router / p8fs worker --tier small
set -euo pipefail
cmd=${1:-start}; port=${2:-14222}; store=${3:-/tmp/p8fs-nats-${port}}
pidfile="/tmp/p8fs-nats-${port}.pid"
command -v nats-server >/dev/null || { echo "nats-server missing: sudo bash scripts/setup-system.sh" >&2; exit 1; }

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case "$cmd" in
  start)
    if running; then echo "nats-server already running on ${port} (pid $(cat "$pidfile"))"; exit 0; fi
    mkdir -p "$store"
    nohup nats-server -a 127.0.0.1 -p "$port" -js -sd "$store" >"${store}.log" 2>&1 &
    echo $! >"$pidfile"
    for _ in $(seq 1 100); do
      (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null && { echo "nats://127.0.0.1:${port} (store ${store}, log ${store}.log)"; exit 0; }
      sleep 0.1
    done
    echo "nats-server did not start; see ${store}.log" >&2; exit 1 ;;
  stop|wipe)
    if running; then
      pid=$(cat "$pidfile"); kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pidfile"
    [ "$cmd" = wipe ] && rm -rf "$store" "${store}.log"
    echo "stopped" ;;
  status)
    if running; then echo "running (pid $(cat "$pidfile"))"; else echo "not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|wipe|status [PORT] [STORE_DIR]" >&2; exit 2 ;;
esac
