#!/bin/sh
set -e
PORT=${PORT:-8080}
BIND=${BIND:-0.0.0.0}
DATA_DIR=${DATA_DIR:-./data}
API_TOKEN=${API_TOKEN:-}
export PORT BIND DATA_DIR API_TOKEN

# remember the pid for stop scripts
echo $$ > notes.pid
exec demo-service
