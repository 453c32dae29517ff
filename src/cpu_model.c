/* SPDX-License-Identifier: BSD-3-Clause */
/* CPU model presets of the freestanding core (see include/xie/decode.h). */
#include "xie/decode.h"

void xie_cpu_model_all(struct xie_cpu_model *m, enum xie_vendor vendor)
{
    unsigned f;
    m->vendor = (uint8_t)vendor;
    m->reserved[0] = m->reserved[1] = m->reserved[2] = 0;
    for (f = 0; f < XIE_FEAT_WORDS; f++)
        m->feat[f] = 0;
    for (f = 0; f < XIE_FEAT__COUNT; f++)
        xie_cpu_set(m, f, 1);
}
