import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * One JSON line per event on stdout, where the PaaS collects it. The redact list is a second
 * line of defence: no code path should put these fields in a log line in the first place.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'client-area' },
    redact: {
      paths: ['password', 'code', 'secret', 'sessionId', '*.password', '*.code', '*.secret'],
      censor: '[redacted]',
    },
  };
  // Standard output unless told otherwise; the tests read the lines from a stream of their own.
  return destination ? pino(options, destination) : pino(options);
}
