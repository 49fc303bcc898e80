/**
 * The web app in real browsers (playwright-core driving /usr/bin/chromium), against three providers that serve it
 * under their own brands: alice@a.localhost and bob@b.localhost meet (request, accept), chat with a reply, a
 * reaction, an edit, a delete, read receipts and typing, a message sent while offline, and an image; carol@c
 * joins a group with both; a reload and a browser restart keep everything. Afterwards no provider database holds
 * any of the words or the image. Screenshots of each step go to .tmp/web-e2e/ (git-ignored); with
 * PARLEY_UPDATE_SCREENSHOTS=1 (or when missing) the desktop and phone shots in docs/screenshots/ are renewed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot, TestNetwork } from '@parley/testing';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { dataDirs, ensureBuilt, randomPng, WEB, webBackend } from './webSupport.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(repoRoot, '.tmp/web-e2e');
const DOCS_SHOTS = join(repoRoot, 'docs/screenshots');
const BRANDS: Record<string, { name: string; accent: string; logo: string }> = {
  'a.localhost': { name: 'Aurora', accent: '#e4572e', logo: 'A' },
  'b.localhost': { name: 'Brook', accent: '#17a398', logo: 'B' },
  'c.localhost': { name: 'Cinder', accent: '#7b2cbf', logo: 'C' },
};
const tag = randomBytes(4).toString('hex');
const PASSWORD = `web passphrase ${tag}`;
const SAID = {
  hello: `Hello Bob, lunch at the harbour ${tag}?`,
  edited: `Hello Bob, lunch at the lighthouse ${tag}?`,
  reply: `Sounds great, see you there ${tag}`,
  oops: `this one was a mistake ${tag}`,
  offline: `written in a tunnel ${tag}`,
  group: `Launch crew ${tag}`,
  carol: `Carol here from the other side ${tag}`,
  back: `Welcome back, new device ${tag}`,
  renamed: `Harbour lunch club ${tag}`,
};
// Without Chromium the browser test is skipped (and listed as skipped), except under CI=true, where it must run.
if (!existsSync(CHROMIUM) && process.env.CI === 'true')
  throw new Error(`CI=true but there is no Chromium at ${CHROMIUM}`);
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

describe('the web app: three branded providers, three browsers', { skip }, () => {
  let net: Awaited<ReturnType<typeof TestNetwork.create>>;
  let browser: Browser;
  let carolDir: string;
  const image = randomPng();
  const pages: Record<string, Page> = {};
  const problems: string[] = [];
  let shot = 0;

  const origin = (domain: string) => net.url(domain).replace('127.0.0.1', domain);
  const snap = async (who: string, step: string) => {
    shot++;
    await pages[who]!.screenshot({
      path: join(SHOTS, `${String(shot).padStart(2, '0')}-${who}-${step}.png`),
    });
  };
  const messages = (who: string) => pages[who]!.getByRole('list', { name: 'Messages' }).getByRole('listitem');
  // The first item with the text: a reply quotes what it answers, so later items may hold it too.
  const message = (who: string, text: string) => messages(who).filter({ hasText: text }).first();
  /** Opens the conversation titled exactly `title` (a group's title may contain a person's address). */
  const openChat = (who: string, title: string) => {
    const exact = new RegExp(`^(#\\s)?${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    const titled = pages[who]!.locator('.conversation-title', { hasText: exact });
    return pages[who]!.getByRole('list', { name: 'Conversations' })
      .getByRole('link')
      .filter({ has: titled })
      .click();
  };

  async function newPage(context: BrowserContext, who: string, domain: string) {
    context.setDefaultTimeout(60_000);
    const page = context.pages()[0] ?? (await context.newPage());
    pages[who] = page;
    // Uncaught exceptions and content-security-policy refusals are bugs; failed requests while offline are not.
    page.on('pageerror', (error) => problems.push(`${who}: ${error.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text()))
        problems.push(`${who}: ${m.text()}`);
    });
    await page.goto(origin(domain));
    return page;
  }

  async function register(who: string, domain: string) {
    const page = pages[who]!;
    await page.getByRole('textbox', { name: 'Handle' }).fill(who);
    await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText(`${who}@${domain}`).waitFor();
  }

  async function send(who: string, text: string) {
    await pages[who]!.getByRole('textbox', { name: 'Message' }).fill(text);
    await pages[who]!.getByRole('button', { name: 'Send' }).click();
  }

  before(async () => {
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    await ensureBuilt();
    net = await TestNetwork.create({
      providers: 3,
      backend: webBackend,
      config: (domain) => ({
        webRoot: join(WEB, 'dist'),
        branding: BRANDS[domain]!,
        attachments: { maxBytes: 256 * 1024 },
      }),
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const desktop = { viewport: { width: 1180, height: 760 } };
    await newPage(await browser.newContext(desktop), 'alice', 'a.localhost');
    await newPage(await browser.newContext(desktop), 'bob', 'b.localhost');
    carolDir = mkdtempSync(join(tmpdir(), 'parley-web-carol-'));
    const carol = await chromium.launchPersistentContext(carolDir, {
      executablePath: CHROMIUM,
      args: ['--no-sandbox'],
      ...desktop,
    });
    await newPage(carol, 'carol', 'c.localhost');
  });

  after(async () => {
    await browser?.close();
    await pages.carol?.context().close();
    await net?.close();
    if (carolDir) rmSync(carolDir, { recursive: true, force: true });
  });

  it('each provider shows its own brand before sign-in; a wrong password says so', async () => {
    for (const [who, domain] of [
      ['alice', 'a.localhost'],
      ['bob', 'b.localhost'],
      ['carol', 'c.localhost'],
    ]) {
      await pages[who!]!.getByRole('heading', { name: BRANDS[domain!]!.name }).waitFor();
      assert.equal(await pages[who!]!.title(), BRANDS[domain!]!.name);
    }
    await snap('alice', 'sign-in');
    const bob = pages.bob!;
    await bob.getByRole('textbox', { name: 'Handle' }).fill('bob');
    await bob.getByRole('textbox', { name: 'Password' }).fill('not the password');
    await bob.getByRole('button', { name: 'Sign in' }).click();
    await bob.getByRole('alert').filter({ hasText: 'Wrong handle or password' }).waitFor();
    assert.equal(
      await bob.getByRole('textbox', { name: 'Handle' }).inputValue(),
      'bob',
      'the form keeps the handle',
    );
    await snap('bob', 'wrong-password');
  });

  it('alice, bob and carol create accounts on a, b and c', async () => {
    await register('alice', 'a.localhost');
    await register('bob', 'b.localhost');
    await register('carol', 'c.localhost');
    await snap('alice', 'signed-in');
  });

  it('alice starts a chat with bob@b.localhost (an unknown handle is explained)', async () => {
    const alice = pages.alice!;
    await alice.getByRole('button', { name: 'New chat' }).click();
    await alice.getByRole('textbox', { name: 'Chat with' }).fill(`nobody${tag}@b.localhost`);
    await alice.getByRole('button', { name: 'Start chat' }).click();
    await alice
      .getByRole('alert')
      .filter({ hasText: /no such user|no device/i })
      .waitFor();
    await snap('alice', 'unknown-handle');
    await alice.getByRole('textbox', { name: 'Chat with' }).fill('bob@b.localhost');
    await alice.getByRole('button', { name: 'Start chat' }).click();
    await send('alice', SAID.hello);
    await message('alice', SAID.hello).filter({ hasText: 'Sent' }).waitFor();
    await snap('alice', 'first-message');
  });

  it('bob finds alice in Requests, accepts, reads and replies; alice sees it read', async () => {
    const bob = pages.bob!;
    await bob.getByRole('link', { name: 'Requests' }).click();
    const request = bob.getByRole('listitem').filter({ hasText: 'alice@a.localhost' });
    await request.waitFor();
    await snap('bob', 'request');
    await request.getByRole('button', { name: 'Accept' }).click();
    await openChat('bob', 'alice@a.localhost');
    await message('bob', SAID.hello).waitFor();
    await message('alice', SAID.hello).filter({ hasText: 'Read' }).waitFor();
    await bob.getByRole('textbox', { name: 'Message' }).fill('Sounds');
    await pages.alice!.getByText('bob@b.localhost is typing').waitFor();
    await message('bob', SAID.hello).getByRole('button', { name: 'Reply' }).click();
    await send('bob', SAID.reply);
    await message('alice', SAID.reply).waitFor();
    await snap('bob', 'reply');
  });

  it('alice reacts, edits and deletes; bob sees each', async () => {
    const alice = pages.alice!;
    await message('alice', SAID.reply).hover();
    await message('alice', SAID.reply).getByRole('button', { name: 'React', exact: true }).click();
    await alice.getByRole('button', { name: 'React with 👍' }).click();
    await message('bob', SAID.reply).getByRole('button', { name: /👍 1/ }).waitFor();

    await message('alice', SAID.hello).hover();
    await message('alice', SAID.hello).getByRole('button', { name: 'Edit' }).click();
    // The box takes the message's text first; typing starts once it is there.
    await alice.getByRole('button', { name: 'Save' }).waitFor();
    await alice.waitForFunction(
      (text) =>
        (globalThis as unknown as { document: { activeElement: { value?: string } } }).document.activeElement
          .value === text,
      SAID.hello,
    );
    await alice.getByRole('textbox', { name: 'Message' }).fill(SAID.edited);
    await alice.getByRole('button', { name: 'Save' }).click();
    await message('bob', SAID.edited).filter({ hasText: '(edited)' }).waitFor();
    assert.equal(await message('bob', SAID.hello).count(), 0, 'the edit replaced the text');

    await send('alice', SAID.oops);
    await message('bob', SAID.oops).waitFor();
    await message('alice', SAID.oops).hover();
    await message('alice', SAID.oops).getByRole('button', { name: 'Delete' }).click();
    await alice.getByRole('button', { name: 'Delete for everyone' }).click();
    await messages('bob').filter({ hasText: 'This message was deleted' }).waitFor();
    assert.equal(await message('bob', SAID.oops).count(), 0);
    await snap('bob', 'react-edit-delete');
  });

  it('Markdown is rendered as text: no raw HTML, links show their real target', async () => {
    const markdown = `**bold ${tag}** <img src=x onerror="document.title='owned'"> [the guide](https://example.com/guide)`;
    await send('alice', markdown);
    const item = message('bob', `bold ${tag}`);
    await item.waitFor();
    await item.getByText(`bold ${tag}`, { exact: true }).and(pages.bob!.locator('strong')).waitFor();
    await item.getByText('<img src=x onerror=', { exact: false }).waitFor();
    assert.equal(await item.locator('img').count(), 0, 'no element made from the message');
    const link = item.getByRole('link', { name: 'the guide' });
    assert.equal(await link.getAttribute('href'), 'https://example.com/guide');
    await item.getByText('(https://example.com/guide)').waitFor();
  });

  it('a message written offline waits as "Sending…" and goes out once back online', async () => {
    const alice = pages.alice!;
    await alice.context().setOffline(true);
    await send('alice', SAID.offline);
    await message('alice', SAID.offline).filter({ hasText: 'Sending…' }).waitFor();
    await snap('alice', 'offline');
    await alice.context().setOffline(false);
    await message('bob', SAID.offline).waitFor();
    await message('alice', SAID.offline)
      .filter({ hasText: /Sent|Read/ })
      .waitFor();
  });

  it('alice sends an image; bob sees its preview, decrypted in his browser', async () => {
    await pages.alice!.locator('input[type="file"]').setInputFiles({
      name: 'harbour.png',
      mimeType: 'image/png',
      buffer: image,
    });
    const preview = message('bob', 'harbour.png').getByRole('img', { name: 'harbour.png' });
    await preview.waitFor();
    await pages.bob!.waitForFunction(
      (img) =>
        (img as { complete: boolean; naturalWidth: number }).complete &&
        (img as { naturalWidth: number }).naturalWidth === 160,
      await preview.elementHandle(),
    );
    await snap('bob', 'image');
  });

  it('a file over the provider’s limit is refused with a clear message, and can be discarded', async () => {
    const alice = pages.alice!;
    await alice.locator('input[type="file"]').setInputFiles({
      name: 'archive.bin',
      mimeType: 'application/octet-stream',
      buffer: randomBytes(300 * 1024),
    });
    await alice.getByRole('alert').filter({ hasText: 'too large' }).first().waitFor();
    await snap('alice', 'file-too-large');
    await message('alice', 'archive.bin').getByRole('button', { name: 'Discard' }).click();
    await message('alice', 'archive.bin').waitFor({ state: 'detached' });
  });

  it('alice makes a group with bob and carol; carol accepts and writes; everyone sees it', async () => {
    const alice = pages.alice!;
    await alice.getByRole('button', { name: 'New group' }).click();
    await alice.getByRole('textbox', { name: 'Group name' }).fill(SAID.group);
    await alice.getByRole('textbox', { name: 'Members' }).fill('bob@b.localhost, carol@c.localhost');
    await alice.getByRole('button', { name: 'Create group' }).click();
    await alice.getByRole('textbox', { name: 'Message' }).waitFor();

    const carol = pages.carol!;
    await carol.getByRole('link', { name: 'Requests' }).click();
    await carol
      .getByRole('listitem')
      .filter({ hasText: 'alice@a.localhost' })
      .getByRole('button', { name: 'Accept' })
      .click();
    await openChat('carol', SAID.group);
    await send('carol', SAID.carol);
    await message('alice', SAID.carol).waitFor();
    await openChat('bob', SAID.group);
    await message('bob', SAID.carol).waitFor();

    await alice.getByRole('link', { name: 'Details' }).click();
    await alice.getByRole('listitem').filter({ hasText: 'carol' }).getByText('on c.localhost').waitFor();
    await snap('alice', 'group-members');
  });

  it('a reload and a browser restart keep everything', async () => {
    const alice = pages.alice!;
    await alice.reload();
    await openChat('alice', 'bob@b.localhost');
    await message('alice', SAID.edited).waitFor();
    await message('alice', 'harbour.png').getByRole('img', { name: 'harbour.png' }).waitFor();
    await openChat('alice', SAID.group);
    await message('alice', SAID.carol).waitFor();
    await snap('alice', 'after-reload');

    await pages.carol!.context().close();
    const carol = await chromium.launchPersistentContext(carolDir, {
      executablePath: CHROMIUM,
      args: ['--no-sandbox'],
      viewport: { width: 1180, height: 760 },
    });
    await newPage(carol, 'carol', 'c.localhost');
    await openChat('carol', SAID.group);
    await message('carol', SAID.carol).waitFor();
    await snap('carol', 'after-restart');
  });

  it('screenshots for the docs: desktop and phone width', async () => {
    if (existsSync(join(DOCS_SHOTS, 'desktop.png')) && !process.env.PARLEY_UPDATE_SCREENSHOTS) return;
    mkdirSync(DOCS_SHOTS, { recursive: true });
    await openChat('alice', 'bob@b.localhost');
    await pages.alice!.screenshot({ path: join(DOCS_SHOTS, 'desktop.png') });
    const bob = pages.bob!;
    await bob.setViewportSize({ width: 390, height: 780 });
    await bob.getByRole('link', { name: 'Back to conversations' }).click();
    await openChat('bob', 'alice@a.localhost');
    await message('bob', SAID.edited).waitFor();
    await bob.screenshot({ path: join(DOCS_SHOTS, 'phone.png') });
  });

  it('bob checks his devices, verifies alice, searches, signs out and back in', async () => {
    const bob = pages.bob!;
    await bob.setViewportSize({ width: 1180, height: 760 });
    await bob.getByRole('link', { name: 'Settings' }).click();
    await bob.getByRole('list', { name: 'Devices' }).getByText('(this browser)').waitFor();

    const safety = async (who: string, other: string, room: string) => {
      const page = pages[who]!;
      await openChat(who, room);
      await page.getByRole('link', { name: 'Details' }).click();
      const item = page
        .getByRole('list', { name: 'Members' })
        .getByRole('listitem')
        .filter({ hasText: other });
      await item.getByRole('button', { name: 'Safety number' }).click();
      await item.getByRole('button', { name: 'Mark as verified' }).waitFor();
      return { item, number: (await item.locator('.safety-number').textContent())?.replace(/^.*: /, '') };
    };
    const fromBob = await safety('bob', 'alice', 'alice@a.localhost');
    const fromAlice = await safety('alice', 'bob', 'bob@b.localhost');
    assert.match(fromBob.number ?? '', /^(\d{5} ){11}\d{5}$/);
    assert.equal(fromBob.number, fromAlice.number, 'both see the same safety number');
    await fromBob.item.getByRole('button', { name: 'Mark as verified' }).click();
    await fromBob.item.getByText('Verified', { exact: false }).first().waitFor();
    await snap('bob', 'verified');

    await bob.getByRole('searchbox', { name: 'Search messages' }).fill('lighthouse');
    await bob.getByRole('searchbox', { name: 'Search messages' }).press('Enter');
    await bob.getByRole('list', { name: 'Search results' }).getByText(SAID.edited).waitFor();

    await bob.getByRole('link', { name: 'Settings' }).click();
    await bob.getByRole('button', { name: 'Sign out' }).click();
    await bob.getByRole('textbox', { name: 'Handle' }).fill('bob');
    await bob.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
    await bob.getByRole('button', { name: 'Sign in' }).click();
    // A new device of bob's: it joins his rooms by itself and reads what is sent from now on.
    await openChat('bob', 'alice@a.localhost');
    await openChat('alice', 'bob@b.localhost');
    await send('alice', SAID.back);
    await message('bob', SAID.back).waitFor();
    await snap('bob', 'signed-in-again');
  });

  it('alice renames the group and removes carol: bob sees the name, carol sees she is out', async () => {
    const alice = pages.alice!;
    await openChat('alice', SAID.group);
    await alice.getByRole('link', { name: 'Details' }).click();
    await alice.getByRole('textbox', { name: 'Group name' }).fill(SAID.renamed);
    await alice.getByRole('button', { name: 'Rename' }).click();
    await pages
      .bob!.getByRole('list', { name: 'Conversations' })
      .getByRole('link', { name: SAID.renamed })
      .waitFor();
    await alice.getByRole('button', { name: 'Remove carol@c.localhost' }).click();
    await pages.carol!.getByText('You are no longer in this conversation').waitFor();
    await alice.getByRole('list', { name: 'Members' }).getByText('carol').waitFor({ state: 'detached' });
    await snap('carol', 'removed');
  });

  it('no page threw or was refused by the content security policy', () => {
    assert.deepEqual(problems, []);
  });

  it('no provider database holds the words or the image', () => {
    const files = dataDirs.flatMap((dir) => readdirSync(dir).map((n) => join(dir, n)));
    assert.ok(files.length >= 3, 'the three providers keep their data in files');
    const all = Buffer.concat(files.map((f) => readFileSync(f)));
    // The search finds what is there: handles are plaintext metadata the providers need.
    assert.ok(all.includes('carol'), 'the scan reads the databases');
    for (const text of Object.values(SAID)) {
      for (const form of [Buffer.from(text), Buffer.from(Buffer.from(text).toString('base64'))]) {
        assert.ok(!all.includes(form), `a provider database holds "${text}"`);
      }
    }
    const pixels = image.subarray(image.length - 600, image.length - 500);
    assert.ok(!all.includes(pixels), 'a provider database holds the image');
    assert.ok(
      !all.includes(Buffer.from(pixels.toString('base64').slice(4, 80))),
      'it holds the image as base64',
    );
  });
});
