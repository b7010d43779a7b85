/*
 * dfilter.c - the text display-filter syntax of `nmexpert run -Y`, a subset
 * of Wireshark's, compiled into the postfix FILTEROBJECT programs that
 * filter.c evaluates (docs/filters.md has the grammar):
 *
 *   expr    := and ( ("or" | "||" | "xor" | "^^") and )*
 *   and     := unary ( ("and" | "&&") unary )*
 *   unary   := ("not" | "!") unary | "(" expr ")" | test
 *   test    := NAME [ relop value ]          NAME: protocol or field
 *   relop   := == eq != ne > gt < lt >= ge <= le contains
 *   value   := integer | "string" | IPv4[/bits] | IPv6[/bits] | MAC | word
 *
 * "and" binds tighter than "or" (as in Wireshark).  A value is read
 * according to the field's type.  "f != v" means "f is present and no
 * instance equals v" (Wireshark 4's "all not equal").  Errors give the byte
 * position of the offending token.
 *
 * The parser recurses once per "(" and "not", so nesting is limited to
 * NMX_DFILTER_MAX_DEPTH levels (an error, not a stack overflow), and a
 * program to NMX_FILTER_MAX_OBJECTS objects.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filter/filter_int.h"

enum tok_kind { T_END, T_WORD, T_STRING, T_LPAREN, T_RPAREN, T_AND, T_OR, T_XOR, T_NOT, T_REL, T_BAD };

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
        char what[256];
        snprintf(what, sizeof(what), fmt, arg ? arg : "");
        snprintf(p->err, p->errlen, "column %zu: %s", pos + 1, what);
    }
}

static bool word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == ':' || c == '-' || c == '/';
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
    const char *two = s + p->pos;
    struct {
        const char *op;
        enum tok_kind k;
        DWORD rel;
    } ops[] = {
        {"==", T_REL, FILTERACTION_EQUAL}, {"!=", T_REL, FILTERACTION_NOTEQUAL},
        {">=", T_REL, FILTERACTION_GREATEREQUAL}, {"<=", T_REL, FILTERACTION_LESSEQUAL},
        {"&&", T_AND, 0}, {"||", T_OR, 0}, {"^^", T_XOR, 0},
        {">", T_REL, FILTERACTION_GREATER}, {"<", T_REL, FILTERACTION_LESS},
        {"!", T_NOT, 0}, {"(", T_LPAREN, 0}, {")", T_RPAREN, 0},
    };
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        size_t k = strlen(ops[i].op);
        if (strncmp(two, ops[i].op, k) == 0) {
            t->kind = ops[i].k;
            t->rel = ops[i].rel;
            t->len = k;
            p->pos += k;
            return;
        }
    }
    if (c == '"') {
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
                size_t esc = i;
                char e = s[i + 1];
                i += e ? 2 : 1; /* never past the end of the text */
                switch (e) {
                case 'n':
                    buf[n++] = '\n';
                    break;
                case 't':
                    buf[n++] = '\t';
                    break;
                case 'r':
                    buf[n++] = '\r';
                    break;
                case '\\':
                case '"':
                    buf[n++] = e;
                    break;
                case 'x':
                    if (isxdigit((unsigned char)s[i]) && isxdigit((unsigned char)s[i + 1])) {
                        char hx[3] = {s[i], s[i + 1], 0};
                        buf[n++] = (char)strtol(hx, NULL, 16);
                        i += 2;
                        break;
                    }
                    /* fall through */
                default:
                    free(buf);
                    t->kind = T_BAD;
                    fail(p, esc, "invalid escape sequence in string%s", "");
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
        return;
    }
    if (word_char(c)) {
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
        static const struct {
            const char *w;
            enum tok_kind k;
            DWORD rel;
        } kw[] = {
            {"and", T_AND, 0}, {"or", T_OR, 0}, {"xor", T_XOR, 0}, {"not", T_NOT, 0},
            {"eq", T_REL, FILTERACTION_EQUAL}, {"ne", T_REL, FILTERACTION_NOTEQUAL},
            {"gt", T_REL, FILTERACTION_GREATER}, {"lt", T_REL, FILTERACTION_LESS},
            {"ge", T_REL, FILTERACTION_GREATEREQUAL}, {"le", T_REL, FILTERACTION_LESSEQUAL},
            {"contains", T_REL, FILTERACTION_CONTAINS},
        };
        for (size_t k = 0; k < sizeof(kw) / sizeof(kw[0]); k++)
            if (strcmp(t->text, kw[k].w) == 0) {
                t->kind = kw[k].k;
                t->rel = kw[k].rel;
                return;
            }
        t->kind = T_WORD;
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

/* The value token `v` as an operand for field f, pushed; false (with an error) if unfit. */
static bool push_value(parser_t *p, const nmx_field_t *f, const tok_t *v, DWORD rel)
{
    fobj_t o = {0};
    enum nmx_ftype t = nmx_field_ftype(f);
    const char *key = nmx_field_key(f);
    if (rel == FILTERACTION_CONTAINS && t != NMX_FT_STRING && t != NMX_FT_BYTES) {
        fail(p, v->pos, "'contains' needs a string or bytes field, and %s is not one", key);
        return false;
    }
    char *text = v->text;
    switch (t) {
    case NMX_FT_UINT:
    case NMX_FT_INT:
    case NMX_FT_BOOL: {
        uint64_t n;
        if (t == NMX_FT_BOOL && (strcasecmp(text, "true") == 0 || strcasecmp(text, "false") == 0)) {
            n = strcasecmp(text, "true") == 0;
        } else if (t == NMX_FT_INT && text[0] == '-' && parse_uint(text + 1, &n)) {
            n = (uint64_t)(-(int64_t)n);
        } else if (!parse_uint(text, &n)) {
            fail(p, v->pos, "\"%s\" is not a valid number", text);
            return false;
        }
        o.action = n > 0xFFFFFFFFu ? FILTERACTION_LARGEINT : FILTERACTION_VALUE;
        o.num = n;
        break;
    }
    case NMX_FT_IPV4: {
        unsigned bits;
        struct in_addr a;
        if (v->kind != T_WORD || !parse_prefix(text, 32, &bits) || inet_pton(AF_INET, text, &a) != 1) {
            fail(p, v->pos, "\"%s\" is not a valid IPv4 address or network", v->text);
            return false;
        }
        o.action = FILTERACTION_ADDR_IP;
        o.addr.Type = ADDRESS_TYPE_IP;
        memcpy(o.addr.IPAddress, &a, 4);
        o.prefix = bits;
        break;
    }
    case NMX_FT_IPV6: {
        unsigned bits;
        struct in6_addr a;
        if (v->kind != T_WORD || !parse_prefix(text, 128, &bits) || inet_pton(AF_INET6, text, &a) != 1) {
            fail(p, v->pos, "\"%s\" is not a valid IPv6 address or network", v->text);
            return false;
        }
        o.action = FILTERACTION_ADDR_IP6;
        o.addr.Type = ADDRESS_TYPE_IP6;
        memcpy(o.addr.IP6Address, &a, 16);
        o.prefix = bits;
        break;
    }
    case NMX_FT_ETHER:
        if (v->kind != T_WORD || !parse_mac(text, o.addr.MACAddress)) {
            fail(p, v->pos, "\"%s\" is not a valid Ethernet address", v->text);
            return false;
        }
        o.action = FILTERACTION_ADDR_ETHER;
        o.addr.Type = ADDRESS_TYPE_ETHERNET;
        break;
    case NMX_FT_STRING:
        o.action = FILTERACTION_STRING;
        o.bytes = malloc(v->tlen + 1);
        if (!o.bytes) {
            fail(p, v->pos, "out of memory%s", "");
            return false;
        }
        memcpy(o.bytes, v->text, v->tlen + 1);
        o.nbytes = v->tlen;
        break;
    case NMX_FT_BYTES:
        o.action = FILTERACTION_ARRAY;
        if (v->kind == T_STRING) {
            o.bytes = malloc(v->tlen + 1);
            if (o.bytes)
                memcpy(o.bytes, v->text, v->tlen + 1);
            o.nbytes = v->tlen;
        } else {
            o.bytes = parse_bytes(text, &o.nbytes);
        }
        if (!o.bytes) {
            fail(p, v->pos, "\"%s\" is not a valid byte string", v->text);
            return false;
        }
        break;
    default:
        fail(p, v->pos, "%s has no value to compare", key);
        return false;
    }
    push(p, &o);
    return !p->failed;
}

static void parse_or(parser_t *p);

/* test := NAME [relop value] */
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
    p->cur.text = NULL; /* keep the name's text while lexing on */
    lex(p);
    const nmx_field_t *f = nmx_field_by_key(name.text);
    const nmx_protocol_t *pr = f ? NULL : nmx_proto_by_name(name.text);
    if (!f && !pr) {
        fail(p, name.pos, "\"%s\" is neither a field nor a protocol", name.text);
        goto out;
    }
    if (p->cur.kind != T_REL) {
        /* Presence. */
        if (pr) {
            fobj_t o = {.action = FILTERACTION_PROTOCOLEXIST, .proto = nmx_proto_id(pr)};
            if (nmx_proto_id(pr) == NMX_PROTO_FRAME)
                o = (fobj_t){.action = FILTERACTION_BOOL, .num = 1};
            push(p, &o);
        } else {
            push_property(p, f);
            push_action(p, FILTERACTION_PROPERTYEXIST);
        }
        goto out;
    }
    DWORD rel = p->cur.rel;
    size_t relpos = p->cur.pos;
    if (pr) {
        fail(p, relpos, "a protocol (%s) cannot be compared; name one of its fields", name.text);
        goto out;
    }
    if (rel == FILTERACTION_CONTAINS && nmx_field_ftype(f) != NMX_FT_STRING &&
        nmx_field_ftype(f) != NMX_FT_BYTES) {
        fail(p, relpos, "'contains' needs a string or bytes field, and %s is not one", name.text);
        goto out;
    }
    lex(p);
    if (p->cur.kind != T_WORD && p->cur.kind != T_STRING) {
        fail(p, p->cur.pos, "a value is expected after the comparison%s", "");
        goto out;
    }
    if (rel == FILTERACTION_NOTEQUAL) {
        /* present, and no instance equal */
        push_property(p, f);
        push_action(p, FILTERACTION_PROPERTYEXIST);
        push_property(p, f);
        if (!push_value(p, f, &p->cur, FILTERACTION_EQUAL))
            goto out;
        push_action(p, FILTERACTION_EQUAL);
        push_action(p, FILTERACTION_NOT);
        push_action(p, FILTERACTION_AND);
    } else {
        push_property(p, f);
        if (!push_value(p, f, &p->cur, rel))
            goto out;
        push_action(p, rel);
    }
    lex(p);
out:
    free(name.text);
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

nmx_filter_t *nmx_dfilter_compile_ex(const char *text, char *err, size_t errlen, size_t *errpos)
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
        nmx_filter_free(p.f);
        return NULL;
    }
    return p.f;
}

nmx_filter_t *nmx_dfilter_compile(const char *text, char *err, size_t errlen)
{
    return nmx_dfilter_compile_ex(text, err, errlen, NULL);
}
