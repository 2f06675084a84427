#!/bin/sh
# Start the notes service from wherever the tarball was unpacked.
set -eu
cd "$(dirname "$0")"

# The listen address stays in settings.json (parsed with sed, no jq needed);
# PORT can be overridden by the platform.
LISTEN=$(sed -n 's/.*"listen": *"\([^"]*\)".*/\1/p' settings.json)
BIND=${LISTEN%:*}
: "${PORT:=${LISTEN#*:}}"
: "${DATA_DIR:=./data}"
: "${API_TOKEN:=}"
export PORT BIND DATA_DIR API_TOKEN
exec demo-service
