#!/usr/bin/env python3
"""gen_indicators.py N [csv|stix|zeek] — writes N distinct indicators: half
IPv4 addresses, half domains under real public suffixes, as CSV (header
'indicator,kind'), a STIX 2.1 bundle of Indicator objects, or a Zeek intel
file. Deterministic."""
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
fmt = sys.argv[2] if len(sys.argv) > 2 else "csv"
rng = random.Random(20161229)
tlds = ["com", "net", "org", "ru", "info", "de", "co.uk", "in.ua", "xyz", "io"]
out = sys.stdout
HEAD = {
    "csv": "indicator,kind\n",
    "zeek": "#fields\tindicator\tindicator_type\tmeta.source\n",
    "stix": '{"type": "bundle", "id": "bundle--0f5ae1d4-7e2c-4c59-9a5b-3f8c2a1e9d01", "objects": [\n',
}
out.write(HEAD[fmt])
count = 0


def emit(value, kind):
    global count
    if fmt == "csv":
        out.write("%s,%s\n" % (value, kind))
    elif fmt == "zeek":
        out.write("%s\tIntel::%s\tbench\n" % (value, "ADDR" if kind == "ip" else "DOMAIN"))
    else:
        path = "ipv4-addr:value" if kind == "ip" else "domain-name:value"
        out.write('%s{"type": "indicator", "spec_version": "2.1", "id": "indicator--%08x-0000-4000-8000-%012x", '
                  '"created": "2016-12-29T00:00:00.000Z", "modified": "2016-12-29T00:00:00.000Z", '
                  '"pattern": "[%s = \'%s\']", "pattern_type": "stix", "valid_from": "2016-12-29T00:00:00Z", '
                  '"labels": ["bench"], "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]}\n'
                  % ("," if count else "", count >> 48, count & 0xffffffffffff, path, value))
    count += 1


seen = set()
i = 0
while i < n // 2:
    a = rng.getrandbits(32) | 0x01000000
    if a in seen:
        continue
    seen.add(a)
    emit("%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255), "ip")
    i += 1
alpha = "abcdefghijklmnopqrstuvwxyz0123456789"
for j in range(n - n // 2):
    label = "".join(rng.choice(alpha) for _ in range(rng.randint(6, 14)))
    emit("%s%d.%s" % (label, j, tlds[j % len(tlds)]), "domain")
if fmt == "stix":
    out.write("]}\n")
