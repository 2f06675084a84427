#!/bin/sh
# Put a backup made by backup.sh back into the data directory.
#   DATA_DIR=/var/lib/notes ./restore.sh /backups/notes-2024-06-01.tar.gz
set -eu
archive="${1:?usage: restore.sh <archive.tar.gz>}"
: "${DATA_DIR:?DATA_DIR must name the data directory}"
mkdir -p "$DATA_DIR"
# tar overwrites files that already exist, so this is safe to run on top of the current data
tar -xzf "$archive" -C "$DATA_DIR"
