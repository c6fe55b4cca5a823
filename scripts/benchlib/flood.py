"""flood: malformed, spoofed and many-source floods at p2ptui serve, with a valid client beside them."""
import json
import time

from .common import Server, load, log, proc_status, save


def add_arguments(p):
    p.add_argument("--seconds", type=float, default=10)


def run(a):
    s = Server("p2ptui", rate_limit=500)  # the default configuration
    rows = []
    rss0 = proc_status(s.proc.pid, "VmRSS")
    phases = [("mixed", ["--flood", "mixed", "--sockets", 64, "--churn", 256]),
              ("mixed", ["--flood", "mixed", "--sockets", 64, "--loopback-sources", "--churn", 64]),
              ("requests", ["--flood", "requests", "--sockets", 64, "--loopback-sources", "--churn", 8])]
    for name, args in phases:
        f = load("--duration", a.seconds, *args, background=True)
        time.sleep(0.2)
        probe = load("--duration", a.seconds - 0.5, "--sockets", 1, "--window", 1, "--rate", 100, "--timeout", 0.5,
                     "--bind", "127.0.0.9")
        fres = json.loads(f.communicate()[0])
        rows.append({"flood": fres, "probe": probe, "vmRSSKB": proc_status(s.proc.pid, "VmRSS"),
                     "vmHWMKB": proc_status(s.proc.pid, "VmHWM"), "sources": "loopback" in " ".join(map(str, args))})
        log("  flood %s: %d pkt/s, probe %d/%d answered, p99 %.2f ms, RSS %d KB" % (
            name, fres["perSecond"], probe["valid"], probe["sent"], probe["latencyMsP99"], rows[-1]["vmRSSKB"]))
    stats = s.stop()
    save("flood", {"rssStartKB": rss0, "phases": rows, "server": stats})
    print("| flood (%.0f s each, 64 sockets) | packets/s | distinct sources | valid client answered | client p50 / p99 ms "
          "| server RSS after |" % a.seconds)
    print("|---|---|---|---|---|---|")
    labels = ["malformed + spoofed responses, one IP, ports churned",
              "malformed + spoofed responses, random 127.x.y.z sources",
              "valid requests from random 127.x.y.z sources (fills the rate limiter table)"]
    for label, r in zip(labels, rows):
        p = r["probe"]
        print("| %s | %d | %d | %d/%d | %.2f / %.2f | %.1f MB |" % (
            label, r["flood"]["perSecond"], r["flood"]["sources"], p["valid"], p["sent"], p["latencyMsP50"],
            p["latencyMsP99"], r["vmRSSKB"] / 1024))
    print()
    print("Server RSS at start %.1f MB, peak (VmHWM) %.1f MB. Server counters: %s" % (
        rss0 / 1024, max(r["vmHWMKB"] for r in rows) / 1024, stats.strip().splitlines()[-1]))
