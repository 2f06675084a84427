#!/bin/sh
# Archive the notes data directory (full path kept, so restore knows where it goes).
set -eu
: "${DATA_DIR:?DATA_DIR must be set}"
tar -czPf "$1" "$DATA_DIR"
