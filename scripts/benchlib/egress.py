"""egress: `check --egress-target` against `p2ptui serve --egress-ports 1-65535`: the UDP egress
probe's own time (from `check -v`'s "[ms] UDP egress: started/done" lines), its status and port count."""
import json
import statistics

from .common import BIN, down, machine, natlab, save, timed, up


def add_arguments(p):
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--loss", type=int, default=0, help="UDP loss percent each way at the router")


EGRESS_RUNS = [("egress", "203.0.113.10:3478"), ("egress-53-443", "203.0.113.30:443")]
EGRESS_LOSS_RUNS = EGRESS_RUNS + [("egress-quic", "203.0.113.10:3478")]


def run(a):
    rows, raw = [], []
    for scenario, stun in (EGRESS_LOSS_RUNS if a.loss else EGRESS_RUNS):
        up(scenario)
        try:
            if a.loss:
                natlab("loss", str(a.loss))
            sweeps, walls, statuses = [], [], {}
            for _ in range(a.runs):
                r = timed("client", [BIN, "check", "--json", "-v", "--stun", stun, "--egress-target", "203.0.113.30",
                                     "--timeout", "4"])
                ms = {}
                for l in r["stderr"].splitlines():
                    for what in ("started", "done"):
                        if l.endswith("UDP egress: " + what):
                            ms[what] = int(l.split("]")[0].strip("[ ms"))
                rep = json.loads(r["stdout"])
                blocked = sum(1 for v in rep["udp"]["ports"].values() if v == "blocked")
                key = "%s, %d ports (%d blocked), quic %s" % (rep["udp"]["status"], len(rep["udp"]["ports"]), blocked,
                                                              rep["quic"]["status"])
                statuses[key] = statuses.get(key, 0) + 1
                sweeps.append(ms["done"] - ms["started"])
                walls.append(r["seconds"])
                raw.append({"scenario": scenario, "sweepMs": sweeps[-1], "seconds": r["seconds"], "result": key})
            sweeps.sort()
            rows.append("| %s | %d | %s | %d / %d / %d | %.2f |" % (
                scenario, a.runs, "; ".join("%s (%d)" % kv for kv in statuses.items()),
                statistics.median(sweeps), sweeps[int(len(sweeps) * 0.9) - 1], sweeps[-1], statistics.median(walls)))
        finally:
            down()
    save("egress-loss%d" % a.loss if a.loss else "egress", raw)
    print("| scenario | runs | result (count) | UDP egress probe ms: median / p90 / max | check wall s (median) |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    print("\n%s" % machine())
