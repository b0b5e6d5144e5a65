// tsc emits only JavaScript; SQL migrations are read at run time from beside the modules.
import { cpSync, mkdirSync } from 'node:fs';

mkdirSync('dist/log/migrations', { recursive: true });
cpSync('src/log/migrations', 'dist/log/migrations', { recursive: true });
