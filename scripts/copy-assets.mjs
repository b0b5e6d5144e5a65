// tsc emits only JavaScript; SQL migrations (the log's and the PostgreSQL sink's) and the event
// schemas are read at run time from beside the modules.
import { cpSync, mkdirSync } from 'node:fs';

mkdirSync('dist/log/migrations', { recursive: true });
cpSync('src/log/migrations', 'dist/log/migrations', { recursive: true });
mkdirSync('dist/router/schemas', { recursive: true });
cpSync('src/router/schemas', 'dist/router/schemas', { recursive: true });
mkdirSync('dist/sinks/postgres-migrations', { recursive: true });
cpSync('src/sinks/postgres-migrations', 'dist/sinks/postgres-migrations', { recursive: true });
