# Self-hosting Customer Focus: docker build -t customer-focus . && docker run -p 8501:8501 customer-focus
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Run as an unprivileged user.
RUN useradd --create-home --uid 10001 app
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=app:app app.py serve.py ./
COPY --chown=app:app analysis ./analysis
COPY --chown=app:app ui ./ui
COPY --chown=app:app app_pages ./app_pages
COPY --chown=app:app sample_data ./sample_data
COPY --chown=app:app .streamlit/config.toml ./.streamlit/config.toml

USER app
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status == 200 else 1)"

# Mount secrets at runtime (never bake them into the image):
#   docker run -v $PWD/.streamlit/secrets.toml:/app/.streamlit/secrets.toml:ro ...
# serve.py is app.py behind a guard that hides /_stcore/metrics (see serve.py).
CMD ["streamlit", "run", "serve.py", "--server.port=8501", "--server.address=0.0.0.0"]
