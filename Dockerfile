FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/* && pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --compile-bytecode
COPY . .
ENV PATH="/app/.venv/bin:$PATH" DJANGO_SETTINGS_MODULE=orglife.settings
RUN DEBUG=true python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin orglife \
    && mkdir -p /app/var/media /app/var/celery && chown -R orglife:orglife /app/var
# Not root: a compromised worker process cannot rewrite the code or the image (issue 11, point 10).
USER orglife
CMD ["gunicorn", "orglife.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
