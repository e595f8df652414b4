import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layer rules of ARCHITECTURE.md, checked with the project's own ESLint config.
const eslint = new ESLint({ cwd: resolve(__dirname, '..') });

async function importErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: resolve(__dirname, '..', file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rules', () => {
  it.each([
    ['src/shared/campaign/x.ts', "import { readFile } from 'node:fs';"],
    ['src/shared/campaign/x.ts', "import fs from 'fs';"],
    ['src/shared/campaign/x.ts', "import { app } from 'electron';"],
    ['src/shared/campaign/x.ts', "import { useState } from 'react';"],
    ['src/shared/campaign/x.ts', "import { appRouter } from '../../main/router';"],
    ['src/shared/x.ts', "import { db } from '../renderer/db';"],
    ['src/renderer/app/x.ts', "import { join } from 'node:path';"],
    ['src/renderer/app/x.ts', "import { ipcRenderer } from 'electron';"],
    ['src/renderer/app/x.ts', "import { appRouter } from '../../main/router';"],
    ['src/renderer/app/x.ts', "import { buildApp } from '../../../server/src/app';"],
    ['src/preload/x.ts', "import { appRouter } from '../main/router';"],
    ['src/main/x.ts', "import { db } from '../renderer/db';"],
    ['src/main/x.ts', "import { buildApp } from '../../server/src/app';"],
    ['server/src/x.ts', "import { appRouter } from '../../src/main/router';"],
    ['server/src/x.ts', "import { db } from '../../src/renderer/db';"],
    ['src/main/render/compile/x.ts', "import ffmpeg from 'fluent-ffmpeg';"],
  ])('%s refuses %s', async (file, source) => {
    expect(await importErrors(file, `${source}\n`)).toHaveLength(1);
  });

  it.each([
    ['src/shared/campaign/x.ts', "import { z } from 'zod';\nimport { parseOrThrow } from '../validation';"],
    ['src/renderer/app/x.ts', "import type { AppRouter } from '../../main/router';\nimport { campaignSchema } from '../../shared/campaign/campaign';"],
    ['src/main/x.ts', "import { join } from 'node:path';\nimport { applyWSSHandler } from '@trpc/server/adapters/ws';\nimport { describeIssues } from '../shared/validation';"],
    ['server/src/x.ts', "import Fastify from 'fastify';\nimport { describeIssues } from '../../src/shared/validation';"],
    ['src/main/render/ffmpeg-runner.ts', "import ffmpeg from 'fluent-ffmpeg';"],
  ])('%s allows what its layer may use', async (file, source) => {
    expect(await importErrors(file, `${source}\n`)).toEqual([]);
  });
});
