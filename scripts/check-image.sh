#!/usr/bin/env bash
# Build the Docker image, start the app from it, probe /_stcore/health and the home page.
# Uses `docker` where an engine runs, else Debian's `buildah` (--isolation chroot) with a base
# image made by `debootstrap` from Debian's packages (for machines without a registry).
# Not part of `make test`: it takes minutes and gigabytes.
#   scripts/check-image.sh [--mnist-from DIR] [--torch-index URL]
set -euo pipefail
cd "$(dirname "$0")/.."
MNIST_SRC=""
TORCH_INDEX="https://download.pytorch.org/whl/cpu"
while [ $# -gt 0 ]; do
  case "$1" in
    --mnist-from) MNIST_SRC="$2"; shift 2 ;;
    --torch-index) TORCH_INDEX="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
PORT=${PORT:-18501}
WORK=${WORK:-/var/tmp/losslab-image}
mkdir -p "$WORK"
ARGS=(--build-arg "TORCH_INDEX_URL=$TORCH_INDEX")
rm -rf build-data && mkdir -p build-data
trap 'rm -rf build-data' EXIT
# This machine's CA bundle, for networks whose proxy re-signs TLS (pip in the build trusts it).
[ -f /etc/ssl/certs/ca-certificates.crt ] && cp /etc/ssl/certs/ca-certificates.crt build-data/ca.crt
if [ -n "$MNIST_SRC" ]; then
  mkdir -p build-data/mnist && cp "$MNIST_SRC"/*.gz build-data/mnist/
  ARGS+=(--build-arg MNIST_FROM=/tmp/ctx/mnist)
fi

probe() {
  local url="http://127.0.0.1:$PORT"
  for _ in $(seq 1 120); do
    if [ "$(curl -s "$url/_stcore/health" || true)" = ok ]; then break; fi
    sleep 1
  done
  echo "health: $(curl -s "$url/_stcore/health")"
  echo "home page: HTTP $(curl -s -o /dev/null -w '%{http_code}' "$url/"), $(curl -s "$url/" | grep -o '<title>[^<]*</title>')"
  if [ -x /usr/bin/chromium ] && [ -x .venv/bin/python ]; then
    .venv/bin/python scripts/probe_home.py "$url"
  fi
}

if docker info >/dev/null 2>&1; then
  echo "== docker build"
  docker build -t losslab:check "${ARGS[@]}" .
  docker rm -f losslab-check >/dev/null 2>&1 || true
  docker volume rm -f losslab-check-data >/dev/null 2>&1 || true
  docker run -d --name losslab-check -p "$PORT:8501" -v losslab-check-data:/data losslab:check
  probe
  docker inspect --format 'container health: {{.State.Health.Status}}' losslab-check || true
  echo "== the /data volume: a run trained in the container survives a container restart"
  run=$(docker exec losslab-check python -c "
from losslab.jobs.service import get_service
from losslab.config import RegressionConfig
s = get_service(); r = s.submit(RegressionConfig(epochs=300), 'check-image'); s.wait(r, 120); print(r)" | tail -1)
  docker restart losslab-check >/dev/null
  probe
  if docker exec losslab-check python -m losslab runs show "$run" | grep -q completed; then
    echo "/data: run $run still there, completed, after the restart"
  else
    echo "/data: run $run LOST after the restart" >&2; docker rm -f losslab-check; exit 1
  fi
  echo "owner of /data inside: $(docker exec losslab-check stat -c %U /data) (non-root: $(docker exec losslab-check id -un))"
  docker rm -f losslab-check
  docker volume rm -f losslab-check-data >/dev/null
  exit 0
fi

command -v buildah >/dev/null || { echo "neither a Docker engine nor buildah: apt-get install buildah debootstrap" >&2; exit 1; }
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot
BASE=localhost/losslab-base:bookworm
if ! buildah images --quiet "$BASE" >/dev/null 2>&1; then
  echo "== debootstrap a Debian base image (no registry here)"
  rm -rf "$WORK/rootfs"
  debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates,curl \
    bookworm "$WORK/rootfs" http://deb.debian.org/debian
  ctr=$(buildah from scratch)
  mnt=$(buildah mount "$ctr")
  cp -a "$WORK/rootfs/." "$mnt/"
  buildah umount "$ctr"
  buildah commit --quiet "$ctr" "$BASE"
  buildah rm "$ctr" >/dev/null
fi
echo "== buildah build (isolation chroot) on $BASE"
buildah build --isolation chroot --layers --format docker -t localhost/losslab:check --build-arg "BASE_IMAGE=$BASE" \
  --build-arg PYTHON=python3 "${ARGS[@]}" .
echo "== start the app from the image"
ctr=$(buildah from localhost/losslab:check)
mkdir -p "$WORK/data"
buildah run --isolation chroot --env LOSSLAB_HOME=/tmp/losslab-data "$ctr" -- \
  python -m losslab serve --server.port "$PORT" --server.address 127.0.0.1 > "$WORK/server.log" 2>&1 &
RUNNER=$!
trap 'kill $RUNNER 2>/dev/null || true; buildah rm "$ctr" >/dev/null 2>&1 || true; rm -rf build-data' EXIT
probe
echo "healthcheck command inside the container: exit $(buildah run --isolation chroot "$ctr" -- python -c \
  "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:$PORT/_stcore/health', timeout=4).read() != b'ok')" \
  >/dev/null 2>&1; echo $?)"
echo "HEALTHCHECK kept in the image: $(buildah inspect --format '{{.Docker.Config.Healthcheck.Test}}' localhost/losslab:check | cut -c1-60)"
echo "image: $(buildah images --format '{{.Name}}:{{.Tag}} {{.Size}}' localhost/losslab:check)"
