/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Random structured x86 encodings (see gen.h). Field layouts: SDM Vol. 2
 * 2.1 (legacy prefixes), 2.2.1 (REX), 2.3.5 (VEX), 2.7.1 (EVEX); AMD APM
 * Vol. 3 1.8 (XOP) and the 3DNow! 0F 0F ModRM ... imm8 form.
 */
#include "gen.h"

#include <stdio.h>
#include <string.h>

static const char *const class_names[GEN__COUNT] = {"legacy", "0f",  "vex", "evex",
                                                    "xop",    "x87", "all", "mutant"};

/* Legacy prefixes of groups 1-4. */
static const uint8_t legacy_pfx[] = {0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e,
                                     0x26, 0x64, 0x65, 0x66, 0x67};

/* 3DNow! suffix bytes (AMD APM Vol. 3 appendix A.3, "0F 0F" table). */
static const uint8_t amd3dnow_suffix[] = {0x0c, 0x0d, 0x1c, 0x1d, 0x8a, 0x8e, 0x90, 0x94,
                                          0x96, 0x97, 0x9a, 0x9e, 0xa0, 0xa4, 0xa6, 0xa7,
                                          0xaa, 0xae, 0xb0, 0xb4, 0xb6, 0xb7, 0xbb, 0xbf};

/*
 * splitmix64 walks s, s + g, s + 2g, ...: seeds must be scrambled or nearby
 * seeds give the same stream shifted by a few steps.
 */
void gen_seed(struct gen_rng *r, uint64_t seed)
{
    uint64_t z = seed + 0x632be59bd9b4e019ull;
    z = (z ^ (z >> 33)) * 0xff51afd7ed558ccdull;
    z = (z ^ (z >> 33)) * 0xc4ceb9fe1a85ec53ull;
    r->s = z ^ (z >> 33);
}

uint64_t gen_next(struct gen_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static unsigned rnd(struct gen_rng *r, unsigned n)
{
    return (unsigned)(gen_next(r) % n);
}

/* True with probability pct percent. */
static int chance(struct gen_rng *r, unsigned pct)
{
    return rnd(r, 100) < pct;
}

int gen_class_parse(const char *name)
{
    int i;
    for (i = 0; i < GEN__COUNT; i++)
        if (strcmp(name, class_names[i]) == 0) return i;
    return -1;
}

const char *gen_class_name(int cls)
{
    return cls >= 0 && cls < GEN__COUNT ? class_names[cls] : "?";
}

/* Append a prefix soup: mostly none or one, sometimes long runs and repeats. */
static void add_legacy_prefixes(struct gen_rng *r, uint8_t *b, int *n)
{
    unsigned p = rnd(r, 100);
    int count, i;
    if (p < 45)
        count = 0;
    else if (p < 75)
        count = 1;
    else if (p < 95)
        count = 2 + (int)rnd(r, 3);
    else
        count = 5 + (int)rnd(r, 11);
    for (i = 0; i < count && *n < 32; i++)
        b[(*n)++] = legacy_pfx[rnd(r, sizeof legacy_pfx)];
}

/*
 * In 64-bit mode: maybe a REX prefix, usually right before the opcode, but
 * sometimes followed by more legacy prefixes (which makes the REX ignored,
 * SDM 2.2.1) or doubled.
 */
static void add_rex(struct gen_rng *r, int bits, uint8_t *b, int *n)
{
    if (bits != 64 || !chance(r, 40)) return;
    b[(*n)++] = (uint8_t)(0x40 | rnd(r, 16));
    if (chance(r, 10)) b[(*n)++] = legacy_pfx[rnd(r, sizeof legacy_pfx)];
    if (chance(r, 5)) b[(*n)++] = (uint8_t)(0x40 | rnd(r, 16));
}

/* A mandatory-prefix candidate for the escape maps: none, 66, F3 or F2. */
static void add_mandatory(struct gen_rng *r, uint8_t *b, int *n)
{
    static const uint8_t mp[] = {0, 0x66, 0xf3, 0xf2};
    uint8_t p = mp[rnd(r, 4)];
    if (p) b[(*n)++] = p;
}

/* ModRM, SIB and displacement written explicitly (used where a suffix follows). */
static void add_modrm_mem(struct gen_rng *r, int bits, uint8_t *b, int *n)
{
    uint8_t modrm = (uint8_t)rnd(r, 256);
    unsigned mod = modrm >> 6, rm = modrm & 7;
    int disp = 0;
    b[(*n)++] = modrm;
    if (mod == 3) return;
    if (bits == 16) {
        /* A 67 prefix may have switched the address size: this is only a shape. */
        disp = mod == 1 ? 1 : mod == 2 ? 2 : (rm == 6 ? 2 : 0);
    } else {
        if (rm == 4) {
            uint8_t sib = (uint8_t)rnd(r, 256);
            b[(*n)++] = sib;
            if (mod == 0 && (sib & 7) == 5) disp = 4;
        }
        if (mod == 1)
            disp = 1;
        else if (mod == 2 || (mod == 0 && rm == 5))
            disp = 4;
    }
    while (disp-- > 0)
        b[(*n)++] = (uint8_t)rnd(r, 256);
}

static void gen_legacy(struct gen_rng *r, int bits, uint8_t *b, int *n)
{
    uint8_t op;
    add_legacy_prefixes(r, b, n);
    add_rex(r, bits, b, n);
    do
        op = (uint8_t)rnd(r, 256);
    while (op == 0x0f && !chance(r, 5));
    b[(*n)++] = op;
}

static void gen_0f(struct gen_rng *r, int bits, uint8_t *b, int *n)
{
    unsigned which = rnd(r, 100);
    add_legacy_prefixes(r, b, n);
    add_mandatory(r, b, n);
    add_rex(r, bits, b, n);
    b[(*n)++] = 0x0f;
    if (which < 50) {
        b[(*n)++] = (uint8_t)rnd(r, 256);
    } else if (which < 72) {
        b[(*n)++] = 0x38;
        b[(*n)++] = (uint8_t)rnd(r, 256);
    } else if (which < 92) {
        b[(*n)++] = 0x3a;
        b[(*n)++] = (uint8_t)rnd(r, 256);
    } else {
        /* 3DNow!: 0F 0F ModRM [SIB] [disp] suffix */
        b[(*n)++] = 0x0f;
        add_modrm_mem(r, bits, b, n);
        b[(*n)++] =
            chance(r, 80) ? amd3dnow_suffix[rnd(r, sizeof amd3dnow_suffix)] : (uint8_t)rnd(r, 256);
    }
}

static void gen_x87(struct gen_rng *r, int bits, uint8_t *b, int *n)
{
    add_legacy_prefixes(r, b, n);
    add_rex(r, bits, b, n);
    b[(*n)++] = (uint8_t)(0xd8 + rnd(r, 8));
}

/* Prefixes allowed before VEX/EVEX/XOP, plus occasionally a forbidden one. */
static void add_vex_prefixes(struct gen_rng *r, int bits, uint8_t *b, int *n)
{
    static const uint8_t ok[] = {0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65, 0x67};
    static const uint8_t bad[] = {0x66, 0xf2, 0xf3, 0xf0};
    if (chance(r, 12)) b[(*n)++] = ok[rnd(r, sizeof ok)];
    if (chance(r, 5)) b[(*n)++] = bad[rnd(r, sizeof bad)];
    if (bits == 64 && chance(r, 4)) b[(*n)++] = (uint8_t)(0x40 | rnd(r, 16));
}

/* Outside 64-bit mode C4/C5/62 are VEX/EVEX only if the next byte looks like mod == 3. */
static uint8_t top11(struct gen_rng *r, int bits, uint8_t v)
{
    if (bits != 64 && chance(r, 90)) v |= 0xc0;
    return v;
}

static uint8_t vvvv_bits(struct gen_rng *r)
{
    return chance(r, 50) ? 0x78 : (uint8_t)(rnd(r, 16) << 3);
}

static void gen_vex(struct gen_rng *r, int bits, uint8_t *b, int *n)
{
    add_vex_prefixes(r, bits, b, n);
    if (chance(r, 35)) {
        b[(*n)++] = 0xc5;
        b[(*n)++] = top11(r, bits, (uint8_t)((rnd(r, 2) << 7) | vvvv_bits(r) | rnd(r, 8)));
    } else {
        uint8_t m = chance(r, 85) ? (uint8_t)(1 + rnd(r, 3)) : (uint8_t)rnd(r, 32);
        b[(*n)++] = 0xc4;
        b[(*n)++] = top11(r, bits, (uint8_t)((rnd(r, 8) << 5) | m));
        b[(*n)++] = (uint8_t)((rnd(r, 2) << 7) | vvvv_bits(r) | rnd(r, 8));
    }
    b[(*n)++] = (uint8_t)rnd(r, 256);
}

static void gen_evex(struct gen_rng *r, int bits, uint8_t *b, int *n)
{
    static const uint8_t maps[] = {1, 2, 3, 5, 6};
    uint8_t p0, p1, p2;
    add_vex_prefixes(r, bits, b, n);
    p0 = (uint8_t)(rnd(r, 16) << 4);
    if (!chance(r, 85)) p0 |= 0x08;
    p0 |= chance(r, 90) ? maps[rnd(r, sizeof maps)] : (uint8_t)rnd(r, 8);
    p1 = (uint8_t)((rnd(r, 2) << 7) | vvvv_bits(r) | rnd(r, 4));
    if (chance(r, 92)) p1 |= 0x04;
    p2 = (uint8_t)rnd(r, 256);
    if (chance(r, 70)) p2 |= 0x08; /* V' = 1 (inverted: not a high register) */
    if ((p2 & 0x60) == 0x60 && chance(r, 80))
        p2 &= (uint8_t)~0x20; /* L'L = 11b is reserved: mostly avoid */
    b[(*n)++] = 0x62;
    b[(*n)++] = top11(r, bits, p0);
    b[(*n)++] = p1;
    b[(*n)++] = p2;
    b[(*n)++] = (uint8_t)rnd(r, 256);
}

static void gen_xop(struct gen_rng *r, int bits, uint8_t *b, int *n)
{
    uint8_t m = chance(r, 85) ? (uint8_t)(8 + rnd(r, 3)) : (uint8_t)rnd(r, 32);
    add_vex_prefixes(r, bits, b, n);
    b[(*n)++] = 0x8f;
    b[(*n)++] = (uint8_t)((rnd(r, 8) << 5) | m);
    b[(*n)++] = (uint8_t)((rnd(r, 2) << 7) | vvvv_bits(r) | rnd(r, 8));
    b[(*n)++] = (uint8_t)rnd(r, 256);
}

void gen_case(struct gen_rng *r, int cls, int bits, uint8_t out[GEN_CASE_LEN])
{
    uint8_t b[64];
    int n = 0, i;
    if (cls == GEN_ALL) {
        unsigned p = rnd(r, 100);
        cls = p < 30   ? GEN_LEGACY
              : p < 55 ? GEN_0F
              : p < 70 ? GEN_VEX
              : p < 85 ? GEN_EVEX
              : p < 90 ? GEN_XOP
                       : GEN_X87;
    }
    switch (cls) {
    case GEN_LEGACY: gen_legacy(r, bits, b, &n); break;
    case GEN_0F: gen_0f(r, bits, b, &n); break;
    case GEN_VEX: gen_vex(r, bits, b, &n); break;
    case GEN_EVEX: gen_evex(r, bits, b, &n); break;
    case GEN_XOP: gen_xop(r, bits, b, &n); break;
    default: gen_x87(r, bits, b, &n); break;
    }
    /* Random trailing bytes supply ModRM, SIB, displacement and immediates. */
    for (i = 0; i < GEN_CASE_LEN; i++)
        out[i] = i < n ? b[i] : (uint8_t)rnd(r, 256);
}

void gen_mutate(struct gen_rng *r, const uint8_t in[GEN_CASE_LEN], int len,
                uint8_t out[GEN_CASE_LEN])
{
    int i, flips = 1 + (int)rnd(r, 3);
    for (i = 0; i < GEN_CASE_LEN; i++)
        out[i] = in[i];
    if (len < 1 || len > GEN_CASE_LEN) len = GEN_CASE_LEN;
    /* Mostly in the first bytes: prefixes, escapes, VEX/EVEX payload, opcode, ModRM. */
    for (i = 0; i < flips; i++)
        out[rnd(r, (unsigned)(chance(r, 70) && len > 6 ? 6 : len))] ^= (uint8_t)(1u << rnd(r, 8));
    if (chance(r, 25))
        for (i = len; i < GEN_CASE_LEN; i++)
            out[i] = (uint8_t)rnd(r, 256);
}

static int is_legacy_prefix(uint8_t c)
{
    unsigned i;
    for (i = 0; i < sizeof legacy_pfx; i++)
        if (legacy_pfx[i] == c) return 1;
    return 0;
}

/* One-byte and 0F opcodes whose ModRM.reg selects the instruction (opcode groups). */
static int is_group(int map, uint8_t op)
{
    static const uint8_t g1[] = {0x80, 0x81, 0x82, 0x83, 0x8f, 0xc0, 0xc1, 0xc6, 0xc7,
                                 0xd0, 0xd1, 0xd2, 0xd3, 0xd8, 0xd9, 0xda, 0xdb, 0xdc,
                                 0xdd, 0xde, 0xdf, 0xf6, 0xf7, 0xfe, 0xff};
    static const uint8_t g2[] = {0x00, 0x01, 0x0d, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
                                 0x1e, 0x1f, 0x71, 0x72, 0x73, 0xae, 0xb9, 0xba, 0xc7};
    const uint8_t *g = map == 0 ? g1 : g2;
    unsigned n = map == 0 ? sizeof g1 : sizeof g2, i;
    if (map > 1) return 0;
    for (i = 0; i < n; i++)
        if (g[i] == op) return 1;
    return 0;
}

/* Bytes of ModRM + SIB + displacement (SDM Vol. 2 tables 2-1..2-3). */
static int modrm_len(uint8_t modrm, uint8_t sib, int a16)
{
    unsigned mod = modrm >> 6, rm = modrm & 7;
    if (mod == 3) return 1;
    if (a16) return 1 + (mod == 1 ? 1 : mod == 2 ? 2 : rm == 6 ? 2 : 0);
    if (rm == 4) return 2 + (mod == 1 ? 1 : mod == 2 ? 4 : (sib & 7) == 5 ? 4 : 0);
    return 1 + (mod == 1 ? 1 : mod == 2 ? 4 : rm == 5 ? 4 : 0);
}

void gen_opcode_key(const uint8_t *b, int n, int bits, char *buf, int size)
{
    static const char *const pp_name[4] = {"NP", "66", "F3", "F2"};
    int i = 0, p66 = 0, rep = 0, asz_override = 0; /* rep: last of F2/F3 */
    while (i < n && (is_legacy_prefix(b[i]) || (bits == 64 && (b[i] & 0xf0) == 0x40))) {
        if (b[i] == 0x66) p66 = 1;
        if (b[i] == 0x67) asz_override = 1;
        if (b[i] == 0xf2 || b[i] == 0xf3) rep = b[i];
        i++;
    }
    if (i >= n) {
        snprintf(buf, (size_t)size, "prefixes-only");
        return;
    }
    if ((b[i] == 0xc4 || b[i] == 0xc5 || b[i] == 0x62) && i + 1 < n &&
        (bits == 64 || (b[i + 1] & 0xc0) == 0xc0)) {
        if (b[i] == 0xc5 && i + 2 < n) {
            snprintf(buf, (size_t)size, "VEX.0F.%s %02X", pp_name[b[i + 1] & 3], b[i + 2]);
        } else if (b[i] == 0xc4 && i + 3 < n) {
            snprintf(buf, (size_t)size, "VEX.m%u.%s %02X", b[i + 1] & 31u, pp_name[b[i + 2] & 3],
                     b[i + 3]);
        } else if (b[i] == 0x62 && i + 4 < n) {
            snprintf(buf, (size_t)size, "EVEX.m%u.%s %02X", b[i + 1] & 7u, pp_name[b[i + 2] & 3],
                     b[i + 4]);
        } else {
            snprintf(buf, (size_t)size, "%02X-truncated", b[i]);
        }
        return;
    }
    if (b[i] == 0x8f && i + 3 < n && (b[i + 1] & 31) >= 8) {
        snprintf(buf, (size_t)size, "XOP.m%u.%s %02X", b[i + 1] & 31u, pp_name[b[i + 2] & 3],
                 b[i + 3]);
        return;
    }
    {
        const char *pfx = rep == 0xf3 ? " [F3]" : rep == 0xf2 ? " [F2]" : p66 ? " [66]" : "";
        int map = 0;
        char mapname[8] = "";
        if (b[i] == 0x0f && i + 1 < n) {
            i++;
            if (b[i] == 0x38 || b[i] == 0x3a) {
                snprintf(mapname, sizeof mapname, "0F%02X ", b[i]);
                map = 2;
                i++;
            } else if (b[i] == 0x0f) {
                int a16 = bits == 64 ? 0 : (bits == 16) != asz_override;
                int s = i + 1 < n ? i + 1 + modrm_len(b[i + 1], i + 2 < n ? b[i + 2] : 0, a16) : n;
                if (s < n)
                    snprintf(buf, (size_t)size, "3DNow! suffix %02X", b[s]);
                else
                    snprintf(buf, (size_t)size, "3DNow!");
                return;
            } else {
                snprintf(mapname, sizeof mapname, "0F ");
                map = 1;
            }
        }
        if (i >= n) {
            snprintf(buf, (size_t)size, "truncated");
            return;
        }
        if (is_group(map, b[i]) && i + 1 < n)
            snprintf(buf, (size_t)size, "%s%02X /%u%s%s", mapname, b[i], (b[i + 1] >> 3) & 7u,
                     (b[i + 1] >> 6) == 3 ? " reg" : " mem", map ? pfx : "");
        else
            snprintf(buf, (size_t)size, "%s%02X%s", mapname, b[i], map ? pfx : "");
    }
}
