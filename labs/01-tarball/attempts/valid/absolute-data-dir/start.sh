#!/bin/sh
set -eu
# Defaults for a server install; every one can be overridden from the environment.
PORT=${PORT:-8080}
BIND=${BIND:-0.0.0.0}
DATA_DIR=${DATA_DIR:-/var/lib/notes}
API_TOKEN=${API_TOKEN:-}
export PORT BIND DATA_DIR API_TOKEN
exec demo-service
