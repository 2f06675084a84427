#!/bin/sh
# Restore: the archive carries the absolute path, so it goes straight back to where it came from.
set -eu
rm -rf "${DATA_DIR:?DATA_DIR must be set}"
tar -xzPf "$1"
