/*
 * outfile.c - safe output files: a temporary file beside the target,
 * renamed over it when complete; inputs and special files are never written.
 * See outfile.h.
 */
#include "common/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- files being read ------------------------------------------------------ */

typedef struct file_id {
    dev_t dev;
    ino_t ino;
    unsigned refs;
} file_id_t;

#define MAX_PROTECTED 64 /* captures open at once in one process */

static pthread_mutex_t protected_lock = PTHREAD_MUTEX_INITIALIZER;
static file_id_t protected_ids[MAX_PROTECTED];

void nmx__outfile_protect(dev_t dev, ino_t ino)
{
    pthread_mutex_lock(&protected_lock);
    file_id_t *free_slot = NULL;
    for (size_t i = 0; i < MAX_PROTECTED; i++) {
        file_id_t *p = &protected_ids[i];
        if (p->refs > 0 && p->dev == dev && p->ino == ino) {
            p->refs++;
            goto out;
        }
        if (p->refs == 0 && free_slot == NULL)
            free_slot = p;
    }
    if (free_slot != NULL)
        *free_slot = (file_id_t){.dev = dev, .ino = ino, .refs = 1};
out:
    pthread_mutex_unlock(&protected_lock);
}

void nmx__outfile_unprotect(dev_t dev, ino_t ino)
{
    pthread_mutex_lock(&protected_lock);
    for (size_t i = 0; i < MAX_PROTECTED; i++) {
        file_id_t *p = &protected_ids[i];
        if (p->refs > 0 && p->dev == dev && p->ino == ino) {
            p->refs--;
            break;
        }
    }
    pthread_mutex_unlock(&protected_lock);
}

static bool id_protected(const struct stat *st)
{
    bool hit = false;
    pthread_mutex_lock(&protected_lock);
    for (size_t i = 0; i < MAX_PROTECTED && !hit; i++)
        hit = protected_ids[i].refs > 0 && protected_ids[i].dev == st->st_dev &&
              protected_ids[i].ino == st->st_ino;
    pthread_mutex_unlock(&protected_lock);
    return hit;
}

bool nmx__outfile_is_protected(const char *path)
{
    struct stat st;
    return path != NULL && stat(path, &st) == 0 && id_protected(&st);
}

/* ---- writing ----------------------------------------------------------------- */

const char *nmx__file_kind(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO (named pipe)";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a regular file";
}

/* "DIR/.BASE.XXXXXX" beside `path`, or NULL (out of memory). */
static char *temp_template(const char *path)
{
    char *a = strdup(path), *b = strdup(path);
    char *t = NULL;
    if (a != NULL && b != NULL) {
        const char *dir = dirname(a), *base = basename(b);
        size_t n = strlen(dir) + strlen(base) + 16;
        t = malloc(n);
        if (t != NULL)
            snprintf(t, n, "%s/.%s.XXXXXX", dir, base);
    }
    free(a);
    free(b);
    return t;
}

static void reset(nmx_outfile_t *o)
{
    free(o->path);
    free(o->tmp);
    o->f = NULL;
    o->path = NULL;
    o->tmp = NULL;
}

int nmx__outfile_open(nmx_outfile_t *o, const char *path, char *errbuf, size_t errlen)
{
    o->f = NULL;
    o->path = o->tmp = NULL;
    if (path == NULL || *path == '\0') {
        snprintf(errbuf, errlen, "no file name");
        return -1;
    }
    struct stat st;
    mode_t mode;
    if (stat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode)) {
            snprintf(errbuf, errlen, "is %s; only regular files are written (use '-' for standard output)",
                     nmx__file_kind(st.st_mode));
            return -1;
        }
        if (id_protected(&st)) {
            snprintf(errbuf, errlen, "is the capture being read; refusing to write over it");
            return -1;
        }
        mode = st.st_mode & 07777;
    } else {
        mode_t um = umask(0);
        umask(um);
        mode = 0666 & ~um;
    }
    o->path = strdup(path);
    o->tmp = temp_template(path);
    if (o->path == NULL || o->tmp == NULL) {
        snprintf(errbuf, errlen, "out of memory");
        reset(o);
        return -1;
    }
    int fd = mkostemp(o->tmp, O_CLOEXEC);
    if (fd < 0) {
        snprintf(errbuf, errlen, "cannot create a file in its directory: %s", strerror(errno));
        reset(o);
        return -1;
    }
    if (fchmod(fd, mode) != 0 || (o->f = fdopen(fd, "wb")) == NULL) {
        snprintf(errbuf, errlen, "%s", strerror(errno));
        close(fd);
        unlink(o->tmp);
        reset(o);
        return -1;
    }
    return 0;
}

int nmx__outfile_commit(nmx_outfile_t *o, char *errbuf, size_t errlen)
{
    if (o->f == NULL) {
        snprintf(errbuf, errlen, "not open");
        return -1;
    }
    int err = 0;
    if (fflush(o->f) != 0 || ferror(o->f))
        err = errno != 0 ? errno : EIO;
    else if (fsync(fileno(o->f)) != 0 && errno != EINVAL && errno != EROFS)
        err = errno;
    if (fclose(o->f) != 0 && err == 0)
        err = errno;
    o->f = NULL;
    /* Checked again at the last moment: the target may have been replaced
     * by something that is not to be written over while we wrote. */
    struct stat st;
    if (err == 0 && stat(o->path, &st) == 0 && (!S_ISREG(st.st_mode) || id_protected(&st))) {
        snprintf(errbuf, errlen, "is now %s; not replaced",
                 S_ISREG(st.st_mode) ? "the capture being read" : nmx__file_kind(st.st_mode));
        unlink(o->tmp);
        reset(o);
        return -1;
    }
    if (err == 0 && rename(o->tmp, o->path) != 0)
        err = errno;
    if (err != 0) {
        snprintf(errbuf, errlen, "%s", strerror(err));
        unlink(o->tmp);
        reset(o);
        return -1;
    }
    reset(o);
    return 0;
}

void nmx__outfile_discard(nmx_outfile_t *o)
{
    if (o->f != NULL)
        fclose(o->f);
    if (o->tmp != NULL)
        unlink(o->tmp);
    reset(o);
}
