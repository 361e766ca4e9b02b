/**
 * What the soak's sessions saw that they should not have. Two kinds:
 *
 * - violations: a session saw another session's data: a tick or a status
 *   for an instrument it did not hold, an answer to a request it never
 *   sent, another user's alert, or another session handed over on a
 *   resume. Any one fails the soak.
 * - anomalies: the platform said no or misbehaved without showing anyone
 *   else's data (a refused upgrade, a rejected instrument, a server-side
 *   close, a tick before its subscribe's ack, …). Reported, to be read.
 */
export const VIOLATIONS = {
  'tick-not-held': 'a tick of an instrument the session did not hold (after its unsubscribe was acknowledged, or never subscribed)',
  'status-not-held': 'a status frame naming an instrument the session did not hold',
  'answer-not-asked': 'an ack, pong or error carrying a request id the session never sent (or had been answered already)',
  'alert-of-another-user': "an alert frame of another user's alert",
  'resumed-another-session': "a resume with another credential's session id was granted",
} as const;

export const ANOMALIES = {
  'tick-before-ack': 'a tick of an instrument before the ack of its subscribe',
  'richer-mode': 'a tick in a richer mode than the session held it in, after the frame in flight at the mode change',
  'count-mismatch': "an ack's or a resume's `subscribed` differing from what the session's own requests add up to",
  rejected: 'instruments rejected in an ack (code: count)',
  unanswered: 'requests with no answer within the time allowed (the session was then reopened)',
  'server-closed': 'sessions closed by the server (close code: count)',
  'refused-open': 'upgrades refused (HTTP status: count)',
  'error-frame': 'error frames (code: count)',
  'resume-refused': 'resumes of its own session answered with a new session',
  'bad-frame': 'frames that are not JSON or not the protocol',
} as const;

export type ViolationKind = keyof typeof VIOLATIONS;
export type AnomalyKind = keyof typeof ANOMALIES;
export type Finding = { kind: ViolationKind | AnomalyKind; slot: number; at: number; detail: string };

const EXAMPLES_PER_KIND = 3;

export class Findings {
  readonly #counts = new Map<string, number>();
  /** For anomalies counted by a code (close codes, HTTP statuses, rejection codes). */
  readonly #byCode = new Map<string, Map<string, number>>();
  readonly #examples = new Map<string, Finding[]>();
  readonly #violators = new Set<number>();

  violation(kind: ViolationKind, slot: number, detail: string, at = Date.now()): void {
    this.#violators.add(slot);
    this.#record({ kind, slot, at, detail });
  }

  anomaly(kind: AnomalyKind, slot: number, detail: string, code?: string, at = Date.now()): void {
    this.#record({ kind, slot, at, detail });
    if (code === undefined) return;
    let codes = this.#byCode.get(kind);
    if (!codes) {
      codes = new Map();
      this.#byCode.set(kind, codes);
    }
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }

  /** Distinct sessions (soak slots) that saw another's data. */
  get sessionsWithViolations(): number {
    return this.#violators.size;
  }

  get violations(): number {
    let n = 0;
    for (const kind of Object.keys(VIOLATIONS)) n += this.#counts.get(kind) ?? 0;
    return n;
  }

  summary(): {
    violations: Record<ViolationKind, number>;
    anomalies: Record<AnomalyKind, number>;
    byCode: Record<string, Record<string, number>>;
    examples: Finding[];
  } {
    const count = <K extends string>(kinds: Record<K, string>) =>
      Object.fromEntries(Object.keys(kinds).map((k) => [k, this.#counts.get(k) ?? 0])) as Record<K, number>;
    return {
      violations: count(VIOLATIONS),
      anomalies: count(ANOMALIES),
      byCode: Object.fromEntries([...this.#byCode].map(([kind, codes]) => [kind, Object.fromEntries(codes)])),
      examples: [...this.#examples.values()].flat(),
    };
  }

  #record(finding: Finding): void {
    this.#counts.set(finding.kind, (this.#counts.get(finding.kind) ?? 0) + 1);
    let examples = this.#examples.get(finding.kind);
    if (!examples) {
      examples = [];
      this.#examples.set(finding.kind, examples);
    }
    if (examples.length < EXAMPLES_PER_KIND) examples.push(finding);
  }
}
