#!/bin/sh
# Archive the notes service's data directory into one file.
#   DATA_DIR=/var/lib/notes ./backup.sh /backups/notes-2024-06-01.tar.gz
# Safe while the service runs: it writes each note to a temporary file and renames it,
# so the archive only ever holds whole notes.
set -eu

archive="${1:?usage: backup.sh <archive.tar.gz>}"
: "${DATA_DIR:?DATA_DIR must name the data directory}"
[ -d "$DATA_DIR" ] || { echo "backup.sh: $DATA_DIR does not exist" >&2; exit 1; }

# Write next to the target and rename at the end: a half-written file never looks
# like a finished backup.
# Dot files are in-flight writes (.<key>.tmp) and the health probe's scratch file.
partial="$archive.partial"
tar -czf "$partial" --exclude='.*.tmp' --exclude='.healthz' -C "$DATA_DIR" .
mv "$partial" "$archive"
echo "backup.sh: wrote $archive" >&2
