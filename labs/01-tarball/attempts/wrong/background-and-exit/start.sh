#!/bin/sh
# Start the notes service in the background so the terminal is free again.
: "${PORT:=8080}"
: "${BIND:=0.0.0.0}"
: "${DATA_DIR:=./data}"
: "${API_TOKEN:=}"
export PORT BIND DATA_DIR API_TOKEN

nohup demo-service >/dev/null 2>&1 &
echo "notes service started (pid $!) on port $PORT"
