/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * seed.h - fills the availability model (avail.h) from the RRD files once.
 *
 * A thread of its own walks every target not seeded yet, reads its main
 * file (store_file_path; the finest archive for the last 25 hours, hourly
 * rows before, 92 days in all; through rrdcached's flush when configured,
 * store/history.h) and merges the rows with model_seed().  A target
 * without a file is marked seeded with nothing.  It runs at start and after
 * a reload (where only targets new to the model are left), and then ends:
 * no periodic job reads RRD files for availability.  The probe loop never
 * waits for it.
 */
#ifndef OZG_MODEL_SEED_H
#define OZG_MODEL_SEED_H

#include <stddef.h>

#include "model/avail.h"

struct model_seeder;

/*
 * Starts seeding m (borrowed; must outlive the seeder) from the files under
 * data_dir (copied).  NULL with a reason in err.
 */
struct model_seeder *model_seed_start(struct model *m, const char *data_dir, char *err,
				      size_t errsz);
/* Stops (at the next target) and joins; NULL-safe. */
void model_seed_stop(struct model_seeder *s);
/* Whether the pass is over (every target seeded or stopped). */
bool model_seed_done(struct model_seeder *s);

/*
 * Reads target `id`'s history under data_dir and seeds target i of m with it:
 * 1 (read), 0 (no file yet: seeded with nothing) or -1 (unreadable: seeded
 * with nothing, the reason in err).
 */
int model_seed_one(struct model *m, size_t i, const char *data_dir, const char *id, time_t now,
		   char *err, size_t errsz);

#endif
