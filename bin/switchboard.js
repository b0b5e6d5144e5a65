#!/usr/bin/env node
// Runs the built CLI (dist/ is produced by `npm install` via the prepare script).
import '../dist/main.js';
