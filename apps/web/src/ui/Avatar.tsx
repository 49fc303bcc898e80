// A person's initial in a circle, coloured by their address so the same person always looks the same.
export function Avatar({ user, size = 32 }: { user: string; size?: number }) {
  let hash = 0;
  for (const c of user) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return (
    <span
      class="avatar"
      aria-hidden="true"
      style={{ width: size, height: size, fontSize: size * 0.45, background: `hsl(${hash % 360} 55% 42%)` }}
    >
      {(user[0] ?? '?').toUpperCase()}
    </span>
  );
}
