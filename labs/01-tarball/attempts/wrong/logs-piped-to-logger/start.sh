#!/bin/sh
# Start the notes service, logs go to syslog like everything else on our boxes.
: "${PORT:=8080}"
: "${BIND:=0.0.0.0}"
: "${DATA_DIR:=./data}"
: "${API_TOKEN:=}"
export PORT BIND DATA_DIR API_TOKEN

demo-service 2>&1 | logger -t notes
