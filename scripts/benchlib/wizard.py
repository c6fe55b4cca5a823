"""wizard: peak memory of the wizard (tmux, NAT lab)."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

from .common import BIN, COTURN_SERVER, P2P_SERVER, down, log, ns, up


def add_arguments(p):
    p.add_argument("--seconds", type=float, default=4)


def run(a):
    if not shutil.which("tmux"):
        sys.exit("bench: needs tmux")
    up("eim")
    session = "bench%d" % os.getpid()
    rss_file = tempfile.mktemp(prefix="bench-wiz-")
    try:
        cmd = "ip netns exec %s /usr/bin/time -f %%M -o %s %s --stun %s:3478 --stun %s:3478" % (
            ns("client"), rss_file, BIN, P2P_SERVER, COTURN_SERVER)
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "32", cmd], check=True)
        time.sleep(a.seconds)
        screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session], stdout=subprocess.PIPE,
                                text=True).stdout
        for keys in (["q"], ["q"], ["C-c"]):
            subprocess.run(["tmux", "send-keys", "-t", session, *keys], stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        for _ in range(20):
            if os.path.exists(rss_file) and open(rss_file).read().strip():
                break
            time.sleep(0.25)
        rss = open(rss_file).read().strip().splitlines() if os.path.exists(rss_file) else []
        print("Wizard peak RSS: %s KB (after %.0f s on screen, then q)." % (rss[-1] if rss else "?", a.seconds))
        log(screen)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], stderr=subprocess.DEVNULL)
        down()
        if os.path.exists(rss_file):
            os.unlink(rss_file)
