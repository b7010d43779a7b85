/*
 * config.c - per-expert configuration: persistence and the Configure call
 * (spec 3.3, 1.7).
 *
 * A stored configuration is one file per expert module,
 * $XDG_CONFIG_HOME/nmexpert/experts/<module>.cfg (default ~/.config), holding
 * exactly the EXPERTCONFIG bytes: a little-endian RawConfigLength DWORD that
 * counts itself, then the expert's data.  The host never interprets the data.
 *
 * nmx_host_configure() follows the host procedure of spec 3.3: the expert
 * gets a copy of the configuration in its Configure session's heap; when
 * Configure returns TRUE the result is clamped to its block size (or trusted
 * up to 1 MiB for a non-heap buffer), rejected below 4 bytes, and stored;
 * FALSE keeps the stored configuration.  Configure runs in a child process,
 * like Run, so a faulty expert cannot take the host down.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cursor.h"
#include "common/outfile.h"
#include "common/strutil.h"
#include "runtime/host_internal.h"
#include "runtime/loader.h"
#include "runtime/run_internal.h"
#include "runtime/runtime.h"
#include "runtime/supervise.h"

/* Seconds Configure may take before the host gives up on it. */
#define NMX_CONFIGURE_TIMEOUT_S 60

static bool valid_module_name(const char *m)
{
    if (m == NULL || m[0] == '\0' || m[0] == '.')
        return false;
    for (const char *p = m; *p != '\0'; p++)
        if (*p == '/')
            return false;
    return true;
}

/* $XDG_CONFIG_HOME/nmexpert/<sub> (else ~/.config/nmexpert/<sub>), created
 * (mode 0700) when `create`. */
int nmx__config_subdir(const char *sub, char *out, size_t n, bool create)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    char base[PATH_MAX];
    if (xdg != NULL && xdg[0] == '/')
        snprintf(base, sizeof base, "%s", xdg);
    else if (home != NULL && home[0] != '\0')
        snprintf(base, sizeof base, "%s/.config", home);
    else
        return -1;
    int k = snprintf(out, n, "%s/nmexpert/%s", base, sub);
    if (k < 0 || (size_t)k >= n)
        return -1;
    if (!create)
        return 0;
    /* mkdir -p for the last three components */
    char tmp[PATH_MAX + 16];
    mkdir(base, 0700);
    snprintf(tmp, sizeof tmp, "%s/nmexpert", base);
    mkdir(tmp, 0700);
    if (mkdir(out, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static int config_path(const char *module, char *out, size_t n, bool create)
{
    char dir[PATH_MAX];
    if (!valid_module_name(module) || nmx__config_subdir("experts", dir, sizeof dir, create) != 0)
        return -1;
    int k = snprintf(out, n, "%s/%s.cfg", dir, module);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* Why config_path() failed, for a message. */
static void config_path_error(const char *module, char *errbuf, size_t errlen)
{
    if (!valid_module_name(module))
        snprintf(errbuf, errlen, "'%s' is not a module name", module != NULL ? module : "(null)");
    else
        snprintf(errbuf, errlen, "%s: cannot find or create the configuration directory (set HOME or "
                 "XDG_CONFIG_HOME)", module);
}

/* Reads the stored RawConfigData of an open configuration file: 0, or -1
 * with the reason in why. */
static int config_read(FILE *f, void **data, size_t *len, const char **why)
{
    uint8_t head[4];
    if (fread(head, 1, 4, f) != 4) {
        *why = ferror(f) ? strerror(errno) : "shorter than its 4-byte RawConfigLength";
        return -1;
    }
    uint32_t total = nmx__load_u32le(head);
    if (total < 4 || total > NMX_CONFIG_MAX) {
        *why = "corrupt (RawConfigLength out of range)";
        return -1;
    }
    uint8_t *d = malloc(total - 4 > 0 ? total - 4 : 1);
    if (d == NULL) {
        *why = "out of memory";
        return -1;
    }
    /* Exactly RawConfigLength bytes: no more, no less. */
    if (fread(d, 1, total - 4, f) != total - 4 || fgetc(f) != EOF) {
        *why = ferror(f) ? strerror(errno) : "corrupt (RawConfigLength does not match the file's size)";
        free(d);
        return -1;
    }
    *data = d;
    *len = total - 4;
    return 0;
}

NMX_EXPORT int nmx_config_load(const char *module, void **data, size_t *len, char *errbuf, size_t errlen)
{
    char path[PATH_MAX];
    *data = NULL;
    *len = 0;
    if (config_path(module, path, sizeof path, false) != 0) {
        config_path_error(module, errbuf, errlen);
        return -1;
    }
    /* O_NONBLOCK and fstat first: a FIFO (or a device) in the store is
     * unreadable, not something to wait on or read forever. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 && errno == ENOENT)
        return 0; /* none stored */
    struct stat st;
    FILE *f = NULL;
    const char *why = NULL;
    if (fd < 0)
        why = strerror(errno);
    else if (fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if ((f = fdopen(fd, "rb")) == NULL)
        why = strerror(errno);
    if (f == NULL) {
        if (fd >= 0)
            close(fd);
        snprintf(errbuf, errlen, "%s: cannot read the stored configuration: %s", path, why);
        return -1;
    }
    int rc = config_read(f, data, len, &why);
    fclose(f);
    if (rc != 0)
        snprintf(errbuf, errlen, "%s: cannot read the stored configuration: %s", path, why);
    return rc;
}

NMX_EXPORT int nmx_config_save(const char *module, const void *data, size_t len, char *errbuf,
                               size_t errlen)
{
    char path[PATH_MAX], why[512];
    if (len > NMX_CONFIG_MAX - 4) {
        snprintf(errbuf, errlen, "%s: configuration too large (%zu bytes)", module != NULL ? module : "", len);
        return -1;
    }
    if (config_path(module, path, sizeof path, true) != 0) {
        config_path_error(module, errbuf, errlen);
        return -1;
    }
    /* A temporary file of its own (two saves never share one), renamed
     * into place: a reader sees the old or the new file, never a mix. */
    nmx_outfile_t out;
    if (nmx__outfile_open(&out, path, why, sizeof why) != 0) {
        snprintf(errbuf, errlen, "%s: %s", path, why);
        return -1;
    }
    uint8_t head[4];
    nmx__store_u32le(head, (uint32_t)(len + 4));
    if (fwrite(head, 1, 4, out.f) != 4 || (len > 0 && fwrite(data, 1, len, out.f) != len)) {
        snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
        nmx__outfile_discard(&out);
        return -1;
    }
    if (nmx__outfile_commit(&out, why, sizeof why) != 0) {
        snprintf(errbuf, errlen, "%s: %s", path, why);
        return -1;
    }
    return 0;
}

NMX_EXPORT int nmx_config_lock(const char *module, char *errbuf, size_t errlen)
{
    char path[PATH_MAX], lock[PATH_MAX + 8];
    if (config_path(module, path, sizeof path, true) != 0) {
        config_path_error(module, errbuf, errlen);
        return -1;
    }
    snprintf(lock, sizeof lock, "%s.lock", path);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
        errno = EINVAL;
    }
    int rc;
    while (fd >= 0 && (rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
        ;
    if (fd < 0 || rc != 0) {
        snprintf(errbuf, errlen, "%s: cannot lock: %s", lock, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

NMX_EXPORT void nmx_config_unlock(int lock)
{
    if (lock >= 0)
        close(lock); /* closing the descriptor releases the flock */
}

NMX_EXPORT int nmx_config_reset(const char *module, char *errbuf, size_t errlen)
{
    char path[PATH_MAX];
    if (config_path(module, path, sizeof path, false) != 0) {
        config_path_error(module, errbuf, errlen);
        return -1;
    }
    if (unlink(path) != 0 && errno != ENOENT) {
        snprintf(errbuf, errlen, "%s: cannot remove the stored configuration: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- Configure ------------------------------------------------------------ */

/* What the Configure child reports: one message, this header followed by
 * `len` bytes of RawConfigData. */
typedef struct configure_result {
    int done;        /* the child got as far as Configure's return */
    int loaded;      /* module loaded and registered */
    int configurable;
    int32_t ok;      /* Configure's return value */
    int stored;      /* a configuration follows */
    char error[512];
    uint32_t len;    /* RawConfigData bytes that follow */
} configure_result_t;

/* Spec 3.3 step 3: how many bytes of *p to keep; 0 when invalid. */
static uint32_t configure_result_length(HEXPERTKEY key, PEXPERTCONFIG p)
{
    uint32_t len = p->RawConfigLength;
    SIZE_T size = ExpertMemorySize(key, p);
    if (size != (SIZE_T)-1) {
        if (len > size)
            len = (uint32_t)(size > UINT32_MAX ? UINT32_MAX : size);
    } else if (len > NMX_CONFIG_MAX) {
        len = NMX_CONFIG_MAX;
    }
    return len < 4 ? 0 : len;
}

static void configure_in_child(const char *path, nmx_capture_t *pub, const void *config,
                               size_t config_len, configure_result_t *r, uint8_t *data)
{
    nmx_module_t m;
    DWORD sub;
    if (nmx__module_load(path, &m, &sub, r->error, sizeof r->error) != NMERR_SUCCESS)
        return;
    r->loaded = 1;
    r->configurable = m.configure != NULL;
    if (m.configure == NULL) {
        snprintf(r->error, sizeof r->error, "%s is not configurable", m.info.szName);
        nmx__module_unload(&m);
        return;
    }
    /* Without a capture, Configure still gets a valid hCapture: an empty one. */
    static const uint8_t empty_pcap[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
                                           0,    0,    0,    0,    0xff, 0xff, 0, 0, 1, 0, 0, 0};
    nmx_cap_t *empty = NULL;
    if (pub == NULL) {
        nmx_error_t err;
        if (nmx__cap_open_mem(empty_pcap, sizeof empty_pcap, "(no capture)", &empty, &err) == 0)
            pub = empty;
    }
    struct _CAPTURE *co = pub != NULL ? nmx__capobj_new(pub) : NULL;
    nmx_session_opts_t so;
    memset(&so, 0, sizeof so);
    so.capture = co;
    if (co != NULL) {
        so.startup.hCapture = (HCAPTURE)co;
        nmx__strlcpy(so.startup.szCaptureFile, nmx__cap_path(co->cap), sizeof so.startup.szCaptureFile);
    }
    so.startup.dwFrameNumber = INVALID_FRAME_NUMBER;
    nmx_session_t *s = co != NULL ? nmx__session_new(&so) : NULL;
    if (s == NULL) {
        snprintf(r->error, sizeof r->error, "cannot create a Configure session");
        nmx__capobj_free(co);
        nmx__cap_close(empty);
        nmx__module_unload(&m);
        return;
    }
    HEXPERTKEY key = nmx__session_key(s);
    PEXPERTCONFIG p = NULL;
    if (config != NULL) {
        DWORD err;
        p = ExpertAllocMemory(key, sizeof(DWORD) + config_len, &err);
        if (p != NULL) {
            p->RawConfigLength = (DWORD)(sizeof(DWORD) + config_len);
            memcpy(p->RawConfigData, config, config_len);
        }
    }
    nmx__session_set_current(s);
    EXPERTSTARTUPINFO startup = s->startup;
    BOOL ok = m.configure(key, &p, &startup, 0, NULL);
    nmx__session_set_current(NULL);
    r->ok = ok;
    if (ok && p != NULL) {
        uint32_t len = configure_result_length(key, p);
        if (len == 0) {
            snprintf(r->error, sizeof r->error,
                     "Configure returned a configuration shorter than its 4-byte length field");
        } else {
            r->len = len - 4;
            memcpy(data, p->RawConfigData, r->len);
            r->stored = 1;
        }
    }
    r->done = 1;
    nmx__session_free(s);
    nmx__capobj_free(co);
    nmx__cap_close(empty);
    nmx__module_unload(&m);
}

/* What the Configure child runs. */
typedef struct configure_call {
    const char *path;
    nmx_capture_t *cap;
    const void *config;
    size_t config_len;
} configure_call_t;

static void configure_child(void *arg, int chan)
{
    configure_call_t *c = arg;
    uint8_t *msg = calloc(1, sizeof(configure_result_t) + NMX_CONFIG_MAX);
    if (msg == NULL)
        return;
    configure_result_t r;
    memset(&r, 0, sizeof r);
    configure_in_child(c->path, c->cap, c->config, c->config_len, &r,
                       msg + sizeof(configure_result_t));
    memcpy(msg, &r, sizeof r);
    nmx__chan_send(chan, 1, msg, (uint32_t)(sizeof r + r.len));
    free(msg);
}

NMX_EXPORT int nmx_host_configure(nmx_host_t *host, const char *which, nmx_capture_t *cap,
                                  const void *config, size_t config_len, char *errbuf,
                                  size_t errlen)
{
    if (errlen > 0)
        errbuf[0] = '\0';
    nmx_host_expert_t *he = host != NULL && which != NULL ? nmx__host_find(host, which, 1) : NULL;
    if (he == NULL) {
        snprintf(errbuf, errlen, "no expert named '%s'", which != NULL ? which : "");
        return -1;
    }
    if (he->load_error != NULL) {
        snprintf(errbuf, errlen, "%s: %s", he->module, he->load_error);
        return -1;
    }
    if (config_len > NMX_CONFIG_MAX - 4) {
        snprintf(errbuf, errlen, "%s: configuration too large (%zu bytes)", he->module, config_len);
        return -1;
    }
    configure_call_t call = {he->path, cap, config, config_len};
    nmx_child_t child;
    nmx_spawn_t sp = {.fn = configure_child,
                      .arg = &call,
                      .chan_max = sizeof(configure_result_t) + NMX_CONFIG_MAX + 64};
    int rc = -1;
    int how = nmx__child_run(&child, &sp, NMX_CONFIGURE_TIMEOUT_S);
    if (how < 0) {
        snprintf(errbuf, errlen, "cannot start a process: %s", strerror(errno));
        return -1;
    }
    /* The child's answer, checked: its length must match what it says. */
    configure_result_t res, *r = &res;
    const uint8_t *data = NULL;
    uint32_t type, len;
    const uint8_t *p;
    memset(r, 0, sizeof *r);
    if (how == 0 && nmx__child_next(&child, &type, &p, &len) && type == 1 && len >= sizeof *r) {
        memcpy(r, p, sizeof *r);
        r->error[sizeof r->error - 1] = '\0';
        if (r->len > NMX_CONFIG_MAX - 4 || len - sizeof *r != r->len) {
            snprintf(errbuf, errlen, "%s: the Configure process sent a malformed answer", he->module);
            goto out;
        }
        data = p + sizeof *r;
    }
    int status = child.have_status ? child.status : -1;
    if (how == 1) {
        snprintf(errbuf, errlen, "%s: Configure did not return within %d s", he->module,
                 NMX_CONFIGURE_TIMEOUT_S);
        goto out;
    }
    if (!r->done) {
        if (r->error[0] != '\0')
            snprintf(errbuf, errlen, "%s: %s", he->module, r->error);
        else if (status != -1 && WIFSIGNALED(status))
            snprintf(errbuf, errlen, "%s: crashed in Configure (signal %d, %s)", he->module,
                     WTERMSIG(status), strsignal(WTERMSIG(status)));
        else
            snprintf(errbuf, errlen, "%s: ended its process in Configure", he->module);
        goto out;
    }
    if (!r->ok) {
        rc = 0; /* FALSE: the stored configuration stays as it was */
        goto out;
    }
    if (!r->stored) {
        if (r->error[0] != '\0') {
            snprintf(errbuf, errlen, "%s: %s", he->module, r->error);
            goto out;
        }
        rc = 0; /* TRUE with no buffer: nothing to store */
        goto out;
    }
    if (nmx_config_save(he->module, data, r->len, errbuf, errlen) == 0)
        rc = 1;
out:
    nmx__child_release(&child);
    return rc;
}
