#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixture servers for test_monitor.sh, on loopback of the test's namespace.

  https (CERT, KEY): the five sources from fixtures_monitor/ (dates filled
      in), with ETag / Last-Modified and 304 answers, and hostile answers:
      /huge (endless bytes), /truncated (shorter than its Content-Length),
      /wrong.json (JSON of another shape), /not-json, /nvd-limited (403),
      /flood.atom (30 HIGH
      entries), /redirect-http (302 to
      http://), /redirect-ok (302 to /git.atom), /slow (never ends).
  http: webhook endpoints /hook/NAME: each POST body appended as one JSON
      line to LOG ({"hook", "headers", "body"}); /hook/fail answers 500.
  smtp: a minimal SMTP server; each message appended to LOG as {"smtp", "from",
      "to", "data", "tls", "user"}; a second one offers STARTTLS (the https
      certificate) and AUTH PLAIN, logging {"auth": USER, "password", "tls"} for each AUTH.
Every request of the https server is appended to LOG too ({"path", "inm",
"ims", "status"}). The four ports are written to PORTS when all listen.
"""
import base64
import datetime
import email.utils
import http.server
import json
import os
import socketserver
import ssl
import sys
import threading
import time

FIXTURES, CERT, KEY, LOG, PORTS = sys.argv[1:6]
NOW = datetime.datetime.now(datetime.timezone.utc)
OLD = NOW - datetime.timedelta(days=60)
SUBST = {
    "@NOW_TS@": str(int(NOW.timestamp())), "@OLD_TS@": str(int(OLD.timestamp())),
    "@NOW_DATE@": NOW.strftime("%Y-%m-%d"), "@OLD_DATE@": OLD.strftime("%Y-%m-%d"),
    "@NOW_ISO@": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), "@OLD_ISO@": OLD.strftime("%Y-%m-%dT%H:%M:%SZ"),
    "@NOW_RFC822@": email.utils.format_datetime(NOW),
}
ROUTES = {"/releases.json": ("releases.json", "application/json"),
          "/nftables/downloads.html": ("downloads.html", "text/html"),
          "/nvd": ("nvd.json", "application/json"),
          "/list.atom": ("list.atom", "application/atom+xml"),
          "/list.rss": ("list.rss", "application/rss+xml"),
          "/git.atom": ("git.atom", "application/atom+xml")}
LOCK = threading.Lock()


def log(obj):
    with LOCK, open(LOG, "a") as f:
        f.write(json.dumps(obj) + "\n")


def body_of(name):
    with open(os.path.join(FIXTURES, name)) as f:
        text = f.read()
    for k, v in SUBST.items():
        text = text.replace(k, v)
    return text.encode()


class Sources(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", ctype="text/plain", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        entry = {"path": self.path, "inm": self.headers.get("If-None-Match"),
                 "ims": self.headers.get("If-Modified-Since"), "apikey": self.headers.get("apiKey")}
        status = 200
        try:
            if path in ROUTES:
                name, ctype = ROUTES[path]
                etag = '"%s-1"' % name
                if self.headers.get("If-None-Match") == etag:
                    status = 304
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self.send(200, body_of(name), ctype,
                              [("ETag", etag), ("Last-Modified", "Mon, 05 Feb 2024 10:00:00 GMT")])
            elif path == "/flood.atom":
                entries = "".join(
                    "<entry><title>netfilter: flood entry %d: use-after-free</title>"
                    "<updated>%s</updated><id>urn:flood:%d</id>"
                    "<link href='https://example.org/%d'/></entry>" % (i, SUBST["@NOW_ISO@"], i, i)
                    for i in range(30))
                self.send(200, ("<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'>"
                                "<title>flood</title>%s</feed>" % entries).encode(), "application/atom+xml")
            elif path == "/huge":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                chunk = b"[" + b"0," * 32768
                for _ in range(4096):   # 256 MiB at most: the client must stop long before
                    self.wfile.write(chunk)
            elif path == "/truncated":
                body = body_of("releases.json")
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
            elif path == "/nvd-limited":
                status = 403
                self.send(403, b'{"message": "Request forbidden by administrative rules."}',
                          "application/json")
            elif path == "/wrong.json":
                self.send(200, b'{"message": "rate limited", "items": []}', "application/json")
            elif path == "/not-json":
                self.send(200, b"<html><body>Service Unavailable</body></html>", "text/html")
            elif path == "/redirect-http":
                status = 302
                self.send(302, b"", headers=[("Location", "http://127.0.0.1:%d/releases.json" % HOOK_PORT)])
            elif path == "/redirect-ok":
                status = 302
                self.send(302, b"", headers=[("Location", "/git.atom")])
            elif path == "/slow":
                self.send_response(200)
                self.send_header("Content-Type", "application/atom+xml")
                self.end_headers()
                self.wfile.write(b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'>")
                for _ in range(600):    # one byte a second: never ends for the client
                    self.wfile.flush()
                    time.sleep(1)
                    self.wfile.write(b" ")
            else:
                status = 404
                self.send(404, b"not found")
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            status = -1
        entry["status"] = status
        log(entry)


class Hooks(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode("utf-8", "replace")
        hook = self.path.rsplit("/", 1)[-1]
        log({"hook": hook, "title": self.headers.get("Title"), "body": body})
        code = 500 if hook == "fail" else 200
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


class Smtp(socketserver.StreamRequestHandler):
    starttls = False    # the second server offers STARTTLS and AUTH

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 fixture ESMTP")
        mail_from, rcpt, tls, user = None, [], False, None
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            cmd = line.decode("utf-8", "replace").strip()
            verb = cmd[:4].upper()
            if verb in ("EHLO", "HELO") and self.starttls:
                self.reply("250-fixture")
                self.reply("250-AUTH PLAIN" if tls else "250-STARTTLS")
                self.reply("250 8BITMIME")
            elif verb in ("EHLO", "HELO"):
                self.reply("250 fixture")
            elif cmd.upper() == "STARTTLS" and self.starttls and not tls:
                self.reply("220 go ahead")
                self.request = ctx.wrap_socket(self.request, server_side=True)
                self.rfile = self.request.makefile("rb")
                self.wfile = self.request.makefile("wb", buffering=0)
                tls = True
            elif verb == "AUTH":
                parts = cmd.split()
                if len(parts) < 3:    # no initial response: ask for it
                    self.reply("334 ")
                    parts.append(self.rfile.readline(4096).decode().strip())
                creds = (base64.b64decode(parts[2]).split(b"\0") + [b"", b"?"])[:3]
                user = creds[1].decode("utf-8", "replace")
                log({"auth": user, "password": creds[2].decode("utf-8", "replace"), "tls": tls})
                self.reply("235 ok")
            elif verb == "MAIL":
                mail_from = cmd[10:].strip()
                self.reply("250 ok")
            elif verb == "RCPT":
                rcpt.append(cmd[8:].strip())
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                data = []
                while True:
                    l = self.rfile.readline(65536)
                    if not l or l in (b".\r\n", b".\n"):
                        break
                    data.append(l.decode("utf-8", "replace"))
                log({"smtp": True, "from": mail_from, "to": rcpt, "data": "".join(data),
                     "tls": tls, "user": user})
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


class ThreadingTCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sources)
srv.daemon_threads = True
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
hooks = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hooks)
hooks.daemon_threads = True
HOOK_PORT = hooks.server_address[1]
smtp = ThreadingTCP(("127.0.0.1", 0), Smtp)
SmtpTls = type("SmtpTls", (Smtp,), {"starttls": True})
smtp_tls = ThreadingTCP(("127.0.0.1", 0), SmtpTls)
for s in (srv, hooks, smtp, smtp_tls):
    threading.Thread(target=s.serve_forever, daemon=True).start()
with open(PORTS + ".tmp", "w") as f:
    f.write("%d %d %d %d\n" % (srv.server_address[1], HOOK_PORT, smtp.server_address[1],
                               smtp_tls.server_address[1]))
os.rename(PORTS + ".tmp", PORTS)
threading.Event().wait()
