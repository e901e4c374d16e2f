// SPDX-License-Identifier: GPL-2.0-or-later
/* placeholder: being written */
typedef int xnft_placeholder_core_srcloc;
