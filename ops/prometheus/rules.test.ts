import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { knownNames, metricNamesIn, RULES_DIR, readRules, ruleFiles, testFiles } from './rule-files.ts';

/**
 * The alert rules as Prometheus will load them: `promtool check rules` (syntax,
 * templates) and `promtool test rules` (each alert fires on a made-up history
 * and stays quiet on another). promtool is Debian's `prometheus` package
 * (.ci/run installs it); without it this fails, saying how to get it.
 */
const INSTALL =
  process.getuid?.() === 0
    ? 'apt-get update && apt-get install -y prometheus'
    : 'sudo apt-get update && sudo apt-get install -y prometheus (or ask whoever runs CI: .ci/run installs it as root)';

function promtool(args: string[]): { ok: boolean; output: string } {
  const run = spawnSync('promtool', args, { cwd: RULES_DIR, encoding: 'utf8', timeout: 60_000 });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(`promtool is not installed: it comes with Debian's "prometheus" package. Install it with: ${INSTALL}`);
  }
  if (run.error) throw run.error;
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}`.trim() };
}

const rules = ruleFiles().flatMap(readRules);
const alerts = rules.filter((rule) => rule.kind === 'alert');

describe('alert rules (ops/prometheus)', () => {
  it('pass promtool check rules', () => {
    const { ok, output } = promtool(['check', 'rules', ...ruleFiles()]);
    expect(ok, `promtool check rules ${ruleFiles().join(' ')} (in ops/prometheus) failed:\n${output}`).toBe(true);
  });

  it('pass their unit tests (promtool test rules)', () => {
    const { ok, output } = promtool(['test', 'rules', ...testFiles()]);
    expect(ok, `promtool test rules ${testFiles().join(' ')} (in ops/prometheus) failed; each FAILED block shows the alerts expected and got:\n${output}`).toBe(
      true,
    );
  });

  it('each alert has a unit test that fires it and one that does not', () => {
    const tests = testFiles()
      .map((file) => readFileSync(join(RULES_DIR, file), 'utf8'))
      .join('\n');
    const cases = [...tests.matchAll(/alertname: (\S+)\n\s+exp_alerts:(.*)/g)].map(([, name, rest = '']) => ({ name, fires: rest.trim() !== '[]' }));
    const untested = alerts.flatMap((alert) => [
      ...(cases.some((c) => c.name === alert.name && c.fires) ? [] : [`${alert.name} (${alert.file}): no case where it fires`]),
      ...(cases.some((c) => c.name === alert.name && !c.fires) ? [] : [`${alert.name} (${alert.file}): no case where it stays quiet`]),
    ]);
    expect(untested, 'add cases to the .test.yml beside the rule file').toEqual([]);
  });

  it('select only metrics docs/monitoring.md lists', () => {
    const known = knownNames();
    const unknown = rules.flatMap((rule) =>
      metricNamesIn(rule.expr)
        .filter((name) => !known.has(name))
        .map((name) => `${rule.name} (${rule.file}): ${name}`),
    );
    expect(unknown, 'a misspelt metric, or one missing from the Metrics tables of docs/monitoring.md').toEqual([]);
  });

  it('every alert has a severity and a runbook that exists', () => {
    const root = join(RULES_DIR, '..', '..');
    const problems = alerts.flatMap((alert) => [
      ...(alert.severity === 'page' || alert.severity === 'ticket' ? [] : [`${alert.name}: severity must be page or ticket, not ${alert.severity}`]),
      ...(alert.runbook && existsSync(join(root, alert.runbook)) ? [] : [`${alert.name}: runbook ${alert.runbook} does not exist`]),
    ]);
    expect(problems).toEqual([]);
  });
});

describe('metricNamesIn', () => {
  it('finds selected names, not functions, labels, ranges, keywords or Grafana variables', () => {
    expect(
      metricNamesIn(
        'sum by (route) (rate(kite_edge_http_requests_total{status=~"5.."}[$__rate_interval])) / ignoring(x) kite:ratio and on (job) up{job="a"} > 14.4 * 0.001 or vector(0) + Inf',
      ),
    ).toEqual(['kite_edge_http_requests_total', 'kite:ratio', 'up']);
  });
});
