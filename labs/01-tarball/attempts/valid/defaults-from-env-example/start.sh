#!/bin/sh
# Notes service launcher.
# Defaults live in .env.example next to this script; anything already set in the
# environment wins. Logs go to stdout/stderr.
set -eu

here=$(dirname -- "$0")

while IFS= read -r line || [ -n "$line" ]; do
    line=$(printf '%s' "$line" | tr -d '\r')
    case $line in
        ''|'#'*) continue ;;
    esac
    name=${line%%=*}
    value=${line#*=}
    # only set what the environment did not give us
    eval "current=\${$name+set}"
    if [ -z "$current" ]; then
        eval "$name=\$value"
        export "$name"
    fi
done < "$here/.env.example"

exec demo-service
