#!/bin/bash
# Back up the notes: DATA_DIR=<data dir> ./backup.sh <archive>
set -euo pipefail
out=${1:?archive path required}
src=${DATA_DIR:?set DATA_DIR}
tmp=$(mktemp "${out}.XXXXXX")
tar --create --gzip --file "$tmp" --directory "$src" .
mv "$tmp" "$out"
