/** The server's sense of time, injectable so tests can move it (token expiry, card windows, lockouts). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
