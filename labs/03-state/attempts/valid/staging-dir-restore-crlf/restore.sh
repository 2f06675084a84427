#!/bin/sh
# Restore the notes (service stopped): DATA_DIR=... ./restore.sh FILE.tar.gz
# Unpacks into a staging directory first; only a complete unpack replaces the data.
set -eu
: "${DATA_DIR:?}"
source=${1:?archive file}
stage=$(mktemp -d "${TMPDIR:-/tmp}/notes-restore.XXXXXX")
trap 'rm -rf "$stage"' EXIT INT TERM
gzip -dc "$source" | tar -C "$stage" -xf -
mkdir -p "$DATA_DIR"
find "$DATA_DIR" -mindepth 1 -maxdepth 1 -exec rm -rf {} \;
cp -Rp "$stage"/. "$DATA_DIR"/
