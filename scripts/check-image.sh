#!/usr/bin/env bash
# Build the image, start it and probe it. Uses `docker` where an engine runs, else Debian's
# `buildah` (--isolation chroot) with a base image made by `debootstrap` from Debian's packages
# (for machines without an engine or a registry). Both paths probe the same list:
#   (a) /_stcore/health and the home page's title (and, where Chromium and Playwright are, the page);
#   (b) the image's own HEALTHCHECK command, run inside, exits 0;
#   (c) the app runs as a non-root user, who owns /data;
#   (d) MNIST is inside the image;
#   (e) a run trained inside survives a restart with the same /data (Docker: `docker restart` and
#       its volume; buildah: the serving process restarted, a host folder mounted as /data);
#   (f) LOSSLAB_SERVERS=2: one launcher, two servers and HAProxy (no more a few seconds later),
#       healthy under /losslab/ through the proxy, a run completes.
# The summary at the end has one PASS/FAIL line per probe; the exit status is 1 if any failed.
# Not part of `make test`: it takes minutes and gigabytes.
#   scripts/check-image.sh [--mnist-from DIR] [--torch-index URL] [--wheels DIR] [--base IMAGE] [--no-build]
# --base IMAGE: the base image of both stages (BASE_IMAGE, with PYTHON=python3), already in the
#   engine's store. buildah's default: localhost/losslab-base:bookworm, debootstrapped if missing;
#   Docker's: the Dockerfile's python:3.12-slim. Docker without a registry can take buildah's base:
#   `buildah push localhost/losslab-base:bookworm docker-daemon:localhost/losslab-base:bookworm`.
# --no-build: probe the image the last run built (losslab:check), without building it again.
# --wheels DIR: a folder of wheels pip takes before any index (e.g. torch 2.14.1 and torchvision 0.29.1
#   for CPython 3.11, the buildah base's Python), served over HTTP on 127.0.0.1 during the build
#   (the build uses the host's network) and given as PIP_FIND_LINKS: no layer holds them. Without
#   --torch-index the rest then comes from PyPI.
# PROBE_PYTHON: a Python with Playwright for the browser probes (default .venv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/.."
MNIST_SRC=""
WHEELS=""
TORCH_INDEX=""
BASE=""
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --mnist-from) MNIST_SRC="$2"; shift 2 ;;
    --torch-index) TORCH_INDEX="$2"; shift 2 ;;
    --wheels) WHEELS="$2"; shift 2 ;;
    --base) BASE="$2"; shift 2 ;;
    --no-build) BUILD=""; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$TORCH_INDEX" ] || TORCH_INDEX=$([ -n "$WHEELS" ] && echo https://pypi.org/simple || echo https://download.pytorch.org/whl/cpu)
PORT=${PORT:-18501}
WORK=${WORK:-/var/tmp/losslab-image}
PROBE_PYTHON=${PROBE_PYTHON:-.venv/bin/python}
T0=$(date +%s)
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
WHEEL_SERVER=""
if [ -n "$WHEELS" ]; then
  wport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 -m http.server --bind 127.0.0.1 --directory "$WHEELS" "$wport" >/dev/null 2>&1 &
  WHEEL_SERVER=$!
  trap 'kill $WHEEL_SERVER 2>/dev/null || true; rm -rf build-data' EXIT
  ARGS+=(--network host --build-arg "PIP_FIND_LINKS=http://127.0.0.1:$wport/")
  echo "wheels for the build: $(ls "$WHEELS"/*.whl | wc -l) from $WHEELS at http://127.0.0.1:$wport/"
fi
check_free() {  # check_free DIR: stop unless MIN_FREE_GB (default 20) are free where the engine stores layers
  local free_gb
  free_gb=$(( $(df --output=avail -k "$1" | tail -1) / 1048576 ))
  echo "free on $1: $free_gb GB; TMPDIR: ${TMPDIR:-/var/tmp}"
  if [ "$free_gb" -lt "${MIN_FREE_GB:-20}" ]; then
    echo "less than ${MIN_FREE_GB:-20} GB free on $1: the build would fill the disk (MIN_FREE_GB=N to try anyway)" >&2
    exit 1
  fi
}
stop_wheel_server() { [ -z "$WHEEL_SERVER" ] || kill "$WHEEL_SERVER" 2>/dev/null || true; WHEEL_SERVER=""; }

# --- the probes, the same on both paths. Each engine defines: start_ctr [VAR=VALUE...], stop_ctr,
# restart_ctr, in_ctr CMD... (in the running container, as the image's user, with its env),
# service_procs (the command lines of the container's processes), healthcheck_test (the image's
# HEALTHCHECK as JSON) and URL (where the container's port 8501 is reached from here).
SUMMARY=()
FAILED=0
result() {  # result PASS|FAIL "what was seen"
  echo "$1 $2"
  SUMMARY+=("$1 $2")
  [ "$1" = PASS ] || FAILED=1
}
pass_if() { if "$@" >/dev/null 2>&1; then echo PASS; else echo FAIL; fi; }

wait_health() {  # wait_health BASE_URL: until /_stcore/health says ok (up to 4 minutes)
  for _ in $(seq 1 240); do
    [ "$(curl -s "$1/_stcore/health" || true)" = ok ] && return 0
    sleep 1
  done
  return 1
}

probe_http() {  # (a) probe_http BASE_URL LABEL
  local health code title
  wait_health "$1" || true
  health=$(curl -s "$1/_stcore/health" || true)
  code=$(curl -s -o /dev/null -w '%{http_code}' "$1/" || true)
  title=$(curl -s "$1/" | grep -o '<title>[^<]*</title>' || true)
  result "$(pass_if test "$health" = ok -a "$code" = 200 -a -n "$title")" \
    "(a) health ($2): ${health:-no answer}; home page: HTTP $code, ${title:-no title}"
}

probe_browser() {  # probe_browser BASE_URL [--run]: what a visitor's browser sees (if Playwright is here)
  if [ -x /usr/bin/chromium ] && [ -x "$PROBE_PYTHON" ] && "$PROBE_PYTHON" -c "import playwright" 2>/dev/null; then
    if out=$("$PROBE_PYTHON" scripts/probe_home.py "$@" 2>&1); then echo "$out"; else
      echo "$out" | tail -5
      result FAIL "browser at $1: $(echo "$out" | tail -1)"
      return
    fi
    [[ " $* " != *" --run "* ]] || result PASS "$(echo "$out" | tail -1)"
  else
    echo "(no Chromium + Playwright at PROBE_PYTHON=$PROBE_PYTHON: browser probes skipped)"
  fi
}

probe_healthcheck() {  # (b) the image's HEALTHCHECK command, as the engine would run it, inside
  local test rc=0 cmd=()
  test=$(healthcheck_test)
  if [ -z "$test" ] || [ "$test" = null ]; then result FAIL "(b) HEALTHCHECK: the image has none"; return; fi
  mapfile -t cmd < <(python3 -c 'import json, sys
t = json.loads(sys.argv[1])
print(*(["/bin/sh", "-c", t[1]] if t[0] == "CMD-SHELL" else t[1:]), sep="\n")' "$test")
  in_ctr "${cmd[@]}" >/dev/null 2>&1 || rc=$?
  result "$(pass_if test "$rc" = 0)" "(b) the image's HEALTHCHECK command inside ($1): exit $rc$(engine_health)"
}

probe_user_and_mnist() {  # (c) and (d)
  local user owner mnist
  user=$(in_ctr id -un 2>&1 || true)
  owner=$(in_ctr stat -c %U /data 2>&1 || true)
  result "$(pass_if test -n "$user" -a "$user" != root -a "$owner" = "$user")" \
    "(c) the app's user: $user (uid $(in_ctr id -u 2>&1 || true)); owner of /data: $owner"
  mnist=$(in_ctr python -c "from losslab import datasets; print(datasets.mnist_available())" 2>&1 | tail -1 || true)
  result "$(pass_if test "$mnist" = True)" "(d) MNIST inside the image (datasets.mnist_available()): $mnist"
}

submit_run() {  # a regression run queued in the store inside; the server's workers train it. Prints "ID STATUS".
  in_ctr python -c "
from losslab.config import RegressionConfig
from losslab.jobs.service import JobService
s = JobService()  # no workers of its own: the serving process's pool trains the run
r = s.submit(RegressionConfig(epochs=300), 'check-image')
print(r, s.wait(r, 240)['status'])" 2>&1 | tail -1
}

run_status() { in_ctr python -m losslab runs show "$1" 2>&1 | sed -n 's/^  "status": "\(.*\)",$/\1/p'; }

probe_restart() {  # (e) a run trained inside, then a restart on the same /data
  local run status after
  read -r run status <<<"$(submit_run)"
  echo "run $run: $status before the restart"
  restart_ctr
  wait_health "$URL" || true
  after=$(run_status "$run")
  result "$(pass_if test "$status" = completed -a "$after" = completed)" \
    "(e) run $run: ${status:-not run} before the restart, ${after:-not found} after it (same /data), health $(curl -s "$URL/_stcore/health" || true)"
}

count_procs() {  # "launcher servers haproxy others" among the container's processes
  service_procs | awk '/-m losslab serve/ { if (/--server.baseUrlPath=/) s++; else l++; next }
    $1 ~ /haproxy$/ { h++; next } NF { o++ } END { printf "%d %d %d %d\n", l, s, h, o }'
}

probe_replicated() {  # (f) LOSSLAB_SERVERS=2 through the variable, on the same /data
  local base="$URL/losslab" first second redirect run status nofile alerts l s h o
  stop_ctr
  start_ctr LOSSLAB_SERVERS=2
  wait_health "$base" || true
  probe_http "$base" "LOSSLAB_SERVERS=2, through HAProxy"
  redirect=$(curl -s -o /dev/null -w '%{redirect_url}' "$URL/" || true)
  first=$(count_procs); sleep 10; second=$(count_procs)
  read -r l s h o <<<"$first"
  result "$(pass_if test "$first" = "$second" -a "$l" = 1 -a "$s" = 2 -a "$h" -ge 1 -a "$h" -le 2)" \
    "(f) processes: $l launcher, $s servers (losslab serve --server.baseUrlPath=losslab), $h haproxy (master and worker), $o others (the worker pool, its helpers); 10 s later: $(read -r a b c d <<<"$second"; echo "$a/$b/$c/$d"); / redirects to ${redirect:-nothing}"
  nofile=$(in_ctr sh -c 'echo "$(ulimit -n)/$(ulimit -Hn)"' 2>&1 || true)
  alerts=$(service_log | grep -ci 'ALERT\|fd limit' || true)
  result "$(pass_if test "$alerts" = 0)" \
    "(f) HAProxy under an open-file limit of $nofile (soft/hard) inside: $alerts ALERT or FD-limit lines in the log"
  probe_healthcheck "LOSSLAB_SERVERS=2"
  read -r run status <<<"$(submit_run)"
  result "$(pass_if test "$status" = completed)" "(f) run $run queued in the store by a process inside, trained by the servers' pool: ${status:-not run}"
  probe_browser "$base" --run
}

probe_all() {
  probe_http "$URL" "one server"
  probe_browser "$URL"
  probe_healthcheck "one server"
  probe_user_and_mnist
  probe_restart
  probe_replicated
}

finish() {
  echo "== summary ($1, $(( $(date +%s) - T0 )) s)"
  printf '%s\n' "${SUMMARY[@]}"
  exit "$FAILED"
}

if docker info >/dev/null 2>&1; then
  if [ -n "$BUILD" ]; then
    if [ -n "$BASE" ]; then
      docker image inspect "$BASE" >/dev/null 2>&1 ||
        { echo "no $BASE in Docker's store (from buildah's: buildah push $BASE docker-daemon:$BASE)" >&2; exit 1; }
      ARGS+=(--build-arg "BASE_IMAGE=$BASE" --build-arg PYTHON=python3)
    fi
    # Disk: the build stage's venv layer, the final stage's copy of it, and while each is committed the
    # step's container beside its layer: ~20 GB with PyPI's CUDA torch.
    check_free "$(docker info --format '{{.DockerRootDir}}')"
    echo "== docker build${BASE:+ on $BASE}"
    docker build -t losslab:check "${ARGS[@]}" .
  fi
  stop_wheel_server
  URL="http://127.0.0.1:$PORT"
  docker rm -f losslab-check >/dev/null 2>&1 || true
  docker volume rm -f losslab-check-data >/dev/null 2>&1 || true
  trap 'docker rm -f losslab-check >/dev/null 2>&1 || true; docker volume rm -f losslab-check-data >/dev/null 2>&1 || true; rm -rf build-data' EXIT
  start_ctr() {
    local env=() v
    for v in "$@"; do env+=(-e "$v"); done
    docker run -d --name losslab-check -p "$PORT:8501" -v losslab-check-data:/data "${env[@]}" losslab:check >/dev/null
  }
  stop_ctr() { docker rm -f losslab-check >/dev/null; }
  restart_ctr() { docker restart losslab-check >/dev/null; }
  in_ctr() { docker exec losslab-check "$@"; }
  # The engine wants a PID column in `docker top`'s ps options (20.10: "Couldn't find PID field").
  service_procs() { docker top losslab-check -eo pid,args | tail -n +2 | sed 's/^ *[0-9]* *//'; }
  service_log() { docker logs losslab-check 2>&1; }
  healthcheck_test() { docker inspect --format '{{json .Config.Healthcheck.Test}}' losslab:check; }
  engine_health() {  # the engine's own verdict: its first check runs an interval (30 s) after the start
    local s
    for _ in $(seq 1 90); do
      s=$(docker inspect --format '{{.State.Health.Status}}' losslab-check 2>/dev/null || true)
      [ "$s" = starting ] || break
      sleep 1
    done
    echo "; the engine says: $s"
  }
  start_ctr
  probe_all
  echo "image: $(docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' losslab:check)"
  finish docker
fi

command -v buildah >/dev/null || { echo "neither a Docker engine nor buildah: apt-get install buildah debootstrap" >&2; exit 1; }
# The store's own driver (overlay where the kernel allows it); STORAGE_DRIVER=vfs where it does
# not (an unprivileged container), at the cost of a full copy of the file system per layer.
export BUILDAH_ISOLATION=chroot
BASE=${BASE:-localhost/losslab-base:bookworm}
if [ -n "$BUILD" ] && [ "$BASE" = localhost/losslab-base:bookworm ] && ! buildah images --quiet "$BASE" >/dev/null 2>&1; then
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
  rm -rf "$WORK/rootfs"
fi
if [ -n "$BUILD" ]; then
  echo "== buildah build (isolation chroot) on $BASE"
  # Disk: the build stage's container (the venv), the final stage's container and its committed layer
  # (the venv again, twice) on the store's disk: ~20 GB with PyPI's CUDA torch; while committing, two
  # compressed copies of the layer in TMPDIR (default /var/tmp; TMPDIR=/dev/shm keeps them off the disk).
  check_free "$(buildah info --format '{{.store.GraphRoot}}' 2>/dev/null || echo /var/lib/containers/storage)"
  # Without --layers buildah holds one container per stage, not one per step beside each step's
  # layer (the venv's gigabytes twice more on disk); BUILDAH_LAYERS=true caches the steps for reruns.
  buildah build --isolation chroot --format docker --disable-compression=false -t localhost/losslab:check --build-arg "BASE_IMAGE=$BASE" \
    --build-arg PYTHON=python3 "${ARGS[@]}" .
fi
stop_wheel_server
echo "== start the image's CMD in a buildah container (host network: the image's port 8501 is this machine's)"
for p in 8501 8511 8512; do  # the image's port, and the replicas' (port + 10 + i)
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "port $p is taken here: stop what listens there" >&2; exit 1; fi
done
URL="http://127.0.0.1:8501"
ctr=$(buildah from localhost/losslab:check)
DATA="$WORK/data"  # the volume: a host folder mounted as /data, owned by the image's user as Docker's volume is
rm -rf "$DATA" && mkdir -p "$DATA"
: > "$WORK/server.log"
chown "$(buildah run --isolation chroot "$ctr" -- id -u)" "$DATA"
image_config() {  # image_config KEY: that part of the image's config, as JSON
  buildah inspect --type image localhost/losslab:check |
    python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["Docker"]["config"].get(sys.argv[1])))' "$1"
}
mapfile -t CMD < <(image_config Cmd | python3 -c 'import json, sys; print(*json.load(sys.stdin), sep="\n")')
[ "${#CMD[@]}" -gt 0 ] || { echo "the image has no CMD" >&2; exit 1; }
RUNNER=""
START_ENV=()
ENV_ARGS=()
descendants() { local p; for p in $(pgrep -P "$1" || true); do echo "$p"; descendants "$p"; done; }
start_ctr() {
  local v
  START_ENV=("$@")
  ENV_ARGS=()
  for v in "$@"; do ENV_ARGS+=(--env "$v"); done
  echo "-- start ${ENV_ARGS[*]} ${CMD[*]}" >> "$WORK/server.log"
  buildah run --isolation chroot -v "$DATA:/data" "${ENV_ARGS[@]}" "$ctr" -- "${CMD[@]}" >> "$WORK/server.log" 2>&1 &
  RUNNER=$!
}
stop_ctr() {  # SIGTERM to the serving process (as `docker stop`), SIGKILL to what is left after 30 s
  local pids top
  [ -n "$RUNNER" ] || return 0
  pids=$(descendants "$RUNNER")
  top=$(for p in $pids; do tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q -- '-m losslab serve' && echo "$p" && break; done)
  [ -z "$top" ] || kill -TERM "$top" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$RUNNER" 2>/dev/null || break; sleep 1; done
  kill -KILL $pids "$RUNNER" 2>/dev/null || true
  wait "$RUNNER" 2>/dev/null || true
  RUNNER=""
}
restart_ctr() { local env=(${START_ENV[@]+"${START_ENV[@]}"}); stop_ctr; start_ctr ${env[@]+"${env[@]}"}; }
in_ctr() { buildah run --isolation chroot -v "$DATA:/data" ${ENV_ARGS[@]+"${ENV_ARGS[@]}"} "$ctr" -- "$@"; }
service_procs() {
  local p
  for p in $(descendants "$RUNNER"); do
    tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null || true
    echo
  done | grep -v '^[^ ]*buildah' || true
}
service_log() { cat "$WORK/server.log"; }
healthcheck_test() { image_config Healthcheck | python3 -c 'import json, sys; print(json.dumps((json.load(sys.stdin) or {}).get("Test")))'; }
engine_health() { :; }  # no engine here runs the HEALTHCHECK on its own: (b) runs its command
trap 'stop_ctr; buildah rm "$ctr" >/dev/null 2>&1 || true; rm -rf build-data "$DATA"' EXIT
start_ctr
probe_all
echo "image: $(buildah images --format '{{.Name}}:{{.Tag}} {{.Size}}' localhost/losslab:check)"
finish buildah
