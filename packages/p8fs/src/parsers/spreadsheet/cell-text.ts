import type { CellValue } from 'exceljs';

/** A cell's value as the text a reader sees: cached formula results, ISO dates, rich text flattened. */
export function cellText(value: CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return dateText(value);
  if ('richText' in value) return value.richText.map((run) => run.text).join('');
  if ('error' in value) return value.error;
  if ('formula' in value || 'sharedFormula' in value) {
    // Excel caches each formula's last result in the file; a file written without one (by a library,
    // never opened in Excel) still says what the cell computes.
    const result = value.result;
    if (result !== undefined && result !== null) return typeof result === 'object' && 'error' in result ? result.error : cellText(result);
    return `=${'formula' in value ? value.formula : value.sharedFormula}`;
  }
  if ('hyperlink' in value) return typeof value.text === 'string' ? value.text : cellText(value.text as CellValue);
  return '';
}

// Excel shows at most 15 significant digits; beyond that are binary floating-point artefacts (0.1+0.2).
const numberText = (n: number): string => (Number.isFinite(n) ? String(Number(n.toPrecision(15))) : String(n));

/**
 * Excel dates have no zone: exceljs reads the serial number as UTC, so the UTC fields are the ones
 * typed into the sheet. Midnight is a plain date, the common case.
 */
function dateText(d: Date): string {
  if (Number.isNaN(d.getTime())) return '';
  const iso = d.toISOString();
  if (iso.endsWith('T00:00:00.000Z')) return iso.slice(0, 10);
  return iso.endsWith('.000Z') ? iso.slice(0, 19) : iso.slice(0, 23);
}
