#!/bin/sh
# Start the notes service. Keeps a log and a pid file next to where you run it.
set -eu
: "${PORT:=8080}"
: "${BIND:=0.0.0.0}"
: "${DATA_DIR:=./data}"
: "${API_TOKEN:=}"
export PORT BIND DATA_DIR API_TOKEN

echo $$ > notes.pid
exec demo-service >> notes.log 2>&1
