#!/usr/bin/env python3
"""Runs a command in a pseudo-terminal and measures what it writes to it.

    ptybytes.py [--size 120x40] [--quiet-ms 300] [--wait-for TEXT]
                [--key KEY | --type TEXT | --key-until KEY TEXT
                 | --key-repeat KEY MAX | --key-repeat-until KEY TEXT
                 | --key-burst KEY N MS]...
                [--quit KEY] -- COMMAND [ARG...]

Starts COMMAND on a fresh pty of the given size (TERM=xterm-256color unless
the environment says otherwise) and answers the cursor position query
ESC[6n with ESC[1;1R. Then:

- startup: reads until TEXT appears on screen (with --wait-for; the time is
  `marker_s`), then until the output has been quiet for --quiet-ms;
- each step, in order:
    --key KEY           sends KEY, reads until quiet;
    --type TEXT         one --key step per character of TEXT;
    --key-until KEY T   sends KEY, reads until T appears, then until quiet;
    --key-repeat KEY N  sends KEY up to N times, until a press writes at
                        most --still-bytes bytes (default 32; a frame that
                        changes nothing still writes a few bytes): for
                        paging to the end of an article;
    --key-repeat-until KEY T
                        sends KEY until T appears on screen (at most 100
                        times): paging to the end of an article in a reader
                        whose page key, at the end, goes on to the next;
    --key-burst KEY N MS
                        sends KEY N times, MS milliseconds apart (a held
                        key's auto-repeat is 25 to 40 ms apart), then reads
                        until quiet: the bytes of the whole burst;
  recording the bytes written after the key, the time to the first and the
  last byte (and to the text, for --key-until);
- --quit KEY: sends KEY (not measured) and waits for the command to exit
  (SIGTERM, then SIGKILL, after --exit-timeout seconds).

KEY is one character or a name: <Enter> <Esc> <Tab> <Space> <BS> <Up>
<Down> <Left> <Right> <Home> <End> <PageUp> <PageDown> <C-x> (control
keys), <lt>. Cursor keys are sent as a terminal in application mode sends
them (ESC O A), which both crossterm and curses accept.

"On screen" means in the output stream with escape sequences and control
characters removed: a line drawn left to right shows up whole even when the
program moves the cursor between wide characters. Times are seconds, from
the fork (startup) or from writing the key (steps).

Prints one JSON object: size, command, startup, steps, total_bytes (from
launch to the end of the last step), exit status, and the last 2000
characters of the screen text ("tail") for checking what was shown.

Standard library only.
"""

import argparse
import errno
import fcntl
import json
import os
import re
import select
import signal
import struct
import sys
import termios
import time

NAMED = {
    "enter": "\r",
    "cr": "\r",
    "esc": "\x1b",
    "tab": "\t",
    "space": " ",
    "bs": "\x7f",
    "up": "\x1bOA",
    "down": "\x1bOB",
    "right": "\x1bOC",
    "left": "\x1bOD",
    "home": "\x1bOH",
    "end": "\x1bOF",
    "pageup": "\x1b[5~",
    "pagedown": "\x1b[6~",
    "lt": "<",
}


def key_bytes(key):
    """The bytes a terminal sends for KEY (see the module doc)."""
    if len(key) > 2 and key.startswith("<") and key.endswith(">"):
        name = key[1:-1].lower()
        if name in NAMED:
            return NAMED[name].encode()
        if len(name) == 3 and name.startswith("c-"):
            return bytes([ord(name[2]) & 0x1F])
        raise SystemExit(f"ptybytes: unknown key {key}")
    return key.encode()


class Screen:
    """Strips escape sequences from a byte stream, incrementally."""

    def __init__(self):
        self.text = bytearray()
        self.state = "text"  # text, esc, csi, osc, osc_esc, charset

    def feed(self, data):
        out = self.text
        state = self.state
        for b in data:
            if state == "text":
                if b == 0x1B:
                    state = "esc"
                elif b >= 0x20 and b != 0x7F:
                    out.append(b)
            elif state == "esc":
                if b == 0x5B:  # [
                    state = "csi"
                elif b in (0x5D, 0x50, 0x5F, 0x5E, 0x58):  # ] P _ ^ X: strings
                    state = "osc"
                elif b in (0x28, 0x29, 0x2A, 0x2B, 0x23, 0x25, 0x20):  # ( ) * + # % SP
                    state = "charset"
                else:
                    state = "text"
            elif state == "csi":
                if 0x40 <= b <= 0x7E:
                    state = "text"
            elif state == "osc":
                if b == 0x07:
                    state = "text"
                elif b == 0x1B:
                    state = "osc_esc"
            elif state == "osc_esc":
                state = "text" if b == 0x5C else "osc"
            elif state == "charset":
                state = "text"
        self.state = state

    def find(self, marker, start=0):
        return self.text.find(marker, start)


class Session:
    def __init__(self, argv, cols, rows, env):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(master)
                os.setsid()
                fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
                for fd in (0, 1, 2):
                    os.dup2(slave, fd)
                if slave > 2:
                    os.close(slave)
                os.execvpe(argv[0], argv, env)
            except BaseException as e:  # noqa: BLE001 - report anything, then leave
                os.write(2, f"ptybytes: cannot run {argv[0]}: {e}\n".encode())
            finally:
                os._exit(127)
        os.close(slave)
        self.pid = pid
        self.master = master
        self.screen = Screen()
        self.total = 0
        self.status = None
        self.closed = False
        self.pending = b""  # the end of the last read, for ESC[6n split across reads

    def read_once(self, timeout):
        """Reads what is there within `timeout` s; returns (bytes, time) or (None, None)."""
        if self.closed:
            time.sleep(max(0.0, timeout))
            return None, None
        ready, _, _ = select.select([self.master], [], [], max(0.0, timeout))
        if not ready:
            return None, None
        try:
            data = os.read(self.master, 65536)
        except OSError as e:
            if e.errno != errno.EIO:
                raise
            data = b""
        now = time.monotonic()
        if not data:
            self.closed = True
            return None, None
        self.total += len(data)
        self.screen.feed(data)
        window = self.pending + data
        queries = window.count(b"\x1b[6n") - self.pending.count(b"\x1b[6n")
        for _ in range(queries):
            os.write(self.master, b"\x1b[1;1R")
        self.pending = window[-3:]
        return data, now

    def read_until_quiet(self, t0, quiet, first_timeout, marker=None, marker_from=0):
        """Reads until TEXT (if any) was seen and then `quiet` s passed without
        output; waits at most `first_timeout` s for the first byte (and the
        marker). Returns bytes, first, last, marker times (relative to t0)."""
        count = 0
        first = last = marker_at = last_abs = None
        deadline = time.monotonic() + first_timeout
        while True:
            waiting = first is None or (marker is not None and marker_at is None)
            limit = deadline if waiting else last_abs + quiet
            timeout = limit - time.monotonic()
            if timeout <= 0:
                break
            data, at = self.read_once(timeout)
            if data is None:
                if self.closed:
                    break
                continue
            count += len(data)
            last_abs = at
            if first is None:
                first = at - t0
            last = at - t0
            if marker is not None and marker_at is None:
                if self.screen.find(marker, max(0, marker_from - len(marker))) >= 0:
                    marker_at = at - t0
        return {
            "bytes": count,
            "first_byte_s": first,
            "last_byte_s": last,
            "marker_s": marker_at,
        }

    def send(self, data):
        os.write(self.master, data)
        return time.monotonic()

    def finish(self, quit_keys, timeout):
        for i, key in enumerate(quit_keys):
            if self.closed:
                break
            if i:
                self.read_once(0.2)
            self.send(key)
        deadline = time.monotonic() + timeout
        sig = None
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
                break
            if time.monotonic() > deadline:
                sig = signal.SIGKILL if sig == signal.SIGTERM else signal.SIGTERM
                os.kill(self.pid, sig)
                deadline = time.monotonic() + 2
            self.read_once(0.05)
        while not self.closed:
            if self.read_once(0.05)[0] is None:
                break
        os.close(self.master)
        if os.WIFEXITED(self.status):
            return os.WEXITSTATUS(self.status)
        return -os.WTERMSIG(self.status)


class Step(argparse.Action):
    """Keeps --key/--type/--key-until/--key-repeat/--key-burst in command-line order."""

    def __call__(self, parser, namespace, values, option_string=None):
        steps = getattr(namespace, "steps", None) or []
        kind = option_string.lstrip("-")
        if kind == "type":
            steps.extend(("key", c, None) for c in values)
        elif kind == "key":
            steps.append(("key", values, None))
        elif kind == "key-burst":
            steps.append((kind, values[0], (int(values[1]), float(values[2]))))
        else:
            steps.append((kind, values[0], values[1]))
        namespace.steps = steps


def main():
    p = argparse.ArgumentParser(
        description="Run a command in a pty; measure bytes and times per key.",
        epilog="Keys: a character or <Enter> <Esc> <Space> <Down> <End> <PageDown> <C-d> ...",
    )
    p.add_argument("--size", default="120x40", help="COLSxROWS (default 120x40)")
    p.add_argument("--quiet-ms", type=float, default=300, help="quiet time that ends a step")
    p.add_argument("--timeout", type=float, default=60, help="longest wait for a first byte or a marker")
    p.add_argument("--repeat-timeout", type=float, default=1.0, help="longest wait for a first byte in --key-repeat")
    p.add_argument("--still-bytes", type=int, default=32, help="--key-repeat stops after a press that writes at most this")
    p.add_argument("--wait-for", metavar="TEXT", help="startup ends when TEXT is on screen (then quiet)")
    p.add_argument("--key", action=Step, metavar="KEY", help="send KEY, read until quiet")
    p.add_argument("--type", action=Step, metavar="TEXT", help="--key for each character of TEXT")
    p.add_argument("--key-until", action=Step, nargs=2, metavar=("KEY", "TEXT"), help="send KEY, read until TEXT is on screen")
    p.add_argument("--key-repeat", action=Step, nargs=2, metavar=("KEY", "MAX"), help="send KEY until it changes nothing (at most MAX times)")
    p.add_argument("--key-repeat-until", action=Step, nargs=2, metavar=("KEY", "TEXT"), help="send KEY until TEXT is on screen (at most 100 times)")
    p.add_argument("--key-burst", action=Step, nargs=3, metavar=("KEY", "N", "MS"), help="send KEY N times MS ms apart, then read until quiet")
    p.add_argument("--quit", metavar="KEY", action="append", help="send KEY at the end (repeat for more keys, 200 ms apart) and wait for the exit")
    p.add_argument("--exit-timeout", type=float, default=10)
    p.add_argument("--tail", type=int, default=2000, help="characters of screen text to print (0: none)")
    p.add_argument("command", nargs=argparse.REMAINDER)
    args = p.parse_args()
    argv = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not argv:
        p.error("no command")
    m = re.fullmatch(r"(\d+)[xX](\d+)", args.size)
    if not m:
        p.error("--size must be COLSxROWS")
    cols, rows = int(m.group(1)), int(m.group(2))
    quiet = args.quiet_ms / 1000
    env = dict(os.environ)
    env.setdefault("TERM", "xterm-256color")
    env.pop("COLUMNS", None)
    env.pop("LINES", None)

    s = Session(argv, cols, rows, env)
    marker = args.wait_for.encode() if args.wait_for else None
    startup = s.read_until_quiet(s.start, quiet, args.timeout, marker)
    steps = []
    for kind, key, arg in getattr(args, "steps", None) or []:
        data = key_bytes(key)
        if kind == "key":
            t0 = s.send(data)
            r = s.read_until_quiet(t0, quiet, args.timeout)
            steps.append({"key": key, **r})
        elif kind == "key-until":
            mark = arg.encode()
            at = len(s.screen.text)
            t0 = s.send(data)
            r = s.read_until_quiet(t0, quiet, args.timeout, mark, at)
            steps.append({"key": key, "marker": arg, **r})
        elif kind == "key-burst":
            count, gap = arg
            t0 = time.monotonic()
            before = s.total
            for i in range(count):
                s.send(data)
                until = t0 + (i + 1) * gap / 1000
                while (left := until - time.monotonic()) > 0:
                    s.read_once(left)
            during = s.total - before
            s.read_until_quiet(t0, quiet, quiet if during else args.timeout)
            steps.append(
                {
                    "key": key,
                    "burst": count,
                    "gap_ms": gap,
                    "bytes": s.total - before,
                    "bytes_during": during,
                    "per_key": (s.total - before) / count,
                }
            )
        else:  # key-repeat, key-repeat-until
            presses = []
            until = kind == "key-repeat-until"
            at = len(s.screen.text)
            for _ in range(100 if until else int(arg)):
                t0 = s.send(data)
                r = s.read_until_quiet(t0, quiet, args.repeat_timeout)
                presses.append(r)
                if s.closed:
                    break
                if until and s.screen.find(arg.encode(), max(0, at - len(arg.encode()))) >= 0:
                    break
                if not until and r["bytes"] <= args.still_bytes:
                    break
            moved = [r for r in presses if r["bytes"] > args.still_bytes]
            steps.append(
                {
                    "key": key,
                    "repeat": True,
                    "presses": len(presses),
                    "effective_presses": len(moved),
                    "bytes": sum(r["bytes"] for r in presses),
                    "effective_bytes": sum(r["bytes"] for r in moved),
                    "per_press": presses,
                }
            )
    total = s.total
    status = s.finish([key_bytes(k) for k in args.quit or []], args.exit_timeout)
    tail = s.screen.text.decode("utf-8", "replace")[-args.tail :] if args.tail else ""
    json.dump(
        {
            "size": [cols, rows],
            "command": argv,
            "wait_for": args.wait_for,
            "startup": startup,
            "steps": steps,
            "total_bytes": total,
            "exit_status": status,
            "tail": tail,
        },
        sys.stdout,
        ensure_ascii=False,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
