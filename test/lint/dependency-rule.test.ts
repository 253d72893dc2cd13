/** The dependency rule of DESIGN.md §2 is enforced: each forbidden import is a lint error. */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function errorsFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => m.ruleId ?? m.message);
}

describe('dependency rule', () => {
  const violations: Array<[string, string]> = [
    ['core/src/x.ts', "import { readFileSync } from 'node:fs';"],
    ['core/src/x.ts', "import Fastify from 'fastify';"],
    ['core/src/x.ts', "import { buildApp } from '../../sync-server/src/app.ts';"],
    ['core/src/x.ts', 'export const t = Date.now();'],
    ['core/src/x.ts', 'export const r = Math.random();'],
    ['core/src/x.ts', 'export const d = new Date();'],
    ['renderer/src/x.ts', "import { ipcRenderer } from 'electron';"],
    ['renderer/src/x.ts', "import { readFile } from 'node:fs/promises';"],
    ['renderer/src/x.ts', "import { SerialPort } from 'serialport';"],
    ['renderer/src/x.ts', "import { buildApp } from '../../sync-server/src/app.ts';"],
    ['main/src/app/x.ts', "import { SerialPort } from 'serialport';"],
    ['main/src/app/x.ts', "import Fastify from 'fastify';"],
    ['main/src/app/x.ts', "import { createRxDatabase } from 'rxdb';"],
    ['sync-server/src/x.ts', "import { app } from 'electron';"],
    ['sync-server/src/x.ts', "import { createRxDatabase } from 'rxdb';"],
    ['sync-server/src/x.ts', "import { x } from '../../main/src/app/main.ts';"],
  ];
  it.each(violations)('%s: %s is an error', async (file, code) => {
    expect(await errorsFor(file, code)).not.toEqual([]);
  });

  const allowed: Array<[string, string]> = [
    ['core/src/x.ts', "import { z } from 'zod';\nexport const s = z.string();"],
    ['core/src/x.ts', "import { ok } from './result.ts';\nexport const v = ok(1);"],
    ['main/src/devices/x.ts', "import { SerialPort } from 'serialport';\nexport const p = SerialPort;"],
    ['sync-server/src/x.ts', "import Fastify from 'fastify';\nexport const f = Fastify;"],
    ['main/src/app/x.ts', "import { app } from 'electron';\nexport const a = app;"],
  ];
  it.each(allowed)('%s: %s is allowed', async (file, code) => {
    expect(await errorsFor(file, code)).toEqual([]);
  });
});
