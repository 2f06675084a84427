#!/bin/sh
# Start the notes service; settings come from the environment (.env.example).
set -eu
: "${PORT:=8080}"
: "${BIND:=0.0.0.0}"
: "${API_TOKEN:=}"
# our servers keep app data under /srv
DATA_DIR="${NOTES_DATA_DIR:-/srv/notes}"
export PORT BIND DATA_DIR API_TOKEN
exec demo-service
