#!/bin/sh
# usage: DATA_DIR=/var/lib/notes ./restore.sh notes.tar.gz   (service stopped)
set -e
[ -f "$1" ] || { echo "no such archive: $1" >&2; exit 2; }
[ -n "$DATA_DIR" ] || { echo "DATA_DIR is not set" >&2; exit 2; }
gzip -t "$1"
rm -rf "$DATA_DIR"
mkdir -p "$DATA_DIR"
gzip -dc "$1" | (cd "$DATA_DIR" && tar -xf -)
