/* SPDX-License-Identifier: EUPL-1.2 */
/* test_exporter.c - exposition byte for byte, negotiation, paths, API, web config, reload state. */
#include <check.h>
#include <crypt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/collector.h"
#include "exporter/api.h"
#include "exporter/http.h"
#include "exporter/prom.h"
#include "exporter/webcfg.h"
#include "tests/unit/testutil.h"

/* Two targets whose names hold everything a label value must escape. */
static struct cfg_dienst dienste[2];
static struct cfg cfg;

static void setup(void)
{
	memset(dienste, 0, sizeof dienste);
	memset(&cfg, 0, sizeof cfg);
	dienste[0].id = S("k16064-kfz");
	dienste[0].name = S("Kfz \"Zulassung\"\nneu");
	dienste[0].provider = S("Mühlhausen/Thüringen");
	dienste[0].url = S("https://user:pw@kfz.example.de:8443/a?token=x");
	dienste[0].interval_ms = 60000;
	dienste[1].id = S("v1606-wohnsitz");
	dienste[1].name = S("C:\\Pfad\\");
	dienste[1].provider = S("");
	dienste[1].url = S("http://b.example.de/");
	dienste[1].efa = true;
	dienste[1].interval_ms = 30000;
	cfg.dienste = dienste;
	cfg.n_dienste = 2;
	cfg.reg.land_key[0] = '1';
	cfg.reg.land_key[1] = '6';
	cfg.reg.land_name = S("Thüringen");
	cfg.global.language = S("de");
}

static struct snapshot *hostile_snapshot(void)
{
	struct snapshot *s = snapshot_new(&cfg);

	ck_assert_ptr_nonnull(s);
	s->t[0] = (struct target_state){ .probed = true, .success = true, .duration_s = 0.125,
					 .http_status = 200, .last_ms = 1795000000500 };
	s->stats.results[PROBE_SUCCESS] = 3;
	s->stats.lag_last_s = 0.002;
	s->stats.in_flight = 1;
	s->made_ms = 1795000001000;
	return s;
}

static void render(bool openmetrics, struct buf *b)
{
	struct snapshot *s = hostile_snapshot();
	struct store_stats st = { .updates = 10, .queue_cap = 64 };
	struct prom_self self = {
		.store = &st, .start_time_s = 1795000000, .ready = true, .reload_ok = true,
		.reload_success_s = 1795000000.25, .openmetrics = openmetrics,
		.proc = { .valid = true, .cpu_seconds = 1.5, .resident_bytes = 1048576,
			  .virtual_bytes = 2097152, .open_fds = 7, .max_fds = 1024 },
	};

	buf_init(b, 1 << 20);
	prom_render(b, s, &self);
	snapshot_release(s);
	ck_assert(!b->overflow);
}

static const char want_text[] =
	"# HELP ozgmon_build_info Version of ozgmond; always 1.\n"
	"# TYPE ozgmon_build_info gauge\n"
	"ozgmon_build_info{version=\"" OZGMON_VERSION "\"} 1\n"
	"# HELP ozgmon_config_last_reload_successful Whether the last configuration (re)load succeeded (1) or was refused (0).\n"
	"# TYPE ozgmon_config_last_reload_successful gauge\n"
	"ozgmon_config_last_reload_successful 1\n"
	"# HELP ozgmon_config_last_reload_success_timestamp_seconds When a configuration last loaded successfully, seconds since the epoch.\n"
	"# TYPE ozgmon_config_last_reload_success_timestamp_seconds gauge\n"
	"ozgmon_config_last_reload_success_timestamp_seconds 1795000000.25\n"
	"# HELP ozgmon_ready 1 when the configuration is loaded and every target has been probed once.\n"
	"# TYPE ozgmon_ready gauge\n"
	"ozgmon_ready 1\n"
	"# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
	"# TYPE process_cpu_seconds_total counter\n"
	"process_cpu_seconds_total 1.5\n"
	"# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
	"# TYPE process_resident_memory_bytes gauge\n"
	"process_resident_memory_bytes 1048576\n"
	"# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
	"# TYPE process_virtual_memory_bytes gauge\n"
	"process_virtual_memory_bytes 2097152\n"
	"# HELP process_open_fds Number of open file descriptors.\n"
	"# TYPE process_open_fds gauge\n"
	"process_open_fds 7\n"
	"# HELP process_max_fds Maximum number of open file descriptors.\n"
	"# TYPE process_max_fds gauge\n"
	"process_max_fds 1024\n"
	"# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
	"# TYPE process_start_time_seconds gauge\n"
	"process_start_time_seconds 1795000000\n"
	"# HELP ozgmon_store_queue_length Samples waiting for the RRD writer.\n"
	"# TYPE ozgmon_store_queue_length gauge\n"
	"ozgmon_store_queue_length 0\n"
	"# HELP ozgmon_store_queue_capacity Bound of the RRD writer's queue.\n"
	"# TYPE ozgmon_store_queue_capacity gauge\n"
	"ozgmon_store_queue_capacity 64\n"
	"# HELP ozgmon_store_dropped_samples_total Samples that could not be stored (queue full or file unusable).\n"
	"# TYPE ozgmon_store_dropped_samples_total counter\n"
	"ozgmon_store_dropped_samples_total 0\n"
	"# HELP ozgmon_store_stale_samples_total Samples not newer than their file's last update (clock stepped back).\n"
	"# TYPE ozgmon_store_stale_samples_total counter\n"
	"ozgmon_store_stale_samples_total 0\n"
	"# HELP ozgmon_rrd_updates_total RRD updates written.\n"
	"# TYPE ozgmon_rrd_updates_total counter\n"
	"ozgmon_rrd_updates_total 10\n"
	"# HELP ozgmon_rrd_errors_total RRD updates that failed.\n"
	"# TYPE ozgmon_rrd_errors_total counter\n"
	"ozgmon_rrd_errors_total 0\n"
	"# HELP ozgmon_rrd_files_created_total RRD files created.\n"
	"# TYPE ozgmon_rrd_files_created_total counter\n"
	"ozgmon_rrd_files_created_total 0\n"
	"# HELP ozgmon_store_spill_length Samples waiting in the spill behind the full RRD writer queue.\n"
	"# TYPE ozgmon_store_spill_length gauge\n"
	"ozgmon_store_spill_length 0\n"
	"# HELP ozgmon_store_spill_capacity Bound of the spill.\n"
	"# TYPE ozgmon_store_spill_capacity gauge\n"
	"ozgmon_store_spill_capacity 0\n"
	"# HELP ozgmon_rrd_usage_updates_total Usage counter samples written.\n"
	"# TYPE ozgmon_rrd_usage_updates_total counter\n"
	"ozgmon_rrd_usage_updates_total 0\n"
	"# HELP ozgmon_rrd_files_converted_total RRD files rebuilt in the configured layout (the old file kept as a backup).\n"
	"# TYPE ozgmon_rrd_files_converted_total counter\n"
	"ozgmon_rrd_files_converted_total 0\n"
	"# HELP ozgmon_store_files_unusable RRD files that could not be read or created and wait for their next retry.\n"
	"# TYPE ozgmon_store_files_unusable gauge\n"
	"ozgmon_store_files_unusable 0\n"
	"# HELP ozgmon_store_file_retries_total Retries of RRD files that could not be read or created.\n"
	"# TYPE ozgmon_store_file_retries_total counter\n"
	"ozgmon_store_file_retries_total 0\n"
	"# HELP ozgmon_targets Probe targets configured.\n"
	"# TYPE ozgmon_targets gauge\n"
	"ozgmon_targets 2\n"
	"# HELP ozgmon_probes_in_flight Probes running now.\n"
	"# TYPE ozgmon_probes_in_flight gauge\n"
	"ozgmon_probes_in_flight 1\n"
	"# HELP ozgmon_probes_waiting Due probes waiting for a free transfer slot.\n"
	"# TYPE ozgmon_probes_waiting gauge\n"
	"ozgmon_probes_waiting 0\n"
	"# HELP ozgmon_probes_skipped_total Due probes skipped because the target's previous probe was still running.\n"
	"# TYPE ozgmon_probes_skipped_total counter\n"
	"ozgmon_probes_skipped_total 0\n"
	"# HELP ozg_probes_total Finished probes by result.\n"
	"# TYPE ozg_probes_total counter\n"
	"ozg_probes_total{result=\"success\"} 3\n"
	"ozg_probes_total{result=\"timeout\"} 0\n"
	"ozg_probes_total{result=\"dns\"} 0\n"
	"ozg_probes_total{result=\"connect\"} 0\n"
	"ozg_probes_total{result=\"tls\"} 0\n"
	"ozg_probes_total{result=\"cert_expired\"} 0\n"
	"ozg_probes_total{result=\"http_status\"} 0\n"
	"ozg_probes_total{result=\"content\"} 0\n"
	"ozg_probes_total{result=\"body_too_large\"} 0\n"
	"ozg_probes_total{result=\"redirect_limit\"} 0\n"
	"ozg_probes_total{result=\"header_too_large\"} 0\n"
	"ozg_probes_total{result=\"redirect_refused\"} 0\n"
	"ozg_probes_total{result=\"too_slow\"} 0\n"
	"# HELP ozg_dienst_info Names of an Onlinedienst (probe target); always 1.\n"
	"# TYPE ozg_dienst_info gauge\n"
	"ozg_dienst_info{dienst=\"k16064-kfz\",name=\"Kfz \\\"Zulassung\\\"\\nneu\",provider=\"Mühlhausen/Thüringen\",efa=\"false\"} 1\n"
	"ozg_dienst_info{dienst=\"v1606-wohnsitz\",name=\"C:\\\\Pfad\\\\\",provider=\"\",efa=\"true\"} 1\n"
	"# HELP ozg_probe_success Whether the last probe of the Onlinedienst succeeded (1) or not (0).\n"
	"# TYPE ozg_probe_success gauge\n"
	"ozg_probe_success{dienst=\"k16064-kfz\"} 1\n"
	"# HELP ozg_probe_duration_seconds Total duration of the last probe in seconds.\n"
	"# TYPE ozg_probe_duration_seconds gauge\n"
	"ozg_probe_duration_seconds{dienst=\"k16064-kfz\"} 0.125\n"
	"# HELP ozg_probe_http_status_code HTTP status of the last probe's final response; 0 when none was read.\n"
	"# TYPE ozg_probe_http_status_code gauge\n"
	"ozg_probe_http_status_code{dienst=\"k16064-kfz\"} 200\n"
	"# HELP ozg_probe_last_timestamp_seconds When the last probe finished, seconds since the epoch.\n"
	"# TYPE ozg_probe_last_timestamp_seconds gauge\n"
	"ozg_probe_last_timestamp_seconds{dienst=\"k16064-kfz\"} 1795000000.5\n"
	"# HELP ozgmon_schedule_lag_seconds How late probes started behind their due time.\n"
	"# TYPE ozgmon_schedule_lag_seconds histogram\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"0.005\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"0.01\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"0.025\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"0.05\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"0.1\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"0.25\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"0.5\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"1\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"2.5\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"5\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"10\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"30\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"+Inf\"} 0\n"
	"ozgmon_schedule_lag_seconds_sum 0\n"
	"ozgmon_schedule_lag_seconds_count 0\n"
	"# HELP ozgmon_probes_started_total Probes started.\n"
	"# TYPE ozgmon_probes_started_total counter\n"
	"ozgmon_probes_started_total 0\n"
	"# HELP ozgmon_probes_finished_total Probes finished, whatever their result.\n"
	"# TYPE ozgmon_probes_finished_total counter\n"
	"ozgmon_probes_finished_total 0\n"
	"# HELP ozgmon_probes_aborted_total Probes still running when a reload or the stop ended their collector (after its drain time): counted, no sample written.\n"
	"# TYPE ozgmon_probes_aborted_total counter\n"
	"ozgmon_probes_aborted_total 0\n"
	"# HELP ozgmon_usage_fetches_aborted_total Usage fetches still running when a reload or the stop ended their collector.\n"
	"# TYPE ozgmon_usage_fetches_aborted_total counter\n"
	"ozgmon_usage_fetches_aborted_total 0\n"
	"# HELP ozg_probe_http_duration_seconds Duration of the last probe by phase (summed over redirects).\n"
	"# TYPE ozg_probe_http_duration_seconds gauge\n"
	"ozg_probe_http_duration_seconds{dienst=\"k16064-kfz\",phase=\"resolve\"} 0\n"
	"ozg_probe_http_duration_seconds{dienst=\"k16064-kfz\",phase=\"connect\"} 0\n"
	"ozg_probe_http_duration_seconds{dienst=\"k16064-kfz\",phase=\"tls\"} 0\n"
	"ozg_probe_http_duration_seconds{dienst=\"k16064-kfz\",phase=\"processing\"} 0\n"
	"ozg_probe_http_duration_seconds{dienst=\"k16064-kfz\",phase=\"transfer\"} 0\n"
	"# HELP ozg_probe_ssl_earliest_cert_expiry_timestamp_seconds Earliest notAfter of the certificates of the last probe's peer.\n"
	"# TYPE ozg_probe_ssl_earliest_cert_expiry_timestamp_seconds gauge\n"
	"# HELP ozg_probe_tls_version_info TLS version of the last probe; always 1.\n"
	"# TYPE ozg_probe_tls_version_info gauge\n"
	"# HELP ozg_probe_redirects Redirects the last probe followed.\n"
	"# TYPE ozg_probe_redirects gauge\n"
	"ozg_probe_redirects{dienst=\"k16064-kfz\"} 0\n"
	"# HELP ozg_probe_http_version HTTP version of the last probe's final response; 0 when none was read.\n"
	"# TYPE ozg_probe_http_version gauge\n"
	"ozg_probe_http_version{dienst=\"k16064-kfz\"} 0\n"
	"# HELP ozg_probe_result 1 for the result class of the last probe (one of the ozg_probes_total results), 0 for the others.\n"
	"# TYPE ozg_probe_result gauge\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"success\"} 1\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"timeout\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"dns\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"connect\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"tls\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"cert_expired\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"http_status\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"content\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"body_too_large\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"redirect_limit\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"header_too_large\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"redirect_refused\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"too_slow\"} 0\n"
	"# HELP ozg_probe_down 1 when the target failed as many probes in a row as its retries allow.\n"
	"# TYPE ozg_probe_down gauge\n"
	"ozg_probe_down{dienst=\"k16064-kfz\"} 0\n"
	"# HELP ozg_probe_maintenance 1 when the last probe fell in a maintenance window of the target.\n"
	"# TYPE ozg_probe_maintenance gauge\n"
	/* the shard families (exporter/prom_shard.c): an unsharded instance is shard 1 of 1 */
	"# HELP ozgmon_shard_info The shard this instance probes (global.shard; 1 of 1 when not sharded).\n"
	"# TYPE ozgmon_shard_info gauge\n"
	"ozgmon_shard_info{shard=\"1\",shards=\"1\"} 1\n"
	"# HELP ozgmon_shard_targets Onlinedienste this shard owns and probes.\n"
	"# TYPE ozgmon_shard_targets gauge\n"
	"ozgmon_shard_targets 2\n"
	"# HELP ozgmon_config_targets Onlinedienste in the configuration file, on every shard together.\n"
	"# TYPE ozgmon_config_targets gauge\n"
	"ozgmon_config_targets 2\n"
	"# HELP ozg_dienst_host_info The portal host (and port, when written) and scheme of the Onlinedienst's URL; always 1.\n"
	"# TYPE ozg_dienst_host_info gauge\n"
	"ozg_dienst_host_info{dienst=\"k16064-kfz\",host=\"kfz.example.de:8443\",scheme=\"https\"} 1\n"
	"ozg_dienst_host_info{dienst=\"v1606-wohnsitz\",host=\"b.example.de\",scheme=\"http\"} 1\n";

static const char want_om[] =
	"# TYPE ozgmon_build info\n"
	"# HELP ozgmon_build Version of ozgmond; always 1.\n"
	"ozgmon_build_info{version=\"" OZGMON_VERSION "\"} 1\n"
	"# TYPE ozgmon_config_last_reload_successful gauge\n"
	"# HELP ozgmon_config_last_reload_successful Whether the last configuration (re)load succeeded (1) or was refused (0).\n"
	"ozgmon_config_last_reload_successful 1\n"
	"# TYPE ozgmon_config_last_reload_success_timestamp_seconds gauge\n"
	"# UNIT ozgmon_config_last_reload_success_timestamp_seconds seconds\n"
	"# HELP ozgmon_config_last_reload_success_timestamp_seconds When a configuration last loaded successfully, seconds since the epoch.\n"
	"ozgmon_config_last_reload_success_timestamp_seconds 1795000000.25\n"
	"# TYPE ozgmon_ready gauge\n"
	"# HELP ozgmon_ready 1 when the configuration is loaded and every target has been probed once.\n"
	"ozgmon_ready 1\n"
	"# TYPE process_cpu_seconds counter\n"
	"# UNIT process_cpu_seconds seconds\n"
	"# HELP process_cpu_seconds Total user and system CPU time spent in seconds.\n"
	"process_cpu_seconds_total 1.5\n"
	"# TYPE process_resident_memory_bytes gauge\n"
	"# UNIT process_resident_memory_bytes bytes\n"
	"# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
	"process_resident_memory_bytes 1048576\n"
	"# TYPE process_virtual_memory_bytes gauge\n"
	"# UNIT process_virtual_memory_bytes bytes\n"
	"# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
	"process_virtual_memory_bytes 2097152\n"
	"# TYPE process_open_fds gauge\n"
	"# HELP process_open_fds Number of open file descriptors.\n"
	"process_open_fds 7\n"
	"# TYPE process_max_fds gauge\n"
	"# HELP process_max_fds Maximum number of open file descriptors.\n"
	"process_max_fds 1024\n"
	"# TYPE process_start_time_seconds gauge\n"
	"# UNIT process_start_time_seconds seconds\n"
	"# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
	"process_start_time_seconds 1795000000\n"
	"# TYPE ozgmon_store_queue_length gauge\n"
	"# HELP ozgmon_store_queue_length Samples waiting for the RRD writer.\n"
	"ozgmon_store_queue_length 0\n"
	"# TYPE ozgmon_store_queue_capacity gauge\n"
	"# HELP ozgmon_store_queue_capacity Bound of the RRD writer's queue.\n"
	"ozgmon_store_queue_capacity 64\n"
	"# TYPE ozgmon_store_dropped_samples counter\n"
	"# HELP ozgmon_store_dropped_samples Samples that could not be stored (queue full or file unusable).\n"
	"ozgmon_store_dropped_samples_total 0\n"
	"# TYPE ozgmon_store_stale_samples counter\n"
	"# HELP ozgmon_store_stale_samples Samples not newer than their file's last update (clock stepped back).\n"
	"ozgmon_store_stale_samples_total 0\n"
	"# TYPE ozgmon_rrd_updates counter\n"
	"# HELP ozgmon_rrd_updates RRD updates written.\n"
	"ozgmon_rrd_updates_total 10\n"
	"# TYPE ozgmon_rrd_errors counter\n"
	"# HELP ozgmon_rrd_errors RRD updates that failed.\n"
	"ozgmon_rrd_errors_total 0\n"
	"# TYPE ozgmon_rrd_files_created counter\n"
	"# HELP ozgmon_rrd_files_created RRD files created.\n"
	"ozgmon_rrd_files_created_total 0\n"
	"# TYPE ozgmon_store_spill_length gauge\n"
	"# HELP ozgmon_store_spill_length Samples waiting in the spill behind the full RRD writer queue.\n"
	"ozgmon_store_spill_length 0\n"
	"# TYPE ozgmon_store_spill_capacity gauge\n"
	"# HELP ozgmon_store_spill_capacity Bound of the spill.\n"
	"ozgmon_store_spill_capacity 0\n"
	"# TYPE ozgmon_rrd_usage_updates counter\n"
	"# HELP ozgmon_rrd_usage_updates Usage counter samples written.\n"
	"ozgmon_rrd_usage_updates_total 0\n"
	"# TYPE ozgmon_rrd_files_converted counter\n"
	"# HELP ozgmon_rrd_files_converted RRD files rebuilt in the configured layout (the old file kept as a backup).\n"
	"ozgmon_rrd_files_converted_total 0\n"
	"# TYPE ozgmon_store_files_unusable gauge\n"
	"# HELP ozgmon_store_files_unusable RRD files that could not be read or created and wait for their next retry.\n"
	"ozgmon_store_files_unusable 0\n"
	"# TYPE ozgmon_store_file_retries counter\n"
	"# HELP ozgmon_store_file_retries Retries of RRD files that could not be read or created.\n"
	"ozgmon_store_file_retries_total 0\n"
	"# TYPE ozgmon_targets gauge\n"
	"# HELP ozgmon_targets Probe targets configured.\n"
	"ozgmon_targets 2\n"
	"# TYPE ozgmon_probes_in_flight gauge\n"
	"# HELP ozgmon_probes_in_flight Probes running now.\n"
	"ozgmon_probes_in_flight 1\n"
	"# TYPE ozgmon_probes_waiting gauge\n"
	"# HELP ozgmon_probes_waiting Due probes waiting for a free transfer slot.\n"
	"ozgmon_probes_waiting 0\n"
	"# TYPE ozgmon_probes_skipped counter\n"
	"# HELP ozgmon_probes_skipped Due probes skipped because the target's previous probe was still running.\n"
	"ozgmon_probes_skipped_total 0\n"
	"# TYPE ozg_probes counter\n"
	"# HELP ozg_probes Finished probes by result.\n"
	"ozg_probes_total{result=\"success\"} 3\n"
	"ozg_probes_total{result=\"timeout\"} 0\n"
	"ozg_probes_total{result=\"dns\"} 0\n"
	"ozg_probes_total{result=\"connect\"} 0\n"
	"ozg_probes_total{result=\"tls\"} 0\n"
	"ozg_probes_total{result=\"cert_expired\"} 0\n"
	"ozg_probes_total{result=\"http_status\"} 0\n"
	"ozg_probes_total{result=\"content\"} 0\n"
	"ozg_probes_total{result=\"body_too_large\"} 0\n"
	"ozg_probes_total{result=\"redirect_limit\"} 0\n"
	"ozg_probes_total{result=\"header_too_large\"} 0\n"
	"ozg_probes_total{result=\"redirect_refused\"} 0\n"
	"ozg_probes_total{result=\"too_slow\"} 0\n"
	"# TYPE ozg_dienst info\n"
	"# HELP ozg_dienst Names of an Onlinedienst (probe target); always 1.\n"
	"ozg_dienst_info{dienst=\"k16064-kfz\",name=\"Kfz \\\"Zulassung\\\"\\nneu\",provider=\"Mühlhausen/Thüringen\",efa=\"false\"} 1\n"
	"ozg_dienst_info{dienst=\"v1606-wohnsitz\",name=\"C:\\\\Pfad\\\\\",provider=\"\",efa=\"true\"} 1\n"
	"# TYPE ozg_probe_success gauge\n"
	"# HELP ozg_probe_success Whether the last probe of the Onlinedienst succeeded (1) or not (0).\n"
	"ozg_probe_success{dienst=\"k16064-kfz\"} 1\n"
	"# TYPE ozg_probe_duration_seconds gauge\n"
	"# UNIT ozg_probe_duration_seconds seconds\n"
	"# HELP ozg_probe_duration_seconds Total duration of the last probe in seconds.\n"
	"ozg_probe_duration_seconds{dienst=\"k16064-kfz\"} 0.125\n"
	"# TYPE ozg_probe_http_status_code gauge\n"
	"# HELP ozg_probe_http_status_code HTTP status of the last probe's final response; 0 when none was read.\n"
	"ozg_probe_http_status_code{dienst=\"k16064-kfz\"} 200\n"
	"# TYPE ozg_probe_last_timestamp_seconds gauge\n"
	"# UNIT ozg_probe_last_timestamp_seconds seconds\n"
	"# HELP ozg_probe_last_timestamp_seconds When the last probe finished, seconds since the epoch.\n"
	"ozg_probe_last_timestamp_seconds{dienst=\"k16064-kfz\"} 1795000000.5\n"
	"# TYPE ozgmon_schedule_lag_seconds histogram\n"
	"# UNIT ozgmon_schedule_lag_seconds seconds\n"
	"# HELP ozgmon_schedule_lag_seconds How late probes started behind their due time.\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"0.005\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"0.01\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"0.025\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"0.05\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"0.1\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"0.25\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"0.5\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"1\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"2.5\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"5\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"10\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"30\"} 0\n"
	"ozgmon_schedule_lag_seconds_bucket{le=\"+Inf\"} 0\n"
	"ozgmon_schedule_lag_seconds_sum 0\n"
	"ozgmon_schedule_lag_seconds_count 0\n"
	"# TYPE ozgmon_probes_started counter\n"
	"# HELP ozgmon_probes_started Probes started.\n"
	"ozgmon_probes_started_total 0\n"
	"# TYPE ozgmon_probes_finished counter\n"
	"# HELP ozgmon_probes_finished Probes finished, whatever their result.\n"
	"ozgmon_probes_finished_total 0\n"
	"# TYPE ozgmon_probes_aborted counter\n"
	"# HELP ozgmon_probes_aborted Probes still running when a reload or the stop ended their collector (after its drain time): counted, no sample written.\n"
	"ozgmon_probes_aborted_total 0\n"
	"# TYPE ozgmon_usage_fetches_aborted counter\n"
	"# HELP ozgmon_usage_fetches_aborted Usage fetches still running when a reload or the stop ended their collector.\n"
	"ozgmon_usage_fetches_aborted_total 0\n"
	"# TYPE ozg_probe_http_duration_seconds gauge\n"
	"# UNIT ozg_probe_http_duration_seconds seconds\n"
	"# HELP ozg_probe_http_duration_seconds Duration of the last probe by phase (summed over redirects).\n"
	"ozg_probe_http_duration_seconds{dienst=\"k16064-kfz\",phase=\"resolve\"} 0\n"
	"ozg_probe_http_duration_seconds{dienst=\"k16064-kfz\",phase=\"connect\"} 0\n"
	"ozg_probe_http_duration_seconds{dienst=\"k16064-kfz\",phase=\"tls\"} 0\n"
	"ozg_probe_http_duration_seconds{dienst=\"k16064-kfz\",phase=\"processing\"} 0\n"
	"ozg_probe_http_duration_seconds{dienst=\"k16064-kfz\",phase=\"transfer\"} 0\n"
	"# TYPE ozg_probe_ssl_earliest_cert_expiry_timestamp_seconds gauge\n"
	"# UNIT ozg_probe_ssl_earliest_cert_expiry_timestamp_seconds seconds\n"
	"# HELP ozg_probe_ssl_earliest_cert_expiry_timestamp_seconds Earliest notAfter of the certificates of the last probe's peer.\n"
	"# TYPE ozg_probe_tls_version info\n"
	"# HELP ozg_probe_tls_version TLS version of the last probe; always 1.\n"
	"# TYPE ozg_probe_redirects gauge\n"
	"# HELP ozg_probe_redirects Redirects the last probe followed.\n"
	"ozg_probe_redirects{dienst=\"k16064-kfz\"} 0\n"
	"# TYPE ozg_probe_http_version gauge\n"
	"# HELP ozg_probe_http_version HTTP version of the last probe's final response; 0 when none was read.\n"
	"ozg_probe_http_version{dienst=\"k16064-kfz\"} 0\n"
	"# TYPE ozg_probe_result gauge\n"
	"# HELP ozg_probe_result 1 for the result class of the last probe (one of the ozg_probes_total results), 0 for the others.\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"success\"} 1\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"timeout\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"dns\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"connect\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"tls\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"cert_expired\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"http_status\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"content\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"body_too_large\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"redirect_limit\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"header_too_large\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"redirect_refused\"} 0\n"
	"ozg_probe_result{dienst=\"k16064-kfz\",result=\"too_slow\"} 0\n"
	"# TYPE ozg_probe_down gauge\n"
	"# HELP ozg_probe_down 1 when the target failed as many probes in a row as its retries allow.\n"
	"ozg_probe_down{dienst=\"k16064-kfz\"} 0\n"
	"# TYPE ozg_probe_maintenance gauge\n"
	"# HELP ozg_probe_maintenance 1 when the last probe fell in a maintenance window of the target.\n"
	"# TYPE ozgmon_shard info\n"
	"# HELP ozgmon_shard The shard this instance probes (global.shard; 1 of 1 when not sharded).\n"
	"ozgmon_shard_info{shard=\"1\",shards=\"1\"} 1\n"
	"# TYPE ozgmon_shard_targets gauge\n"
	"# HELP ozgmon_shard_targets Onlinedienste this shard owns and probes.\n"
	"ozgmon_shard_targets 2\n"
	"# TYPE ozgmon_config_targets gauge\n"
	"# HELP ozgmon_config_targets Onlinedienste in the configuration file, on every shard together.\n"
	"ozgmon_config_targets 2\n"
	"# TYPE ozg_dienst_host info\n"
	"# HELP ozg_dienst_host The portal host (and port, when written) and scheme of the Onlinedienst's URL; always 1.\n"
	"ozg_dienst_host_info{dienst=\"k16064-kfz\",host=\"kfz.example.de:8443\",scheme=\"https\"} 1\n"
	"ozg_dienst_host_info{dienst=\"v1606-wohnsitz\",host=\"b.example.de\",scheme=\"http\"} 1\n"
	"# EOF\n";

START_TEST(text_byte_for_byte)
{
	struct buf b;

	render(false, &b);
	ck_assert_uint_eq(b.len, strlen(want_text));
	ck_assert_mem_eq(b.data, want_text, b.len);
	buf_free(&b);
}
END_TEST

START_TEST(openmetrics_byte_for_byte)
{
	struct buf b;

	render(true, &b);
	ck_assert_uint_eq(b.len, strlen(want_om));
	ck_assert_mem_eq(b.data, want_om, b.len);
	/* A text render after an OpenMetrics one in the same thread is plain text again. */
	buf_free(&b);
	render(false, &b);
	ck_assert_mem_eq(b.data, want_text, b.len);
	buf_free(&b);
}
END_TEST

START_TEST(values_round_trip)
{
	static const struct { double v; const char *text; } exact[] = {
		{ 0, "0" }, { 1, "1" }, { -2.5, "-2.5" }, { 0.1, "0.1" }, { 0.000436, "0.000436" },
		{ 1795000000.5, "1795000000.5" }, { 123456789.123, "123456789.123" },
		{ 1e-9, "0.000000001" }, { 1e15, "1000000000000000" }, { 1.0 / 3, "0.333333333333333" },
		{ 1e300, "1e+300" }, { -1e-12, "-1e-12" },
	};
	unsigned long long x = 88172645463325252ULL;
	struct buf b;

	for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
		buf_init(&b, 256);
		prom_value(&b, exact[i].v);
		if (exact[i].v == 1.0 / 3)
			ck_assert_msg(strncmp(b.data, exact[i].text, strlen(exact[i].text)) == 0, "%s", b.data);
		else
			ck_assert_str_eq(b.data, exact[i].text);
		ck_assert(strtod(b.data, NULL) == exact[i].v);
		buf_free(&b);
	}
	/* Pseudo-random doubles of every magnitude read back exactly. */
	for (int i = 0; i < 200000; i++) {
		double v;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		switch (i % 4) {
		case 0: v = (double)(x % 100000000000ULL) / 1000.0; break;	/* ms timestamps */
		case 1: v = (double)(x % 10000000ULL) / 1e6; break;		/* us durations */
		case 2: v = (double)x / (double)(x % 1000 + 1) * 1e-9; break;
		default: memcpy(&v, &x, sizeof v); break;			/* any bit pattern */
		}
		if (isnan(v) || isinf(v))
			continue;
		buf_init(&b, 256);
		prom_value(&b, v);
		ck_assert_msg(strtod(b.data, NULL) == v, "%.17g printed as %s", v, b.data);
		buf_free(&b);
	}
}
END_TEST

START_TEST(accept_negotiation)
{
	static const struct { const char *accept; bool om; } cases[] = {
		{ NULL, false },
		{ "", false },
		{ "*/*", false },
		{ "text/plain", false },
		{ "application/openmetrics-text", true },
		{ "application/openmetrics-text; version=1.0.0; charset=utf-8", true },
		{ "application/openmetrics-text;version=0.0.1", false },
		{ "application/openmetrics-text;version=2.0.0", false },
		/* Prometheus 2.42's scrape Accept header */
		{ "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
		  "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", true },
		{ "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5", false },
		{ "application/openmetrics-text;q=0", false },
		{ "APPLICATION/OpenMetrics-Text", true },
		{ "text/plain;q=0.5, application/openmetrics-text;version=1.0.0;q=0.5", false },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_msg(prom_accept_openmetrics(cases[i].accept) == cases[i].om, "case %zu: %s", i,
			      cases[i].accept ? cases[i].accept : "(null)");
}
END_TEST

START_TEST(path_canonicalisation)
{
	static const struct { const char *raw; int status; const char *canon; } cases[] = {
		{ "/", 0, "/" },
		{ "/metrics", 0, "/metrics" },
		{ "/metrics?x=1", 0, "/metrics" },
		{ "/api/v1/targets/k16064-kfz", 0, "/api/v1/targets/k16064-kfz" },
		{ "/api/v1/%61reas", 0, "/api/v1/areas" },
		{ "/M%C3%BChlhausen", 0, "/M\xc3\xbchlhausen" },
		{ "/..", 400, NULL },
		{ "/a/../metrics", 400, NULL },
		{ "/a/./metrics", 400, NULL },
		{ "/a/%2e%2e/metrics", 400, NULL },
		{ "/a/%2E%2E/metrics", 400, NULL },
		{ "/a/.%2e/metrics", 400, NULL },
		{ "/%2e", 400, NULL },
		{ "/api%2fv1/targets", 400, NULL },
		{ "/api%2Fv1", 400, NULL },
		{ "/a%5c..%5cb", 400, NULL },
		{ "/a\\b", 400, NULL },
		{ "/a%00b", 400, NULL },
		{ "/a%0ab", 400, NULL },
		{ "/a%7f", 400, NULL },
		{ "/a%zz", 400, NULL },
		{ "/a%4", 400, NULL },
		{ "/a%", 400, NULL },
		{ "metrics", 400, NULL },
		{ "http://x/metrics", 400, NULL },
		{ "*", 400, NULL },
		{ "//metrics", 404, NULL },
		{ "/api//v1", 404, NULL },
		{ "/...", 0, "/..." },
		{ "/a..b", 0, "/a..b" },
	};
	char out[HTTP_URI_MAX + 1], *longp;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int st = http_canon_path(cases[i].raw, out, sizeof out);
		ck_assert_msg(st == cases[i].status, "%s: %d, want %d", cases[i].raw, st, cases[i].status);
		if (cases[i].canon)
			ck_assert_str_eq(out, cases[i].canon);
	}
	longp = malloc(HTTP_URI_MAX + 2);
	ck_assert_ptr_nonnull(longp);
	memset(longp, 'a', HTTP_URI_MAX + 1);
	longp[0] = '/';
	longp[HTTP_URI_MAX + 1] = '\0';
	ck_assert_int_eq(http_canon_path(longp, out, sizeof out), 414);
	free(longp);
}
END_TEST

/* ---- API ------------------------------------------------------------------ */

struct args { const char *k[4], *v[4]; };

static const char *get_arg(void *actx, const char *name)
{
	struct args *a = actx;
	for (int i = 0; i < 4 && a->k[i]; i++)
		if (strcmp(a->k[i], name) == 0)
			return a->v[i];
	return NULL;
}

static unsigned api(const struct snapshot *s, const char *path, struct args *a, struct buf *b,
		    const char **ctype)
{
	static struct args none;
	struct api_req rq = { .path = path, .arg = get_arg, .actx = a ? a : &none, .s = s,
			      .data_dir = "/nonexistent-ozgmon", .now = 1795000000 };
	static struct api_answer ans;
	unsigned status;

	buf_init(b, 1 << 20);
	status = api_handle(&rq, b, &ans);
	*ctype = ans.ctype;
	return status;
}

START_TEST(api_targets)
{
	struct snapshot *s = hostile_snapshot();
	const char *ct;
	struct buf b;

	ck_assert_uint_eq(api(s, "targets", NULL, &b, &ct), 200);
	ck_assert_str_eq(ct, "application/json");
	ck_assert_ptr_nonnull(strstr(b.data, "\"generated_at\": \"2026-11-18T11:06:41Z\""));
	ck_assert_ptr_nonnull(strstr(b.data, "\"name\": \"Kfz \\\"Zulassung\\\"\\nneu\""));
	ck_assert_ptr_nonnull(strstr(b.data, "\"provider\": \"Mühlhausen/Thüringen\""));
	ck_assert_ptr_nonnull(strstr(b.data, "\"last_probe_at\": \"2026-11-18T11:06:40Z\""));
	ck_assert_ptr_nonnull(strstr(b.data, "\"state\": \"pending\""));
	/* Credentials, path and query of a URL never leave: the host only. */
	ck_assert_ptr_nonnull(strstr(b.data, "\"host\": \"kfz.example.de:8443\""));
	ck_assert_ptr_null(strstr(b.data, "token"));
	ck_assert_ptr_null(strstr(b.data, "pw@"));
	buf_free(&b);

	s->t[1] = (struct target_state){ .probed = true, .result = PROBE_TIMEOUT, .last_ms = 1 };
	ck_assert_uint_eq(api(s, "targets/v1606-wohnsitz", NULL, &b, &ct), 200);
	ck_assert_ptr_nonnull(strstr(b.data, "\"failure_reason\": \"timeout\""));
	ck_assert_ptr_nonnull(strstr(b.data, "\"state\": \"down\""));
	buf_free(&b);

	ck_assert_uint_eq(api(s, "targets/nope", NULL, &b, &ct), 404);
	ck_assert_str_eq(ct, "application/json");
	ck_assert_ptr_nonnull(strstr(b.data, "\"status\": 404"));
	ck_assert_ptr_nonnull(strstr(b.data, "unknown target 'nope'"));
	buf_free(&b);
	ck_assert_uint_eq(api(s, "nothing", NULL, &b, &ct), 404);
	buf_free(&b);
	ck_assert_uint_eq(api(s, "targets/a/b/c", NULL, &b, &ct), 404);
	buf_free(&b);
	ck_assert_uint_eq(api(NULL, "targets", NULL, &b, &ct), 503);
	buf_free(&b);
	snapshot_release(s);
}
END_TEST

START_TEST(api_csv)
{
	struct snapshot *s = hostile_snapshot();
	const char *ct;
	struct buf b;

	dienste[1].name = S("=HYPERLINK(\"http://x\",\"a, b\")");
	dienste[1].provider = S("@SUM(1)");
	ck_assert_uint_eq(api(s, "targets.csv", NULL, &b, &ct), 200);
	ck_assert_str_eq(ct, "text/csv; charset=utf-8; header=present");
	ck_assert_ptr_nonnull(strstr(b.data, "id,name,provider,host,efa,state,failure_reason,probed,"));
	ck_assert_ptr_nonnull(strstr(b.data, "\r\nk16064-kfz,\"Kfz \"\"Zulassung\"\"\nneu\","
					     "Mühlhausen/Thüringen,kfz.example.de:8443,false,up,,true,"
					     "true,success,0.125,200,2026-11-18T11:06:40Z,0,0\r\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "\r\nv1606-wohnsitz,\"'=HYPERLINK(\"\"http://x\"\",\"\"a, b\"\")\","
					     "\"'@SUM(1)\",b.example.de,true,pending,,false,false,,,,,0,0\r\n"));
	buf_free(&b);
	snapshot_release(s);
}
END_TEST

START_TEST(api_history_params)
{
	struct snapshot *s = hostile_snapshot();
	struct args bad_from = { { "from" }, { "yesterday" } };
	struct args bad_order = { { "from", "to" }, { "2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z" } };
	struct args bad_res = { { "resolution" }, { "-5" } };
	struct args bad_cf = { { "cf" }, { "LAST" } };
	struct args bad_series = { { "series" }, { "usage" } };
	struct args too_long = { { "from", "to" }, { "0", "1795000000" } };
	struct args ok = { { "from", "to", "resolution" }, { "2026-01-01T00:00:00Z", "1767229200", "5m" } };
	const char *ct;
	struct buf b;

	ck_assert_uint_eq(api(s, "targets/k16064-kfz/history", &bad_from, &b, &ct), 400);
	ck_assert_ptr_nonnull(strstr(b.data, "from: expected an ISO 8601 UTC time"));
	buf_free(&b);
	ck_assert_uint_eq(api(s, "targets/k16064-kfz/history", &bad_order, &b, &ct), 400);
	buf_free(&b);
	ck_assert_uint_eq(api(s, "targets/k16064-kfz/history", &bad_res, &b, &ct), 400);
	buf_free(&b);
	ck_assert_uint_eq(api(s, "targets/k16064-kfz/history", &bad_cf, &b, &ct), 400);
	buf_free(&b);
	ck_assert_uint_eq(api(s, "targets/k16064-kfz/history", &bad_series, &b, &ct), 400);
	buf_free(&b);
	ck_assert_uint_eq(api(s, "targets/k16064-kfz/history", &too_long, &b, &ct), 400);
	buf_free(&b);
	/* Valid parameters, but no RRD file: 404 naming the target. */
	ck_assert_uint_eq(api(s, "targets/k16064-kfz/history", &ok, &b, &ct), 404);
	ck_assert_ptr_nonnull(strstr(b.data, "no history for 'k16064-kfz'"));
	buf_free(&b);
	ck_assert_uint_eq(api(s, "targets/nope/history", &ok, &b, &ct), 404);
	buf_free(&b);
	snapshot_release(s);
}
END_TEST

START_TEST(api_areas)
{
	struct snapshot *s = hostile_snapshot();
	struct args lvl = { { "level" }, { "kreis" } };
	struct args badlvl = { { "level" }, { "bezirk" } };
	const char *ct;
	struct buf b;

	ck_assert_uint_eq(api(s, "areas", NULL, &b, &ct), 200);
	ck_assert_ptr_nonnull(strstr(b.data, "\"key\": \"16\""));
	ck_assert_ptr_nonnull(strstr(b.data, "\"name\": \"Thüringen\""));
	ck_assert_ptr_nonnull(strstr(b.data, "\"1d\": null"));
	buf_free(&b);
	ck_assert_uint_eq(api(s, "areas", &lvl, &b, &ct), 200);
	ck_assert_ptr_null(strstr(b.data, "\"key\": \"16\""));
	buf_free(&b);
	ck_assert_uint_eq(api(s, "areas", &badlvl, &b, &ct), 400);
	buf_free(&b);
	ck_assert_uint_eq(api(s, "areas/16", NULL, &b, &ct), 200);
	buf_free(&b);
	ck_assert_uint_eq(api(s, "areas/16999", NULL, &b, &ct), 404);
	buf_free(&b);
	ck_assert_uint_eq(api(s, "services/10000", NULL, &b, &ct), 404);
	buf_free(&b);
	ck_assert_uint_eq(api(s, "areas.csv", NULL, &b, &ct), 200);
	ck_assert_str_eq(b.data, "key,level,name,parent,population,angebote,availability_1d,"
				 "availability_7d\r\n16,land,Thüringen,,0,0,,\r\n");
	buf_free(&b);
	snapshot_release(s);
}
END_TEST

/* ---- web config ------------------------------------------------------------ */

static char *write_tmp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof path, "/tmp/ozgmon-webcfg.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* Web configurations refused, and where their error message says the fault is. */
#define USER_16 "uuuuuuuuuuuuuuuu"
#define LONG_USER /* 256 bytes */ USER_16 USER_16 USER_16 USER_16 USER_16 USER_16 USER_16 USER_16 \
	USER_16 USER_16 USER_16 USER_16 USER_16 USER_16 USER_16 USER_16
static const struct {
	const char *text;
	const char *err;
} webcfg_bad[] = {
	{ "basic_auth_users:\n  prometheus: plaintext\n",
	  ":2:15: basic_auth_users: 'prometheus' needs a bcrypt hash" },
	/* A key given twice (it would replace, and leak, what the first set). */
	{ "ozgmon:\n  scrape_listen: 127.0.0.1:9101\n  scrape_listen: 127.0.0.1:9102\n",
	  ":3:3: ozgmon: 'scrape_listen' appears twice" },
	{ "tls_server_config:\n  min_version: TLS12\n  min_version: TLS13\n",
	  ":3:3: tls_server_config: 'min_version' appears twice" },
	{ "http_server_config:\n  headers:\n    X-Frame-Options: deny\n    X-Frame-Options: deny\n",
	  ":4:5: headers: 'X-Frame-Options' appears twice" },
	{ "ozgmon: {}\nozgmon: {}\n", ":2:1: web config: 'ozgmon' appears twice" },
	{ "http_server_config:\n  headers:\n    X-Frame-Options: deny\n    x-frame-options: sameorigin\n",
	  ":4:5: headers: X-Frame-Options appears twice" },
	{ "basic_auth_users:\n  p: &h '$2b$04$abcdefghijklmnopqrstuu7qXJZb5tKk6Vx7bq3kYh9V3a2l2DRXK'\n"
	  "  q: *h\n  p: *h\n", ":4:3: basic_auth_users: 'p' appears twice" },
	/* A user name a login could never send (the Authorization parser's bound). */
	{ "basic_auth_users:\n  " LONG_USER ": '$2b$04$abcdefghijklmnopqrstuu7qXJZb5tKk6Vx7bq3kYh9V3a2l2DRXK'\n",
	  ":2:3: basic_auth_users: a user name must be a non-empty text without ':' of at most 255 bytes" },
	{ "tls_server_config:\n  cert_file: /nonexistent.crt\n  key_file: x\n",
	  ":2:14: cannot open /nonexistent.crt" },
	{ "tls_server_config:\n  min_version: TLS09\n",
	  ":2:16: min_version: expected TLS10, TLS11, TLS12 or TLS13" },
	{ "basic_auth: {}\n", ":1:1: unknown key 'basic_auth'" },
	{ "tls_server_config:\n  client_auth_type: RequireClientCert\n",
	  ":2:21: client_auth_type: expected NoClientCert" },
	{ "tls_server_config:\n  cert_file: C\n  key_file: K\n  client_auth_type: "
	  "RequireAndVerifyClientCert\n", ":4:21: client_auth_type RequireAndVerifyClientCert "
	  "needs client_ca_file" },
	{ "tls_server_config:\n  cert_file: C\n  key_file: K\n  client_ca_file: C\n",
	  ":4:19: client_ca_file is set but client_auth_type is NoClientCert" },
	{ "tls_server_config:\n  cert_file: C\n  key_file: K\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n",
	  ":4:19: cipher_suites: unknown or unsupported cipher suite 'TLS_RSA_WITH_RC4_128_SHA'" },
	{ "tls_server_config:\n  cert_file: C\n  key_file: K\n  curve_preferences: [P256]\n",
	  ":4:23: curve_preferences: unknown curve 'P256'" },
	{ "tls_server_config:\n  cert_file: C\n  key_file: K\n  min_version: TLS13\n  max_version: TLS12\n",
	  ":2:3: tls_server_config: min_version is above max_version" },
	{ "tls_server_config:\n  cert_file: C\n  key_file: K\n  max_version: TLS12\n"
	  "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n",
	  ":5:18: cipher_suites: no suite for TLS 1.2 or older is listed" },
	{ "tls_server_config:\n  client_cert: x\n", ":2:3: tls_server_config: unknown key 'client_cert'" },
	{ "http_server_config:\n  headers:\n    Server: x\n", ":3:5: headers: 'Server' cannot be set" },
	{ "http_server_config:\n  headers:\n    X-Frame-Options: \"a\\r\\nb\"\n",
	  ":3:22: headers: the value of X-Frame-Options must be one line" },
	{ "http_server_config:\n  http3: true\n", ":2:3: http_server_config: unknown key 'http3'" },
	{ "ozgmon:\n  scrape_listen: 9103\n", ":2:18: scrape_listen: expected host:port" },
	{ "ozgmon:\n  health: true\n", ":2:3: ozgmon: unknown key 'health'" },
	{ "ozgmon:\n  scrape_listen: unix:scrape.sock\n",
	  ":2:18: scrape_listen: a unix socket needs an absolute path" },
};

/* A self-signed certificate and key for the TLS cases, in dir (openssl CLI); false without it. */
static bool test_cert(const char *dir)
{
	char cmd[1024];

	snprintf(cmd, sizeof cmd, "cd %s && openssl req -x509 -newkey ec -pkeyopt "
		 "ec_paramgen_curve:prime256v1 -nodes -keyout K -out C -days 2 -subj /CN=t "
		 ">/dev/null 2>&1 && chmod 600 K", dir);
	return system(cmd) == 0;
}

/* The whole exporter-toolkit schema as node_exporter reads it, and the GnuTLS priorities it makes. */
START_TEST(web_config_toolkit)
{
	char dir[] = "/tmp/ozgmon-webtls.XXXXXX", path[256], err[512], cmd[300];
	struct webcfg *w;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	if (!test_cert(dir)) {
		fprintf(stderr, "openssl missing: web_config_toolkit skipped\n");
		return;
	}
	snprintf(path, sizeof path, "%s/web.yml", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("tls_server_config:\n  cert_file: C\n  key_file: K\n"
	      "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: C\n"
	      "  min_version: TLS12\n  max_version: TLS13\n"
	      "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "
	      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, TLS_AES_128_GCM_SHA256]\n"
	      "  curve_preferences: [X25519, CurveP256]\n  prefer_server_cipher_suites: false\n"
	      "http_server_config:\n  http2: true\n  headers:\n"
	      "    strict-transport-security: max-age=31536000\n    X-Frame-Options: SAMEORIGIN\n"
	      "ozgmon:\n  health_open: false\n  scrape_listen: 127.0.0.1:9103\n", f);
	fclose(f);
	w = webcfg_load(path, err, sizeof err);
	ck_assert_msg(w != NULL, "%s", err);
	ck_assert_int_eq(w->client_auth, WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT);
	ck_assert_str_eq(webcfg_client_auth_name(w->client_auth), "RequireAndVerifyClientCert");
	ck_assert_ptr_nonnull(w->client_ca_pem);
	ck_assert_int_eq(w->min_tls, 12);
	ck_assert_int_eq(w->max_tls, 13);
	ck_assert_str_eq(w->priorities, "NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.3"
			 ":-KX-ALL:-CIPHER-ALL:-MAC-ALL:+ECDHE-ECDSA:+AES-128-GCM:+AEAD:+ECDHE-RSA"
			 ":+CHACHA20-POLY1305:+AES-256-GCM:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1");
	ck_assert(w->http2);
	ck_assert_uint_eq(w->n_headers, 2);
	ck_assert_str_eq(w->headers[0].name, "Strict-Transport-Security");
	ck_assert_str_eq(w->headers[0].value, "max-age=31536000");
	ck_assert_str_eq(w->headers[1].name, "X-Frame-Options");
	ck_assert(!w->health_open);
	ck_assert_str_eq(w->scrape_listen, "127.0.0.1:9103");
	webcfg_free(w);

	/* Defaults: TLS 1.2 and 1.3, the server's preference, no client certificate. */
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("tls_server_config:\n  cert_file: C\n  key_file: K\n", f);
	fclose(f);
	w = webcfg_load(path, err, sizeof err);
	ck_assert_msg(w != NULL, "%s", err);
	ck_assert_int_eq(w->client_auth, WEBCFG_NO_CLIENT_CERT);
	ck_assert_str_eq(w->priorities, "NORMAL:%SERVER_PRECEDENCE:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.3");
	ck_assert(w->health_open);
	webcfg_free(w);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* A successful check is remembered; a failed one is not, and neither is another password. */
START_TEST(web_config_cache)
{
	char salt[64], *text, err[512], *path, name[32];
	struct crypt_data *cd = calloc(1, sizeof *cd);
	struct webcfg *w;
	const char *hash;
	size_t off = 0, cap = 16384;

	ck_assert_ptr_nonnull(cd);
	text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(crypt_gensalt_rn("$2b$", 4, NULL, 0, salt, sizeof salt));
	hash = crypt_r("geheim", salt, cd);
	ck_assert_ptr_nonnull(hash);
	off += (size_t)snprintf(text + off, cap - off, "basic_auth_users:\n");
	for (unsigned i = 0; i < WEBCFG_CACHE_SIZE + 6; i++)
		off += (size_t)snprintf(text + off, cap - off, "  u%u: '%s'\n", i, hash);
	ck_assert_uint_lt(off, cap);
	path = write_tmp(text);
	w = webcfg_load(path, err, sizeof err);
	unlink(path);
	ck_assert_msg(w != NULL, "%s", err);
	ck_assert(!webcfg_check_cached(w, "u0", "geheim"));
	ck_assert(!webcfg_check(w, "u0", "falsch"));
	ck_assert(!webcfg_check_cached(w, "u0", "falsch"));	/* failures are not remembered */
	ck_assert(webcfg_check(w, "u0", "geheim"));
	ck_assert(webcfg_check_cached(w, "u0", "geheim"));
	ck_assert(!webcfg_check_cached(w, "u0", "geheim "));
	ck_assert(!webcfg_check_cached(w, "u1", "geheim"));	/* keyed by user and password */
	ck_assert(webcfg_check(w, "u0", "geheim"));		/* the same entry again */
	/* Bounded: more credentials than entries push out the first one. */
	for (unsigned i = 1; i < WEBCFG_CACHE_SIZE + 6; i++) {
		snprintf(name, sizeof name, "u%u", i);
		ck_assert(webcfg_check(w, name, "geheim"));
		ck_assert(webcfg_check_cached(w, name, "geheim"));
	}
	ck_assert(!webcfg_check_cached(w, "u0", "geheim"));
	webcfg_free(w);
	free(text);
	free(cd);
}
END_TEST

START_TEST(web_config)
{
	char salt[64], text[512], err[512], *path;
	struct crypt_data *cd = calloc(1, sizeof *cd);
	struct webcfg *w;
	const char *hash;

	ck_assert_ptr_nonnull(cd);
	ck_assert_ptr_nonnull(crypt_gensalt_rn("$2b$", 4, NULL, 0, salt, sizeof salt));
	hash = crypt_r("geheim", salt, cd);
	ck_assert_ptr_nonnull(hash);
	ck_assert_int_eq(strncmp(hash, "$2b$04$", 7), 0);
	snprintf(text, sizeof text, "basic_auth_users:\n  prometheus: '%s'\nhealth_open: false\n", hash);
	path = write_tmp(text);
	w = webcfg_load(path, err, sizeof err);
	unlink(path);
	ck_assert_msg(w != NULL, "%s", err);
	ck_assert_uint_eq(w->n_users, 1);
	ck_assert(!w->health_open);
	ck_assert_ptr_null(w->cert_pem);
	ck_assert(webcfg_check(w, "prometheus", "geheim"));
	ck_assert(!webcfg_check(w, "prometheus", "Geheim"));
	ck_assert(!webcfg_check(w, "prometheus", ""));
	ck_assert(!webcfg_check(w, "grafana", "geheim"));
	webcfg_free(w);

	/* The bad cases next to a certificate C and key K, which some of them name. */
	char dir[] = "/tmp/ozgmon-webbad.XXXXXX", cpath[300], cmd[300];
	bool certs;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	certs = test_cert(dir);
	snprintf(cpath, sizeof cpath, "%s/web.yml", dir);
	for (size_t i = 0; i < sizeof webcfg_bad / sizeof webcfg_bad[0]; i++) {
		FILE *f;
		if (!certs && strstr(webcfg_bad[i].text, "cert_file: C"))
			continue;	/* no openssl */
		f = fopen(cpath, "w");
		ck_assert_ptr_nonnull(f);
		fputs(webcfg_bad[i].text, f);
		fclose(f);
		w = webcfg_load(cpath, err, sizeof err);
		ck_assert_ptr_null(w);
		ck_assert_msg(strstr(err, webcfg_bad[i].err), "case %zu: %s", i, err);
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cd);
}
END_TEST

/* At most 32 headers and 1024 users: one more is refused where its mapping starts. */
START_TEST(web_config_limits)
{
	static char text[32768];
	char err[512], *path;
	struct webcfg *w;
	size_t len;

	for (unsigned n = 32; n <= 33; n++) {
		len = (size_t)snprintf(text, sizeof text, "http_server_config:\n  headers:\n");
		for (unsigned i = 0; i < n; i++)
			len += (size_t)snprintf(text + len, sizeof text - len, "    X-N%u: v\n", i);
		ck_assert_uint_lt(len, sizeof text);
		path = write_tmp(text);
		w = webcfg_load(path, err, sizeof err);
		unlink(path);
		ck_assert_ptr_null(w);
		/* 32 pass the count, and the first name is the fault. */
		ck_assert_msg(strstr(err, n == 32 ? ":3:5: headers: 'X-N0' cannot be set"
					      : ":3:5: headers: more than 32 headers"), "%u: %s", n, err);
	}
	for (unsigned n = 1024; n <= 1025; n++) {
		len = (size_t)snprintf(text, sizeof text, "basic_auth_users:\n  u0: &h '%s'\n",
				       "$2b$04$abcdefghijklmnopqrstuu7qXJZb5tKk6Vx7bq3kYh9V3a2l2DRXK");
		for (unsigned i = 1; i < n; i++)
			len += (size_t)snprintf(text + len, sizeof text - len, "  u%u: *h\n", i);
		ck_assert_uint_lt(len, sizeof text);
		path = write_tmp(text);
		w = webcfg_load(path, err, sizeof err);
		unlink(path);
		if (n == 1024) {
			ck_assert_msg(w != NULL, "%s", err);
			ck_assert_uint_eq(w->n_users, 1024);
			ck_assert_str_eq(w->users[1023].name, "u1023");
			ck_assert_str_eq(w->users[1023].hash, w->users[0].hash);
			webcfg_free(w);
		} else {
			ck_assert_ptr_null(w);
			ck_assert_msg(strstr(err, ":2:3: basic_auth_users: more than 1024 users"), "%s", err);
		}
	}
}
END_TEST

/* ---- reload: configuration lifetime and adopted state ----------------------- */

static struct cfg *load_yaml(const char *body)
{
	char text[8192], cwd[1024];
	struct cfg_errors errs = { 0 };
	struct cfg *c;
	char *path;

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	snprintf(text, sizeof text,
		 "registers:\n"
		 "  land: { key: \"16\", name: \"Thüringen\" }\n"
		 "  kreise: %s/data/registers/thueringen_kreise_2021-11-30.csv\n"
		 "  verbaende: %s/data/registers/thueringen_gemeindeverbaende_2021-11-30.csv\n"
		 "  gemeinden: %s/data/registers/thueringen_gemeinden_2021-11-30.csv\n"
		 "  leistungen: %s/data/registers/ozg_leistungen.csv\n%s",
		 cwd, cwd, cwd, cwd, body);
	path = write_tmp(text);
	c = cfg_load(path, &errs);
	unlink(path);
	ck_assert_msg(c != NULL, "%s", errs.n ? errs.v[0].msg : "?");
	cfg_errors_free(&errs);
	return c;
}

START_TEST(cfg_outlives_snapshots)
{
	struct cfg *c = load_yaml("onlinedienste:\n  - { id: a, url: \"http://a.example.de/\" }\n");
	struct state_cfg *r = state_cfg_new(c);
	struct state_pub pub;
	struct snapshot *s, *held;

	ck_assert_ptr_nonnull(r);
	state_pub_init(&pub);
	state_pub_set_cfg(&pub, r);
	s = snapshot_new(c);
	state_publish(&pub, s);
	ck_assert_ptr_eq(s->cfgref, r);
	held = state_acquire(&pub);
	/* The daemon drops its reference (a reload) and the pub moves on. */
	state_cfg_release(r);
	state_pub_set_cfg(&pub, NULL);
	state_publish(&pub, NULL);
	ck_assert_uint_eq(atomic_load(&r->refs), 1);	/* only `held` keeps it */
	ck_assert_str_eq(held->cfg->dienste[0].id, "a");
	snapshot_release(held);	/* frees the cfg: ASan and valgrind watch */
	state_pub_destroy(&pub);
}
END_TEST

START_TEST(adopt_unchanged_targets)
{
	struct cfg *c1 = load_yaml("onlinedienste:\n"
				   "  - { id: a, url: \"http://a.example.de/\" }\n"
				   "  - { id: b, url: \"http://b.example.de/\" }\n"
				   "  - { id: c, url: \"http://c.example.de/\" }\n");
	struct cfg *c2 = load_yaml("onlinedienste:\n"
				   "  - { id: a, url: \"http://a.example.de/\" }\n"
				   "  - { id: b, url: \"http://b.example.de/neu\" }\n"
				   "  - { id: d, url: \"http://d.example.de/\" }\n");
	struct state_pub pub;
	struct snapshot *old = snapshot_new(c1), *now;
	struct collector *coll;
	char err[256];

	state_pub_init(&pub);
	old->t[0] = (struct target_state){ .probed = true, .success = true, .probes = 5, .http_status = 200 };
	old->t[1] = (struct target_state){ .probed = true, .probes = 7 };
	old->t[2] = (struct target_state){ .probed = true, .probes = 9 };
	old->stats.results[PROBE_SUCCESS] = 5;
	old->stats.results[PROBE_CONNECT] = 16;
	old->t[0].usage_resets = 2;
	old->stats.started = 25;
	old->stats.finished = 21;
	old->stats.usage_started = 4;
	old->stats.usage_finished = 3;
	old->stats.usage_errors = 1;
	old->stats.lag_bucket[0] = 29;
	coll = collector_new(c2, NULL, &pub, err, sizeof err);
	ck_assert_msg(coll != NULL, "%s", err);
	collector_adopt(coll, old);
	ck_assert_int_eq(collector_start(coll, err, sizeof err), 0);
	collector_stop(coll);	/* publishes the adopted state */
	now = state_acquire(&pub);
	ck_assert_ptr_nonnull(now);
	ck_assert(now->t[0].probed && now->t[0].success);
	ck_assert_uint_eq(now->t[0].probes, 5);		/* a: unchanged, carried over */
	ck_assert(!now->t[1].probed);			/* b: URL changed, starts afresh */
	ck_assert(!now->t[2].probed);			/* d: new */
	ck_assert_uint_eq(now->stats.results[PROBE_CONNECT], 16);
	/* Probe and usage-fetch counters continue (probes may have started meanwhile). */
	ck_assert_uint_eq(now->t[0].usage_resets, 2);
	ck_assert_uint_ge(now->stats.started, 25);
	ck_assert_uint_ge(now->stats.finished, 21);
	ck_assert_uint_eq(now->stats.usage_started, 4);
	ck_assert_uint_eq(now->stats.usage_finished, 3);
	ck_assert_uint_eq(now->stats.usage_errors, 1);
	ck_assert_uint_ge(now->stats.lag_bucket[0], 29);
	snapshot_release(now);
	collector_free(coll);
	snapshot_release(old);
	state_pub_destroy(&pub);
	cfg_free(c1);
	cfg_free(c2);
}
END_TEST

static Suite *exporter_suite(void)
{
	Suite *s = suite_create("exporter");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, text_byte_for_byte);
	tcase_add_test(tc, openmetrics_byte_for_byte);
	tcase_add_test(tc, values_round_trip);
	tcase_add_test(tc, accept_negotiation);
	tcase_add_test(tc, path_canonicalisation);
	tcase_add_test(tc, api_targets);
	tcase_add_test(tc, api_csv);
	tcase_add_test(tc, api_history_params);
	tcase_add_test(tc, api_areas);
	tcase_add_test(tc, web_config);
	tcase_add_test(tc, web_config_toolkit);
	tcase_add_test(tc, web_config_limits);
	tcase_add_test(tc, web_config_cache);
	tcase_add_test(tc, cfg_outlives_snapshots);
	tcase_add_test(tc, adopt_unchanged_targets);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(exporter_suite());
}
