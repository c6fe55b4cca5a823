"""Helpers every bench verb shares: paths, the NAT lab (scripts/natlab) and timed runs in its
namespaces, the loopback namespace and servers on it, the load generator, and the JSON results."""
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENTRY = os.path.join(REPO, "scripts/bench")
# The build users install (scripts/install, the .deb): release, Swift runtime linked statically.
SCRATCH = os.path.join(REPO, ".build-release")
BIN = os.path.join(SCRATCH, "release/p2ptui")
LOAD = os.path.join(SCRATCH, "release/p2ptui-load")
NATLAB = os.path.join(REPO, "scripts/natlab")
OUT = os.path.join(REPO, ".build-bench")
PREFIX = "bnch%d" % os.getpid()
ENV = dict(os.environ, NATLAB_PREFIX=PREFIX, P2PTUI_BIN=BIN, NATLAB_QUIET="1",
           PATH=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")

SCENARIOS = ["open", "firewall", "eim", "fullcone", "restricted", "symmetric", "double",
             "udp-blocked", "hairpin", "upnp"]
# What a correct client reports per scenario (scripts/natlab list), in the classic RFC 3489 names.
EXPECTED = {"open": "Open Internet", "firewall": "Symmetric UDP Firewall", "eim": "Port Restricted Cone",
            "fullcone": "Full Cone", "restricted": "Restricted Cone", "symmetric": "Symmetric NAT",
            "double": "Port Restricted Cone", "udp-blocked": "Blocked", "hairpin": "Port Restricted Cone",
            "upnp": "Port Restricted Cone"}
P2P_SERVER = "203.0.113.10"
COTURN_SERVER = "203.0.113.20"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def save(name, data):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "%s-%s.json" % (name, time.strftime("%Y%m%d-%H%M%S")))
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
    log("raw results: %s" % os.path.relpath(path, REPO))


def spread(xs):
    return "%.0f–%.0f" % (min(xs) * 1000, max(xs) * 1000)


def load_average():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def machine():
    model = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return "%s, nproc %d, kernel %s, load average %s" % (model, os.cpu_count(), os.uname().release, load_average())


# --- NAT lab -------------------------------------------------------------------------------------
def natlab(*args, check=True):
    return subprocess.run([NATLAB, *args], env=ENV, check=check, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)


def ns(role):
    return "%s-%s" % (PREFIX, role)


def up(scenario):
    natlab("up", scenario)


def down():
    natlab("down", check=False)


def reset_router():
    """Fresh NAT state: no run inherits another's mappings or filter holes."""
    for role in ("router", "router2"):
        if not os.path.exists("/run/netns/" + ns(role)):
            continue
        for cmd in (["conntrack", "-F"], ["nft", "flush", "set", "ip", "natlab", "mapped"],
                    ["nft", "flush", "set", "ip", "natlab", "contacted"]):
            subprocess.run(["ip", "netns", "exec", ns(role), *cmd], env=ENV,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def timed(role, argv, timeout=60):
    """Runs argv in a lab namespace; the clock (bash $EPOCHREALTIME) and GNU time's peak RSS are
    taken inside the namespace, so `ip netns exec` itself is not counted."""
    script = ('s=$EPOCHREALTIME; /usr/bin/time -f "@@RSS %M" -o "$0" "$@" >"$0.out" 2>"$0.err"; rc=$?; '
              'e=$EPOCHREALTIME; echo "@@T $s $e $rc"')
    with tempfile.NamedTemporaryFile(prefix="bench-", delete=False) as tf:
        tmp = tf.name
    try:
        p = subprocess.run(["ip", "netns", "exec", ns(role), "bash", "-c", script, tmp, "timeout", str(timeout),
                            *argv], env=ENV, stdout=subprocess.PIPE, text=True)
        line = [l for l in p.stdout.splitlines() if l.startswith("@@T ")][-1].split()
        rss = 0
        for l in open(tmp).read().splitlines():
            if l.startswith("@@RSS "):
                rss = int(l.split()[1])
        return {"seconds": float(line[2]) - float(line[1]), "rc": int(line[3]), "rssKB": rss,
                "stdout": open(tmp + ".out").read(), "stderr": open(tmp + ".err").read()}
    finally:
        for f in (tmp, tmp + ".out", tmp + ".err"):
            if os.path.exists(f):
                os.unlink(f)


def p2ptui_full_argv():
    """`check` with every probe: both lab servers, the egress ports and the QUIC probe against the lab's
    own servers (its p2ptui serve answers QUIC Version Negotiation on 443), as a real user's would go to
    theirs."""
    return [BIN, "check", "--json", "--stun", P2P_SERVER + ":3478", "--stun", COTURN_SERVER + ":3478",
            "--egress-target", P2P_SERVER, "--quic", P2P_SERVER + ":443"]


def verdict_p2ptui(out):
    try:
        nat = json.loads(out)["nat"]
    except (ValueError, KeyError, TypeError):
        return "no output"
    t = nat.get("classicType") or "Unknown"
    return "inconclusive" if t == "Unknown" else t


# --- loopback servers ----------------------------------------------------------------------------
def in_lo_namespace(argv):
    """Re-runs the bench inside a fresh network namespace that holds only lo."""
    if os.environ.get("BENCH_IN_NETNS") == "1":
        return False
    env = dict(os.environ, BENCH_IN_NETNS="1")
    rc = subprocess.run(["unshare", "--net", "--", "bash", "-c", 'ip link set lo up && exec "$@"', "bash",
                         sys.executable, ENTRY, *argv], env=env).returncode
    sys.exit(rc)


def proc_status(pid, key):
    try:
        for line in open("/proc/%d/status" % pid):
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid):
    """utime + stime of every thread of pid."""
    try:
        f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def wait_listening(port, proc, timeout=5):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError("server exited: rc %s" % proc.returncode)
        out = subprocess.run(["ss", "-Hlun", "sport = :%d" % port], stdout=subprocess.PIPE, text=True).stdout
        if out.count("\n") >= 2:
            return
        time.sleep(0.05)
    raise RuntimeError("server did not listen on %d" % port)


class Server:
    """p2ptui serve or coturn on 127.0.0.1 and 127.0.0.2, optionally under a wrapper (valgrind)."""

    def __init__(self, kind, port=3478, rate_limit=0, extra=(), wrapper=(), coturn_extra=(), listen_timeout=5,
                 binary=BIN):
        self.kind = kind
        self.dir = tempfile.mkdtemp(prefix="bench-srv-")
        if kind == "p2ptui":
            argv = [binary, "serve", "--primary", "127.0.0.1", "--alternate", "127.0.0.2", "--port", str(port),
                    "--rate-limit", str(rate_limit), *extra]
        else:
            argv = ["turnserver", "-n", "--stun-only", "--no-auth", "--no-tls", "--no-dtls", "--no-cli",
                    "--listening-ip", "127.0.0.1", "--listening-ip", "127.0.0.2", "--listening-port", str(port),
                    "--alt-listening-port", str(port + 1), "--log-file", os.path.join(self.dir, "coturn.log"),
                    "--no-stdout-log", "--simple-log", "--pidfile", os.path.join(self.dir, "coturn.pid"),
                    *coturn_extra]
        self.out = open(os.path.join(self.dir, "out"), "w+")
        self.proc = subprocess.Popen([*wrapper, *argv], stdout=self.out, stderr=subprocess.STDOUT)
        wait_listening(port, self.proc, listen_timeout)

    def stop(self, timeout=5):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.out.seek(0)
        text = self.out.read()
        shutil.rmtree(self.dir, ignore_errors=True)
        return text


def load(*args, background=False):
    """p2ptui-load against the loopback server; its JSON result (or the process, in the background)."""
    argv = [LOAD, "--server", "127.0.0.1:3478", *map(str, args)]
    if background:
        return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    return json.loads(subprocess.run(argv, stdout=subprocess.PIPE, text=True, check=True).stdout)


def rate_summary(runs):
    """What a row of a server table says about runs of one server: answers/s median, min and max,
    the median p99 latency (ms) and the median server CPU time per answer (µs)."""
    rates = [x["validPerSecond"] for x in runs]
    return {"median": statistics.median(rates), "min": min(rates), "max": max(rates),
            "p99": statistics.median([x["latencyMsP99"] for x in runs]),
            "cpuPerAnswer": statistics.median([x["serverCPUSeconds"] / max(1, x["valid"]) * 1e6 for x in runs])}
