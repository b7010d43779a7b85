/*
 * loader.c - dlopen an expert, call DllMain and Register, find its entry
 * points (spec 1.2, 1.3, 3.1, 3.2); unload it again.
 *
 * Entry points are looked up in the module's own handle (RTLD_LOCAL): the
 * names Register/Configure/Run are generic and would collide globally.  The
 * module's undefined Expert* symbols resolve against libnmapi.so, which the
 * host has loaded globally, so experts need no link flags.
 */
#include "runtime/loader.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "common/strutil.h"

NMX_EXPORT void nmx_module_name(const char *path, char *out, size_t outlen)
{
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    if (strncmp(base, "lib", 3) == 0 && base[3] != '\0' && strncmp(base + 3, ".so", 3) != 0)
        base += 3;
    size_t n = strlen(base);
    const char *so = strstr(base, ".so");
    if (so != NULL && (so[3] == '\0' || so[3] == '.'))
        n = (size_t)(so - base);
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, base, n);
    out[n] = '\0';
}

/* Looks a symbol up in the module only; NULL when it is not exported. */
static void *module_sym(void *dl, const char *name)
{
    dlerror();
    void *p = dlsym(dl, name);
    if (dlerror() != NULL)
        return NULL;
    return p;
}

DWORD nmx__module_load(const char *path, nmx_module_t *m, DWORD *substatus, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    *substatus = EXPERTSUBSTATUS_ABORTED_LOAD_FAIL;
    err[0] = '\0';

    dlerror();
    m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (m->dl == NULL) {
        const char *why = dlerror();
        snprintf(err, errlen, "cannot load: %s", why != NULL ? why : "unknown dlopen error");
        return NMERR_LOAD_EXPERT_FAILED;
    }
    m->dllmain = (nmx_dllmain_fn)module_sym(m->dl, "DllMain");
    m->reg = (PEXPERTREGISTERPROC)module_sym(m->dl, EXPERTENTRY_REGISTER);
    PEXPERTCONFIGPROC configure = (PEXPERTCONFIGPROC)module_sym(m->dl, EXPERTENTRY_CONFIGURE);
    m->run = (PEXPERTRUNPROC)module_sym(m->dl, EXPERTENTRY_RUN);
    const DWORD *options = (const DWORD *)module_sym(m->dl, NMX_EXPERT_OPTIONS_SYMBOL);
    m->options = options != NULL ? *options : 0;
    m->settings = (const NMX_EXPERT_SETTING *)module_sym(m->dl, NMX_EXPERT_SETTINGS_SYMBOL);
    m->merge = (const char *)module_sym(m->dl, NMX_EXPERT_MERGE_SYMBOL);
    if (m->reg == NULL || m->run == NULL) {
        snprintf(err, errlen, "not an expert: it does not export %s%s%s",
                 m->reg == NULL ? "Register" : "", m->reg == NULL && m->run == NULL ? " and " : "",
                 m->run == NULL ? "Run" : "");
        *substatus = EXPERTSUBSTATUS_ABORTED_BAD_ENTRY;
        dlclose(m->dl);
        m->dl = NULL;
        return NMERR_LOAD_EXPERT_FAILED;
    }
    /* The module handle we give the expert: its dlopen handle (opaque). */
    HINSTANCE hmod = (HINSTANCE)m->dl;
    if (m->dllmain != NULL && !m->dllmain(hmod, DLL_PROCESS_ATTACH, NULL)) {
        snprintf(err, errlen, "DllMain(DLL_PROCESS_ATTACH) returned FALSE");
        dlclose(m->dl);
        m->dl = NULL;
        return NMERR_LOAD_EXPERT_FAILED;
    }

    /* Spec 3.2 host procedure: zero, call, then sanitise and own the
     * private fields. */
    memset(&m->info, 0, sizeof m->info);
    if (!m->reg(&m->info)) {
        snprintf(err, errlen, "Register returned FALSE");
        *substatus = EXPERTSUBSTATUS_ABORTED_LOAD_FAIL;
        nmx__module_unload(m);
        return NMERR_EXPERT_REPORT_FAILED;
    }
    EXPERTENUMINFO *info = &m->info;
    info->szName[EXPERTSTRINGLENGTH - 1] = '\0';
    info->szVendor[EXPERTSTRINGLENGTH - 1] = '\0';
    info->szDescription[EXPERTSTRINGLENGTH - 1] = '\0';
    if (info->szName[0] == '\0')
        nmx_module_name(path, info->szName, sizeof info->szName);
    nmx__strlcpy(info->szDllName, path, sizeof info->szDllName);
    info->hExpert = (HEXPERT)m;
    info->hModule = hmod;
    info->pRegisterProc = m->reg;
    info->pRunProc = m->run;
    if (configure == NULL)
        info->Flags &= ~(DWORD)EXPERT_ENUM_FLAG_CONFIGURABLE;
    m->configure = (info->Flags & EXPERT_ENUM_FLAG_CONFIGURABLE) ? configure : NULL;
    info->pConfigProc = m->configure;
    *substatus = 0;
    return NMERR_SUCCESS;
}

void nmx__module_unload(nmx_module_t *m)
{
    if (m->dl == NULL)
        return;
    if (m->dllmain != NULL)
        m->dllmain((HINSTANCE)m->dl, DLL_PROCESS_DETACH, NULL);
    dlclose(m->dl);
    m->dl = NULL;
}
