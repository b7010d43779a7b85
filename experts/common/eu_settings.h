/*
 * eu_settings.h - the built-in experts' settings: the "KEY=VALUE" lines of
 * EXPERTCONFIG.RawConfigData, their values (numbers, names from a list),
 * and the normalised text Configure hands back to the host.
 *
 * An expert writes one callback for its keys (eu_setting_fn) and one that
 * turns a configuration into its normalised text (eu_config_text_fn);
 * eu_read_settings() and eu_configure() do the rest.  Part of
 * libnmx_expert_util.a (experts/common/).
 */
#ifndef NMX_EU_SETTINGS_H
#define NMX_EU_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include <netmon.h>

/* Called for one KEY=VALUE line; non-zero stops the parse (a bad setting). */
typedef int (*eu_setting_fn)(void *ctx, const char *key, const char *value);

/* Calls fn(ctx, key, value) for each "KEY=VALUE" line of the configuration;
 * returns the first non-zero value fn returns, or 0.  Blank lines and lines
 * starting with '#' are skipped; spaces around keys and values are trimmed.
 * Keys and values are at most 255 bytes (longer lines are an error: -1, as
 * is a line without '='). */
int eu_parse_settings(const EXPERTCONFIG *cfg, eu_setting_fn fn, void *ctx);

/* eu_parse_settings(), with `syntax` copied to error[errlen] when a line is
 * not KEY=VALUE (fn writes its own errors).  0, or -1 when refused. */
int eu_read_settings(const EXPERTCONFIG *cfg, eu_setting_fn fn, void *ctx, char *error, size_t errlen,
                     const char *syntax);

/* Parses an unsigned decimal number that fills the whole string, at most
 * `max`; 1 with *out set, or 0. */
int eu_parse_uint(const char *s, uint64_t max, uint64_t *out);

/* Case-insensitive ASCII comparison of two whole strings: 1 when equal. */
int eu_streq_nocase(const char *a, const char *b);

/* The index of `value` among names[0..n) (any case), or -1. */
int eu_choice(const char *value, const char *const *names, int n);

/* Appends "key=value\n" to the text in buf (`cap` bytes, truncating). */
void eu_config_line(char *buf, size_t cap, const char *k, const char *v);

/* Replaces the configuration *ppConfig (NULL or an expert-heap block) with
 * `text` as RawConfigData, NUL included, as Configure hands it back to the
 * host.  Returns 0 or an NMERR code; *ppConfig is unchanged on failure. */
DWORD eu_config_store(HEXPERTKEY key, PEXPERTCONFIG *ppConfig, const char *text);

/* Writes the normalised text of a configuration to text[cap] (which starts
 * empty); 0, or non-zero when the configuration is refused. */
typedef int (*eu_config_text_fn)(const EXPERTCONFIG *cfg, char *text, size_t cap);

/* The usual Configure: FALSE without ppConfig, else stores the text fn
 * makes of *ppConfig (NULL when there is none yet: fn may refuse that or
 * give the defaults); at most 511 bytes.  TRUE when stored. */
BOOL eu_configure(HEXPERTKEY key, PEXPERTCONFIG *ppConfig, eu_config_text_fn fn);

/* Defines the expert's Configure entry point as eu_configure() with `fn`
 * (the startup information, flags and window are not used). */
#define EU_CONFIGURE_WITH(fn)                                                                                  \
    BOOL WINAPI Configure(HEXPERTKEY key, PEXPERTCONFIG *ppConfig, PEXPERTSTARTUPINFO si, DWORD flags, HWND hwnd) \
    {                                                                                                          \
        (void)si;                                                                                              \
        (void)flags;                                                                                           \
        (void)hwnd;                                                                                            \
        return eu_configure(key, ppConfig, fn);                                                                \
    }

#endif /* NMX_EU_SETTINGS_H */
