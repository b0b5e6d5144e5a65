// tsc emits only JavaScript; SQL migrations and the event schemas are read at run time from
// beside the modules.
import { cpSync, mkdirSync } from 'node:fs';

mkdirSync('dist/log/migrations', { recursive: true });
cpSync('src/log/migrations', 'dist/log/migrations', { recursive: true });
mkdirSync('dist/router/schemas', { recursive: true });
cpSync('src/router/schemas', 'dist/router/schemas', { recursive: true });
