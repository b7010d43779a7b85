#!/usr/bin/env python3
"""check-prefixes.py - holds the naming rule of docs/hacking.md ("Names")
over what the compiler built, so that no rename can be forgotten:

  - a symbol with external linkage that the public headers (include/)
    declare keeps its public name: nmx_... for the embedding API, the
    NetMon names (GetFrame, ExpertAllocMemory, ...) for the NetMon API;
  - every other symbol with external linkage (a cross-file internal of a
    layer or of the command) starts with nmx__ and does not end with "_";
  - a file-static symbol carries no nmx_ prefix, except the static inline
    helpers of a header, which many files share: those are nmx__ too.

Usage: check-prefixes.py INCLUDE_DIR OBJECT_OR_ARCHIVE...
Reads symbols with `nm`; prints each breach with the object it is in and
exits 1 when there is any.
"""
import re
import subprocess
import sys
from pathlib import Path


def public_names(include_dir):
    names = set()
    for h in Path(include_dir).rglob("*.h"):
        names.update(re.findall(r"\b[A-Za-z_][A-Za-z0-9_]*\b", h.read_text(errors="replace")))
    return names


def symbols(path):
    """(object, name, is_global) for every symbol defined in path."""
    out = subprocess.run(["nm", "-A", "--defined-only", path], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        parts = line.split()  # "lib.a:member.o:ADDRESS KIND NAME"
        if len(parts) != 3:
            continue
        where, kind, name = parts[0].rsplit(":", 1)[0], parts[1], parts[2]
        if kind.upper() not in "TDBRCVW" or "." in name:
            continue  # debugging and section symbols, compiler-local names
        yield where, name, kind.isupper()


def breaches(include_dir, paths):
    public = public_names(include_dir)
    for path in paths:
        for where, name, is_global in symbols(path):
            if not is_global:
                if name.startswith("nmx_") and not name.startswith("nmx__"):
                    yield f"{where}: {name} is file-static: it takes no prefix (nmx__ in a header)"
            elif name == "main" or name in public:
                continue
            elif not name.startswith("nmx__"):
                yield f"{where}: {name} is internal to the library or the command: name it nmx__..."
            elif name.endswith("_"):
                yield f"{where}: {name} ends with '_': internal names are nmx__<layer>_<what>"


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: check-prefixes.py INCLUDE_DIR OBJECT_OR_ARCHIVE...\n")
        return 2
    found = sorted(set(breaches(argv[1], argv[2:])))
    for b in found:
        print(b)
    if found:
        print(f"{len(found)} name(s) break the prefix rule (docs/hacking.md, 'Names')")
        return 1
    print(f"prefix rule holds in {len(argv) - 2} file(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
