# SPDX-License-Identifier: BSD-3-Clause
#
# xie.mk: the freestanding core of xie as a plain make fragment, for hypervisor
# build systems that do not use CMake. Include it and compile the listed sources
# with your own flags; nothing here sets compiler flags or defines rules.
#
#   XIE_ROOT ?= path/to/xie     (defaults to the directory of this file)
#   include $(XIE_ROOT)/xie.mk
#   CFLAGS += $(XIE_CPPFLAGS)
#   OBJS += $(XIE_CORE_SRCS:$(XIE_ROOT)/%.c=$(MYOBJDIR)/xie/%.o)
#
# Variables defined:
#   XIE_ROOT         top of the xie tree
#   XIE_INCLUDE_DIR  directory to add with -I (public headers are xie/*.h)
#   XIE_SRC_DIR      core source directory (its private headers live there)
#   XIE_CPPFLAGS     the -I options the core sources need (public and private headers)
#   XIE_CORE_SRCS    every core .c file: src/*.c, src/gen/*.c, src/emu/*.c
#                    (the same list CMake globs; src/hosted/ is not core)
#
# The core needs no libc, no allocation and no floating point, and compiles with
# -std=c99 -ffreestanding -nostdinc (plus the compiler's own include directory)
# -fno-builtin -mno-red-zone -mgeneral-regs-only, -m32 or -m64; see
# docs/building.md and tests/freestanding/, which builds through this file.

XIE_ROOT ?= $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
XIE_INCLUDE_DIR := $(XIE_ROOT)/include
XIE_SRC_DIR := $(XIE_ROOT)/src
XIE_CPPFLAGS := -I$(XIE_INCLUDE_DIR) -I$(XIE_SRC_DIR)
XIE_CORE_SRCS := $(sort $(wildcard $(XIE_SRC_DIR)/*.c)) \
                 $(sort $(wildcard $(XIE_SRC_DIR)/gen/*.c)) \
                 $(sort $(wildcard $(XIE_SRC_DIR)/emu/*.c))
