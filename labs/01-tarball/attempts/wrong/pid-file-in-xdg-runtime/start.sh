#!/bin/sh
# Start the notes service; writes a pid file so `kill $(cat ...)` works.
set -eu
: "${PORT:=8080}"
: "${BIND:=0.0.0.0}"
: "${DATA_DIR:=./data}"
: "${API_TOKEN:=}"
export PORT BIND DATA_DIR API_TOKEN

run=${XDG_RUNTIME_DIR:-${TMPDIR:-/tmp}}
echo $$ > "$run/notes.pid"
exec demo-service
