#!/bin/sh
# Put a backup made by backup.sh back into the data directory.
#   docker compose stop app
#   DATA_DIR=/var/lib/notes ./restore.sh /backups/notes-2024-06-01.tar.gz
#   docker compose start app
set -eu

archive="${1:?usage: restore.sh <archive.tar.gz>}"
: "${DATA_DIR:?DATA_DIR must name the data directory}"
[ -s "$archive" ] || { echo "restore.sh: $archive is missing or empty" >&2; exit 1; }

# Refuse a damaged archive before touching the current data.
tar -tzf "$archive" >/dev/null

mkdir -p "$DATA_DIR"
find "$DATA_DIR" -mindepth 1 -delete
tar -xzf "$archive" -C "$DATA_DIR"
echo "restore.sh: restored $archive into $DATA_DIR" >&2
