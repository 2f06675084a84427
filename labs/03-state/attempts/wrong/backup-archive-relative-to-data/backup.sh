#!/bin/sh
# Archive the notes: DATA_DIR=/var/lib/notes ./backup.sh backups/notes.tar.gz
set -eu
archive="${1:?usage: backup.sh <archive.tar.gz>}"
: "${DATA_DIR:?DATA_DIR must name the data directory}"

cd "$DATA_DIR"
tar -czf "$archive.partial" --exclude='.*.tmp' --exclude='.healthz' .
mv "$archive.partial" "$archive"
