#!/usr/bin/env python3
"""The gateway's load benchmark (issue #7): wrk on loopback, bounded.

Starts `hearth serve` on the built-in model (models/stories260K.gguf) and two
gateways in front of it: "hits" (memory cache) and "pass" (cache = "off" on
its route, so every request goes to the node). One cacheable request
(temperature 0, max_tokens 1: the node's work stays tiny) is warmed into the
cache, then for each connection count wrk (bench/gateway_post.lua) runs:

  hits    the request through the caching gateway: every answer is a cache hit;
          the gateway's own latency is the latency it adds
  pass    the same request through the non-caching gateway (pass-through)
  direct  the same request straight at the node
  added latency of pass-through = pass - direct (at p50 and at p99)

A benchmark, not a test: the figures depend on the machine and on what else
runs on it (run `uptime` first). Each wrk run is at most 10 s.

  bench/gateway_load.py [--build build] [--duration 10] [--connections 32,1] [--json]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LUA = os.path.join(REPO, "bench", "gateway_post.lua")
MODEL = os.path.join(REPO, "models", "stories260K.gguf")


class Process:
    """A hearth process started with port 0; waits for the address it logs."""

    def __init__(self, args, what):
        self.what = what
        self.log = ""
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.url = None
        found = threading.Event()

        def read():
            for line in self.proc.stderr:
                self.log += line
                m = re.search(r"on http://([^:\s]+):(\d+)", line)
                if m and not found.is_set():
                    self.url = f"http://{m.group(1)}:{m.group(2)}"
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(30) or self.proc.poll() is not None:
            self.stop()
            raise SystemExit(f"{what} did not start:\n{self.log}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def post(url, body):
    req = urllib.request.Request(url + "/v1/chat/completions", data=body.encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, r.headers.get("x-hearth-cache"), r.read()


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def start_gateway(binary, tmp, name, node_url, cache):
    path = os.path.join(tmp, f"{name}.toml")
    with open(path, "w") as f:
        f.write('listen = "127.0.0.1:0"\n[cache]\nbackend = "memory"\n'
                f'[[nodes]]\nname = "n"\nurl = "{node_url}"\n'
                f'[[routes]]\nmodel = "*"\ncache = "{cache}"\n')
    return Process([binary, "gateway", "--config", path], f"gateway {name}")


def wrk(url, body, connections, duration):
    threads = min(2, connections)
    env = dict(os.environ, BENCH_BODY=body)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "-s", LUA, url]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + 30)
    m = re.search(r"^BENCH_RESULT (.*)$", out.stdout, re.M)
    if out.returncode != 0 or not m:
        raise SystemExit(f"wrk failed ({' '.join(cmd)}):\n{out.stdout}\n{out.stderr}")
    r = json.loads(m.group(1))
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["p50_ms"] = r["latency_us"]["p50"] / 1000
    r["p99_ms"] = r["latency_us"]["p99"] / 1000
    r["errors_total"] = sum(r["errors"].values())
    return r


def metric(gateway_url, name):
    with urllib.request.urlopen(gateway_url + "/metrics", timeout=10) as r:
        text = r.read().decode()
    m = re.search("^" + re.escape(name) + r" (\d+)$", text, re.M)
    if not m:
        raise SystemExit(f"the gateway's /metrics has no {name}")
    return int(m.group(1))


def cache_hits(gateway_url):
    return metric(gateway_url, 'hearth_gateway_cache_lookups_total{result="hit"}')


def upstream_connections(gateway_url):
    """(reused, new): the pass-through gateway's upstream requests by connection."""
    return tuple(metric(gateway_url, f'hearth_gateway_upstream_requests_total{{connection="{c}"}}')
                 for c in ("reused", "new"))


def connection_counts(text):
    try:
        counts = [int(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give connection counts like 32,1")
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: each connection count must be at least 1")
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(REPO, "build"), help="the build folder holding hearth")
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run (at most 10)")
    ap.add_argument("--connections", type=connection_counts, default=[32, 1], help="wrk connection counts, comma-separated")
    ap.add_argument("--node-threads", type=int, default=1, help="hearth serve --threads")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    a = ap.parse_args()
    if not 1 <= a.duration <= 10:
        raise SystemExit("--duration must be 1..10 seconds (the benchmark is bounded)")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk (Debian), or run `make deps`")
    binary = os.path.join(a.build, "hearth")
    if not os.path.exists(binary):
        raise SystemExit(f"{binary} does not exist: build it first (make build)")

    load_before = os.getloadavg()[0]
    procs = []
    tmp = tempfile.mkdtemp(prefix="hearth-gwbench-")
    try:
        node = Process([binary, "serve", MODEL, "--port", "0", "--threads", str(a.node_threads)], "hearth serve")
        procs.append(node)
        model = get_json(node.url + "/v1/models")["data"][0]["id"]
        hits = start_gateway(binary, tmp, "hits", node.url, "auto")
        procs.append(hits)
        passing = start_gateway(binary, tmp, "pass", node.url, "off")
        procs.append(passing)
        body = json.dumps({"model": model, "messages": [{"role": "user", "content": "Once upon a time"}],
                           "temperature": 0, "max_tokens": 1})
        # Warm: the first answer is stored, the second must come from the cache.
        for want in ("miss", "hit"):
            status, cache, _ = post(hits.url, body)
            if status != 200 or cache != want:
                raise SystemExit(f"warming the cache: HTTP {status}, x-hearth-cache {cache} (expected {want})")
        status, cache, _ = post(passing.url, body)
        if status != 200 or cache == "hit":
            raise SystemExit(f"pass-through gateway: HTTP {status}, x-hearth-cache {cache}")

        results = []
        for c in a.connections:
            before = cache_hits(hits.url)
            h = wrk(hits.url, body, c, a.duration)
            served = cache_hits(hits.url) - before
            if served < h["requests"]:
                raise SystemExit(f"only {served} of {h['requests']} requests were cache hits")
            reused0, new0 = upstream_connections(passing.url)
            p = wrk(passing.url, body, c, a.duration)
            reused1, new1 = upstream_connections(passing.url)
            d = wrk(node.url, body, c, a.duration)
            for name, r in (("hits", h), ("pass", p), ("direct", d)):
                if r["errors_total"]:
                    raise SystemExit(f"{name} with {c} connection(s): errors {r['errors']}")
            results.append({
                "connections": c,
                "hits": h, "pass": p, "direct": d,
                "added_pass_p50_ms": p["p50_ms"] - d["p50_ms"],
                "added_pass_p99_ms": p["p99_ms"] - d["p99_ms"],
                "pass_upstream_connections": {"reused": reused1 - reused0, "new": new1 - new0},
            })
    finally:
        for p in reversed(procs):
            p.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    load = os.getloadavg()[0]
    if a.json:
        print(json.dumps({"duration_s": a.duration, "cpus": os.cpu_count(), "load_average_1m_before": load_before,
                          "load_average_1m_after": load, "runs": results}, indent=2))
        return
    print(f"gateway load (wrk, loopback, {a.duration} s per run, {os.cpu_count()} CPUs; "
          f"1-min load average {load_before:.2f} before, {load:.2f} after)")
    print("a cache hit's latency is all the gateway's own; pass-through adds (pass - direct)")
    print(f"{'conns':>5}  {'case':<28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for r in results:
        rows = [("cache hit (gateway)", r["hits"]), ("pass-through (gateway)", r["pass"]),
                ("direct to the node", r["direct"])]
        for label, x in rows:
            print(f"{r['connections']:>5}  {label:<28} {x['rps']:>9.0f} {x['p50_ms']:>8.3f} {x['p99_ms']:>8.3f}")
        print(f"{r['connections']:>5}  {'added by pass-through':<28} {'':>9} "
              f"{r['added_pass_p50_ms']:>8.3f} {r['added_pass_p99_ms']:>8.3f}")
        u = r["pass_upstream_connections"]
        print(f"{'':>5}  (pass-through: {u['reused']} requests on reused upstream connections, {u['new']} on new ones)")


if __name__ == "__main__":
    main()
