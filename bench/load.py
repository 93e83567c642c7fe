"""Pages under load: gunicorn with two workers serves Spiral on a large college's database, and a
load tool in another process keeps 16 clients asking for a page as fast as it answers.

Each client signs in as the person the page is for (a real session: CSRF token, cookie) and
keeps its connection open, as a browser does.
"""
from __future__ import annotations

import http.client
import multiprocessing
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn on the database at `url`, with `workers` workers, until stopped."""

    def __init__(self, url: str, workers: int = 2):
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench",
               "SPIRAL_ENV": "development"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
             f"127.0.0.1:{self.port}", "--log-level", "warning", "app:create_app()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start: " + self.process.stderr.read().decode())

    def workers(self) -> list[int]:
        import psutil
        return [c.pid for c in psutil.Process(self.process.pid).children()]

    def rss_mb(self) -> list[float]:
        import psutil
        return [psutil.Process(pid).memory_info().rss / 2**20 for pid in self.workers()]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Client:
    """One browser: signed in, one kept-alive connection."""

    def __init__(self, port: int, username: str, password: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        page = self.get("/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
            re.search(r'name="csrf_token" value="([^"]+)"', page)
        body = urllib.parse.urlencode({"csrf_token": token.group(1), "username": username,
                                       "password": password})
        status, _ = self.request("POST", "/login", body,
                                 {"Content-Type": "application/x-www-form-urlencoded"})
        if status not in (302, 303):
            raise RuntimeError(f"{username} could not sign in ({status})")

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, data

    def get(self, path: str) -> str:
        status, data = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status}")
        return data.decode()


def _drive(port, username, password, path, seconds, requests, out) -> None:
    """One process of the load tool: its threads are the clients. All sign in and warm up
    first; the clock starts when the last is ready."""
    clients = out["clients"]
    latencies: list[float] = []
    errors = [0]
    failures: list[str] = []
    lock = threading.Lock()
    clock: dict[str, float] = {}

    def go():  # run once, as the last client is ready, before any is let go
        clock.update(stop=time.monotonic() + seconds, began=time.perf_counter())

    ready = threading.Barrier(clients + 1, action=go)

    def worker():
        client = None
        try:
            client = Client(port, username, password)
            client.get(path)  # warm: the first request compiles templates
        except Exception as error:  # noqa: BLE001 - told to the caller below
            with lock:
                failures.append(f"{type(error).__name__}: {error}")
        ready.wait()
        if client is None:
            return
        mine = []
        while time.monotonic() < clock["stop"] and (requests is None or len(mine) < requests):
            start = time.perf_counter()
            status, _ = client.request("GET", path)
            mine.append((time.perf_counter() - start) * 1000)
            if status != 200:
                errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    for t in threads:
        t.join()
    out["latencies"] = latencies
    out["seconds"] = time.perf_counter() - clock["began"]
    out["errors"] = errors[0]
    out["failures"] = failures


def load(port: int, username: str, password: str, path: str, clients: int = 16,
         seconds: float = 8.0, requests: int | None = None) -> dict:
    """Drive `path` with `clients` concurrent clients from another process; p50, p95 and
    requests per second."""
    manager = multiprocessing.Manager()
    out = manager.dict({"clients": clients})
    process = multiprocessing.Process(target=_drive, args=(port, username, password, path,
                                                           seconds, requests, out))
    process.start()
    process.join()
    latencies = sorted(out.get("latencies", []))
    if not latencies:
        raise RuntimeError(f"no answers from {path}: {out.get('failures')}")
    return {"p50": statistics.median(latencies),
            "p95": latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))],
            "rps": len(latencies) / out["seconds"], "n": len(latencies),
            "errors": out["errors"]}
