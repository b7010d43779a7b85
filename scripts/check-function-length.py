#!/usr/bin/python3
"""check-function-length.py - no function in src/ or experts/ over 80 lines
unless the comment just above it says why.

    scripts/check-function-length.py [--max N] [--list] [DIR...]

A function is a top-level definition: a line at column 0 that is not a
declaration, a preprocessor line or a comment, ending in ')' (its opening
'{' on the next line, as the house style writes it), up to the '}' at
column 0 that closes it.  Its length is the lines from its name to that
brace.  A longer function passes when the comment block right above it has
a line starting with "Long:" (say what makes it long and why it reads
better whole).  Exit status 1 names every function that breaks the rule;
--list prints every function over the limit, explained or not.
"""
import os
import re
import sys

NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def functions(path):
    lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
    i = 0
    while i < len(lines) - 1:
        line = lines[i]
        if (line and not line[0].isspace() and line[0] not in "#/*}{" and not line.startswith("static const")
                and "(" in line and not line.rstrip().endswith(";") and lines[i + 1].startswith("{")):
            pass
        elif (line and not line[0].isspace() and line[0] not in "#/*}{" and "(" in line
              and not line.rstrip().endswith(";") and not line.rstrip().endswith("{")):
            # a signature that goes on over several lines
            j = i
            while j + 1 < len(lines) and not lines[j].rstrip().endswith(")") and j - i < 6:
                j += 1
            if not (j + 1 < len(lines) and lines[j + 1].startswith("{")):
                i += 1
                continue
        else:
            i += 1
            continue
        m = NAME.search(line)
        start = i
        end = start + 1
        while end < len(lines) and lines[end] != "}":
            end += 1
        # the comment block above
        k = start - 1
        comment = []
        while k >= 0 and (lines[k].startswith(" *") or lines[k].startswith("/*") or lines[k].startswith("//")):
            comment.append(lines[k])
            k -= 1
        if m:
            yield m.group(1), start + 1, end - start + 1, comment
        i = end + 1


def main(argv):
    limit, listing, dirs = 80, False, []
    args = iter(argv)
    for a in args:
        if a == "--max":
            limit = int(next(args))
        elif a == "--list":
            listing = True
        else:
            dirs.append(a)
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    dirs = dirs or [os.path.join(root, "src")]
    bad = 0
    for d in dirs:
        for base, _, files in sorted(os.walk(d)):
            for f in sorted(files):
                if not f.endswith(".c"):
                    continue
                path = os.path.join(base, f)
                for name, line, n, comment in functions(path):
                    if n <= limit:
                        continue
                    why = any(re.match(r"\s*(/?\*+|//)\s*Long:", c) for c in comment)
                    rel = os.path.relpath(path, root)
                    if listing or not why:
                        print("%s:%d: %s is %d lines%s" % (rel, line, name, n,
                                                           " (explained)" if why else ""))
                    bad += 0 if why else 1
    if bad:
        print("%d function(s) over %d lines without a 'Long:' comment saying why" % (bad, limit))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
