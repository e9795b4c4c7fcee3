import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs. Fields that could carry PHI are redacted as a second line of defence;
 * the first is that code logs ids, counts and timings only.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'context-vault' },
      redact: {
        paths: ['text', 'title', 'content', 'prompt', 'message', 'answer', 'password', 'token', '*.text', '*.title', '*.content', '*.password', '*.token', 'headers.authorization', 'headers.cookie'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
