// SPDX-License-Identifier: GPL-2.0
/*
 * ovlctl -b FILE: commands read from FILE (or standard input for "-"),
 * one per line, written as on the command line without "ovlctl".  Blank
 * lines and "#" comments are skipped.  All commands share one netlink
 * socket; the first failing command stops the batch, naming its line.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"
#include "ovlctl.h"

#define BATCH_MAX_WORDS 64

int run_batch(struct ovlctl *ctl, const char *path,
	      int (*run)(struct ovlctl *ctl, int argc, char **argv))
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *argv[BATCH_MAX_WORDS], *line = NULL, *word, *save;
	unsigned long lineno = 0;
	size_t cap = 0;
	int argc, ret = EXIT_SUCCESS;

	if (!f) {
		pr_err("%s: %s", path, strerror(errno));
		return EXIT_FAILURE;
	}
	ovl_nl_batch(true);
	while (ret == EXIT_SUCCESS && getline(&line, &cap, f) >= 0) {
		lineno++;
		line[strcspn(line, "#\n")] = '\0';
		argc = 0;
		for (word = strtok_r(line, " \t\r", &save); word;
		     word = strtok_r(NULL, " \t\r", &save)) {
			if (argc == BATCH_MAX_WORDS) {
				ret = EXIT_USAGE;
				break;
			}
			argv[argc++] = word;
		}
		if (ret == EXIT_SUCCESS && argc && !strcmp(argv[0], "monitor"))
			ret = EXIT_USAGE;
		else if (ret == EXIT_SUCCESS && argc)
			ret = run(ctl, argc, argv);
		if (ret != EXIT_SUCCESS)
			pr_err("%s:%lu: stopping at this line", path, lineno);
	}
	if (ret == EXIT_SUCCESS && ferror(f)) {
		pr_err("%s: %s", path, strerror(errno));
		ret = EXIT_FAILURE;
	}
	ovl_nl_batch(false);
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}
