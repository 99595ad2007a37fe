import { describe, expect, it } from '@jest/globals';
import { createLogger, setLogSink } from '../../functions/shared/logger.js';
import { REDACTED, redactTokens, redactValue } from '../../functions/shared/redact.js';

describe('token redaction', () => {
  it.each([
    ['glrt-t1_AbCdEfGhIjKlMnOpQrSt', 'runner auth token'],
    ['GR1348941AbCdEfGhIjKlMnOp', 'registration token'],
    ['glpat-AbCdEfGhIjKlMnOpQrSt', 'access token'],
  ])('removes %s (%s)', (token) => {
    // Act
    const out = redactTokens(`config token ${token} in text`);
    // Assess
    expect(out).not.toContain(token);
    expect(out).toContain(REDACTED);
  });

  it("removes the full token glued to the URL in v11's unhealthy line", () => {
    const out = redactTokens(
      'Runner https://gitlab.example.com/Zx9KqT4mWp2LrB7nVc3H is not healthy and will be disabled!',
    );
    expect(out).toBe(`Runner https://gitlab.example.com/${REDACTED} is not healthy and will be disabled!`);
  });

  it('removes token assignments and known secrets, deep in objects', () => {
    const out = redactValue({ a: 'token=abcd1234efgh', b: ['x secretvalue y'], token: 'anything' }, ['secretvalue']);
    expect(JSON.stringify(out)).not.toMatch(/abcd1234efgh|secretvalue|anything/);
  });

  it('keeps ordinary text intact', () => {
    const line = 'Checking for jobs... received job=1001 runner=Zx9KqT4m';
    expect(redactTokens(line)).toBe(line);
  });

  it('the logger never writes a token, even in error objects', () => {
    // Prepare
    const lines: string[] = [];
    const previous = setLogSink((l) => lines.push(l));
    const log = createLogger('test');
    // Act
    log.error('failed', { error: new Error('bad glrt-CANARYCANARYCANARY'), detail: { token: 'glrt-x' } });
    setLogSink(previous);
    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('CANARY');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'error', service: 'test', message: 'failed' });
  });
});
