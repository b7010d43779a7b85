/*
 * plugin.h - parser plug-ins (NetMon 2 parser DLLs) in the parser layer:
 * the state behind CreateProtocol, CreatePropertyDatabase, AddProperty,
 * AttachPropertyInstance(Ex), FormatPropertyInstance and the hand-off
 * tables (parser_api.c), and what the runtime (runtime/parsers.c) calls to
 * probe, describe, enter and bind them.  docs/writing-a-parser.md has the
 * picture:
 *
 *  - probe (a contained child of the host, thrown away): the DLL's
 *    ParserAutoInstallInfo, DllMain(DLL_PROCESS_ATTACH) and every Register
 *    run with the calls *recording* what the parser says; the child writes
 *    the description (nmx__plugin_describe) to the host;
 *  - host: nmx__plugin_enter() reads the description without trusting it
 *    and enters "shadow" protocols (names, properties, hand-offs, no code)
 *    into the registry, so that names, filters and the report know them;
 *  - expert process: the DLL is loaded again, DllMain's CreateProtocol
 *    *binds* the shadow entry of that name to the parser's entry points,
 *    Register's AddProperty binds each property, and the dissectors call
 *    RecognizeFrame and AttachProperties through a trampoline.
 *
 * The host process never runs parser code.
 */
#ifndef NMX_PROTO_PLUGIN_H
#define NMX_PROTO_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netmon.h>

/* Limits on what a parser DLL may declare. */
#define NMX_PLUGIN_MAX_DLLS 32
#define NMX_PLUGIN_MAX_PROTOS 64     /* all DLLs together */
#define NMX_PLUGIN_MAX_PROPS 512     /* per protocol */
#define NMX_PLUGIN_MAX_SET 1024      /* entries of one labelled set */
#define NMX_PLUGIN_MAX_HANDOFFS 1024 /* all DLLs together */
#define NMX_PLUGIN_DESC_MAX (1024u * 1024u)

enum nmx_plugin_mode {
    NMX_PLUGIN_OFF = 0, /* no parser loaded in this process: the calls fail */
    NMX_PLUGIN_PROBE,   /* recording (the probe child) */
    NMX_PLUGIN_BIND,    /* binding to the entered shadow protocols (an expert process) */
};

/* Mode of this process's calls, and which DLL (index into the run's
 * parser list) is running its DllMain / Register. */
void nmx__plugin_set_mode(enum nmx_plugin_mode mode);
void nmx__plugin_set_dll(int dll);

/* Calls Register of every protocol DLL `dll` created (after its DllMain). */
void nmx__plugin_register_all(int dll);

/*
 * Probe: writes the description of what DLL `dll` declared (its
 * PF_PARSERDLLINFO, which may be NULL, and the protocols and properties it
 * created) as text lines into out; returns the length, or 0 with a message
 * in err when the parser declared something unusable.
 */
size_t nmx__plugin_describe(int dll, const PF_PARSERDLLINFO *info, char *out, size_t outlen,
                            char *err, size_t errlen);

/*
 * Host: reads a description (untrusted bytes) of DLL `dll` loaded from
 * `path`, checks it and enters its protocols into the registry.  0, or -1
 * with a message.
 */
int nmx__plugin_enter(int dll, const char *path, const char *desc, size_t len, char *err,
                      size_t errlen);

/* Expert process, after DLL `dll`'s DllMain and Register: 0 when every
 * protocol it described is bound to entry points, else -1 with a message. */
int nmx__plugin_check_bound(int dll, char *err, size_t errlen);

/* Protocols entered. */
unsigned nmx__plugin_count(void);

/*
 * Expert process: the text the parser's FormatProperties gives property
 * instance pi of dissection ds ("Label: value", as its format function
 * writes it), into out.  False when pi is no bound parser's, the parser
 * has no FormatProperties, or it wrote nothing: the caller renders the
 * value itself.
 */
struct nmx_dissection;
bool nmx__plugin_format(const struct nmx_dissection *ds, HFRAME hFrame, const PROPERTYINST *pi, char *out,
                        size_t outlen);

/* Where the trampoline notes which DLL's code is running (1-based, 0 =
 * none): the expert's control page, which the host reads after a crash. */
void nmx__plugin_set_running_slot(_Atomic int32_t *slot);

#endif /* NMX_PROTO_PLUGIN_H */
