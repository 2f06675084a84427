#!/bin/sh
# Start the notes service.
set -eu

# Listen address still comes from settings.json (no jq needed any more).
LISTEN=$(sed -n 's/.*"listen": *"\([^"]*\)".*/\1/p' settings.json)
BIND=${LISTEN%:*}
: "${PORT:=${LISTEN#*:}}"
: "${DATA_DIR:=./data}"
: "${API_TOKEN:=}"
export PORT BIND DATA_DIR API_TOKEN

exec demo-service
