#!/bin/sh
# Start script for the notes service.
# Reads nothing but the environment; defaults match .env.example.

exec env \
  PORT="${PORT:-8080}" \
  BIND="${BIND:-0.0.0.0}" \
  DATA_DIR="${DATA_DIR:-data}" \
  API_TOKEN="${API_TOKEN-}" \
  demo-service
