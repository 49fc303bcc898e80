/** A small typed event emitter (no node:events, so it runs in browsers). Listener errors never reach the emitter. */
export class Emitter<E extends { type: string }> {
  private readonly listeners = new Map<string, Set<(event: never) => void>>();

  on<T extends E['type'] | '*'>(
    type: T,
    listener: (event: T extends '*' ? E : Extract<E, { type: T }>) => void,
  ): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    const entry = listener as (event: never) => void;
    set.add(entry);
    return () => set.delete(entry);
  }

  emit(event: E): void {
    for (const type of [event.type, '*']) {
      for (const listener of this.listeners.get(type) ?? []) {
        try {
          (listener as (e: E) => void)(event);
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    }
  }
}
