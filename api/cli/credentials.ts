import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { homePaths, type KilnConfig } from '../../core/config.js';

/** Tokens saved by `kiln login`, by API URL. */
const CredentialsFile = z.object({ tokens: z.record(z.string(), z.string()) });

/** Where the CLI's token came from, for `kiln doctor` and error messages. */
export type TokenSource = 'KILN_TOKEN' | 'kiln login' | 'admin token' | 'none';

/**
 * The token the CLI sends: `KILN_TOKEN`, else what `kiln login` saved for this API URL, else
 * the admin token `kiln up` wrote in this data directory (so a local install needs nothing typed).
 */
export function cliToken(config: KilnConfig): { token: string | undefined; source: TokenSource } {
  if (config.token) return { token: config.token, source: 'KILN_TOKEN' };
  const saved = readCredentials(config.credentialsFile).tokens[normalUrl(config.apiUrl)];
  if (saved) return { token: saved, source: 'kiln login' };
  const adminFile = homePaths(config.home).adminToken;
  if (existsSync(adminFile)) return { token: readFileSync(adminFile, 'utf8').trim(), source: 'admin token' };
  return { token: undefined, source: 'none' };
}

export function saveLogin(file: string, apiUrl: string, token: string | undefined): void {
  const credentials = readCredentials(file);
  if (token === undefined) delete credentials.tokens[normalUrl(apiUrl)];
  else credentials.tokens[normalUrl(apiUrl)] = token;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

function readCredentials(file: string): z.infer<typeof CredentialsFile> {
  if (!existsSync(file)) return { tokens: {} };
  const parsed = CredentialsFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: not a Kiln credentials file (delete it and run kiln login again)`);
  return parsed.data;
}

function normalUrl(url: string): string {
  return url.replace(/\/+$/, '');
}
