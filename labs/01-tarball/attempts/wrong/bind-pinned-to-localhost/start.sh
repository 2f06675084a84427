#!/bin/sh
# Start the notes service.
set -eu
: "${PORT:=8080}"
: "${DATA_DIR:=./data}"
: "${API_TOKEN:=}"
# only listen locally, the reverse proxy on this box forwards to us
BIND=127.0.0.1
export PORT BIND DATA_DIR API_TOKEN
exec demo-service
