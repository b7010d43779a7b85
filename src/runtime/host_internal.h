/*
 * host_internal.h - the host object behind nmx_host_t (host.c) and what the
 * run and configure code need from it.
 */
#ifndef NMX_RUNTIME_HOST_INTERNAL_H
#define NMX_RUNTIME_HOST_INTERNAL_H

#include <stddef.h>

#include <netmon.h>
#include <nmexpert/host.h>

typedef struct nmx_host_expert {
    char *path;
    char *module;
    char name[EXPERTSTRINGLENGTH];
    char vendor[EXPERTSTRINGLENGTH];
    char description[EXPERTSTRINGLENGTH];
    DWORD version;
    DWORD flags;
    int configurable;
    DWORD options;          /* NmxExpertOptions */
    char *load_error;       /* NULL when Register succeeded */
    nmx_expert_info_t pub;  /* view returned by nmx_host_expert() */
} nmx_host_expert_t;

struct nmx_host {
    char **dirs;            /* --experts-dir, searched first */
    size_t ndirs;
    nmx_host_expert_t *experts;
    size_t nexperts;
};

/* Registers the module at path (isolated: in a child process). */
nmx_host_expert_t *nmx_host_register_path(nmx_host_t *host, const char *path, int isolated);

/* Finds an expert by module name (case-insensitive) or registers a path. */
nmx_host_expert_t *nmx_host_find(nmx_host_t *host, const char *which, int isolated);

/* $XDG_CONFIG_HOME/nmexpert/<sub> (else ~/.config/nmexpert/<sub>) into
 * out, created (0700) when `create`; 0 or -1 (config.c).  Stored expert
 * configurations live in "experts", the Win32 .ini profiles in "ini". */
int nmx_config_subdir(const char *sub, char *out, size_t n, bool create);

#endif /* NMX_RUNTIME_HOST_INTERNAL_H */
