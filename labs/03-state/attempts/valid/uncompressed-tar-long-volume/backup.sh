#!/bin/bash
# backup.sh ARCHIVE -- writes a tar of $DATA_DIR (uncompressed, notes are tiny)
set -euo pipefail
out=${1:?give the archive file}
src=${DATA_DIR:?set DATA_DIR}

tmp="$(dirname -- "$out")/.$(basename -- "$out").tmp$$"
trap 'rm -f -- "$tmp"' EXIT
tar --create --file="$tmp" --directory="$src" --numeric-owner .
mv -f -- "$tmp" "$out"
trap - EXIT
