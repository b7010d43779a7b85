/*
 * outfile.h - files the host writes for the user (reports, capture files,
 * stored configurations), written so that no mistake destroys data.
 *
 * An output is written to a new temporary file in the target's directory
 * (created with O_EXCL, so a planted symlink is never followed), flushed to
 * disk, and renamed over the target only on commit: the previous file stays
 * whole until the new one is complete.  Before anything is created the
 * target is refused when it is not a regular file (a device, a FIFO, a
 * directory) or when it is a file this process is reading: every capture
 * the capture layer opens is registered here by device and inode, so a hard
 * link, a symlink or "./x" spelling of the input is recognised too.
 */
#ifndef NMX_COMMON_OUTFILE_H
#define NMX_COMMON_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

typedef struct nmx_outfile {
    FILE *f;     /* where to write; NULL when not open */
    char *path;  /* the target */
    char *tmp;   /* the temporary file, renamed over path on commit */
} nmx_outfile_t;

/* Opens `path` for writing as described above.  Returns 0, or -1 with a
 * message (without the path) in errbuf. */
int nmx__outfile_open(nmx_outfile_t *o, const char *path, char *errbuf, size_t errlen);

/* Flushes, syncs and renames the temporary file over the target, then
 * closes.  Returns 0, or -1 with a message in errbuf (the target is then
 * untouched and the temporary file removed). */
int nmx__outfile_commit(nmx_outfile_t *o, char *errbuf, size_t errlen);

/* Closes and removes the temporary file; the target is untouched. */
void nmx__outfile_discard(nmx_outfile_t *o);

/* Registers (and unregisters) a file being read, by its identity: outputs
 * that name it are refused.  Thread-safe; unregistering an unknown
 * identity is a no-op. */
void nmx__outfile_protect(dev_t dev, ino_t ino);
void nmx__outfile_unprotect(dev_t dev, ino_t ino);

/* What a file that is not a regular file is, for messages: "a FIFO (named
 * pipe)", "a character device", "a directory"... */
const char *nmx__file_kind(mode_t mode);

/* Whether `path` names a file being read (following symlinks). */
bool nmx__outfile_is_protected(const char *path);

#endif /* NMX_COMMON_OUTFILE_H */
