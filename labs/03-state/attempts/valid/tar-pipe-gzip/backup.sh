#!/bin/sh
# usage: DATA_DIR=/var/lib/notes ./backup.sh notes.tar.gz
set -e
[ -n "$1" ] || { echo "usage: $0 ARCHIVE" >&2; exit 2; }
[ -n "$DATA_DIR" ] || { echo "DATA_DIR is not set" >&2; exit 2; }
tmp="$1.tmp.$$"
trap 'rm -f "$tmp"' EXIT
( cd "$DATA_DIR" && tar -cf - . ) | gzip -c > "$tmp"
mv -f "$tmp" "$1"
trap - EXIT
