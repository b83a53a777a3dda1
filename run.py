"""`make run`: the whole product on one machine, with local stand-ins for outside services.

Starts the app, one SFU node registered to it and (without real Stripe keys) localstripe,
prefixes their output with their names, prints a short banner (URL, node, payments), and stops
every child on Ctrl-C or as soon as one of them dies.

The console is for the person at the keyboard: the development servers' boilerplate and
localstripe's per-request lines are left out (the app's own access log already drops node
heartbeats and health checks, see ``app/accesslog.py``), and one-time codes stand out.
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from config import DevelopmentConfig, env, env_int
from sfu_node.protocol import derive_node_key

ROOT = Path(__file__).resolve().parent
PYTHON = sys.executable
COLOURS = {"web": "35", "sfu": "36", "stripe": "33"}

# Lines nobody needs to read while trying the product out.
NOISE = {
    "web": re.compile(
        r"Werkzeug appears to be used|This is a development server|^ \* (Serving Flask app|Debug mode|Running on)"
        r"|Press CTRL\+C to quit"
    ),
    "stripe": re.compile(r"\"[A-Z]+ /\S* HTTP/1\.[01]\" \d{3}|Running on http|Press CTRL\+C to quit"),
}
# The frame ``app.mail.code_box`` draws around a one-time code.
CODE_LINE = re.compile(r"^(=+|  Code for .+: \d{6}  )$")
NODE_REGISTERED = "registered with"


class Supervisor:
    def __init__(self):
        self.children = {}
        self.stopping = False
        self.node_registered = threading.Event()

    def start(self, name, command, extra_env=None):
        child_env = dict(os.environ, PYTHONUNBUFFERED="1", **(extra_env or {}))
        process = subprocess.Popen(  # noqa: S603 (our own fixed commands)
            command,
            cwd=ROOT,
            env=child_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # our Ctrl-C handling decides when children stop
        )
        self.children[name] = process
        threading.Thread(target=self._relay, args=(name, process), daemon=True).start()
        return process

    def _relay(self, name, process):
        tty = sys.stdout.isatty()
        prefix = f"\033[{COLOURS.get(name, '37')}m{name:>6} |\033[0m " if tty else f"{name:>6} | "
        noise = NOISE.get(name)
        for line in process.stdout:
            if name == "sfu" and NODE_REGISTERED in line:
                self.node_registered.set()
            if noise and noise.search(line):
                continue
            if tty and CODE_LINE.match(line.rstrip("\n")):
                line = f"\033[1;7m{line.rstrip()}\033[0m\n"  # bold, reversed: the code to type
            sys.stdout.write(prefix + line)
            sys.stdout.flush()

    def stop(self):
        self.stopping = True
        for process in self.children.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.time() + 10
        for process in self.children.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def watch(self):
        while not self.stopping:
            for name, process in self.children.items():
                if process.poll() is not None:
                    print(f"\n{name} exited with status {process.returncode}; stopping everything.")
                    return process.returncode or 1
            time.sleep(0.5)
        return 0


def wait_for(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own localhost URL)
                return True
        except OSError:
            time.sleep(0.3)
    return False


def banner(app_url, node_id, node_registered, stripe_port):
    node = f"{node_id}, registered" if node_registered else f"{node_id}, not registered yet (see sfu lines)"
    payments = (
        f"localstripe on port {stripe_port} (test card 4242 4242 4242 4242)"
        if stripe_port
        else "Stripe, with your STRIPE_SECRET_KEY"
    )
    return (
        f"\n  Parlor is running at {app_url}\n"
        f"    video router  {node}\n"
        f"    payments      {payments}\n"
        f"    email, SMS    printed below; sign-in codes are framed\n"
        f"  Press Ctrl-C to stop.\n"
    )


def main():
    port = env_int("PORT", 5000)
    node_port = env_int("SFU_PORT", port + 1)
    stripe_port = env_int("LOCALSTRIPE_PORT", port + 2)
    node_metrics_port = env_int("SFU_METRICS_PORT", port + 3)
    app_url = f"http://127.0.0.1:{port}"
    config = DevelopmentConfig()  # generates and keeps the development secrets
    web_env = {"PORT": str(port), "HOST": "127.0.0.1", "ACCESS_LOG": env("ACCESS_LOG", "0")}
    supervisor = Supervisor()

    def shutdown(signum, frame):
        supervisor.stop()

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, shutdown)

    if not env("STRIPE_SECRET_KEY"):
        from app.billing.local import localstripe_env

        web_env.update(localstripe_env(stripe_port, app_url))
        supervisor.start("stripe", [PYTHON, "-m", "localstripe", "--port", str(stripe_port), "--from-scratch"])
        if not wait_for(f"http://127.0.0.1:{stripe_port}/js.stripe.com/v3/"):
            print("localstripe did not start; see its output above.")
            supervisor.stop()
            return 1

    supervisor.start("web", [PYTHON, "wsgi.py"], web_env)
    if not wait_for(f"{app_url}/healthz"):
        print("The app did not start; see its output above.")
        supervisor.stop()
        return 1

    node_id = env("SFU_NODE_ID", "local-1")
    node_env = {"PARLOR_NODE_KEY": derive_node_key(config.NODE_MASTER_SECRET, node_id)}
    # A local coturn (TURN_URLS) serves the node as it serves browsers: same secret, minted credentials.
    turn_args = []
    if config.TURN_URLS and config.TURN_SECRET:
        turn_args = [arg for url in config.TURN_URLS for arg in ("--ice-server", url)]
        node_env["PARLOR_NODE_TURN_SECRET"] = config.TURN_SECRET
    supervisor.start(
        "sfu",
        [
            PYTHON,
            "-m",
            "sfu_node",
            "--app-url",
            app_url,
            "--region",
            config.DEFAULT_REGION,
            "--public-url",
            f"http://127.0.0.1:{node_port}",
            "--listen",
            f"127.0.0.1:{node_port}",
            "--capacity",
            "48",
            "--node-id",
            node_id,
            # /healthz and /metrics for this machine only, never on the node's public port.
            "--metrics-listen",
            f"127.0.0.1:{node_metrics_port}",
            # One media worker: a room lives wholly on one worker, so a laptop's few meetings
            # gain nothing from more, and one process keeps the console and start-up short.
            # A production node runs the default, one per core (SFU_WORKERS to try that here).
            "--workers",
            os.environ.get("SFU_WORKERS", "1"),
            *turn_args,
        ],
        node_env,
    )
    if "stripe" in supervisor.children:
        from app.billing.local import register_local_webhook

        register_local_webhook(stripe_port, app_url)

    registered = supervisor.node_registered.wait(timeout=15)
    stripe = stripe_port if "stripe" in supervisor.children else None
    print(banner(app_url, node_id, registered, stripe), flush=True)
    code = supervisor.watch()
    supervisor.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
