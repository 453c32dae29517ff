/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON output of `xie decode --json`: one object per instruction with the fields of
 * struct xie_insn (docs/tool.md lists them).
 */
#include <string.h>

#include "format.h"
#include "tool.h"

static const char *const kind_names[] = {
    "none", "gpr", "gpr8h", "seg", "cr",  "dr",  "mmx", "vec",    "mask",
    "st",   "bnd", "tmm",   "mem", "imm", "rel", "far", "const1",
};

static const char *access_name(unsigned a)
{
    switch (a) {
    case XIE_ACC_NONE: return "none";
    case XIE_ACC_R: return "r";
    case XIE_ACC_W: return "w";
    case XIE_ACC_RW: return "rw";
    case XIE_ACC_CW: return "cw";
    case XIE_ACC_CRW: return "crw";
    default: return "?";
    }
}

static const char *const seg_names[8] = {"es", "cs", "ss", "ds", "fs", "gs", "?", "none"};

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_gpr(FILE *f, const char *key, unsigned reg, unsigned size)
{
    char name[16];

    fprintf(f, ",\"%s\":", key);
    if (reg == XIE_REG_NONE) {
        fputs("null", f);
    } else if (reg == XIE_REG_RIP) {
        json_str(f, size == 4 ? "eip" : "rip");
    } else {
        xiei_format_reg(XIE_OPK_GPR, reg, size, name, sizeof(name));
        json_str(f, name);
    }
}

static void json_operand(FILE *f, const struct xie_insn *insn, unsigned i, uint64_t rip)
{
    const struct xie_operand *op = &insn->operands[i];
    char text[128];

    fputs("{\"kind\":", f);
    json_str(f, op->kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[op->kind] : "?");
    fprintf(f, ",\"access\":\"%s\",\"size\":%u,\"implicit\":%s", access_name(op->access), op->size,
            op->flags & XIE_OPF_IMPLICIT ? "true" : "false");
    switch (op->kind) {
    case XIE_OPK_MEM:
        fprintf(f, ",\"seg\":\"%s\"", seg_names[op->seg & 7]);
        json_gpr(f, "base", op->base, insn->asz);
        if (op->vsib) {
            xiei_format_reg(XIE_OPK_VEC, op->index, op->vsib, text, sizeof(text));
            fputs(",\"index\":", f);
            json_str(f, text);
        } else {
            json_gpr(f, "index", op->index, insn->asz);
        }
        fprintf(f, ",\"scale\":%u,\"disp\":%lld,\"riprel\":%s,\"vsib\":%s", 1u << (op->scale & 3),
                (long long)insn->disp, op->base == XIE_REG_RIP ? "true" : "false",
                op->vsib ? "true" : "false");
        if (op->elem) fprintf(f, ",\"elem\":%u", op->elem);
        break;
    case XIE_OPK_IMM:
    case XIE_OPK_REL:
    case XIE_OPK_FAR:
    case XIE_OPK_CONST1:
        if (op->kind == XIE_OPK_REL)
            fprintf(f, ",\"disp\":%lld", (long long)insn->imm);
        else if (op->kind == XIE_OPK_FAR)
            fprintf(f, ",\"selector\":%u,\"offset\":%lld", insn->imm2, (long long)insn->imm);
        break;
    default:
        xiei_format_reg(op->kind, op->reg, op->size, text, sizeof(text));
        fputs(",\"reg\":", f);
        json_str(f, text);
        fprintf(f, ",\"regno\":%u", op->reg);
        if (op->elem) fprintf(f, ",\"elem\":%u", op->elem);
        break;
    }
    /* The operand as the text shows it (immediate value, branch target, ...). */
    xiei_format_operand(insn, i, rip, text, sizeof(text));
    fputs(",\"text\":", f);
    json_str(f, text);
    fputc('}', f);
}

static void json_prefixes(FILE *f, unsigned p)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {
        {XIE_PFX_LOCK, "lock"},     {XIE_PFX_REP, "f3"},        {XIE_PFX_REPNE, "f2"},
        {XIE_PFX_OSZ, "66"},        {XIE_PFX_ASZ, "67"},        {XIE_PFX_SEG, "seg"},
        {XIE_PFX_REX, "rex"},       {XIE_PFX_VEX, "vex"},       {XIE_PFX_EVEX, "evex"},
        {XIE_PFX_XOP, "xop"},       {XIE_PFX_REPUSE, "rep"},    {XIE_PFX_BND, "bnd"},
        {XIE_PFX_XACQ, "xacquire"}, {XIE_PFX_XREL, "xrelease"}, {XIE_PFX_NOTRACK, "notrack"},
    };
    unsigned i;
    int first = 1;

    fputs(",\"prefixes\":[", f);
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (p & names[i].bit) {
            fprintf(f, "%s\"%s\"", first ? "" : ",", names[i].name);
            first = 0;
        }
    }
    fputc(']', f);
}

void print_json(FILE *f, int st, const struct xie_insn *insn, const uint8_t *bytes, size_t len,
                uint64_t rip, int with_addr)
{
    static const unsigned mode_bits[3] = {16, 32, 64};
    char text[256];
    size_t i;

    fputc('{', f);
    if (with_addr) fprintf(f, "\"address\":%llu,", (unsigned long long)rip);
    fputs("\"status\":", f);
    json_str(f, status_word(st));
    fputs(",\"bytes\":\"", f);
    for (i = 0; i < len; i++)
        fprintf(f, "%02x", bytes[i]);
    fprintf(f, "\",\"len\":%u,\"mode\":%u", insn->len, mode_bits[insn->mode < 3 ? insn->mode : 2]);
    if (st != XIE_DECODE_OK) {
        fputs(",\"reason\":", f);
        json_str(f, status_reason(st, insn));
        if (st == XIE_DECODE_UD) fprintf(f, ",\"ud\":%u", insn->ud);
        fputc('}', f);
        return;
    }
    fprintf(f, ",\"op\":%u,\"mnemonic\":", insn->op);
    json_str(f, xie_op_name(insn->op));
    xie_format(insn, rip, text, sizeof(text));
    fputs(",\"text\":", f);
    json_str(f, text);
    fprintf(f, ",\"form\":%u,\"osz\":%u,\"asz\":%u", insn->form, insn->osz * 8u, insn->asz * 8u);
    json_prefixes(f, insn->prefixes);
    fprintf(f, ",\"seg_prefix\":");
    if (insn->seg_prefix < 6)
        fprintf(f, "\"%s\"", seg_names[insn->seg_prefix]);
    else
        fputs("null", f);
    fprintf(f, ",\"rex\":%u,\"map\":%u,\"opcode\":%u", insn->rex, insn->map, insn->opcode);
    if (insn->info & XIE_INSN_MODRM) fprintf(f, ",\"modrm\":%u", insn->modrm);
    if (insn->info & XIE_INSN_SIB) fprintf(f, ",\"sib\":%u", insn->sib);
    if (insn->prefixes & (XIE_PFX_VEX | XIE_PFX_EVEX | XIE_PFX_XOP))
        fprintf(f, ",\"vl\":%u", 128u << insn->vl);
    if (insn->prefixes & XIE_PFX_EVEX) {
        fprintf(f, ",\"mask\":%u,\"evex\":{\"z\":%s,\"bcst\":%s,\"sae\":%s,\"rc\":", insn->mask,
                insn->evex & XIE_EVEX_Z ? "true" : "false",
                insn->evex & XIE_EVEX_BCST ? "true" : "false",
                insn->evex & XIE_EVEX_SAE ? "true" : "false");
        if (insn->evex & XIE_EVEX_RC) {
            static const char *const rc[4] = {"rn-sae", "rd-sae", "ru-sae", "rz-sae"};

            json_str(f, rc[insn->rc & 3]);
        } else {
            fputs("null", f);
        }
        fputc('}', f);
    }
    fputs(",\"operands\":[", f);
    for (i = 0; i < insn->nops && i < XIE_MAX_OPERANDS; i++) {
        if (i) fputc(',', f);
        json_operand(f, insn, (unsigned)i, rip);
    }
    fputs("]}", f);
}
