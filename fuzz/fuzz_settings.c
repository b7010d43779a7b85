/*
 * fuzz_settings.c - the KEY=VALUE settings parser the built-in experts use
 * (experts/common/eu_settings.h, eu_parse_settings) on arbitrary
 * configuration bytes, as `--config NAME=FILE` can deliver them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eu_settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_setting(void *ctx, const char *key, const char *value)
{
    size_t *n = ctx;
    *n += strlen(key) + strlen(value);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    EXPERTCONFIG *cfg = malloc(sizeof *cfg + size);
    if (cfg == NULL)
        return 0;
    cfg->RawConfigLength = (DWORD)(sizeof(DWORD) + size);
    memcpy(cfg->RawConfigData, data, size);
    size_t n = 0;
    eu_parse_settings(cfg, count_setting, &n);
    uint64_t v;
    char num[32];
    size_t k = size < sizeof num - 1 ? size : sizeof num - 1;
    memcpy(num, data, k);
    num[k] = '\0';
    eu_parse_uint(num, UINT32_MAX, &v);
    free(cfg);
    return 0;
}
