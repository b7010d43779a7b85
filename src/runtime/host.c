/*
 * host.c - the host object: where experts come from (spec 1.2) and what
 * their modules report when registered (`nmexpert list`).
 *
 * Experts are the *.so files of the directories added with
 * nmx_host_add_experts_dir(), then of the installed experts directory; the
 * first module of a given name wins.  Discovery registers each module in a
 * throw-away contained child process of its own (supervise.h), so a module
 * that crashes, hangs or starts processes in its constructor, DllMain or
 * Register cannot take the host down, reach another module or leave
 * anything running; the children of one directory run at the same time.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/strutil.h"
#include "runtime/host_internal.h"
#include "runtime/loader.h"
#include "runtime/run_internal.h"
#include "runtime/supervise.h"

#ifndef NMX_EXPERTS_DIR
#define NMX_EXPERTS_DIR "/usr/local/lib/nmexpert/experts"
#endif
#ifndef NMX_DATA_DIR
#define NMX_DATA_DIR "/usr/local/share/nmexpert"
#endif

/* Seconds a module gets to load and register during discovery. */
#define NMX_REGISTER_TIMEOUT_S 10

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The directory holding libnmapi.so, found through one of its symbols. */
static bool library_dir(char *out, size_t n)
{
    Dl_info di;
    if (dladdr((void *)&nmx_host_new, &di) == 0 || di.dli_fname == NULL)
        return false;
    char real[PATH_MAX];
    if (realpath(di.dli_fname, real) == NULL)
        return false;
    char *slash = strrchr(real, '/');
    if (slash == NULL)
        return false;
    *slash = '\0';
    return nmx__strlcpy(out, real, n) < n;
}

NMX_EXPORT const char *nmx_host_installed_experts_dir(void)
{
    static char dir[PATH_MAX];
    const char *env = getenv("NMEXPERT_EXPERTS_DIR");
    if (env != NULL && env[0] != '\0')
        return env;
    char lib[PATH_MAX];
    if (library_dir(lib, sizeof lib)) {
        snprintf(dir, sizeof dir, "%.*s/nmexpert/experts", (int)(sizeof dir - 20), lib);
        if (is_dir(dir))
            return dir;
    }
    return NMX_EXPERTS_DIR;
}

NMX_EXPORT const char *nmx_host_installed_parsers_dir(void)
{
    static char dir[PATH_MAX];
    const char *env = getenv("NMEXPERT_PARSERS_DIR");
    if (env != NULL)
        return env[0] != '\0' ? env : NULL;
    char lib[PATH_MAX];
    if (library_dir(lib, sizeof lib)) {
        snprintf(dir, sizeof dir, "%.*s/nmexpert/parsers", (int)(sizeof dir - 20), lib);
        if (is_dir(dir))
            return dir;
    }
    return NULL;
}

NMX_EXPORT const char *nmx_host_installed_data_dir(void)
{
    static char dir[PATH_MAX];
    const char *env = getenv("NMEXPERT_DATA_DIR");
    if (env != NULL && env[0] != '\0')
        return env;
    char lib[PATH_MAX];
    if (library_dir(lib, sizeof lib)) {
        char rel[PATH_MAX];
        snprintf(rel, sizeof rel, "%.*s/../share/nmexpert", (int)(sizeof rel - 20), lib);
        if (is_dir(rel) && realpath(rel, dir) != NULL) /* no "lib/.." in messages */
            return dir;
    }
    return NMX_DATA_DIR;
}

NMX_EXPORT nmx_host_t *nmx_host_new(char *errbuf, size_t errlen)
{
    nmx_host_t *host = calloc(1, sizeof(nmx_host_t));
    if (host == NULL)
        snprintf(errbuf, errlen, "cannot create a host: out of memory");
    return host;
}

static void expert_clear(nmx_host_expert_t *e)
{
    free(e->path);
    free(e->module);
    free(e->load_error);
    free(e->settings);
    free(e->settings_text);
    free(e->merge);
}

static void expert_free(nmx_host_expert_t *e)
{
    expert_clear(e);
    free(e);
}

NMX_EXPORT void nmx_host_free(nmx_host_t *host)
{
    if (host == NULL)
        return;
    for (size_t i = 0; i < host->ndirs; i++)
        free(host->dirs[i]);
    free(host->dirs);
    for (size_t i = 0; i < host->nexperts; i++)
        expert_free(host->experts[i]);
    free(host->experts);
    free(host);
}

NMX_EXPORT int nmx_host_add_experts_dir(nmx_host_t *host, const char *dir, char *errbuf, size_t errlen)
{
    struct stat st;
    if (host == NULL || dir == NULL) {
        snprintf(errbuf, errlen, "experts directory: no host or no directory given");
        return -1;
    }
    if (stat(dir, &st) != 0) {
        snprintf(errbuf, errlen, "experts directory %s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(errbuf, errlen, "experts directory %s: not a directory", dir);
        return -1;
    }
    char **d = realloc(host->dirs, (host->ndirs + 1) * sizeof *d);
    if (d == NULL) {
        snprintf(errbuf, errlen, "experts directory %s: out of memory", dir);
        return -1;
    }
    host->dirs = d;
    host->dirs[host->ndirs] = strdup(dir);
    if (host->dirs[host->ndirs] == NULL) {
        snprintf(errbuf, errlen, "experts directory %s: out of memory", dir);
        return -1;
    }
    host->ndirs++;
    return 0;
}

/* What a discovery child reports back through shared memory. */
typedef struct probe_result {
    int done;
    DWORD code;
    char error[512];
    nmx_expert_reg_t reg;
    uint32_t settings_len;
    char settings[NMX_SETTINGS_WIRE_MAX]; /* nmx__settings_encode records */
    char merge[NMX_EXPERT_MERGE_MAX];    /* NmxExpertMerge, cut, "" when none */
} probe_result_t;

static void probe_in_this_process(const char *path, probe_result_t *r)
{
    nmx_module_t m;
    DWORD sub;
    r->code = nmx__module_load(path, &m, &sub, r->error, sizeof r->error);
    if (r->code == NMERR_SUCCESS) {
        memcpy(r->reg.name, m.info.szName, sizeof r->reg.name);
        memcpy(r->reg.vendor, m.info.szVendor, sizeof r->reg.vendor);
        memcpy(r->reg.description, m.info.szDescription, sizeof r->reg.description);
        r->reg.version = m.info.Version;
        r->reg.flags = m.info.Flags;
        r->reg.configurable = m.configure != NULL;
        r->reg.options = m.options;
        r->settings_len = (uint32_t)nmx__settings_encode(m.settings, r->settings, sizeof r->settings);
        if (m.merge != NULL)
            memcpy(r->merge, m.merge, strnlen(m.merge, sizeof r->merge - 1));
        nmx__module_unload(&m);
    }
    r->done = 1;
}

/* What the discovery child runs: the result goes back over its channel. */
static void probe_child(void *arg, int chan)
{
    probe_result_t r;
    memset(&r, 0, sizeof r);
    probe_in_this_process(arg, &r);
    nmx__chan_send(chan, 1, &r, sizeof r);
}

/*
 * One module being loaded and registered in a contained child process
 * (supervise.h), so that neither a crash nor a process started by its
 * constructor, DllMain or Register outlives the probe.  Discovery runs
 * several at once (each in its own child: modules never share a process).
 */
typedef struct probe {
    const char *path;
    nmx_child_t child;
    int how;      /* -1: could not start; 0: running or ended in time; 1: stopped at the timeout */
    double start;
    bool over;    /* finished and released */
    probe_result_t r;
} probe_t;

static void probe_start(probe_t *p, const char *path)
{
    memset(p, 0, sizeof *p);
    p->path = path;
    nmx_spawn_t sp = {.fn = probe_child, .arg = (void *)path, .chan_max = sizeof p->r + 64};
    p->how = nmx__child_spawn(&p->child, &sp) == 0 ? 0 : -1;
    if (p->how < 0)
        snprintf(p->r.error, sizeof p->r.error, "cannot start a process to load it: %s", strerror(errno));
    p->start = nmx__now_s();
}

/* Advances the probe: true once it is over (or never started). */
static bool probe_step(probe_t *p)
{
    return p->how < 0 || nmx__child_step(&p->child, p->start, NMX_REGISTER_TIMEOUT_S, &p->how);
}

/* Fills p->r from the child's one message (its strings terminated here),
 * or says why there is none, and releases the child. */
static void probe_finish(probe_t *p)
{
    probe_result_t *r = &p->r;
    if (p->how < 0) {
        r->code = NMERR_LOAD_EXPERT_FAILED;
        return;
    }
    nmx_child_t *child = &p->child;
    r->code = NMERR_LOAD_EXPERT_FAILED;
    uint32_t type, len;
    const uint8_t *m;
    bool got = nmx__child_next(child, &type, &m, &len) && type == 1 && len == sizeof *r;
    if (p->how == 1) {
        snprintf(r->error, sizeof r->error, "did not finish loading and registering within %d s",
                 NMX_REGISTER_TIMEOUT_S);
    } else if (got) {
        memcpy(r, m, sizeof *r);
        r->error[sizeof r->error - 1] = '\0';
        r->reg.name[sizeof r->reg.name - 1] = '\0';
        r->reg.vendor[sizeof r->reg.vendor - 1] = '\0';
        r->reg.description[sizeof r->reg.description - 1] = '\0';
        r->merge[sizeof r->merge - 1] = '\0';
        r->done = 1;
    } else if (child->have_status && WIFSIGNALED(child->status)) {
        snprintf(r->error, sizeof r->error, "crashed while loading (signal %d, %s)",
                 WTERMSIG(child->status), strsignal(WTERMSIG(child->status)));
    } else {
        snprintf(r->error, sizeof r->error, "exited while loading (status %d)",
                 child->have_status && WIFEXITED(child->status) ? WEXITSTATUS(child->status) : -1);
    }
    nmx__child_release(child);
}

/* Runs the probes p[0..n) to their ends, at most NMX_PROBES_AT_ONCE at a time. */
#define NMX_PROBES_AT_ONCE 8
static void probe_all(probe_t *p, const char *const *paths, size_t n)
{
    size_t started = 0, ended = 0;
    while (ended < n) {
        while (started < n && started - ended < NMX_PROBES_AT_ONCE)
            probe_start(&p[started], paths[started]), started++;
        struct pollfd pf[2 * NMX_PROBES_AT_ONCE];
        nfds_t npf = 0;
        for (size_t i = 0; i < started; i++) {
            if (p[i].over)
                continue;
            if (probe_step(&p[i])) {
                probe_finish(&p[i]);
                p[i].over = true;
                ended++;
                continue;
            }
            nmx__child_fds(&p[i].child, &pf[npf]);
            npf += 2;
        }
        if (npf > 0)
            poll(pf, npf, 5);
    }
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool known_module(const nmx_host_t *host, const char *module)
{
    for (size_t i = 0; i < host->nexperts; i++)
        if (strcmp(host->experts[i]->module, module) == 0)
            return true;
    return false;
}

/* Registers one module file with the host from what its probe reported. */
static nmx_host_expert_t *register_probed(nmx_host_t *host, const char *path, const probe_result_t *r)
{
    char module[256];
    nmx_module_name(path, module, sizeof module);
    nmx_host_expert_t **grown = realloc(host->experts, (host->nexperts + 1) * sizeof *grown);
    if (grown == NULL)
        return NULL;
    host->experts = grown;
    nmx_host_expert_t *e = calloc(1, sizeof *e);
    if (e == NULL)
        return NULL;
    e->path = strdup(path);
    e->module = strdup(module);
    if (e->path == NULL || e->module == NULL) {
        expert_free(e);
        return NULL;
    }
    if (r->code != NMERR_SUCCESS) {
        e->load_error = strdup(r->error[0] != '\0' ? r->error : "cannot load");
        nmx__strlcpy(e->reg.name, module, sizeof e->reg.name);
    } else {
        e->reg = r->reg;
        if (r->merge[0] != '\0' && (e->merge = strdup(r->merge)) == NULL) {
            expert_free(e);
            return NULL;
        }
        if (!nmx__settings_decode(e, r->settings, r->settings_len < sizeof r->settings ? r->settings_len : sizeof r->settings)) {
            expert_free(e);
            return NULL;
        }
    }
    host->experts[host->nexperts++] = e;
    return e;
}

/* Registers one module file with the host (-e PATH). */
nmx_host_expert_t *nmx__host_register_path(nmx_host_t *host, const char *path, int isolated)
{
    (void)isolated; /* always in a child: a module's constructor may start processes */
    probe_t *p = malloc(sizeof *p);
    if (p == NULL)
        return NULL;
    probe_all(p, &path, 1);
    nmx_host_expert_t *e = register_probed(host, path, &p->r);
    free(p);
    return e;
}

/* The *.so names in dir, sorted, in *names (n of them): 0, or -1 with a
 * message (the directory cannot be read, or out of memory). */
static int list_modules(const char *dir, char ***names, size_t *n, char *errbuf, size_t errlen)
{
    *names = NULL;
    *n = 0;
    DIR *dh = opendir(dir);
    if (dh == NULL) {
        snprintf(errbuf, errlen, "experts directory %s: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(dh)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 4 || strcmp(de->d_name + len - 3, ".so") != 0)
            continue;
        char **g = realloc(*names, (*n + 1) * sizeof *g);
        if (g != NULL)
            *names = g;
        if (g == NULL || (g[*n] = strdup(de->d_name)) == NULL) {
            snprintf(errbuf, errlen, "experts directory %s: out of memory", dir);
            rc = -1;
        } else {
            (*n)++;
        }
    }
    closedir(dh);
    if (rc == 0 && *n > 0)
        qsort(*names, *n, sizeof **names, cmp_names);
    return rc;
}

/* The modules of one experts directory, not yet known: loaded and
 * registered all at once (probe_all), then added in name order. */
static int discover_dir(nmx_host_t *host, const char *dir, char *errbuf, size_t errlen)
{
    char **names;
    size_t n;
    int rc = list_modules(dir, &names, &n, errbuf, errlen);
    char **paths = rc == 0 && n > 0 ? calloc(n, sizeof *paths) : NULL;
    probe_t *probes = paths != NULL ? calloc(n, sizeof *probes) : NULL;
    if (rc == 0 && n > 0 && probes == NULL) {
        snprintf(errbuf, errlen, "experts directory %s: out of memory", dir);
        rc = -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[PATH_MAX], module[256];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        nmx_module_name(path, module, sizeof module);
        if (known_module(host, module))
            continue;
        if ((paths[k] = strdup(path)) == NULL) {
            snprintf(errbuf, errlen, "%s: out of memory while registering it", path);
            rc = -1;
        } else {
            k++;
        }
    }
    probe_all(probes, (const char *const *)paths, rc == 0 ? k : 0);
    for (size_t i = 0; i < k; i++) {
        if (rc == 0 && register_probed(host, paths[i], &probes[i].r) == NULL) {
            snprintf(errbuf, errlen, "%s: out of memory while registering it", paths[i]);
            rc = -1;
        }
        free(paths[i]);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(paths);
    free(probes);
    return rc;
}

NMX_EXPORT int nmx_host_discover(nmx_host_t *host, char *errbuf, size_t errlen)
{
    if (host == NULL) {
        snprintf(errbuf, errlen, "discovering experts: no host");
        return -1;
    }
    size_t ndirs = host->ndirs + 1;
    int rc = 0;
    for (size_t d = 0; d < ndirs && rc == 0; d++) {
        const char *dir = d < host->ndirs ? host->dirs[d] : nmx_host_installed_experts_dir();
        if (d == host->ndirs && !is_dir(dir))
            break; /* no installed experts: not an error */
        rc = discover_dir(host, dir, errbuf, errlen);
    }
    return rc == 0 ? (int)(host->nexperts > INT_MAX ? INT_MAX : host->nexperts) : -1;
}

NMX_EXPORT size_t nmx_host_expert_count(const nmx_host_t *host)
{
    return host != NULL ? host->nexperts : 0;
}

NMX_EXPORT const nmx_expert_info_t *nmx_host_expert(const nmx_host_t *host, size_t i)
{
    if (host == NULL || i >= host->nexperts)
        return NULL;
    nmx_host_expert_t *e = host->experts[i];
    e->pub.module = e->module;
    e->pub.path = e->path;
    e->pub.name = e->reg.name;
    e->pub.vendor = e->reg.vendor;
    e->pub.description = e->reg.description;
    e->pub.version = e->reg.version;
    e->pub.flags = e->reg.flags;
    e->pub.configurable = e->reg.configurable;
    e->pub.load_error = e->load_error;
    e->pub.not_default = (e->reg.options & NMX_EXPERT_OPTION_NOT_DEFAULT) != 0;
    e->pub.nsettings = e->nsettings;
    e->pub.settings = e->settings;
    e->pub.merge = e->merge;
    return &e->pub;
}

nmx_host_expert_t *nmx__host_find(nmx_host_t *host, const char *which, int isolated)
{
    if (strchr(which, '/') != NULL) {
        char real[PATH_MAX];
        const char *path = realpath(which, real) != NULL ? real : which;
        for (size_t i = 0; i < host->nexperts; i++)
            if (strcmp(host->experts[i]->path, path) == 0)
                return host->experts[i];
        return nmx__host_register_path(host, path, isolated);
    }
    for (size_t i = 0; i < host->nexperts; i++)
        if (nmx__streq_nocase(host->experts[i]->module, which))
            return host->experts[i];
    return NULL;
}
