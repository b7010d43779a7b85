/*
 * parsers.c - parser plug-ins (NetMon 2 parser DLLs, docs/writing-a-parser.md):
 * probing them in a contained child, entering what they declare into the
 * registry, and loading them in each expert process.
 *
 * A parser is untrusted code, and the host process never runs it:
 *  - nmx_parsers_load (host): for each DLL a short-lived contained child
 *    (supervise.h) dlopens it, calls ParserAutoInstallInfo,
 *    DllMain(DLL_PROCESS_ATTACH) and each protocol's Register with the
 *    parser calls recording (proto/plugin.h), and writes the description
 *    back over its channel.  A child that crashes, outlives
 *    NMX_PARSER_PROBE_TIMEOUT_S or describes nonsense is an error with the
 *    DLL's path; otherwise the host enters shadow protocols (no code) into
 *    the registry, before any expert process is forked;
 *  - nmx__parsers_attach (each expert process, after its fork): dlopens the
 *    DLLs again and calls DllMain and Register, which bind the shadow
 *    entries to the parser's entry points; the trampoline notes in the
 *    control page which DLL's code runs, so that the host can name the
 *    parser when the process crashes or hangs;
 *  - nmx__parsers_detach (the same process, at its end): DllMain(DLL_PROCESS_DETACH).
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "common/strutil.h"
#include "proto/plugin.h"
#include "runtime/runtime.h"
#include "runtime/supervise.h"

#define NMX_PARSER_PROBE_TIMEOUT_S 10
#define MSG_DESC 1
#define MSG_ERROR 2

typedef BOOL(WINAPI *dllmain_fn)(HINSTANCE, ULONG, LPVOID);

static char *paths[NMX_PLUGIN_MAX_DLLS];
static size_t npaths;
static void *handles[NMX_PLUGIN_MAX_DLLS];
static dllmain_fn mains[NMX_PLUGIN_MAX_DLLS];
static _Atomic int32_t *running; /* the control page's parser_running, in an expert process */

size_t nmx__parsers_count(void)
{
    return npaths;
}

const char *nmx__parsers_path(int index)
{
    return index >= 0 && (size_t)index < npaths ? paths[index] : "?";
}

typedef struct probe_arg {
    const char *path;
    int dll;
} probe_arg_t;

static void send_error(int chan, const char *fmt, const char *what)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, what != NULL ? what : "");
    nmx__chan_send(chan, MSG_ERROR, msg, (uint32_t)strlen(msg));
}

/* The probe child: load, describe, send.  The process is thrown away. */
static void probe_child(void *arg, int chan)
{
    const probe_arg_t *a = arg;
    nmx__plugin_set_mode(NMX_PLUGIN_PROBE);
    nmx__plugin_set_dll(a->dll);
    dlerror();
    void *dl = dlopen(a->path, RTLD_NOW | RTLD_LOCAL);
    if (dl == NULL) {
        send_error(chan, "cannot load: %s", dlerror());
        return;
    }
    PPARSERAUTOINSTALLINFO pai = (PPARSERAUTOINSTALLINFO)dlsym(dl, PARSER_AUTOINSTALLINFO_ENTRY);
    dllmain_fn dllmain = (dllmain_fn)dlsym(dl, "DllMain");
    if (dllmain == NULL) {
        send_error(chan, "not a parser DLL: it does not export DllMain%s", "");
        return;
    }
    PPF_PARSERDLLINFO info = pai != NULL ? pai() : NULL;
    if (!dllmain((HINSTANCE)dl, DLL_PROCESS_ATTACH, NULL)) {
        send_error(chan, "DllMain(DLL_PROCESS_ATTACH) returned FALSE%s", "");
        return;
    }
    nmx__plugin_register_all(a->dll);
    size_t cap = NMX_PLUGIN_DESC_MAX;
    char *desc = malloc(cap);
    char err[256] = "";
    size_t n = desc != NULL ? nmx__plugin_describe(a->dll, info, desc, cap, err, sizeof err) : 0;
    if (n == 0)
        send_error(chan, "%s", desc == NULL ? "out of memory" : err);
    else
        nmx__chan_send(chan, MSG_DESC, desc, (uint32_t)n);
    free(desc);
}

/* Probes one DLL and enters it; 0, or -1 with a message naming it. */
static int probe_one(const char *path, int dll, char *errbuf, size_t errlen)
{
    probe_arg_t a = {path, dll};
    nmx_child_t child;
    nmx_spawn_t sp = {.fn = probe_child, .arg = &a, .chan_max = NMX_PLUGIN_DESC_MAX + 1024};
    int how = nmx__child_run(&child, &sp, NMX_PARSER_PROBE_TIMEOUT_S);
    uint32_t type = 0, len = 0;
    const uint8_t *p = NULL;
    bool got = how >= 0 && nmx__child_next(&child, &type, &p, &len);
    int rc = -1;
    if (how < 0) {
        snprintf(errbuf, errlen, "parser %s: cannot start a process to load it: %s", path, strerror(errno));
    } else if (how == 1) {
        snprintf(errbuf, errlen, "parser %s: did not finish loading within %d s (stopped)", path,
                 NMX_PARSER_PROBE_TIMEOUT_S);
    } else if (got && type == MSG_ERROR) {
        /* The child ran the parser: its words are printed as plain text. */
        char why[401];
        size_t n = len < 400 ? len : 400;
        for (size_t i = 0; i < n; i++)
            why[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
        why[n] = '\0';
        snprintf(errbuf, errlen, "parser %s: %s", path, why);
    } else if (got && type == MSG_DESC) {
        char why[256] = "";
        rc = nmx__plugin_enter(dll, path, (const char *)p, len, why, sizeof why);
        if (rc != 0)
            snprintf(errbuf, errlen, "parser %s: %s", path, why);
    } else if (child.have_status && WIFSIGNALED(child.status)) {
        snprintf(errbuf, errlen, "parser %s: crashed while loading (signal %d, %s)", path,
                 WTERMSIG(child.status), strsignal(WTERMSIG(child.status)));
    } else {
        snprintf(errbuf, errlen, "parser %s: ended its process while loading (status %d)", path,
                 child.have_status && WIFEXITED(child.status) ? WEXITSTATUS(child.status) : -1);
    }
    nmx__child_release(&child);
    return rc;
}

NMX_EXPORT int nmx_parsers_load(const char *const *list, size_t n, char *errbuf, size_t errlen)
{
    if (errlen > 0)
        errbuf[0] = '\0';
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (npaths >= NMX_PLUGIN_MAX_DLLS) {
            snprintf(errbuf, errlen, "parser %s: at most %d parser DLLs", list[i], NMX_PLUGIN_MAX_DLLS);
            return -1;
        }
        char real[4096];
        const char *path = realpath(list[i], real) != NULL ? real : list[i];
        struct stat st;
        if (stat(path, &st) != 0) {
            snprintf(errbuf, errlen, "parser %s: %s", list[i], strerror(errno));
            return -1;
        }
        if (!S_ISREG(st.st_mode)) {
            snprintf(errbuf, errlen, "parser %s: not a regular file", list[i]);
            return -1;
        }
        bool dup = false;
        for (size_t k = 0; k < npaths; k++)
            dup = dup || strcmp(paths[k], path) == 0;
        if (dup)
            continue; /* named twice (--parser and a parsers directory) */
        if (probe_one(path, (int)npaths, errbuf, errlen) != 0)
            return -1;
        paths[npaths] = strdup(path);
        if (paths[npaths] == NULL) {
            snprintf(errbuf, errlen, "out of memory");
            return -1;
        }
        npaths++;
    }
    return 0;
}

NMX_EXPORT int nmx_parsers_list_dir(const char *dir, char ***out, size_t *nout, char *errbuf,
                                    size_t errlen)
{
    *out = NULL;
    *nout = 0;
    DIR *d = opendir(dir);
    if (d == NULL) {
        snprintf(errbuf, errlen, "parsers directory %s: %s", dir, strerror(errno));
        return -1;
    }
    char **v = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 4 || strcmp(de->d_name + len - 3, ".so") != 0 || de->d_name[0] == '.')
            continue;
        char **g = realloc(v, (n + 1) * sizeof *g);
        char *p = malloc(strlen(dir) + len + 2);
        if (g == NULL || p == NULL) {
            free(p);
            v = g != NULL ? g : v;
            for (size_t i = 0; i < n; i++)
                free(v[i]);
            free(v);
            closedir(d);
            snprintf(errbuf, errlen, "out of memory");
            return -1;
        }
        v = g;
        sprintf(p, "%s/%s", dir, de->d_name);
        v[n++] = p;
    }
    closedir(d);
    /* A stable order: the registry numbers protocols in it. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            char *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    *out = v;
    *nout = n;
    return 0;
}

void nmx__parsers_attach(_Atomic int32_t *slot)
{
    if (npaths == 0)
        return;
    nmx__plugin_set_mode(NMX_PLUGIN_BIND);
    nmx__plugin_set_running_slot(slot);
    running = slot;
    for (size_t i = 0; i < npaths; i++) {
        nmx__plugin_set_dll((int)i);
        if (slot != NULL)
            *slot = (int32_t)i + 1;
        void *dl = dlopen(paths[i], RTLD_NOW | RTLD_LOCAL);
        dllmain_fn dllmain = dl != NULL ? (dllmain_fn)dlsym(dl, "DllMain") : NULL;
        char err[256] = "";
        if (dllmain == NULL) {
            snprintf(err, sizeof err, "cannot load it again in the expert's process");
        } else {
            handles[i] = dl;
            mains[i] = dllmain;
            dllmain((HINSTANCE)dl, DLL_PROCESS_ATTACH, NULL);
            nmx__plugin_register_all((int)i);
            nmx__plugin_check_bound((int)i, err, sizeof err);
        }
        if (slot != NULL)
            *slot = 0;
        /* Its protocols then recognise nothing in this process. */
        if (err[0] != '\0')
            fprintf(stderr, "nmexpert: parser %s: %s; its protocols are not parsed\n", paths[i], err);
    }
    nmx__plugin_set_dll(-1);
}

void nmx__parsers_detach(void)
{
    for (size_t i = npaths; i-- > 0;) {
        if (mains[i] == NULL)
            continue;
        nmx__plugin_set_dll((int)i);
        if (running != NULL)
            *running = (int32_t)i + 1;
        mains[i]((HINSTANCE)handles[i], DLL_PROCESS_DETACH, NULL);
        if (running != NULL)
            *running = 0;
        mains[i] = NULL;
    }
}
