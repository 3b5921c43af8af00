#!/bin/sh
# The production web process, as the Docker image and the production start-up test run it:
# refuse to start on a configuration `check --deploy` warns about, then become uvicorn.
# uvicorn reads its own variables: UVICORN_HOST (here 0.0.0.0 unless set), UVICORN_PORT
# (8000), WEB_CONCURRENCY (worker processes, 2) and FORWARDED_ALLOW_IPS (the proxies whose
# X-Forwarded-For and X-Forwarded-Proto it believes; 127.0.0.1, never "*").
set -eu
cd "$(dirname "$0")/.."
python manage.py check --deploy --fail-level WARNING
exec uvicorn config.asgi:application \
  --host "${UVICORN_HOST:-0.0.0.0}" \
  --port "${UVICORN_PORT:-8000}" \
  --workers "${WEB_CONCURRENCY:-2}" \
  --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
  --proxy-headers
