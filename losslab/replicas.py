"""`python -m losslab serve --servers N`: N Streamlit processes on one LOSSLAB_HOME behind HAProxy,
served under a base path (default /losslab/). The first process owns the worker pool (workers.lock);
the others queue runs into the same store, so any replica shows any run.

Streamlit-free and torch-free: it only starts processes, writes the proxy's config from
deploy/haproxy.cfg, and stops everything when it is stopped."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from string import Template

from . import settings
from .jobs.store import home_dir

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "haproxy.cfg"


def render_config(port: int, base: str, backends: list, bind: str = "0.0.0.0", tls_cert: str | None = None) -> str:
    """deploy/haproxy.cfg filled in; backends are ports on this host or "host:port" (other
    containers or machines). With a TLS certificate (PEM, key included) the proxy speaks HTTPS
    and its sticky cookie is Secure."""
    addresses = [b if isinstance(b, str) else f"127.0.0.1:{b}" for b in backends]
    servers = "\n".join(f"    server s{i} {a} check cookie s{i}" for i, a in enumerate(addresses, start=1))
    return Template(TEMPLATE.read_text()).safe_substitute(bind=bind, port=port, base=base, servers=servers,
                                                          tls=f" ssl crt {tls_cert}" if tls_cert else "",
                                                          secure=" secure" if tls_cert else "")


def wait_healthy(url: str, timeout: float, context=None) -> bool:
    """Whether `url` (a /_stcore/health) answered "ok" within `timeout` seconds; `context`: an
    ssl context for HTTPS. The replicas, the tests and the benchmarks all wait through this."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(url, timeout=1, context=context).read() == b"ok":
                return True
        except OSError:
            time.sleep(0.2)
    return False


def main(servers: int, port: int, base: str, streamlit_args: list[str], bind: str = "0.0.0.0") -> int:
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        print("losslab: --servers needs HAProxy (Debian: apt-get install haproxy); "
              "or run one server with `python -m losslab serve`.", file=sys.stderr)
        return 2
    tls_cert = settings.get("LOSSLAB_TLS_CERT")  # an existing file, or serve stopped with one sentence
    base = "/" + base.strip("/")
    backends = [port + 10 + i for i in range(servers)]
    # Each replica listens on its own port on loopback: the single-server flags (the image's CMD) give way.
    own = ("--server.port", "--server.address", "--server.baseUrlPath")
    streamlit_args = [a for a in streamlit_args if not a.startswith(own)]
    env = dict(os.environ)
    # Each replica is one server: it must not read LOSSLAB_SERVERS=N again and start N of its own
    # (the image's `-e LOSSLAB_SERVERS=2` made 262 nested servers in 90 s).
    env["LOSSLAB_SERVERS"] = "1"
    env.pop("LOSSLAB_TLS_CERT", None)  # the proxy speaks TLS; a replica behind it speaks plain HTTP on loopback
    # Our HAProxy reaches the replicas over loopback: its X-Forwarded-For entry names the client.
    env["LOSSLAB_TRUSTED_PROXIES"] = ",".join((*settings.get("LOSSLAB_TRUSTED_PROXIES"), "127.0.0.1"))
    # One cookie secret for every replica: a session's XSRF cookie stays valid whichever serves it.
    env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_urlsafe(32))
    procs = []

    def stop(*_):
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for i, backend in enumerate(backends):
        procs.append(subprocess.Popen([sys.executable, "-m", "losslab", "serve", f"--server.port={backend}",
                                       "--server.address=127.0.0.1", f"--server.baseUrlPath={base.strip('/')}",
                                       *streamlit_args], cwd=ROOT, env=env))
        if i == 0:  # the worker pool's owner first: the others must not take the workers lock
            wait_healthy(f"http://127.0.0.1:{backend}{base}/_stcore/health", 180)
    for backend in backends[1:]:
        wait_healthy(f"http://127.0.0.1:{backend}{base}/_stcore/health", 180)
    config = home_dir() / "haproxy.cfg"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(render_config(port, base, backends, bind, tls_cert))
    procs.append(subprocess.Popen([haproxy, "-W", "-db", "-f", str(config)]))
    print(f"losslab: {servers} servers behind HAProxy at http{'s' if tls_cert else ''}://{bind}:{port}{base}/", flush=True)
    while True:  # a replica or the proxy ending ends the whole service (the container restarts it)
        for p in procs:
            if p.poll() is not None:
                print(f"losslab: process {p.args[:4]} ended with {p.returncode}; stopping", file=sys.stderr)
                stop()
        time.sleep(1)


def proxy_main(port: int, base: str, backends: list[str], bind: str = "0.0.0.0") -> int:
    """`python -m losslab proxy HOST:PORT ...`: only the proxy, in front of web replicas that run
    elsewhere (deploy/compose.yaml's proxy service); same configuration as --servers mode."""
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    bad = [b for b in backends if not re.fullmatch(r"[A-Za-z0-9_.-]+:\d{1,5}", b)]
    if not backends or bad:
        print(f"losslab proxy: give each web replica as HOST:PORT (e.g. web-1:8501); not understood: {bad or 'none given'}",
              file=sys.stderr)
        return 2
    if not Path(haproxy).exists():
        print("losslab proxy: HAProxy is not installed (Debian: apt-get install haproxy).", file=sys.stderr)
        return 2
    tls_cert = settings.get("LOSSLAB_TLS_CERT")
    config = home_dir() / "haproxy.cfg"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(render_config(port, "/" + base.strip("/"), backends, bind, tls_cert))
    os.execv(haproxy, [haproxy, "-W", "-db", "-f", str(config)])
