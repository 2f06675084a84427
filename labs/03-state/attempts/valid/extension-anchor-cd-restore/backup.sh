#!/bin/sh
# usage: DATA_DIR=/srv/notes ./backup.sh backups/notes.tgz
set -e
[ $# -eq 1 ] || { echo "usage: $0 ARCHIVE" >&2; exit 2; }
[ -n "$DATA_DIR" ] || { echo "DATA_DIR is not set" >&2; exit 2; }

case $1 in
  /*) archive=$1 ;;
  *)  archive=$(pwd)/$1 ;;
esac

cd "$DATA_DIR"
tar czf "$archive.new" .
mv "$archive.new" "$archive"
