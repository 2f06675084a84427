#!/usr/bin/env bash
# Start the notes service. Settings come from the environment (see .env.example).
set -u

PORT=${PORT:-8080}
BIND=${BIND:-0.0.0.0}
DATA_DIR=${DATA_DIR:-./data}
API_TOKEN=${API_TOKEN:-}
export PORT BIND DATA_DIR API_TOKEN

mkdir -p "$DATA_DIR"

# Leave a pid file for the ops scripts when we may; on a locked-down box just carry on.
echo $$ > /var/run/notes.pid 2>/dev/null || true

exec demo-service
