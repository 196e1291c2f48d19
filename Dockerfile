# Coop's image: the wheel, installed in a virtual environment, served by gunicorn (gunicorn.conf.py).
# compose.yaml runs it as the web server, the RQ worker and the migration; README.md, "Running it for real".

FROM python:3.11-slim AS build
WORKDIR /src
# Only what the wheel is built from: the layout is the checkout's, the wheel maps migrations/ and
# rfp_templates/ into the package (pyproject.toml).
COPY pyproject.toml README.md ./
COPY coop coop
COPY pricing pricing
COPY migrations migrations
COPY rfp_templates rfp_templates
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim
# WeasyPrint renders RFP documents as PDF with Pango and HarfBuzz; fonts for the text it sets.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --create-home --home-dir /srv/coop coop
COPY --from=build /venv /venv
WORKDIR /srv/coop
COPY wsgi.py gunicorn.conf.py ./
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    COOP_ENV=production \
    COOP_INSTANCE_PATH=/srv/coop/instance \
    COOP_UPLOAD_DIR=/srv/coop/uploads
# The uploads directory is where compose mounts the shared volume; it must exist, owned by coop, for a new volume
# to take its owner.
RUN mkdir -p /srv/coop/instance /srv/coop/uploads && chown coop:coop /srv/coop/instance /srv/coop/uploads
USER coop
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
