// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft events: drop events from a source, one per line, as JSON lines,
 * logfmt or text. Without --follow it reads what the source holds and
 * stops; records it could not use are counted and reported on stderr at
 * the end, never fatal.
 */
#include "cli/cli.h"

#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "events/event.h"
#include "events/format.h"
#include "events/source.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xnft events [--source SRC] [--format json|logfmt|text] [--follow]\n"
		"                   [--since DUR] [--count N]\n"
		"Print the firewall's drop events, one per line.\n"
		"\n"
		"Options:\n"
		"  --source SRC     where to read (default: journal when journald runs, else kmsg):\n"
		"                     nflog:GROUP        NFLOG group of the policy's `log group N`\n"
		"                                        (see xnft init --log); always live\n"
		"                     journal            the system journal, kernel messages only\n"
		"                     journal-file:PATH  one journal file, kernel messages only\n"
		"                     kmsg               /dev/kmsg, kernel facility only\n"
		"                     file:PATH          a log file (syslog, kern.log, dmesg output)\n"
		"                     -                  standard input\n"
		"  --format FMT     json (JSON lines), logfmt (both read as they are by promtail/\n"
		"                   Loki and Vector), or text (default)\n"
		"  -f, --follow     keep reading as the source grows; a file is followed across\n"
		"                   rotation and truncation. Starts at the end unless --since\n"
		"  --since DUR      only events from the last DUR (90s, 10m, 2h, 1d), or 'all'\n"
		"  --count N        stop after N events\n"
		"  -h, --help       show this help\n"
		"\n"
		"Keys of json and logfmt: time (RFC 3339, UTC) category prefix hook iface in out\n"
		"family proto src dst, and when known sport dport tcp_flags icmp_type icmp_code\n"
		"len ttl fragment frag_offset more_fragments mtu mark uid gid mac_src incomplete.\n"
		"Stop a live source with Ctrl-C. Exit status: 0 read, 2 usage error or the\n"
		"source cannot be read.\n");
}

enum {
	OPT_SOURCE = 1000,
	OPT_FORMAT,
	OPT_SINCE,
	OPT_COUNT,
};

static const struct option options[] = {
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "follow", no_argument,       NULL, 'f' },
	{ "since",  required_argument, NULL, OPT_SINCE },
	{ "count",  required_argument, NULL, OPT_COUNT },
	{ "help",   no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct events_args {
	const char *source;
	enum event_format format;
	bool follow;
	bool since_given;
	int64_t since_us;
	unsigned long long count;   /* 0 = no limit */
};

struct printer {
	enum event_format format;
	unsigned long long count, limit;
	bool write_failed;
	char line[EVENT_LINE_MAX];
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int parse_args(struct events_args *a, int argc, char **argv, struct xerr *e)
{
	int opt;

	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":fh", options, NULL)) != -1) {
		switch (opt) {
		case OPT_SOURCE:
			a->source = optarg;
			break;
		case OPT_FORMAT:
			if (event_format_parse(optarg, &a->format, e) < 0)
				return -1;
			break;
		case 'f':
			a->follow = true;
			break;
		case OPT_SINCE:
			if (event_parse_since(optarg, event_now_us(), &a->since_us, e) < 0)
				return -1;
			a->since_given = true;
			break;
		case OPT_COUNT:
			if (cli_parse_number("events", "--count", optarg, 1, ULLONG_MAX, &a->count,
					     e) < 0)
				return -1;
			break;
		case ':':
			return cli_usage_xerr(e, "events", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_xerr(e, "events", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_xerr(e, "events", "unexpected argument '%s'", argv[optind]);
	return 0;
}

static int print_event(const struct xevent *ev, void *arg)
{
	struct printer *p = arg;
	size_t n = event_format(ev, p->format, p->line, sizeof(p->line));

	if (fwrite(p->line, 1, n, stdout) != n) {
		p->write_failed = true;
		return 1;
	}
	p->count++;
	return p->limit && p->count >= p->limit;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;   /* no SA_RESTART: poll returns at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);    /* a closed pipe shows as a write error */
}

/* Read until the end, a stop, --count, or a closed stdout. */
static int read_loop(struct evsource *src, struct printer *p, struct xerr *e)
{
	for (;;) {
		int r;

		if (stop_requested)
			return 0;
		r = evsource_read(src, print_event, p, e);
		if (r < 0)
			return -1;
		if (fflush(stdout) != 0)
			p->write_failed = true;
		if (r > 0 || p->write_failed)
			return 0;
		evsource_wait(src, 500);
	}
}

static void print_notes(const struct evsource *src)
{
	char note[512];

	for (unsigned i = 0; evsource_stats_note(src, i, note, sizeof(note)); i++)
		fprintf(stderr, "xnft events: %s\n", note);
}

int cmd_events(int argc, char **argv)
{
	struct events_args a = { .format = EVENT_FMT_TEXT };
	struct evsource_opts o = { 0 };
	struct evsource *src = NULL;
	struct printer *p = NULL;
	struct xerr e;
	int ret = XNFT_EXIT_OK;

	if (cli_help_shown(argc, argv, usage))
		return XNFT_EXIT_OK;
	xerr_clear(&e);
	if (parse_args(&a, argc, argv, &e) < 0)
		goto fail;
	o.follow = a.follow;
	o.from_end = a.follow && !a.since_given;
	o.since_us = a.since_us;
	if (evsource_open(&src, a.source, &o, &e) < 0)
		goto fail;
	p = calloc(1, sizeof(*p));
	if (!p) {
		xerr_set(&e, XNFT_EXIT_USAGE, "out of memory");
		goto fail;
	}
	p->format = a.format;
	p->limit = a.count;
	install_signals();
	if (read_loop(src, p, &e) < 0)
		goto fail;
	print_notes(src);
	evsource_close(src);
	free(p);
	return ret;
fail:
	xerr_print(stderr, &e);
	ret = e.code ? e.code : XNFT_EXIT_USAGE;
	if (src)
		print_notes(src);
	evsource_close(src);
	free(p);
	return ret;
}
