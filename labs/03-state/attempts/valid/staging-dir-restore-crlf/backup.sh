#!/bin/sh
# Back up the notes: DATA_DIR=... ./backup.sh FILE.tar.gz
# Copies the data to a staging directory first so the archive is made from a
# still picture, then packs the staging copy.
set -eu
: "${DATA_DIR:?}"
target=${1:?archive file}
stage=$(mktemp -d "${TMPDIR:-/tmp}/notes-backup.XXXXXX")
trap 'rm -rf "$stage"' EXIT INT TERM
cp -Rp "$DATA_DIR"/. "$stage"/
tar -C "$stage" -cf - . | gzip > "$target.part"
mv "$target.part" "$target"
