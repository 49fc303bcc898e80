// One tab per device: two tabs driving the same MLS state would each ratchet it on their own and break it. The
// tab that holds the Web Lock runs the client; another one waits (and takes over when the first one closes).

const NAME = 'parley-device';
let acquiring: Promise<void> | undefined;

/** Resolves once this tab holds the device lock (at once where the browser has no Web Locks). */
export function acquireTabLock(): Promise<void> {
  if (!('locks' in navigator)) return Promise.resolve();
  acquiring ??= new Promise<void>((resolve) => {
    void navigator.locks.request(NAME, () => {
      resolve();
      return new Promise<never>(() => {}); // held for the life of the page
    });
  });
  return acquiring;
}

/** Whether the lock came within `ms` (a reload's previous page may still be letting go of it). */
export async function tabLockWithin(ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const got = await Promise.race([acquireTabLock().then(() => true as const), late]);
  clearTimeout(timer);
  return got;
}
