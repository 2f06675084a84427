#!/bin/sh
# usage: DATA_DIR=/srv/notes ./restore.sh backups/notes.tgz   (service stopped!)
set -e
[ $# -eq 1 ] || { echo "usage: $0 ARCHIVE" >&2; exit 2; }
[ -n "$DATA_DIR" ] || { echo "DATA_DIR is not set" >&2; exit 2; }

case $1 in
  /*) archive=$1 ;;
  *)  archive=$(pwd)/$1 ;;
esac
gzip -t "$archive"

mkdir -p "$DATA_DIR"
cd "$DATA_DIR"
# everything, dot files included (but never . and ..)
rm -rf ./* ./.[!.]* ./..?*
tar xzf "$archive"
