"""diagnosis: p2ptui check against three classic NAT-type clients in the NAT lab, back to back.

In each scenario's lab the four tools run one after another with no pause and no NAT reset (unless
--reset), the order rotating every run, all against the one RFC 5780 server p2ptui serve at
203.0.113.10:3478. p2ptui runs `check --json --stun 203.0.113.10:3478` (default flags); --full runs
every probe instead (both lab servers, the egress ports, QUIC). Each answer is put in the classic
RFC 3489 names and compared with what the scenario is (common.EXPECTED)."""
import os
import shutil
import statistics
import sys

from . import common
from .common import BIN, EXPECTED, P2P_SERVER, log


PYSTUN_NAMES = {"Open Internet": "Open Internet", "Full Cone": "Full Cone", "Restric NAT": "Restricted Cone",
                "Restric Port NAT": "Port Restricted Cone", "Symmetric NAT": "Symmetric NAT",
                "Symmetric UDP Firewall": "Symmetric UDP Firewall", "Blocked": "Blocked"}
STUN_NAMES = [("Independent Mapping, Independent Filter", "Full Cone"),
              ("Independent Mapping, Address Dependent Filter", "Restricted Cone"),
              ("Independent Mapping, Port Dependent Filter", "Port Restricted Cone"),
              ("Dependent Mapping", "Symmetric NAT"), ("Firewall", "Symmetric UDP Firewall"),
              ("Open", "Open Internet"), ("Blocked", "Blocked")]
# RFC 5780 filtering behaviour (natdiscovery's words) -> the classic name, behind an
# endpoint-independent mapping NAT.
NATDISCOVERY_FILTERING = {"Endpoint Independent Filtering": "Full Cone",
                          "Address Dependent Filtering": "Restricted Cone",
                          "Address and Port Dependent Filtering": "Port Restricted Cone"}
# The client's own address per scenario (scripts/natlab list): natdiscovery sees "No NAT" only when
# its local address (-L) equals the mapped one; bound to the wildcard it would call every host NATed.
CLIENT_ADDRESS = {"open": "192.0.2.2", "firewall": "192.0.2.2"}


def verdict_pystun(out):
    for line in out.splitlines():
        if line.startswith("NAT Type:"):
            name = line.split(":", 1)[1].strip()
            return PYSTUN_NAMES.get(name, "other: " + name)
    return "no output"


def verdict_stun(out):
    for line in out.splitlines():
        if line.startswith("Primary:"):
            text = line.split(":", 1)[1].strip()
            for prefix, name in STUN_NAMES:
                if text.startswith(prefix):
                    return name
            return "other: " + text
    return "no output"


def natdiscovery_result(section, kind):
    """The "NAT with ... Mapping!" / "... Filtering!" line of one natdiscovery section, without the words around."""
    for line in section.splitlines():
        line = line.strip()
        if line.startswith("NAT with ") and line.endswith(kind + "!"):
            return line[len("NAT with "):-1]
    return None


def verdict_natdiscovery(out):
    """`turnutils_natdiscovery -m -f` in the classic names (RFC 5780 section 4.3/4.4 results):
    no NAT + endpoint-independent filtering is Open Internet, no NAT + any other filtering a
    Symmetric UDP Firewall; an endpoint-independent mapping names the cone by its filtering; any
    other mapping is Symmetric NAT; no answer at all is Blocked."""
    mapping, _, filtering = out.partition("-= Filtering Behavior Discovery =-")
    m = natdiscovery_result(mapping, "Mapping")
    f = natdiscovery_result(filtering, "Filtering")
    if m is None and f is None:
        return "Blocked" if "STUN receive timeout" in out else "no output"
    if "No NAT!" in mapping:
        if f is None:
            return "inconclusive"
        return "Open Internet" if f == "Endpoint Independent Filtering" else "Symmetric UDP Firewall"
    if m is None:
        return "inconclusive"
    if m != "Endpoint Independent Mapping":
        return "Symmetric NAT"
    return NATDISCOVERY_FILTERING.get(f, "inconclusive")


def tools(a):
    """Tool name -> (argv for scenario and run, verdict parser), in the table's order."""
    p2ptui = (lambda sc, r: common.p2ptui_full_argv()) if a.full else (
        lambda sc, r: [BIN, "check", "--json", "--stun", P2P_SERVER + ":3478"])
    return {
        "p2ptui": (p2ptui, common.verdict_p2ptui),
        "stun": (lambda sc, r: ["stun", P2P_SERVER], verdict_stun),
        "natdiscovery": (lambda sc, r: ["turnutils_natdiscovery", "-m", "-f", "-L",
                                        CLIENT_ADDRESS.get(sc, "192.168.1.2"), P2P_SERVER], verdict_natdiscovery),
        # A fresh source port each run: back to back, a reused port would inherit its last run's filter holes.
        "pystun3": (lambda sc, r: ["pystun3", "-H", P2P_SERVER, "-P", "3478",
                                   "-p", str(40000 + (os.getpid() + 97 * r) % 20000)], verdict_pystun),
    }


def add_arguments(p):
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--full", action="store_true", help="p2ptui runs every probe (both servers, egress, QUIC)")
    p.add_argument("--reset", action="store_true", help="flush the routers' NAT state before every run")
    p.add_argument("scenarios", nargs="*")


def measure(a, scenarios, table):
    results = []
    names = list(table)
    try:
        for sc in scenarios:
            common.up(sc)
            for r in range(a.runs):
                k = r % len(names)
                for tool in names[k:] + names[:k]:  # rotate who goes first
                    if a.reset:
                        common.reset_router()
                    argv, parse = table[tool]
                    t = common.timed("client", argv(sc, r))
                    v = parse(t["stdout"])
                    results.append({"scenario": sc, "tool": tool, "run": r, "seconds": t["seconds"],
                                    "rssKB": t["rssKB"], "verdict": v, "expected": EXPECTED[sc]})
                    log("  %-11s %-12s run %d: %6.0f ms  %s" % (sc, tool, r, t["seconds"] * 1000, v))
            common.down()
    finally:
        common.down()
    return results


def ratio(x):
    return "%.1fx" % x if x >= 1 else "%.2fx" % x


def print_table(results, scenarios, names, p2ptui_argv):
    others = names[1:]
    print("| scenario | expected | p2ptui ms median (min–max) | right | "
          + " | ".join("%s ms | right" % t for t in others) + " | "
          + " | ".join("%s / p2ptui" % t for t in others) + " |")
    print("|---" * (4 + 3 * len(others)) + "|")
    ratios = {t: [] for t in others}
    for sc in scenarios:
        row, med = ["`%s`" % sc, EXPECTED[sc]], {}
        for tool in names:
            rs = [x for x in results if x["scenario"] == sc and x["tool"] == tool]
            secs = [x["seconds"] for x in rs]
            med[tool] = statistics.median(secs)
            right = sum(1 for x in rs if x["verdict"] == x["expected"])
            wrong = sorted({x["verdict"] for x in rs if x["verdict"] != x["expected"]})
            row.append("%.0f (%s)" % (med[tool] * 1000, common.spread(secs)) if tool == "p2ptui"
                       else "%.0f" % (med[tool] * 1000))
            row.append("%d/%d%s" % (right, len(rs), (" (" + ", ".join(wrong) + ")") if wrong else ""))
        for tool in others:
            ratios[tool].append(med[tool] / med["p2ptui"])
            row.append(ratio(med[tool] / med["p2ptui"]))
        print("| " + " | ".join(row) + " |")
    mem = {t: statistics.median([x["rssKB"] for x in results if x["tool"] == t]) for t in names}
    print()
    print("Geometric mean of the time ratios: " + ", ".join(
        "%s/p2ptui %s" % (t, ratio(statistics.geometric_mean(ratios[t]))) for t in others) + ".")
    print("Peak RSS, median over all runs: " + ", ".join("%s %.1f MB" % (t, mem[t] / 1024) for t in names) + ".")
    print("p2ptui ran `%s`." % " ".join(["p2ptui"] + p2ptui_argv[1:]))


def run(a):
    for tool in ("pystun3", "stun", "turnutils_natdiscovery", "/usr/bin/time"):
        if not shutil.which(tool):
            sys.exit("bench: needs %s (pip install pystun3; apt-get install stun-client coturn time)" % tool)
    scenarios = a.scenarios or common.SCENARIOS
    table = tools(a)
    names = list(table)
    start = common.machine()
    log("diagnosis: %d runs x %d scenarios x %d tools, back to back%s; %s" % (
        a.runs, len(scenarios), len(names), ", NAT reset before each run" if a.reset else "", start))
    results = measure(a, scenarios, table)
    end_load = common.load_average()
    common.save("diagnosis", {"machine": start, "loadAverageEnd": end_load, "backToBack": not a.reset,
                              "p2ptuiCommand": table["p2ptui"][0]("eim", 0)[1:], "results": results})
    print_table(results, scenarios, names, table["p2ptui"][0]("eim", 0))
    print("Machine at the start: %s; load average at the end: %s." % (start, end_load))
