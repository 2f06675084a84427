#!/usr/bin/env bash
# Start the notes service; every setting comes from the environment (.env.example).
set -euo pipefail
export PORT="${PORT:-8080}" BIND="${BIND:-0.0.0.0}" DATA_DIR="${DATA_DIR:-./data}"
[[ -n "${METRICS:-}" ]] && export METRICS
exec demo-service
