FROM alpine:3.20
RUN <<EOF
set -e
echo hi > /greeting
EOF
RUN --mount=type=cache,target=/var/cache/apk apk add jq
