// The memory of another process, for the connections part: its resident set as the kernel counts it
// (/proc/PID/status VmRSS), and, for a Node process started with `--inspect=127.0.0.1:0`, a DevTools-protocol
// session on its inspector to force a full garbage collection, read `process.memoryUsage()` inside it, and write
// a heap snapshot. Nothing is added to the server's code: the inspector is Node's own.
import { createWriteStream, readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { within } from './parleyDevices.ts';

/** The process's resident set size in bytes (VmRSS), or undefined once it has gone. */
export function residentBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/** `process.memoryUsage()` of the inspected process, in bytes. */
export interface NodeMemory {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** The inspector's address, from the line Node prints on stderr when it starts with `--inspect`. */
export function inspectorUrl(output: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
}

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

/** One DevTools-protocol session on a Node process's inspector; every call is bounded in time. */
export class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private chunkSink: ((chunk: string) => void) | undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as {
        id?: number;
        method?: string;
        params?: { chunk?: string };
        result?: unknown;
        error?: { message: string };
      };
      if (message.method === 'HeapProfiler.addHeapSnapshotChunk') {
        this.chunkSink?.(message.params?.chunk ?? '');
        return;
      }
      if (message.id === undefined) return;
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(`inspector: ${message.error.message}`));
      else waiter?.resolve(message.result);
    });
    ws.on('close', () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('inspector: session closed'));
      this.pending.clear();
    });
  }

  static async connect(url: string): Promise<Inspector> {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 30 });
    const opened = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    if (!(await within(opened, 10_000))) {
      ws.terminate();
      throw new Error(`inspector: no session at ${url} within 10 s`);
    }
    await opened;
    return new Inspector(ws);
  }

  private call(method: string, params: Record<string, unknown> = {}, ms = 60_000): Promise<unknown> {
    const id = this.nextId++;
    const answer = new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
    this.ws.send(JSON.stringify({ id, method, params }));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`inspector: ${method} took over ${ms} ms`));
      }, ms);
    });
    return Promise.race([answer, late]).finally(() => clearTimeout(timer));
  }

  /** A full, compacting garbage collection (what `global.gc()` does under --expose-gc). */
  async collectGarbage(): Promise<void> {
    await this.call('HeapProfiler.collectGarbage');
  }

  async memoryUsage(): Promise<NodeMemory> {
    const result = (await this.call('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    })) as { result?: { value?: string } };
    if (typeof result.result?.value !== 'string') throw new Error('inspector: no memoryUsage answer');
    return JSON.parse(result.result.value) as NodeMemory;
  }

  /** Writes a heap snapshot (after V8's own full collection) to `file`; it may take tens of seconds. */
  async heapSnapshot(file: string): Promise<void> {
    const out = createWriteStream(file);
    this.chunkSink = (chunk) => out.write(chunk);
    try {
      await this.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, 300_000);
    } finally {
      this.chunkSink = undefined;
      await new Promise<void>((resolve, reject) =>
        out.end((e?: Error | null) => (e ? reject(e) : resolve())),
      );
    }
  }

  close(): void {
    this.ws.terminate();
  }
}
