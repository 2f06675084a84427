#!/bin/sh
# Start the notes service. All configuration comes from the environment;
# .env.example lists every variable with its default and what it is for.
set -eu

: "${PORT:=8080}"
: "${BIND:=0.0.0.0}"
: "${DATA_DIR:=./data}"
: "${API_TOKEN:=}"
export PORT BIND DATA_DIR API_TOKEN

# Logs go to stdout/stderr: the supervisor (systemd, the container runtime) keeps them.
exec demo-service
