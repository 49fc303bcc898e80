// What a provider's own Prometheus endpoint (GET /metrics) says about the work behind one measured message:
// the time its handlers took for a route (a hub's submit, a follower's notify) and how many payloads it pushed to
// streams. Read before and after a message, the difference is that message's share.
import type { Connections } from './parleyDevices.ts';

export interface ProviderCounters {
  /** Per route pattern: summed handler seconds and requests, from parley_http_request_duration_seconds. */
  routes: Map<string, { seconds: number; count: number }>;
  /** parley_messages_pushed_total. */
  pushed: number;
}

const SERIES = /^parley_http_request_duration_seconds_(sum|count)\{route="([^"]*)"\} (\S+)$/;

export async function readCounters(link: Connections): Promise<ProviderCounters> {
  const answer = await link.request('GET', '/metrics');
  if (answer.status !== 200) throw new Error(`metrics answered ${answer.status}`);
  const routes = new Map<string, { seconds: number; count: number }>();
  let pushed = 0;
  for (const line of answer.text.split('\n')) {
    const match = SERIES.exec(line);
    if (match) {
      const entry = routes.get(match[2]!) ?? { seconds: 0, count: 0 };
      if (match[1] === 'sum') entry.seconds = Number(match[3]);
      else entry.count = Number(match[3]);
      routes.set(match[2]!, entry);
    } else if (line.startsWith('parley_messages_pushed_total ')) {
      pushed = Number(line.slice(line.indexOf(' ') + 1));
    }
  }
  return { routes, pushed };
}

/** Milliseconds and requests of `route` between two readings. */
export function routeDelta(
  before: ProviderCounters,
  after: ProviderCounters,
  route: string,
): { ms: number; count: number } {
  const a = before.routes.get(route) ?? { seconds: 0, count: 0 };
  const b = after.routes.get(route) ?? { seconds: 0, count: 0 };
  return { ms: (b.seconds - a.seconds) * 1000, count: b.count - a.count };
}
