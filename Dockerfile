FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 AIWATCH_VAR_DIR=/data
WORKDIR /app

COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .

COPY . .
RUN mkdir -p /data && DEBUG=True python manage.py collectstatic --noinput --verbosity 0

EXPOSE 8000
CMD ["gunicorn", "aiwatch.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
