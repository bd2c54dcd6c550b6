// How big an import document may be, checked before anything expensive (the schema, the checksum, the import) by one
// iterative walk (body-limits.ts), and again as maxItems in the published schema. The numbers leave room for a large
// tenant's whole configuration (a real export of 50 integrations with 40 tasks each is well under a megabyte) while
// bounding what one request can make the API parse, hash, validate and replay.

/** The whole document: bytes of its text as received, or of its compact JSON when it arrives parsed. */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
/** Nesting of objects and arrays, the document itself being level 1 (the API's limit for any request body). */
export const MAX_DOCUMENT_DEPTH = 64;
/** One string (or key), in UTF-8 bytes: room for the largest logo in base64 (512 KiB → 683 KiB). */
export const MAX_STRING_BYTES = 1024 * 1024;
/** Every value counted once: objects, arrays, strings, numbers, booleans and nulls. */
export const MAX_DOCUMENT_VALUES = 200_000;
/** Integrations in one document (`apps`). */
export const MAX_APPS = 200;
/** Tasks of one integration (`apps[].tasks`). */
export const MAX_TASKS_PER_APP = 500;
/** Instance stubs of one integration (`apps[].instances`). */
export const MAX_INSTANCES_PER_APP = 500;
/** Chains, subscriptions, inbound sources or monitors: each kind's array. */
export const MAX_ITEMS_PER_KIND = 1000;
/** Problems listed in an error's `details`: the rest are counted in a last entry. */
export const MAX_REPORTED_PROBLEMS = 100;
