// Process entry for the `switchboard` command (bin/switchboard.js loads the built copy).
import { run } from './cli.js';

run(process.argv.slice(2));
