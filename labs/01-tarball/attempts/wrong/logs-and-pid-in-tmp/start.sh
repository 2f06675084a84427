#!/bin/sh
set -eu
: "${PORT:=8080}"
: "${BIND:=0.0.0.0}"
: "${DATA_DIR:=./data}"
: "${API_TOKEN:=}"
export PORT BIND DATA_DIR API_TOKEN

# keep a pid file and a log file so ops can find the process and its output
echo $$ > /tmp/notes.pid
exec demo-service >> /tmp/notes.log 2>&1
