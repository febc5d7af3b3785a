import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, TextRun } from 'docx';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../domain/errors.js';
import { docxParser } from './docx-parser.js';

const cell = (text: string) => new TableCell({ children: [new Paragraph(text)] });

/** A DOCX made in memory with the docx package: title, headings, list, table. */
function makeDocx(): Promise<Buffer> {
  const doc = new Document({
    title: 'Garden plan',
    sections: [
      {
        children: [
          new Paragraph({ text: 'Garden plan', heading: HeadingLevel.TITLE }),
          new Paragraph({ text: 'Spring', heading: HeadingLevel.HEADING_1 }),
          new Paragraph({ children: [new TextRun('Sow '), new TextRun({ text: 'tomatoes', bold: true }), new TextRun(' indoors in March.')] }),
          new Paragraph({ text: 'Beds', heading: HeadingLevel.HEADING_2 }),
          new Paragraph({ text: 'Dig compost in.', bullet: { level: 0 } }),
          new Paragraph({ text: 'Rake level.', bullet: { level: 0 } }),
          new Table({
            rows: [new TableRow({ children: [cell('Bed'), cell('Crop')] }), new TableRow({ children: [cell('North'), cell('Beans')] })],
          }),
          new Paragraph({ text: 'Autumn', heading: HeadingLevel.HEADING_1 }),
          new Paragraph('Plant garlic snake_case_marker.'),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}

const parse = (bytes: Buffer) =>
  docxParser.parse({ bytes, name: 'plan.docx', mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' });

describe('docxParser', () => {
  it('keeps headings with levels, lists, tables and inline text', async () => {
    const doc = await parse(await makeDocx());
    expect(doc.title).toBe('Garden plan');
    expect(doc.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Garden plan' },
      { kind: 'heading', level: 1, text: 'Spring' },
      { kind: 'paragraph', text: 'Sow **tomatoes** indoors in March.' },
      { kind: 'heading', level: 2, text: 'Beds' },
      { kind: 'list', text: '-   Dig compost in.\n-   Rake level.' },
      { kind: 'table', text: '| Bed | Crop |\n| --- | --- |\n| North | Beans |' },
      { kind: 'heading', level: 1, text: 'Autumn' },
      { kind: 'paragraph', text: 'Plant garlic snake_case_marker.' },
    ]);
  });

  it('fails with parser.failed on a zip that is not a Word document', async () => {
    // An empty zip archive: a valid container with no word/document.xml in it.
    const emptyZip = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]);
    const err = await parse(emptyZip).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('parser.failed');
    expect((err as AppError).message).toMatch(/^not a readable DOCX: /);
  });

  it('fails with parser.failed on bytes that are not a zip at all', async () => {
    const err = await parse(Buffer.from('plain text')).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as AppError).code).toBe('parser.failed');
  });
});
