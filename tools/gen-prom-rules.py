#!/usr/bin/env python3
# SPDX-License-Identifier: EUPL-1.2
"""gen-prom-rules.py - the alerting rules for your site: runbook base URL and job name.

config/prometheus/ozgmon-alerts.yml points every runbook_url at docs/alerts.md
as the Debian package installs it, and its self-monitoring alerts select the
scrape job "ozgmon".  This writes the rules with another base and job:

    tools/gen-prom-rules.py --runbook-base https://wiki.example/ozgmon/alerts \\
        --job ozgmon-th -o /etc/prometheus/rules/ozgmon-alerts.yml

Each runbook_url becomes BASE#<alert name in lower case>.  BASE must be an
absolute URL (scheme://..., file:///... included) without a fragment, quotes,
backslashes, braces or white space; JOB a plain label value.  The input is the
shipped file (or -i FILE); nothing else in it changes.  Run without options it
writes the shipped file unchanged.
"""
import argparse
import re
import sys

DEFAULT_BASE = 'file:///usr/share/doc/ozgmon/alerts.md'
DEFAULT_JOB = 'ozgmon'
RUNBOOK = re.compile(r'^(\s*runbook_url: ")[^"#]*#([a-z0-9-]+)"\s*$')
JOB = re.compile(r'job="' + DEFAULT_JOB + '"')


def main():
    ap = argparse.ArgumentParser(description='Writes ozgmon-alerts.yml with a runbook base URL and job name.')
    ap.add_argument('--runbook-base', default=DEFAULT_BASE, help='absolute URL of the runbook page')
    ap.add_argument('--job', default=DEFAULT_JOB, help='the scrape job of ozgmond in Prometheus')
    ap.add_argument('-i', '--input', default='config/prometheus/ozgmon-alerts.yml')
    ap.add_argument('-o', '--output', default='-')
    a = ap.parse_args()
    base = a.runbook_base.rstrip('/') if not a.runbook_base.startswith('file:') else a.runbook_base
    if not re.fullmatch(r'[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"\\#{}<>]*', base):
        sys.exit('gen-prom-rules: --runbook-base %r: expected an absolute URL (scheme://...) '
                 'without fragment, quotes, backslashes, braces or white space' % a.runbook_base)
    if not re.fullmatch(r'[A-Za-z0-9_.:/-]+', a.job):
        sys.exit('gen-prom-rules: --job %r: expected letters, digits and _ . : / -' % a.job)
    out, n = [], 0
    with open(a.input, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            m = RUNBOOK.match(line)
            if 'runbook_url:' in line:
                if not m:
                    sys.exit('gen-prom-rules: %s:%d: runbook_url not of the form "URL#anchor"'
                             % (a.input, lineno))
                line = '%s%s#%s"\n' % (m.group(1), base, m.group(2))
                n += 1
            elif not line.lstrip().startswith('#'):
                line = JOB.sub('job="%s"' % a.job, line)
            out.append(line)
    if n == 0:
        sys.exit('gen-prom-rules: %s: no runbook_url found' % a.input)
    text = ''.join(out)
    if a.output == '-':
        sys.stdout.write(text)
    else:
        with open(a.output, 'w', encoding='utf-8') as f:
            f.write(text)


if __name__ == '__main__':
    main()
