// A child process of the connections part that holds many idle device streams: told over IPC (bench/lib/
// streamClients.ts) which tokens to use, it opens one WebSocket per token to the provider's /v1/stream from the
// given loopback source addresses, a bounded number of handshakes at a time, authenticates each with its auth
// frame, waits for `ready`, and then leaves them idle until told to close. It exits when its parent goes, and in
// any case after its lifetime (first argument, ms).
import WebSocket from 'ws';
import type { WorkerReply, WorkerRequest } from './streamClients.ts';

const lifetimeMs = Number(process.argv[2] ?? 600_000);
const sockets: WebSocket[] = [];
/** Streams that closed or failed after their `ready`: an idle stream must stay open. */
let dropped = 0;
let firstDrop: string | undefined;

function reply(message: WorkerReply): void {
  process.send?.(message);
}

/** Opens one stream and resolves with its connect-to-ready time, or rejects (bounded by `timeoutMs`). */
function openStream(url: string, token: string, localAddress: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  return new Promise<number>((resolve, reject) => {
    // ws offers permessage-deflate by default, as browsers do; the server decides whether to take it.
    const ws = new WebSocket(url, { localAddress, handshakeTimeout: timeoutMs });
    let ready = false;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no ready frame within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.on('message', (data) => {
      if (ready) return;
      const frame = JSON.parse(data.toString()) as { type?: string; code?: string };
      if (frame.type === 'ready') {
        ready = true;
        clearTimeout(timer);
        sockets.push(ws);
        resolve(performance.now() - started);
      } else if (frame.type === 'error') {
        clearTimeout(timer);
        ws.terminate();
        reject(new Error(`stream refused (${frame.code})`));
      }
    });
    ws.on('error', (error) => {
      if (ready) return;
      clearTimeout(timer);
      reject(error);
    });
    ws.on('close', (code) => {
      if (ready) {
        dropped++;
        firstDrop ??= `closed with ${code}`;
        return;
      }
      clearTimeout(timer);
      reject(new Error(`stream closed (${code}) before ready`));
    });
  });
}

async function connect(request: Extract<WorkerRequest, { type: 'connect' }>): Promise<void> {
  const { url, tokens, sources, concurrency, timeoutMs } = request;
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, tokens.length) }, async () => {
      while (next < tokens.length) {
        const i = next++;
        try {
          latencies.push(await openStream(url, tokens[i]!, sources[i % sources.length]!, timeoutMs));
        } catch (error) {
          failed++;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    }),
  );
  const extensions = sockets[0]?.extensions ?? '';
  reply({
    type: 'connected',
    ok: latencies.length,
    failed,
    ...(firstError === undefined ? {} : { firstError }),
    ms: performance.now() - started,
    latencies,
    extensions,
  });
}

function close(): void {
  for (const ws of sockets) ws.terminate();
  sockets.length = 0;
  reply({ type: 'closed' });
  process.disconnect?.();
  setTimeout(() => process.exit(0), 100).unref();
}

process.on('message', (request: WorkerRequest) => {
  switch (request.type) {
    case 'connect':
      connect(request).catch((error) => {
        reply({ type: 'failed', reason: String(error) });
      });
      return;
    case 'status':
      reply({
        type: 'status',
        open: sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length,
        dropped,
        ...(firstDrop === undefined ? {} : { firstDrop }),
      });
      return;
    case 'close':
      close();
      return;
  }
});
// The parent went away (crash, kill): nothing here may outlive it.
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(3), lifetimeMs).unref();
reply({ type: 'started' });
