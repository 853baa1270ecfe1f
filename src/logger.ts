/**
 * The injected logger.
 *
 * @packageDocumentation
 */

/** Structured fields attached to a log line. They MUST NOT contain private key material. */
export type LogFields = Record<string, unknown>;

/** Where certflow writes what it does. Any pino/winston-like logger fits with a thin wrapper. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A logger that drops everything: the default. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
