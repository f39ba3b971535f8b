#!/usr/bin/env python3
"""scan_ref.py — an independent reference scan, written another way than
lib/scan.c (regular expressions and the ipaddress module), for the
cross-check in tests/scan.sh. Also generates the corpus.

  scan_ref.py gen INDICATORS CORPUS N   write N lines with planted hits
  scan_ref.py scan INDICATORS CORPUS    print "line type value" per hit
INDICATORS: lines "type value" (ipv4, ipv4-net, domain).
"""
import ipaddress
import random
import re
import sys


def load(path):
    ips, nets, doms = set(), [], set()
    for line in open(path):
        t, v = line.split()
        if t == "ipv4":
            ips.add(v)
        elif t == "ipv4-net":
            nets.append(ipaddress.ip_network(v))
        elif t == "domain":
            doms.add(v)
    return ips, nets, doms


IP = re.compile(r"(?<![\w.])((?:\d{1,3}\.){3}\d{1,3})(?![\w.]*\w)")
DOM = re.compile(r"(?<![\w.-])((?:[A-Za-z0-9_-]+\.)+[A-Za-z]{2,})(?![\w-])")


def scan(ind, corpus):
    ips, nets, doms = ind
    for no, line in enumerate(open(corpus), 1):
        hits = []
        for m in IP.finditer(line):
            s = m.group(1)
            try:
                a = ipaddress.ip_address(s)
            except ValueError:
                continue
            if any(len(o) > 1 and o[0] == "0" for o in s.split(".")):
                continue
            if s in ips:
                hits.append(("ipv4", s))
            for n in sorted(nets, key=lambda n: -n.prefixlen):
                if a in n:
                    hits.append(("ipv4-net", str(n)))
        for m in DOM.finditer(line):
            name = m.group(1).lower().rstrip(".")
            labels = name.split(".")
            for i in range(len(labels)):
                parent = ".".join(labels[i:])
                if parent in doms:
                    hits.append(("domain", parent))
        for t, v in hits:
            print(no, t, v)


def gen(indpath, corpus, n):
    ips, nets, doms = load(indpath)
    ips, doms = sorted(ips), sorted(doms)
    rng = random.Random(7)
    words = ["GET", "POST", "query", "allow", "deny", "from", "to", "user",
             "status=200", "ok", "-", "ssl", "dns"]
    with open(corpus, "w") as f:
        for i in range(n):
            parts = []
            for _ in range(rng.randint(3, 9)):
                r = rng.random()
                if r < 0.02:
                    parts.append(rng.choice(ips))                 # hit
                elif r < 0.04:
                    parts.append("sub%d.%s" % (i, rng.choice(doms)))  # parent hit
                elif r < 0.05:
                    parts.append("not" + rng.choice(doms))       # near miss
                elif r < 0.06:
                    parts.append("1" + rng.choice(ips))          # near miss
                elif r < 0.07:
                    parts.append(str(nets[0].network_address + rng.randint(1, 200)))
                elif r < 0.40:
                    parts.append("%d.%d.%d.%d" % tuple(rng.randint(1, 254) for _ in range(4)))
                elif r < 0.55:
                    parts.append("host%d.example%d.com" % (rng.randint(0, 999), rng.randint(0, 99)))
                else:
                    parts.append(rng.choice(words))
            f.write(" ".join(parts) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        scan(load(sys.argv[2]), sys.argv[3])
