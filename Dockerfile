# losslab for a class server: `docker build -t losslab .` then
# `docker run -p 8501:8501 -v losslab-data:/data -e LOSSLAB_ADMIN_TOKEN=... losslab`.
# The image holds MNIST, so a container needs no internet.
ARG BASE_IMAGE=python:3.12-slim

# --- build stage: the virtualenv and MNIST. Whatever the build copies in (build-data/: a CA
# bundle, the MNIST files) stays in this stage; the final image takes only /opt and /app.
FROM ${BASE_IMAGE} AS build
# CPU-only torch: the default PyPI build for Linux carries CUDA (a ~6.6 GB image, mostly
# libraries a CPU server never uses). Behind a firewall, point this at a reachable mirror.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
# Where MNIST comes from at build time: empty = download; /tmp/ctx/mnist = the four .gz files
# placed in build-data/mnist/ of the build context (offline builds; scripts/check-image.sh does that).
ARG MNIST_FROM=
ARG PYTHON=python3
# 1: also the PostgreSQL driver and Ray (requirements-cluster.txt), for deploy/compose.yaml's
# roles: the web replicas, the Ray head and its workers all run this one image.
ARG WITH_CLUSTER=0
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH \
    LOSSLAB_DATA_DIR=/opt/losslab/data
RUN ${PYTHON} -m venv /opt/venv
WORKDIR /app
# build-data/ is optional: ca.crt for a TLS-intercepting proxy on the build network, mnist/*.gz.
COPY requirements.txt requirements-cluster.txt build-dat[a] /tmp/ctx/
# Wheels pip takes before any index (pip reads PIP_FIND_LINKS): a folder served over HTTP during the
# build, e.g. torch from a local mirror (scripts/check-image.sh --wheels); they land in no layer.
ARG PIP_FIND_LINKS
RUN if [ -f /tmp/ctx/ca.crt ]; then export PIP_CERT=/tmp/ctx/ca.crt; fi \
 && pip install --index-url "${TORCH_INDEX_URL}" --extra-index-url https://pypi.org/simple \
        torch==2.14.1 torchvision==0.29.1 \
 && pip install -r /tmp/ctx/requirements.txt \
 && if [ "${WITH_CLUSTER}" = 1 ]; then pip install -r /tmp/ctx/requirements-cluster.txt; fi
COPY . .
RUN if [ -n "${MNIST_FROM}" ]; then python -m losslab data mnist --from "${MNIST_FROM}"; \
    else python -m losslab data mnist; fi \
 && python -c "from losslab import datasets; assert datasets.mnist_available()" \
 && rm -rf /app/build-data /tmp/ctx

# --- the image: Python, a Korean font, HAProxy (LOSSLAB_SERVERS > 1), the venv, MNIST, the app.
FROM ${BASE_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    LOSSLAB_HOME=/data \
    LOSSLAB_DATA_DIR=/opt/losslab/data \
    LOSSLAB_SERVERS=1

# A Korean font, so screenshots and server-side renders of the Korean interface show Hangul.
RUN apt-get update -q && apt-get install -y -q --no-install-recommends fonts-noto-cjk haproxy \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt /opt
WORKDIR /app
COPY --from=build /app /app

RUN useradd --create-home --uid 10001 losslab \
 && mkdir -p /data && chown losslab /data
USER losslab
VOLUME ["/data"]

# Workers share the cores: by default one worker per core, one torch thread each
# (LOSSLAB_WORKERS overrides; threads per worker = cores / workers).
ENV OMP_NUM_THREADS=1
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import os,urllib.request,sys; b='/losslab' if int(os.environ.get('LOSSLAB_SERVERS','1'))>1 else ''; sys.exit(urllib.request.urlopen(f'http://127.0.0.1:8501{b}/_stcore/health', timeout=4).read() != b'ok')"
# `serve` starts the worker pool with the server (not on the first visit), then Streamlit;
# with LOSSLAB_SERVERS=N > 1, N servers behind HAProxy on port 8501 under /losslab/.
CMD ["python", "-m", "losslab", "serve", "--port=8501", "--server.port=8501", "--server.address=0.0.0.0"]
