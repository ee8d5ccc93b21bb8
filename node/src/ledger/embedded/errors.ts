/** The embedded ledger's errors: one base class with `name` and `cause`, and one subclass per kind of failure. */

export class LedgerError extends Error {
  override name = 'LedgerError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** The block log on disk does not verify; `blockNumber` is the first block (line) found wrong. */
export class LedgerIntegrityError extends LedgerError {
  override name = 'LedgerIntegrityError';
  readonly blockNumber: number;
  constructor(blockNumber: number, what: string, options: { file?: string; cause?: unknown } = {}) {
    super(`block ${blockNumber}${options.file ? ` of ${options.file}` : ''}: ${what}`, options);
    this.blockNumber = blockNumber;
  }
}

/** The ledger is closed (or closed itself after a failed write): nothing was recorded. */
export class LedgerUnavailableError extends LedgerError {
  override name = 'LedgerUnavailableError';
}

/** The proposal was refused before simulation: malformed, unknown MSP, bad signature, duplicate txId, unknown function. */
export class EndorsementError extends LedgerError {
  override name = 'EndorsementError';
}
