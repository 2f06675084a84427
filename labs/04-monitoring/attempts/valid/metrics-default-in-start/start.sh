#!/bin/sh
# Start the notes service; every setting can be overridden from the environment.
set -eu
: "${PORT:=8080}" "${BIND:=0.0.0.0}" "${DATA_DIR:=./data}" "${METRICS:=on}"
export PORT BIND DATA_DIR METRICS
exec demo-service
