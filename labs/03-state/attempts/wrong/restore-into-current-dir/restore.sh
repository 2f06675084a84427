#!/bin/sh
# Put a backup back. Run it from the data directory, with the service stopped:
#   docker compose stop app
#   cd /var/lib/notes && /opt/notes/restore.sh /backups/notes.tar.gz
#   docker compose start app
set -eu
archive="${1:?usage: restore.sh <archive.tar.gz>}"
tar -tzf "$archive" >/dev/null
find . -mindepth 1 -delete
tar -xzf "$archive"
