#!/bin/sh
# Writes an uncompressed tar of $DATA_DIR to $1 (the notes are small text files).
set -eu
target=$1
case $target in /*) ;; *) target=$PWD/$target ;; esac
cd "$DATA_DIR"
tar -cf "$target.new" .
mv "$target.new" "$target"
