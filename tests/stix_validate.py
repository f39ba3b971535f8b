#!/usr/bin/env python3
"""stix_validate.py BUNDLE — validates a STIX 2.1 bundle against the OASIS
STIX 2.1 JSON schemas in tests/data/stix/schemas (references resolved
locally, nothing fetched). Exit 0 when valid; otherwise prints the first
errors and exits 1."""
import json
import os
import sys

import warnings

import jsonschema

warnings.simplefilter("ignore", DeprecationWarning)

BASE = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/"
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "stix", "schemas")


def main():
    store = {}
    for d, _, files in os.walk(HERE):
        for f in files:
            if f.endswith(".json"):
                with open(os.path.join(d, f)) as fh:
                    s = json.load(fh)
                store[s["$id"]] = s
    bundle_schema = store[BASE + "common/bundle.json"]
    resolver = jsonschema.RefResolver(BASE + "common/bundle.json", bundle_schema, store=store)
    cls = jsonschema.Draft202012Validator
    with open(sys.argv[1]) as fh:
        doc = json.load(fh)
    # the bundle itself, then each object against its type's schema (the
    # bundle schema's oneOf over every type resolves references badly)
    top = {k: v for k, v in doc.items() if k != "objects"}
    errors = list(cls(bundle_schema, resolver=resolver).iter_errors(top))
    if not isinstance(doc.get("objects"), list) or not doc["objects"]:
        errors.append("the bundle has no objects")
    for o in doc.get("objects", []):
        for kind in ("sdos", "sros", "observables", "common"):
            key = BASE + "%s/%s.json" % (kind, o.get("type"))
            if key in store:
                errors += list(cls(store[key], resolver=resolver).iter_errors(o))
                break
        else:
            errors.append("no schema for type %r" % o.get("type"))
    for e in errors[:5]:
        print(getattr(e, "message", e), file=sys.stderr)
    print("%d objects, %d errors" % (len(doc.get("objects", [])), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
