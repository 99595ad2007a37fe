import { describe, expect, it } from '@jest/globals';
import { type LineSink, LineSplitter } from '../../functions/health-check/parser/line-splitter.js';

/** The byte-level line splitter: lines across chunk and 64 KiB window boundaries, the line cap, the last line. */
function collect(): { sink: LineSink; lines: string[]; overlong: () => number } {
  const lines: string[] = [];
  let overlong = 0;
  const sink: LineSink = {
    line(buf, text, start, end) {
      // the latin1 view and the buffer must agree byte for byte
      expect(text.slice(start, end)).toBe(buf.toString('latin1', start, end));
      lines.push(buf.toString('utf8', start, end));
    },
    overlong() {
      overlong++;
    },
  };
  return { sink, lines, overlong: () => overlong };
}

describe('LineSplitter', () => {
  it('gives the same lines wherever the chunks are cut', () => {
    // Prepare
    const text = 'first line\nsecond\n\nfourth ünïcode line\nlast without newline';
    const bytes = Buffer.from(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { sink, lines } = collect();
      const splitter = new LineSplitter(sink);
      // Act
      splitter.push(bytes.subarray(0, cut));
      splitter.push(bytes.subarray(cut));
      splitter.end();
      // Assess
      expect(lines).toEqual(text.split('\n'));
    }
  });

  it('keeps a line that spans many windows and chunks whole', () => {
    // Prepare
    const long = 'x'.repeat(200_000);
    const bytes = Buffer.from(`a\n${long}\nb\n`);
    const { sink, lines } = collect();
    const splitter = new LineSplitter(sink);
    // Act
    for (let i = 0; i < bytes.length; i += 70_000) splitter.push(bytes.subarray(i, i + 70_000));
    splitter.end();
    // Assess
    expect(lines.map((l) => l.length)).toEqual([1, 200_000, 1]);
  });

  it('reports a line over the cap once, without keeping it, inside a chunk or across chunks', () => {
    // Prepare
    const { sink, lines, overlong } = collect();
    const splitter = new LineSplitter(sink, 10);
    // Act
    splitter.push(Buffer.from('short\nthis line is far too long\nok\nanother long li'));
    splitter.push(Buffer.from('ne that goes on'));
    splitter.push(Buffer.from(' and on\nend\n'));
    splitter.end();
    // Assess
    expect(lines).toEqual(['short', 'ok', 'end']);
    expect(overlong()).toBe(2);
  });

  it('drops a partial last line on request (input cut short)', () => {
    // Prepare
    const { sink, lines } = collect();
    const splitter = new LineSplitter(sink);
    splitter.push(Buffer.from('complete\npartial'));
    // Act
    const had = splitter.discardPartial();
    splitter.end();
    // Assess
    expect(had).toBe(true);
    expect(lines).toEqual(['complete']);
  });
});
