#!/bin/bash
# Nightly backup, runs from my crontab:
#   0 3 * * * /home/dave/notes/backup.sh
docker cp notes_app_1:/var/lib/notes /home/dave/notes-backups/notes-$(date +%F)
