/** The bench output contract (DESIGN.md §5): a table on stdout and, with --json FILE, a JSON file. */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

export interface Metric {
  id: string;
  value: number;
  unit: string;
  target: number | null;
  better: 'higher' | 'lower';
  note?: string;
}

export interface BenchArgs {
  json: string | undefined;
  only: string | undefined;
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const out: BenchArgs = { json: undefined, only: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--json') out.json = argv[++i];
    else if (a === '--only') out.only = argv[++i];
    else throw new Error(`unknown argument ${a ?? ''}; use --json FILE and --only PREFIX`);
  }
  return out;
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] ?? 0) + ((s[hi] ?? 0) - (s[lo] ?? 0)) * (pos - lo);
}

const meets = (m: Metric): string => (m.target === null ? '' : (m.better === 'higher' ? m.value >= m.target : m.value <= m.target) ? 'yes' : 'NO');

export function printTable(results: readonly Metric[]): void {
  const rows = results.map((m) => [m.id, m.value.toLocaleString('en-US', { maximumFractionDigits: 2 }), m.unit, m.target === null ? '' : `${m.better === 'higher' ? '≥' : '≤'} ${m.target.toLocaleString('en-US')}`, meets(m), m.note ?? '']);
  const head = ['metric', 'value', 'unit', 'target', 'met', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 1 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

export function writeJson(file: string, results: readonly Metric[]): void {
  const cpu = cpus();
  const machine = { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpu.length, cpu_model: cpu[0]?.model ?? 'unknown', memory_gib: Math.round(totalmem() / 2 ** 30), at: new Date().toISOString() };
  writeFileSync(file, `${JSON.stringify({ machine, results }, null, 2)}\n`);
}
