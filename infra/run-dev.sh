#!/usr/bin/env bash
# Serves the web app with one worker beside it (and the development mail sink), prints
# where to go and how to sign in, and stops everything on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${1:-8000}"
export BASE_URL="${BASE_URL:-http://127.0.0.1:$PORT}"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

if [ -f infra/smtp_sink.py ]; then
  uv run python infra/smtp_sink.py & pids+=($!)
fi
uv run coinet worker & pids+=($!)
uv run coinet serve --port "$PORT" & pids+=($!)

for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$PORT/health/live" >/dev/null 2>&1 && break
  sleep 0.5
done
echo
echo "COI network is running at $BASE_URL"
uv run coinet demo load | tail -n +2
echo "Press Ctrl-C to stop."
wait
