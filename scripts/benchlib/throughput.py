"""throughput: p2ptui serve against coturn on loopback: answers/s, and instructions per answer.

Answers/s: each server in turn (alternating first, --rounds rounds) under p2ptui-load (--sockets
sockets x --window requests in flight for --seconds), after a 0.5 s warm-up; the server's CPU time
per answer from /proc.

Instructions per answer (independent of the other work on a shared machine): each server runs under
`valgrind --tool=callgrind` (coturn with --relay-threads 0, its fewest threads: one process, one
thread for the relay and the listener). p2ptui-load sends exactly --count Binding requests (one
socket, 16 in flight, written off only after 10 s, so the slow server still answers every one), then
the server gets SIGTERM and callgrind writes its total instruction count (Ir: user-space
instructions of all threads; the kernel's work inside system calls is not counted; p2ptui runs as a
copy without debug information, which valgrind 3.19 cannot read). A second run of the same server
gets no request and stays up as long as the first one's load took, so start, idle time and exit
cost the same; (Ir of the loaded run - Ir of the idle run) / count is the figure.
Everything runs in the bench's own `unshare --net` namespace, which holds only lo."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

from . import common
from .common import Server, cpu_seconds, load, log, proc_status, rate_summary

LABELS = {"p2ptui": "`p2ptui serve --rate-limit 0`", "coturn": "coturn (turnserver --stun-only)"}


def add_arguments(p):
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--sockets", type=int, default=4)
    p.add_argument("--window", type=int, default=16)
    p.add_argument("--count", type=int, default=20000, help="requests per callgrind run (0: no callgrind runs)")


def callgrind_total(path):
    """The total Ir of a callgrind output file: its "totals:" line (what valgrind reports as
    Collected), else its "summary:" line."""
    found = {}
    for line in open(path):
        for key in ("totals:", "summary:"):
            if line.startswith(key):
                found[key] = int(line.split()[1])
    if not found:
        raise RuntimeError("no instruction total in %s" % path)
    return found.get("totals:", found.get("summary:"))


def callgrind_run(kind, count, idle_seconds=0.0):
    """One server under callgrind: `count` requests (or, with 0, `idle_seconds` of nothing), then
    SIGTERM. Returns (Ir total, load result or None, seconds the load or the idle wait took)."""
    d = tempfile.mkdtemp(prefix="bench-cg-")
    out = os.path.join(d, "callgrind.out")
    try:
        # Valgrind 3.19 gives up on the DWARF 5 debug information Swift emits; without it the code
        # (and so the instruction count) is the same.
        binary = os.path.join(d, "p2ptui")
        subprocess.run(["strip", "--strip-debug", "-o", binary, common.BIN], check=True)
        s = Server(kind, wrapper=["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out],
                   coturn_extra=["--relay-threads", "0"], listen_timeout=120, binary=binary)
        t0 = time.time()
        res = None
        if count:
            res = load("--count", count, "--duration", 900, "--sockets", 1, "--window", 16, "--timeout", 10)
        else:
            time.sleep(idle_seconds)
        took = time.time() - t0
        s.stop(timeout=120)
        return callgrind_total(out), res, took
    finally:
        shutil.rmtree(d, ignore_errors=True)


def instructions(kind, count):
    ir, res, took = callgrind_run(kind, count)
    idle, _, _ = callgrind_run(kind, 0, took)
    per = (ir - idle) / count
    log("  callgrind %-7s Ir %d - idle %d over %d requests (%d answered, %.1f s): %.0f per answer" % (
        kind, ir, idle, count, res["valid"], took, per))
    return {"server": kind, "count": count, "answered": res["valid"], "irTotal": ir, "irIdle": idle,
            "loadSeconds": took, "instructionsPerAnswer": per}


def measure_rate(a):
    results = []
    for r in range(a.rounds):
        for kind in (["p2ptui", "coturn"] if r % 2 == 0 else ["coturn", "p2ptui"]):
            s = Server(kind)
            load("--duration", 0.5, "--sockets", a.sockets, "--window", a.window)  # warm-up
            cpu0 = cpu_seconds(s.proc.pid)
            res = load("--duration", a.seconds, "--sockets", a.sockets, "--window", a.window)
            cpu = cpu_seconds(s.proc.pid) - cpu0
            res.update(server=kind, round=r, serverCPUSeconds=cpu, threads=proc_status(s.proc.pid, "Threads"),
                       vmHWMKB=proc_status(s.proc.pid, "VmHWM"), vmRSSKB=proc_status(s.proc.pid, "VmRSS"))
            s.stop()
            results.append(res)
            log("  round %d %-7s %7d answers/s  p99 %.2f ms  server CPU %.2f s  threads %d  HWM %d KB" % (
                r, kind, res["validPerSecond"], res["latencyMsP99"], cpu, res["threads"], res["vmHWMKB"]))
    return results


def print_table(a, results, per_answer):
    print("| server | answers/s median (min–max) | lost | p99 latency ms | server CPU µs per answer "
          "| instructions per answer | threads | peak RSS (VmHWM) |")
    print("|---|---|---|---|---|---|---|---|")
    med = {}
    for kind in ("p2ptui", "coturn"):
        rs = [x for x in results if x["server"] == kind]
        s = rate_summary(rs)
        med[kind] = s["median"]
        ipa = "%.0f" % per_answer[kind]["instructionsPerAnswer"] if kind in per_answer else "–"
        print("| %s | %d (%d–%d) | %d | %.2f | %.1f | %s | %d | %.1f MB |" % (
            LABELS[kind], s["median"], s["min"], s["max"], sum(x["lost"] for x in rs), s["p99"],
            s["cpuPerAnswer"], ipa, rs[0]["threads"], max(x["vmHWMKB"] for x in rs) / 1024))
    print()
    print("Ratio p2ptui / coturn (medians): %.2f. Load: p2ptui-load, %d sockets x %d in flight, %.0f s per run, "
          "alternating, %d rounds." % (med["p2ptui"] / med["coturn"], a.sockets, a.window, a.seconds, a.rounds))
    if per_answer:
        print("Instructions per answer: valgrind --tool=callgrind, (Ir with %d requests - Ir idle as long) / %d; "
              "p2ptui / coturn %.2f." % (a.count, a.count, per_answer["p2ptui"]["instructionsPerAnswer"]
                                        / per_answer["coturn"]["instructionsPerAnswer"]))


def run(a):
    if a.count and not shutil.which("valgrind"):
        sys.exit("bench: needs valgrind for instructions per answer (apt-get install valgrind; or --count 0)")
    start = common.machine()
    log("throughput: %d rounds x %.0f s per server; %s" % (a.rounds, a.seconds, start))
    results = measure_rate(a)
    per_answer = {kind: instructions(kind, a.count) for kind in ("p2ptui", "coturn")} if a.count else {}
    end_load = common.load_average()
    common.save("throughput", {"machine": start, "loadAverageEnd": end_load, "results": results,
                               "callgrind": list(per_answer.values())})
    print_table(a, results, per_answer)
    print("Machine at the start: %s; load average at the end: %s." % (start, end_load))
