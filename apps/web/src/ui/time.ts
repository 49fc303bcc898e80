// Times as people read them: the clock for today, the weekday this week, the date before that.
export function shortTime(ts: number, now = Date.now()): string {
  const d = new Date(ts);
  const age = now - ts;
  if (age < 24 * 3600_000 && new Date(now).getDate() === d.getDate())
    return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (age < 6 * 24 * 3600_000) return d.toLocaleDateString(undefined, { weekday: 'short' });
  return d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
}

export function fullTime(ts: number): string {
  return new Date(ts).toLocaleString();
}
