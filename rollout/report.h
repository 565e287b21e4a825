/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * report.h - monthly SLA reports from the RRD files, for the command line.
 *
 *   ozgmond report --config FILE --month YYYY-MM
 *                  (--gemeinde AGS | --kreis KEY | --dienst ID)
 *                  [--format csv|json|html] [--sla PERCENT] [--data-dir DIR]
 *
 * For a Gemeinde: every Onlinedienst that serves it (through an Angebot for
 * the Gemeinde, its Verband, its Kreis or the Land), with the Leistungen
 * (by name) and Reifegrad it offers there.  For a Kreis: every Onlinedienst
 * that serves any of its Gemeinden.  For a Dienst: that one.  Each row gives the
 * month's availability (maintenance excluded), the time it covers, the
 * downtime, and mean and 95th-percentile response times with the time they
 * cover (the performance files keep 14 days: an older month has
 * availability but no response times), and whether the availability
 * reaches the SLA target.  The incidents of the month (from the journal,
 * <data_dir>/incidents.jsonl) are listed with their causes.  Months are
 * calendar months in Europe/Berlin time; a month that has not begun is an
 * error.  The HTML form is a German document for printing on A4.
 */
#ifndef OZG_REPORT_H
#define OZG_REPORT_H

#include <stdio.h>
#include <time.h>

#include "config/config.h"

enum report_format { REPORT_CSV, REPORT_JSON, REPORT_HTML };

#define REPORT_SLA_DEFAULT 0.99	/* availability target when none is given */

struct report_request {
	const char *month;	/* "YYYY-MM" */
	const char *gemeinde;	/* AGS or ARS; or NULL */
	const char *kreis;	/* 5-digit key; or NULL */
	const char *dienst;	/* id; or NULL (exactly one of the three) */
	const char *data_dir;
	enum report_format format;
	double sla;		/* availability target in (0, 1]; 0: REPORT_SLA_DEFAULT */
	time_t now;		/* 0: the clock */
};

/* Parses "YYYY-MM" into [start, end) in Europe/Berlin time.  0 or -1. */
int report_month_range(const char *month, time_t *start, time_t *end);

/*
 * Writes the report to out.  Returns 0, or -1 with a reason in err (unknown
 * Gemeinde, Kreis or Dienst, bad or future month, unwritable output).  Dienste without data for
 * the month are listed with empty figures, never left out.
 */
int report_write(const struct cfg *cfg, const struct report_request *rq, FILE *out, char *err,
		 size_t errsz);

#endif
