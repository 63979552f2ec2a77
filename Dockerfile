# Latch in production: `docker compose up -d` (see README, "Run it in production").
# The token is never part of the image: it comes from .env at run time.

ARG PYTHON_IMAGE=python:3.11-slim

# --- builder: the locked dependencies and Latch itself, in a virtual environment ---------------------
FROM ${PYTHON_IMAGE} AS builder

# The same uv release as the Makefile pins, so the image resolves exactly what `make` does.
ARG UV_VERSION=0.13.8
ENV UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN pip install --no-cache-dir "uv==${UV_VERSION}"

WORKDIR /app
# Dependencies first, in their own layer: it is rebuilt only when the lock file changes.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY bot ./bot
COPY cogs ./cogs
COPY content ./content
RUN uv sync --frozen --no-dev

# --- runtime: slim Python, the virtual environment, a non-root user ----------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite:////data/latch.sqlite3 \
    HEALTH_HOST=0.0.0.0 \
    HEALTH_PORT=8080 \
    LOG_FORMAT=json

RUN groupadd --system --gid 10001 latch \
    && useradd --system --uid 10001 --gid latch --no-create-home --home-dir /app --shell /usr/sbin/nologin latch \
    && mkdir -p /data \
    && chown latch:latch /data

WORKDIR /app
# Owned by root and read-only for the bot: only /data is writable.
COPY --from=builder /app /app

USER latch
VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot", "health"]

CMD ["python", "-m", "bot", "run"]
