import { describe, expect, it } from '@jest/globals';
import { parseGoDuration, parseIso, parseNginxTime } from '../../functions/health-check/parser/time.js';

/** Timestamps and durations as gitlab-runner, journald, nginx and svlogd write them (formats reference §1.3-1.6, §7). */
describe('timestamps', () => {
  it.each([
    ['2019-05-14T09:20:06Z', '2019-05-14T09:20:06.000Z'],
    ['2025-10-20T09:02:11.412345678Z', '2025-10-20T09:02:11.412Z'],
    ['2019-05-14T09:20:06+0000', '2019-05-14T09:20:06.000Z'],
    ['2019-05-14T11:20:06+02:00', '2019-05-14T09:20:06.000Z'],
    ['2019-05-14T04:20:06.5-05:00', '2019-05-14T09:20:06.500Z'],
    ['2019-01-16_03:53:38.23888', '2019-01-16T03:53:38.238Z'],
    ['2025-06-05T15:57:35+02:00', '2025-06-05T13:57:35.000Z'],
  ])('reads %s', (text, iso) => {
    expect(new Date(parseIso(text)).toISOString()).toBe(iso);
  });

  it.each([
    '',
    '2019-13-14T09:20:06Z',
    '2019-05-14T25:20:06Z',
    '2019-05-14T09:20:06.Z',
    '2019-05-14',
    'garbage',
    '2019-05-14T09:20:06Zjunk',
  ])('rejects %p', (text) => {
    expect(parseIso(text)).toBeNaN();
  });

  it('reads nginx $time_local with its zone', () => {
    expect(parseNginxTime('14/May/2019:03:27:45 +0000')).toBe(Date.parse('2019-05-14T03:27:45Z'));
    expect(parseNginxTime('14/May/2019:05:27:45 +0200')).toBe(Date.parse('2019-05-14T03:27:45Z'));
    expect(parseNginxTime('14/Foo/2019:03:27:45 +0000')).toBeNaN();
  });
});

describe('Go durations', () => {
  it.each([
    ['0s', 0],
    ['428.848569ms', 0.428848569],
    ['36.10778633s', 36.10778633],
    ['5m2.236006705s', 302.236006705],
    ['1h10m46.071699246s', 4246.071699246],
    ['150µs', 0.00015],
    ['3ns', 3e-9],
  ])('reads %s', (text, seconds) => {
    expect(parseGoDuration(text)).toBeCloseTo(seconds, 9);
  });

  it('rejects what is not a Go duration', () => {
    expect(parseGoDuration('2 minutes')).toBeNaN();
    expect(parseGoDuration('')).toBeNaN();
  });
});
