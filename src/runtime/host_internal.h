/*
 * host_internal.h - the host object behind nmx_host_t (host.c) and what the
 * run and configure code need from it.
 */
#ifndef NMX_RUNTIME_HOST_INTERNAL_H
#define NMX_RUNTIME_HOST_INTERNAL_H

#include <stddef.h>

#include <netmon.h>
#include <nmexpert/host.h>

/* What a module's Register (and its exported SDK tables) says about it:
 * the discovery child fills it and the host keeps it. */
typedef struct nmx_expert_reg {
    char name[EXPERTSTRINGLENGTH];
    char vendor[EXPERTSTRINGLENGTH];
    char description[EXPERTSTRINGLENGTH];
    DWORD version;
    DWORD flags;
    int configurable;
    DWORD options;          /* NmxExpertOptions */
} nmx_expert_reg_t;

typedef struct nmx_host_expert {
    char *path;
    char *module;
    nmx_expert_reg_t reg;   /* as registered (name: the module name when it failed to load) */
    char *load_error;       /* NULL when Register succeeded */
    nmx_setting_desc_t *settings; /* declared settings (strings in settings_text) */
    size_t nsettings;
    char *settings_text;
    char *merge;            /* NmxExpertMerge text, or NULL */
    nmx_expert_info_t pub;  /* view returned by nmx_host_expert() */
} nmx_host_expert_t;

struct nmx_host {
    char **dirs;            /* --experts-dir, searched first */
    size_t ndirs;
    nmx_host_expert_t **experts; /* each allocated alone: a pointer to one stays valid
                                    until nmx_host_free, however many follow */
    size_t nexperts;
};

/* ---- declared settings (settings_decl.c) ---- */

/* Bytes of the declared settings a discovery child sends back, at most. */
#define NMX_SETTINGS_WIRE_MAX 16384u

/* Writes a module's NmxExpertSettings table (the module's own memory, in
 * the discovery child) as records into buf; returns the bytes used. */
size_t nmx__settings_encode(const NMX_EXPERT_SETTING *table, char *buf, size_t size);

/* Parses what a discovery child sent (untrusted bytes) into e->settings;
 * false when out of memory. */
bool nmx__settings_decode(nmx_host_expert_t *e, const char *buf, size_t len);

/* Registers the module at path (isolated: in a child process). */
nmx_host_expert_t *nmx__host_register_path(nmx_host_t *host, const char *path, int isolated);

/* Finds an expert by module name (case-insensitive) or registers a path. */
nmx_host_expert_t *nmx__host_find(nmx_host_t *host, const char *which, int isolated);

/* $XDG_CONFIG_HOME/nmexpert/<sub> (else ~/.config/nmexpert/<sub>) into
 * out, created (0700) when `create`; 0 or -1 (config.c).  Stored expert
 * configurations live in "experts", the Win32 .ini profiles in "ini". */
int nmx__config_subdir(const char *sub, char *out, size_t n, bool create);

#endif /* NMX_RUNTIME_HOST_INTERNAL_H */
