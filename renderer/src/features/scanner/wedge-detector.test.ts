import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createWedgeDetector,
  isPrintableChar,
  type FlushOutcome,
  type WedgeDetector,
  type WedgeDetectorOptions,
  type WedgeKey,
  type WedgeOutcome,
} from './wedge-detector.ts';

/** Key events from text: `gaps[i]` is the time before key i (cycled; the first key is at `t0`). */
function keysAt(keys: readonly string[], gaps: readonly number[], t0 = 10_000): WedgeKey[] {
  let t = t0;
  return keys.map((key, i) => {
    if (i > 0) t += gaps[(i - 1) % gaps.length] ?? 0;
    return { key, timeStamp: t };
  });
}

const chars = (s: string): string[] => [...s];

/** What a caller would see: text that reached the page (passed or replayed), scans, suppressed keys. */
interface Seen {
  readonly outcomes: WedgeOutcome[];
  readonly scans: string[];
  /** Every character in the order it reached the page or a scan; scans as «code». */
  stream: string;
  /** Non-character keys that were let through. */
  readonly passedKeys: string[];
  readonly suppressed: string[];
}

function run(d: WedgeDetector, events: readonly WedgeKey[], flushAt?: number): Seen {
  const seen: Seen = { outcomes: [], scans: [], stream: '', passedKeys: [], suppressed: [] };
  const release = (o: FlushOutcome | WedgeOutcome): void => {
    if (o.type === 'scan') {
      seen.scans.push(o.code);
      seen.stream += `«${o.code}»`;
    } else if (o.type === 'typed') {
      seen.stream += o.keys.join('');
    }
  };
  for (const e of events) {
    const o = d.feed(e);
    seen.outcomes.push(o);
    release(o);
    const lets = o.type === 'pass' || ((o.type === 'typed' || o.type === 'scan') && o.current === 'pass');
    if (!lets) seen.suppressed.push(e.key);
    else if ([...e.key].length === 1) seen.stream += e.key;
    else seen.passedKeys.push(e.key);
  }
  if (flushAt !== undefined) release(d.flush(flushAt));
  return seen;
}

describe('wedge detector: scanners', () => {
  it('takes a 13-digit EAN at 8–25 ms per character with Enter as one scan, suppressing every key', () => {
    const d = createWedgeDetector();
    const events = keysAt([...chars('7038010055688'), 'Enter'], [8, 25, 12, 19, 22, 9, 15]);
    const seen = run(d, events);
    expect(seen.scans).toEqual(['7038010055688']);
    expect(seen.outcomes.slice(0, 13).every((o) => o.type === 'buffering')).toBe(true);
    expect(seen.outcomes[13]).toEqual({ type: 'scan', code: '7038010055688', current: 'swallow' });
    expect(seen.suppressed).toHaveLength(14);
    expect(seen.stream).toBe('«7038010055688»');
    expect(d.nextFlushAt()).toBeNull();
  });

  it('tolerates a scanner with occasional 45 ms jitter', () => {
    const d = createWedgeDetector();
    const seen = run(d, keysAt([...chars('5901234123457'), 'Enter'], [18, 22, 45, 20, 17, 45, 21, 19]));
    expect(seen.scans).toEqual(['5901234123457']);
  });

  it('reads a 48-character GS1-128 code within the duration limit', () => {
    const code = '0109501101530008' + '17261231' + '10ABC123456789' + '2112345678'; // 48 chars
    expect(code).toHaveLength(48);
    const d = createWedgeDetector();
    const seen = run(d, keysAt([...chars(code), 'Enter'], [25, 24, 23, 25])); // ~1,150 ms in all
    expect(seen.scans).toEqual([code]);
  });

  it('ends a scan on Tab as well, and swallows the Tab', () => {
    const d = createWedgeDetector();
    const seen = run(d, keysAt([...chars('ABC-1234'), 'Tab'], [15]));
    expect(seen.outcomes.at(-1)).toEqual({ type: 'scan', code: 'ABC-1234', current: 'swallow' });
  });

  it('ignores the Shift a scanner presses for capitals', () => {
    const d = createWedgeDetector();
    const events = keysAt(['Shift', 'A', 'b', 'Shift', 'C', '1', '2', 'Enter'], [10]);
    const seen = run(d, events);
    expect(seen.scans).toEqual(['AbC12']);
    expect(seen.outcomes[0]).toEqual({ type: 'pass' });
  });

  it('reports two scans 300 ms apart, and repeated identical scans each time', () => {
    const d = createWedgeDetector();
    const one = keysAt([...chars('7038010055688'), 'Enter'], [20]);
    const end = one.at(-1)?.timeStamp ?? 0;
    const two = keysAt([...chars('7038010055688'), 'Enter'], [20], end + 300);
    const three = keysAt([...chars('4006381333931'), 'Enter'], [20], end + 700);
    expect(run(d, [...one, ...two, ...three]).scans).toEqual(['7038010055688', '7038010055688', '4006381333931']);
  });

  it('reports back-to-back scans with no pause between them', () => {
    const d = createWedgeDetector();
    const seen = run(d, keysAt([...chars('1111'), 'Enter', ...chars('2222'), 'Enter'], [10]));
    expect(seen.scans).toEqual(['1111', '2222']);
  });

  it('splits a scan interrupted by a 400 ms pause: the head is typed, never part of a scan', () => {
    const d = createWedgeDetector();
    const head = keysAt(chars('703801'), [20]);
    const tail = keysAt([...chars('0055688'), 'Enter'], [20], (head.at(-1)?.timeStamp ?? 0) + 400);
    const seen = run(d, [...head, ...tail]);
    // The first key after the pause releases the head as typing and is itself held.
    expect(seen.outcomes[6]).toEqual({ type: 'typed', keys: chars('703801'), current: 'hold' });
    // The tail alone is a fast, terminated burst of ≥ 4: a scan of its own, which the product
    // lookup rejects (EAN check digit); no character is lost or duplicated.
    expect(seen.scans).toEqual(['0055688']);
    expect(seen.stream).toBe('703801«0055688»');
  });

  it('rejects a burst that takes longer than the maximum duration, and lets the rest of it through', () => {
    const d = createWedgeDetector({ maxDurationMs: 1_500 });
    // 80 characters at 20 ms: the 77th arrives 1,520 ms after the first.
    const text = '9'.repeat(80);
    const seen = run(d, keysAt([...chars(text), 'Enter'], [20]));
    expect(seen.scans).toEqual([]);
    expect(seen.outcomes[76]).toEqual({ type: 'typed', keys: chars('9'.repeat(76)), current: 'pass' });
    expect(seen.outcomes.slice(77).every((o) => o.type === 'pass')).toBe(true);
    expect(seen.stream).toBe(text);
    expect(seen.passedKeys).toEqual(['Enter']);
  });
});

describe('wedge detector: people', () => {
  it('treats "12" + Enter typed at 80–200 ms as typing and lets the Enter through after the digits', () => {
    const d = createWedgeDetector();
    const seen = run(d, keysAt(['1', '2', 'Enter'], [80, 200]));
    expect(seen.outcomes).toEqual([
      { type: 'buffering' },
      { type: 'typed', keys: ['1'], current: 'hold' },
      { type: 'typed', keys: ['2'], current: 'pass' },
    ]);
    expect(seen.scans).toEqual([]);
    expect(seen.stream).toBe('12');
    expect(seen.passedKeys).toEqual(['Enter']);
  });

  it('hands a lone typed digit back through flush once the gap has passed', () => {
    const d = createWedgeDetector();
    expect(d.feed({ key: '3', timeStamp: 1_000 })).toEqual({ type: 'buffering' });
    expect(d.nextFlushAt()).toBe(1_050);
    expect(d.flush(1_050)).toEqual({ type: 'buffering' });
    expect(d.flush(1_051)).toEqual({ type: 'typed', keys: ['3'] });
    expect(d.flush(2_000)).toEqual({ type: 'idle' });
    expect(d.nextFlushAt()).toBeNull();
  });

  it('does not scan a fast typist rolling 3 characters at 35–60 ms then Enter', () => {
    for (const gaps of [[35, 40, 45], [40, 50, 35], [60, 35, 45], [35, 35, 60]]) {
      const d = createWedgeDetector();
      const seen = run(d, keysAt(['2', '5', '0', 'Enter'], gaps));
      expect(seen.scans).toEqual([]);
      expect(seen.stream).toBe('250');
      expect(seen.passedKeys).toEqual(['Enter']);
    }
  });

  it('does not scan 2 characters typed very fast then Enter (under the minimum length)', () => {
    const d = createWedgeDetector();
    const seen = run(d, keysAt(['4', '2', 'Enter'], [15, 15]));
    expect(seen.outcomes.at(-1)).toEqual({ type: 'typed', keys: ['4', '2'], current: 'pass' });
  });

  it('does not scan a terminator after a slow human entry of any length', () => {
    const d = createWedgeDetector();
    const seen = run(d, keysAt([...chars('4006381333931'), 'Enter'], [150, 90, 220]));
    expect(seen.scans).toEqual([]);
    expect(seen.stream).toBe('4006381333931');
  });

  it('does not scan fast characters followed by a slow Enter', () => {
    const d = createWedgeDetector();
    const seen = run(d, keysAt([...chars('12345'), 'Enter'], [20, 20, 20, 20, 120]));
    expect(seen.outcomes.at(-1)).toEqual({ type: 'typed', keys: chars('12345'), current: 'pass' });
  });

  it('breaks a burst on a slow key in the middle', () => {
    const d = createWedgeDetector();
    const seen = run(d, keysAt([...chars('12345678'), 'Enter'], [20, 20, 20, 90, 20, 20, 20, 20]));
    expect(seen.outcomes[4]).toEqual({ type: 'typed', keys: chars('1234'), current: 'hold' });
    expect(seen.scans).toEqual(['5678']);
    expect(seen.stream).toBe('1234«5678»');
  });

  it('passes Enter on its own, arrows and modifiers without touching state', () => {
    const d = createWedgeDetector();
    for (const key of ['Enter', 'Tab', 'ArrowUp', 'Shift', 'Escape', 'F2']) {
      expect(d.feed({ key, timeStamp: 5 })).toEqual({ type: 'pass' });
    }
    expect(d.nextFlushAt()).toBeNull();
  });

  it('releases held characters before Backspace, a shortcut or an auto-repeat acts', () => {
    for (const key of [
      { key: 'Backspace' },
      { key: 'v', ctrlKey: true },
      { key: 'a', metaKey: true },
      { key: '7', repeat: true },
      { key: 'Process', isComposing: true },
    ]) {
      const d = createWedgeDetector();
      d.feed({ key: '1', timeStamp: 0 });
      d.feed({ key: '2', timeStamp: 20 });
      expect(d.feed({ ...key, timeStamp: 30 })).toEqual({ type: 'typed', keys: ['1', '2'], current: 'pass' });
    }
  });

  it('accepts AltGr characters (Ctrl+Alt on Windows) as code characters', () => {
    const d = createWedgeDetector();
    const events = keysAt(['A', '@', 'B', 'C', 'Enter'], [10]).map((e) => (e.key === '@' ? { ...e, ctrlKey: true, altKey: true } : e));
    expect(run(d, events).scans).toEqual(['A@BC']);
  });

  it('reset hands back the held characters', () => {
    const d = createWedgeDetector();
    d.feed({ key: '8', timeStamp: 0 });
    d.feed({ key: '9', timeStamp: 10 });
    expect(d.reset()).toEqual(['8', '9']);
    expect(d.reset()).toEqual([]);
    expect(d.flush(1_000)).toEqual({ type: 'idle' });
  });
});

describe('wedge detector: scanners without a terminator', () => {
  const unterminated: WedgeDetectorOptions = { allowUnterminated: true };

  it('by default, a fast burst ended by silence is typing, not a scan', () => {
    const d = createWedgeDetector();
    const seen = run(d, keysAt(chars('7038010055688'), [20]), 10_000 + 12 * 20 + 51);
    expect(seen.scans).toEqual([]);
    expect(seen.stream).toBe('7038010055688');
  });

  it('with allowUnterminated, flush after the gap turns a fast burst of ≥ min length into a scan', () => {
    const d = createWedgeDetector(unterminated);
    const events = keysAt(chars('7038010055688'), [20, 25, 15]);
    const last = events.at(-1)?.timeStamp ?? 0;
    run(d, events);
    expect(d.nextFlushAt()).toBe(last + 50);
    expect(d.flush(last + 30)).toEqual({ type: 'buffering' });
    expect(d.flush(last + 51)).toEqual({ type: 'scan', code: '7038010055688' });
  });

  it('with allowUnterminated, a short burst or a slow entry stays typing', () => {
    const d = createWedgeDetector(unterminated);
    expect(run(d, keysAt(chars('123'), [15]), 10_100).stream).toBe('123');
    expect(run(d, keysAt(chars('12345'), [100]), 20_000).stream).toBe('12345');
  });

  it('with allowUnterminated, the next key resolves the burst when no flush came in time', () => {
    const d = createWedgeDetector(unterminated);
    const one = keysAt(chars('11112222'), [20]);
    const two = keysAt(chars('33334444'), [20], (one.at(-1)?.timeStamp ?? 0) + 300);
    const seen = run(d, [...one, ...two, { key: 'Enter', timeStamp: (two.at(-1)?.timeStamp ?? 0) + 400 }]);
    expect(seen.outcomes[8]).toEqual({ type: 'scan', code: '11112222', current: 'hold' });
    expect(seen.outcomes[16]).toEqual({ type: 'scan', code: '33334444', current: 'pass' });
    expect(seen.passedKeys).toEqual(['Enter']);
  });

  it('still ends scans on a terminator when one comes', () => {
    const d = createWedgeDetector(unterminated);
    expect(run(d, keysAt([...chars('ABCD'), 'Enter'], [10])).scans).toEqual(['ABCD']);
  });
});

describe('wedge detector: options and characters', () => {
  it('knows printable characters from named keys and control characters', () => {
    expect(['a', 'Z', '0', ' ', '-', 'å', '€', '😀'].every(isPrintableChar)).toBe(true);
    expect(['Enter', 'Shift', 'ArrowUp', 'Dead', 'Unidentified', '\n', '\u001d', ''].some(isPrintableChar)).toBe(false);
  });

  it('honours custom thresholds, terminators and accepted characters', () => {
    const d = createWedgeDetector({ maxGapMs: 60, minLength: 3, terminators: ['Enter'], isCodeChar: (k) => /^\d$/.test(k) });
    expect(run(d, keysAt([...chars('123'), 'Enter'], [58])).scans).toEqual(['123']);
    const tab = run(d, keysAt([...chars('456'), 'Tab'], [10], 50_000));
    expect(tab.scans).toEqual([]);
    expect(tab.stream).toBe('456');
    // A letter is not a code character here: it releases the digits and passes.
    expect(d.feed({ key: '7', timeStamp: 60_000 })).toEqual({ type: 'buffering' });
    expect(d.feed({ key: 'x', timeStamp: 60_010 })).toEqual({ type: 'typed', keys: ['7'], current: 'pass' });
  });

  it('rejects nonsensical options', () => {
    expect(() => createWedgeDetector({ maxGapMs: 0 })).toThrow(RangeError);
    expect(() => createWedgeDetector({ minLength: 2.5 })).toThrow(RangeError);
    expect(() => createWedgeDetector({ maxDurationMs: Number.NaN })).toThrow(RangeError);
  });
});

describe('wedge detector: properties', () => {
  const printable = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));

  it('any ≥ min-length burst with every gap ≤ 30 ms, ended by Enter, is exactly one scan of those characters', () => {
    fc.assert(
      fc.property(
        fc.array(printable, { minLength: 4, maxLength: 48 }),
        fc.array(fc.double({ min: 0, max: 30, noNaN: true }), { minLength: 1, maxLength: 48 }),
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        (text, gaps, t0) => {
          const d = createWedgeDetector();
          const seen = run(d, keysAt([...text, 'Enter'], gaps, t0));
          expect(seen.scans).toEqual([text.join('')]);
          expect(seen.suppressed).toHaveLength(text.length + 1);
        },
      ),
    );
  });

  const anyKey = fc.oneof(
    { weight: 8, arbitrary: printable },
    { weight: 1, arbitrary: fc.constantFrom('Enter', 'Tab') },
    { weight: 1, arbitrary: fc.constantFrom('Backspace', 'ArrowLeft', 'Shift', 'Escape') },
  );

  it('keys that are all ≥ 120 ms apart never make a scan, and every character reaches the page in order', () => {
    fc.assert(
      fc.property(
        fc.array(anyKey, { minLength: 1, maxLength: 60 }),
        fc.array(fc.double({ min: 120, max: 2_000, noNaN: true }), { minLength: 1, maxLength: 60 }),
        fc.boolean(),
        (keys, gaps, allowUnterminated) => {
          const d = createWedgeDetector({ allowUnterminated });
          const events = keysAt(keys, gaps);
          const seen = run(d, events, (events.at(-1)?.timeStamp ?? 0) + 1_000);
          expect(seen.scans).toEqual([]);
          expect(seen.stream).toBe(keys.filter((k) => k.length === 1).join(''));
        },
      ),
    );
  });

  it('whatever the timing, every character comes back exactly once and in order (passed, replayed or scanned)', () => {
    fc.assert(
      fc.property(
        fc.array(anyKey, { minLength: 1, maxLength: 80 }),
        fc.array(fc.double({ min: 0, max: 200, noNaN: true }), { minLength: 1, maxLength: 80 }),
        fc.boolean(),
        (keys, gaps, allowUnterminated) => {
          const d = createWedgeDetector({ allowUnterminated });
          const events = keysAt(keys, gaps);
          const seen = run(d, events, (events.at(-1)?.timeStamp ?? 0) + 1_000);
          expect(seen.stream.replace(/[«»]/g, '')).toBe(keys.filter((k) => k.length === 1).join(''));
          expect(d.nextFlushAt()).toBeNull();
        },
      ),
    );
  });
});
