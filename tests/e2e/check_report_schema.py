#!/usr/bin/env python3
"""Validates every JSON report the test suite produced against the report
schema that nmexpert installs (data/report-v2.schema.json).

ctest runs every test with NMEXPERT_REPORT_COPY_DIR set (NmxTestEnv.cmake),
so nmexpert keeps a copy of each JSON report it writes there; this test
runs after all the others and checks each copy.  Usage:
    check_report_schema.py SCHEMA DIR
Exit 77 (ctest: skipped) when no report was produced (a partial ctest run
that wrote none) or when the jsonschema module is missing.
"""
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed: skipped")
    sys.exit(77)

schema_path, directory = sys.argv[1], sys.argv[2]
with open(schema_path) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
files = sorted(glob.glob(os.path.join(directory, "*.json")))
if not files:
    print("no reports were written in %s: skipped" % directory)
    sys.exit(77)
bad = 0
for path in files:
    try:
        with open(path) as f:
            doc = json.load(f)
    except ValueError as e:
        print("FAIL %s: not JSON: %s" % (os.path.basename(path), e))
        bad += 1
        continue
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        bad += 1
        e = errors[0]
        print("FAIL %s: %d error(s); first at /%s: %s" % (os.path.basename(path), len(errors),
                                                       "/".join(str(p) for p in e.path), e.message[:300]))
print("%d reports checked, %d do not match the schema" % (len(files), bad))
sys.exit(1 if bad else 0)
