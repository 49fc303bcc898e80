// parley register / parley login: make a profile and sign a device in. A user's first device registers (and makes
// the user's identity key); a further device logs in with that identity key, read from the profile of a device
// that has it (--identity-from), since the identity key certifies every device of the user.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ParleyClient, SdkError } from '@parley/sdk';
import { nodeEnvironment, SqliteStore } from '@parley/sdk/node';
import { flag, noPositionals, optional, ownHandle, required, type Values } from '../client/args.js';
import type { Command } from '../client/command.js';
import { CliError, UsageError } from '../client/errors.js';
import type { Output } from '../client/output.js';
import { readPassword } from '../client/password.js';
import { type Profile, withProfile } from '../client/profile.js';

const SIGN_IN_OPTIONS = {
  server: { type: 'string' },
  handle: { type: 'string' },
  'device-name': { type: 'string' },
  'password-stdin': { type: 'boolean' },
} as const;

interface SignIn {
  profile: string;
  server: string;
  name: string;
  domain: string | undefined;
  password: string;
  deviceName: string;
}

async function signInInput(values: Values, positionals: string[]): Promise<SignIn> {
  noPositionals(positionals);
  const server = required(values, 'server');
  if (!URL.canParse(server) || !/^https?:$/.test(new URL(server).protocol))
    throw new UsageError(`--server takes the provider's http(s) URL, not "${server}"`);
  const { name, domain } = ownHandle(required(values, 'handle'));
  return {
    profile: required(values, 'profile'),
    server,
    name,
    domain,
    password: await readPassword(flag(values, 'password-stdin')),
    deviceName: optional(values, 'device-name') ?? 'parley cli',
  };
}

/** A profile holds one device: signing in again into it would orphan the keys it has. */
async function mustBeEmpty(p: Profile): Promise<void> {
  if (await p.client.resume())
    throw new CliError('profileExists', `profile ${p.dir} already holds ${p.client.user}`);
}

/**
 * The provider's domain, from its health answer (undefined when it gives none); when the handle was typed with
 * its domain, the provider must be that domain's.
 */
async function providerDomain(server: string, typed: string | undefined): Promise<string | undefined> {
  const health = await fetch(new URL('/health', server))
    .then((r) => r.json() as Promise<{ domain?: unknown }>)
    .catch(() => undefined);
  const domain = typeof health?.domain === 'string' ? health.domain : undefined;
  if (typed && domain && domain !== typed)
    throw new CliError('wrongProvider', `${server} is the provider of ${domain}, not ${typed}`);
  return domain ?? typed;
}

function printSignedIn(out: Output, type: string, p: Profile, server: string): void {
  const { user, deviceId } = p.client;
  out.print(
    { type, user, device: deviceId, server },
    `${type === 'registered' ? 'registered' : 'signed in'} ${user} (device ${deviceId}) in ${p.dir}`,
  );
}

const register: Command = {
  usage:
    'parley register --server URL --handle NAME --profile DIR [--device-name NAME] [--password-stdin] [--json]',
  options: SIGN_IN_OPTIONS,
  async run({ values, positionals, out }) {
    const input = await signInInput(values, positionals);
    await withProfile(input.profile, out, { create: true }, async (p) => {
      await mustBeEmpty(p);
      await providerDomain(input.server, input.domain);
      await p.client.register({
        server: input.server,
        handle: input.name,
        password: input.password,
        deviceName: input.deviceName,
      });
      await p.client.start(); // publishes KeyPackages, so that others can add this user at once
      printSignedIn(out, 'registered', p, input.server);
    });
  },
};

/** The identity key of the user's device in `dir`, exported through the SDK; checked to be `name`'s. */
async function identityFrom(dir: string, name: string, domain: string | undefined): Promise<string> {
  const path = join(resolve(dir), 'profile.db');
  if (!existsSync(path)) throw new CliError('noProfile', `--identity-from: no profile in ${resolve(dir)}`);
  const store = SqliteStore.open(path);
  const client = new ParleyClient({ store, suite: (await nodeEnvironment()).suite });
  try {
    if (!(await client.resume()))
      throw new CliError('notSignedIn', `--identity-from: no account in ${resolve(dir)}`);
    const [otherName, otherDomain] = client.user.split('@');
    if (otherName !== name.toLowerCase() || (domain && otherDomain !== domain))
      throw new CliError('wrongUser', `--identity-from: ${resolve(dir)} is a device of ${client.user}`);
    return client.exportIdentityKey();
  } finally {
    await client.close();
    await store.close();
  }
}

const login: Command = {
  usage:
    'parley login --server URL --handle NAME --profile DIR [--identity-from DIR] [--device-name NAME] [--password-stdin] [--json]',
  options: { ...SIGN_IN_OPTIONS, 'identity-from': { type: 'string' } },
  async run({ values, positionals, out }) {
    const input = await signInInput(values, positionals);
    const from = optional(values, 'identity-from');
    if (from !== undefined && resolve(from) === resolve(input.profile))
      throw new UsageError('--identity-from names the profile of another device, not this one');
    const identityKey = from === undefined ? undefined : await identityFrom(from, input.name, input.domain);
    await withProfile(input.profile, out, { create: true }, async (p) => {
      await mustBeEmpty(p);
      const domain = await providerDomain(input.server, input.domain);
      const user = domain ? `${input.name.toLowerCase()}@${domain}` : input.name;
      try {
        await p.client.login({
          server: input.server,
          handle: input.name,
          password: input.password,
          deviceName: input.deviceName,
          ...(identityKey ? { identityKey } : {}),
        });
      } catch (error) {
        if (error instanceof SdkError && error.code === 'identityKeyRequired')
          throw new CliError(
            'identityKeyRequired',
            identityKey
              ? `${user} has another identity key than the profile given with --identity-from`
              : `${user} already has a device: sign this one in with --identity-from DIR, the profile ` +
                  `of one of ${user}'s devices (its identity key certifies the new device)`,
          );
        throw error;
      }
      await p.client.start(); // joins the user's rooms
      printSignedIn(out, 'signedIn', p, input.server);
    });
  },
};

export const accountCommands: Record<string, Command> = { register, login };
