#!/bin/sh
# Runs the notes service in the foreground and passes stop signals on to it.
: "${PORT:=8080}" "${BIND:=0.0.0.0}" "${DATA_DIR:=./data}" "${API_TOKEN:=}"
export PORT BIND DATA_DIR API_TOKEN

mkdir -p "$DATA_DIR"
echo "starting notes on $BIND:$PORT, data in $DATA_DIR"

demo-service &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
wait "$child"
# wait returns early when a trapped signal arrives; wait again for the real exit
wait "$child"
