#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A stand-in for CrowdSec's Local API, for the bouncer tests: it serves
GET /v1/decisions/stream as the LAPI documents it, and misbehaves on demand.

    fake_lapi.py DIR PORT KEY

DIR/decisions.json is the list of active decisions (the test rewrites it;
each has a unique "id"); the server keeps what it last gave the bouncer and
answers startup=false with the difference, as the LAPI does. DIR/mode says
how to answer: ok, forbidden (403 whatever the key), garbage, huge (2 MiB of
valid JSON), slow (hold the request 30 s), cut (close without answering),
lose (take the answer as given, as the LAPI 1.4.6 moves its last pull before
it writes, then close without answering), error (HTTP 500, nothing given, as
the LAPI when its database fails). While DIR/hold_full exists (at most 60 s)
a startup=true request holds its answer, taken when it came, and sets what
was given only when it answers, as the LAPI sets the last pull to the time
the request came; if DIR/cut_full exists when the hold ends, it closes
without answering. DIR/delay_ms (absent: 0) holds every stream answer
that long after its table was read, as a LAPI with a large table does.
Every request is logged to DIR/requests.log: "startup=BOOL key=OK|BAD
t=MONOTONIC_MS", "alerts=N" for each push of the watcher (POST
/v1/alerts; any machine login is taken), "full answered" when a held startup request answers, and
"lost new=IDS deleted=IDS" when an answer is lost. The
port is written to DIR/port once listening."""
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

DIR, PORT, KEY = sys.argv[1], int(sys.argv[2]), sys.argv[3]
given = {}   # id -> decision as last given to the bouncer


def read(name, default):
    try:
        with open(os.path.join(DIR, name)) as f:
            return f.read().strip() or default
    except FileNotFoundError:
        return default


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        global given
        url = urlparse(self.path)
        startup = parse_qs(url.query).get("startup", ["false"])[0] == "true"
        key_ok = self.headers.get("X-Api-Key") == KEY
        with open(os.path.join(DIR, "requests.log"), "a") as f:
            f.write("startup=%s key=%s t=%d\n" % (str(startup).lower(), "OK" if key_ok else "BAD",
                                                   int(time.monotonic() * 1000)))
        mode = read("mode", "ok")
        if url.path != "/v1/decisions/stream":
            return self.answer(404, b'{"message":"not found"}')
        if mode == "forbidden" or not key_ok:
            return self.answer(403, b'{"message":"access forbidden"}')
        if mode == "garbage":
            return self.answer(200, b'{"new": [ {"value": \x00\xff garbage')
        if mode == "huge":
            pad = [{"type": "captcha", "scope": "Ip", "value": "192.0.2.1",
                    "duration": "1h", "origin": "x", "scenario": "p" * 200}] * 8000
            return self.answer(200, json.dumps({"new": pad, "deleted": []}).encode())
        if mode == "slow":
            time.sleep(30)
            return self.answer(200, b'{"new":[],"deleted":[]}')
        if mode == "cut":
            self.close_connection = True
            return
        if mode == "error":
            return self.answer(500, b'{"message":"database is locked"}')
        now = {str(d["id"]): d for d in json.loads(read("decisions.json", "[]"))}
        if startup:
            new, deleted = list(now.values()), []
            held = False
            for _ in range(600):
                if not os.path.exists(os.path.join(DIR, "hold_full")):
                    break
                held = True
                time.sleep(0.1)
            if held and os.path.exists(os.path.join(DIR, "cut_full")):
                self.close_connection = True
                return
            if held:
                with open(os.path.join(DIR, "requests.log"), "a") as f:
                    f.write("full answered\n")
        else:
            new = [d for i, d in now.items() if given.get(i) != d]
            deleted = [d for i, d in given.items() if i not in now]
        given = now
        # the LAPI's answer time: its table read, then it takes this long to answer
        time.sleep(int(read("delay_ms", "0")) / 1000)
        if mode == "lose":
            with open(os.path.join(DIR, "requests.log"), "a") as f:
                f.write("lost new=%s deleted=%s\n" % (",".join(str(d["id"]) for d in new),
                                                       ",".join(str(d["id"]) for d in deleted)))
            self.close_connection = True
            return
        self.answer(200, json.dumps({"new": new or None, "deleted": deleted or None}).encode())

    def do_POST(self):
        # the watcher: any machine login gets a token, every alert is taken
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        path = urlparse(self.path).path
        if path == "/v1/watchers/login":
            return self.answer(200, b'{"code":200,"expire":"2099-01-01T00:00:00Z","token":"t0k"}')
        if path != "/v1/alerts" or self.headers.get("Authorization") != "Bearer t0k":
            return self.answer(403, b'{"message":"access forbidden"}')
        with open(os.path.join(DIR, "requests.log"), "a") as f:
            f.write("alerts=%d\n" % len(json.loads(body)))
        self.answer(201, b'["1"]')


ThreadingHTTPServer.daemon_threads = True
server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
