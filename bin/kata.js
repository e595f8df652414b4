#!/usr/bin/env node
// `npx kata ...` in this repository: runs the TypeScript source through tsx (a dev dependency).
const { register } = require('tsx/cjs/api');
register();
require('../src/main/cli.ts');
