#!/bin/bash
# restore.sh ARCHIVE -- replace the content of $DATA_DIR with ARCHIVE.
# Stop the service first (docker compose stop app), start it again afterwards.
set -euo pipefail
in=${1:?give the archive file}
dst=${DATA_DIR:?set DATA_DIR}

tar --list --file="$in" > /dev/null   # unreadable archive: stop before deleting anything
mkdir -p -- "$dst"
find "$dst" -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +
tar --extract --file="$in" --directory="$dst"
