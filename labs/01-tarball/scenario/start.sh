#!/bin/bash
# Starts the notes service. Works on my machine!  -- Dave
set -e

cd /home/dave/src/notes

# the token lives in my home dir, ask me if you need one
export API_TOKEN=$(cat ~/.config/notes/token)
export DATA_DIR=/home/dave/notes-data

# settings.json has the listen address
LISTEN=$(jq -r .listen settings.json)
export BIND=${LISTEN%:*}
export PORT=${LISTEN#*:}

echo $$ > notes.pid
exec ./target/release/demo-service >> ~/notes.log 2>&1
