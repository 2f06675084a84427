#!/bin/bash
# Restore the notes (service stopped): DATA_DIR=<data dir> ./restore.sh <archive>
set -euo pipefail
in=${1:?archive path required}
dst=${DATA_DIR:?set DATA_DIR}
mkdir -p "$dst"
# wipe the old content (dotfiles too), then unpack
find "$dst" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
tar --extract --gzip --file "$in" --directory "$dst"
