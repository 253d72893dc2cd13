/**
 * Tells a keyboard-wedge barcode scan from a person typing, from key events alone.
 *
 * A wedge scanner is a USB keyboard that types the code very fast and (usually) ends it with
 * Enter. This module is a pure state machine: no DOM, no timers, no clock of its own. The caller
 * feeds every `keydown` as `{ key, timeStamp }` and acts on the returned outcome; the DOM binding
 * is `use-wedge-scanner.ts`.
 *
 * ## Time
 * Only the events' own `timeStamp` is used (and the `now` the caller passes to `flush`, which must
 * be on the same clock: `performance.now()` in a page). Never `Date.now()` in a handler: a blocked
 * main thread makes handler-time gaps look long (a 1,500 ms block reads as 1,506 ms with
 * `Date.now()` but 6 ms with `timeStamp`, field notes §E.2).
 *
 * ## Rules and defaults (field notes §E.2 for the published numbers)
 * A *burst* is a run of code characters whose consecutive gaps are all ≤ `maxGapMs`. It is a scan
 * when a terminator follows within `maxGapMs` of its last character, it has ≥ `minLength`
 * characters, and first character → terminator took ≤ `maxDurationMs`.
 *
 * - `maxGapMs` = 50. Scanners send characters 5–60 ms apart, ~20 ms on average (WooCommerce's
 *   measurement); Odoo uses 50, later 55; WooCommerce's 100 lets ordinary fast typing through
 *   as scans. 50 keeps a scanner's occasional 45 ms jitter inside and a person's usual
 *   80–200 ms keystrokes outside. A scanner with outliers above 50 ms should have its
 *   inter-character delay lowered, or this raised to 55–60.
 * - `minLength` = 4 (WooCommerce; Odoo uses 3). Fast typists do roll 2–3 keys at 35–60 ms and
 *   hit Enter (jQuery-Scanner-Detection#15): "12"+Enter and "250"+Enter in a quantity field must
 *   stay typing. Four keys plus an Enter, every gap ≤ 50 ms, is not something people do by
 *   accident, and real codes are longer (EAN-8/UPC-E 8, EAN-13 13, in-store labels ≥ 4).
 * - `maxDurationMs` = 1,500 (WooCommerce). The longest payload we expect, a GS1-128 of 48
 *   characters plus its terminator, is 48 gaps: ~1 s at a scanner's ~20 ms average, and the
 *   limit still allows a 31 ms average. A burst still going after 1.5 s is not a scan (POS
 *   Awesome added such a cap to stop long mid-entry triggers); the rest of that burst is passed
 *   through as typing until the next pause.
 * - `terminators` = Enter, Tab: scanners' usual suffixes (Odoo accepts `\n\r\t`).
 * - `isCodeChar` = one printable character: `key` is a single code point that is not a control
 *   character (named keys like "Shift" or "ArrowUp" are longer). Keys typed with Ctrl or Meta
 *   (not AltGr = Ctrl+Alt on Windows), auto-repeats and IME composition are never code
 *   characters.
 * - `allowUnterminated` = false. Scanners configured without a suffix can be supported: a burst
 *   of ≥ `minLength` followed by more than `maxGapMs` of silence becomes a scan (in `flush`, or in
 *   `feed` when the next key shows the silence). It is off by default because then silence is the
 *   only evidence: any four quick keys become a "scan", and a scan interrupted by a pause turns
 *   into two wrong scans. Most scanners ship with an Enter suffix; turn this on only for those
 *   configured without one.
 *
 * ## What the caller does with each key (nothing is ever lost)
 * Code characters are *held* (the caller suppresses them) while they may still be a scan. Once
 * the detector decides, held characters come back either as a scan code or as `typed` keys:
 *
 * - `pass`: let the key through untouched (modifiers, arrows, Enter on its own, the rest of a
 *   burst already judged human). Nothing was released.
 * - `buffering`: suppress the key; it is now held.
 * - `scan`: `code` is a scan, made of every held character. Then handle the current key by
 *   `current`: `'swallow'` (it was the scan's terminator: suppress it), `'hold'` (it is the first
 *   character of a new burst: suppress it, it is now held) or `'pass'` (let it through).
 * - `typed`: the held characters were typing. Replay `keys` (every held character, in order) into
 *   where they were typed *before* the current key takes effect, then handle the current key by
 *   `current`: `'pass'` (let it through, e.g. the Enter after a short entry, so a form submits
 *   with the full value) or `'hold'` (suppress it: it may start a scan).
 *
 * So every character fed comes back exactly once, in order: passed through, replayed from `typed`,
 * or inside a scan `code`. Held characters are released by the next key or by `flush(now)` once
 * `now` is past `nextFlushAt()`; the caller arms a timer for that, so a single digit typed into a
 * field shows up ~`maxGapMs` late rather than never. `reset()` hands back whatever is held.
 * Repeated identical scans are all reported: deduplication is the sale's business, not this one's.
 */

/** The part of a `KeyboardEvent` the detector reads; a `KeyboardEvent` fits as it is. */
export interface WedgeKey {
  readonly key: string;
  /** Milliseconds on the caller's clock (the event's `timeStamp`). */
  readonly timeStamp: number;
  readonly repeat?: boolean;
  readonly ctrlKey?: boolean;
  readonly altKey?: boolean;
  readonly metaKey?: boolean;
  readonly isComposing?: boolean;
}

export interface WedgeDetectorOptions {
  /** Largest gap between two characters of a scan, and between its last character and the terminator. */
  readonly maxGapMs?: number;
  /** Fewest characters a scan has. */
  readonly minLength?: number;
  /** Longest a scan may take, first character to terminator. */
  readonly maxDurationMs?: number;
  /** `key` values that end a scan. */
  readonly terminators?: readonly string[];
  /** Whether a `key` value can be part of a code. */
  readonly isCodeChar?: (key: string) => boolean;
  /** Whether a fast burst ended by silence alone is a scan (scanners without a suffix). */
  readonly allowUnterminated?: boolean;
}

/** What to do with the key just fed, when held characters were also released. */
export type CurrentKey = 'pass' | 'hold' | 'swallow';

export type WedgeOutcome =
  | { readonly type: 'pass' }
  | { readonly type: 'buffering' }
  | { readonly type: 'scan'; readonly code: string; readonly current: CurrentKey }
  | { readonly type: 'typed'; readonly keys: readonly string[]; readonly current: 'pass' | 'hold' };

export type FlushOutcome =
  | { readonly type: 'idle' }
  | { readonly type: 'buffering' }
  | { readonly type: 'scan'; readonly code: string }
  | { readonly type: 'typed'; readonly keys: readonly string[] };

export interface WedgeDetector {
  feed(key: WedgeKey): WedgeOutcome;
  /** Resolves held characters if `now` is more than `maxGapMs` after the last one. */
  flush(now: number): FlushOutcome;
  /** When held characters can next be resolved (`flush(now)` with `now` past this), or null if none are held. */
  nextFlushAt(): number | null;
  /** Drops all state and returns the held characters, for the caller to replay. */
  reset(): readonly string[];
}

export const WEDGE_DEFAULTS = {
  maxGapMs: 50,
  minLength: 4,
  maxDurationMs: 1_500,
  terminators: ['Enter', 'Tab'],
  allowUnterminated: false,
} as const;

/** Keys that never affect detection: scanners press Shift for capitals, and people hold modifiers. */
const MODIFIER_KEYS: ReadonlySet<string> = new Set([
  'Shift', 'Control', 'Alt', 'AltGraph', 'Meta', 'OS', 'Super', 'Hyper',
  'CapsLock', 'NumLock', 'ScrollLock', 'Fn', 'FnLock', 'Symbol', 'SymbolLock',
]);

const CONTROL_CHAR = /^\p{Cc}$/u;

/** One printable character: a single code point that is not a control character. */
export function isPrintableChar(key: string): boolean {
  const points = [...key];
  return points.length === 1 && !CONTROL_CHAR.test(key);
}

type Kind = 'char' | 'terminator' | 'other';

type Resolved =
  | { readonly type: 'scan'; readonly code: string }
  | { readonly type: 'typed'; readonly keys: readonly string[] };

const PASS: WedgeOutcome = { type: 'pass' };
const BUFFERING: WedgeOutcome = { type: 'buffering' };

function positive(name: string, value: number, integer: boolean): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new RangeError(`wedge detector: ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
  }
  return value;
}

export function createWedgeDetector(options: WedgeDetectorOptions = {}): WedgeDetector {
  const maxGap = positive('maxGapMs', options.maxGapMs ?? WEDGE_DEFAULTS.maxGapMs, false);
  const minLength = positive('minLength', options.minLength ?? WEDGE_DEFAULTS.minLength, true);
  const maxDuration = positive('maxDurationMs', options.maxDurationMs ?? WEDGE_DEFAULTS.maxDurationMs, false);
  const terminators: ReadonlySet<string> = new Set(options.terminators ?? WEDGE_DEFAULTS.terminators);
  const isCodeChar = options.isCodeChar ?? isPrintableChar;
  const allowUnterminated = options.allowUnterminated ?? WEDGE_DEFAULTS.allowUnterminated;

  // 'idle': nothing held. 'collecting': `held` may be a scan. 'human': the burst ending at `last`
  // ran past maxDuration, so it is typing; its remaining fast characters pass straight through.
  let mode: 'idle' | 'collecting' | 'human' = 'idle';
  let held: string[] = [];
  let start = 0;
  let last = 0;

  const classify = (k: WedgeKey): Kind => {
    const shortcut = k.metaKey === true || (k.ctrlKey === true && k.altKey !== true);
    if (k.repeat === true || k.isComposing === true || shortcut) return 'other';
    if (terminators.has(k.key)) return 'terminator';
    return isCodeChar(k.key) ? 'char' : 'other';
  };

  const hold = (key: string, t: number): void => {
    mode = 'collecting';
    held = [key];
    start = t;
    last = t;
  };

  const takeHeld = (): string[] => {
    const keys = held;
    held = [];
    mode = 'idle';
    return keys;
  };

  /** Resolves a burst that ended in silence (no terminator). */
  const resolveSilent = (): Resolved => {
    const scan = allowUnterminated && held.length >= minLength && last - start <= maxDuration;
    const keys = takeHeld();
    return scan ? { type: 'scan', code: keys.join('') } : { type: 'typed', keys };
  };

  /** Ends whatever the silence before `t` ended; returns held characters it resolved. */
  const expire = (t: number): Resolved | null => {
    if (mode === 'human' && t - last > maxGap) mode = 'idle';
    if (mode === 'collecting' && t - last > maxGap) return resolveSilent();
    return null;
  };

  const withCurrent = (r: Resolved, current: 'pass' | 'hold'): WedgeOutcome =>
    r.type === 'scan' ? { type: 'scan', code: r.code, current } : { type: 'typed', keys: r.keys, current };

  const feed = (k: WedgeKey): WedgeOutcome => {
    if (MODIFIER_KEYS.has(k.key)) return PASS;
    const t = k.timeStamp;
    const kind = classify(k);
    const stale = expire(t);
    if (stale !== null) {
      // The buffer is empty now: the current key starts afresh.
      if (kind === 'char') {
        hold(k.key, t);
        return withCurrent(stale, 'hold');
      }
      return withCurrent(stale, 'pass');
    }

    switch (kind) {
      case 'other':
        // Backspace, arrows, shortcuts, auto-repeat...: no scanner sends these, so whatever is
        // held was typed, and must reach its field before this key acts on it.
        if (mode === 'collecting') return { type: 'typed', keys: takeHeld(), current: 'pass' };
        mode = 'idle';
        return PASS;
      case 'terminator': {
        if (mode !== 'collecting') {
          mode = 'idle';
          return PASS;
        }
        const isScan = held.length >= minLength && t - start <= maxDuration;
        const keys = takeHeld();
        return isScan ? { type: 'scan', code: keys.join(''), current: 'swallow' } : { type: 'typed', keys, current: 'pass' };
      }
      case 'char':
        if (mode === 'idle') {
          hold(k.key, t);
          return BUFFERING;
        }
        if (mode === 'human') {
          last = t;
          return PASS;
        }
        if (t - start > maxDuration) {
          const keys = takeHeld();
          mode = 'human';
          last = t;
          return { type: 'typed', keys, current: 'pass' };
        }
        held.push(k.key);
        last = t;
        return BUFFERING;
    }
  };

  const flush = (now: number): FlushOutcome => {
    const resolved = expire(now);
    if (resolved !== null) return resolved;
    return mode === 'collecting' ? { type: 'buffering' } : { type: 'idle' };
  };

  const nextFlushAt = (): number | null => (mode === 'collecting' ? last + maxGap : null);

  const reset = (): readonly string[] => {
    const keys = mode === 'collecting' ? takeHeld() : [];
    mode = 'idle';
    return keys;
  };

  return { feed, flush, nextFlushAt, reset };
}
