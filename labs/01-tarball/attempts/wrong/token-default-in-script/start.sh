#!/bin/sh
# Start the notes service. All configuration comes from the environment.
set -eu

: "${PORT:=8080}"
: "${BIND:=0.0.0.0}"
: "${DATA_DIR:=./data}"
# default token so it works out of the box, override in production
: "${API_TOKEN:=nts_7Gq2LmX9vR4kPz8WcT1bYd6H}"
export PORT BIND DATA_DIR API_TOKEN

exec demo-service
