#!/usr/bin/env python3
# SPDX-License-Identifier: EUPL-1.2
"""gen-prom-tests.py - writes config/prometheus/tests/ozgmon-alerts.test.yml.

The expected annotations of every alert are rendered from the rules file
itself ($labels.X and $value), so a changed summary changes the tests with
it; what the tests assert (which alert fires for which series, when) is
written out below.  Run from the repository root after editing either:

    python3 tools/gen-prom-tests.py
    promtool test rules config/prometheus/tests/ozgmon-alerts.test.yml

With two arguments, RULES and OUT, it writes the tests of another rules file
(such as one written by tools/gen-prom-rules.py); OUT's rule_files entry is
RULES relative to OUT's directory.
"""
import os
import re
import sys
import yaml

RULES = 'config/prometheus/ozgmon-alerts.yml'
OUT = 'config/prometheus/tests/ozgmon-alerts.test.yml'
if len(sys.argv) == 3:
    RULES, OUT = sys.argv[1], sys.argv[2]
elif len(sys.argv) != 1:
    sys.exit('usage: gen-prom-tests.py [RULES OUT]')

rules = yaml.safe_load(open(RULES, encoding='utf-8'))
alerts = {r['alert']: r for g in rules['groups'] for r in g['rules']}


def render(t, labels, value):
    t = re.sub(r'\{\{ \$labels\.(\w+) \}\}', lambda m: labels.get(m.group(1), ''), t)
    return t.replace('{{ $value }}', value)


def exp(alert, labels, value=''):
    a = alerts[alert]
    lab = dict(labels)
    lab.update(a['labels'])
    ann = {k: render(v, labels, value) for k, v in a['annotations'].items()}
    return {'exp_labels': lab, 'exp_annotations': ann}


# The scrape job of ozgmond, as the self-monitoring alerts select it.
JOB = re.search(r'up\{job="([^"]+)"\}', alerts['OzgmonDown']['expr']).group(1)
S1 = {'job': JOB, 'instance': 'shard1:9717'}
S2 = {'job': JOB, 'instance': 'shard2:9717'}


def series(name, labels, values):
    body = ','.join('%s="%s"' % (k, v) for k, v in labels.items())
    return {'series': '%s{%s}' % (name, body), 'values': values}


def L(base, **kw):
    d = dict(base)
    d.update(kw)
    return d


tests = []

# 1. Onlinedienste down, portals down, maintenance.  Hosts: h1 a+b (both
# down, on two shards), h2 c+d (d up), h3 e+f (e in maintenance), h4 g
# alone, h5 h+i (back up after 5 minutes).
inp = []
hosts = {'a': 'h1.example.de', 'b': 'h1.example.de', 'c': 'h2.example.de', 'd': 'h2.example.de',
         'e': 'h3.example.de', 'f': 'h3.example.de', 'g': 'h4.example.de', 'h': 'h5.example.de',
         'i': 'h5.example.de'}
shard = {'a': S1, 'b': S2, 'c': S1, 'd': S2, 'e': S1, 'f': S1, 'g': S2, 'h': S1, 'i': S2}
down = {'a': '1x30', 'b': '1x30', 'c': '1x30', 'd': '0x30', 'e': '1x30', 'f': '1x30',
        'g': '1x30', 'h': '1x4 0x25', 'i': '1x4 0x25'}
for d, h in hosts.items():
    inp.append(series('ozg_probe_down', L(shard[d], dienst=d), down[d]))
    inp.append(series('ozg_dienst_host_info', L(shard[d], dienst=d, host=h), '1x30'))
inp.append(series('ozg_probe_maintenance', L(S1, dienst='e'), '1x30'))
inp.append(series('ozg_probe_maintenance', L(S1, dienst='f'), '0x30'))
tests.append({'interval': '1m', 'input_series': inp, 'alert_rule_test': [
    {'eval_time': '3m', 'alertname': 'OzgOnlinedienstDown', 'exp_alerts': []},
    {'eval_time': '3m', 'alertname': 'OzgPortalDown', 'exp_alerts': []},
    {'eval_time': '12m', 'alertname': 'OzgOnlinedienstDown', 'exp_alerts': [
        exp('OzgOnlinedienstDown', L(shard[d], dienst=d)) for d in ['a', 'b', 'c', 'f', 'g']]},
    {'eval_time': '12m', 'alertname': 'OzgPortalDown', 'exp_alerts': [
        exp('OzgPortalDown', {'host': 'h1.example.de'}, '2')]},
]})

# 2. Certificates: x in 20 days, y in 10, z in 2, w already expired (the
# probe fails with cert_expired; no expiry alert).
inp = [series('ozg_probe_ssl_earliest_cert_expiry_timestamp_seconds', L(S1, dienst=d), v)
       for d, v in [('x', '%dx200' % (20 * 86400)), ('y', '%dx200' % (10 * 86400)),
                    ('z', '%dx200' % (2 * 86400)), ('w', '0x200')]]
tests.append({'interval': '1m', 'input_series': inp, 'alert_rule_test': [
    {'eval_time': '30m', 'alertname': 'OzgCertificateExpiresSoon', 'exp_alerts': []},
    {'eval_time': '2h', 'alertname': 'OzgCertificateExpiresSoon', 'exp_alerts': [
        exp('OzgCertificateExpiresSoon', L(S1, dienst=d)) for d in ['y', 'z']]},
    {'eval_time': '5m', 'alertname': 'OzgCertificateExpiresVerySoon', 'exp_alerts': []},
    {'eval_time': '2h', 'alertname': 'OzgCertificateExpiresVerySoon', 'exp_alerts': [
        exp('OzgCertificateExpiresVerySoon', L(S1, dienst='z'))]},
]})

# 3. Usage statistics: u1 last read at time 0, u2 read every minute, u3
# never read, u4 read every minute after a slow start.
inp = [series('ozg_usage_up', L(S1, dienst='u1'), '0x200'),
       series('ozg_usage_last_success_timestamp_seconds', L(S1, dienst='u1'), '0x200'),
       series('ozg_usage_up', L(S1, dienst='u2'), '1x200'),
       series('ozg_usage_last_success_timestamp_seconds', L(S1, dienst='u2'), '0+60x200'),
       series('ozg_usage_up', L(S2, dienst='u3'), '0x200'),
       series('ozg_usage_up', L(S2, dienst='u4'), '0x3 1x200'),
       series('ozg_usage_last_success_timestamp_seconds', L(S2, dienst='u4'), '_x3 240+60x200')]
tests.append({'interval': '1m', 'input_series': inp, 'alert_rule_test': [
    {'eval_time': '20m', 'alertname': 'OzgUsageStatisticsStale', 'exp_alerts': []},
    {'eval_time': '2h', 'alertname': 'OzgUsageStatisticsStale', 'exp_alerts': [
        exp('OzgUsageStatisticsStale', L(S1, dienst='u1')),
        exp('OzgUsageStatisticsStale', L(S2, dienst='u3'))]},
]})

# 4. The daemon: shard1 never ready, slow to start probes, dropping samples at
# 10m, a refused reload at 4m; shard2 ready after 5m, on time, not dropping,
# a refused reload fixed after 3m.
inp = [series('ozgmon_ready', S1, '0x30'), series('ozgmon_ready', S2, '0x4 1x30'),
       series('ozgmon_schedule_lag_seconds_bucket', L(S1, le='0.005'), '0x40'),
       series('ozgmon_schedule_lag_seconds_bucket', L(S1, le='1'), '0x40'),
       series('ozgmon_schedule_lag_seconds_bucket', L(S1, le='5'), '0+600x40'),
       series('ozgmon_schedule_lag_seconds_bucket', L(S1, le='+Inf'), '0+600x40'),
       series('ozgmon_schedule_lag_seconds_bucket', L(S2, le='0.005'), '0+600x40'),
       series('ozgmon_schedule_lag_seconds_bucket', L(S2, le='1'), '0+600x40'),
       series('ozgmon_schedule_lag_seconds_bucket', L(S2, le='5'), '0+600x40'),
       series('ozgmon_schedule_lag_seconds_bucket', L(S2, le='+Inf'), '0+600x40'),
       series('ozgmon_store_dropped_samples_total', S1, '0x9 5x40'),
       series('ozgmon_store_dropped_samples_total', S2, '0x50'),
       series('ozgmon_config_last_reload_successful', S1, '1x3 0x30'),
       series('ozgmon_config_last_reload_successful', S2, '0x2 1x30')]
tests.append({'interval': '1m', 'input_series': inp, 'alert_rule_test': [
    {'eval_time': '8m', 'alertname': 'OzgmonNotReady', 'exp_alerts': []},
    {'eval_time': '15m', 'alertname': 'OzgmonNotReady', 'exp_alerts': [exp('OzgmonNotReady', S1)]},
    {'eval_time': '10m', 'alertname': 'OzgmonProbeLagHigh', 'exp_alerts': []},
    {'eval_time': '25m', 'alertname': 'OzgmonProbeLagHigh', 'exp_alerts': [exp('OzgmonProbeLagHigh', S1)]},
    {'eval_time': '5m', 'alertname': 'OzgmonStoreDroppingSamples', 'exp_alerts': []},
    {'eval_time': '12m', 'alertname': 'OzgmonStoreDroppingSamples', 'exp_alerts': [
        exp('OzgmonStoreDroppingSamples', S1)]},
    {'eval_time': '30m', 'alertname': 'OzgmonStoreDroppingSamples', 'exp_alerts': []},
    {'eval_time': '5m', 'alertname': 'OzgmonConfigReloadFailed', 'exp_alerts': []},
    {'eval_time': '12m', 'alertname': 'OzgmonConfigReloadFailed', 'exp_alerts': [
        exp('OzgmonConfigReloadFailed', S1)]},
]})

# 5. Two shards complete, then shard 2 stops being scraped after 4 minutes
# (its series go stale 5 minutes later).
inp = [series('ozgmon_shard_targets', S1, '332x40'), series('ozgmon_shard_targets', S2, '338x4'),
       series('ozgmon_config_targets', S1, '670x40'), series('ozgmon_config_targets', S2, '670x4'),
       series('ozgmon_shard_info', L(S1, shard='1', shards='2'), '1x40'),
       series('ozgmon_shard_info', L(S2, shard='2', shards='2'), '1x4')]
tests.append({'interval': '1m', 'input_series': inp, 'alert_rule_test': [
    {'eval_time': '4m', 'alertname': 'OzgmonShardsIncomplete', 'exp_alerts': []},
    {'eval_time': '12m', 'alertname': 'OzgmonShardsIncomplete', 'exp_alerts': []},
    {'eval_time': '25m', 'alertname': 'OzgmonShardsIncomplete', 'exp_alerts': [
        exp('OzgmonShardsIncomplete', {})]},
]})
# 6. Two shards configured with different shard counts.
inp = [series('ozgmon_shard_targets', S1, '332x40'), series('ozgmon_shard_targets', S2, '338x40'),
       series('ozgmon_config_targets', S1, '670x40'), series('ozgmon_config_targets', S2, '670x40'),
       series('ozgmon_shard_info', L(S1, shard='1', shards='2'), '1x40'),
       series('ozgmon_shard_info', L(S2, shard='2', shards='3'), '1x40')]
tests.append({'interval': '1m', 'input_series': inp, 'alert_rule_test': [
    {'eval_time': '15m', 'alertname': 'OzgmonShardsIncomplete', 'exp_alerts': [
        exp('OzgmonShardsIncomplete', {})]},
]})

# 7. ozgmond seen from Prometheus.  shard1 is down from minute 4; shard2
# fails every fourth scrape and is slow (3 s a scrape); shard3 is up, fast
# and fresh.  shard1's rollout figures stop at minute 5 (it still answers
# them from its last computation while the scrapes fail).
S3 = {'job': JOB, 'instance': 'shard3:9717'}
inp = [series('up', S1, '1x3 0x50'), series('up', S2, ' '.join(['1 1 1 0'] * 14)),
       series('up', S3, '1x55'),
       series('scrape_duration_seconds', S1, '0.05x55'), series('scrape_duration_seconds', S2, '3x55'),
       series('scrape_duration_seconds', S3, '0.05x55'),
       series('ozgmon_rollout_last_compute_timestamp_seconds', S1, '0+60x5 300x50'),
       series('ozgmon_rollout_last_compute_timestamp_seconds', S3, '0+60x55')]
tests.append({'interval': '1m', 'input_series': inp, 'alert_rule_test': [
    {'eval_time': '5m', 'alertname': 'OzgmonDown', 'exp_alerts': []},
    {'eval_time': '12m', 'alertname': 'OzgmonDown', 'exp_alerts': [exp('OzgmonDown', S1)]},
    {'eval_time': '15m', 'alertname': 'OzgmonAbsent', 'exp_alerts': []},
    {'eval_time': '10m', 'alertname': 'OzgmonScrapesFailing', 'exp_alerts': []},
    {'eval_time': '50m', 'alertname': 'OzgmonScrapesFailing', 'exp_alerts': [
        exp('OzgmonScrapesFailing', S2)]},
    {'eval_time': '12m', 'alertname': 'OzgmonScrapeSlow', 'exp_alerts': []},
    {'eval_time': '30m', 'alertname': 'OzgmonScrapeSlow', 'exp_alerts': [exp('OzgmonScrapeSlow', S2)]},
    {'eval_time': '14m', 'alertname': 'OzgmonRolloutStale', 'exp_alerts': []},
    {'eval_time': '25m', 'alertname': 'OzgmonRolloutStale', 'exp_alerts': [
        exp('OzgmonRolloutStale', S1)]},
]})
# 8. No target of the ozgmon job at all: Prometheus scrapes only another job.
inp = [series('up', {'job': 'node', 'instance': 'host1:9100'}, '1x30')]
tests.append({'interval': '1m', 'input_series': inp, 'alert_rule_test': [
    {'eval_time': '5m', 'alertname': 'OzgmonAbsent', 'exp_alerts': []},
    {'eval_time': '15m', 'alertname': 'OzgmonAbsent', 'exp_alerts': [
        exp('OzgmonAbsent', {'job': JOB})]},
    {'eval_time': '15m', 'alertname': 'OzgmonDown', 'exp_alerts': []},
]})

doc = {'rule_files': [os.path.relpath(RULES, os.path.dirname(OUT) or '.')], 'evaluation_interval': '1m', 'tests': tests}
hdr = ("# SPDX-License-Identifier: EUPL-1.2\n"
       "# ozgmon-alerts.test.yml - promtool unit tests of every alert in ../ozgmon-alerts.yml,\n"
       "# firing and not firing (maintenance, recovery, pending time, one-service portals).\n"
       "# Generated by tools/gen-prom-tests.py from the rules' annotations; run with\n"
       "#   promtool test rules config/prometheus/tests/ozgmon-alerts.test.yml\n")
with open(OUT, 'w', encoding='utf-8') as f:
    f.write(hdr + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=200))
