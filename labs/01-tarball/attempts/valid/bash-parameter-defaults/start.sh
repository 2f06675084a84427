#!/usr/bin/env bash
# notes service launcher - config via env vars, see .env.example
set -euo pipefail

export PORT="${PORT:-8080}"
export BIND="${BIND:-0.0.0.0}"
export DATA_DIR="${DATA_DIR:-./data}"
export API_TOKEN="${API_TOKEN:-}"

exec demo-service "$@"
