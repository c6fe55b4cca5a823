"""metrics: the cost of `serve --metrics`: answers/s with and without it, alternating, the metrics
endpoint scraped once a second (as Prometheus would) during its runs."""
import json
import time

from .common import Server, cpu_seconds, load, log, machine, rate_summary, save


def add_arguments(p):
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--sockets", type=int, default=4)
    p.add_argument("--window", type=int, default=16)


def run(a):
    import urllib.request
    results = []
    log("metrics: %d rounds x %.0f s per variant; %s" % (a.rounds, a.seconds, machine()))
    for r in range(a.rounds):
        for kind in (["plain", "metrics"] if r % 2 == 0 else ["metrics", "plain"]):
            extra = ["--metrics", "127.0.0.1:9469"] if kind == "metrics" else []
            s = Server("p2ptui", extra=extra)
            load("--duration", 0.5, "--sockets", a.sockets, "--window", a.window)  # warm-up
            cpu0 = cpu_seconds(s.proc.pid)
            proc = load("--duration", a.seconds, "--sockets", a.sockets, "--window", a.window, background=True)
            scrapes = 0
            while proc.poll() is None:
                if kind == "metrics":
                    with urllib.request.urlopen("http://127.0.0.1:9469/metrics", timeout=5) as resp:
                        resp.read()
                    scrapes += 1
                time.sleep(1)
            res = json.loads(proc.stdout.read())
            res.update(variant=kind, round=r, scrapes=scrapes, serverCPUSeconds=cpu_seconds(s.proc.pid) - cpu0)
            s.stop()
            results.append(res)
            log("  round %d %-7s %7d answers/s  p99 %.2f ms  server CPU %.2f s  scrapes %d" % (
                r, kind, res["validPerSecond"], res["latencyMsP99"], res["serverCPUSeconds"], scrapes))
    save("metrics", {"machine": machine(), "results": results})
    print("| server | answers/s median (min–max) | p99 latency ms | server CPU µs per answer |")
    print("|---|---|---|---|")
    med = {}
    for kind in ("plain", "metrics"):
        s = rate_summary([x for x in results if x["variant"] == kind])
        med[kind] = s["median"]
        print("| %s | %d (%d–%d) | %.2f | %.1f |" % (
            "`p2ptui serve --rate-limit 0`" + (" --metrics 127.0.0.1:9469" if kind == "metrics" else ""),
            s["median"], s["min"], s["max"], s["p99"], s["cpuPerAnswer"]))
    print()
    print("With --metrics / without (medians): %.3f. Load: p2ptui-load, %d sockets x %d in flight, %.0f s per run, "
          "alternating, %d rounds." % (med["metrics"] / med["plain"], a.sockets, a.window, a.seconds, a.rounds))
