#!/bin/sh
# Stream the volume out of the running container (no path on the host needed).
set -eu
docker compose exec -T app tar -czf - -C /var/lib/notes . > "$1"
