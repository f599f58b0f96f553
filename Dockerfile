# The production image. The same image runs the web server (the default command, gunicorn),
# the Celery worker and Celery beat; docker-compose.yml shows how.
FROM python:3.11-slim

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

# Static files are collected into the image (/app/var/static) and served by WhiteNoise.
# Settings need a SECRET_KEY to load; this dummy value exists only for this one step.
RUN SECRET_KEY=collectstatic-build-only DEBUG=false python manage.py collectstatic --noinput

EXPOSE 8000

# GUNICORN_WORKERS processes, each with GUNICORN_THREADS threads; access log on stdout.
CMD ["sh", "-c", "exec gunicorn supportdesk.wsgi:application --bind 0.0.0.0:8000 --workers \"${GUNICORN_WORKERS:-3}\" --threads \"${GUNICORN_THREADS:-2}\" --timeout \"${GUNICORN_TIMEOUT:-30}\" --access-logfile - --error-logfile -"]
