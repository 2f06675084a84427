#!/usr/bin/env sh
# start the notes service with settings from the environment (see .env.example)

if [ -z "${PORT:-}" ]; then
  PORT=8080
fi
if [ -z "${BIND:-}" ]; then
  BIND=0.0.0.0
fi
# no silent default for the data: refuse to start without it
: "${DATA_DIR:?DATA_DIR is not set, see .env.example}"
export PORT BIND DATA_DIR
[ -n "${API_TOKEN:-}" ] && export API_TOKEN

echo "notes: listening on $BIND:$PORT, data in $DATA_DIR" >&2
exec demo-service
