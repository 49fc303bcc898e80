// A pane's title bar, with a way back to the list (shown on phone-width screens) and room for actions.
import type { ComponentChildren } from 'preact';
import { href } from '../lib/route.js';

export function PaneHeader(props: { id?: string; title: ComponentChildren; children?: ComponentChildren }) {
  return (
    <header class="pane-header">
      <a class="back" href={href({ view: 'chats' })} aria-label="Back to conversations">
        ←
      </a>
      <h2 id={props.id} class="pane-title">
        {props.title}
      </h2>
      {props.children ? <div class="pane-actions">{props.children}</div> : null}
    </header>
  );
}
