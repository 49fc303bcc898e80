import type { ExternalPart, NestedPart, PartIndex, SinglePart } from './types.js';

/** A part with its implied index and its nesting level (the body is level 1). */
export interface IndexedPart {
  partIndex: PartIndex;
  depth: number;
  part: NestedPart;
}

/**
 * Lists every part of a body in implied part-index order: zero-based, depth first, each multipart before its
 * children (draft-ietf-mimi-content-08 §4.4, Appendix B.3). The body itself is part 0.
 *
 * @example
 * for (const { partIndex, part } of listParts(msg.nestedPart)) console.log(partIndex, part.cardinality);
 */
export function listParts(body: NestedPart): IndexedPart[] {
  const out: IndexedPart[] = [];
  const walk = (part: NestedPart, depth: number): void => {
    out.push({ partIndex: out.length, depth, part });
    if (part.cardinality === 'multi') for (const child of part.parts) walk(child, depth + 1);
  };
  walk(body, 1);
  return out;
}

/**
 * Resolves a content-ID reference `cid:N@local.invalid` made inside a message to the part it names. Only single
 * and external parts may be referenced this way, so anything else (or a malformed URI) gives undefined.
 *
 * @example
 * const image = resolveCid(msg.nestedPart, 'cid:5@local.invalid'); // the part whose partIndex is 5
 */
export function resolveCid(body: NestedPart, uri: string): SinglePart | ExternalPart | undefined {
  const m = /^cid:(0|[1-9][0-9]{0,8})@local\.invalid$/i.exec(uri);
  if (!m) return undefined;
  const part = listParts(body)[Number(m[1])]?.part;
  return part?.cardinality === 'single' || part?.cardinality === 'external' ? part : undefined;
}
