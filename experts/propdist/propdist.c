/*
 * propdist.c - the Property Distribution expert (Propdist.dll, spec 8.1).
 *
 * Counts the values one property takes over the capture: a summary event
 * (EventIdent 1: the protocol, the property, how many frames carry it, and
 * Min/Max/Mean for numbers) and one event per distinct value (EventIdent
 * 2: the value as tshark -T fields prints it, how many instances have it,
 * and its share of all instances).  A frame with two instances of the
 * property counts twice, as tshark -E occurrence=a lists both.
 *
 * The property comes from the settings (property=KEY, bit=N) or, for a
 * right-click start, from the startup information (spec 1.3, 8.1).  Frames
 * are fetched without properties; only frames whose recognize table shows
 * a protocol that can carry the property are dissected (on demand, through
 * FindPropertyInstanceRestart).  README.md has the details.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netmon.h>

#include "eu_containers.h"
#include "eu_event.h"
#include "eu_packet.h"
#include "eu_run.h"
#include "eu_settings.h"

#define EXPERT_NAME "Property Distribution"

/* Longest value text kept; longer values are cut (and counted as the cut
 * text).  GetPropertyText renders at most 1023 characters anyway. */
#define VALUE_MAX 1100

typedef struct settings {
    char property[256];  /* KEY, or "" */
    int bit;             /* -1: none */
    unsigned given;      /* 1 property, 2 bit */
    char error[300];
} settings_t;

/* One KEY=VALUE setting (eu_parse_settings callback); non-zero when bad. */
static int set_one(void *ctx, const char *key, const char *value)
{
    settings_t *s = ctx;
    if (eu_streq_nocase(key, "property")) {
        if (value[0] == '\0') {
            snprintf(s->error, sizeof s->error, "propdist: property wants a field name such as dns.qry.name");
            return 1;
        }
        snprintf(s->property, sizeof s->property, "%s", value);
        s->given |= 1;
        return 0;
    }
    if (eu_streq_nocase(key, "bit")) {
        uint64_t v;
        if (!eu_parse_uint(value, 63, &v)) {
            snprintf(s->error, sizeof s->error, "propdist: bad value '%s' for bit (0 to 63)", value);
            return 1;
        }
        s->bit = (int)v;
        s->given |= 2;
        return 0;
    }
    snprintf(s->error, sizeof s->error, "propdist: unknown setting '%s' (known: property, bit)", key);
    return 1;
}

/* Parses the configuration; -1 with s->error set when it is not valid. */
static int read_settings(const EXPERTCONFIG *cfg, settings_t *s)
{
    memset(s, 0, sizeof *s);
    s->bit = -1;
    return eu_read_settings(cfg, set_one, s, s->error, sizeof s->error, "propdist: settings are KEY=VALUE lines");
}

/* ---- the property -------------------------------------------------------- */

/* What Run analyses. */
typedef struct target {
    HPROPERTY hprop;
    LPPROPERTYINFO info;
    const char *key;        /* field name shown in the Property column */
    const char *proto;      /* protocol name shown in the Protocol column */
    WORD proto_id;          /* owner's ProtocolID, 0xFFFF if unknown */
    HPROTOCOL owner;        /* ... and its handle, NULL if unknown */
    int numeric;            /* an integer property: Min/Max/Mean */
    int bit;                /* bit reported (value 1/0), -1 for the value itself */
    unsigned width;         /* bits in the property's integer type */
} target_t;

/* Bits of an integer DataType, or 0 for any other type. */
static unsigned int_bits(BYTE type)
{
    switch (type) {
    case PROP_TYPE_BYTE: return 8;
    case PROP_TYPE_WORD:
    case PROP_TYPE_BYTESWAPPED_WORD: return 16;
    case PROP_TYPE_DWORD:
    case PROP_TYPE_BYTESWAPPED_DWORD: return 32;
    case PROP_TYPE_LARGEINT:
    case PROP_TYPE_VAR_LEN_SMALL_INT: return 64;
    default: return 0;
    }
}

/* The single bit of a one-flag FLAGS property, or -1. */
static int flag_bit(const PROPERTYINFO *info)
{
    if (info->DataQualifier != PROP_QUAL_FLAGS || info->lpSet == NULL || info->lpSet->nEntries != 1 ||
        info->lpSet->lpLabeledBit == NULL)
        return -1;
    return info->lpSet->lpLabeledBit[0].BitNumber;
}

/* The name a property is known by: nmexpert's parsers keep the Wireshark
 * field name in Comment (NetMon kept a description there, which has
 * spaces: then the Label is used). */
static const char *field_name(const PROPERTYINFO *info)
{
    if (info->Comment != NULL && info->Comment[0] != '\0' && strchr(info->Comment, ' ') == NULL)
        return info->Comment;
    return info->Label != NULL ? info->Label : "";
}

/* Finds the protocol whose property database holds hprop. */
static void find_owner(HCAPTURE cap, target_t *t)
{
    t->proto = "";
    t->proto_id = 0xFFFF;
    t->owner = NULL;
    LPPROTOCOLTABLE pt = GetEnabledProtocols(cap);
    for (DWORD i = 0; pt != NULL && i < pt->nProtocols; i++) {
        LPPROTOCOLINFO pi = GetProtocolInfo(pt->hProtocol[i]);
        if (pi == NULL || pi->PropertyDatabase == NULL)
            continue;
        for (DWORD k = 0; k < pi->PropertyDatabase->nProperties; k++) {
            LPPROPERTYINFO q = pi->PropertyDatabase->PropertyInfo[k];
            if (q != NULL && q->hProperty == t->hprop) {
                t->proto = (const char *)pi->ProtocolName;
                t->proto_id = (WORD)pi->ProtocolID;
                t->owner = pt->hProtocol[i];
                return;
            }
        }
    }
}

/*
 * Resolves a property name: a field name ("dns.qry.name"), or
 * "PROTOCOL.Label" ("IP.Time to Live").  Returns 0 when not found.
 */
static HPROPERTY resolve_name(const char *name)
{
    HPROPERTY h = GetProperty(NULL, (LPSTR)name);
    if (h != 0)
        return h;
    const char *dot = strchr(name, '.');
    if (dot == NULL || dot == name || (size_t)(dot - name) >= 64)
        return 0;
    char proto[64];
    memcpy(proto, name, (size_t)(dot - name));
    proto[dot - name] = '\0';
    HPROTOCOL hp = GetProtocolFromName(proto);
    if (hp == NULL)
        return 0;
    h = GetProperty(hp, (LPSTR)name);
    if (h != 0)
        return h;
    /* Another name of the protocol with a field name: "IPv4.ttl". */
    LPPROTOCOLINFO pi = GetProtocolInfo(hp);
    char full[320];
    if (pi == NULL || snprintf(full, sizeof full, "%s%s", (const char *)pi->ProtocolName, dot) >= (int)sizeof full)
        return 0;
    return GetProperty(hp, full);
}

/*
 * Fills *t from the startup information or the settings.  Returns 0 with
 * t->hprop == 0 when no property is configured, 0 when ready, or an NMERR
 * code with msg set.
 */
static DWORD choose_target(const settings_t *s, PEXPERTSTARTUPINFO si, DWORD flags, target_t *t, char *msg,
                           size_t msglen)
{
    memset(t, 0, sizeof *t);
    t->bit = -1;
    int bit = -1;
    int from_startup = 0;
    if ((flags & EXPERT_STARTUP_FLAG_USE_STARTUP_DATA_OVER_CONFIG_DATA) && si->lpPropertyInst != NULL &&
        si->lpPropertyInst->lpPropertyInfo != NULL) {
        t->hprop = si->lpPropertyInst->lpPropertyInfo->hProperty;
        from_startup = 1;
    } else if (s->given & 1) {
        t->hprop = resolve_name(s->property);
        if (t->hprop == 0) {
            snprintf(msg, msglen, "propdist: no property '%.120s' (a field name such as dns.qry.name, or "
                     "PROTOCOL.Label)", s->property);
            return NMERR_PROPERTY_NOT_FOUND;
        }
        bit = s->bit;
    } else {
        return 0; /* nothing to analyse */
    }
    t->info = GetPropertyInfo(t->hprop);
    if (t->info == NULL) {
        snprintf(msg, msglen, "propdist: the host does not describe the chosen property");
        return NMERR_INVALID_HPROPERTY;
    }
    t->key = field_name(t->info);
    find_owner(si->hCapture, t);
    t->width = int_bits(t->info->DataType);
    int fbit = flag_bit(t->info);
    if (t->info->DataQualifier == PROP_QUAL_FLAGS) {
        /* A flag property: its values are the flag's state, 1 or 0.  A
         * startup bit number only matters for a set of several flags. */
        if (from_startup && fbit < 0)
            t->bit = si->sBitfield.BitNumber;
        if (!from_startup && bit >= 0 && bit != fbit) {
            snprintf(msg, msglen, "propdist: bit %d is not a flag of %s (its flag is bit %d)", bit, t->key, fbit);
            return NMERR_INVALID_PARAMETER;
        }
    } else if (bit >= 0) {
        if (t->width == 0) {
            snprintf(msg, msglen, "propdist: bit needs an integer property; %s is not one", t->key);
            return NMERR_INVALID_PARAMETER;
        }
        if ((unsigned)bit >= t->width) {
            snprintf(msg, msglen, "propdist: %s has %u bits; bit %d is out of range", t->key, t->width, bit);
            return NMERR_INVALID_PARAMETER;
        }
        t->bit = bit;
    } else {
        t->numeric = t->width > 0;
    }
    return 0;
}

/* ---- values ---------------------------------------------------------------- */


/* ---- distinct values: a string-keyed hash table in the expert heap ---------- */

typedef struct value {
    uint32_t text;    /* offset of the NUL-terminated text in the pool */
    uint32_t hash;
    uint64_t count;
} value_t;

typedef struct values {
    eu_vec_t v;       /* value_t: distinct values, in first-seen order */
    uint32_t *slot;   /* hash slots: index + 1, 0 = empty */
    size_t nslots;    /* a power of two */
    eu_vec_t pool;    /* char: the value texts */
} values_t;

static void values_init(values_t *t)
{
    memset(t, 0, sizeof *t);
    eu_vec_init(&t->v, sizeof(value_t), 64);
    eu_vec_init(&t->pool, 1, 64);
}

/* Value i, and the text at offset `off` of the pool. */
static value_t *value_at(const values_t *t, size_t i)
{
    return (value_t *)t->v.data + i;
}

static const char *text_at(const values_t *t, uint32_t off)
{
    return (const char *)t->pool.data + off;
}

/* The hash of a value's text. */
static uint32_t str_hash(const char *s, size_t n)
{
    return (uint32_t)eu_hash(s, n);
}

/* Rebuilds the hash slots with `nslots` slots (a power of two). */
static DWORD rehash(HEXPERTKEY key, values_t *t, size_t nslots)
{
    DWORD err = 0;
    uint32_t *s = ExpertAllocMemory(key, nslots * sizeof *s, &err);
    if (s == NULL)
        return err;
    for (size_t i = 0; i < t->v.len; i++) {
        size_t j = value_at(t, i)->hash & (nslots - 1);
        while (s[j] != 0)
            j = (j + 1) & (nslots - 1);
        s[j] = (uint32_t)i + 1;
    }
    if (t->slot != NULL)
        ExpertFreeMemory(key, t->slot);
    t->slot = s;
    t->nslots = nslots;
    return 0;
}

/* Counts one instance of the value `text`. */
static DWORD values_add(HEXPERTKEY key, values_t *t, const char *text)
{
    size_t len = strlen(text);
    uint32_t h = str_hash(text, len);
    if (t->nslots == 0 || ((size_t)t->v.len + 1) * 2 > t->nslots) {
        DWORD err = rehash(key, t, t->nslots == 0 ? 256 : t->nslots * 2);
        if (err != 0)
            return err;
    }
    size_t j = h & (t->nslots - 1);
    while (t->slot[j] != 0) {
        value_t *v = value_at(t, t->slot[j] - 1);
        if (v->hash == h && strcmp(text_at(t, v->text), text) == 0) {
            v->count++;
            return 0;
        }
        j = (j + 1) & (t->nslots - 1);
    }
    size_t used = t->pool.len;
    if (used + len + 1 > UINT32_MAX || (size_t)t->v.len + 1 > UINT32_MAX - 1)
        return NMERR_OUT_OF_MEMORY;
    DWORD err = eu_vec_reserve(key, &t->pool, used + len + 1);
    value_t *v = err == 0 ? eu_vec_push(key, &t->v, &err) : NULL;
    if (v == NULL)
        return err;
    memcpy((char *)t->pool.data + used, text, len + 1);
    t->pool.len = (uint32_t)(used + len + 1);
    v->text = (uint32_t)used;
    v->hash = h;
    v->count = 1;
    t->slot[j] = t->v.len;
    return 0;
}

/* Frees the table (ExpertFreeMemory ignores NULL). */
static void values_free(HEXPERTKEY key, values_t *t)
{
    eu_vec_free(key, &t->v);
    ExpertFreeMemory(key, t->slot);
    eu_vec_free(key, &t->pool);
    t->slot = NULL;
    t->nslots = 0;
}

/* ---- the run --------------------------------------------------------------------- */

/* Figures gathered over the frames. */
typedef struct stats {
    uint64_t frames;        /* frames examined */
    uint64_t with;          /* frames with at least one counted instance */
    uint64_t instances;     /* instances counted */
    uint64_t min, max;      /* numeric properties */
    long double sum;
} stats_t;

/* Which protocols make Run dissect a frame (indexed by ProtocolID). */
typedef struct prefilter {
    BYTE *want;
    size_t n;
    int all;                /* dissect every frame */
} prefilter_t;

/*
 * A frame is dissected when its recognize table lists a protocol whose
 * layers may hold the property (NmxProtocolMayHold: the property's own; one
 * that carries it inside, as SMB carries ntlmssp.* of its security blobs;
 * one with no properties of its own, as mDNS shows dns.*), or ICMP/ICMPv6
 * (an error quotes the IP and transport headers of the packet it answers,
 * and tshark shows their fields).  A property of a protocol no recognize
 * table names (the "frame" pseudo-protocol) means every frame.
 */
static DWORD prefilter_init(HEXPERTKEY key, HCAPTURE cap, const target_t *t, prefilter_t *pf)
{
    DWORD err = 0;
    memset(pf, 0, sizeof *pf);
    const char *owner = t->proto;
    if (t->proto_id == 0xFFFF || t->owner == NULL || eu_streq_nocase(owner, "frame")) {
        pf->all = 1;
        return 0;
    }
    pf->n = 0x10000;
    pf->want = ExpertAllocMemory(key, pf->n, &err);
    if (pf->want == NULL)
        return err;
    pf->want[t->proto_id] = 1;
    WORD icmp = eu_protocol_id("icmp"), icmpv6 = eu_protocol_id("icmpv6");
    if (icmp != 0xFFFF)
        pf->want[icmp] = 1;
    if (icmpv6 != 0xFFFF)
        pf->want[icmpv6] = 1;
    LPPROTOCOLTABLE pt = GetEnabledProtocols(cap);
    for (DWORD i = 0; pt != NULL && i < pt->nProtocols; i++) {
        LPPROTOCOLINFO pi = GetProtocolInfo(pt->hProtocol[i]);
        if (pi != NULL && pi->ProtocolID < pf->n && NmxProtocolMayHold(pt->hProtocol[i], t->owner))
            pf->want[pi->ProtocolID] = 1;
    }
    return 0;
}

/* Does the frame with this recognize table need dissecting? */
static int prefilter_pass(const prefilter_t *pf, const RECOGNIZEDATATABLE *rt)
{
    if (pf->all)
        return 1;
    if (rt == NULL)
        return 0;
    for (WORD i = 0; i < rt->nRecognizeDatas; i++)
        if (pf->want[rt->RecognizeData[i].ProtocolID])
            return 1;
    return 0;
}

/* Cuts an incomplete UTF-8 sequence off the end of a text (what a cut to
 * the buffer size may leave), so that the value stays valid UTF-8. */
static void utf8_trim(char *s)
{
    size_t n = strlen(s);
    size_t lead = n;
    while (lead > 0 && n - lead < 4 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80)
        lead--;
    if (lead == 0)
        return;
    unsigned char c = (unsigned char)s[lead - 1];
    size_t want = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    if (n - (lead - 1) < want)
        s[lead - 1] = '\0';
}

/* Strips "Label: " from GetPropertyText's "Label: value". */
static const char *value_part(const char *text, const char *label)
{
    size_t n = label != NULL ? strlen(label) : 0;
    if (n > 0 && strncmp(text, label, n) == 0 && text[n] == ':' && text[n + 1] == ' ')
        return text + n + 2;
    const char *c = strstr(text, ": ");
    return c != NULL ? c + 2 : text;
}

/* Counts the instances of one frame. */
static DWORD count_frame(HEXPERTKEY key, const target_t *t, HFRAME hf, values_t *vals, stats_t *st, char *buf)
{
    LPPROPERTYINST pi = NULL;
    int counted = 0;
    for (;;) {
        LPPROPERTYINST restart = pi;
        BhSetLastError(0);
        pi = FindPropertyInstanceRestart(hf, t->hprop, &restart, TRUE);
        if (pi == NULL) {
            DWORD e = BhGetLastError();
            if (e != 0 && e != NMERR_PROPERTY_NOT_FOUND)
                return e;
            break;
        }
        if (pi->IFlags & IFLAG_ERROR)
            continue; /* malformed data: tshark shows no value either */
        const char *text;
        uint64_t v = 0;
        if (t->bit >= 0) {
            if (!eu_inst_uint(pi, &v))
                continue;
            text = (v >> t->bit) & 1 ? "1" : "0";
        } else {
            if (GetPropertyText(hf, pi, buf, VALUE_MAX) == NULL) {
                DWORD e = BhGetLastError();
                return e != 0 ? e : NMERR_INVALID_DATA;
            }
            utf8_trim(buf);
            text = value_part(buf, t->info->Label);
            if (t->numeric && eu_inst_uint(pi, &v)) {
                if (st->instances == 0 || v < st->min)
                    st->min = v;
                if (st->instances == 0 || v > st->max)
                    st->max = v;
                st->sum += (long double)v;
            }
        }
        DWORD err = values_add(key, vals, text);
        if (err != 0)
            return err;
        st->instances++;
        counted = 1;
    }
    if (counted)
        st->with++;
    return 0;
}

/* Sorting value rows: count descending, then text (ctx: the values_t). */
static int value_cmp(const void *a, const void *b, void *ctx)
{
    const value_t *x = a, *y = b;
    const values_t *t = ctx;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(text_at(t, x->text), text_at(t, y->text));
}

/* Submits the summary, then one event per distinct value. */
static DWORD report(HEXPERTKEY key, const target_t *t, values_t *vals, const stats_t *st)
{
    eu_event_t ev = {0};
    DWORD err = eu_event_init(key, &ev, EXPERT_NAME, 1);
    if (err != 0)
        return err;
    eu_event_row(&ev, 1);
    ev.ev->szEventName = (LPSTR) "Property summary";
    eu_col_str(&ev, "Protocol", t->proto);
    eu_col_str(&ev, "Property", t->key);
    eu_col_u64(&ev, "# Frames", st->with);
    eu_col_f64(&ev, "% Frames", st->frames > 0 ? 100.0 * (double)st->with / (double)st->frames : 0.0);
    if (t->numeric) {
        int any = st->instances > 0;
        /* UINT64 for every integer property, whatever its width */
        eu_col_u64(&ev, "Min", any ? st->min : 0);
        eu_col_u64(&ev, "Max", any ? st->max : 0);
        eu_col_f64(&ev, "Mean", any ? (double)(st->sum / (long double)st->instances) : 0.0);
    }
    err = eu_event_submit(key, &ev);

    eu_sort(vals->v.data, vals->v.len, sizeof(value_t), value_cmp, vals);
    for (size_t i = 0; i < vals->v.len && err == 0; i++) {
        const value_t *v = value_at(vals, i);
        eu_event_row(&ev, 2);
        ev.ev->szEventName = (LPSTR) "Value count";
        eu_col_str(&ev, "Value", text_at(vals, v->text));
        eu_col_u64(&ev, "Count", v->count);
        eu_col_f64(&ev, "% of Set", 100.0 * (double)v->count / (double)st->instances);
        err = eu_event_submit(key, &ev);
    }
    eu_event_free(key, &ev);
    return err;
}

/* A shard run's totals, for `nmexpert merge`: frames examined, instances
 * counted and the sum of the values (text: it may not fit 63 bits). */
static DWORD report_totals(HEXPERTKEY key, const stats_t *st)
{
    eu_event_t ev = {0};
    DWORD err = eu_event_init(key, &ev, EXPERT_NAME, EU_TOTALS_IDENT);
    if (err != 0)
        return err;
    char sum[64];
    snprintf(sum, sizeof sum, "%.0Lf", st->sum);
    eu_event_row(&ev, EU_TOTALS_IDENT);
    ev.ev->szEventName = (LPSTR) "Shard totals";
    eu_col_u64(&ev, "Frames", st->frames);
    eu_col_u64(&ev, "Instances", st->instances);
    eu_col_str(&ev, "Sum", sum);
    err = eu_event_submit(key, &ev);
    eu_event_free(key, &ev);
    return err;
}

/* How the reports of shards merge (netmon.h, docs/scale.md): counts add up,
 * shares and the mean are taken again of the shards' totals (event 999, in
 * shard runs only), minimum and maximum over the shards that saw a value. */
NMX_EXPERT_EXPORT const char NmxExpertMerge[] = "1:Protocol=same\n"
                                                "1:Property=same\n"
                                                "1:# Frames=sum\n"
                                                "1:% Frames=share # Frames,999:Frames\n"
                                                "1:Min=min 999:Instances\n"
                                                "1:Max=max 999:Instances\n"
                                                "1:Mean=lmean 999:Sum,999:Instances\n"
                                                "2:Value=key\n"
                                                "2:Count=sum\n"
                                                "2:% of Set=share Count,999:Instances\n"
                                                "999:=totals\n"
                                                "2:=order -Count,+~Value\n";

/* The settings, declared for `nmexpert list --settings` and checked before a run. */
NMX_EXPERT_EXPORT const NMX_EXPERT_SETTING NmxExpertSettings[] = {
    {"property", "", "", "the property to count: a field name (ip.ttl) or PROTOCOL.Label; see nmexpert fields"},
    {"bit", "", "0..63", "with a flag property: count this bit only"},
    {NULL, NULL, NULL, NULL},
};

/* Register: the display name and a one-line description. */
EU_REGISTER_AS(EXPERT_NAME,
               "The values one property takes across the capture, and how often "
               "(choose it with property=KEY, e.g. ip.ttl)")

/*
 * Validates the settings and returns their normalised text.  Started from
 * a property (right-click: the startup flag and a property instance), it
 * makes the configuration from that property, as the SDK sample seeds its
 * dialog.
 */
BOOL WINAPI Configure(HEXPERTKEY hExpertKey, PEXPERTCONFIG *ppConfig, PEXPERTSTARTUPINFO pExpertStartupInfo,
                      DWORD StartupFlags, HWND hWnd)
{
    (void)hWnd;
    if (ppConfig == NULL)
        return FALSE;
    settings_t s;
    if (read_settings(*ppConfig, &s) != 0)
        return FALSE;
    if (pExpertStartupInfo != NULL && (StartupFlags & EXPERT_STARTUP_FLAG_USE_STARTUP_DATA_OVER_CONFIG_DATA) &&
        pExpertStartupInfo->lpPropertyInst != NULL && pExpertStartupInfo->lpPropertyInst->lpPropertyInfo != NULL) {
        const PROPERTYINFO *info = pExpertStartupInfo->lpPropertyInst->lpPropertyInfo;
        snprintf(s.property, sizeof s.property, "%s", field_name(info));
        s.given |= 1;
        s.bit = -1;
        s.given &= ~2u;
        if (info->DataQualifier == PROP_QUAL_FLAGS && flag_bit(info) < 0) {
            s.bit = pExpertStartupInfo->sBitfield.BitNumber;
            s.given |= 2;
        }
    } else if (*ppConfig == NULL) {
        return FALSE;
    }
    if (s.given & 1) {
        /* Store the property under its field name ("IP.Time to Live" and
         * "IP.TTL" become "ip.ttl"). */
        HPROPERTY h = resolve_name(s.property);
        LPPROPERTYINFO info = h != 0 ? GetPropertyInfo(h) : NULL;
        if (info == NULL)
            return FALSE;
        const char *key = field_name(info);
        if (key[0] != '\0')
            snprintf(s.property, sizeof s.property, "%s", key);
    }
    char text[320] = "", num[8];
    if (s.given & 1)
        eu_config_line(text, sizeof text, "property", s.property);
    if (s.given & 2) {
        snprintf(num, sizeof num, "%d", s.bit);
        eu_config_line(text, sizeof text, "bit", num);
    }
    return eu_config_store(hExpertKey, ppConfig, text) == 0;
}

/* What Run gathers over the frames. */
typedef struct run {
    HEXPERTKEY key;
    target_t t;
    values_t vals;
    stats_t st;
    prefilter_t pf;
    char *buf;              /* VALUE_MAX bytes: a value's text */
} run_t;

/* Counts the property's instances in one frame (eu_walk callback). */
static DWORD run_frame(void *ctx, EXPERTFRAMEDESCRIPTOR *fd)
{
    run_t *r = ctx;
    r->st.frames++;
    if (!prefilter_pass(&r->pf, fd->lpRecognizeDataTable))
        return 0;
    return count_frame(r->key, &r->t, fd->hFrame, &r->vals, &r->st, r->buf);
}

/* The walk and the report, once the property is known. */
static DWORD run_property(run_t *r, PEXPERTSTARTUPINFO si, DWORD flags, eu_walk_t *walk)
{
    DWORD err = prefilter_init(r->key, si->hCapture, &r->t, &r->pf);
    if (err != 0)
        return err;
    r->buf = ExpertAllocMemory(r->key, VALUE_MAX, &err);
    if (r->buf == NULL)
        return err;
    err = eu_walk(walk, run_frame, r);
    if (err == 0)
        err = report(r->key, &r->t, &r->vals, &r->st);
    if (err == 0 && (flags & NMX_EXPERT_STARTUP_FLAG_SHARD))
        err = report_totals(r->key, &r->st);
    return err;
}

BOOL WINAPI Run(HEXPERTKEY hExpertKey, PEXPERTCONFIG pConfig, PEXPERTSTARTUPINFO pExpertStartupInfo,
                DWORD StartupFlags, HWND hWndParent)
{
    (void)hWndParent;
    HEXPERTKEY key = hExpertKey;
    if (!eu_run_begin(key, "counting property values", NULL))
        return FALSE;
    if (!eu_need_capture(key, pExpertStartupInfo, "propdist"))
        return FALSE;
    /* A right-click start uses the startup information and ignores the
     * stored configuration (spec 3.4). */
    int rmc = (StartupFlags & EXPERT_STARTUP_FLAG_USE_STARTUP_DATA_OVER_CONFIG_DATA) != 0 &&
              pExpertStartupInfo->lpPropertyInst != NULL;
    settings_t s;
    if (read_settings(rmc ? NULL : pConfig, &s) != 0) {
        eu_problem(key, NMERR_INVALID_PARAMETER, 0, "%s", s.error);
        return FALSE;
    }
    run_t r = {.key = key};
    char msg[EXPERTSTRINGLENGTH];
    DWORD err = choose_target(&s, pExpertStartupInfo, StartupFlags, &r.t, msg, sizeof msg);
    if (err != 0) {
        eu_problem(key, err, 0, "%s", msg);
        return FALSE;
    }
    if (r.t.hprop == 0) {
        /* Nothing configured: finish without events and without a word,
         * so that a default run of every expert shows nothing for it (how
         * to choose a property: README.md, nmexpert list). */
        ExpertIndicateStatus(key, EXPERTSTATUS_RUNNING, 0, "", 0);
        return TRUE;
    }
    values_init(&r.vals);
    eu_walk_t walk;
    eu_walk_init(&walk, key, pExpertStartupInfo);
    err = run_property(&r, pExpertStartupInfo, StartupFlags, &walk);
    eu_walk_stopped(&walk, err, "propdist");
    values_free(key, &r.vals);
    ExpertFreeMemory(key, r.pf.want);
    ExpertFreeMemory(key, r.buf);
    return err == 0;
}
