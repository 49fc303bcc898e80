// Renders a part's table as Markdown with padded columns: readable on a terminal and in results/README.md.
import type { Table } from '../part.ts';

export function renderTable(table: Table): string {
  const widths = table.columns.map((c, i) =>
    Math.max(3, c.title.length, ...table.rows.map((r) => (r[i] ?? '').length)),
  );
  const cell = (text: string, i: number) =>
    table.columns[i]!.align === 'right' ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = table.columns.map((c, i) =>
    c.align === 'right' ? `${'-'.repeat(widths[i]! - 1)}:` : '-'.repeat(widths[i]!),
  );
  return [
    `### ${table.title}`,
    '',
    line(table.columns.map((c) => c.title)),
    `| ${rule.join(' | ')} |`,
    ...table.rows.map((r) => line(table.columns.map((_, i) => r[i] ?? ''))),
    '',
    ...table.notes.map((n) => `- ${n}`),
  ].join('\n');
}
