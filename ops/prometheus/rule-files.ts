import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What the checks of ops/ (rules.test.ts, ../grafana/dashboard.test.ts)
 * read from the alert rules, the dashboard and docs/monitoring.md: the
 * metric names each PromQL expression uses, and the names the rules and
 * the docs define. Rule files are read line by line: they are ours, in one
 * layout (`- alert:`/`- record:` then `expr:`, on one line or as a `|` block).
 */
export const RULES_DIR = fileURLToPath(new URL('.', import.meta.url));
export const MONITORING_DOC = fileURLToPath(new URL('../../docs/monitoring.md', import.meta.url));

export type Rule = { kind: 'alert' | 'record'; name: string; expr: string; file: string; severity?: string; runbook?: string };

export function ruleFiles(): string[] {
  return readdirSync(RULES_DIR)
    .filter((name) => name.endsWith('.rules.yml'))
    .sort();
}

export function testFiles(): string[] {
  return readdirSync(RULES_DIR)
    .filter((name) => name.endsWith('.test.yml'))
    .sort();
}

export function readRules(file: string): Rule[] {
  const lines = readFileSync(join(RULES_DIR, file), 'utf8').split('\n');
  const rules: Rule[] = [];
  let current: Rule | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const head = line.match(/^\s*- (alert|record): (\S+)/);
    if (head) {
      current = { kind: head[1] === 'alert' ? 'alert' : 'record', name: head[2] ?? '', file, expr: '' };
      rules.push(current);
    }
    const field = line.match(/^(\s*)(expr|severity|runbook): (.*)$/);
    if (!current || !field) continue;
    const [, indent = '', key, value = ''] = field;
    if (key === 'severity' || key === 'runbook') current[key] = value.trim();
    else if (value.trim() !== '|') current.expr = value;
    else {
      // A `|` block: the lines indented deeper than `expr:`.
      const block: string[] = [];
      const inBlock = (next: string | undefined) => next !== undefined && (next.trim() === '' || next.search(/\S/) > indent.length);
      while (inBlock(lines[i + 1])) block.push(lines[++i] ?? '');
      current.expr = block.join('\n');
    }
  }
  return rules;
}

const NOT_METRICS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan', 'atan2']);

/** The metric (or recorded) names a PromQL expression selects; Grafana's `$variables` are not names. */
export function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = bare.match(/(?<![\w.])[a-zA-Z_:][\w:]*\b(?!\s*\()/g) ?? [];
  return [...new Set(names.filter((name) => !NOT_METRICS.has(name.toLowerCase())))];
}

/** The metrics docs/monitoring.md lists (its "Metrics" tables: name, then type), with the series a histogram adds. */
export function documentedMetrics(): Set<string> {
  const doc = readFileSync(MONITORING_DOC, 'utf8');
  const section = doc.slice(doc.indexOf('\n## Metrics'), doc.indexOf('\n## ', doc.indexOf('\n## Metrics') + 1));
  const names = new Set<string>();
  for (const [, name = '', type] of section.matchAll(/^\| `([a-zA-Z_:][\w:]*)`\s*\|\s*(\w+)/gm)) {
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

/** Every name an expression may select: the documented metrics and what the rules record. */
export function knownNames(): Set<string> {
  const recorded = ruleFiles().flatMap((file) => readRules(file).filter((rule) => rule.kind === 'record'));
  return new Set([...documentedMetrics(), ...recorded.map((rule) => rule.name)]);
}
