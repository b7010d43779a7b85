/*
 * parser_api.c - NetMon 2's parser DLL interface: CreateProtocol,
 * DestroyProtocol, CreatePropertyDatabase, AddProperty,
 * AttachPropertyInstance(Ex), FormatPropertyInstance, the hand-off tables,
 * and the state of the parser plug-ins of this process (plugin.h has the
 * picture, docs/writing-a-parser.md the contract).
 *
 * Nothing a parser passes is trusted: handles are compared with the ones
 * handed out, frame pointers with the bounds of the frame being dissected,
 * and every other pointer (names, PROPERTYINFO, sets, Ex data, out
 * parameters) is read or written with process_vm_readv/process_vm_writev
 * on this process, which fail with EFAULT instead of faulting.  A bad one
 * is refused with BhSetLastError, never followed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/strutil.h"
#include "proto/plugin.h"
#include "proto/proto_int.h"

/* ===================================================================== */
/* Safe access to parser memory                                          */
/* ===================================================================== */

/* Copies n bytes from src (parser memory) to dst; false when any of them
 * cannot be read. */
static bool safe_read(void *dst, const void *src, size_t n)
{
    if (n == 0)
        return true;
    if (src == NULL)
        return false;
    struct iovec local = {dst, n};
    struct iovec remote = {(void *)(uintptr_t)src, n};
    ssize_t got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
    return got == (ssize_t)n;
}

/* Writes n bytes at dst (parser memory); false when it cannot be written. */
static bool safe_write(void *dst, const void *src, size_t n)
{
    if (n == 0)
        return true;
    if (dst == NULL)
        return false;
    struct iovec local = {(void *)(uintptr_t)src, n};
    struct iovec remote = {dst, n};
    ssize_t put = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
    return put == (ssize_t)n;
}

/* Reads a NUL-terminated string of parser memory into out (at most
 * outlen-1 bytes, the rest cut); false when it cannot be read. */
static bool safe_str(const char *src, char *out, size_t outlen)
{
    if (src == NULL || outlen == 0)
        return false;
    size_t n = 0;
    const size_t page = 4096;
    while (n + 1 < outlen) {
        uintptr_t a = (uintptr_t)(src + n);
        size_t chunk = page - (a % page); /* never across a page we have not checked */
        if (chunk > outlen - 1 - n)
            chunk = outlen - 1 - n;
        if (!safe_read(out + n, src + n, chunk))
            return false;
        void *nul = memchr(out + n, '\0', chunk);
        if (nul != NULL)
            return true;
        n += chunk;
    }
    out[n] = '\0';
    return true;
}

/* Replaces what cannot go into a description line (tabs, line breaks,
 * control bytes) with blanks. */
static void clean(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = ' ';
}

/* ===================================================================== */
/* State                                                                  */
/* ===================================================================== */

typedef struct plug_label {
    uint64_t value;    /* labelled value, or bit number */
    char label[64];    /* label, or label when the bit is clear */
    char on[64];       /* label when the bit is set (bits only) */
} plug_label_t;

typedef struct plug_prop {
    char label[64];
    char comment[128];
    uint8_t type, qual;
    uint32_t rmin, rmax;       /* PROP_QUAL_RANGE */
    plug_label_t *set;         /* PROP_QUAL_LABELED_SET / _FLAGS / _LABELED_BITFIELD */
    uint32_t nset;
} plug_prop_t;

typedef struct plug_proto {
    int dll;
    char name[MAX_PROTOCOL_NAME_LEN];
    char comment[128];
    ENTRYPOINTS ep;
    bool created;              /* CreateProtocol called (and not DestroyProtocol) */
    bool has_db;               /* CreatePropertyDatabase called */
    plug_prop_t *props;
    uint32_t nprops, capprops;
    uint32_t nbound;           /* bind: properties AddProperty has bound */
    nmx_protocol_t *reg;       /* host and bind: the registry entry */
} plug_proto_t;

typedef struct plug_handoff {
    int dll;
    bool in;                   /* pWhoHandsOffToMe (else pWhoDoIHandOffTo) */
    char ini[64];
    char section[64];
    char protocol[MAX_PROTOCOL_NAME_LEN];
    uint32_t value;
} plug_handoff_t;

static enum nmx_plugin_mode mode;
static int cur_dll = -1;
static plug_proto_t protos[NMX_PLUGIN_MAX_PROTOS];
static unsigned nprotos;
static plug_handoff_t *handoffs;
static unsigned nhandoffs;
static _Atomic int32_t *running_slot;
static char probe_error[256]; /* the first call the probe refused, for the description */

/* Notes, in the probe, why a call of the parser was refused. */
static void probe_refused(const char *call, const char *why, const char *what)
{
    if (mode == NMX_PLUGIN_PROBE && probe_error[0] == '\0')
        snprintf(probe_error, sizeof probe_error, "%s refused: %s%s%s%s", call, why, what ? " \"" : "",
                 what ? what : "", what ? "\"" : "");
}

void nmx__plugin_set_mode(enum nmx_plugin_mode m)
{
    mode = m;
}

void nmx__plugin_set_dll(int dll)
{
    cur_dll = dll;
}

void nmx__plugin_set_running_slot(_Atomic int32_t *slot)
{
    running_slot = slot;
}

unsigned nmx__plugin_count(void)
{
    return nprotos;
}

static void set_running(int dll)
{
    if (running_slot != NULL)
        *running_slot = dll + 1;
}

static void clear_running(void)
{
    if (running_slot != NULL)
        *running_slot = 0;
}

/* The plug-in protocol behind a handle the parser passes: a probe's own
 * handle or a registry entry bound to a parser. */
static plug_proto_t *pp_from_handle(HPROTOCOL h)
{
    if (h == NULL)
        return NULL;
    for (unsigned i = 0; i < nprotos; i++)
        if ((const void *)h == (const void *)&protos[i] ||
            (protos[i].reg != NULL && (const void *)h == (const void *)protos[i].reg))
            return &protos[i];
    return NULL;
}

static HPROTOCOL pp_handle(plug_proto_t *pp)
{
    return pp->reg != NULL ? nmx__proto_handle(pp->reg) : (HPROTOCOL)(void *)pp;
}

static plug_proto_t *pp_by_name(const char *name, int dll)
{
    for (unsigned i = 0; i < nprotos; i++)
        if ((dll < 0 || protos[i].dll == dll) && nmx__streq_nocase(protos[i].name, name))
            return &protos[i];
    return NULL;
}

/* A protocol name as nmexpert takes it: 1-15 letters, digits or '_',
 * starting with a letter. */
static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= MAX_PROTOCOL_NAME_LEN)
        return false;
    if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

/* ===================================================================== */
/* Protocols and property databases                                       */
/* ===================================================================== */

NMAPI HPROTOCOL WINAPI CreateProtocol(LPSTR ProtocolName, LPENTRYPOINTS lpEntryPoints,
                                      DWORD cbEntryPoints)
{
    char name[64];
    if (mode == NMX_PLUGIN_OFF) {
        BhSetLastError(NMERR_NOT_SUPPORTED); /* no parser is being loaded */
        return NULL;
    }
    if (!safe_str(ProtocolName, name, sizeof name)) {
        probe_refused("CreateProtocol", "an unreadable name", NULL);
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return NULL;
    }
    clean(name);
    if (!valid_name(name)) {
        probe_refused("CreateProtocol", "a protocol name is 1 to 15 letters, digits or '_', not", name);
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return NULL;
    }
    ENTRYPOINTS ep;
    memset(&ep, 0, sizeof ep);
    size_t n = cbEntryPoints < sizeof ep ? cbEntryPoints : sizeof ep;
    if (n < offsetof(ENTRYPOINTS, AttachProperties) || !safe_read(&ep, lpEntryPoints, n)) {
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return NULL;
    }
    plug_proto_t *pp = pp_by_name(name, mode == NMX_PLUGIN_BIND ? cur_dll : -1);
    if (mode == NMX_PLUGIN_PROBE) {
        if (pp != NULL) {
            probe_refused("CreateProtocol", "a protocol of that name exists:", name);
            BhSetLastError(NMERR_PROTOCOL_ALREADY_ENABLED); /* created twice */
            return NULL;
        }
        if (nprotos >= NMX_PLUGIN_MAX_PROTOS) {
            BhSetLastError(NMERR_TOO_MANY_PROTOCOLS);
            return NULL;
        }
        pp = &protos[nprotos++];
        memset(pp, 0, sizeof *pp);
        pp->dll = cur_dll;
        nmx__strlcpy(pp->name, name, sizeof pp->name);
    } else if (pp == NULL || pp->reg == NULL) {
        BhSetLastError(NMERR_PROTOCOL_NOT_FOUND); /* not what the probe saw */
        return NULL;
    }
    pp->ep = ep;
    pp->created = true;
    return pp_handle(pp);
}

NMAPI VOID WINAPI DestroyProtocol(HPROTOCOL hProtocol)
{
    plug_proto_t *pp = pp_from_handle(hProtocol);
    if (pp == NULL) {
        BhSetLastError(NMERR_INVALID_HPROTOCOL);
        return;
    }
    pp->created = false; /* the trampoline stops calling it */
    memset(&pp->ep, 0, sizeof pp->ep);
}

NMAPI DWORD WINAPI CreatePropertyDatabase(HPROTOCOL hProtocol, DWORD nProperties)
{
    plug_proto_t *pp = pp_from_handle(hProtocol);
    if (pp == NULL) {
        BhSetLastError(NMERR_INVALID_HPROTOCOL);
        return NMERR_INVALID_HPROTOCOL;
    }
    if (nProperties > NMX_PLUGIN_MAX_PROPS) {
        BhSetLastError(NMERR_OUT_OF_RANGE);
        return NMERR_OUT_OF_RANGE;
    }
    pp->has_db = true;
    pp->nbound = 0;
    return NMERR_SUCCESS;
}

NMAPI DWORD WINAPI DestroyPropertyDatabase(HPROTOCOL hProtocol)
{
    plug_proto_t *pp = pp_from_handle(hProtocol);
    if (pp == NULL) {
        BhSetLastError(NMERR_INVALID_HPROTOCOL);
        return NMERR_INVALID_HPROTOCOL;
    }
    if (!pp->has_db) {
        BhSetLastError(NMERR_NO_PROPERTY_DATABASE);
        return NMERR_NO_PROPERTY_DATABASE;
    }
    pp->has_db = false;
    return NMERR_SUCCESS;
}

/* Reads the qualifier data of a PROPERTYINFO (parser memory) into p. */
static bool read_qualifier(const PROPERTYINFO *pi, plug_prop_t *p)
{
    if (p->qual == PROP_QUAL_RANGE) {
        RANGE r;
        if (!safe_read(&r, pi->lpRange, sizeof r) || r.MinValue > r.MaxValue)
            return false;
        p->rmin = r.MinValue;
        p->rmax = r.MaxValue;
        return true;
    }
    bool labelled = p->qual == PROP_QUAL_LABELED_SET;
    bool bits = p->qual == PROP_QUAL_FLAGS || p->qual == PROP_QUAL_LABELED_BITFIELD;
    if (!labelled && !bits)
        return true; /* other qualifiers carry nothing nmexpert uses */
    SET set;
    if (!safe_read(&set, pi->lpSet, sizeof set) || set.nEntries > NMX_PLUGIN_MAX_SET)
        return false;
    p->set = calloc(set.nEntries ? set.nEntries : 1, sizeof *p->set);
    if (p->set == NULL)
        return false;
    for (DWORD i = 0; i < set.nEntries; i++) {
        plug_label_t *l = &p->set[i];
        if (bits) {
            LABELED_BIT b;
            if (!safe_read(&b, &set.lpLabeledBit[i], sizeof b) || b.BitNumber > 63 ||
                !safe_str(b.LabelOff, l->label, sizeof l->label) || !safe_str(b.LabelOn, l->on, sizeof l->on))
                return false;
            l->value = b.BitNumber;
        } else if (p->type == PROP_TYPE_BYTE) {
            LABELED_BYTE b;
            if (!safe_read(&b, &set.lpLabeledByteTable[i], sizeof b) || !safe_str(b.Label, l->label, sizeof l->label))
                return false;
            l->value = b.Value;
        } else if (p->type == PROP_TYPE_WORD || p->type == PROP_TYPE_BYTESWAPPED_WORD) {
            LABELED_WORD b;
            if (!safe_read(&b, &set.lpLabeledWordTable[i], sizeof b) || !safe_str(b.Label, l->label, sizeof l->label))
                return false;
            l->value = b.Value;
        } else {
            LABELED_DWORD b;
            if (!safe_read(&b, &set.lpLabeledDwordTable[i], sizeof b) || !safe_str(b.Label, l->label, sizeof l->label))
                return false;
            l->value = b.Value;
        }
        clean(l->label);
        clean(l->on);
        p->nset++;
    }
    return true;
}

static bool known_type(unsigned t)
{
    return t <= PROP_TYPE_IP6_ADDRESS;
}

static bool known_qual(unsigned q)
{
    return q <= PROP_QUAL_LABELED_SET || (q >= PROP_QUAL_LABELED_BITFIELD && q <= PROP_QUAL_ARRAY);
}

NMAPI HPROPERTY WINAPI AddProperty(HPROTOCOL hProtocol, LPPROPERTYINFO PropertyInfo)
{
    plug_proto_t *pp = pp_from_handle(hProtocol);
    if (pp == NULL) {
        BhSetLastError(NMERR_INVALID_HPROTOCOL);
        return 0;
    }
    if (!pp->has_db) {
        BhSetLastError(NMERR_NO_PROPERTY_DATABASE);
        return 0;
    }
    PROPERTYINFO pi;
    if (!safe_read(&pi, PropertyInfo, sizeof pi)) {
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return 0;
    }
    char label[64];
    if (!safe_str(pi.Label, label, sizeof label) || label[0] == '\0') {
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return 0;
    }
    clean(label);
    HPROPERTY h = 0;
    if (mode == NMX_PLUGIN_PROBE) {
        if (pp->nprops >= NMX_PLUGIN_MAX_PROPS) {
            BhSetLastError(NMERR_OUT_OF_RANGE);
            return 0;
        }
        if (!known_type(pi.DataType) || !known_qual(pi.DataQualifier)) {
            probe_refused("AddProperty", "an unknown DataType or DataQualifier for", label);
            BhSetLastError(NMERR_INVALID_PARAMETER);
            return 0;
        }
        if (pp->nprops == pp->capprops) {
            uint32_t ncap = pp->capprops ? pp->capprops * 2 : 16;
            plug_prop_t *g = realloc(pp->props, ncap * sizeof *g);
            if (g == NULL) {
                BhSetLastError(NMERR_OUT_OF_MEMORY);
                return 0;
            }
            pp->props = g;
            pp->capprops = ncap;
        }
        plug_prop_t *p = &pp->props[pp->nprops];
        memset(p, 0, sizeof *p);
        nmx__strlcpy(p->label, label, sizeof p->label);
        if (pi.Comment != NULL && safe_str(pi.Comment, p->comment, sizeof p->comment))
            clean(p->comment);
        p->type = pi.DataType;
        p->qual = pi.DataQualifier;
        if (!read_qualifier(&pi, p)) {
            probe_refused("AddProperty", "an unreadable range or set for", label);
            free(p->set);
            BhSetLastError(NMERR_INVALID_PARAMETER);
            return 0;
        }
        pp->nprops++;
        h = (HPROPERTY)pp->nprops; /* a placeholder: the probe never dissects */
    } else if (mode == NMX_PLUGIN_BIND) {
        const nmx_field_t *f = pp->reg ? nmx__proto_field(pp->reg, pp->nbound) : NULL;
        if (f == NULL || !nmx__streq_nocase(nmx__field_label(f), label)) {
            BhSetLastError(NMERR_PROPERTY_NOT_FOUND); /* not what the probe saw */
            return 0;
        }
        pp->nbound++;
        h = nmx__field_handle(f);
        /* The parser's format function for the property: FormatProperties
         * finds it in the instance's PROPERTYINFO, as in NetMon. */
        ((nmx_field_t *)f)->info.InstanceData = pi.InstanceData;
    } else {
        BhSetLastError(NMERR_NOT_SUPPORTED);
        return 0;
    }
    if (!safe_write(&PropertyInfo->hProperty, &h, sizeof h)) {
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return 0;
    }
    return h;
}

void nmx__plugin_register_all(int dll)
{
    for (unsigned i = 0; i < nprotos; i++) {
        plug_proto_t *pp = &protos[i];
        if (pp->dll != dll || !pp->created || pp->ep.Register == NULL)
            continue;
        set_running(dll);
        pp->ep.Register(pp_handle(pp));
        clear_running();
    }
}

/* ===================================================================== */
/* Hand-off tables                                                        */
/* ===================================================================== */

#define HOT_SIG 0x544F4842u /* "BHOT" */
#define HOE_SIG 0x454F4842u /* "BHOE" */

typedef struct live_table {
    HANDOFFTABLE t;
    struct live_table *next;
} live_table_t;
static live_table_t *tables;

/* The file part of an INI path ("C:\\NM\\TCPIP.INI" -> "TCPIP.INI"). */
static const char *ini_base(const char *s)
{
    const char *b = s;
    for (const char *p = s; *p; p++)
        if (*p == '/' || *p == '\\')
            b = p + 1;
    return b;
}

static bool handoff_add(int dll, bool in, const char *ini, const char *section, const char *protocol,
                        uint32_t value)
{
    if (nhandoffs >= NMX_PLUGIN_MAX_HANDOFFS)
        return false;
    if (nhandoffs % 64 == 0) {
        plug_handoff_t *g = realloc(handoffs, (nhandoffs + 64) * sizeof *g);
        if (g == NULL)
            return false;
        handoffs = g;
    }
    plug_handoff_t *h = &handoffs[nhandoffs++];
    memset(h, 0, sizeof *h);
    h->dll = dll;
    h->in = in;
    nmx__strlcpy(h->ini, ini_base(ini), sizeof h->ini);
    nmx__strlcpy(h->section, section, sizeof h->section);
    nmx__strlcpy(h->protocol, protocol, sizeof h->protocol);
    h->value = value;
    return true;
}

NMAPI DWORD WINAPI CreateHandoffTable(LPSTR secName, LPSTR iniFile, LPHANDOFFTABLE *hTable,
                                      DWORD nMaxProtocolEntries, DWORD base)
{
    (void)base; /* the values are numbers already: no INI text is read */
    char sec[64], ini[MAX_PATH];
    if (!safe_str(secName, sec, sizeof sec) || !safe_str(iniFile, ini, sizeof ini)) {
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return 0;
    }
    DWORD n = 0;
    for (unsigned i = 0; i < nhandoffs; i++)
        if (nmx__streq_nocase(handoffs[i].section, sec) && nmx__streq_nocase(handoffs[i].ini, ini_base(ini)))
            n++;
    if (n > nMaxProtocolEntries)
        n = nMaxProtocolEntries;
    live_table_t *lt = calloc(1, sizeof *lt + (n ? n : 1) * sizeof(HANDOFFENTRY));
    if (lt == NULL) {
        BhSetLastError(NMERR_OUT_OF_MEMORY);
        return 0;
    }
    lt->t.hot_sig = HOT_SIG;
    lt->t.hot_Entries = (LPHANDOFFENTRY)(lt + 1);
    DWORD k = 0;
    for (unsigned i = 0; i < nhandoffs && k < n; i++) {
        const plug_handoff_t *h = &handoffs[i];
        if (!nmx__streq_nocase(h->section, sec) || !nmx__streq_nocase(h->ini, ini_base(ini)))
            continue;
        HANDOFFENTRY *e = &lt->t.hot_Entries[k++];
        e->hoe_sig = HOE_SIG;
        e->hoe_ProtIdentNumber = h->value;
        const nmx_protocol_t *p = nmx__proto_by_name(h->protocol);
        plug_proto_t *pp = pp_by_name(h->protocol, -1);
        e->hoe_ProtocolHandle = p != NULL ? nmx__proto_handle(p) : pp != NULL ? pp_handle(pp) : NULL;
    }
    lt->t.hot_NumEntries = k;
    LPHANDOFFTABLE out = &lt->t;
    if (!safe_write(hTable, &out, sizeof out)) {
        free(lt);
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return 0;
    }
    lt->next = tables;
    tables = lt;
    return k;
}

static live_table_t *live(LPHANDOFFTABLE t)
{
    for (live_table_t *lt = tables; lt != NULL; lt = lt->next)
        if (&lt->t == t)
            return lt;
    return NULL;
}

NMAPI VOID WINAPI DestroyHandoffTable(LPHANDOFFTABLE hTable)
{
    for (live_table_t **pp = &tables; *pp != NULL; pp = &(*pp)->next)
        if (&(*pp)->t == hTable) {
            live_table_t *lt = *pp;
            *pp = lt->next;
            free(lt);
            return;
        }
    BhSetLastError(NMERR_INVALID_PARAMETER);
}

NMAPI HPROTOCOL WINAPI GetProtocolFromTable(LPHANDOFFTABLE hTable, DWORD ItemToFind,
                                           PDWORD_PTR lpInstData)
{
    live_table_t *lt = live(hTable);
    if (lt == NULL) {
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return NULL;
    }
    for (DWORD i = 0; i < lt->t.hot_NumEntries; i++) {
        const HANDOFFENTRY *e = &lt->t.hot_Entries[i];
        if (e->hoe_ProtIdentNumber != ItemToFind || e->hoe_ProtocolHandle == NULL)
            continue;
        DWORD_PTR inst = e->hoe_ProtocolData;
        if (lpInstData != NULL && !safe_write(lpInstData, &inst, sizeof inst)) {
            BhSetLastError(NMERR_INVALID_PARAMETER);
            return NULL;
        }
        return e->hoe_ProtocolHandle;
    }
    BhSetLastError(NMERR_PROTOCOL_NOT_FOUND);
    return NULL;
}

/* ===================================================================== */
/* Property instances                                                     */
/* ===================================================================== */

/* The call of a parser entry point in progress on this thread: its HFRAME
 * is the address of this record, valid only while the call lasts. */
typedef struct pcall {
    nmx_dctx_t *d;
    unsigned proto;
    bool attaching;  /* in AttachProperties (not RecognizeFrame) */
} pcall_t;
static _Thread_local pcall_t *cur;

/* The field and frame offset of an attach, or an NMERR code. */
static DWORD attach_check(HFRAME hFrame, HPROPERTY hProperty, DWORD Length, const void *lpData,
                          const nmx_field_t **fout, size_t *off)
{
    if (cur == NULL || hFrame != (HFRAME)(void *)cur || !cur->attaching)
        return NMERR_INVALID_HFRAME; /* properties are attached in AttachProperties only */
    const nmx_field_t *f = nmx__field_from_handle(hProperty);
    if (f == NULL || f->proto != cur->proto)
        return NMERR_INVALID_HPROPERTY;
    if (Length > 0xFFFE)
        return NMERR_OUT_OF_RANGE;
    const nmx_dctx_t *d = cur->d;
    uintptr_t lo = (uintptr_t)d->frame, hi = lo + d->caplen, a = (uintptr_t)lpData;
    if (lpData == NULL && Length == 0) {
        *off = 0;
    } else if (lpData == NULL || a < lo || a > hi || Length > hi - a) {
        return NMERR_OUT_OF_RANGE; /* outside the frame being dissected */
    } else {
        *off = a - lo;
    }
    *fout = f;
    return NMERR_SUCCESS;
}

static bool numeric(const nmx_field_t *f)
{
    return f->ftype == NMX_FT_UINT || f->ftype == NMX_FT_INT || f->ftype == NMX_FT_BOOL;
}

NMAPI BOOL WINAPI AttachPropertyInstance(HFRAME hFrame, HPROPERTY hProperty, DWORD Length,
                                         ULPVOID lpData, DWORD HelpID, DWORD Level, DWORD IFlags)
{
    (void)HelpID;
    (void)Level; /* the level follows from the property (as for built-in ones) */
    const nmx_field_t *f = NULL;
    size_t off = 0;
    DWORD rc = attach_check(hFrame, hProperty, Length, lpData, &f, &off);
    if (rc == NMERR_SUCCESS && numeric(f) && Length != f->width)
        rc = NMERR_OUT_OF_RANGE; /* a number is as wide as its type */
    if (rc != NMERR_SUCCESS) {
        BhSetLastError(rc);
        return FALSE;
    }
    nmx_dctx_t *d = cur->d;
    if (d->ws == NULL)
        return TRUE;
    bool frame_le = (f->flags & NMX_FF_LE) != 0;
    if (numeric(f) && Length > 1 && (IFlags & IFLAG_SWAPPED) && frame_le) {
        /* The parser says this instance is big-endian although its type is not. */
        nmx__record_uint(d, f, off, Length, nmx__load_uint(d->frame + off, Length, false));
        return TRUE;
    }
    nmx__record_raw(d, f, off, Length, IFlags & IFLAG_ERROR);
    return TRUE;
}

NMAPI BOOL WINAPI AttachPropertyInstanceEx(HFRAME hFrame, HPROPERTY hProperty, DWORD Length,
                                           ULPVOID lpData, DWORD ExLength, ULPVOID lpExData,
                                           DWORD HelpID, DWORD Level, DWORD IFlags)
{
    (void)HelpID;
    (void)Level;
    const nmx_field_t *f = NULL;
    size_t off = 0;
    DWORD rc = attach_check(hFrame, hProperty, Length, lpData, &f, &off);
    if (rc == NMERR_SUCCESS && ExLength > 0xFFFE)
        rc = NMERR_OUT_OF_RANGE;
    if (rc == NMERR_SUCCESS && numeric(f) && ExLength != 1 && ExLength != 2 && ExLength != 4 &&
        ExLength != 8)
        rc = NMERR_OUT_OF_RANGE;
    static _Thread_local uint8_t buf[0xFFFF];
    if (rc == NMERR_SUCCESS && !safe_read(buf, lpExData, ExLength))
        rc = NMERR_INVALID_PARAMETER;
    if (rc != NMERR_SUCCESS) {
        BhSetLastError(rc);
        return FALSE;
    }
    (void)IFlags;
    nmx_dctx_t *d = cur->d;
    if (d->ws == NULL)
        return TRUE;
    if (numeric(f))
        nmx__record_uint(d, f, off, Length, nmx__load_uint(buf, ExLength, true));
    else
        nmx__record_bytes(d, f, off, Length, buf, ExLength);
    return TRUE;
}

NMAPI DWORD WINAPI ResetPropertyInstanceLength(LPPROPERTYINST lpProp, WORD nOrgLen, WORD nNewLen)
{
    (void)lpProp;
    (void)nOrgLen;
    (void)nNewLen;
    BhSetLastError(NMERR_NOT_SUPPORTED);
    return NMERR_NOT_SUPPORTED;
}

/*
 * The generic formatter: "Label: value" into lpPropertyInst->szPropertyText
 * (at most the property's FormatStringSize bytes).  The instance is copied
 * out of the caller's memory first, with the bytes it points to, and
 * rendered from the copy.
 */
NMAPI DWORD WINAPIV FormatPropertyInstance(LPPROPERTYINST lpPropertyInst, ...)
{
    PROPERTYINST pi;
    if (!safe_read(&pi, lpPropertyInst, sizeof pi)) {
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return NMERR_INVALID_PARAMETER;
    }
    const nmx_field_t *f = nmx__field_from_info(pi.lpPropertyInfo);
    if (f == NULL) {
        BhSetLastError(NMERR_INVALID_HPROPERTY);
        return NMERR_INVALID_HPROPERTY;
    }
    static _Thread_local union {
        PROPERTYINSTEX ex;
        uint8_t raw[sizeof(PROPERTYINSTEX) + 0xFFFF];
    } copy;
    if (pi.DataLength == PROPERTYINST_EX_LENGTH) {
        if (!safe_read(&copy.ex, pi.lpPropertyInstEx, sizeof copy.ex) ||
            !safe_read(copy.ex.Byte, pi.lpPropertyInstEx->Byte, copy.ex.LengthEx)) {
            BhSetLastError(NMERR_INVALID_PARAMETER);
            return NMERR_INVALID_PARAMETER;
        }
        pi.lpPropertyInstEx = &copy.ex;
    } else {
        if (!safe_read(copy.raw, pi.lpData, pi.DataLength)) {
            BhSetLastError(NMERR_INVALID_PARAMETER);
            return NMERR_INVALID_PARAMETER;
        }
        pi.lpData = copy.raw;
    }
    char value[512], text[600];
    value[0] = '\0';
    if (f->ftype != NMX_FT_NONE)
        nmx__prop_render(&pi, value, sizeof value);
    int n = snprintf(text, sizeof text, "%s%s%s", nmx__field_label(f), value[0] ? ": " : "", value);
    size_t size = f->info.FormatStringSize ? f->info.FormatStringSize : 80;
    size_t len = (size_t)(n < 0 ? 0 : n);
    if (len >= size)
        len = size - 1;
    text[len] = '\0';
    if (!safe_write(pi.szPropertyText, text, len + 1)) {
        BhSetLastError(NMERR_BUFFER_TOO_SMALL);
        return NMERR_BUFFER_TOO_SMALL;
    }
    return NMERR_SUCCESS;
}

/* ===================================================================== */
/* Description: probe -> host                                             */
/* ===================================================================== */

/*
 * One line per item, fields separated by tabs (every string is cleaned of
 * tabs and line breaks first):
 *   N <protocol> <comment>                        a PF_PARSERINFO
 *   H in|out <protocol> <ini> <section> <value>   a PF_HANDOFFENTRY
 *   P <protocol> <comment>                        a protocol DllMain created
 *   F <type> <qual> <label> <comment>             its next property
 *   R <min> <max>                                 the property's range
 *   L <value> <label>                             a labelled value
 *   B <bit> <label clear> <label set>             a labelled bit
 */
typedef struct outbuf {
    char *p;
    size_t len, cap;
    bool over;
} outbuf_t;

static void out_line(outbuf_t *o, const char *fmt, ...)
{
    if (o->over)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len) {
        o->over = true;
        return;
    }
    o->len += (size_t)n;
}

/* Reads a PF_HANDOFFSET of parser memory into the hand-off list. */
static bool note_set(int dll, bool in, const PF_HANDOFFSET *set)
{
    if (set == NULL)
        return true;
    DWORD n;
    if (!safe_read(&n, &set->nEntries, sizeof n) || n > NMX_PLUGIN_MAX_HANDOFFS)
        return false;
    for (DWORD i = 0; i < n; i++) {
        PF_HANDOFFENTRY e;
        if (!safe_read(&e, &set->Entry[i], sizeof e))
            return false;
        e.szIniFile[sizeof e.szIniFile - 1] = '\0';
        e.szIniSection[sizeof e.szIniSection - 1] = '\0';
        e.szProtocol[sizeof e.szProtocol - 1] = '\0';
        clean(e.szIniFile);
        clean(e.szIniSection);
        clean(e.szProtocol);
        if (!handoff_add(dll, in, e.szIniFile, e.szIniSection, e.szProtocol, e.dwHandOffValue))
            return false;
    }
    return true;
}

size_t nmx__plugin_describe(int dll, const PF_PARSERDLLINFO *info, char *out, size_t outlen,
                            char *err, size_t errlen)
{
    outbuf_t o = {out, 0, outlen, false};
    if (outlen > 0)
        out[0] = '\0';
    if (probe_error[0] != '\0') {
        snprintf(err, errlen, "%s", probe_error);
        return 0;
    }
    if (info != NULL) {
        DWORD np;
        if (!safe_read(&np, &info->nParsers, sizeof np) || np > NMX_PLUGIN_MAX_PROTOS) {
            snprintf(err, errlen, "ParserAutoInstallInfo: unreadable or too many parsers");
            return 0;
        }
        for (DWORD i = 0; i < np; i++) {
            PF_PARSERINFO pi;
            if (!safe_read(&pi, &info->ParserInfo[i], sizeof pi)) {
                snprintf(err, errlen, "ParserAutoInstallInfo: parser %u cannot be read", (unsigned)i);
                return 0;
            }
            pi.szProtocolName[sizeof pi.szProtocolName - 1] = '\0';
            pi.szComment[sizeof pi.szComment - 1] = '\0';
            clean(pi.szProtocolName);
            clean(pi.szComment);
            out_line(&o, "N\t%s\t%s\n", pi.szProtocolName, pi.szComment);
            unsigned before = nhandoffs;
            if (!note_set(dll, true, pi.pWhoHandsOffToMe) || !note_set(dll, false, pi.pWhoDoIHandOffTo)) {
                snprintf(err, errlen, "ParserAutoInstallInfo: parser %s: a hand-off set cannot be read",
                         pi.szProtocolName);
                return 0;
            }
            for (unsigned k = before; k < nhandoffs; k++) {
                const plug_handoff_t *h = &handoffs[k];
                out_line(&o, "H\t%s\t%s\t%s\t%s\t%u\n", h->in ? "in" : "out", h->protocol, h->ini,
                         h->section, (unsigned)h->value);
            }
        }
    }
    for (unsigned i = 0; i < nprotos; i++) {
        const plug_proto_t *pp = &protos[i];
        if (pp->dll != dll || !pp->created)
            continue;
        out_line(&o, "P\t%s\t%s\n", pp->name, pp->comment);
        for (uint32_t k = 0; k < pp->nprops; k++) {
            const plug_prop_t *p = &pp->props[k];
            out_line(&o, "F\t%u\t%u\t%s\t%s\n", p->type, p->qual, p->label, p->comment);
            if (p->qual == PROP_QUAL_RANGE)
                out_line(&o, "R\t%u\t%u\n", (unsigned)p->rmin, (unsigned)p->rmax);
            bool bits = p->qual == PROP_QUAL_FLAGS || p->qual == PROP_QUAL_LABELED_BITFIELD;
            for (uint32_t j = 0; j < p->nset; j++) {
                if (bits)
                    out_line(&o, "B\t%u\t%s\t%s\n", (unsigned)p->set[j].value, p->set[j].label, p->set[j].on);
                else
                    out_line(&o, "L\t%llu\t%s\n", (unsigned long long)p->set[j].value, p->set[j].label);
            }
        }
    }
    if (o.over) {
        snprintf(err, errlen, "the parser's description is larger than %zu bytes", outlen);
        return 0;
    }
    return o.len;
}

/* Splits a line at tabs into at most max fields (in place). */
static unsigned split(char *line, char **f, unsigned max)
{
    unsigned n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == '\t') {
            *p = '\0';
            f[n++] = p + 1;
        }
    return n;
}

static bool parse_u32(const char *s, uint32_t *v)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || x > UINT32_MAX)
        return false;
    *v = (uint32_t)x;
    return true;
}

static bool plugin_dissect(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto);
static int shadow_add(plug_proto_t *pp, char *err, size_t errlen);
static void shadow_handoffs(int dll);

/* Reading a description: the protocol and property lines apply to. */
typedef struct enter_state {
    int dll;
    plug_proto_t *pp;
    plug_prop_t *prop;
} enter_state_t;

/* A "P" line: a new protocol of the DLL.  0, or -2 with a message. */
static int enter_protocol(enter_state_t *st, char **f, char *err, size_t errlen)
{
    if (!valid_name(f[1])) {
        snprintf(err, errlen, "protocol name \"%s\": 1 to 15 letters, digits or '_'", f[1]);
        return -2;
    }
    if (nmx__proto_by_name(f[1]) != NULL || pp_by_name(f[1], -1) != NULL) {
        snprintf(err, errlen, "protocol name \"%s\" is already taken", f[1]);
        return -2;
    }
    if (nprotos >= NMX_PLUGIN_MAX_PROTOS) {
        snprintf(err, errlen, "too many protocols (at most %d in all)", NMX_PLUGIN_MAX_PROTOS);
        return -2;
    }
    plug_proto_t *pp = &protos[nprotos++];
    memset(pp, 0, sizeof *pp);
    pp->dll = st->dll;
    nmx__strlcpy(pp->name, f[1], sizeof pp->name);
    nmx__strlcpy(pp->comment, f[2], sizeof pp->comment);
    st->pp = pp;
    st->prop = NULL;
    return 0;
}

/* An "F" line: the next property of the current protocol.  0, -1 out of
 * memory, -2 with a message. */
static int enter_property(enter_state_t *st, uint32_t type, uint32_t qual, const char *label,
                          const char *comment, char *err, size_t errlen)
{
    plug_proto_t *pp = st->pp;
    for (uint32_t k = 0; k < pp->nprops; k++)
        if (nmx__streq_nocase(pp->props[k].label, label)) {
            snprintf(err, errlen, "protocol %s: two properties are labelled \"%s\"", pp->name, label);
            return -2;
        }
    if (pp->nprops == pp->capprops) {
        uint32_t ncap = pp->capprops ? pp->capprops * 2 : 16;
        plug_prop_t *g = realloc(pp->props, ncap * sizeof *g);
        if (g == NULL)
            return -1;
        pp->props = g;
        pp->capprops = ncap;
    }
    plug_prop_t *prop = &pp->props[pp->nprops++];
    memset(prop, 0, sizeof *prop);
    prop->type = (uint8_t)type;
    prop->qual = (uint8_t)qual;
    nmx__strlcpy(prop->label, label, sizeof prop->label);
    nmx__strlcpy(prop->comment, comment, sizeof prop->comment);
    st->prop = prop;
    return 0;
}

/* An "L" or "B" line: a labelled value or bit of the current property. */
static int enter_label(enter_state_t *st, uint32_t value, const char *label, const char *on)
{
    plug_prop_t *prop = st->prop;
    plug_label_t *g = realloc(prop->set, (prop->nset + 1) * sizeof *g);
    if (g == NULL)
        return -1;
    prop->set = g;
    plug_label_t *l = &g[prop->nset++];
    memset(l, 0, sizeof *l);
    l->value = value;
    nmx__strlcpy(l->label, label, sizeof l->label);
    if (on != NULL)
        nmx__strlcpy(l->on, on, sizeof l->on);
    return 0;
}

/* One line of a description (split at tabs).  0, -1 out of memory, -2
 * with a message. */
static int enter_line(enter_state_t *st, char **f, unsigned n, unsigned lineno, char *err, size_t errlen)
{
    uint32_t a = 0, b = 0;
    const char *k = f[0];
    if (strcmp(k, "N") == 0 && n == 3)
        return 0; /* the parser's own list: the protocols it creates count */
    if (strcmp(k, "H") == 0 && n == 6 && parse_u32(f[5], &a) && strlen(f[2]) < MAX_PROTOCOL_NAME_LEN &&
        strlen(f[3]) < 64 && strlen(f[4]) < 64)
        return handoff_add(st->dll, strcmp(f[1], "in") == 0, f[3], f[4], f[2], a) ? 0 : -1;
    if (strcmp(k, "P") == 0 && n == 3)
        return enter_protocol(st, f, err, errlen);
    if (strcmp(k, "F") == 0 && n == 5 && st->pp != NULL && parse_u32(f[1], &a) && parse_u32(f[2], &b) &&
        known_type(a) && known_qual(b) && f[3][0] != '\0' && strlen(f[3]) < 64 &&
        st->pp->nprops < NMX_PLUGIN_MAX_PROPS)
        return enter_property(st, a, b, f[3], f[4], err, errlen);
    if (strcmp(k, "R") == 0 && n == 3 && st->prop != NULL && st->prop->qual == PROP_QUAL_RANGE &&
        parse_u32(f[1], &a) && parse_u32(f[2], &b) && a <= b) {
        st->prop->rmin = a;
        st->prop->rmax = b;
        return 0;
    }
    bool label = strcmp(k, "L") == 0 && n == 3, bit = strcmp(k, "B") == 0 && n == 4;
    if ((label || bit) && st->prop != NULL && st->prop->nset < NMX_PLUGIN_MAX_SET && parse_u32(f[1], &a) &&
        (label || a < 64))
        return enter_label(st, a, f[2], bit ? f[3] : NULL);
    snprintf(err, errlen, "its description is malformed (line %u)", lineno);
    return -2;
}

/* Forgets the protocols from `first` on that were not entered into the
 * registry (it is append-only: entered ones stay, and the caller ends the
 * run), and the hand-offs from `first_ho` on. */
static void forget_from(unsigned first, unsigned first_ho)
{
    for (unsigned i = first; i < nprotos; i++)
        if (protos[i].reg == NULL) {
            for (uint32_t k = 0; k < protos[i].nprops; k++)
                free(protos[i].props[k].set);
            free(protos[i].props);
            memset(&protos[i], 0, sizeof protos[i]);
        }
    while (nprotos > first && protos[nprotos - 1].reg == NULL && protos[nprotos - 1].name[0] == '\0')
        nprotos--;
    nhandoffs = first_ho;
}

int nmx__plugin_enter(int dll, const char *path, const char *desc, size_t len, char *err,
                      size_t errlen)
{
    (void)path; /* the runtime names the DLL in messages */
    if (dll < 0 || dll >= NMX_PLUGIN_MAX_DLLS) {
        snprintf(err, errlen, "too many parser DLLs (at most %d)", NMX_PLUGIN_MAX_DLLS);
        return -1;
    }
    if (len > NMX_PLUGIN_DESC_MAX || memchr(desc, '\0', len) != NULL) {
        snprintf(err, errlen, "its description is malformed");
        return -1;
    }
    char *text = malloc(len + 1);
    if (text == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(text, desc, len);
    text[len] = '\0';
    /* Names and labels end up in messages and reports: plain text only. */
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)text[i] < 0x20 && text[i] != '\t' && text[i] != '\n') || text[i] == 0x7f)
            text[i] = '?';
    unsigned first = nprotos, first_ho = nhandoffs, lineno = 0;
    enter_state_t st = {dll, NULL, NULL};
    int rc = 0;
    for (char *line = text, *next; rc == 0 && line != NULL && *line; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        char *f[8];
        unsigned n = split(line, f, 8);
        rc = enter_line(&st, f, n, ++lineno, err, errlen);
    }
    free(text);
    if (rc == -1)
        snprintf(err, errlen, "out of memory");
    if (rc == 0 && nprotos == first) {
        snprintf(err, errlen, "its DllMain created no protocol (CreateProtocol)");
        rc = -2;
    }
    for (unsigned i = first; rc == 0 && i < nprotos; i++)
        if (shadow_add(&protos[i], err, errlen) != 0)
            rc = -2;
    if (rc == 0)
        shadow_handoffs(dll);
    if (rc != 0) {
        forget_from(first, first_ho);
        return -1;
    }
    return 0;
}

int nmx__plugin_check_bound(int dll, char *err, size_t errlen)
{
    for (unsigned i = 0; i < nprotos; i++) {
        const plug_proto_t *pp = &protos[i];
        if (pp->dll != dll)
            continue;
        if (!pp->created || pp->ep.RecognizeFrame == NULL) {
            snprintf(err, errlen, "DllMain did not create protocol %s with a RecognizeFrame this time",
                     pp->name);
            return -1;
        }
        if (pp->nbound != pp->nprops) {
            snprintf(err, errlen, "protocol %s: Register added %u of its %u properties this time",
                     pp->name, (unsigned)pp->nbound, (unsigned)pp->nprops);
            return -1;
        }
    }
    return 0;
}

/* ===================================================================== */
/* Shadow protocols (host, before any expert process starts)              */
/* ===================================================================== */

/* "HBEAT" -> "hbeat" (tshark names protocols in lower case). */
static char *lower_dup(const char *s)
{
    char *d = strdup(s);
    for (char *p = d; p != NULL && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return d;
}

/* The field key of a property: "<protocol>.<label>" in lower case, every
 * run of other characters than letters and digits one '_'
 * ("HBEAT", "Node Name" -> "hbeat.node_name"). */
static char *key_for(const char *proto, const char *label)
{
    size_t n = strlen(proto) + 1 + strlen(label) + 1;
    char *k = malloc(n);
    if (k == NULL)
        return NULL;
    size_t o = 0;
    for (const char *p = proto; *p; p++)
        k[o++] = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
    k[o++] = '.';
    bool gap = false;
    for (const char *p = label; *p; p++) {
        char c = *p;
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
        if (!alnum) {
            gap = true;
            continue;
        }
        if (gap && k[o - 1] != '.')
            k[o++] = '_';
        gap = false;
        k[o++] = (char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
    }
    if (k[o - 1] == '.')
        k[o++] = 'x';
    k[o] = '\0';
    return k;
}

/* nmexpert's value kind of a PROP_TYPE_*. */
static void field_kind(const plug_prop_t *p, nmx_field_t *f)
{
    f->base = (p->qual == PROP_QUAL_FLAGS || p->qual == PROP_QUAL_LABELED_BITFIELD) ? NMX_BASE_HEX : NMX_BASE_DEC;
    switch (p->type) {
    case PROP_TYPE_BYTE: f->ftype = NMX_FT_UINT; f->width = 1; break;
    case PROP_TYPE_WORD: f->ftype = NMX_FT_UINT; f->width = 2; f->flags = NMX_FF_LE; break;
    case PROP_TYPE_DWORD: f->ftype = NMX_FT_UINT; f->width = 4; f->flags = NMX_FF_LE; break;
    case PROP_TYPE_LARGEINT: f->ftype = NMX_FT_UINT; f->width = 8; f->flags = NMX_FF_LE; break;
    case PROP_TYPE_BYTESWAPPED_WORD: f->ftype = NMX_FT_UINT; f->width = 2; break;
    case PROP_TYPE_BYTESWAPPED_DWORD: f->ftype = NMX_FT_UINT; f->width = 4; break;
    case PROP_TYPE_IP_ADDRESS: f->ftype = NMX_FT_IPV4; f->width = 4; break;
    case PROP_TYPE_IP6_ADDRESS: f->ftype = NMX_FT_IPV6; f->width = 16; break;
    case PROP_TYPE_ETHERNET_ADDRESS:
    case PROP_TYPE_FDDI_ADDRESS:
    case PROP_TYPE_TOKENRING_ADDRESS: f->ftype = NMX_FT_ETHER; f->width = 6; break;
    case PROP_TYPE_STRING:
    case PROP_TYPE_TYPED_STRING: f->ftype = NMX_FT_STRING; break;
    case PROP_TYPE_SUMMARY:
    case PROP_TYPE_COMMENT:
    case PROP_TYPE_VOID: f->ftype = NMX_FT_NONE; break;
    default: f->ftype = NMX_FT_BYTES; break;
    }
}

/* strdup, clearing *ok when out of memory. */
static char *dup_label(const char *src, bool *ok)
{
    char *d = strdup(src);
    if (d == NULL)
        *ok = false;
    return d;
}

/* The PROPERTYINFO qualifier data of a property, in host memory (attached
 * to f as it is built, so that shadow_free frees a part-built one). */
static bool field_qualifier(const plug_prop_t *p, nmx_field_t *f)
{
    if (p->qual == PROP_QUAL_RANGE) {
        RANGE *r = malloc(sizeof *r);
        if (r == NULL)
            return false;
        r->MinValue = p->rmin;
        r->MaxValue = p->rmax;
        f->info.lpRange = r;
        return true;
    }
    bool bits = p->qual == PROP_QUAL_FLAGS || p->qual == PROP_QUAL_LABELED_BITFIELD;
    if (p->qual != PROP_QUAL_LABELED_SET && !bits)
        return true;
    SET *set = calloc(1, sizeof *set);
    if (set == NULL)
        return false;
    f->info.lpSet = set; /* nEntries stays 0 until the table is complete */
    bool ok = true;
    size_t n = p->nset ? p->nset : 1;
    if (bits) {
        LABELED_BIT *t = calloc(n, sizeof *t);
        if (t == NULL)
            return false;
        for (uint32_t i = 0; i < p->nset; i++) {
            t[i].BitNumber = (BYTE)p->set[i].value;
            t[i].LabelOff = dup_label(p->set[i].label, &ok);
            t[i].LabelOn = dup_label(p->set[i].on, &ok);
        }
        set->lpLabeledBit = t;
    } else if (p->type == PROP_TYPE_BYTE) {
        LABELED_BYTE *t = calloc(n, sizeof *t);
        if (t == NULL)
            return false;
        for (uint32_t i = 0; i < p->nset; i++) {
            t[i].Value = (BYTE)p->set[i].value;
            t[i].Label = dup_label(p->set[i].label, &ok);
        }
        set->lpLabeledByteTable = t;
    } else if (p->type == PROP_TYPE_WORD || p->type == PROP_TYPE_BYTESWAPPED_WORD) {
        LABELED_WORD *t = calloc(n, sizeof *t);
        if (t == NULL)
            return false;
        for (uint32_t i = 0; i < p->nset; i++) {
            t[i].Value = (WORD)p->set[i].value;
            t[i].Label = dup_label(p->set[i].label, &ok);
        }
        set->lpLabeledWordTable = t;
    } else {
        LABELED_DWORD *t = calloc(n, sizeof *t);
        if (t == NULL)
            return false;
        for (uint32_t i = 0; i < p->nset; i++) {
            t[i].Value = (DWORD)p->set[i].value;
            t[i].Label = dup_label(p->set[i].label, &ok);
        }
        set->lpLabeledDwordTable = t;
    }
    set->nEntries = p->nset;
    return ok;
}

/* Frees a shadow entry the registry did not take. */
static void shadow_free(nmx_protocol_t *p)
{
    for (uint32_t k = 0; k < p->nfields; k++) {
        nmx_field_t *f = &p->fields[k];
        free((char *)f->key);
        free(f->info.Label);
        if (f->info.DataQualifier == PROP_QUAL_RANGE) {
            free(f->info.lpRange);
        } else if (f->info.lpSet != NULL) {
            SET *set = f->info.lpSet;
            bool bits = f->info.DataQualifier != PROP_QUAL_LABELED_SET;
            for (DWORD i = 0; i < set->nEntries; i++) {
                if (bits) {
                    free(set->lpLabeledBit[i].LabelOff);
                    free(set->lpLabeledBit[i].LabelOn);
                } else if (f->info.DataType == PROP_TYPE_BYTE) {
                    free(set->lpLabeledByteTable[i].Label);
                } else if (f->info.DataType == PROP_TYPE_WORD || f->info.DataType == PROP_TYPE_BYTESWAPPED_WORD) {
                    free(set->lpLabeledWordTable[i].Label);
                } else {
                    free(set->lpLabeledDwordTable[i].Label);
                }
            }
            free(set->lpVoidTable);
            free(set);
        }
    }
    free(p->fields);
    free((char *)p->name);
    free((char *)p->netmon_name);
    free((char *)p->description);
    free(p);
}

static int shadow_add(plug_proto_t *pp, char *err, size_t errlen)
{
    nmx_protocol_t *p = calloc(1, sizeof *p);
    nmx_field_t *fields = calloc(pp->nprops ? pp->nprops : 1, sizeof *fields);
    if (p == NULL || fields == NULL) {
        free(p);
        free(fields);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    p->fields = fields;
    p->dissect = plugin_dissect;
    p->name = lower_dup(pp->name);
    p->netmon_name = strdup(pp->name);
    p->description = strdup(pp->comment[0] ? pp->comment : pp->name);
    int rc = p->name != NULL && p->netmon_name != NULL && p->description != NULL ? 0 : -1;
    for (uint32_t k = 0; rc == 0 && k < pp->nprops; k++) {
        const plug_prop_t *q = &pp->props[k];
        nmx_field_t *f = &fields[k];
        p->nfields = k + 1; /* what shadow_free frees */
        f->key = key_for(pp->name, q->label);
        for (uint32_t j = 0; j < k && f->key != NULL && rc == 0; j++)
            if (strcmp(fields[j].key, f->key) == 0) {
                snprintf(err, errlen, "protocol %s: properties \"%s\" and \"%s\" both make the field %s",
                         pp->name, pp->props[j].label, q->label, f->key);
                rc = -2;
            }
        f->info.Label = strdup(q->label);
        f->info.Comment = (char *)f->key; /* as the built-in properties: the field name */
        f->info.DataType = q->type;
        f->info.DataQualifier = q->qual;
        field_kind(q, f);
        if (rc == 0 && (f->key == NULL || f->info.Label == NULL || !field_qualifier(q, f)))
            rc = -1;
    }
    p->nfields = pp->nprops;
    if (rc == 0 && nmx__registry_add(p, err, errlen) != 0)
        rc = -2;
    if (rc != 0) {
        if (rc == -1)
            snprintf(err, errlen, "out of memory");
        shadow_free(p);
        return -1;
    }
    pp->reg = p;
    return 0;
}

/* The registry table a parent's hand-off set names, by section (NetMon's
 * TCPIP.INI [TCP_HandoffSet], ...), and the largest value it takes. */
static bool section_table(const char *sec, enum nmx__ho_table *t, uint32_t *max)
{
    static const struct {
        const char *section;
        enum nmx__ho_table table;
        uint32_t max;
    } map[] = {
        {"TCP_HandoffSet", NMX_HO_TCP_PORT, 65535},   {"UDP_HandoffSet", NMX_HO_UDP_PORT, 65535},
        {"IP_HandoffSet", NMX_HO_IP_PROTO, 255},      {"IP6_HandoffSet", NMX_HO_IP_PROTO, 255},
        {"IPV6_HandoffSet", NMX_HO_IP_PROTO, 255},    {"ETYPES", NMX_HO_ETHERTYPE, 65535},
        {"ETYPE_HandoffSet", NMX_HO_ETHERTYPE, 65535}, {"SAPS", NMX_HO_LLC_SAP, 255},
        {"SAP_HandoffSet", NMX_HO_LLC_SAP, 255},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (nmx__streq_nocase(sec, map[i].section)) {
            *t = map[i].table;
            *max = map[i].max;
            return true;
        }
    return false;
}

static void shadow_handoffs(int dll)
{
    for (unsigned i = 0; i < nhandoffs; i++) {
        const plug_handoff_t *h = &handoffs[i];
        enum nmx__ho_table t;
        uint32_t max;
        if (h->dll != dll || !h->in || !section_table(h->section, &t, &max) || h->value > max)
            continue; /* another parser's set: only CreateHandoffTable reads it */
        const plug_proto_t *pp = pp_by_name(h->protocol, dll);
        if (pp != NULL && pp->reg != NULL)
            nmx__handoff_add(nmx__proto_id(pp->reg), t, h->value);
    }
}

/* ===================================================================== */
/* The trampoline: a plug-in protocol's dissect function                  */
/* ===================================================================== */

static plug_proto_t *pp_by_id(unsigned id)
{
    for (unsigned i = 0; i < nprotos; i++)
        if (protos[i].reg != NULL && nmx__proto_id(protos[i].reg) == id)
            return &protos[i];
    return NULL;
}

static bool plugin_dissect(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    plug_proto_t *pp = pp_by_id(proto);
    /* Not bound (the host, or a parser that did not load): not this protocol. */
    if (pp == NULL || mode != NMX_PLUGIN_BIND || !pp->created || pp->ep.RecognizeFrame == NULL ||
        d->depth >= NMX_MAX_DEPTH)
        return false;
    unsigned nrec = d->rt->nRecognizeDatas;
    HPROTOCOL hprev = NULL;
    DWORD prevoff = 0, mac = MAC_TYPE_UNKNOWN;
    if (nrec > 0) {
        const RECOGNIZEDATA *r = &d->rt->RecognizeData[nrec - 1];
        const nmx_protocol_t *prev = nmx__proto_by_id(r->ProtocolID);
        hprev = prev != NULL ? nmx__proto_handle(prev) : NULL;
        prevoff = r->nProtocolOffset;
        /* the link layer: the first, or the one after a NetMon comment's wrapper */
        unsigned first = d->rt->RecognizeData[0].ProtocolID;
        if (first == NMX_PROTO_NETMON_HEADER && nrec > 1)
            first = d->rt->RecognizeData[1].ProtocolID;
        mac = first == NMX_PROTO_ETH ? MAC_TYPE_ETHERNET : first == NMX_PROTO_FDDI ? MAC_TYPE_FDDI
                                                                                  : MAC_TYPE_UNKNOWN;
    }
    pcall_t call = {d, proto, false};
    pcall_t *saved = cur;
    cur = &call;
    HFRAME hf = (HFRAME)(void *)&call;
    ULPBYTE frame = (ULPBYTE)(uintptr_t)d->frame, here = (ULPBYTE)(uintptr_t)c.p;
    DWORD status = PROTOCOL_STATUS_NOT_RECOGNIZED, left = (DWORD)c.left;
    HPROTOCOL next = NULL;
    DWORD_PTR inst = 0;
    set_running(pp->dll);
    LPBYTE ret = pp->ep.RecognizeFrame(hf, frame, here, mac, left, hprev, prevoff, &status, &next, &inst);
    clear_running();
    if (status != PROTOCOL_STATUS_RECOGNIZED && status != PROTOCOL_STATUS_CLAIMED &&
        status != PROTOCOL_STATUS_NEXT_PROTOCOL) {
        cur = saved;
        return false; /* the next candidate gets the bytes */
    }
    if (!nmx__push_layer(d, proto, nmx__off(&c))) {
        cur = saved;
        return true;
    }
    if (d->ws != NULL && pp->ep.AttachProperties != NULL) {
        call.attaching = true;
        set_running(pp->dll);
        pp->ep.AttachProperties(hf, frame, here, mac, left, hprev, prevoff, inst);
        clear_running();
    }
    cur = saved;
    /* Where the parser says its data ends; anything outside its bytes is
     * taken as "all of them". */
    size_t used = c.left;
    if (status != PROTOCOL_STATUS_CLAIMED && ret != NULL && (uintptr_t)ret >= (uintptr_t)c.p &&
        (uintptr_t)ret <= (uintptr_t)c.p + c.left)
        used = (size_t)((uintptr_t)ret - (uintptr_t)c.p);
    if (status == PROTOCOL_STATUS_NEXT_PROTOCOL && used < c.left) {
        const nmx_protocol_t *np = nmx__proto_from_handle(next);
        if (np != NULL && np->dissect != NULL && nmx__cur_skip(&c, used)) {
            d->depth++;
            np->dissect(d, c, nmx__proto_id(np));
            d->depth--;
        }
    }
    return true;
}

bool nmx__plugin_format(const nmx_dissection_t *ds, HFRAME hFrame, const PROPERTYINST *pi, char *out,
                        size_t outlen)
{
    const nmx_field_t *f = nmx__field_from_info(pi->lpPropertyInfo);
    plug_proto_t *pp = f != NULL ? pp_by_id(f->proto) : NULL;
    if (pp == NULL || mode != NMX_PLUGIN_BIND || !pp->created || pp->ep.FormatProperties == NULL || outlen == 0)
        return false;
    DWORD off = 0; /* where the protocol's first header starts */
    for (DWORD i = 0; ds->recog != NULL && i < ds->recog->nRecognizeDatas; i++)
        if (ds->recog->RecognizeData[i].ProtocolID == f->proto) {
            off = ds->recog->RecognizeData[i].nProtocolOffset;
            break;
        }
    /* The parser formats a copy into a buffer of ours (FormatStringSize is
     * at most 256 for its properties): it never writes the dissection. */
    static _Thread_local char text[4096];
    memset(text, 0, sizeof text);
    PROPERTYINST copy = *pi;
    copy.szPropertyText = text;
    ULPBYTE frame = (ULPBYTE)(uintptr_t)ds->data;
    set_running(pp->dll);
    pp->ep.FormatProperties(hFrame, frame, frame + off, 1, &copy);
    clear_running();
    text[sizeof text - 1] = '\0';
    if (text[0] == '\0')
        return false;
    nmx__strlcpy(out, text, outlen);
    for (char *c = out; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' '; /* one line, as every property text */
    return true;
}
