export type * from './event-log.js';
export { createEventLog, type CreateEventLogOptions } from './create-event-log.js';
export { SqliteEventLog, type SqliteEventLogOptions } from './sqlite-event-log.js';
