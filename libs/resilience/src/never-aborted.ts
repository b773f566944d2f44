/**
 * The signal handed to calls whose caller gave none. One instance for the whole library, so a
 * policy can tell it apart from a real signal and skip listening to something that never fires.
 */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/** Whether the signal could ever abort (listening to one that cannot is wasted work). */
export const canAbort = (signal: AbortSignal | undefined): signal is AbortSignal => signal !== undefined && signal !== NEVER_ABORTED;
