// The account password, for register and login only: from PARLEY_PASSWORD or, with --password-stdin, from
// standard input (its first line). Never from an argument, where `ps` would show it.
import { UsageError } from './errors.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    const password = (await readStdin()).split(/\r?\n/)[0] ?? '';
    if (password === '') throw new UsageError('--password-stdin: standard input holds no password');
    return password;
  }
  const password = process.env.PARLEY_PASSWORD;
  if (!password) throw new UsageError('a password is needed: set PARLEY_PASSWORD or pass --password-stdin');
  return password;
}
