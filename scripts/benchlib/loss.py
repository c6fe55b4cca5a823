"""loss: p2ptui check's verdicts under packet loss at the router (scripts/natlab loss: nftables
numgen, each direction)."""
import json
import statistics

from .common import BIN, EXPECTED, down, log, machine, natlab, p2ptui_full_argv, reset_router, save, timed, up, \
    verdict_p2ptui


def add_arguments(p):
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--pct", type=int, nargs="+", default=[10, 30])
    p.add_argument("--stun", action="append",
                   help="STUN server (repeat); default: the lab's two, with egress/QUIC targets")
    p.add_argument("scenarios", nargs="*")


def run(a):
    scenarios = a.scenarios or ["eim", "fullcone", "restricted", "symmetric", "double"]
    results = []
    try:
        for sc in scenarios:
            up(sc)
            for pct in a.pct:
                natlab("loss", str(pct))
                for r in range(a.runs):
                    reset_router()
                    argv = p2ptui_full_argv()
                    if a.stun:  # the servers a user gave (one in the original measurement): no --egress-target/--quic
                        argv = [BIN, "check", "--json"] + [x for srv in a.stun for x in ("--stun", srv)]
                    t = timed("client", argv)
                    v = verdict_p2ptui(t["stdout"])
                    try:
                        dc = json.loads(t["stdout"])["verdict"]["directConnection"]
                    except (ValueError, KeyError, TypeError):
                        dc = "no output"
                    results.append({"scenario": sc, "pct": pct, "run": r, "verdict": v, "seconds": t["seconds"],
                                    "directConnection": dc})
                log("  %-10s %2d%%: %s" % (sc, pct, " ".join(
                    "R" if x["verdict"] == EXPECTED[sc] else ("I" if x["verdict"] == "inconclusive" else "W")
                    for x in results if x["scenario"] == sc and x["pct"] == pct)))
            down()
    finally:
        down()
    save("loss", {"machine": machine(), "results": results})
    print("| scenario | expected | loss per direction | right | inconclusive | wrong | median ms | verdicts |")
    print("|---|---|---|---|---|---|---|---|")
    for sc in scenarios:
        for pct in a.pct:
            rs = [x for x in results if x["scenario"] == sc and x["pct"] == pct]
            right = sum(x["verdict"] == EXPECTED[sc] for x in rs)
            inc = sum(x["verdict"] == "inconclusive" for x in rs)
            wrong = [x["verdict"] for x in rs if x["verdict"] not in (EXPECTED[sc], "inconclusive")]
            verdicts = {}
            for x in rs:
                verdicts[x.get("directConnection")] = verdicts.get(x.get("directConnection"), 0) + 1
            print("| `%s` | %s | %d%% | %d/%d | %d | %d%s | %.0f | %s |" % (
                sc, EXPECTED[sc], pct, right, len(rs), inc, len(wrong),
                (" (" + ", ".join(sorted(set(wrong))) + ")") if wrong else "",
                statistics.median(x["seconds"] for x in rs) * 1000,
                ", ".join("%s %d" % (k, v) for k, v in sorted(verdicts.items(), key=lambda kv: str(kv[0])))))
