/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Intel-syntax formatter: turns a decoded instruction into the text objdump -M intel
 * and iced-x86 print, in lower case with ", " between operands:
 *     mov eax, dword ptr [rbx+0x10]
 *     lock add qword ptr fs:[rax+rcx*8-0x8], 0x1
 *     vaddps zmm1{k1}{z}, zmm2, dword bcst [rax]
 *     vaddps zmm0, zmm0, zmm1{rn-sae}
 * Part of the freestanding core: no libc, no globals that change, no recursion.
 */
#include "format.h"
#include "form.h"

/* Output cursor: writes while there is room, always counts the full length. */
struct out {
    char *buf;
    size_t size;
    size_t len;
};

static void put_c(struct out *o, char c)
{
    if (o->len + 1 < o->size) o->buf[o->len] = c;
    o->len++;
}

static void put_s(struct out *o, const char *s)
{
    while (*s)
        put_c(o, *s++);
}

/* Terminate the text (truncated if it did not fit) and return its full length. */
static size_t finish(struct out *o)
{
    if (o->size) {
        if (o->len < o->size)
            o->buf[o->len] = '\0';
        else
            o->buf[o->size - 1] = '\0';
    }
    return o->len;
}

static void put_dec(struct out *o, unsigned v)
{
    char tmp[12];
    unsigned n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        put_c(o, tmp[--n]);
}

/* "0x" and the value in lower-case hex without leading zeros (objdump style). */
static void put_hex(struct out *o, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[16];
    unsigned n = 0;

    do {
        tmp[n++] = digits[v & 15];
        v >>= 4;
    } while (v);
    put_s(o, "0x");
    while (n)
        put_c(o, tmp[--n]);
}

/* v truncated to the low `bytes` bytes (1..8). */
static uint64_t trunc_to(uint64_t v, unsigned bytes)
{
    if (bytes >= 8 || bytes == 0) return v;
    return v & ((UINT64_C(1) << (bytes * 8)) - 1);
}

static int str_eq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static const char *const gpr16_names[8] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
static const char *const gpr8_names[8] = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"};
static const char *const gpr8h_names[4] = {"ah", "ch", "dh", "bh"};
static const char *const seg_names[8] = {"es", "cs", "ss", "ds", "fs", "gs", "?", "?"};

static void put_gpr(struct out *o, unsigned reg, unsigned size)
{
    if (reg >= 8) {
        put_c(o, 'r');
        put_dec(o, reg);
        if (size == 4)
            put_c(o, 'd');
        else if (size == 2)
            put_c(o, 'w');
        else if (size == 1)
            put_c(o, 'b');
        return;
    }
    if (size == 1) {
        put_s(o, gpr8_names[reg]);
        return;
    }
    if (size == 8)
        put_c(o, 'r');
    else if (size == 4)
        put_c(o, 'e');
    put_s(o, gpr16_names[reg]);
}

static void put_reg(struct out *o, unsigned kind, unsigned reg, unsigned size)
{
    switch (kind) {
    case XIE_OPK_GPR: put_gpr(o, reg & 15, size); return;
    case XIE_OPK_GPR8H: put_s(o, gpr8h_names[reg & 3]); return;
    case XIE_OPK_SEG: put_s(o, seg_names[reg & 7]); return;
    case XIE_OPK_CR: put_s(o, "cr"); break;
    case XIE_OPK_DR: put_s(o, "dr"); break;
    case XIE_OPK_MMX: put_s(o, "mm"); break;
    case XIE_OPK_VEC: put_s(o, size >= 64 ? "zmm" : size == 32 ? "ymm" : "xmm"); break;
    case XIE_OPK_MASK: put_c(o, 'k'); break;
    case XIE_OPK_BND: put_s(o, "bnd"); break;
    case XIE_OPK_TMM: put_s(o, "tmm"); break;
    case XIE_OPK_ST:
        put_s(o, "st(");
        put_dec(o, reg & 7);
        put_c(o, ')');
        return;
    default: put_c(o, '?'); return;
    }
    put_dec(o, reg);
}

size_t xiei_format_reg(unsigned kind, unsigned reg, unsigned size, char *buf, size_t bufsize)
{
    struct out o;

    o.buf = buf;
    o.size = bufsize;
    o.len = 0;
    put_reg(&o, kind, reg, size);
    return finish(&o);
}

/* The "xxx ptr" keyword of a memory access size, or NULL when there is none
 * (LEA's address, FXSAVE's 512-byte area: objdump prints no size either). */
static const char *size_keyword(unsigned size)
{
    switch (size) {
    case 1: return "byte";
    case 2: return "word";
    case 4: return "dword";
    case 6: return "fword";
    case 8: return "qword";
    case 10: return "tbyte";
    case 16: return "xmmword";
    case 32: return "ymmword";
    case 64: return "zmmword";
    default: return 0;
    }
}

/* Whether memory operand op shows its segment because of an override prefix. In
 * 64-bit mode only FS and GS overrides take effect: ES/CS/SS/DS prefixes are
 * ignored (SDM Vol. 1 3.3.7.1), and an ignored one after FS/GS does not cancel
 * it (checked on the CPU: 64 3E 48 8B 04 25 28.. reads fs:[0x28]). */
static int seg_shown(const struct xie_insn *insn, const struct xie_operand *op)
{
    if (!(insn->prefixes & XIE_PFX_SEG) || op->seg >= 6) return 0;
    if (insn->mode == XIE_MODE_64) return op->seg >= XIE_SEG_FS;
    return op->seg == insn->seg_prefix;
}

static int starts_with(const char *s, const char *prefix)
{
    while (*prefix && *s == *prefix) {
        s++;
        prefix++;
    }
    return *prefix == '\0';
}

/* Cache and TLB hints whose SDM operand is "m8" although they access no data
 * (the table gives size 0, or 64 for a cache line): objdump and iced write
 * "byte ptr" (prefetcht0 byte ptr [rax], clflush byte ptr [rax]). */
static int is_m8_hint(const char *name)
{
    return starts_with(name, "prefetch") || starts_with(name, "clflush") ||
           starts_with(name, "clwb") || starts_with(name, "cldemote") ||
           starts_with(name, "invlpg");
}

/* The F3/F2 prefix word for an F3 or F2 the instruction ignores (not a REP,
 * XACQUIRE/XRELEASE, BND, mandatory or VEX-era prefix): objdump and iced name it
 * ("rep ret" for F3 C3) so the text tells the encodings apart. NULL if none. */
static const char *ignored_rep(const struct xie_insn *insn)
{
    unsigned pfx;

    if (!(insn->prefixes & (XIE_PFX_REP | XIE_PFX_REPNE)) ||
        (insn->prefixes & (XIE_PFX_REPUSE | XIE_PFX_XACQ | XIE_PFX_XREL | XIE_PFX_BND |
                           XIE_PFX_VEX | XIE_PFX_EVEX | XIE_PFX_XOP)) ||
        insn->form >= xiei_nforms)
        return 0;
    /* With both F2 and F3, the last one is the mandatory prefix of an SSE row and
     * the other is ignored. */
    pfx = xiei_forms[insn->form].pfx;
    if (pfx == XIEI_PFX_F3) return (insn->prefixes & XIE_PFX_REPNE) ? "repne " : 0;
    if (pfx == XIEI_PFX_F2) return (insn->prefixes & XIE_PFX_REP) ? "rep " : 0;
    return (insn->prefixes & XIE_PFX_REP) ? "rep " : "repne ";
}

/* Whether a SIB byte encodes "no index" in a form that does not need one, which
 * objdump shows as a pseudo index eiz/riz ([esi+eiz*1+0x0], [rsp+riz*2]) so the
 * text tells the encodings apart. A SIB is needed for an RSP/R12 base with scale
 * 1, and for 64-bit absolute addressing (no base, scale 1: objdump ds:0x10,
 * xie [0x10]), since ModRM alone would mean RIP-relative there. */
static int sib_no_index(const struct xie_insn *insn, const struct xie_operand *op)
{
    if (!(insn->info & XIE_INSN_SIB) || op->index != XIE_REG_NONE || op->vsib ||
        op->base == XIE_REG_RIP)
        return 0;
    if (op->scale) return 1;
    if (op->base == XIE_REG_NONE) return insn->mode != XIE_MODE_64;
    return (op->base & 7) != 4;
}

/* Memory operand: "dword ptr fs:[rax+rcx*8-0x8]". show_seg forces the segment (string
 * instructions in their explicit form); otherwise it is shown when an override
 * prefix was given. */
static void put_mem(struct out *o, const struct xie_insn *insn, const struct xie_operand *op,
                    int show_seg)
{
    const char *kw;
    int any = 0;
    unsigned asz = insn->asz;

    if (insn->evex & XIE_EVEX_BCST) {
        /* iced's broadcast notation: the element size, then "bcst". */
        kw = size_keyword(op->elem ? op->elem : op->size);
        if (kw) {
            put_s(o, kw);
            put_s(o, " bcst ");
        }
    } else {
        kw = op->access == XIE_ACC_NONE && is_m8_hint(xie_op_name(insn->op))
                 ? "byte"
                 : size_keyword(op->size);
        if (kw) {
            put_s(o, kw);
            put_s(o, " ptr ");
        }
    }
    if (op->seg < 6 && (show_seg || seg_shown(insn, op))) {
        put_s(o, seg_names[op->seg]);
        put_c(o, ':');
    }
    put_c(o, '[');
    if (op->base == XIE_REG_RIP) {
        put_s(o, asz == 4 ? "eip" : "rip");
        any = 1;
    } else if (op->base != XIE_REG_NONE) {
        put_gpr(o, op->base, asz);
        any = 1;
    }
    if (op->index != XIE_REG_NONE || sib_no_index(insn, op)) {
        if (any) put_c(o, '+');
        if (op->index == XIE_REG_NONE)
            put_s(o, asz == 8 ? "riz" : "eiz");
        else if (op->vsib)
            put_reg(o, XIE_OPK_VEC, op->index, op->vsib);
        else
            put_gpr(o, op->index, asz);
        /* objdump writes the scale whenever a SIB byte encodes the index; 16-bit
         * forms ([bx+si]) have none. */
        if (op->scale || (insn->info & XIE_INSN_SIB)) {
            put_c(o, '*');
            put_c(o, (char)('0' + (1 << (op->scale & 3))));
        }
        any = 1;
    }
    if (!any) {
        /* Absolute address: moffs, disp32 without base, 16-bit disp16. */
        put_hex(o, trunc_to((uint64_t)insn->disp, asz));
    } else if (insn->disp || insn->disp_off) {
        /* An encoded displacement is shown even when zero ([rbp+0x0]), as objdump
         * does, so the text tells the encodings apart. */
        if (insn->disp < 0) {
            put_c(o, '-');
            put_hex(o, trunc_to((uint64_t)0 - (uint64_t)insn->disp, asz));
        } else {
            put_c(o, '+');
            put_hex(o, trunc_to((uint64_t)insn->disp, asz));
        }
    }
    put_c(o, ']');
}

static void put_operand(struct out *o, const struct xie_insn *insn, unsigned i, uint64_t rip,
                        int show_seg)
{
    const struct xie_operand *op = &insn->operands[i];
    unsigned j, nimm = 0;
    uint64_t target;

    switch (op->kind) {
    case XIE_OPK_MEM: put_mem(o, insn, op, show_seg); return;
    case XIE_OPK_IMM:
        /* ENTER has two immediates: the second one is imm2. */
        for (j = 0; j < i; j++)
            if (insn->operands[j].kind == XIE_OPK_IMM) nimm++;
        if (nimm)
            put_hex(o, insn->imm2);
        else
            put_hex(o, trunc_to((uint64_t)insn->imm, op->size));
        return;
    case XIE_OPK_REL:
        /* Target = next RIP + displacement, wrapped to the operand size (SDM Vol. 2
         * JMP/Jcc: EIP is truncated to 16 bits with a 16-bit operand size). */
        target = rip + insn->len + (uint64_t)insn->imm;
        put_hex(o, trunc_to(target, insn->osz));
        return;
    case XIE_OPK_FAR:
        put_hex(o, insn->imm2);
        put_c(o, ':');
        put_hex(o, trunc_to((uint64_t)insn->imm, insn->osz));
        return;
    case XIE_OPK_CONST1: put_c(o, '1'); return;
    default: put_reg(o, op->kind, op->reg, op->size); return;
    }
}

size_t xiei_format_operand(const struct xie_insn *insn, unsigned i, uint64_t rip, char *buf,
                           size_t bufsize)
{
    struct out o;

    o.buf = buf;
    o.size = bufsize;
    o.len = 0;
    if (i < insn->nops && i < XIE_MAX_OPERANDS) put_operand(&o, insn, i, rip, 0);
    return finish(&o);
}

/* How a base mnemonic the table keeps for all sizes is spelled in the text (every
 * other mnemonic is written as the table names it, with its explicit operands). */
enum spell {
    SP_STRING = 1, /* movs/cmps/...: + b/w/d/q from the memory operand size, no operands */
    SP_OSZ,        /* cbw/cwd/pushf/popf/iret/pusha/popa: name by operand size, no operands */
    SP_ASZ,        /* jcxz: name by address size */
};

/* Base mnemonics the table writes once for every size, and their sized names
 * (for 2-, 4- and 8-byte operand or address size). */
struct sized_name {
    const char *base;
    unsigned char spell;
    unsigned char repcc; /* F3/F2 read as REPE/REPNE */
    const char *name[3];
};

/* Sorted by first letter; find_sized() looks only at the entries of that letter. */
static const struct sized_name sized_names[] = {
    {"cmps", SP_STRING, 1, {0, 0, 0}},
    {"cbw", SP_OSZ, 0, {"cbw", "cwde", "cdqe"}},
    {"cwd", SP_OSZ, 0, {"cwd", "cdq", "cqo"}},
    {"ins", SP_STRING, 0, {0, 0, 0}},
    {"iret", SP_OSZ, 0, {"iret", "iretd", "iretq"}},
    {"jcxz", SP_ASZ, 0, {"jcxz", "jecxz", "jrcxz"}},
    {"lods", SP_STRING, 0, {0, 0, 0}},
    {"movs", SP_STRING, 0, {0, 0, 0}},
    {"outs", SP_STRING, 0, {0, 0, 0}},
    {"pushf", SP_OSZ, 0, {"pushf", "pushfd", "pushfq"}},
    {"popf", SP_OSZ, 0, {"popf", "popfd", "popfq"}},
    {"pusha", SP_OSZ, 0, {"pusha", "pushad", "pushad"}},
    {"popa", SP_OSZ, 0, {"popa", "popad", "popad"}},
    {"stos", SP_STRING, 0, {0, 0, 0}},
    {"scas", SP_STRING, 1, {0, 0, 0}},
};

/* The sized_names entry of a table mnemonic, or NULL. Called for every
 * instruction, so the first letter selects the few candidates to compare. */
static const struct sized_name *find_sized(const char *name)
{
    unsigned i, lo, hi;

    switch (name[0]) {
    case 'c': lo = 0, hi = 3; break;
    case 'i': lo = 3, hi = 5; break;
    case 'j': lo = 5, hi = 6; break;
    case 'l': lo = 6, hi = 7; break;
    case 'm': lo = 7, hi = 8; break;
    case 'o': lo = 8, hi = 9; break;
    case 'p': lo = 9, hi = 13; break;
    case 's': lo = 13, hi = 15; break;
    default: return 0;
    }
    for (i = lo; i < hi; i++)
        if (str_eq(name, sized_names[i].base)) return &sized_names[i];
    return 0;
}

static unsigned size_slot(unsigned bytes)
{
    return bytes >= 8 ? 2 : bytes == 4 ? 1 : 0;
}

/* The default address size of a mode, in bytes. */
static unsigned mode_asz(unsigned mode)
{
    return mode == XIE_MODE_64 ? 8 : mode == XIE_MODE_32 ? 4 : 2;
}

static const char *const rc_names[4] = {"{rn-sae}", "{rd-sae}", "{ru-sae}", "{rz-sae}"};

size_t xie_format(const struct xie_insn *insn, uint64_t rip, char *buf, size_t size)
{
    struct out o;
    const char *name = xie_op_name(insn->op);
    const struct sized_name *sn;
    unsigned i, n, first, last, strsize = 0;
    int explicit_str = 0, seg_any = 0, seg_on_operand = 0, need_sep = 0;
    const struct xie_operand *op;

    o.buf = buf;
    o.size = size;
    o.len = 0;
    n = insn->nops < XIE_MAX_OPERANDS ? insn->nops : XIE_MAX_OPERANDS;
    for (i = 0; i < n; i++) {
        op = &insn->operands[i];
        if (op->kind != XIE_OPK_MEM) continue;
        if (!strsize) strsize = op->size;
        if (seg_shown(insn, op)) {
            seg_any = 1;
            if (op->seg == insn->seg_prefix && !(op->flags & XIE_OPF_IMPLICIT)) seg_on_operand = 1;
        }
    }
    if (insn->op == 0) {
        put_s(&o, "(bad)");
        return finish(&o);
    }
    sn = find_sized(name);
    /* A string instruction keeps its operands when they say something the sized
     * name cannot: a segment override or a non-default address size. */
    if (sn && sn->spell == SP_STRING && (seg_any || insn->asz != mode_asz(insn->mode)))
        explicit_str = 1;

    /* Prefixes, in the order objdump prints them. */
    if (insn->prefixes & XIE_PFX_XACQ) put_s(&o, "xacquire ");
    if (insn->prefixes & XIE_PFX_XREL) put_s(&o, "xrelease ");
    if (insn->prefixes & XIE_PFX_LOCK) put_s(&o, "lock ");
    if (insn->prefixes & XIE_PFX_REPUSE) {
        if ((insn->prefixes & XIE_PFX_REPNE) && !(insn->prefixes & XIE_PFX_REP))
            put_s(&o, "repne ");
        else
            put_s(&o, sn && sn->repcc ? "repe " : "rep ");
    } else if (ignored_rep(insn)) {
        put_s(&o, ignored_rep(insn));
    }
    if (insn->prefixes & XIE_PFX_BND) put_s(&o, "bnd ");
    if (insn->prefixes & XIE_PFX_NOTRACK)
        put_s(&o, "notrack ");
    else if ((insn->prefixes & XIE_PFX_SEG) && insn->seg_prefix < 6 &&
             !(seg_on_operand && (!sn || sn->spell != SP_STRING || explicit_str))) {
        /* An override no printed memory operand shows: one without a memory
         * operand (branch hints) or one that 64-bit mode ignores. */
        put_s(&o, seg_names[insn->seg_prefix]);
        put_c(&o, ' ');
    }

    if (sn && sn->spell == SP_STRING && !explicit_str) {
        static const char suffix[] = "bwdq";
        unsigned k = strsize >= 8 ? 3 : strsize == 4 ? 2 : strsize == 2 ? 1 : 0;

        put_s(&o, name);
        put_c(&o, suffix[k]);
        return finish(&o);
    }
    if (sn && sn->spell == SP_OSZ) {
        put_s(&o, sn->name[size_slot(insn->osz)]);
        return finish(&o);
    }
    if (sn && sn->spell == SP_ASZ)
        put_s(&o, sn->name[size_slot(insn->asz)]);
    else
        put_s(&o, name);

    /* Embedded rounding / SAE is attached to the last register operand, before
     * trailing immediates (SDM: "zmm3/m512{er}", then imm8; objdump prints
     * "zmm1{rn-sae}" the same way). */
    last = n;
    for (i = 0; i < n; i++)
        if (!(insn->operands[i].flags & XIE_OPF_IMPLICIT) && insn->operands[i].kind != XIE_OPK_IMM)
            last = i;
    first = 1;
    for (i = 0; i < n; i++) {
        if (insn->operands[i].flags & XIE_OPF_IMPLICIT) continue;
        put_s(&o, need_sep ? ", " : " ");
        need_sep = 1;
        put_operand(&o, insn, i, rip, explicit_str);
        if (first) {
            first = 0;
            if (insn->mask) {
                put_s(&o, "{k");
                put_dec(&o, insn->mask & 7);
                put_c(&o, '}');
            }
            if (insn->evex & XIE_EVEX_Z) put_s(&o, "{z}");
        }
        if (i == last && (insn->evex & (XIE_EVEX_RC | XIE_EVEX_SAE)))
            put_s(&o, (insn->evex & XIE_EVEX_RC) ? rc_names[insn->rc & 3] : "{sae}");
    }
    return finish(&o);
}
