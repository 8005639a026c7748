# Serves one model of an mlkit registry over HTTP with `mlkit serve` (the same command as on the host).
#   docker build -t mlkit-serve .
#   docker run --rm -p 8000:8000 -v "$PWD/models:/models" --user "$(id -u):$(id -g)" mlkit-serve NAME@champion
# The registry is mounted at /models; the predictions are logged to /models/NAME/predictions.jsonl.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1 PIP_NO_CACHE_DIR=1
COPY setup.py settings.ini pyproject.toml /src/
COPY mlkit /src/mlkit
COPY nbs /src/nbs
RUN pip install /src && rm -rf /src && useradd --system --uid 10001 mlkit
USER mlkit
WORKDIR /srv
EXPOSE 8000
ENTRYPOINT ["mlkit", "serve", "--host", "0.0.0.0", "--port", "8000", "--models", "/models"]
CMD ["bike_sharing_hourly-cnt@champion"]
