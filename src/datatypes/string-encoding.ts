// The encoding OBJECT ENCODING reports for a string value, derived from the bytes alone (no
// per-key memory): Redis's tryObjectEncoding gives "int" to a value that string2l accepts
// (at most 20 chars), "embstr" up to 44 bytes, "raw" beyond. Values Redis built by editing in
// place (APPEND or SETRANGE on an existing key, SETRANGE on a new key) are always "raw", and
// INCRBYFLOAT results skip the int check ("embstr"/"raw"); the caller passes what it knows.
import { parseIntStrict } from '../resp/format';

export type StringEncoding = 'int' | 'embstr' | 'raw';

/** Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT. */
export const EMBSTR_SIZE_LIMIT = 44;

export function stringEncoding(value: string, modifiedInPlace = false): StringEncoding {
  if (modifiedInPlace) return 'raw';
  if (value.length <= 20 && parseIntStrict(value) !== null) return 'int';
  return value.length <= EMBSTR_SIZE_LIMIT ? 'embstr' : 'raw';
}
