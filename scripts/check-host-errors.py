#!/usr/bin/python3
"""check-host-errors.py - the embedding API (include/nmexpert/host.h) keeps
one error convention.

    scripts/check-host-errors.py [HOST_H]
    scripts/check-host-errors.py --self-test [HOST_H]

The convention is written in host.h's first comment: a function that can
fail returns NULL (pointer results) or a negative int, and writes a message
into the caller's `char *errbuf, size_t errlen`.  This script checks what a
parser can see of it, for every NMX_EXPORT function:

- a function returning a value (an int, a pointer, or any other type) has
  the pair `char *errbuf, size_t errlen` as its last two parameters, or is
  on CANNOT_FAIL below with the reason it needs none;
- a function with the pair returns int or a pointer: a size_t or a void
  result could not say that it failed;
- nothing on CANNOT_FAIL has the pair, and everything on it is declared
  (the list stays short and true).

Exit status 1 names every function that breaks a rule.  --self-test breaks
a copy of the header in each of these ways and fails unless every broken
copy is caught (and the real header passes), so the check cannot go quiet.
"""
import os
import re
import sys

# The functions that return a value without an errbuf/errlen pair: each
# cannot fail, or is a pure look-up whose only failure is an index out of
# range (host.h says so for each).  Keep this list short: a new function
# that can fail takes errbuf/errlen instead of joining it.
CANNOT_FAIL = {
    "nmx_version": "a constant string",
    "nmx_capture_frame_file": "arithmetic on the open capture's index",
    "nmx_capture_frame_count": "a member of the open capture",
    "nmx_protocol_count": "a constant of the dissector table",
    "nmx_protocol_describe": "pure look-up: -1 when the index is out of range",
    "nmx_field_describe": "pure look-up: -1 when an index is out of range",
    "nmx_host_installed_experts_dir": "an environment variable or a compiled-in path",
    "nmx_host_installed_data_dir": "an environment variable or a compiled-in path",
    "nmx_host_installed_parsers_dir": "an environment variable or a directory that exists; NULL is none, not a failure",
    "nmx_host_expert_count": "a member of the host",
    "nmx_host_expert": "pure look-up: NULL when the index is out of range",
    "nmx_run_execute": "each expert's failure is its result's outcome and message",
    "nmx_run_abandoned": "a flag of the run",
    "nmx_outcome_name": "a constant string (\"unknown\" outside the enum)",
    "nmx_run_result_count": "a member of the run",
    "nmx_run_result": "pure look-up: NULL when the index is out of range",
    "nmx_run_capture": "a member of the run",
    "nmx_run_options": "a member of the run",
    "nmx_output_stream": "a member of the open output",
    "nmx_output_temp_path": "a member of the open output",
}

# Functions that take more parameters after errbuf/errlen (a second
# buffer that is not an error): the pair need not be last.
PAIR_NOT_LAST = {
    "nmx_report_merge_files": "note/notelen, a warning that is not an error",
}

DECL = re.compile(r"NMX_EXPORT\s+([^;{]*?)\b(nmx_[A-Za-z0-9_]+)\s*\(([^)]*)\)\s*;", re.S)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def declarations(text):
    """(name, return type, [parameters]) of every NMX_EXPORT function."""
    out = []
    for m in DECL.finditer(strip_comments(text)):
        ret = " ".join(m.group(1).split())
        params = [" ".join(p.split()) for p in m.group(3).split(",")]
        out.append((m.group(2), ret, params))
    return out


def pair_at(params):
    """Index of `char *errbuf` followed by `size_t errlen`, or -1."""
    for i in range(len(params) - 1):
        if (re.fullmatch(r"char \*\s*errbuf", params[i])
                and re.fullmatch(r"size_t errlen", params[i + 1])):
            return i
    return -1


def problems(text):
    found = []
    decls = declarations(text)
    if not decls:
        return ["no NMX_EXPORT function found: is this host.h?"]
    names = set()
    for name, ret, params in decls:
        names.add(name)
        returns_value = ret not in ("void", "static void")
        at = pair_at(params)
        if at >= 0:
            if not (ret.endswith("*") or ret == "int"):
                found.append("%s returns %s: with errbuf/errlen it must return int (negative on failure) "
                             "or a pointer (NULL on failure)" % (name, ret))
            if at != len(params) - 2 and name not in PAIR_NOT_LAST:
                found.append("%s: errbuf, errlen must be its last two parameters" % name)
            if name in CANNOT_FAIL:
                found.append("%s takes errbuf/errlen but is listed as unable to fail: take it off "
                             "CANNOT_FAIL" % name)
        elif returns_value and name not in CANNOT_FAIL:
            loose = [p for p in params if re.search(r"\b(err|error|msg|errmsg|errbuf)\b", p)]
            hint = " (it has %s: name them char *errbuf, size_t errlen)" % ", ".join(loose) if loose else ""
            found.append("%s returns %s but has no `char *errbuf, size_t errlen` pair%s; a function that "
                         "cannot fail goes on CANNOT_FAIL in %s with the reason"
                         % (name, ret, hint, os.path.basename(__file__)))
    for name in sorted(set(CANNOT_FAIL) - names):
        found.append("%s is on CANNOT_FAIL but not declared in the header: remove it" % name)
    for name in sorted(set(PAIR_NOT_LAST) - names):
        found.append("%s is on PAIR_NOT_LAST but not declared in the header: remove it" % name)
    return found


def self_test(text):
    """Every way of breaking the convention must be caught."""
    if problems(text):
        print("self-test: the real header does not pass:")
        print("\n".join(problems(text)))
        return 1
    end = "#ifdef __cplusplus\n}"
    # what: (pattern, replacement, words the problem found must contain)
    breakages = {
        "an errbuf dropped": (r"int nmx_config_save\(([^)]*?),\s*char \*errbuf,\s*size_t errlen\)",
                              r"int nmx_config_save(\1)", "nmx_config_save returns int but has no"),
        "errbuf named err": (r"char \*errbuf, size_t errlen\);", "char *err, size_t errlen);",
                             "it has char *err"),
        "a new int function without errbuf": (end, "NMX_EXPORT int nmx_new_thing(const char *path);\n" + end,
                                              "nmx_new_thing returns int but has no"),
        "a new pointer function without errbuf": (end, "NMX_EXPORT void *nmx_new_load(const char *m, size_t *len);\n"
                                                  + end, "nmx_new_load returns void * but has no"),
        "a size_t result with errbuf": (end, "NMX_EXPORT size_t nmx_new_count(char *errbuf, size_t errlen);\n" + end,
                                        "nmx_new_count returns size_t: with errbuf/errlen"),
        "errbuf not last": (end, "NMX_EXPORT int nmx_new_x(char *errbuf, size_t errlen, int flags);\n" + end,
                            "nmx_new_x: errbuf, errlen must be its last two"),
        "an allow-listed function given errbuf": (r"nmx_host_expert\(const nmx_host_t \*host, size_t i\)",
                                                  "nmx_host_expert(const nmx_host_t *host, size_t i, char *errbuf, "
                                                  "size_t errlen)", "nmx_host_expert takes errbuf/errlen but is listed"),
        "an allow-listed function removed": (r"NMX_EXPORT const char \*nmx_version\(void\);", "",
                                             "nmx_version is on CANNOT_FAIL but not declared"),
    }
    bad = 0
    for what, (pattern, repl, expect) in breakages.items():
        broken, n = re.subn(pattern, lambda m, r=repl: m.expand(r) if "\\" in r else r, text, count=1)
        found = problems(broken)
        if n == 0:
            print("self-test: cannot make '%s': the header changed, update the self-test" % what)
            bad += 1
        elif not any(expect in p for p in found):
            print("self-test: '%s' is not caught (found: %s)" % (what, found))
            bad += 1
        else:
            print("self-test: '%s' caught" % what)
    return 1 if bad else 0


def with_includes(path):
    """host.h with the public headers beside it that it includes
    (#include <nmexpert/capture.h>, ...) written in place: the one API."""
    here = os.path.dirname(path)
    text = open(path, encoding="utf-8").read()

    def inline(m):
        sub = os.path.join(here, m.group(1))
        return open(sub, encoding="utf-8").read() if os.path.exists(sub) else m.group(0)
    return re.sub(r'#include <nmexpert/([a-z_]+\.h)>', inline, text)


def main(argv):
    selftest = "--self-test" in argv
    argv = [a for a in argv if a != "--self-test"]
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    path = argv[0] if argv else os.path.join(root, "include", "nmexpert", "host.h")
    text = with_includes(path)
    if selftest:
        return self_test(text)
    found = problems(text)
    for p in found:
        print("%s: %s" % (path, p))
    if found:
        print("%d break(s) of the error convention (see the first comment of host.h)" % len(found))
        return 1
    print("%d functions of %s keep the error convention" % (len(declarations(text)), os.path.basename(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
