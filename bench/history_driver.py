#!/usr/bin/env python3
"""Writes a page history into one memoryd and reads it back, timing both.

One keep-alive connection: creates a session and a site holding the first
body as version 1, posts the others as versions 2..n one at a time (each a
request of its own, as an agent saves), then GETs `reads` random versions
and checks each against what was posted, byte for byte. Prints one line:
  writes=N write_p50_ms=.. write_mean_ms=.. reads=M read_p50_ms=.. read_mean_ms=..

Usage: history_driver.py PORT BODIES.jsonl READS [SEED]
"""

import http.client
import json
import random
import statistics
import sys
import time


def call(conn, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data else {}
    t = time.perf_counter()
    conn.request(method, path, body=data, headers=headers)
    resp = conn.getresponse()
    raw = resp.read()
    elapsed = time.perf_counter() - t
    if resp.status // 100 != 2:
        sys.exit(f"{method} {path}: {resp.status} {raw[:200]!r}")
    return json.loads(raw), elapsed


def summary(name, samples):
    ms = sorted(s * 1000 for s in samples)
    return (f"{name}={len(ms)} {name[:-1]}_p50_ms={ms[len(ms) // 2]:.3f} "
            f"{name[:-1]}_mean_ms={statistics.fmean(ms):.3f}")


def main():
    port, bodies_path, reads = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 5)
    bodies = [json.loads(line) for line in open(bodies_path)]
    conn = http.client.HTTPConnection("127.0.0.1", port)
    session, _ = call(conn, "POST", "/api/sessions", {"user_id": "bench"})
    sid = session["session_id"]
    site, _ = call(conn, "POST", f"/api/sessions/{sid}/sites",
                   {"name": "history", "code": bodies[0]["code"]})
    site_id = site["site_id"]
    writes = []
    for body in bodies[1:]:
        _, elapsed = call(conn, "POST",
                          f"/api/sessions/sites/{site_id}/versions", body)
        writes.append(elapsed)
    read_times = []
    for _ in range(reads):
        n = rng.randrange(1, len(bodies) + 1)
        version, elapsed = call(
            conn, "GET", f"/api/sessions/sites/{site_id}/versions/{n}")
        if version["code"] != bodies[n - 1]["code"]:
            sys.exit(f"version {n} came back different")
        read_times.append(elapsed)
    print(summary("writes", writes), summary("reads", read_times))


if __name__ == "__main__":
    main()
