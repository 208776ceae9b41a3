#!/usr/bin/env python3
"""Behaves like the Blender add-on (render_bitwrk) and its worker script
towards a BitWrk client, as described in the reference notes on BitWrk
0.7's client, section 11. Python 3 standard library only.

  bitwrk_addon.py buy    --client HOST:PORT --article A --blend FILE
                         [--price MONEY] [--save-work FILE] [--out FILE]
  bitwrk_addon.py worker --client HOST:PORT --article A [--fail]

`buy` probes the client (/id, then /version on the same connection), builds
a tile's work (the add-on's tagged stream with the .blend as the last
record), POSTs it to /buy/<article> with chunked transfer encoding and no
Content-Type (and, unlike the add-on, with ?price= when --price is given,
so that no buy mandate is needed), follows the 303 to /file/<sha256> and checks that the bytes
it gets hash to that name. Exit status 0 on success, 1 with a message on
stderr otherwise.

`worker` probes the client, asks /myip, listens on that address, registers
(0.7's form fields), serves POST /work (chunked or Content-Length bodies)
with a checkable result (b"rendered:" + the work reversed, or 500 with
--fail), registers again after every request (the idle signal) and
unregisters on SIGTERM or SIGINT. It prints `ready <pushurl>` once
registered and `job <n> <status> <sha256 of the work>` after each job.
"""

import argparse
import hashlib
import http.client
import http.server
import re
import signal
import socket
import struct
import sys
import threading
import urllib.parse

ID_TEXT = b"BitWrk Go Client"
VERSION_RE = re.compile(rb"^[0-9]+\.[0-9]+\.[0-9]+")


class Failure(Exception):
    pass


def split_hostport(text):
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def probe(host, port, timeout):
    """The add-on's probe: /id, then /version on the same connection."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", "/id")
        r = conn.getresponse()
        body = r.read()
        if r.status != 200 or body[:256] != ID_TEXT:
            raise Failure("/id answered %d %r, expected 200 %r" % (r.status, body[:256], ID_TEXT))
        if r.will_close or conn.sock is None:
            raise Failure("/id closed the connection; the add-on asks /version on the same one")
        first = conn.sock.getsockname()
        conn.request("GET", "/version")
        r = conn.getresponse()
        body = r.read()
        if conn.sock is None or conn.sock.getsockname() != first:
            raise Failure("/version was not asked on the connection of /id")
        if r.status != 200 or not VERSION_RE.match(body):
            raise Failure("/version answered %d %r, expected N.N.N" % (r.status, body[:64]))
        return body.decode("ascii", "replace")
    finally:
        conn.close()


def record(tag, payload):
    return tag + struct.pack(">I", len(payload)) + payload


def tile_work(blend, xmin=0, ymin=0, xmax=63, ymax=63, frame=1):
    """The add-on's tagged stream: bbox and frame, one resource, the .blend last."""
    parts = [record(t, struct.pack(">i", v)) for t, v in
             ((b"xmin", xmin), (b"ymin", ymin), (b"xmax", xmax), (b"ymax", ymax), (b"fram", frame))]
    alias = hashlib.md5(b"//textures/wood.png").hexdigest().encode()
    orig = "//textures/wood.png".encode("utf-8")
    data = b"\x89PNG fake texture"
    rsrc = (struct.pack(">I", len(alias)) + alias + struct.pack(">I", len(orig)) + orig
            + struct.pack(">I", len(data)) + data)
    parts.append(record(b"rsrc", rsrc))
    parts.append(record(b"blen", blend))
    return b"".join(parts)


def parse_work(work):
    """Checks the tagged stream as the worker script does; returns the tags."""
    tags, i = [], 0
    while i < len(work):
        if len(work) - i < 8:
            raise Failure("truncated record header at %d" % i)
        tag, n = work[i:i + 4], struct.unpack(">I", work[i + 4:i + 8])[0]
        if n > 0x8FFFFFFF or i + 8 + n > len(work):
            raise Failure("record %r of %d bytes does not fit" % (tag, n))
        if tag != b"rsrc" and tag in tags:
            raise Failure("tag %r repeated" % tag)
        tags.append(tag)
        i += 8 + n
    if not tags or tags[-1] != b"blen":
        raise Failure("the .blend is not the last record")
    return tags


def render(work):
    """The worker's checkable result."""
    return b"rendered:" + work[::-1]


def buy(args):
    host, port = split_hostport(args.client)
    probe(host, port, 1.0)
    with open(args.blend, "rb") as f:
        work = tile_work(f.read())
    if args.save_work:
        with open(args.save_work, "wb") as f:
            f.write(work)
    conn = http.client.HTTPConnection(host, port, timeout=600)
    path = "/buy/" + args.article
    if args.price:
        path += "?price=" + urllib.parse.quote(args.price)
    conn.putrequest("POST", path, skip_accept_encoding=True)
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    step = 1000
    for i in range(0, len(work), step):
        piece = work[i:i + step]
        conn.send(b"%x\r\n" % len(piece) + piece + b"\r\n")
    conn.send(b"0\r\n\r\n")
    r = conn.getresponse()
    text = r.read(1024)
    location = r.getheader("Location") or ""
    conn.close()
    if r.status != 303:
        raise Failure("POST %s answered %d: %s" % (path, r.status, text.decode("utf-8", "replace")))
    m = re.fullmatch(r"/file/([0-9a-f]{64})", location)
    if not m:
        raise Failure("Location %r is not /file/<sha256>" % location)
    conn = http.client.HTTPConnection(host, port, timeout=60)
    conn.request("GET", location)
    r = conn.getresponse()
    result = r.read()
    conn.close()
    if r.status != 200:
        raise Failure("GET %s answered %d" % (location, r.status))
    if hashlib.sha256(result).hexdigest() != m.group(1):
        raise Failure("the result's SHA-256 is not the name it was served under")
    if args.out:
        with open(args.out, "wb") as f:
            f.write(result)
    print("result %s %d" % (m.group(1), len(result)), flush=True)


def post_form(host, port, path, fields):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    body = urllib.parse.urlencode(fields)
    conn.request("POST", path, body=body,
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    r = conn.getresponse()
    text = r.read()
    conn.close()
    if r.status != 200:
        raise Failure("POST %s answered %d: %s" % (path, r.status, text.decode("utf-8", "replace")))


def worker(args):
    host, port = split_hostport(args.client)
    probe(host, port, 10.0)
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", "/myip")
    r = conn.getresponse()
    myip = r.read().decode("ascii").strip()
    conn.close()
    if r.status != 200:
        raise Failure("/myip answered %d" % r.status)
    # The client's /myip has the port (the server's has not).
    m = re.fullmatch(r"\[([^\]]+)\](?::\d+)?|([^:]+)(?::\d+)?|([0-9a-fA-F:]+)", myip)
    if not m:
        raise Failure("cannot read /myip %r" % myip)
    ip = next(g for g in m.groups() if g)
    jobs = [0]
    registration = {}
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def read_body(self):
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                body = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return body
                    body += self.rfile.read(size)
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def answer(self, status, body):
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()

        def do_GET(self):
            self.answer(404, b"")

        def do_POST(self):
            work = self.read_body()
            if self.path != "/work":
                self.answer(404, b"")
                return
            status = 200
            try:
                parse_work(work)
                result = render(work)
            except Failure as e:
                status, result = 500, str(e).encode()
            if args.fail:
                status, result = 500, b"Blender failed"
            self.answer(status, result)
            self.close_connection = True
            with lock:
                jobs[0] += 1
                n = jobs[0]
            print("job %d %d %s" % (n, status, hashlib.sha256(work).hexdigest()), flush=True)
            # Idle again: the keep-alive of 0.7's worker protocol.
            post_form(host, port, "/registerworker", registration)

    family = socket.AF_INET6 if ":" in ip else socket.AF_INET

    class Server(http.server.HTTPServer):
        address_family = family

    srv = Server((ip, 0), Handler)
    wport = srv.server_address[1]
    shown = "[%s]" % ip if ":" in ip else ip
    pushurl = "http://%s:%d/work" % (shown, wport)
    registration.update({"id": "blender-%s-%d" % (ip, wport), "article": args.article,
                         "pushurl": pushurl})
    post_form(host, port, "/registerworker", registration)
    print("ready %s" % pushurl, flush=True)

    def stop(signum, frame):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    srv.serve_forever()
    post_form(host, port, "/unregisterworker", {"id": registration["id"]})
    print("unregistered", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="mode", required=True)
    b = sub.add_parser("buy")
    b.add_argument("--client", default="localhost:8081")
    b.add_argument("--article", required=True)
    b.add_argument("--blend", required=True)
    b.add_argument("--price")
    b.add_argument("--save-work")
    b.add_argument("--out")
    w = sub.add_parser("worker")
    w.add_argument("--client", default="localhost:8081")
    w.add_argument("--article", required=True)
    w.add_argument("--fail", action="store_true")
    args = p.parse_args()
    try:
        (buy if args.mode == "buy" else worker)(args)
    except (Failure, OSError, http.client.HTTPException) as e:
        print("bitwrk_addon.py %s: %s" % (args.mode, e), file=sys.stderr, flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
