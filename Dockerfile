# The production images. `app` (the default) runs the web server (its default command,
# gunicorn), the Celery worker and Celery beat; `proxy` is nginx in front of gunicorn, with
# the static files of the same build. docker-compose.yml shows how.
FROM python:3.11-slim AS app

# PYTHONPATH: import the apps from /app, where the templates, static files and policy data
# sit beside them, rather than from the copy `pip install .` puts in site-packages.
# VAR_DIR: everything the app writes at run time (uploaded files in media/, collected static
# files, the beat schedule); settings create its subfolders at import.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=supportdesk.settings \
    PYTHONPATH=/app \
    VAR_DIR=/app/var \
    DEBUG=false

RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --create-home --home-dir /home/app \
       --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so that a change to the source does not reinstall them. With only
# these two files present the project has no packages yet: this installs the pinned
# dependencies from pyproject.toml (no dev extras).
COPY pyproject.toml README.md ./
RUN pip install .

# Then the source, and the project itself.
COPY . .
RUN pip install --no-deps --force-reinstall . \
    && rm -rf build ./*.egg-info \
    && mkdir -p /app/var/media \
    && chown -R app:app /app/var

USER app

# Static files are collected into the image (/app/var/static): the proxy image serves a copy
# of them, and WhiteNoise serves them when gunicorn is reached without it.
# Settings need a SECRET_KEY to load; this dummy value exists only for this one step.
RUN SECRET_KEY=collectstatic-build-only DEBUG=false python manage.py collectstatic --noinput

EXPOSE 8000

# GUNICORN_WORKERS processes, each with GUNICORN_THREADS threads; access log on stdout, with
# the client's address as the rate limits count it (supportdesk/accesslog.py).
CMD ["sh", "-c", "exec gunicorn supportdesk.wsgi:application --bind 0.0.0.0:8000 --workers \"${GUNICORN_WORKERS:-3}\" --threads \"${GUNICORN_THREADS:-2}\" --timeout \"${GUNICORN_TIMEOUT:-30}\" --access-logfile - --error-logfile - --logger-class supportdesk.accesslog.AccessLogger"]

# The reverse proxy: Debian's nginx with deploy/nginx.conf on port 8080; the master process
# opens the logs (the container's output) and the workers run as www-data. They read uploaded
# files from the media volume (mounted read-only at /app/var/media) when the app hands a
# download over with X-Accel-Redirect.
FROM debian:bookworm-slim AS proxy
RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx-light \
    && rm -rf /var/lib/apt/lists/*
COPY deploy/nginx.conf /etc/nginx/supportdesk.conf
COPY --from=app /app/var/static /app/var/static
EXPOSE 8080
CMD ["nginx", "-p", "/var/lib/nginx/", "-c", "/etc/nginx/supportdesk.conf", "-e", "stderr", \
     "-g", "daemon off; pid /run/nginx.pid; user www-data;"]

# A plain `docker build .` builds the app image.
FROM app
