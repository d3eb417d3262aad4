import pino, { type Logger } from 'pino';

export function createLogger(name: string, level: string): Logger {
  return pino({
    name,
    level,
    // Secrets never reach a log, whoever logs the object: keys, passwords, and the task tokens
    // with which anyone could complete an activity.
    redact: {
      remove: true,
      paths: [
        'req.headers.token',
        'secretKey',
        '*.secretKey',
        'password',
        '*.password',
        'taskToken',
        '*.taskToken',
        'access_token',
        '*.access_token',
      ],
    },
  });
}
