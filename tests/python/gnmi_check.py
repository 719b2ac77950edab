#!/usr/bin/env python3
"""Third-party gNMI client check for the Fathom simulator, driven by the Rust end-to-end test.

Uses pygnmi (pip install pygnmi) against a running `fathom-sim serve`:
  (a) STREAM/SAMPLE subscription to one switch's interface counters: the first full set (up to sync_response)
      and then N further samples;
  (b) ONCE subscription to the same switch's LLDP neighbors.
Prints one JSON document on stdout: {"capabilities", "samples": [{"timestamp", "values": {path: value}}],
"lldp": [{"interface", "id", "system_name", "port_id"}]}. Exits non-zero with a message on any failure.
"""

import argparse
import json
import re
import sys
import time

try:
    from pygnmi.client import gNMIclient
except ImportError:
    sys.exit("pygnmi is not installed: run `pip install pygnmi` (or `bash scripts/setup-tests.sh`)")

COUNTERS = "openconfig:/interfaces/interface[name=*]/state/counters"
LLDP = "/lldp/interfaces/interface[name=*]/neighbors"


def sample(update):
    """One pygnmi update dict as {"timestamp": ns, "values": {path: value}}."""
    body = update["update"]
    return {"timestamp": body["timestamp"], "values": {u["path"]: u["val"] for u in body["update"]}}


def stream_counters(gc, target, samples, interval_ms):
    sub = {
        "subscription": [{"path": COUNTERS, "mode": "sample", "sample_interval": interval_ms * 1_000_000}],
        "mode": "stream",
        "encoding": "proto",
    }
    stream = gc.subscribe2(subscribe=sub, target=target)
    try:
        first = stream.get_update(timeout=10)  # pygnmi merges everything up to sync_response
        if not first.get("sync_response"):
            raise RuntimeError("no sync_response after the first full data set")
        out = [sample(first)]
        while len(out) < samples + 1:
            out.append(sample(stream.get_update(timeout=10)))
        return out
    finally:
        stream.close()


LLDP_LEAF = re.compile(r"lldp/interfaces/interface\[name=([^\]]+)\]/neighbors/neighbor\[id=([^\]]+)\]/state/(.+)$")


def once_lldp(gc, target):
    sub = {"subscription": [{"path": LLDP}], "mode": "once", "encoding": "proto"}
    stream = gc.subscribe2(subscribe=sub, target=target)
    neighbors, synced = {}, False
    for msg in stream:  # ends after sync_response
        if msg.get("sync_response"):
            synced = True
            continue
        for u in msg["update"]["update"]:
            m = LLDP_LEAF.match(u["path"])
            if not m:
                raise RuntimeError(f"unexpected LLDP path {u['path']}")
            entry = neighbors.setdefault(m.group(1), {"interface": m.group(1), "id": m.group(2)})
            entry[m.group(3).replace("-", "_")] = u["val"]
    time.sleep(0.2)  # let pygnmi's reader thread see the end of the stream before closing
    stream.close()
    if not synced:
        raise RuntimeError("ONCE subscription ended without sync_response")
    return sorted(neighbors.values(), key=lambda n: n["interface"])


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--target", required=True)
    ap.add_argument("--samples", type=int, default=5)
    ap.add_argument("--interval-ms", type=int, default=200)
    args = ap.parse_args()
    with gNMIclient(target=(args.host, args.port), insecure=True) as gc:
        caps = gc.capabilities()
        samples = stream_counters(gc, args.target, args.samples, args.interval_ms)
        lldp = once_lldp(gc, args.target)
    json.dump({"capabilities": caps, "samples": samples, "lldp": lldp}, sys.stdout)
    print()


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one clear line for the Rust test's failure message
        sys.exit(f"gnmi_check failed: {type(e).__name__}: {e}")
