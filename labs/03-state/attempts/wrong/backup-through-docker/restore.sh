#!/bin/sh
# Stream an archive back into the container's volume.
set -eu
docker compose run --rm -T app sh -c 'rm -rf /var/lib/notes/* && tar -xzf - -C /var/lib/notes' < "$1"
