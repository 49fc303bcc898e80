#!/usr/bin/env node
// The `parley` command. TypeScript sources run through tsx's loader: no build step between an edit and a run.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
