# codev in a container: the built wheel, run as a non-root user. See README, "Running in production".
#   docker build -t codev .
#   docker run --env-file .env -p 3000:3000 -v codev-data:/data codev
# One container on SQLite keeps its database in the /data volume; several replicas need PostgreSQL
# (DATABASE_URL=postgresql+psycopg://…): compose.yaml is an example with two replicas behind a TLS proxy.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
# The codev wheel and a wheel of every dependency: the final image installs from these, with no network.
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=3000 \
    DATABASE_URL=sqlite:////data/codev.db
RUN useradd --create-home --uid 10001 --user-group codev \
    && mkdir /data \
    && chown 10001:10001 /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels /wheels/codev-*.whl \
    && rm -rf /wheels
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 3000
# Liveness only (the process serves HTTP); a load balancer asks /readyz before sending Slack's requests.
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ['PORT'], timeout=2)"]
# Migrations run at start (one process at a time on PostgreSQL); `codev db upgrade` runs them alone.
CMD ["codev", "run", "--http", "--host", "0.0.0.0"]
