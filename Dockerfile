# checklist-bot as a container: `checklist-bot serve` under gunicorn, as a non-root user.
#   docker build -t checklist-bot .
#   docker build --build-arg BASE=my-registry/python:3.11-slim -t checklist-bot .   (any Debian-like image with python3)
# Migrations are not run by the serving containers: run `checklist-bot db upgrade` once per deploy (compose.yml's
# `migrate` service does) and keep DB_UPGRADE_ON_START=false here.
ARG BASE=python:3.11-slim-bookworm

FROM ${BASE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
# Exact versions with hashes first (a layer that changes only with the lock file), then the app without dependencies.
COPY requirements.lock /src/requirements.lock
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --require-hashes -r /src/requirements.lock
COPY pyproject.toml README.md LICENSE /src/
COPY bot /src/bot
COPY storage /src/storage
RUN /opt/venv/bin/pip install --no-deps /src

FROM ${BASE}
RUN useradd --system --uid 10001 --home-dir /app --create-home --shell /usr/sbin/nologin checklist
COPY --from=build /opt/venv /opt/venv
COPY LICENSE /app/LICENSE
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PORT=3000 \
    DB_UPGRADE_ON_START=false \
    LOG_FORMAT=json
WORKDIR /app
USER checklist
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
CMD ["checklist-bot", "serve"]
