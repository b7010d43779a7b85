/*
 * dfilter.c - the text display-filter syntax of `nmexpert run -Y`, a subset
 * of Wireshark's, compiled into the postfix FILTEROBJECT programs that
 * filter.c evaluates (docs/filters.md has the grammar):
 *
 *   expr    := and ( ("or" | "||" | "xor" | "^^") and )*
 *   and     := unary ( ("and" | "&&") unary )*
 *   unary   := ("not" | "!") unary | "(" expr ")" | test
 *   test    := operand [ "&" number ] [ relop value | "in" set ]
 *   operand := NAME [slice] | ("len" | "lower" | "upper") "(" NAME [slice] ")"
 *   slice   := "[" i:j | i-j | i | :j | i: "]"
 *   relop   := == eq != ne > gt < lt >= ge <= le contains matches ~
 *   set     := "{" member ( [","] member )* "}"    member := value | value..value
 *   value   := number | "string" | IPv4[/bits] | IPv6[/bits] | MAC | bytes
 *            | time ("2004-05-13 10:17:00", seconds since 1970) | seconds | word
 *
 * "and" binds tighter than "or" (as in Wireshark).  A value is read
 * according to the type of what it is compared with (the field's, bytes
 * after a slice, a number after len()).  "f != v" means "f is present and no
 * instance equals v" (Wireshark 4's "all not equal").  "in" compiles to one
 * comparison per member joined by "or"; a range member is one NMX_FA_RANGE
 * operand, so both bounds hold for the same instance.  Slices, functions and
 * masks ride on the property operand (fobj_t.xfunc, .has_slice, .has_mask).
 * Errors give the byte position of the offending token.
 *
 * The parser recurses once per "(" and "not" (functions do not nest), so
 * nesting is limited to NMX_DFILTER_MAX_DEPTH levels (an error, not a stack
 * overflow), and a program to NMX_FILTER_MAX_OBJECTS objects.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "filter/filter_int.h"

enum tok_kind { T_END, T_WORD, T_STRING, T_LPAREN, T_RPAREN, T_AND, T_OR, T_XOR, T_NOT, T_REL, T_BAD,
                T_IN, T_LBRACE, T_RBRACE, T_LBRACKET, T_COMMA, T_BITAND };

typedef struct tok {
    enum tok_kind kind;
    size_t pos;        /* byte offset in the text */
    size_t len;        /* bytes of the token in the text */
    DWORD rel;         /* T_REL: FILTERACTION_* (NOTEQUAL for != / ne) */
    char *text;        /* T_WORD / T_STRING: the value (unescaped), owned */
    size_t tlen;
} tok_t;

typedef struct parser {
    const char *src;
    size_t pos;        /* next byte to lex */
    tok_t cur;         /* current token */
    nmx_filter_t *f;
    char *err;
    size_t errlen;
    size_t errpos;
    bool failed;
    unsigned depth;    /* "(" and "not" levels open */
} parser_t;

static void fail(parser_t *p, size_t pos, const char *fmt, const char *arg)
{
    if (p->failed)
        return;
    p->failed = true;
    p->errpos = pos;
    if (p->err && p->errlen) {
        char what[512];
        snprintf(what, sizeof(what), fmt, arg ? arg : "");
        snprintf(p->err, p->errlen, "column %zu: %s", pos + 1, what);
    }
}

static bool word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == ':' || c == '-' || c == '/';
}

/* Reads the operator at p->pos into p->cur; false when the text there is no operator. */
static bool lex_operator(parser_t *p)
{
    static const struct {
        const char *op;
        enum tok_kind k;
        DWORD rel;
    } ops[] = {
        {"==", T_REL, FILTERACTION_EQUAL}, {"!=", T_REL, FILTERACTION_NOTEQUAL},
        {">=", T_REL, FILTERACTION_GREATEREQUAL}, {"<=", T_REL, FILTERACTION_LESSEQUAL},
        {"&&", T_AND, 0}, {"||", T_OR, 0}, {"^^", T_XOR, 0},
        {">", T_REL, FILTERACTION_GREATER}, {"<", T_REL, FILTERACTION_LESS},
        {"!", T_NOT, 0}, {"(", T_LPAREN, 0}, {")", T_RPAREN, 0},
        {"~", T_REL, NMX_FA_MATCHES}, {"&", T_BITAND, 0}, {"{", T_LBRACE, 0}, {"}", T_RBRACE, 0},
        {"[", T_LBRACKET, 0}, {",", T_COMMA, 0},
    };
    const char *two = p->src + p->pos;
    tok_t *t = &p->cur;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        size_t k = strlen(ops[i].op);
        if (strncmp(two, ops[i].op, k) == 0) {
            t->kind = ops[i].k;
            t->rel = ops[i].rel;
            t->len = k;
            p->pos += k;
            return true;
        }
    }
    return false;
}

/* Appends the escape sequence at src[*i] (a '\\') to buf[*n], moving *i past it;
 * false (with an error) when it is not a valid one. */
static bool lex_escape(parser_t *p, size_t *i, char *buf, size_t *n)
{
    const char *s = p->src;
    size_t esc = *i;
    char e = s[esc + 1];
    *i += e ? 2 : 1; /* never past the end of the text */
    switch (e) {
    case 'n':
        buf[(*n)++] = '\n';
        return true;
    case 't':
        buf[(*n)++] = '\t';
        return true;
    case 'r':
        buf[(*n)++] = '\r';
        return true;
    case '\\':
    case '"':
        buf[(*n)++] = e;
        return true;
    case 'x':
        if (isxdigit((unsigned char)s[*i]) && isxdigit((unsigned char)s[*i + 1])) {
            char hx[3] = {s[*i], s[*i + 1], 0};
            buf[(*n)++] = (char)strtol(hx, NULL, 16);
            *i += 2;
            return true;
        }
        /* fall through */
    default:
        fail(p, esc, "invalid escape sequence in string%s", "");
        return false;
    }
}

/* Reads the quoted string at p->pos into p->cur as T_STRING, unescaped; T_BAD
 * (with an error) when it is not terminated or has an invalid escape. */
static void lex_string(parser_t *p)
{
    const char *s = p->src;
    tok_t *t = &p->cur;
    size_t i = p->pos + 1;
    /* The value is at most as long as the text up to the closing quote. */
    size_t end = i;
    while (s[end] && s[end] != '"')
        end += s[end] == '\\' && s[end + 1] ? 2 : 1;
    char *buf = malloc(end - i + 1);
    size_t n = 0;
    if (!buf) {
        t->kind = T_BAD;
        return;
    }
    for (;;) {
        char ch = s[i];
        if (!ch) {
            free(buf);
            t->kind = T_BAD;
            t->len = i - p->pos;
            fail(p, p->pos, "string not terminated%s", "");
            p->pos = i;
            return;
        }
        if (ch == '"') {
            i++;
            break;
        }
        if (ch == '\\') {
            if (!lex_escape(p, &i, buf, &n)) {
                free(buf);
                t->kind = T_BAD;
                p->pos = i;
                return;
            }
            continue;
        }
        buf[n++] = ch;
        i++;
    }
    buf[n] = '\0';
    t->kind = T_STRING;
    t->text = buf;
    t->tlen = n;
    t->len = i - p->pos;
    p->pos = i;
}

/* Reads the word at p->pos into p->cur: a keyword's token (and, eq, in, ...) or T_WORD. */
static void lex_word(parser_t *p)
{
    static const struct {
        const char *w;
        enum tok_kind k;
        DWORD rel;
    } kw[] = {
        {"and", T_AND, 0}, {"or", T_OR, 0}, {"xor", T_XOR, 0}, {"not", T_NOT, 0},
        {"eq", T_REL, FILTERACTION_EQUAL}, {"ne", T_REL, FILTERACTION_NOTEQUAL},
        {"gt", T_REL, FILTERACTION_GREATER}, {"lt", T_REL, FILTERACTION_LESS},
        {"ge", T_REL, FILTERACTION_GREATEREQUAL}, {"le", T_REL, FILTERACTION_LESSEQUAL},
        {"contains", T_REL, FILTERACTION_CONTAINS}, {"matches", T_REL, NMX_FA_MATCHES},
        {"in", T_IN, 0},
    };
    const char *s = p->src;
    tok_t *t = &p->cur;
    size_t i = p->pos;
    while (word_char(s[i]))
        i++;
    size_t n = i - p->pos;
    t->text = malloc(n + 1);
    if (!t->text) {
        t->kind = T_BAD;
        return;
    }
    memcpy(t->text, s + p->pos, n);
    t->text[n] = '\0';
    t->tlen = n;
    t->len = n;
    p->pos = i;
    for (size_t k = 0; k < sizeof(kw) / sizeof(kw[0]); k++)
        if (strcmp(t->text, kw[k].w) == 0) {
            t->kind = kw[k].k;
            t->rel = kw[k].rel;
            return;
        }
    t->kind = T_WORD;
}

/* Reads the next token into p->cur (freeing the previous text). */
static void lex(parser_t *p)
{
    free(p->cur.text);
    memset(&p->cur, 0, sizeof(p->cur));
    const char *s = p->src;
    while (s[p->pos] && isspace((unsigned char)s[p->pos]))
        p->pos++;
    tok_t *t = &p->cur;
    t->pos = p->pos;
    char c = s[p->pos];
    if (!c) {
        t->kind = T_END;
        return;
    }
    if (lex_operator(p))
        return;
    if (c == '"') {
        lex_string(p);
        return;
    }
    if (word_char(c)) {
        lex_word(p);
        return;
    }
    t->kind = T_BAD;
    t->len = 1;
    char ch[2] = {c, 0};
    fail(p, p->pos, "unexpected character '%s'", ch);
    p->pos++;
}

static void push(parser_t *p, fobj_t *o)
{
    if (p->failed) {
        nmx__fobj_free(o);
        return;
    }
    if (p->f->n >= NMX_FILTER_MAX_OBJECTS) {
        nmx__fobj_free(o);
        char n[32];
        snprintf(n, sizeof n, "%u", NMX_FILTER_MAX_OBJECTS);
        fail(p, p->cur.pos, "the filter is too long (more than %s steps)", n);
        return;
    }
    if (!nmx__filter_push(p->f, o)) {
        nmx__fobj_free(o);
        fail(p, p->cur.pos, "out of memory%s", "");
    }
}

static void push_action(parser_t *p, DWORD action)
{
    fobj_t o = {.action = action};
    push(p, &o);
}

static void push_property(parser_t *p, const nmx_field_t *f)
{
    fobj_t o = {.action = FILTERACTION_PROPERTY, .field = f};
    push(p, &o);
}

/* Parses an unsigned integer (decimal, 0x hex, 0 octal) filling the whole text. */
static bool parse_uint(const char *s, uint64_t *out)
{
    if (!*s || *s == '-' || *s == '+')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static bool parse_prefix(char *s, unsigned max, unsigned *bits)
{
    char *slash = strchr(s, '/');
    *bits = 0;
    if (!slash)
        return true;
    *slash = '\0';
    uint64_t b;
    if (!parse_uint(slash + 1, &b) || b > max || b == 0)
        return false;
    *bits = (unsigned)b;
    return true;
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    char sep[5];
    int n = sscanf(s, "%2x%c%2x%c%2x%c%2x%c%2x%c%2x", &v[0], &sep[0], &v[1], &sep[1], &v[2], &sep[2],
                   &v[3], &sep[3], &v[4], &sep[4], &v[5]);
    if (n != 11 || strlen(s) != 17)
        return false;
    for (int i = 0; i < 5; i++)
        if (sep[i] != sep[0] || (sep[0] != ':' && sep[0] != '-' && sep[0] != '.'))
            return false;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    return true;
}

/* Hex bytes "aa:bb:cc", "aa-bb", "aabbcc". */
static uint8_t *parse_bytes(const char *s, size_t *n)
{
    size_t len = strlen(s);
    uint8_t *b = malloc(len / 2 + 1);
    if (!b)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] == ':' || s[i] == '-' || s[i] == '.') {
            i++;
            continue;
        }
        if (!isxdigit((unsigned char)s[i]) || !isxdigit((unsigned char)s[i + 1])) {
            free(b);
            return NULL;
        }
        char hx[3] = {s[i], s[i + 1], 0};
        b[k++] = (uint8_t)strtol(hx, NULL, 16);
        i += 2;
    }
    *n = k;
    return b;
}

/* Parses decimal seconds "[-]S[.fffffffff]" into nanoseconds. */
static bool parse_seconds(const char *s, int64_t *ns)
{
    bool neg = *s == '-';
    if (neg || *s == '+')
        s++;
    if (!isdigit((unsigned char)*s) && !(*s == '.' && isdigit((unsigned char)s[1])))
        return false;
    uint64_t sec = 0, frac = 0;
    unsigned digits = 0;
    while (isdigit((unsigned char)*s)) {
        if (sec > (uint64_t)INT64_MAX / 10000000000ull)
            return false;
        sec = sec * 10 + (uint64_t)(*s++ - '0');
    }
    if (*s == '.') {
        s++;
        while (isdigit((unsigned char)*s)) {
            if (digits < 9) {
                frac = frac * 10 + (uint64_t)(*s - '0');
                digits++;
            }
            s++;
        }
    }
    if (*s)
        return false;
    while (digits < 9) {
        frac *= 10;
        digits++;
    }
    int64_t v = (int64_t)(sec * 1000000000u + frac);
    *ns = neg ? -v : v;
    return true;
}

/*
 * Parses an absolute time: seconds since 1970 ("1084443500.5"), or a UTC
 * date "YYYY-MM-DD[ HH:MM[:SS[.fff]]]" (also with 'T'), or Wireshark's own
 * "Mon DD, YYYY HH:MM:SS[.fff]", each optionally followed by "UTC" or "Z".
 */
static bool parse_abstime(const char *text, int64_t *ns)
{
    if (parse_seconds(text, ns))
        return true;
    static const char *const mon[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                      "jul", "aug", "sep", "oct", "nov", "dec"};
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *s = text;
    int n = 0, y, mo = 0, d;
    char mname[4] = {0};
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3) {
        s += n;
    } else if (sscanf(s, "%3[A-Za-z] %2d, %4d%n", mname, &d, &y, &n) == 3) {
        mo = 0;
        for (int i = 0; i < 12; i++)
            if (strcasecmp(mname, mon[i]) == 0)
                mo = i + 1;
        s += n;
    } else {
        return false;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1 || y > 9999)
        return false;
    int hh = 0, mm = 0, ss = 0;
    int64_t frac = 0;
    if (*s == ' ' || *s == 'T') {
        s++;
        while (*s == ' ')
            s++;
        n = 0;
        if (sscanf(s, "%2d:%2d%n", &hh, &mm, &n) != 2)
            return false;
        s += n;
        if (*s == ':') {
            s++;
            if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
                return false;
            ss = (s[0] - '0') * 10 + (s[1] - '0');
            s += 2;
            if (*s == '.') {
                char fr[24] = "0.";
                size_t k = 2;
                s++;
                while (isdigit((unsigned char)*s)) {
                    if (k < sizeof fr - 1)
                        fr[k++] = *s;
                    s++;
                }
                fr[k] = '\0';
                if (!parse_seconds(fr, &frac))
                    return false;
            }
        }
    }
    while (*s == ' ')
        s++;
    if (strcasecmp(s, "UTC") == 0 || strcasecmp(s, "Z") == 0 || strcasecmp(s, "GMT") == 0)
        s += strlen(s);
    if (*s || hh > 23 || mm > 59 || ss > 60)
        return false;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = hh;
    tm.tm_min = mm;
    tm.tm_sec = ss;
    time_t t = timegm(&tm);
    /* Times from about 1678 to 2262 fit in int64 nanoseconds; others are
     * not times a capture holds. */
    return !__builtin_mul_overflow((int64_t)t, (int64_t)1000000000, ns) && !__builtin_add_overflow(*ns, frac, ns);
}

/* The operand being compared: a field or a protocol, with what the filter
 * does to its value (slice, function, mask). */
typedef struct operand {
    const nmx_field_t *f;       /* the field, or NULL for a protocol */
    const nmx_protocol_t *pr;   /* the protocol (sliced) */
    fobj_t o;                   /* PROPERTY or NMX_FA_PROTOCOL object, with transforms */
    enum nmx_ftype type;        /* the type of the value compared */
    const char *name;           /* for messages */
} operand_t;

static bool is_number_type(enum nmx_ftype t)
{
    return t == NMX_FT_UINT || t == NMX_FT_INT || t == NMX_FT_BOOL || t == NMX_FT_ABSTIME ||
           t == NMX_FT_RELTIME;
}

/* A number or time value for type t from text; false when it is not one. */
static bool parse_number(enum nmx_ftype t, const char *text, uint64_t *out, bool *is_signed)
{
    *is_signed = t == NMX_FT_INT || t == NMX_FT_ABSTIME || t == NMX_FT_RELTIME;
    int64_t ns;
    switch (t) {
    case NMX_FT_ABSTIME:
        if (!parse_abstime(text, &ns))
            return false;
        *out = (uint64_t)ns;
        return true;
    case NMX_FT_RELTIME:
        if (!parse_seconds(text, &ns))
            return false;
        *out = (uint64_t)ns;
        return true;
    case NMX_FT_BOOL:
        if (strcasecmp(text, "true") == 0 || strcasecmp(text, "false") == 0) {
            *out = strcasecmp(text, "true") == 0;
            return true;
        }
        return parse_uint(text, out);
    case NMX_FT_INT:
        if (text[0] == '-' && parse_uint(text + 1, out) && *out <= (uint64_t)INT64_MAX + 1) {
            *out = (uint64_t)0 - *out;
            return true;
        }
        return parse_uint(text, out);
    default:
        return parse_uint(text, out);
    }
}

static void number_error(parser_t *p, const tok_t *v, enum nmx_ftype t)
{
    if (t == NMX_FT_ABSTIME)
        fail(p, v->pos, "\"%s\" is not a valid time (write \"YYYY-MM-DD HH:MM:SS\" in UTC, or seconds since 1970)",
             v->text);
    else if (t == NMX_FT_RELTIME)
        fail(p, v->pos, "\"%s\" is not a valid number of seconds", v->text);
    else
        fail(p, v->pos, "\"%s\" is not a valid number", v->text);
}

/* The quoted regular expression `v` of 'matches' as an NMX_FA_REGEX object in *o;
 * false (with an error) if unfit. */
static bool regex_value(parser_t *p, const tok_t *v, fobj_t *o)
{
    if (v->kind != T_STRING) {
        fail(p, v->pos, "'matches' needs a quoted regular expression%s", "");
        return false;
    }
    char msg[200];
    size_t off = 0;
    o->action = NMX_FA_REGEX;
    o->re = nmx__regex_compile(v->text, v->tlen, msg, sizeof msg, &off);
    if (!o->re) {
        char what[256];
        snprintf(what, sizeof what, "invalid regular expression: %s", msg);
        fail(p, v->pos, "%s", what);
        return false;
    }
    o->bytes = malloc(v->tlen + 1);
    if (!o->bytes) {
        nmx__fobj_free(o);
        fail(p, v->pos, "out of memory%s", "");
        return false;
    }
    memcpy(o->bytes, v->text, v->tlen + 1);
    o->nbytes = v->tlen;
    return true;
}

/* The number or time `v` for type t as a VALUE (or LARGEINT) object in *o;
 * false (with an error) if it is not one. */
static bool number_value(parser_t *p, enum nmx_ftype t, const tok_t *v, fobj_t *o)
{
    uint64_t n;
    bool sgn;
    if (!parse_number(t, v->text, &n, &sgn)) {
        number_error(p, v, t);
        return false;
    }
    o->action = !sgn && n > 0xFFFFFFFFu ? FILTERACTION_LARGEINT : FILTERACTION_VALUE;
    o->num = n;
    o->is_signed = sgn;
    return true;
}

/* The IPv4 address or network `v` as an ADDR_IP object in *o; false (with an error) if it is not one. */
static bool ipv4_value(parser_t *p, const tok_t *v, fobj_t *o)
{
    unsigned bits;
    struct in_addr a;
    if (v->kind != T_WORD || !parse_prefix(v->text, 32, &bits) || inet_pton(AF_INET, v->text, &a) != 1) {
        fail(p, v->pos, "\"%s\" is not a valid IPv4 address or network", v->text);
        return false;
    }
    o->action = FILTERACTION_ADDR_IP;
    o->addr.Type = ADDRESS_TYPE_IP;
    memcpy(o->addr.IPAddress, &a, 4);
    o->prefix = bits;
    return true;
}

/* The IPv6 address or network `v` as an ADDR_IP6 object in *o; false (with an error) if it is not one. */
static bool ipv6_value(parser_t *p, const tok_t *v, fobj_t *o)
{
    unsigned bits;
    struct in6_addr a;
    if (v->kind != T_WORD || !parse_prefix(v->text, 128, &bits) || inet_pton(AF_INET6, v->text, &a) != 1) {
        fail(p, v->pos, "\"%s\" is not a valid IPv6 address or network", v->text);
        return false;
    }
    o->action = FILTERACTION_ADDR_IP6;
    o->addr.Type = ADDRESS_TYPE_IP6;
    memcpy(o->addr.IP6Address, &a, 16);
    o->prefix = bits;
    return true;
}

/* The Ethernet address `v` as an ADDR_ETHER object in *o; false (with an error) if it is not one. */
static bool ether_value(parser_t *p, const tok_t *v, fobj_t *o)
{
    if (v->kind != T_WORD || !parse_mac(v->text, o->addr.MACAddress)) {
        fail(p, v->pos, "\"%s\" is not a valid Ethernet address", v->text);
        return false;
    }
    o->action = FILTERACTION_ADDR_ETHER;
    o->addr.Type = ADDRESS_TYPE_ETHERNET;
    return true;
}

/* The string `v` as a STRING object in *o (a copy of its text); false (with an error) when out of memory. */
static bool string_value(parser_t *p, const tok_t *v, fobj_t *o)
{
    o->action = FILTERACTION_STRING;
    o->bytes = malloc(v->tlen + 1);
    if (!o->bytes) {
        fail(p, v->pos, "out of memory%s", "");
        return false;
    }
    memcpy(o->bytes, v->text, v->tlen + 1);
    o->nbytes = v->tlen;
    return true;
}

/* The byte string `v` (quoted text, one byte as 0xNN, or hex bytes) as an ARRAY
 * object in *o; false (with an error) if it is not one. */
static bool bytes_value(parser_t *p, const tok_t *v, fobj_t *o)
{
    const char *text = v->text;
    o->action = FILTERACTION_ARRAY;
    if (v->kind == T_STRING) {
        o->bytes = malloc(v->tlen + 1);
        if (o->bytes)
            memcpy(o->bytes, v->text, v->tlen + 1);
        o->nbytes = v->tlen;
    } else if ((text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) && text[2] && strlen(text) <= 4) {
        /* One byte written as a number: eth.dst[0] == 0x01 */
        uint64_t b;
        o->bytes = parse_uint(text, &b) && b <= 0xFF ? malloc(2) : NULL;
        if (o->bytes) {
            o->bytes[0] = (uint8_t)b;
            o->bytes[1] = 0;
            o->nbytes = 1;
        }
    } else {
        o->bytes = parse_bytes(text, &o->nbytes);
    }
    if (!o->bytes) {
        fail(p, v->pos, "\"%s\" is not a valid byte string", v->text);
        return false;
    }
    return true;
}

/* The value token `v` as an operand of type t (of `key`), pushed; false (with an error) if unfit. */
static bool push_value(parser_t *p, enum nmx_ftype t, const char *key, const tok_t *v, DWORD rel)
{
    fobj_t o = {0};
    bool ok;
    if (rel == NMX_FA_MATCHES) {
        ok = regex_value(p, v, &o);
    } else {
        switch (t) {
        case NMX_FT_UINT:
        case NMX_FT_INT:
        case NMX_FT_BOOL:
        case NMX_FT_ABSTIME:
        case NMX_FT_RELTIME:
            ok = number_value(p, t, v, &o);
            break;
        case NMX_FT_IPV4:
            ok = ipv4_value(p, v, &o);
            break;
        case NMX_FT_IPV6:
            ok = ipv6_value(p, v, &o);
            break;
        case NMX_FT_ETHER:
            ok = ether_value(p, v, &o);
            break;
        case NMX_FT_STRING:
            ok = string_value(p, v, &o);
            break;
        case NMX_FT_BYTES:
            ok = bytes_value(p, v, &o);
            break;
        default:
            fail(p, v->pos, "%s has no value to compare", key);
            ok = false;
            break;
        }
    }
    if (!ok)
        return false;
    push(p, &o);
    return !p->failed;
}

static void parse_or(parser_t *p);

/* Reads a signed decimal integer at *s; false when there is none. */
static bool read_int(const char **s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(*s, &end, 10);
    if (end == *s || errno || v > 0x7FFFFFFFL || v < -0x7FFFFFFFL)
        return false;
    *s = end;
    *out = v;
    return true;
}

/*
 * A slice at the current "[" token: [i:j] (j bytes from i), [i-j] (bytes i
 * to j), [i] (one byte), [:j], [i:]; a negative i counts from the end.
 * Sets o's slice and lexes past the "]".
 */
static bool parse_slice(parser_t *p, fobj_t *o)
{
    size_t open = p->cur.pos;
    const char *s = p->src + p->pos;
    const char *close = strchr(s, ']');
    if (!close) {
        fail(p, open, "'[' is never closed%s", "");
        return false;
    }
    while (*s == ' ')
        s++;
    long a = 0, b = 0;
    bool have_a = read_int(&s, &a);
    bool ok = true;
    int32_t start = (int32_t)a, len = 1;
    if (*s == ':') {
        s++;
        while (*s == ' ')
            s++;
        if (*s == ']' || (*s == ' ' && s < close)) {
            len = -1;
        } else {
            ok = read_int(&s, &b) && b >= 0;
            len = (int32_t)b;
        }
    } else if (have_a && *s == '-') {
        s++;
        ok = read_int(&s, &b) && b >= a && a >= 0;
        len = (int32_t)(b - a + 1);
    } else {
        ok = have_a;
    }
    while (*s == ' ')
        s++;
    if (!ok || s != close) {
        fail(p, open, "invalid slice (write [i:j], [i-j], [i], [:j] or [i:])%s", "");
        return false;
    }
    o->has_slice = true;
    o->slice_start = start;
    o->slice_len = len;
    p->pos = (size_t)(close - p->src) + 1;
    lex(p);
    return true;
}

static const struct {
    const char *name;
    uint8_t xf;
} functions[] = {{"len", NMX_XF_LEN}, {"lower", NMX_XF_LOWER}, {"upper", NMX_XF_UPPER}};

static bool parse_operand(parser_t *p, operand_t *op, char **name_out, bool in_func);

/*
 * The rest of FUNCTION "(" NAME [slice] ")" after the function's name
 * (`name`; the "(" is the current token): fills *op with the transformed
 * argument and leaves the token after the ")".
 */
static bool parse_function(parser_t *p, operand_t *op, const tok_t *name)
{
    uint8_t xf = 0;
    for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
        if (strcasecmp(name->text, functions[i].name) == 0)
            xf = functions[i].xf;
    if (!xf) {
        fail(p, name->pos, "\"%s\" is not a function (there are len, lower and upper)", name->text);
        return false;
    }
    lex(p);
    if (p->cur.kind != T_WORD) {
        fail(p, p->cur.pos, "a field name is expected as the argument of %s()", name->text);
        return false;
    }
    char *inner = NULL;
    bool ok = parse_operand(p, op, &inner, true);
    size_t argpos = name->pos + name->len + 1;
    if (ok && op->o.has_mask) {
        fail(p, argpos, "the argument of a function cannot use '&'%s", "");
        ok = false;
    }
    if (ok && xf == NMX_XF_LEN && is_number_type(op->type)) {
        fail(p, argpos, "len() needs a string, bytes or address field, and %s is not one", inner);
        ok = false;
    }
    if (ok && xf != NMX_XF_LEN && op->type != NMX_FT_STRING && op->type != NMX_FT_BYTES) {
        char what[300];
        snprintf(what, sizeof what, "%s() needs a string field, and %s is not one", name->text, inner);
        fail(p, argpos, "%s", what);
        ok = false;
    }
    free(inner);
    if (!ok)
        return false;
    if (p->cur.kind != T_RPAREN) {
        fail(p, p->cur.pos, "')' expected after the argument of %s()", name->text);
        return false;
    }
    lex(p);
    op->o.xfunc = xf;
    op->type = xf == NMX_XF_LEN ? NMX_FT_UINT : NMX_FT_STRING;
    op->name = name->text;
    op->pr = NULL; /* len(ip) is a number like any other */
    return true;
}

/*
 * operand := NAME [slice] | FUNCTION "(" NAME [slice] ")"
 * At the current word; fills *op and leaves the token after the operand.
 */
static bool parse_operand(parser_t *p, operand_t *op, char **name_out, bool in_func)
{
    tok_t name = p->cur;
    p->cur.text = NULL; /* keep the name's text while lexing on */
    *name_out = name.text;
    lex(p);
    memset(op, 0, sizeof(*op));
    if (p->cur.kind == T_LPAREN && in_func) {
        fail(p, name.pos, "functions cannot be nested%s", "");
        return false;
    }
    if (p->cur.kind == T_LPAREN)
        return parse_function(p, op, &name);
    op->f = nmx__field_by_key(name.text);
    op->pr = op->f ? NULL : nmx__proto_by_name(name.text);
    op->name = name.text;
    if (!op->f && !op->pr) {
        fail(p, name.pos, "\"%s\" is neither a field nor a protocol", name.text);
        return false;
    }
    if (op->f) {
        op->o.action = FILTERACTION_PROPERTY;
        op->o.field = op->f;
        op->type = nmx__field_ftype(op->f);
    } else {
        op->o.action = NMX_FA_PROTOCOL;
        op->o.proto = nmx__proto_id(op->pr);
        op->type = NMX_FT_NONE;
    }
    if (p->cur.kind == T_LBRACKET) {
        if (op->f && (is_number_type(op->type) || op->type == NMX_FT_NONE)) {
            fail(p, p->cur.pos, "%s cannot be sliced (only strings, bytes, addresses and protocols)", name.text);
            return false;
        }
        if (!parse_slice(p, &op->o))
            return false;
        op->type = NMX_FT_BYTES;
    }
    return true;
}

/* Pushes the operand's object. */
static void push_operand(parser_t *p, const operand_t *op)
{
    fobj_t o = op->o;
    push(p, &o);
}

/* Pushes "the operand is there" (its field or protocol, untransformed). */
static void push_presence(parser_t *p, const operand_t *op)
{
    if (op->f) {
        push_property(p, op->f);
        push_action(p, FILTERACTION_PROPERTYEXIST);
    } else {
        fobj_t o = op->o;
        o.xfunc = 0;
        o.has_mask = false;
        push(p, &o);
        push_action(p, FILTERACTION_PROPERTYEXIST);
    }
}

/* Pushes "op is in [v, hi]" for a range member of a set; an error when op is
 * not a number or either bound is not a valid value for it. */
static void push_range(parser_t *p, const operand_t *op, const tok_t *v, const tok_t *hi)
{
    uint64_t a, b;
    bool sa, sb;
    if (!is_number_type(op->type))
        fail(p, v->pos, "a range needs a number or time field, and %s is not one", op->name);
    else if (!*v->text || !parse_number(op->type, v->text, &a, &sa))
        number_error(p, v, op->type);
    else if (!*hi->text || !parse_number(op->type, hi->text, &b, &sb))
        number_error(p, hi, op->type);
    else {
        fobj_t r = {.action = NMX_FA_RANGE, .num = a, .num2 = b, .is_signed = sa};
        push_operand(p, op);
        push(p, &r);
        push_action(p, FILTERACTION_EQUAL);
    }
}

/*
 * Reads the end of a range written "a .. b" or "a ..b" (the current token is
 * the word starting with "..") into *hi, whose text *hiown then owns; false
 * (with an error) when op is not a number or the end is missing.
 */
static bool read_range_end(parser_t *p, const operand_t *op, const tok_t *v, tok_t *hi, char **hiown)
{
    if (!is_number_type(op->type)) {
        fail(p, v->pos, "a range needs a number or time field, and %s is not one", op->name);
        return false;
    }
    *hiown = p->cur.text;
    p->cur.text = NULL;
    hi->text = *hiown + 2;
    hi->pos = p->cur.pos + 2;
    lex(p);
    if (!*hi->text) {
        if (p->cur.kind != T_WORD) {
            fail(p, p->cur.pos, "the end of the range is missing%s", "");
            return false;
        }
        free(*hiown);
        *hiown = p->cur.text;
        p->cur.text = NULL;
        hi->text = *hiown;
        hi->pos = p->cur.pos;
        lex(p);
    }
    return true;
}

/* member := value | value ".." value, at the current token: pushes "op equals
 * the value" or "op is in the range" (p->failed tells of an error). */
static void parse_set_member(parser_t *p, const operand_t *op)
{
    tok_t v = p->cur;
    p->cur.text = NULL; /* v owns the text now */
    lex(p);
    char *dots = v.kind == T_WORD ? strstr(v.text, "..") : NULL;
    tok_t hi = {.kind = T_WORD};
    char *hiown = NULL;
    bool range = false;
    if (dots) {
        range = true;
        *dots = '\0';
        hi.text = dots + 2;
        hi.pos = v.pos + (size_t)(hi.text - v.text);
    } else if (p->cur.kind == T_WORD && strncmp(p->cur.text, "..", 2) == 0) {
        range = true;
        if (!read_range_end(p, op, &v, &hi, &hiown)) {
            free(v.text);
            free(hiown);
            return;
        }
    }
    if (range) {
        push_range(p, op, &v, &hi);
    } else {
        push_operand(p, op);
        if (push_value(p, op->type, op->name, &v, FILTERACTION_EQUAL))
            push_action(p, FILTERACTION_EQUAL);
    }
    free(v.text);
    free(hiown);
}

/* set := "{" member ( [","] member )* "}"   member := value | value ".." value */
static void parse_set(parser_t *p, const operand_t *op)
{
    if (p->cur.kind != T_LBRACE) {
        fail(p, p->cur.pos, "'{' expected after 'in'%s", "");
        return;
    }
    size_t open = p->cur.pos;
    lex(p);
    unsigned members = 0;
    while (!p->failed && p->cur.kind != T_RBRACE) {
        if (p->cur.kind == T_COMMA && members > 0) {
            lex(p);
            continue;
        }
        if (p->cur.kind == T_END) {
            fail(p, open, "'{' is never closed%s", "");
            return;
        }
        if (p->cur.kind != T_WORD && p->cur.kind != T_STRING) {
            fail(p, p->cur.pos, "a value is expected in the set%s", "");
            return;
        }
        parse_set_member(p, op);
        if (p->failed)
            return;
        if (members++ > 0)
            push_action(p, FILTERACTION_OR);
    }
    if (p->failed)
        return;
    if (members == 0) {
        fail(p, open, "the set is empty%s", "");
        return;
    }
    lex(p);
}

/* Reads "& number" after operand op (named nm; the '&' is the current token)
 * into op's mask; false (with an error) when op is no integer field or no number follows. */
static bool parse_mask(parser_t *p, operand_t *op, const char *nm)
{
    size_t apos = p->cur.pos;
    if (!op->f || op->o.xfunc || op->o.has_slice ||
        (op->type != NMX_FT_UINT && op->type != NMX_FT_INT && op->type != NMX_FT_BOOL)) {
        fail(p, apos, "'&' needs an integer field, and %s is not one", nm);
        return false;
    }
    lex(p);
    uint64_t m;
    if (p->cur.kind != T_WORD || !parse_uint(p->cur.text, &m)) {
        fail(p, p->cur.pos, "a number is expected after '&'%s", "");
        return false;
    }
    op->o.has_mask = true;
    op->o.mask = m;
    lex(p);
    return true;
}

/* Pushes the test for a bare operand: the protocol is in the frame, or the
 * field is present (after '&', with a non-zero result). */
static void push_exists(parser_t *p, const operand_t *op)
{
    if (op->pr && !op->o.has_slice) {
        fobj_t o = {.action = FILTERACTION_PROTOCOLEXIST, .proto = nmx__proto_id(op->pr)};
        if (nmx__proto_id(op->pr) == NMX_PROTO_FRAME)
            o = (fobj_t){.action = FILTERACTION_BOOL, .num = 1};
        push(p, &o);
    } else {
        push_operand(p, op);
        push_action(p, FILTERACTION_PROPERTYEXIST);
    }
}

/* relop value, after operand op (named nm; the relop is the current token):
 * pushes the comparison ("!=" as "present and no instance equal"). */
static void parse_comparison(parser_t *p, const operand_t *op, const char *nm)
{
    DWORD rel = p->cur.rel;
    size_t relpos = p->cur.pos;
    if (op->pr && !op->o.has_slice) {
        fail(p, relpos, "a protocol (%s) cannot be compared; name one of its fields or slice it", nm);
        return;
    }
    if ((rel == FILTERACTION_CONTAINS || rel == NMX_FA_MATCHES) && op->type != NMX_FT_STRING &&
        op->type != NMX_FT_BYTES) {
        fail(p, relpos,
             rel == NMX_FA_MATCHES ? "'matches' needs a string or bytes field, and %s is not one"
                                   : "'contains' needs a string or bytes field, and %s is not one",
             nm);
        return;
    }
    lex(p);
    if (p->cur.kind != T_WORD && p->cur.kind != T_STRING) {
        fail(p, p->cur.pos, "a value is expected after the comparison%s", "");
        return;
    }
    if (rel == FILTERACTION_NOTEQUAL) {
        /* present, and no instance equal */
        push_presence(p, op);
        push_operand(p, op);
        if (!push_value(p, op->type, nm, &p->cur, FILTERACTION_EQUAL))
            return;
        push_action(p, FILTERACTION_EQUAL);
        push_action(p, FILTERACTION_NOT);
        push_action(p, FILTERACTION_AND);
    } else {
        push_operand(p, op);
        if (!push_value(p, op->type, nm, &p->cur, rel))
            return;
        push_action(p, rel);
    }
    lex(p);
}

/* test := operand [ "&" number ] [ relop value | "in" set ] */
static void parse_test(parser_t *p)
{
    tok_t name = p->cur;
    if (name.kind != T_WORD) {
        if (name.kind == T_END)
            fail(p, name.pos, "expression expected at the end%s", "");
        else if (name.kind != T_BAD)
            fail(p, name.pos, "a field or protocol name is expected here%s", "");
        return;
    }
    operand_t op;
    char *nm = NULL;
    if (!parse_operand(p, &op, &nm, false))
        goto out;
    if (p->cur.kind == T_BITAND && !parse_mask(p, &op, nm))
        goto out;
    if (p->cur.kind == T_IN) {
        if (op.pr && !op.o.has_slice) {
            fail(p, p->cur.pos, "a protocol (%s) cannot be compared; name one of its fields", nm);
            goto out;
        }
        lex(p);
        parse_set(p, &op);
        goto out;
    }
    if (p->cur.kind != T_REL)
        push_exists(p, &op); /* presence (or, after '&', a non-zero result) */
    else
        parse_comparison(p, &op, nm);
out:
    free(nm);
}

/* Opens one more "(" or "not" level at the current token; false (with an
 * error at that token) past NMX_DFILTER_MAX_DEPTH. */
static bool enter(parser_t *p)
{
    if (p->depth >= NMX_DFILTER_MAX_DEPTH) {
        char n[32];
        snprintf(n, sizeof n, "%u", NMX_DFILTER_MAX_DEPTH);
        fail(p, p->cur.pos, "parentheses and \"not\" are nested more than %s levels deep", n);
        return false;
    }
    p->depth++;
    return true;
}

static void parse_unary(parser_t *p)
{
    if (p->failed)
        return;
    if (p->cur.kind == T_NOT) {
        if (!enter(p))
            return;
        lex(p);
        parse_unary(p);
        push_action(p, FILTERACTION_NOT);
        p->depth--;
        return;
    }
    if (p->cur.kind == T_LPAREN) {
        size_t open = p->cur.pos;
        if (!enter(p))
            return;
        lex(p);
        parse_or(p);
        p->depth--;
        if (p->failed)
            return;
        if (p->cur.kind != T_RPAREN) {
            fail(p, p->cur.kind == T_END ? open : p->cur.pos,
                 p->cur.kind == T_END ? "'(' is never closed%s" : "')' expected%s", "");
            return;
        }
        lex(p);
        return;
    }
    if (p->cur.kind == T_REL || p->cur.kind == T_AND || p->cur.kind == T_OR || p->cur.kind == T_RPAREN ||
        p->cur.kind == T_XOR || p->cur.kind == T_STRING) {
        fail(p, p->cur.pos, "a field or protocol name is expected here%s", "");
        return;
    }
    parse_test(p);
}

static void parse_and(parser_t *p)
{
    parse_unary(p);
    while (!p->failed && p->cur.kind == T_AND) {
        lex(p);
        parse_unary(p);
        push_action(p, FILTERACTION_AND);
    }
}

static void parse_or(parser_t *p)
{
    parse_and(p);
    while (!p->failed && (p->cur.kind == T_OR || p->cur.kind == T_XOR)) {
        DWORD a = p->cur.kind == T_OR ? FILTERACTION_OR : FILTERACTION_XOR;
        lex(p);
        parse_and(p);
        push_action(p, a);
    }
}

nmx_filter_t *nmx__dfilter_compile_ex(const char *text, char *err, size_t errlen, size_t *errpos)
{
    if (err && errlen)
        err[0] = '\0';
    if (!text) {
        if (err && errlen)
            snprintf(err, errlen, "no filter text");
        if (errpos)
            *errpos = 0;
        return NULL;
    }
    parser_t p = {.src = text, .err = err, .errlen = errlen};
    p.f = nmx__filter_new();
    if (!p.f) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    lex(&p);
    if (p.cur.kind != T_END) {
        parse_or(&p);
        if (!p.failed && p.cur.kind != T_END)
            fail(&p, p.cur.pos, p.cur.kind == T_RPAREN ? "')' without '('%s" : "unexpected text after the expression%s", "");
    }
    free(p.cur.text);
    if (p.failed) {
        if (errpos)
            *errpos = p.errpos;
        nmx__filter_free(p.f);
        return NULL;
    }
    return p.f;
}

nmx_filter_t *nmx__dfilter_compile(const char *text, char *err, size_t errlen)
{
    return nmx__dfilter_compile_ex(text, err, errlen, NULL);
}
