#!/usr/bin/env python3
"""httpd.py - the web server that scripts/record-traffic.sh runs in its server namespace.

    python3 httpd.py --port 80 [--port 443 --tls CERT KEY] [--log FILE]

Serves HTTP/1.1 with keep-alive on every address (IPv4 and IPv6) of the
namespace, and the same content over TLS when given a certificate.  All
content is generated in memory and is the same on every run, so captures
differ only where real network behaviour differs.

Paths:
    /                 a small HTML page (Content-Length)
    /files/NAME.txt   text of a size set by NAME, e.g. /files/64k.txt (Content-Length)
    /files/NAME.bin   the same sizes as bytes, application/octet-stream
    /chunked/SIZE     SIZE bytes sent with Transfer-Encoding: chunked, in chunks of 4 KiB
                      (/chunked/SIZE?chunk=N for N-byte chunks)
    /slow/MS          a small JSON answer after a pause of MS milliseconds
    /upload           POST: reads the body (Content-Length) and answers 201 with its size
    anything else     404
HEAD works on every GET path.
"""

import argparse
import hashlib
import http.server
import socket
import ssl
import sys
import threading
import time
from urllib.parse import parse_qs, urlsplit

UNITS = {"": 1, "k": 1024, "m": 1024 * 1024}
MAX_SIZE = 64 * 1024 * 1024
WORDS = (
    "network monitor expert capture frame protocol property filter address "
    "segment window retransmit response server client request packet buffer "
    "ethernet datagram stream session transaction coalesce distribution"
).split()


def parse_size(text):
    """Turn '64k', '1m' or '1500' into a byte count, or None."""
    text = text.lower()
    unit = text[-1:] if text[-1:] in ("k", "m") else ""
    digits = text[: len(text) - len(unit)]
    if not digits.isdigit():
        return None
    size = int(digits) * UNITS[unit]
    return size if 0 <= size <= MAX_SIZE else None


_cache = {}
_cache_lock = threading.Lock()


def text_body(size):
    """Deterministic readable text of exactly SIZE bytes, numbered lines of words."""
    with _cache_lock:
        if size in _cache:
            return _cache[size]
    lines = []
    total = 0
    n = 0
    while total < size:
        words = " ".join(WORDS[(n * 7 + i) % len(WORDS)] for i in range(9))
        line = "%06d %s\n" % (n, words)
        lines.append(line)
        total += len(line)
        n += 1
    body = "".join(lines).encode("ascii")[:size]
    with _cache_lock:
        _cache[size] = body
    return body


def binary_body(size):
    """Deterministic pseudo-random bytes: a SHA-256 counter stream."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(b"nmexpert-%d" % counter).digest()
        counter += 1
    return bytes(out[:size])


INDEX = (
    b"<!DOCTYPE html>\n<html><head><title>nmexpert test server</title></head>\n"
    b"<body><h1>nmexpert test server</h1>\n"
    b"<p>This page is served inside a private network namespace.</p>\n"
    b'<ul><li><a href="/files/64k.txt">64k.txt</a></li>\n'
    b'<li><a href="/chunked/32k">chunked</a></li></ul>\n'
    b"</body></html>\n"
)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nmx-httpd/1.0"
    sys_version = ""

    def log_message(self, fmt, *args):
        log = self.server.log
        if log is not None:
            log.write("%s %s\n" % (self.address_string(), fmt % args))
            log.flush()

    def send_body(self, status, ctype, body):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_chunked(self, size, chunk):
        body = text_body(size)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if self.command == "HEAD":
            return
        for off in range(0, len(body), chunk):
            piece = body[off : off + chunk]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")

    def do_GET(self):
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        if not parts:
            self.send_body(200, "text/html; charset=utf-8", INDEX)
            return
        if parts[0] == "files" and len(parts) == 2 and "." in parts[1]:
            name, ext = parts[1].rsplit(".", 1)
            size = parse_size(name)
            if size is not None and ext == "txt":
                self.send_body(200, "text/plain; charset=utf-8", text_body(size))
                return
            if size is not None and ext == "bin":
                self.send_body(200, "application/octet-stream", binary_body(size))
                return
        if parts[0] == "chunked" and len(parts) == 2:
            size = parse_size(parts[1])
            chunk = parse_qs(url.query).get("chunk", ["4096"])[0]
            if size is not None and chunk.isdigit() and 0 < int(chunk) <= 1 << 20:
                self.send_chunked(size, int(chunk))
                return
        if parts[0] == "slow" and len(parts) == 2 and parts[1].isdigit():
            ms = min(int(parts[1]), 5000)
            time.sleep(ms / 1000.0)
            self.send_body(200, "application/json", b'{"delay_ms": %d}\n' % ms)
            return
        self.send_body(404, "text/html; charset=utf-8", b"<html><body>Not found</body></html>\n")

    do_HEAD = do_GET

    def do_POST(self):
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > MAX_SIZE:
            self.send_body(411, "text/plain", b"length required\n")
            self.close_connection = True
            return
        left = int(length)
        while left > 0:
            got = self.rfile.read(min(left, 65536))
            if not got:
                break
            left -= len(got)
        if urlsplit(self.path).path == "/upload":
            self.send_body(201, "application/json", b'{"received": %s}\n' % length.encode())
        else:
            self.send_body(404, "text/plain", b"not found\n")


class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True
    request_queue_size = 128

    def server_bind(self):
        # One socket for IPv4 and IPv6 clients.
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def main():
    ap = argparse.ArgumentParser(description="HTTP/HTTPS server for traffic recordings")
    ap.add_argument("--port", type=int, action="append", required=True,
                    help="port to serve; the first is plain HTTP, a second one is TLS")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="certificate for the TLS port")
    ap.add_argument("--log", help="access log file")
    args = ap.parse_args()
    log = open(args.log, "a", encoding="utf-8") if args.log else None

    servers = []
    for i, port in enumerate(args.port):
        srv = Server(("::", port), Handler)
        srv.log = log
        if i > 0:
            if not args.tls:
                ap.error("a second port needs --tls CERT KEY")
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(args.tls[0], args.tls[1])
            ctx.set_alpn_protocols(["http/1.1"])
            srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        servers.append(srv)
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    print("httpd: serving on ports %s" % ", ".join(map(str, args.port)), flush=True)
    try:
        for t in threads:
            t.join()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
