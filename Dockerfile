# losslab for a class server: `docker build -t losslab .` then
# `docker run -p 8501:8501 -v losslab-data:/data -e LOSSLAB_ADMIN_TOKEN=... losslab`.
# The image holds MNIST, so a container needs no internet.
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

# CPU-only torch: the default PyPI build for Linux carries CUDA (gigabytes a class server does not use).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
# Where MNIST comes from at build time: empty = download; /tmp/ctx/mnist = the four .gz files
# placed in build-data/mnist/ of the build context (scripts/check-image.sh does that offline).
ARG MNIST_FROM=
ARG PYTHON=python3

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    LOSSLAB_HOME=/data \
    LOSSLAB_DATA_DIR=/opt/losslab/data

# A Korean font, so screenshots and server-side renders of the Korean interface show Hangul.
RUN apt-get update -q && apt-get install -y -q --no-install-recommends fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
RUN ${PYTHON} -m venv /opt/venv
WORKDIR /app
# build-data/ is optional: ca.crt for a TLS-intercepting proxy on the build network, mnist/*.gz.
COPY requirements.txt build-dat[a] /tmp/ctx/
RUN if [ -f /tmp/ctx/ca.crt ]; then export PIP_CERT=/tmp/ctx/ca.crt; fi \
 && pip install --index-url "${TORCH_INDEX_URL}" --extra-index-url https://pypi.org/simple \
        torch==2.14.1 torchvision==0.29.1 \
 && pip install -r /tmp/ctx/requirements.txt

COPY . .
RUN if [ -n "${MNIST_FROM}" ]; then python -m losslab data mnist --from "${MNIST_FROM}"; \
    else python -m losslab data mnist; fi \
 && rm -rf build-data /tmp/ctx \
 && python -c "from losslab import datasets; assert datasets.mnist_available()"

RUN useradd --create-home --uid 10001 losslab \
 && mkdir -p /data && chown losslab /data
USER losslab
VOLUME ["/data"]

# Workers share the cores: by default one worker per core, one torch thread each
# (LOSSLAB_WORKERS overrides; threads per worker = cores / workers).
ENV OMP_NUM_THREADS=1
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"
# `serve` starts the worker pool with the server (not on the first visit), then Streamlit.
CMD ["python", "-m", "losslab", "serve", "--server.port=8501", "--server.address=0.0.0.0"]
