#!/bin/sh
# Start the notes service with configuration from the environment (see .env.example).
set -eu
: "${PORT:=8080}"
: "${BIND:=0.0.0.0}"
: "${DATA_DIR:=./data}"
export PORT BIND DATA_DIR
exec demo-service
