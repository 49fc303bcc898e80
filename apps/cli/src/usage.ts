/** The `parley` usage text: what `parley help` prints and what a usage error shows. */
export const USAGE = `usage: parley COMMAND [options]

Accounts
  parley register --server URL --handle NAME --profile DIR [--device-name NAME]
  parley login    --server URL --handle NAME --profile DIR [--identity-from DIR] [--device-name NAME]
Messages
  parley send   --profile DIR --to HANDLE TEXT     (opens or reuses the 1:1 room with HANDLE)
  parley send   --profile DIR --room ROOM TEXT
  parley reply  --profile DIR --message ID TEXT
  parley react  --profile DIR --message ID EMOJI
  parley edit   --profile DIR --message ID TEXT
  parley delete --profile DIR --message ID
Groups
  parley group create --profile DIR [--name NAME] [--members H1,H2]    (prints the room id)
  parley group add    --profile DIR --room ROOM --member HANDLE
  parley group remove --profile DIR --room ROOM --member HANDLE
  parley group leave  --profile DIR --room ROOM
Reading
  parley sync  --profile DIR [--follow] [--timeout SECONDS]
  parley rooms --profile DIR
Requests and reports
  parley requests --profile DIR                (first contacts from other providers, waiting for your answer)
  parley accept   --profile DIR HANDLE         (their rooms and messages come with the next sync)
  parley decline  --profile DIR HANDLE         (their rooms are dropped; they are not told)
  parley block    --profile DIR HANDLE         (declines, and drops whatever they send you from now on)
  parley report   --profile DIR --room ROOM --message ID [--reason TEXT]    (to your provider and the room's)
Providers
  parley serve --domain DOMAIN --port PORT --data DIR [--db postgres://…] [--host HOST] [--config FILE]
               [--peer DOMAIN=URL …]
  parley dev [--data DIR]          providers a, b and c.localhost (7101–7103) on SQLite in ./.parley (npm start)

Client commands:
  --profile DIR     the device: its keys and state (DIR/profile.db; keep it private). One command at a time
                    per profile; register and login create DIR.
  --json            one JSON object per line on stdout; errors as {"type":"error","code":…,"message":…}
  -h, --help        this command's usage
Handles are written name@domain (a bare name means a user of your own provider). TEXT may be several words;
put -- before text that starts with a dash. Message ids are the 64-hex ids sync prints.

Password (register, login): from the environment variable PARLEY_PASSWORD, or --password-stdin.
A user's further device (login) needs the user's identity key: --identity-from DIR reads it from the profile
of one of the user's devices on this machine. It never leaves the two profiles and is never printed.

send, reply, react, edit and delete print the new message's id; with --json {"type":"sent",…,"seq":N}, or
"queued":true instead of seq when the room is on another provider that has not answered yet (your provider
keeps the message and sends it on).

A user of another provider who writes to you for the first time waits in parley requests: sync shows nothing
of theirs until you accept. A report names the message by room and number (it stays end-to-end encrypted);
--reason has at most 1000 characters.

sync prints what arrived since the last sync, including what other commands received on the way (messages,
reactions, edits, deletes, receipts, typing, membership, joined, roomUpdated), then exits; with --follow it
keeps streaming until --timeout SECONDS or SIGINT/SIGTERM. Without --follow, --timeout bounds the catch-up.
While sync --follow runs, other commands on its profile still work (it steps aside for them): a bot can read
\`parley sync --follow --json\` and answer with \`parley reply\`.

Exit codes: 0 ok, 1 failure (one line "parley: …" on stderr), 2 usage error.`;
