import { describe, expect, it } from 'vitest';
import { allowedHostNames, checkHostAndOrigin } from '../../../api/http/request-guards.js';
import { HttpRequestError } from '../../../api/http/http-request-error.js';

const allowed = allowedHostNames('127.0.0.1', ['kiln.example']);
const verdict = (host: string): number | 'ok' => {
  try {
    checkHostAndOrigin({ method: 'GET', headers: { host } }, allowed);
    return 'ok';
  } catch (error) {
    if (error instanceof HttpRequestError) return error.status;
    throw error;
  }
};

describe('the Host check, asked again and again (its parses are remembered)', () => {
  it('answers each Host the same every time, refusals included', () => {
    const hosts = ['127.0.0.1:8580', 'LOCALHOST:8580', '[::1]:8580', 'kiln.example', 'evil.example:8580', 'kiln.example.evil', '[bad', ''];
    const first = hosts.map(verdict);
    expect(first).toEqual(['ok', 'ok', 'ok', 'ok', 421, 421, 421, 421]);
    for (let round = 0; round < 3; round++) expect(hosts.map(verdict)).toEqual(first);
  });

  it('keeps answering right after more distinct Hosts than it remembers', () => {
    for (let i = 0; i < 1_000; i++) expect(verdict(`host-${i}.evil.example`)).toBe(421);
    expect(verdict('127.0.0.1:8580')).toBe('ok');
    expect(verdict('kiln.example:443')).toBe('ok');
    expect(verdict('host-3.evil.example')).toBe(421);
  });
});
