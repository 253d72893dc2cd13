/**
 * Binds the wedge detector (`wedge-detector.ts`) to the page's keyboard: scans go to `onScan`,
 * typing reaches its field as if nothing had been in between.
 *
 * ## How it works
 * `attachWedgeScanner(window, onScan)` listens to `keydown` in the capture phase on the target, so
 * it runs before the page's own handlers. Each event's `key` and `timeStamp` go to the detector.
 * Keys it holds (a possible scan) and a scan's terminator are suppressed: `preventDefault()` (no
 * text is inserted, no form submits, focus does not move on Tab) and `stopImmediatePropagation()`
 * (no app shortcut sees them, so the Enter ending a scan does not also press "Pay"). Attach it
 * before any other `keydown` listener on the same target. Other keys are not touched.
 *
 * A timer armed at the detector's `nextFlushAt()` releases held characters when no further key
 * came: a digit typed into a field appears ~`maxGapMs` (50 ms) late. If that timer fires late
 * (the main thread was busy), key events may be queued behind it; they would reveal that the
 * burst went on, so the timer waits one more `maxGapMs` before judging, letting queued input be
 * dispatched first. That is the only place a clock is read (`performance.now()`, the clock of
 * `timeStamp`); gaps between keys always come from the events' own `timeStamp`.
 *
 * ## Giving typed keys back
 * When held characters turn out to be typing, they are replayed *synchronously*, before the key
 * that revealed it takes effect (so "12" + Enter submits "12"), into the element each was typed
 * in (`composedPath()[0]` at keydown, so inputs inside shadow roots work too):
 *
 * 1. An `<input>`, `<textarea>` or contenteditable that still has focus: `execCommand('insertText')`.
 *    It is the browser's own typing path: it replaces the selection, respects `maxlength`, joins
 *    the undo stack, works for `type=number/email`, and fires real `beforeinput`/`input` events,
 *    so React's `onChange` runs. The command is marked obsolete but Chromium (our only target:
 *    Electron and kiosk Chromium) keeps it for compatibility.
 * 2. An `<input>`/`<textarea>` that lost focus meanwhile, or if the command is refused:
 *    a cancelable `beforeinput`, then `setRangeText(text, selectionStart, selectionEnd, 'end')`
 *    (trimmed to `maxlength`) or, for inputs without a selection (`number`, `email`), the native
 *    value setter (appending), then an `input` event. React sees the change because neither path
 *    goes through the element's own `value` property, which React's tracker watches.
 * 3. Anything else (the body, a button, a list with its own key handling): a synthetic `keydown`
 *    per character is dispatched at the original target, so the app's keyboard handlers
 *    ("type a PLU anywhere", shortcuts) see them. The binding ignores its own replays.
 *
 * Limits: replayed characters carry `isTrusted: false` and no `keydown` reaches a field's own
 * handler for them (their `keyup` did pass through at the time); a held key's default action
 * other than text insertion (e.g. a space activating a focused button) does not happen; text is
 * put where the element's caret is at replay time, ~50 ms after the key, so a click elsewhere in
 * that instant moves it; IME composition is never held. Alt+numpad code entry and characters that
 * scanners send as control codes (GS for FNC1) are not code characters: configure the scanner to
 * send a printable substitute.
 */
import {
  createWedgeDetector,
  type FlushOutcome,
  type WedgeDetectorOptions,
  type WedgeOutcome,
  WEDGE_DEFAULTS,
} from './wedge-detector.ts';

export interface WedgeScannerOptions extends WedgeDetectorOptions {
  /**
   * Puts characters that turned out to be typing back where they were typed (each call: one run
   * of consecutive characters typed at the same target). Defaults to the replay described in the
   * module doc; replace it only for widgets that need something else.
   */
  readonly replay?: (keys: readonly string[], target: EventTarget | null) => void;
}

/** Starts listening; the returned function stops and gives back any held characters. */
export function attachWedgeScanner(
  target: EventTarget,
  onScan: (code: string) => void,
  options: WedgeScannerOptions = {},
): () => void {
  const detector = createWedgeDetector(options);
  const maxGap = options.maxGapMs ?? WEDGE_DEFAULTS.maxGapMs;
  const ownEvents = new WeakSet<Event>();
  const replay = options.replay ?? ((keys: readonly string[], at: EventTarget | null) => replayKeys(keys, at, ownEvents));

  /** Where each held character was typed, aligned with the detector's held characters. */
  let heldAt: (EventTarget | null)[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** The `nextFlushAt()` the timer already waited an extra gap for after firing late. */
  let waitedFor: number | null = null;

  const giveBack = (keys: readonly string[]): void => {
    const targets = heldAt;
    heldAt = [];
    let runStart = 0;
    for (let i = 1; i <= keys.length; i++) {
      if (i === keys.length || targets[i] !== targets[runStart]) {
        replay(keys.slice(runStart, i), targets[runStart] ?? null);
        runStart = i;
      }
    }
  };

  /** Handles released characters; returns a scan code to report, if any. */
  const settle = (o: WedgeOutcome | FlushOutcome): string | null => {
    if (o.type === 'typed') giveBack(o.keys);
    if (o.type !== 'scan') return null;
    heldAt = [];
    return o.code;
  };

  const arm = (): void => {
    clearTimeout(timer);
    timer = undefined;
    const due = detector.nextFlushAt();
    if (due === null) return;
    timer = setTimeout(onTimer, Math.max(0, due - performance.now()) + 1);
  };

  const onTimer = (): void => {
    timer = undefined;
    const due = detector.nextFlushAt();
    if (due === null) return;
    const now = performance.now();
    if (now - due > maxGap && waitedFor !== due) {
      waitedFor = due;
      timer = setTimeout(onTimer, maxGap);
      return;
    }
    const code = settle(detector.flush(now));
    arm();
    if (code !== null) onScan(code);
  };

  const onKeyDown = (event: Event): void => {
    if (!(event instanceof KeyboardEvent) || ownEvents.has(event)) return;
    const outcome = detector.feed(event);
    const code = settle(outcome);
    const current = outcome.type === 'pass' ? 'pass' : outcome.type === 'buffering' ? 'hold' : outcome.current;
    if (current !== 'pass') {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
    if (current === 'hold') heldAt.push(event.composedPath()[0] ?? event.target);
    arm();
    if (code !== null) onScan(code);
  };

  target.addEventListener('keydown', onKeyDown, { capture: true });
  return () => {
    target.removeEventListener('keydown', onKeyDown, { capture: true });
    clearTimeout(timer);
    timer = undefined;
    giveBack(detector.reset());
  };
}

type TextField = HTMLInputElement | HTMLTextAreaElement;

function replayKeys(keys: readonly string[], target: EventTarget | null, ownEvents: WeakSet<Event>): void {
  const text = keys.join('');
  const at: Element = target instanceof Element && target.isConnected ? target : (document.activeElement ?? document.body);
  const el = at instanceof HTMLElement ? at : null;
  if (el !== null && (isTextField(el) || el.isContentEditable)) {
    const doc = el.ownerDocument;
    const root = el.getRootNode();
    const active = root instanceof ShadowRoot ? root.activeElement : doc.activeElement;
    const focused = active === el || (el.isContentEditable && active !== null && el.contains(active));
    if (focused && doc.execCommand('insertText', false, text)) return;
    if (isTextField(el)) {
      insertIntoField(el, text);
      return;
    }
  }
  for (const key of keys) {
    const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, composed: true });
    ownEvents.add(event);
    at.dispatchEvent(event);
  }
}

function isTextField(el: Element): el is TextField {
  if (el instanceof HTMLTextAreaElement) return !el.readOnly && !el.disabled;
  if (!(el instanceof HTMLInputElement) || el.readOnly || el.disabled) return false;
  return !NON_TEXT_INPUTS.has(el.type);
}

const NON_TEXT_INPUTS: ReadonlySet<string> = new Set([
  'button', 'checkbox', 'color', 'file', 'hidden', 'image', 'radio', 'range', 'reset', 'submit',
]);

function insertIntoField(el: TextField, text: string): void {
  const before = new InputEvent('beforeinput', { bubbles: true, cancelable: true, composed: true, inputType: 'insertText', data: text });
  if (!el.dispatchEvent(before)) return;
  const start = el.selectionStart;
  const end = el.selectionEnd;
  if (start !== null && end !== null) {
    const room = el.maxLength >= 0 ? Math.max(0, el.maxLength - (el.value.length - (end - start))) : text.length;
    let insert = text;
    while (insert.length > room) insert = [...insert].slice(0, -1).join('');
    el.setRangeText(insert, start, end, 'end');
  } else {
    // No selection API (type=number, email...): append through the prototype's setter so that
    // React's value tracker, which wraps the element's own `value`, notices the change.
    const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value')?.set?.call(el, el.value + text);
  }
  el.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true, inputType: 'insertText', data: text }));
}
