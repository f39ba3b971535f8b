#!/usr/bin/env python3
"""Writes N distinct indicators as CSV (header 'indicator,kind'): half IPv4
addresses, half domains under real public suffixes. Deterministic."""
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
rng = random.Random(20161229)
tlds = ["com", "net", "org", "ru", "info", "de", "co.uk", "in.ua", "xyz", "io"]
out = sys.stdout
out.write("indicator,kind\n")
seen = set()
i = 0
while i < n // 2:
    a = rng.getrandbits(32) | 0x01000000
    if a in seen:
        continue
    seen.add(a)
    out.write("%d.%d.%d.%d,ip\n" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255))
    i += 1
alpha = "abcdefghijklmnopqrstuvwxyz0123456789"
for j in range(n - n // 2):
    label = "".join(rng.choice(alpha) for _ in range(rng.randint(6, 14)))
    out.write("%s%d.%s,domain\n" % (label, j, tlds[j % len(tlds)]))
