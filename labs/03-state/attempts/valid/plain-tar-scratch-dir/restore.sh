#!/bin/sh
# Unpacks $1 into a scratch directory first; only a complete unpack replaces $DATA_DIR.
set -eu
archive=$1
case $archive in /*) ;; *) archive=$PWD/$archive ;; esac
parent=$(dirname "$DATA_DIR")
mkdir -p "$parent"
scratch=$(mktemp -d "$parent/.restore.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && tar -xf "$archive")
rm -rf "$DATA_DIR"
mv "$scratch" "$DATA_DIR"
trap - EXIT
