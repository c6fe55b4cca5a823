"""ratelimit: p2ptui serve's per-source limit under load: one source as fast as answers come, another
at 50 requests/s beside it."""
import json

from .common import Server, load, save


def add_arguments(p):
    p.add_argument("--seconds", type=float, default=5)


def run(a):
    s = Server("p2ptui", rate_limit=500)
    hog = load("--duration", a.seconds, "--sockets", 8, "--window", 64, "--timeout", 0.02, background=True)
    other = load("--duration", a.seconds, "--sockets", 1, "--window", 2, "--rate", 50, "--bind", "127.0.0.9")
    hog_res = json.loads(hog.communicate()[0])
    stats = s.stop()
    bound = 1000 + 500 * hog_res["seconds"]
    save("ratelimit", {"hog": hog_res, "other": other, "server": stats})
    print("| source | sent | answered | answered/s | bound (burst 1000 + 500/s x t) |")
    print("|---|---|---|---|---|")
    print("| 127.0.0.1, as fast as answers come | %d | %d | %d | %d |" % (
        hog_res["sent"], hog_res["valid"], hog_res["valid"] / hog_res["seconds"], bound))
    print("| 127.0.0.9, 50 requests/s at the same time | %d | %d | %d | (under its limit) |" % (
        other["sent"], other["valid"], other["valid"] / other["seconds"]))
    print()
    print("Server counters: " + stats.strip().splitlines()[-1])
