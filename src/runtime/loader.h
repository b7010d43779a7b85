/*
 * loader.h - loading one expert module: dlopen, DllMain, Register (spec 1.2,
 * 3.1, 3.2), and unloading it again.
 */
#ifndef NMX_RUNTIME_LOADER_H
#define NMX_RUNTIME_LOADER_H

#include <limits.h>
#include <stddef.h>

#include <netmon.h>
#include <nmexpert/host.h>

typedef BOOL(WINAPI *nmx_dllmain_fn)(HINSTANCE, ULONG, LPVOID);

typedef struct nmx_module {
    void *dl;                    /* dlopen handle */
    nmx_dllmain_fn dllmain;      /* optional export */
    PEXPERTREGISTERPROC reg;
    PEXPERTCONFIGPROC configure; /* NULL unless exported AND flagged configurable */
    PEXPERTRUNPROC run;
    EXPERTENUMINFO info;         /* what Register reported, private fields filled by us */
    DWORD options;               /* NmxExpertOptions, 0 when not exported */
    const char *merge;                  /* NmxExpertMerge, NULL when not exported (the module's memory) */
    const NMX_EXPERT_SETTING *settings; /* NmxExpertSettings, NULL when not exported (the module's memory) */
} nmx_module_t;

/*
 * Loads the module at `path` and registers it.  On failure returns
 * NMERR_LOAD_EXPERT_FAILED or NMERR_EXPERT_REPORT_FAILED, stores the
 * EXPERTSUBSTATUS_ABORTED_* reason in *substatus and a message (with the
 * dlerror text where there is one) in err.  `need_run` makes a missing Run
 * export a failure (it always is for running; listing tolerates it).
 */
DWORD nmx__module_load(const char *path, nmx_module_t *m, DWORD *substatus, char *err, size_t errlen);

/* DllMain(DLL_PROCESS_DETACH) when exported, then dlclose. */
void nmx__module_unload(nmx_module_t *m);

/* nmx_module_name() is part of the embedding API (nmexpert/host.h). */

#endif /* NMX_RUNTIME_LOADER_H */
