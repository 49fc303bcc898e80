/**
 * A generic CBOR data item, as carried by MIMI content extension values. Integers are `number` when they are
 * safe integers and `bigint` otherwise (the decoder always produces this canonical form); floating-point values
 * are wrapped in {@link CborFloat} so that `1.0` and `1` stay distinct and re-encode to the same bytes.
 */
export type CborValue =
  | number
  | bigint
  | string
  | Uint8Array
  | boolean
  | null
  | undefined
  | CborValue[]
  | CborMap
  | CborTag
  | CborFloat
  | CborSimple;

/** A CBOR map; entries are encoded sorted by their encoded keys, whatever the insertion order. */
export type CborMap = Map<CborValue, CborValue>;

/** A tagged data item (major type 6). */
export class CborTag {
  constructor(
    readonly tag: number | bigint,
    readonly value: CborValue,
  ) {}
}

/** A floating-point number; encoded in its shortest exact form (half, single or double precision). */
export class CborFloat {
  constructor(readonly value: number) {}
}

/** A simple value other than false, true, null and undefined: 0..19 or 32..255. */
export class CborSimple {
  constructor(readonly value: number) {}
}

/** True when `v` is an integer data item (a safe-integer number or a bigint). */
export function isCborInt(v: CborValue): v is number | bigint {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v));
}
