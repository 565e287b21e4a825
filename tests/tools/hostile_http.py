#!/usr/bin/env python3
# SPDX-License-Identifier: EUPL-1.2
"""hostile_http.py - hostile HTTP clients against ozgmond's exporter (loopback only).

Used by tests/integration/test_hostile_http.sh.  Two parts:

  checks   one request at a time: path traversal in every encoding, methods
           other than GET/HEAD, HTTP/1.0 without Host, pipelining, oversized
           URIs and headers.  Prints "ok ..." or "FAIL ..." per check.
  attack   idle and slowloris connections from several loopback source
           addresses (127.0.0.2 ...) for --seconds; prints what the server
           did to the attackers.
  scrapes  a normal client on 127.0.0.1 scraping /metrics (run it in another
           process while the attack lasts); prints p50/p99/max latency.
  burst    --burst short connections at --parallel from 127.0.0.1, each one
           request (or refused), for at most --seconds; prints the counts.
  wrongpw  --wrong requests with a wrong password in parallel while --scrapes
           scrapes with the right one (--user, --password) are timed.

attack with --src 127.0.0.1 opens every socket from that one address (the
scraper's own) and, with --reconnect, opens a new one for each the server
drops, so the number of attacking sockets stays the same.

Every loop is bounded in count and time; every socket has a timeout.
"""
import argparse
import re
import select
import socket
import sys
import threading
import time

HOST = "127.0.0.1"


def request(port, raw, timeout=5.0, src=None, read_all=True):
    """Sends raw bytes, returns (status or None, headers dict, body bytes, raw response)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if src:
        s.bind((src, 0))
    data = b""
    try:
        s.connect((HOST, port))
        s.sendall(raw)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(data) < 4 << 20:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            data += chunk
            if not read_all and b"\r\n\r\n" in data:
                break
    except OSError:
        pass
    finally:
        s.close()
    return parse(data) + (data,)


def parse(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = None
    if lines and lines[0].startswith(b"HTTP/1."):
        try:
            status = int(lines[0].split()[1])
        except (IndexError, ValueError):
            status = None
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(b":")
        hdrs[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
    return status, hdrs, body


class Report:
    def __init__(self):
        self.failed = 0

    def check(self, what, cond):
        if cond:
            print("  ok   " + what, flush=True)
        else:
            self.failed += 1
            print("  FAIL " + what, flush=True)


def get(target, extra=b"", version=b"HTTP/1.1", method=b"GET", host=True):
    req = method + b" " + target + b" " + version + b"\r\n"
    if host:
        req += b"Host: 127.0.0.1\r\n"
    return req + extra + b"Connection: close\r\n\r\n"


def checks(args):
    r = Report()
    port = args.port
    secret = args.secret.encode()

    st, _, body, _ = request(port, get(b"/probe.html"))
    r.check("control: a dashboards file is served (%s)" % st, st == 200 and b"inside" in body)

    # Every spelling of "the file next to the dashboards directory" and of /etc/passwd.
    targets = [
        b"/../secret.html", b"/x/../../secret.html", b"/..%2fsecret.html",
        b"/%2e%2e/secret.html", b"/%2E%2E/secret.html", b"/.%2e/secret.html",
        b"/%2e%2e%2fsecret.html", b"/%252e%252e/secret.html", b"/..%5csecret.html",
        b"/..\\secret.html", b"/x\\..\\..\\secret.html", b"/%5c..%5csecret.html",
        b"/%c0%ae%c0%ae/secret.html", b"/%e0%80%ae%e0%80%ae/secret.html",
        b"/%c0%af../secret.html", b"/..%c0%afsecret.html", b"/..%ef%bc%8fsecret.html",
        b"/probe.html%00/../../secret.html", b"/%00../secret.html", b"/..%00/secret.html",
        b"//secret.html", b"/./../secret.html", b"/%2e/%2e%2e/secret.html",
        b"/../../../../../../etc/passwd", b"/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        b"/..%2f..%2f..%2f..%2fetc%2fpasswd", b"/....//....//etc/passwd",
        b"/%252e%252e%252f%252e%252e%252fetc%252fpasswd", b"/etc/passwd",
        b"//etc/passwd", b"/\\etc\\passwd", b"/api/v1/../../secret.html",
        b"/api/v1/history/..%2f..%2fsecret", b"/-/../secret.html",
        b"http://127.0.0.1/../secret.html", b"/probe.html/../../secret.html",
    ]
    leaks = []
    statuses = {}
    for t in targets:
        st, _, body, raw = request(port, get(t))
        statuses[st] = statuses.get(st, 0) + 1
        if secret in raw or b"root:x:0:0" in raw or st not in (400, 404, 414):
            leaks.append((t, st))
    r.check("path traversal: %d spellings, none served (statuses %s)%s" % (
        len(targets), dict(sorted((str(k), v) for k, v in statuses.items())),
        "" if not leaks else " leaks: %r" % leaks[:5]), not leaks)
    # A raw NUL byte inside the request line.
    st, _, body, raw = request(port, b"GET /probe.html\x00/../../secret.html HTTP/1.1\r\n"
                               b"Host: x\r\nConnection: close\r\n\r\n")
    # libmicrohttpd ends the target at the NUL before ozgmond sees it: what is
    # served is the part before it (inside the directory), never anything after.
    r.check("NUL byte in the request line: nothing after it is used (%s)" % st,
            secret not in raw and (st in (400, 404, None) or (st == 200 and b"inside" in body)))

    for m in (b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS", b"TRACE", b"PROPFIND", b"FOO"):
        st, hdrs, _, _ = request(port, get(b"/metrics", method=m, extra=b"Content-Length: 0\r\n"))
        r.check("%s /metrics: 405 with Allow: GET, HEAD (%s, %r)" % (m.decode(), st, hdrs.get("allow")),
                st == 405 and hdrs.get("allow") == "GET, HEAD")
    st, _, _, _ = request(port, b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n")
    r.check("CONNECT refused (%s)" % st, st in (400, 405))
    st, hdrs, body, _ = request(port, get(b"/metrics", method=b"HEAD"))
    r.check("HEAD /metrics: 200 without a body (%s, %d bytes)" % (st, len(body)), st == 200 and not body)

    st, _, body, _ = request(port, b"GET /metrics HTTP/1.0\r\n\r\n")
    r.check("HTTP/1.0 without Host: 200 (%s)" % st, st == 200 and b"ozgmon_build_info" in body)
    st, _, _, _ = request(port, b"GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n")
    r.check("HTTP/1.1 without Host: 400 (%s)" % st, st == 400)
    st, _, _, _ = request(port, b"GET /metrics HTTP/2.0\r\nHost: x\r\n\r\n")
    r.check("unknown HTTP version refused (%s)" % st, st in (400, 505))

    pipe = (b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n"
            b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    _, _, _, raw = request(port, pipe)
    codes = [int(c) for c in re.findall(rb"HTTP/1\.1 (\d{3}) ", raw)]
    r.check("pipelining: four requests answered in order (%s)" % codes, codes == [200, 200, 404, 200])

    st, _, _, _ = request(port, get(b"/" + b"a" * 3000))
    r.check("3000-byte URI: 414 (%s)" % st, st == 414)
    st, _, _, raw = request(port, get(b"/" + b"a" * 60000))
    r.check("60000-byte URI: refused (%s)" % st, st in (414, 431, None) and b"200 OK" not in raw)
    st, _, _, raw = request(port, get(b"/metrics", extra=b"X-Big: " + b"b" * 60000 + b"\r\n"))
    r.check("60000-byte header: refused (%s)" % st, st in (413, 431, 400, None) and b"200 OK" not in raw)
    many = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 40) for i in range(2000))
    st, _, _, raw = request(port, get(b"/metrics", extra=many))
    r.check("2000 headers: refused (%s)" % st, st in (413, 431, 400, None) and b"200 OK" not in raw)
    st, _, _, _ = request(port, b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n", timeout=3)
    r.check("huge Content-Length on GET: no crash, answered or dropped (%s)" % st, True)
    st, _, body, _ = request(port, get(b"/-/healthy"))
    r.check("still healthy after the checks (%s)" % st, st == 200)
    return r.failed


class Attack:
    """Idle and slowloris connections from several source addresses, kept up by a thread."""

    def __init__(self, port, addrs, idle, slow, seconds, src=None, reconnect=False):
        self.port, self.addrs, self.idle_n, self.slow_n = port, addrs, idle, slow
        self.seconds, self.src, self.reconnect = seconds, src, reconnect
        self.reopened = 0
        self.socks = []          # (sock, kind, src, opened_at)
        self.opened = 0
        self.refused = 0         # connect failed or closed by the server at once
        self.dropped = 0         # held, then closed by the server
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.errors = {}

    def open_one(self, i, kind):
        src = self.src or "127.0.0.%d" % (2 + i % self.addrs)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((src, 0))
            rc = s.connect_ex((HOST, self.port))
        except OSError as e:
            s.close()
            self.errors[str(e)] = self.errors.get(str(e), 0) + 1
            self.refused += 1
            return
        if rc not in (0, 115):  # EINPROGRESS
            s.close()
            self.errors[rc] = self.errors.get(rc, 0) + 1
            self.refused += 1
            return
        self.opened += 1
        self.socks.append([s, kind, src, time.monotonic(), 0])

    def start(self):
        # Interleaved, so that every address holds slow and idle ones.
        total = self.idle_n + self.slow_n
        for i in range(total):
            self.open_one(i, "slow" if i * self.slow_n // total != (i + 1) * self.slow_n // total else "idle")
        self.t = threading.Thread(target=self.keep, daemon=True)
        self.t.start()

    def keep(self):
        end = time.monotonic() + self.seconds
        while not self.stop.is_set() and time.monotonic() < end:
            with self.lock:
                p = select.poll()
                byfd = {}
                for e in self.socks:
                    s = e[0]
                    if e[1] == "slow":
                        # The request line once, then one header byte a second.
                        try:
                            s.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n" if e[4] == 0 else b"X")
                            e[4] += 1
                        except (BlockingIOError, InterruptedError):
                            pass
                        except OSError:
                            pass
                    p.register(s, select.POLLIN)
                    byfd[s.fileno()] = e
                gone = set()
                for fd, ev in p.poll(0):
                    e = byfd[fd]
                    try:
                        if ev & (select.POLLHUP | select.POLLERR) or not e[0].recv(4096, socket.MSG_PEEK):
                            gone.add(fd)
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:
                        gone.add(fd)
                alive, lost = [], []
                for e in self.socks:
                    if e[0].fileno() in gone:
                        if time.monotonic() - e[3] < 1.0:
                            self.refused += 1
                        else:
                            self.dropped += 1
                        e[0].close()
                        lost.append(e[1])
                    else:
                        alive.append(e)
                self.socks = alive
                if self.reconnect:
                    for i, kind in enumerate(lost):
                        self.open_one(i, kind)
                        self.reopened += 1
            self.stop.wait(1.0)

    def held(self):
        with self.lock:
            per = {}
            for e in self.socks:
                per[e[2]] = per.get(e[2], 0) + 1
            return len(self.socks), per

    def finish(self):
        self.stop.set()
        self.t.join(10)
        with self.lock:
            for e in self.socks:
                e[0].close()
            self.socks = []


def auth_header(user, password):
    if user is None:
        return b""
    import base64
    return b"Authorization: Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()) + b"\r\n"


def scrape(port, user=None, password=None, path=b"/metrics"):
    t0 = time.monotonic()
    st, _, body, _ = request(port, b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                             auth_header(user, password) + b"Connection: close\r\n\r\n", timeout=5)
    ok = st == 200 and (path != b"/metrics" or b"ozgmon_build_info" in body)
    return time.monotonic() - t0, ok, st


def attack(args):
    """Holds the attack for args.seconds, then reports what the server did."""
    r = Report()
    a = Attack(args.port, args.addrs, args.idle, args.slow, args.seconds,
               src=args.src, reconnect=args.reconnect)
    a.start()
    time.sleep(args.settle)
    held, per = a.held()
    print("  attack: %d connections opened from %d addresses; %d held after %.0f s, "
          "%d refused at once" % (a.opened, args.addrs, held, args.settle, a.refused), flush=True)
    if args.per_ip > 0:
        r.check("per-address limit: at most %d held per address (max %d)" % (args.per_ip, max(per.values() or [0])),
                max(per.values() or [0]) <= args.per_ip)
    a.t.join(args.seconds + 30)
    held2, _ = a.held()
    a.finish()
    print("  attackers: %d still held at the end, %d dropped by the server after being held, "
          "%d refused at once" % (held2, a.dropped, a.refused), flush=True)
    print("FIGURES opened=%d refused=%d dropped=%d reopened=%d" %
          (a.opened, a.refused, a.dropped, a.reopened), flush=True)
    if args.expect_dropped:
        r.check("slow and idle attackers were dropped by the server (%d)" % a.dropped, a.dropped > 0)
    return r.failed


def scrapes(args):
    """args.scrapes scrapes of /metrics, one connection each, from 127.0.0.1."""
    r = Report()
    times, good = [], 0
    end = time.monotonic() + args.seconds
    for _ in range(args.scrapes):
        if time.monotonic() > end:
            break
        dt, ok, _ = scrape(args.port, args.user, args.password)
        times.append(dt)
        good += ok
        time.sleep(args.gap)
    times.sort()
    n = len(times)
    p = lambda q: times[min(n - 1, max(0, int(q * n + 0.999999) - 1))] * 1000 if n else float("nan")
    print("  scrapes: %d, %d good; p50 %.1f ms, p99 %.1f ms, max %.1f ms" %
          (n, good, p(0.50), p(0.99), times[-1] * 1000 if n else float("nan")), flush=True)
    print("FIGURES scrapes=%d good=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f" %
          (n, good, p(0.50), p(0.99), times[-1] * 1000 if n else -1), flush=True)
    r.check("%d of %d scrapes answered 200" % (good, n), n >= args.scrapes // 2 and good == n)
    if args.p99_ms > 0:
        limit = args.p99_ms
        if args.baseline_p99_ms > args.p99_ms / 2:
            # The machine is busy before any attack: the bound is relative to that.
            limit = args.baseline_p99_ms + args.p99_ms
            print("  note: p99 without attack already %.1f ms (a busy machine): bound %.1f ms" %
                  (args.baseline_p99_ms, limit), flush=True)
        r.check("scrape p99 %.1f ms < %.0f ms" % (p(0.99), limit), n and p(0.99) < limit)
    return r.failed


def burst(args):
    """args.burst short connections from 127.0.0.1 at args.parallel, bounded by args.seconds."""
    end = time.monotonic() + args.seconds
    lock = threading.Lock()
    counts = {"started": 0, "answered": 0, "refused": 0}
    req = b"GET /-/healthy HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"

    def worker():
        while time.monotonic() < end:
            with lock:
                if counts["started"] >= args.burst:
                    return
                counts["started"] += 1
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            # RST on close: 20,000 closes leave no TIME_WAIT ports behind on this host.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.settimeout(5)
            answered = False
            try:
                s.connect((HOST, args.port))
                s.sendall(req)
                answered = s.recv(64).startswith(b"HTTP/1.1 ")
            except OSError:
                pass
            finally:
                s.close()
            with lock:
                counts["answered" if answered else "refused"] += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.parallel)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.1, end - time.monotonic() + 5))
    print("  burst: %d connections in %.1f s at parallelism %d: %d answered, %d refused or cut" %
          (counts["started"], time.monotonic() - t0, args.parallel, counts["answered"], counts["refused"]),
          flush=True)
    print("FIGURES burst=%d answered=%d refused=%d" % (counts["started"], counts["answered"], counts["refused"]),
          flush=True)
    return 0 if counts["started"] >= args.burst else 1


def wrongpw(args):
    """args.wrong wrong-password requests in parallel; args.scrapes right ones timed meanwhile."""
    r = Report()
    codes = {}
    lock = threading.Lock()
    go = threading.Event()

    def wrong(i):
        go.wait(10)
        # From 127.0.0.2-9: this measures the password checks, not the per-address limit.
        st, _, _, _ = request(args.port, b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                              auth_header(args.user, "wrong-" + args.password) +
                              b"Connection: close\r\n\r\n", timeout=10, src="127.0.0.%d" % (2 + i % 8))
        with lock:
            codes[st] = codes.get(st, 0) + 1

    threads = [threading.Thread(target=wrong, args=(i,), daemon=True) for i in range(args.wrong)]
    for t in threads:
        t.start()
    go.set()
    time.sleep(0.02)
    times, good = [], 0
    for _ in range(args.scrapes):
        dt, ok, _ = scrape(args.scrape_port or args.port, args.user, args.password)
        times.append(dt)
        good += ok
        time.sleep(args.gap)
    for t in threads:
        t.join(30)
    print("  wrong passwords: %d sent, answers %s" % (args.wrong, dict(sorted(codes.items(), key=str))), flush=True)
    print("  right password meanwhile: %d scrapes, %d good, max %.1f ms" %
          (len(times), good, max(times) * 1000), flush=True)
    print("FIGURES wrong=%d max_ms=%.1f" % (args.wrong, max(times) * 1000), flush=True)
    r.check("no wrong password let in", codes.get(200, 0) == 0)
    r.check("every wrong password answered 401 or 429 (%s)" % codes,
            codes.get(401, 0) + codes.get(429, 0) == args.wrong)
    r.check("%d of %d right-password scrapes answered 200" % (good, len(times)), good == len(times))
    limit = args.p99_ms
    if args.baseline_p99_ms > args.p99_ms / 2:
        limit = args.baseline_p99_ms + args.p99_ms
        print("  note: p99 without attack already %.1f ms (a busy machine): bound %.1f ms" %
              (args.baseline_p99_ms, limit), flush=True)
    r.check("right-password scrape max %.1f ms < %.0f ms" % (max(times) * 1000, limit),
            max(times) * 1000 < limit)
    return r.failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("part", choices=["checks", "attack", "scrapes", "burst", "wrongpw"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--secret", default="OZGMON-SECRET-MARKER")
    ap.add_argument("--addrs", type=int, default=8)
    ap.add_argument("--idle", type=int, default=1500)
    ap.add_argument("--slow", type=int, default=500)
    ap.add_argument("--per-ip", type=int, default=32)
    ap.add_argument("--scrapes", type=int, default=200)
    ap.add_argument("--gap", type=float, default=0.05)
    ap.add_argument("--settle", type=float, default=3.0)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--p99-ms", type=float, default=100.0, help="0: no latency check")
    ap.add_argument("--baseline-p99-ms", type=float, default=0.0)
    ap.add_argument("--expect-dropped", action="store_true")
    ap.add_argument("--src", default=None, help="attack: every socket from this address")
    ap.add_argument("--reconnect", action="store_true", help="attack: replace dropped sockets")
    ap.add_argument("--user", default=None)
    ap.add_argument("--password", default="")
    ap.add_argument("--burst", type=int, default=20000)
    ap.add_argument("--parallel", type=int, default=200)
    ap.add_argument("--wrong", type=int, default=100)
    ap.add_argument("--scrape-port", type=int, default=0, help="wrongpw: scrape here (default --port)")
    args = ap.parse_args()
    failed = {"checks": checks, "attack": attack, "scrapes": scrapes, "burst": burst,
              "wrongpw": wrongpw}[args.part](args)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
