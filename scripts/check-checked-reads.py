#!/usr/bin/python3
"""check-checked-reads.py - the dissectors read frame bytes only through the
bounds-checked cursor.

    scripts/check-checked-reads.py [FILE_OR_DIR ...]   (default: src/proto)
    scripts/check-checked-reads.py --self-test

Every file named dis_*.c (in the directories given) is checked.  Frame bytes
reach a dissector only as an nmx_cursor_t, and the checked accessors of
src/common/cursor.h (nmx__cur_u8 ... nmx__cur_u64le, nmx__cur_peek_*,
nmx__cur_get_*, nmx__cur_peek_copy, nmx__cur_copy, nmx__cur_window,
nmx__cur_from, nmx__cur_sub, nmx__cur_head, nmx__cur_skip, nmx__cur_match,
nmx__cur_match_ci, nmx__cur_find ...) are the only way to look at them: each
checks the cursor's window, which a dissector can narrow but never widen.

What the script ACCEPTS is exactly what is left once these are rejected
(comments, string and character literals are blanked first, so neither
hides nor fakes anything):

  load       nmx__load_* (the unchecked loads) and nmx__at() (an unchecked
             pointer into the window);
  pointer    nmx__cur_bytes() (hands out a raw pointer) and nmx__cursor()
             (makes a window out of a raw pointer and a length);
  internals  any member access .p / ->p / .base / ->base (the cursor's raw
             pointers) or .frame / ->frame (the dissection context's);
  widen      a write to .left / ->left (assignment, compound assignment,
             ++, --) or taking its address: windows only shrink, through
             nmx__cur_head / nmx__cur_window / nmx__cur_skip;
  forge      a cursor built by hand: an initializer list or compound literal
             of nmx_cursor_t, or `struct nmx__cursor`; or arithmetic on or
             indexing of a cursor variable (cp[1], cp + 1, cp++);
  byteptr    a pointer to bytes named at all: uint8_t *, int8_t *,
             unsigned char *, signed char *, void * (declarations,
             parameters, casts), or an array parameter of such bytes
             (`const uint8_t name[16]` is a pointer); and any cast to a
             pointer type;
  escape     a cursor variable handed to a function that is neither an
             nmx__* function nor a function of the same file (memcpy(&c,
             ...), memset(&c, ...) would rewrite its bounds);
  trick      token pasting (##), asm, union, and an #include of anything
             but a <system header> or proto/proto_int.h, proto/proto.h,
             common/cursor.h, common/checked.h, common/linktype.h.

So a dissector holds no pointer into the frame, and cannot make one: every
byte it sees came through an accessor that checked the window its parent
gave it.  `char *` is allowed (text the dissector builds itself, or the
capture's comment from d->fctx); it cannot point into the frame because
nothing in the file can produce a frame pointer.  Exit status 1 lists
FILE:LINE: rule: text for each; --self-test feeds the checker a snippet for
each rule (and a clean one) and fails unless each is caught.
"""
import os
import re
import sys

ALLOWED_INCLUDES = {"proto/proto_int.h", "proto/proto.h", "common/cursor.h", "common/checked.h",
                    "common/linktype.h"}

KEYWORDS = {"if", "while", "for", "switch", "return", "sizeof", "defined", "_Alignof", "alignof",
            "_Static_assert", "static_assert"}


def strip(text):
    """Blanks comments, string and character literals, keeping newlines."""
    out = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif ch in "\"'":
            j = i + 1
            while j < n and text[j] != ch and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(ch + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + ch)
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)


BYTE = r"(?:u?int8_t|(?:un)?signed\s+char|void)"

RULES = [
    ("load", re.compile(r"\bnmx__load_\w+|\bnmx__at\s*\(")),
    ("pointer", re.compile(r"\bnmx__cur_bytes\s*\(|\bnmx__cursor\s*\(")),
    ("internals", re.compile(r"(?:\.|->)\s*(?:p|base|frame)\b")),
    ("widen", re.compile(r"(?:\.|->)\s*left\s*(?:[-+*/%&|^]|<<|>>)?=(?!=)|(?:\.|->)\s*left\s*(?:\+\+|--)"
                         r"|(?:\+\+|--)\s*[\w.>\-\[\]]*(?:\.|->)\s*left\b"
                         r"|(?:[=(,;{}?:]|\breturn)\s*&(?!&)\s*[\w.>\-\[\]]*(?:\.|->)\s*left\b")),
    ("forge", re.compile(r"\bnmx_cursor_t\s+\w+\s*(?:\[[^\]]*\]\s*)?=\s*\{|\(\s*nmx_cursor_t\s*\)\s*\{"
                         r"|\bstruct\s+nmx__cursor\b")),
    ("byteptr", re.compile(r"\b" + BYTE + r"\s*(?:const\s*)?\*|\(\s*(?:const\s+)?(?:(?:un)?signed\s+)?"
                           r"(?:struct\s+)?\w+\s*(?:const\s*)?\*+\s*\)")),
    ("trick", re.compile(r"##|\b(?:__asm__|asm|union)\b")),
]

INCLUDE = re.compile(r'^\s*#\s*include\s*(?:<([^>]*)>|"([^"]*)"|(.*))', re.M)
FUNC_DEF = re.compile(r"\b(\w+)\s*\(([^()]*)\)\s*\{")
CALL = re.compile(r"\b(\w+)\s*\(")
CURSOR_NAME = re.compile(r"\bnmx_cursor_t\s*(?:const\s*)?\*?\s*(?:const\s*)?(\w+)")


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def call_args(text, open_paren):
    """The text between the parenthesis at open_paren and its match."""
    depth = 0
    for j in range(open_paren, len(text)):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return text[open_paren + 1:j]
    return text[open_paren + 1:]


def problems(raw, name="<text>"):
    found = []
    # Includes are judged on the raw text (the strip blanks "..." names).
    for m in INCLUDE.finditer(raw):
        sysname, local, other = m.groups()
        if sysname is None and (local is None or local not in ALLOWED_INCLUDES):
            found.append((line_of(raw, m.start()), "trick", m.group(0).strip()))
    text = strip(raw)
    lines = text.split("\n")
    for rule, rx in RULES:
        for m in rx.finditer(text):
            found.append((line_of(text, m.start()), rule, m.group(0).strip()))
    # Array parameters of bytes are pointers.
    for m in FUNC_DEF.finditer(text):
        if m.group(1) in KEYWORDS:
            continue
        for p in m.group(2).split(","):
            if re.search(r"\b" + BYTE + r"\s+(?:const\s+)?\w+\s*\[", p):
                found.append((line_of(text, m.start(2)), "byteptr", p.strip()))
    # Cursors go only to nmx__* functions and the file's own.
    own = {m.group(1) for m in FUNC_DEF.finditer(text) if m.group(1) not in KEYWORDS}
    cursors = {m.group(1) for m in CURSOR_NAME.finditer(text)}
    if cursors:
        # No arithmetic on or indexing of a cursor (pointer): cp[1], cp + 1, cp++.
        names = "|".join(sorted(cursors))
        arith = re.compile(r"(?<![\w.>])(?:" + names + r")\s*(?:\[|\+|-(?!>))|(?:\+\+|--)\s*(?:" + names + r")\b")
        for m in arith.finditer(text):
            found.append((line_of(text, m.start()), "forge", m.group(0).strip()))
        tok = re.compile(r"(?<![\w.>])(?:" + "|".join(sorted(cursors)) + r")\b(?!\s*(?:\.|->))")
        for m in CALL.finditer(text):
            fn = m.group(1)
            if fn in KEYWORDS or fn.startswith("nmx__") or fn in own:
                continue
            args = call_args(text, m.end() - 1)
            if tok.search(args):
                found.append((line_of(text, m.start()), "escape", "%s(%s)" % (fn, args.strip())))
    out = []
    for ln, rule, what in sorted(set(found)):
        src = lines[ln - 1].strip() if 0 < ln <= len(lines) else what
        out.append("%s:%d: %s: %s" % (name, ln, rule, raw.split("\n")[ln - 1].strip() or src))
    return out


def files(args):
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    args = args or [os.path.join(root, "src", "proto")]
    for a in args:
        if os.path.isdir(a):
            for f in sorted(os.listdir(a)):
                if f.startswith("dis_") and f.endswith(".c"):
                    yield os.path.join(a, f)
        else:
            yield a


# Each snippet breaks one rule; the checker must name that rule for it.
BAD = [
    ("load", "uint16_t t = nmx__load_u16be(x);"),
    ("load", "uint8_t v = *nmx__at(&c, 3);"),
    ("pointer", "const uint8_t *q; nmx__cur_bytes(&c, 4, &q);"),
    ("pointer", "nmx_cursor_t w = nmx__cursor(buf, 100);"),
    ("internals", "uint8_t v = c.p[0];"),
    ("internals", "uint8_t v = c->p[2];"),
    ("internals", "size_t o = c . base - 0;"),
    ("internals", "uint8_t v = d->frame[12];"),
    ("widen", "c.left = 1000;"),
    ("widen", "c.left += 4;"),
    ("widen", "c->left++;"),
    ("widen", "++c.left;"),
    ("widen", "size_t *l = &c.left;"),
    ("widen", "f(x, &cp->left);"),
    ("forge", "nmx_cursor_t w = {0};"),
    ("forge", "c = (nmx_cursor_t){0};"),
    ("forge", "struct nmx__cursor w;"),
    ("byteptr", "const uint8_t *h = x;"),
    ("byteptr", "unsigned char *h = x;"),
    ("byteptr", "const void *h = x;"),
    ("byteptr", "uint16_t v = *(const uint16_t *)x;"),
    ("forge", "uint8_t v = nmx__cur_get_u8(&cp[1], 0);"),
    ("forge", "uint8_t v = nmx__cur_get_u8(cp + 1, 0);"),
    ("forge", "cp++;"),
    ("forge", "--cp;"),
    ("escape", "memcpy(&c, &w, sizeof w);"),
    ("escape", "memset(&c, 0xff, 24);"),
    ("trick", "#define L(x) nmx__lo##ad_u8(x)\n"),
    ("trick", "union { nmx_cursor_t c; size_t w[3]; } u;"),
    ("trick", "__asm__(\"\");"),
]

BAD_FILES = [
    ("byteptr", "static int f(const uint8_t name[16])\n{\n    return name[0];\n}\n"),
    ("trick", '#include "proto/evil.h"\n'),
    ("trick", '#include "dis_ip.c"\n'),
]

CLEAN = """#include <string.h>
#include "proto/proto_int.h"
/* c.p[0] and nmx__load_u8 in a comment are fine */
static bool helper(const nmx_cursor_t *c) { return c->left > 2; }
void nmx__dis_x(nmx_dctx_t *d, nmx_cursor_t c)
{
    uint8_t v, raw[8];
    const char *s = "c.p[0] nmx__load_u16be";
    if (!nmx__cur_peek_u8(&c, 3, &v) || !helper(&c) || c.left == 0 || c.left != 4 || (v & c.left) ||
        (v && c.left >= 2))
        return;
    nmx__cur_peek_copy(&c, 0, raw, sizeof(raw));
    c = nmx__cur_head(c, c.left - 1);
    memcpy(raw, raw + 1, 2);
    (void)s;
    (void)d;
}
"""


def self_test():
    fails = 0
    if problems(CLEAN, "clean"):
        print("FAIL: a clean dissector is rejected:")
        for p in problems(CLEAN, "clean"):
            print("  " + p)
        fails += 1
    cases = [(r, "void f(nmx_dctx_t *d, nmx_cursor_t c, nmx_cursor_t *cp)\n{\n    " + s + "\n}\n")
             for r, s in BAD] + BAD_FILES
    for rule, snippet in cases:
        got = problems(snippet, "snippet")
        if not any(": %s: " % rule in g for g in got):
            print("FAIL: not caught as %s: %r (got %r)" % (rule, snippet, got))
            fails += 1
    print("%d bad snippets checked, clean code %s: %s" %
          (len(cases), "rejected" if problems(CLEAN) else "accepted", "FAILED" if fails else "ok"))
    return 1 if fails else 0


def main(argv):
    if "--self-test" in argv:
        return self_test()
    total, nfiles = [], 0
    for f in files(argv):
        nfiles += 1
        with open(f, encoding="utf-8") as fh:
            total += problems(fh.read(), os.path.relpath(f))
    for p in total:
        print(p)
    if total:
        print("%d unchecked read(s) in the dissectors (see scripts/check-checked-reads.py)" % len(total))
        return 1
    if nfiles == 0:
        print("no dis_*.c file found")
        return 1
    print("%d dissector files read only through the checked cursor" % nfiles)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
