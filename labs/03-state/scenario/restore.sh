#!/bin/bash
# TODO test this some day
docker cp /home/dave/notes-backups/latest/. notes_app_1:/var/lib/notes
