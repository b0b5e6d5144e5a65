import { pino, type Logger, type DestinationStream } from 'pino';

/** JSON logs on stdout. Header values that carry credentials are redacted wherever they appear. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'switchboard' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-api-key"]',
          'req.headers["x-genesys-webhook-signature"]',
          'req.headers["x-hub-signature-256"]',
          'req.headers["webhook-signature"]',
          '*.clientSecret',
          '*.secret',
          '*.secrets',
          '*.apiKeys',
          '*.tokens',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
