#!/bin/sh
set -e
# Settings: see .env.example. The service runs inside its data directory so a
# stray relative path can only ever land there.
PORT="${PORT-8080}"
BIND="${BIND-0.0.0.0}"
DATA_DIR="${DATA_DIR-./data}"

umask 027
mkdir -p -- "$DATA_DIR"
cd -- "$DATA_DIR"
DATA_DIR=$(pwd)

export PORT BIND DATA_DIR API_TOKEN
exec demo-service
