// A count in the accent colour; screen readers hear the words instead of the bare number.
export function Badge({ count, label }: { count: number; label: string }) {
  return (
    <span class="badge">
      <span aria-hidden="true">{count}</span>
      <span class="visually-hidden">{label}</span>
    </span>
  );
}
