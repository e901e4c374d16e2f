/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reference-counted BDD helpers, the one set every analysis file uses:
 * every BDD held in a variable is referenced, every helper returns a
 * referenced BDD (the caller releases it with unref), and put() releases
 * what a variable held before it takes the new value.
 */
#ifndef XNFT_ANALYZE_BDDREF_H
#define XNFT_ANALYZE_BDDREF_H

#include <bdd.h>

#include "analyze/hspace.h"

static inline BDD ref(BDD x)
{
	return bdd_addref(x);
}

static inline void unref(BDD x)
{
	bdd_delref(x);
}

static inline BDD AND(BDD a, BDD b)
{
	return bdd_addref(bdd_and(a, b));
}

static inline BDD OR(BDD a, BDD b)
{
	return bdd_addref(bdd_or(a, b));
}

/* a minus a part of it shares most of its nodes with that part: hs_diff skips them */
static inline BDD DIFF(BDD a, BDD b)
{
	return hs_diff(a, b);
}

/* a and not b for any two BDDs: BuDDy's own difference, with its operation cache */
static inline BDD MINUS(BDD a, BDD b)
{
	return bdd_addref(bdd_apply(a, b, bddop_diff));
}

static inline BDD NOT(BDD a)
{
	return bdd_addref(bdd_not(a));
}

/* *d = v, releasing the old value (v is already referenced). */
static inline void put(BDD *d, BDD v)
{
	unref(*d);
	*d = v;
}

static inline void and_into(BDD *d, BDD x)
{
	put(d, AND(*d, x));
}

static inline void or_into(BDD *d, BDD x)
{
	put(d, OR(*d, x));
}

#endif
