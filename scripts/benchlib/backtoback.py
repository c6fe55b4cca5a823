"""backtoback: N checks back to back in one lab (no pause, no NAT reset, ICMP limits on): does every
run tell the same story?"""
import json
import statistics

from .common import BIN, COTURN_SERVER, P2P_SERVER, SCENARIOS, down, log, machine, p2ptui_full_argv, save, \
    spread, timed, up


def add_arguments(p):
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("scenarios", nargs="*")


# Every scenario, including the internet-like ones; the servers a user of that network would give.
PLAIN = ["203.0.113.30:3478", "203.0.113.31:19302", "203.0.113.32:3478"]
B2B_SERVERS = {"udp-53-443": [P2P_SERVER + ":3478", COTURN_SERVER + ":443"],
               "public-eim": PLAIN, "public-symmetric": PLAIN, "public-fullcone": PLAIN}
B2B_SCENARIOS = SCENARIOS + ["udp-53-443", "public-eim", "public-symmetric", "public-fullcone"]


def b2b_argv(sc):
    servers = B2B_SERVERS.get(sc)
    if servers is None:
        return p2ptui_full_argv()
    argv = [BIN, "check", "--json"]
    for srv in servers:
        argv += ["--stun", srv]
    return argv


def b2b_signature(out):
    """What a user reads: every step's deciding field and the verdict."""
    try:
        r = json.loads(out)
    except ValueError:
        return "no output"
    return "udp=%s quic=%s nat=%s/%s/%s doubleNat=%s hairpin=%s cloud=%s verdict=%s" % (
        r["udp"]["status"], r["quic"]["status"], r["nat"]["mapping"], r["nat"]["filtering"],
        r["nat"]["classicType"], r["doubleNat"]["detected"], r["hairpin"]["supported"],
        r["cloud"].get("natGatewaySuspected"), r["verdict"]["directConnection"])


def run(a):
    scenarios = a.scenarios or B2B_SCENARIOS
    results = []
    log("back-to-back: %d runs x %d scenarios, no pause, no NAT reset; %s" % (a.runs, len(scenarios), machine()))
    try:
        for sc in scenarios:
            up(sc)
            for r in range(a.runs):
                t = timed("client", b2b_argv(sc))
                sig = b2b_signature(t["stdout"])
                results.append({"scenario": sc, "run": r, "seconds": t["seconds"], "signature": sig,
                                "report": t["stdout"]})
                log("  %-16s run %d: %5.0f ms  %s" % (sc, r, t["seconds"] * 1000, sig))
            down()
    finally:
        down()
    save("backtoback", {"machine": machine(), "results": results})
    print("| scenario | servers | runs agreeing with run 1 | run 1 (udp, quic, nat mapping/filtering/type, "
          "double NAT, hairpin, cloud gateway, verdict) | median ms (min–max) |")
    print("|---|---|---|---|---|")
    for sc in scenarios:
        rs = [x for x in results if x["scenario"] == sc]
        first = rs[0]["signature"]
        same = sum(x["signature"] == first for x in rs)
        other = sorted({x["signature"] for x in rs if x["signature"] != first})
        servers = ", ".join(B2B_SERVERS.get(sc, [P2P_SERVER + ":3478", COTURN_SERVER + ":3478"]))
        secs = [x["seconds"] for x in rs]
        print("| `%s` | %s | %d/%d%s | %s | %.0f (%s) |" % (
            sc, servers, same, len(rs), (" (other: " + "; ".join(other) + ")") if other else "",
            first, statistics.median(secs) * 1000, spread(secs)))
